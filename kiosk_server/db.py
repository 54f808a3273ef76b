"""The server's tables (SQLAlchemy Core), the engine, and migrations run on start.

Records keep their synced fields as columns, a JSON map of per-field clock stamps,
the region code that scopes them (the merchant's village) and ``seq``: their place in
the one server-wide change sequence that device cursors walk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    any_,
    bindparam,
    create_engine,
    event,
    literal_column,
)
from sqlalchemy.dialects.postgresql import ARRAY

from kiosk_app.domain.records import ENTITIES

metadata = MetaData()


def _record_table(entity: str, extra: list[Column[object]]) -> Table:
    spec = ENTITIES[entity]
    columns: list[Column[object]] = [Column("id", Text, primary_key=True)]
    parent_key = spec.parent[0] if spec.parent else None
    for name in spec.fields:
        kind = BigInteger if name in spec.integer_fields else Text
        columns.append(Column(name, kind, index=name == parent_key))
    columns += [
        Column("clocks", Text, nullable=False),
        Column("scope_code", Text, nullable=False, index=True),
        Column("seq", BigInteger, index=True),
        Column("created_at", Text, nullable=False),
        Column("updated_at", Text, nullable=False),
        *extra,
    ]
    return Table(entity, metadata, *columns)


def _moderation() -> list[Column[object]]:
    """Server-only columns of a record a coordinator hid from the public catalog (never
    synced: a kiosk's edit does not unhide it)."""
    return [Column("hidden_at", Text), Column("hidden_reason", Text), Column("hidden_by", Text)]


# ``erased_at``: the merchant was erased on request (UU PDP): the row stays as a tombstone
# without personal data, so the erasure reaches every kiosk of its region by the pull.
merchant = _record_table("merchant", [*_moderation(), Column("erased_at", Text)])
product = _record_table(
    "product",
    [
        Column("stock", BigInteger, nullable=False, default=0),
        Column("stock_nodes", Text, nullable=False, default="[]"),
        *_moderation(),
    ],
)
photo = _record_table("photo", [])
# Looked up by blob: the catalog's photo route, the blob collector.
Index("ix_photo_sha256", photo.c.sha256)
Index("ix_photo_thumb_sha256", photo.c.thumb_sha256)
RECORD_TABLES = {"merchant": merchant, "product": product, "photo": photo}
# A district's code is its first eight characters ("35.07.12"), and so is the district
# part of every village code under it. A pull for a district's or a village's device
# walks its district's rows in change order by this index, not every region's changes
# since its cursor (``pull``); the expression is written as the pull writes it.
DISTRICT_CHARS = 8
DISTRICT_OF_SCOPE = f"substr(scope_code, 1, {DISTRICT_CHARS})"
for _name, _table in RECORD_TABLES.items():
    Index(f"ix_{_name}_district_seq", literal_column(DISTRICT_OF_SCOPE), _table.c.seq)

region = Table(
    "region",
    metadata,
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("parent_code", Text),
    Column("seq", BigInteger, index=True),
)
device = Table(
    "device",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("node_id", Text),
    Column("token_hash", Text, nullable=False, unique=True),
    # The device's Ed25519 public key (base64) that its USB bundles are signed with.
    Column("bundle_key", Text),
    Column("app_version", Text),
    Column("created_at", Text, nullable=False),
    Column("last_seen", Text),
    Column("revoked_at", Text),
    # The kiosk's own report, sent with its syncs (``protocol.messages.Telemetry``),
    # kept for the fleet page (``admin/fleet.py``). ``app_version_key`` sorts versions.
    Column("app_version_key", Text),
    Column("telemetry_at", Text),
    Column("pending_changes", Integer),
    Column("pending_photos", Integer),
    Column("last_error", Text),
    Column("last_error_at", Text),
    Column("clock_skew_s", Integer),
    Column("sync_median_ms", Integer),
    Column("bytes_per_day", BigInteger),
    # The fleet page pages by (sort key, id) from an index, at any size of fleet.
    Index("ix_device_last_seen", "last_seen", "id"),
    Index("ix_device_region", "region", "id"),
    Index("ix_device_name", "name", "id"),
    Index("ix_device_version", "app_version_key", "id"),
)
enroll_code = Table(
    "enroll_code",
    metadata,
    Column("code_hash", Text, primary_key=True),
    Column("region", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
    Column("used_at", Text),
    Column("device_id", Text),
    Column("created_by", Text),  # the admin account that made it (None: the CLI)
    Index("ix_enroll_code_created_at", "created_at"),
)
# Program console (``kiosk_server/admin``): people who log in at /admin/, their
# sessions, and what they did.
admin_account = Table(
    "admin_account",
    metadata,
    Column("id", Text, primary_key=True),
    Column("email", Text, nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", Text, nullable=False),  # national, region or viewer
    Column("region", Text),  # scope: a region code (any level); None for everywhere
    Column("created_at", Text, nullable=False),
    Column("disabled_at", Text),
    Column("last_login_at", Text),
)
admin_session = Table(
    "admin_session",
    metadata,
    Column("token_hash", Text, primary_key=True),
    Column("account_id", Text, nullable=False, index=True),
    Column("csrf", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
)
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Text, nullable=False, index=True),
    Column("account_id", Text),
    Column("email", Text),  # as it was then: accounts can be disabled, never renamed
    Column("action", Text, nullable=False),
    Column("target", Text),
    Column("region", Text),
    Column("detail", Text),  # JSON
    Column("ip", Text),
)
applied_mutation = Table(
    "applied_mutation",
    metadata,
    Column("id", Text, primary_key=True),
    Column("device_id", Text, nullable=False),
    Column("status", Text, nullable=False),  # "accepted" or a rejection code
    Column("message", Text),
    Column("applied_at", Text, nullable=False),
)
conflict = Table(
    "conflict",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity", Text, nullable=False),
    Column("row_id", Text, nullable=False, index=True),
    Column("field", Text, nullable=False),
    Column("lost_value", Text),
    Column("lost_hlc", Text, nullable=False),
    Column("won_value", Text),
    Column("won_hlc", Text, nullable=False),
    Column("device_id", Text),
    Column("created_at", Text, nullable=False),
)
blob = Table(
    "blob",
    metadata,
    Column("sha256", Text, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("uploaded_by", Text),
    Column("created_at", Text, nullable=False),
)
# Devices that proved they hold a blob's bytes (uploaded them, or brought them on a
# signed bundle): one of the two reasons a device may read a blob.
blob_holder = Table(
    "blob_holder",
    metadata,
    Column("sha256", Text, primary_key=True),
    Column("device_id", Text, primary_key=True),
)
# Places (a photo's scope code) where a photo may show a blob: written when a device
# entitled to the blob (a holder, or one in whose region it is already granted) writes
# a photo referring to it, or when a blob arrives that photos there already refer to.
# The other reason to read a blob: a grant inside the device's region. It keeps a
# photo row from being a read permission for any hash its writer names.
blob_grant = Table(
    "blob_grant",
    metadata,
    Column("sha256", Text, primary_key=True),
    Column("scope_code", Text, primary_key=True),
)
# Announced app versions (staged rollouts): a kiosk inside ``region`` (empty: the whole
# country) sees ``version`` when its device id falls in the first ``share`` percent
# (a hash of id and version, so the same kiosks every time), or when it lies in one of
# ``regions`` (comma-separated codes). Withdrawn rows are kept for the record.
rollout = Table(
    "rollout",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", Text, nullable=False),
    Column("region", Text, nullable=False),
    Column("share", Integer),
    Column("regions", Text),
    Column("created_at", Text, nullable=False),
    Column("created_by", Text),
    Column("withdrawn_at", Text),
)
# Settings pushed to kiosks through sync, per region; the most specific region wins.
region_setting = Table(
    "region_setting",
    metadata,
    Column("region", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("updated_by", Text),
)
# USB bundles imported, by the id in their signed manifest: a bundle comes in once.
imported_bundle = Table(
    "imported_bundle",
    metadata,
    Column("id", Text, primary_key=True),
    Column("device_id", Text, nullable=False),
    Column("imported_at", Text, nullable=False),
    Column("mutations", Integer, nullable=False),
    Column("blobs", Integer, nullable=False),
)
upload = Table(
    "upload",
    metadata,
    Column("id", Text, primary_key=True),
    Column("device_id", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("length", BigInteger, nullable=False),
    Column("kind", Text),
    Column("created_at", Text, nullable=False),
    Column("completed_at", Text),
    # Bytes held (the tus offset): moved only by a statement that checks the offset it
    # expects, in the transaction that stores those bytes (``uploads_state.append``).
    Column("received", BigInteger, nullable=False, server_default="0"),
    # An unfinished upload untouched until then is removed with its bytes.
    Column("expires_at", Text),
    # A kiosk whose creation POST was cut asks for its unfinished upload by hash.
    Index("ix_upload_device_sha256", "device_id", "sha256"),
)
# The bytes of unfinished uploads, a row per stored piece, so any server process can
# continue an upload another began (docs/server.md, "Stateless uploads").
upload_chunk = Table(
    "upload_chunk",
    metadata,
    Column("upload_id", Text, nullable=False),
    Column("start", BigInteger, nullable=False),
    Column("data", LargeBinary, nullable=False),
    PrimaryKeyConstraint("upload_id", "start"),
)
# One row: the last value handed out of the server-wide change sequence. Writers take
# its row lock just before commit, so sequence order is commit order and a reader
# walking ``seq > cursor`` can never skip a row that commits later.
counter = Table(
    "counter",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", BigInteger, nullable=False),
)

MIGRATIONS = Path(__file__).with_name("migrations")
READ_ONLY = "kiosk_read_only"


# Statements are prepared on their first use (psycopg waits for five by default): the
# server runs the same few statements all day, and parsing them anew was a quarter of
# PostgreSQL's time per sync. Plans stay custom: a generic plan made while a table was
# small (a new deployment) is a sequential scan that would outlive the table's growth.
_POSTGRES_CONNECT = {"prepare_threshold": 0, "options": "-c plan_cache_mode=force_custom_plan"}
# Reads run on every sync (the device's token, the pull) may keep PostgreSQL's generic
# plans: planning the pull's five-branch UNION anew was half of PostgreSQL's CPU per
# idle sync (bench_server_sync.py --cost). PostgreSQL plans a prepared statement again
# whenever ANALYZE (autovacuum's) has updated its tables' statistics, so a generic plan
# made while a table was small does not outlive the table's growth.
POSTGRES_READS: dict[str, Any] = {"prepare_threshold": 0, "options": "-c plan_cache_mode=auto"}


def is_postgres_url(url: str) -> bool:
    return url.startswith("postgresql+psycopg")


# Both pools hand out the connection returned last (``pool_use_lifo``): at the usual
# load a sync or two at a time, so a few backends do the work with their caches warm,
# and the rest sit idle, instead of every backend of the pool waking in turn.
def make_read_engine(url: str) -> Engine | None:
    """PostgreSQL: a pool of its own for the reads every sync makes (``POSTGRES_READS``).
    SQLite: None, the one engine serves them."""
    if not is_postgres_url(url):
        return None
    return create_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=False,
        pool_use_lifo=True,
        hide_parameters=True,
        connect_args=POSTGRES_READS,
    )


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # hide_parameters: a database error is logged without the values bound to its
        # statement, which are merchants' personal data.
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # SQLAlchemy's recipe: let us issue BEGIN ourselves (pysqlite defers it).
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # Writers take the write lock up front (two readers upgrading to writers
            # deadlock); a read-only transaction is a plain WAL snapshot that blocks nobody.
            if conn.get_execution_options().get(READ_ONLY):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # No pre-ping: it costs a round trip on every checkout (bench/bench_server_sync.py:
    # idle syncs 6.5 -> 4.6 ms). A connection PostgreSQL dropped fails its request once
    # (a 500 the kiosk retries); SQLAlchemy then discards the pool's stale connections.
    return create_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=False,
        pool_use_lifo=True,
        hide_parameters=True,
        connect_args=_POSTGRES_CONNECT if url.startswith("postgresql+psycopg") else {},
    )


def is_postgres(engine_or_conn: Engine | Connection) -> bool:
    return engine_or_conn.dialect.name == "postgresql"


def one_of(column: Any, values: list[str], *, postgres: bool) -> Any:
    """``column IN values``. On PostgreSQL as ``= ANY(array)``: the statement's text is the
    same whatever the number of values, so the driver prepares it once and PostgreSQL
    stops parsing it on every request."""
    if postgres:
        return column == any_(bindparam(None, value=list(values), type_=ARRAY(Text)))
    return column.in_(values)


def read_only(conn: Connection) -> Connection:
    """Mark a connection's transactions as reads (SQLite: no write lock taken).

    On PostgreSQL reads run in autocommit: under read committed every statement takes
    its own snapshot anyway, and BEGIN and COMMIT would be two more round trips each."""
    options: dict[str, Any] = {READ_ONLY: True}
    if is_postgres(conn) and not conn.in_transaction():
        options["isolation_level"] = "AUTOCOMMIT"
    return conn.execution_options(**options)


def migrate(engine: Engine) -> None:
    """Bring the database to the latest schema (Alembic, same scripts for both databases)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
