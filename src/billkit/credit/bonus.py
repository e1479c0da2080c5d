"""Prepayment bonus programs, cashback and free allowances, as data.

A :class:`BonusProgram` is a list of :class:`BonusTier`\\ s: reaching a
tier's threshold (a number of months of the tariff, or an amount) earns its
reward (months of the tariff, or a share of the payment). The analytics SaaS
pays 1 month of bonus for 5 months paid, 3 for 9
and 9 for 15:

>>> from billkit.money import Money
>>> program = BonusProgram.months({5: 1, 9: 3, 15: 9})
>>> tariff = Money("10000.00", "RUB")
>>> program.bonus(Money("90000.00", "RUB"), tariff)     # 9 months paid -> 3 months
Money('30000.00', 'RUB')
>>> program.bonus(Money("89999.99", "RUB"), tariff)     # not quite 9: the 5-month tier
Money('10000.00', 'RUB')

A :class:`Cashback` returns a share of each payment as separate bonus money
(the hosting provider's 10 %), and a :class:`FreeAllowance` is a number of
free units that exist before any top-up (2 500 free emails), used before
anything is billed.
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import ClassVar, Final

import attrs
from dateutil.relativedelta import relativedelta
from moneyed import Money

from billkit import _checks as checks
from billkit.credit.entries import CreditKind
from billkit.errors import CreditError, ValidationError
from billkit.money import CONTEXT, DEFAULT_ROUNDING, RoundingPolicy
from billkit.periods import Cycle, CycleUnit

__all__ = [
    "AllowanceUse",
    "BonusAward",
    "BonusProgram",
    "BonusTier",
    "Cashback",
    "CashbackBase",
    "FreeAllowance",
]

_ZERO: Final = Decimal(0)


@attrs.frozen(kw_only=True)
class BonusTier:
    """One rung of a bonus program: a threshold and the reward for reaching it.

    The threshold is either ``min_months`` (the payment covers at least that
    many months of the tariff) or ``min_amount``; the reward is either
    ``bonus_months`` (that many months of the tariff) or ``rate`` (a share of
    the payment: ``"5%"``).

    >>> BonusTier(min_months=9, bonus_months=3)
    BonusTier(min_months=Decimal('9'), min_amount=None, bonus_months=Decimal('3'), rate=None)
    >>> BonusTier(min_months=9)
    Traceback (most recent call last):
    ...
    billkit.errors.CreditError: bonus_months = None: expected a reward: bonus_months or rate (exactly one)
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    min_months: Decimal | None = attrs.field(
        default=None, converter=checks.DECIMAL, metadata=checks.options(above=0)
    )
    min_amount: Money | None = attrs.field(
        default=None, converter=checks.MONEY, metadata=checks.options(sign="above_zero")
    )
    bonus_months: Decimal | None = attrs.field(
        default=None, converter=checks.DECIMAL, metadata=checks.options(above=0)
    )
    rate: Decimal | None = attrs.field(default=None, converter=checks.RATE)

    def __attrs_post_init__(self) -> None:
        if (self.min_months is None) == (self.min_amount is None):
            raise CreditError(
                "min_months",
                self.min_months,
                "a threshold: min_months or min_amount (exactly one)",
            )
        if (self.bonus_months is None) == (self.rate is None):
            raise CreditError(
                "bonus_months", self.bonus_months, "a reward: bonus_months or rate (exactly one)"
            )

    @property
    def needs_tariff(self) -> bool:
        """Whether the tier counts in months of a tariff."""
        return self.min_months is not None or self.bonus_months is not None


def _tiers(value: object) -> tuple[BonusTier, ...]:
    tiers = checks.tuple_of("tiers", value, BonusTier, error=CreditError)
    if not tiers:
        raise CreditError("tiers", value, "at least one BonusTier")
    amounts = [(i, t.min_amount) for i, t in enumerate(tiers) if t.min_amount is not None]
    for i, amount in amounts[1:]:
        checks.same_currency(
            f"tiers[{i}].min_amount", amount, amounts[0][1].currency, error=CreditError
        )
    return tiers


