"""The render view model: what it accepts, what it refuses, and sample documents.

The ``sample_*`` builders here are shared by the other ``test_render_*``
modules: one invoice per language with known lines and totals, written out by
hand so every expected figure is visible next to its arithmetic.
"""

from __future__ import annotations

import string
import subprocess
import sys
from datetime import date, datetime, timezone
from decimal import Decimal

import attrs
import pytest

from billkit.errors import CurrencyMismatchError, InvoicingError, MoneyError, UnknownCurrencyError
from billkit.invoicing.render import RenderDocument, RenderOptions
from billkit.invoicing.render.labels import label_keys, translate
from billkit.invoicing.render.model import (
    LANGUAGES,
    Column,
    Field,
    Label,
    LineTable,
    PartyBlock,
    TaxRow,
    TotalRow,
)
from billkit.money import Money
from billkit.periods import Period

# language -> (locale, currency, unit, description prefix)
SAMPLES = {
    "en": ("en", "EUR", "pcs", "Consulting hour"),
    "ru": ("ru_RU", "RUB", "шт.", "Аренда сервера VPS"),
    "uk": ("uk_UA", "UAH", "шт.", "Оренда сервера VPS"),
    "it": ("it_IT", "EUR", "pz.", "Ora di consulenza"),
    "fa": ("fa_IR", "IRR", "عدد", "اجاره سرور"),
}
# Line i (1..10) is i units at 1 234.50 (125 000 for the rial); net = i x price.
PRICES = {
    "EUR": Decimal("1234.50"),
    "RUB": Decimal("1234.50"),
    "UAH": Decimal("1234.50"),
    "IRR": Decimal("125000"),
}
RATE = {
    "en": Decimal("0.22"),
    "ru": Decimal("0.22"),
    "uk": Decimal("0.20"),
    "it": Decimal("0.22"),
    "fa": Decimal("0.10"),
}
SELLER_NAME = "<b>ACME</b> & Co"


def sample_totals(lang: str) -> tuple[Decimal, Decimal, Decimal]:
    """(net, tax, gross) of the sample invoice: net = (1 + ... + 10) x price = 55 x price."""
    _, currency, _, _ = SAMPLES[lang]
    net = 55 * PRICES[currency]
    tax = (net * RATE[lang]).quantize(Decimal(1) if currency == "IRR" else Decimal("0.01"))
    return net, tax, net + tax


def sample_invoice(lang: str, *, rows: int = 10, **changes: object) -> RenderDocument:
    """A one-page invoice in ``lang`` with ``rows`` lines (10 by default)."""
    locale, currency, unit, what = SAMPLES[lang]
    price = PRICES[currency]

    def m(amount: Decimal) -> Money:
        return Money(amount, currency)

    lines = [
        [i, f"{what} #{i}", Decimal(i), unit, m(price), RATE[lang], m(price * i)]
        for i in range(1, rows + 1)
    ]
    net = sum((price * i for i in range(1, rows + 1)), Decimal(0))
    tax = (net * RATE[lang]).quantize(Decimal(1) if currency == "IRR" else Decimal("0.01"))
    doc = RenderDocument(
        kind="invoice",
        number="INV-2026-0042",
        issue_date=date(2026, 3, 5),
        locale=locale,
        currency=currency,
        fields=[
            Field(label="due_date", value=date(2026, 3, 15)),
            Field(label="period", value=Period(date(2026, 3, 1), date(2026, 4, 1))),
        ],
        parties=[
            PartyBlock(
                role="seller",
                name=SELLER_NAME,
                lines=["1 Main Street, Springfield"],
                fields=[
                    Field(label="inn", value="7707083893"),
                    Field(label="kpp", value="773601001"),
                ],
            ),
            PartyBlock(
                role="buyer", name="Globex", fields=[Field(label="vat_number", value="DE123456788")]
            ),
        ],
        table=LineTable(
            columns=[
                Column(label="line_no", kind="number"),
                Column(label="description"),
                Column(label="quantity", kind="number"),
                Column(label="unit"),
                Column(label="unit_price", kind="money"),
                Column(label="tax_rate", kind="percent"),
                Column(label="net", kind="money", carry=True),
            ],
            rows=lines,
        ),
        tax_summary=[TaxRow(rate=RATE[lang], net=m(net), tax=m(tax), gross=m(net + tax))],
        totals=[
            TotalRow(label="total_net", amount=m(net)),
            TotalRow(label="total_tax", amount=m(tax)),
            TotalRow(label="total_due", amount=m(net + tax), strong=True),
        ],
        payment=[Field(label="iban", value="IT60X0542811101000000123456")],
        notes=['<img src="/etc/passwd"/> & <font size=40>big</font>'],
    )
    return attrs.evolve(doc, **changes) if changes else doc


