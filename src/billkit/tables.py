"""Quotes, comparisons, usage, ledgers and documents as tables: records, pandas, polars, Arrow.

Each function here turns public values into a :class:`Table`: named columns
and rows of plain Python values. A table gives them as ``to_records()``
(dicts, no dependency), ``to_arrow()`` and the Arrow PyCapsule stream
(``__arrow_c_stream__``, so ``pyarrow.table(t)``, ``polars.DataFrame(t)``
and DuckDB read it directly), ``to_pandas()`` and ``to_polars()``. pandas,
polars and pyarrow are optional and imported only when asked for
(``pip install 'py-billkit[pandas]'``, ``[polars]`` or ``[arrow]``).

Money stays exact: an amount column is an Arrow ``decimal128`` whose scale
is the largest of its currencies' minor units and of the digits its values
carry (a unit price of 0.125 UAH keeps three), next to a ``currency``
column; quantities are decimals too. ``to_pandas()`` keeps those columns as
Arrow-backed decimals (``pandas.ArrowDtype``), which sum and compare exactly
(``float(...)`` them for plotting); ``to_polars()`` gives ``pl.Decimal``
columns.

>>> from datetime import date
>>> from billkit.demo import demo_catalog
>>> from billkit.periods import Period
>>> from billkit.pricing import quote
>>> plan = demo_catalog()["growth-monthly"]
>>> march = Period(date(2026, 3, 1), date(2026, 4, 1))
>>> table = quote_lines({"org-1": quote(plan, {"monthly_active_contacts": 1250}, march)})
>>> table.columns[:6]
('key', 'plan', 'period_start', 'period_end', 'code', 'description')
>>> [(r["code"], r["billable"], r["amount"], r["currency"]) for r in table.to_records()]
[('base', Decimal('1'), Decimal('99.00'), 'EUR'), ('mac-blocks', Decimal('250'), Decimal('60.00'), 'EUR')]
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from billkit import _checks as checks
from billkit.errors import MissingDependencyError, ValidationError
from billkit.money import Money, minor_units
from billkit.pricing.overage import PlanComparison, UpgradeAdvice
from billkit.pricing.quote import Quote
from billkit.usage.report import UsageReport

if TYPE_CHECKING:  # loaded when their tables are asked for: importing tables stays light
    from billkit.credit.entries import Entry, HistoryGroup
    from billkit.credit.ledger import Ledger
    from billkit.invoicing.documents import Act, CreditNote, Invoice, Proforma, Receipt

    Document = Invoice | Proforma | Act | CreditNote | Receipt

__all__ = [
    "Table",
    "documents_table",
    "entries_table",
    "history_table",
    "plan_comparisons",
    "quote_lines",
    "quote_totals",
    "upgrade_advices",
    "usage_table",
]


def _import(module: str, extra: str) -> Any:
    try:
        return __import__(module)
    except ImportError:
        raise MissingDependencyError(module, "tables as DataFrames", extra) from None


def _scale(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


@attrs.frozen(kw_only=True)
class Table:
    """Named ``columns`` and ``rows`` (tuples in column order) of plain values.

    ``money`` names the columns that hold amounts; ``currency`` is the
    column of their currency codes (``None`` when there are none). Values
    are ``str``, ``int``, ``bool``, ``Decimal``, ``datetime.date``,
    timezone-aware ``datetime.datetime`` (an Arrow UTC timestamp) or ``None``.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...] = attrs.field(repr=lambda rows: f"<{len(rows)} rows>")
    money: tuple[str, ...] = ()
    currency: str | None = None

    def __attrs_post_init__(self) -> None:
        checks.tuple_of("columns", self.columns, str)
        for n, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValidationError(f"rows[{n}]", row, f"{len(self.columns)} values")
        for name in (*self.money, *([self.currency] if self.currency else [])):
            if name not in self.columns:
                raise ValidationError("money", name, f"one of the columns {list(self.columns)}")

    def __len__(self) -> int:
        return len(self.rows)

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per row, column name -> value: ``pandas.DataFrame(t.to_records())``."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def scale(self, column: str) -> int:
        """The decimal places an exact decimal column needs (money: at least its
        currencies' minor units)."""
        at = self.columns.index(column)
        scale = max((_scale(r[at]) for r in self.rows if isinstance(r[at], Decimal)), default=0)
        if column in self.money and self.currency is not None:
            where = self.columns.index(self.currency)
            codes = {row[where] for row in self.rows if row[where] is not None}
            scale = max([scale, *(minor_units(code) for code in codes)])
        return scale

    def _arrow_type(self, pa: Any, column: str) -> Any:
        at = self.columns.index(column)
        sample = next((row[at] for row in self.rows if row[at] is not None), None)
        if isinstance(sample, bool):
            return pa.bool_()
        if isinstance(sample, int):
            return pa.int64()
        if isinstance(sample, Decimal):
            scale = self.scale(column)
            digits = max(
                (r[at].adjusted() + 1 for r in self.rows if isinstance(r[at], Decimal)), default=1
            )
            precision = max(digits, 1) + scale
            return pa.decimal128(38, scale) if precision <= 38 else pa.decimal256(76, scale)
        if isinstance(sample, datetime.datetime):
            return pa.timestamp("us", tz="UTC")
        if isinstance(sample, datetime.date):
            return pa.date32()
        return pa.string()

    def to_arrow(self) -> Any:
        """A ``pyarrow.Table``; amounts and quantities as exact decimals."""
        pa = _import("pyarrow", "arrow")
        schema = pa.schema([(c, self._arrow_type(pa, c)) for c in self.columns])
        arrays = [
            pa.array([row[n] for row in self.rows], type=field.type)
            for n, field in enumerate(schema)
        ]
        return pa.Table.from_arrays(arrays, schema=schema)

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        """The Arrow PyCapsule stream of :meth:`to_arrow` (needs pyarrow)."""
        return self.to_arrow().__arrow_c_stream__(requested_schema)

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame`` with Arrow-backed columns: decimals stay exact."""
        pd = _import("pandas", "pandas")
        return self.to_arrow().to_pandas(types_mapper=pd.ArrowDtype)

    def to_polars(self) -> Any:
        """A ``polars.DataFrame``; decimals as ``pl.Decimal``."""
        pl = _import("polars", "polars")
        return pl.from_arrow(self.to_arrow())


def _keyed(values: object, kind: type | tuple[type, ...], field: str) -> list[tuple[Any, Any]]:
    if isinstance(values, kind):
        return [(0, values)]
    items: list[tuple[Any, Any]]
    if isinstance(values, Mapping):
        items = [(checks.text(f"{field} key", k), v) for k, v in values.items()]
    elif isinstance(values, Iterable) and not isinstance(values, (str, bytes)):
        items = list(enumerate(values))
    else:
        name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ValidationError(field, values, f"a {name}, or a list or mapping of them")
    for key, value in items:
        checks.instance(f"{field}[{key!r}]", value, kind)  # type: ignore[arg-type]
    return items


def _amount(money: Money | None) -> Decimal | None:
    return None if money is None else money.amount


def quote_lines(quotes: Quote | Iterable[Quote] | Mapping[str, Quote]) -> Table:
    """One row per line of each quote: what was billed and how.

    ``quotes`` is one quote, a list (``key`` is the position) or a mapping
    such as customer -> quote (``key`` is the customer). Columns: key, plan,
    period_start, period_end, code, description, kind, metric, quantity,
    included, billable, unit_price, amount, currency.
    """
    rows = []
    for key, bill in _keyed(quotes, Quote, "quotes"):
        code = bill.currency.code
        for line in bill.lines:
            rows.append(
                (
                    key,
                    bill.plan.code,
                    bill.period.start,
                    bill.period.end,
                    line.code,
                    line.description,
                    line.kind,
                    line.metric,
                    line.quantity,
                    line.included,
                    line.billable,
                    _amount(line.unit_price),
                    line.amount.amount,
                    code,
                )
            )
    columns = (
        "key",
        "plan",
        "period_start",
        "period_end",
        "code",
        "description",
        "kind",
        "metric",
        "quantity",
        "included",
        "billable",
        "unit_price",
        "amount",
        "currency",
    )
    return Table(
        columns=columns, rows=tuple(rows), money=("unit_price", "amount"), currency="currency"
    )


def quote_totals(quotes: Quote | Iterable[Quote] | Mapping[str, Quote]) -> Table:
    """One row per quote: key, plan, period_start, period_end, total, currency.

    >>> from datetime import date
    >>> from billkit.demo import demo_catalog
    >>> from billkit.periods import Period
    >>> from billkit.pricing import quote
    >>> plan = demo_catalog()["growth-monthly"]
    >>> march = Period(date(2026, 3, 1), date(2026, 4, 1))
    >>> bills = [quote(plan, {"monthly_active_contacts": n}, march) for n in (900, 1250)]
    >>> [(r["key"], r["total"]) for r in quote_totals(bills).to_records()]
    [(0, Decimal('99.00')), (1, Decimal('159.00'))]
    """
    rows = tuple(
        (key, b.plan.code, b.period.start, b.period.end, b.total.amount, b.currency.code)
        for key, b in _keyed(quotes, Quote, "quotes")
    )
    columns = ("key", "plan", "period_start", "period_end", "total", "currency")
    return Table(columns=columns, rows=rows, money=("total",), currency="currency")


def plan_comparisons(
    comparisons: PlanComparison | Iterable[PlanComparison] | Mapping[str, PlanComparison],
) -> Table:
    """One row per candidate plan of each comparison.

    Columns: key, plan, total, currency, cheapest (the plan
    :func:`~billkit.pricing.cheapest_plan` chose), over_cheapest (how much
    more than the cheapest it bills).

    >>> from datetime import date
    >>> from billkit.demo import demo_catalog
    >>> from billkit.periods import Period
    >>> from billkit.pricing import cheapest_plan
    >>> catalog = demo_catalog()
    >>> plans = [catalog["growth-monthly"], catalog["growth-annual-usage"]]
    >>> march = Period(date(2026, 3, 1), date(2026, 4, 1))
    >>> advice = cheapest_plan(plans, {"monthly_active_contacts": 1250}, march)
    >>> [(r["plan"], r["total"], r["cheapest"], r["over_cheapest"])
    ...  for r in plan_comparisons({"org-1": advice}).to_records()]
    [('growth-monthly', Decimal('159.00'), False, Decimal('99.00')), ('growth-annual-usage', Decimal('60.00'), True, Decimal('0.00'))]
    """
    rows = []
    for key, comparison in _keyed(comparisons, PlanComparison, "comparisons"):
        best = comparison.total.amount
        for n, (plan, total) in enumerate(
            zip(comparison.plans, comparison.totals().values(), strict=True)
        ):
            rows.append(
                (
                    key,
                    plan.code,
                    total.amount,
                    total.currency.code,
                    n == comparison.index,
                    total.amount - best,
                )
            )
    columns = ("key", "plan", "total", "currency", "cheapest", "over_cheapest")
    return Table(
        columns=columns, rows=tuple(rows), money=("total", "over_cheapest"), currency="currency"
    )


def upgrade_advices(
    advices: UpgradeAdvice | Iterable[UpgradeAdvice] | Mapping[str, UpgradeAdvice],
) -> Table:
    """One row per :func:`~billkit.pricing.upgrade_advice` answer: key, current,
    candidate, requested_on, stay, switch, saving, worth_it, currency.

    The messaging business's Growth customer with 1 200 contacts by 11 April
    and 2 800 expected: staying costs 18 blocks x 20.00 = 360.00 of overage,
    switching to Advanced 126.00 - 66.00 + 40.00 = 100.00 (docs/overage.md):

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.periods import Period
    >>> from billkit.pricing import Plan, overage_charge, upgrade_advice
    >>> eur = lambda amount: Money(amount, "EUR")
    >>> growth = Plan(code="growth", name="Growth", currency="EUR", base_fee=eur("99.00"),
    ...               charges=[overage_charge("blocks", "contacts", included=1000,
    ...                                       price=eur("20.00"), block=100)])
    >>> advanced = Plan(code="advanced", name="Advanced", currency="EUR", base_fee=eur("189.00"),
    ...                 charges=[overage_charge("blocks", "contacts", included=3000,
    ...                                         price=eur("15.00"), block=100)])
    >>> advice = upgrade_advice(growth, advanced, {"contacts": 1200},
    ...                         Period(date(2026, 4, 1), date(2026, 5, 1)), date(2026, 4, 11),
    ...                         projected={"contacts": 2800})
    >>> [(r["stay"], r["switch"], r["saving"], r["worth_it"])
    ...  for r in upgrade_advices({"org-1": advice}).to_records()]
    [(Decimal('360.00'), Decimal('100.00'), Decimal('260.00'), True)]
    """
    rows = tuple(
        (
            key,
            advice.current.code,
            advice.candidate.code,
            advice.change.requested_on,
            advice.stay.amount,
            advice.switch.amount,
            advice.saving.amount,
            advice.worth_it,
            advice.stay.currency.code,
        )
        for key, advice in _keyed(advices, UpgradeAdvice, "advices")
    )
    columns = (
        "key",
        "current",
        "candidate",
        "requested_on",
        "stay",
        "switch",
        "saving",
        "worth_it",
        "currency",
    )
    return Table(
        columns=columns, rows=rows, money=("stay", "switch", "saving"), currency="currency"
    )


def usage_table(report: UsageReport) -> Table:
    """The rows of a usage report: customer, period_start, period_end, day (daily
    reports), the ``by`` properties, then each meter's figure (exact decimals).

    >>> from datetime import datetime, timezone
    >>> from billkit.periods import MONTHLY, BillingCycle
    >>> from billkit.usage import Meter, UsageEvent, aggregate
    >>> seats = [UsageEvent(customer="org-1", metric="seats", idempotency_key=f"s{n}", value=n,
    ...                     timestamp=datetime(2026, 3, n, tzinfo=timezone.utc)) for n in (4, 6)]
    >>> report = aggregate(seats, Meter(code="seats", aggregation="max"),
    ...                    billing=BillingCycle.calendar(MONTHLY), tz="UTC")
    >>> usage_table(report).to_records()
    [{'customer': 'org-1', 'period_start': datetime.date(2026, 3, 1), 'period_end': datetime.date(2026, 4, 1), 'seats': Decimal('6')}]
    """
    checks.instance("report", report, UsageReport)
    columns = ["customer", "period_start", "period_end"]
    if report.daily:
        columns.append("day")
    columns += list(report.by)
    columns += [meter.code for meter in report.meters]
    rows = tuple(tuple(record[c] for c in columns) for record in report.to_records())
    return Table(columns=tuple(columns), rows=rows)


def _joined_tags(pairs: Iterable[tuple[str, str]]) -> str:
    return ", ".join(f"{name}={value}" for name, value in pairs)


def entries_table(entries: Ledger | Iterable[Entry]) -> Table:
    """One row per ledger entry: a :class:`~billkit.credit.Ledger` (its
    history, in time order) or entries such as ``ledger.history(...)`` gives.

    Columns: key, wallet, kind, credit_kind, at (a UTC timestamp in Arrow),
    amount (money in is positive), currency, reference, source, description,
    expires_at, tags (``name=value, ...``).

    >>> from datetime import datetime, timezone
    >>> from billkit.credit import Ledger, Wallet
    >>> at = datetime(2026, 3, 1, 10, tzinfo=timezone.utc)
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="UAH")])
    >>> ledger = ledger.top_up("main", "500.00", at=at, key="p1")
    >>> ledger = ledger.charge("main", "12.50", at=at, key="c1", tags={"channel": "sms"})
    >>> [(r["key"], r["kind"], r["amount"], r["tags"]) for r in entries_table(ledger).to_records()]
    [('p1', 'top_up', Decimal('500.00'), ''), ('c1', 'charge', Decimal('-12.50'), 'channel=sms')]
    """
    from billkit.credit.entries import Entry
    from billkit.credit.ledger import Ledger

    items = entries.history() if isinstance(entries, Ledger) else tuple(entries)
    rows = []
    for n, entry in enumerate(items):
        checks.instance(f"entries[{n}]", entry, Entry)
        rows.append(
            (
                entry.key,
                entry.wallet,
                entry.kind.value,
                None if entry.credit_kind is None else entry.credit_kind.value,
                entry.at,
                entry.amount.amount,
                entry.currency.code,
                entry.reference,
                entry.source,
                entry.description,
                entry.expires_at,
                _joined_tags(entry.tags),
            )
        )
    columns = (
        "key",
        "wallet",
        "kind",
        "credit_kind",
        "at",
        "amount",
        "currency",
        "reference",
        "source",
        "description",
        "expires_at",
        "tags",
    )
    return Table(columns=columns, rows=tuple(rows), money=("amount",), currency="currency")


def history_table(groups: Iterable[HistoryGroup], by: Iterable[str] | None = None) -> Table:
    """One row per group of :func:`~billkit.credit.history.group_entries`: the
    group's key (columns named ``by``, else key_1, key_2, ...), count, credits
    (money in), debits (money out), net, currency.

    >>> from datetime import datetime, timezone
    >>> from billkit.credit import Ledger, Wallet
    >>> from billkit.credit.history import group_entries
    >>> at = datetime(2026, 3, 1, 10, tzinfo=timezone.utc)
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="UAH")])
    >>> ledger = ledger.top_up("main", "500.00", at=at, key="p1")
    >>> ledger = ledger.charge("main", "12.50", at=at, key="c1")
    >>> history_table(group_entries(ledger.history(), "day"), by=["day"]).to_records()
    [{'day': '2026-03-01', 'count': 2, 'credits': Decimal('500.00'), 'debits': Decimal('12.50'), 'net': Decimal('487.50'), 'currency': 'UAH'}]
    """
    from billkit.credit.entries import HistoryGroup

    items = tuple(checks.instance(f"groups[{n}]", g, HistoryGroup) for n, g in enumerate(groups))
    width = max((len(g.key) for g in items), default=0)
    names = (
        checks.tuple_of("by", tuple(by), str)
        if by is not None
        else tuple(f"key_{n}" for n in range(1, width + 1))
    )
    if items and len(names) != width:
        raise ValidationError("by", list(names), f"{width} names, one per part of the key")
    rows = tuple(
        (*g.key, g.count, g.credits.amount, g.debits.amount, g.net.amount, g.currency.code)
        for g in items
    )
    columns = (*names, "count", "credits", "debits", "net", "currency")
    return Table(
        columns=columns, rows=rows, money=("credits", "debits", "net"), currency="currency"
    )


def documents_table(
    documents: Document | Iterable[Document] | Mapping[str, Document],
    *,
    lines: bool = False,
) -> Table:
    """One row per document (invoices, proformas, acts, credit notes, receipts),
    or with ``lines=True`` one row per line of each.

    Documents: key, kind, number, issue_date, due_date, buyer, period_start,
    period_end, net, tax, gross, currency. Lines: key, kind, number, position,
    code, description, quantity, unit, unit_price, net, tax_rate, tax, gross,
    currency.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.parties import Party
    >>> from billkit.invoicing import DocumentTerms, Item, build_invoice
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="RU", name="Host"),
    ...                       buyer=Party(kind="legal_entity", country="RU", name="Client"),
    ...                       rules=None)
    >>> invoice = build_invoice(
    ...     [Item(description="VPS-2", quantity=3, unit="month", unit_price=Money("33.33", "RUB"))],
    ...     terms, number="INV-1", issue_date=date(2026, 1, 12), payment_days=10)
    >>> [(r["number"], r["net"], r["tax"], r["gross"]) for r in documents_table([invoice]).to_records()]
    [('INV-1', Decimal('99.99'), Decimal('22.00'), Decimal('121.99'))]
    >>> [(r["position"], r["quantity"], r["unit_price"], r["net"])
    ...  for r in documents_table(invoice, lines=True).to_records()]
    [(1, Decimal('3'), Decimal('33.33'), Decimal('99.99'))]
    """
    from billkit.invoicing.documents import Act, CreditNote, Invoice, Proforma, Receipt

    pairs = _keyed(documents, (Invoice, Proforma, Act, CreditNote, Receipt), "documents")
    rows: list[tuple[Any, ...]] = []
    if lines:
        for key, doc in pairs:
            for line in doc.lines:
                rows.append(
                    (
                        key,
                        doc.kind.value,
                        doc.number,
                        line.position,
                        line.code,
                        line.description,
                        line.quantity,
                        line.unit,
                        _amount(line.unit_price),
                        line.net.amount,
                        line.tax_rate,
                        line.tax.amount,
                        line.gross.amount,
                        doc.currency.code,
                    )
                )
        columns: tuple[str, ...] = (
            "key",
            "kind",
            "number",
            "position",
            "code",
            "description",
            "quantity",
            "unit",
            "unit_price",
            "net",
            "tax_rate",
            "tax",
            "gross",
            "currency",
        )
        money: tuple[str, ...] = ("unit_price", "net", "tax", "gross")
    else:
        for key, doc in pairs:
            rows.append(
                (
                    key,
                    doc.kind.value,
                    doc.number,
                    doc.issue_date,
                    getattr(doc, "due_date", None),
                    doc.buyer.name,
                    None if doc.period is None else doc.period.start,
                    None if doc.period is None else doc.period.end,
                    doc.totals.net.amount,
                    doc.totals.tax.amount,
                    doc.totals.gross.amount,
                    doc.currency.code,
                )
            )
        columns = (
            "key",
            "kind",
            "number",
            "issue_date",
            "due_date",
            "buyer",
            "period_start",
            "period_end",
            "net",
            "tax",
            "gross",
            "currency",
        )
        money = ("net", "tax", "gross")
    return Table(columns=columns, rows=tuple(rows), money=money, currency="currency")
