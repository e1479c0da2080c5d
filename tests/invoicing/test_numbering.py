"""Number series: prefix, yearly or monthly reset, zero padding, no gaps."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import InvoicingError
from billkit.invoicing import NumberSeries, next_number
from billkit.invoicing.numbering import IssuedNumber, Reset, check_sequence


def test_yearly_series_restarts_on_new_year() -> None:
    series = NumberSeries(prefix="INV-", reset="yearly", padding=6)
    numbers = []
    last = None
    for day in [date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 1), date(2026, 1, 1)]:
        last = next_number(series, last, day)
        numbers.append(last.text)
    assert numbers == ["INV-2025-000001", "INV-2025-000002", "INV-2026-000001", "INV-2026-000002"]


def test_monthly_series_and_templates() -> None:
    series = NumberSeries(prefix="A", reset=Reset.MONTHLY, padding=3)
    first = next_number(series, None, date(2026, 2, 28))
    assert first.text == "A2026-02-001"
    assert next_number(series, first, date(2026, 3, 1)).text == "A2026-03-001"
    italian = NumberSeries(reset="yearly", padding=0, template="{number}/{year}")
    n = next_number(italian, None, date(2026, 1, 7))
    assert [n.text, next_number(italian, n, date(2026, 1, 8)).text] == ["1/2026", "2/2026"]
    short = NumberSeries(prefix="СЧ-", reset="yearly", padding=4, template="{prefix}{yy}{number}")
    assert short.format(17, date(2026, 5, 1)) == "СЧ-260017"


def test_never_resetting_series_and_a_wide_counter() -> None:
    series = NumberSeries(prefix="R", reset="never", padding=2)
    last = IssuedNumber(counter=99, on=date(2025, 12, 31), text="R99")
    after = next_number(series, last, date(2026, 1, 1))
    assert (after.counter, after.text) == (100, "R100")  # padding is a minimum, never a cut


def test_start_and_refusals() -> None:
    series = NumberSeries(prefix="P", reset="never", padding=3, start=500)
    first = next_number(series, None, date(2026, 1, 1))
    assert first.text == "P500"
    with pytest.raises(InvoicingError, match="order of dates"):
        next_number(series, first, date(2025, 12, 31))
    with pytest.raises(InvoicingError, match="a number of this series"):
        next_number(
            series, IssuedNumber(counter=3, on=date(2026, 1, 1), text="X003"), date(2026, 1, 2)
        )
    with pytest.raises(InvoicingError, match=r"\{year\} or \{yy\}"):
        NumberSeries(reset="yearly", template="{prefix}{number}")
    with pytest.raises(InvoicingError, match=r"\{month\}"):
        NumberSeries(reset="monthly", template="{year}-{number}")
    with pytest.raises(InvoicingError, match="a \\{number\\} placeholder"):
        NumberSeries(reset="never", template="{prefix}")
    with pytest.raises(InvoicingError, match="plainly"):
        NumberSeries(reset="never", template="{number:>8}")
    with pytest.raises(InvoicingError, match="without braces"):
        NumberSeries(prefix="{x}")
    with pytest.raises(InvoicingError, match="'never', 'yearly', 'monthly'"):
        NumberSeries(reset="weekly")


def test_check_sequence_finds_gaps_and_repeats() -> None:
    series = NumberSeries(prefix="INV-", reset="yearly", padding=4)
    a = next_number(series, None, date(2026, 1, 5))
    b = next_number(series, a, date(2026, 1, 6))
    check_sequence(series, [a, b])
    with pytest.raises(InvoicingError, match="INV-2026-0002"):
        check_sequence(series, [a, a])
    gap = IssuedNumber(counter=3, on=date(2026, 1, 6), text="INV-2026-0003")
    with pytest.raises(InvoicingError, match="no gaps"):
        check_sequence(series, [a, gap])


@given(st.lists(st.integers(0, 40), min_size=1, max_size=60), st.sampled_from(list(Reset)))
def test_numbers_are_gap_free_and_unique(steps: list[int], reset: Reset) -> None:
    series = NumberSeries(prefix="N", reset=reset, padding=3)
    day = date(2025, 11, 20)
    last = None
    issued = []
    for step in steps:
        day += timedelta(days=step)
        last = next_number(series, last, day)
        issued.append(last)
    check_sequence(series, issued)
    assert len({n.text for n in issued}) == len(issued)
    for prev, cur in itertools.pairwise(issued):
        same = series.period_of(prev.on) == series.period_of(cur.on)
        assert cur.counter == (prev.counter + 1 if same else 1)
