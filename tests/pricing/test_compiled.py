"""The compiled fast path (pricing/_compiled.py) equals the general path.

quote() prices the usual usage through the plan's compiled form and falls
back to the general path (``quote._general``) for rarer models and values.
Whatever the plan, usage and period, the quote must be the one the general
path gives: the same total (to the last digit and exponent), the same lines
and the same explanation, or the same refusal.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billkit.errors import BillkitError
from billkit.money import Money, RoundingMode, RoundingPolicy, in_range
from billkit.periods import Cycle, Period
from billkit.pricing import (
    Capacity,
    CapacityTier,
    Charge,
    Flat,
    Graduated,
    GraduatedPercentage,
    Package,
    PercentOf,
    PercentTier,
    PerUnit,
    Plan,
    Presence,
    Prorated,
    Quote,
    Tier,
    Volume,
    cheapest_plan,
    quote,
)
from billkit.pricing._compiled import breakdown
from billkit.pricing.models import AnyModel, Percentage, Step
from billkit.pricing.quote import QuoteLine, _fast_totals, _general, _line
from tests.strategies.pricing import (
    amounts,
    models,
    periods_for,
    plans,
    prices,
    quantities,
    rounding_policies,
    usage_for,
)

CUR = "EUR"
PERIOD = Period(date(2026, 6, 1), date(2026, 7, 1))  # one month: 30 days


def _same(a: Decimal, b: Decimal) -> bool:
    """Equal to the last digit and exponent (Decimal('1.0') is not Decimal('1.00'))."""
    return a.as_tuple() == b.as_tuple()


def _general_quote(plan: Plan, usage: dict[str, object], period: Period) -> Quote:
    total, rows = _general(plan, usage, period)
    return Quote(
        plan=plan,
        period=period,
        total=Money(total, plan.currency),
        usage=dict(usage),
        rows=tuple(rows),
    )


def _check(plan: Plan, usage: dict[str, object], period: Period) -> None:
    try:
        expected = _general_quote(plan, usage, period)
    except BillkitError as error:  # the general path refuses: so must quote()
        refused = error
    else:
        refused = None
    if refused is not None:
        with pytest.raises(type(refused)) as found:
            quote(plan, usage, period)
        assert str(found.value) == str(refused)
        return
    got = quote(plan, usage, period)
    assert _same(got.total.amount, expected.total.amount), (got.total, expected.total)
    fast = plan._compiled.total(usage)
    if fast is not None:  # the fast path priced it: to the last digit
        assert _same(fast, expected.total.amount)
    assert got.lines == expected.lines
    # The lines' figures, to the last digit and exponent: the compiled figures
    # (pricing/_compiled.py) when the fast path priced the quote.
    figures = plan._compiled.figures(usage)
    if fast is not None:
        assert figures is not None
    for rows in [got._figures] + ([] if figures is None else [figures]):
        for row, want in zip(rows, expected._figures, strict=True):
            assert row[:4] == want[:4], (row, want)
            assert row[9:] == want[9:], (row, want)
            for field in ("quantity", "included", "billable", "amount", "exact"):
                assert _same(getattr(row, field), getattr(want, field)), (field, row, want)
    assert [ln.breakdown for ln in got.lines] == [ln.breakdown for ln in expected.lines]
    for line in got.lines:  # breakdowns built from figures equal the model's explain()
        _check_breakdown(line.source, line.billable, line.exact, line.events)
    assert got.explain() == expected.explain()
    # A quote adds up: its total is the sum of its rounded lines.
    assert got.total.amount == sum((ln.amount.amount for ln in got.lines), Decimal(0))
    # The first quote of a plan finds the period whole (quote()'s careful path);
    # later ones take the generated fast path (CompiledPlan.fast_quote).
    again = quote(plan, usage, period)
    assert _same(again.total.amount, expected.total.amount), (again.total, expected.total)
    assert again == expected
    # Lazy lines equal eager ones: each made through QuoteLine's constructor from
    # the general path's figures, its breakdown by the model's own explain().
    eager = [_line(row, plan.currency) for row in expected._figures]
    _same_lines(again.lines, eager)  # lines read first: figures and lines in one pass
    other = quote(plan, usage, period)
    assert other._figures is not None  # figures read first: lines made from them
    _same_lines(other.lines, eager)
    assert again.explain() == other.explain() == expected.explain()


def _explained(line: QuoteLine) -> object:
    """The eager breakdown: the model's own explain() (the general code for the
    base fee, PercentOf and event lines)."""
    if line.events is None and line.source is not None and not isinstance(line.source, PercentOf):
        return line.source.explain(line.billable)
    return line.breakdown


def _same_lines(lazy: tuple[QuoteLine, ...], eager: list[QuoteLine]) -> None:
    assert len(lazy) == len(eager)
    for mine, theirs in zip(lazy, eager, strict=True):
        assert mine == theirs
        for field in ("quantity", "included", "billable"):
            assert _same(getattr(mine, field), getattr(theirs, field)), field
        for field in ("amount", "exact", "unit_price"):
            a, b = getattr(mine, field), getattr(theirs, field)
            assert (a is None) == (b is None), field
            if a is not None:
                assert _same(a.amount, b.amount), (field, a, b)
        want = _explained(theirs)
        assert mine.breakdown == want
        assert str(mine.breakdown) == str(want)
        assert _same(mine.breakdown.quantity, want.quantity)  # type: ignore[attr-defined]
        assert _same(mine.breakdown.amount.amount, want.amount.amount)  # type: ignore[attr-defined]
        for a, b in zip(mine.steps, want.steps, strict=True):  # type: ignore[attr-defined]
            assert str(a) == str(b)
            assert (a.tier, a.label) == (b.tier, b.label)
            for field in ("unit_price", "flat_fee", "amount"):
                assert _same(getattr(a, field).amount, getattr(b, field).amount), field
            assert _same(a.units, b.units)


def _check_breakdown(
    source: object, billable: Decimal, exact: Money, events: tuple[Decimal, ...] | None
) -> None:
    """The compiled breakdown (pricing/_compiled.py) is the model's own ``explain``:
    the same steps and Decimals, exponents included (their text shows them)."""
    fast = breakdown(source, billable, exact)
    if fast is None or events is not None:
        return
    model = source.explain(billable)  # type: ignore[attr-defined]
    assert fast == model
    assert str(fast) == str(model)
    assert [str(s) for s in fast.steps] == [str(s) for s in model.steps]
    assert _same(fast.quantity, model.quantity)
    for mine, theirs in zip(fast.steps, model.steps, strict=True):
        assert _same(mine.units, theirs.units)
        assert _same(mine.amount.amount, theirs.amount.amount)
        assert _same(mine.flat_fee.amount, theirs.flat_fee.amount)
    assert _same(fast.amount.amount, model.amount.amount)


@settings(max_examples=300, deadline=None)
@given(models(CUR), quantities(max_value=20_000))
def test_breakdowns_from_figures_are_the_models_explain(model: AnyModel, q: Decimal) -> None:
    # Each model's breakdown for any quantity, as explain() gives it (None: a model
    # the compiled breakdowns leave to the model).
    _check_breakdown(model, q, Money(0, CUR), None)
    # A quantity explain() refuses is left to it, so that it names the error.
    for refused in (-q - 1, Decimal("NaN"), q + Decimal("1E-13")):
        assert breakdown(model, refused, Money(0, CUR)) is None


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["graduated", "volume"]), st.data())
def test_tier_breakdowns_at_and_around_the_bounds(kind: str, data: st.DataObject) -> None:
    # Quantities on a tier's bound, just below and just above it, and zero, with
    # or without a fee at zero: where a tier is entered or left.
    tiers = _plain_tiers(data.draw)
    fee_at_zero = data.draw(st.booleans())
    model: AnyModel = (Graduated if kind == "graduated" else Volume)(
        tiers=tiers, flat_fee_at_zero=fee_at_zero
    )
    bounds = [t.up_to for t in tiers if t.up_to is not None]
    for bound in [Decimal(0), *bounds]:
        for q in (bound, bound + Decimal("0.001"), max(bound - Decimal("0.001"), Decimal(0))):
            _check_breakdown(model, q, Money(0, CUR), None)


# ------------------------------------------------------------------ new models


@st.composite
def block_tiers(draw: st.DrawFn) -> list[Tier]:
    """Tiers, some sold in whole blocks (each bounded tier a whole number of blocks)."""
    n = draw(st.integers(1, 4))
    tiers = []
    lower = Decimal(0)
    for i in range(n):
        block = draw(st.none() | st.integers(1, 50).map(Decimal))
        last = i == n - 1
        up_to = None if last else lower + (block or 1) * draw(st.integers(1, 20))
        price = draw(prices(CUR, max_value=100))
        tiers.append(Tier(up_to=up_to, unit_price=price, block_size=block))
        lower = up_to if up_to is not None else lower
    return tiers


@st.composite
def percent_tiers(draw: st.DrawFn) -> GraduatedPercentage:
    n = draw(st.integers(1, 4))
    bounds = sorted(
        draw(
            st.lists(
                amounts(min_value=Decimal(1), max_value=10_000, max_places=2),
                min_size=n - 1,
                max_size=n - 1,
                unique=True,
            )
        )
    )
    tiers = [
        PercentTier(
            up_to=up_to,
            rate=draw(amounts(max_value=Decimal("0.2"), max_places=4)),
            flat_fee=draw(st.none() | prices(CUR, max_value=50)),
        )
        for up_to in [*bounds, None]
    ]
    return GraduatedPercentage(currency=CUR, tiers=tiers, flat_fee_at_zero=draw(st.booleans()))


@st.composite
def capacities(draw: st.DrawFn) -> Capacity:
    n = draw(st.integers(1, 3))
    tiers = []
    for i in range(n):
        limits = (
            {}
            if i == n - 1  # the last tier allows anything: no usage is refused
            else {m: Decimal(draw(st.integers(1, 100)) * (i + 1)) for m in ("cpu", "gb")}
        )
        tiers.append(CapacityTier(limits=limits, price=draw(prices(CUR, max_value=1000))))
    return Capacity(tiers=tiers)


def _plain_tiers(draw: st.DrawFn) -> list[Tier]:
    return [attrs.evolve(t, block_size=None) for t in draw(block_tiers())]


@st.composite
def prorated(draw: st.DrawFn) -> Prorated:
    kind = draw(st.sampled_from(["per_unit", "volume", "graduated"]))
    model: AnyModel
    if kind == "per_unit":
        model = PerUnit(unit_price=draw(prices(CUR, max_value=100)))
    elif kind == "volume":
        model = Volume(tiers=_plain_tiers(draw), flat_fee_at_zero=draw(st.booleans()))
    else:
        model = Graduated(tiers=_plain_tiers(draw), flat_fee_at_zero=draw(st.booleans()))
    return Prorated(model=model, volume_tier=draw(st.sampled_from(["closing", "peak"])))


def all_models() -> st.SearchStrategy[AnyModel]:
    """The classic six and the newer ones: blocks, graduated percentage, capacity,
    prorated, and Lago's percentage without a fixed fee at a zero total."""
    return st.one_of(
        models(CUR),
        block_tiers().map(lambda tiers: Graduated(tiers=tiers)),
        block_tiers().map(lambda tiers: Volume(tiers=tiers)),
        percent_tiers(),
        capacities(),
        prorated(),
        models(CUR)
        .filter(lambda m: isinstance(m, Percentage))
        .map(lambda m: attrs.evolve(m, fixed_fee_at_zero_total=False)),
    )


