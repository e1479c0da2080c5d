"""Building documents: invoices, proformas, acts, receipts, credit notes,
credit-limit invoices and reconciliation statements.

The worked examples are REQUIREMENTS.md's five businesses; every figure is
recomputed by hand in a comment.
"""

from __future__ import annotations

import decimal
from datetime import date, datetime, timezone
from decimal import Decimal

import attrs
import pytest

from billkit.credit import CreditLine, Ledger, Wallet
from billkit.credit.credit_line import StatementState
from billkit.errors import CurrencyMismatchError, InvoicingError
from billkit.invoicing import (
    Act,
    CreditNote,
    DocumentTerms,
    Invoice,
    Item,
    Proforma,
    Receipt,
    build_act,
    build_credit_note,
    build_invoice,
    build_proforma,
    build_receipt,
    build_reconciliation,
    invoice_from_proforma,
    items_from_quote,
)
from billkit.invoicing.builders import advance_invoice, credit_limit_invoice, receipt_for
from billkit.invoicing.documents import (
    DocumentKind,
    DocumentLine,
    InvoiceKind,
    PaymentDetails,
    Totals,
)
from billkit.invoicing.items import items_from_expenses
from billkit.invoicing.tax import TaxRounding, TaxTreatment
from billkit.invoicing.terms import before_month_end, due_date
from billkit.money import Money, RoundingPolicy
from billkit.parties import Address, BankAccount, Party, Signatory
from billkit.parties.accounts import Account
from billkit.periods import Period
from billkit.pricing import Charge, Coupon, Graduated, PerUnit, Plan, Tier, apply_discounts, quote

UTC = timezone.utc


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


HOSTING = Party(
    kind="legal_entity",
    country="RU",
    name='ООО "Хостинг"',
    contact="Бухгалтерия",
    legal_address=Address(country="RU", postal_code="350065", city="Краснодар", street="ул. 1"),
    identifiers={"ru.inn": "2312328954", "ru.kpp": "231201001", "ru.ogrn": "1242300041785"},
    bank=BankAccount(
        bank_name='ФИЛИАЛ "ЮЖНЫЙ" ПАО "БАНК УРАЛСИБ"',
        bik="040349700",
        account="40702810947900000107",
        correspondent_account="30101810400000000700",
    ),
    director=Signatory(name="Крюков А. А.", position="Генеральный директор", basis="Устава"),
)
CLIENT = attrs.evolve(HOSTING, name="Компания №1", id="181")
CHAT = Party(
    kind="legal_entity",
    country="IT",
    name="Chat S.r.l.",
    legal_address=Address(country="IT", city="Milano", street="Via Roma 1"),
    identifiers={"it.iva": "00743110157"},
)
ROSSI = Party(
    kind="individual", country="IT", name="Mario Rossi", identifiers={"it.cf": "RSSMRA85T10A562S"}
)
MONTH = Period(date(2026, 3, 1), date(2026, 4, 1))


def email_plan() -> Plan:
    return Plan(
        code="email-start",
        name="Email Start",
        currency="UAH",
        base_fee=Money("300.00", "UAH"),
        charges=[
            Charge(
                code="emails",
                metric="emails_sent",
                included=2500,
                description="Promotional emails",
                model=PerUnit(unit_price=Money("0.125", "UAH")),
            )
        ],
    )


UA_SELLER = Party(
    kind="legal_entity",
    country="UA",
    name='ТОВ "Розсилка"',
    legal_address=Address(country="UA", city="Київ"),
    identifiers={"ua.edrpou": "32855961"},
)
UA_BUYER = Party(kind="individual", country="UA", name="Олена Коваль")


# --------------------------------------------------------------------------- invoices


def test_invoice_from_a_quote_keeps_each_line_and_its_explanation() -> None:
    # 300.00 + (4001 - 2500) x 0.125 = 300.00 + 187.625 -> 187.63; total 487.63 UAH.
    # Ukrainian VAT 20 % per line: 60.00 + 37.526 -> 37.53 = 97.53; gross 585.16.
    q = quote(email_plan(), {"emails_sent": 4001}, MONTH)
    inv = build_invoice(
        items_from_quote(q),
        DocumentTerms(seller=UA_SELLER, buyer=UA_BUYER, locale="uk_UA"),
        number="РФ-17",
        issue_date=date(2026, 4, 1),
        invoice_kind="subscription",
    )
    assert inv.kind is DocumentKind.INVOICE
    assert inv.invoice_kind is InvoiceKind.SUBSCRIPTION
    assert [ln.description for ln in inv.lines] == ["Email Start", "Promotional emails"]
    emails = inv.lines[1]
    assert (emails.quantity, emails.unit_price, emails.net) == (
        Decimal("1501"),
        Money("0.125", "UAH"),
        Money("187.63", "UAH"),
    )
    assert emails.explanation == (
        "4001 − 2500 included = 1501",
        "per unit: 1501 × 0.125 = 187.625",
    )
    assert emails.code == "emails"
    assert emails.period == MONTH
    assert inv.period == MONTH
    assert [ln.tax for ln in inv.lines] == [Money("60.00", "UAH"), Money("37.53", "UAH")]
    assert inv.totals == Totals(
        net=Money("487.63", "UAH"), tax=Money("97.53", "UAH"), gross=Money("585.16", "UAH")
    )
    assert inv.language == "uk"
    assert inv.tax_groups[0].rate == Decimal("0.20")


