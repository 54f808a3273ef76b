"""The kiosk's region scope: the villages this kiosk may register merchants in.

Enrollment stores the region the server accepts writes from this kiosk for (a
Kemendagri code of any level, e.g. ``35.07`` for a regency). Once it is known, a
merchant's village must lie inside it: the store refuses any other (so the merchant
form and ``import`` do too), the village picker offers only those, and a USB bundle
leaves out what the server would refuse. A kiosk not enrolled yet has no scope and
takes any village of its region list.
"""

from __future__ import annotations

from sqlite_utils import Database

from kiosk_app.domain.errors import FieldError, ValidationError
from kiosk_app.domain.regions import in_scope
from kiosk_app.store.connection import Source, database_of
from kiosk_app.store.settings import Key, Settings


def kiosk_scope(source: Source) -> str | None:
    """The enrolled region code, or None before enrollment."""
    return Settings(database_of(source)).get(Key.REGION) or None


def inside(code: str, scope: str | None) -> bool:
    """True when ``code`` may be written under ``scope`` (always, without a scope)."""
    if scope is None:
        return True
    try:
        return in_scope(code, scope)
    except ValidationError:
        return False


def region_label(source: Source, code: str) -> str:
    """``Kabupaten Malang (35.07)``, or the bare code when the name is not known here."""
    db = database_of(source)
    row = db.execute("SELECT name FROM region WHERE code = ?", [code]).fetchone()
    return f"{row[0]} ({code})" if row else code


def scope_sql(column: str) -> str:
    """A WHERE clause part keeping ``column`` (a region code) inside ``:scope``."""
    return f"(:scope IS NULL OR {column} = :scope OR {column} LIKE :scope || '.%')"


def villages_in_scope(source: Source, scope: str | None) -> int:
    """How many villages of the region list lie in ``scope`` (all, without one)."""
    db = database_of(source)
    sql = f"SELECT count(*) FROM region WHERE level = 'village' AND {scope_sql('code')}"
    return int(db.execute(sql, {"scope": scope}).fetchone()[0])


def out_of_scope_error(db: Database, code: str, scope: str) -> FieldError:
    village = region_label(db, code)
    region = region_label(db, scope)
    return FieldError(
        "village_code",
        "village_code.out_of_scope",
        f"Desa {village} di luar wilayah kios ini ({region}): server tidak akan "
        "menerimanya. Pilih desa di wilayah kios.",
        f"Village {village} is outside this kiosk's region ({region}): the server would "
        "refuse it. Pick a village in the kiosk's region.",
    )


def records_outside(source: Source, scope: str | None) -> dict[tuple[str, str], str]:
    """Every record (merchants, their products and photos) of a merchant whose village
    lies outside ``scope``, with that merchant's name: what the server would refuse."""
    db = database_of(source)
    if scope is None:
        return {}
    merchants = {
        str(r[0]): str(r[1] or r[0])
        for r in db.execute("SELECT id, business_name, village_code FROM merchant").fetchall()
        if r[2] and not inside(str(r[2]), scope)
    }
    found: dict[tuple[str, str], str] = {("merchant", m): n for m, n in merchants.items()}
    for merchant_id, name in merchants.items():
        products = [
            str(r[0])
            for r in db.execute("SELECT id FROM product WHERE merchant_id = ?", [merchant_id])
        ]
        for product_id in products:
            found[("product", product_id)] = name
            for (photo_id,) in db.execute(
                "SELECT id FROM photo WHERE product_id = ?", [product_id]
            ).fetchall():
                found[("photo", str(photo_id))] = name
    return found
