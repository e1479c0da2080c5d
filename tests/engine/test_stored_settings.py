"""A business's settings are kept in the store, as its seller and its dunning are.

``billkit run --db URL --business KEY`` (or a worker) opens the store with
nothing but the business's key: it must number in the business's series,
write in its language, bill its prices with or without tax and by proforma
as the business was set up, and dun by its numbers. A conflicting explicit
setting is refused, naming the field; a store that keeps none (made before
settings were kept) gives today's defaults.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.credit import (
    BonusProgram,
    BonusTier,
    Cashback,
    CashbackBase,
    Commission,
    CreditKind,
    FeeMode,
    PaymentMethod,
)
from billkit.engine import SETTINGS_ID, Billing
from billkit.errors import BillingError, CreditError, NotFoundError
from billkit.money import Money, RoundingPolicy, minor_units
from billkit.notify import MemoryNotifier
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.periods import Cycle, CycleUnit
from billkit.ports import CATEGORIES, CHANNELS, FixedClock
from billkit.serialize import to_data
from billkit.storage import MemoryStore
from billkit.storage.records import PayerRecord
from tests.engine import support
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)
from tests.strategies.amounts import currency_codes, exact_decimal
from tests.strategies.credit import commissions

ACME = Party(kind="legal_entity", country="IT", name="Acme S.p.A.")
HOSTING = {
    "invoice_series": "HINV",
    "credit_series": "HCN",
    "proforma_series": "HPF",
    "act_series": "HACT",
    "locale": "ru_RU",
    "prices_include_tax": True,
    "proforma": True,
    "proforma_final": "act",
    "max_attempts": 5,
    "cancel_at_cycle_end": False,
    "deletion_days": 30,
}


def _open(store: Any, clock: FixedClock, **options: Any) -> Billing:
    return Billing(
        store, SandboxGateway(clock=clock), MemoryNotifier(), clock, [support.PRO], **options
    )


def _settings(engine: Billing) -> dict[str, object]:
    return {
        "series": engine.series,
        "locale": engine.locale,
        "prices_include_tax": engine.prices_include_tax,
        "proforma": engine.proforma_plans,
        "proforma_final": engine.proforma_final,
        "max_attempts": engine.max_attempts,
        "cancel_at_cycle_end": engine.cancel_at_cycle_end,
        "deletion_days": engine.deletion_days,
    }


DEFAULTS = {
    "series": {"invoice": "INV", "credit_note": "CN"},
    "locale": "en",
    "prices_include_tax": None,
    "proforma": frozenset(),
    "proforma_final": "invoice",
    "max_attempts": 3,
    "cancel_at_cycle_end": True,
    "deletion_days": 90,
}


def test_a_business_reopened_by_its_key_gets_its_settings_back(store: Any) -> None:
    clock = FixedClock(support.START)
    first = _open(store, clock, seller=support.SELLER, business="hosting", **HOSTING)
    first.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    first.subscribe("acme-pro", "acme", "pro")
    # The "second process": the business's key only.
    second = _open(store, clock, business="hosting")
    assert (
        _settings(second)
        == _settings(first)
        == {
            "series": {"invoice": "HINV", "credit_note": "HCN", "proforma": "HPF", "act": "HACT"},
            "locale": "ru_RU",
            "prices_include_tax": True,
            "proforma": None,  # every plan
            "proforma_final": "act",
            "max_attempts": 5,
            "cancel_at_cycle_end": False,
            "deletion_days": 30,
        }
    )
    clock.set(support.MONTH_END)
    report = second.run()
    # By proforma, then an act; the Pro plan's 20.00 EUR includes the 22 % VAT, so
    # 20.00 is asked for and charged (tax-exclusive it would be 20.00 x 1.22 = 24.40).
    assert report.issued == (
        "acme-pro|2026-03-01|2026-04-01|proforma|0",
        "acme-pro|2026-03-01|2026-04-01|act|0",
    )
    with store.transaction(readonly=True) as tx:
        numbers = sorted((d.number, str(d.total.amount)) for d in tx.documents())
    assert numbers == [("HACT-000001", "20.00"), ("HPF-000001", "20.00")]
    # The customer chose no language: the business's, Russian.
    second.deliver()
    told = [(m.topic, m.payload["locale"]) for m in second.notifier.messages]  # type: ignore[attr-defined]
    assert ("act.issued", "ru_RU") in told
    assert {locale for _, locale in told} == {"ru_RU"}
    # Another business on the same store keeps its own (here: none, the defaults).
    chat = _open(store, clock, seller=support.SELLER, business="chat")
    assert _settings(chat) == DEFAULTS


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("invoice_series", "INV"),
        ("credit_series", "CN"),
        ("proforma_series", "PF"),
        ("act_series", "ACT"),
        ("locale", "en"),
        ("prices_include_tax", False),
        ("proforma", ["pro"]),
        ("proforma_final", "invoice"),
        ("max_attempts", 3),
        ("cancel_at_cycle_end", True),
        ("deletion_days", None),
    ],
)
def test_a_conflicting_setting_is_refused_naming_it(store: Any, field: str, value: Any) -> None:
    clock = FixedClock(support.START)
    _open(store, clock, seller=support.SELLER, business="hosting", **HOSTING)
    with pytest.raises(BillingError, match=rf"^{field} = .*kept in business 'hosting'"):
        _open(store, clock, business="hosting", **{field: value})
    # The same value is accepted, and what is kept is unchanged.
    same = _open(store, clock, business="hosting", **{field: HOSTING[field]})
    assert same.series["invoice"] == "HINV"
    assert _open(store, clock, business="hosting").max_attempts == 5


def test_a_store_that_keeps_no_settings_gives_the_defaults(store: Any) -> None:
    clock = FixedClock(support.START)
    _open(store, clock, seller=support.SELLER)
    assert _settings(_open(store, clock)) == DEFAULTS
    with store.transaction(readonly=True) as tx, pytest.raises(NotFoundError):
        tx.payer(SETTINGS_ID)  # nothing given, nothing written
    # One setting given is kept alone; one given later is added beside it.
    _open(store, clock, locale="it_IT")
    _open(store, clock, invoice_series="FT")
    reopened = _open(store, clock)
    assert (reopened.locale, reopened.series["invoice"], reopened.max_attempts) == (
        "it_IT",
        "FT",
        3,
    )
    with store.transaction(readonly=True) as tx:
        assert tx.payer(SETTINGS_ID).data == {"locale": "it_IT", "invoice_series": "FT"}


def test_plans_billed_by_proforma_are_kept_as_a_set(store: Any) -> None:
    clock = FixedClock(support.START)
    _open(store, clock, seller=support.SELLER, proforma=("team", "pro"))
    # The same plans in another order, or as a set, are the same setting.
    assert _open(store, clock, proforma={"pro", "team"}).proforma_plans == {"pro", "team"}
    assert _open(store, clock).proforma_plans == {"pro", "team"}
    with pytest.raises(BillingError, match=r"^proforma = \['pro'\]"):
        _open(store, clock, proforma=["pro"])


def test_a_bad_setting_is_refused_before_it_is_kept(store: Any) -> None:
    clock = FixedClock(support.START)
    with pytest.raises(BillingError, match="proforma_final"):
        _open(store, clock, seller=support.SELLER, proforma=True, proforma_final="receipt")
    with pytest.raises(BillingError, match="deletion_days"):
        _open(store, clock, seller=support.SELLER, deletion_days=-1)
    with pytest.raises(BillingError, match=r"^max_attempts = 0"):
        _open(store, clock, seller=support.SELLER, max_attempts=0)
    with pytest.raises(BillingError, match=r"^cancel_at_cycle_end = 'yes'"):
        _open(store, clock, seller=support.SELLER, cancel_at_cycle_end="yes")
    with pytest.raises(BillingError, match=r"^invoice_series = ''"):
        _open(store, clock, seller=support.SELLER, invoice_series="")
    assert _settings(_open(store, clock, seller=support.SELLER)) == DEFAULTS


def test_the_month_end_numbers_with_kept_series_and_dates(store: Any) -> None:
    # A business with its own invoice series, reopened by key, numbers in it.
    clock = FixedClock(support.START)
    first = _open(store, clock, seller=support.SELLER, business="b1", invoice_series="B1")
    first.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    first.subscribe("acme-pro", "acme", "pro")
    clock.set(datetime(2026, 4, 1, 2, tzinfo=timezone.utc))
    report = _open(store, clock, business="b1").run()
    # 20.00 x 1.22 = 24.40 tax-exclusive (the default, kept as nothing).
    assert report.invoiced == (("EUR", Decimal("24.40")),)
    with store.transaction(readonly=True) as tx:
        assert [d.number for d in tx.documents()] == ["B1-000001"]


def test_billkit_run_by_business_uses_the_kept_settings(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from billkit.cli import main
    from billkit.storage import SqlStore
    from tests.storage.support import migrated_sqlite

    url = migrated_sqlite(tmp_path)
    store = SqlStore(url)
    clock = FixedClock(support.START)
    setup = _open(
        store, clock, seller=support.SELLER, business="mail", invoice_series="ML",
        prices_include_tax=True,
    )  # fmt: skip
    setup.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    setup.subscribe("acme-pro", "acme", "pro")
    store.close()
    assert main(["run", "--db", url, "--as-of", "2026-04-01", "--business", "mail"]) == 0
    # The 20.00 EUR price includes the VAT: 20.00 invoiced (not 20.00 x 1.22 = 24.40).
    assert "invoiced               20.00 EUR" in capsys.readouterr().out
    store = SqlStore(url)
    try:
        with store.transaction(readonly=True) as tx:
            assert [d.number for d in tx.documents()] == ["ML-000001"]
    finally:
        store.close()


# --------------------------------------------------------------------------------------
# Payment days, channels, payment-method terms and the bonus program are kept too, and
# Billing.change_settings() changes what is kept.

CARD = PaymentMethod(
    name="card", commission=Commission(rate="5%", fixed=Money("1.00", "EUR")), cashback=None
)
WIRE = PaymentMethod(name="wire", commission=Commission(rate="0%", currency="EUR"))
BONUS = BonusProgram.percent(Money("20.00", "EUR"), "5%")
CHAT = {
    "payment_days": 14,
    "channels": {"finance": ["email", "sms"]},
    "methods": [CARD, WIRE],
    "bonus": BONUS,
}


def _kept(engine: Billing) -> dict[str, object]:
    return {
        "payment_days": engine.payment_days,
        "channels": engine.channels,
        "methods": engine.methods,
        "bonus": engine.bonus,
    }


def _documents(store: Any) -> list[tuple[str | None, str, str]]:
    """(number, issue date, due date) of every document, by id."""
    with store.transaction(readonly=True) as tx:
        return [
            (d.number, str(d.data["issue_date"]), str(d.data.get("due_date")))
            for d in tx.documents()
        ]


def _chat(store: Any, clock: FixedClock, **options: Any) -> Billing:
    """The chat business (key "chat") with Acme on the Pro plan since 1 March."""
    engine = _open(store, clock, seller=support.SELLER, business="chat", **options)
    card = "card" if "card" in engine.methods else None
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa", pays_with=card)
    engine.subscribe("acme-pro", "acme", "pro", on=support.START.date())
    return engine


def test_payment_days_channels_methods_and_bonus_are_kept(store: Any) -> None:
    clock = FixedClock(support.START)
    first = _open(store, clock, seller=support.SELLER, business="chat", **CHAT)
    second = _open(store, clock, business="chat")
    assert (
        _kept(second)
        == _kept(first)
        == {
            "payment_days": 14,
            "channels": {"finance": ("email", "sms")},
            "methods": {"card": CARD, "wire": WIRE},
            "bonus": BONUS,
        }
    )
    # Given again (methods in another order), they are the same settings.
    again = _open(store, clock, business="chat", **{**CHAT, "methods": [WIRE, CARD]})
    assert _kept(again) == _kept(first)
    # Another business keeps its own: here none, the defaults.
    other = _open(store, clock, seller=support.SELLER, business="mail")
    assert _kept(other) == {"payment_days": 10, "channels": {}, "methods": {}, "bonus": None}


def test_the_same_terms_written_otherwise_are_the_same_setting(store: Any) -> None:
    # 5 % is 0.05 and 0.050: one commission; the terms kept stay as first written.
    clock = FixedClock(support.START)
    _open(store, clock, seller=support.SELLER, methods=[CARD])
    same = attrs.evolve(CARD, commission=attrs.evolve(CARD.commission, rate=Decimal("0.050")))
    assert _open(store, clock, methods=[same]).methods == {"card": CARD}
    with store.transaction(readonly=True) as tx:
        assert tx.payer(SETTINGS_ID).data["methods"] == {"card": to_data(CARD)}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payment_days", 10),
        ("channels", {"finance": ["email"]}),
        ("channels", {}),
        ("methods", [CARD]),
        ("methods", []),
        (
            "methods",
            [
                attrs.evolve(CARD, commission=Commission(rate="4%", fixed=Money("1.00", "EUR"))),
                WIRE,
            ],
        ),
        ("bonus", BonusProgram.percent(Money("20.00", "EUR"), "6%")),
    ],
)
def test_a_conflicting_kept_value_is_refused_naming_it(store: Any, field: str, value: Any) -> None:
    clock = FixedClock(support.START)
    _open(store, clock, seller=support.SELLER, business="chat", **CHAT)
    with pytest.raises(BillingError, match=rf"^{field} = .*kept in business 'chat'"):
        _open(store, clock, business="chat", **{field: value})
    assert _kept(_open(store, clock, business="chat"))["payment_days"] == 14


def test_payment_days_changed_apply_to_the_next_invoice_only(store: Any) -> None:
    clock = FixedClock(support.START)
    chat = _chat(store, clock, payment_days=10)
    clock.set(support.MONTH_END)
    chat.run()
    assert chat.change_settings(payment_days=14) == {"payment_days": (10, 14)}
    assert chat.change_settings(payment_days=14) == {}  # the same again changes nothing
    clock.set(datetime(2026, 5, 1, 2, tzinfo=timezone.utc))
    report = _open(store, clock, business="chat").run()  # a worker opened afterwards
    # March's invoice, issued 1 April under 10 days, stays due 1 April + 10 = 11 April;
    # April's, issued 1 May under 14 days, is due 1 May + 14 = 15 May. March is not
    # billed again (no credit note): the due date is not part of the bill.
    assert report.issued == ("acme-pro|2026-04-01|2026-05-01|invoice|0",)
    assert _documents(store) == [
        ("INV-000001", "2026-04-01", "2026-04-11"),
        ("INV-000002", "2026-05-01", "2026-05-15"),
    ]


def test_a_commission_changed_applies_to_the_next_top_up(store: Any) -> None:
    clock = FixedClock(support.START)
    chat = _chat(store, clock, methods=[CARD])
    # 5 % + 1.00 on top of 20.00: 20.00 + 1.00 + 1.00 = 22.00 to pay.
    assert chat.top_up("acme", Money("20.00", "EUR"), key="t1").amount == Money("22.00", "EUR")
    cheaper = PaymentMethod(name="card", commission=Commission(rate="2.5%", currency="EUR"))
    changed = chat.change_settings(methods=[cheaper])
    assert changed == {"methods": ({"card": CARD}, {"card": cheaper})}
    # 2.5 % of 20.00 = 0.50, no fixed part: 20.50 to pay, from this Billing and from a
    # worker opened afterwards without methods=.
    assert chat.top_up("acme", Money("20.00", "EUR"), key="t2").amount == Money("20.50", "EUR")
    worker = _open(store, clock, business="chat")
    assert worker.top_up("acme", Money("20.00", "EUR"), key="t3").amount == Money("20.50", "EUR")
    # The first top-up's entries keep the commission it was paid under (booked, never edited).
    with store.transaction(readonly=True) as tx:
        fees = [(e.key, e.data.get("fee"), e.data.get("gross")) for e in tx.entries("acme/main")]
    assert fees == [
        ("topup|t1", "2.00", "22.00"),
        ("topup|t2", "0.50", "20.50"),
        ("topup|t3", "0.50", "20.50"),
    ]
    # A Billing opened with the old terms is refused, naming them.
    with pytest.raises(BillingError, match=r"^methods = .*change_settings\(\)"):
        _open(store, clock, business="chat", methods=[CARD])


def test_the_bonus_program_changed_applies_to_the_next_top_up(store: Any) -> None:
    clock = FixedClock(support.START)
    chat = _chat(store, clock, methods=[WIRE], bonus=BONUS)
    # 5 % over 20.00: 40.00 earns 2.00.
    chat.top_up("acme", Money("40.00", "EUR"), key="t1", via="wire")
    assert chat.change_settings(bonus=None) == {"bonus": (BONUS, None)}
    chat.top_up("acme", Money("40.00", "EUR"), key="t2", via="wire")
    with store.transaction(readonly=True) as tx:
        entries = [(e.kind, str(e.amount.amount)) for e in tx.entries("acme/main")]
    assert entries == [("payment", "40.00"), ("bonus", "2.00"), ("payment", "40.00")]
    assert _open(store, clock, business="chat").bonus is None


def test_a_series_changed_numbers_the_next_documents_in_a_new_series(store: Any) -> None:
    clock = FixedClock(support.START)
    chat = _chat(store, clock)
    month = [datetime(2026, m, 1, 2, tzinfo=timezone.utc) for m in (4, 5, 6, 7)]
    clock.set(month[0])
    chat.run()
    assert chat.change_settings(invoice_series="FT26") == {"invoice_series": ("INV", "FT26")}
    clock.set(month[1])
    chat.run()
    clock.set(month[2])
    chat.run()
    # Back to INV: it continues where it stopped (no number is used twice, none skipped).
    chat.change_settings(invoice_series="INV")
    clock.set(month[3])
    _open(store, clock, business="chat").run()
    assert [n for n, _, _ in _documents(store)] == [
        "INV-000001",
        "FT26-000001",
        "FT26-000002",
        "INV-000002",
    ]
    with store.transaction(readonly=True) as tx:
        assert (tx.series("INV").next, tx.series("FT26").next) == (3, 3)


def test_proforma_billing_turned_on_bills_the_next_period_by_proforma(store: Any) -> None:
    clock = FixedClock(support.START)
    chat = _chat(store, clock)
    clock.set(support.MONTH_END)
    chat.run()
    changed = chat.change_settings(proforma=True, proforma_final="act", act_series="A")
    assert changed == {
        "act_series": ("ACT", "A"),
        "proforma": (False, True),
        "proforma_final": ("invoice", "act"),
    }
    clock.set(datetime(2026, 5, 1, 2, tzinfo=timezone.utc))
    report = chat.run()
    # March keeps its invoice (not billed again); April is asked by proforma, paid by the
    # card at once, and the payment issues the act.
    assert report.issued == (
        "acme-pro|2026-04-01|2026-05-01|proforma|0",
        "acme-pro|2026-04-01|2026-05-01|act|0",
    )
    assert [n for n, _, _ in _documents(store)] == ["INV-000001", "A-000001", "PF-000001"]
    # Turned off again: May gets an invoice, numbered on from INV-000001.
    chat.change_settings(proforma=False)
    clock.set(datetime(2026, 6, 1, 2, tzinfo=timezone.utc))
    assert chat.run().issued == ("acme-pro|2026-05-01|2026-06-01|invoice|0",)
    assert _documents(store)[-1][0] == "INV-000002"


def test_prices_including_tax_cannot_change_once_billed(store: Any) -> None:
    clock = FixedClock(support.START)
    chat = _chat(store, clock)
    # Nothing billed yet: the change is taken.
    assert chat.change_settings(prices_include_tax={"pro": True}) == {
        "prices_include_tax": (None, {"pro": True})
    }
    clock.set(support.MONTH_END)
    chat.run()
    # Billed: a run recomputes every period, so March would be credited and billed
    # again at 20.00 x 1.22 = 24.40 instead of 20.00. Refused, and nothing changes.
    with pytest.raises(BillingError, match=r"^prices_include_tax = False: expected the kept"):
        chat.change_settings(prices_include_tax=False, payment_days=30)
    assert (chat.plan_prices_include_tax, chat.payment_days) == ({"pro": True}, 10)
    assert _open(store, clock, business="chat").payment_days == 10
    # The same value again is no change, and is taken.
    assert chat.change_settings(prices_include_tax={"pro": True}) == {}
    # Moving the bills to a new series does not hide what was billed.
    chat.change_settings(invoice_series="FT")
    with pytest.raises(BillingError, match="prices_include_tax"):
        chat.change_settings(prices_include_tax=None)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("invoice_series", "", r"^invoice_series = ''"),
        ("credit_series", 7, r"^credit_series = 7"),
        ("locale", "Italian", r"^locale = 'Italian'"),
        ("prices_include_tax", "yes", r"^prices_include_tax = 'yes'"),
        ("prices_include_tax", {"pro": 1}, r"^prices_include_tax\['pro'\] = 1"),
        ("proforma", None, r"^proforma = None"),
        ("proforma_final", "receipt", r"^proforma_final = 'receipt'"),
        ("max_attempts", 0, r"^max_attempts = 0"),
        ("max_attempts", True, r"^max_attempts = True"),
        ("cancel_at_cycle_end", "no", r"^cancel_at_cycle_end = 'no'"),
        ("deletion_days", -1, r"^deletion_days = -1"),
        ("payment_days", -1, r"^payment_days = -1"),
        ("payment_days", 10.0, r"^payment_days = 10.0"),
        ("channels", {"finance": ["pigeon"]}, r"^channels\['finance'\] = \['pigeon'\]"),
        ("channels", {"weather": ["email"]}, r"^channels\['weather'\] = 'weather'"),
        ("methods", CARD, r"^methods = PaymentMethod"),
        ("methods", [CARD, "wire"], r"^methods\[1\] = 'wire'"),
        ("methods", [CARD, CARD], r"^methods\[1\] = 'card': expected each method's name once"),
        ("bonus", "5%", r"^bonus = '5%'"),
        ("proforma_approval", "yes", r"^proforma_approval = 'yes'"),
    ],
)
def test_a_bad_change_is_refused_naming_it_and_changes_nothing(
    store: Any, field: str, value: Any, message: str
) -> None:
    clock = FixedClock(support.START)
    chat = _open(store, clock, seller=support.SELLER, business="chat", **CHAT)
    before = {**_settings(chat), **_kept(chat)}
    with pytest.raises(BillingError, match=message):
        chat.change_settings(**{"cancel_at_cycle_end": False, field: value})
    # Neither this Billing nor the store took anything (not even the good change).
    assert {**_settings(chat), **_kept(chat)} == before
    reopened = _open(store, clock, business="chat")
    assert {**_settings(reopened), **_kept(reopened)} == before
    # The same bad value is refused by Billing(...) too, before anything is kept
    # (there, None leaves a setting out).
    if value is not None:
        with pytest.raises(BillingError, match=message):
            _open(MemoryStore(), clock, seller=support.SELLER, **{field: value})


def test_approval_changed_needs_an_invoice_to_issue_and_a_refusal_changes_nothing(
    store: Any,
) -> None:
    # An approval issues an invoice to pay, so proforma_approval needs
    # proforma_final="invoice"; asked of a business that issues acts, it is
    # refused with nothing kept, and allowed once the final document changes too.
    clock = FixedClock(support.START)
    chat = _open(
        store, clock, seller=support.SELLER, business="chat", proforma=True, proforma_final="act"
    )
    before = {**_settings(chat), **_kept(chat)}
    with pytest.raises(BillingError, match=r"^proforma_approval = True.*proforma_final='invoice'"):
        chat.change_settings(proforma_approval=True)
    assert {**_settings(chat), **_kept(chat)} == before
    changed = chat.change_settings(proforma_approval=True, proforma_final="invoice")
    assert changed == {"proforma_final": ("act", "invoice"), "proforma_approval": (False, True)}
    assert chat.proforma_approval is True
    assert _open(store, clock, business="chat").proforma_approval is True


def test_a_billing_opened_earlier_keeps_what_it_read_until_it_changes_settings(
    store: Any,
) -> None:
    clock = FixedClock(support.START)
    early = _open(store, clock, seller=support.SELLER, business="chat", locale="en")
    late = _open(store, clock, business="chat")
    assert late.change_settings(locale="it_IT", deletion_days=None, max_attempts=4) == {
        "locale": ("en", "it_IT"),
        "max_attempts": (3, 4),
        "deletion_days": (90, None),
    }
    assert (early.locale, early.max_attempts, early.deletion_days) == ("en", 3, 90)
    # early's own change reads the store first: it takes late's changes as well.
    assert early.change_settings(cancel_at_cycle_end=False) == {
        "cancel_at_cycle_end": (True, False)
    }
    assert (early.locale, early.max_attempts, early.deletion_days) == ("it_IT", 4, None)
    with store.transaction(readonly=True) as tx:
        assert tx.payer(f"{SETTINGS_ID}/chat").data == {
            "locale": "it_IT",
            "max_attempts": 4,
            "deletion_days": None,
            "cancel_at_cycle_end": False,
        }


def test_channels_changed_apply_to_the_next_notices(store: Any) -> None:
    clock = FixedClock(support.START)
    chat = _chat(store, clock, channels={"finance": ["email"]})
    clock.set(support.MONTH_END)
    chat.run()
    chat.change_settings(channels={"finance": ["sms"]})
    clock.set(datetime(2026, 5, 1, 2, tzinfo=timezone.utc))
    _open(store, clock, business="chat").run()
    with store.transaction(readonly=True) as tx:
        told = [
            (m.payload["number"], m.payload["channel"])
            for m in _messages(tx)
            if m.topic == "invoice.issued"
        ]
    assert told == [("INV-000001", "email"), ("INV-000002", "sms")]


def _messages(tx: Any) -> list[Any]:
    out, i = [], 1
    while True:
        try:
            out.append(tx.message(i))
        except NotFoundError:
            return out
        i += 1


# Round trips: whatever is kept is read back exactly, through the store's JSON.

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-_", min_size=1, max_size=8)


@st.composite
def payment_methods(draw: st.DrawFn) -> PaymentMethod:
    commission = draw(commissions())
    code = commission.currency.code
    digits = minor_units(code)
    low = draw(st.none() | st.integers(1, 10**5).map(lambda u: exact_decimal(u, digits)))
    high = draw(st.none() | st.integers(1, 10**6).map(lambda u: exact_decimal(u, digits)))
    if low is not None and high is not None and high < low:
        low, high = high, low
    cashback = draw(
        st.none()
        | st.builds(
            Cashback,
            rate=st.integers(0, 10_000).map(lambda u: exact_decimal(u, 4)),
            base=st.sampled_from(CashbackBase),
            kind=st.sampled_from([CreditKind.BONUS, CreditKind.PROMOTIONAL]),
            valid_for=st.none() | st.builds(Cycle, st.sampled_from(CycleUnit), st.integers(1, 24)),
        )
    )
    return PaymentMethod(
        name=draw(names),
        commission=commission,
        mode=draw(st.sampled_from(FeeMode)),
        min_amount=None if low is None else Money(low, code),
        max_amount=None if high is None else Money(high, code),
        cashback=cashback,
    )


@st.composite
def bonus_programs(draw: st.DrawFn) -> BonusProgram:
    code = draw(currency_codes([0, 2, 3]))
    digits = minor_units(code)
    if draw(st.booleans()):
        tiers = [
            BonusTier(min_months=paid, bonus_months=bonus)
            for paid, bonus in draw(
                st.lists(st.tuples(st.integers(1, 36), st.integers(1, 12)), min_size=1)
            )
        ]
    else:
        tiers = [
            BonusTier(min_amount=Money(exact_decimal(units, digits), code), rate=rate)
            for units, rate in draw(
                st.lists(
                    st.tuples(
                        st.integers(1, 10**7),
                        st.integers(0, 10**6).map(lambda u: exact_decimal(u, 6)),
                    ),
                    min_size=1,
                    max_size=4,
                )
            )
        ]
    return BonusProgram(
        tiers=tiers,
        valid_for=draw(
            st.none() | st.builds(Cycle, st.sampled_from(CycleUnit), st.integers(1, 24))
        ),
        kind=draw(st.sampled_from([CreditKind.BONUS, CreditKind.PROMOTIONAL])),
        rounding=RoundingPolicy(mode=draw(st.sampled_from(["half_up", "half_even", "down"]))),
    )


channel_choices = st.dictionaries(
    st.sampled_from(sorted({*CATEGORIES.values(), "news", "support"})),
    st.lists(st.sampled_from(list(CHANNELS)), unique=True),
)


@given(
    methods=st.lists(payment_methods(), max_size=3, unique_by=lambda m: m.name),
    bonus=st.none() | bonus_programs(),
    channels=channel_choices,
    payment_days=st.integers(0, 3650),
)
def test_kept_settings_read_back_exactly(
    methods: list[PaymentMethod],
    bonus: BonusProgram | None,
    channels: dict[str, list[str]],
    payment_days: int,
) -> None:
    clock = FixedClock(support.START)
    given = {"methods": methods, "bonus": bonus, "channels": channels, "payment_days": payment_days}
    first = _open(MemoryStore(), clock, seller=support.SELLER, **given)
    with first.store.transaction(readonly=True) as tx:
        data = tx.payer(SETTINGS_ID).data
    # As a SQL store keeps it: JSON text, read back.
    text = json.dumps(data, sort_keys=True)
    store = MemoryStore()
    with store.transaction() as tx:
        tx.save_payer(PayerRecord(id=SETTINGS_ID, data=json.loads(text)))
    again = _open(store, clock, seller=support.SELLER)
    assert again.methods == first.methods == {m.name: m for m in methods}
    assert again.bonus == first.bonus == bonus
    assert again.channels == first.channels == {k: tuple(v) for k, v in channels.items()}
    assert again.payment_days == payment_days
    # Read back and written again, the data is the same, to the character ("5.0%" stays).
    reopened = _open(store, clock, **given)  # the same values given: accepted
    reopened.change_settings(payment_days=payment_days + 1)
    with store.transaction(readonly=True) as tx:
        kept = dict(tx.payer(SETTINGS_ID).data)
    assert kept.pop("payment_days") == payment_days + 1
    assert json.dumps(kept, sort_keys=True) == json.dumps(
        {k: v for k, v in json.loads(text).items() if k != "payment_days"}, sort_keys=True
    )
    by_name = sorted(methods, key=lambda m: m.name)
    assert [to_data(m) for m in again.methods.values()] == [to_data(m) for m in by_name]


def test_billkit_run_by_business_uses_the_kept_days_channels_terms_and_bonus(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from billkit.cli import main
    from billkit.storage import SqlStore
    from tests.storage.support import migrated_sqlite

    url = migrated_sqlite(tmp_path)
    store = SqlStore(url)
    clock = FixedClock(support.START)
    setup = _open(store, clock, seller=support.SELLER, business="chat", **CHAT)
    # Acme tops its balance up automatically from its card, under the card's terms.
    setup.add_customer(
        "acme", ACME, currency="EUR", method="tok_visa", pays_with="card",
        autopay_cap=Money("100.00", "EUR"),
    )  # fmt: skip
    setup.subscribe("acme-pro", "acme", "pro", on=support.START.date())
    store.close()
    assert main(["run", "--db", url, "--as-of", "2026-04-01", "--business", "chat"]) == 0
    assert "invoiced               24.40 EUR" in capsys.readouterr().out  # 20.00 x 1.22

    def outcome() -> tuple[list[Any], list[Any], set[Any]]:
        store = SqlStore(url)
        try:
            with store.transaction(readonly=True) as tx:
                docs = [(d.number, d.data["due_date"]) for d in tx.documents()]
                entries = [
                    (e.kind, str(e.amount.amount), e.data.get("fee"), e.data.get("gross"))
                    for e in tx.entries("acme/main")
                ]
                told = {(m.topic, m.payload["channel"]) for m in _messages(tx)}
        finally:
            store.close()
        return docs, entries, told

    docs, entries, told = outcome()
    # Due 1 April + 14 days. The balance (0.00) lacks the whole 24.40: the card is
    # charged 24.40 + 5 % x 24.40 (1.22) + 1.00 = 26.62; the top-up of 24.40 earns
    # 5 % x 24.40 = 1.22 of bonus (over 20.00); the invoice is paid from the balance.
    assert docs == [("INV-000001", "2026-04-15")]
    assert entries == [
        ("payment", "24.40", "2.22", "26.62"),
        ("bonus", "1.22", None, None),
        ("charge", "-24.40", None, None),
    ]
    # Finance notices by e-mail and SMS, as the business chose.
    assert {("invoice.issued", "sms"), ("invoice.issued", "email")} <= told

    # Changed in the database: 20 days to pay, a cheaper card, no more bonus.
    store = SqlStore(url)
    cheaper = PaymentMethod(name="card", commission=Commission(rate="2.5%", currency="EUR"))
    _open(store, clock, business="chat").change_settings(
        payment_days=20, methods=[cheaper], bonus=None
    )
    store.close()
    assert main(["run", "--db", url, "--as-of", "2026-05-01", "--business", "chat"]) == 0
    docs, entries, _ = outcome()
    # April's invoice is due 1 May + 20 days; March's stays due 15 April. The balance
    # (the 1.22 of bonus) lacks 24.40 - 1.22 = 23.18: the card is charged 23.18 +
    # 2.5 % x 23.18 (0.5795, rounded half-up to 0.58) = 23.76, and earns no bonus.
    assert docs == [("INV-000001", "2026-04-15"), ("INV-000002", "2026-05-21")]
    assert entries[3:] == [
        ("payment", "23.18", "0.58", "23.76"),
        ("charge", "-24.40", None, None),
    ]


def _failures(store: Any, document: str) -> int:
    with store.transaction(readonly=True) as tx:
        return sum(e.event == "payment_failed" for e in tx.document_events(document))


def test_max_attempts_changed_rules_the_next_runs_dunning(store: Any) -> None:
    clock = FixedClock(support.START)
    chat = _open(store, clock, seller=support.SELLER, business="chat")  # 3 attempts
    bolt = Party(kind="legal_entity", country="IT", name="Bolt S.r.l.")
    chat.add_customer("bolt", bolt, currency="EUR", method="tok_insufficient_funds")
    chat.subscribe("bolt-pro", "bolt", "pro", on=support.START.date())
    invoice = "bolt-pro|2026-03-01|2026-04-01|invoice|0"

    def day(n: int) -> str:
        clock.set(datetime(2026, 4, n, 2, tzinfo=timezone.utc))
        chat.run()
        with store.transaction(readonly=True) as tx:
            return tx.subscription("bolt-pro").status

    # Declined on 1 and 2 April: 2 attempts of 3.
    assert (day(1), day(2), _failures(store, invoice)) == ("active", "active", 2)
    # Lowered to 2, the invoice would be over without its freeze (the 3rd failure
    # freezes): refused, naming the least number accepted; 3 stays.
    with pytest.raises(BillingError, match=rf"^max_attempts = 2: expected at least 3: {invoice}"):
        chat.change_settings(max_attempts=2)
    assert chat.max_attempts == 3
    # Raised to 4: tried on 3 April (3rd failure, not frozen), frozen by the 4th on 4 April.
    assert chat.change_settings(max_attempts=4) == {"max_attempts": (3, 4)}
    assert (day(3), day(4), _failures(store, invoice)) == ("active", "frozen", 4)
    # Over, the dunning tries no more; lowered now, nothing is left half-dunned.
    assert chat.change_settings(max_attempts=1) == {"max_attempts": (4, 1)}
    assert (day(5), _failures(store, invoice)) == ("frozen", 4)


def test_a_proforma_issued_before_proformas_are_turned_off_is_still_paid(store: Any) -> None:
    from billkit.storage.records import EntryRecord

    clock = FixedClock(support.START)
    chat = _open(
        store, clock, seller=support.SELLER, business="chat", proforma=True, proforma_final="act"
    )
    chat.add_customer("acme", ACME, currency="EUR")  # no saved method: it pays by transfer
    chat.subscribe("acme-pro", "acme", "pro", on=support.START.date())
    clock.set(support.MONTH_END)
    proforma = "acme-pro|2026-03-01|2026-04-01|proforma|0"
    assert chat.run().issued == (proforma,)
    assert chat.change_settings(proforma=False) == {"proforma": (True, False)}
    # The transfer of 20.00 x 1.22 = 24.40 arrives; paying the proforma issues its act.
    with store.transaction() as tx:
        tx.post(
            EntryRecord(
                account="acme/main", key="transfer-1", kind="payment",
                amount=Money("24.40", "EUR"), at=clock.now(),
            )
        )  # fmt: skip
    assert chat.pay(proforma) == "paid"
    # April is invoiced; March (its proforma paid, its act issued) is not billed again.
    clock.set(datetime(2026, 5, 1, 2, tzinfo=timezone.utc))
    assert _open(store, clock, business="chat").run().issued == (
        "acme-pro|2026-04-01|2026-05-01|invoice|0",
    )
    with store.transaction(readonly=True) as tx:
        kinds = [(d.number, d.kind, d.status) for d in tx.documents()]
    assert kinds == [  # by id: March's act and proforma, then April's invoice
        ("ACT-000001", "act", "paid"),
        ("PF-000001", "proforma", "paid"),
        ("INV-000001", "invoice", "issued"),
    ]


# A payment method removed while customers still pay with it would make their
# top-ups and autopayments fail: the change is refused, naming them, until they
# are moved to another method with change_payer().


class _Reads(support.Faults):
    """Records every store call (and never fails): which reads a change made."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def tick(self, what: str) -> None:
        self.seen.append(what)


