"""SqlStore on PostgreSQL: a batch's writes in few round trips, long values in lz4.

A batch's savepoint, its rows and its release are sent together (psycopg's
pipeline mode, ``sql._pipeline``); what the database refuses is undone and
told as before (the contract suite's "all or nothing" tests run these paths on
every store). Here: the statements still reach SQLAlchemy's listeners (what
``benchmarks/bench_engine.py --statements`` counts), in their order, and a
store's sessions compress long values with lz4 where the server has it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from billkit.money import Money
from billkit.storage import SqlStore
from billkit.storage.records import (
    AccountRecord,
    DocumentEvent,
    DocumentRecord,
    EntryRecord,
    OutboxMessage,
    PayerRecord,
    SeriesRecord,
)
from tests.storage.support import _postgres_schema  # noqa: F401 (fixture)

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)


@pytest.fixture(name="pg")
def _pg(postgres_schema: Any) -> Iterator[SqlStore]:
    postgres_schema.empty()
    store = SqlStore(postgres_schema.url, schema=postgres_schema.name)
    try:
        yield store
    finally:
        store.close()


def _draft(id: str, data: dict[str, object] | None = None) -> DocumentRecord:
    return DocumentRecord(
        id=id,
        customer="acme",
        kind="invoice",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 4, 1),
        total=Money("10.00", "EUR"),
        data=data or {"lines": []},
    )


def _seed(tx: Any) -> None:
    tx.save_payer(PayerRecord(id="acme", data={"name": "Acme"}))
    zero = Money("0", "EUR")
    tx.open_account(AccountRecord(id="acme/main", customer="acme", credit_limit=zero, balance=zero))
    tx.create_series(SeriesRecord(name="INV", prefix="INV-", width=3))


def _kind(statement: str) -> str:
    words = statement.split()
    if words[0] in ("INSERT", "UPDATE"):
        return f"{words[0]} {words[2] if words[0] == 'INSERT' else words[1]}"
    return " ".join(words[:2])


def test_a_batchs_statements_reach_the_listeners_in_order(pg: SqlStore) -> None:
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(_kind(statement))

    with pg.transaction() as tx:
        _seed(tx)
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", listen)
    try:
        with pg.transaction(lock=["account:acme"]) as tx:
            seen.clear()
            issued = tx.issue_all([(_draft("a"), "INV"), (_draft("b"), "INV")], at=T0)
            assert seen == [
                "SAVEPOINT billkit_batch",
                "UPDATE billkit_series",
                "INSERT billkit_documents",
                "INSERT billkit_document_events",
                "RELEASE SAVEPOINT",
            ]
            seen.clear()
            tx.enqueue_all(
                [OutboxMessage(id=0, key="m1", topic="invoice.issued", payload={}, created_at=T0)]
            )
            assert seen == ["SAVEPOINT billkit_batch", "INSERT billkit_outbox", "RELEASE SAVEPOINT"]
            seen.clear()
            tx.post_all(
                [
                    EntryRecord(
                        account="acme/main",
                        key="pay",
                        amount=Money("10.00", "EUR"),
                        at=T0,
                        kind="payment",
                    ),
                    EntryRecord(
                        account="acme/main",
                        key="doc|a",
                        amount=Money("-10.00", "EUR"),
                        at=T0,
                        kind="charge",
                    ),
                ]
            )
            assert seen[1:] == [  # after the accounts read and locked
                "SAVEPOINT billkit_batch",
                "INSERT billkit_entries",
                "RELEASE SAVEPOINT",
                "UPDATE billkit_accounts",
            ]
            seen.clear()
            tx.change_status_all(
                [DocumentEvent(document="a", event="pay", status="paid", at=T0, data={})]
            )
            assert seen[1:] == ["UPDATE billkit_documents", "INSERT billkit_document_events"]
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", listen)
    with pg.transaction(readonly=True) as tx:
        assert [d.number for d in issued] == ["INV-001", "INV-002"]
        assert tx.document("a").status == "paid"
        assert tx.balance("acme/main") == Money("0.00", "EUR")
        assert [e.event for e in tx.document_events("a")] == ["issue", "pay"]


def test_a_refused_batch_leaves_the_transaction_usable(pg: SqlStore) -> None:
    # b's number INV-001 is taken by a: the pipelined insert is refused, undone
    # to its savepoint, and the one-by-one calls say why; the transaction goes on.
    with pg.transaction() as tx:
        _seed(tx)
        tx.create_series(SeriesRecord(name="OLD", prefix="INV-", width=3))
        tx.issue_all([(_draft("a"), "INV")], at=T0)
        from billkit.errors import DuplicateRecordError

        with pytest.raises(DuplicateRecordError):
            tx.issue_all([(_draft("c"), "INV"), (_draft("b"), "OLD")], at=T0)
        assert tx.issue_all([(_draft("c"), "INV")], at=T0)[0].number == "INV-002"
    with pg.transaction(readonly=True) as tx:
        assert sorted(d.id for d in tx.documents()) == ["a", "c"]
        assert (tx.series("INV").next, tx.series("OLD").next) == (3, 1)


def test_long_values_are_compressed_with_lz4_where_the_server_has_it(pg: SqlStore) -> None:
    engine = sa.create_engine(pg._engine.url)  # a plain client's session
    try:
        with engine.connect() as conn:
            offered = conn.exec_driver_sql(
                "SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'"
            ).scalar()
    finally:
        engine.dispose()
    if not offered or "lz4" not in offered:
        pytest.skip("this server has no lz4: long values keep its default compression")
    # About 6 kB of JSON that compresses well: stored compressed, inline or not.
    data = {
        "lines": [{"description": f"Line {i} of the invoice", "amount": "1.00"} for i in range(120)]
    }
    with pg.transaction() as tx:
        _seed(tx)
        tx.issue_all([(_draft("a", data), "INV")], at=T0)
        method = tx._conn.exec_driver_sql(
            "SELECT pg_column_compression(data) FROM billkit_documents WHERE id = 'a'"
        ).scalar()
    assert method == "lz4"
    with pg.transaction(readonly=True) as tx:
        assert tx.document("a").data == data
