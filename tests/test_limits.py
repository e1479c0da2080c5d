"""Regression tests of issue 17 (hardening): each fails on the main branch
before the fix and passes after; its docstring names the finding.

The range they rely on is documented in docs/limits.md: every number billkit
accepts is below 10**18 in size with at most 12 decimal places, every moment
lies between 0001-01-02 and 9999-12-30 UTC.
"""

from __future__ import annotations

import base64
import decimal
import io
import re
import zlib
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from billkit._demo_documents import demo_documents
from billkit.cli import main
from billkit.credit import Entry, balance_of
from billkit.credit.commission import Commission, gross_up
from billkit.credit.history import tax_by_row
from billkit.errors import (
    BillkitError,
    CatalogError,
    CreditError,
    IdentifierError,
    InvoicingError,
    MoneyError,
    PeriodError,
    UsageError,
)
from billkit.invoicing import DocumentTerms, Item, build_invoice
from billkit.invoicing.render import RenderDocument, RenderOptions, render_html, render_pdf
from billkit.invoicing.render import pdf as pdf_module
from billkit.invoicing.render.model import (
    Column,
    Field,
    LineTable,
    PartyBlock,
    TaxRow,
    TotalRow,
)
from billkit.invoicing.render.pdf import FOOTER_Y, MARGIN_BOTTOM
from billkit.invoicing.render.shaping import wrap
from billkit.money import (
    LIMIT,
    Money,
    RoundingPolicy,
    allocate,
    in_range,
    quantize,
    sum_money,
    tax_from_gross,
    tax_from_net,
    to_decimal,
)
from billkit.parties import Party, validate_identifier
from billkit.parties.identifiers import validate_settlement_account
from billkit.periods import MONTHLY, BillingCycle, Cycle, Period
from billkit.pricing import Charge, PerUnit, Plan, load_catalog, loads_catalog, quote
from billkit.pricing.proration import ProrationPolicy, prorate
from billkit.usage import Meter, UsageEvent, aggregate

UTC = timezone.utc
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


# ------------------------------------------------------------------ finding 4


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"unit_price": eur("-100.00")}, "unit_price"),
        ({"unit_price": eur("1.00"), "quantity": -1}, "quantity"),
        ({"amount": eur("-0.01")}, "amount"),
    ],
)
def test_an_item_bills_nothing_negative(changes: dict[str, object], field: str) -> None:
    """Finding 4: an Item accepted a negative quantity and price, so an invoice
    of 10.00 + (-100.00) totalled -109.80. A line bills zero or more; a discount
    is priced into the line (pricing discounts), a correction is a credit note."""
    with pytest.raises(InvoicingError) as caught:
        Item(description="Line", **changes)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert "zero or more" in str(caught.value)


def test_an_items_line_stays_in_range() -> None:
    """Finding 9 (build_invoice with 1e30 x 1e29): quantity x price must stay
    below 10**18; 10**17 x 10**17 is refused when the Item is made."""
    with pytest.raises(InvoicingError, match=r"below 10\*\*18"):
        Item(description="Huge", quantity=10**17, unit_price=eur(str(10**17)))
    # The largest line within range is fine: 10**9 x 999 999 999 = 999 999 999 000 000 000.
    item = Item(description="Big", quantity=10**9, unit_price=eur("999999999"))
    assert item.quantity * item.unit_price.amount < LIMIT  # type: ignore[union-attr]


# ------------------------------------------------------------------ finding 6


def test_allocate_beyond_the_range_is_refused_not_lossy() -> None:
    """Finding 6: allocate(Money('1e59'), [1, 1, 1]) lost 0.10; amounts beyond
    the range are refused, and within it the split is exact integer arithmetic."""
    with pytest.raises(MoneyError, match=r"below 10\*\*18"):
        allocate(eur("1e59"), [1, 1, 1])
    top = eur("999999999999999999.99")
    parts = allocate(top, [1, 1, 1])
    # 99 999 999 999 999 999 999 cents / 3 = 33 333 333 333 333 333 333 each, exactly.
    assert parts == [eur("333333333333333333.33")] * 3
    assert sum_money(parts) == top


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "-Infinity", "1e100"])
def test_tax_splits_refuse_amounts_outside_the_range(amount: str) -> None:
    """Findings 6 and 9: tax_from_gross of NaN returned a NaN split; sNaN and
    1e100 raised decimal.InvalidOperation."""
    for split in (tax_from_gross, tax_from_net):
        with pytest.raises(MoneyError):
            split(eur(amount), "20%")
    with pytest.raises(MoneyError):
        quantize(eur(amount))


