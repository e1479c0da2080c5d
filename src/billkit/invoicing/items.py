"""What to bill: :class:`Item`, items from quotes and ledger expenses, and
coupons on any list of items (:func:`discount_items`).

An :class:`Item` is one line before tax; the builders of
:mod:`billkit.invoicing.builders` price, tax and total them.
:func:`items_from_quote` turns a quote (or a discounted quote) into items,
each with the explanation of its amount; :func:`items_from_expenses` turns the
ledger's expense rows into items whose amounts add up to their rounded total.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, Final

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit.credit.ledger import Expense
from billkit.errors import InvoicingError, ValidationError
from billkit.invoicing._made import made
from billkit.invoicing.tax import LineTax, TaxTreatment
from billkit.money import CONTEXT, DEFAULT_ROUNDING, LIMIT, RoundingPolicy, allocate, in_range
from billkit.periods import Period
from billkit.pricing.discounts import AppliedDiscount, Coupon, DiscountedQuote, take_off
from billkit.pricing.models import Flat, Percentage, Step
from billkit.pricing.plans import BASE_FEE_CODE, Charge, PercentOf, Plan, _translated
from billkit.pricing.quote import Quote, QuoteLine

if TYPE_CHECKING:
    from billkit.invoicing._explain import Explainer

__all__ = ["DiscountedItems", "Item", "discount_items", "items_from_expenses", "items_from_quote"]

_ZERO: Final = Decimal(0)
_ONE: Final = Decimal(1)
# A line bills something: no negative quantity, price or amount. A discount is
# priced into the line (billkit.pricing discounts: the item shows the discounted
# amount and explains it); a correction after issue is a credit note.
_PLUS: Final = checks.options(sign="zero_or_more")
_COUNT: Final = checks.options(low=0, noun="quantity")


@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)
class Item:
    """What to bill on one line, before tax.

    Give a ``unit_price`` (the line is ``quantity x unit_price``, rounded to
    the minor unit) or the line's ``amount`` when it is already computed (a
    quote's line: its ``unit_price`` may then be shown for reference, or be
    ``None`` when no single price applies). Prices are tax-exclusive or
    inclusive as the document says. ``tax_category`` picks the rate from the
    tax table (``'standard'``, ``'reduced'``...); ``treatment`` marks
    zero-rated, exempt, reverse-charge and not-subject lines. Quantity, unit
    price and amount are zero or more: a discount is priced into the line
    (:mod:`billkit.pricing` discounts), a correction is a credit note.

    ``taxes`` gives the line its own taxes instead of the table's rate:
    several (a state and a city tax, GST and QST, VAT and a levy), in order,
    each a :class:`~billkit.invoicing.tax.LineTax` (some compound), or one
    ad-hoc rate that needs no :class:`~billkit.invoicing.tax.TaxTable` row;
    ``tax_category`` is then not used. Such a line is priced tax-exclusive
    and its taxes are rounded each on their own
    (:func:`~billkit.invoicing.tax.apply_line_taxes`).

    >>> from datetime import date
    >>> Item(description="Extra contacts, 3 blocks of 100", quantity=3, unit="block",
    ...      unit_price=Money("15.00", "EUR")).quantity
    Decimal('3')
    >>> Item(description="Nothing")
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: unit_price = None: expected a unit price or an amount for line 'Nothing'
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    description: str = attrs.field(converter=checks.TEXT)
    unit_price: Money | None = attrs.field(default=None, converter=checks.MONEY, metadata=_PLUS)
    quantity: Decimal = attrs.field(default=_ONE, converter=checks.DECIMAL, metadata=_COUNT)
    amount: Money | None = attrs.field(default=None, converter=checks.MONEY, metadata=_PLUS)
    unit: str = attrs.field(default="", converter=checks.FREE_TEXT)
    tax_category: str = attrs.field(default="standard", converter=checks.TEXT)
    treatment: TaxTreatment = attrs.field(default=TaxTreatment.STANDARD, converter=checks.MEMBER)
    code: str = attrs.field(default="", converter=checks.FREE_TEXT)
    explanation: tuple[str, ...] = attrs.field(default=(), converter=checks.TEXTS)
    period: Period | None = attrs.field(default=None, converter=checks.INSTANCE)
    taxes: tuple[LineTax, ...] = attrs.field(default=(), converter=checks.TUPLE)

    def __attrs_post_init__(self) -> None:
        if self.taxes:
            if self.treatment is not TaxTreatment.STANDARD:
                raise InvoicingError(
                    "taxes",
                    [t.name for t in self.taxes],
                    f"no taxes on a line of treatment {self.treatment.value} ({self.description!r})",
                )
            names = [t.name for t in self.taxes]
            if len(set(names)) != len(names):
                raise InvoicingError("taxes", names, "each tax once on a line")
        if self.unit_price is None and self.amount is None:
            raise InvoicingError(
                "unit_price", None, f"a unit price or an amount for line {self.description!r}"
            )
        if (
            self.unit_price is not None
            and CONTEXT.multiply(self.quantity, self.unit_price.amount) >= LIMIT
        ):
            raise InvoicingError(
                "quantity",
                self.quantity,
                f"a quantity whose line at {self.unit_price.amount} stays below 10**18 "
                "(docs/limits.md)",
            )
        if self.unit_price is not None and self.amount is not None:
            checks.same_currency(
                "unit_price", self.unit_price, self.amount.currency, error=InvoicingError
            )

    @property
    def currency(self) -> Currency:
        """The currency of the item's amount or unit price."""
        money = self.amount if self.amount is not None else self.unit_price
        assert money is not None
        return money.currency


