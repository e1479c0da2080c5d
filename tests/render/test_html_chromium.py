"""HTML documents in a real browser: no horizontal scroll at A4 width (issue 15).

Every document kind (invoice, proforma, act, receipt, credit note, two-sided
reconciliation statement) in every language, filled with the hostile text of
``test_hostile`` (a 120-character word, 500-character descriptions,
reportlab markup, entities, every bidi control, emoji, NUL and TAB), plus the
hostile view-model invoice, a 300-line invoice and the demo's documents, is laid out by headless
Chromium in a frame 794 CSS pixels wide (A4's 210 mm at 96 dpi) and
1123 high. A script measures, inside each frame, that

- the page does not scroll sideways (``scrollWidth <= clientWidth``),
- no element is drawn outside the frame (left or right), and
- no table cell's content spills out of its cell.

One browser run lays out all the documents (each in its own ``<iframe
srcdoc>``), driven with the standard library only: ``chromium --headless
--dump-dom`` prints the page after its ``load`` handler wrote the
measurements into it.

Without Chromium the test skips, saying how to install it; under ``CI`` it
fails instead, as the PostgreSQL tests do.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billkit._demo_documents import demo_documents
from billkit.invoicing import (
    DocumentTerms,
    Item,
    build_act,
    build_credit_note,
    build_invoice,
    build_proforma,
    build_receipt,
)
from billkit.invoicing.documents import BuyerFigures, ReconciliationRow
from billkit.invoicing.reconciliation import reconciliation_from_documents
from billkit.invoicing.render import render_html
from billkit.money import Money
from billkit.parties import Address, Party
from billkit.periods import Period
from tests.render.test_hostile import (
    CONTROL,
    ENTITIES,
    EVERY_BIDI,
    LONG,
    MARKUP,
    PHONE,
    SPOOF,
    WORD,
    hostile_doc,
)

A4_WIDTH, A4_HEIGHT = 794, 1123  # 210 x 297 mm at 96 CSS pixels per inch
HOW_TO = (
    "Chromium is not installed: `apt-get install chromium` (Debian) to run the HTML layout test"
)
LANGS = {  # language: (locale, seller's country, currency)
    "en": ("en", "IT", "EUR"),
    "ru": ("ru_RU", "RU", "RUB"),
    "uk": ("uk_UA", "UA", "UAH"),
    "it": ("it_IT", "IT", "EUR"),
    "fa": ("fa_IR", "IR", "IRR"),
}
TEXTS = [
    WORD,
    LONG,
    MARKUP,
    ENTITIES,
    SPOOF,
    f"a{EVERY_BIDI}b",
    "line one\nper unit: explanation",
    CONTROL,
    "قیمت " + SPOOF,
    "smile \U0001f600",
]


def chromium() -> str:
    """The browser's command, or a skip (a failure under CI) when there is none."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {HOW_TO.split(':')[0].lower()}: the HTML layout test must run")
    pytest.skip(HOW_TO)


def hostile_documents(lang: str, lines: int = 0) -> dict[str, object]:
    """Every document kind in ``lang``, with hostile text wherever the user writes."""
    locale, country, currency = LANGS[lang]
    price = Money("1000" if currency == "IRR" else "1000.00", currency)
    seller = Party(
        kind="legal_entity",
        country=country,
        name=f"ACME {WORD}",
        legal_address=Address(country=country, city=LONG[:200], street=f"{MARKUP} {SPOOF}"),
        phone=PHONE,
        email=f"{WORD}@example.com",
    )
    buyer = Party(kind="legal_entity", country=country, name=f"Buyer {SPOOF} {ENTITIES}")
    terms = DocumentTerms(seller=seller, buyer=buyer, locale=locale, rules=None)
    texts = TEXTS + [f"row {i}" for i in range(lines)]
    items = [
        Item(description=text, unit=WORD[:30], unit_price=price, quantity=Decimal("12345.678"))
        for text in texts
    ]
    day = date(2026, 3, 5)
    notes = [f"{LONG}\n{CONTROL}\n{SPOOF}"]
    number = f"N-{WORD[:40]}"
    invoice = build_invoice(items, terms, issue_date=day, number=number, notes=notes)
    act = build_act(items, terms, issue_date=day, number=number, notes=notes)
    docs: dict[str, object] = {
        "invoice": invoice,
        "proforma": build_proforma(items, terms, issue_date=day, number=number, notes=notes),
        "act": act,
        "receipt": build_receipt(
            items, terms, issue_date=day, paid_on=day, number=number, payment_reference=WORD
        ),
        "credit_note": build_credit_note(
            invoice, number=number, issue_date=day, reason=LONG, lines=[1, 2, 3]
        ),
    }
    paid = ReconciliationRow(
        on=date(2026, 3, 20),
        description=f"{WORD} {SPOOF}",
        reference=MARKUP,
        debit=Money(0, currency),
        credit=act.totals.gross,
    )
    theirs = BuyerFigures(
        opening_balance=Money(0, currency),
        rows=[
            ReconciliationRow(
                on=date(2026, 3, 21),
                description=LONG,
                debit=act.totals.gross,
                credit=Money(0, currency),
            )
        ],
    )
    docs["reconciliation"] = reconciliation_from_documents(
        [act],
        terms,
        payments=[paid],
        buyer_figures=theirs,
        period=Period(date(2026, 3, 1), date(2026, 4, 1)),
        issue_date=date(2026, 4, 1),
        number=number,
        notes=notes,
    )
    return docs


