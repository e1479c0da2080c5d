"""Hypothesis strategies for the credit room: ledgers built by random scenarios,
consumption orders, commissions.

A scenario plays random operations (top-ups, grants, charges, refunds,
adjustments, repeats, expiries) on a one-wallet ledger, keeping each one the
ledger accepts; a refused one must leave the ledger as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from billkit.credit import Commission, CreditKind, CreditLine, Ledger, Wallet
from billkit.credit.entries import EntryKind
from billkit.credit.wallets import ConsumptionOrder, LotOrder
from billkit.errors import BillkitError
from billkit.money import Money, RoundingPolicy, minor_units
from tests.strategies.amounts import currency_codes, exact_decimal

__all__ = [
    "START",
    "Op",
    "amount_of",
    "commissions",
    "ops",
    "orders",
    "play",
    "scenarios",
    "snapshot",
]

UTC = timezone.utc
START = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Op:
    name: str
    units: int
    hours: int
    pick: int
    extra: int  # extra decimals for charges; expiry hours for grants
    kind: str


ops = st.builds(
    Op,
    name=st.sampled_from(
        [
            "top_up",
            "top_up",
            "grant",
            "grant",
            "charge",
            "charge",
            "charge",
            "refund",
            "refund",
            "adjust",
            "adjust_down",
            "repeat",
            "expire",
        ]
    ),
    units=st.integers(1, 50_000),
    hours=st.integers(0, 72),
    pick=st.integers(0, 1000),
    extra=st.integers(0, 400),
    kind=st.sampled_from(["bonus", "promotional", "refundable", "paid"]),
)

orders = st.builds(
    ConsumptionOrder,
    kinds=st.permutations(list(CreditKind)),
    lots=st.sampled_from(list(LotOrder)),
)


def amount_of(units: int, currency: str, extra: int = 0) -> Money:
    return Money(exact_decimal(units, minor_units(currency) + extra), currency)


def play(ledger: Ledger, op: Op, at: datetime, n: int, currency: str) -> Ledger:
    """One operation of a scenario; it may be refused (raise)."""
    keys = [e.key for e in ledger.entries]
    if op.name == "top_up":
        return ledger.top_up("w", amount_of(op.units, currency), at=at, key=f"p{n}")
    if op.name == "grant":
        expires = at + timedelta(hours=op.extra) if op.extra % 3 else None
        payments = [e.key for e in ledger.entries if e.kind is EntryKind.TOP_UP]
        source = payments[op.pick % len(payments)] if payments and op.pick % 2 else ""
        kind = "promotional" if op.kind == "promotional" else "bonus"
        return ledger.grant(
            "w",
            amount_of(op.units, currency),
            at=at,
            key=f"b{n}",
            kind=kind,
            expires_at=expires if expires and expires > at else None,
            source=source,
        )
    if op.name == "charge":
        return ledger.charge("w", amount_of(op.units, currency, op.extra % 3), at=at, key=f"c{n}")
    if op.name == "adjust":
        return ledger.adjust("w", amount_of(op.units, currency), at=at, key=f"a{n}", kind=op.kind)
    if op.name == "adjust_down":
        return ledger.adjust("w", -amount_of(op.units, currency), at=at, key=f"d{n}")
    if op.name == "refund":
        payments = [e for e in ledger.entries if e.kind is EntryKind.TOP_UP]
        credits = [e for e in ledger.entries if e.is_credit]
        # mostly a payment, for a share of it; sometimes any credit (bonus: refused)
        pool = payments if payments and op.pick % 5 else credits
        if not pool:
            raise LookupError("nothing to refund")
        target = pool[op.pick % len(pool)]
        quantum = Decimal(1).scaleb(-minor_units(currency))
        share = (target.amount.amount * (op.extra % 101) / 100).quantize(quantum, "ROUND_DOWN")
        amount = Money(share, currency) if share > 0 else amount_of(op.units, currency)
        clawback = "proportional" if op.pick % 3 == 0 else "all"
        return ledger.refund("w", target.key, amount, at=at, key=f"r{n}", clawback=clawback)
    if op.name == "repeat":
        if not keys:
            raise LookupError("nothing to repeat")
        return ledger.post(ledger.entries[op.pick % len(keys)])
    if op.name == "expire":
        return ledger.expire(at)
    raise AssertionError(op.name)  # pragma: no cover


def snapshot(ledger: Ledger) -> tuple[Any, ...]:
    return (ledger.entries, ledger.balances(), ledger.credits("w"), ledger.debt("w"))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Ledger, list[Ledger], str]:
    currency = draw(currency_codes([0, 2, 3]))
    with_credit = draw(st.booleans())
    line = None
    if with_credit:
        line = CreditLine(limit=amount_of(draw(st.integers(1, 100_000)), currency))
    wallet = Wallet(name="w", currency=currency, credit=line, order=draw(orders))
    ledger = Ledger(wallets=[wallet])
    history = [ledger]
    at = START
    for n, op in enumerate(draw(st.lists(ops, min_size=1, max_size=25))):
        at += timedelta(hours=op.hours)
        before = snapshot(ledger)
        try:
            ledger = play(ledger, op, at, n, currency)
        except (BillkitError, LookupError):
            # refused: the value we hold is exactly as it was
            assert snapshot(ledger) == before
            continue
        history.append(ledger)
    return ledger, history, currency


@st.composite
def commissions(draw: st.DrawFn) -> Commission:
    currency = draw(currency_codes([0, 2, 3]))
    digits = minor_units(currency)
    rate = exact_decimal(draw(st.integers(0, 999_999)), 6)  # 0 to 99.9999 %
    fixed = draw(st.none() | st.integers(0, 10**5).map(lambda u: exact_decimal(u, digits)))
    low = draw(st.none() | st.integers(0, 10**5).map(lambda u: exact_decimal(u, digits)))
    high = draw(st.none() | st.integers(0, 10**6).map(lambda u: exact_decimal(u, digits)))
    if low is not None and high is not None and high < low:
        low, high = high, low
    mode = draw(st.sampled_from(["half_up", "half_even", "up", "down", "ceiling", "floor"]))

    def money(value: Decimal | None) -> Money | None:
        return None if value is None else Money(value, currency)

    return Commission(
        rate=rate,
        fixed=money(fixed),
        minimum=money(low),
        maximum=money(high),
        currency=currency,
        rounding=RoundingPolicy(mode=mode),
    )