@st.composite
def presences(draw: st.DrawFn) -> Presence:
    opening = Decimal(draw(st.integers(0, 20)))
    changes = []
    held = opening
    day = PERIOD.start
    for _ in range(draw(st.integers(0, 4))):
        day = day + timedelta(days=draw(st.integers(0, 9)))
        if day >= PERIOD.end:
            break
        change = Decimal(draw(st.integers(-int(held), 10)))
        held += change
        changes.append((day, change))
    return Presence(period=PERIOD, opening=opening, changes=changes)


@st.composite
def new_model_cases(draw: st.DrawFn) -> tuple[Plan, dict[str, object]]:
    """A plan over every model, each charge on its own metric, and its usage."""
    charges: list[Charge | PercentOf] = []
    usage: dict[str, object] = {}
    base_fee = draw(st.none() | prices(CUR, max_value=1000))
    earlier = [] if base_fee is None else ["base"]
    for i in range(draw(st.integers(1, 5))):
        code = f"c{i}"
        if earlier and draw(st.integers(0, 5)) == 0:
            of = draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=2, unique=True))
            rate = draw(amounts(max_value=Decimal("0.5"), max_places=4))
            charges.append(PercentOf(code=code, of=of, rate=rate))
            earlier.append(code)
            continue
        model = draw(all_models())
        metric = f"m{i}"
        free = isinstance(model, (Percentage, Capacity, Prorated)) or draw(st.booleans())
        included = Decimal(0) if free else draw(quantities(max_value=500))
        charges.append(Charge(code=code, metric=metric, model=model, included=included))
        earlier.append(code)
        if draw(st.integers(0, 4)) == 0:
            continue  # no usage: zero
        if isinstance(model, Capacity):
            for m in model.metrics:
                usage[m] = Decimal(draw(st.integers(0, 400)))
        elif isinstance(model, Prorated):
            usage[metric] = draw(presences() | quantities(max_value=50))
        elif isinstance(model, Percentage) and (model._per_event_terms or draw(st.booleans())):
            usage[metric] = draw(st.lists(amounts(max_value=1000, max_places=2), max_size=5))
        else:
            usage[metric] = draw(quantities(max_value=20_000))
    plan = Plan(
        code="p",
        name="P",
        currency=CUR,
        base_fee=base_fee,
        charges=charges,
        rounding=draw(rounding_policies(CUR)),
    )
    return plan, usage


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(new_model_cases())
def test_every_model_quotes_as_the_general_path(case: tuple[Plan, dict[str, object]]) -> None:
    plan, usage = case
    _check(plan, usage, PERIOD)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(new_model_cases(), min_size=1, max_size=4), st.sampled_from([list, tuple]))
