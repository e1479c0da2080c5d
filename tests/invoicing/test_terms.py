"""DocumentTerms: one frozen value of what a seller's documents to one buyer share."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from billkit.errors import InvoicingError
from billkit.invoicing import DocumentTerms, Item, build_act, build_invoice, build_receipt
from billkit.invoicing.builders import advance_invoice
from billkit.invoicing.tax import TaxRounding
from billkit.money import Money, RoundingPolicy
from billkit.parties import Party

SELLER = Party(kind="legal_entity", country="IT", name="Chat S.r.l.")
BUYER = Party(kind="legal_entity", country="IT", name="Cliente S.p.A.")
TERMS = DocumentTerms(seller=SELLER, buyer=BUYER, locale="it_IT", rules=None)
DAY = date(2026, 3, 2)
ITEMS = [Item(description="Growth", unit_price=Money("122.00", "EUR"))]


def test_each_document_kind_has_its_own_default_for_tax_inclusive_prices() -> None:
    # 122.00 EUR at 22 %: exclusive -> net 122.00, tax 26.84 (122 x 0.22);
    # inclusive -> net 100.00, tax 22.00 (122 x 22 / 122).
    invoice = build_invoice(ITEMS, TERMS, issue_date=DAY)
    receipt = build_receipt(ITEMS, TERMS, issue_date=DAY, paid_on=DAY)
    advance = advance_invoice(Money("122.00", "EUR"), TERMS, issue_date=DAY)
    assert (invoice.totals.net, invoice.totals.tax) == (
        Money("122.00", "EUR"),
        Money("26.84", "EUR"),
    )
    assert (receipt.totals.net, receipt.totals.tax) == (
        Money("100.00", "EUR"),
        Money("22.00", "EUR"),
    )
    assert advance.totals.tax == Money("22.00", "EUR")
    stated = attrs.evolve(TERMS, prices_include_tax=True)
    assert build_invoice(ITEMS, stated, issue_date=DAY).totals.tax == Money("22.00", "EUR")
    assert build_receipt(
        ITEMS, attrs.evolve(TERMS, prices_include_tax=False), issue_date=DAY, paid_on=DAY
    ).totals.tax == Money("26.84", "EUR")


def test_one_value_carries_the_parties_locale_rounding_and_payment_to_every_document() -> None:
    terms = attrs.evolve(TERMS, tax_rounding="per_document", rounding=RoundingPolicy(mode="down"))
    for document in (
        build_invoice(ITEMS, terms, issue_date=DAY),
        build_act(ITEMS, terms, issue_date=DAY),
        build_receipt(ITEMS, terms, issue_date=DAY, paid_on=DAY),
    ):
        assert (document.seller, document.buyer, document.locale) == (SELLER, BUYER, "it_IT")
        assert document.tax_rounding is TaxRounding.PER_DOCUMENT
    # 33.33 x 0.22 = 7.3326: rounded down to 7.33 under the terms' policy
    line = [Item(description="x", unit_price=Money("33.33", "EUR"))]
    assert build_invoice(line, terms, issue_date=DAY).totals.tax == Money("7.33", "EUR")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seller": "Chat"}, "seller = 'Chat': expected a Party"),
        ({"locale": "Italian"}, "locale = 'Italian': expected a locale code"),
        ({"prices_include_tax": "yes"}, "prices_include_tax = 'yes': expected True or False"),
        ({"tax_rounding": "per_invoice"}, "tax_rounding = 'per_invoice': expected one of"),
        ({"tax_country": "Italy"}, "tax_country = 'Italy': expected an ISO 3166-1 alpha-2"),
        ({"taxes": {}}, "taxes = {}: expected a TaxTable"),
        ({"rounding": "half_up"}, "rounding = 'half_up': expected a RoundingPolicy"),
        ({"rules": "strict"}, "rules = 'strict': expected a PartyRules"),
    ],
)
def test_bad_terms_are_refused_naming_the_field(change: dict[str, object], message: str) -> None:
    fields = {"seller": SELLER, "buyer": BUYER, "rules": None, **change}
    with pytest.raises(InvoicingError) as raised:
        DocumentTerms(**fields)  # type: ignore[arg-type]
    assert str(raised.value).startswith(message)


def test_parties_are_checked_against_the_rules_when_the_terms_are_made() -> None:
    # An Italian legal entity must show its legal address and Partita IVA.
    with pytest.raises(InvoicingError, match=r"seller\.legal_address = None: .*it\.iva"):
        DocumentTerms(seller=SELLER, buyer=BUYER)
    assert DocumentTerms(seller=SELLER, buyer=BUYER, rules=None).seller == SELLER


def test_builders_refuse_anything_but_terms() -> None:
    with pytest.raises(InvoicingError, match="terms = 'it_IT': expected a DocumentTerms"):
        build_invoice(ITEMS, "it_IT", issue_date=DAY)  # type: ignore[arg-type]
