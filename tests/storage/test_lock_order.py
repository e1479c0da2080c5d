"""PostgreSQL takes a transaction's lock scopes one by one, in sorted order, and
locks the rows a batch changes in id order: two batches cannot deadlock.

What is checked is what the server reports in ``pg_locks`` while a transaction
waits: the scopes before the one it waits for are held, the ones after are
not yet asked for.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from billkit.storage import SqlStore
from billkit.storage.sql import lock_key
from tests.storage.support import PostgresSchema, _postgres_schema  # noqa: F401 (fixture)

pytestmark = pytest.mark.postgres


@pytest.fixture(name="pg")
def _pg(postgres_schema: Any) -> Iterator[SqlStore]:
    postgres_schema.empty()
    store = SqlStore(postgres_schema.url, schema=postgres_schema.name)
    try:
        yield store
    finally:
        store.close()


def _advisory(conn: sa.Connection, pid: int) -> dict[int, bool]:
    """The advisory locks of backend ``pid``: key -> granted."""
    rows = conn.execute(
        sa.text(
            "SELECT classid::bigint AS hi, objid::bigint AS lo, granted FROM pg_locks"
            " WHERE locktype = 'advisory' AND objsubid = 1 AND pid = :pid"
        ),
        {"pid": pid},
    )
    # a bigint key is kept as two 32-bit halves (PostgreSQL 15, 28.3.5 / pg_locks)
    return {
        int.from_bytes(((r.hi << 32) | r.lo).to_bytes(8, "big"), "big", signed=True): r.granted
        for r in rows
    }


def test_the_scopes_of_a_transaction_are_taken_one_by_one_in_sorted_order(
    pg: SqlStore, postgres_schema: Any
) -> None:
    # Advisory locks are per database, shared by every schema: names no other test takes.
    b, d, a, c = (
        f"lock-order-test:{name}" for name in ("account:b", "account:d", "series:a", "series:c")
    )
    key = {name: lock_key(name, postgres_schema.name) for name in (a, b, c, d)}
    admin = sa.create_engine(postgres_schema.url)
    release, held = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def holder() -> None:
        try:
            with pg.transaction(lock=a):  # the third scope in sorted order
                held.set()
                release.wait(60)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    def waiter() -> None:
        try:
            with pg.transaction(lock=[c, b, a, d]):  # sorted: b, d, a, c
                pass
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    first, second = threading.Thread(target=holder), threading.Thread(target=waiter)
    first.start()
    assert held.wait(30)
    second.start()
    try:
        deadline = time.monotonic() + 30
        pid = None
        with admin.connect() as conn:
            while pid is None and time.monotonic() < deadline:
                pid = conn.execute(
                    sa.text(
                        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                        " AND classid::bigint = :hi AND objid::bigint = :lo"
                    ),
                    {"hi": (key[a] >> 32) & 0xFFFFFFFF, "lo": key[a] & 0xFFFFFFFF},
                ).scalar()
                time.sleep(0.02)
            assert pid is not None, "the second transaction never waited for the third scope"
            locks = _advisory(conn, pid)
        # the two scopes before the held one are held, it is awaited, the last not asked for yet
        assert locks == {key[b]: True, key[d]: True, key[a]: False}
    finally:
        release.set()
        first.join(30)
        second.join(30)
        admin.dispose()
    assert not errors
    assert not first.is_alive()
    assert not second.is_alive()


def test_a_stores_scopes_are_its_schemas_a_store_in_another_schema_does_not_wait(
    pg: SqlStore, postgres_schema: Any
) -> None:
    # Advisory locks are the database's; a store in a schema of its own names its
    # scopes with the schema. While a transaction of this schema's store holds
    # "series:INV", a store of another schema takes its own "series:INV" at once,
    # and the key of this schema's scope is taken (a try to take it fails).
    other = PostgresSchema(postgres_schema.url)
    elsewhere = SqlStore(other.url, schema=other.name)
    admin = sa.create_engine(postgres_schema.url)
    took = threading.Event()

    def elsewhere_too() -> None:
        with elsewhere.transaction(lock="series:INV"):
            took.set()

    try:
        with pg.transaction(lock="series:INV"):
            thread = threading.Thread(target=elsewhere_too)
            thread.start()
            thread.join(30)
            assert took.is_set(), "the other schema's store waited for this schema's scope"
            with admin.begin() as conn:
                try_lock = "SELECT pg_try_advisory_xact_lock(%s)"
                assert not conn.exec_driver_sql(
                    try_lock % lock_key("series:INV", postgres_schema.name)
                ).scalar()
        # (the unqualified key is a store's on the search path: other tests may hold it)
        assert lock_key("series:INV") != lock_key("series:INV", postgres_schema.name)
    finally:
        elsewhere.close()
        admin.dispose()
        other.drop()
