"""Notebook displays of plans, ledgers, subscriptions and documents: hostile
text is escaped, the values a person looks for first are there, and the repr
is one short line."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from html import escape

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from billkit.credit import Ledger, Wallet
from billkit.demo import demo_catalog
from billkit.errors import BillkitError
from billkit.invoicing import DocumentTerms, build_invoice, items_from_quote
from billkit.money import Money
from billkit.parties import Address, Party
from billkit.periods import Period
from billkit.pricing import Charge, Graduated, PerUnit, Plan, Tier, quote
from billkit.subscriptions import PaymentSucceeded, Subscribe, apply, start_trial

HOSTILE = "<script>alert('x')</script> & Co"
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))


def _plan(name: str = HOSTILE) -> Plan:
    # The marketing SaaS's email plan (docs/invoicing.md): 300.00 UAH a month,
    # 2 500 emails included, then 0.125 UAH an email.
    return Plan(
        code="email-start",
        name=name,
        currency="UAH",
        base_fee=Money("300.00", "UAH"),
        charges=[
            Charge(
                code="emails",
                metric="emails_sent",
                included=2500,
                description=HOSTILE,
                model=PerUnit(unit_price=Money("0.125", "UAH")),
            ),
            Charge(
                code="storage",
                metric="gb",
                model=Graduated(
                    tiers=[
                        Tier(up_to=10, unit_price=Money("1.00", "UAH")),
                        Tier(up_to=None, unit_price=Money("0.50", "UAH")),
                    ]
                ),
            ),
        ],
    )


def _escaped(html: str) -> None:
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "&amp; Co" in html
    assert " & " not in html


def _one_line(text: str) -> None:
    assert "\n" not in text
    assert len(text) < 200


def test_plan_display() -> None:
    plan = _plan()
    html = plan._repr_html_()
    _escaped(html)
    assert html.startswith("<table")
    # the base fee, the included units, the per-unit price, the tier count
    for value in ("300.00", "2500", "per unit 0.125", "graduated, 2 tiers", "UAH"):
        assert value in html
    text = repr(_plan("Email Start"))
    _one_line(text)
    assert text == "<Plan email-start 'Email Start' UAH, base 300.00, 2 charges>"


def test_quote_display_keeps_the_included_step() -> None:
    # The attribution business's Starter plan: 11 250 attributions with
    # 10 000 included leaves 11250 - 10000 = 1250 over; its text shows that
    # step, and so must its HTML.
    starter = demo_catalog()["attribution-starter"]
    thirty_days = Period(date(2026, 3, 21), date(2026, 4, 20))
    q = quote(starter, {"attributions": 11250}, thirty_days)
    assert "11250 - 10000 included = 1250" in str(q)
    assert "11250 - 10000 included = 1250" in q._repr_html_()


def _at(day: int) -> datetime:
    return datetime(2026, 3, day, tzinfo=timezone.utc)


def test_ledger_display() -> None:
    ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    ledger = ledger.top_up("main", "1000.00", at=_at(1), key="t1", description=HOSTILE)
    ledger = ledger.charge("main", "250.50", at=_at(2), key="c1")
    # 1000.00 - 250.50 = 749.50
    assert ledger.balance("main") == Money("749.50", "RUB")
    html = ledger._repr_html_()
    _escaped(html)
    for value in ("749.50 RUB", "1000.00", "250.50", "t1", "c1", "last 2 of 2 entries"):
        assert value in html
    text = repr(ledger)
    _one_line(text)
    assert text == "<Ledger: main 749.50 RUB; 2 entries>"


def test_ledger_display_shows_only_the_last_entries() -> None:
    ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    for day in range(1, 16):
        ledger = ledger.top_up("main", "1.00", at=_at(day), key=f"t{day}")
    html = ledger._repr_html_()
    # 15 entries, the last 10 shown: t6..t15
    assert "last 10 of 15 entries" in html
    assert "<td>t5</td>" not in html
    assert "<td>t15</td>" in html
    assert "15.00 RUB" in html  # 15 x 1.00


def test_subscription_display() -> None:
    plan = _plan()
    sub = start_trial("org-1", plan=plan, on=date(2026, 4, 1)).subscription
    sub = apply(sub, Subscribe(on=date(2026, 4, 1), role="org_admin", plan=plan)).subscription
    sub = apply(sub, PaymentSucceeded(on=date(2026, 4, 1), invoice_id="org-1/0001")).subscription
    html = sub._repr_html_()
    _escaped(html)  # the plan's name
    assert "active" in html
    assert "email-start" in html
    assert "2026-04-01..2026-05-01" in html  # a calendar month from April 1st
    assert "renews on 2026-05-01" in html
    text = repr(sub)
    _one_line(text)
    assert text == "<Subscription org-1 active on email-start, 2026-04-01..2026-05-01>"


@pytest.fixture
def invoice() -> object:
    q = quote(_plan("Email Start"), {"emails_sent": 4001, "gb": 0}, MARCH)
    seller = Party(
        kind="legal_entity",
        country="UA",
        name=HOSTILE,
        legal_address=Address(country="UA", city="Київ"),
        identifiers={"ua.edrpou": "32855961"},
    )
    buyer = Party(kind="individual", country="UA", name="Олена Коваль")
    terms = DocumentTerms(seller=seller, buyer=buyer, locale="uk_UA")
    return build_invoice(
        items_from_quote(q),
        terms,
        number="РФ-17",
        issue_date=date(2026, 4, 1),
        payment_days=10,
        invoice_kind="subscription",
    )


def test_invoice_display(invoice: object) -> None:
    html = invoice._repr_html_()  # type: ignore[attr-defined]
    _escaped(html)
    # 300.00 + 1501 x 0.125 = 187.625 -> 187.63; net 487.63; tax 20 %:
    # 60.00 + 37.526 -> 37.53 = 97.53; gross 487.63 + 97.53 = 585.16
    for value in ("РФ-17", "issued 2026-04-01", "due 2026-04-11", "Олена Коваль"):
        assert value in html
    for value in ("487.63", "97.53", "585.16", "4001 − 2500 included = 1501"):
        assert value in html
    text = repr(invoice)
    _one_line(text)
    assert text.startswith("<Invoice РФ-17 2026-04-01 ")
    assert text.endswith("-> Олена Коваль, 3 lines, gross 585.16 UAH>")


def test_credit_note_display(invoice: object) -> None:
    from billkit.invoicing import build_credit_note

    # The whole invoice credited back: its gross, 585.16 UAH, reversed.
    note = build_credit_note(
        invoice,  # type: ignore[arg-type]
        number="КН-1",
        issue_date=date(2026, 4, 5),
        reason=HOSTILE,
    )
    text = repr(note)
    _one_line(text)
    assert text.startswith("<CreditNote КН-1 2026-04-05 ")
    html = note._repr_html_()
    _escaped(html)  # the seller's name
    assert "CreditNote КН-1, issued 2026-04-05" in html
    assert "585.16" in html


@given(st.text(max_size=40))
def test_no_text_escapes_the_table(name: str) -> None:
    # Whatever a plan is called, its display holds no markup of its own: the
    # only tags are the table's, and the name reads back as the text it was.
    assume(name.strip() and name == name.strip() and "\n" not in name)
    try:
        plan = _plan(name)
    except BillkitError:
        return  # names the plan refuses (control characters...)
    html = plan._repr_html_()
    tags = set(re.findall(r"</?([a-z]+)", html))
    assert tags <= {"table", "caption", "thead", "tbody", "tr", "th", "td", "br"}
    assert escape(name) in html