#: Seven customers paying with the card, one with the wire, one with no terms.
ids = [f"c{n}" for n in range(1, 8)] + ["wired", "plain"]


def _payers(store: Any) -> dict[str, object]:
    with store.transaction(readonly=True) as tx:
        return {id: p.data.get("pays_with") for id, p in tx.payers_of(ids).items()}


def test_a_method_customers_pay_with_cannot_be_removed_until_they_move(store: Any) -> None:
    clock = FixedClock(support.START)
    chat = _open(store, clock, seller=support.SELLER, business="chat", methods=[CARD, WIRE])
    for id in ids:
        pays_with = {"wired": "wire", "plain": None}.get(id, "card")
        chat.add_customer(id, ACME, currency="EUR", method="tok_visa", pays_with=pays_with)
    kept = (_kept(chat), _payers(store))
    # Seven customers pay with the card: the first five are named, the other two counted.
    with pytest.raises(
        BillingError,
        match=r"^methods = \['wire'\]: expected every method a customer's pays_with names: "
        r"7 customers pay with 'card' \(c1, c2, c3, c4, c5 and 2 more\); move them to "
        r"another method first \(change_payer\(customer, pays_with=\.\.\.\)\)$",
    ):
        chat.change_settings(methods=[WIRE], payment_days=30)
    # Nothing changed (not even payment_days), in this Billing or in the store.
    assert (_kept(chat), _payers(store)) == kept
    assert _open(store, clock, business="chat").payment_days == chat.payment_days == 10
    # Moved one by one: c7 still pays with the card, and is named alone.
    for id in ids[:6]:
        assert chat.change_payer(id, pays_with="wire") == "card"
    with pytest.raises(BillingError, match=r"1 customer pays with 'card' \(c7\)"):
        chat.change_settings(methods=[WIRE])
    assert chat.change_payer("c7", pays_with=None) == "card"  # no terms: no commission
    assert chat.change_settings(methods=[WIRE]) == {
        "methods": ({"card": CARD, "wire": WIRE}, {"wire": WIRE})
    }
    assert _payers(store) == {
        **{id: "wire" for id in ids[:6]},
        "c7": None,
        "wired": "wire",
        "plain": None,
    }
    # The moved customers' next top-ups pay the wire's 0 %: 20.00 for 20.00.
    assert chat.top_up("c1", Money("20.00", "EUR"), key="t1").amount == Money("20.00", "EUR")