def _fmt(value: Decimal) -> str:
    return format(value, "f")


def _pct(rate: Decimal) -> str:
    return format(CONTEXT.multiply(rate, 100).normalize(CONTEXT), "f")


def _plain_explanation(line: QuoteLine, names: Mapping[str, str] | None = None) -> list[str]:
    """How a quote line's amount was reached, in plain English (no locale): the
    free units taken off, the breakdown's note, each step, in the quote's words
    and numbers with the signs every document's explanations print (``×``,
    ``−``: the label catalog's ``explain_step``, ``explain_included``); a
    percentage of several lines names them by ``names`` (the document's names
    by code, :func:`_document_names`; without it, by code). Shared with the
    compiled invoice (_template.py), so both write the same words."""
    explanation = []
    if line.included:
        explanation.append(
            f"{_fmt(line.quantity)} − {_fmt(line.included)} included = {_fmt(line.billable)}"
        )
    breakdown = line.breakdown
    if breakdown.note:
        explanation.append(breakdown.note)
    source = line.source
    if names and isinstance(source, PercentOf) and len(source.of) > 1:
        explanation.extend(
            _step_text(step, _percent_of_named(step.label, source.of, names))
            for step in breakdown.steps
        )
    else:
        explanation.extend(_step_text(step, step.label) for step in breakdown.steps)
    return explanation


def _percent_of_named(label: str, codes: Sequence[str], names: Mapping[str, str]) -> str:
    """A percentage of several lines' label (``pricing.quote``'s ``"1% of base +
    card"``, the lines ``codes``) with the lines named by ``names`` (code -> the
    document's name; a line it does not name, by its code): ``"1% of Pro +
    Card payments"``."""
    pct, sep, _ = label.partition("% of ")
    if not sep:  # pragma: no cover - pricing.quote writes every such label so
        return label
    return f"{pct}% of {' + '.join(names.get(code, code) for code in codes)}"


def _step_text(step: Step, label: str) -> str:
    """``str(step)`` (the quote's ``units x price = amount``) with the signs of a
    document, and ``label``: ``label: units × price [+ fee] = amount``."""
    text = f"{label}: {_fmt(step.units)} × {_fmt(step.unit_price.amount)}"
    if step.flat_fee.amount:
        text += f" + {_fmt(step.flat_fee.amount)}"
    return f"{text} = {_fmt(step.amount.amount)}"


def _explained_in(line: QuoteLine, explainer: Explainer, names: Mapping[str, str]) -> list[str]:
    """:func:`_plain_explanation` in ``explainer``'s language and numbers (the
    label catalog's words): what ``items_from_quote(..., locale=...)`` writes,
    and billing's documents in a language other than English
    (:func:`_explained`). ``names``: the document's lines' names by code
    (:func:`_document_names`), by which a percentage of several lines names
    the lines it sums. Shared with the compiled invoice (_template.py)."""
    explanation = []
    if line.included:
        explanation.append(explainer.included(line.quantity, line.included, line.billable))
    if line.breakdown.note:
        explanation.append(explainer.note(line.breakdown.note))
    explanation.extend(explainer.step(step, names) for step in line.steps)
    return explanation


