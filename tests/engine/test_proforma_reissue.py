"""Asking again after a rejection (``Billing.reissue``).

The attribution business (``test_proforma_approval.py``: Parsian Apps, the
Attribution Starter plan, 690 250 000 IRR for its first period, proforma
PF-000001) asks the customer to check each proforma before approving it. A
customer may reject it, then agree off-line that the amount stands: the
business asks again, by the proforma of the next revision for the same
bill, which the customer approves (or rejects) as any other.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest

from billkit.errors import BillingError
from billkit.notify import compose
from billkit.ports import Store
from billkit.serialize import from_data
from billkit.storage import MemoryStore, SqlStore
from tests.engine.test_proforma_answers import REASON, _at, _at_once, _events, _told
from tests.engine.test_proforma_approval import (
    APPROVED,
    PROFORMA_0,
    SUBSCRIBED,
    TOTAL,
    _docs,
    _period_billed,
)
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

REVISED = "parsian-attr|2026-03-21|2026-04-20|proforma|1"
INVOICE_1 = "parsian-attr|2026-03-21|2026-04-20|invoice|1"
NEXT_PERIOD = "parsian-attr|2026-04-20|2026-05-20|proforma|0"
AGREED = datetime(2026, 4, 24, 11, tzinfo=timezone.utc)


def test_a_rejected_proforma_is_asked_again_once_and_approved(store: Store) -> None:
    engine, clock = _period_billed(store, method=None)
    clock.set(APPROVED)
    engine.reject(PROFORMA_0, reason=REASON)
    # Two days later the business and the customer agree the amount stands.
    clock.set(AGREED)
    assert engine.reissue(PROFORMA_0) == REVISED
    assert engine.reissue(PROFORMA_0) == REVISED  # a retry: the same proforma
    assert _docs(store) == [
        (PROFORMA_0, "PF-000001", "rejected", TOTAL),
        (REVISED, "PF-000002", "issued", TOTAL),
    ]
    assert _events(store, PROFORMA_0) == [
        ("issue", "issued", {}),
        ("reject", "rejected", {"reason": REASON}),
        ("reissue", "rejected", {"proforma": REVISED, "proforma_number": "PF-000002"}),
    ]
    with store.transaction(readonly=True) as tx:
        first = from_data(tx.document(PROFORMA_0).data)
        again = from_data(tx.document(REVISED).data)
    # The same lines and totals, dated 24 April, due as many days later as the first
    # gave (issued 20 April, due 30 April: 10 days), so 4 May; referring to PF-000001.
    assert (again.lines, again.totals) == (first.lines, first.totals)
    assert (first.issue_date, first.due_date) == (date(2026, 4, 20), date(2026, 4, 30))
    assert (again.issue_date, again.due_date) == (date(2026, 4, 24), date(2026, 5, 4))
    assert [r.number for r in again.references] == ["PF-000001"]
    # No run reports the period rejected any more, nor asks again: the bill is unchanged.
    clock.set(_at(date(2026, 4, 25)))
    assert engine.run().rejected == ()
    clock.set(_at(date(2026, 5, 20)))
    report = engine.run()
    assert (report.issued, report.rejected) == ((NEXT_PERIOD,), ())
    # The customer approves the new one: its invoice is issued.
    clock.set(_at(date(2026, 5, 21), 10))
    assert engine.approve(REVISED) == INVOICE_1
    with store.transaction(readonly=True) as tx:
        invoice = tx.document(INVOICE_1)
    assert (invoice.number, invoice.status, invoice.total) == ("AT-000001", "issued", TOTAL)
    # Told once, in Persian and in English.
    told = [m for m in _told(engine) if m.topic == "proforma.reissued"]
    assert len(told) == 1
    assert told[0].payload["document"] == REVISED
    subject, text, _ = compose(told[0])
    assert subject == "صدور پیش‌فاکتور PF-000002"
    assert "۶۹۰٬۲۵۰٬۰۰۰" in text
    assert compose(told[0], language="en")[1] == (
        "Proforma invoice PF-000002 for IRR690,250,000 is issued in place of rejected "
        "proforma invoice PF-000001: please approve or reject it.\n"
    )


def test_the_new_proforma_can_be_rejected_and_asked_again_in_turn() -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store, method=None)
    clock.set(APPROVED)
    engine.reject(PROFORMA_0, reason=REASON)
    clock.set(AGREED)
    engine.reissue(PROFORMA_0)
    engine.reject(REVISED, reason="still counted twice")
    clock.set(_at(date(2026, 4, 26)))
    third = "parsian-attr|2026-03-21|2026-04-20|proforma|2"
    assert engine.reissue(REVISED) == third
    assert engine.reissue(PROFORMA_0) == REVISED  # the first asks no more
    assert [(d[0], d[1], d[2]) for d in _docs(store)] == [
        (PROFORMA_0, "PF-000001", "rejected"),
        (REVISED, "PF-000002", "rejected"),
        (third, "PF-000003", "issued"),
    ]


def test_only_a_rejected_proforma_standing_for_its_period_is_asked_again() -> None:
    store = MemoryStore()
    engine, clock = _period_billed(store, method=None)
    clock.set(APPROVED)
    with pytest.raises(BillingError, match="it is issued") as refused:
        engine.reissue(PROFORMA_0)
    assert (refused.value.field, refused.value.value) == ("proforma", PROFORMA_0)
    engine.reject(PROFORMA_0, reason=REASON)
    with pytest.raises(BillingError, match="on or after") as early:
        engine.reissue(PROFORMA_0, at=datetime(2026, 4, 19, tzinfo=timezone.utc))
    assert early.value.field == "at"
    # The bill changes (100 attributions more): the run asks for the new amount
    # itself; the rejected proforma cannot be asked again for the old one.
    engine.record_usage("parsian-attr", "attributions", 100, key="missing", at=SUBSCRIBED)
    clock.set(_at(date(2026, 5, 20)))
    assert REVISED in engine.run().issued
    with pytest.raises(BillingError, match="a run issued the next revision"):
        engine.reissue(PROFORMA_0)
    # Given no id; without proforma_approval.
    plain = MemoryStore()
    other, _ = _period_billed(plain, method=None, proforma_approval=False)
    with pytest.raises(BillingError) as off:
        other.reissue(PROFORMA_0)
    assert (off.value.field, off.value.value) == ("proforma_approval", False)
    with pytest.raises(BillingError) as empty:
        engine.reissue("")
    assert empty.value.field == "proforma"


def _check_one_reissue(store: Any, url: str, schema: str | None) -> None:
    """Four workers ask again at once: one proforma, the same id for each."""
    engine, clock = _period_billed(store, method=None)
    clock.set(APPROVED)
    engine.reject(PROFORMA_0, reason=REASON)
    answers = _at_once(url, schema, [lambda e: e.reissue(PROFORMA_0)] * 4)
    assert answers == [REVISED] * 4
    with store.transaction(readonly=True) as tx:
        assert [d.id for d in tx.documents() if d.kind == "proforma"] == [PROFORMA_0, REVISED]
        assert [e.event for e in tx.document_events(PROFORMA_0)].count("reissue") == 1
        assert tx.document(REVISED).number == "PF-000002"
    told = [m for m in _told(engine) if m.topic == "proforma.reissued"]
    assert len(told) == 1


def test_workers_asking_again_at_once_issue_one_proforma_on_sqlite(tmp_path: Any) -> None:
    from tests.storage.support import migrated_sqlite

    url = migrated_sqlite(tmp_path)
    store = SqlStore(url)
    _check_one_reissue(store, url, None)
    store.close()


def test_workers_asking_again_at_once_issue_one_proforma_on_postgres(
    postgres_schema: Any,
) -> None:
    postgres_schema.empty()
    store = SqlStore(postgres_schema.url, schema=postgres_schema.name)
    _check_one_reissue(store, postgres_schema.url, postgres_schema.name)
    store.close()