def test_graduated_and_discounted_quote_lines() -> None:
    plan = Plan(
        code="mac",
        name="Growth",
        currency="EUR",
        base_fee=eur("49.00"),
        charges=[
            Charge(
                code="contacts",
                metric="mac",
                description="Monthly active contacts",
                model=Graduated(
                    tiers=[
                        Tier(up_to=1000, unit_price=eur("0.00")),
                        Tier(up_to=None, unit_price=eur("0.02")),
                    ]
                ),
            )
        ],
    )
    q = quote(plan, {"mac": 1500}, MONTH)  # 500 x 0.02 = 10.00
    items = items_from_quote(q)
    assert items[1].unit_price is None  # no single price on a graduated line
    assert items[1].quantity == 1500
    assert len(items[1].explanation) == 2  # one step per tier
    discounted = apply_discounts(q, [Coupon(code="SPRING", percent_off="10%")])
    ditems = items_from_quote(discounted)
    # 49.00 - 4.90 = 44.10; 10.00 - 1.00 = 9.00
    assert [i.amount for i in ditems] == [eur("44.10"), eur("9.00")]
    assert ditems[0].explanation[-1] == "discount −4.90: 49.00 → 44.10"
    zero = quote(plan, {"mac": 800}, MONTH)
    assert [i.code for i in items_from_quote(zero, drop_zero=True)] == ["base"]


def test_the_issue_rounding_example_on_an_invoice() -> None:
    # Three lines of 33.33 RUB excluding 22 % VAT (2026): per line 7.33 x 3 = 21.99,
    # per document 99.99 x 0.22 = 21.9978 -> 22.00.
    items = [Item(description=f"VPS-{i}", unit_price=rub("33.33")) for i in (1, 2, 3)]
    terms = DocumentTerms(seller=HOSTING, buyer=CLIENT)
    day = date(2026, 2, 1)
    per_line = build_invoice(
        items, attrs.evolve(terms, tax_rounding="per_line"), number="1", issue_date=day
    )
    per_doc = build_invoice(
        items, attrs.evolve(terms, tax_rounding="per_document"), number="1", issue_date=day
    )
    assert per_line.totals.tax == rub("21.99")
    assert per_doc.totals.tax == rub("22.00")
    assert per_doc.totals.gross == rub("121.99")
    assert per_doc.tax_rounding is TaxRounding.PER_DOCUMENT
    assert sum(ln.tax.amount for ln in per_doc.lines) == Decimal("22.00")


def test_tax_date_chooses_the_rate() -> None:
    # December 2025 hosting invoiced on 5 January 2026: 20 % for the supply date,
    # 22 % if the issue date decides. 1 000.00 net -> 200.00 or 220.00.
    items = [Item(description="VPS, декабрь 2025", unit_price=rub("1000.00"))]
    terms = DocumentTerms(seller=HOSTING, buyer=CLIENT)
    day = date(2026, 1, 5)
    assert build_invoice(items, terms, issue_date=day).totals.tax == rub("220.00")
    december = build_invoice(items, terms, issue_date=day, tax_date=date(2025, 12, 31))
    assert december.totals.tax == rub("200.00")
    assert december.tax_date == date(2025, 12, 31)


def test_zero_rated_reverse_charge_and_reduced_lines() -> None:
    items = [
        Item(description="Hosting", unit_price=rub("1000.00")),
        Item(description="Книги", unit_price=rub("100.00"), tax_category="reduced"),
        Item(description="Export", unit_price=rub("500.00"), treatment="zero_rated"),
        Item(description="Licence", unit_price=rub("300.00"), treatment="exempt"),
    ]
    inv = build_invoice(
        items,
        DocumentTerms(seller=HOSTING, buyer=CLIENT, locale="ru_RU"),
        issue_date=date(2026, 2, 1),
    )
    # 1000 x 22 % = 220.00; 100 x 10 % = 10.00; 0; 0
    assert [(g.category, g.rate, g.tax.amount) for g in inv.tax_groups] == [
        ("standard", Decimal("0.22"), Decimal("220.00")),
        ("reduced", Decimal("0.10"), Decimal("10.00")),
        ("zero", Decimal("0"), Decimal("0.00")),
        ("exempt", Decimal("0"), Decimal("0.00")),
    ]
    assert [g.note for g in inv.tax_groups] == ["", "", "НДС по ставке 0%", "Без налога (НДС)"]
    assert inv.totals.gross == rub("2130.00")
    assert inv.notes_with_legal == ("НДС по ставке 0%", "Без налога (НДС)")
    # The messaging SaaS billing a German business: reverse charge, Italian note.
    de = Party(
        kind="legal_entity", country="DE", name="Kunde GmbH", legal_address=Address(country="DE")
    )
    rc = build_invoice(
        [Item(description="Growth", unit_price=eur("49.00"), treatment="reverse_charge")],
        DocumentTerms(seller=CHAT, buyer=de, locale="en"),
        issue_date=date(2026, 3, 1),
    )
    assert rc.totals == Totals(net=eur("49.00"), tax=eur("0.00"), gross=eur("49.00"))
    assert rc.tax_groups[0].treatment is TaxTreatment.REVERSE_CHARGE
    assert "art. 196 Directive 2006/112/EC" in rc.tax_groups[0].note


