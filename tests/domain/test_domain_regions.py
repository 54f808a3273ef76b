"""Region codes: shape, level, parents, scope, and rows of the official list."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk_app.domain.errors import ValidationError
from kiosk_app.domain.regions import (
    Region,
    ancestors,
    in_scope,
    level_of,
    parent_of,
    parse_region_row,
    validate_region_code,
)

VILLAGE = "35.07.12.2003"


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("35", "province", None),
        ("35.07", "regency", "35"),
        ("35.07.12", "district", "35.07"),
        (VILLAGE, "village", "35.07.12"),
    ],
)
def test_level_and_parent_follow_the_shape(code: str, level: str, parent: str | None) -> None:
    assert level_of(code) == level
    assert parent_of(code) == parent


def test_ancestors_are_listed_province_first() -> None:
    assert ancestors(VILLAGE) == ["35", "35.07", "35.07.12"]
    assert ancestors("35.07") == ["35"]
    assert ancestors("35") == []


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "3",
        "350",
        "35.7",
        "35.07.12.203",
        "35.07.12.20033",
        "35.07.12.2003.1",
        "3507122003",
        "35-07-12-2003",
        "35.07.12.",
        "ab.cd",
        "35.07.12.2003x",
        "３５",
    ],
)
def test_malformed_codes_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        level_of(bad)
    [error] = caught.value.errors
    assert error.code == "code.invalid"
    assert "Kode wilayah tidak valid" in error.message_id


def test_validate_village_code_trims_and_checks_the_level() -> None:
    assert validate_region_code(f" {VILLAGE} ", "village") == VILLAGE
    assert validate_region_code("35.07", "regency") == "35.07"
    assert validate_region_code("35.07") == "35.07"


def test_a_district_code_is_not_a_village_code() -> None:
    # Given a valid code of another level / When checked as a village / Then a clear error
    with pytest.raises(ValidationError) as caught:
        validate_region_code("35.07.12", "village")
    [error] = caught.value.errors
    assert (error.field, error.code) == ("village_code", "village_code.wrong_level")
    assert error.message_id == "Kode desa/kelurahan tidak valid. Contoh: 35.07.12.2003"


def test_village_code_error_names_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_region_code("tidak tahu", "village")
    assert caught.value.errors[0].field == "village_code"
    assert "35.07.12.2003" in caught.value.errors[0].message_en


def test_unknown_level_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown region level"):
        validate_region_code("35", "kecamatan")


@pytest.mark.parametrize(
    ("code", "scope", "inside"),
    [
        (VILLAGE, "35", True),
        (VILLAGE, "35.07", True),
        (VILLAGE, "35.07.12", True),
        (VILLAGE, VILLAGE, True),
        (VILLAGE, "35.07.12.2004", False),
        (VILLAGE, "35.07.1", None),  # malformed scope
        ("35.07.12", VILLAGE, False),
        ("35.71.12.2003", "35.7", None),
        ("35.71.12.2003", "35.07", False),  # prefix of the text, not of the region
        ("36.07.12.2003", "35", False),
    ],
)
def test_in_scope(code: str, scope: str, inside: bool | None) -> None:
    if inside is None:
        with pytest.raises(ValidationError):
            in_scope(code, scope)
    else:
        assert in_scope(code, scope) is inside


def test_in_scope_refuses_a_malformed_code_that_a_prefix_test_would_let_through() -> None:
    with pytest.raises(ValidationError) as caught:
        in_scope("35.07x", "35")
    assert caught.value.errors[0].field == "code"


_SEGMENT = {
    2: st.text(alphabet="0123456789", min_size=2, max_size=2),
    4: st.text(alphabet="0123456789", min_size=4, max_size=4),
}
# A code of any level: 1 to 4 segments of 2, 2, 2 and 4 digits.
codes = st.integers(min_value=1, max_value=4).flatmap(
    lambda n: st.tuples(*(_SEGMENT[w] for w in (2, 2, 2, 4)[:n])).map(".".join)
)


@given(codes)
def test_a_code_is_in_scope_of_itself_and_each_ancestor_and_not_below(code: str) -> None:
    assert in_scope(code, code)
    for up in ancestors(code):
        assert in_scope(code, up)
        assert not in_scope(up, code)
    assert len(ancestors(code)) == ["province", "regency", "district", "village"].index(
        level_of(code)
    )
    parent = parent_of(code)
    assert parent == (ancestors(code)[-1] if ancestors(code) else None)


def test_parse_region_row_accepts_a_good_row() -> None:
    row = {"code": " 35.07.12.2003 ", "name": " Ternyang ", "level": "village"}
    assert parse_region_row(row) == Region(VILLAGE, "Ternyang", "village")


def test_parse_region_row_accepts_upper_case_level() -> None:
    assert parse_region_row({"code": "35", "name": "Jawa Timur", "level": "Province"}).level == (
        "province"
    )


def test_parse_region_row_reports_every_problem_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_region_row({"code": "35.7", "name": "", "level": "desa"})
    assert [e.code for e in caught.value.errors] == [
        "code.invalid",
        "name.required",
        "level.invalid",
    ]


def test_parse_region_row_refuses_a_level_that_disagrees_with_the_code() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_region_row({"code": "35.07", "name": "Kabupaten Malang", "level": "village"})
    [error] = caught.value.errors
    assert (error.field, error.code) == ("level", "level.mismatch")
    assert "35.07" in error.message_id and "kabupaten/kota" in error.message_id


def test_parse_region_row_handles_missing_columns_from_csv() -> None:
    # csv.DictReader fills short rows with None
    with pytest.raises(ValidationError) as caught:
        parse_region_row({"code": "35", "name": None, "level": None})
    assert {e.field for e in caught.value.errors} == {"name", "level"}


def test_parse_region_row_refuses_overlong_names() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_region_row({"code": "35", "name": "J" * 101, "level": "province"})
    assert caught.value.errors[0].code == "name.too_long"
