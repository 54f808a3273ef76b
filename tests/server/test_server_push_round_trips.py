"""PostgreSQL: a push is two round trips, its BEGIN sent with its reads and its COMMIT
with its write (``driver_reads.pg_transaction``), and what goes wrong in between is
rolled back, leaving the pooled connection as clean as before. A sync's pull goes with
the write and the commit (``push.push(then=...)``): it reads what the pull would read
after the push, and leaves the writer's connection in its own plan mode (the write's generic plans
and the pull's are set for their own transactions only).

Left to psycopg, the transaction's BEGIN is sent alone and waited for, and a commit
inside a pipeline waits for its answer before the pipeline's end waits again: four
round trips, each a wake-up of the server's thread and of a backend. The round trips are
counted from libpq's own trace of the connection (its ``ReadyForQuery`` messages).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from kiosk_app.domain.record_ids import uuid7
from kiosk_app.protocol.messages import decode_request
from kiosk_server import pull, push
from kiosk_server.db import make_engine, product
from tests.server.helpers import Api, Device, merchant_fields, product_fields

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@pytest.fixture
def traced(api: Api) -> Iterator[tuple[Engine, Path]]:
    """An engine of its own whose connections libpq traces into a file."""
    engine = make_engine(api.settings.db_url)
    fd, name = tempfile.mkstemp(suffix=".trace")

    def trace(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.pgconn.trace(fd)

    event.listen(engine, "connect", trace)
    yield engine, Path(name)
    engine.dispose()
    os.close(fd)
    Path(name).unlink()


def _batch(kiosk: Device, merchant: str) -> Any:
    products = [kiosk.mutation("product", uuid7(), **product_fields(merchant)) for _ in range(3)]
    made = [kiosk.mutation("merchant", merchant, **merchant_fields()), *products]
    return decode_request({"protocol": 2, "cursor": 0, "mutations": made}).mutations


def _round_trips(trace: Path) -> int:
    return trace.read_text(errors="replace").count("ReadyForQuery")


def test_a_push_is_two_round_trips(api: Api, traced: tuple[Engine, Path]) -> None:
    # Given a kiosk, and a connection already made (its set-up is not the push's)
    engine, trace = traced
    kiosk = api.enroll()
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    before = _round_trips(trace)

    # When it pushes a merchant and three products
    scope = push.DeviceScope(kiosk.id, kiosk.region)
    result = push.push(engine, scope, _batch(kiosk, uuid7()), api.wall.peek())

    # Then all four are written, in two round trips
    assert len(result.accepted) == 4 and not result.rejected
    assert _round_trips(trace) - before == 2


def test_an_error_between_begin_and_commit_keeps_nothing_and_leaves_the_connection_clean(
    api: Api, traced: tuple[Engine, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a push that fails after its reads and rules, before its write (a bug)
    engine, _trace = traced
    kiosk = api.enroll()
    scope = push.DeviceScope(kiosk.id, kiosk.region)

    def broken(_b: Any) -> None:
        raise RuntimeError("a bug between the reads and the write")

    with monkeypatch.context() as m:
        m.setattr(push, "_grant_photos", broken)
        with pytest.raises(RuntimeError, match="a bug"):
            push.push(engine, scope, _batch(kiosk, uuid7()), api.wall.peek())

    # Then nothing of it was kept, and the same pooled connection, out of its
    # transaction and back in psycopg's own mode, serves the next push
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None and not driver.autocommit
        assert driver.pgconn.transaction_status == 0  # IDLE
        assert conn.execute(select(product.c.id)).all() == []
    result = push.push(engine, scope, _batch(kiosk, uuid7()), api.wall.peek())
    assert len(result.accepted) == 4
    assert engine.pool.checkedout() == 0 and engine.pool.size() >= 1


@pytest.mark.parametrize("region", ["35.07.12", "35.07"])
def test_the_pull_sent_with_the_write_reads_what_a_pull_after_the_push_reads(
    api: Api, traced: tuple[Engine, Path], region: str
) -> None:
    # Given a kiosk (a district's, a regency's) whose region another kiosk changed
    engine, trace = traced
    kiosk, other = api.enroll(region), api.enroll(region)
    cursor = api.sync(kiosk)["cursor"]
    api.sync(other, [other.mutation("merchant", uuid7(), **merchant_fields())])
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    before = _round_trips(trace)

    # When it pushes, its pull sent after the commit with the write
    scope = push.DeviceScope(kiosk.id, kiosk.region)
    then = pull.after_a_write(kiosk.region, cursor, 500)
    result = push.push(engine, scope, _batch(kiosk, uuid7()), api.wall.peek(), then)

    # Then it is still two round trips, and its page is the one a pull reads after it
    assert _round_trips(trace) - before == 2
    assert result.then_rows is not None
    page = pull.page_after_a_write(result.then_rows, cursor, 500, kiosk.node)
    after = pull.pull(api.engine, kiosk.region, cursor, 500, kiosk.node)
    assert (list(page.changes), page.cursor, page.more) == (
        list(after.changes), after.cursor, after.more)  # fmt: skip
    assert len(list(page.changes)) == 1  # the other kiosk's merchant; its own are echoes
    # and the writer's connection plans as before, custom plans
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
        assert conn.exec_driver_sql("SHOW enable_seqscan").scalar() == "on"


def test_a_batch_sent_again_sends_no_pull_with_it(api: Api, traced: tuple[Engine, Path]) -> None:
    # Given a batch already applied
    engine, _trace = traced
    kiosk = api.enroll()
    scope = push.DeviceScope(kiosk.id, kiosk.region)
    batch = _batch(kiosk, uuid7())
    then = pull.after_a_write(kiosk.region, 0, 500)
    assert push.push(engine, scope, batch, api.wall.peek(), then).then_rows is not None

    # When it is sent again (a retry after a lost answer): it writes no row
    again = push.push(engine, scope, batch, api.wall.peek(), then)

    # Then every mutation is answered as before, and no pull went with it (the sync
    # pulls on its own)
    assert len(again.accepted) == 4 and again.then_rows is None
