"""PDF rendering: what the pages say, in each language, read back with pypdf.

Expected numbers are formatted here with babel's own functions (or, for
Persian, babel's Persian separators with Persian digits, shaped and reordered
as they are drawn), never with the renderer's formatter.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path

import attrs
import pypdf
import pytest
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from billkit.errors import InvoicingError
from billkit.invoicing.render import RenderDocument, RenderOptions, render_pdf
from billkit.invoicing.render.fonts import register_fonts
from billkit.invoicing.render.labels import translate
from billkit.invoicing.render.model import Column, Field, LineTable, PartyBlock, TotalRow
from billkit.invoicing.render.pdf import write_pdf
from billkit.invoicing.render.shaping import shape, visual
from billkit.money import Money
from tests.render.test_model import PRICES, SAMPLES, SELLER_NAME, sample_invoice, sample_totals

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def pages(pdf: bytes, *, layout: bool = False) -> list[str]:
    """Each page's text. ``layout`` keeps the drawn (visual) order of each string."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    mode = "layout" if layout else "plain"
    # reportlab draws a no-break space with the space glyph: compare with plain spaces
    return [p.extract_text(extraction_mode=mode).replace("\xa0", " ") for p in reader.pages]


def plain(text: str) -> str:
    return text.replace("\xa0", " ")


def drawn(text: str) -> str:
    """Persian text as the PDF holds it: shaped, in visual order."""
    return visual(shape(text), rtl=True)


# ---------------------------------------------------------------- languages


@pytest.mark.parametrize("lang", ["en", "ru", "uk", "it"])
def test_each_language_prints_its_labels_numbers_and_totals(lang: str) -> None:
    locale, currency, _, what = SAMPLES[lang]
    [text] = pages(render_pdf(sample_invoice(lang)))
    net, tax, gross = sample_totals(lang)
    price = PRICES[currency]
    labels = [
        "invoice",
        "description",
        "unit_price",
        "total_net",
        "total_tax",
        "total_due",
        "due_date",
    ]
    for key in labels:
        assert translate(key, lang) in text, key
    for role in ("seller", "buyer"):  # party roles print in capitals
        assert translate(role, lang).upper() in text
    # amounts: the totals with their currency, each line's amount, as babel writes them
    for amount in (net, tax, gross):
        assert plain(format_currency(amount, currency, locale=locale)) in text
    for i in range(1, 11):
        assert f"{what} #{i}" in text
        assert plain(format_decimal(price * i, format="#,##0.00", locale=locale)) in text
    # the due date in the locale's long form; the service period's last day is 31 March
    assert plain(format_date(date(2026, 3, 15), "long", locale=locale)) in text
    assert plain(format_date(date(2026, 3, 31), "yyyy", locale=locale)) in text
    assert translate("page", lang).format(page=1, pages=1) in text


def test_the_worked_figures_in_russian() -> None:
    """55 x 1 234,50 = 67 897,50 net; 22 % VAT = 14 937,45; total 82 834,95."""
    [text] = pages(render_pdf(sample_invoice("ru")))
    assert "Счёт на оплату № INV-2026-0042 от 5 марта 2026 г." in text.replace("\u202f", " ")
    assert "Итого без НДС 67 897,50 ₽" in text
    assert "НДС 14 937,45 ₽" in text
    assert "Всего к оплате 82 834,95 ₽" in text
    assert "НДС 22 % 67 897,50 14 937,45 82 834,95" in text  # the tax summary row
    assert "10 Аренда сервера VPS #10 10 шт. 1 234,50 22 % 12 345,00" in text  # line 10