def test_advance_invoice_for_the_amount_the_customer_types() -> None:
    # The analytics SaaS: a legal entity pays 90 000 RUB (9 months of 10 000), invoiced
    # 10 days before the end of March 2026 (the 21st), 10 days to pay (31st).
    # 22 % included: 90 000 x 22 / 122 = 16 229.508... -> 16 229.51; net 73 770.49.
    inv = advance_invoice(
        rub("90000.00"),
        DocumentTerms(seller=HOSTING, buyer=CLIENT, locale="ru_RU"),
        issue_date=before_month_end(2026, 3, 10),
        number="2026-0101",
        payment_days=10,
    )
    assert inv.invoice_kind is InvoiceKind.ADVANCE_PAYMENT
    assert inv.lines[0].description == "Авансовый платеж"
    assert inv.issue_date == date(2026, 3, 21)
    assert inv.due_date == date(2026, 3, 31)
    assert inv.totals == Totals(net=rub("73770.49"), tax=rub("16229.51"), gross=rub("90000.00"))
    assert inv.prices_include_tax
    assert inv.payment == PaymentDetails(bank=HOSTING.bank)
    with pytest.raises(InvoicingError, match="above zero"):
        advance_invoice(
            rub("0.00"), DocumentTerms(seller=HOSTING, buyer=CLIENT), issue_date=date(2026, 3, 1)
        )
    with pytest.raises(InvoicingError, match="whole number of minor units"):
        advance_invoice(
            rub("10.001"), DocumentTerms(seller=HOSTING, buyer=CLIENT), issue_date=date(2026, 3, 1)
        )
    en = advance_invoice(
        rub("100.00"), DocumentTerms(seller=HOSTING, buyer=CLIENT), issue_date=date(2026, 3, 1)
    )
    assert en.lines[0].description == "Advance payment"


@pytest.mark.parametrize(
    ("year", "month", "day"),
    [(2026, 1, 21), (2026, 4, 20), (2026, 2, 18), (2028, 2, 19), (2026, 12, 21)],
)
def test_ten_days_before_month_end(year: int, month: int, day: int) -> None:
    # the last day minus 10: 31 -> 21, 30 -> 20, 28 -> 18, 29 -> 19
    assert before_month_end(year, month) == date(year, month, day)


def test_due_dates() -> None:
    assert due_date(date(2026, 12, 25), 10) == date(2027, 1, 4)
    with pytest.raises(InvoicingError, match="whole number from 0 to 3660"):
        due_date(date(2026, 1, 1), -1)
    items = [Item(description="x", unit_price=eur("1.00"))]
    with pytest.raises(InvoicingError, match="None when due_date is given"):
        build_invoice(
            items,
            DocumentTerms(seller=CHAT, buyer=ROSSI),
            issue_date=date(2026, 3, 1),
            due_date=date(2026, 3, 2),
            payment_days=10,
        )
    with pytest.raises(InvoicingError, match="on or after the issue date"):
        build_invoice(
            items,
            DocumentTerms(seller=CHAT, buyer=ROSSI),
            issue_date=date(2026, 3, 1),
            due_date=date(2026, 2, 1),
        )


def test_parties_must_have_their_details() -> None:
    items = [Item(description="x", unit_price=rub("1.00"))]
    bare = Party(kind="legal_entity", country="RU", name="ООО Без реквизитов")
    with pytest.raises(InvoicingError) as error:
        build_invoice(items, DocumentTerms(seller=HOSTING, buyer=bare), issue_date=date(2026, 3, 1))
    assert error.value.field == "buyer.contact"
    with pytest.raises(InvoicingError) as error:
        build_invoice(items, DocumentTerms(seller=bare, buyer=CLIENT), issue_date=date(2026, 3, 1))
    assert error.value.field == "seller.contact"
    built = build_invoice(
        items, DocumentTerms(seller=HOSTING, buyer=bare, rules=None), issue_date=date(2026, 3, 1)
    )
    assert built.buyer == bare


