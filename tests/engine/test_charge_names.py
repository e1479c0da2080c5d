"""The engine's month-end documents name their lines in the documents' language
(the business's ``locale``, as for every document it issues): a charge's name
for that locale (``Charge.names``, the order ``Charge.name_in`` gives), else its
description. Replaying closed periods, even after the catalog names a charge,
issues nothing and leaves the issued documents as they were (billing._same_bill:
a line's description is its name, not what it bills). On a MemoryStore and on
SQLite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from billkit.engine import Billing
from billkit.invoicing.render.html import render_html
from billkit.money import Money
from billkit.notify import MemoryNotifier
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock, Store
from billkit.pricing.models import PerUnit
from billkit.pricing.plans import Charge, Plan
from billkit.serialize import from_data
from billkit.storage import MemoryStore, SqlStore
from tests.engine.support import SELLER, START
from tests.storage.support import migrated_sqlite

CALLS = Charge(
    code="calls",
    metric="calls",
    description="Calls",
    included=100,
    model=PerUnit(unit_price=Money("0.01", "EUR")),
)
NAMED = Charge(
    code="calls",
    metric="calls",
    description="Calls",
    names={"ru": "Звонки", "uk": "Дзвінки"},
    included=100,
    model=PerUnit(unit_price=Money("0.01", "EUR")),
)


def _plan(charge: Charge) -> Plan:
    return Plan(
        code="voice",
        name="Voice",
        currency="EUR",
        base_fee=Money("20.00", "EUR"),
        charges=[charge],
    )


APRIL_1 = datetime(2026, 4, 1, 2, tzinfo=timezone.utc)
MAY_1 = datetime(2026, 5, 1, 2, tzinfo=timezone.utc)


@pytest.fixture(params=["memory", "sqlite"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], Store]]:
    """Makes a store; each call a new one (a business of its own)."""
    made: list[SqlStore] = []

    def make() -> Store:
        if request.param == "memory":
            return MemoryStore()
        folder = tmp_path / f"db{len(made)}"
        folder.mkdir()
        store = SqlStore(migrated_sqlite(folder))
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


def _engine(store: Store, clock: FixedClock, plan: Plan, locale: str) -> Billing:
    return Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [plan],
        seller=SELLER,
        locale=locale,
    )


def _march(store: Store, clock: FixedClock, plan: Plan, locale: str) -> Billing:
    """A customer on ``plan`` from 1 March, 600 calls in March, billed on 1 April."""
    engine = _engine(store, clock, plan, locale)
    engine.add_customer("ivan", SELLER, currency="EUR", method="tok_visa")
    engine.subscribe("ivan-voice", "ivan", "voice")
    engine.record_usage("ivan-voice", "calls", 600, key="march")
    clock.set(APRIL_1)
    engine.run()
    return engine


def _documents(store: Store) -> dict[str, tuple[str | None, object]]:
    with store.transaction(readonly=True) as tx:
        return {d.id: (d.number, d.data) for d in tx.documents()}


MARCH_INVOICE = "ivan-voice|2026-03-01|2026-04-01|invoice|0"


def test_a_russian_documents_lines_are_named_in_russian(
    new_store: Callable[[], Store],
) -> None:
    # The Russian business (locale ru_RU) and the English one bill the same plan:
    # 600 calls - 100 included = 500 x 0.01 = 5.00, after the 20.00 base fee.
    lines = {}
    for locale in ("ru_RU", "en"):
        store = new_store()
        _march(store, FixedClock(START), _plan(NAMED), locale)
        (_, data) = _documents(store)[MARCH_INVOICE]
        invoice = from_data(data)
        lines[locale] = [(line.description, line.net.amount) for line in invoice.lines]
        page = render_html(invoice)
        if locale == "ru_RU":
            assert "Звонки" in page
            assert "Calls" not in page
        else:
            assert "Calls" in page
            assert "Звонки" not in page
    assert [d for d, _ in lines["ru_RU"]] == ["Voice", "Звонки"]
    assert [d for d, _ in lines["en"]] == ["Voice", "Calls"]
    # the same figures in both languages
    assert [n for _, n in lines["ru_RU"]] == [n for _, n in lines["en"]]
    assert [str(n) for _, n in lines["en"]] == ["20.00", "5.00"]


def test_closed_periods_replayed_stay_as_issued_even_once_the_charge_is_named(
    new_store: Callable[[], Store],
) -> None:
    # March is issued in Russian before the catalog names the charge: "Calls".
    store = new_store()
    clock = FixedClock(START)
    _march(store, clock, _plan(CALLS), "ru_RU")
    before = _documents(store)
    (number, data) = before[MARCH_INVOICE]
    assert number is not None
    assert [line.description for line in from_data(data).lines] == ["Voice", "Calls"]
    # The catalog names the charge; April's month end replays March (every
    # period ended is planned again and compared with what was issued).
    engine = _engine(store, clock, _plan(NAMED), "ru_RU")
    engine.record_usage("ivan-voice", "calls", 300, key="april")
    clock.set(MAY_1)
    result = engine.run()
    assert result.issued == ("ivan-voice|2026-04-01|2026-05-01|invoice|0",)
    after = _documents(store)
    # no credit note, no supplementary invoice: March is byte for byte as issued
    assert sorted(after) == sorted([*before, "ivan-voice|2026-04-01|2026-05-01|invoice|0"])
    assert after[MARCH_INVOICE] == before[MARCH_INVOICE]
    april = from_data(after["ivan-voice|2026-04-01|2026-05-01|invoice|0"][1])
    assert [line.description for line in april.lines] == ["Voice", "Звонки"]
    # and running the same day again changes nothing at all
    assert engine.run().issued == ()
    assert _documents(store) == after
