"""Notebook displays of a Catalog and a PlanComparison: short, compact and escaped."""

from __future__ import annotations

from datetime import date

import attrs

from billkit.demo import demo_catalog
from billkit.money import Money
from billkit.periods import Period
from billkit.pricing import Catalog, Plan, cheapest_plan

MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
HOSTILE = "<script>alert('x')</script> & co"


def _plan(code: str, name: str, fee: str) -> Plan:
    return Plan(code=code, name=name, currency="EUR", base_fee=Money(fee, "EUR"))


def test_a_catalog_repr_is_one_short_line() -> None:
    catalog = Catalog([_plan(f"p{n}", f"Plan {n}", "9.00") for n in range(12)])
    text = repr(catalog)
    assert "\n" not in text
    assert text.startswith("<Catalog of 12 plans: p0, p1,")
    assert text.endswith("p9, ...>")  # the first ten codes, then an ellipsis
    # The demo catalog's attrs repr ran to thousands of characters.
    assert len(repr(demo_catalog())) < 250


def test_a_catalog_html_has_a_row_per_plan_and_escapes_text() -> None:
    catalog = Catalog([_plan("basic", HOSTILE, "9.00"), _plan("pro", "Pro", "29.00")])
    html = catalog._repr_html_()
    assert html.count("<tr>") == 3  # the header and two plans
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in html
    assert "29.00" in html


def test_a_plan_comparison_html_shows_totals_and_the_cheapest() -> None:
    # The messaging business at 1 250 contacts: monthly 99.00 + 3 x 20.00 = 159.00;
    # the annual plan's usage invoice bills only the blocks, 60.00: 99.00 less.
    catalog = demo_catalog()
    monthly = attrs.evolve(catalog["growth-monthly"], name=HOSTILE)
    advice = cheapest_plan(
        [monthly, catalog["growth-annual-usage"]], {"monthly_active_contacts": 1250}, MARCH
    )
    html = advice._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "159.00" in html
    assert "99.00" in html
    cheapest_row = html.split("font-weight:bold'>")[1].split("</tr>")[0]
    assert "growth-annual-usage" in cheapest_row
    assert "60.00" in cheapest_row
    assert "cheapest" in cheapest_row
