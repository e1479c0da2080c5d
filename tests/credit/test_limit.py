"""Postpaid credit limits (REQUIREMENTS.md 3, seed 002): statement on the 1st
for last month's unpaid expenses, due on the 15th, overdue from the 16th,
blocked on the 30th; notices at issue, 3 days before the due date, the day
after it, 5 days before blocking and on the blocking day.

Months shorter than the blocking day block on their last day: February 28
(29 in leap years); 30-day months on the 30th itself."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from billkit.credit import CreditLine, Ledger, Wallet, credit_state, notices_due
from billkit.credit.credit_line import (
    Anchor,
    CreditAction,
    CreditNoticeKind,
    NoticeRule,
    StatementState,
)
from billkit.errors import (
    CreditError,
    CreditLimitExceededError,
    CurrencyMismatchError,
    TransitionError,
)
from billkit.money import Money

UTC = timezone.utc
LINE = CreditLine(limit=Money("5000.00", "RUB"))


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def at(y: int, m: int, d: int, hour: int = 12) -> datetime:
    return datetime(y, m, d, hour, tzinfo=UTC)


def on_credit(line: CreditLine = LINE) -> Ledger:
    return Ledger(wallets=[Wallet(name="main", currency="RUB", credit=line)])


def december() -> Ledger:
    """The seed's example: the credit limit used in December."""
    ledger = on_credit().charge("main", "1200.00", at=at(2025, 12, 10), key="vps-dec")
    return ledger.charge("main", "300.00", at=at(2025, 12, 20), key="dns-dec")


# --------------------------------------------------------------------------- dates


class TestStatementDates:
    def test_the_default_calendar_over_a_year(self) -> None:
        # due on the 15th, overdue from the 16th every month; blocked on the 30th,
        # except February (28 days in 2026): its last day
        for month in range(1, 13):
            d = LINE.dates(2026, month)
            assert (d.issued_on, d.due_on, d.overdue_from) == (
                date(2026, month, 1),
                date(2026, month, 15),
                date(2026, month, 16),
            )
            expected = date(2026, 2, 28) if month == 2 else date(2026, month, 30)
            assert d.blocked_from == expected, month

    def test_leap_february_blocks_on_the_29th(self) -> None:
        assert LINE.dates(2028, 2).blocked_from == date(2028, 2, 29)

    @pytest.mark.parametrize(
        ("year", "month", "expected"),
        [
            (2026, 1, date(2026, 1, 31)),
            (2026, 2, date(2026, 2, 28)),
            (2028, 2, date(2028, 2, 29)),
            (2026, 4, date(2026, 4, 30)),  # 30-day months: their last day
            (2026, 6, date(2026, 6, 30)),
            (2026, 9, date(2026, 9, 30)),
            (2026, 11, date(2026, 11, 30)),
            (2026, 12, date(2026, 12, 31)),
        ],
    )
    def test_blocking_on_the_31st(self, year: int, month: int, expected: date) -> None:
        line = CreditLine(limit=rub("1.00"), block_day=31)
        assert line.dates(year, month).blocked_from == expected

    def test_when_clamping_would_block_on_the_due_date_it_blocks_the_day_after(self) -> None:
        line = CreditLine(limit=rub("1.00"), due_day=29, block_day=30)
        feb = line.dates(2026, 2)  # due 29 -> Feb 28; blocking 30 -> Feb 28 too
        assert (feb.due_on, feb.overdue_from, feb.blocked_from) == (
            date(2026, 2, 28),
            date(2026, 3, 1),
            date(2026, 3, 1),
        )
        leap = line.dates(2028, 2)  # due Feb 29, blocking 30 -> Feb 29 -> March 1
        assert (leap.due_on, leap.blocked_from) == (date(2028, 2, 29), date(2028, 3, 1))
        april = line.dates(2026, 4)
        assert (april.due_on, april.blocked_from) == (date(2026, 4, 29), date(2026, 4, 30))

    def test_a_late_statement_day_falls_on_the_months_last_day(self) -> None:
        line = CreditLine(limit=rub("1.00"), statement_day=30, due_day=30, block_day=31)
        feb = line.dates(2026, 2)
        assert (feb.issued_on, feb.due_on, feb.blocked_from) == (
            date(2026, 2, 28),
            date(2026, 2, 28),
            date(2026, 3, 1),
        )

    def test_next_issue_in_the_lines_time_zone(self) -> None:
        moscow = CreditLine(limit=rub("1.00"), tz="Europe/Moscow")
        # 21:30 UTC on Jan 31 is already Feb 1 00:30 in Moscow: the next statement is March 1
        assert moscow.next_issue(at(2026, 1, 31, 21)) == datetime(2026, 3, 1, tzinfo=moscow.tz)
        assert moscow.next_issue(at(2026, 1, 31, 20)) == datetime(2026, 2, 1, tzinfo=moscow.tz)
        # tz is a tzinfo or a name of one: the same line either way
        assert CreditLine(limit=rub("1.00"), tz=ZoneInfo("Europe/Moscow")) == moscow
        assert CreditLine(limit=rub("1.00"), tz="+03:00").tz.utcoffset(None) == timedelta(hours=3)

    def test_bad_lines(self) -> None:
        with pytest.raises(CreditError, match="due_day = 1: expected a day on or after"):
            CreditLine(limit=rub("1.00"), statement_day=5, due_day=1)
        with pytest.raises(CreditError, match="block_day = 15: expected a day after due_day"):
            CreditLine(limit=rub("1.00"), block_day=15)
        with pytest.raises(CreditError, match="from 1 to 31"):
            CreditLine(limit=rub("1.00"), block_day=32)
        with pytest.raises(CreditError, match="time zone"):
            CreditLine(limit=rub("1.00"), tz="Moscow")
        with pytest.raises(CreditError, match="above zero"):
            CreditLine(limit=rub("0"))


