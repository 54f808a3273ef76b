"""Convergence: random mutations from three devices, delivered in any order, any number of
times, in any batches, always leave the server in the same state, and that state is the
one the merge rules define (latest stamp per field, every stock move once, tombstones,
regions following parents)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kiosk_app.domain.hlc import Stamp
from kiosk_app.protocol.messages import Mutation
from kiosk_server.db import RECORD_TABLES, make_engine
from kiosk_server.push import DeviceScope, push
from tests.server.helpers import NEAR_VILLAGE, OTHER_VILLAGE, merchant_fields
from tests.support import VILLAGE

MERCHANTS = ["00000000-0000-7000-8000-00000000000" + str(i) for i in (1, 2)]
PRODUCTS = ["00000000-0000-7000-8000-00000000001" + str(i) for i in (1, 2)]
PHOTO = "00000000-0000-7000-8000-000000000021"
BASE_MS = 1_750_000_000_000
NODES = ("n1", "n2", "n3")
SERVER_MS = BASE_MS + 10**6

FIELD_VALUES: dict[str, dict[str, list[Any]]] = {
    "merchant": {
        "business_name": ["Kopi Sri", "Warung Sri", "Toko Sri"],
        "address": ["Dusun Krajan", "Jl. Raya 5", None],
        "phone": ["+6281234567890", "+6281311112222"],
        "status": ["active", "inactive"],
        "village_code": [VILLAGE, NEAR_VILLAGE, OTHER_VILLAGE],  # the last is out of scope
    },
    "product": {
        "name": ["Kopi Robusta", "Kopi Arabika", "Gula Aren"],
        "price": [15000, 20000, 35000],
        "status": ["draft", "published"],
        "description": ["Enak", None],
        "merchant_id": MERCHANTS,
    },
    "photo": {"position": [0, 1, 2]},
}


def seed() -> list[Mutation]:
    stamp = f"{BASE_MS:013d}-0000-seed"
    out = []
    for i, m in enumerate(MERCHANTS):
        out.append(_m(f"0{i}", "merchant", m, stamp, "upsert", merchant_fields()))
    for i, p in enumerate(PRODUCTS):
        fields = {"merchant_id": MERCHANTS[i], "name": "Kopi", "price": 1000, "status": "draft"}
        out.append(_m(f"1{i}", "product", p, stamp, "upsert", fields))
        out.append(_m(f"2{i}", "product", p, stamp, "stock", {"stock": 10}))
    photo = {"product_id": PRODUCTS[0], "position": 0, "sha256": "a" * 64, "thumb_sha256": "b" * 64}
    out.append(_m("30", "photo", PHOTO, stamp, "upsert", photo))
    return out


def _m(tag: str, entity: str, row: str, stamp: str, op: str, fields: dict[str, Any]):
    mid = f"00000000-0000-7000-9000-{tag.rjust(12, '0')}"
    return Mutation(mid, entity, row, stamp, op, fields)


ROWS = {"merchant": MERCHANTS, "product": PRODUCTS, "photo": [PHOTO]}


@st.composite
def edit(draw: st.DrawFn) -> tuple[str, str, str, dict[str, Any]]:
    kind = draw(st.sampled_from(["upsert", "upsert", "upsert", "stock", "delete"]))
    if kind == "stock":
        return (
            "product",
            draw(st.sampled_from(PRODUCTS)),
            "stock",
            {"stock": draw(st.integers(-5, 5))},
        )
    entity = draw(st.sampled_from(["merchant", "merchant", "product", "product", "photo"]))
    row = draw(st.sampled_from(ROWS[entity]))
    if kind == "delete":
        return entity, row, "delete", {}
    names = draw(st.lists(st.sampled_from(sorted(FIELD_VALUES[entity])), min_size=1, max_size=2))
    if "village_code" in names:
        names = ["village_code"]  # alone, so an out-of-scope move refuses nothing else
    fields = {n: draw(st.sampled_from(FIELD_VALUES[entity][n])) for n in names}
    return entity, row, "upsert", fields


@st.composite
def device_history(draw: st.DrawFn, device: int) -> list[Mutation]:
    """One device's mutations with strictly increasing stamps (as its clock makes them)."""
    edits = draw(st.lists(edit(), max_size=8))
    wall, counter, out = BASE_MS, 0, []
    for i, (entity, row, op, fields) in enumerate(edits):
        step = draw(st.integers(0, 2))  # small steps: ties across devices are common
        wall, counter = (wall + step, 0) if step else (wall, counter + 1)
        stamp = f"{wall:013d}-{counter:04x}-{NODES[device]}"
        out.append(_m(f"{device + 5}{i:02d}", entity, row, stamp, op, fields))
    return out


