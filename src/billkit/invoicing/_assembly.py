"""Pricing, taxing, grouping and totalling lines: what every builder shares (private)."""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Final

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit.conventions import TotalRounding
from billkit.errors import InvoicingError
from billkit.invoicing._made import made
from billkit.invoicing.documents import (
    DocumentLine,
    PaymentDetails,
    TaxGroup,
    Totals,
    _Billed,
    _tax_sums,
)
from billkit.invoicing.items import Item, _fmt
from billkit.invoicing.tax import (
    AppliedTax,
    TaxRounding,
    TaxTreatment,
    apply_line_taxes,
    compute_taxes,
)
from billkit.invoicing.terms import DocumentTerms, due_date
from billkit.money import CONTEXT, DEFAULT_ROUNDING, RoundingPolicy, TaxSplit, allocate
from billkit.parties import Party
from billkit.periods import Period

_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)


def _policy(value: object) -> RoundingPolicy:
    return checks.instance("rounding", value, RoundingPolicy, error=InvoicingError)


def _policy_of(original: _Billed, value: object) -> RoundingPolicy:
    """``value``, or when it is None the precision ``original`` was rounded to.

    A document's totals carry the decimals its policy rounded them to, so an
    invoice in whole rials (``RoundingPolicy(minor_units={"IRR": 0})``) has a
    gross total of ``1100000``, not ``1100000.00``: a receipt or credit note
    of part of it is then split in whole rials too, never finer than the
    currency's minor units.
    """
    if value is not None:
        return _policy(value)
    gross = original.totals.gross
    exponent = gross.amount.as_tuple().exponent
    given = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if given >= DEFAULT_ROUNDING.digits(gross.currency):
        return DEFAULT_ROUNDING
    return RoundingPolicy(minor_units={gross.currency.code: given})


def _items(value: object) -> list[Item]:
    items = list(checks.tuple_of("items", value, Item, error=InvoicingError))
    if not items:
        raise InvoicingError("items", items, "at least one item")
    cur = items[0].currency
    for i, item in enumerate(items):
        money = item.amount if item.amount is not None else item.unit_price
        assert money is not None
        checks.same_currency(f"items[{i}]", money, cur, error=InvoicingError)
    return items


@attrs.frozen(kw_only=True)
class _Priced:
    lines: tuple[DocumentLine, ...]
    tax_groups: tuple[TaxGroup, ...]
    totals: Totals
    currency: Currency
    tax_date: date
    period: Period | None


