"""Properties of the credit room, for every invariant issue 4 lists.

* the balance equals the sum of the entries;
* consuming credit never takes a wallet below zero unless a credit limit
  allows it, and never beyond the limit;
* the order of consumption is respected (checked against a reference model
  written out plainly below, not against the library);
* a refund never exceeds what was paid and never returns bonus money as cash;
* duplicates by idempotency key are counted once;
* a refused operation leaves the ledger value unchanged;
* a gross-up always nets at least the target, and one minor unit less does
  not; commission is never negative.
"""

from __future__ import annotations

import decimal
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from billkit.credit import (
    AutopaySettings,
    BonusProgram,
    Cashback,
    Commission,
    CreditKind,
    CreditLine,
    Entry,
    EntryKind,
    Ledger,
    PaymentMethod,
    Wallet,
    credit_state,
    decide_autopay,
)
from billkit.credit.autopay import AutopayReason
from billkit.credit.bonus import FreeAllowance
from billkit.credit.commission import fee_on_top, gross_up
from billkit.credit.history import tax_by_row
from billkit.credit.streams import allocate_entries, balance_of
from billkit.credit.wallets import ConsumptionOrder, LotOrder
from billkit.errors import BillkitError, TransitionError
from billkit.money import Money
from tests.strategies import exact_decimal
from tests.strategies.credit import START, commissions, orders, scenarios

UTC = timezone.utc
NEVER = datetime.max.replace(tzinfo=UTC)

# --------------------------------------------------------------------------- scenarios


def reference_allocations(entries: tuple[Entry, ...], order: ConsumptionOrder) -> list[Any]:
    """Who paid what, by the documented rules, written out the slow, plain way:
    a debit takes from the open lots sorted by (kind in the order, then the lot
    rule); a targeted debit takes from its source; a credit first pays unpaid
    debits, oldest first."""
    lots: list[dict[str, Any]] = []
    debts: list[list[Any]] = []
    out = []
    rank_of_kind = {kind: i for i, kind in enumerate(order.kinds)}

    def rank(lot: dict[str, Any]) -> tuple[Any, ...]:
        if order.lots is LotOrder.FIFO:
            within: tuple[Any, ...] = (lot["seq"],)
        elif order.lots is LotOrder.LIFO:
            within = (-lot["seq"],)
        else:
            within = (lot["expires"] or NEVER, lot["seq"])
        return (rank_of_kind[lot["kind"]], *within)

    with decimal.localcontext() as ctx:
        ctx.prec = 60
        for seq, e in enumerate(entries):
            amount = e.amount.amount
            if amount > 0:
                left = amount
                while left and debts:
                    part = min(debts[0][1], left)
                    out.append((debts[0][0], e.key, part))
                    debts[0][1] -= part
                    left -= part
                    if not debts[0][1]:
                        debts.pop(0)
                if left:
                    lots.append(
                        {
                            "key": e.key,
                            "kind": e.credit_kind,
                            "expires": e.expires_at,
                            "seq": seq,
                            "left": left,
                        }
                    )
            elif e.source:
                (lot,) = [lot for lot in lots if lot["key"] == e.source]
                assert lot["left"] >= -amount
                out.append((e.key, lot["key"], -amount))
                lot["left"] += amount
            else:
                need = -amount
                for lot in sorted((lot for lot in lots if lot["left"]), key=rank):
                    # an open lot must not be expired when it is spent
                    assert lot["expires"] is None or lot["expires"] > e.at
                    part = min(lot["left"], need)
                    out.append((e.key, lot["key"], part))
                    lot["left"] -= part
                    need -= part
                    if not need:
                        break
                if need:
                    debts.append([e.key, need])
    return out