def _bonus_kind(value: object) -> CreditKind:
    kind = checks.member("kind", value, CreditKind, error=CreditError)
    if kind.cash:
        raise CreditError("kind", value, "'bonus' or 'promotional': bonus money is never cash")
    return kind


def _never_cash(_: object, field: attrs.Attribute[CreditKind], value: CreditKind) -> None:
    if value.cash:
        raise CreditError(field.name, value, "'bonus' or 'promotional': bonus money is never cash")


def expiry(valid_for: Cycle | None, at: datetime) -> datetime | None:
    """When credit granted ``at`` and valid for ``valid_for`` expires."""
    if valid_for is None:
        return None
    if valid_for.unit in (CycleUnit.MONTH, CycleUnit.YEAR):
        months = valid_for.count * (12 if valid_for.unit is CycleUnit.YEAR else 1)
        return at + relativedelta(months=months)
    days = valid_for.count * (7 if valid_for.unit is CycleUnit.WEEK else 1)
    return at + timedelta(days=days)


@attrs.frozen(kw_only=True)
class BonusAward:
    """What a payment earned: the bonus and the tier that gave it (None: no tier).

    >>> award: BonusAward = BonusProgram.months({5: 1}).earn(Money("50.00", "EUR"), Money("10.00", "EUR"))
    >>> award.amount, award.tier.min_months
    (Money('10.00', 'EUR'), Decimal('5'))
    """

    amount: Money
    tier: BonusTier | None