def test_cheapest_plan_compares_the_general_paths_totals(
    cases: list[tuple[Plan, dict[str, object]]], kind: type
) -> None:
    # Plans priced over the metrics they share, by cheapest_plan's one-pass loop
    # (compiled_totals: from the second call, once each plan has found the period
    # whole) and its careful path (the first call): every total the general
    # path's, to the exponent, or the same refusal.
    plans = [attrs.evolve(plan, code=f"p{i}") for i, (plan, _) in enumerate(cases)]
    usage = {
        metric: value
        for _, used in cases
        for metric, value in used.items()
        if all(metric in plan.metrics for plan in plans)
    }
    try:
        expected = [_general(plan, usage, PERIOD)[0] for plan in plans]
    except BillkitError as error:
        refused: BillkitError | None = error
    else:
        refused = None
    if refused is not None:
        for _ in range(2):
            with pytest.raises(type(refused)) as found:
                cheapest_plan(kind(plans), usage, PERIOD)
            assert str(found.value) == str(refused)
        return
    for _ in range(2):
        result = cheapest_plan(kind(plans), usage, PERIOD)
        assert len(result.amounts) == len(expected)
        for got, want in zip(result.amounts, expected, strict=True):
            assert _same(got, want), (got, want)
        assert result.amounts[result.index] == min(expected)


