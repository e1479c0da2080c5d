"""How fast does billkit render a PDF invoice, compared with InvoiceGenerator?

Two measurements:

1. A one-page invoice with 10 lines (seller and buyer with identifiers, due
   date, 22 % VAT, tax summary, totals, bank details), rendered by
   ``billkit.invoicing.render.render_pdf`` and by the ``InvoiceGenerator``
   package (a PyPI invoice generator built on reportlab) from the same content,
   in the same process, in interleaved rounds so both see the same machine
   load. Times are CPU time (``time.process_time``). Both outputs are read back with pypdf and checked to carry every
   line and the total before anything is timed. The figure is the median
   time per document. billkit is timed twice: from its view model
   (``RenderDocument``) and from an ``Invoice`` built by
   ``billkit.invoicing.build_invoice`` (adapter included). Rendering the same
   document again reuses its embedded font subsets (cached per process); the
   "no subset cache" rows empty that cache before every render, as a
   document with different text would (its subsets are assembled from the
   glyphs earlier documents cut from the font, cached per glyph); the
   "no glyph cache" rows empty the per-glyph cache too, as a document whose
   letters the process never printed would (the font's blocks deflated once
   whatever the text stay; the first render in a process, measured in 3.,
   pays for them).

2. A reconciliation statement with 5 000 rows (about 125 pages): render time,
   and peak memory of the render measured with ``tracemalloc`` in a separate
   run (tracing slows the code down, so it is not timed).

3. The first render in a fresh process (``--first-runs`` processes, each
   after importing ``render_pdf`` and reportlab, reading billkit's modules
   from bytecode caches): its CPU time, how much more it costs than later
   renders of the same document, and in how many processes it set off a
   full garbage-collection pass (seen with ``gc.callbacks``).

Targets: at most 5 ms per invoice, at least 5x faster than InvoiceGenerator;
a first render at most 20 ms more than later ones.

Run: ``python benchmarks/bench_pdf.py`` (needs InvoiceGenerator and pypdf:
``pip install InvoiceGenerator pypdf``). ``--rounds``, ``--per-round``
and ``--first-runs`` change the sample sizes.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import attrs
import pypdf

from billkit.invoicing import DocumentTerms, Item, build_invoice
from billkit.invoicing.render import RenderDocument, _backend, render_pdf
from billkit.invoicing.render.model import Column, Field, LineTable, PartyBlock, TaxRow, TotalRow
from billkit.money import Money
from billkit.parties import Address, BankAccount, Party

EUR = "EUR"
RATE = Decimal("0.22")
LINES = [(f"Consulting, work package {i}", Decimal(i), Decimal("120.50")) for i in range(1, 11)]
NET = sum(q * p for _, q, p in LINES)  # 55 x 120.50 = 6 627.50
TAX = (NET * RATE).quantize(Decimal("0.01"))  # 1 458.05
SELLER = ("Conversa S.r.l.", "Via Dante 4", "Milano", "20121", "IT02987650153")
BUYER = ("Nordlicht Media GmbH", "Invalidenstr. 5", "Berlin", "10115", "DE123456788")
IBAN = "IT60X0542811101000000123456"


def billkit_document() -> RenderDocument:
    def m(amount: Decimal) -> Money:
        return Money(amount, EUR)

    return RenderDocument(
        kind="invoice",
        number="2026-000123",
        issue_date=date(2026, 3, 5),
        locale="en",
        currency=EUR,
        fields=[Field(label="due_date", value=date(2026, 3, 15))],
        parties=[
            PartyBlock(
                role="seller",
                name=SELLER[0],
                lines=[f"{SELLER[1]}, {SELLER[3]} {SELLER[2]}"],
                fields=[Field(label="vat_number", value=SELLER[4])],
            ),
            PartyBlock(
                role="buyer",
                name=BUYER[0],
                lines=[f"{BUYER[1]}, {BUYER[3]} {BUYER[2]}"],
                fields=[Field(label="vat_number", value=BUYER[4])],
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
            rows=[
                [i, d, q, "h", m(p), RATE, m(q * p)] for i, (d, q, p) in enumerate(LINES, start=1)
            ],
        ),
        tax_summary=[TaxRow(rate=RATE, net=m(NET), tax=m(TAX), gross=m(NET + TAX))],
        totals=[
            TotalRow(label="total_net", amount=m(NET)),
            TotalRow(label="total_tax", amount=m(TAX)),
            TotalRow(label="total_due", amount=m(NET + TAX), strong=True),
        ],
        payment=[Field(label="iban", value=IBAN)],
    )


def billkit_document_ru() -> RenderDocument:
    """The same invoice in Russian (Cyrillic text: larger font subsets), for information."""
    doc = billkit_document()
    table = doc.table
    assert table is not None
    rows = [
        [row[0], f"Консультации, пакет работ {row[0]}", row[2], "ч", *row[4:]] for row in table.rows
    ]
    return attrs.evolve(
        doc,
        locale="ru_RU",
        parties=[
            PartyBlock(
                role="seller",
                name='ООО "Конверса"',
                lines=["125009, Москва, ул. Тверская, д. 7"],
                fields=[Field(label="inn", value="7701456789")],
            ),
            PartyBlock(
                role="buyer",
                name='АО "Северный ветер"',
                lines=["190000, Санкт-Петербург, Невский пр., д. 28"],
                fields=[Field(label="inn", value="7812345675")],
            ),
        ],
        table=attrs.evolve(table, rows=rows),
    )


def billkit_invoice() -> object:
    """The same invoice as a billkit ``Invoice`` (built once; rendering includes the adapter)."""
    seller = Party(
        kind="legal_entity",
        country="IT",
        name=SELLER[0],
        legal_address=Address(
            country="IT", postal_code=SELLER[3], city=SELLER[2], street=SELLER[1]
        ),
        identifiers={"eu.vat": SELLER[4]},
        bank=BankAccount(iban=IBAN),
    )
    buyer = Party(
        kind="legal_entity",
        country="DE",
        name=BUYER[0],
        legal_address=Address(country="DE", postal_code=BUYER[3], city=BUYER[2], street=BUYER[1]),
        identifiers={"eu.vat": BUYER[4]},
    )
    return build_invoice(
        [Item(description=d, quantity=q, unit="h", unit_price=Money(p, EUR)) for d, q, p in LINES],
        DocumentTerms(seller=seller, buyer=buyer, locale="en", tax_country="IT", rules=None),
        number="2026-000123",
        issue_date=date(2026, 3, 5),
        due_date=date(2026, 3, 15),
    )


def invoicegenerator_pdf() -> bytes:
    """The same invoice with InvoiceGenerator (``SimpleInvoice`` with tax)."""
    from InvoiceGenerator.api import Client, Creator, Invoice
    from InvoiceGenerator.api import Item as IGItem
    from InvoiceGenerator.pdf import SimpleInvoice

    client = Client(BUYER[0], address=BUYER[1], city=BUYER[2], zip_code=BUYER[3], vat_id=BUYER[4])
    provider = _provider()
    invoice = Invoice(client, provider, Creator("Billing"))
    invoice.number = "2026-000123"
    invoice.currency = None  # currency_locale does the formatting
    invoice.currency_locale = "en_US"
    invoice.use_tax = True
    invoice.date = date(2026, 3, 5)
    invoice.payback = date(2026, 3, 15)
    invoice.iban = IBAN
    for description, quantity, price in LINES:
        invoice.add_item(IGItem(quantity, price, description=description, unit="h", tax=RATE * 100))
    out = io.BytesIO()
    SimpleInvoice(invoice).gen(out)
    return out.getvalue()


def _provider() -> object:
    from InvoiceGenerator.api import Provider

    return Provider(
        SELLER[0],
        address=SELLER[1],
        city=SELLER[2],
        zip_code=SELLER[3],
        vat_id=SELLER[4],
        bank_account="123456",
        bank_code="0542",
    )


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def check_same_content(ours: bytes, theirs: bytes) -> None:
    """Both PDFs carry every line's description and the invoice total."""
    for label, pdf in (("billkit", ours), ("InvoiceGenerator", theirs)):
        text = _text(pdf)
        missing = [d for d, _, _ in LINES if d not in text]
        total = f"{NET + TAX:,.2f}"  # 8,085.55
        if missing or total not in text:
            raise SystemExit(f"{label}'s PDF lacks {missing or total!r}:\n{text}")
        if len(pypdf.PdfReader(io.BytesIO(pdf)).pages) != 1:
            raise SystemExit(f"{label}'s invoice is not one page")


