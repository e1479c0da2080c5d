"""The document's tax total: sum of rounded parts (billkit) or rounded total (Lago).

Lago's rule (lago-api ``app/services/invoices/apply_taxes_service.rb``): each
applied tax is ``tax_amount_cents.round`` of its unrounded amount, and the
invoice's ``taxes_amount_cents`` is ``applied_taxes_amount_cents.round``, the
rounded sum of the *unrounded* amounts, so the taxes shown need not add up to
the total.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.conventions import BILLKIT, KILL_BILL, LAGO, STRIPE, TotalRounding
from billkit.errors import InvoicingError
from billkit.invoicing import DocumentTerms, Item, build_invoice
from billkit.invoicing.documents import Totals
from billkit.money import Money
from billkit.parties import Party

DAY = date(2026, 3, 1)
TERMS = DocumentTerms(
    seller=Party(kind="legal_entity", country="IT", name="Chat S.r.l."),
    buyer=Party(kind="individual", country="IT", name="Mario Rossi"),
    rules=None,
)
LAGO_TERMS = attrs.evolve(TERMS, total_rounding=LAGO.total_rounding)


def _items(standard: str, reduced: str) -> list[Item]:
    return [
        Item(description="Chat seats", unit_price=Money(standard, "EUR")),
        Item(description="E-book", unit_price=Money(reduced, "EUR"), tax_category="reduced"),
    ]


def test_presets() -> None:
    assert BILLKIT.total_rounding is TotalRounding.SUM_OF_PARTS
    assert LAGO.total_rounding is TotalRounding.ROUND_TOTAL
    assert KILL_BILL.total_rounding is STRIPE.total_rounding is TotalRounding.SUM_OF_PARTS
    assert TERMS.total_rounding is TotalRounding.SUM_OF_PARTS


def test_worked_example_excluding_tax() -> None:
    # Italy, 22 % on 1.02 and 10 % on 0.04 (tax-exclusive):
    #   1.02 x 0.22 = 0.2244 -> 0.22 shown;  0.04 x 0.10 = 0.004 -> 0.00 shown
    #   sum of rounded parts: 0.22 + 0.00 = 0.22 (billkit)
    #   rounded total: 0.2244 + 0.004 = 0.2284 -> 0.23 (Lago), 0.01 more than the parts
    items = _items("1.02", "0.04")
    ours = build_invoice(items, TERMS, number="1", issue_date=DAY)
    assert [g.tax for g in ours.tax_groups] == [Money("0.22", "EUR"), Money("0.00", "EUR")]
    assert ours.totals == Totals(
        net=Money("1.06", "EUR"), tax=Money("0.22", "EUR"), gross=Money("1.28", "EUR")
    )
    lago = build_invoice(items, LAGO_TERMS, number="1", issue_date=DAY)
    assert lago.tax_groups == ours.tax_groups  # each tax shown rounded on its own
    assert lago.totals == Totals(
        net=Money("1.06", "EUR"),
        tax=Money("0.23", "EUR"),
        gross=Money("1.29", "EUR"),
        rounding_difference=Money("0.01", "EUR"),
    )


def test_worked_example_including_tax() -> None:
    # prices include tax: 1.02 x 22/122 = 0.18393... -> 0.18; 0.04 x 10/110 = 0.00363... -> 0.00
    # parts: 0.18; total: 0.18757... -> 0.19; the gross stays 1.06, the net is 1.06 - 0.19 = 0.87
    lago = build_invoice(
        _items("1.02", "0.04"),
        attrs.evolve(LAGO_TERMS, prices_include_tax=True),
        number="1",
        issue_date=DAY,
    )
    assert lago.totals == Totals(
        net=Money("0.87", "EUR"),
        tax=Money("0.19", "EUR"),
        gross=Money("1.06", "EUR"),
        rounding_difference=Money("0.01", "EUR"),
    )


def test_agreeing_totals_state_no_difference() -> None:
    # 10.00 x 0.22 = 2.20 and 10.00 x 0.10 = 1.00: exact, both ways 3.20
    lago = build_invoice(_items("10.00", "10.00"), LAGO_TERMS, number="1", issue_date=DAY)
    assert lago.totals.tax == Money("3.20", "EUR")
    assert lago.totals.rounding_difference is None


def test_zero_difference_refused() -> None:
    with pytest.raises(InvoicingError, match="rounding_difference"):
        Totals(
            net=Money("1.00", "EUR"),
            tax=Money("0.22", "EUR"),
            gross=Money("1.22", "EUR"),
            rounding_difference=Money("0.00", "EUR"),
        )


def test_forged_difference_refused() -> None:
    doc = build_invoice(_items("1.02", "0.04"), LAGO_TERMS, number="1", issue_date=DAY)
    wrong = attrs.evolve(
        doc.totals, tax=Money("0.24", "EUR"), gross=Money("1.30", "EUR")
    )  # says 0.01 but moved 0.02
    with pytest.raises(InvoicingError, match=r"totals\.tax"):
        attrs.evolve(doc, totals=wrong)


_CENTS = st.integers(min_value=1, max_value=10**7).map(lambda c: Decimal(c) / 100)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(_CENTS, st.sampled_from(["standard", "reduced"])), min_size=1, max_size=6),
    st.booleans(),
)
def test_properties(rows: list[tuple[Decimal, str]], inclusive: bool) -> None:
    items = [
        Item(description=f"line {i}", unit_price=Money(a, "EUR"), tax_category=c)
        for i, (a, c) in enumerate(rows)
    ]
    terms = attrs.evolve(TERMS, prices_include_tax=inclusive)
    ours = build_invoice(items, terms, number="1", issue_date=DAY)
    # default: the parts add up exactly, no difference stated
    assert ours.totals.rounding_difference is None
    assert ours.totals.tax.amount == sum(g.tax.amount for g in ours.tax_groups)
    assert ours.totals.gross.amount == sum(g.gross.amount for g in ours.tax_groups)
    lago = build_invoice(
        items, attrs.evolve(terms, total_rounding="round_total"), number="1", issue_date=DAY
    )
    # Lago: the total is the rounded sum of the unrounded taxes (half up on cents)
    exact = sum(
        g.gross.amount * g.rate / (1 + g.rate) if inclusive else g.net.amount * g.rate
        for g in lago.tax_groups
    )
    assert lago.totals.tax.amount == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    shown = sum(g.tax.amount for g in lago.tax_groups)
    diff = lago.totals.rounding_difference
    assert (diff.amount if diff is not None else 0) == lago.totals.tax.amount - shown
    assert lago.totals.net.amount + lago.totals.tax.amount == lago.totals.gross.amount
    # the lines are the same either way; only the totals move
    assert lago.tax_groups == ours.tax_groups


def test_rendered_difference() -> None:
    from billkit.invoicing.render import render_html
    from billkit.invoicing.render.adapters import to_render_document

    lago = build_invoice(_items("1.02", "0.04"), LAGO_TERMS, number="1", issue_date=DAY)
    rows = [(t.label, t.amount) for t in to_render_document(lago).totals]
    assert rows == [
        ("total_net", Money("1.06", "EUR")),
        ("total_tax", Money("0.23", "EUR")),
        ("rounding_difference", Money("0.01", "EUR")),
        ("total_due", Money("1.29", "EUR")),
    ]
    assert "Tax rounding difference" in render_html(lago)
    ours = build_invoice(_items("1.02", "0.04"), TERMS, number="1", issue_date=DAY)
    assert "rounding_difference" not in [t.label for t in to_render_document(ours).totals]


def test_fatturapa_refuses_a_total_rounded_on_its_own() -> None:
    # FatturaPA's ImportoTotaleDocumento must be its DatiRiepilogo added up:
    # under Lago's rule the worked example's tax is 0.23 while its summaries
    # show 0.22 + 0.00, so the XML would contradict itself; it is refused.
    from billkit.invoicing.fatturapa import fatturapa_xml

    lago = build_invoice(_items("1.02", "0.04"), LAGO_TERMS, number="1", issue_date=DAY)
    with pytest.raises(InvoicingError, match="rounding_difference"):
        fatturapa_xml(lago)