def test_cheapest_plan_takes_one_pass_once_each_plan_found_the_period_whole() -> None:
    # Two plans, one rounding mode: the first comparison checks each plan's period
    # (the careful path), the next ones price every plan in one loop.
    def plan(code: str, base: str, price: str) -> Plan:
        model = PerUnit(unit_price=Money(price, CUR))
        return Plan(
            code=code,
            name=code,
            currency=CUR,
            base_fee=Money(base, CUR),
            charges=[Charge(code="api", metric="calls", model=model, included=100)],
        )

    plans = [plan("a", "10.00", "0.05"), plan("b", "20.00", "0.01")]
    usage = {"calls": Decimal(1100)}  # 1 000 billable calls
    assert _fast_totals(plans, usage, PERIOD) is None  # no plan has seen the period yet
    first = cheapest_plan(plans, usage, PERIOD)
    # a: 10.00 + 1 000 x 0.05 = 60.00; b: 20.00 + 1 000 x 0.01 = 30.00
    assert _fast_totals(plans, usage, PERIOD) == (Decimal("60.00"), Decimal("30.00"))
    again = cheapest_plan(plans, usage, PERIOD)
    assert first.amounts == again.amounts == (Decimal("60.00"), Decimal("30.00"))
    assert again.plan.code == "b"
    # Anything out of the common case goes the careful way, which names the error.
    assert _fast_totals(plans, {"calls": 1100}, PERIOD) is None  # an int, converted
    assert _fast_totals([plans[0], plans[0]], usage, PERIOD) is None  # one code twice
    with pytest.raises(BillkitError, match=r"plans\[1\]\.code"):
        cheapest_plan([plans[0], plans[0]], usage, PERIOD)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_generated_plans_quote_as_the_general_path(data: st.DataObject) -> None:
    # The shared strategies: shared metrics, str quantities, event lists, any cycle.
    plan = data.draw(plans())
    usage = data.draw(usage_for(plan))
    _check(plan, usage, data.draw(periods_for(plan.cycle)))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(
        [
            Decimal("1E-13"),
            Decimal("1.000000000000000"),  # 15 places, though equal to 1
            Decimal("1E18"),
            Decimal("-1"),
            Decimal("NaN"),
            Decimal("Infinity"),
            Decimal("0E-20"),
            Decimal("999999999999999999.999999999999"),
            # whole numbers in exponent 0 (the generated code's cheaper check)
            Decimal(10**18),
            Decimal(10**18 - 1),
            Decimal(-(10**19)),
            Decimal("-0"),
            Decimal(0),
        ]
    )
    | st.decimals(allow_nan=False, allow_infinity=False, places=14)
)
def test_quantities_out_of_range_are_refused_alike(q: Decimal) -> None:
    plan = Plan(
        code="p",
        name="P",
        currency=CUR,
        charges=[Charge(code="c", metric="m", model=Package(size=10, price=Money("2", CUR)))],
    )
    _check(plan, {"m": q}, PERIOD)