def cold(document: RenderDocument) -> bytes:
    """A render that embeds its font subsets afresh (as a document with new text does)."""
    _backend.forget_subsets()
    return render_pdf(document)


def coldest(document: RenderDocument) -> bytes:
    """A render that cuts every glyph from the font again (no subset, no glyph cached)."""
    _backend.forget_subsets(glyphs=True)
    return render_pdf(document)


def time_once(render: Callable[[], object]) -> float:
    """CPU time of one call (``process_time``: other processes' load does not count)."""
    start = time.process_time()
    render()
    return time.process_time() - start


def statement(rows: int) -> RenderDocument:
    """A reconciliation statement: a debit a day, a payment every 10th row."""
    debit = Decimal("22.4137")
    lines = []
    for i in range(rows):
        day = date(2024, 1, 1) + timedelta(days=i // 8)
        if i % 10 == 9:
            lines.append([day, f"Payment P-{i:05d}", None, Money("250.00", "RUB")])
        else:
            lines.append([day, f"VPS-1 daily charge #{i:05d}", Money(debit, "RUB"), None])
    return RenderDocument(
        kind="reconciliation",
        number="R-5000",
        issue_date=date(2026, 1, 1),
        locale="ru",
        currency="RUB",
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
        ),
    )


_FIRST_CALL = """
import gc, sys, time
sys.path.insert(0, {here!r})
import bench_pdf
from bench_pdf import render_pdf
doc = bench_pdf.billkit_document{suffix}()
full = []
gc.callbacks.append(lambda phase, info: phase == "start" and info["generation"] == 2 and full.append(1))
start = time.process_time()
render_pdf(doc)
first = time.process_time() - start
passes = len(full)
later = []
for _ in range(5):
    start = time.process_time()
    render_pdf(doc)
    later.append(time.process_time() - start)
later.sort()
print(first, later[2], passes)
"""