@st.composite
def deliveries(draw: st.DrawFn, histories: list[list[Mutation]]) -> list[tuple[int, list]]:
    """All mutations, shuffled, some repeated, cut into batches of one device each."""
    tagged = [(d, m) for d, history in enumerate(histories) for m in history]
    if not tagged:
        return []
    order = draw(st.permutations(tagged))
    dups = draw(st.lists(st.sampled_from(tagged), max_size=6))
    stream = list(order)
    for dup in dups:
        stream.insert(draw(st.integers(0, len(stream))), dup)
    batches: list[tuple[int, list[Mutation]]] = []
    for device, mutation in stream:
        if batches and batches[-1][0] == device and not draw(st.booleans()):
            batches[-1][1].append(mutation)
        else:
            batches.append((device, [mutation]))
    return batches


def deliver(template: Path, work: Path, batches: list[tuple[int, list]]) -> dict[str, Any]:
    shutil.copyfile(template, work)
    engine = make_engine(f"sqlite:///{work}")
    try:
        push(engine, DeviceScope("seed", "35.07"), seed(), SERVER_MS)
        for device, batch in batches:
            push(engine, DeviceScope(f"device-{device}", "35.07"), batch, SERVER_MS)
        return state(engine)
    finally:
        engine.dispose()


def state(engine: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        for entity, table in RECORD_TABLES.items():
            for row in conn.execute(select(table)):
                values = dict(row._mapping)
                for noise in ("seq", "created_at", "updated_at"):
                    values.pop(noise)
                values["clocks"] = json.loads(values["clocks"])
                out[f"{entity}:{values['id']}"] = values
    return out


def expected(histories: list[list[Mutation]]) -> dict[str, Any]:
    """The state the merge rules define, computed without a database."""
    best: dict[tuple[str, str, str], tuple[str, Any]] = {}
    stock = dict.fromkeys(PRODUCTS, 0)
    for m in seed() + [m for h in histories for m in h]:
        if m.op == "stock":
            stock[m.row_id] += m.fields["stock"]
            continue
        fields = {"deleted": 1} if m.op == "delete" else m.fields
        if fields.get("village_code") == OTHER_VILLAGE:
            continue  # refused: out of the devices' region
        for name, value in fields.items():
            key = (m.entity, m.row_id, name)
            if key not in best or m.hlc > best[key][0]:
                best[key] = (m.hlc, value)
    rows: dict[str, dict[str, Any]] = {}
    for (entity, row, name), (_stamp, value) in best.items():
        rows.setdefault(f"{entity}:{row}", {})[name] = value
    for p in PRODUCTS:
        rows[f"product:{p}"]["stock"] = stock[p]
    return rows


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_delivery_order_with_duplicates_gives_the_same_state(
    data: st.DataObject, sqlite_template: Path, tmp_path: Path
):
    histories = [data.draw(device_history(d), label=f"device {d}") for d in range(3)]
    in_order = [(d, list(h)) for d, h in enumerate(histories) if h]
    shuffled = data.draw(deliveries(histories), label="delivery")

    first = deliver(sqlite_template, tmp_path / "a.db", in_order)
    second = deliver(sqlite_template, tmp_path / "b.db", shuffled)

    assert second == first
    want = expected(histories)
    for key, fields in want.items():
        got = first[key]
        assert {k: got[k] for k in fields} == fields, key
    merchants = {m: first[f"merchant:{m}"]["village_code"] for m in MERCHANTS}
    for p in PRODUCTS:  # a product lies in its merchant's village, wherever both moved
        product = first[f"product:{p}"]
        assert product["scope_code"] == merchants[product["merchant_id"]]
    photo = first[f"photo:{PHOTO}"]
    assert photo["scope_code"] == first[f"product:{photo['product_id']}"]["scope_code"]
    for key, row in first.items():  # each stamp is the latest one seen for its field
        assert all(Stamp.parse(s) for s in row["clocks"].values()), key