SCENARIO_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@SCENARIO_SETTINGS
@given(scenarios())
def test_the_balance_is_the_sum_of_the_entries(case: tuple[Ledger, list[Ledger], str]) -> None:
    ledger, history, _ = case
    for state in history:
        total = sum((e.amount.amount for e in state.entries), Decimal(0))
        assert state.balance("w").amount == total
        if state.entries:
            last = max(e.at for e in state.entries)
            assert state.balance("w", at=last).amount == total
    # with unbooked expiries, the balance at a later moment is the sum once they are booked
    later = max((e.at for e in ledger.entries), default=START) + timedelta(days=30)
    booked = ledger.expire(later)
    assert ledger.balance("w", at=later).amount == sum(
        (e.amount.amount for e in booked.entries), Decimal(0)
    )
    assert balance_of(ledger.entries) == ({"w": ledger.balance("w")} if ledger.entries else {})


@SCENARIO_SETTINGS
@given(scenarios())
def test_credit_never_goes_below_zero_or_beyond_the_limit(
    case: tuple[Ledger, list[Ledger], str],
) -> None:
    ledger, history, _ = case
    line = ledger.wallet("w").credit
    floor = -line.limit.amount if line is not None else Decimal(0)
    for state in history:
        assert state.balance("w").amount >= floor
        assert state.debt("w").amount <= -floor
        # never open credit and unpaid debt at once: credit pays debt first
        assert not (state.credits("w") and state.debt("w").amount)


@SCENARIO_SETTINGS
@given(scenarios())
def test_consumption_follows_the_order(case: tuple[Ledger, list[Ledger], str]) -> None:
    ledger, _, _ = case
    order = ledger.wallet("w").order
    got = [(a.debit, a.credit, a.amount.amount) for a in ledger.allocations("w")]
    assert got == reference_allocations(ledger.entries, order)
    streamed = list(allocate_entries(iter(ledger.entries), order=order))
    assert streamed == list(ledger.allocations("w"))
    for row in ledger.expenses("w"):
        assert row.paid.amount + row.unpaid.amount == row.amount.amount
        assert row.unpaid.amount >= 0


@SCENARIO_SETTINGS
@given(scenarios())
def test_refunds_never_exceed_payments_nor_pay_out_bonus(
    case: tuple[Ledger, list[Ledger], str],
) -> None:
    ledger, _, _ = case
    entries = {e.key: e for e in ledger.entries}
    refunded: dict[str, Decimal] = {}
    for e in ledger.entries:
        if e.kind is EntryKind.REFUND:
            source = entries[e.source]
            assert source.credit_kind is not None
            assert source.credit_kind.cash
            refunded[e.source] = refunded.get(e.source, Decimal(0)) - e.amount.amount
    for key, total in refunded.items():
        assert total <= entries[key].amount.amount
    cash_in = sum(
        (
            e.amount.amount
            for e in ledger.entries
            if e.is_credit and e.credit_kind is not None and e.credit_kind.cash
        ),
        Decimal(0),
    )
    assert sum(refunded.values(), Decimal(0)) <= cash_in
    # a payment fully refunded keeps none of what it earned
    for key, total in refunded.items():
        if total == entries[key].amount.amount:
            earned = [e for e in ledger.entries if e.source == key and e.kind is EntryKind.BONUS]
            for bonus in earned:
                assert all(lot.key != bonus.key for lot in ledger.credits("w"))


