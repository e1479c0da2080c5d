"""Values built by the trusted route (invoicing/_made.py) are the values their
checking constructors make from the same fields.

``made()`` skips a value class's converters for values billkit made itself
(document lines, tax groups, totals, items from a quote). Rebuilding each one
through its public constructor, which checks and converts every field, must
give an equal value: nothing the converters would have changed or refused
got through.
"""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billkit.errors import InvoicingError
from billkit.invoicing import DocumentTerms, Item, build_invoice, items_from_quote
from billkit.invoicing._made import made, shaped
from billkit.invoicing.documents import DocumentLine, TaxGroup, Totals
from billkit.money import Money
from billkit.parties import Party
from billkit.periods import Period
from billkit.pricing import Plan, quote
from tests.strategies.invoicing import items
from tests.strategies.pricing import periods_for, plans, usage_for

SELLER = Party(kind="legal_entity", country="RU", name="Продавец")
BUYER = Party(kind="legal_entity", country="RU", name="Покупатель")
TERMS = DocumentTerms(seller=SELLER, buyer=BUYER, rules=None)


def _rebuilt(value: object) -> object:
    """``value`` rebuilt by its own checking constructor."""
    fields = {f.alias or f.name: getattr(value, f.name) for f in attrs.fields(type(value))}
    return type(value)(**fields)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(items, min_size=1, max_size=6))
def test_document_lines_groups_and_totals_are_what_their_constructors_make(
    found: list[Item],
) -> None:
    invoice = build_invoice(found, TERMS, issue_date=date(2026, 3, 1))
    for line in invoice.lines:
        assert _rebuilt(line) == line
    for group in invoice.tax_groups:
        assert _rebuilt(group) == group
    assert _rebuilt(invoice.totals) == invoice.totals
    assert _rebuilt(invoice) == invoice


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_items_from_a_quote_are_what_the_item_constructor_makes(data: st.DataObject) -> None:
    plan = data.draw(plans(currency="RUB"))
    bill = quote(plan, data.draw(usage_for(plan)), data.draw(periods_for(plan.cycle)))
    category = data.draw(st.sampled_from(["standard", "reduced"]))
    for item in items_from_quote(bill, tax_category=category, treatment="exempt"):
        assert _rebuilt(item) == item
        assert item.tax_category == category


def test_the_callers_options_are_still_checked() -> None:
    plan_items = [Item(description="line", unit_price=Money("1.00", "RUB"))]
    build_invoice(plan_items, TERMS, issue_date=date(2026, 3, 1))
    plan = Plan(code="p", name="Plan", currency="RUB", base_fee=Money("10.00", "RUB"))
    bill = quote(plan, {}, Period(date(2026, 3, 1), date(2026, 4, 1)))
    with pytest.raises(InvoicingError, match="tax_category"):
        items_from_quote(bill, tax_category=" padded ")
    with pytest.raises(InvoicingError, match="treatment"):
        items_from_quote(bill, treatment="no such treatment")


def test_made_runs_the_invariants_and_refuses_unknown_fields() -> None:
    def rub(amount: str) -> Money:
        return Money(amount, "RUB")

    # 100.00 + 22.00 is 122.00, not 121.00: the line's own check still runs.
    with pytest.raises(InvoicingError, match="net \\+ tax"):
        made(
            DocumentLine,
            position=1,
            description="VPS",
            quantity=1,
            unit_price=None,
            net=rub("100.00"),
            tax_rate=0,
            tax=rub("22.00"),
            gross=rub("121.00"),
        )
    with pytest.raises(TypeError, match="no fields"):
        made(Totals, net=rub("1"), tax=rub("0"), gross=rub("1"), extra=1)
    with pytest.raises(TypeError, match="no value for"):
        made(TaxGroup, category="standard")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(items, min_size=1, max_size=6), st.data())
def test_values_of_one_shape_are_the_values_made_field_by_field(
    found: list[Item], data: st.DataObject
) -> None:
    # shaped(cls, given, fixed) takes the given fields positionally and binds the
    # fixed ones: whichever fields are split which way, the value is the one the
    # checking constructor makes from the same fields.
    invoice = build_invoice(found, TERMS, issue_date=date(2026, 3, 1))
    for value in (*invoice.lines, *invoice.tax_groups, invoice.totals):
        cls = type(value)
        fields = {f.name: getattr(value, f.name) for f in attrs.fields(cls)}
        names = data.draw(st.permutations(sorted(fields)))
        cut = data.draw(st.integers(0, len(names)))
        given_names = tuple(names[:cut])
        fixed = {name: fields[name] for name in names[cut:]}
        make = shaped(cls, given_names, fixed)
        rebuilt = make(*(fields[name] for name in given_names))
        assert rebuilt == value == _rebuilt(rebuilt)
        assert (
            shaped(cls, given_names, fixed, added_up=True)(*(fields[name] for name in given_names))
            == value
        )


def test_shaped_runs_the_invariants_unless_added_up_and_refuses_a_wrong_shape() -> None:
    def rub(amount: str) -> Money:
        return Money(amount, "RUB")

    # 100.00 + 22.00 is 122.00, not 121.00: the totals' own check runs, unless the
    # caller holds it by construction (added_up=True, the compiled invoice).
    sums = ("net", "tax", "gross")
    with pytest.raises(InvoicingError, match="net \\+ tax"):
        shaped(Totals, sums, {})(rub("100.00"), rub("22.00"), rub("121.00"))
    unchecked = shaped(Totals, sums, {}, added_up=True)(rub("100.00"), rub("22.00"), rub("121.00"))
    assert unchecked.gross == rub("121.00")
    # A default fills a field neither given nor fixed (rounding_difference: None).
    assert shaped(Totals, ("net",), {"tax": rub("0"), "gross": rub("1")})(rub("1")) == Totals(
        net=rub("1"), tax=rub("0"), gross=rub("1")
    )
    with pytest.raises(TypeError, match="no fields \\['extra'\\]"):
        shaped(Totals, (*sums, "extra"), {})
    with pytest.raises(TypeError, match="named twice \\['net'\\]"):
        shaped(Totals, sums, {"net": rub("1")})
    with pytest.raises(TypeError, match="named twice"):
        shaped(Totals, ("net", "net", "tax", "gross"), {})
    with pytest.raises(TypeError, match="no value for gross"):
        shaped(Totals, ("net", "tax"), {})