def test_usage_sums_do_not_depend_on_order() -> None:
    """Finding 6: a usage sum of huge and tiny values differed in two orders.
    Within the range every sum is exact (80-digit context), whatever the order."""
    for huge_or_tiny in ("1e29", "-1e29", "1e-30"):  # what made the two orders differ
        with pytest.raises(BillkitError):
            UsageEvent(
                customer="c",
                metric="m",
                timestamp=datetime(2026, 3, 2, tzinfo=UTC),
                idempotency_key="k",
                value=huge_or_tiny,
            )
    values = ["499999999999999999", "0.000000000001", "499999999999999999", "0.000000000003"]
    events = [
        UsageEvent(
            customer="c",
            metric="m",
            timestamp=datetime(2026, 3, 2, tzinfo=UTC),
            idempotency_key=f"k{i}",
            value=v,
        )
        for i, v in enumerate(values)
    ]
    meter = Meter(code="m", aggregation="sum")
    billing = BillingCycle.calendar(MONTHLY)
    forward = aggregate(events, meter, billing=billing, tz="UTC").usage("c", MARCH)
    backward = aggregate(events[::-1], meter, billing=billing, tz="UTC").usage("c", MARCH)
    # 2 x 499 999 999 999 999 999 + 0.000000000004 = 999 999 999 999 999 998.000000000004
    # exactly, in both orders (the thread's 28 digits would round it).
    assert forward == backward == {"m": Decimal("999999999999999998.000000000004")}


def test_tax_from_gross_rounding_up_at_the_largest_rate_is_exact() -> None:
    """Finding 6: tax_from_gross rounding 'up' at an extreme rate was a minor
    unit low. Rates are now within the range; at the largest, 'up' is exact:
    1.00 x r / (1 + r) is just below 1.00, so it rounds up to 1.00, net 0.00."""
    rate = Decimal("999999999999999999")
    split = tax_from_gross(eur("1.00"), rate, RoundingPolicy(mode="up"))
    assert (split.tax, split.net) == (eur("1.00"), eur("0.00"))
    # 0.01 x r / (1 + r) is just below 0.01: up gives 0.01.
    split = tax_from_gross(eur("0.01"), rate, RoundingPolicy(mode="up"))
    assert (split.tax, split.net) == (eur("0.01"), eur("0.00"))
    with pytest.raises(MoneyError):
        tax_from_gross(eur("1.00"), Decimal("1e29"), RoundingPolicy(mode="up"))


def test_gross_up_stays_in_range_and_its_fee_is_accepted() -> None:
    """Finding 6 and 9: gross_up at a rate of 0.999... returned a gross its own
    fee() refused (or raised). Rates beyond 12 places are refused; a gross-up
    that would leave the range is refused; one inside is accepted by fee()."""
    with pytest.raises(MoneyError):
        Commission(rate="0." + "9" * 30, currency="EUR")
    steep = Commission(rate="0.999999999999", currency="EUR")
    with pytest.raises(CreditError, match=r"below 10\*\*18"):
        gross_up(steep, eur("2000000.00"))  # about 2 x 10**18 to charge
    q = gross_up(steep, eur("100.00"))
    assert q.gross.amount < LIMIT
    assert steep.fee(q.gross) == q.fee
    assert q.gross - q.fee >= eur("100.00")


# ------------------------------------------------------------------ finding 7