def _price(
    items: object,
    terms: DocumentTerms,
    *,
    issue_date: date,
    prices_include_tax: bool,
    tax_rounding: TaxRounding,
    tax_date: date | None,
    rounding: RoundingPolicy,
) -> _Priced:
    rows = _items(items)
    policy = _policy(rounding)
    taxes = terms.taxes
    day = (
        checks.day("tax_date", tax_date, error=InvoicingError)
        if tax_date is not None
        else checks.day("issue_date", issue_date, error=InvoicingError)
    )
    country = terms.seller.country if terms.tax_country is None else terms.tax_country
    language = terms.locale.split("_")[0]
    cur = rows[0].currency
    amounts: list[Money] = []
    rates: list[Decimal] = []
    keys: list[tuple[str, Decimal, TaxTreatment]] = []
    with decimal.localcontext(CONTEXT):
        for i, item in enumerate(rows):
            if item.amount is not None:
                amount = item.amount
                if policy.round(amount).amount != amount.amount:
                    raise InvoicingError(
                        f"items[{i}].amount",
                        amount,
                        f"a whole number of minor units ({policy.digits(cur)} decimal places)",
                    )
            else:
                assert item.unit_price is not None
                amount = policy.round(Money(item.quantity * item.unit_price.amount, cur))
            if item.taxes:
                if prices_include_tax:
                    raise InvoicingError(
                        f"items[{i}].taxes",
                        [t.name for t in item.taxes],
                        "tax-exclusive prices (prices_include_tax=False) on a line with its own taxes",
                    )
                if tax_rounding is TaxRounding.PER_DOCUMENT:
                    raise InvoicingError(
                        f"items[{i}].taxes",
                        [t.name for t in item.taxes],
                        "per-line tax rounding (tax_rounding='per_line') on a line with its own "
                        "taxes: each is rounded on the line",
                    )
                rate = _ZERO  # computed below, tax by tax
                category = " + ".join(t.name for t in item.taxes)
            elif item.treatment is TaxTreatment.STANDARD:
                rate = taxes.rate(country, item.tax_category, day).rate
                category = item.tax_category
            else:
                rate = _ZERO
                category = (
                    "zero" if item.treatment is TaxTreatment.ZERO_RATED else item.treatment.value
                )
            amounts.append(amount)
            rates.append(rate)
            keys.append((category, rate, item.treatment))
    # lines with their own taxes are taxed below, tax by tax; the others here
    plain = [i for i, item in enumerate(rows) if not item.taxes]
    every = len(plain) == len(rows)
    splits: list[TaxSplit | None] = [None] * len(rows)
    for i, split in zip(
        plain,
        compute_taxes(
            amounts if every else [amounts[i] for i in plain],
            rates if every else [rates[i] for i in plain],
            prices_include_tax=prices_include_tax,
            tax_rounding=tax_rounding,
            groups=keys if every else [keys[i] for i in plain],
            rounding=policy,
        ),
        strict=True,
    ):
        splits[i] = split
    lines = []
    for i, (item, key) in enumerate(zip(rows, keys, strict=True)):
        unit_price = item.unit_price
        if unit_price is None and item.quantity == 1:
            unit_price = amounts[i]
        applied: tuple[AppliedTax, ...] = ()
        if item.taxes:
            applied = apply_line_taxes(amounts[i], item.taxes, rounding=policy)
            with decimal.localcontext(CONTEXT):
                tax = sum((t.amount.amount for t in applied), _ZERO)
                combined = _ZERO  # the combined rate before rounding
                for t in item.taxes:
                    combined += t.rate * (1 + combined) if t.compound else t.rate
            split = TaxSplit(
                net=amounts[i],
                tax=Money(tax, cur),
                gross=Money(amounts[i].amount + tax, cur),
                rate=combined,
            )
            key = (key[0], combined, key[2])
        else:
            found = splits[i]
            assert found is not None
            split = found
        # Every field is the item's (checked when it was made) or computed here: the
        # line is not checked again, only its invariants (_made.py).
        lines.append(
            made(
                DocumentLine,
                position=i + 1,
                description=item.description,
                quantity=item.quantity,
                unit=item.unit,
                unit_price=unit_price,
                net=split.net,
                tax_rate=key[1],
                tax=split.tax,
                gross=split.gross,
                tax_category=key[0],
                treatment=key[2],
                code=item.code,
                explanation=item.explanation,
                period=item.period,
                taxes=applied,
            )
        )
    untaxed = sum(
        (a.amount for a, k in zip(amounts, keys, strict=True) if k[2] in _BOLLO_TREATMENTS),
        _ZERO,
    )

    def note(t: TaxTreatment) -> str:
        return _note(terms, country, language, cur, untaxed, t)

    groups = _group(lines, cur, note)
    periods = {item.period for item in rows}
    totals = _totals(lines, cur)
    if terms.total_rounding is TotalRounding.ROUND_TOTAL:
        totals = _round_total(totals, groups, prices_include_tax, policy)
    return _Priced(
        lines=tuple(lines),
        tax_groups=groups,
        totals=totals,
        currency=cur,
        tax_date=day,
        period=periods.pop() if len(periods) == 1 else None,
    )