@attrs.frozen(kw_only=True)
class BonusProgram:
    """A prepayment bonus program: the payment earns the best tier it reaches.

    The bonus is computed on the amount credited to the balance (after any
    payment-provider commission), rounded once under ``rounding``; it is
    credited as ``kind`` money (bonus by default, never cash) and expires
    ``valid_for`` after it is granted (never, by default).

    >>> program = BonusProgram.percent(Money("1000.00", "EUR"), "5%")   # 5 % over 1 000
    >>> program.bonus(Money("999.99", "EUR")), program.bonus(Money("1234.50", "EUR"))
    (Money('0.00', 'EUR'), Money('61.73', 'EUR'))
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    tiers: tuple[BonusTier, ...] = attrs.field(converter=_tiers)
    valid_for: Cycle | None = attrs.field(default=None, converter=checks.INSTANCE)
    kind: CreditKind = attrs.field(
        default=CreditKind.BONUS, converter=checks.MEMBER, validator=_never_cash
    )
    rounding: RoundingPolicy = attrs.field(default=DEFAULT_ROUNDING, converter=checks.INSTANCE)

    @classmethod
    def months(
        cls,
        table: Mapping[int, int] | Mapping[Decimal, Decimal] | Mapping[str, str],
        *,
        valid_for: Cycle | None = None,
        kind: CreditKind | str = CreditKind.BONUS,
    ) -> BonusProgram:
        """A program "pay N months, get M months": ``{5: 1, 9: 3, 15: 9}``.

        >>> BonusProgram.months({5: 1}).tiers
        (BonusTier(min_months=Decimal('5'), min_amount=None, bonus_months=Decimal('1'), rate=None),)
        """
        if not isinstance(table, Mapping):
            raise CreditError("table", table, "a mapping of months paid to bonus months")
        tiers = [BonusTier(min_months=paid, bonus_months=bonus) for paid, bonus in table.items()]
        return cls(tiers=tiers, valid_for=valid_for, kind=_bonus_kind(kind))

    @classmethod
    def percent(
        cls,
        threshold: Money,
        rate: Decimal | str,
        *,
        valid_for: Cycle | None = None,
        kind: CreditKind | str = CreditKind.BONUS,
    ) -> BonusProgram:
        """A program "pay at least ``threshold``, get ``rate`` of the payment"."""
        tier = BonusTier(min_amount=threshold, rate=rate)
        return cls(tiers=[tier], valid_for=valid_for, kind=_bonus_kind(kind))

    def earn(self, paid: Money, tariff: Money | None = None) -> BonusAward:
        """The bonus for a payment of ``paid`` (``tariff``: the monthly price,
        needed by tiers counted in months); the best tier reached wins.

        >>> program = BonusProgram.months({5: 1, 9: 3, 15: 9})
        >>> award = program.earn(Money("150000.00", "RUB"), Money("10000.00", "RUB"))
        >>> award.amount, award.tier.bonus_months
        (Money('90000.00', 'RUB'), Decimal('9'))
        """
        amount = checks.money("paid", paid, sign="above_zero", error=CreditError)
        cur = amount.currency
        monthly = None
        if tariff is not None:
            monthly = checks.same_currency(
                "tariff",
                checks.money("tariff", tariff, sign="above_zero", error=CreditError),
                cur,
                error=CreditError,
            ).amount
        best: tuple[Decimal, BonusTier | None] = (_ZERO, None)
        with decimal.localcontext(CONTEXT):
            for i, tier in enumerate(self.tiers):
                if tier.needs_tariff and monthly is None:
                    raise CreditError(
                        "tariff", None, "the monthly tariff: the program counts in months"
                    )
                if tier.min_amount is not None:
                    checks.same_currency(
                        f"tiers[{i}].min_amount", tier.min_amount, cur, error=CreditError
                    )
                    reached = amount.amount >= tier.min_amount.amount
                else:
                    assert tier.min_months is not None
                    assert monthly is not None
                    reached = amount.amount >= tier.min_months * monthly
                if not reached:
                    continue
                if tier.bonus_months is not None:
                    assert monthly is not None
                    exact = tier.bonus_months * monthly
                else:
                    assert tier.rate is not None
                    exact = tier.rate * amount.amount
                bonus = self.rounding.round_amount(exact, cur)
                if best[1] is None or bonus > best[0]:
                    best = (bonus, tier)
        zero = self.rounding.round_amount(_ZERO, cur)
        return BonusAward(amount=Money(best[0] if best[1] else zero, cur), tier=best[1])

    def bonus(self, paid: Money, tariff: Money | None = None) -> Money:
        """The bonus amount :meth:`earn` gives (zero when no tier is reached)."""
        return self.earn(paid, tariff).amount

    def expires_at(self, at: datetime) -> datetime | None:
        """When a bonus granted ``at`` expires (None: never).

        >>> from datetime import timezone
        >>> from billkit.periods import Cycle
        >>> BonusProgram.months({5: 1}, valid_for=Cycle("month", 12)).expires_at(
        ...     datetime(2026, 1, 31, tzinfo=timezone.utc))
        datetime.datetime(2027, 1, 31, 0, 0, tzinfo=datetime.timezone.utc)
        """
        return expiry(self.valid_for, checks.moment("at", at, error=CreditError))


class CashbackBase(str, enum.Enum):
    """Which amount cashback is a share of: what the payer paid (``GROSS``,
    commission included, as the hosting provider does), or what was credited
    (``NET``).

    >>> Cashback(rate="10%", base=CashbackBase.NET).base.value
    'net'
    """

    GROSS = "gross"
    NET = "net"


def _at_most_all(_: object, field: attrs.Attribute[Decimal], value: Decimal) -> None:
    if value > 1:
        raise CreditError(field.name, value, "a rate from 0 to 100%")


@attrs.frozen(kw_only=True)
class Cashback:
    """A share of each payment credited back as separate bonus money.

    The hosting provider returns 10 % of the payment: 115.00 paid (100.00
    plus its 5 % + 10.00 commission) gives 11.50 of cashback.

    >>> Cashback(rate="10%").amount(Money("115.00", "RUB"))
    Money('11.50', 'RUB')
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    rate: Decimal = attrs.field(converter=checks.RATE, validator=_at_most_all)
    base: CashbackBase = attrs.field(default=CashbackBase.GROSS, converter=checks.MEMBER)
    kind: CreditKind = attrs.field(
        default=CreditKind.BONUS, converter=checks.MEMBER, validator=_never_cash
    )
    valid_for: Cycle | None = attrs.field(default=None, converter=checks.INSTANCE)
    rounding: RoundingPolicy = attrs.field(default=DEFAULT_ROUNDING, converter=checks.INSTANCE)

    def amount(self, base: Money) -> Money:
        """The cashback on ``base`` (the gross or net payment, per :attr:`base`)."""
        money = checks.money("base", base, sign="zero_or_more", error=CreditError)
        with decimal.localcontext(CONTEXT):
            return Money(
                self.rounding.round_amount(self.rate * money.amount, money.currency), money.currency
            )

    def expires_at(self, at: datetime) -> datetime | None:
        """When cashback granted ``at`` expires (None: never)."""
        return expiry(self.valid_for, checks.moment("at", at, error=CreditError))