# ------------------------------------------------------------------ accepted


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_sample_invoice_adds_up(lang: str) -> None:
    doc = sample_invoice(lang)
    net, tax, gross = sample_totals(lang)
    assert doc.totals[-1].amount.amount == gross == net + tax
    assert doc.table is not None
    assert sum(row[-1].amount for row in doc.table.rows) == net  # type: ignore[union-attr]


def test_lists_become_tuples_and_direction_follows_the_language() -> None:
    doc = sample_invoice("fa")
    assert isinstance(doc.parties, tuple)
    assert isinstance(doc.table.rows[0], tuple)
    assert (doc.language, doc.direction) == ("fa", "rtl")
    assert sample_invoice("ru").direction == "ltr"
    assert (
        RenderDocument(
            kind="receipt", number="1", issue_date=date(2026, 1, 1), locale="it-IT", currency="eur"
        ).locale
        == "it_IT"
    )


def test_every_cell_type_is_accepted_where_its_column_allows() -> None:
    table = LineTable(
        columns=[
            Column(label="date", kind="date"),
            Column(label="document"),
            Column(label="quantity", kind="number"),
            Column(label="amount", kind="money"),
            Column(label="tax_rate", kind="percent"),
        ],
        rows=[
            [date(2026, 1, 1), "text", 3, Money("1.00", "EUR"), Decimal("0.2")],
            [
                Period(date(2026, 1, 1), date(2026, 2, 1)),
                Label("opening_balance"),
                Decimal("1.5"),
                None,
                Label("no_tax"),
            ],
            ["—", "", "n/a", "—", "—"],
        ],
    )
    assert len(table.rows) == 3


# ------------------------------------------------------------------ refused


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Field(label="x", value=0.5), "field.value = 0.5: expected a str, int, Decimal"),
        (lambda: Field(label="x", value=True), "field.value = True"),
        (
            lambda: Field(label="x", value=datetime(2026, 1, 1, tzinfo=timezone.utc)),
            "expected a date, not a datetime",
        ),
        (lambda: Field(label="", value="v"), "field.label = '': expected a non-empty str"),
        (lambda: Field(label="x", value=Decimal("NaN")), "expected a finite number"),
        (lambda: Column(label="x", kind="currency"), "column.kind = 'currency'"),  # type: ignore[arg-type]
        (
            lambda: Column(label="x", carry=True),
            "column.carry = True: expected False for a non-number",
        ),
        (lambda: Column(label="x", weight=0), "column.weight = 0"),
        (
            lambda: LineTable(columns=[], rows=[]),
            "table.columns = (): expected at least one column",
        ),
        (
            lambda: LineTable(columns=[Column(label="a", kind="money")], rows=[[Decimal(1)]]),
            "table.rows[0][0] = Decimal('1'): expected a Money, str, Label or None in money column 'a'",
        ),
        (
            lambda: LineTable(columns=[Column(label="a")], rows=[[1.5]]),
            "table.rows[0][0] = 1.5: expected a str, int, Decimal",
        ),
        (lambda: LineTable(columns=[Column(label="a")], rows="ab"), "table.rows = 'ab'"),
        (
            lambda: TaxRow(
                rate=Decimal("0.2"),
                net=Money("10", "EUR"),
                tax=Money("2", "EUR"),
                gross=Money("12.01", "EUR"),
            ),
            "tax.gross = Money('12.01', 'EUR'): expected net + tax = 12 EUR",
        ),
        (
            lambda: TotalRow(label="total", amount="12.00"),
            "total.amount = '12.00': expected a Money",
        ),
        (lambda: PartyBlock(role="seller", name=" "), "party.name = ' '"),
        (lambda: PartyBlock(role="seller", name="A", lines="one line"), "party.lines = 'one line'"),
        (lambda: RenderOptions(accent="red"), "options.accent = 'red'"),
        (lambda: RenderOptions(digits="arabic"), "options.digits = 'arabic'"),  # type: ignore[arg-type]
        (lambda: RenderOptions(calendar="hijri"), "options.calendar = 'hijri'"),  # type: ignore[arg-type]
        (lambda: RenderOptions(logo="logo.png"), "options.logo = 'logo.png'"),  # type: ignore[arg-type]
    ],
)
def test_bad_values_are_refused_naming_the_field(build: object, message: str) -> None:
    with pytest.raises(InvoicingError) as raised:
        build()  # type: ignore[operator]
    assert message in str(raised.value)