def test_details_changed_after_issue_apply_to_the_next_document_only() -> None:
    account = Account(id="acme", payers=[CLIENT])
    items = [Item(description="VPS", unit_price=rub("100.00"))]
    first = build_invoice(
        items,
        DocumentTerms(seller=HOSTING, buyer=account.payer("181")),
        number="1",
        issue_date=date(2026, 3, 1),
    )
    account = account.with_payer(attrs.evolve(CLIENT, name="Компания №1 (новое имя)"))
    second = build_invoice(
        items,
        DocumentTerms(seller=HOSTING, buyer=account.payer("181")),
        number="2",
        issue_date=date(2026, 4, 1),
    )
    assert first.buyer.name == "Компания №1"
    assert second.buyer.name == "Компания №1 (новое имя)"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        first.number = "3"  # type: ignore[misc]


def test_a_document_that_does_not_add_up_cannot_exist() -> None:
    inv = build_invoice(
        [Item(description="VPS", unit_price=rub("100.00"))],
        DocumentTerms(seller=HOSTING, buyer=CLIENT),
        number="1",
        issue_date=date(2026, 3, 1),
    )
    with pytest.raises(InvoicingError, match="the sum of the lines"):
        attrs.evolve(inv, totals=Totals(net=rub("100.00"), tax=rub("21.00"), gross=rub("121.00")))
    line = inv.lines[0]
    with pytest.raises(InvoicingError, match="the sum of its lines"):
        attrs.evolve(inv, lines=[attrs.evolve(line, tax=rub("21.00"), gross=rub("121.00"))])
    with pytest.raises(InvoicingError, match="one group per"):
        attrs.evolve(inv, tax_groups=())
    with pytest.raises(InvoicingError, match="expected 1"):
        attrs.evolve(inv, lines=[attrs.evolve(line, position=2)])
    with pytest.raises(InvoicingError, match="zero: a exempt line"):
        DocumentLine(
            position=1,
            description="x",
            quantity=1,
            net=rub("1.00"),
            tax_rate="0",
            tax=rub("0.10"),
            gross=rub("1.10"),
            treatment="exempt",
        )


def test_draft_has_no_number_and_cannot_be_credited() -> None:
    draft = build_invoice(
        [Item(description="VPS", unit_price=rub("100.00"))],
        DocumentTerms(seller=HOSTING, buyer=CLIENT),
        issue_date=date(2026, 3, 1),
    )
    assert draft.is_draft
    with pytest.raises(InvoicingError, match="a draft"):
        build_credit_note(draft, number="CN-1", issue_date=date(2026, 3, 2))


def test_items_are_checked() -> None:
    with pytest.raises(InvoicingError, match="at least one item"):
        build_invoice([], DocumentTerms(seller=HOSTING, buyer=CLIENT), issue_date=date(2026, 3, 1))
    with pytest.raises(CurrencyMismatchError, match="an amount in RUB"):
        build_invoice(
            [
                Item(description="a", unit_price=rub("1.00")),
                Item(description="b", unit_price=eur("1.00")),
            ],
            DocumentTerms(seller=HOSTING, buyer=CLIENT),
            issue_date=date(2026, 3, 1),
        )
    # quantity x unit price is rounded once per line: 3 x 0.125 = 0.375 -> 0.38
    inv = build_invoice(
        [Item(description="SMS", quantity=3, unit_price=rub("0.125"))],
        DocumentTerms(seller=HOSTING, buyer=CLIENT),
        issue_date=date(2026, 3, 1),
    )
    assert inv.lines[0].net == rub("0.38")


# --------------------------------------------------------------------------- proforma, act, receipt


def test_attribution_proforma_then_official_invoice_in_whole_rials() -> None:
    seller = Party(
        kind="legal_entity", country="IR", name="Metrix", legal_address=Address(country="IR")
    )
    buyer = Party(
        kind="individual", country="IR", name="Sara", identifiers={"ir.national_id": "0499370899"}
    )
    irr = RoundingPolicy(minor_units={"IRR": 0})
    period = Period(date(2024, 2, 19), date(2024, 3, 20))  # 30 days, ending in 1402
    pf = build_proforma(
        [
            Item(description="Attribution plan M", unit_price=Money("150000000", "IRR")),
            Item(
                description="Overage, 1 234 attributions",
                quantity=1234,
                unit_price=Money("9500", "IRR"),
            ),
        ],
        DocumentTerms(seller=seller, buyer=buyer, locale="fa_IR", rounding=irr),
        issue_date=date(2024, 3, 20),
        tax_date=date(2024, 3, 19),
        number="PF-1402-12",
        period=period,
    )
    assert pf.kind is DocumentKind.PROFORMA
    # 150 000 000 + 1 234 x 9 500 = 150 000 000 + 11 723 000 = 161 723 000;
    # 9 % (supplied in 1402) = 14 555 070
    assert pf.totals.net == Money("161723000", "IRR")
    assert pf.totals.tax == Money("14555070", "IRR")
    inv = invoice_from_proforma(
        pf, number="F-1403-1", issue_date=date(2024, 3, 23), payment_days=10
    )
    assert isinstance(inv, Invoice)
    assert inv.totals == pf.totals
    assert inv.lines == pf.lines
    assert inv.due_date == date(2024, 4, 2)
    assert inv.references == (pf.ref,)
    with pytest.raises(InvoicingError, match="on or after the proforma's"):
        invoice_from_proforma(pf, number="F", issue_date=date(2024, 3, 1))
    unnumbered = attrs.evolve(pf, number=None)
    with pytest.raises(InvoicingError, match="an issued proforma"):
        invoice_from_proforma(unnumbered, number="F", issue_date=date(2024, 3, 23))


