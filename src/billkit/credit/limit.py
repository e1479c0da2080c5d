"""Postpaid credit limits: statements, due dates, overdue, blocking and notices.

A wallet with a :class:`CreditLine` may buy services on credit, up to the
line's ``limit``. The hosting provider's rules
are the defaults, and every day is configurable:

* on the **1st** of each month a statement is issued for the expenses bought
  on credit since the previous statement and still unpaid;
* it is **due on the 15th**; from the **16th** it is overdue;
* if it is still unpaid on the **30th**, the credit line is **blocked**:
  no paying from the account, no renewal through the cart, no auto-renewal
  from the account; top-ups and auto-renewal from saved payment methods still
  work. Paying the overdue statement unblocks it;
* notices go out at issue, 3 days before the due date, the day after it,
  5 days before blocking and on the blocking day (all but the first only
  while the statement is unpaid).

Months shorter than a configured day
------------------------------------
A day past the month's end falls on the month's **last day**: with the
default blocking day 30, February's statement blocks on February 28 (29 in a
leap year), while April, June, September and November (30 days) block on the
30th as usual. A statement day of 31 is issued on the 30th in 30-day months.
The dates always keep their order, each at least as late as the one before:
``issued_on <= due_on < overdue_from <= blocked_from``. If clamping would
put the blocking day on or before the due date (a due day of 29 and a
blocking day of 30 in a 28-day February), blocking moves to the day after
the due date, the first day it can happen (March 1).

Days are calendar days in the line's time zone ``tz`` (UTC unless set): a
charge at 2026-01-31 22:00 UTC belongs to February in Moscow.

>>> from datetime import date
>>> from billkit.money import Money
>>> line = CreditLine(limit=Money("5000.00", "RUB"))
>>> d = line.dates(2026, 2)
>>> d.issued_on, d.due_on, d.overdue_from, d.blocked_from
(datetime.date(2026, 2, 1), datetime.date(2026, 2, 15), datetime.date(2026, 2, 16), datetime.date(2026, 2, 28))
>>> [(kind.value, day.isoformat()) for kind, day in line.schedule(d)]
[('issued', '2026-02-01'), ('due_soon', '2026-02-12'), ('overdue', '2026-02-16'), ('blocking_soon', '2026-02-23'), ('blocked', '2026-02-28')]
"""

from __future__ import annotations

from datetime import date, datetime

from billkit import _checks as checks
from billkit.credit.credit_line import (
    DEFAULT_NOTICES,
    Anchor,
    CreditAction,
    CreditLine,
    CreditNoticeKind,
    CreditState,
    Notice,
    NoticeRule,
    Statement,
    StatementDates,
    StatementState,
    _rule_date,
    local_date,
)
from billkit.credit.credit_line import (
    end_of as end_of,
)
from billkit.credit.ledger import Ledger
from billkit.errors import CreditError

# The values moved to billkit.credit.credit_line; they stay importable from here.
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
    "credit_state",
    "notices_due",
]


def credit_state(ledger: Ledger, wallet: str, at: datetime | date) -> CreditState:
    """The credit state of ``wallet`` at ``at`` (a date means the end of that day).

    The wallet must have a :class:`CreditLine`. Statements are computed with
    the wallet's current line, from the ledger's entries up to ``at``.

    >>> from datetime import datetime, timezone
    >>> from billkit.credit import Ledger, Wallet
    >>> from billkit.money import Money
    >>> line = CreditLine(limit=Money("5000.00", "RUB"))
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB", credit=line)])
    >>> ledger = ledger.charge("main", "1200.00", at=datetime(2025, 12, 10, tzinfo=timezone.utc),
    ...                        key="vps-dec")
    >>> state = credit_state(ledger, "main", date(2026, 1, 20))
    >>> state.debt, state.overdue, state.available, state.blocked
    (Money('1200.00', 'RUB'), Money('1200.00', 'RUB'), Money('3800.00', 'RUB'), False)
    >>> credit_state(ledger, "main", date(2026, 1, 30)).blocked
    True
    """
    return ledger._credit_state(wallet, at)


def notices_due(ledger: Ledger, wallet: str, at: datetime) -> tuple[Notice, ...]:
    """The notices to send on the day of ``at``, for statements issued by then.

    Notices marked ``only_if_unpaid`` are left out once the statement is paid.

    >>> from datetime import datetime, timezone
    >>> from billkit.credit import Ledger, Wallet
    >>> from billkit.money import Money
    >>> line = CreditLine(limit=Money("5000.00", "RUB"))
    >>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB", credit=line)])
    >>> ledger = ledger.charge("main", "1200.00", at=datetime(2025, 12, 10, tzinfo=timezone.utc),
    ...                        key="vps-dec")
    >>> [n.kind.value for n in notices_due(ledger, "main", datetime(2026, 1, 12, 9, tzinfo=timezone.utc))]
    ['due_soon']
    """
    checks.moment("at", at, error=CreditError)
    state = ledger._credit_state(wallet, at)
    line = ledger.wallet(wallet).credit
    assert line is not None  # _credit_state refuses wallets without a line
    today = local_date(at, line.tz)
    found: list[Notice] = []
    for statement in state.statements:
        for rule in line.notices:
            if _rule_date(rule, statement.dates) != today:
                continue
            if rule.only_if_unpaid and not statement.remaining.amount:
                continue
            found.append(
                Notice(
                    wallet=wallet,
                    statement=statement.number,
                    kind=rule.kind,
                    on=today,
                    due_on=statement.due_on,
                    blocked_from=statement.blocked_from,
                    amount=statement.remaining,
                )
            )
    return tuple(found)