_MEASURE = """
// Measured once every frame's fonts are loaded and laid out: under load a
// frame's text may first be laid out in a fallback font, wider than the one
// the page ends with (``--virtual-time-budget`` keeps --dump-dom waiting).
window.addEventListener('load', () => Promise.all(
  [...document.querySelectorAll('iframe')].map(frame => frame.contentDocument.fonts.ready)
).then(() => {
  const report = {};
  for (const frame of document.querySelectorAll('iframe')) {
    const doc = frame.contentDocument, root = doc.documentElement;
    // the page's width without its vertical scroll bar (on the left of a
    // right-to-left page, so boxes are checked against the whole frame)
    const width = root.clientWidth, problems = [];
    if (root.scrollWidth > width) problems.push(`scrolls: ${root.scrollWidth} > ${width}`);
    for (const el of doc.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.width && (box.left < -0.5 || box.right > frame.contentWindow.innerWidth + 0.5))
        problems.push(`${el.tagName}.${el.className} from ${box.left} to ${box.right}`);
      if (el.tagName === 'TD' || el.tagName === 'TH') {
        if (el.scrollWidth > el.clientWidth + 1)
          problems.push(`${el.tagName} content ${el.scrollWidth} > ${el.clientWidth}`);
      }
    }
    // the widths of the line table's columns, and how many lines each unit cell takes
    const heads = [...doc.querySelectorAll('table.bk-lines thead th')];
    const columns = heads.map(th => th.getBoundingClientRect().width);
    const unit = heads.findIndex(th => th.classList.contains('bk-unit'));
    const unitLines = [];
    if (unit >= 0)
      for (const tr of doc.querySelectorAll('table.bk-lines tbody tr')) {
        const range = doc.createRange();
        range.selectNodeContents(tr.children[unit]);
        unitLines.push(range.getClientRects().length);
      }
    report[frame.id] = {width: width, problems: problems.slice(0, 5), columns, unitLines};
  }
  const out = document.createElement('pre');
  out.id = 'bk-report';
  out.textContent = JSON.stringify(report);
  document.body.appendChild(out);
}));
"""


def layout_problems(pages: dict[str, str]) -> dict[str, dict[str, object]]:
    """Each page laid out by headless Chromium in an A4-wide frame: its problems."""
    browser = chromium()
    frames = "".join(
        f'<iframe id="{html.escape(name)}" srcdoc="{html.escape(page)}" '
        f'style="border:0;display:block;width:{A4_WIDTH}px;height:{A4_HEIGHT}px"></iframe>'
        for name, page in pages.items()
    )
    with tempfile.TemporaryDirectory(prefix="billkit-chromium-") as tmp:
        page = Path(tmp, "layout.html")
        page.write_text(
            f"<!DOCTYPE html><html><body>{frames}<script>{_MEASURE}</script></body></html>",
            encoding="utf-8",
        )
        done = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",  # CI runs as root, where the sandbox refuses to start
                "--disable-gpu",
                "--no-first-run",
                f"--user-data-dir={tmp}/profile",
                f"--window-size={A4_WIDTH},{A4_HEIGHT}",
                "--virtual-time-budget=10000",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    found = re.search(r'<pre id="bk-report">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found, f"Chromium wrote no measurements (exit {done.returncode}): {done.stderr[-2000:]}"
    report: dict[str, dict[str, object]] = json.loads(html.unescape(found.group(1)))
    assert set(report) == set(pages)
    return report


def test_no_document_scrolls_sideways_at_a4_width() -> None:
    chromium()  # skip before building anything when there is no browser
    pages: dict[str, str] = {}
    for lang in LANGS:
        for kind, document in hostile_documents(lang).items():
            pages[f"{lang}-{kind}"] = render_html(document)
        pages[f"{lang}-view-model"] = render_html(hostile_doc(lang))
    pages["fa-300-lines"] = render_html(hostile_documents("fa", lines=290)["invoice"])
    pages["ru-300-lines"] = render_html(hostile_doc("ru", n=290))
    for name, document in demo_documents().items():  # the ordinary ones too
        pages[f"demo-{name}"] = render_html(document)
    report = layout_problems(pages)
    # each frame is A4 wide, less its vertical scroll bar where the page is long
    assert {r["width"] for r in report.values()} <= set(range(A4_WIDTH - 20, A4_WIDTH + 1))
    broken = {name: r["problems"] for name, r in report.items() if r["problems"]}
    assert not broken, json.dumps(broken, indent=1, ensure_ascii=False)


def test_the_measurement_sees_an_overflow() -> None:
    """The check itself: a table wider than A4 is caught."""
    wide = "<!DOCTYPE html><html><body><table><tr><td style='white-space:nowrap'>"
    wide += "x" * 400 + "</td></tr></table></body></html>"
    report = layout_problems({"wide": wide, "fine": "<p>fine</p>"})
    assert report["wide"]["problems"]
    assert not report["fine"]["problems"]


def test_a_statement_gives_its_width_to_the_text() -> None:
    """A reconciliation statement's six columns (date, document, four money
    columns) leave the document's text at least a third of the table: the
    money headers ("Покупатель: кредит, ₽") wrap instead of widening their
    columns. An Italian unit ("blocco") stays whole on one line."""
    chromium()
    docs = demo_documents()
    report = layout_problems(
        {
            "statement": render_html(docs["3-hosting-reconciliation-documents-ru"]),
            "usage": render_html(docs["4-messaging-usage-invoice-it"]),
        }
    )
    columns = report["statement"]["columns"]
    assert isinstance(columns, list)
    assert len(columns) == 6
    assert columns[1] >= sum(columns) / 3, columns
    assert report["usage"]["unitLines"] == [1], report["usage"]