def test_act_of_completed_work_from_expenses() -> None:
    ledger = _hosting_ledger()
    rows = ledger.expenses("main")
    items = items_from_expenses(rows)
    # 22.4137 + 34.4827 + 22.4137 + 21.3464 = 100.6565 -> 100.66, split by largest remainder
    assert sum(i.amount.amount for i in items if i.amount) == Decimal("100.66")
    act = build_act(
        items,
        DocumentTerms(
            seller=HOSTING,
            buyer=CLIENT,
            locale="ru_RU",
            prices_include_tax=True,
            tax_rounding="per_document",
        ),
        number="A-2024-02",
        issue_date=date(2024, 2, 29),
        period=Period(date(2024, 2, 1), date(2024, 3, 1)),
    )
    assert isinstance(act, Act)
    # 20 % included in 100.66: 100.66 / 6 = 16.776... -> 16.78
    assert act.totals.tax == rub("16.78")
    assert act.lines[0].explanation[0].startswith("4839 2024-02-21: 22.4137 RUB")


def test_receipts() -> None:
    inv = build_invoice(
        [
            Item(description="Growth", unit_price=eur("100.00")),
            Item(description="Books", unit_price=eur("50.00"), tax_category="reduced"),
        ],
        DocumentTerms(seller=CHAT, buyer=ROSSI),
        number="7",
        issue_date=date(2026, 3, 1),
    )
    # 100 x 22 % = 22.00; 50 x 10 % = 5.00; gross 177.00
    full = receipt_for(inv, number="Q-1", paid_on=date(2026, 3, 3), method="card")
    assert isinstance(full, Receipt)
    assert full.totals == inv.totals
    assert full.lines == inv.lines
    part = receipt_for(inv, number="Q-2", paid_on=date(2026, 3, 3), amount=eur("88.50"))
    # half of each rate: 61.00 of 122.00 -> tax 11.00; 27.50 of 55.00 -> tax 2.50
    assert [(ln.gross, ln.tax) for ln in part.lines] == [
        (eur("61.00"), eur("11.00")),
        (eur("27.50"), eur("2.50")),
    ]
    assert part.lines[0].description == "Partial payment of invoice 7"
    receipt = build_receipt(
        [Item(description="Поповнення балансу", unit_price=Money("1200.00", "UAH"))],
        DocumentTerms(seller=UA_SELLER, buyer=UA_BUYER),
        issue_date=date(2026, 3, 2),
        paid_on=date(2026, 3, 2),
        method="card",
        payment_reference="liqpay-5521",
    )
    # 1200 x 20 / 120 = 200.00
    assert receipt.totals.tax == Money("200.00", "UAH")
    assert receipt.payment_reference == "liqpay-5521"


# --------------------------------------------------------------------------- credit limit


def test_credit_limit_invoice_bills_what_was_unpaid_at_issue() -> None:
    line = CreditLine(limit=rub("5000.00"))
    ledger = Ledger(wallets=[Wallet(name="main", currency="RUB", credit=line)])
    at = lambda m, d: datetime(2025, m, d, 12, tzinfo=UTC)  # noqa: E731
    ledger = ledger.charge("main", "1200.00", at=at(12, 10), key="vps", description="VPS-2")
    ledger = ledger.charge("main", "300.00", at=at(12, 20), key="dns", description="DNS")
    ledger = ledger.top_up("main", "500.00", at=at(12, 28), key="p1")
    ledger = ledger.charge("main", "22.4137", at=at(12, 30), key="backup", description="BACKUP")
    # The top-up paid 500 of the VPS: 700.00 + 300.00 + 22.4137 = 1 022.4137 -> 1 022.41
    (statement,) = ledger.statements("main", date(2026, 1, 1))
    assert statement.amount == rub("1022.41")
    inv = credit_limit_invoice(
        ledger, statement, DocumentTerms(seller=HOSTING, buyer=CLIENT), number="CL-1"
    )
    assert inv.invoice_kind is InvoiceKind.CREDIT_LIMIT_STATEMENT
    assert [ln.gross for ln in inv.lines] == [rub("700.00"), rub("300.00"), rub("22.41")]
    assert inv.totals.gross == statement.amount
    assert (inv.issue_date, inv.due_date) == (date(2026, 1, 1), date(2026, 1, 15))
    # Bought in December 2025: 20 % included, once per document:
    # 1 022.41 x 20 / 120 = 170.401... -> 170.40
    assert inv.totals.tax == rub("170.40")
    assert inv.tax_date == date(2025, 12, 31)
    # Paid in part on 10 January: the statement is partially paid.
    ledger = ledger.top_up("main", "500.00", at=datetime(2026, 1, 10, tzinfo=UTC), key="p2")
    (later,) = ledger.statements("main", date(2026, 1, 10))
    assert later.state is StatementState.PARTIALLY_PAID
    assert later.remaining == rub("522.41")