@SCENARIO_SETTINGS
@given(scenarios(), st.data())
def test_duplicates_count_once_and_ledgers_round_trip(
    case: tuple[Ledger, list[Ledger], str], data: st.DataObject
) -> None:
    ledger, _, _ = case
    if ledger.entries:
        again = data.draw(st.sampled_from(ledger.entries))
        assert ledger.post(again) is ledger
        assert ledger.post_all([again, again]) is ledger
    loaded = Ledger(wallets=ledger.wallets, entries=ledger.entries, pending=ledger.pending)
    assert loaded == ledger
    assert loaded.allocations("w") == ledger.allocations("w")
    assert loaded.credits("w") == ledger.credits("w")


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 10**7),
    st.integers(1, 10**7),
    st.integers(0, 2 * 10**7),
    st.integers(1, 10**7),
    orders,
)
def test_bonus_never_turns_into_cash(
    paid: int, bonus: int, spent: int, asked: int, order: ConsumptionOrder
) -> None:
    """Pay P, earn bonus B, consume X of services, ask for A back: with the
    default clawback the customer never gets back more than P - X, so every
    service they used was paid for with their own money."""

    def rub(units: int) -> Money:
        return Money(exact_decimal(units, 2), "RUB")

    assume(spent <= paid + bonus)
    at = START
    ledger = Ledger(wallets=[Wallet(name="w", currency="RUB", order=order)])
    ledger = ledger.top_up("w", rub(paid), at=at, key="p")
    ledger = ledger.grant("w", rub(bonus), at=at, key="p/bonus", source="p")
    if spent:
        ledger = ledger.charge("w", rub(spent), at=at, key="c")
    most = ledger.refundable("w", "p")
    assert most.amount == max(rub(paid - spent).amount, 0)
    try:
        done = ledger.refund("w", "p", rub(asked), at=at + timedelta(hours=1), key="r")
    except BillkitError:
        assert rub(asked).amount > most.amount
        return
    assert rub(asked).amount <= rub(paid - spent).amount
    assert all(lot.kind.cash for lot in done.credits("w"))  # no bonus left either


# --------------------------------------------------------------------------- credit limit


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 20 * 24), st.booleans(), st.integers(1, 200_000)),
        min_size=1,
        max_size=30,
    ),
    st.integers(0, 120),
)
def test_credit_state_is_consistent(moves: list[tuple[int, bool, int]], probe: int) -> None:
    line = CreditLine(limit=Money("1000.00", "RUB"))
    ledger = Ledger(wallets=[Wallet(name="w", currency="RUB", credit=line)])
    at = datetime(2025, 12, 1, tzinfo=UTC)
    for n, (hours, pay, units) in enumerate(moves):
        at += timedelta(hours=hours)
        amount = Money(exact_decimal(units, 2 if pay else 4), "RUB")
        try:
            if pay:
                ledger = ledger.top_up("w", amount, at=at, key=f"p{n}")
            else:
                ledger = ledger.charge("w", amount, at=at, key=f"c{n}")
        except TransitionError:
            assert credit_state(ledger, "w", at).blocked
        except BillkitError:
            pass
    moment = datetime(2025, 12, 1, tzinfo=UTC) + timedelta(days=probe)
    state = credit_state(ledger, "w", moment)
    today = moment.date()
    blocked = any(s.blocked_from <= today and s.remaining.amount for s in state.statements)
    assert state.blocked == blocked
    assert state.available.amount == (0 if blocked else max(1000 - state.debt.amount, 0))
    for s in state.statements:
        assert 0 <= s.remaining.amount <= s.amount.amount
        assert s.issued_on <= s.due_on < s.overdue_from <= s.blocked_from
    # the statements' rounded remainders and the unbilled part make up the debt
    rounded = sum((s.remaining.amount for s in state.statements), Decimal(0))
    gap = abs(rounded + state.unpaid_since_statement.amount - state.debt.amount)
    assert gap <= Decimal("0.005") * len(state.statements)


# --------------------------------------------------------------------------- commission


def provider_fee(terms: Commission, gross: Decimal) -> Decimal:
    """The provider's fee computed here from the published rule, not by billkit."""
    exact = terms.rate * gross + (terms.fixed.amount if terms.fixed else 0)
    fee = exact.quantize(
        terms.rounding.quantum(terms.currency), terms.rounding.mode.decimal_rounding
    )
    if terms.minimum is not None:
        fee = max(fee, terms.minimum.amount)
    if terms.maximum is not None:
        fee = min(fee, terms.maximum.amount)
    return fee


@settings(max_examples=150, deadline=None)
@given(commissions(), st.integers(1, 10**9))
def test_gross_up_is_the_smallest_amount_that_nets_the_target(
    terms: Commission, units: int
) -> None:
    quantum = terms.rounding.quantum(terms.currency)
    target = units * quantum
    quote = gross_up(terms, Money(target, terms.currency))
    gross = quote.gross.amount
    assert gross - provider_fee(terms, gross) >= target
    less = gross - quantum
    assert less - provider_fee(terms, less) < target
    assert quote.fee.amount == provider_fee(terms, gross) >= 0
    assert quote.net.amount == gross - quote.fee.amount