def test_the_payers_are_read_only_when_a_method_is_removed(store: Any) -> None:
    clock = FixedClock(support.START)
    _open(store, clock, seller=support.SELLER, business="chat", methods=[CARD, WIRE])
    reads = _Reads()
    chat = _open(support.FaultyStore(store, reads), clock, business="chat")
    chat.add_customer("acme", ACME, currency="EUR", method="tok_visa", pays_with="card")
    reads.seen.clear()
    # The card's terms changed, a method added, payment days changed: no payer read.
    cheaper = PaymentMethod(name="card", commission=Commission(rate="2.5%", currency="EUR"))
    sepa = PaymentMethod(name="sepa", commission=Commission(rate="0.5%", currency="EUR"))
    chat.change_settings(methods=[cheaper, WIRE, sepa])
    chat.change_settings(payment_days=20)
    assert "store.payers_paying_with" not in reads.seen
    # The wire and sepa removed (nobody pays with them): the payers naming them are read.
    assert chat.change_settings(methods=[cheaper]) == {
        "methods": ({"card": cheaper, "sepa": sepa, "wire": WIRE}, {"card": cheaper})
    }
    assert reads.seen.count("store.payers_paying_with") == 1


def test_change_payer_names_a_method_the_business_keeps(store: Any) -> None:
    clock = FixedClock(support.START)
    chat = _chat(store, clock, methods=[CARD])
    # Another process adds the wire; this Billing (opened earlier) still holds the card
    # alone, but change_payer reads the methods the store keeps now.
    _open(store, clock, business="chat").change_settings(methods=[CARD, WIRE])
    with pytest.raises(
        CreditError, match=r"^pays_with = 'sepa': expected a payment method .*'card', 'wire'"
    ):
        chat.change_payer("acme", pays_with="sepa")
    assert _payers_of(store, "acme") == "card"  # nothing changed
    assert chat.change_payer("acme", pays_with="wire") == "card"
    assert chat.change_payer("acme", pays_with="wire") == "wire"  # the same again: kept
    with store.transaction(readonly=True) as tx:
        data = tx.payer("acme").data
    assert (data["pays_with"], data["method"], data["email"]) == ("wire", "tok_visa", "")
    with pytest.raises(NotFoundError):
        chat.change_payer("nobody", pays_with="wire")