class TestNoticeSchedule:
    def test_default_schedule_in_january_february_and_a_leap_february(self) -> None:
        def days(year: int, month: int) -> list[tuple[str, int]]:
            return [(k.value, d.day) for k, d in LINE.schedule(LINE.dates(year, month))]

        # at issue; 3 days before the due date (15 - 3); the day after it (16);
        # 5 days before blocking (30 - 5, 28 - 5, 29 - 5); the blocking day
        assert days(2026, 1) == [
            ("issued", 1),
            ("due_soon", 12),
            ("overdue", 16),
            ("blocking_soon", 25),
            ("blocked", 30),
        ]
        assert [d for _, d in days(2026, 2)] == [1, 12, 16, 23, 28]
        assert [d for _, d in days(2028, 2)] == [1, 12, 16, 24, 29]
        assert [d for _, d in days(2026, 4)] == [1, 12, 16, 25, 30]

    def test_a_notice_before_the_issue_is_sent_at_issue(self) -> None:
        line = CreditLine(
            limit=rub("1.00"),
            notices=[NoticeRule(kind="due_soon", anchor="due", days=-20)],
        )
        ((kind, day),) = line.schedule(line.dates(2026, 1))
        assert (kind, day) == (CreditNoticeKind.DUE_SOON, date(2026, 1, 1))

    def test_notice_rules_are_checked(self) -> None:
        with pytest.raises(CreditError, match="one of"):
            NoticeRule(kind="late", anchor=Anchor.DUE)
        with pytest.raises(CreditError, match="'issue', 'due', 'block'"):
            NoticeRule(kind="overdue", anchor="statement")


# --------------------------------------------------------------------------- state over a month