def _note(
    terms: DocumentTerms,
    country: str,
    language: str,
    cur: Currency,
    untaxed: Decimal,
    t: TaxTreatment,
) -> str:
    """The legal note of a tax group of treatment ``t`` (``untaxed``: the sum of the
    document's lines without tax, for Italy's stamp duty)."""
    text = terms.taxes.note(country, t, language)
    if country != "IT":
        return text
    buyer_country = terms.buyer.country
    if t is TaxTreatment.REVERSE_CHARGE and buyer_country != "IT" and buyer_country in _EU:
        # intra-EU services cite the Directive; a domestic reverse charge
        # (art. 17 c. 6 DPR 633/72) keeps the table's note
        return _IT_INTRA_EU.get(language, _IT_INTRA_EU["en"])
    if t in _BOLLO_TREATMENTS and cur.code == "EUR" and untaxed > _BOLLO_THRESHOLD:
        text = f"{text} {_BOLLO.get(language, _BOLLO['en'])}".strip()
    return text


def _group(lines: Sequence[DocumentLine], cur: Currency, note_of: object) -> tuple[TaxGroup, ...]:
    sums = _tax_sums(list(lines))
    assert callable(note_of)
    return tuple(
        made(  # sums of lines already made: not checked again (_made.py)
            TaxGroup,
            category=category,
            rate=rate,
            treatment=treatment,
            net=Money(net, cur),
            tax=Money(tax, cur),
            gross=Money(gross, cur),
            note=note_of(treatment),
        )
        for (category, rate, treatment), (net, tax, gross) in sums.items()
    )


def _totals(lines: Sequence[DocumentLine], cur: Currency) -> Totals:
    with decimal.localcontext(CONTEXT):
        net = sum((line.net.amount for line in lines), _ZERO)
        tax = sum((line.tax.amount for line in lines), _ZERO)
        gross = sum((line.gross.amount for line in lines), _ZERO)
    # Sums of lines already made: not checked again (_made.py).
    return made(Totals, net=Money(net, cur), tax=Money(tax, cur), gross=Money(gross, cur))


def _round_total(
    totals: Totals, groups: Sequence[TaxGroup], includes_tax: bool, policy: RoundingPolicy
) -> Totals:
    """Lago's tax total: the rounded sum of each group's unrounded tax."""
    cur = totals.net.currency
    with decimal.localcontext(CONTEXT):
        exact = sum(
            (
                g.gross.amount * g.rate / (1 + g.rate) if includes_tax else g.net.amount * g.rate
                for g in groups
            ),
            _ZERO,
        )
        tax = policy.round_amount(exact, cur)
        diff = tax - totals.tax.amount
        if diff == 0:
            return totals
        net = totals.net.amount - diff if includes_tax else totals.net.amount
        gross = totals.gross.amount if includes_tax else totals.gross.amount + diff
    # The groups' sums moved by the difference stated: not checked again (_made.py).
    return made(
        Totals,
        net=Money(net, cur),
        tax=Money(tax, cur),
        gross=Money(gross, cur),
        rounding_difference=Money(diff, cur),
    )


def _due(issue_date: date, due: date | None, payment_days: int | None) -> date | None:
    if due is not None and payment_days is not None:
        raise InvoicingError("payment_days", payment_days, "None when due_date is given")
    if payment_days is not None:
        return due_date(issue_date, payment_days)
    if due is not None:
        day = checks.day("due_date", due, error=InvoicingError)
        if day < issue_date:
            raise InvoicingError(
                "due_date", day, f"a day on or after the issue date ({issue_date})"
            )
        return day
    return None


def _payment(value: PaymentDetails | None, seller: Party) -> PaymentDetails | None:
    if value is not None:
        return value
    return PaymentDetails(bank=seller.bank) if seller.bank is not None else None