def _payers_of(store: Any, id: str) -> object:
    with store.transaction(readonly=True) as tx:
        return tx.payer(id).data.get("pays_with")


def test_a_customer_added_names_a_method_the_store_keeps_now(store: Any) -> None:
    # Two processes of one business: the first removes the wire and adds sepa; the
    # second, opened before, still holds the card and the wire, but a customer it adds
    # is checked against the methods kept now (and under the settings' lock, so a
    # removal running at the same time sees the customer).
    clock = FixedClock(support.START)
    first = _open(store, clock, seller=support.SELLER, business="chat", methods=[CARD, WIRE])
    second = _open(store, clock, business="chat")
    sepa = PaymentMethod(name="sepa", commission=Commission(rate="0.5%", currency="EUR"))
    first.change_settings(methods=[CARD, sepa])
    with pytest.raises(
        CreditError, match=r"^pays_with = 'wire': expected a payment method .*\['card', 'sepa'\]"
    ):
        second.add_customer("acme", ACME, currency="EUR", method="tok_visa", pays_with="wire")
    with store.transaction(readonly=True) as tx, pytest.raises(NotFoundError):
        tx.payer("acme")  # nothing kept
    second.add_customer("acme", ACME, currency="EUR", method="tok_visa", pays_with="sepa")
    # 0.5 % of 20.00 = 0.10 on top, once second reads the kept terms again.
    third = _open(store, clock, business="chat")
    assert third.top_up("acme", Money("20.00", "EUR"), key="t1").amount == Money("20.10", "EUR")


