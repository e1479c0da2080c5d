"""Notebook displays: the HTML tables and one-line reprs of plans, ledgers,
subscriptions and documents.

Pure string building: every piece of text goes through :func:`html.escape`,
amounts are printed as plain digits (never floats, never exponent notation),
and the layout is the one ``Quote``, ``Catalog`` and ``PlanComparison`` use (a
``<table>`` with a ``<caption>`` saying what it is, numbers right-aligned).
The values are read by duck typing, so this module imports nothing of
billkit and every room may use it; each class's ``_repr_html_`` is a
two-line method delegating here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from html import escape
from typing import Any

RIGHT = " style='text-align:right'"
"""The alignment of number cells."""

LAST_ENTRIES = 10
"""How many of a ledger's latest entries its display shows."""


def digits(value: Decimal) -> str:
    """A Decimal as plain digits, never in exponent notation."""
    return format(value, "f")


def with_code(value: Any) -> str:
    """A Money as ``"<digits> <code>"``, or an empty string for ``None``."""
    if value is None:
        return ""
    return f"{digits(value.amount)} {value.currency.code}"


def table(
    caption: str,
    head: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    numbers: frozenset[int] = frozenset(),
    foot: Sequence[str] | None = None,
) -> str:
    """An HTML table; ``caption``, ``head``, ``rows`` and ``foot`` are plain
    text (escaped here, ``<br>`` joins the lines of a multi-line cell);
    columns in ``numbers`` are right-aligned."""

    def cells(tag: str, row: Sequence[str]) -> str:
        return "".join(
            f"<{tag}{RIGHT if i in numbers else ''}>"
            + "<br>".join(escape(part) for part in str(value).split("\n"))
            + f"</{tag}>"
            for i, value in enumerate(row)
        )

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    tail = f"<tfoot><tr>{cells('th', foot)}</tr></tfoot>" if foot is not None else ""
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>"
        + "".join(f"<th>{escape(h)}</th>" for h in head)
        + f"</tr></thead><tbody>{body}</tbody>{tail}</table>"
    )


def model_summary(model: Any) -> str:
    """A few words on a price model or percentage line: its kind and its
    first figures (``per unit 0.05``, ``graduated, 3 tiers``)."""
    kind = type(model).__name__
    if hasattr(model, "rate") and hasattr(model, "of"):  # PercentOf
        return f"{digits(model.rate * 100)}% of {', '.join(model.of)}"
    if kind == "PerUnit":
        return f"per unit {digits(model.unit_price.amount)}"
    if kind == "Flat":
        return f"flat {digits(model.amount.amount)}"
    if kind == "Package":
        return f"{digits(model.price_per_package.amount)} per {digits(model.package_size)}"
    tiers = getattr(model, "tiers", None)
    if tiers is not None:
        return f"{kind.lower()}, {len(tiers)} tier{'s' if len(tiers) != 1 else ''}"
    return kind.lower()


def plan_repr(plan: Any) -> str:
    """``<Plan growth-monthly 'Growth' EUR, base 49.00, 2 charges>``."""
    base = "" if plan.base_fee is None else f", base {digits(plan.base_fee.amount)}"
    n = len(plan.charges)
    return (
        f"<Plan {plan.code} {plan.name!r} {plan.currency.code}{base}, "
        f"{n} charge{'s' if n != 1 else ''}>"
    )


def plan_html(plan: Any) -> str:
    """The plan's base fee and charges, one row each, with the model summary."""
    rows: list[tuple[str, ...]] = []
    if plan.base_fee is not None:
        rows.append(("base", plan.name, "", "", "flat", digits(plan.base_fee.amount)))
    for charge in plan.charges:
        model = getattr(charge, "model", charge)
        included = getattr(charge, "included", Decimal(0))
        rows.append(
            (
                charge.code,
                charge.label,
                getattr(charge, "metric", ""),
                digits(included) if included else "",
                model_summary(model),
                "",
            )
        )
    caption = f"{plan.name} ({plan.code}), {plan.cycle}, {plan.currency.code}"
    head = ("line", "description", "metric", "included", "price", "base fee")
    return table(caption, head, rows, numbers=frozenset({3, 5}))


