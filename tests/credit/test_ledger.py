"""The credit ledger: entries, wallets, consumption order, expenses, pending
payments, refunds, expiry, history. Every expected number is REQUIREMENTS.md's
or arithmetic shown beside it."""

from __future__ import annotations

import decimal
from datetime import date, datetime, timezone
from decimal import Decimal

import attrs
import pytest

from billkit.credit import CreditKind, CreditLine, Entry, EntryKind, Ledger, Wallet
from billkit.credit.entries import PendingPayment
from billkit.credit.history import group_entries, tax_by_row
from billkit.credit.streams import allocate_entries, balance_of
from billkit.credit.wallets import DEFAULT_ORDER, ConsumptionOrder
from billkit.errors import (
    CreditError,
    CreditLimitExceededError,
    CurrencyMismatchError,
    InsufficientFundsError,
    MoneyError,
    TransitionError,
    ValidationError,
)
from billkit.money import Money, RoundingPolicy
from billkit.periods import Period

UTC = timezone.utc
NAIVE = datetime.fromisoformat("2026-03-01T12:00:00")  # no tzinfo


def t(day: int, hour: int = 12, month: int = 3, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def main_ledger(*wallets: Wallet) -> Ledger:
    return Ledger(wallets=wallets or [Wallet(name="main", currency="RUB")])


def replayed(ledger: Ledger) -> Ledger:
    """The same ledger loaded from its plain values, as storage would."""
    return Ledger(
        wallets=ledger.wallets,
        entries=ledger.entries,
        pending=ledger.pending,
        rounding=ledger.rounding,
    )


# --------------------------------------------------------------------------- entries


class TestEntries:
    def test_signs_follow_the_kind(self) -> None:
        with pytest.raises(CreditError, match="a positive amount: a top-up adds money"):
            Entry(kind="top_up", amount=rub("-1.00"), wallet="main", at=t(1), key="k")
        with pytest.raises(CreditError, match="a negative amount: a refund takes money"):
            Entry(kind="refund", amount=rub("1.00"), wallet="main", at=t(1), key="k", source="p")
        with pytest.raises(CreditError, match="non-zero"):
            Entry(kind="adjustment", amount=rub("0"), wallet="main", at=t(1), key="k")

    def test_credit_kinds_default_by_kind_and_bonus_is_never_cash(self) -> None:
        top_up = Entry(kind="top_up", amount=rub("1.00"), wallet="main", at=t(1), key="a")
        bonus = Entry(kind="bonus", amount=rub("1.00"), wallet="main", at=t(1), key="b")
        cashback = Entry(kind="cashback", amount=rub("1.00"), wallet="main", at=t(1), key="c")
        assert (top_up.credit_kind, bonus.credit_kind, cashback.credit_kind) == (
            CreditKind.PAID,
            CreditKind.BONUS,
            CreditKind.BONUS,
        )
        with pytest.raises(CreditError, match="never cash"):
            Entry(
                kind="bonus", amount=rub("1.00"), wallet="m", at=t(1), key="b", credit_kind="paid"
            )
        with pytest.raises(CreditError, match="a top-up is cash"):
            Entry(kind="top_up", amount=rub("1"), wallet="m", at=t(1), key="a", credit_kind="bonus")
        with pytest.raises(CreditError, match="a CreditKind for a positive adjustment"):
            Entry(kind="adjustment", amount=rub("1.00"), wallet="main", at=t(1), key="k")

    def test_naive_datetimes_are_refused(self) -> None:
        with pytest.raises(CreditError, match="timezone-aware"):
            Entry(kind="top_up", amount=rub("1.00"), wallet="main", at=NAIVE, key="k")

    def test_floats_are_refused(self) -> None:
        ledger = main_ledger()
        with pytest.raises(MoneyError, match="floats are inexact"):
            ledger.top_up("main", 0.1, at=t(1), key="k")

    def test_expiry_must_follow_the_entry_and_only_credits_expire(self) -> None:
        with pytest.raises(CreditError, match="expires_at"):
            Entry(kind="bonus", amount=rub("1"), wallet="m", at=t(2), key="b", expires_at=t(1))
        with pytest.raises(CreditError, match="only credits expire"):
            Entry(kind="charge", amount=rub("-1"), wallet="m", at=t(1), key="c", expires_at=t(2))

    def test_targeted_debits_need_a_source(self) -> None:
        with pytest.raises(CreditError, match="source"):
            Entry(kind="refund", amount=rub("-1.00"), wallet="main", at=t(1), key="r")
        with pytest.raises(CreditError, match="has no source"):
            Entry(kind="charge", amount=rub("-1.00"), wallet="main", at=t(1), key="c", source="p")

    def test_tags_read_back(self) -> None:
        e = Entry(
            kind="charge",
            amount=rub("-1.00"),
            wallet="main",
            at=t(1),
            key="c",
            tags={"channel": "sms", "campaign": "spring"},
        )
        assert e.tags == (("campaign", "spring"), ("channel", "sms"))
        assert (e.tag("channel"), e.tag("missing", "-")) == ("sms", "-")


# --------------------------------------------------------------------------- wallets and refusals


class TestWalletsAndRefusals:
    def test_several_wallets_are_separate_balances(self) -> None:
        # The analytics SaaS: a main balance and a separate tracking balance.
        ledger = main_ledger(
            Wallet(name="main", currency="RUB"), Wallet(name="tracking", currency="RUB")
        )
        ledger = ledger.top_up("main", "10000.00", at=t(1), key="p1")
        ledger = ledger.top_up("tracking", "1500.00", at=t(1), key="p2")
        ledger = ledger.charge("tracking", "400.00", at=t(2), key="c1")
        assert ledger.balances() == {"main": rub("10000.00"), "tracking": rub("1100.00")}

    def test_wallets_in_several_currencies_never_mix(self) -> None:
        ledger = main_ledger(Wallet(name="rub", currency="RUB"), Wallet(name="eur", currency="EUR"))
        ledger = ledger.top_up("eur", Money("50.00", "EUR"), at=t(1), key="p1")
        with pytest.raises(CurrencyMismatchError, match="an amount in RUB"):
            ledger.top_up("rub", Money("50.00", "EUR"), at=t(1), key="p2")
        entry = Entry(kind="top_up", amount=Money("5.00", "USD"), wallet="eur", at=t(1), key="p3")
        with pytest.raises(CurrencyMismatchError):
            ledger.post(entry)
        assert ledger.balances() == {"rub": Money("0", "RUB"), "eur": Money("50.00", "EUR")}

    def test_bad_input_is_refused_and_the_ledger_is_unchanged(self) -> None:
        ledger = main_ledger().top_up("main", "100.00", at=t(1), key="p1")
        before = (ledger.entries, ledger.balance("main"), ledger.credits("main"))
        refusals = [
            lambda: ledger.top_up("main", "-5.00", at=t(2), key="x1"),  # negative top-up
            lambda: ledger.top_up("main", "0.005", at=t(2), key="x2"),  # not whole kopeks
            lambda: ledger.top_up("main", Money("5.00", "USD"), at=t(2), key="x3"),
            lambda: ledger.top_up("nowhere", "5.00", at=t(2), key="x4"),  # unknown wallet
            lambda: ledger.charge("main", "100.01", at=t(2), key="x5"),  # beyond the balance
            lambda: ledger.charge("main", "1.00", at=t(1, hour=11), key="x6"),  # in the past
            lambda: ledger.post(
                Entry(kind="charge", amount=rub("-1.00"), wallet="ghost", at=t(2), key="x7")
            ),
        ]
        for refuse in refusals:
            with pytest.raises(ValidationError):  # CreditError, or MoneyError for currencies
                refuse()
        assert (ledger.entries, ledger.balance("main"), ledger.credits("main")) == before
        # and the value still works as before: its internal replay was not touched
        assert ledger.charge("main", "100.00", at=t(2), key="c").balance("main") == rub("0.00")

    def test_unknown_wallet_names_the_known_ones(self) -> None:
        with pytest.raises(CreditError, match="a wallet of this ledger \\('main'\\)"):
            main_ledger().balance("tracking")

    def test_wallet_names_are_unique(self) -> None:
        with pytest.raises(CreditError, match="not used by another wallet"):
            Ledger(wallets=[Wallet(name="a", currency="RUB"), Wallet(name="a", currency="EUR")])

    def test_insufficient_funds_without_a_credit_line(self) -> None:
        ledger = main_ledger().top_up("main", "30.00", at=t(1), key="p1")
        with pytest.raises(InsufficientFundsError, match=r"at most 30\.00 RUB"):
            ledger.charge("main", "30.01", at=t(2), key="c1")
        assert ledger.charge("main", "30.00", at=t(2), key="c1").balance("main") == rub("0.00")

    def test_a_credit_line_allows_down_to_minus_the_limit_and_no_further(self) -> None:
        line = CreditLine(limit=rub("500.00"))
        ledger = main_ledger(Wallet(name="main", currency="RUB", credit=line))
        ledger = ledger.top_up("main", "100.00", at=t(1), key="p1")
        with pytest.raises(CreditLimitExceededError, match=r"at most 600\.00 RUB"):
            ledger.charge("main", "600.01", at=t(2), key="c1")  # 100 + 500 = 600
        ledger = ledger.charge("main", "600.00", at=t(2), key="c1")
        assert (ledger.balance("main"), ledger.debt("main")) == (rub("-500.00"), rub("500.00"))

    def test_with_wallet_changes_the_limit_but_not_the_calendar(self) -> None:
        line = CreditLine(limit=rub("500.00"))
        ledger = main_ledger(Wallet(name="main", currency="RUB", credit=line))
        ledger = ledger.charge("main", "400.00", at=t(1), key="c1")
        lower = ledger.with_wallet(
            Wallet(name="main", currency="RUB", credit=attrs.evolve(line, limit=rub("300.00")))
        )
        assert lower.available("main", t(2)) == rub("0")  # owes 400 > new limit 300
        with pytest.raises(CreditError, match="statement calendar"):
            ledger.with_wallet(
                Wallet(name="main", currency="RUB", credit=attrs.evolve(line, due_day=20))
            )
        with pytest.raises(CreditError, match="order"):
            ledger.with_wallet(
                Wallet(
                    name="main",
                    currency="RUB",
                    credit=line,
                    order=ConsumptionOrder(lots="lifo"),
                )
            )


# --------------------------------------------------------------------------- idempotency


class TestIdempotency:
    def test_the_same_entry_twice_counts_once(self) -> None:
        ledger = main_ledger()
        once = ledger.top_up("main", "100.00", at=t(1), key="p1", reference="pfx/1186")
        twice = once.top_up("main", "100.00", at=t(1), key="p1", reference="pfx/1186")
        assert twice is once
        assert twice.balance("main") == rub("100.00")

    def test_a_different_entry_under_a_used_key_is_refused(self) -> None:
        ledger = main_ledger().top_up("main", "100.00", at=t(1), key="p1")
        with pytest.raises(CreditError, match=r"used by a different entry \(top_up of 100\.00"):
            ledger.top_up("main", "200.00", at=t(1), key="p1")

    def test_a_batch_is_all_or_nothing(self) -> None:
        ledger = main_ledger()
        good = Entry(kind="top_up", amount=rub("10.00"), wallet="main", at=t(1), key="a")
        bad = Entry(kind="charge", amount=rub("-50.00"), wallet="main", at=t(1), key="b")
        with pytest.raises(InsufficientFundsError):
            ledger.post_all([good, bad])
        assert ledger.entries == ()


# --------------------------------------------------------------------------- consumption order


class TestConsumptionOrder:
    def credits(self, order: ConsumptionOrder = DEFAULT_ORDER) -> Ledger:
        ledger = main_ledger(Wallet(name="main", currency="RUB", order=order))
        ledger = ledger.top_up("main", "100.00", at=t(1), key="paid")
        ledger = ledger.adjust("main", "40.00", at=t(1), key="refundable", kind="refundable")
        ledger = ledger.grant("main", "30.00", at=t(1), key="bonus")
        return ledger.grant("main", "20.00", at=t(1), key="promo", kind="promotional")

    def test_default_order_spends_promotional_then_bonus_then_paid_then_refundable(self) -> None:
        ledger = self.credits().charge("main", "160.00", at=t(2), key="c1")
        parts = [(a.credit, a.amount) for a in ledger.allocations("main")]
        # 20 promo + 30 bonus + 100 paid = 150; the last 10 from refundable money
        assert parts == [
            ("promo", rub("20.00")),
            ("bonus", rub("30.00")),
            ("paid", rub("100.00")),
            ("refundable", rub("10.00")),
        ]

    def test_a_configured_order_is_followed(self) -> None:
        order = ConsumptionOrder(kinds=["paid", "refundable", "bonus", "promotional"])
        ledger = self.credits(order).charge("main", "120.00", at=t(2), key="c1")
        assert [(a.credit, a.amount) for a in ledger.allocations("main")] == [
            ("paid", rub("100.00")),
            ("refundable", rub("20.00")),
        ]

    def test_order_must_name_every_kind_once(self) -> None:
        with pytest.raises(CreditError, match="exactly once"):
            ConsumptionOrder(kinds=["paid", "bonus"])

    @pytest.mark.parametrize(
        ("lots", "first"),
        [("fifo", "b-old"), ("lifo", "b-new"), ("expiring_first", "b-new")],
    )
    def test_lots_of_one_kind(self, lots: str, first: str) -> None:
        ledger = main_ledger(Wallet(name="main", currency="RUB", order=ConsumptionOrder(lots=lots)))
        ledger = ledger.grant("main", "10.00", at=t(1), key="b-old", expires_at=t(1, month=12))
        ledger = ledger.grant("main", "10.00", at=t(2), key="b-new", expires_at=t(1, month=6))
        ledger = ledger.charge("main", "5.00", at=t(3), key="c1")
        assert [a.credit for a in ledger.allocations("main")] == [first]

    def test_credits_are_listed_in_spending_order(self) -> None:
        assert [lot.key for lot in self.credits().credits("main")] == [
            "promo",
            "bonus",
            "paid",
            "refundable",
        ]


# --------------------------------------------------------------------------- expenses


class TestExpenseHistory:
    def test_the_hosting_providers_rows(self) -> None:
        # REQUIREMENTS.md 3 / seed 002: four expenses on 2024-02-21, all paid
        # by payment pfx/5635, nothing unpaid; tax 20 % included, per row.
        at = datetime(2024, 2, 21, 10, tzinfo=UTC)
        ledger = main_ledger().top_up("main", "200.00", at=at, key="5635", reference="pfx/5635")
        rows = [("4835", "21.3464"), ("4836", "22.4137"), ("4837", "34.4827"), ("4839", "22.4137")]
        for key, amount in rows:
            ledger = ledger.charge("main", amount, at=at, key=key, description="BACKUP-1000")
        expenses = ledger.expenses("main")
        assert [(e.key, e.amount, e.unpaid, e.paid_by) for e in expenses] == [
            (key, rub(amount), rub("0"), ("pfx/5635",)) for key, amount in rows
        ]
        # 200 - (21.3464 + 22.4137 + 34.4827 + 22.4137 = 100.6565) = 99.3435
        assert ledger.balance("main") == rub("99.3435")
        newest_first = [e.amount for e in reversed(expenses)]
        # the provider's tax column (newest first): total 100.6565 x 20/120 =
        # 16.776 -> 16.78, split by largest remainder: shares 3.7356, 5.7471,
        # 3.7356, 3.5577; floors 16.75, the 3 kopeks left go to .77, .71, and
        # the first .56 (a tie: the earlier row)
        assert tax_by_row(newest_first, "20%") == [
            rub("3.74"),
            rub("5.75"),
            rub("3.73"),
            rub("3.56"),
        ]

    def test_rounding_each_row_alone_misses_the_total(self) -> None:
        amounts = [rub("22.4137"), rub("34.4827"), rub("22.4137"), rub("21.3464")]
        alone = [RoundingPolicy().round(Money(a.amount / 6, "RUB")) for a in amounts]
        assert sum(x.amount for x in alone) == Decimal("16.79")  # 3.74 + 5.75 + 3.74 + 3.56
        assert sum(x.amount for x in tax_by_row(amounts, "20%")) == Decimal("16.78")

    def test_unpaid_parts_are_paid_by_later_payments_oldest_first(self) -> None:
        ledger = main_ledger(
            Wallet(name="main", currency="RUB", credit=CreditLine(limit=rub("1000.00")))
        )
        ledger = ledger.charge("main", "22.4137", at=t(1), key="4839")
        ledger = ledger.charge("main", "34.4827", at=t(2), key="4837")
        ledger = ledger.top_up("main", "30.00", at=t(3), key="p1", reference="pfx/1")
        ledger = ledger.top_up("main", "30.00", at=t(4), key="p2", reference="pfx/2")
        first, second = ledger.expenses("main")
        # p1 pays 22.4137 of the first and 7.5863 of the second;
        # p2 pays 26.8964 of the second (34.4827 - 7.5863), 3.1036 stays on the balance
        assert (first.paid_by, first.unpaid) == (("pfx/1",), rub("0"))
        assert [(a.credit, a.amount) for a in second.allocations] == [
            ("p1", rub("7.5863")),
            ("p2", rub("26.8964")),
        ]
        assert ledger.balance("main") == rub("3.1036")

    def test_expenses_as_of_a_past_moment(self) -> None:
        ledger = main_ledger(
            Wallet(name="main", currency="RUB", credit=CreditLine(limit=rub("1000.00")))
        )
        ledger = ledger.charge("main", "50.00", at=t(1), key="c1")
        ledger = ledger.top_up("main", "50.00", at=t(5), key="p1")
        assert ledger.expenses("main", at=t(4))[0].unpaid == rub("50.00")
        assert ledger.expenses("main")[0].unpaid == rub("0.00")

    def test_debt_brought_in_is_an_expense_paid_like_a_charge(self) -> None:
        ledger = main_ledger(
            Wallet(name="main", currency="RUB", credit=CreditLine(limit=rub("1000.00")))
        )
        ledger = ledger.add_debt("main", "300.00", at=t(1), key="opening")
        ledger = ledger.top_up("main", "100.00", at=t(2), key="p1")
        (row,) = ledger.expenses("main")
        assert (row.kind, row.unpaid) == (EntryKind.DEBT, rub("200.00"))


# --------------------------------------------------------------------------- balances over time


class TestBalanceOverTime:
    def test_balance_at_any_moment(self) -> None:
        ledger = main_ledger().top_up("main", "100.00", at=t(1), key="p1")
        ledger = ledger.charge("main", "30.00", at=t(5), key="c1")
        assert ledger.balance("main", at=t(1, hour=11)) == rub("0")
        assert ledger.balance("main", at=t(1)) == rub("100.00")  # at the entry: included
        assert ledger.balance("main", at=t(4)) == rub("100.00")
        assert ledger.balance("main", at=t(6)) == rub("70.00")

    def test_bonus_expires_and_the_balance_says_so_before_and_after_booking(self) -> None:
        ledger = main_ledger().top_up("main", "100.00", at=t(1), key="p1")
        ledger = ledger.grant("main", "50.00", at=t(1), key="b1", expires_at=t(20))
        ledger = ledger.charge("main", "20.00", at=t(2), key="c1")  # from the bonus first
        assert ledger.balance("main", at=t(19)) == rub("130.00")
        # expired on the 20th: the 30.00 left of it is gone, booked or not
        assert ledger.balance("main", at=t(20)) == rub("100.00")
        booked = ledger.expire(t(21))
        expiry = booked.entries[-1]
        assert (expiry.kind, expiry.amount, expiry.at, expiry.source) == (
            EntryKind.EXPIRY,
            rub("-30.00"),
            t(20),
            "b1",
        )
        assert booked.balance("main") == rub("100.00")
        assert sum(e.amount.amount for e in booked.entries) == Decimal("100.00")

    def test_expired_bonus_is_never_spent(self) -> None:
        ledger = main_ledger().top_up("main", "100.00", at=t(1), key="p1")
        ledger = ledger.grant("main", "50.00", at=t(1), key="b1", expires_at=t(10))
        ledger = ledger.charge("main", "60.00", at=t(10), key="c1")  # at the expiry moment
        (row,) = ledger.expenses("main")
        assert [(a.credit, a.amount) for a in row.allocations] == [("p1", rub("60.00"))]
        assert [e.kind for e in ledger.entries][-2:] == [EntryKind.EXPIRY, EntryKind.CHARGE]
        with pytest.raises(InsufficientFundsError):
            ledger.charge("main", "40.01", at=t(11), key="c2")

    def test_promo_credit_expires_without_a_trace_in_cash(self) -> None:
        ledger = main_ledger().grant(
            "main", "100.00", at=t(1), key="promo", kind="promotional", expires_at=t(1, month=4)
        )
        assert ledger.available("main", t(31)) == rub("100.00")
        assert ledger.available("main", t(1, month=4)) == rub("0")


# --------------------------------------------------------------------------- pending payments


class TestPendingPayments:
    def transfer(self) -> PendingPayment:
        # The marketing SaaS: a bank transfer takes 3-4 hours, up to 1-3 days.
        return PendingPayment(
            key="bank-1",
            wallet="main",
            amount=Money("5000.00", "UAH"),
            at=t(2, hour=9),
            method="bank_transfer",
            reference="invoice 17",
        )

    def ledger(self) -> Ledger:
        return Ledger(wallets=[Wallet(name="main", currency="UAH")]).expect(self.transfer())

    def test_a_pending_transfer_counts_only_once_confirmed(self) -> None:
        ledger = self.ledger()
        assert ledger.balance("main") == Money("0", "UAH")
        assert ledger.pending_total("main") == Money("5000.00", "UAH")
        with pytest.raises(InsufficientFundsError):
            ledger.charge("main", "1.00", at=t(2, hour=10), key="c1")
        confirmed = ledger.confirm("bank-1", at=t(3, hour=13))
        entry = confirmed.entry("bank-1")
        assert (entry.kind, entry.at, entry.reference) == (EntryKind.TOP_UP, t(3, 13), "invoice 17")
        assert confirmed.balance("main") == Money("5000.00", "UAH")
        assert confirmed.balance("main", at=t(3, hour=12)) == Money("0", "UAH")
        assert confirmed.pending == ()
        assert confirmed.confirm("bank-1", at=t(4)) is confirmed  # confirming again: no change

    def test_announcing_twice_counts_once_and_a_clash_is_refused(self) -> None:
        ledger = self.ledger()
        assert ledger.expect(self.transfer()) is ledger
        with pytest.raises(CreditError, match="a different payment is pending"):
            ledger.expect(attrs.evolve(self.transfer(), amount=Money("1.00", "UAH")))
        confirmed = ledger.confirm("bank-1", at=t(3))
        assert confirmed.expect(self.transfer()) is confirmed

    def test_cancel_and_its_refusals(self) -> None:
        ledger = self.ledger()
        assert ledger.cancel("bank-1").pending == ()
        with pytest.raises(CreditError, match="the key of a pending payment"):
            ledger.cancel("bank-2")
        with pytest.raises(TransitionError, match="in state 'credited' cannot 'cancel'"):
            ledger.confirm("bank-1", at=t(3)).cancel("bank-1")
        with pytest.raises(CreditError, match="at or after the payment was announced"):
            ledger.confirm("bank-1", at=t(1))

    def test_pending_payments_survive_a_round_trip(self) -> None:
        ledger = self.ledger()
        assert replayed(ledger) == ledger
        with pytest.raises(CreditError, match=r"pending\[0\]\.wallet"):
            Ledger(wallets=[Wallet(name="other", currency="UAH")], pending=ledger.pending)


# --------------------------------------------------------------------------- refunds


class TestRefunds:
    def test_bonus_money_is_never_refunded(self) -> None:
        ledger = main_ledger().grant("main", "100.00", at=t(1), key="b1")
        with pytest.raises(CreditError, match="bonus money is never refunded as cash"):
            ledger.refund("main", "b1", "10.00", at=t(2), key="r1")

    def test_a_refund_never_exceeds_what_is_left_of_the_payment(self) -> None:
        ledger = main_ledger().top_up("main", "100.00", at=t(1), key="p1")
        ledger = ledger.charge("main", "22.4137", at=t(2), key="c1")
        # 100 - 22.4137 = 77.5863 left; cash moves in kopeks: 77.58 at most
        assert ledger.refundable("main", "p1") == rub("77.58")
        with pytest.raises(CreditError, match=r"at most 77\.58 RUB"):
            ledger.refund("main", "p1", "77.59", at=t(3), key="r1")
        refunded = ledger.refund("main", "p1", "77.58", at=t(3), key="r1")
        assert refunded.balance("main") == rub("0.0063")
        with pytest.raises(CreditError, match="at most 0"):
            refunded.refund("main", "p1", "0.01", at=t(4), key="r2")

    def test_a_payment_refunded_in_full_earns_no_later_bonus(self) -> None:
        ledger = main_ledger().top_up("main", "500.00", at=t(1), key="p1")
        refunded = ledger.refund("main", "p1", "500.00", at=t(2), key="r1")
        with pytest.raises(CreditError, match="refunded payment earns nothing"):
            refunded.grant("main", "50.00", at=t(3), key="p1/bonus", source="p1")
        # refunded in part, it still may earn (the program decides how much)
        part = ledger.refund("main", "p1", "100.00", at=t(2), key="r1")
        assert part.grant("main", "40.00", at=t(3), key="p1/bonus", source="p1").balance(
            "main"
        ) == rub("440.00")

    def test_refunding_a_payment_claws_back_its_bonus(self) -> None:
        # REQUIREMENTS.md 1: 90 000 paid earns 30 000 of bonus.
        ledger = main_ledger().top_up("main", "90000.00", at=t(1), key="p1")
        ledger = ledger.grant("main", "30000.00", at=t(1), key="p1/bonus", source="p1")
        refunded = ledger.refund("main", "p1", "90000.00", at=t(2), key="r1")
        assert refunded.balance("main") == rub("0.00")
        kinds = [(e.kind, e.amount, e.source) for e in refunded.entries[2:]]
        assert kinds == [
            (EntryKind.CLAWBACK, rub("-30000.00"), "p1/bonus"),
            (EntryKind.REFUND, rub("-90000.00"), "p1"),
        ]

    def test_spent_bonus_is_kept_from_the_cash_refunded(self) -> None:
        ledger = main_ledger().top_up("main", "90000.00", at=t(1), key="p1")
        ledger = ledger.grant("main", "30000.00", at=t(1), key="p1/bonus", source="p1")
        ledger = ledger.charge("main", "40000.00", at=t(2), key="c1")  # 30 000 bonus + 10 000 paid
        # 80 000 of the payment left; the 30 000 bonus spent is kept: 50 000 in cash
        assert ledger.refundable("main", "p1") == rub("50000.00")
        with pytest.raises(CreditError, match=r"less 30000\.00 of its bonus already spent"):
            ledger.refund("main", "p1", "50000.01", at=t(3), key="r1")
        done = ledger.refund("main", "p1", "50000.00", at=t(3), key="r1")
        assert done.balance("main") == rub("0.00")
        cash_out = -sum(e.amount.amount for e in done.entries if e.kind is EntryKind.REFUND)
        # paid 90 000, used 40 000 of services at full price, got 50 000 back
        assert cash_out == Decimal("50000.00")

    def test_proportional_clawback_is_cumulative(self) -> None:
        ledger = main_ledger().top_up("main", "300.00", at=t(1), key="p1")
        ledger = ledger.grant("main", "10.00", at=t(1), key="p1/cb", source="p1", kind="bonus")
        # refund a third three times: 10 x 100/300 = 3.333 -> 3.33; 10 x 200/300 =
        # 6.667 -> 6.67 (so 3.34 more); 10 x 300/300 = 10 (3.33 more)
        for i in range(3):
            ledger = ledger.refund(
                "main", "p1", "100.00", at=t(2 + i), key=f"r{i}", clawback="proportional"
            )
        clawed = [-e.amount.amount for e in ledger.entries if e.kind is EntryKind.CLAWBACK]
        assert clawed == [Decimal("3.33"), Decimal("3.34"), Decimal("3.33")]
        assert ledger.balance("main") == rub("0.00")

    def test_an_explicit_forfeit(self) -> None:
        ledger = main_ledger().top_up("main", "90000.00", at=t(1), key="p1")
        ledger = ledger.grant("main", "30000.00", at=t(1), key="p1/bonus", source="p1")
        # refund 40 000: 50 000 kept is 5 months -> the 1-month tier: 10 000 of the
        # 30 000 stays, so 20 000 is forfeited
        done = ledger.refund("main", "p1", "40000.00", at=t(2), key="r1", forfeit="20000.00")
        assert done.balance("main") == rub("60000.00")  # 50 000 paid + 10 000 bonus

    def test_refunding_twice_with_one_key_counts_once(self) -> None:
        ledger = main_ledger().top_up("main", "100.00", at=t(1), key="p1")
        once = ledger.refund("main", "p1", "40.00", at=t(2), key="r1")
        assert once.refund("main", "p1", "40.00", at=t(2), key="r1") is once


# --------------------------------------------------------------------------- storage round trip


class TestLoading:
    def test_a_ledger_loads_from_its_plain_values(self) -> None:
        line = CreditLine(limit=rub("1000.00"))
        ledger = main_ledger(Wallet(name="main", currency="RUB", credit=line))
        ledger = ledger.top_up("main", "100.00", at=t(1), key="p1")
        ledger = ledger.grant("main", "50.00", at=t(1), key="b1", expires_at=t(10))
        ledger = ledger.charge("main", "300.00", at=t(12), key="c1")
        loaded = replayed(ledger)
        assert loaded == ledger
        assert loaded.allocations("main") == ledger.allocations("main")
        assert loaded.balance("main") == ledger.balance("main") == rub("-200.00")

    def test_a_refund_beyond_the_lot_is_refused_on_load(self) -> None:
        entries = [
            Entry(kind="top_up", amount=rub("10.00"), wallet="main", at=t(1), key="p1"),
            Entry(
                kind="refund", amount=rub("-20.00"), wallet="main", at=t(2), key="r", source="p1"
            ),
        ]
        with pytest.raises(CreditError, match=r"entries\[1\]\.amount"):
            Ledger(wallets=[Wallet(name="main", currency="RUB")], entries=entries)

    def test_a_missing_expiry_is_refused_on_load(self) -> None:
        entries = [
            Entry(
                kind="bonus", amount=rub("10.00"), wallet="main", at=t(1), key="b", expires_at=t(2)
            ),
            Entry(kind="charge", amount=rub("-5.00"), wallet="main", at=t(3), key="c"),
        ]
        with pytest.raises(CreditError, match="an expiry entry for lot 'b'"):
            Ledger(wallets=[Wallet(name="main", currency="RUB")], entries=entries)

    def test_entries_out_of_time_order_are_refused_on_load(self) -> None:
        entries = [
            Entry(kind="top_up", amount=rub("10.00"), wallet="main", at=t(2), key="a"),
            Entry(kind="top_up", amount=rub("10.00"), wallet="main", at=t(1), key="b"),
        ]
        with pytest.raises(CreditError, match="appended in time order"):
            Ledger(wallets=[Wallet(name="main", currency="RUB")], entries=entries)

    def test_duplicate_keys_are_refused_on_load(self) -> None:
        e = Entry(kind="top_up", amount=rub("10.00"), wallet="main", at=t(1), key="a")
        with pytest.raises(CreditError, match="a key used by one entry only"):
            Ledger(wallets=[Wallet(name="main", currency="RUB")], entries=[e, e])


# --------------------------------------------------------------------------- streams


class TestStreams:
    def test_balance_of_and_allocate_entries_agree_with_the_ledger(self) -> None:
        ledger = main_ledger(
            Wallet(name="main", currency="RUB"), Wallet(name="eur", currency="EUR")
        )
        ledger = ledger.top_up("main", "100.00", at=t(1), key="p1")
        ledger = ledger.top_up("eur", Money("9.00", "EUR"), at=t(1), key="e1")
        ledger = ledger.charge("main", "60.00", at=t(2), key="c1")
        ledger = ledger.top_up("main", "100.00", at=t(3), key="p2")
        ledger = ledger.charge("main", "60.00", at=t(4), key="c2")
        assert balance_of(iter(ledger.entries)) == ledger.balances()
        assert balance_of(ledger.entries, at=t(2)) == {
            "main": rub("40.00"),
            "eur": Money("9.00", "EUR"),
        }
        streamed = list(allocate_entries(e for e in ledger.entries))
        assert streamed == list(ledger.allocations("main"))
        assert [(a.debit, a.credit, a.amount) for a in streamed] == [
            ("c1", "p1", rub("60.00")),
            ("c2", "p1", rub("40.00")),
            ("c2", "p2", rub("20.00")),
        ]

    def test_streams_refuse_mixed_currencies_in_a_wallet(self) -> None:
        entries = [
            Entry(kind="top_up", amount=rub("1.00"), wallet="main", at=t(1), key="a"),
            Entry(kind="top_up", amount=Money("1.00", "EUR"), wallet="main", at=t(1), key="b"),
        ]
        with pytest.raises(CurrencyMismatchError):
            balance_of(entries)
        with pytest.raises(CurrencyMismatchError):
            list(allocate_entries(entries))

    def test_the_callers_decimal_context_is_left_alone(self) -> None:
        seen = []

        def entries():  # type: ignore[no-untyped-def]
            for i in range(3):
                seen.append(decimal.getcontext().prec)
                yield Entry(kind="top_up", amount=rub("1.00"), wallet="main", at=t(1), key=str(i))

        with decimal.localcontext() as ctx:
            ctx.prec = 5
            for _ in allocate_entries(entries()):
                assert decimal.getcontext().prec == 5
            assert seen == [5, 5, 5]


# --------------------------------------------------------------------------- history


class TestHistory:
    def ledger(self) -> Ledger:
        ledger = Ledger(wallets=[Wallet(name="main", currency="UAH")])
        ledger = ledger.top_up("main", "1000.00", at=t(1, hour=8), key="p1")
        charges = [
            ("c1", t(1, hour=9), "email", "120.00"),
            ("c2", t(1, hour=10), "sms", "35.50"),
            ("c3", t(1, hour=22), "email", "5.00"),  # 22:00 UTC is already March 2 in Kyiv
            ("c4", t(2, hour=9), "viber", "80.00"),
        ]
        for key, at, channel, amount in charges:
            ledger = ledger.charge("main", amount, at=at, key=key, tags={"channel": channel})
        return ledger

    def test_filter_by_period_kind_and_tag(self) -> None:
        ledger = self.ledger()
        march_1 = Period(date(2026, 3, 1), date(2026, 3, 2))
        assert [e.key for e in ledger.history(period=march_1)] == ["p1", "c1", "c2", "c3"]
        kyiv = [e.key for e in ledger.history(period=march_1, tz="Europe/Kyiv")]
        assert kyiv == ["p1", "c1", "c2"]
        assert [e.key for e in ledger.history(kinds=["top_up"])] == ["p1"]
        assert [e.key for e in ledger.history(tags={"channel": "email"})] == ["c1", "c3"]

    def test_group_by_day_and_channel(self) -> None:
        charges = self.ledger().history(kinds=["charge"])
        groups = group_entries(charges, ["day", "channel"], tz="Europe/Kyiv")
        assert [(g.key, g.count, g.debits) for g in groups] == [
            (("2026-03-01", "email"), 1, Money("120.00", "UAH")),
            (("2026-03-01", "sms"), 1, Money("35.50", "UAH")),
            (("2026-03-02", "email"), 1, Money("5.00", "UAH")),
            (("2026-03-02", "viber"), 1, Money("80.00", "UAH")),
        ]
        by_channel = {g.key: g.debits.amount for g in group_entries(charges, "channel")}
        assert by_channel == {
            ("email",): Decimal("125.00"),
            ("sms",): Decimal("35.50"),
            ("viber",): Decimal("80.00"),
        }

    def test_group_totals_and_currencies(self) -> None:
        ledger = Ledger(
            wallets=[Wallet(name="u", currency="UAH"), Wallet(name="e", currency="EUR")]
        )
        ledger = ledger.top_up("u", "10.00", at=t(1), key="a")
        ledger = ledger.top_up("e", Money("2.00", "EUR"), at=t(1), key="b")
        ledger = ledger.charge("u", "4.00", at=t(1), key="c")
        groups = group_entries(ledger.entries, "month")
        assert [(g.key, g.currency.code, g.credits, g.debits, g.net) for g in groups] == [
            (("2026-03",), "EUR", Money("2.00", "EUR"), Money("0", "EUR"), Money("2.00", "EUR")),
            (
                ("2026-03",),
                "UAH",
                Money("10.00", "UAH"),
                Money("4.00", "UAH"),
                Money("6.00", "UAH"),
            ),
        ]

    def test_bad_history_input(self) -> None:
        with pytest.raises(CreditError, match="time zone"):
            self.ledger().history(tz="Mars/Olympus")
        with pytest.raises(CreditError, match="at least one key"):
            group_entries([], [])


def test_time_zones_by_offset() -> None:
    ledger = main_ledger().top_up("main", "1.00", at=t(1, hour=22), key="p1")
    day = Period(date(2026, 3, 2), date(2026, 3, 3))
    assert [e.key for e in ledger.history(period=day, tz="+03:00")] == ["p1"]
    assert ledger.history(period=day, tz="-03:00") == ()