def first_call_cost(suffix: str, runs: int) -> tuple[float, float, int]:
    """Medians over fresh processes: the first ``render_pdf`` call, its excess over later ones,
    and how many of the processes ran a full garbage-collection pass during it.

    Each process has imported ``render_pdf`` and reportlab (this script's
    imports) before the first call, so the figure is what the first render
    itself costs: parsing the fonts, loading the locale's data, modules
    imported on first use, and any collection its allocations set off. The
    processes read billkit's modules from bytecode caches, as an installed
    package does (an untimed process writes them first, into a temporary
    directory: ``PYTHONDONTWRITEBYTECODE`` would otherwise make each one
    compile every module it imports during the call).
    """
    import subprocess
    import tempfile

    code = _FIRST_CALL.format(here=os.path.dirname(os.path.abspath(__file__)), suffix=suffix)
    firsts, extras, collected = [], [], 0
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as caches:
        env["PYTHONPYCACHEPREFIX"] = caches
        for n in range(runs + 1):
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
            ).stdout
            if n == 0:  # wrote the bytecode caches
                continue
            first, later, passes = out.split()
            firsts.append(float(first))
            extras.append(float(first) - float(later))
            collected += int(passes) > 0
    return statistics.median(firsts), statistics.median(extras), collected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--per-round", type=int, default=10)
    parser.add_argument("--first-runs", type=int, default=9)
    args = parser.parse_args()
    os.environ.setdefault("INVOICE_LANG", "en")
    warnings.simplefilter("ignore")  # InvoiceGenerator's own deprecation warnings

    document = billkit_document()
    invoice = billkit_invoice()
    ours, theirs = render_pdf(document), invoicegenerator_pdf()
    check_same_content(ours, theirs)
    check_same_content(render_pdf(invoice), theirs)

    russian = billkit_document_ru()
    runners: dict[str, Callable[[], object]] = {
        "billkit (RenderDocument)": lambda: render_pdf(document),
        "billkit (Invoice + adapter)": lambda: render_pdf(invoice),
        "billkit, same in Russian": lambda: render_pdf(russian),
        "billkit, no subset cache (en)": lambda: cold(document),
        "billkit, no subset cache (ru)": lambda: cold(russian),
        "billkit, no glyph cache (en)": lambda: coldest(document),
        "billkit, no glyph cache (ru)": lambda: coldest(russian),
        "InvoiceGenerator": invoicegenerator_pdf,
    }
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(3):  # warm up: fonts registered, locale data loaded
        for run in runners.values():
            run()
    gc.collect()
    for _ in range(args.rounds):  # interleaved: every round times each renderer in turn
        for name, run in runners.items():
            times[name].extend(time_once(run) for _ in range(args.per_round))

    print(f"Python {sys.version.split()[0]}, {args.rounds} rounds x {args.per_round} documents")
    print(
        f"\n1. One-page invoice, 10 lines ({len(ours)} bytes billkit, {len(theirs)} bytes InvoiceGenerator)"
    )
    baseline = statistics.median(times["InvoiceGenerator"])
    for name, samples in times.items():
        median = statistics.median(samples)
        p90 = statistics.quantiles(samples, n=10)[-1]
        ratio = "" if name == "InvoiceGenerator" else f"  {baseline / median:5.1f}x faster"
        print(f"   {name:30s} median {median * 1000:7.2f} ms   p90 {p90 * 1000:7.2f} ms{ratio}")
    best = statistics.median(times["billkit (RenderDocument)"])
    print(
        f"   target <= 5 ms: {'met' if best <= 0.005 else 'MISSED'}; "
        f">= 5x: {'met' if baseline / best >= 5 else 'MISSED'}"
    )

    print(f"\n   first render in a fresh process ({args.first_runs} processes, medians):")
    for name, suffix in (("English", ""), ("Russian", "_ru")):
        first, extra, collected = first_call_cost(suffix, args.first_runs)
        print(
            f"   {name:8s} first call {first * 1000:6.1f} ms, {extra * 1000:5.1f} ms more than "
            f"later calls (target <= 20 ms: {'met' if extra <= 0.020 else 'MISSED'}); "
            f"a full gc pass during it in {collected} of {args.first_runs} processes"
        )

    big = statement(5000)
    render_pdf(big)  # warm
    runs = [time_once(lambda: render_pdf(big)) for _ in range(3)]
    pdf = render_pdf(big)
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    gc.collect()
    tracemalloc.start()
    render_pdf(big)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"\n2. Reconciliation statement, 5 000 rows: {pages} pages, {len(pdf) / 1e6:.2f} MB")
    print(f"   render: median {statistics.median(runs):.2f} s of {len(runs)} runs")
    print(f"   peak memory while rendering (tracemalloc): {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
