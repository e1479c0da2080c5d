"""Italian legal notes on invoices (issue 15): which article a reverse charge
cites, and the stamp duty (imposta di bollo) above EUR 77.47 without VAT."""

from __future__ import annotations

from datetime import date

from billkit.invoicing import DocumentTerms, Item, build_invoice
from billkit.money import Money
from billkit.parties import Party

SELLER = Party(
    kind="legal_entity", country="IT", name="Conversa S.r.l.", identifiers={"it.iva": "02987650153"}
)
DOMESTIC = Party(
    kind="legal_entity", country="IT", name="Agenzia Srl", identifiers={"it.iva": "02987650153"}
)
GERMAN = Party(kind="legal_entity", country="DE", name="Agentur GmbH")


def notes(buyer: Party, treatment: str, amount: str) -> tuple[str, ...]:
    item = Item(description="Servizio", unit_price=Money(amount, "EUR"), treatment=treatment)
    terms = DocumentTerms(seller=SELLER, buyer=buyer, locale="it", rules=None)
    return build_invoice([item], terms, issue_date=date(2026, 3, 2)).notes_with_legal


def test_a_domestic_reverse_charge_cites_art_17_c6() -> None:
    (note,) = notes(DOMESTIC, "reverse_charge", "1000.00")
    assert "art. 17, c. 6, DPR 633/72" in note
    assert "196" not in note


def test_an_intra_eu_reverse_charge_cites_art_196() -> None:
    (note,) = notes(GERMAN, "reverse_charge", "1000.00")
    assert "art. 196 Direttiva 2006/112/CE" in note


def test_the_stamp_duty_above_77_47_without_vat() -> None:
    (above,) = notes(DOMESTIC, "exempt", "77.48")
    assert "Imposta di bollo di € 2,00" in above
    (at,) = notes(DOMESTIC, "exempt", "77.47")  # not above the threshold
    assert "bollo" not in at