# Italy: a reverse charge on services to a business elsewhere in the EU cites
# art. 7-ter DPR 633/72 and art. 196 of Directive 2006/112/EC; an invoice
# without VAT above EUR 77.47 bears the EUR 2.00 stamp duty (imposta di bollo,
# art. 13 of the tariff of DPR 642/72), paid virtually (D.M. 17 June 2014).
_EU: Final = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
_IT_INTRA_EU: Final = {
    "en": "Reverse charge: VAT to be accounted for by the customer (art. 7-ter DPR 633/72,"
    " art. 196 Directive 2006/112/EC).",
    "it": "Inversione contabile: IVA a carico del committente (art. 7-ter DPR 633/72,"
    " art. 196 Direttiva 2006/112/CE)",
}
_BOLLO_TREATMENTS: Final = frozenset(
    {TaxTreatment.EXEMPT, TaxTreatment.ZERO_RATED, TaxTreatment.NOT_SUBJECT}
)
_BOLLO_THRESHOLD: Final = Decimal("77.47")
_BOLLO: Final = {
    "en": "Stamp duty of EUR 2.00 paid virtually (D.M. 17 June 2014).",
    "it": "Imposta di bollo di € 2,00 assolta in modo virtuale ai sensi del D.M. 17 giugno 2014.",
}

_PARTIAL: Final = {
    "en": "Partial credit of {kind} {number}",
    "ru": "Частичный возврат по документу № {number}",
    "uk": "Часткове повернення за документом № {number}",
    "it": "Nota di credito parziale per {number}",
    "fa": "اعتبار جزئی سند {number}",
}


def _share(
    value: Decimal, part: Decimal, whole: Decimal, cur: Currency, policy: RoundingPolicy
) -> Decimal:
    """``value x part / whole`` rounded, never beyond ``value`` in size."""
    if part == whole:
        return value
    share = policy.round_amount(value * part / whole, cur)
    return min(share, value) if value >= 0 else max(share, value)


def _note_like(original: _Billed, treatment: TaxTreatment) -> str:
    for group in original.tax_groups:
        if group.treatment is treatment:
            return group.note
    return ""  # pragma: no cover - credit lines come from the original's groups


def _sums(lines: Sequence[DocumentLine]) -> dict[tuple[str, Decimal, TaxTreatment], list[Decimal]]:
    return _tax_sums(list(lines))


def _credit_amount(
    original: _Billed,
    amount: Money,
    left: dict[tuple[str, Decimal, TaxTreatment], list[Decimal]],
    description: str | None,
    locale: str,
    policy: RoundingPolicy,
) -> list[DocumentLine]:
    cur = original.currency
    checks.money("amount", amount, cur, error=InvoicingError)
    if any(line.taxes for line in original.lines):
        raise InvoicingError(
            "amount",
            amount,
            f"None: {original.number} has lines with their own taxes, credited or paid "
            "by whole lines (lines=[...]) only",
        )
    if amount.amount <= 0 or policy.round(amount).amount != amount.amount:
        raise InvoicingError("amount", amount, "an amount above zero, in whole minor units")
    keys = [k for k, v in left.items() if v[2] > 0]
    available = sum((left[k][2] for k in keys), _ZERO)
    if amount.amount > available:
        raise InvoicingError(
            "amount",
            amount,
            f"at most {_fmt(available)} {cur.code}: what is left of {original.number} "
            "after earlier credit notes",
        )
    parts = allocate(amount, [left[k][2] for k in keys], policy)
    language = locale.split("_")[0]
    text = description or _PARTIAL.get(language, _PARTIAL["en"]).format(
        kind=type(original).__name__.lower(), number=original.number
    )
    from billkit.invoicing._explain import Explainer  # babel loads with the first such line

    explainer = Explainer(locale, cur.code)
    made: list[DocumentLine] = []
    for key, part in zip(keys, parts, strict=True):
        if not part.amount:
            continue
        net_left, tax_left, gross_left = left[key]
        tax = _share(tax_left, part.amount, gross_left, cur, policy)
        net = part.amount - tax
        if net > net_left:  # pragma: no cover - cannot happen: see _share
            raise InvoicingError("amount", amount, f"at most {net_left} of net at {key[1]}")
        made.append(
            DocumentLine(
                position=len(made) + 1,
                description=text,
                quantity=_ONE,
                unit_price=Money(part.amount if original.prices_include_tax else net, cur),
                net=Money(net, cur),
                tax_rate=key[1],
                tax=Money(tax, cur),
                gross=part,
                tax_category=key[0],
                treatment=key[2],
                explanation=(explainer.left(part.amount, gross_left, key[1]),),
            )
        )
    return made