def test_an_inexact_number_is_a_money_error_in_every_room() -> None:
    with pytest.raises(MoneyError, match=r"tax\.rate = 0\.2: expected a str, int or Decimal"):
        TaxRow(rate=0.2, net=Money("10", "EUR"), tax=Money("2", "EUR"), gross=Money("12", "EUR"))  # type: ignore[arg-type]


def test_a_document_refuses_a_foreign_currency_and_unknown_languages() -> None:
    doc = sample_invoice("ru")
    with pytest.raises(
        CurrencyMismatchError,
        match=r"totals\[0\].amount = Money\('1', 'EUR'\): expected an amount in RUB",
    ):
        attrs.evolve(doc, totals=[TotalRow(label="total", amount=Money("1", "EUR"))])
    with pytest.raises(CurrencyMismatchError, match=r"table.rows\[0\]\[4\] = Money\('1', 'EUR'\)"):
        attrs.evolve(
            doc,
            table=LineTable(
                columns=doc.table.columns,  # type: ignore[union-attr]
                rows=[[1, "x", Decimal(1), "", Money("1", "EUR"), Decimal(0), Money("1", "RUB")]],
            ),
        )
    with pytest.raises(
        InvoicingError, match="locale = 'de': expected a locale of one of en, ru, uk, it, fa"
    ):
        attrs.evolve(doc, locale="de")
    with pytest.raises(UnknownCurrencyError, match="currency = 'XXY'"):
        attrs.evolve(doc, currency="XXY")
    with pytest.raises(InvoicingError, match="issue_date"):
        attrs.evolve(doc, issue_date="2026-03-05")


# ------------------------------------------------------------------ labels


def test_every_label_is_translated_into_every_language() -> None:
    for key in label_keys():
        texts = [translate(key, lang) for lang in LANGUAGES]
        assert all(texts), key
    # the non-Latin languages translate the words (identifiers may stay Latin)
    words = ("invoice", "total_due", "page", "carried_forward", "brought_forward", "description")
    for lang in ("ru", "uk", "fa"):
        for key in words:
            assert translate(key, lang) != translate(key, "en"), (lang, key)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_templates_keep_their_placeholders_in_every_language() -> None:
    for key in label_keys():
        english = _placeholders(translate(key, "en"))
        for lang in LANGUAGES:
            found = _placeholders(translate(key, lang))
            if key == "heading":  # the date is part of the heading in ru, uk and it only
                assert found - {"date"} == english, (key, lang)
            else:
                assert found == english, (key, lang)


def test_importing_the_renderers_loads_nothing_heavy() -> None:
    """The view model builds without reportlab, jdatetime or the shaping libraries.

    (babel is not in the list: py-moneyed, and so ``billkit.money``, imports it.)
    """
    code = (
        "import sys; from datetime import date; "
        "from billkit.invoicing.render.model import RenderDocument, TotalRow; "
        "from billkit.money import Money; "
        "RenderDocument(kind='invoice', number='1', issue_date=date(2026, 1, 1), locale='fa',"
        " currency='IRR', totals=[TotalRow(label='total', amount=Money('1', 'IRR'))]); "
        "print(' '.join(m for m in ('reportlab', 'arabic_reshaper', 'bidi', 'jdatetime')"
        " if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