@settings(max_examples=2000)
@given(
    st.decimals(allow_nan=True, allow_infinity=True)
    | st.builds(
        lambda digits, exponent, sign: Decimal((sign, tuple(map(int, str(digits))), exponent)),
        st.integers(0, 10**35),
        st.integers(-40, 40),
        st.integers(0, 1),
    )
)
def test_in_range_is_the_documented_range(value: Decimal) -> None:
    # docs/limits.md: finite, below 10**18 in size, at most 12 decimal places (the
    # exponent, so 1.000000000000000 has 15), zero in any exponent.
    if not value.is_finite():
        expected = False
    elif not value:
        expected = True
    else:
        exponent = value.as_tuple().exponent
        assert isinstance(exponent, int)
        expected = exponent >= -12 and value.adjusted() <= 17
    assert in_range(value) is expected


def test_a_plan_compiles_once_and_the_quote_reads_its_lines_from_the_usage() -> None:
    plan = Plan(
        code="p",
        name="P",
        currency=CUR,
        base_fee=Money("10.00", CUR),
        charges=[Charge(code="api", metric="calls", model=PerUnit(unit_price=Money("0.5", CUR)))],
    )
    assert plan._compiled is plan._compiled  # compiled on first use, kept on the plan
    usage = {"calls": Decimal(3)}
    q = quote(plan, usage, PERIOD)
    usage["calls"] = Decimal(1000)  # the caller's dict changes after the quote...
    assert q.line("api").quantity == 3  # ...the quote's lines do not
    assert q.total == Money("11.50", CUR)  # 10.00 + 3 x 0.5 = 11.50
    assert q.line("api").amount == Money("1.50", CUR)


def test_a_monthly_plan_compiled_keeps_refusing_a_partial_period() -> None:
    plan = Plan(code="p", name="P", currency=CUR, cycle=Cycle.parse("monthly"))
    quote(plan, {}, PERIOD)
    with pytest.raises(BillkitError, match="whole billing cycle"):
        quote(plan, {}, Period(date(2026, 6, 1), date(2026, 6, 20)))


def test_a_quote_saves_its_lines_not_the_usage_and_loads_back_equal() -> None:
    from billkit.serialize import dumps, loads, to_data

    plan = Plan(
        code="p",
        name="P",
        currency=CUR,
        base_fee=Money("10.00", CUR),
        charges=[Charge(code="api", metric="calls", model=PerUnit(unit_price=Money("0.5", CUR)))],
    )
    q = quote(plan, {"calls": Decimal(3)}, PERIOD)
    data = to_data(q)
    assert set(data) == {"$type", "$version", "plan", "period", "total", "rows"}
    # The api line as saved: 3 calls x 0.5 = 1.5, rounded to 1.50.
    assert data["rows"][1][:9] == ["api", "api", "usage", "calls", "3", "0", "3", "1.50", "1.5"]
    back = loads(dumps(q))
    assert back == q
    assert back.lines == q.lines
    assert back.explain() == q.explain()