class TestTheSeedsExample:
    def test_december_usage_is_stated_on_january_1st(self) -> None:
        ledger = december()
        before = credit_state(ledger, "main", date(2025, 12, 31))
        assert (before.debt, before.unpaid_since_statement, before.statements) == (
            rub("1500.00"),
            rub("1500.00"),
            (),
        )
        assert before.available == rub("3500.00")  # 5 000 - 1 500
        state = credit_state(ledger, "main", date(2026, 1, 1))
        (statement,) = state.statements
        assert (statement.amount, statement.state, statement.charges) == (
            rub("1500.00"),
            StatementState.TO_PAY,
            ("vps-dec", "dns-dec"),
        )
        assert (statement.due_on, statement.overdue_from, statement.blocked_from) == (
            date(2026, 1, 15),
            date(2026, 1, 16),
            date(2026, 1, 30),
        )
        assert state.unpaid_since_statement == rub("0")
        assert state.available == rub("3500.00")  # still usable until blocked

    def test_overdue_from_the_16th_blocked_on_the_30th(self) -> None:
        ledger = december()
        assert credit_state(ledger, "main", date(2026, 1, 15)).overdue == rub("0")
        assert credit_state(ledger, "main", date(2026, 1, 16)).overdue == rub("1500.00")
        assert not credit_state(ledger, "main", date(2026, 1, 29)).blocked
        blocked = credit_state(ledger, "main", datetime(2026, 1, 30, tzinfo=UTC))
        assert blocked.blocked
        assert blocked.available == rub("0")
        assert ledger.available("main", at(2026, 1, 30)) == rub("0")

    def test_what_is_allowed_while_blocked(self) -> None:
        state = credit_state(december(), "main", date(2026, 1, 30))
        allowed = {a for a in CreditAction if state.allows(a)}
        assert allowed == {CreditAction.TOP_UP, CreditAction.AUTO_RENEW_FROM_SAVED_METHOD}
        with pytest.raises(TransitionError, match="in state 'blocked' cannot 'renew_through_cart'"):
            state.check("renew_through_cart")
        state.check(CreditAction.TOP_UP)
        open_state = credit_state(december(), "main", date(2026, 1, 29))
        assert all(open_state.allows(a) for a in CreditAction)

    def test_paying_from_the_account_is_refused_while_blocked_top_ups_are_not(self) -> None:
        ledger = december()
        with pytest.raises(TransitionError, match="pay_from_account"):
            ledger.charge("main", "10.00", at=at(2026, 1, 30), key="renewal")
        topped = ledger.top_up("main", "100.00", at=at(2026, 1, 30), key="p1")
        assert topped.debt("main") == rub("1400.00")

    def test_partial_payment_then_full_payment_unblocks(self) -> None:
        ledger = december().charge("main", "100.00", at=at(2026, 1, 20), key="jan")
        ledger = ledger.top_up("main", "700.00", at=at(2026, 1, 31, 9), key="p1")
        partly = credit_state(ledger, "main", at(2026, 1, 31, 10))
        (statement,) = partly.statements
        assert (statement.state, statement.paid, statement.remaining) == (
            StatementState.PARTIALLY_PAID,
            rub("700.00"),
            rub("800.00"),
        )
        assert partly.blocked
        assert partly.overdue == rub("800.00")
        ledger = ledger.top_up("main", "800.00", at=at(2026, 1, 31, 11), key="p2")
        paid = credit_state(ledger, "main", at(2026, 1, 31, 12))
        (statement,) = paid.statements
        assert (statement.state, statement.paid_at) == (StatementState.PAID, at(2026, 1, 31, 11))
        assert not paid.blocked
        # the January charge is unpaid since the statement; the limit is usable again
        assert (paid.debt, paid.unpaid_since_statement, paid.available) == (
            rub("100.00"),
            rub("100.00"),
            rub("4900.00"),
        )
        assert ledger.charge("main", "50.00", at=at(2026, 1, 31, 13), key="renewal").debt(
            "main"
        ) == rub("150.00")

    def test_january_charges_go_to_the_february_statement(self) -> None:
        ledger = december().charge("main", "100.00", at=at(2026, 1, 20), key="jan")
        ledger = ledger.top_up("main", "1500.00", at=at(2026, 1, 25), key="p1")
        state = credit_state(ledger, "main", date(2026, 2, 1))
        first, second = state.statements
        assert (first.state, second.amount, second.charges) == (
            StatementState.PAID,
            rub("100.00"),
            ("jan",),
        )
        assert second.blocked_from == date(2026, 2, 28)

    def test_paying_the_overdue_statement_unblocks_before_the_next_is_due(self) -> None:
        ledger = december().charge("main", "100.00", at=at(2026, 1, 20), key="jan")
        ledger = ledger.top_up("main", "1500.00", at=at(2026, 2, 5), key="p1")  # oldest first
        state = credit_state(ledger, "main", date(2026, 2, 5))
        assert [s.state for s in state.statements] == [StatementState.PAID, StatementState.TO_PAY]
        assert not state.blocked
        assert state.overdue == rub("0")
        assert credit_state(ledger, "main", date(2026, 2, 16)).overdue == rub("100.00")
        assert credit_state(ledger, "main", date(2026, 2, 28)).blocked

    def test_statements_are_read_from_the_ledger_too(self) -> None:
        assert december().statements("main", date(2026, 1, 1))[0].amount == rub("1500.00")