def ledger_repr(ledger: Any) -> str:
    """``<Ledger: main 12.50 EUR; 7 entries>``."""
    balances = "; ".join(f"{name} {with_code(value)}" for name, value in ledger.balances().items())
    n = len(ledger.entries)
    return f"<Ledger: {balances}; {n} {'entry' if n == 1 else 'entries'}>"


def ledger_html(ledger: Any) -> str:
    """The balance of each wallet, then the latest entries (newest last)."""
    balances = table(
        "Balances",
        ("wallet", "balance"),
        ((name, with_code(value)) for name, value in ledger.balances().items()),
        numbers=frozenset({1}),
    )
    entries = list(ledger.entries)[-LAST_ENTRIES:]
    shown = f"last {len(entries)} of {len(ledger.entries)} entries"
    rows = (
        (
            e.at.isoformat(sep=" "),
            e.wallet,
            str(e.kind.value),
            with_code(e.amount),
            e.key,
            e.description or e.reference,
        )
        for e in entries
    )
    head = ("at", "wallet", "kind", "amount", "key", "description")
    return f"<div>{balances}{table(shown, head, rows, numbers=frozenset({3}))}</div>"


def subscription_repr(sub: Any) -> str:
    """``<Subscription sub-1 active on growth-monthly, 2026-03-01..2026-04-01>``."""
    period = "" if sub.cycle is None else f", {sub.cycle}"
    return f"<Subscription {sub.id} {sub.state.value} on {sub.plan.code}{period}>"


def next_action(sub: Any) -> str:
    """What happens next to a subscription, in a few words."""
    if sub.cancelled_on is not None:
        return f"cancelled on {sub.cancelled_on.isoformat()}"
    if sub.overdue:
        return f"{len(sub.overdue)} invoice(s) overdue since {sub.overdue_since.isoformat()}"
    if sub.scheduled is not None:
        to = "no plan" if sub.scheduled.plan is None else sub.scheduled.plan.code
        return f"changes to {to} on {sub.scheduled.effective_on.isoformat()}"
    if sub.state.value == "trial" and sub.trial_ends_on is not None:
        return f"trial ends on {sub.trial_ends_on.isoformat()}"
    if sub.cycle is not None and sub.state.value == "cancelling":
        return f"ends on {sub.cycle.end.isoformat()}"
    if sub.cycle is not None:
        return f"renews on {sub.cycle.end.isoformat()}"
    return ""


def subscription_html(sub: Any) -> str:
    """State, plan, period, the next action and the unpaid invoices."""
    rows = [
        ("state", str(sub.state.value)),
        ("plan", f"{sub.plan.name} ({sub.plan.code})"),
        ("period", "" if sub.cycle is None else str(sub.cycle)),
        ("cycle fee", with_code(sub.cycle_fee)),
        ("next", next_action(sub)),
        ("started on", sub.started_on.isoformat()),
        ("as of", sub.as_of.isoformat()),
    ]
    if sub.state.value == "trial" and sub.trial_ends_on is not None:
        rows.append(("trial ends on", sub.trial_ends_on.isoformat()))
    if sub.cancelled_on is not None:
        rows.append(("cancelled on", sub.cancelled_on.isoformat()))
    rows.extend(
        ("unpaid", f"{i.id}: {with_code(i.amount)}, due {i.due_on.isoformat()}") for i in sub.unpaid
    )
    return table(f"Subscription {sub.id}", ("", ""), rows)


def document_repr(doc: Any) -> str:
    """``<Invoice INV-1 2026-03-31 Seller -> Buyer, 2 lines, gross 119.00 EUR>``."""
    number = doc.number or "(draft)"
    return (
        f"<{type(doc).__name__} {number} {doc.issue_date.isoformat()} "
        f"{doc.seller.name} -> {doc.buyer.name}, {len(doc.lines)} lines, "
        f"gross {with_code(doc.totals.gross)}>"
    )


