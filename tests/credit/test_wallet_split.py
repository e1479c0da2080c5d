"""Several wallets (priority, fee-type limits) and paying a document partly from a balance.

Expected values come from Lago's specs (cited beside each:
spec/services/credits/allocate_prepaid_credits_by_wallets_service_spec.rb and
the invoice specs' "with active wallet") and from arithmetic shown in comments.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.credit import Ledger, Wallet
from billkit.credit.ledger import BalancePayment
from billkit.credit.wallets import WalletShare, WalletSplit, split_across_wallets
from billkit.errors import CreditError
from billkit.money import Money

AT = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def eur(amount: str | Decimal) -> Money:
    return Money(amount, "EUR")


# Lago's six wallets of 10.00 (1000 cents) each; priority 49 drains before the default 50.
NORMAL = Wallet(name="normal", currency="EUR")
PRIORITY = Wallet(name="priority", currency="EUR", priority=49)
LIMITED_CHARGE = Wallet(name="limited charge", currency="EUR", fee_types=["charge"])
PRIORITY_LIMITED_CHARGE = Wallet(
    name="priority limited charge", currency="EUR", priority=49, fee_types=["charge"]
)
LIMITED_SUBSCRIPTION = Wallet(
    name="limited subscription", currency="EUR", fee_types=["subscription"]
)
PRIORITY_LIMITED_SUBSCRIPTION = Wallet(
    name="priority limited subscription", currency="EUR", priority=49, fee_types=["subscription"]
)
# The spec creates them in this order (equal priorities apply in creation order).
SIX = [
    NORMAL,
    PRIORITY,
    LIMITED_CHARGE,
    PRIORITY_LIMITED_CHARGE,
    LIMITED_SUBSCRIPTION,
    PRIORITY_LIMITED_SUBSCRIPTION,
]


def with_ten(wallets: list[Wallet]) -> list[tuple[Wallet, Money]]:
    return [(w, eur("10.00")) for w in wallets]


class TestLagoAllocationSpec:
    def test_a_small_invoice_is_paid_by_the_first_priority_wallet(self) -> None:
        # "returns the calculated allocation": one charge fee of 100 cents -> {priority_wallet => 100}.
        split = split_across_wallets({"charge": eur("1.00")}, with_ten(SIX))
        assert split.by_wallet() == {"priority": eur("1.00")}
        assert split.due == eur("0.00")

    def test_priority_wallets_drain_first(self) -> None:
        # "drains priority wallets first": a charge fee of 1500 cents ->
        # priority 1000, then priority limited charge 500.
        split = split_across_wallets({"charge": eur("15.00")}, with_ten(SIX))
        assert split.by_wallet() == {
            "priority": eur("10.00"),
            "priority limited charge": eur("5.00"),
        }

    def test_fee_type_restrictions(self) -> None:
        # "splits across all wallets honoring fee_type restrictions": subscription 3500 + 100 tax
        # = 3600, charge 1500 + 50 tax = 1550, invoice 5150. Largest fee type first:
        # priority: 1000 of subscription (2600 left); priority limited charge: 1000 of charge
        # (550 left); priority limited subscription: 1000 (1600 left); normal: 1000 (600 left);
        # limited charge: 550; limited subscription: 600.
        split = split_across_wallets(
            {"subscription": eur("36.00"), "charge": eur("15.50")}, with_ten(SIX)
        )
        assert split.by_wallet() == {
            "priority": eur("10.00"),
            "priority limited charge": eur("10.00"),
            "priority limited subscription": eur("10.00"),
            "normal": eur("10.00"),
            "limited charge": eur("5.50"),
            "limited subscription": eur("6.00"),
        }
        assert split.applied == eur("51.50")

    def test_a_wallet_for_subscriptions_does_not_pay_usage(self) -> None:
        # "with a wallet restricted to subscription fees ... does not fund ineligible charge fees".
        split = split_across_wallets({"charge": eur("4.12")}, with_ten([LIMITED_SUBSCRIPTION]))
        assert split.shares == ()
        assert split.remaining == (("charge", eur("4.12")),)

    def test_wallets_in_another_currency_pay_nothing(self) -> None:
        # "only includes wallets matching the invoice currency": {eur_wallet => 100}.
        usd = Wallet(name="usd wallet", currency="USD")
        split = split_across_wallets(
            {"charge": eur("1.00")},
            [(Wallet(name="eur wallet", currency="EUR"), eur("10.00")), (usd, Money("10", "USD"))],
        )
        assert split.by_wallet() == {"eur wallet": eur("1.00")}


class TestSplitRefuses:
    def test_bad_fees_and_wallets(self) -> None:
        with pytest.raises(CreditError, match="fees"):
            split_across_wallets({}, [])
        with pytest.raises(CreditError, match="fees"):
            split_across_wallets({"charge": eur("-1.00")}, [])
        with pytest.raises(CreditError, match="each wallet once"):
            split_across_wallets({"charge": eur("1.00")}, [(NORMAL, eur("1")), (NORMAL, eur("1"))])
        with pytest.raises(CreditError, match="priority"):
            Wallet(name="w", currency="EUR", priority=0)
        with pytest.raises(CreditError, match="fee_types"):
            Wallet(name="w", currency="EUR", fee_types=["usage", "usage"])


fee_types = st.sampled_from(["subscription", "charge", "commitment"])
cents = st.integers(min_value=0, max_value=10**7).map(lambda c: eur(Decimal(c) / 100))


@st.composite
def wallet_sets(draw: st.DrawFn) -> list[tuple[Wallet, Money]]:
    count = draw(st.integers(min_value=0, max_value=6))
    out = []
    for i in range(count):
        allowed = draw(st.lists(fee_types, unique=True, max_size=2))
        priority = draw(st.integers(min_value=1, max_value=50))
        balance = draw(
            st.integers(min_value=-1000, max_value=10**6).map(lambda c: Decimal(c) / 100)
        )
        out.append(
            (
                Wallet(name=f"w{i}", currency="EUR", priority=priority, fee_types=allowed),
                eur(balance),
            )
        )
    return out


@given(st.dictionaries(fee_types, cents, min_size=1), wallet_sets())
def test_a_split_conserves_and_respects_limits(
    fees: dict[str, Money], wallets: list[tuple[Wallet, Money]]
) -> None:
    split = split_across_wallets(fees, wallets)
    by_name = {w.name: (w, b) for w, b in wallets}
    # Each fee type: what the wallets pay plus what remains is exactly its amount.
    remaining = dict(split.remaining)
    for fee_type, amount in fees.items():
        paid = sum((s.amount.amount for s in split.shares if s.fee_type == fee_type), Decimal(0))
        assert paid + remaining[fee_type].amount == amount.amount
        assert remaining[fee_type].amount >= 0
    # No wallet pays a fee type it is not allowed, nor more than its balance.
    for share in split.shares:
        wallet, balance = by_name[share.wallet]
        assert wallet.pays(share.fee_type)
    for name, paid_by in split.by_wallet().items():
        assert paid_by.amount <= by_name[name][1].amount
    # A fee type still due means every wallet allowed to pay it has spent all it had.
    for fee_type, left in split.remaining:
        if left.amount > 0:
            for wallet, balance in wallets:
                if wallet.pays(fee_type) and balance.amount > 0:
                    assert split.by_wallet().get(wallet.name, eur("0")).amount == balance.amount


class TestPayFromBalance:
    def ledger(self, balance: str) -> Ledger:
        ledger = Ledger(wallets=[Wallet(name="main", currency="EUR")])
        return ledger.top_up("main", balance, at=AT, key="p1") if Decimal(balance) else ledger

    def test_lagos_active_wallet(self) -> None:
        # Lago's invoice spec "with active wallet": a 1000-cent wallet against a 12000-cent
        # invoice: prepaid_credit_amount_cents 1000, total_amount_cents 11000 (12000 - 1000).
        ledger, paid = self.ledger("10.00").pay_from_balance("main", "120.00", at=AT, key="inv-1")
        assert (paid.applied, paid.remaining) == (eur("10.00"), eur("110.00"))
        assert ledger.balance("main") == eur("0.00")
        assert not paid.paid_in_full

    def test_a_balance_that_covers_the_document(self) -> None:
        # Lago's applied_prepaid_credit spec: a 10.00 wallet, an invoice of 1.00 -> 1.00 applied,
        # the wallet keeps 9.00.
        ledger, paid = self.ledger("10.00").pay_from_balance("main", "1.00", at=AT, key="inv-1")
        assert (paid.applied, paid.remaining, paid.paid_in_full) == (eur("1.00"), eur("0.00"), True)
        assert ledger.balance("main") == eur("9.00")

    def test_nothing_to_apply_posts_nothing(self) -> None:
        # "with wallet having zero balance": nothing applied, the whole 120.00 still due.
        before = self.ledger("0")
        after, paid = before.pay_from_balance("main", "120.00", at=AT, key="inv-1")
        assert after is before
        assert (paid.applied, paid.remaining) == (eur("0"), eur("120.00"))

    def test_a_fine_grained_balance_leaves_whole_cents_due(self) -> None:
        # 10.00 - 0.0049 = 9.9951 left; against 20.00 only whole cents apply: 9.99, 10.01 due.
        ledger = self.ledger("10.00").charge("main", "0.0049", at=AT, key="c1")
        ledger, paid = ledger.pay_from_balance("main", "20.00", at=AT, key="inv-1")
        assert (paid.applied, paid.remaining) == (eur("9.99"), eur("10.01"))
        assert ledger.balance("main") == eur("0.0051")

    def test_a_retry_with_the_same_key_pays_once(self) -> None:
        ledger, first = self.ledger("10.00").pay_from_balance("main", "120.00", at=AT, key="inv-1")
        again, second = ledger.pay_from_balance("main", "120.00", at=AT, key="inv-1")
        assert again is ledger
        assert second == first
        with pytest.raises(CreditError, match="key"):
            ledger.pay_from_balance(
                "main", "5.00", at=AT, key="inv-1"
            )  # 10.00 was charged under it

    def test_a_credit_line_is_not_used(self) -> None:
        from billkit.credit import CreditLine

        line = CreditLine(limit=eur("500.00"))
        ledger = Ledger(wallets=[Wallet(name="main", currency="EUR", credit=line)])
        ledger = ledger.top_up("main", "30.00", at=AT, key="p1")
        _, paid = ledger.pay_from_balance("main", "100.00", at=AT, key="inv-1")
        assert (paid.applied, paid.remaining) == (eur("30.00"), eur("70.00"))

    def test_the_result_adds_up(self) -> None:
        with pytest.raises(CreditError, match="remaining"):
            BalancePayment(
                wallet="main", key="k", due=eur("10"), applied=eur("4"), remaining=eur("5")
            )


@given(
    st.integers(min_value=0, max_value=10**8),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=1, max_value=10**8),
)
def test_a_partial_payment_never_applies_more_than_the_balance_or_the_due(
    balance_cents: int, spent_hundredths: int, due_cents: int
) -> None:
    ledger = Ledger(wallets=[Wallet(name="main", currency="EUR")])
    if balance_cents:
        ledger = ledger.top_up("main", eur(Decimal(balance_cents) / 100), at=AT, key="p1")
        if spent_hundredths and balance_cents > 1:
            ledger = ledger.charge("main", eur(Decimal(spent_hundredths) / 10000), at=AT, key="c1")
    balance = ledger.balance("main")
    due = eur(Decimal(due_cents) / 100)
    after, paid = ledger.pay_from_balance("main", due, at=AT, key="inv")
    assert paid.applied.amount <= balance.amount
    assert paid.applied.amount <= due.amount
    assert paid.applied.amount + paid.remaining.amount == due.amount
    assert after.balance("main").amount == balance.amount - paid.applied.amount
    assert after.balance("main").amount >= 0
    # Either everything due was paid, or less than one cent of balance is left unused.
    assert paid.paid_in_full or after.balance("main").amount < Decimal("0.01")


def test_values_are_plain() -> None:
    share = WalletShare(wallet="a", fee_type="charge", amount=eur("1.00"))
    split = WalletSplit(shares=[share], remaining=[("charge", eur("0"))])
    assert split.currency.code == "EUR"


class TestSplitChargeOnALedger:
    def ledger(self) -> Ledger:
        ledger = Ledger(wallets=SIX)
        for i, wallet in enumerate(SIX):
            ledger = ledger.top_up(wallet.name, "10.00", at=AT, key=f"p{i}")
        return ledger

    def test_lagos_fee_type_spec_posted(self) -> None:
        # The same spec through a ledger: subscription 36.00, charge 15.50; every wallet
        # spends its 10.00 except "limited charge" (5.50 -> 4.50 left) and "limited
        # subscription" (6.00 -> 4.00 left).
        ledger, split = self.ledger().split_charge(
            {"subscription": eur("36.00"), "charge": eur("15.50")}, at=AT, key="inv-1"
        )
        assert split.due == eur("0.00")
        assert ledger.balance("limited charge") == eur("4.50")
        assert ledger.balance("limited subscription") == eur("4.00")
        assert ledger.balance("normal") == eur("0.00")
        assert ledger.entry("inv-1/priority").amount == eur("-10.00")

    def test_a_used_key_is_refused(self) -> None:
        ledger, _ = self.ledger().split_charge({"charge": eur("1.00")}, at=AT, key="inv-1")
        with pytest.raises(CreditError, match="key"):
            ledger.split_charge({"charge": eur("1.00")}, at=AT, key="inv-1")


@given(st.dictionaries(fee_types, cents, min_size=1), wallet_sets())
def test_a_split_charge_spends_exactly_the_shares(
    fees: dict[str, Money], wallets: list[tuple[Wallet, Money]]
) -> None:
    if not wallets:
        return
    ledger = Ledger(wallets=[w for w, _ in wallets])
    for i, (wallet, balance) in enumerate(wallets):
        if balance.amount > 0:
            ledger = ledger.top_up(wallet.name, balance, at=AT, key=f"p{i}")
    before = ledger.balances()
    after, split = ledger.split_charge(fees, at=AT, key="inv")
    paid = split.by_wallet()
    for wallet, _ in wallets:
        spent = before[wallet.name].amount - after.balance(wallet.name).amount
        assert spent == paid.get(wallet.name, eur("0")).amount
        assert after.balance(wallet.name).amount >= 0
    assert (
        sum((m.amount for m in fees.values()), Decimal(0))
        == split.applied.amount + split.due.amount
    )