def _document_names(quote: Quote, names: Mapping[str, str]) -> dict[str, str]:
    """Each line of ``quote`` by code -> its name on a document naming the lines
    ``names`` names as those say (:func:`_names_in`) and any other by its quote
    line's description: how a percentage of several lines names the lines it
    sums (:func:`_explained_in`)."""
    return {line.code: names.get(line.code, line.description) for line in quote.lines}


def _explainer_in(locale: str, currency: str) -> Explainer | None:
    """The :class:`~billkit.invoicing._explain.Explainer` billing's documents in
    ``locale`` explain their lines with (:func:`_explained`); ``None`` for
    English and for a language without labels (the plain English of
    :func:`_plain_explanation`, as before)."""
    from billkit.invoicing._explain import Explainer
    from billkit.invoicing.render.model import LANGUAGES

    language = locale.replace("-", "_").split("_")[0].lower()
    if language == "en" or language not in LANGUAGES:
        return None
    return Explainer(locale, currency)


def _shown(line: QuoteLine) -> tuple[Decimal, Money | None]:
    """The quantity and unit price an item shows for a quote line: a unit price
    only where quantity x price is the line's exact amount; a flat, percentage
    or base-fee line is one unit of its amount, a package or graduated line
    shows its billable units and leaves the price to the explanation."""
    whole = isinstance(line.source, (Percentage, PercentOf, Flat)) or line.kind == "base"
    quantity = _ONE if whole else line.billable
    unit_price = line.unit_price
    if unit_price is not None and (
        CONTEXT.multiply(quantity, unit_price.amount) != line.exact.amount
    ):
        unit_price = None
    return quantity, unit_price