def test_persian_is_shaped_right_to_left_with_persian_digits_and_jalali_dates() -> None:
    doc = sample_invoice("fa")
    [text] = pages(render_pdf(doc), layout=True)
    net, tax, gross = sample_totals("fa")  # 55 x 125 000 = 6 875 000; 10% = 687 500

    def rial(amount: Decimal) -> str:
        number = format_decimal(amount, format="#,##0", locale="fa", numbering_system="default")
        return number.translate(PERSIAN)

    assert (net, tax, gross) == (Decimal(6875000), Decimal(687500), Decimal(7562500))
    for key in ("invoice", "seller", "buyer", "description", "total_due", "total_net"):
        assert drawn(translate(key, "fa")) in text, key
    assert drawn(f"{rial(gross)} ریال") in text  # ۷٬۵۶۲٬۵۰۰ ریال
    assert drawn(rial(Decimal(1250000))) in text  # line 10: 10 x 125 000
    assert drawn("صفحه ۱ از ۱") in text
    # dates are Solar Hijri: due 2026-03-15 = 24 Esfand 1404; the period is 1404/12/10 - 1405/01/11
    assert drawn("۲۴ اسفند ۱۴۰۴") in text
    # the period reads from its start (on the right) "تا" (to) its end
    assert drawn("۱۴۰۴/۱۲/۱۰ تا ۱۴۰۵/۰۱/۱۱") in text
    # the heading's words are joined letters, drawn right to left
    assert drawn("صورتحساب شماره\xa0INV-2026-0042").replace("\xa0", " ") in text
    assert "ﺻﻮﺭﺗﺤﺴﺎﺏ"[::-1] in text  # "invoice", shaped and reversed for drawing
    # mirrored layout: a field's label sits right of its value (x of each string's start)
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(doc)))
    starts: dict[str, float] = {}
    reader.pages[0].extract_text(
        visitor_text=lambda t, cm, tm, *_: (
            starts.setdefault(t.strip(), tm[4]) if t.strip() else None
        )
    )
    label = shape(translate("issue_date", "fa") + ":")
    value = next(x for t, x in starts.items() if "ﺍﺳﻔﻨﺪ" in t)  # the date: ۱۴ اسفند ۱۴۰۴
    assert starts[label] > value > 595 / 2


def test_persian_with_latin_digits_and_gregorian_dates() -> None:
    options = RenderOptions(digits="latin", calendar="gregorian")
    [text] = pages(render_pdf(sample_invoice("fa"), options), layout=True)
    assert drawn("7,562,500 ریال") in text
    assert "۷" not in text


# ------------------------------------------------------------ user text, safety


def test_user_text_prints_literally_and_opens_nothing() -> None:
    pdf = render_pdf(sample_invoice("en"))
    [text] = pages(pdf)
    assert SELLER_NAME in text  # <b>ACME</b> & Co, tags and all
    assert '<img src="/etc/passwd"/> & <font size=40>big</font>' in text
    assert b"/Subtype /Image" not in pdf
    assert b"/XObject" not in pdf


def test_the_same_document_gives_the_same_bytes_in_any_process() -> None:
    pdf = render_pdf(sample_invoice("fa"))
    assert pdf == render_pdf(sample_invoice("fa"))
    code = (
        "import hashlib, sys; sys.path.insert(0, '.'); "
        "from tests.render.test_model import sample_invoice; "
        "from billkit.invoicing.render import render_pdf; "
        "print(hashlib.sha256(render_pdf(sample_invoice('fa'))).hexdigest())"
    )
    root = Path(__file__).parent.parent.parent
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root / "src")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root, env=env
    )
    assert done.stdout.strip() == hashlib.sha256(pdf).hexdigest()


def test_metadata_comes_from_the_document_alone() -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(sample_invoice("it"))))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Fattura INV-2026-0042"
    assert meta.author == SELLER_NAME
    assert meta.creator == "billkit"
    assert meta["/CreationDate"] == meta["/ModDate"]  # reportlab's fixed invariant date


# --------------------------------------------------------------- pagination


