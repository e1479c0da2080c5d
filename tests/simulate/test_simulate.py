"""billkit.simulate: populations, scenarios against a baseline, grandfathering, break-even.

Expected values come from the messaging and attribution businesses' published
prices (docs/examples-businesses.md), with the arithmetic in the comments.
"""

from __future__ import annotations

import builtins
import random
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.demo import demo_catalog
from billkit.errors import MissingDependencyError, ValidationError
from billkit.money import Money
from billkit.periods import Period
from billkit.simulate import Customer, Scenario, break_even, population, simulate, synthetic

CATALOG = demo_catalog()
GROWTH = CATALOG["growth-monthly"]  # 99.00 EUR, 1 000 contacts, 20.00 per block of 100
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
MONTHS = tuple(Period(date(2026, m, 1), date(2026, m + 1, 1)) for m in (3, 4, 5, 6))
MAC = "monthly_active_contacts"


def _people(*contacts: int) -> tuple[Customer, ...]:
    return tuple(
        Customer(key=f"org-{n}", plan="growth-monthly", usage={MAC: c})
        for n, c in enumerate(contacts, 1)
    )


def _priced(fee: str, code: str = "growth-new") -> Any:
    return attrs.evolve(GROWTH, code=code, base_fee=Money(fee, "EUR"))


def test_a_price_rise_shows_each_customer_and_the_totals() -> None:
    # Today: 800 -> 99.00; 1 250 -> 99.00 + 3 x 20.00 = 159.00; 4 000 -> 99.00 + 30 x 20.00 = 699.00.
    # At 119.00: 119.00, 179.00, 719.00 (each +20.00); total 957.00 -> 1 017.00.
    result = simulate(
        _people(800, 1250, 4000),
        [
            Scenario(name="today", catalog=CATALOG),
            Scenario(name="119", catalog=[_priced("119.00", "growth-monthly")]),
        ],
        MARCH,
    )
    rows = {(r["scenario"], r["customer"]): r for r in result.by_customer().to_records()}
    assert rows["119", "org-2"]["total"] == Decimal("179.00")
    assert rows["119", "org-2"]["baseline"] == Decimal("159.00")
    assert rows["119", "org-3"]["difference"] == Decimal("20.00")
    summary = {r["scenario"]: r for r in result.summary().to_records()}
    assert summary["today"]["total"] == Decimal("957.00")
    assert summary["119"]["total"] == Decimal("1017.00")
    assert (summary["119"]["pays_more"], summary["119"]["pays_less"]) == (3, 0)
    assert summary["119"]["currency"] == "EUR"


def test_population_reads_pandas_polars_and_arrow_exactly() -> None:
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    pa = pytest.importorskip("pyarrow")
    np = pytest.importorskip("numpy")
    data = {"customer": ["a", "b"], "plan": ["growth-monthly"] * 2, MAC: [800, 1250]}
    expected = (
        Customer(key="a", plan="growth-monthly", usage={MAC: 800}),
        Customer(key="b", plan="growth-monthly", usage={MAC: 1250}),
    )
    assert population(pd.DataFrame(data)) == expected
    assert population(pl.DataFrame(data)) == expected
    assert population(pa.table(data)) == expected
    frame = pd.DataFrame({**data, MAC: np.array([800, 1250], dtype=np.int64)})
    assert population(frame) == expected
    decimals = pa.table({**data, MAC: pa.array([Decimal("800.5"), None], pa.decimal128(10, 1))})
    assert population(decimals)[0].usage[MAC] == Decimal("800.5")
    assert population(decimals)[1].usage == {}  # an empty cell: no usage


def test_population_refuses_floats_and_duplicates() -> None:
    with pytest.raises(ValidationError, match=r"1\.5"):
        population([{"customer": "a", "plan": "p", MAC: 1.5}])
    with pytest.raises(ValidationError, match="once"):
        population([{"customer": "a", "plan": "p"}, {"customer": "a", "plan": "p"}])
    with pytest.raises(ValidationError, match="'plan' column"):
        population([{"customer": "a"}])


def test_synthetic_is_the_same_for_a_seed_and_differs_for_another() -> None:
    spec: dict[str, Any] = {
        "plans": {"growth-monthly": 3, "growth-annual-usage": 1},
        "usage": {MAC: (0, 9000), "x": lambda rng: rng.randint(1, 3)},
    }
    first = synthetic(200, seed=1, **spec)
    assert first == synthetic(200, seed=1, **spec)
    assert first != synthetic(200, seed=2, **spec)
    assert all(0 <= c.usage[MAC] <= 9000 for c in first)
    assert {c.plan for c in first} == {"growth-monthly", "growth-annual-usage"}


def test_grandfathering_keeps_the_old_price_then_caps_the_increase() -> None:
    # 1 250 contacts: 159.00 today; at 139.00 the new plan quotes 139.00 + 60.00 = 199.00.
    # Kept for two months (159.00), then capped at 159.00 x 1.05 = 166.95.
    move = Scenario(
        name="m",
        catalog=[_priced("139.00")],
        moves={"growth-monthly": "growth-new"},
        keep_periods=2,
        cap="0.05",
    )
    result = simulate(_people(1250), [Scenario(name="today", catalog=CATALOG), move], MONTHS)
    totals = [r["total"] for r in result.details().to_records() if r["scenario"] == "m"]
    assert totals == [Decimal("159.00")] * 2 + [Decimal("166.95")] * 2


def test_grandfathering_never_delays_a_price_cut() -> None:
    # 800 contacts at 79.00 instead of 99.00: the cut applies from the first period.
    move = Scenario(
        name="cut",
        catalog=[_priced("79.00")],
        moves={"growth-monthly": "growth-new"},
        keep_periods=3,
    )
    result = simulate(_people(800), [Scenario(name="today", catalog=CATALOG), move], MONTHS)
    assert {r["total"] for r in result.details().to_records() if r["scenario"] == "cut"} == {
        Decimal("79.00")
    }