def items_from_quote(
    quote: Quote | DiscountedQuote,
    *,
    tax_category: str = "standard",
    treatment: TaxTreatment | str = TaxTreatment.STANDARD,
    drop_zero: bool = False,
    locale: str | None = None,
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[Item, ...]:
    """A quote's lines as items, each with its explanation and the quote's period.

    The line amounts are the quote's (already rounded under the plan's
    policy); the explanation keeps how each was reached (free units taken
    off, the tiers or steps, a discount). A :class:`~billkit.pricing.DiscountedQuote`
    gives its discounted amounts. A line shows a unit price only where
    quantity times price is its exact amount (per-unit and volume lines);
    flat, percentage and base-fee lines are one unit of their amount. With
    ``drop_zero``, lines that bill nothing are left out.

    >>> from datetime import date
    >>> from billkit.periods import Period
    >>> from billkit.pricing import Charge, Plan, PerUnit, quote
    >>> plan = Plan(code="email-start", name="Email Start", currency="UAH",
    ...             base_fee=Money("300.00", "UAH"),
    ...             charges=[Charge(code="emails", metric="emails_sent", included=2500,
    ...                             description="Promotional emails",
    ...                             model=PerUnit(unit_price=Money("0.125", "UAH")))])
    >>> q = quote(plan, {"emails_sent": 4001}, Period(date(2026, 3, 1), date(2026, 4, 1)))
    >>> for item in items_from_quote(q):
    ...     print(item.description, item.quantity, item.unit_price.amount, item.amount.amount)
    ...     print("   ", item.explanation)
    Email Start 1 300.00 300.00
        ('base fee: 1 × 300.00 = 300.00',)
    Promotional emails 1501 0.125 187.63
        ('4001 − 2500 included = 1501', 'per unit: 1501 × 0.125 = 187.625')

    With ``locale`` (the document's), the explanations use the label catalog's
    words and the locale's numbers, with no trailing zero beyond the minor
    unit, and each line is named in that language: ``names`` maps a charge
    code (``"base"`` for the base fee) to its name per language. A line
    without one there is named as :meth:`Charge.name_in
    <billkit.pricing.Charge.name_in>` names its charge (the one place that
    gives the order), the base fee's as :meth:`Plan.name_in
    <billkit.pricing.Plan.name_in>` names the plan; a line with no name and no description is refused,
    rather than printing its code. Billing's documents
    (:func:`billkit.billing.plan_documents`) name their lines the same way,
    by their terms' locale (:func:`_names_in`).

    >>> [(i.description, i.explanation) for i in items_from_quote(
    ...     q, locale="uk_UA", names={"base": {"uk": "Email Start, березень"},
    ...                               "emails": {"uk": "Розсилки"}})]  # doctest: +NORMALIZE_WHITESPACE
    [('Email Start, березень', ('абонентська плата: 1 × 300,00 = 300,00',)),
     ('Розсилки', ('4\xa0001 − 2\xa0500 включено = 1\xa0501', 'за одиницю: 1\xa0501 × 0,125 = 187,625'))]
    >>> bare = Plan(code="api", name="API", currency="UAH",
    ...             charges=[Charge(code="calls", metric="calls", model=PerUnit(unit_price=Money("0.01", "UAH")))])
    >>> items_from_quote(quote(bare, {"calls": 5}, q.period), locale="uk")
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: names['calls']['uk'] = None: expected a name for charge 'calls' in uk (it has no description to print)
    """
    discounted: dict[str, tuple[Money, Money]] = {}
    if isinstance(quote, DiscountedQuote):
        for dline in quote.lines:
            discounted[dline.code] = (dline.net, dline.discount)
        base = quote.quote
    elif isinstance(quote, Quote):
        base = quote
    else:
        raise InvoicingError("quote", quote, "a Quote or a DiscountedQuote")
    checks.flag("drop_zero", drop_zero, error=InvoicingError)
    explainer = None
    language = shown_in = ""
    if locale is not None:
        from billkit.invoicing._explain import Explainer
        from billkit.invoicing.render.model import LANGUAGES

        shown_in = checks.locale("locale", locale, error=InvoicingError)
        language = locale.replace("-", "_").split("_")[0].lower()
        if language not in LANGUAGES:
            raise InvoicingError("locale", locale, f"a locale of one of {', '.join(LANGUAGES)}")
        explainer = Explainer(locale, base.currency.code)
    if names is not None and not isinstance(names, Mapping):
        raise InvoicingError("names", names, "a mapping of charge code -> {language: name}")
    table: Mapping[str, Mapping[str, str]] = names or {}
    # The plan's own names of its charges, per locale (Charge.names).
    plan_names = {c.code: c.names for c in base.plan.charges if isinstance(c, Charge) and c.names}
    if base.plan.names:  # and of itself, for its base fee's line (Plan.names)
        plan_names[BASE_FEE_CODE] = base.plan.names
    # The caller's options, checked once for all the lines (as Item would check them).
    category = checks.text("tax_category", tax_category, error=InvoicingError)
    kind = checks.member("treatment", treatment, kind=TaxTreatment, error=InvoicingError)

    def described(line: QuoteLine) -> str:
        # the line's name on a document in the locale's language: the caller's
        # name, the plan's name of its charge, or its description
        per_code = table.get(line.code, {})
        if not isinstance(per_code, Mapping):
            raise InvoicingError(f"names[{line.code!r}]", per_code, "a mapping of language -> name")
        name = per_code.get(language)
        if name is not None:
            return checks.text(f"names[{line.code!r}][{language!r}]", name, error=InvoicingError)
        own = _translated(plan_names.get(line.code), shown_in)
        if own is not None:
            return own  # the plan's name of the charge (checked by Charge)
        if line.description == line.code:
            raise InvoicingError(
                f"names[{line.code!r}][{language!r}]",
                None,
                f"a name for charge {line.code!r} in {language} (it has no description to print)",
            )
        return line.description

    # Each line's name on the document, in a first pass: a percentage of several
    # lines names the lines it sums so (_explained_in, _plain_explanation).
    if explainer is not None:
        named = {line.code: described(line) for line in base.lines}
    else:
        named = {line.code: line.description for line in base.lines}
    items = []
    for line in base.lines:
        amount = line.amount
        explanation: list[str] = []
        description = line.description
        if explainer is not None:
            description = named[line.code]
            explanation.extend(_explained_in(line, explainer, named))
        else:
            explanation.extend(_plain_explanation(line, named))
        if line.code in discounted:
            amount, discount = discounted[line.code]
            if discount.amount:
                explanation.append(
                    explainer.discount(discount, line.amount, amount)
                    if explainer is not None
                    else f"discount −{_fmt(discount.amount)}: {_fmt(line.amount.amount)} → "
                    f"{_fmt(amount.amount)}"
                )
        if drop_zero and not amount.amount:
            continue
        quantity, unit_price = _shown(line)
        fields = {
            "description": description,
            "quantity": quantity,
            "unit_price": unit_price,
            "amount": amount,
            "tax_category": category,
            "treatment": kind,
            "code": line.code,
            "explanation": tuple(explanation),
            "period": base.period,
        }
        # The fields come from the quote and its plan, checked when they were made,
        # and the caller's options, checked above: not checked again (_made.py),
        # unless an amount or a description the Item would refuse needs its error.
        if in_range(amount.amount) and description and description.strip() == description:
            items.append(made(Item, **fields))
        else:
            items.append(Item(**fields))
    return tuple(items)


def _names_in(plan: Plan, locale: str) -> dict[str, str]:
    """The lines of ``plan`` a document in ``locale`` names otherwise than its
    quote does: charge code -> :meth:`Charge.name_in <billkit.pricing.Charge.name_in>`,
    and ``"base"`` (the base fee's line) -> :meth:`Plan.name_in
    <billkit.pricing.Plan.name_in>` (the lines without a name for the locale
    are left out). Worked out once per plan and locale by billing's compiled
    invoices (``_template.py``), once per document by its general path
    (:func:`_named`).

    >>> from billkit.pricing import PerUnit, Plan
    >>> plan = Plan(code="api", name="API", currency="EUR", base_fee=Money("9.00", "EUR"),
    ...             names={"ru": "АПИ"}, charges=[
    ...     Charge(code="calls", metric="calls", description="Calls", names={"ru": "Звонки"},
    ...            model=PerUnit(unit_price=Money("0.01", "EUR")))])
    >>> _names_in(plan, "ru_RU"), _names_in(plan, "en")
    ({'base': 'АПИ', 'calls': 'Звонки'}, {})
    """
    out: dict[str, str] = {}
    if plan.names and plan.base_fee is not None:
        name = plan.name_in(locale)
        if name != plan.name:
            out[BASE_FEE_CODE] = name
    for charge in plan.charges:
        if isinstance(charge, Charge) and charge.names:
            name = charge.name_in(locale)
            if name != charge.label:
                out[charge.code] = name
    return out


def _named(items: tuple[Item, ...], plan: Plan, locale: str) -> tuple[Item, ...]:
    """``items`` (made from ``plan``'s quote, with no locale) with their lines
    named as a document in ``locale`` names them (:func:`_names_in`)."""
    names = _names_in(plan, locale)
    if not names:
        return items
    return tuple(
        attrs.evolve(item, description=names[item.code]) if item.code in names else item
        for item in items
    )


def _explained(items: tuple[Item, ...], quote: Quote, locale: str) -> tuple[Item, ...]:
    """``items`` (made from ``quote``, with no locale) with their lines explained
    as a document in ``locale`` explains them (:func:`_explainer_in`): in the
    label catalog's words and the locale's numbers, or as they are (English)."""
    if not items:
        return items
    explainer = _explainer_in(locale, quote.currency.code)
    if explainer is None and not any(_several(line) for line in quote.lines):
        return items
    lines = {line.code: line for line in quote.lines}
    # the lines as the document names them (the items', _named), any left out
    # (drop_zero) as a document in the locale would name it (_names_in)
    names = _document_names(quote, _names_in(quote.plan, locale))
    names.update((item.code, item.description) for item in items if item.code in lines)
    if explainer is None:  # English: as they are, but a percentage of several lines
        return tuple(
            attrs.evolve(item, explanation=tuple(_plain_explanation(lines[item.code], names)))
            if item.code in lines and _several(lines[item.code])
            else item
            for item in items
        )
    return tuple(
        attrs.evolve(item, explanation=tuple(_explained_in(lines[item.code], explainer, names)))
        if item.code in lines
        else item
        for item in items
    )


def _several(line: QuoteLine) -> bool:
    """Whether ``line`` is a percentage of several lines (named by the document's
    names of those lines)."""
    source = line.source
    return isinstance(source, PercentOf) and len(source.of) > 1


def items_from_expenses(
    expenses: Sequence[Expense],
    *,
    unpaid_only: bool = False,
    tax_category: str = "standard",
    treatment: TaxTreatment | str = TaxTreatment.STANDARD,
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
) -> tuple[Item, ...]:
    """The ledger's expense rows as items, their amounts in whole minor units.

    Expenses may be finer than the currency (the hosting provider bills
    22.4137 RUB): their total is rounded once and split over the rows in
    proportion by the largest remainder, so the items add up to the rounded
    total. With ``unpaid_only``, each row's unpaid part is billed (rows
    fully paid are left out). Each item's explanation says what it was.

    >>> from datetime import date
    >>> from datetime import datetime, timezone
    >>> from billkit.credit import Ledger, Wallet, CreditLine
    >>> t = lambda day: datetime(2024, 2, day, tzinfo=timezone.utc)
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB",
    ...                                 credit=CreditLine(limit=Money("1000.00", "RUB")))])
    >>> for key, amount in [("4835", "21.3464"), ("4836", "22.4137"), ("4837", "34.4827"),
    ...                     ("4839", "22.4137")]:
    ...     ledger = ledger.charge("main", amount, at=t(21), key=key, description="BACKUP-1000")
    >>> [str(i.amount.amount) for i in items_from_expenses(ledger.expenses("main"))]
    ['21.35', '22.42', '34.48', '22.41']

    (100.6565 rounds to 100.66; the shares 21.3471, 22.4145, 34.4839, 22.4145
    floor to 100.64, and the two cents left go to the largest remainders:
    21.3471 and the first 22.4145.)
    """
    policy = checks.instance("rounding", rounding, RoundingPolicy, error=InvoicingError)
    rows = list(checks.tuple_of("expenses", expenses, Expense, error=InvoicingError))
    if unpaid_only:
        rows = [row for row in rows if row.unpaid.amount]
    if not rows:
        return ()
    cur = rows[0].amount.currency
    exact = []
    for i, row in enumerate(rows):
        value = row.unpaid if unpaid_only else row.amount
        checks.same_currency(f"expenses[{i}]", value, cur, error=InvoicingError)
        exact.append(value.amount)
    with decimal.localcontext(CONTEXT):
        total = policy.round_amount(sum(exact, _ZERO), cur)
        if total < 0 or any(e < 0 for e in exact):
            raise InvoicingError("expenses", [str(e) for e in exact], "expenses of zero or more")
        parts = (
            allocate(Money(total, cur), exact, policy)
            if any(exact)
            else [Money(total, cur) for _ in exact]
        )
    items = []
    for row, part, figure in zip(rows, parts, exact, strict=True):
        day = row.at.date().isoformat()
        note = f"{row.key} {day}: {_fmt(figure)} {cur.code}"
        if row.paid_by:
            note += f", paid by {', '.join(row.paid_by)}"
        items.append(
            Item(
                description=row.description or row.key,
                amount=part,
                unit_price=part,
                tax_category=tax_category,
                treatment=treatment,
                code=row.key,
                explanation=(note,),
            )
        )
    return tuple(items)


@attrs.frozen(kw_only=True)
class DiscountedItems:
    """Items with coupons applied: ``subtotal - discount = total``.

    ``items`` are the items given, each with its amount after every discount
    (and the discount in its explanation); ``discounts`` says what each
    coupon did (:class:`~billkit.pricing.AppliedDiscount`: its
    ``remainder`` and ``terminated`` carry a fixed amount to the next
    invoices). Amounts are before tax.
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    items: tuple[Item, ...]
    discounts: tuple[AppliedDiscount, ...]
    subtotal: Money
    discount: Money
    total: Money


def discount_items(
    items: Sequence[Item],
    coupons: Sequence[Coupon],
    *,
    cycle: int = 0,
    plan: str | None = None,
    locale: str | None = None,
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
) -> DiscountedItems:
    """Apply ``coupons`` to any list of ``items`` (fees), before tax.

    The rules of :func:`billkit.pricing.apply_discounts`, on items rather
    than a quote: coupons apply in the order given, each to what the
    previous ones left; a percentage is taken off the total of its items,
    rounded once, and spread over them in proportion to their amounts; a
    fixed amount is spread the same way, capped at their total, and what is
    left is ``unused`` (carried to the next invoices with
    :attr:`~billkit.pricing.AppliedDiscount.remainder`, until the coupon is
    :attr:`~billkit.pricing.AppliedDiscount.terminated`). A coupon's
    ``lines`` are the item codes it applies to (empty: every item); a coupon
    limited to ``plans`` applies when ``plan`` (a plan code) is one of them.
    An item priced by ``unit_price`` is first rounded to its amount under
    ``rounding``; a discounted item keeps its unit price for reference and
    says what was taken off in its explanation (in ``locale``'s words when
    given).

    Lago's coupon spec (``applied_coupon_service_spec.rb``): a 0.12 coupon
    on fees of 0.04 and 0.02 takes 0.06 and leaves 0.06 for the next invoice:

    >>> eur = lambda a: Money(a, "EUR")
    >>> fees = [Item(description="Seats", amount=eur("0.04"), code="seats"),
    ...         Item(description="Calls", amount=eur("0.02"), code="calls")]
    >>> first = discount_items(fees, [Coupon(code="C12", amount_off=eur("0.12"))])
    >>> [i.amount for i in first.items], first.total
    ([Money('0.00', 'EUR'), Money('0.00', 'EUR')], Money('0.00', 'EUR'))
    >>> first.discounts[0].remainder.amount_off, first.discounts[0].terminated
    (Money('0.06', 'EUR'), False)
    """
    policy = checks.instance("rounding", rounding, RoundingPolicy, error=InvoicingError)
    rows = list(checks.tuple_of("items", items, Item, error=InvoicingError))
    if not rows:
        raise InvoicingError("items", rows, "at least one item")
    if isinstance(coupons, (str, Coupon)) or not isinstance(coupons, Sequence):
        raise InvoicingError("coupons", coupons, "a list of Coupons")
    n = checks.whole("cycle", cycle, error=InvoicingError)
    if plan is not None:
        plan = checks.text("plan", plan, error=InvoicingError)
    cur = rows[0].currency
    amounts: list[Decimal] = []
    with decimal.localcontext(CONTEXT):
        for i, item in enumerate(rows):
            money = item.amount if item.amount is not None else item.unit_price
            assert money is not None
            checks.same_currency(f"items[{i}]", money, cur, error=InvoicingError)
            if item.amount is not None:
                if policy.round(item.amount).amount != item.amount.amount:
                    raise InvoicingError(
                        f"items[{i}].amount",
                        item.amount,
                        f"a whole number of minor units ({policy.digits(cur)} decimal places)",
                    )
                amounts.append(item.amount.amount)
            else:
                assert item.unit_price is not None
                amounts.append(policy.round_amount(item.quantity * item.unit_price.amount, cur))
    for i, coupon in enumerate(coupons):
        if not isinstance(coupon, Coupon):
            raise InvoicingError(f"coupons[{i}]", coupon, "a Coupon")
        if coupon.amount_off is not None:
            checks.same_currency(
                f"coupons[{i}].amount_off", coupon.amount_off, cur, error=InvoicingError
            )
    left, applied = take_off(
        [(item.code, amount) for item, amount in zip(rows, amounts, strict=True)],
        coupons,
        currency=cur,
        policy=policy,
        plan=plan,
        cycle=n,
        holder="the items have",
        error=InvoicingError,
    )
    explainer = None
    if locale is not None:
        from billkit.invoicing._explain import Explainer

        checks.locale("locale", locale, error=InvoicingError)
        explainer = Explainer(locale, cur.code)
    out = []
    with decimal.localcontext(CONTEXT):
        for item, before, after in zip(rows, amounts, left, strict=True):
            if after == before and item.amount is not None:
                out.append(item)
                continue
            explanation = item.explanation
            if after != before:
                off_money, was, now = (
                    Money(before - after, cur),
                    Money(before, cur),
                    Money(after, cur),
                )
                explanation = (
                    *explanation,
                    explainer.discount(off_money, was, now)
                    if explainer is not None
                    else f"discount −{_fmt(off_money.amount)}: {_fmt(before)} → {_fmt(after)}",
                )
            out.append(attrs.evolve(item, amount=Money(after, cur), explanation=explanation))
        subtotal = sum(amounts, _ZERO)
        total = sum(left, _ZERO)
    return DiscountedItems(
        items=tuple(out),
        discounts=applied,
        subtotal=Money(subtotal, cur),
        discount=Money(subtotal - total, cur),
        total=Money(total, cur),
    )
