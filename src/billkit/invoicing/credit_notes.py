"""Credit notes: refunds and corrections of issued documents, never above
what is left of the original, per line and per tax rate.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.parties import Party
>>> from billkit.invoicing import DocumentTerms, Item, build_invoice
>>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="IT", name="Chat S.r.l."),
...                       buyer=Party(kind="legal_entity", country="IT", name="Cliente S.p.A."),
...                       rules=None)
>>> inv = build_invoice([Item(description="Growth", unit_price=Money("100.00", "EUR"))],
...                     terms, issue_date=date(2026, 3, 1), number="7")
>>> build_credit_note(inv, number="NC-1", issue_date=date(2026, 3, 5)).totals.gross
Money('122.00', 'EUR')
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Final

from moneyed import Money

from billkit import _checks as checks
from billkit.errors import InvoicingError
from billkit.invoicing._assembly import (
    _credit_amount,
    _group,
    _note_like,
    _policy_of,
    _share,
    _sums,
    _totals,
)
from billkit.invoicing.documents import Act, CreditNote, DocumentLine, Invoice, Receipt, _Billed
from billkit.invoicing.items import _fmt, _pct
from billkit.invoicing.tax import TaxTreatment
from billkit.money import CONTEXT, RoundingPolicy

__all__ = ["build_credit_note", "termination_refund"]

_ZERO: Final = Decimal(0)


def _credited(
    previous: Sequence[CreditNote], original: _Billed
) -> tuple[dict[int, list[Decimal]], dict[tuple[str, Decimal, TaxTreatment], list[Decimal]]]:
    """What earlier credit notes took: per original line (quantity, net, tax,
    gross) and per tax group (net, tax, gross)."""
    ref = original.ref
    per_line: dict[int, list[Decimal]] = {}
    per_group: dict[tuple[str, Decimal, TaxTreatment], list[Decimal]] = {}
    if isinstance(previous, (str, bytes)) or not isinstance(previous, Iterable):
        raise InvoicingError("previous", previous, "a sequence of CreditNote")
    seen: set[str | None] = set()
    for i, note in enumerate(previous):
        if not isinstance(note, CreditNote):
            raise InvoicingError(f"previous[{i}]", note, "a CreditNote")
        if note.corrects != ref:
            raise InvoicingError(
                f"previous[{i}].corrects", note.corrects, f"a reference to {ref.number}"
            )
        if note.number in seen:
            raise InvoicingError(f"previous[{i}].number", note.number, "each credit note once")
        seen.add(note.number)
        for line in note.lines:
            key = (line.tax_category, line.tax_rate, line.treatment)
            acc = per_group.setdefault(key, [_ZERO, _ZERO, _ZERO])
            acc[0] += line.net.amount
            acc[1] += line.tax.amount
            acc[2] += line.gross.amount
            if line.corrects_line is not None:
                lacc = per_line.setdefault(line.corrects_line, [_ZERO, _ZERO, _ZERO, _ZERO])
                lacc[0] += line.quantity
                lacc[1] += line.net.amount
                lacc[2] += line.tax.amount
                lacc[3] += line.gross.amount
    return per_line, per_group


def build_credit_note(
    original: Invoice | Act | Receipt,
    *,
    number: str | None,
    issue_date: date,
    reason: str = "",
    lines: Mapping[int, object] | Sequence[int] | None = None,
    amount: Money | None = None,
    previous: Sequence[CreditNote] = (),
    description: str | None = None,
    locale: str | None = None,
    notes: Sequence[str] | str = (),
    rounding: RoundingPolicy | None = None,
) -> CreditNote:
    """A credit note refunding or correcting an issued ``original``.

    Three ways to say what is credited:

    * neither ``lines`` nor ``amount``: everything not yet credited (a full
      refund, a voided sale);
    * ``lines``: the positions of the original lines to credit in full, or a
      mapping of position to the quantity to credit (3 of 5 months); a
      partial quantity credits that share of the line's amounts;
    * ``amount``: a gross amount (tax included) spread over the original's
      tax rates in proportion to what is left of each (a partial refund).

    ``previous`` are the credit notes already issued against ``original``:
    nothing is ever credited beyond what is left of a line, of a tax rate or
    of the whole document, whatever the order of the credits; a request for
    more is refused. The credit note has the original's parties, currency,
    locale and tax rates; amounts are positive, rounded by ``rounding``, by
    default to the original's own precision (whole rials for an invoice
    built in whole rials).

    >>> from billkit.parties import Party
    >>> from billkit.invoicing import DocumentTerms, Item, build_invoice
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="IT", name="Chat S.r.l."),
    ...                       buyer=Party(kind="legal_entity", country="IT", name="Cliente S.p.A."),
    ...                       rules=None)
    >>> inv = build_invoice([Item(description="Growth", unit_price=Money("100.00", "EUR"))],
    ...                     terms, issue_date=date(2026, 3, 1), number="7")
    >>> first = build_credit_note(inv, number="NC-1", issue_date=date(2026, 3, 5),
    ...                           amount=Money("61.00", "EUR"), reason="goodwill")
    >>> first.totals   # 61.00 of 122.00: half of the net and of the tax
    Totals(net=Money('50.00', 'EUR'), tax=Money('11.00', 'EUR'), gross=Money('61.00', 'EUR'))
    >>> build_credit_note(inv, number="NC-2", issue_date=date(2026, 3, 6),
    ...                   amount=Money("61.01", "EUR"), previous=[first])
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: amount = Money('61.01', 'EUR'): expected at most 61.00 EUR: what is left of 7 after earlier credit notes
    """
    if not isinstance(original, (Invoice, Act, Receipt)):
        raise InvoicingError("original", original, "an issued Invoice, Act or Receipt")
    if original.number is None:
        raise InvoicingError(
            "original.number", None, "an issued document (a draft is not credited)"
        )
    day = checks.day("issue_date", issue_date, error=InvoicingError)
    if day < original.issue_date:
        raise InvoicingError(
            "issue_date", day, f"a day on or after the original's ({original.issue_date})"
        )
    if lines is not None and amount is not None:
        raise InvoicingError("amount", amount, "None when lines are given")
    policy = _policy_of(original, rounding)
    cur = original.currency
    loc = original.locale if locale is None else locale
    made: list[DocumentLine] = []
    with decimal.localcontext(CONTEXT):
        per_line, per_group = _credited(previous, original)
        left_groups: dict[tuple[str, Decimal, TaxTreatment], list[Decimal]] = {}
        for group in original.tax_groups:
            used = per_group.get(group.key, [_ZERO, _ZERO, _ZERO])
            left_groups[group.key] = [
                group.net.amount - used[0],
                group.tax.amount - used[1],
                group.gross.amount - used[2],
            ]
        if amount is not None:
            made = _credit_amount(original, amount, left_groups, description, loc, policy)
        else:
            wanted = _wanted(original, lines)
            for pos, qty in wanted:
                line = original.lines[pos - 1]
                used = per_line.get(pos, [_ZERO, _ZERO, _ZERO, _ZERO])
                left = [
                    line.quantity - used[0],
                    line.net.amount - used[1],
                    line.tax.amount - used[2],
                    line.gross.amount - used[3],
                ]
                q = left[0] if qty is None else qty
                if lines is None and not any(left[1:]):
                    continue
                if q <= 0 or q > left[0] or (not any(left[1:]) and line.gross.amount):
                    raise InvoicingError(
                        f"lines[{pos}]",
                        _fmt(q),
                        f"a quantity above zero and at most {_fmt(left[0])}: "
                        f"what is left of line {pos} of {original.number}",
                    )
                if line.taxes and (q != line.quantity or any(used)):
                    raise InvoicingError(
                        f"lines[{pos}]",
                        _fmt(q),
                        f"the whole line {pos} of {original.number}: a line with its own taxes "
                        "is credited whole, once",
                    )
                net = _share(left[1], q, left[0], cur, policy)
                tax = _share(left[2], q, left[0], cur, policy)
                made.append(
                    DocumentLine(
                        position=len(made) + 1,
                        description=line.description,
                        quantity=q,
                        unit=line.unit,
                        unit_price=line.unit_price,
                        net=Money(net, cur),
                        tax_rate=line.tax_rate,
                        tax=Money(tax, cur),
                        gross=Money(net + tax, cur),
                        tax_category=line.tax_category,
                        treatment=line.treatment,
                        code=line.code,
                        explanation=line.explanation,
                        period=line.period,
                        corrects_line=pos,
                        taxes=line.taxes,
                    )
                )
            # Per tax rate too: an earlier credit by amount may have used it.
            for key, lg in _sums(made).items():
                left = left_groups[key]
                for j, name in enumerate(("net", "tax", "gross")):
                    if abs(lg[j]) > abs(left[j]):
                        raise InvoicingError(
                            "lines",
                            sorted(pos for pos, _ in wanted),
                            f"at most {_fmt(left[j])} {cur.code} of {name} at "
                            f"{_pct(key[1])}%: what is left of {original.number}",
                        )
    if not made:
        raise InvoicingError(
            "original", original.number, "a document with something left to credit"
        )
    if not any(line.gross.amount for line in made):
        # Only free lines were asked for: a credit note of nothing credits nothing.
        raise InvoicingError(
            "lines",
            sorted(line.corrects_line or 0 for line in made),
            "lines with an amount to credit (these lines are free)",
        )
    groups = _group(made, cur, lambda t: _note_like(original, t))
    return CreditNote(
        number=number,
        issue_date=day,
        seller=original.seller,
        buyer=original.buyer,
        currency=cur,
        locale=loc,
        lines=made,
        tax_groups=groups,
        totals=_totals(made, cur),
        prices_include_tax=original.prices_include_tax,
        tax_rounding=original.tax_rounding,
        tax_date=original.tax_date or original.issue_date,
        period=original.period,
        notes=notes,
        payment=None,
        references=(),
        corrects=original.ref,
        facsimile=original.facsimile,
        reason=reason,
    )


def _wanted(original: _Billed, lines: object) -> list[tuple[int, Decimal | None]]:
    count = len(original.lines)
    if lines is None:
        return [(pos, None) for pos in range(1, count + 1)]
    pairs: list[tuple[object, object]]
    if isinstance(lines, Mapping):
        pairs = list(lines.items())
    elif isinstance(lines, (str, bytes)) or not isinstance(lines, Iterable):
        raise InvoicingError("lines", lines, "line positions, or a mapping of position to quantity")
    else:
        pairs = [(pos, None) for pos in lines]
    if not pairs:
        raise InvoicingError("lines", lines, "at least one line position")
    result: list[tuple[int, Decimal | None]] = []
    for pos, qty in pairs:
        pos = checks.whole("lines", pos, low=1, high=count, error=InvoicingError)
        if any(p == pos for p, _ in result):
            raise InvoicingError("lines", pos, "each position once")
        result.append(
            (
                pos,
                None if qty is None else checks.decimal(f"lines[{pos}]", qty, error=InvoicingError),
            )
        )
    return result


def termination_refund(creditable: Money, *, paid: Money, used: Money) -> tuple[Money, Money]:
    """Split the credit for an early termination into a refund and account credit.

    ``creditable`` is what the unused part of the period is worth (tax
    included), ``paid`` what was actually paid for the period's fee and
    ``used`` what the used part is worth. The refund is what was paid beyond
    the part used, ``paid - used``, never below zero nor above
    ``creditable``; the rest of ``creditable`` is kept as the customer's
    credit (Lago's termination credit note with ``on_termination: refund``).
    Returns ``(refund, credit)``, adding up to ``creditable``. billkit's
    default credit note refunds what the caller asks for; this is the split
    to ask for when only money received may go back.

    Lago's spec ``create_from_termination_spec.rb``: 19.20 creditable, 18.00
    used; paid 37.20 refunds it all, paid 27.90 refunds 9.90 and keeps 9.30,
    paid 4.65 refunds nothing:

    >>> eur = lambda amount: Money(amount, "EUR")
    >>> termination_refund(eur("19.20"), paid=eur("27.90"), used=eur("18.00"))
    (Money('9.90', 'EUR'), Money('9.30', 'EUR'))
    >>> termination_refund(eur("19.20"), paid=eur("4.65"), used=eur("18.00"))
    (Money('0.00', 'EUR'), Money('19.20', 'EUR'))
    """
    whole = checks.money("creditable", creditable, error=InvoicingError)
    cur = whole.currency
    got = checks.money("paid", paid, error=InvoicingError)
    spent = checks.money("used", used, error=InvoicingError)
    checks.same_currency("paid", got, cur, error=InvoicingError)
    checks.same_currency("used", spent, cur, error=InvoicingError)
    for name, value in (("creditable", whole), ("paid", got), ("used", spent)):
        if value.amount < 0:
            raise InvoicingError(name, value, "an amount of zero or more")
    with decimal.localcontext(CONTEXT):
        none = whole.amount - whole.amount  # zero in the amount's minor units
        refund = min(max(got.amount - spent.amount, none), whole.amount)
        credit = whole.amount - refund
    return Money(refund, cur), Money(credit, cur)
