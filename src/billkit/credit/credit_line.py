"""Credit lines: the limit, the statement calendar, notice rules, statements and
the credit state a dashboard shows.

The values only; :func:`~billkit.credit.credit_state` and
:func:`~billkit.credit.notices_due` compute them from a ledger
(:mod:`billkit.credit.limit`, where the rules are told in full).

>>> line = CreditLine(limit=Money("5000.00", "RUB"))
>>> line.dates(2026, 2).blocked_from
datetime.date(2026, 2, 28)
"""

from __future__ import annotations

import calendar
import enum
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import ClassVar, Final

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit._kinds import StatementState
from billkit.errors import CreditError, TransitionError, ValidationError
from billkit.money import CONTEXT

__all__ = [
    "DEFAULT_NOTICES",
    "Anchor",
    "CreditAction",
    "CreditLine",
    "CreditNoticeKind",
    "CreditState",
    "Notice",
    "NoticeRule",
    "Statement",
    "StatementDates",
    "StatementState",
]


class CreditAction(str, enum.Enum):
    """What a customer may try to do with a wallet on credit.

    While the credit line is blocked only :attr:`TOP_UP` and
    :attr:`AUTO_RENEW_FROM_SAVED_METHOD` are allowed.

    >>> CreditAction("pay_from_account") is CreditAction.PAY_FROM_ACCOUNT
    True
    """

    PAY_FROM_ACCOUNT = "pay_from_account"
    RENEW_THROUGH_CART = "renew_through_cart"
    AUTO_RENEW_FROM_ACCOUNT = "auto_renew_from_account"
    TOP_UP = "top_up"
    AUTO_RENEW_FROM_SAVED_METHOD = "auto_renew_from_saved_method"


_ALLOWED_WHILE_BLOCKED: Final = (CreditAction.TOP_UP, CreditAction.AUTO_RENEW_FROM_SAVED_METHOD)


class Anchor(str, enum.Enum):
    """The statement date a notice is counted from.

    >>> Anchor("block") is Anchor.BLOCK
    True
    """

    ISSUE = "issue"
    DUE = "due"
    BLOCK = "block"


class CreditNoticeKind(str, enum.Enum):
    """Why a notice is sent.

    >>> [kind.value for kind in CreditNoticeKind]
    ['issued', 'due_soon', 'overdue', 'blocking_soon', 'blocked']
    """

    ISSUED = "issued"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    BLOCKING_SOON = "blocking_soon"
    BLOCKED = "blocked"


@attrs.frozen(kw_only=True)
class NoticeRule:
    """One notice of the schedule: ``days`` after (or before, if negative) an anchor date.

    ``only_if_unpaid`` notices are sent only while the statement is unpaid.

    >>> NoticeRule(kind="due_soon", anchor="due", days=-3)
    NoticeRule(kind=<CreditNoticeKind.DUE_SOON: 'due_soon'>, anchor=<Anchor.DUE: 'due'>, days=-3, only_if_unpaid=True)
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    kind: CreditNoticeKind = attrs.field(converter=checks.MEMBER)
    anchor: Anchor = attrs.field(converter=checks.MEMBER)
    days: int = attrs.field(
        default=0, converter=checks.WHOLE, metadata=checks.options(low=-31, high=62)
    )
    only_if_unpaid: bool = attrs.field(default=True, converter=checks.FLAG)


DEFAULT_NOTICES: Final = (
    NoticeRule(kind=CreditNoticeKind.ISSUED, anchor=Anchor.ISSUE, days=0, only_if_unpaid=False),
    NoticeRule(kind=CreditNoticeKind.DUE_SOON, anchor=Anchor.DUE, days=-3),
    NoticeRule(kind=CreditNoticeKind.OVERDUE, anchor=Anchor.DUE, days=1),
    NoticeRule(kind=CreditNoticeKind.BLOCKING_SOON, anchor=Anchor.BLOCK, days=-5),
    NoticeRule(kind=CreditNoticeKind.BLOCKED, anchor=Anchor.BLOCK, days=0),
)
"""The hosting provider's notices: at issue, 3 days before the due date, the
day after it, 5 days before blocking, and on the blocking day.

