"""How the engine issues documents: several sellers in one store, prices that include VAT.

The five example businesses share one store, each its own ``Billing`` with
its own seller (``business=``). The hosting business's prices include VAT
(250.00 RUB including VAT); the engine must bill such a price as the invoice
total, and take exactly that total as the payment.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.billing import BillingState, PlanFrom, Subscribed, plan_documents
from billkit.engine import Billing
from billkit.errors import BillingError
from billkit.invoicing import DocumentTerms
from billkit.money import Money
from billkit.notify import MemoryNotifier
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock, Store
from billkit.pricing.plans import Plan
from billkit.serialize import from_data
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

START = datetime(2026, 3, 1, 9, tzinfo=timezone.utc)
MONTH_END = datetime(2026, 4, 1, 2, tzinfo=timezone.utc)
CHAT = Party(kind="legal_entity", country="IT", name="Chat S.r.l.")
ROZSYLKA = Party(kind="legal_entity", country="UA", name='ТОВ "Розсилка Про"')
HOSTING = Party(kind="legal_entity", country="RU", name='ООО "Хостинг"')
GROWTH = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
STANDARD = Plan(code="standard", name="Standard", currency="UAH", base_fee=Money("1200.00", "UAH"))
EXTRA = Plan(code="extra", name="Extra", currency="UAH", base_fee=Money("500.00", "UAH"))
VPS = Plan(code="vps", name="VPS Start", currency="RUB", base_fee=Money("250.00", "RUB"))


def _engine(store: Store, clock: FixedClock, **options: object) -> Billing:
    gateway = SandboxGateway(clock=clock, currencies=("EUR", "UAH", "RUB"))
    return Billing(
        store, gateway, MemoryNotifier(), clock, [GROWTH, STANDARD, EXTRA, VPS], **options
    )  # type: ignore[arg-type]


def _sellers(store: Store) -> dict[str, str]:
    with store.transaction(readonly=True) as tx:
        return {d.id: from_data(d.data).seller.name for d in tx.documents()}


# ---------------------------------------------------------------- sellers


def test_two_businesses_keep_their_own_seller_in_one_store(store: Store) -> None:
    clock = FixedClock(START)
    chat = _engine(store, clock, seller=CHAT, business="4", invoice_series="CHAT")
    mail = _engine(store, clock, seller=ROZSYLKA, business="2", invoice_series="RP")
    chat.add_customer("4-acme", Party(kind="legal_entity", country="IT", name="Acme S.p.A."),
                      currency="EUR", method="tok_visa")  # fmt: skip
    chat.subscribe("4-acme-growth", "4-acme", "growth")
    mail.add_customer("2-olena", Party(kind="individual", country="UA", name="Olena Kovalenko"),
                      currency="UAH", method="tok_visa")  # fmt: skip
    mail.subscribe("2-olena-mail", "2-olena", "standard")
    # Reopened without a seller (as `billkit run` does), each business reads its own.
    clock.set(MONTH_END)
    chat = _engine(store, clock, business="4", invoice_series="CHAT")
    mail = _engine(store, clock, business="2", invoice_series="RP")
    assert (chat.seller, mail.seller) == (CHAT, ROZSYLKA)
    # Each runs its own shard of the store (subscription ids "2-..." and "4-...").
    assert chat.run(id_from="4-", id_to="5-").billed == 1
    assert mail.run(id_from="2-", id_to="3-").billed == 1
    assert _sellers(store) == {
        "2-olena-mail|2026-03-01|2026-04-01|invoice|0": 'ТОВ "Розсилка Про"',
        "4-acme-growth|2026-03-01|2026-04-01|invoice|0": "Chat S.r.l.",
    }


def test_the_default_business_keeps_the_one_seller_of_earlier_stores(store: Store) -> None:
    clock = FixedClock(START)
    _engine(store, clock, seller=CHAT)  # a store made before sellers had keys
    _engine(store, clock, seller=ROZSYLKA, business="2")
    assert _engine(store, clock).seller == CHAT
    with store.transaction(readonly=True) as tx:
        assert from_data(tx.payer("_seller").data["party"]) == CHAT


def test_a_business_without_a_kept_seller_is_refused_by_name(store: Store) -> None:
    clock = FixedClock(START)
    _engine(store, clock, seller=CHAT)
    with pytest.raises(BillingError, match="business '5'"):
        _engine(store, clock, business="5")
    with pytest.raises(BillingError, match="business = ''"):
        _engine(store, clock, seller=CHAT, business="")


# ---------------------------------------------------------------- prices with VAT


def _month(store: Store, plan: str, seller: Party, **options: object) -> Billing:
    clock = FixedClock(START)
    engine = _engine(store, clock, seller=seller, **options)
    engine.add_customer("c1", Party(kind="individual", country=seller.country, name="Olena"),
                        currency=engine.plans[plan].currency.code, method="tok_visa")  # fmt: skip
    engine.subscribe("c1-sub", "c1", plan)
    clock.set(MONTH_END)
    return engine


def test_a_price_that_includes_vat_is_the_invoice_total_and_the_charge(store: Store) -> None:
    engine = _month(store, "standard", ROZSYLKA, prices_include_tax=True)
    report = engine.run()
    # 1 200.00 UAH including 20 % VAT: net 1 200 / 1.2 = 1 000.00, VAT 200.00.
    assert report.invoiced == (("UAH", Decimal("1200.00")),)
    assert report.paid == 1
    with store.transaction(readonly=True) as tx:
        (doc,) = tx.documents()
        invoice = from_data(doc.data)
        assert invoice.prices_include_tax is True
        assert (invoice.totals.net, invoice.totals.tax, invoice.totals.gross) == (
            Money("1000.00", "UAH"),
            Money("200.00", "UAH"),
            Money("1200.00", "UAH"),
        )
        assert (doc.total, doc.status) == (Money("1200.00", "UAH"), "paid")
        # The charge taken is the invoice's total, not the price before VAT.
        assert [(e.kind, e.amount) for e in tx.entries("c1/main")] == [
            ("payment", Money("1200.00", "UAH")),
            ("charge", Money("-1200.00", "UAH")),
        ]
        assert tx.balance("c1/main") == Money("0", "UAH")
    assert engine.gateway.get_payment("pay_0001").amount == Money("1200.00", "UAH")


def test_the_hosting_price_of_250_rub_includes_vat() -> None:
    from billkit.storage import MemoryStore

    store = MemoryStore()
    engine = _month(store, "vps", HOSTING, prices_include_tax={"vps": True})
    engine.run()
    with store.transaction(readonly=True) as tx:
        invoice = from_data(tx.documents()[0].data)
    # 22 % from 2026: 250.00 x 22 / 122 = 45.0819... -> 45.08 VAT, 204.92 net.
    assert (invoice.totals.net, invoice.totals.tax, invoice.totals.gross) == (
        Money("204.92", "RUB"),
        Money("45.08", "RUB"),
        Money("250.00", "RUB"),
    )
    assert engine.gateway.get_payment("pay_0001").amount == Money("250.00", "RUB")


def test_prices_include_vat_per_plan() -> None:
    from billkit.storage import MemoryStore

    store = MemoryStore()
    engine = _month(store, "standard", ROZSYLKA, prices_include_tax={"standard": True})
    engine.subscribe("c1-extra", "c1", "extra", on=START.date())
    report = engine.run()
    # Standard includes VAT: 1 200.00. Extra does not: 500.00 + 20 % = 600.00.
    with store.transaction(readonly=True) as tx:
        totals = {d.id.split("|")[0]: d.total for d in tx.documents()}
    assert totals == {"c1-sub": Money("1200.00", "UAH"), "c1-extra": Money("600.00", "UAH")}
    assert report.invoiced == (("UAH", Decimal("1800.00")),)


def test_a_bad_tax_setting_is_refused_by_name() -> None:
    from billkit.storage import MemoryStore

    clock = FixedClock(START)
    with pytest.raises(BillingError, match="prices_include_tax = 'yes'"):
        _engine(MemoryStore(), clock, seller=CHAT, prices_include_tax="yes")
    with pytest.raises(BillingError, match=r"prices_include_tax\['vps'\] = 1"):
        _engine(MemoryStore(), clock, seller=CHAT, prices_include_tax={"vps": 1})


@given(cents=st.integers(min_value=1, max_value=10**12))
def test_an_inclusive_price_is_always_the_total_and_its_parts_add_up(cents: int) -> None:
    price = Money(Decimal(cents).scaleb(-2), "UAH")
    plan = Plan(code="p", name="P", currency="UAH", base_fee=price)
    terms = DocumentTerms(seller=ROZSYLKA, buyer=ROZSYLKA, rules=None)
    sub = Subscribed(id="s", plans=[PlanFrom(on=date(2026, 3, 1), plan=plan)])
    state = BillingState(terms=terms, subscriptions=[sub], prices_include_tax={"p": True})
    (planned,) = plan_documents(state, date(2026, 4, 1))
    totals = planned.document.totals
    assert totals.gross == price
    assert totals.net + totals.tax == totals.gross
    # The VAT is the price's 20/120, rounded half up to the kopiyka.
    assert totals.tax.amount == (price.amount * 20 / 120).quantize(Decimal("0.01"), "ROUND_HALF_UP")


def test_billkit_run_bills_one_business_of_a_shared_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from billkit.cli import main
    from billkit.storage import SqlStore
    from tests.storage.support import migrated_sqlite

    url = migrated_sqlite(tmp_path)
    store = SqlStore(url)
    clock = FixedClock(START)
    chat = _engine(store, clock, seller=CHAT, business="4")
    hosting = _engine(store, clock, seller=HOSTING, business="3")
    chat.add_customer("4-acme", Party(kind="legal_entity", country="IT", name="Acme S.p.A."),
                      currency="EUR", method="tok_visa")  # fmt: skip
    chat.subscribe("4-acme-growth", "4-acme", "growth")
    hosting.add_customer("3-olga", Party(kind="individual", country="RU", name="Olga Ivanova"),
                         currency="RUB", method="tok_visa")  # fmt: skip
    hosting.subscribe("3-olga-vps", "3-olga", "vps")
    store.close()
    run = ["run", "--db", url, "--as-of", "2026-04-01"]
    # Without --business there is no one seller of the database to issue under.
    assert main(run) == 2
    assert "none is kept in the store for the store" in capsys.readouterr().err
    assert main([*run, "--business", "4", "--id-from", "4-", "--id-to", "5-"]) == 0
    # 99.00 EUR + 22 % = 120.78
    assert "invoiced               120.78 EUR" in capsys.readouterr().out
    assert main([*run, "--business", "3", "--id-from", "3-", "--id-to", "4-"]) == 0
    # 250.00 RUB + 22 % = 305.00
    assert "invoiced               305.00 RUB" in capsys.readouterr().out
    store = SqlStore(url)
    try:
        assert _sellers(store) == {
            "3-olga-vps|2026-03-01|2026-04-01|invoice|0": 'ООО "Хостинг"',
            "4-acme-growth|2026-03-01|2026-04-01|invoice|0": "Chat S.r.l.",
        }
    finally:
        store.close()


def test_unpaid_invoices_lists_the_proformas_that_ask_to_be_paid(store: Store) -> None:
    from billkit.storage.records import DocumentRecord, PayerRecord, SeriesRecord

    at = datetime(2026, 4, 1, tzinfo=timezone.utc)
    eur = Money("24.40", "EUR")
    with store.transaction() as tx:
        tx.save_payer(PayerRecord(id="acme", data={}))
        tx.create_series(SeriesRecord(name="PF"))
        for id, kind in (("a", "proforma"), ("b", "proforma"), ("c", "invoice"), ("d", "act")):
            tx.save_draft(DocumentRecord(id=id, customer="acme", kind=kind, total=eur))
            tx.issue(id, series="PF", at=at)
        tx.change_status("b", event="withdraw", status="withdrawn", at=at)
    with store.transaction(readonly=True) as tx:
        # A withdrawn proforma and an act ask for nothing.
        assert [d.id for d in tx.unpaid_invoices()] == ["a", "c"]


def test_a_correction_of_a_price_with_vat_keeps_the_price_as_the_total() -> None:
    from billkit.pricing.models import PerUnit
    from billkit.pricing.plans import Charge
    from billkit.storage import MemoryStore

    mailing = Plan(
        code="mailing",
        name="Mailing",
        currency="UAH",
        base_fee=Money("1200.00", "UAH"),
        charges=[
            Charge(code="emails", metric="emails", model=PerUnit(unit_price=Money("0.12", "UAH")))
        ],
    )
    store = MemoryStore()
    clock = FixedClock(START)
    gateway = SandboxGateway(clock=clock, currencies=("UAH",))
    engine = Billing(store, gateway, MemoryNotifier(), clock, [mailing], seller=ROZSYLKA,
                     prices_include_tax=True)  # fmt: skip
    engine.add_customer("olena", Party(kind="individual", country="UA", name="Olena"),
                        currency="UAH", method="tok_visa")  # fmt: skip
    engine.subscribe("olena-mail", "olena", "mailing")
    engine.record_usage("olena-mail", "emails", 1000, key="e1")
    clock.set(MONTH_END)
    engine.run()
    # 1 200.00 + 1 000 x 0.12 = 1 320.00 with VAT: 200.00 + 20.00 of it (a sixth of each line).
    engine.record_usage("olena-mail", "emails", 500, key="e2", at=START)  # late
    clock.set(datetime(2026, 5, 1, 2, tzinfo=timezone.utc))
    report = engine.run()
    with store.transaction(readonly=True) as tx:
        note = from_data(tx.document("olena-mail|2026-03-01|2026-04-01|credit_note|1").data)
        again = from_data(tx.document("olena-mail|2026-03-01|2026-04-01|invoice|1").data)
        entries = [(e.kind, e.amount.amount) for e in tx.entries("olena/main")]
    assert (note.totals.net, note.totals.tax, note.totals.gross) == (
        Money("1100.00", "UAH"),
        Money("220.00", "UAH"),
        Money("1320.00", "UAH"),
    )
    # 1 200.00 + 1 500 x 0.12 = 1 380.00: VAT 200.00 + 30.00 = 230.00, net 1 150.00.
    assert (again.totals.net, again.totals.tax, again.totals.gross) == (
        Money("1150.00", "UAH"),
        Money("230.00", "UAH"),
        Money("1380.00", "UAH"),
    )
    # March paid 1 320.00, refunded by the credit note to the balance; the corrected
    # March (1 380.00, more than the balance) is charged to the card in full; April
    # (1 200.00) is paid from the balance, 120.00 left.
    assert entries == [
        ("payment", Decimal("1320.00")),
        ("charge", Decimal("-1320.00")),
        ("refund", Decimal("1320.00")),
        ("payment", Decimal("1380.00")),
        ("charge", Decimal("-1380.00")),
        ("charge", Decimal("-1200.00")),
    ]
    assert report.invoiced == (
        ("UAH", Decimal("-1320.00") + Decimal("1380.00") + Decimal("1200.00")),
    )