def test_catalog_text_that_is_not_a_catalog_is_a_catalog_error(tmp_path: Path) -> None:
    """Finding 7: deep nesting raised RecursionError, a 5000-digit integer
    ValueError, a non-UTF-8 file UnicodeDecodeError, a NUL in the path ValueError."""
    with pytest.raises(CatalogError, match="nested too deeply"):
        loads_catalog("[" * 100_000, "json")
    with pytest.raises(CatalogError):
        loads_catalog('{"plans": [' * 2000, "json")
    with pytest.raises(CatalogError):
        loads_catalog('{"x": ' + "1" * 5000 + "}", "json")
    with pytest.raises(CatalogError):
        loads_catalog("x = " + "1" * 5000, "toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('name = "caf\xe9"'.encode("latin-1"))
    with pytest.raises(CatalogError, match="UTF-8"):
        load_catalog(latin)
    with pytest.raises(CatalogError, match="NUL"):
        load_catalog("plans\x00.toml")
    with pytest.raises(CatalogError):
        load_catalog(12345)  # type: ignore[arg-type]
    with pytest.raises(CatalogError):
        loads_catalog(b"plans = []")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "{deep}"],
        ["check", "{latin}"],
        ["check", "catalog\x00.toml"],
        ["demo", "--out", "{existing}"],
        ["db", "current", "sqlite:///{missing_dir}/billing.db"],
    ],
)
def test_the_cli_reports_a_users_mistake_in_one_line(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Finding 7: the CLI showed tracebacks (RecursionError, UnicodeDecodeError,
    ValueError, FileExistsError from ``demo --out`` onto a file, a database that
    cannot be opened); now one line naming the problem and exit status 2."""
    (tmp_path / "deep.json").write_text("[" * 100_000, encoding="utf-8")
    (tmp_path / "latin.toml").write_bytes(b"name = 'caf\xe9'")
    (tmp_path / "existing").write_text("keep me", encoding="utf-8")
    names = {
        "deep": tmp_path / "deep.json",
        "latin": tmp_path / "latin.toml",
        "missing": tmp_path / "missing.toml",
        "existing": tmp_path / "existing",
        "missing_dir": tmp_path / "no" / "such" / "dir",
    }
    args = [a.format(**names) for a in argv]
    if args[0] == "db":
        pytest.importorskip("sqlalchemy")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("billkit: error: ")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    assert (tmp_path / "existing").read_text(encoding="utf-8") == "keep me"


# ------------------------------------------------------------------ finding 8


def test_cycle_parse_of_a_huge_count_is_a_period_error() -> None:
    """Finding 8: Cycle.parse('1' * 5000 + ' days') raised ValueError."""
    with pytest.raises(PeriodError):
        Cycle.parse("1" * 5000 + " days")
    assert Cycle.parse("999999 days") == Cycle("day", 999999)


def test_prorate_near_year_one_is_a_period_error() -> None:
    """Finding 8: prorating by the second near year 1 in Asia/Tokyo raised
    OverflowError (local midnight of 0001-01-01 is before datetime.min in UTC)."""
    policy = ProrationPolicy(basis="second", tz="Asia/Tokyo")
    with pytest.raises(PeriodError):
        prorate(
            eur("100.00"),
            Period(date(1, 1, 1), date(1, 2, 1)),
            date(1, 1, 1),
            date(1, 1, 15),
            policy,
        )


def test_moments_whose_date_some_zone_lacks_are_refused() -> None:
    """Finding 8: aggregate of an event at 9999-12-31 23:59Z in Europe/Rome raised
    OverflowError. Moments are accepted from 0001-01-02 to 9999-12-30 UTC."""
    with pytest.raises(UsageError, match="9999-12-30"):
        UsageEvent(
            customer="c",
            metric="m",
            timestamp=datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
            idempotency_key="k",
        )
    last = datetime(9999, 12, 31, tzinfo=UTC) - timedelta(microseconds=1)
    event = UsageEvent(customer="c", metric="m", timestamp=last, idempotency_key="k")
    meter = Meter(code="m", aggregation="count")
    # Its date in Rome exists (9999-12-31), but its calendar month has no end:
    # a PeriodError, not OverflowError.
    with pytest.raises(PeriodError):
        aggregate([event], meter, billing=BillingCycle.calendar(MONTHLY), tz="Europe/Rome")
    # The day before is billed by the day: 9999-12-30 12:00Z is 13:00 in Rome.
    noon = UsageEvent(
        customer="c",
        metric="m",
        timestamp=datetime(9999, 12, 30, 12, tzinfo=UTC),
        idempotency_key="n",
    )
    daily = BillingCycle(cycle=Cycle("day", 1), anchor=date(9999, 12, 1))
    report = aggregate([noon], meter, billing=daily, tz="Europe/Rome")
    assert report.usage("c", Period(date(9999, 12, 30), date(9999, 12, 31))) == {"m": 1}


# ------------------------------------------------------------------ finding 9


def test_quantize_and_tax_on_huge_or_signalling_amounts_are_money_errors() -> None:
    """Finding 9: decimal.InvalidOperation from quantize/tax on Money('1e100') or
    Money('sNaN'), OverflowError from allocate(Money('Infinity')), and
    tax_from_net with a rate of 1e29."""
    with pytest.raises(MoneyError):
        allocate(eur("Infinity"), [1])
    with pytest.raises(MoneyError):
        tax_from_net(eur("100.00"), Decimal("1e29"))
    # A rate in range whose tax would leave the range: 10**17 x 99 = 9.9 x 10**18.
    with pytest.raises(MoneyError, match=r"below 10\*\*18"):
        tax_from_net(eur(str(10**17)), 99)


def test_a_plan_base_fee_outside_the_range_is_refused() -> None:
    """Finding 9: Plan(base_fee=Money('NaN')) raised InvalidOperation, and a
    base fee of 1e-40 was accepted."""
    for fee in ("NaN", "1e-40", "1e18"):
        with pytest.raises(MoneyError):
            Plan(code="p", name="P", currency="EUR", base_fee=eur(fee))
    # A float's digits: py-moneyed keeps 0.1 + 0.2 as 0.30000000000000004 (17
    # places), beyond the 12 billkit accepts. (Money(0.1) reads as '0.1' and
    # cannot be told from Money('0.1') once made.)
    with pytest.raises(MoneyError):
        Plan(code="p", name="P", currency="EUR", base_fee=Money(0.1 + 0.2, "EUR"))


def test_ledger_entries_near_1e30_are_refused() -> None:
    """Finding 6: the ledger balance drifted 1e-30 from the sum of its entries
    near 1e30. Entries are refused outside the range; within it the balance is
    the exact sum (80-digit context)."""
    at = datetime(2026, 3, 1, tzinfo=UTC)
    for amount in ("1e29", "1e-30"):
        with pytest.raises(MoneyError):
            Entry(kind="top_up", amount=eur(amount), wallet="main", at=at, key="k")
    entries = [
        Entry(kind=kind, amount=eur(a), wallet="main", at=at, key=f"k{i}")
        for i, (kind, a) in enumerate(
            [
                ("top_up", "999999999999999999"),
                ("top_up", "0.000000000001"),
                ("charge", "-999999999999999998"),
            ]
        )
    ]
    # 999 999 999 999 999 999 + 0.000000000001 - 999 999 999 999 999 998 = 1.000000000001
    assert balance_of(entries) == {"main": eur("1.000000000001")}


# ------------------------------------------------------------------ finding 11


def test_wrong_argument_types_are_billkit_errors() -> None:
    """Finding 11: TypeError/AttributeError instead of a BillkitError naming the
    argument."""
    m = eur("10.00")
    cases = [
        (lambda: validate_settlement_account(12345, "044525225"), IdentifierError, "account"),  # type: ignore[arg-type]
        (lambda: allocate(m, 3), MoneyError, "weights"),  # type: ignore[arg-type]
        (lambda: allocate(m, [1], None), MoneyError, "policy"),  # type: ignore[arg-type]
        (lambda: tax_from_gross(m, "20%", None), MoneyError, "policy"),  # type: ignore[arg-type]
        (lambda: tax_by_row(["1.00"], "20%"), CreditError, "amounts[0]"),  # type: ignore[list-item]
        (lambda: balance_of([1]), CreditError, "entries[0]"),  # type: ignore[list-item]
        (lambda: sum_money("1.00 EUR"), MoneyError, "amounts"),  # type: ignore[arg-type]
    ]
    for call, kind, field in cases:
        with pytest.raises(kind) as caught:
            call()
        assert caught.value.field == field  # type: ignore[attr-defined]


# ------------------------------------------------------------------ finding 12


def test_identifiers_take_ascii_digits_only() -> None:
    """Finding 12: ru.kpp accepted Arabic-Indic digits ('٧٧٣٦01001')."""
    with pytest.raises(IdentifierError):
        validate_identifier("ru.kpp", "\u0667\u0667\u0663\u066601001")
    assert validate_identifier("ru.kpp", "773601001") == "773601001"
    with pytest.raises(IdentifierError):
        validate_identifier("ru.inn", "\u0667707083893")


# ------------------------------------------------------------------ finding 13


@pytest.mark.parametrize("value", ["1E-100000000", "1E-1000000000", "1E+999999999"])
def test_quote_checks_the_range_of_decimal_usage(value: str) -> None:
    """Finding 13: quote() skipped the range check for Decimal quantities:
    1E-100000000 was accepted (a 102 MB HTML repr), 1E+999999999 raised
    decimal.Overflow."""
    plan = Plan(
        code="p",
        name="P",
        currency="EUR",
        charges=[Charge(code="m", metric="m", model=PerUnit(unit_price=eur("1.00")))],
    )
    with pytest.raises(MoneyError) as caught:  # a number money refuses keeps its kind
        quote(plan, {"m": Decimal(value)}, MARCH)
    assert caught.value.field == "usage['m']"


def test_to_decimal_refuses_huge_text_without_parsing_it() -> None:
    """Finding 13: a megabyte of digits is refused at once, and Decimal
    exponents beyond the context raise MoneyError, not decimal.Overflow."""
    with pytest.raises(MoneyError):
        to_decimal("1" * 1_000_000)
    with pytest.raises(MoneyError):
        to_decimal(Decimal("1E+999999999"))
    assert in_range(Decimal("-999999999999999999.999999999999"))


# ------------------------------------------------------------------ finding 2
# Rendering formatted amounts in the caller's decimal context.

IT_SELLER = Party(
    kind="legal_entity", country="IT", name="Conversa S.r.l.", identifiers={"it.iva": "02987650153"}
)
IT_BUYER = Party(
    kind="legal_entity", country="IT", name="Agenzia Srl", identifiers={"it.iva": "02987650153"}
)


def _pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def test_an_invoice_renders_exactly_under_a_5_digit_caller_context() -> None:
    """Finding 2: under prec=5 a valid invoice (net 10 614.75, tax 2 335.25,
    gross 12 950.00) printed 10 615,00 / 2 335,20 / 12 950,00.

    12 950.00 including 22 % VAT: net = 12 950 / 1.22 = 10 614.754... -> 10 614.75,
    tax = 12 950.00 - 10 614.75 = 2 335.25."""
    terms = DocumentTerms(
        seller=IT_SELLER, buyer=IT_BUYER, locale="en", rules=None, prices_include_tax=True
    )
    item = Item(description="Servizio", unit_price=eur("12950.00"))
    with decimal.localcontext() as ctx:
        ctx.prec = 5
        invoice = build_invoice([item], terms, issue_date=date(2026, 3, 2))
        html = render_html(invoice)
        text = "\n".join(_pdf_text(render_pdf(invoice)))
    for shown in ("10,614.75", "2,335.25", "12,950.00"):
        assert shown in html
        assert shown in text
    for wrong in ("10,615.00", "2,335.20"):
        assert wrong not in html
        assert wrong not in text


def _one_total(amount: Money) -> RenderDocument:
    return RenderDocument(
        kind="invoice",
        number="1",
        issue_date=date(2026, 3, 5),
        locale="en",
        currency="EUR",
        totals=[TotalRow(label="total_due", amount=amount, strong=True)],
    )


def test_a_30_digit_amount_prints_every_digit() -> None:
    """Finding 2: a 30-digit amount (the largest docs/limits.md allows: 18
    whole digits, 12 decimals) printed rounded to 28 digits (...345,679.00)."""
    amount = eur("123456789012345678.901234567891")
    expected = "€123,456,789,012,345,678.901234567891"
    assert expected in render_html(_one_total(amount))
    with decimal.localcontext() as ctx:
        ctx.prec = 5
        assert expected in render_html(_one_total(amount))
        assert "123,456,789,012,345,678.901234567891" in "".join(
            _pdf_text(render_pdf(_one_total(amount)))
        ).replace("\n", "")


def test_a_tax_row_that_does_not_add_up_is_refused_whatever_the_context() -> None:
    """Finding 2: a render-level tax row with 29-digit amounts that does not
    add up was accepted: 10**16 + 10**-12 needs 29 digits, so in the default
    28-digit context net + tax rounded to 10**16 = gross."""
    net = eur("10000000000000000.000000000001")
    with pytest.raises(InvoicingError, match="net \\+ tax") as caught:
        TaxRow(rate=None, net=net, tax=eur("0"), gross=eur("10000000000000000"))
    assert caught.value.field == "tax.gross"
    row = TaxRow(rate=None, net=net, tax=eur("0"), gross=net)
    assert row.gross == net


def test_the_demo_documents_build_and_render_under_a_5_digit_context() -> None:
    """Finding 2: demo_documents() failed under prec=5 (the built-in sum() of
    Decimals rounded the reconciliation totals to 5120.9 RUB)."""
    with decimal.localcontext() as ctx:
        ctx.prec = 5
        docs = demo_documents()
        html = render_html(docs["3-hosting-reconciliation-ru"])
    # the same documents and the same page as in the default context
    assert docs["3-hosting-reconciliation-ru"] == demo_documents()["3-hosting-reconciliation-ru"]
    assert html == render_html(demo_documents()["3-hosting-reconciliation-ru"])


# ------------------------------------------------------------------ finding 5
# Text taller than a page was drawn below it (y < 0).

_TD = re.compile(r"BT (-?[\d.]+) (-?[\d.]+) Td")
_RULE = re.compile(r"(-?[\d.]+) (-?[\d.]+) m (-?[\d.]+) (-?[\d.]+) l S")
_RECT = re.compile(r"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re f")
TALL = "\n".join(f"Tall line {i}" for i in range(200))


def _tall_document(where: str) -> RenderDocument:
    """A document with 200 lines of text in one field: 200 x 8.5 pt x 1.35 =
    2 295 pt, nearly three A4 pages (841.9 pt) of text."""
    one = eur("1.00")
    return RenderDocument(
        kind="invoice",
        number="1",
        issue_date=date(2026, 3, 5),
        locale="en",
        currency="EUR",
        title=TALL if where == "title" else None,
        fields=[Field(label="contract", value=TALL if where == "field" else "C-1")],
        parties=[
            PartyBlock(role="seller", name=TALL if where == "party" else "Seller"),
            PartyBlock(role="buyer", name="Buyer", lines=[TALL] if where == "lines" else []),
        ],
        table=LineTable(
            columns=[Column(label="description"), Column(label="amount", kind="money", carry=True)],
            rows=[["Short", one], [TALL if where == "cell" else "Cell", one], ["Last", one]],
        ),
        totals=[TotalRow(label="total_due", amount=eur("3.00"), strong=True)],
        summary=[TALL] if where == "summary" else [],
        payment=[Field(label="iban", value=TALL if where == "payment" else "IT60X")],
        notes=[TALL] if where == "notes" else [],
    )


@pytest.mark.parametrize(
    "where", ["party", "lines", "title", "field", "cell", "summary", "payment", "notes"]
)
def test_text_taller_than_a_page_flows_onto_further_pages(where: str) -> None:
    """Finding 5: a 200-line party name put 136 lines below the page (y < 0).
    Every line now prints, on further pages, and nothing is drawn below the
    bottom margin (54 pt) but the footer (its rule at 40 pt, its text at 30 pt)."""
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(_tall_document(where))))
    assert len(reader.pages) >= 3  # 2 295 pt of text cannot fit on two pages
    text = "\n".join(page.extract_text() for page in reader.pages)
    lines = set(text.split("\n"))
    missing = [i for i in range(200) if f"Tall line {i}" not in text]
    assert missing == []
    assert "Last" in lines or any(line.startswith("Last") for line in lines)
    for page in reader.pages:
        content = page.get_contents().get_data().decode("latin-1")  # type: ignore[union-attr]
        texts = [float(y) for _, y in _TD.findall(content)]
        assert texts
        assert all(y >= MARGIN_BOTTOM or y == FOOTER_Y for y in texts), sorted(texts)[:3]
        rules = [float(y) for _, y, _, _ in _RULE.findall(content)]
        assert all(y >= MARGIN_BOTTOM or y == FOOTER_Y + 10 for y in rules)
        assert all(float(y) >= MARGIN_BOTTOM for _, y, _, _ in _RECT.findall(content))


# ------------------------------------------------------------------ finding 15
# A 20 000-character title with 1 000 rows took 7.5 s to render, 0.1 s with a
# short one: every further page re-wrapped the whole title, and its wrapped
# "continued" heading left room for one row per page (1 002 pages).


def _long_table(title: str) -> RenderDocument:
    return RenderDocument(
        kind="invoice",
        number="1",
        issue_date=date(2026, 3, 5),
        locale="en",
        currency="EUR",
        title=title,
        table=LineTable(
            columns=[Column(label="description"), Column(label="amount", kind="money", carry=True)],
            rows=[[f"row {i}", eur("1.00")] for i in range(1000)],
        ),
        totals=[TotalRow(label="total_due", amount=eur("1000.00"), strong=True)],
    )


def test_a_long_title_is_wrapped_once_and_costs_no_extra_pages_per_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Finding 15: the title is wrapped once for page 1; the heading of every
    further page is built once, at most 3 lines, from at most two lines' worth
    of the title. So the table takes as many pages as with a short title, plus
    the pages the whole title itself fills on page 1."""
    title = ("Lorem ipsum dolor sit amet " * 800)[:20000]
    calls: list[int] = []

    def counting_wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
        calls.append(len(text))
        return wrap(text, width, measure)

    monkeypatch.setattr(pdf_module, "wrap", counting_wrap)
    long_pages = len(pypdf.PdfReader(io.BytesIO(render_pdf(_long_table(title)))).pages)
    long_calls = [n for n in calls if n >= 1000]
    calls.clear()
    short_pages = len(pypdf.PdfReader(io.BytesIO(render_pdf(_long_table("Invoice")))).pages)
    assert len(long_calls) == 1  # the heading of page 1; no page wraps the title again
    # No glyph is wider than 1 em, so the title fills at most 20 000 x 15 pt /
    # 511 pt = 588 lines of 18 pt = 10 584 pt, 15 pages of 746 pt; the 3-line
    # heading of further pages (20 pt more than one line) costs under 1 page
    # per 30, so at most 1 more over the short title's pages.
    assert short_pages < long_pages <= short_pages + 15 + 1 + 1


# ------------------------------------------------------------------ finding 10
# Rendering failed inside babel, the codec, python-bidi or Pillow.


@pytest.mark.parametrize("locale", ["en_XX", "fa_", "it_XX", "en_RU"])
def test_a_locale_cldr_does_not_know_is_refused_when_the_document_is_built(locale: str) -> None:
    """Finding 10: 'en_XX' and 'fa_' were accepted by RenderDocument and by
    DocumentTerms, then failed inside babel at render time (CLDR has no
    locale for a language in a country it does not list: en_RU neither)."""
    with pytest.raises(InvoicingError, match="CLDR") as caught:
        RenderDocument(
            kind="invoice", number="1", issue_date=date(2026, 3, 5), locale=locale, currency="EUR"
        )
    assert caught.value.field == "locale"
    if "_" in locale and locale[-1] != "_":  # 'fa_' is not even a locale code
        with pytest.raises(InvoicingError, match="CLDR"):
            DocumentTerms(seller=IT_SELLER, buyer=IT_BUYER, locale=locale, rules=None)


SURROGATE = "ACME \ud800 Ltd"


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: PartyBlock(role="seller", name=SURROGATE), "party.name"),
        (lambda: PartyBlock(role="seller", name="A", lines=[SURROGATE]), "party.lines[0]"),
        (lambda: Field(label="contract", value=SURROGATE), "field.value"),
        (
            lambda: LineTable(columns=[Column(label="description")], rows=[[SURROGATE]]),
            "table.rows[0][0]",
        ),
        (lambda: RenderDocument(**_document_kwargs(title=SURROGATE)), "title"),
        (lambda: RenderDocument(**_document_kwargs(notes=[SURROGATE])), "notes[0]"),
        (lambda: Item(description=SURROGATE, unit_price=eur("1.00")), "description"),
        (lambda: Party(kind="legal_entity", country="IT", name=SURROGATE), "name"),
    ],
)
def test_a_lone_surrogate_is_refused_when_text_comes_in(
    make: Callable[[], object], field: str
) -> None:
    """Finding 10: a lone surrogate raised UnicodeEncodeError when the PDF's
    metadata was written. It is no character (it cannot be written as UTF-8),
    so any text holding one is refused where it comes in, naming the field."""
    with pytest.raises(BillkitError, match="surrogate") as caught:
        make()
    assert caught.value.field == field  # type: ignore[attr-defined]