def test_trusted_values_equal_the_ones_their_constructors_make() -> None:
    # pricing/_compiled.py fills values billkit computed without running their
    # constructors: only for classes whose constructor would just store them.
    from billkit.pricing._compiled import filler
    from billkit.pricing.models import Breakdown, Step

    price, fee, amount = Money("0.05", CUR), Money("1.00", CUR), Money("6.00", CUR)
    fill = filler(Step, ("label", "units", "unit_price", "flat_fee", "amount", "tier"))
    made = fill("first 100", Decimal(100), price, fee, amount, 1)
    built = Step(
        label="first 100", units=Decimal(100), unit_price=price, flat_fee=fee, amount=amount, tier=1
    )
    assert made == built
    assert repr(made) == repr(built)
    assert hash(made) == hash(built)
    # A class that converts or checks a field is refused, as is a missing field.
    with pytest.raises(TypeError, match="converts or validates"):
        filler(Tier, ("up_to", "unit_price", "flat_fee", "block_size"))
    with pytest.raises(TypeError, match="fields"):
        filler(Breakdown, ("model", "quantity"))


@pytest.mark.parametrize("value", ["NaN", "-1", "Infinity", "1E-13", "1E18"])
def test_a_thread_context_without_traps_does_not_let_a_bad_quantity_through(value: str) -> None:
    # The fast path computes in the plan's context, never the thread's: a thread
    # that traps nothing (so comparing a NaN there would quietly be False) still
    # gets the general path's refusal.
    import decimal

    plan = Plan(
        code="p",
        name="P",
        currency=CUR,
        charges=[Charge(code="c", metric="m", model=PerUnit(unit_price=Money("0.10", CUR)))],
    )
    quote(plan, {"m": Decimal(1)}, PERIOD)  # the plan has found the period whole
    with pytest.raises(BillkitError) as general:
        _general(plan, {"m": Decimal(value)}, PERIOD)
    with (
        decimal.localcontext(decimal.Context(prec=3, traps=[])),
        pytest.raises(type(general.value)) as found,
    ):
        quote(plan, {"m": Decimal(value)}, PERIOD)
    assert str(found.value) == str(general.value)


# ------------------------------------------------------------------ whole quantities


def _scaled(draw: st.DrawFn, places: int, low: int, high: int) -> Decimal:
    """A number of ``places`` decimal places exactly (its exponent ``-places``)."""
    return Decimal((0, tuple(map(int, str(draw(st.integers(low, high))))), -places))


@st.composite
def whole_cases(draw: st.DrawFn) -> tuple[Plan, dict[str, object]]:
    """A plan whose prices and fees are mostly in its quantum's exponent (the
    generated code then leaves a whole quantity's amount unrounded: it is its own
    rounding), sometimes one place finer or coarser (then it rounds), package
    sizes in exponents -1, 0 and 1, and usage of whole numbers in exponent 0,
    often on a tier's bound (a graduated line's whole tiers are shared steps)."""
    minor = draw(st.integers(0, 4))
    rounding = RoundingPolicy(
        mode=draw(st.sampled_from(list(RoundingMode))), minor_units={CUR: minor}
    )

    def money(low: int = 0, high: int = 5_000) -> Money:
        places = max(0, minor + draw(st.sampled_from([0, 0, 0, -1, 1])))
        return Money(_scaled(draw, places, low, high), CUR)

    charges: list[Charge | PercentOf] = []
    usage: dict[str, object] = {}
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["per_unit", "graduated", "volume", "package", "flat"]))
        bounds = sorted(set(draw(st.lists(st.integers(1, 500), min_size=1, max_size=3))))
        model: AnyModel
        if kind == "per_unit":
            model = PerUnit(unit_price=money())
        elif kind == "flat":
            model = Flat(amount=money())
        elif kind == "package":
            size = draw(st.sampled_from([Decimal("2.5"), Decimal(10), Decimal("5E+1"), Decimal(1)]))
            model = Package(size=size, price=money(), included=Decimal(draw(st.integers(0, 20))))
        else:
            tiers = [
                Tier(up_to=up_to, unit_price=money(), flat_fee=money())
                if draw(st.booleans())
                else Tier(up_to=up_to, unit_price=money())
                for up_to in [*bounds, None]
            ]
            model = (Graduated if kind == "graduated" else Volume)(
                tiers=tiers, flat_fee_at_zero=draw(st.booleans())
            )
        included = draw(st.sampled_from([Decimal(0), Decimal(0), Decimal(7), Decimal("2.5")]))
        charges.append(Charge(code=f"c{i}", metric=f"m{i}", model=model, included=included))
        on_bound = draw(st.sampled_from([*bounds, 0])) + included
        near = on_bound + draw(st.sampled_from([0, 0, 1, -1]))
        q = draw(st.sampled_from([near, Decimal(draw(st.integers(0, 2_000)))]))
        usage[f"m{i}"] = Decimal(int(q)) if q >= 0 else Decimal(0)
    base_fee = draw(st.none() | st.just(money()))
    plan = Plan(
        code="w", name="W", currency=CUR, base_fee=base_fee, charges=charges, rounding=rounding
    )
    return plan, usage


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(whole_cases())
def test_whole_quantities_quote_as_the_general_path(case: tuple[Plan, dict[str, object]]) -> None:
    # quote()'s generated fast path takes a whole quantity in exponent 0 by one
    # cheaper check and leaves an amount already in the quantum's exponent as it
    # is; explained lines share a graduated model's whole-tier steps: the total,
    # figures, lines and breakdowns must still be the general path's, to the
    # exponent, in every rounding mode.
    plan, usage = case
    for metric in usage:
        assert usage[metric].as_tuple().exponent == 0  # type: ignore[union-attr]
    _check(plan, usage, PERIOD)


