"""Discounts: coupons and promo codes, and multi-period terms paid up front.

A :class:`Coupon` takes a percentage or a fixed amount off a quote, once,
for N billing cycles or forever, on any plan or only some, on every line or
only some. :func:`redeem` finds the coupon a customer's promo code names and
checks it may be used; :func:`apply_discounts` applies coupons to a quote.

The order of operations is fixed and documented:

1. the quote's lines, each rounded once;
2. discounts, in the order given, each on what the previous ones left; a
   fixed amount is spread over the lines it applies to in proportion to
   their amounts with :func:`~billkit.money.allocate`, so the parts add up
   to it exactly; no line goes below zero, and a fixed amount larger than
   the lines is capped (the rest is reported as ``unused``, not carried
   unless the caller applies :attr:`AppliedDiscount.remainder` next time);
3. tax, on the discounted lines (for prices that include tax, the tax is
   extracted from the discounted amounts);
4. credits (a balance, the unused credit of a plan change, prepaid money),
   against the amount due after tax.

Steps 3 and 4 belong to invoicing and credit; this module gives them the
discounted lines.

:func:`prepay` prices N cycles paid up front with a discount (annual billing
at 20 % off twelve monthly fees) and :func:`term_plan` turns that into a plan.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.periods import Cycle, CycleUnit, Period
>>> from billkit.pricing import Plan, quote
>>> plan = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
>>> bill = quote(plan, {}, Period(date(2026, 3, 1), date(2026, 4, 1)))
>>> apply_discounts(bill, [Coupon(code="SPRING", percent_off="15%")]).total   # 99.00 - 14.85
Money('84.15', 'EUR')
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Final

import attrs
from moneyed import Currency, Money

import billkit._checks as checks
from billkit.errors import PeriodError, PricingError, ValidationError
from billkit.money import CONTEXT, DecimalLike, RoundingPolicy, allocate
from billkit.periods import Cycle, CycleUnit, Period
from billkit.pricing.models import PricingCurrencyError
from billkit.pricing.plans import Plan
from billkit.pricing.proration import fixed_fee
from billkit.pricing.quote import Quote

__all__ = [
    "AppliedDiscount",
    "Coupon",
    "DiscountDuration",
    "DiscountedLine",
    "DiscountedQuote",
    "Term",
    "apply_discounts",
    "prepay",
    "redeem",
    "term_plan",
]

_ZERO: Final = Decimal(0)


def _fmt(value: Decimal) -> str:
    return format(value, "f")


class DiscountDuration(str, enum.Enum):
    """How long a coupon lasts: the first cycle, N cycles, or every cycle."""

    ONCE = "once"
    REPEATING = "repeating"
    FOREVER = "forever"


_CODES: Final = checks.options(required=True)


@attrs.frozen(kw_only=True)
class Coupon:
    """A discount: ``percent_off`` or ``amount_off``, for a ``duration``.

    * ``percent_off`` (``"15%"`` or ``"0.15"``, at most 100 %) or
      ``amount_off`` (a :class:`~billkit.money.Money`): exactly one;
    * ``duration``: ``once`` (the first cycle), ``repeating`` for
      ``cycles`` cycles, or ``forever``;
    * ``plans``: the plan codes it may be used with (empty: any plan);
    * ``lines``: the quote line codes it applies to (empty: every line);
      ``"base"`` is the plan fee, so ``lines=["base"]`` discounts the
      subscription but not the usage;
    * ``redeemable``: the dates its promo code may be redeemed (``None``:
      any), checked by :func:`redeem`.

    >>> Coupon(code="WELCOME", amount_off=Money("10.00", "EUR"), duration="repeating", cycles=3)
    Coupon(code='WELCOME', percent_off=None, amount_off=Money('10.00', 'EUR'), duration='repeating', cycles=3, plans=(), lines=(), redeemable=None, description='')
    >>> Coupon(code="BOTH", percent_off="10%", amount_off=Money("1.00", "EUR"))
    Traceback (most recent call last):
    ...
    billkit.errors.PricingError: amount_off = Money('1.00', 'EUR'): expected no amount_off when percent_off is set: a coupon is one or the other
    """

    _error_class: ClassVar[type[ValidationError]] = PricingError

    code: str = attrs.field(converter=checks.TEXT)
    percent_off: Decimal | None = attrs.field(
        default=None, converter=checks.RATE, metadata=checks.options(high=1)
    )
    amount_off: Money | None = attrs.field(
        default=None, converter=checks.MONEY, metadata=checks.options(sign="zero_or_more")
    )
    duration: DiscountDuration = attrs.field(
        default=DiscountDuration.ONCE, converter=checks.MEMBER, repr=lambda v: repr(v.value)
    )
    cycles: int | None = None
    plans: tuple[str, ...] = attrs.field(default=(), converter=checks.TEXTS, metadata=_CODES)
    lines: tuple[str, ...] = attrs.field(default=(), converter=checks.TEXTS, metadata=_CODES)
    redeemable: Period | None = attrs.field(default=None, converter=checks.INSTANCE)
    description: str = attrs.field(default="", converter=checks.FREE_TEXT)

    def __attrs_post_init__(self) -> None:
        if self.percent_off is None and self.amount_off is None:
            raise PricingError("percent_off", None, "a percent_off or an amount_off")
        if self.percent_off is not None and self.amount_off is not None:
            raise PricingError(
                "amount_off",
                self.amount_off,
                "no amount_off when percent_off is set: a coupon is one or the other",
            )
        n = self.cycles
        if self.duration is DiscountDuration.REPEATING:
            checks.whole("cycles", n, low=1, error=PricingError)
        elif n is not None:
            raise PricingError(
                "cycles", n, f"None: a coupon used {self.duration.value} has no count"
            )

    def applies_in(self, cycle: int) -> bool:
        """Whether the coupon applies in billing cycle ``cycle`` (0: the first after redeeming).

        >>> c = Coupon(code="X", percent_off="10%", duration="repeating", cycles=3)
        >>> [c.applies_in(n) for n in range(5)]
        [True, True, True, False, False]
        """
        checks.whole("cycle", cycle, error=PricingError)
        if self.duration is DiscountDuration.ONCE:
            return cycle == 0
        if self.duration is DiscountDuration.REPEATING:
            assert self.cycles is not None
            return cycle < self.cycles
        return True

    def __str__(self) -> str:
        if self.percent_off is not None:
            off = f"{_fmt((self.percent_off * 100).normalize())}%"
        else:
            assert self.amount_off is not None
            off = f"{_fmt(self.amount_off.amount)} {self.amount_off.currency.code}"
        how = self.duration.value
        if self.duration is DiscountDuration.REPEATING:
            how = f"for {self.cycles} cycles"
        return f"{self.code}: {off} off, {how}"


def _normal(code: str) -> str:
    return code.strip().casefold()


def redeem(coupons: Sequence[Coupon], code: str, *, on: date, plan: Plan) -> Coupon:
    """The coupon a customer's promo ``code`` names, checked for ``plan`` on day ``on``.

    Codes are matched without regard to case or surrounding spaces, as
    customers type them. An unknown code, a date outside the coupon's
    ``redeemable`` period or a plan it is not for is refused with an error
    that says which.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.periods import Cycle, CycleUnit, Period
    >>> spring = Coupon(code="SPRING", percent_off="20%", plans=["growth"],
    ...                 redeemable=Period(date(2026, 3, 1), date(2026, 6, 1)))
    >>> growth = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> str(redeem([spring], " spring ", on=date(2026, 4, 2), plan=growth))
    'SPRING: 20% off, once'
    >>> redeem([spring], "SPRING", on=date(2026, 6, 1), plan=growth)
    Traceback (most recent call last):
    ...
    billkit.errors.PricingError: on = datetime.date(2026, 6, 1): expected a date from 2026-03-01 to 2026-05-31, when promo code 'SPRING' may be redeemed
    """
    if isinstance(coupons, (str, Coupon)) or not isinstance(coupons, Sequence):
        raise PricingError("coupons", coupons, "a list of Coupons")
    if not isinstance(code, str):
        raise PricingError("code", code, "a promo code (a str)")
    checks.day("on", on, error=PeriodError)
    checks.instance("plan", plan, Plan, error=PricingError)
    wanted = _normal(code)
    found = [c for c in coupons if isinstance(c, Coupon) and _normal(c.code) == wanted]
    if not found:
        raise PricingError("code", code, "a known promo code")
    if len(found) > 1:
        raise PricingError("coupons", [c.code for c in found], f"one coupon with code {code!r}")
    coupon = found[0]
    window = coupon.redeemable
    if window is not None and on not in window:
        last = date.fromordinal(window.end.toordinal() - 1)
        raise PricingError(
            "on",
            on,
            f"a date from {window.start.isoformat()} to {last.isoformat()}, "
            f"when promo code {coupon.code!r} may be redeemed",
        )
    if coupon.plans and plan.code not in coupon.plans:
        raise PricingError(
            "plan", plan.code, f"one of {list(coupon.plans)}: the plans {coupon.code!r} is for"
        )
    return coupon


@attrs.frozen(kw_only=True)
class AppliedDiscount:
    """What one coupon took off a quote.

    ``base`` is the amount it applied to (its lines, after earlier
    discounts), ``amount`` what it took off, ``parts`` the amount per line
    code (adding up to ``amount``), ``unused`` the part of a fixed amount
    larger than ``base``, and ``skipped`` why it did not apply (empty when
    it did).
    """

    coupon: Coupon
    base: Money
    amount: Money
    parts: tuple[tuple[str, Money], ...]
    unused: Money
    skipped: str = ""

    @property
    def remainder(self) -> Coupon | None:
        """What a fixed amount used ``once`` left, as a coupon for the next invoices.

        billkit's default leaves a fixed amount larger than its lines
        ``unused``; to carry it instead (Lago's ``fixed_amount`` coupon of
        frequency ``once`` and its ``remaining_amount``), apply this coupon
        to the next invoices until it is ``None``: the amount is consumed
        and the coupon :attr:`terminated`. ``None`` also for a coupon of
        another kind and for a skipped coupon (which is unchanged: keep it).
        """
        coupon = self.coupon
        if (
            self.skipped
            or coupon.amount_off is None
            or coupon.duration is not DiscountDuration.ONCE
            or not self.unused.amount
        ):
            return None
        return attrs.evolve(coupon, amount_off=self.unused)

    @property
    def terminated(self) -> bool:
        """Whether a coupon used ``once`` is used up (nothing left to carry).

        A percentage used once ends with its cycle; a fixed amount when its
        :attr:`remainder` is ``None``. A repeating or forever coupon, or a
        skipped one, is not terminated here (its cycles say when it ends).
        """
        if self.skipped or self.coupon.duration is not DiscountDuration.ONCE:
            return False
        return self.remainder is None

    def __str__(self) -> str:
        if self.skipped:
            return f"{self.coupon}: not applied ({self.skipped})"
        text = f"{self.coupon}: -{_fmt(self.amount.amount)} of {_fmt(self.base.amount)}"
        if self.unused.amount:
            text += f" ({_fmt(self.unused.amount)} unused)"
        return text


@attrs.frozen(kw_only=True)
class DiscountedLine:
    """A quote line after discounts: ``amount - discount = net``, never below zero."""

    code: str
    description: str
    amount: Money
    discount: Money
    net: Money


@attrs.frozen(kw_only=True)
class DiscountedQuote:
    """A quote with coupons applied: ``subtotal - discount = total``.

    ``lines`` are the quote's lines with their share of every discount;
    ``discounts`` says what each coupon did. ``total`` comes before tax and
    credits (see the module's order of operations).
    """

    quote: Quote = attrs.field(repr=False)
    lines: tuple[DiscountedLine, ...]
    discounts: tuple[AppliedDiscount, ...]
    subtotal: Money
    discount: Money
    total: Money

    def explain(self) -> str:
        """The lines, the discounts and the totals as plain text."""
        width = max([len(ln.code) for ln in self.lines] + [8])
        out = []
        for ln in self.lines:
            text = f"  {ln.code:<{width}}  {_fmt(ln.amount.amount):>12}"
            if ln.discount.amount:
                text += f"  -{_fmt(ln.discount.amount)} = {_fmt(ln.net.amount)}"
            out.append(text)
        out.extend(f"  {d}" for d in self.discounts)
        out.append(
            f"  {'total':<{width}}  {_fmt(self.subtotal.amount):>12}  "
            f"-{_fmt(self.discount.amount)} = {_fmt(self.total.amount)} "
            f"{self.total.currency.code}"
        )
        return "\n".join(out)

    def __str__(self) -> str:
        return self.explain()


def apply_discounts(bill: Quote, coupons: Sequence[Coupon], *, cycle: int = 0) -> DiscountedQuote:
    """Apply ``coupons`` to ``bill`` in billing cycle ``cycle`` (0: the first after redeeming).

    Coupons apply in the order given, each to what the previous ones left.
    A percentage is taken off the total of its lines, rounded once under the
    plan's rounding policy, and spread over the lines in proportion to their
    amounts; a fixed amount is spread the same way, capped at the total of
    its lines. The spread uses :func:`~billkit.money.allocate`, so the parts
    add up to the discount exactly and no line goes below zero. A coupon for
    another plan, for lines the quote does not have, or past its duration is
    reported as skipped, with the reason.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.periods import Cycle, CycleUnit, Period
    >>> from billkit.pricing import Charge, Plan, PerUnit, quote
    >>> plan = Plan(code="vps", name="VPS", currency="RUB", base_fee=Money("250.00", "RUB"),
    ...             charges=[Charge(code="backups", metric="gb",
    ...                             model=PerUnit(unit_price=Money("2.50", "RUB")))])
    >>> bill = quote(plan, {"gb": 20}, Period(date(2026, 3, 1), date(2026, 4, 1)))
    >>> print(apply_discounts(bill, [Coupon(code="HELLO", amount_off=Money("100.00", "RUB"))]))
      base            250.00  -83.33 = 166.67
      backups          50.00  -16.67 = 33.33
      HELLO: 100.00 RUB off, once: -100.00 of 300.00
      total           300.00  -100.00 = 200.00 RUB
    """
    checks.instance("bill", bill, Quote, error=PricingError)
    if isinstance(coupons, (str, Coupon)) or not isinstance(coupons, Sequence):
        raise PricingError("coupons", coupons, "a list of Coupons")
    n = checks.whole("cycle", cycle, error=PricingError)
    currency = bill.currency
    policy = bill.rounding
    lines = bill.lines
    for i, coupon in enumerate(coupons):
        checks.instance(f"coupons[{i}]", coupon, Coupon, error=PricingError)
        if coupon.amount_off is not None and coupon.amount_off.currency != currency:
            raise PricingCurrencyError(
                f"coupons[{i}].amount_off",
                coupon.amount_off,
                f"an amount in {currency.code}, the quote's currency",
            )
    left, applied = take_off(
        [(ln.code, ln.amount.amount) for ln in lines],
        coupons,
        currency=currency,
        policy=policy,
        plan=bill.plan.code,
        cycle=n,
        holder="the quote has",
        error=PricingError,
    )
    out_lines = tuple(
        DiscountedLine(
            code=ln.code,
            description=ln.description,
            amount=ln.amount,
            discount=Money(CONTEXT.subtract(ln.amount.amount, net), currency),
            net=Money(net, currency),
        )
        for ln, net in zip(lines, left, strict=True)
    )
    total = _ZERO
    for net in left:
        total = CONTEXT.add(total, net)
    return DiscountedQuote(
        quote=bill,
        lines=out_lines,
        discounts=applied,
        subtotal=bill.total,
        discount=Money(CONTEXT.subtract(bill.total.amount, total), currency),
        total=Money(total, currency),
    )


def take_off(
    amounts: Sequence[tuple[str, Decimal]],
    coupons: Sequence[Coupon],
    *,
    currency: Currency,
    policy: RoundingPolicy,
    plan: str | None,
    cycle: int,
    holder: str,
    error: type[ValidationError],
) -> tuple[list[Decimal], tuple[AppliedDiscount, ...]]:
    """The one coupon loop of :func:`apply_discounts` and of invoicing's
    ``discount_items``: what each ``(code, amount)`` has left after ``coupons``,
    and each coupon as applied (or skipped, with the reason).

    The callers have checked the coupons' types and currencies and the
    amounts (whole minor units of ``currency``); ``holder`` names what holds
    the amounts in a skip reason ("the quote has"), ``error`` the room's error
    for an ``amount_off`` in fractions of a minor unit.
    """
    zero = Money(policy.round_amount(_ZERO, currency), currency)
    left = [amount for _, amount in amounts]
    applied = []
    for i, coupon in enumerate(coupons):
        skipped = ""
        if coupon.plans and plan not in coupon.plans:
            skipped = f"not for plan {plan!r}"
        elif not coupon.applies_in(cycle):
            skipped = f"cycle {cycle} is past its duration"
        eligible = [
            j for j, (code, _) in enumerate(amounts) if not coupon.lines or code in coupon.lines
        ]
        if not skipped and not eligible:
            skipped = f"{holder} none of its lines {list(coupon.lines)}"
        if skipped:
            applied.append(
                AppliedDiscount(
                    coupon=coupon, base=zero, amount=zero, parts=(), unused=zero, skipped=skipped
                )
            )
            continue
        base = _ZERO
        for j in eligible:
            base = CONTEXT.add(base, left[j])
        unused = zero.amount
        if coupon.percent_off is not None:
            off = policy.round_amount(CONTEXT.multiply(base, coupon.percent_off), currency)
        else:
            assert coupon.amount_off is not None
            wanted = coupon.amount_off.amount
            if policy.round_amount(wanted, currency) != wanted:
                raise error(
                    f"coupons[{i}].amount_off",
                    coupon.amount_off,
                    f"a whole number of minor units ({policy.digits(currency)} decimals)",
                )
            off = min(wanted, base)
            unused = CONTEXT.subtract(wanted, off)
        if off > 0:
            shares = allocate(Money(off, currency), [left[j] for j in eligible], policy)
        else:
            shares = [zero for _ in eligible]
        parts = []
        for j, share in zip(eligible, shares, strict=True):
            left[j] = CONTEXT.subtract(left[j], share.amount)
            parts.append((amounts[j][0], share))
        applied.append(
            AppliedDiscount(
                coupon=coupon,
                base=Money(base, currency),
                amount=Money(off, currency),
                parts=tuple(parts),
                unused=Money(unused, currency),
            )
        )
    return left, tuple(applied)


# ---------------------------------------------------------------- multi-period terms


@attrs.frozen(kw_only=True)
class Term:
    """``cycles`` cycles of a plan paid up front, with a discount.

    ``fee`` is the plan's fixed fee per cycle (:func:`fixed_fee`), ``full``
    ``cycles x fee``, ``discount`` ``full x rate`` rounded once, and
    ``price`` what is paid: ``full - discount``. ``instalments`` spreads
    ``price`` evenly over the cycles (for acts or revenue per period),
    adding up to it exactly. Usage is not prepaid: it is billed each cycle.
    """

    plan: Plan = attrs.field(repr=lambda plan: repr(plan.code))
    cycles: int
    rate: Decimal
    period: Period
    fee: Money
    full: Money
    discount: Money
    price: Money
    instalments: tuple[tuple[Period, Money], ...] = attrs.field(repr=False)

    def __str__(self) -> str:
        pct = _fmt((self.rate * 100).normalize())
        return (
            f"{self.plan.code}, {self.cycles} x {self.plan.cycle} from {self.period.start}: "
            f"{self.cycles} x {_fmt(self.fee.amount)} = {_fmt(self.full.amount)}, "
            f"-{pct}% = {_fmt(self.price.amount)} {self.price.currency.code}"
        )


def prepay(plan: Plan, cycles: int, *, start: date, discount: DecimalLike = 0) -> Term:
    """``cycles`` cycles of ``plan`` from ``start``, paid up front with ``discount`` off.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> growth = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> print(prepay(growth, 12, start=date(2026, 3, 14), discount="20%"))
    growth, 12 x 1 month from 2026-03-14: 12 x 99.00 = 1188.00, -20% = 950.40 EUR
    """
    checks.instance("plan", plan, Plan, error=PricingError)
    n = checks.whole("cycles", cycles, low=1, error=PricingError)
    rate = checks.rate("discount", discount, high=1, error=PricingError)
    if isinstance(start, datetime) or not isinstance(start, date):
        raise PeriodError("start", start, "a datetime.date")
    currency = plan.currency
    fee = fixed_fee(plan)
    full = CONTEXT.multiply(fee.amount, n)
    off = plan.rounding.round_amount(CONTEXT.multiply(full, rate), currency)
    price = Money(CONTEXT.subtract(full, off), currency)
    periods = [plan.cycle.period(start, i) for i in range(n)]
    shares = allocate(price, [1] * n, plan.rounding)
    return Term(
        plan=plan,
        cycles=n,
        rate=rate,
        period=Period(start, periods[-1].end),
        fee=fee,
        full=Money(full, currency),
        discount=Money(off, currency),
        price=price,
        instalments=tuple(zip(periods, shares, strict=True)),
    )


def term_plan(
    plan: Plan, cycles: int, *, discount: DecimalLike, code: str, name: str | None = None
) -> Plan:
    """A plan billed every ``cycles`` cycles of ``plan`` at ``discount`` off (annual billing).

    Its base fee is the :func:`prepay` price of ``cycles`` fixed fees. Only a
    plan without metered charges can be turned into a term: usage is billed
    each cycle even on a yearly plan (the messaging business sends monthly
    usage invoices to annual customers), so keep it on a usage plan of the
    original cycle rather than have it silently dropped.

    >>> from billkit.money import Money
    >>> growth = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> annual = term_plan(growth, 12, discount="20%", code="growth-annual")
    >>> annual.name, str(annual.cycle), annual.base_fee    # 12 x 99.00 = 1 188.00, less 20 %
    ('Growth, 1 year', '1 year', Money('950.40', 'EUR'))
    """
    checks.instance("plan", plan, Plan, error=PricingError)
    if plan.charges:
        raise PricingError(
            "plan.charges",
            [c.code for c in plan.charges],
            "none: a term plan prepays the fee only; bill metered charges each cycle "
            "with a usage plan of the original cycle",
        )
    n = checks.whole("cycles", cycles, low=1, error=PricingError)
    rate = checks.rate("discount", discount, high=1, error=PricingError)
    fee = fixed_fee(plan)
    full = CONTEXT.multiply(fee.amount, n)
    off = plan.rounding.round_amount(CONTEXT.multiply(full, rate), plan.currency)
    price = Money(CONTEXT.subtract(full, off), plan.currency)
    pct = _fmt((rate * 100).normalize())
    cycle = plan.cycle * n
    if cycle.unit is CycleUnit.MONTH and cycle.count % 12 == 0:
        cycle = Cycle(CycleUnit.YEAR, cycle.count // 12)  # the same dates, said plainly
    return Plan(
        code=code,
        name=name if name is not None else f"{plan.name}, {cycle}",
        currency=plan.currency,
        cycle=cycle,
        base_fee=price,
        rounding=plan.rounding,
        description=f"{n} x {_fmt(fee.amount)} less {pct}%",
    )
