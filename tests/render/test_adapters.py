"""billkit's invoicing documents, adapted to the view model and rendered.

Documents are built with :mod:`billkit.invoicing`'s own builders; the tests
check that what prints is what the document holds: every line, the tax
groups, the totals, the parties' identifiers and the references.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from billkit.errors import InvoicingError
from billkit.invoicing import (
    DocumentTerms,
    Item,
    build_act,
    build_credit_note,
    build_invoice,
    build_proforma,
    invoice_from_proforma,
)
from billkit.invoicing.builders import receipt_for
from billkit.invoicing.documents import ReconciliationRow, ReconciliationStatement
from billkit.invoicing.render import render_html, render_pdf
from billkit.invoicing.render.adapters import to_render_document
from billkit.invoicing.render.model import Label
from billkit.money import Money
from billkit.parties import Address, BankAccount, Party
from billkit.periods import Period

RU_SELLER = Party(
    kind="legal_entity",
    country="RU",
    name='ООО "Хостинг"',
    legal_address=Address(
        country="RU", postal_code="140140", city="Москва", street="ул. Ленина, д. 1"
    ),
    identifiers={"ru.inn": "7701456789", "ru.kpp": "770101001", "ru.ogrn": "1027700123450"},
    bank=BankAccount(
        bank_name="ПАО Сбербанк",
        bik="044525225",
        account="40702810938000012345",
        correspondent_account="30101810400000000225",
    ),
)
RU_BUYER = Party(
    kind="sole_proprietor",
    country="RU",
    name="ИП Иванов Иван Иванович",
    identifiers={"ru.inn": "500123456750", "ru.ogrn": "316500100123450"},
)
IT_SELLER = Party(
    kind="legal_entity",
    country="IT",
    name="Conversa S.r.l.",
    legal_address=Address(country="IT", city="Milano", street="Via Dante 4"),
    identifiers={"it.iva": "02987650153"},
    bank=BankAccount(iban="IT60X0542811101000000123456"),
)
IT_BUYER = Party(
    kind="individual", country="IT", name="Laura Bianchi", identifiers={"it.cf": "BNCLRA80A41F205G"}
)


def text_of(document: object) -> str:
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(document)))
    return "\n".join(p.extract_text() for p in reader.pages).replace("\xa0", " ")


def test_a_russian_invoice_with_prices_including_vat() -> None:
    """The hosting provider's cart: 250.00 RUB including VAT; in 2026 the rate is 22 %:
    tax = 250.00 x 22 / 122 = 45.08, net = 204.92."""
    invoice = build_invoice(
        [Item(description="VPS-1, месяц", unit="мес.", unit_price=Money("250.00", "RUB"))],
        DocumentTerms(
            seller=RU_SELLER, buyer=RU_BUYER, locale="ru_RU", prices_include_tax=True, rules=None
        ),
        number="17",
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 11),
    )
    assert (invoice.totals.net.amount, invoice.totals.tax.amount) == (
        Decimal("204.92"),
        Decimal("45.08"),
    )
    doc = to_render_document(invoice)
    assert doc.kind == "invoice"
    assert doc.number == "17"
    assert doc.locale == "ru_RU"
    [seller, buyer] = doc.parties
    assert [(f.label, f.value) for f in seller.fields] == [
        ("inn", "7701456789"),
        ("kpp", "770101001"),
        ("ogrn", "1027700123450"),
    ]
    assert [f.label for f in buyer.fields] == ["inn", "ogrnip"]  # a 15-digit OGRN is an OGRNIP
    assert doc.table is not None
    assert doc.table.rows[0][-1] == Money("250.00", "RUB")
    assert [(t.label, t.amount) for t in doc.totals] == [
        ("total", invoice.totals.gross),
        ("tax_included", invoice.totals.tax),
        ("total_due", invoice.totals.gross),
    ]
    assert [f.label for f in doc.payment] == ["bank", "bik", "account", "corr_account"]
    assert doc.amount_in_words == "Двести пятьдесят рублей 00 копеек"
    text = text_of(invoice)
    for expected in (
        "Счёт на оплату № 17 от 1 марта 2026",
        "Оплатить до: 11 марта 2026",
        "ИНН: 7701456789",
        "ОГРНИП: 316500100123450",
        "1 VPS-1, месяц 1 мес. 250,00 22 % 250,00",
        "НДС 22 % 204,92 45,08 250,00",
        "В том числе НДС 45,08 ₽",
        "Всего к оплате 250,00 ₽",
        "Двести пятьдесят рублей 00 копеек",
        "Расчётный счёт: 40702810938000012345",
    ):
        assert expected in text, expected


def test_an_italian_invoice_its_credit_note_and_receipt() -> None:
    invoice = build_invoice(
        [
            Item(
                description="Piano Growth, marzo 2026",
                unit="mese",
                unit_price=Money("249.00", "EUR"),
            ),
            Item(
                description="Contatti extra",
                quantity=3,
                unit="blocco",
                unit_price=Money("15.00", "EUR"),
                explanation=("1 260 - 1 000 inclusi = 260 -> 3 blocchi",),
            ),
        ],
        DocumentTerms(seller=IT_SELLER, buyer=IT_BUYER, locale="it_IT"),
        number="2026/0311",
        issue_date=date(2026, 3, 1),
        payment_days=14,
        invoice_kind="subscription",
    )
    # 249.00 + 3 x 15.00 = 294.00 net; 22 % = 64.68; 358.68
    assert invoice.totals.gross == Money("358.68", "EUR")
    text = text_of(invoice)
    for expected in (
        "Fattura n. 2026/0311 del 1 marzo 2026",
        "Partita IVA: 02987650153",
        "Codice fiscale: BNCLRA80A41F205G",
        "2 Contatti extra\n1 260 - 1 000 inclusi = 260 -> 3 blocchi\n3 blocco 15,00 22% 45,00",
        "Totale imponibile 294,00 €",
        "IVA 64,68 €",
        "Totale da pagare 358,68 €",
        "IBAN: IT60X0542811101000000123456",
    ):
        assert expected in text, expected
    note = build_credit_note(
        invoice,
        number="NC-7",
        issue_date=date(2026, 3, 20),
        reason="Rimborso",
        amount=Money("100.00", "EUR"),
    )
    doc = to_render_document(note)
    assert doc.kind == "credit_note"
    assert doc.totals[-1].label == "refund"
    assert doc.totals[-1].amount == note.totals.gross == Money("100.00", "EUR")
    assert ("corrects", "Fattura n. 2026/0311 del 01/03/2026") in [
        (f.label, f.value) for f in doc.fields
    ]
    assert "Da rimborsare 100,00 €" in text_of(note)
    receipt = receipt_for(
        invoice, number="Q-7", paid_on=date(2026, 3, 4), method="card", payment_reference="pi_123"
    )
    doc = to_render_document(receipt)
    assert [(f.label, f.value) for f in doc.fields] == [
        ("payment_date", date(2026, 3, 4)),
        ("payment_method", "Carta"),  # the method's code, translated
        ("transaction", "pi_123"),
        ("basis", "Fattura n. 2026/0311 del 01/03/2026"),  # the invoice it pays
    ]
    assert doc.totals[-1].label == "paid"
    assert doc.payment == ()
    assert "Pagato 358,68 €" in text_of(receipt)


def test_an_act_is_signed_by_both_parties() -> None:
    act = build_act(
        [
            Item(
                description="Веб-аналитика, тариф «Бизнес»",
                unit="мес.",
                unit_price=Money("10000.00", "RUB"),
            )
        ],
        DocumentTerms(
            seller=RU_SELLER, buyer=RU_BUYER, locale="ru_RU", prices_include_tax=True, rules=None
        ),
        number="А-31",
        issue_date=date(2026, 3, 31),
        period=Period(date(2026, 3, 1), date(2026, 4, 1)),
    )
    doc = to_render_document(act)
    assert [p.role for p in doc.parties] == ["executor", "customer"]
    assert doc.signatures == ('Исполнитель: ООО "Хостинг"', "Заказчик: ИП Иванов Иван Иванович")
    assert doc.payment == ()  # the seller's bank prints in its block, not as payment details
    assert "bank" in [f.label for f in doc.parties[0].fields]
    text = text_of(act)
    heading = "Акт выполненных работ (оказанных услуг) № А-31 от 31 марта 2026"
    assert heading in text.replace("\n", " ")
    assert "Период: 01.03.2026 – 31.03.2026" in text
    assert "Итого 10 000,00 ₽" in text
    assert "Десять тысяч рублей 00 копеек" in text


def test_proforma_then_official_invoice_in_persian() -> None:
    seller = Party(
        kind="legal_entity",
        country="IR",
        name="شرکت ردیاب",
        legal_address=Address(country="IR", city="تهران", street="ولیعصر"),
    )
    buyer = Party(
        kind="individual",
        country="IR",
        name="سارا محمدی",
        identifiers={"ir.national_id": "0012345679"},
    )
    proforma = build_proforma(
        [Item(description="طرح رشد", unit="دوره", unit_price=Money("45000000", "IRR"))],
        DocumentTerms(seller=seller, buyer=buyer, locale="fa_IR", rules=None),
        number="PF-118",
        issue_date=date(2026, 3, 21),
        payment_days=10,
    )
    invoice = invoice_from_proforma(
        proforma, number="INV-7", issue_date=date(2026, 3, 23), payment_days=10
    )
    doc = to_render_document(invoice)
    assert doc.direction == "rtl"
    # printed in Persian digits, as every number on the page
    assert ("national_code", "۰۰۱۲۳۴۵۶۷۹") in [(f.label, f.value) for f in doc.parties[1].fields]
    assert ("basis", "پیش‌فاکتور شماره PF-118 مورخ ۱۴۰۵/۰۱/۰۱") in [
        (f.label, f.value) for f in doc.fields
    ]
    assert doc.parties[0].lines == ("تهران، ولیعصر",)  # Persian comma between address parts
    # 49 500 000 rials in Persian words (num2words writes the number, billkit names the rial)
    assert doc.amount_in_words == "چهل و نه میلیون و پانصد هزار ریال"
    # 45 000 000 + 10 % = 49 500 000 rials
    assert "۴۹٬۵۰۰٬۰۰۰\xa0ریال" in render_html(invoice)


def test_reverse_charge_lines_print_their_treatment() -> None:
    buyer = Party(
        kind="legal_entity",
        country="DE",
        name="Nordlicht GmbH",
        legal_address=Address(country="DE", city="Berlin"),
        identifiers={"eu.vat": "DE123456788"},
    )
    invoice = build_invoice(
        [
            Item(
                description="Growth plan",
                unit_price=Money("249.00", "EUR"),
                treatment="reverse_charge",
            )
        ],
        DocumentTerms(seller=IT_SELLER, buyer=buyer, locale="en"),
        number="2026/0313",
        issue_date=date(2026, 3, 1),
    )
    doc = to_render_document(invoice)
    assert doc.table is not None
    assert doc.table is not None
    rate = [c.label for c in doc.table.columns].index("tax_rate")
    assert doc.table.rows[0][rate] == Label("reverse_charge")
    assert [(t.rate, t.label) for t in doc.tax_summary] == [(None, "reverse_charge")]
    text = text_of(invoice)
    assert "1 Growth plan 1 249.00 Reverse charge 249.00" in text
    assert "VAT number: DE123456788" in text
    assert invoice.notes_with_legal[0] in text  # the legal note


def test_a_reconciliation_statement_from_the_documented_example() -> None:
    rub = lambda a: Money(a, "RUB")  # noqa: E731
    statement = ReconciliationStatement(
        number=None,
        issue_date=date(2024, 3, 1),
        seller=RU_SELLER,
        buyer=RU_BUYER,
        currency="RUB",
        locale="ru_RU",
        period=Period(date(2024, 2, 1), date(2024, 3, 1)),
        opening_balance=rub("0.00"),
        rows=[
            ReconciliationRow(
                on=date(2024, 2, 20),
                description="Оплата",
                reference="П-5",
                debit=rub("0"),
                credit=rub("100.00"),
            ),
            ReconciliationRow(
                on=date(2024, 2, 21),
                description="BACKUP-1000",
                debit=rub("22.4137"),
                credit=rub("0"),
            ),
        ],
        debit_total=rub("22.4137"),
        credit_total=rub("100.00"),
        closing_balance=rub("-77.5863"),
    )
    doc = to_render_document(statement)
    assert doc.number == "Черновик"  # a draft has no number yet
    assert doc.table is not None
    # two sides: the seller's columns carried, the buyer's left to fill in
    assert [c.carry for c in doc.table.columns] == [False, False, True, True, False, False]
    assert doc.table.head_rows == (
        (date(2024, 2, 1), Label("opening_balance"), rub("0.00"), None, None, None),
    )
    assert doc.table.foot_rows[-1] == (
        date(2024, 2, 29),
        Label("closing_balance"),
        None,
        rub("77.5863"),
        None,
        None,
    )
    text = text_of(statement)
    for expected in (
        "Акт сверки взаимных расчётов № Черновик",
        "01.02.2024 Сальдо начальное 0,00",
        "20.02.2024 Оплата (П-5) 100,00",
        "21.02.2024 BACKUP-1000 22,4137",
        "Обороты за период 22,4137 100,00",
        "29.02.2024 Сальдо конечное 77,5863",
        # the closing balance once, with its date, amount and whom it favours
        "На 29.02.2024 задолженность в пользу ИП Иванов Иван Иванович составляет 77,5863 ₽.",
    ):
        assert expected in text, expected
    assert "-77,5863" not in text  # never a negative figure that reads like an amount due
    squashed = "".join(text.split())  # the column headers wrap
    for header in ("Продавец:дебет", "Продавец:кредит", "Покупатель:дебет", "Покупатель:кредит"):
        assert header in squashed
    assert text.count("77,5863 ₽") == 1


def test_anything_else_is_refused() -> None:
    with pytest.raises(
        InvoicingError,
        match="document = 'dict': expected a RenderDocument or a billkit invoicing document",
    ):
        to_render_document({"number": "1"})