@settings(max_examples=150, deadline=None)
@given(commissions(), st.integers(0, 10**9))
def test_commission_is_never_negative(terms: Commission, units: int) -> None:
    amount = Money(units * terms.rounding.quantum(terms.currency), terms.currency)
    fee = terms.fee(amount)
    assert fee.amount >= 0
    assert fee.amount == provider_fee(terms, amount.amount)
    if units:
        on_top = fee_on_top(terms, amount)
        assert on_top.gross.amount == amount.amount + on_top.fee.amount >= amount.amount


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 100), st.integers(1, 10**7))
def test_cashback_is_a_share_of_the_payment(percent: int, units: int) -> None:
    paid = Money(exact_decimal(units, 2), "RUB")
    back = Cashback(rate=f"{percent}%").amount(paid)
    exact = paid.amount * percent / 100
    assert back.amount == exact.quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert 0 <= back.amount <= paid.amount


# --------------------------------------------------------------------------- bonus, allowances, tax


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10**8), st.integers(0, 10**8), st.integers(1, 10**6))
def test_paying_more_never_earns_less(units: int, more: int, tariff_units: int) -> None:
    program = BonusProgram.months({5: 1, 9: 3, 15: 9})
    tariff = Money(exact_decimal(tariff_units, 2), "RUB")
    low = program.bonus(Money(exact_decimal(units, 2), "RUB"), tariff)
    high = program.bonus(Money(exact_decimal(units + more, 2), "RUB"), tariff)
    assert 0 <= low.amount <= high.amount


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10**6), st.lists(st.integers(0, 10**5), max_size=10))
def test_free_units_are_used_before_any_are_billed(units: int, uses: list[int]) -> None:
    allowance = FreeAllowance(metric="emails", included=units)
    free_total = 0
    for quantity in uses:
        use = allowance.consume(quantity)
        assert use.free + use.billable == quantity
        assert use.billable == 0 or use.allowance.remaining == 0
        free_total += use.free
        allowance = use.allowance
    assert free_total == min(units, sum(uses))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 10**8), min_size=1, max_size=12).filter(any),
    st.sampled_from(["20%", "10%", "22%", "5%", "0%"]),
)
def test_row_taxes_add_up_to_the_documents_tax(rows: list[int], rate: str) -> None:
    amounts = [Money(exact_decimal(u, 4), "RUB") for u in rows]
    taxes = tax_by_row(amounts, rate)
    r = Decimal(rate[:-1]) / 100
    total = sum((a.amount for a in amounts), Decimal(0))
    expected = (total * r / (1 + r)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert sum((x.amount for x in taxes), Decimal(0)) == expected
    assert all(x.amount >= 0 for x in taxes)


# --------------------------------------------------------------------------- autopay


@settings(max_examples=150, deadline=None)
@given(
    st.integers(-(10**6), 10**6),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.integers(1, 10**6),
    st.integers(0, 10**6),
    st.booleans(),
)
def test_autopay_never_exceeds_the_monthly_maximum(
    balance: int, upcoming: int, month: int, cap: int, paid: int, with_method: bool
) -> None:
    def rub(units: int) -> Money:
        return Money(exact_decimal(units, 2), "RUB")

    method = None
    if with_method:
        method = PaymentMethod(
            name="m",
            commission=Commission(rate="5%", fixed=Money("10.00", "RUB")),
            min_amount=Money("10.00", "RUB"),
            max_amount=Money("3000.00", "RUB"),
        )
    assume(paid <= cap)
    setup = AutopaySettings(currency="RUB", monthly_max=rub(cap), method=method)
    d = decide_autopay(
        setup,
        balance=rub(balance),
        next_charges=rub(upcoming),
        monthly_spend=rub(month),
        paid_this_month=rub(paid),
    )
    assert d.pay.amount <= rub(cap - paid).amount
    assert d.pay.amount == d.amount.amount + d.fee.amount
    assert d.fee.amount >= 0
    if d.top_up and method is not None:
        assert method.within_limits(d.pay)
    if d.reason is AutopayReason.TOP_UP:
        assert d.amount.amount >= d.needed.amount
        assert rub(balance).amount + d.amount.amount >= max(rub(month), rub(upcoming)).amount
    if d.reason is AutopayReason.NOT_NEEDED:
        assert balance >= upcoming
        assert not d.top_up


# --------------------------------------------------------------------------- entry fast paths


_ANY_VALUE = st.one_of(
    st.text(max_size=6),
    st.sampled_from([" x", "x ", "\u00a0x", "x\n", "", " "]),
    st.none(),
    st.integers(),
    st.sampled_from(list(EntryKind) + list(CreditKind) + ["charge", "paid", "nope"]),
    st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=3))])),
    st.just(()),
    st.just((("a", "b"),)),
)