def _statement(rows: int, lang: str = "ru") -> tuple[RenderDocument, list[Decimal], list[Decimal]]:
    """A reconciliation statement: row i debits (i mod 97) + 0.01 x i, every 7th row credits 500."""
    locale, currency, _, _ = SAMPLES[lang]
    debits: list[Decimal] = []
    credits: list[Decimal] = []
    lines = []
    start = date(2025, 1, 1)
    for i in range(1, rows + 1):
        debit = Decimal(i % 97) + Decimal(i).scaleb(-2) if i % 7 else Decimal(0)
        credit = Decimal(500) if i % 7 == 0 else Decimal(0)
        debits.append(debit)
        credits.append(credit)
        lines.append(
            [
                start + timedelta(days=i // 20),
                f"Операция {i:05d}",
                Money(debit, currency) if debit else None,
                Money(credit, currency) if credit else None,
            ]
        )
    total_debit, total_credit = sum(debits), sum(credits)
    doc = RenderDocument(
        kind="reconciliation",
        number="АС-5000",
        issue_date=date(2026, 1, 10),
        locale=locale,
        currency=currency,
        parties=[
            PartyBlock(role="seller", name="ООО Хостинг"),
            PartyBlock(role="buyer", name="ИП Иванов"),
        ],
        table=LineTable(
            columns=[
                Column(label="date", kind="date"),
                Column(label="document"),
                Column(label="debit", kind="money", carry=True),
                Column(label="credit", kind="money", carry=True),
            ],
            rows=lines,
            foot_rows=[
                [
                    None,
                    "Обороты за период",
                    Money(total_debit, currency),
                    Money(total_credit, currency),
                ]
            ],
        ),
        totals=[
            TotalRow(
                label="closing_balance",
                amount=Money(total_debit - total_credit, currency),
                strong=True,
            )
        ],
    )
    return doc, debits, credits


def _ru_number(text: str) -> Decimal:
    return Decimal(text.replace(" ", "").replace(",", "."))


def test_a_5000_row_statement_paginates_with_headers_and_carried_totals() -> None:
    doc, debits, credits = _statement(5000)
    texts = pages(render_pdf(doc))
    assert len(texts) > 50
    number = r"(\d{1,3}(?: \d{3})*,\d{2})"
    carried_prev: tuple[Decimal, Decimal] | None = None
    last_row = 0
    for n, text in enumerate(texts, start=1):
        assert f"Страница {n} из {len(texts)}" in text
        rows = [int(i) for i in re.findall(r"Операция (\d{5})", text)]
        if not rows:
            continue
        # the header is on every page with rows, and rows continue where the last page stopped
        assert "Дата Документ Дебет, ₽ Кредит, ₽" in text, n
        assert rows == list(range(last_row + 1, last_row + 1 + len(rows))), n
        last_row = rows[-1]
        if carried_prev is not None:
            brought = re.search(rf"Перенос с предыдущей страницы {number} {number}", text)
            assert brought, n
            assert (_ru_number(brought[1]), _ru_number(brought[2])) == carried_prev
        carried = re.search(rf"Итого к переносу {number} {number}", text)
        if last_row < 5000:
            assert carried, n
            # the arithmetic: what this page carries = the sums of rows 1 .. last_row
            expected = (sum(debits[:last_row]), sum(credits[:last_row]))
            assert (_ru_number(carried[1]), _ru_number(carried[2])) == expected, n
            # = what it was brought + this page's own rows
            if carried_prev is not None:
                page_sum = (
                    sum(debits[rows[0] - 1 : last_row]),
                    sum(credits[rows[0] - 1 : last_row]),
                )
                assert expected == (carried_prev[0] + page_sum[0], carried_prev[1] + page_sum[1])
            carried_prev = expected
        else:
            assert not carried
    assert last_row == 5000
    # rows 7, 14, ... 4998 credit 500 each: 714 x 500 = 357 000; the debits sum as computed
    assert sum(credits) == 714 * 500 == Decimal(357000)
    turnover = plain(format_decimal(sum(debits), format="#,##0.00", locale="ru"))
    closing = plain(format_currency(sum(debits) - sum(credits), "RUB", locale="ru"))
    assert f"Обороты за период {turnover} 357 000,00" in texts[-1]
    assert f"Сальдо конечное {closing}" in texts[-1]


def test_a_long_persian_invoice_carries_its_totals_right_to_left() -> None:
    doc = sample_invoice("fa", rows=90)
    texts = pages(render_pdf(doc), layout=True)
    assert len(texts) >= 2
    assert drawn(translate("carried_forward", "fa")) in texts[0]
    assert drawn(translate("brought_forward", "fa")) in texts[1]
    # page 1 carries the sum of its rows: lines 1..k, sum = 125 000 x k(k+1)/2
    header = drawn(translate("description", "fa"))
    assert header in texts[0]
    assert header in texts[1]


# ------------------------------------------------------------ fonts and logo


def test_registered_fonts_and_a_logo_are_used(tmp_path: Path) -> None:
    from PIL import Image

    bold = resources.files("billkit").joinpath("data/fonts/DejaVuSans-Bold.ttf").read_bytes()
    assert register_fonts("Heavy", bold) == "Heavy"
    image = io.BytesIO()
    Image.new("RGB", (120, 40), (31, 58, 95)).save(image, format="PNG")
    options = RenderOptions(fonts="Heavy", logo=image.getvalue(), accent="#8a1c1c")
    pdf = render_pdf(sample_invoice("uk"), options)
    assert b"DejaVuSans-Bold" in pdf
    assert b"+DejaVuSans\n" not in pdf
    assert b"/Subtype /Image" in pdf
    [text] = pages(pdf)
    assert "Рахунок на оплату" in text
    assert pdf == render_pdf(sample_invoice("uk"), options)
    with pytest.raises(
        InvoicingError, match=r"options.fonts = 'Nope': expected a registered font family"
    ):
        render_pdf(sample_invoice("uk"), RenderOptions(fonts="Nope"))
    assert write_pdf(sample_invoice("uk"), tmp_path / "x.pdf", options) == len(pdf)
    assert (tmp_path / "x.pdf").read_bytes() == pdf


def test_only_documents_render() -> None:
    with pytest.raises(InvoicingError, match="document = 'str': expected a RenderDocument"):
        render_pdf("invoice.pdf")
    with pytest.raises(InvoicingError, match="options = 'fast': expected a RenderOptions or None"):
        render_pdf(sample_invoice("en"), "fast")  # type: ignore[arg-type]


def test_a_minimal_document_and_long_unbroken_text() -> None:
    doc = RenderDocument(
        kind="Statement of account",  # not a key: printed as written
        number="1",
        issue_date=date(2026, 1, 1),
        locale="en_GB",
        currency="GBP",
        fields=[Field(label="Contract reference", value="X" * 300)],
        notes=["word " * 400],
    )
    texts = pages(render_pdf(doc))
    assert texts[0].startswith("Statement of account No. 1")
    assert "Contract reference:" in texts[0]
    assert "".join(texts).count("X") == 300  # cut into lines, nothing lost
    assert render_pdf(attrs.evolve(doc, notes=()))[:5] == b"%PDF-"


def _baselines(page: pypdf.PageObject) -> list[float]:
    """The y of every string drawn on ``page``."""
    ys: list[float] = []
    page.extract_text(visitor_text=lambda t, cm, tm, *_: ys.append(tm[5]) if t.strip() else None)
    return ys


def test_long_notes_flow_onto_more_pages_inside_the_margins() -> None:
    words = [f"w{i}" for i in range(6000)]
    doc = RenderDocument(
        kind="invoice",
        number="1",
        issue_date=date(2026, 1, 1),
        locale="en",
        currency="EUR",
        notes=[" ".join(words)],
    )
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(doc)))
    assert len(reader.pages) > 3
    found: list[str] = []
    lowest = []
    for page in reader.pages:
        ys = _baselines(page)
        found.extend(re.findall(r"w\d+", page.extract_text()))
        body = [y for y in ys if y > 40]  # the footer sits at 30 pt
        lowest.append(min(body))
    assert found == words  # every word, once, in order
    assert min(lowest) >= 54  # nothing runs into the bottom margin


def _header_lines(pdf: bytes, first: str, row: str) -> int:
    """How many lines the line table's header takes: the distinct heights of the
    strings drawn from the header's first label down to (not including) the first row."""
    drawn_at: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            drawn_at.append((round(tm[5] * cm[3] + cm[5], 1), text))

    pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    texts = [t for _, t in drawn_at]
    start = texts.index(first)
    end = texts.index(row, start)
    return len({y for y, _ in drawn_at[start:end]})


@pytest.mark.parametrize(
    ("name", "first"),
    [("4-messaging-usage-invoice-it", "N."), ("5-attribution-invoice-fa", shape("ردیف"))],
)
def test_column_headers_take_two_lines_when_the_description_has_room(name: str, first: str) -> None:
    """Issue 15: "Prezzo unitario (€)" wrapped to three lines beside a half-empty
    description column; a number column now widens to hold its header on two."""
    from billkit._demo_documents import demo_documents

    pdf = render_pdf(demo_documents()[name])
    assert _header_lines(pdf, first, "1" if name.endswith("it") else "۱") == 2
