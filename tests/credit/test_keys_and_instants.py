"""Issue 17, findings 1 and 3: derived keys and daylight-saving folds.

1. A key billkit derives from another (``<lot>/expiry``, ``<refund>/clawback``,
   ``<payment>/bonus``) is refused on any other entry, so a user's key never
   collides with one billkit makes later.
3. Moments are compared as instants: in America/New_York on 2026-11-01 the
   clocks go back at 02:00 EDT, so 01:30 happens twice, at 05:30Z (fold=0)
   and at 06:30Z (fold=1).
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from billkit.credit import Entry, Ledger, PendingPayment, Wallet
from billkit.errors import CreditError
from billkit.money import Money

UTC = timezone.utc
NY = ZoneInfo("America/New_York")


def t(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def wallet() -> Ledger:
    return Ledger(wallets=[Wallet(name="main", currency="EUR")])


class TestDerivedKeys:
    def test_a_top_up_under_a_lots_expiry_key_is_refused(self) -> None:
        # The reproduction: bonus b1 expires on the 10th; a payment keyed
        # 'b1/expiry' would take the key the expiry needs.
        ledger = wallet().grant("main", "5.00", at=t(1), key="b1", expires_at=t(10))
        with pytest.raises(CreditError, match=r"b1/expiry.*reserved for an expiry of lot 'b1'"):
            ledger.top_up("main", "20.00", at=t(2), key="b1/expiry")

    def test_the_expiry_and_a_later_refund_still_work(self) -> None:
        ledger = wallet().grant("main", "5.00", at=t(1), key="b1", expires_at=t(10))
        ledger = ledger.top_up("main", "20.00", at=t(2), key="pay-20")
        ledger = ledger.charge("main", "1.00", at=t(11), key="c1")  # books b1's expiry first
        assert ledger.entry("b1/expiry").amount == Money("-5.00", "EUR")
        # 20.00 paid - 1.00 charged (the bonus expired before the charge) = 19.00
        assert ledger.refundable("main", "pay-20") == Money("19.00", "EUR")
        reloaded = Ledger(wallets=ledger.wallets, entries=ledger.entries)
        assert reloaded.balance("main") == ledger.balance("main") == Money("19.00", "EUR")

    @pytest.mark.parametrize(
        ("kind", "amount", "key", "source"),
        [
            ("top_up", "1.00", "p1/clawback", ""),
            ("charge", "-1.00", "r1/clawback/2", ""),
            ("bonus", "1.00", "p1/bonus", "p2"),  # the bonus of p1 says it came from p2
            ("adjustment", "-1.00", "x/cashback", ""),
            ("expiry", "-1.00", "lot-1/gone", "lot-1"),  # an expiry is keyed by its lot
        ],
    )
    def test_derived_keys_on_other_entries_are_refused(
        self, kind: str, amount: str, key: str, source: str
    ) -> None:
        with pytest.raises(CreditError, match="key"):
            Entry(
                kind=kind,
                amount=Money(amount, "EUR"),
                wallet="main",
                at=t(1),
                key=key,
                source=source,
                credit_kind="paid" if kind == "adjustment" and amount[0] != "-" else None,
            )

    def test_a_pending_payment_under_a_lots_expiry_key_is_refused(self) -> None:
        # Found by the state machine: the payment would be pending under 'b1/expiry'
        # when b1 expires, and the ledger would then hold the key twice.
        with pytest.raises(CreditError, match=r"b1/expiry.*reserved for an expiry of lot 'b1'"):
            PendingPayment(key="b1/expiry", wallet="main", amount=Money("1.00", "EUR"), at=t(1))

    def test_user_keys_with_slashes_stay_free(self) -> None:
        ledger = wallet().top_up("main", "10.00", at=t(1), key="stripe/pi_123")
        ledger = ledger.grant(
            "main", "2.00", at=t(1), key="stripe/pi_123/bonus", source="stripe/pi_123"
        )
        assert ledger.balance("main") == Money("12.00", "EUR")


class TestFold:
    first = datetime(2026, 11, 1, 1, 45, tzinfo=NY)  # fold=0: 05:45Z
    second = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NY)  # fold=1: 06:30Z

    def test_the_instants(self) -> None:
        assert self.first.astimezone(UTC) == datetime(2026, 11, 1, 5, 45, tzinfo=UTC)
        assert self.second.astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)

    def ledger(self) -> Ledger:
        return wallet().top_up("main", "10.00", at=datetime(2026, 11, 1, tzinfo=UTC), key="p1")

    def test_entries_in_instant_order_are_accepted(self) -> None:
        # 01:45 (first pass) then 01:30 (second pass) is 05:45Z then 06:30Z: in order.
        ledger = self.ledger().charge("main", "1.00", at=self.first, key="c1")
        ledger = ledger.charge("main", "1.00", at=self.second, key="c2")
        assert ledger.balance("main") == Money("8.00", "EUR")

    def test_entries_out_of_instant_order_are_refused(self) -> None:
        # 01:30 (second pass, 06:30Z) then 01:45 (first pass, 05:45Z): going back in time.
        ledger = self.ledger().charge("main", "1.00", at=self.second, key="c1")
        with pytest.raises(CreditError, match="at"):
            ledger.charge("main", "1.00", at=self.first, key="c2")

    def test_balance_at_an_instant_between(self) -> None:
        ledger = self.ledger().charge("main", "1.00", at=self.first, key="c1")
        ledger = ledger.charge("main", "1.00", at=self.second, key="c2")
        # At 06:00Z only c1 (05:45Z) happened: 10.00 - 1.00 = 9.00; at 06:30Z both: 8.00.
        assert ledger.balance("main", at=datetime(2026, 11, 1, 6, tzinfo=UTC)) == Money(
            "9.00", "EUR"
        )
        assert ledger.balance("main", at=self.second) == Money("8.00", "EUR")
        # The same instant in New York wall time, second pass (01:00 fold=1 is 06:00Z).
        assert ledger.balance("main", at=datetime(2026, 11, 1, 1, 0, fold=1, tzinfo=NY)) == Money(
            "9.00", "EUR"
        )

    def test_an_expiry_in_the_fold(self) -> None:
        # A bonus expiring at 01:30 second pass (06:30Z) is still there at 01:45 first pass.
        ledger = wallet().grant(
            "main", "5.00", at=datetime(2026, 11, 1, tzinfo=UTC), key="b1", expires_at=self.second
        )
        assert ledger.balance("main", at=self.first) == Money("5.00", "EUR")
        ledger = ledger.charge("main", "1.00", at=self.first, key="c1")
        assert ledger.balance("main") == Money("4.00", "EUR")
        expired = ledger.expire(datetime(2026, 11, 1, 7, tzinfo=UTC))
        assert expired.entry("b1/expiry").amount == Money("-4.00", "EUR")
        assert expired.balance("main") == Money("0.00", "EUR")

    def test_an_expiry_before_the_grant_as_an_instant_is_refused(self) -> None:
        """Found by the ledger state machine (tests/credit/test_ledger_machine.py):
        a grant at 01:00 second pass (06:00Z) expiring at 01:01 first pass
        (05:01Z) was accepted, comparing wall times, and every later expire()
        then raised CreditError posting an expiry before the wallet's last entry."""
        at = datetime(2026, 11, 1, 1, 0, fold=1, tzinfo=NY)
        too_early = datetime(2026, 11, 1, 1, 1, tzinfo=NY)  # fold=0: 05:01Z < 06:00Z
        with pytest.raises(CreditError, match="expires_at"):
            wallet().grant("main", "1.00", at=at, key="b1", expires_at=too_early)
        later = datetime(2026, 11, 1, 1, 1, fold=1, tzinfo=NY)  # 06:01Z
        ledger = wallet().grant("main", "1.00", at=at, key="b1", expires_at=later)
        assert ledger.expire(datetime(2026, 11, 1, 7, tzinfo=UTC)).balance("main") == Money(
            "0.00", "EUR"
        )