@settings(max_examples=300, deadline=None)
@given(_ANY_VALUE)
def test_entry_fast_paths_pass_only_what_the_checks_return_unchanged(value: object) -> None:
    # Entry lets already-valid values skip the generic converter; each shortcut must
    # say yes only to a value its check accepts and returns as it is.
    from billkit import _checks as checks
    from billkit.credit import _fast as fast
    from billkit.credit import entries
    from billkit.errors import CreditError

    pairs: list[tuple[Any, Any]] = [
        (fast.is_name, lambda v: checks.text("f", v)),
        (fast.is_text, lambda v: checks.text("f", v, required=False)),
        (fast.is_moment, lambda v: checks.moment("f", v)),
        (fast.or_none(fast.is_moment), lambda v: None if v is None else checks.moment("f", v)),
        (fast.exactly(EntryKind), lambda v: checks.member("f", v, EntryKind)),
        (
            fast.or_none(fast.exactly(CreditKind)),
            lambda v: None if v is None else checks.member("f", v, CreditKind),
        ),
        (fast.is_empty_tuple, lambda v: entries.tag_pairs("f", v)),
    ]
    for accept, check in pairs:
        if accept(value):
            assert check(value) == value
            assert type(check(value)) is type(value)
    # And through the constructor: the same entry with and without the shortcut's types.
    at = datetime(2026, 3, 1, tzinfo=UTC)
    try:
        entry = Entry(
            kind="charge", amount=Money("-1", "EUR"), wallet="w", at=at, key="k", description=value
        )
    except CreditError:
        assert not fast.is_text(value)
    else:
        assert entry.description == value


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 10**7), min_size=1, max_size=12),
    st.sampled_from(["20%", "22%", "10%", "5%"]),
    st.randoms(use_true_random=False),
)
def test_a_rows_tax_does_not_depend_on_the_order_of_the_rows(
    rows: list[int], rate: str, rnd: Any
) -> None:
    """Issue 15: the same expenses, in any order, give each row the same tax."""
    amounts = [Money(exact_decimal(u, 4), "RUB") for u in rows]
    keys = list(range(len(amounts)))  # each row's identity (its time and id)
    shuffled = list(zip(keys, amounts, strict=True))
    rnd.shuffle(shuffled)
    by_key = dict(zip(keys, tax_by_row(amounts, rate, keys=keys), strict=True))
    again = tax_by_row([a for _, a in shuffled], rate, keys=[k for k, _ in shuffled])
    assert {k: t for (k, _), t in zip(shuffled, again, strict=True)} == by_key
    # and they still add up to the document's tax
    r = Decimal(rate[:-1]) / 100
    total = sum((a.amount for a in amounts), Decimal(0))
    expected = (total * r / (1 + r)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert sum((t.amount for t in by_key.values()), Decimal(0)) == expected
    # without keys, equal amounts get equal multisets and each amount its share
    plain = tax_by_row(amounts, rate)
    reordered = tax_by_row([a for _, a in shuffled], rate)
    assert sorted(zip(amounts, plain, strict=True)) == sorted(
        zip([a for _, a in shuffled], reordered, strict=True)
    )