def test_a_graduated_line_shares_its_whole_tiers_steps_across_quotes() -> None:
    # 1 000 x 0.05 = 50.00 for the first tier, used whole by both quotes below:
    # the same (immutable) step; the tier each ends in is its own.
    plan = Plan(
        code="g",
        name="G",
        currency=CUR,
        charges=[
            Charge(
                code="api",
                metric="calls",
                model=Graduated(
                    tiers=[
                        Tier(up_to=1000, unit_price=Money("0.05", CUR)),
                        Tier(up_to=None, unit_price=Money("0.04", CUR)),
                    ]
                ),
            )
        ],
    )
    one = quote(plan, {"calls": Decimal(1500)}, PERIOD)
    two = quote(plan, {"calls": Decimal(2500)}, PERIOD)
    # 50.00 + 500 x 0.04 = 70.00 and 50.00 + 1 500 x 0.04 = 110.00
    assert (one.total, two.total) == (Money("70.00", CUR), Money("110.00", CUR))
    first, second = one.lines[0].steps, two.lines[0].steps
    # tier 1 used whole: 1 000 x 0.05 = 50.00, one step made once for the plan
    assert first[0] == Step(
        label="tier 1 (0 to 1000)",
        units=Decimal(1000),
        unit_price=Money("0.05", CUR),
        flat_fee=Money("0", CUR),
        amount=Money("50.00", CUR),
        tier=1,
    )
    assert first[0] is second[0]
    assert first[1].amount == Money("20.00", CUR)
    assert second[1].amount == Money("60.00", CUR)
    # An amount in the quantum's exponent is its own rounding: one Money for both.
    assert one.lines[0].amount == one.lines[0].exact == Money("70.00", CUR)


def test_a_package_count_in_another_exponent_is_shown_as_explain_shows_it() -> None:
    # 50 units in packages of 2.5: 50 / 2.5 = 20 packages, a quotient Decimal
    # keeps as 2E+1 (exponent 1); explain() counts and shows 20. 20 x 1.00 = 20.00.
    plan = Plan(
        code="k",
        name="K",
        currency=CUR,
        charges=[
            Charge(
                code="c",
                metric="m",
                model=Package(size=Decimal("2.5"), price=Money("1.00", CUR)),
            )
        ],
    )
    usage = {"m": Decimal(50)}
    _check(plan, usage, PERIOD)
    line = quote(plan, usage, PERIOD).lines[0]
    (step,) = line.steps
    assert _same(step.units, Decimal(20))
    assert str(step) == str(plan.charges[0].model.explain(Decimal(50)).steps[0])  # type: ignore[union-attr]
    assert line.amount == Money("20.00", CUR)