def test_a_business_removes_a_method_only_its_own_customers_pay_with(store: Any) -> None:
    # chat and hosting share one store, both with the card and the wire. chat's customer
    # c1 pays with the card, hosting's h1 with the wire: each payer's data records the
    # business that added it, so chat removes the wire (h1 is not its customer) while
    # hosting cannot. A payer kept before the business was recorded ("old", with the
    # card) names none: it counts for both (it may be either's) until one of them moves it.
    clock = FixedClock(support.START)
    chat = _open(store, clock, seller=support.SELLER, business="chat", methods=[CARD, WIRE])
    hosting = _open(store, clock, seller=support.SELLER, business="hosting", methods=[CARD, WIRE])
    chat.add_customer("c1", ACME, currency="EUR", method="tok_visa", pays_with="card")
    hosting.add_customer("h1", ACME, currency="EUR", method="tok_visa", pays_with="wire")
    with store.transaction(readonly=True) as tx:
        assert [tx.payer(id).data["business"] for id in ("c1", "h1")] == ["chat", "hosting"]
    assert chat.change_settings(methods=[CARD]) == {
        "methods": ({"card": CARD, "wire": WIRE}, {"card": CARD})
    }
    with pytest.raises(BillingError, match=r"1 customer pays with 'wire' \(h1\)"):
        hosting.change_settings(methods=[CARD])
    with store.transaction() as tx:  # as billkit kept it before: no business
        tx.save_payer(PayerRecord(id="old", data={"pays_with": "card", "method": "tok_visa"}))
    with pytest.raises(BillingError, match=r"1 customer pays with 'card' \(old\)"):
        hosting.change_settings(methods=[WIRE])
    with pytest.raises(BillingError, match=r"2 customers pay with 'card' \(c1, old\)"):
        chat.change_settings(methods=[])
    # chat moves it to no terms: it is chat's now, and no longer counts for hosting.
    assert chat.change_payer("old", pays_with=None) == "card"
    with store.transaction(readonly=True) as tx:
        assert tx.payer("old").data == {"pays_with": None, "method": "tok_visa", "business": "chat"}
    assert hosting.change_settings(methods=[WIRE]) == {
        "methods": ({"card": CARD, "wire": WIRE}, {"wire": WIRE})
    }
    # The unnamed business (business=None) is a business of its own: h1 does not count.
    plain = _open(store, clock, seller=support.SELLER, methods=[CARD, WIRE])
    plain.add_customer("p1", ACME, currency="EUR", method="tok_visa", pays_with="card")
    with store.transaction(readonly=True) as tx:
        assert tx.payer("p1").data["business"] is None
    with pytest.raises(BillingError, match=r"1 customer pays with 'card' \(p1\)"):
        plain.change_settings(methods=[WIRE])
    assert plain.change_settings(methods=[CARD]) == {
        "methods": ({"card": CARD, "wire": WIRE}, {"card": CARD})
    }