def document_html(doc: Any) -> str:
    """Number, dates, parties, the lines with their explanation, the totals."""
    dates = [f"issued {doc.issue_date.isoformat()}"]
    for label, name in (("due", "due_date"), ("paid", "paid_on")):
        value = getattr(doc, name, None)
        if value is not None:
            dates.append(f"{label} {value.isoformat()}")
    if doc.period is not None:
        dates.append(f"period {doc.period}")
    caption = (
        f"{type(doc).__name__} {doc.number or '(draft)'}, {', '.join(dates)}: "
        f"{doc.seller.name} to {doc.buyer.name}, {doc.currency.code}"
    )
    rows = (
        (
            str(ln.position),
            "\n".join((ln.description, *ln.explanation)),
            digits(ln.quantity),
            "" if ln.unit_price is None else digits(ln.unit_price.amount),
            digits(ln.net.amount),
            f"{digits(ln.tax_rate * 100)}%",
            digits(ln.tax.amount),
            digits(ln.gross.amount),
        )
        for ln in doc.lines
    )
    t = doc.totals
    foot = (
        "",
        "total",
        "",
        "",
        digits(t.net.amount),
        "",
        digits(t.tax.amount),
        digits(t.gross.amount),
    )
    head = ("#", "description", "quantity", "unit price", "net", "tax rate", "tax", "gross")
    return table(caption, head, rows, numbers=frozenset({2, 3, 4, 5, 6, 7}), foot=foot)


USAGE_ROWS = 20
"""How many of a usage report's rows its display shows."""


def count(n: int, noun: str) -> str:
    """``1 row``, ``2 rows``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _usage_window(report: Any) -> str:
    if report.window is not None:
        return str(report.window)
    if not report.rows:
        return "no periods"
    start = min(row.period.start for row in report.rows)
    end = max(row.period.end for row in report.rows)
    return f"{start.isoformat()}..{end.isoformat()}"


def usage_report_repr(report: Any) -> str:
    """``<UsageReport: 3 rows, 2 customers, meters ['seats'], 2026-03-01..2026-04-01>``,
    with the late events, duplicates and events outside the window when there are any."""
    customers = len({row.customer for row in report.rows})
    meters = [meter.code for meter in report.meters]
    extras = [
        f"{n} {label}"
        for n, label in (
            (len(report.late), "late"),
            (report.duplicates, "duplicate"),
            (report.outside, "outside the window"),
        )
        if n
    ]
    tail = f"; {', '.join(extras)}" if extras else ""
    return (
        f"<UsageReport: {count(len(report.rows), 'row')}, {count(customers, 'customer')}, "
        f"meters {meters!r}, "
        f"{_usage_window(report)}{tail}>"
    )


def usage_report_html(report: Any) -> str:
    """The first :data:`USAGE_ROWS` rows (customer, period, day, groups, one
    column per meter), then what was left out: late events, corrections,
    duplicates and events outside the window."""
    shown = report.rows[:USAGE_ROWS]
    codes = [meter.code for meter in report.meters]
    head = ["customer", "period", *(["day"] if report.daily else []), *report.by, *codes]
    rows = (
        (
            row.customer,
            str(row.period),
            *([row.day.isoformat()] if report.daily else []),
            *("-" if value is None else value for value in row.group.values()),
            *(digits(figure) for figure in row.figures),
        )
        for row in shown
    )
    first = len(head) - len(codes)
    caption = (
        f"Usage, {_usage_window(report)}: "
        + (
            f"first {len(shown)} of {len(report.rows)} rows"
            if len(shown) < len(report.rows)
            else count(len(report.rows), "row")
        )
        + f", {count(len({row.customer for row in report.rows}), 'customer')}"
    )
    figures = table(caption, head, rows, numbers=frozenset(range(first, len(head))))
    notes = [
        f"{count(n, noun)} {what}".rstrip()
        for n, noun, what in (
            (len(report.late), "late event", "left out"),
            (len(report.corrections), "correction", ""),
            (report.duplicates, "duplicate", "dropped"),
            (report.outside, "event", "outside the window"),
        )
        if n
    ]
    tail = f"<p>{escape('; '.join(notes))}</p>" if notes else ""
    return f"<div>{figures}{tail}</div>"