@attrs.frozen(kw_only=True)
class AllowanceUse:
    """How a quantity split over a free allowance: ``free + billable``, and the
    allowance afterwards.

    >>> use: AllowanceUse = FreeAllowance(metric="emails", included=10).consume(12)
    >>> use.free, use.billable, use.allowance.used
    (Decimal('10'), Decimal('2'), Decimal('10'))
    """

    free: Decimal
    billable: Decimal
    allowance: FreeAllowance


@attrs.frozen(kw_only=True)
class FreeAllowance:
    """``included`` free units of ``metric`` a customer has before paying
    anything: used first, then usage is billable. Unlike a plan's per-cycle
    ``included`` units, it does not renew: once ``used`` reaches ``included``
    it is gone (or once ``expires_at`` passes).

    The marketing SaaS's 2 500 free emails: a first campaign of 4 001 emails
    bills 1 501; the next campaign bills in full.

    >>> free = FreeAllowance(metric="emails", included=2500)
    >>> first = free.consume(4001)
    >>> first.free, first.billable
    (Decimal('2500'), Decimal('1501'))
    >>> first.allowance.consume(300).billable
    Decimal('300')
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    metric: str = attrs.field(converter=checks.TEXT)
    included: Decimal = attrs.field(converter=checks.DECIMAL, metadata=checks.options(low=0))
    used: Decimal = attrs.field(
        default=_ZERO, converter=checks.DECIMAL, metadata=checks.options(low=0)
    )
    expires_at: datetime | None = attrs.field(default=None, converter=checks.MOMENT)

    def __attrs_post_init__(self) -> None:
        if self.used > self.included:
            raise CreditError("used", self.used, f"at most included ({self.included})")

    @property
    def remaining(self) -> Decimal:
        """Free units left."""
        return CONTEXT.subtract(self.included, self.used)

    def consume(self, quantity: object, at: datetime | None = None) -> AllowanceUse:
        """Split ``quantity`` into free units (as many as are left) and billable
        ones; at or after ``expires_at`` nothing is free (``at`` is required
        when the allowance expires)."""
        q = checks.decimal("quantity", quantity, low=0, error=CreditError)
        if self.expires_at is not None:
            moment = checks.moment("at", at, error=CreditError)
            if moment.astimezone(timezone.utc) >= self.expires_at.astimezone(timezone.utc):
                return AllowanceUse(free=_ZERO, billable=q, allowance=self)
        elif at is not None:
            checks.moment("at", at, error=CreditError)
        free = min(q, self.remaining)
        return AllowanceUse(
            free=free,
            billable=CONTEXT.subtract(q, free),
            allowance=attrs.evolve(self, used=CONTEXT.add(self.used, free)),
        )