# --------------------------------------------------------------------------- credit notes


def _invoice() -> Invoice:
    return build_invoice(
        [
            Item(description="Growth, 5 months", quantity=5, unit="month", unit_price=eur("40.00")),
            Item(description="Books", unit_price=eur("50.00"), tax_category="reduced"),
        ],
        DocumentTerms(seller=CHAT, buyer=ROSSI),
        number="2026/0007",
        issue_date=date(2026, 3, 1),
    )


def test_full_credit_note() -> None:
    inv = _invoice()
    # 200 x 22 % = 44.00; 50 x 10 % = 5.00; gross 244.00 + 55.00 = 299.00
    cn = build_credit_note(inv, number="NC-1", issue_date=date(2026, 3, 10), reason="cancelled")
    assert isinstance(cn, CreditNote)
    assert (
        cn.totals == inv.totals == Totals(net=eur("250.00"), tax=eur("49.00"), gross=eur("299.00"))
    )
    assert cn.corrects == inv.ref
    assert [ln.corrects_line for ln in cn.lines] == [1, 2]
    with pytest.raises(InvoicingError, match="something left to credit"):
        build_credit_note(inv, number="NC-2", issue_date=date(2026, 3, 11), previous=[cn])


def test_credit_note_by_quantity_never_beyond_the_line() -> None:
    inv = _invoice()
    # 3 of 5 months: 3/5 of 200.00 = 120.00 net, 3/5 of 44.00 = 26.40 tax
    first = build_credit_note(inv, number="NC-1", issue_date=date(2026, 3, 10), lines={1: 3})
    assert first.totals == Totals(net=eur("120.00"), tax=eur("26.40"), gross=eur("146.40"))
    # the 2 months left: exactly what is left, 80.00 and 17.60
    second = build_credit_note(
        inv, number="NC-2", issue_date=date(2026, 3, 11), lines={1: 2}, previous=[first]
    )
    assert second.totals == Totals(net=eur("80.00"), tax=eur("17.60"), gross=eur("97.60"))
    with pytest.raises(InvoicingError, match="at most 0"):
        build_credit_note(
            inv, number="NC-3", issue_date=date(2026, 3, 12), lines={1: 1}, previous=[first, second]
        )
    with pytest.raises(InvoicingError, match="at most 2"):
        build_credit_note(
            inv, number="NC-3", issue_date=date(2026, 3, 12), lines={1: 3}, previous=[first]
        )
    books = build_credit_note(
        inv, number="NC-4", issue_date=date(2026, 3, 12), lines=[2], previous=[first, second]
    )
    assert books.totals.gross == eur("55.00")


def test_credit_note_by_amount_spreads_over_the_rates() -> None:
    inv = _invoice()
    # 149.50 of 299.00 is half: 122.00 of the 22 % group (tax 22.00) and 27.50 of
    # the 10 % group (tax 2.50)
    half = build_credit_note(inv, number="NC-1", issue_date=date(2026, 3, 10), amount=eur("149.50"))
    assert [(g.rate, g.gross, g.tax) for g in half.tax_groups] == [
        (Decimal("0.22"), eur("122.00"), eur("22.00")),
        (Decimal("0.10"), eur("27.50"), eur("2.50")),
    ]
    assert half.lines[0].description == "Partial credit of invoice 2026/0007"
    assert all(ln.corrects_line is None for ln in half.lines)
    # Crediting the 5 months in full now would take 200.00 of net at 22 %, of
    # which only 100.00 is left: refused.
    with pytest.raises(InvoicingError, match=r"at most 100\.00 EUR of net at 22%"):
        build_credit_note(
            inv, number="NC-2", issue_date=date(2026, 3, 11), lines=[1], previous=[half]
        )
    rest = build_credit_note(
        inv, number="NC-2", issue_date=date(2026, 3, 11), amount=eur("149.50"), previous=[half]
    )
    assert half.totals.gross + rest.totals.gross == inv.totals.gross
    assert half.totals.tax + rest.totals.tax == inv.totals.tax
    with pytest.raises(InvoicingError, match="at most 0 EUR"):
        build_credit_note(
            inv,
            number="NC-3",
            issue_date=date(2026, 3, 12),
            amount=eur("0.01"),
            previous=[half, rest],
        )


