"""Identifiers added for issue 15: Iranian legal-entity ID, economic and postal
codes, Sheba (IBAN) numbers, the Ukrainian ІПН. Valid values are published
examples; the invalid ones change one digit of them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import IdentifierError
from billkit.parties import BankAccount, Party
from billkit.parties.identifiers import validate_identifier

# The documented example of the Organisation for Registration of Deeds' check:
# (1+11)x29 + (0+11)x27 + (3+11)x23 + (8+11)x19 + (0+11)x17
# + (2+11)x29 + (8+11)x27 + (4+11)x23 + (7+11)x19 + (9+11)x17 = 3432,
# 3432 mod 11 = 0: the check digit is 0.
LEGAL_ID = "10380284790"
# The published Sheba example (mod 97 of 2960000000100324200001IR06 -> 182706...: 1)
SHEBA = "IR062960000000100324200001"


def test_iranian_legal_entity_id() -> None:
    assert validate_identifier("ir.legal_id", LEGAL_ID) == LEGAL_ID
    with pytest.raises(IdentifierError, match=r"check digit matches \(expected 0\)"):
        validate_identifier("ir.legal_id", "10380284791")
    with pytest.raises(IdentifierError, match="11 digits"):
        validate_identifier("ir.legal_id", "0499370899")


def test_iranian_economic_code_is_the_national_id() -> None:
    assert validate_identifier("ir.economic_code", LEGAL_ID) == LEGAL_ID  # a company
    assert validate_identifier("ir.economic_code", "0499370899") == "0499370899"  # a person
    assert validate_identifier("ir.economic_code", "411111111111") == "411111111111"  # old form
    with pytest.raises(IdentifierError, match="legal-entity national ID"):
        validate_identifier("ir.economic_code", "10380284791")


def test_iranian_postal_code() -> None:
    assert validate_identifier("ir.postal_code", "1969813511") == "1969813511"
    with pytest.raises(IdentifierError, match="not starting with 0"):
        validate_identifier("ir.postal_code", "0969813511")
    with pytest.raises(IdentifierError, match="10 digits"):
        validate_identifier("ir.postal_code", "196981351")


def test_sheba_numbers_pass_with_messages_that_say_what_failed() -> None:
    assert BankAccount(iban=SHEBA).iban == SHEBA
    assert BankAccount(iban="IR06 2960 0000 0010 0324 2000 01").iban == SHEBA
    with pytest.raises(IdentifierError, match="mod 97 gives 2, not 1"):
        validate_identifier("iban", "IR072960000000100324200001")
    with pytest.raises(IdentifierError, match="26 characters"):
        validate_identifier("iban", SHEBA[:-1])
    with pytest.raises(IdentifierError, match="2 letters, 2 check digits"):
        validate_identifier("iban", "06IR2960000000100324200001")
    # other countries keep python-stdnum's formats: the Italian test IBAN passes
    assert validate_identifier("iban", "IT60X0542811101000000123456") == (
        "IT60X0542811101000000123456"
    )


@given(st.text(alphabet="0123456789", min_size=22, max_size=22))
def test_any_sheba_with_computed_check_digits_passes(account: str) -> None:
    # ISO 13616: check = 98 - (BBAN + "IR00" as digits) mod 97
    number = int(account + "1827" + "00")  # I = 18, R = 27
    check = 98 - number % 97
    sheba = f"IR{check:02d}{account}"
    assert validate_identifier("iban", sheba) == sheba


def test_ukrainian_ipn_and_party_identifiers() -> None:
    assert validate_identifier("ua.ipn", "123456789012") == "123456789012"
    with pytest.raises(IdentifierError, match="12 digits"):
        validate_identifier("ua.ipn", "12345678901")
    seller = Party(
        kind="legal_entity",
        country="IR",
        name="شرکت ردیاب",
        identifiers={"ir.legal_id": LEGAL_ID, "ir.economic_code": LEGAL_ID},
    )
    assert sorted(i.scheme for i in seller.identifiers) == ["ir.economic_code", "ir.legal_id"]


def test_identifiers_print_with_their_labels_prefix_and_digits() -> None:
    from datetime import date

    from billkit.invoicing import DocumentTerms, Item, build_invoice
    from billkit.invoicing.render.adapters import to_render_document
    from billkit.money import Money

    ir = Party(
        kind="legal_entity",
        country="IR",
        name="شرکت ردیاب",
        identifiers={"ir.legal_id": LEGAL_ID, "ir.economic_code": LEGAL_ID},
    )
    it = Party(
        kind="legal_entity", country="IT", name="Conversa", identifiers={"it.iva": "02987650153"}
    )
    item = [Item(description="x", unit_price=Money("1000", "IRR"))]
    fa = to_render_document(
        build_invoice(
            item,
            DocumentTerms(seller=ir, buyer=it, locale="fa", rules=None),
            issue_date=date(2026, 3, 2),
        )
    )
    fields = {f.label: f.value for p in fa.parties for f in p.fields}
    assert fields["national_id"] == fields["economic_code"] == "۱۰۳۸۰۲۸۴۷۹۰"
    assert fields["partita_iva"] == "IT02987650153"  # abroad, with its country prefix
    eur = [Item(description="x", unit_price=Money("10.00", "EUR"))]
    domestic = to_render_document(
        build_invoice(
            eur,
            DocumentTerms(seller=it, buyer=it, locale="it", rules=None),
            issue_date=date(2026, 3, 2),
        )
    )
    assert {f.label: f.value for f in domestic.parties[0].fields}["partita_iva"] == "02987650153"
