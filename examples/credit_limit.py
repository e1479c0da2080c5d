"""A postpaid credit line through a month, as the hosting provider runs it.

Example business 3 (the hosting provider, docs/examples-businesses.md): services bought on credit in December; a statement
on January 1st, due on the 15th, overdue from the 16th, blocked on the 30th;
notices at issue, 3 days before the due date, the day after it, 5 days before
blocking and on the blocking day; paying the overdue statement unblocks.
February, shorter than the blocking day, blocks on the 28th.

Run: python examples/credit_limit.py
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from billkit.credit import CreditLine, Ledger, Wallet, credit_state, notices_due
from billkit.credit.credit_line import CreditAction
from billkit.errors import TransitionError
from billkit.money import Money


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def at(y: int, m: int, d: int, hour: int = 12) -> datetime:
    return datetime(y, m, d, hour, tzinfo=timezone.utc)


def main() -> None:
    line = CreditLine(limit=rub("5000.00"), tz="Europe/Moscow")
    ledger = Ledger(wallets=[Wallet(name="main", currency="RUB", credit=line)])
    ledger = ledger.charge("main", "1200.00", at=at(2025, 12, 10), key="vps-dec", description="VPS")
    ledger = ledger.charge("main", "300.00", at=at(2025, 12, 20), key="dns-dec", description="DNS")

    print("January, day by day (statement for December's 1 500.00 RUB)")
    blocked_on = None
    for day in range(1, 32):
        moment = at(2026, 1, day, 9)
        state = credit_state(ledger, "main", moment)
        notices = ", ".join(n.kind.value for n in notices_due(ledger, "main", moment))
        if notices or (state.blocked and blocked_on is None):
            print(
                f"  Jan {day:>2}: overdue {state.overdue.amount:>8}  available "
                f"{state.available.amount:>8}  blocked {state.blocked!s:<5}  notices: {notices or '-'}"
            )
        if state.blocked and blocked_on is None:
            blocked_on = day
    assert blocked_on == 30
    assert credit_state(ledger, "main", date(2026, 1, 16)).overdue == rub("1500.00")

    blocked = credit_state(ledger, "main", date(2026, 1, 30))
    allowed = [a.value for a in CreditAction if blocked.allows(a)]
    print(f"\nWhile blocked, allowed: {', '.join(allowed)}")
    assert allowed == ["top_up", "auto_renew_from_saved_method"]
    try:
        ledger.charge("main", "50.00", at=at(2026, 1, 30, 10), key="renewal")
    except TransitionError as error:
        print(f"  a charge is refused: {error}")
    else:
        raise AssertionError("a blocked line must refuse charges")

    ledger = ledger.top_up("main", "1500.00", at=at(2026, 1, 31, 10), key="pay-jan")
    after = credit_state(ledger, "main", at(2026, 1, 31, 11))
    print(
        f"\nPaid 1 500.00 on Jan 31: statement {after.statements[0].state.value}, "
        f"blocked {after.blocked}, available {after.available.amount}"
    )
    assert (after.blocked, after.available) == (False, rub("5000.00"))

    feb = line.dates(2026, 2)
    print(
        f"\nFebruary 2026: due {feb.due_on}, overdue from {feb.overdue_from}, blocked from {feb.blocked_from}"
    )
    assert feb.blocked_from == date(2026, 2, 28)
    assert line.dates(2028, 2).blocked_from == date(2028, 2, 29)


if __name__ == "__main__":
    main()