def test_credit_note_refusals() -> None:
    inv = _invoice()
    other = attrs.evolve(inv, number="2026/0008")
    foreign = build_credit_note(other, number="NC-9", issue_date=date(2026, 3, 10))
    with pytest.raises(InvoicingError, match="a reference to 2026/0007"):
        build_credit_note(inv, number="NC-1", issue_date=date(2026, 3, 10), previous=[foreign])
    with pytest.raises(InvoicingError, match="on or after the original's"):
        build_credit_note(inv, number="NC-1", issue_date=date(2026, 2, 28))
    with pytest.raises(CurrencyMismatchError, match="an amount in EUR"):
        build_credit_note(inv, number="NC-1", issue_date=date(2026, 3, 10), amount=rub("1.00"))
    with pytest.raises(InvoicingError, match="None when lines are given"):
        build_credit_note(
            inv, number="NC-1", issue_date=date(2026, 3, 10), amount=eur("1.00"), lines=[1]
        )
    with pytest.raises(InvoicingError, match="lines = 3: expected a whole number from 1 to 2"):
        build_credit_note(inv, number="NC-1", issue_date=date(2026, 3, 10), lines=[3])
    once = build_credit_note(inv, number="NC-1", issue_date=date(2026, 3, 10), lines={1: 1})
    with pytest.raises(InvoicingError, match="each credit note once"):
        build_credit_note(
            inv, number="NC-2", issue_date=date(2026, 3, 10), lines={1: 1}, previous=[once, once]
        )
    pf = build_proforma(
        [Item(description="x", unit_price=eur("1.00"))],
        DocumentTerms(seller=CHAT, buyer=ROSSI),
        number="PF",
        issue_date=date(2026, 3, 1),
    )
    with pytest.raises(InvoicingError, match="an issued Invoice, Act or Receipt"):
        build_credit_note(pf, number="NC", issue_date=date(2026, 3, 2))  # type: ignore[arg-type]
    assert isinstance(pf, Proforma)


# --------------------------------------------------------------------------- reconciliation


def _hosting_ledger() -> Ledger:
    line = CreditLine(limit=rub("1000.00"))
    ledger = Ledger(wallets=[Wallet(name="main", currency="RUB", credit=line)])
    t = lambda day: datetime(2024, 2, day, 12, tzinfo=UTC)  # noqa: E731
    for key, amount in [
        ("4839", "22.4137"),
        ("4837", "34.4827"),
        ("4836", "22.4137"),
        ("4835", "21.3464"),
    ]:
        ledger = ledger.charge("main", amount, at=t(21), key=key, description="BACKUP-1000")
    return ledger


def test_reconciliation_statement() -> None:
    ledger = Ledger(
        wallets=[Wallet(name="main", currency="RUB"), Wallet(name="tracking", currency="RUB")]
    )
    t = lambda m, d, h=12: datetime(2024, m, d, h, tzinfo=UTC)  # noqa: E731
    ledger = ledger.top_up("main", "500.00", at=t(1, 10), key="p1", reference="pfx/5600")
    ledger = ledger.charge("main", "120.00", at=t(1, 20), key="c1", description="VPS-1")
    ledger = ledger.top_up("main", "100.00", at=t(2, 3), key="p2", reference="pfx/5635")
    ledger = ledger.charge("main", "22.4137", at=t(2, 21), key="4839", description="BACKUP-1000")
    ledger = ledger.grant("main", "10.00", at=t(2, 22), key="b1")
    ledger = ledger.top_up("tracking", "50.00", at=t(2, 5), key="t1")
    ledger = ledger.charge("main", "5.00", at=t(3, 1), key="c3")
    feb = Period(date(2024, 2, 1), date(2024, 3, 1))
    st = build_reconciliation(
        ledger,
        "main",
        DocumentTerms(seller=HOSTING, buyer=CLIENT),
        period=feb,
        issue_date=date(2024, 3, 1),
    )
    # Opening: the buyer prepaid 500 - 120 = 380 -> -380.00 owed.
    assert st.opening_balance == rub("-380.00")
    assert [(r.on, r.entry_kind, r.debit.amount, r.credit.amount) for r in st.rows] == [
        (date(2024, 2, 3), "top_up", Decimal("0"), Decimal("100.00")),
        (date(2024, 2, 21), "charge", Decimal("22.41"), Decimal("0")),
        (date(2024, 2, 22), "bonus", Decimal("0"), Decimal("10.00")),
    ]
    # -380 + 22.4137 - 110.00 = -467.5863: the prepayment the wallet holds,
    # in whole kopecks -467.59 (the charge shows as -467.59 - (-380.00 + ...) = 22.41)
    assert st.closing_balance == rub("-467.59")
    assert st.in_favour_of == "buyer"
    end = datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)
    assert st.closing_balance.amount == round(-ledger.balance("main", at=end).amount, 2)
    assert st.rows[0].reference == "pfx/5635"
    both = build_reconciliation(
        ledger,
        ["main", "tracking"],
        DocumentTerms(seller=HOSTING, buyer=CLIENT),
        period=feb,
        issue_date=date(2024, 3, 1),
    )
    assert both.credit_total == rub("160.00")