class TestLimitAndRounding:
    def test_charges_up_to_the_limit_and_not_beyond(self) -> None:
        ledger = on_credit().charge("main", "5000.00", at=at(2026, 3, 2), key="c1")
        with pytest.raises(CreditLimitExceededError, match="at most 0 RUB"):
            ledger.charge("main", "0.01", at=at(2026, 3, 3), key="c2")
        ledger = ledger.top_up("main", "0.01", at=at(2026, 3, 4), key="p1")
        assert ledger.charge("main", "0.01", at=at(2026, 3, 5), key="c2").debt("main") == rub(
            "5000.00"
        )

    def test_a_statement_of_fine_amounts_is_rounded_once_and_paying_it_settles_it(self) -> None:
        ledger = on_credit().charge("main", "22.4137", at=at(2026, 2, 21), key="4839")
        ledger = ledger.charge("main", "21.3464", at=at(2026, 2, 21), key="4835")
        # 22.4137 + 21.3464 = 43.7601 -> 43.76 on the statement
        (statement,) = credit_state(ledger, "main", date(2026, 3, 1)).statements
        assert statement.amount == rub("43.76")
        ledger = ledger.top_up("main", "43.76", at=at(2026, 3, 10), key="p1")
        state = credit_state(ledger, "main", date(2026, 3, 30))
        # 0.0001 is still owed, but the statement, as issued, is paid: no blocking
        assert (state.statements[0].state, state.blocked) == (StatementState.PAID, False)
        assert state.debt == rub("0.0001")

    def test_the_lines_time_zone_decides_the_month(self) -> None:
        moscow = CreditLine(limit=rub("5000.00"), tz="Europe/Moscow")
        ledger = on_credit(moscow).charge("main", "10.00", at=at(2026, 1, 31, 20), key="jan")
        # 22:00 UTC on Jan 31 is Feb 1, 01:00 in Moscow: a February expense
        ledger = ledger.charge("main", "20.00", at=at(2026, 1, 31, 22), key="feb")
        (statement,) = credit_state(ledger, "main", date(2026, 2, 1)).statements
        assert (statement.charges, statement.issued_at) == (
            ("jan",),
            datetime(2026, 2, 1, tzinfo=moscow.tz),
        )

    def test_a_wallet_without_a_line_has_no_credit_state(self) -> None:
        ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
        with pytest.raises(CreditError, match="a wallet with a credit line"):
            credit_state(ledger, "main", date(2026, 1, 1))

    def test_the_limit_must_be_in_the_wallets_currency(self) -> None:
        with pytest.raises(CurrencyMismatchError, match="an amount in EUR"):
            Wallet(name="main", currency="EUR", credit=LINE)


class TestNotices:
    def sent(self, ledger: Ledger, month: int = 1) -> list[tuple[int, str]]:
        days = calendar.monthrange(2026, month)[1]
        found = []
        for day in range(1, days + 1):
            for notice in notices_due(ledger, "main", at(2026, month, day, 9)):
                found.append((day, notice.kind.value))
        return found

    def test_an_unpaid_statement_gets_every_notice(self) -> None:
        assert self.sent(december()) == [
            (1, "issued"),
            (12, "due_soon"),
            (16, "overdue"),
            (25, "blocking_soon"),
            (30, "blocked"),
        ]

    def test_february_notices_follow_the_short_month(self) -> None:
        ledger = on_credit().charge("main", "10.00", at=at(2026, 1, 10), key="jan")
        assert self.sent(ledger, month=2) == [
            (1, "issued"),
            (12, "due_soon"),
            (16, "overdue"),
            (23, "blocking_soon"),
            (28, "blocked"),
        ]

    def test_a_paid_statement_gets_no_more_notices(self) -> None:
        ledger = december().top_up("main", "1500.00", at=at(2026, 1, 10), key="p1")
        assert self.sent(ledger) == [(1, "issued")]

    def test_a_notice_carries_what_is_left_to_pay(self) -> None:
        ledger = december().top_up("main", "1000.00", at=at(2026, 1, 14), key="p1")
        (notice,) = notices_due(ledger, "main", at(2026, 1, 16, 9))
        assert (notice.kind, notice.amount, notice.statement, notice.blocked_from) == (
            CreditNoticeKind.OVERDUE,
            rub("500.00"),
            1,
            date(2026, 1, 30),
        )


def test_every_statement_calendar_keeps_its_order() -> None:
    """issued <= due < overdue <= blocked, each day where the docs say."""
    for statement_day in (1, 5, 28, 29, 30, 31):
        for due_day in (statement_day, min(statement_day + 14, 31), 29, 30, 31):
            for block_day in (due_day + 1, 30, 31):
                if not (statement_day <= due_day < block_day <= 31):
                    continue
                line = CreditLine(
                    limit=rub("1.00"),
                    statement_day=statement_day,
                    due_day=due_day,
                    block_day=block_day,
                )
                for year, month in [(2026, 2), (2028, 2), (2026, 4), (2026, 12)]:
                    d = line.dates(year, month)
                    last = calendar.monthrange(year, month)[1]
                    assert d.issued_on == date(year, month, min(statement_day, last))
                    assert d.issued_on <= d.due_on < d.overdue_from <= d.blocked_from
                    assert d.overdue_from == d.due_on + timedelta(days=1)
                    clamped = date(year, month, min(block_day, last))
                    assert d.blocked_from == max(clamped, d.overdue_from)
