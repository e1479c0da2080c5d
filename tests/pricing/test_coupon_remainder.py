"""A fixed-amount coupon used once, its unused part carried to the next invoices (Lago)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.money import Money
from billkit.periods import Period
from billkit.pricing import Charge, Coupon, PerUnit, Plan, apply_discounts, quote

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
CALLS = Charge(code="calls", metric="calls", model=PerUnit(unit_price=Money("0.01", "EUR")))


def _plan(base: str) -> Plan:
    return Plan(code="p", name="P", currency="EUR", base_fee=Money(base, "EUR"), charges=[CALLS])


def test_lago_applied_coupon_service_spec() -> None:
    # lago-api spec/services/credits/applied_coupon_service_spec.rb, in cents:
    # "when coupon amount is higher than invoice amount": coupon 12 on fees 4 + 2 = 6
    #   -> credit 6, split 4 and 2, not terminated (12 - 6 = 6 remains)
    first = apply_discounts(
        quote(_plan("0.04"), {"calls": 2}, MARCH),
        [Coupon(code="C12", amount_off=Money("0.12", "EUR"))],
    )
    used = first.discounts[0]
    assert used.amount == Money("0.06", "EUR")
    assert dict(used.parts) == {"base": Money("0.04", "EUR"), "calls": Money("0.02", "EUR")}
    assert not used.terminated
    assert used.remainder is not None
    assert used.remainder.amount_off == Money("0.06", "EUR")
    # "when coupon is partially used": 6 remaining on fees 200 + 100 -> credit 6 (4 and 2), terminated
    second = apply_discounts(quote(_plan("2.00"), {"calls": 100}, MARCH), [used.remainder])
    done = second.discounts[0]
    assert dict(done.parts) == {"base": Money("0.04", "EUR"), "calls": Money("0.02", "EUR")}
    assert done.terminated
    assert done.remainder is None


def test_default_and_other_kinds_carry_nothing() -> None:
    bill = quote(_plan("1.00"), {"calls": 0}, MARCH)
    percent = apply_discounts(bill, [Coupon(code="P", percent_off="10%")]).discounts[0]
    assert percent.remainder is None
    assert percent.terminated  # a percentage once ends with its cycle
    repeating = Coupon(code="R", amount_off=Money("5.00", "EUR"), duration="repeating", cycles=2)
    rep = apply_discounts(bill, [repeating]).discounts[0]
    assert rep.unused == Money("4.00", "EUR")  # 5.00 - 1.00: reported, not carried
    assert rep.remainder is None
    assert not rep.terminated
    skipped = Coupon(code="S", amount_off=Money("5.00", "EUR"), plans=["other"])
    sk = apply_discounts(bill, [skipped]).discounts[0]
    assert sk.skipped
    assert sk.remainder is None
    assert not sk.terminated


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=100_000),
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=5_000), st.integers(0, 3_000)),
        min_size=1,
        max_size=8,
    ),
)
def test_carried_until_consumed(coupon_cents: int, bills: list[tuple[int, int]]) -> None:
    coupon: Coupon | None = Coupon(code="C", amount_off=Money(Decimal(coupon_cents) / 100, "EUR"))
    taken = Decimal(0)
    billed = Decimal(0)
    for base_cents, calls in bills:
        if coupon is None:
            break
        bill = quote(_plan(str(Decimal(base_cents) / 100)), {"calls": calls}, MARCH)
        applied = apply_discounts(bill, [coupon]).discounts[0]
        assert coupon.amount_off is not None
        left = coupon.amount_off.amount
        billed += bill.total.amount
        taken += applied.amount.amount
        # each invoice takes what is left, capped at the invoice
        assert applied.amount.amount == min(left, bill.total.amount)
        # what is taken plus what is carried is what was left
        rest = applied.remainder
        carried = rest.amount_off.amount if rest is not None and rest.amount_off else Decimal(0)
        assert applied.amount.amount + carried == left
        assert applied.terminated == (rest is None)
        coupon = rest
    # in all: the coupon, or everything billed if that was less
    if coupon is None:  # consumed: it took its whole amount, over the invoices
        assert taken == Decimal(coupon_cents) / 100
    else:  # still carried: it took everything billed so far
        assert taken == billed
