"""The engine's documents are written in the customer's language (issue 13).

An English business (``locale="en"``) bills three customers on one plan: Ivan
reads Russian (``add_customer(..., locale="ru_RU")``), Sara Persian
(``"fa_IR"``), Anna gave no locale. Each invoice is in its customer's locale,
as the customer's notices already are, else in the business's: its labels
(the renderers read the document's ``locale``), its base fee's line named by
``Plan.name_in`` and its usage line by ``Charge.name_in``. The figures are
the same in every language. Proformas, and the invoices their payment
issues, too. A customer's locale changed after a period was billed corrects
nothing: the closed period replays byte for byte as issued. On a MemoryStore
and on SQLite.

The plan: 20.00 EUR a month, 100 calls included, then 0.01 a call; March's
600 calls bill (600 - 100) x 0.01 = 5.00; the seller is Italian: 22 % VAT,
25.00 x 1.22 = 30.50.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest

from billkit.engine import Billing
from billkit.invoicing.render.html import render_html
from billkit.invoicing.render.pdf import render_pdf
from billkit.money import Money, RoundingPolicy
from billkit.notify import MemoryNotifier
from billkit.parties import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock, Store
from billkit.pricing.models import PerUnit
from billkit.pricing.plans import Charge, Plan
from billkit.serialize import from_data
from billkit.storage import MemoryStore, SqlStore
from tests.engine.support import SELLER, START
from tests.storage.support import migrated_sqlite

VOICE = Plan(
    code="voice",
    name="Voice",
    currency="EUR",
    base_fee=Money("20.00", "EUR"),
    names={"ru": "Голосовая связь", "fa": "تماس صوتی"},
    charges=[
        Charge(
            code="calls",
            metric="calls",
            description="Calls",
            names={"ru": "Звонки", "fa": "تماس‌ها"},
            included=100,
            model=PerUnit(unit_price=Money("0.01", "EUR")),
        )
    ],
)
APRIL_1 = datetime(2026, 4, 1, 2, tzinfo=timezone.utc)
MAY_1 = datetime(2026, 5, 1, 2, tzinfo=timezone.utc)
#: customer -> the locale it gave (None: none)
CUSTOMERS = {"ivan": "ru_RU", "sara": "fa_IR", "anna": None}


def march(customer: str, kind: str = "invoice", revision: int = 0) -> str:
    return f"{customer}-voice|2026-03-01|2026-04-01|{kind}|{revision}"


def april(customer: str, kind: str = "invoice") -> str:
    return f"{customer}-voice|2026-04-01|2026-05-01|{kind}|0"


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    made = SqlStore(migrated_sqlite(tmp_path))
    yield made
    made.close()


def _engine(store: Store, clock: FixedClock, **options: Any) -> Billing:
    return Billing(
        store,
        SandboxGateway(clock=clock),
        MemoryNotifier(),
        clock,
        [VOICE],
        seller=SELLER,
        locale="en",
        **options,
    )


def _customer(engine: Billing, customer: str, locale: str | None) -> None:
    party = Party(kind="individual", country="IT", name=customer.title())
    engine.add_customer(customer, party, currency="EUR", method="tok_visa", locale=locale)


def _march(store: Store, **options: Any) -> tuple[Billing, FixedClock]:
    """Every customer on Voice from 1 March, 600 calls in March, billed on 1 April."""
    clock = FixedClock(START)
    engine = _engine(store, clock, **options)
    for customer, locale in CUSTOMERS.items():
        _customer(engine, customer, locale)
        engine.subscribe(f"{customer}-voice", customer, "voice")
        engine.record_usage(f"{customer}-voice", "calls", 600, key=f"{customer}-march")
    clock.set(APRIL_1)
    engine.run()
    return engine, clock


def _documents(store: Store) -> dict[str, tuple[str | None, object]]:
    with store.transaction(readonly=True) as tx:
        return {d.id: (d.number, d.data) for d in tx.documents()}


def _lines(data: object) -> list[tuple[str, str]]:
    return [(line.description, str(line.net.amount)) for line in from_data(data).lines]


def test_each_customers_invoice_is_in_its_language(store: Store) -> None:
    _march(store)
    docs = _documents(store)
    invoices = {c: from_data(docs[march(c)][1]) for c in CUSTOMERS}
    # the customer's locale, else the business's ("en")
    assert {c: doc.locale for c, doc in invoices.items()} == {
        "ivan": "ru_RU",
        "sara": "fa_IR",
        "anna": "en",
    }
    assert _lines(docs[march("ivan")][1]) == [("Голосовая связь", "20.00"), ("Звонки", "5.00")]
    assert _lines(docs[march("sara")][1]) == [("تماس صوتی", "20.00"), ("تماس‌ها", "5.00")]
    assert _lines(docs[march("anna")][1]) == [("Voice", "20.00"), ("Calls", "5.00")]
    # the same figures in every language: 25.00 + 22 % = 30.50
    assert {str(doc.totals.gross.amount) for doc in invoices.values()} == {"30.50"}
    # explained in the customer's language too, the locale's numbers
    assert [line.explanation for line in invoices["ivan"].lines] == [
        ("абонентская плата: 1 × 20,00 = 20,00",),
        ("600 − 100 включено = 500", "за единицу: 500 × 0,01 = 5,00"),
    ]
    assert [line.explanation for line in invoices["sara"].lines] == [
        ("هزینه ثابت: ۱ × ۲۰٫۰۰ = ۲۰٫۰۰",),
        ("۶۰۰ − ۱۰۰ رایگان = ۵۰۰", "هر واحد: ۵۰۰ × ۰٫۰۱ = ۵٫۰۰"),
    ]
    assert [line.explanation for line in invoices["anna"].lines] == [
        ("base fee: 1 × 20.00 = 20.00",),
        ("600 − 100 included = 500", "per unit: 500 × 0.01 = 5.00"),
    ]


def test_the_rendered_invoices_are_in_the_customers_language(store: Store) -> None:
    _march(store)
    docs = _documents(store)
    russian = render_html(from_data(docs[march("ivan")][1]))
    assert "Голосовая связь" in russian
    assert "Звонки" in russian
    assert "Voice" not in russian
    english = render_html(from_data(docs[march("anna")][1]))
    assert "Voice" in english
    assert "Голосовая связь" not in english
    # Sara's euro invoice renders in Persian, its total in words naming the
    # euro as the Persian locale data does (یورو).
    persian = render_html(from_data(docs[march("sara")][1]))
    assert 'dir="rtl"' in persian
    assert "یورو" in persian


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_a_russian_customers_pdf_names_the_base_fee_in_russian(store: Store) -> None:
    _march(store)
    pdf = render_pdf(from_data(_documents(store)[march("ivan")][1]))
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Голосовая связь" in text
    assert "Звонки" in text
    assert "абонентская плата" in text
    assert "Voice" not in text
    assert "base fee" not in text


def test_a_customers_notices_and_documents_share_its_language(store: Store) -> None:
    engine, _ = _march(store)
    engine.deliver()
    told = {
        m.payload["document"]: m.payload["locale"]
        for m in engine.notifier.messages  # type: ignore[attr-defined]
        if m.topic == "invoice.issued"
    }
    docs = _documents(store)
    for customer in CUSTOMERS:
        assert told[march(customer)] == from_data(docs[march(customer)][1]).locale


def test_a_changed_locale_leaves_closed_periods_as_issued(store: Store) -> None:
    engine, clock = _march(store)
    before = _documents(store)
    # Ivan now reads English, Anna Russian; the same day is run again, then April's end.
    _customer(engine, "ivan", "en")
    _customer(engine, "anna", "ru_RU")
    assert engine.run().issued == ()
    assert _documents(store) == before
    for customer in CUSTOMERS:
        engine.record_usage(f"{customer}-voice", "calls", 300, key=f"{customer}-april")
    clock.set(MAY_1)
    assert sorted(engine.run().issued) == sorted(april(c) for c in CUSTOMERS)
    after = _documents(store)
    # no credit note, no supplementary invoice: March byte for byte as issued
    assert sorted(after) == sorted([*before, *(april(c) for c in CUSTOMERS)])
    for customer in CUSTOMERS:
        assert after[march(customer)] == before[march(customer)]
    # April in the languages chosen since: 300 - 100 = 200 calls x 0.01 = 2.00
    assert _lines(after[april("ivan")][1]) == [("Voice", "20.00"), ("Calls", "2.00")]
    assert _lines(after[april("anna")][1]) == [("Голосовая связь", "20.00"), ("Звонки", "2.00")]
    assert _lines(after[april("sara")][1]) == [("تماس صوتی", "20.00"), ("تماس‌ها", "2.00")]


def test_a_correction_after_a_locale_change_is_in_the_new_language(store: Store) -> None:
    # Late March usage arrives after Ivan changed to English; April's month end
    # replays March and corrects it. The credit note reverses the Russian
    # invoice as issued (its lines, its language); the supplementary invoice
    # is in English: (600 + 100 - 100) x 0.01 = 6.00; 26.00 x 1.22 = 31.72.
    engine, clock = _march(store)
    _customer(engine, "ivan", "en")
    late = datetime(2026, 3, 31, tzinfo=timezone.utc)
    engine.record_usage("ivan-voice", "calls", 100, key="ivan-late", at=late)
    clock.set(MAY_1)
    issued = engine.run().issued
    assert march("ivan", "credit_note", 1) in issued
    assert march("ivan", "invoice", 1) in issued
    docs = _documents(store)
    note = from_data(docs[march("ivan", "credit_note", 1)][1])
    assert note.locale == "ru_RU"
    assert [line.description for line in note.lines] == ["Голосовая связь", "Звонки"]
    again = from_data(docs[march("ivan", "invoice", 1)][1])
    assert again.locale == "en"
    assert _lines(docs[march("ivan", "invoice", 1)][1]) == [("Voice", "20.00"), ("Calls", "6.00")]
    assert again.totals.gross.amount == Decimal("31.72")


def test_a_proforma_and_the_invoice_its_payment_issues_are_in_the_customers_language(
    store: Store,
) -> None:
    _march(store, proforma=True)
    docs = _documents(store)
    for customer, locale in CUSTOMERS.items():
        proforma = from_data(docs[march(customer, "proforma")][1])
        invoice = from_data(docs[march(customer)][1])  # issued when the run collected it
        assert proforma.locale == invoice.locale == (locale or "en")
        assert [line.description for line in invoice.lines] == [
            line.description for line in proforma.lines
        ]
    assert _lines(docs[march("ivan", "proforma")][1]) == [
        ("Голосовая связь", "20.00"),
        ("Звонки", "5.00"),
    ]


_SPAN = re.compile(rb"/Span <</ActualText <FEFF([0-9A-F]*)>>> BDC")


def test_a_persian_customers_rial_invoice_renders_in_persian(store: Store) -> None:
    # The same English business selling in rials (whole rials: a Persian
    # document writes its total in words, in rials): 1 000 000 base fee and
    # (600 - 100) x 500 = 250 000 for calls; 1 250 000 x 1.22 = 1 525 000.
    rial = Plan(
        code="voice",
        name="Voice",
        currency="IRR",
        base_fee=Money("1000000", "IRR"),
        names={"fa": "تماس صوتی"},
        rounding=RoundingPolicy(minor_units={"IRR": 0}),
        charges=[
            Charge(
                code="calls",
                metric="calls",
                description="Calls",
                names={"fa": "تماس‌ها"},
                included=100,
                model=PerUnit(unit_price=Money("500", "IRR")),
            )
        ],
    )
    clock = FixedClock(START)
    engine = Billing(
        store, SandboxGateway(clock=clock), MemoryNotifier(), clock, [rial], seller=SELLER
    )
    party = Party(kind="individual", country="IT", name="Sara")
    engine.add_customer("sara", party, currency="IRR", method="tok_visa", locale="fa_IR")
    engine.subscribe("sara-voice", "sara", "voice")
    engine.record_usage("sara-voice", "calls", 600, key="sara-march")
    clock.set(APRIL_1)
    engine.run()
    invoice = from_data(_documents(store)[march("sara")][1])
    assert invoice.locale == "fa_IR"
    assert _lines(_documents(store)[march("sara")][1]) == [
        ("تماس صوتی", "1000000"),
        ("تماس‌ها", "250000"),
    ]
    assert invoice.totals.gross.amount == Decimal("1525000")
    page = render_html(invoice)
    assert 'dir="rtl"' in page
    assert "تماس صوتی" in page
    assert "Voice" not in page
    # In the PDF the Persian names are drawn shaped, right to left: each shaped
    # line's /ActualText span holds its letters in drawing order (reversed).
    data = pypdf.PdfReader(io.BytesIO(render_pdf(invoice))).pages[0].get_contents().get_data()  # type: ignore[union-attr]
    drawn = [bytes.fromhex(h.decode()).decode("utf-16-be") for h in _SPAN.findall(data)]
    assert "تماس صوتی"[::-1] in drawn


def test_a_customer_in_a_language_billkit_writes_no_documents_in_gets_the_businesss(
    store: Store,
) -> None:
    # German notices read English (notify.compose); a German invoice could not
    # be rendered at all: Hans's documents are in the business's locale.
    clock = FixedClock(START)
    engine = _engine(store, clock)
    _customer(engine, "hans", "de_DE")
    engine.subscribe("hans-voice", "hans", "voice")
    engine.record_usage("hans-voice", "calls", 600, key="hans-march")
    clock.set(APRIL_1)
    engine.run()
    data = _documents(store)[march("hans")][1]
    assert from_data(data).locale == "en"
    assert _lines(data) == [("Voice", "20.00"), ("Calls", "5.00")]
    render_html(from_data(data))  # renders
