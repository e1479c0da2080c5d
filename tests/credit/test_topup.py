"""Top-up suggestions and booking payments with their bonus and cashback."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from billkit.credit import (
    BonusProgram,
    Cashback,
    Commission,
    EntryKind,
    Ledger,
    PaymentMethod,
    Wallet,
    receive_payment,
    suggest_top_ups,
)
from billkit.credit.entries import PendingPayment
from billkit.credit.topup import reward_payment, top_up_option
from billkit.errors import CreditError
from billkit.money import Money
from billkit.periods import Cycle

UTC = timezone.utc
TARIFF = Money("10000.00", "RUB")
ANALYTICS = BonusProgram.months({5: 1, 9: 3, 15: 9})
ROBOKASSA = PaymentMethod(
    name="robokassa", commission=Commission(rate="3.9%", currency="RUB"), mode="gross_up"
)
YOOKASSA = PaymentMethod(
    name="yookassa",
    commission=Commission(rate="5%", fixed=Money("10.00", "RUB")),
    min_amount=Money("10.00", "RUB"),
    max_amount=Money("3000.00", "RUB"),
    cashback=Cashback(rate="10%"),
)


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def t(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def ledger() -> Ledger:
    return Ledger(wallets=[Wallet(name="main", currency="RUB")])


class TestSuggestions:
    def test_one_to_fifteen_months_at_the_analytics_tariff(self) -> None:
        options = suggest_top_ups(TARIFF, program=ANALYTICS)
        rows = [(o.months, o.amount, o.bonus, o.balance_after, o.months_covered) for o in options]
        # N x 10 000; bonus 0 / 0 / 1 / 3 / 9 months; balance = paid + bonus;
        # months covered = balance / 10 000
        assert rows == [
            (1, rub("10000.00"), rub("0.00"), rub("10000.00"), Decimal("1.00")),
            (3, rub("30000.00"), rub("0.00"), rub("30000.00"), Decimal("3.00")),
            (5, rub("50000.00"), rub("10000.00"), rub("60000.00"), Decimal("6.00")),
            (9, rub("90000.00"), rub("30000.00"), rub("120000.00"), Decimal("12.00")),
            (15, rub("150000.00"), rub("90000.00"), rub("240000.00"), Decimal("24.00")),
        ]

    def test_with_a_balance_already_there(self) -> None:
        (nine,) = suggest_top_ups(TARIFF, program=ANALYTICS, balance=rub("5000.00"), months=[9])
        # 5 000 + 90 000 + 30 000 = 125 000: 12.5 months
        assert (nine.balance_after, nine.months_covered) == (rub("125000.00"), Decimal("12.50"))

    def test_months_covered_are_never_overstated(self) -> None:
        option = top_up_option(rub("3000.00"), tariff=rub("3000.00"), balance=rub("100.00"))
        # 3 100 / 3 000 = 1.0333... -> 1.03
        assert option.months_covered == Decimal("1.03")
        debt = top_up_option(rub("3000.00"), tariff=rub("3000.00"), balance=rub("-3100.00"))
        # -100 / 3 000 = -0.0333... -> -0.04 (rounded down: never more than there is)
        assert debt.months_covered == Decimal("-0.04")

    def test_individuals_see_the_commission_included(self) -> None:
        options = suggest_top_ups(TARIFF, program=ANALYTICS, method=ROBOKASSA, months=[1, 9])
        # 10 000 / 0.961 -> 10 405.83; 90 000 / 0.961 -> 93 652.45 (tests/credit/test_commission.py)
        assert [(o.amount, o.pay, o.fee) for o in options] == [
            (rub("10000.00"), rub("10405.83"), rub("405.83")),
            (rub("90000.00"), rub("93652.45"), rub("3652.45")),
        ]
        assert options[1].balance_after == rub("120000.00")  # the commission is not credited

    def test_options_outside_the_methods_limits_are_left_out(self) -> None:
        # 1 000 + 5 % + 10 = 1 060 fits 3 000; 3 000 + 160 = 3 160 does not
        options = suggest_top_ups(rub("1000.00"), method=YOOKASSA, months=[1, 3])
        assert [(o.months, o.pay, o.cashback) for o in options] == [
            (1, rub("1060.00"), rub("106.00"))
        ]

    def test_a_typed_amount(self) -> None:
        option = top_up_option(rub("95000.00"), tariff=TARIFF, program=ANALYTICS)
        assert (option.months, option.bonus, option.balance_after) == (
            None,
            rub("30000.00"),
            rub("125000.00"),
        )
        with pytest.raises(CreditError, match="above zero"):
            top_up_option(rub("-1.00"), tariff=TARIFF)
        with pytest.raises(CreditError, match="limits of payment method"):
            top_up_option(rub("5000.00"), tariff=TARIFF, method=YOOKASSA)


class TestReceivePayment:
    def test_nine_months_paid_earn_three_months_of_bonus(self) -> None:
        # REQUIREMENTS.md 1: 90 000 paid at 10 000 a month -> 30 000 bonus -> 120 000
        book = receive_payment(
            ledger(),
            "main",
            rub("90000.00"),
            at=t(1),
            key="pay-1",
            program=ANALYTICS,
            tariff=TARIFF,
        )
        assert book.balance("main") == rub("120000.00")
        payment, bonus = book.entries
        assert (payment.kind, payment.amount) == (EntryKind.TOP_UP, rub("90000.00"))
        assert (bonus.kind, bonus.key, bonus.source, bonus.amount) == (
            EntryKind.BONUS,
            "pay-1/bonus",
            "pay-1",
            rub("30000.00"),
        )

    def test_cashback_is_a_separate_credited_entry(self) -> None:
        # seed 002: 100.00 through YooKassa: 115.00 paid, 11.50 cashback credited
        book = receive_payment(
            ledger(), "main", rub("100.00"), at=t(1), key="pfx/1186", method=YOOKASSA
        )
        payment, cashback = book.entries
        assert (payment.amount, payment.tag("method")) == (rub("100.00"), "yookassa")
        assert (cashback.kind, cashback.amount, cashback.credit_kind.value) == (
            EntryKind.CASHBACK,
            rub("11.50"),
            "bonus",
        )
        assert book.balance("main") == rub("111.50")

    def test_a_retried_payment_counts_once(self) -> None:
        def pay(book: Ledger) -> Ledger:
            return receive_payment(
                book,
                "main",
                rub("90000.00"),
                at=t(1),
                key="pay-1",
                program=ANALYTICS,
                tariff=TARIFF,
            )

        once = pay(ledger())
        assert pay(once) is once

    def test_refunding_the_payment_takes_its_cashback_back(self) -> None:
        book = receive_payment(ledger(), "main", rub("100.00"), at=t(1), key="p1", method=YOOKASSA)
        book = book.refund("main", "p1", "100.00", at=t(2), key="r1")
        assert book.balance("main") == rub("0.00")

    def test_expiring_bonus(self) -> None:
        program = BonusProgram.months({5: 1}, valid_for=Cycle("month", 6))
        book = receive_payment(
            ledger(), "main", rub("50000.00"), at=t(1), key="p1", program=program, tariff=TARIFF
        )
        assert book.entry("p1/bonus").expires_at == datetime(2026, 9, 1, 12, tzinfo=UTC)

    def test_a_pending_transfer_earns_once_confirmed(self) -> None:
        book = ledger().expect(
            PendingPayment(key="bank-9", wallet="main", amount=rub("90000.00"), at=t(1, 9))
        )
        book = book.confirm("bank-9", at=t(3, 10))
        rewarded = reward_payment(book, "bank-9", program=ANALYTICS, tariff=TARIFF)
        assert rewarded.balance("main") == rub("120000.00")
        assert rewarded.entry("bank-9/bonus").at == t(3, 10)
        assert reward_payment(rewarded, "bank-9", program=ANALYTICS, tariff=TARIFF) is rewarded

    def test_a_payment_outside_the_methods_limits_is_refused(self) -> None:
        book = ledger()
        # 2 900 + 5 % (145) + 10 = 3 055 to pay: above the method's 3 000
        with pytest.raises(CreditError, match="limits of payment method 'yookassa'"):
            receive_payment(book, "main", rub("2900.00"), at=t(1), key="p1", method=YOOKASSA)
        assert book.entries == ()
        assert book.balance("main") == rub("0")

    def test_only_top_ups_are_rewarded(self) -> None:
        book = (
            ledger()
            .top_up("main", "10.00", at=t(1), key="p1")
            .charge("main", "5.00", at=t(1), key="c1")
        )
        with pytest.raises(CreditError, match="the key of a top-up"):
            reward_payment(book, "c1", program=ANALYTICS, tariff=TARIFF)
