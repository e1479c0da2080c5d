"""Several taxes on one document line (``Item(taxes=...)``), and ad-hoc rates.

Expected values come from the published rules, with the arithmetic shown:

* Québec: GST 5 % and QST 9.975 % both on the selling price since 1 January
  2013, "$100 x 9.975 % = $9.98, total $114.98"; in 2012, QST 9.5 % on the
  price including GST, "([$100 + $5] x 9.5 %) = $9.98" (Revenu Québec,
  http://www.revenuquebec.ca/en/entreprise/taxes/tvq_tps/calcul-taxes.aspx and
  http://www.revenuquebec.ca/en/salle-de-presse/communiques/autres/2012/17dec.aspx).
* New York City: 4 % state, 4.5 % city and the 0.375 % MCTD surcharge, each on
  the price, 8.875 % in all (NYS publication 718; e.g.
  https://www.nycnewyork.tax/help/what-is-the-sales-tax-of-new-york).
* Stripe: "You can add up to ten tax rates to each line item", each rate's
  amount on the line's taxable amount (https://docs.stripe.com/invoicing/taxes/tax-rates).
* Lago: each applied tax is ``fee amount x tax rate`` (its
  ``Fees::ApplyTaxesService``), none compound.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import attrs
import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import InvoicingError
from billkit.invoicing import (
    DocumentTerms,
    Item,
    build_credit_note,
    build_invoice,
    receipt_for,
)
from billkit.invoicing.fatturapa import fatturapa_xml
from billkit.invoicing.render import render_html, render_pdf
from billkit.invoicing.tax import AppliedTax, LineTax, apply_line_taxes
from billkit.money import Money
from billkit.parties import Party


def cad(amount: str) -> Money:
    return Money(amount, "CAD")


def usd(amount: str) -> Money:
    return Money(amount, "USD")


GST = LineTax(name="GST", rate="5%")
QST = LineTax(name="QST", rate="9.975%")
QST_2012 = LineTax(name="QST", rate="9.5%", compound=True)
NYC = (
    LineTax(name="NY State", rate="4%"),
    LineTax(name="NYC", rate="4.5%"),
    LineTax(name="MCTD", rate="0.375%"),
)
QUEBEC = DocumentTerms(
    seller=Party(kind="legal_entity", country="CA", name="Nuage Inc."),
    buyer=Party(kind="individual", country="CA", name="Marie Tremblay"),
    locale="en_CA",
    rules=None,
)
NEW_YORK = DocumentTerms(
    seller=Party(kind="legal_entity", country="US", name="Cloud LLC"),
    buyer=Party(kind="individual", country="US", name="Ann Lee"),
    locale="en_US",
    rules=None,
)


def invoice(items: list[Item], terms: DocumentTerms = QUEBEC, **options: object):  # type: ignore[no-untyped-def]
    return build_invoice(items, terms, number="1", issue_date=date(2026, 3, 1), **options)


def test_quebec_gst_and_qst_on_one_line_and_per_tax_in_the_summary() -> None:
    inv = invoice(
        [
            Item(description="Hosting", unit_price=cad("100.00"), taxes=[GST, QST]),
            Item(description="Backup", unit_price=cad("19.99"), taxes=[GST, QST]),
        ]
    )
    hosting, backup = inv.lines
    # 100.00 x 5 % = 5.00; 100.00 x 9.975 % = 9.975 -> 9.98
    assert [(t.name, t.amount) for t in hosting.taxes] == [
        ("GST", cad("5.00")),
        ("QST", cad("9.98")),
    ]
    assert hosting.tax == cad("14.98")
    assert hosting.gross == cad("114.98")
    assert hosting.tax_rate == Decimal("0.14975")  # 5 % + 9.975 %, before rounding
    assert hosting.tax_category == "GST + QST"
    # 19.99 x 5 % = 0.9995 -> 1.00; 19.99 x 9.975 % = 1.99400... -> 1.99
    assert [t.amount for t in backup.taxes] == [cad("1.00"), cad("1.99")]
    # One summary row per tax, on the base it was charged on
    assert [(g.category, g.rate, g.net, g.tax) for g in inv.tax_groups] == [
        ("GST", Decimal("0.05"), cad("119.99"), cad("6.00")),
        ("QST", Decimal("0.09975"), cad("119.99"), cad("11.97")),
    ]
    # The totals are the lines': 119.99 + (14.98 + 2.99) = 137.96
    assert (inv.totals.net, inv.totals.tax, inv.totals.gross) == (
        cad("119.99"),
        cad("17.97"),
        cad("137.96"),
    )
    assert inv.totals.tax.amount == sum(g.tax.amount for g in inv.tax_groups)


def test_quebec_in_2012_qst_compounds_on_the_price_with_gst() -> None:
    inv = invoice([Item(description="Hosting", unit_price=cad("100.00"), taxes=[GST, QST_2012])])
    _gst, qst = inv.lines[0].taxes
    # Revenu Québec: QST ([$100 + $5] x 9.5 %) = 9.975 -> $9.98, total $114.98
    assert qst.base == cad("105.00")
    assert qst.amount == cad("9.98")
    assert inv.totals.gross == cad("114.98")
    assert inv.lines[0].tax_rate == Decimal("0.14975")  # 0.05 + 0.095 x 1.05
    qst_row = inv.tax_groups[1]
    assert (qst_row.net, qst_row.tax, qst_row.gross) == (cad("105.00"), cad("9.98"), cad("114.98"))
    # only a compound tax's place matters: first, QST is 100.00 x 9.5 % = 9.50; GST still 5.00
    swapped = invoice(
        [Item(description="Hosting", unit_price=cad("100.00"), taxes=[QST_2012, GST])]
    )
    assert [t.amount for t in swapped.lines[0].taxes] == [cad("9.50"), cad("5.00")]


def test_new_york_city_three_taxes_need_no_tax_table_row() -> None:
    # The default tax table has no row for the US: a line taxed from the table is refused
    with pytest.raises(InvoicingError, match="US"):
        invoice([Item(description="Setup", unit_price=usd("100.00"))], NEW_YORK)
    inv = invoice([Item(description="Setup", unit_price=usd("100.00"), taxes=NYC)], NEW_YORK)
    # 4.00 + 4.50 + 0.375 -> 0.38 = 8.88; one line at 8.875 %
    assert [t.amount for t in inv.lines[0].taxes] == [usd("4.00"), usd("4.50"), usd("0.38")]
    assert inv.lines[0].tax_rate == Decimal("0.08875")
    assert inv.totals.gross == usd("108.88")


def test_one_ad_hoc_rate_on_an_invoice() -> None:
    levy = LineTax(name="Digital services levy", rate="3%")
    inv = invoice([Item(description="Ads", unit_price=usd("250.00"), taxes=[levy])], NEW_YORK)
    (group,) = inv.tax_groups
    # 250.00 x 3 % = 7.50
    assert (group.category, group.rate, group.tax) == (
        "Digital services levy",
        Decimal("0.03"),
        usd("7.50"),
    )
    assert inv.totals.gross == usd("257.50")


def test_vat_plus_a_levy_beside_table_taxed_lines() -> None:
    # Italy: a line at the table's 22 % IVA, and one with IVA 22 % plus a 1 % levy
    terms = DocumentTerms(
        seller=Party(kind="legal_entity", country="IT", name="Chat S.r.l."),
        buyer=Party(kind="individual", country="IT", name="Mario Rossi"),
        rules=None,
    )
    inv = invoice(
        [
            Item(description="Seats", unit_price=Money("10.00", "EUR")),
            Item(
                description="Streaming",
                unit_price=Money("10.00", "EUR"),
                taxes=[LineTax(name="IVA", rate="22%"), LineTax(name="Levy", rate="1%")],
            ),
        ],
        terms,
    )
    # 10.00 x 22 % = 2.20 from the table; 2.20 + 0.10 on the second line
    assert [(g.category, g.tax.amount) for g in inv.tax_groups] == [
        ("standard", Decimal("2.20")),
        ("IVA", Decimal("2.20")),
        ("Levy", Decimal("0.10")),
    ]
    assert inv.totals.tax == Money("4.50", "EUR")
    assert inv.totals.gross == Money("24.50", "EUR")
    # FatturaPA has one AliquotaIVA per line: refused, and says why
    with pytest.raises(InvoicingError, match="one AliquotaIVA"):
        fatturapa_xml(inv)


def test_what_a_line_with_its_own_taxes_refuses() -> None:
    with pytest.raises(InvoicingError, match="each tax once"):
        Item(description="x", unit_price=cad("1.00"), taxes=[GST, GST])
    with pytest.raises(InvoicingError, match="no taxes on a line of treatment exempt"):
        Item(description="x", unit_price=cad("1.00"), taxes=[GST], treatment="exempt")
    with pytest.raises(InvoicingError, match="below 100 %"):
        LineTax(name="x", rate="100%")
    item = Item(description="x", unit_price=cad("1.00"), taxes=[GST, QST])
    with pytest.raises(InvoicingError, match="tax-exclusive prices"):
        invoice([item], attrs.evolve(QUEBEC, prices_include_tax=True))
    with pytest.raises(InvoicingError, match="per-line tax rounding"):
        invoice([item], attrs.evolve(QUEBEC, tax_rounding="per_document"))
    # a tax named like a table category on another line cannot share its summary row
    terms = attrs.evolve(QUEBEC, seller=attrs.evolve(QUEBEC.seller, country="IT"))
    with pytest.raises(InvoicingError, match="a tax name other than"):
        invoice(
            [
                Item(description="a", unit_price=cad("1.00")),
                Item(
                    description="b",
                    unit_price=cad("1.00"),
                    taxes=[LineTax(name="standard", rate="22%")],
                ),
            ],
            terms,
        )


def test_a_line_whose_taxes_do_not_add_up_cannot_exist() -> None:
    inv = invoice([Item(description="Hosting", unit_price=cad("100.00"), taxes=[GST, QST])])
    line = inv.lines[0]
    wrong = attrs.evolve(line.taxes[1], amount=cad("9.97"))
    with pytest.raises(InvoicingError, match=r"the sum of its taxes, 14\.97"):
        attrs.evolve(line, taxes=(line.taxes[0], wrong))


def test_credit_notes_and_receipts_of_lines_with_their_own_taxes() -> None:
    inv = invoice(
        [
            Item(description="Hosting", unit_price=cad("100.00"), taxes=[GST, QST]),
            Item(description="Backup", unit_price=cad("19.99"), taxes=[GST, QST]),
        ]
    )
    full = build_credit_note(inv, number="CN-1", issue_date=date(2026, 3, 2))
    assert full.totals == inv.totals
    assert full.tax_groups == inv.tax_groups
    assert full.lines[0].taxes == inv.lines[0].taxes
    one = build_credit_note(inv, number="CN-2", issue_date=date(2026, 3, 2), lines=[2])
    assert one.totals.gross == cad("22.98")  # 19.99 + 1.00 + 1.99
    with pytest.raises(InvoicingError, match="credited whole, once"):
        build_credit_note(
            inv, number="CN-3", issue_date=date(2026, 3, 2), lines={1: Decimal("0.5")}
        )
    with pytest.raises(InvoicingError, match="whole lines"):
        build_credit_note(inv, number="CN-3", issue_date=date(2026, 3, 2), amount=cad("10.00"))
    assert receipt_for(inv, number="R-1", paid_on=date(2026, 3, 3)).totals == inv.totals
    with pytest.raises(InvoicingError, match="whole lines"):
        receipt_for(inv, number="R-1", paid_on=date(2026, 3, 3), amount=cad("10.00"))


def test_html_and_pdf_show_each_tax() -> None:
    inv = invoice(
        [
            Item(description="Hosting", unit_price=cad("100.00"), taxes=[GST, QST]),
            Item(description="Backup", unit_price=cad("19.99"), taxes=[GST, QST]),
        ]
    )
    html = render_html(inv)
    assert html.count("GST 5% + QST 9.975%") == 2  # each line's taxes
    assert "<td>GST 5%</td>" in html
    assert "<td>QST 9.975%</td>" in html
    assert ">11.97<" in html
    assert ">137.96<" not in html
    assert "$137.96" in html
    # the headings say "tax", not "VAT": these taxes are not VAT
    assert "<th>Tax summary</th>" in html
    assert "Total excl. tax" in html
    assert "VAT" not in html
    text = pypdf.PdfReader(io.BytesIO(render_pdf(inv))).pages[0].extract_text()
    assert "Total excl. tax" in text
    assert "VAT" not in text
    assert text.count("GST 5% + QST 9.975%") == 2
    assert "QST 9.975%" in text
    assert "11.97" in text
    assert "137.96" in text


@given(
    nets=st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=6),
    rates=st.lists(
        st.tuples(st.integers(min_value=0, max_value=9999), st.booleans()),
        min_size=1,
        max_size=4,
    ),
)
def test_own_taxes_add_up_on_the_lines_the_summary_and_the_totals(
    nets: list[int], rates: list[tuple[int, bool]]
) -> None:
    taxes = [
        LineTax(name=f"T{i}", rate=Decimal(r).scaleb(-4), compound=c)
        for i, (r, c) in enumerate(rates)
    ]
    items = [
        Item(description=f"L{i}", unit_price=usd(str(Decimal(n).scaleb(-2))), taxes=taxes)
        for i, n in enumerate(nets)
    ]
    inv = invoice(items, NEW_YORK)
    for line in inv.lines:
        assert sum(t.amount.amount for t in line.taxes) == line.tax.amount
        assert line.net + line.tax == line.gross
        for t in line.taxes:  # each tax is its base x rate, rounded half up to the cent
            exact = t.base.amount * t.rate
            assert abs(t.amount.amount - exact) <= Decimal("0.005")
    assert inv.totals.tax.amount == sum(g.tax.amount for g in inv.tax_groups)
    assert inv.totals.net.amount == sum(line.net.amount for line in inv.lines)
    assert inv.totals.net + inv.totals.tax == inv.totals.gross


def test_apply_line_taxes_is_stack_taxes_with_the_bases() -> None:
    applied = apply_line_taxes(cad("100.00"), [GST, QST_2012])
    assert applied == (
        AppliedTax(name="GST", rate="0.05", base=cad("100.00"), amount=cad("5.00")),
        AppliedTax(name="QST", rate="0.095", compound=True, base=cad("105.00"), amount=cad("9.98")),
    )