def _document_kwargs(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "kind": "invoice",
        "number": "1",
        "issue_date": date(2026, 3, 5),
        "locale": "en",
        "currency": "EUR",
    }
    return base | changes


def test_an_unassigned_code_point_in_a_persian_document_prints_as_a_replacement() -> None:
    """Finding 10: U+0378 (unassigned) in a Persian document raised python-bidi's
    AssertionError (it has no bidi class). Like a noncharacter, it prints as
    U+FFFD, visibly, in both renderers."""
    doc = RenderDocument(
        kind="invoice",
        number="1",
        issue_date=date(2026, 3, 5),
        locale="fa_IR",
        currency="IRR",
        table=LineTable(columns=[Column(label="description")], rows=[["سلام \u0378 x"]]),
    )
    data = render_pdf(doc)
    assert "\u0378" not in "".join(_pdf_text(data))
    html = render_html(doc)
    assert "\u0378" not in html
    assert "سلام \ufffd x" in html


def _png(width: int, height: int, mode: str = "L") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), 255 if mode == "L" else (31, 58, 95)).save(out, "PNG")
    return out.getvalue()


def test_a_logo_with_a_valid_header_and_a_garbage_body_is_an_invoicing_error() -> None:
    """Finding 10: a PNG signature and IHDR followed by garbage raised PIL's
    UnidentifiedImageError at render time; a JPEG start with garbage too."""
    real = _png(40, 20)
    header = real[:33]  # 8-byte signature + IHDR chunk (4 length, 4 type, 13 data, 4 CRC)
    garbage = bytes(range(256)) * 4
    broken_body = real[:41] + bytes(len(real) - 41 - 12) + real[-12:]  # IDAT data zeroed
    for logo in (header + garbage, broken_body, b"\xff\xd8\xff\xe0" + garbage):
        with pytest.raises(InvoicingError) as caught:
            RenderOptions(logo=logo)
        assert caught.value.field == "options.logo"
    assert RenderOptions(logo=real).logo == real


