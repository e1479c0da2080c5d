"""quote() keeps no process-wide state: it is safe from many threads at once.

Eight threads each quote the same generated plans and usages while setting
their own, deliberately hostile, decimal context (3 digits, rounding down);
every thread's quotes must equal the ones computed alone in billkit's own
context, and each thread's context must be as the thread left it.
"""

from __future__ import annotations

import decimal
import threading
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billkit.money import Money, local_context
from billkit.periods import Period
from billkit.pricing import Charge, Graduated, Plan, Quote, Tier, quote
from tests.strategies.pricing import periods_for, plans, usage_for

THREADS = 8


def _figures(q: Quote) -> tuple[object, ...]:
    return (q.total, tuple((ln.code, ln.amount, ln.exact, ln.billable) for ln in q.lines))


def _run_threads(cases: list[tuple[Plan, dict[str, object], Period]]) -> list[list[object]]:
    results: list[list[object]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(slot: int) -> None:
        try:
            # A thread-local context billkit must neither use nor change.
            decimal.setcontext(decimal.Context(prec=3 + slot, rounding=decimal.ROUND_DOWN))
            mine = decimal.getcontext()
            start.wait()
            for _ in range(20):
                for plan, usage, period in cases:
                    results[slot].append(_figures(quote(plan, usage, period)))
            assert decimal.getcontext() is mine
            assert mine.prec == 3 + slot
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_eight_threads_give_the_single_threaded_figures() -> None:
    # 12 345 units, tiers 0.05 to 1 000 and 0.04 above: 1 000 x 0.05 + 11 345 x 0.04
    # = 50.00 + 453.80 = 503.80, plus the 49.00 base fee = 552.80 EUR.
    plan = Plan(
        code="api",
        name="API",
        currency="EUR",
        base_fee=Money("49.00", "EUR"),
        charges=[
            Charge(
                code="calls",
                metric="calls",
                model=Graduated(
                    tiers=[
                        Tier(up_to=1000, unit_price=Money("0.05", "EUR")),
                        Tier(up_to=None, unit_price=Money("0.04", "EUR")),
                    ]
                ),
            )
        ],
    )
    period = Period(date(2026, 3, 1), date(2026, 4, 1))
    cases = [(plan, {"calls": Decimal(12345)}, period), (plan, {"calls": 7}, period)]
    alone = [_figures(quote(p, u, d)) for p, u, d in cases]
    assert alone[0][0] == Money("552.80", "EUR")
    assert alone[1][0] == Money("49.35", "EUR")  # 49.00 + 7 x 0.05
    for results in _run_threads(cases):
        assert results == alone * 20


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_threads_agree_on_generated_plans(data: st.DataObject) -> None:
    cases = []
    for _ in range(3):
        plan = data.draw(plans())
        cases.append((plan, data.draw(usage_for(plan)), data.draw(periods_for(plan.cycle))))
    alone = [_figures(quote(p, u, d)) for p, u, d in cases]
    for results in _run_threads(cases):
        assert results == alone * 20


def test_local_context_leaves_the_callers_context_alone() -> None:
    caller = decimal.getcontext()
    with local_context("down") as ctx:
        assert decimal.getcontext() is ctx
        assert Decimal("2.999").quantize(Decimal("0.01")) == Decimal("2.99")
    assert decimal.getcontext() is caller