def test_reconciliation_days_follow_the_time_zone() -> None:
    ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    # 31 January 22:00 UTC is 1 February 01:00 in Moscow
    ledger = ledger.top_up("main", "100.00", at=datetime(2024, 1, 31, 22, tzinfo=UTC), key="p")
    feb = Period(date(2024, 2, 1), date(2024, 3, 1))
    terms = DocumentTerms(seller=HOSTING, buyer=CLIENT)
    kw: dict[str, object] = {"period": feb, "issue_date": date(2024, 3, 1)}
    utc = build_reconciliation(ledger, "main", terms, **kw)  # type: ignore[arg-type]
    msk = build_reconciliation(ledger, "main", terms, tz="Europe/Moscow", **kw)  # type: ignore[arg-type]
    assert (utc.opening_balance, len(utc.rows)) == (rub("-100.00"), 0)
    assert (msk.opening_balance, len(msk.rows)) == (rub("0"), 1)
    assert utc.closing_balance == msk.closing_balance == rub("-100.00")
    with pytest.raises(InvoicingError, match="IANA"):
        build_reconciliation(ledger, "main", terms, tz="Mars/Olympus", **kw)  # type: ignore[arg-type]


def test_reconciliation_of_a_credit_line_shows_the_debt() -> None:
    ledger = _hosting_ledger()
    st = build_reconciliation(
        ledger,
        "main",
        DocumentTerms(seller=HOSTING, buyer=CLIENT),
        period=Period(date(2024, 2, 1), date(2024, 3, 1)),
        issue_date=date(2024, 3, 1),
    )
    # four charges bought on credit, nothing paid: the buyer owes 100.6565,
    # 100.66 in whole kopecks
    assert st.debit_total == st.closing_balance == rub("100.66")
    assert st.in_favour_of == "seller"
    assert ledger.balance("main") == rub("-100.6565")


def test_reconciliation_refuses_mixed_currencies() -> None:
    ledger = Ledger(
        wallets=[Wallet(name="rub", currency="RUB"), Wallet(name="eur", currency="EUR")]
    )
    with pytest.raises(CurrencyMismatchError, match="one currency"):
        build_reconciliation(
            ledger,
            ["rub", "eur"],
            DocumentTerms(seller=HOSTING, buyer=CLIENT),
            period=MONTH,
            issue_date=date(2026, 4, 1),
        )


def test_line_with_quantity_one_shows_its_amount_as_unit_price() -> None:
    inv = build_invoice(
        [Item(description="Setup", amount=eur("10.00"))],
        DocumentTerms(seller=CHAT, buyer=ROSSI),
        issue_date=date(2026, 3, 1),
    )
    assert inv.lines[0].unit_price == eur("10.00")
    with pytest.raises(InvoicingError, match="a unit price or an amount"):
        Item(description="nothing")


def test_the_callers_decimal_context_changes_nothing() -> None:
    """Three digits of precision, rounding down, every trap: same documents."""

    q = quote(email_plan(), {"emails_sent": 123456}, MONTH)
    ledger = _hosting_ledger()

    def documents() -> tuple[object, ...]:
        inv = build_invoice(
            items_from_quote(q),
            DocumentTerms(seller=UA_SELLER, buyer=UA_BUYER, tax_rounding="per_document"),
            number="1",
            issue_date=date(2026, 4, 1),
        )
        part = build_credit_note(
            inv, number="CN-1", issue_date=date(2026, 4, 2), amount=Money("1234.57", "UAH")
        )
        rest = build_credit_note(
            inv, number="CN-2", issue_date=date(2026, 4, 3), lines={2: 1000}, previous=[part]
        )
        st = build_reconciliation(
            ledger,
            "main",
            DocumentTerms(seller=HOSTING, buyer=CLIENT),
            period=Period(date(2024, 2, 1), date(2024, 3, 1)),
            issue_date=date(2024, 3, 1),
        )
        return inv, part, rest, st

    expected = documents()
    hostile = decimal.Context(prec=3, rounding=decimal.ROUND_DOWN, traps=[decimal.Inexact])
    with decimal.localcontext(hostile):
        assert documents() == expected