# ------------------------------------------------------------------ finding 14
# A 140 KB blank PNG logo took rendering to 466 MB; a 388 KB one raised PIL's
# DecompressionBombError.


def test_a_logo_beyond_the_pixel_limit_is_refused_from_its_header() -> None:
    """Finding 14: 10 800 x 10 800 blank grey pixels compress to ~135 KB and
    decode to 116 MB; docs/limits.md allows 12 000 000 pixels (4 000 x 3 000).
    The header is read, nothing decoded: PIL's own DecompressionBomb checks
    (89 million pixels) never come into play."""
    bomb = bytearray(_png(4, 4))
    # the IHDR's width and height (bytes 16-24) say 20 000 x 20 000, its CRC mended
    bomb[16:24] = (20000).to_bytes(4, "big") * 2
    bomb[29:33] = zlib.crc32(bytes(bomb[12:29])).to_bytes(4, "big")
    with pytest.raises(InvoicingError, match="at most 12000000 pixels, not 20000 x 20000"):
        RenderOptions(logo=bytes(bomb))
    with pytest.raises(InvoicingError, match="at most 12000000 pixels, not 4001 x 3000"):
        RenderOptions(logo=_png(4001, 3000))
    too_big = _png(8, 8) + bytes(2 * 1024 * 1024)  # 2 MiB + 1 byte and more
    with pytest.raises(InvoicingError, match="at most 2097152 bytes"):
        RenderOptions(logo=too_big)


def test_a_large_logo_is_embedded_downscaled_to_600_by_224_pixels() -> None:
    """Finding 14: the logo is drawn in a 150 x 56 pt box, so four pixels a
    point (600 x 224) is all it needs; a 3 000 x 1 000 logo (3:1) embeds at
    600 x 200 (3 000 / 5, 1 000 / 5), in the PDF and the HTML."""
    logo = _png(3000, 1000, "RGB")
    options = RenderOptions(logo=logo)
    reader = pypdf.PdfReader(io.BytesIO(render_pdf(_one_total(eur("1.00")), options)))
    [image] = reader.pages[0].images
    assert image.image is not None
    assert image.image.size == (600, 200)
    html = render_html(_one_total(eur("1.00")), options)
    [src] = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    with Image.open(io.BytesIO(base64.b64decode(src))) as embedded:
        assert embedded.size == (600, 200)
    small = _png(300, 100, "RGB")  # fits: embedded as given
    assert base64.b64encode(small).decode() in render_html(
        _one_total(eur("1.00")), RenderOptions(logo=small)
    )