def test_a_cap_rounds_down_to_the_minor_unit() -> None:
    # 99.00 x 1.0333 = 102.29967 -> 102.29 (never above the cap).
    move = Scenario(
        name="c", catalog=[_priced("150.00")], moves={"growth-monthly": "growth-new"}, cap="0.0333"
    )
    result = simulate(_people(500), [Scenario(name="today", catalog=CATALOG), move], MARCH)
    assert [r["total"] for r in result.details().to_records() if r["scenario"] == "c"] == [
        Decimal("102.29")
    ]


def test_the_attribution_break_even() -> None:
    # Starter: 450 000 000 x 1.25 = 562 500 000 + 52 000 per attribution above 10 000;
    # Growth: 1 050 000 000 x 1.20 = 1 260 000 000 up to 30 000, then 38 000 each.
    # Equal where 52 000 x (n - 10 000) = 697 500 000: n = 23 413.46.
    days = Period(date(2026, 3, 21), date(2026, 4, 20))
    found = break_even(
        CATALOG["attribution-starter"],
        CATALOG["attribution-growth"],
        "attributions",
        range(0, 60001, 1),
        days,
    )
    assert found.crossings == (Decimal("23414"),)
    table = {r["quantity"]: r for r in found.table().to_records()}
    assert table[Decimal(23413)]["attribution-starter"] == Decimal("1259976000")
    assert table[Decimal(23414)]["attribution-starter"] == Decimal("1260028000")
    assert table[Decimal(23414)]["attribution-growth"] == Decimal("1260000000")


def test_bad_scenarios_are_refused_by_name() -> None:
    people = _people(800)
    today = Scenario(name="today", catalog=CATALOG)
    with pytest.raises(ValidationError, match="different names"):
        simulate(people, [today, today], MARCH)
    with pytest.raises(ValidationError, match="without grandfathering"):
        simulate(people, [Scenario(name="g", catalog=CATALOG, cap="0.1")], MARCH)
    with pytest.raises(ValidationError, match="a plan for 'org-1'"):
        simulate(people, [today, Scenario(name="x", catalog=[])], MARCH)
    rub = attrs.evolve(CATALOG["analytics-10k"], code="growth-monthly")
    with pytest.raises(ValidationError, match="in EUR"):
        simulate(people, [today, Scenario(name="rub", catalog=[rub])], MARCH)
    with pytest.raises(ValidationError, match="baseline"):
        simulate(people, [today], MARCH, baseline="nope")


def test_plots_name_the_extra_when_matplotlib_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    real = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    result = simulate(_people(800), [Scenario(name="today", catalog=CATALOG)], MARCH)
    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(MissingDependencyError, match=r"py-billkit\[plot\]"):
        result.plot()


def test_plots_draw_revenue_and_changes() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    result = simulate(
        _people(800, 4000),
        [
            Scenario(name="today", catalog=CATALOG),
            Scenario(name="119", catalog=[_priced("119.00", "growth-monthly")]),
        ],
        MARCH,
    )
    bars = result.plot("revenue").patches
    # 99.00 + 699.00 = 798.00 today; 119.00 + 719.00 = 838.00 at 119.00.
    assert [b.get_height() for b in bars] == [798.0, 838.0]
    assert result.plot("changes").get_xlabel() == "bill change against the baseline"
    with pytest.raises(ValidationError):
        result.plot("pie")  # type: ignore[arg-type]


def test_html_display_is_escaped() -> None:
    result = simulate(_people(800), [Scenario(name="<b>x</b>", catalog=CATALOG)], MARCH)
    html = result._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>x" not in html


contacts = st.lists(st.integers(0, 20000), min_size=1, max_size=8)
fees = st.decimals(min_value=0, max_value=500, places=2)


@given(contacts, fees, st.integers(0, 3), st.none() | st.decimals(0, 1, places=3))
def test_properties(counts: list[int], fee: Decimal, keep: int, cap: Decimal | None) -> None:
    people = _people(*counts)
    rng = random.Random(len(counts))
    other = Scenario(name="other", catalog=[_priced(str(fee), "growth-monthly")])
    moved = Scenario(
        name="moved",
        catalog=[_priced(str(fee))],
        moves={"growth-monthly": "growth-new"},
        keep_periods=keep,
        cap=cap,
    )
    chosen = [Scenario(name="base", catalog=CATALOG), other, moved]
    rng.shuffle(chosen[1:])
    result = simulate(people, chosen, MONTHS[:2], baseline="base")
    details = result.details().to_records()
    # The baseline's differences are all zero.
    assert all(r["difference"] == 0 for r in details if r["scenario"] == "base")
    # Revenue per plan adds up to each scenario's total.
    summary = {r["scenario"]: r["total"] for r in result.summary().to_records()}
    for name, total in summary.items():
        parts = [r["total"] for r in result.revenue().to_records() if r["scenario"] == name]
        assert sum(parts, Decimal(0)) == total
        assert sum((r["total"] for r in details if r["scenario"] == name), Decimal(0)) == total
    for r in details:
        if r["scenario"] != "moved":
            assert r["total"] == r["quoted"]
            continue
        # Grandfathering never raises a bill above the new price, nor above the cap.
        assert r["total"] <= r["quoted"]
        assert r["total"] >= min(r["quoted"], r["baseline"])
        if cap is not None:
            assert r["total"] <= r["baseline"] * (1 + cap)
        if keep > 0 and r["period_start"] == MONTHS[0].start:
            assert r["total"] == min(r["quoted"], r["baseline"])