>>> [(rule.anchor.value, rule.days) for rule in DEFAULT_NOTICES]
[('issue', 0), ('due', -3), ('due', 1), ('block', -5), ('block', 0)]
"""


@attrs.frozen(kw_only=True)
class StatementDates:
    """The four dates of one month's statement, in the credit line's time zone.

    ``due_on`` is the last day to pay; ``overdue_from`` the first day late;
    ``blocked_from`` the first day the credit line is blocked if still unpaid.

    >>> d: StatementDates = CreditLine(limit=Money("1.00", "RUB")).dates(2026, 9)
    >>> d.issued_on, d.due_on, d.overdue_from, d.blocked_from
    (datetime.date(2026, 9, 1), datetime.date(2026, 9, 15), datetime.date(2026, 9, 16), datetime.date(2026, 9, 30))
    """

    issued_on: date
    due_on: date
    overdue_from: date
    blocked_from: date


@attrs.frozen(kw_only=True)
class Notice:
    """A dated notice about a statement, for the caller to send.

    ``amount`` is what remained to pay when the notice was computed
    (:func:`notices_due` makes them).

    >>> from datetime import datetime, timezone
    >>> from billkit.credit import Ledger, Wallet, notices_due
    >>> line = CreditLine(limit=Money("5000.00", "RUB"))
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB", credit=line)])
    >>> ledger = ledger.charge("main", "80.00", at=datetime(2026, 1, 5, tzinfo=timezone.utc), key="c")
    >>> (notice,) = notices_due(ledger, "main", datetime(2026, 2, 1, 9, tzinfo=timezone.utc))
    >>> isinstance(notice, Notice), notice.kind.value, notice.amount, notice.due_on
    (True, 'issued', Money('80.00', 'RUB'), datetime.date(2026, 2, 15))
    """

    wallet: str
    statement: int
    kind: CreditNoticeKind
    on: date
    due_on: date
    blocked_from: date
    amount: Money


_DAY_OF_MONTH: Final = checks.options(low=1, high=31)


def local_date(at: datetime, tz: tzinfo) -> date:
    """The calendar day of the moment ``at`` in time zone ``tz``."""
    return at.astimezone(tz).date()


def midnight(day: date, tz: tzinfo) -> datetime:
    """The first moment of ``day`` in time zone ``tz``."""
    return datetime.combine(day, time(0), tzinfo=tz)


def _clamp(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


@attrs.frozen(kw_only=True)
class CreditLine:
    """A postpaid credit line: how much may be owed, and the statement calendar.

    ``limit`` is the most the wallet may owe. ``statement_day``, ``due_day``
    and ``block_day`` are days of the month (1 to 31, in that order; the due
    day may equal the statement day, the blocking day must come after the due
    day); a day past the month's end falls on its last day (see the module
    docs). ``tz`` (a ``tzinfo``, or a name such as ``'Europe/Moscow'``) decides which
    calendar day a moment belongs to.

    >>> line = CreditLine(limit=Money("5000.00", "RUB"), tz="Europe/Moscow")
    >>> line.dates(2026, 4).blocked_from   # a 30-day month: the 30th itself
    datetime.date(2026, 4, 30)
    >>> line.dates(2028, 2).blocked_from   # a leap February: its last day
    datetime.date(2028, 2, 29)
    >>> CreditLine(limit=Money("5000.00", "RUB"), due_day=30, block_day=15)
    Traceback (most recent call last):
    ...
    billkit.errors.CreditError: block_day = 15: expected a day after due_day (30)
    """

    _error_class: ClassVar[type[ValidationError]] = CreditError

    limit: Money = attrs.field(converter=checks.MONEY, metadata=checks.options(sign="above_zero"))
    statement_day: int = attrs.field(default=1, converter=checks.WHOLE, metadata=_DAY_OF_MONTH)
    due_day: int = attrs.field(default=15, converter=checks.WHOLE, metadata=_DAY_OF_MONTH)
    block_day: int = attrs.field(default=30, converter=checks.WHOLE, metadata=_DAY_OF_MONTH)
    tz: tzinfo = attrs.field(default=timezone.utc, converter=checks.TZ)
    notices: tuple[NoticeRule, ...] = attrs.field(default=DEFAULT_NOTICES, converter=checks.TUPLE)

    def __attrs_post_init__(self) -> None:
        if self.due_day < self.statement_day:
            raise CreditError(
                "due_day", self.due_day, f"a day on or after statement_day ({self.statement_day})"
            )
        if self.block_day <= self.due_day:
            raise CreditError("block_day", self.block_day, f"a day after due_day ({self.due_day})")

    @property
    def currency(self) -> Currency:
        """The currency of the limit."""
        return self.limit.currency

    def dates(self, year: int, month: int) -> StatementDates:
        """The statement dates of the statement issued in ``year``-``month``.

        >>> line = CreditLine(limit=Money("1000", "RUB"), due_day=29, block_day=30)
        >>> line.dates(2026, 2).blocked_from   # due Feb 28 (clamped): blocks the day after
        datetime.date(2026, 3, 1)
        """
        checks.whole("year", year, low=1, high=9998, error=CreditError)
        checks.whole("month", month, low=1, high=12, error=CreditError)
        issued = _clamp(year, month, self.statement_day)
        due = max(_clamp(year, month, self.due_day), issued)
        overdue = due + timedelta(days=1)
        blocked = max(_clamp(year, month, self.block_day), overdue)
        return StatementDates(
            issued_on=issued, due_on=due, overdue_from=overdue, blocked_from=blocked
        )

    def next_issue(self, after: datetime) -> datetime:
        """The first statement moment strictly after ``after``: the start of
        the next statement day in the line's time zone.

        >>> from datetime import timezone
        >>> line = CreditLine(limit=Money("1000", "RUB"))
        >>> line.next_issue(datetime(2026, 1, 1, 0, 0, tzinfo=timezone.utc))
        datetime.datetime(2026, 2, 1, 0, 0, tzinfo=datetime.timezone.utc)
        """
        checks.moment("after", after, error=CreditError)
        tz = self.tz
        day = local_date(after, tz)
        year, month = day.year, day.month
        for _ in range(2):
            moment = midnight(self.dates(year, month).issued_on, tz)
            if moment > after:
                return moment
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        raise AssertionError(
            "unreachable: next month's statement is always later"
        )  # pragma: no cover

    def schedule(self, dates: StatementDates) -> tuple[tuple[CreditNoticeKind, date], ...]:
        """Every notice of one statement as ``(kind, date)``, by date.

        A notice that would fall before the statement's issue is sent at issue.
        """
        return tuple(
            sorted(
                ((rule.kind, _rule_date(rule, dates)) for rule in self.notices),
                key=lambda pair: pair[1],
            )
        )


def _rule_date(rule: NoticeRule, dates: StatementDates) -> date:
    if rule.anchor is Anchor.ISSUE:
        anchor = dates.issued_on
    elif rule.anchor is Anchor.DUE:
        anchor = dates.due_on
    else:
        anchor = dates.blocked_from
    return max(anchor + timedelta(days=rule.days), dates.issued_on)


@attrs.frozen(kw_only=True)
class Statement:
    """A statement of unpaid expenses bought on credit, as of ``as_of``.

    ``amount`` is the statement total, rounded once (the ledger's rounding
    policy); ``remaining`` what is left to pay at ``as_of``, rounded the same
    way, so paying ``amount`` always settles it. ``charges`` are the keys of
    the ledger entries it bills; ``paid_at`` the moment it was settled.

    >>> from datetime import datetime, timezone
    >>> from billkit.credit import Ledger, Wallet
    >>> line = CreditLine(limit=Money("5000.00", "RUB"))
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB", credit=line)])
    >>> ledger = ledger.charge("main", "80.00", at=datetime(2026, 1, 5, tzinfo=timezone.utc), key="c")
    >>> ledger = ledger.top_up("main", "30.00", at=datetime(2026, 2, 3, tzinfo=timezone.utc), key="p")
    >>> statement: Statement = ledger.statements("main", date(2026, 2, 3))[0]
    >>> statement.amount, statement.paid, statement.remaining, statement.state.value
    (Money('80.00', 'RUB'), Money('30.00', 'RUB'), Money('50.00', 'RUB'), 'partially_paid')
    """

    wallet: str
    number: int
    issued_at: datetime
    issued_on: date
    due_on: date
    overdue_from: date
    blocked_from: date
    amount: Money
    remaining: Money
    as_of: datetime
    paid_at: datetime | None
    charges: tuple[str, ...]

    @property
    def paid(self) -> Money:
        """How much of ``amount`` has been paid by ``as_of``."""
        return Money(
            CONTEXT.subtract(self.amount.amount, self.remaining.amount), self.amount.currency
        )

    @property
    def state(self) -> StatementState:
        """To pay, partially paid, or paid."""
        if not self.remaining.amount:
            return StatementState.PAID
        if self.remaining.amount < self.amount.amount:
            return StatementState.PARTIALLY_PAID
        return StatementState.TO_PAY

    @property
    def dates(self) -> StatementDates:
        """The statement's four dates."""
        return StatementDates(
            issued_on=self.issued_on,
            due_on=self.due_on,
            overdue_from=self.overdue_from,
            blocked_from=self.blocked_from,
        )


