"""The customary elements each country's accountants expect (issue 15), read back
from the PDF with pypdf and from the view model."""

from __future__ import annotations

import io
import sys
from datetime import date

import attrs
import pypdf
import pytest

from billkit.errors import MissingDependencyError
from billkit.invoicing import DocumentTerms, Item, build_act, build_invoice
from billkit.invoicing.render import render_html, render_pdf
from billkit.invoicing.render.adapters import to_render_document
from billkit.money import Money
from billkit.parties import Party
from billkit.parties.party import Passport, Signatory
from tests.render.test_adapters import RU_BUYER, RU_SELLER

SELLER = attrs.evolve(
    RU_SELLER,
    director=Signatory(name="Петров О. В.", position="Генеральный директор"),
    accountant=Signatory(name="Сидорова А. А."),
)
IP = attrs.evolve(
    RU_BUYER, passport=Passport(number="4510 123456", issued_by="ОВД Тверской г. Москвы")
)
ITEMS = [
    Item(description="VPS-1, месяц", unit="мес.", unit_price=Money("250.00", "RUB")),
    Item(description="Резервное копирование", unit_price=Money("1000.00", "RUB")),
]


def text_of(document: object) -> str:
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(document)))
    text = "\n".join(p.extract_text() for p in reader.pages)
    return text.replace("\xa0", " ").replace("\u202f", " ")


def terms(seller: Party, buyer: Party) -> DocumentTerms:
    return DocumentTerms(seller=seller, buyer=buyer, locale="ru_RU", rules=None)


def test_a_russian_invoice_has_its_summary_line_and_signatures() -> None:
    invoice = build_invoice(ITEMS, terms(SELLER, IP), number="17", issue_date=date(2026, 3, 2))
    text = text_of(invoice)
    # 250.00 + 1000.00 = 1250.00 RUB before VAT, 22 % VAT = 275.00, 1525.00 in all
    total = invoice.totals.gross.amount
    assert total == 1525
    assert "Всего наименований 2, на сумму 1 525,00 ₽" in text
    assert "Одна тысяча пятьсот двадцать пять рублей 00 копеек" in text
    assert "Руководитель: Петров О. В." in text
    assert "Главный бухгалтер: Сидорова А. А." in text
    # the line without a unit shows the customary "усл."
    doc = to_render_document(invoice)
    assert doc.table is not None
    assert [row[3] for row in doc.table.rows] == ["мес.", "усл."]


def test_a_sole_proprietor_signs_as_such_and_the_passport_stays_private() -> None:
    invoice = build_invoice(ITEMS, terms(IP, SELLER), number="18", issue_date=date(2026, 3, 2))
    text = text_of(invoice)
    assert "Индивидуальный предприниматель: ИП Иванов Иван Иванович" in " ".join(text.split())
    assert "4510 123456" not in text  # personal data the invoice does not need
    assert "4510 123456" not in render_html(invoice)
    assert IP.passport is not None
    opted = attrs.evolve(IP, passport=attrs.evolve(IP.passport, on_documents=True))
    shown = build_invoice(ITEMS, terms(opted, SELLER), number="19", issue_date=date(2026, 3, 2))
    assert "4510 123456" in text_of(shown)


def test_an_act_states_its_services_and_the_acceptance_clause() -> None:
    act = build_act(ITEMS, terms(SELLER, IP), number="А-3", issue_date=date(2026, 3, 31))
    squashed = " ".join(text_of(act).split())
    assert "Всего оказано услуг 2, на сумму 1 525,00 ₽" in squashed
    assert (
        "Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий по"
        " объёму, качеству и срокам оказания услуг не имеет." in squashed
    )


def test_the_amount_in_words_is_never_left_out_silently(monkeypatch: pytest.MonkeyPatch) -> None:
    invoice = build_invoice(ITEMS, terms(SELLER, IP), number="17", issue_date=date(2026, 3, 2))
    monkeypatch.setitem(sys.modules, "num2words", None)  # as on an install without it
    with pytest.raises(MissingDependencyError, match=r"py-billkit\[words\]"):
        render_pdf(invoice)


def test_addresses_abroad_carry_the_country_and_italian_ones_the_provincia() -> None:
    from billkit.parties import Address

    it = Party(
        kind="legal_entity",
        country="IT",
        name="Conversa S.r.l.",
        legal_address=Address(
            country="IT", postal_code="20121", region="MI", city="Milano", street="Via Dante 4"
        ),
    )
    de = Party(
        kind="legal_entity",
        country="DE",
        name="Agentur GmbH",
        legal_address=Address(country="DE", postal_code="10115", city="Berlin"),
    )
    terms_en = DocumentTerms(seller=it, buyer=de, locale="en", rules=None)
    item = [Item(description="Chat", unit_price=Money("10.00", "EUR"), treatment="reverse_charge")]
    doc = to_render_document(build_invoice(item, terms_en, issue_date=date(2026, 3, 1)))
    assert doc.parties[0].lines == ("Via Dante 4, 20121 Milano (MI), Italy",)
    assert doc.parties[1].lines == ("10115, Berlin, Germany",)
    text = text_of(build_invoice(item, terms_en, issue_date=date(2026, 3, 1)))
    assert "1 Mar 2026" in text or "March 1, 2026" in text  # never the ambiguous 3/1/2026
    assert "3/1/2026" not in text


def test_iranian_amounts_in_tomans_only_when_asked() -> None:
    from billkit.invoicing.render import RenderDocument, RenderOptions
    from billkit.invoicing.render.model import TotalRow

    doc = RenderDocument(
        kind="invoice",
        number="INV-1",
        issue_date=date(2026, 3, 5),
        locale="fa",
        currency="IRR",
        totals=[TotalRow(label="total_due", amount=Money("1250000", "IRR"), strong=True)],
    )
    # 1 250 000 rials = 125 000 tomans (a toman is ten rials)
    assert "۱٬۲۵۰٬۰۰۰\xa0ریال" in render_html(doc)
    assert "تومان" not in render_html(doc)
    tomans = render_html(doc, RenderOptions(money_unit="toman"))
    assert "۱۲۵٬۰۰۰\xa0تومان" in tomans
    assert "(۱٬۲۵۰٬۰۰۰\xa0ریال)" in tomans  # the total due also in rials
    pdf = render_pdf(doc, RenderOptions(money_unit="toman"))
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "۱۲۵٬۰۰۰" in text or "۱۲۵٬۰۰۰"[::-1] in text  # pypdf reverses Persian lines
    assert "۱٬۲۵۰٬۰۰۰" in text or "۱٬۲۵۰٬۰۰۰"[::-1] in text
