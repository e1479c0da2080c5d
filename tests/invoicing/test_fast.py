"""The one-pass pricing of a document (invoicing/_fast.py) gives the documents of
the general, careful path (invoicing/_assembly.py's ``_price`` and the document
class's checking constructor): equal values, equal bytes once serialised, the
same errors.

Each generated case is built twice: by ``build_invoice`` (the fast path where it
applies) and by the builders' shared ``_common`` with ``careful=True`` (the
general path only, every field through the constructor's converters).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billkit import serialize
from billkit.conventions import TotalRounding
from billkit.errors import BillkitError
from billkit.invoicing import DocumentTerms, Invoice, Item, build_invoice, items_from_quote
from billkit.invoicing import _fast as fast
from billkit.invoicing.builders import _common
from billkit.invoicing.tax import LineTax, TaxRounding
from billkit.money import Money
from billkit.parties import Party
from billkit.periods import Period
from billkit.pricing import Coupon, apply_discounts, quote
from tests.strategies.invoicing import items
from tests.strategies.pricing import periods_for, plans, usage_for

DAY = date(2026, 3, 1)
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
PARTIES = {
    "RU": (
        Party(kind="legal_entity", country="RU", name="Продавец"),
        Party(kind="legal_entity", country="RU", name="Покупатель"),
    ),
    # an Italian seller and a German buyer: reverse-charge and stamp-duty notes
    "IT": (
        Party(kind="legal_entity", country="IT", name="Chat Srl"),
        Party(kind="legal_entity", country="DE", name="Kunde GmbH"),
    ),
}
TAXES = [LineTax(name="GST", rate="5%"), LineTax(name="QST", rate="9.975%")]


def _careful(found: list[Item], terms: DocumentTerms, number: str | None) -> Invoice:
    """The invoice ``build_invoice`` gives, by the general path only."""
    return _common(
        Invoice,
        found,
        terms,
        issue_date=DAY,
        number=number,
        include_tax=terms._includes_tax(False),
        tax_rounding=terms._tax_rounding_or(TaxRounding.PER_LINE),
        tax_date=None,
        period=None,
        notes=(),
        references=(),
        invoice_kind="one_off",
        due_date=None,
        careful=True,
    )


def _both(found: list[Item], terms: DocumentTerms, number: str | None = "7") -> None:
    try:
        expected: Invoice | str = _careful(found, terms, number)
    except BillkitError as problem:
        expected = repr(problem)
    try:
        actual: Invoice | str = build_invoice(found, terms, issue_date=DAY, number=number)
    except BillkitError as problem:
        actual = repr(problem)
    assert actual == expected
    if isinstance(actual, Invoice):
        assert isinstance(expected, Invoice)
        assert serialize.dumps(actual) == serialize.dumps(expected)


def _item_with(kind: int, base: Item, amount: int) -> Item:
    """``base`` as is (0), with an amount of its own (1), or with its own taxes (2)."""
    if kind == 0:
        return base
    if kind == 1:
        return Item(
            description="fee",
            amount=Money(Decimal(amount).scaleb(-2), "RUB"),
            tax_category=base.tax_category,
            treatment=base.treatment,
            period=MARCH,
        )
    return Item(description="taxed", unit_price=base.unit_price, taxes=TAXES)


lines = st.builds(
    _item_with,
    st.sampled_from([0, 0, 1, 1, 2]),
    items,
    st.integers(0, 10**7),
)
terms_cases = st.builds(
    lambda country, inclusive, rounding, total, treatment: (
        DocumentTerms(
            seller=PARTIES[country][0],
            buyer=PARTIES[country][1],
            prices_include_tax=inclusive,
            tax_rounding=rounding,
            total_rounding=total,
            tax_country="RU",  # the items' categories are Russian ones
            locale="it_IT" if country == "IT" else "ru_RU",
            rules=None,
        ),
        treatment,
    ),
    st.sampled_from(["RU", "IT"]),
    st.sampled_from([None, True, False]),
    st.sampled_from([None, TaxRounding.PER_LINE, TaxRounding.PER_DOCUMENT]),
    st.sampled_from(list(TotalRounding)),
    st.sampled_from([None, "reverse_charge", "not_subject", "exempt"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines, min_size=1, max_size=6), terms_cases)
def test_the_fast_path_gives_the_general_paths_invoice(
    found: list[Item], case: tuple[DocumentTerms, str | None]
) -> None:
    terms, treatment = case
    if treatment is not None:  # one line of another treatment, with its legal note
        found = [
            *found,
            Item(description="other", amount=Money("90.00", "RUB"), treatment=treatment),
        ]
    _both(found, terms)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_fast_path_gives_the_general_paths_invoice_from_a_quote(data: st.DataObject) -> None:
    plan = data.draw(plans(currency="RUB"))
    bill = quote(plan, data.draw(usage_for(plan)), data.draw(periods_for(plan.cycle)))
    locale = data.draw(st.sampled_from([None, "ru_RU"]))
    off = data.draw(st.sampled_from([None, "10%", "33.3%", "100%"]))
    billed = bill if off is None else apply_discounts(bill, [Coupon(code="OFF", percent_off=off)])
    found = list(items_from_quote(billed, locale=locale, names=_names(bill, locale)))
    terms, _ = data.draw(terms_cases)
    _both(found, terms)
    _both(found, terms, number=None)


def _names(bill: object, locale: str | None) -> dict[str, dict[str, str]] | None:
    if locale is None:
        return None
    lines = bill.lines  # type: ignore[attr-defined]
    return {line.code: {"ru": f"Строка {line.code}"} for line in lines}


def test_the_fast_path_is_taken_for_the_common_document() -> None:
    # Per-line rounding, no line with its own taxes: one pass (_fast.py); the
    # comparison above would prove nothing if every case fell back.
    terms = DocumentTerms(seller=PARTIES["RU"][0], buyer=PARTIES["RU"][1], rules=None)
    found = [Item(description="VPS", unit_price=Money("250.00", "RUB"))]
    priced = fast.price(
        found,
        terms,
        issue_date=DAY,
        prices_include_tax=False,
        tax_rounding=TaxRounding.PER_LINE,
        tax_date=None,
        rounding=terms.rounding,
    )
    assert priced is not None
    # Russian VAT is 22 % from 1 January 2026 (Federal Law No. 425-FZ of
    # 28.11.2025, art. 164 p. 3 of the Tax Code): 250.00 x 0.22 = 55.00
    assert priced.totals.tax == Money("55.00", "RUB")
    assert priced.totals.gross == Money("305.00", "RUB")
    taxed = [Item(description="taxed", unit_price=Money("1.00", "RUB"), taxes=TAXES)]
    assert (
        fast.price(
            taxed,
            terms,
            issue_date=DAY,
            prices_include_tax=False,
            tax_rounding=TaxRounding.PER_LINE,
            tax_date=None,
            rounding=terms.rounding,
        )
        is None
    )


def test_a_callers_bad_field_is_refused_on_the_fast_path() -> None:
    terms = DocumentTerms(seller=PARTIES["RU"][0], buyer=PARTIES["RU"][1], rules=None)
    found = [Item(description="VPS", unit_price=Money("250.00", "RUB"))]
    with pytest.raises(BillkitError, match="number"):
        build_invoice(found, terms, issue_date=DAY, number=" padded ")
    with pytest.raises(BillkitError, match="notes"):
        build_invoice(found, terms, issue_date=DAY, notes=[3])  # type: ignore[list-item]