@attrs.frozen(kw_only=True)
class CreditState:
    """What the dashboard shows for a wallet on credit at one moment.

    * ``debt``: everything owed (unpaid expenses), exact;
    * ``available``: what may still be bought on credit: ``limit - debt``,
      or zero while blocked;
    * ``overdue``: what remains to pay on statements past their due date;
    * ``unpaid_since_statement``: expenses on credit since the last statement;
    * ``blocked``: a statement is unpaid on or after its blocking day.

    See :func:`credit_state` for how to get one.

    >>> from datetime import datetime, timezone
    >>> from billkit.credit import Ledger, Wallet, credit_state
    >>> line = CreditLine(limit=Money("5000.00", "RUB"))
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB", credit=line)])
    >>> state: CreditState = credit_state(ledger, "main", date(2026, 1, 1))
    >>> state.available, state.blocked, state.allows(CreditAction.PAY_FROM_ACCOUNT)
    (Money('5000.00', 'RUB'), False, True)
    """

    wallet: str
    at: datetime
    limit: Money
    debt: Money
    available: Money
    overdue: Money
    unpaid_since_statement: Money
    blocked: bool
    statements: tuple[Statement, ...]

    def allows(self, action: CreditAction | str) -> bool:
        """Whether ``action`` is allowed now (everything is, unless blocked)."""
        act = _action(action)
        return not self.blocked or act in _ALLOWED_WHILE_BLOCKED

    def check(self, action: CreditAction | str) -> None:
        """Raise :class:`~billkit.errors.TransitionError` unless ``action`` is allowed."""
        act = _action(action)
        if not self.allows(act):
            raise TransitionError(
                f"credit line of wallet {self.wallet!r}",
                "blocked",
                act.value,
                [a.value for a in _ALLOWED_WHILE_BLOCKED],
            )


def _action(value: object) -> CreditAction:
    return checks.member("action", value, CreditAction, error=CreditError)


def end_of(value: object, tz: tzinfo, field: str = "at") -> datetime:
    """A moment from ``value``: a datetime as is, a date as its last microsecond."""
    if isinstance(value, datetime):
        return checks.moment(field, value, error=CreditError)
    if isinstance(value, date):
        return midnight(value + timedelta(days=1), tz) - timedelta(microseconds=1)
    raise CreditError(field, value, "a timezone-aware datetime, or a date (its end)")
