"""FatturaPA XML (issue 15): every document validates against the official
XSD (version 1.2.2, bundled in ``fatturapa_xsd/`` with its source note) and
reads back, through lxml's XPath rather than billkit's code, to the totals the
document states and to the arithmetic shown in each test.

Figures are the messaging SaaS of the example businesses: Conversa S.r.l. in
Milano, plan Growth at EUR 249.00 a month, blocks of 100 contacts at EUR 15.00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.errors import InvoicingError
from billkit.invoicing import DocumentTerms, Item, build_credit_note, build_invoice
from billkit.invoicing.fatturapa import NAMESPACE, fatturapa_filename, fatturapa_xml
from billkit.money import Money
from billkit.parties import Address, BankAccount, Party
from billkit.periods import Period

etree = pytest.importorskip("lxml.etree")

XSD = Path(__file__).parent / "fatturapa_xsd" / "FatturaPA_v1.2.2.xsd"

SELLER = Party(
    kind="legal_entity",
    country="IT",
    name="Conversa S.r.l.",
    legal_address=Address(
        country="IT", postal_code="20121", region="MI", city="Milano", street="Via Dante 4"
    ),
    identifiers={"it.iva": "02987650153"},
    bank=BankAccount(
        bank_name="Intesa Sanpaolo", iban="IT60X0542811101000000123456", swift="BCITITMM"
    ),
)
AGENCY = Party(
    kind="legal_entity",
    country="IT",
    name="Agenzia Verdi S.r.l.",
    legal_address=Address(
        country="IT", postal_code="40121", region="BO", city="Bologna", street="Via Indipendenza 10"
    ),
    identifiers={"it.iva": "00743110157"},
)
PERSON = Party(
    kind="individual",
    country="IT",
    name="Laura Bianchi",
    legal_address=Address(
        country="IT", postal_code="40121", city="Bologna", street="Via Indipendenza 10"
    ),
    identifiers={"it.cf": "BNCLRA80A41F205G"},
)
GERMAN = Party(
    kind="legal_entity",
    country="DE",
    name="Agentur Schmidt GmbH",
    legal_address=Address(
        country="DE", postal_code="10115", city="Berlin", street="Invalidenstrasse 1"
    ),
    identifiers={"eu.vat": "DE136695976"},
)
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))


@pytest.fixture(scope="module")
def schema() -> object:
    return etree.XMLSchema(etree.parse(str(XSD)))


def check(schema: object, xml: bytes) -> object:
    """Validate against the XSD and return the parsed tree."""
    tree = etree.fromstring(xml)
    assert schema.validate(tree), schema.error_log  # type: ignore[attr-defined]
    return tree


def one(tree: object, path: str) -> str:
    (value,) = tree.xpath(path)  # type: ignore[attr-defined]
    return str(value)


def many(tree: object, path: str) -> list[str]:
    return [str(v) for v in tree.xpath(path)]  # type: ignore[attr-defined]


def invoice(buyer: Party, items: list[Item], number: str = "2026/0311") -> object:
    terms = DocumentTerms(seller=SELLER, buyer=buyer, locale="it_IT")
    return build_invoice(items, terms, number=number, issue_date=date(2026, 3, 1), payment_days=14)


def test_an_ordinary_invoice_validates_and_reads_back(schema: object) -> None:
    doc = invoice(
        AGENCY,
        [
            Item(
                description="Piano Growth, marzo 2026",
                unit="mese",
                unit_price=Money("249.00", "EUR"),
                period=MARCH,
            ),
            Item(
                description="Contatti attivi oltre il piano: 3 blocchi da 100",
                quantity=3,
                unit="blocco",
                unit_price=Money("15.00", "EUR"),
            ),
        ],
    )
    tree = check(schema, fatturapa_xml(doc, codice_destinatario="M5UXCR1"))
    assert tree.tag == f"{{{NAMESPACE}}}FatturaElettronica"  # type: ignore[attr-defined]
    assert one(tree, "/*/@versione") == "FPR12"
    assert one(tree, "//DatiTrasmissione/FormatoTrasmissione/text()") == "FPR12"
    assert one(tree, "//DatiTrasmissione/CodiceDestinatario/text()") == "M5UXCR1"
    assert one(tree, "//CedentePrestatore//IdFiscaleIVA/IdCodice/text()") == "02987650153"
    assert one(tree, "//CedentePrestatore//Denominazione/text()") == "Conversa S.r.l."
    assert one(tree, "//CedentePrestatore/Sede/Provincia/text()") == "MI"
    assert one(tree, "//CessionarioCommittente//IdFiscaleIVA/IdCodice/text()") == "00743110157"
    assert one(tree, "//TipoDocumento/text()") == "TD01"
    assert one(tree, "//DatiGeneraliDocumento/Numero/text()") == "2026/0311"
    assert one(tree, "//DatiGeneraliDocumento/Data/text()") == "2026-03-01"
    # the lines: 249.00 x 1, and 15.00 x 3 = 45.00
    assert many(tree, "//DettaglioLinee/PrezzoTotale/text()") == ["249.00", "45.00"]
    assert many(tree, "//DettaglioLinee/Quantita/text()") == ["1.00", "3.00"]
    assert many(tree, "//DettaglioLinee/PrezzoUnitario/text()") == ["249.00", "15.00"]
    assert many(tree, "//DettaglioLinee/AliquotaIVA/text()") == ["22.00", "22.00"]
    # the service period: March, its last day the 31st
    assert one(tree, "//DettaglioLinee[1]/DataFinePeriodo/text()") == "2026-03-31"
    # one summary at 22 %: net 249 + 45 = 294.00, VAT 294 x 0.22 = 64.68
    assert one(tree, "//DatiRiepilogo/ImponibileImporto/text()") == "294.00"
    assert one(tree, "//DatiRiepilogo/Imposta/text()") == "64.68"
    # the document total, 294.00 + 64.68 = 358.68, also the payment, due in 14 days
    assert one(tree, "//ImportoTotaleDocumento/text()") == "358.68"
    assert one(tree, "//DettaglioPagamento/ImportoPagamento/text()") == "358.68"
    assert one(tree, "//DettaglioPagamento/DataScadenzaPagamento/text()") == "2026-03-15"
    assert one(tree, "//DettaglioPagamento/IBAN/text()") == "IT60X0542811101000000123456"
    lines = sum(Decimal(v) for v in many(tree, "//DettaglioLinee/PrezzoTotale/text()"))
    assert lines == doc.totals.net.amount
    assert not tree.xpath("//DatiBollo")  # type: ignore[attr-defined]


def test_a_consumer_is_named_and_coded_by_codice_fiscale(schema: object) -> None:
    doc = invoice(PERSON, [Item(description="Piano Growth", unit_price=Money("249.00", "EUR"))])
    tree = check(schema, fatturapa_xml(doc))
    assert one(tree, "//CodiceDestinatario/text()") == "0000000"  # no code: her tax drawer
    assert one(tree, "//CessionarioCommittente//CodiceFiscale/text()") == "BNCLRA80A41F205G"
    assert one(tree, "//CessionarioCommittente//Nome/text()") == "Laura"
    assert one(tree, "//CessionarioCommittente//Cognome/text()") == "Bianchi"
    assert not tree.xpath("//CessionarioCommittente//IdFiscaleIVA")  # type: ignore[attr-defined]


def test_a_domestic_reverse_charge_is_n6_9_with_its_article(schema: object) -> None:
    doc = invoice(
        AGENCY,
        [
            Item(
                description="Servizi",
                unit_price=Money("1000.00", "EUR"),
                treatment="reverse_charge",
            )
        ],
    )
    tree = check(schema, fatturapa_xml(doc, pec="fatture@pec.agenziaverdi.it"))
    assert one(tree, "//PECDestinatario/text()") == "fatture@pec.agenziaverdi.it"
    assert one(tree, "//DettaglioLinee/Natura/text()") == "N6.9"
    assert one(tree, "//DettaglioLinee/AliquotaIVA/text()") == "0.00"
    assert one(tree, "//DatiRiepilogo/Natura/text()") == "N6.9"
    assert one(tree, "//DatiRiepilogo/ImponibileImporto/text()") == "1000.00"
    assert one(tree, "//DatiRiepilogo/Imposta/text()") == "0.00"  # the buyer accounts for it
    assert "art. 17, c. 6, DPR 633/72" in one(tree, "//DatiRiepilogo/RiferimentoNormativo/text()")
    assert one(tree, "//ImportoTotaleDocumento/text()") == "1000.00"
    assert not tree.xpath("//DatiBollo")  # type: ignore[attr-defined]  # no bollo on reverse charge


def test_services_to_an_eu_business_are_n2_1(schema: object) -> None:
    doc = invoice(
        GERMAN,
        [
            Item(
                description="Plan Growth",
                unit_price=Money("249.00", "EUR"),
                treatment="reverse_charge",
            )
        ],
    )
    tree = check(schema, fatturapa_xml(doc))
    assert one(tree, "//CodiceDestinatario/text()") == "XXXXXXX"  # a buyer abroad
    assert one(tree, "//CessionarioCommittente//IdPaese/text()") == "DE"
    assert one(tree, "//CessionarioCommittente//IdCodice/text()") == "136695976"
    assert one(tree, "//CessionarioCommittente/Sede/CAP/text()") == "00000"
    assert one(tree, "//DatiRiepilogo/Natura/text()") == "N2.1"


def test_an_exempt_invoice_above_77_47_bears_the_bollo(schema: object) -> None:
    doc = invoice(
        AGENCY,
        [
            Item(description="Formazione", unit_price=Money("100.00", "EUR"), treatment="exempt"),
            Item(description="Piano Growth", unit_price=Money("249.00", "EUR")),
        ],
    )
    tree = check(schema, fatturapa_xml(doc))
    # exempt 100.00 > 77.47: stamp duty of 2.00, paid virtually
    assert one(tree, "//DatiBollo/BolloVirtuale/text()") == "SI"
    assert one(tree, "//DatiBollo/ImportoBollo/text()") == "2.00"
    summaries = {
        (s.findtext("AliquotaIVA"), s.findtext("Natura")): (
            s.findtext("ImponibileImporto"),
            s.findtext("Imposta"),
        )
        for s in tree.xpath("//DatiRiepilogo")  # type: ignore[attr-defined]
    }
    # 249.00 x 0.22 = 54.78; the exempt 100.00 under N4
    assert summaries == {("22.00", None): ("249.00", "54.78"), ("0.00", "N4"): ("100.00", "0.00")}
    # 100.00 + 249.00 + 54.78 = 403.78
    assert one(tree, "//ImportoTotaleDocumento/text()") == "403.78"
    reference = one(tree, "//DatiRiepilogo[Natura='N4']/RiferimentoNormativo/text()")
    assert reference == "Operazione esente IVA (art. 10 DPR 633/1972)"  # the bollo has DatiBollo


def test_an_exempt_invoice_at_77_47_has_no_bollo(schema: object) -> None:
    doc = invoice(
        AGENCY,
        [Item(description="Formazione", unit_price=Money("77.47", "EUR"), treatment="exempt")],
    )
    tree = check(schema, fatturapa_xml(doc))
    assert not tree.xpath("//DatiBollo")  # type: ignore[attr-defined]  # not above 77.47


def test_a_credit_note_is_td04_and_names_the_invoice(schema: object) -> None:
    original = invoice(
        AGENCY, [Item(description="Piano Growth", unit_price=Money("249.00", "EUR"))]
    )
    note = build_credit_note(
        original,
        number="NC-2026/0007",
        issue_date=date(2026, 3, 10),
        amount=Money("100.00", "EUR"),
        reason="Rimborso parziale",
    )
    tree = check(schema, fatturapa_xml(note))
    assert one(tree, "//TipoDocumento/text()") == "TD04"
    assert one(tree, "//DatiFattureCollegate/IdDocumento/text()") == "2026/0311"
    assert one(tree, "//DatiFattureCollegate/Data/text()") == "2026-03-01"
    assert one(tree, "//Causale/text()") == "Rimborso parziale"
    # 100.00 gross at 22 % (the note credits VAT in proportion): tax 100 x 22/122 = 18.03,
    # net 81.97; amounts on a credit note are positive
    assert one(tree, "//DatiRiepilogo/ImponibileImporto/text()") == "81.97"
    assert one(tree, "//DatiRiepilogo/Imposta/text()") == "18.03"
    assert one(tree, "//ImportoTotaleDocumento/text()") == "100.00"
    assert not tree.xpath("//DatiPagamento")  # type: ignore[attr-defined]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2),
            st.integers(min_value=1, max_value=50),
            st.sampled_from(["standard", "exempt", "reverse_charge"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_invoice_validates_and_adds_up(
    rows: list[tuple[Decimal, int, str]],
) -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    items = [
        Item(description=f"Servizio {i}", quantity=q, unit_price=Money(p, "EUR"), treatment=t)
        for i, (p, q, t) in enumerate(rows)
    ]
    terms = DocumentTerms(seller=SELLER, buyer=AGENCY, locale="it_IT", tax_rounding="per_document")
    doc = build_invoice(items, terms, number="1", issue_date=date(2026, 3, 1))
    tree = check(schema, fatturapa_xml(doc))
    # the summaries add up to the document's net and tax, and the lines to the summaries
    nets = sum(Decimal(v) for v in many(tree, "//DatiRiepilogo/ImponibileImporto/text()"))
    taxes = sum(Decimal(v) for v in many(tree, "//DatiRiepilogo/Imposta/text()"))
    lines = sum(Decimal(v) for v in many(tree, "//DettaglioLinee/PrezzoTotale/text()"))
    assert nets == lines == doc.totals.net.amount
    assert taxes == doc.totals.tax.amount
    assert Decimal(one(tree, "//ImportoTotaleDocumento/text()")) == nets + taxes
    # each line's total is its unit price times its quantity, as the SdI checks
    for line in tree.xpath("//DettaglioLinee"):  # type: ignore[attr-defined]
        product = Decimal(line.findtext("PrezzoUnitario")) * Decimal(line.findtext("Quantita"))
        assert abs(product - Decimal(line.findtext("PrezzoTotale"))) <= Decimal("0.01")


def test_refusals_name_the_field() -> None:
    draft = build_invoice(
        [Item(description="Growth", unit_price=Money("49.00", "EUR"))],
        DocumentTerms(seller=SELLER, buyer=AGENCY, locale="it_IT"),
        issue_date=date(2026, 3, 1),
    )
    with pytest.raises(InvoicingError, match="number"):
        fatturapa_xml(draft)
    no_id = Party(
        kind="individual", country="IT", name="Mario Rossi", legal_address=PERSON.legal_address
    )
    doc = build_invoice(
        [Item(description="Growth", unit_price=Money("49.00", "EUR"))],
        DocumentTerms(seller=SELLER, buyer=no_id, locale="it_IT", rules=None),
        number="1",
        issue_date=date(2026, 3, 1),
    )
    with pytest.raises(InvoicingError, match=r"buyer\.identifiers"):
        fatturapa_xml(doc)
    doc = invoice(AGENCY, [Item(description="Crescita Ω", unit_price=Money("49.00", "EUR"))])
    with pytest.raises(InvoicingError, match=r"lines\[1\].description.*Latin-1"):
        fatturapa_xml(doc)
    for hostile in ("Growth\x00", "Gro\x9bwth", "\u202e00.94 EUR"):  # NUL, C1 CSI, RLO
        doc = invoice(AGENCY, [Item(description=hostile, unit_price=Money("49.00", "EUR"))])
        with pytest.raises(InvoicingError, match=r"lines\[1\]\.description"):
            fatturapa_xml(doc)
    doc = invoice(AGENCY, [Item(description="Growth", unit_price=Money("49.00", "EUR"))])
    with pytest.raises(InvoicingError, match="codice_destinatario"):
        fatturapa_xml(doc, codice_destinatario="abc")
    with pytest.raises(InvoicingError, match="pec"):
        fatturapa_xml(doc, codice_destinatario="M5UXCR1", pec="x@pec.it")
    with pytest.raises(InvoicingError, match="natura"):
        fatturapa_xml(doc, natura={"exempt": "N9"})


def test_typographic_text_is_written_plainly(schema: object) -> None:
    doc = invoice(
        AGENCY, [Item(description="Piano “Growth” – 249 €", unit_price=Money("249.00", "EUR"))]
    )
    tree = check(schema, fatturapa_xml(doc))
    assert one(tree, "//Descrizione/text()") == 'Piano "Growth" - 249 EUR'


def test_the_file_name_is_the_sellers_vat_number_and_a_progressive() -> None:
    doc = invoice(AGENCY, [Item(description="Growth", unit_price=Money("49.00", "EUR"))])
    assert fatturapa_filename(doc, progressive="00001") == "IT02987650153_00001.xml"
    with pytest.raises(InvoicingError, match="progressive"):
        fatturapa_filename(doc, progressive="too-long")


def test_per_line_rounding_that_drifts_beyond_a_cent_is_refused() -> None:
    # five lines of 0.02: each line's VAT 0.02 x 0.22 = 0.0044 rounds to 0.00, the rate's
    # net 0.10 x 0.22 = 0.022 -> 0.02; 0.00 is 0.02 off, beyond the SdI's cent
    items = [Item(description=f"SMS {i}", unit_price=Money("0.02", "EUR")) for i in range(5)]
    doc = invoice(AGENCY, items)
    assert doc.totals.tax == Money("0.00", "EUR")
    with pytest.raises(InvoicingError, match="per_document"):
        fatturapa_xml(doc)
    terms = DocumentTerms(seller=SELLER, buyer=AGENCY, locale="it_IT", tax_rounding="per_document")
    fixed = build_invoice(items, terms, number="1", issue_date=date(2026, 3, 1))
    assert b"<Imposta>0.02</Imposta>" in fatturapa_xml(fixed)


def test_the_demo_documents_of_the_italian_business_validate(schema: object) -> None:
    from billkit._demo_documents import demo_documents
    from billkit.invoicing.documents import CreditNote, Invoice

    italian = {
        name: doc
        for name, doc in demo_documents().items()
        if isinstance(doc, (Invoice, CreditNote)) and doc.seller.country == "IT"
    }
    assert len(italian) == 4  # subscription, usage, credit note, reverse charge (English)
    for doc in italian.values():
        tree = check(schema, fatturapa_xml(doc))
        nets = sum(Decimal(v) for v in many(tree, "//DatiRiepilogo/ImponibileImporto/text()"))
        taxes = sum(Decimal(v) for v in many(tree, "//DatiRiepilogo/Imposta/text()"))
        assert (nets, taxes) == (doc.totals.net.amount, doc.totals.tax.amount)


def test_an_intermediary_transmits_for_the_seller(schema: object) -> None:
    doc = invoice(AGENCY, [Item(description="Growth", unit_price=Money("49.00", "EUR"))])
    tree = check(schema, fatturapa_xml(doc, transmitter="IT01879020517"))
    assert one(tree, "//IdTrasmittente/IdCodice/text()") == "01879020517"
    # the seller is still the seller
    assert one(tree, "//CedentePrestatore//IdFiscaleIVA/IdCodice/text()") == "02987650153"
    with pytest.raises(InvoicingError, match="transmitter"):
        fatturapa_xml(doc, transmitter="01879020517")


# Buyers abroad without an EU VAT number (issue 15). The values follow the
# FatturaPA XSD (IdFiscaleIVA: IdPaese + IdCodice of 1-28 characters) and the
# Assosoftware answers of 7 May 2019 on invoices to foreign buyers: the
# country code, the foreign tax ID if known, else a default of all nines; no
# CodiceFiscale (an Italian resident's); CAP 00000; CodiceDestinatario XXXXXXX
# (https://www.ateneoweb.com/notizie-fiscali/e-fattura-a-cliente-estero-privato-i-chiarimenti-di-assosoftware.html).
AMERICAN = Party(
    kind="legal_entity",
    country="US",
    name="Acme Analytics Inc.",
    legal_address=Address(
        country="US", postal_code="94105", region="CA", city="San Francisco", street="1 Market St"
    ),
)
SWISS_CONSUMER = Party(
    kind="individual",
    country="CH",
    name="Anna Keller",
    legal_address=Address(country="CH", postal_code="8001", city="Zürich", street="Bahnhofstr. 1"),
    identifiers={"it.cf": "KLLNNA80A41Z133F"},
)


def foreign(buyer: Party, amount: str = "249.00") -> object:
    terms = DocumentTerms(seller=SELLER, buyer=buyer, locale="it_IT", rules=None)
    item = Item(
        description="Plan Growth", unit_price=Money(amount, "EUR"), treatment="reverse_charge"
    )
    return build_invoice([item], terms, number="2026/0400", issue_date=date(2026, 4, 1))


def test_a_company_outside_the_eu_with_its_own_tax_id(schema: object) -> None:
    tree = check(schema, fatturapa_xml(foreign(AMERICAN), buyer_tax_id="123456789"))
    buyer = "//CessionarioCommittente"
    assert one(tree, "//CodiceDestinatario/text()") == "XXXXXXX"
    assert one(tree, f"{buyer}//IdPaese/text()") == "US"
    assert one(tree, f"{buyer}//IdCodice/text()") == "123456789"
    assert one(tree, f"{buyer}//Denominazione/text()") == "Acme Analytics Inc."
    assert one(tree, f"{buyer}/Sede/CAP/text()") == "00000"
    assert one(tree, f"{buyer}/Sede/Nazione/text()") == "US"
    assert many(tree, f"{buyer}/Sede/Provincia/text()") == []  # an Italian province only
    # services to a business abroad: not subject in Italy (art. 7-ter), no VAT
    assert one(tree, "//DatiRiepilogo/Natura/text()") == "N2.1"
    assert one(tree, "//ImportoTotaleDocumento/text()") == "249.00"


def test_a_consumer_abroad_without_a_tax_id(schema: object) -> None:
    tree = check(schema, fatturapa_xml(foreign(SWISS_CONSUMER)))
    buyer = "//CessionarioCommittente"
    assert one(tree, f"{buyer}//IdPaese/text()") == "CH"
    assert one(tree, f"{buyer}//IdCodice/text()") == "99999999999"  # eleven nines
    # an Italian codice fiscale is for Italian residents: not written for a buyer abroad
    assert many(tree, f"{buyer}//CodiceFiscale/text()") == []
    assert one(tree, f"{buyer}//Nome/text()") == "Anna"
    assert one(tree, f"{buyer}//Cognome/text()") == "Keller"


def test_a_foreign_tax_id_is_refused_where_it_does_not_belong() -> None:
    with pytest.raises(InvoicingError, match=r"buyer_tax_id = '12-34'.*capital letters"):
        fatturapa_xml(foreign(AMERICAN), buyer_tax_id="12-34")
    with pytest.raises(InvoicingError, match=r"buyer_tax_id = 'X1'.*only a buyer abroad"):
        fatturapa_xml(
            invoice(AGENCY, [Item(description="G", unit_price=Money("1", "EUR"))]),
            buyer_tax_id="X1",
        )
    with pytest.raises(InvoicingError, match=r"buyer_tax_id = 'X1'.*eu.vat"):
        fatturapa_xml(foreign(GERMAN), buyer_tax_id="X1")


def test_an_advance_payment_invoice_is_td02_paid_in_advance(schema: object) -> None:
    """An invoice for an advance payment (``advance_invoice``) is a TD02, "acconto/anticipo
    su fattura", whose payment condition is TP03, "anticipo" (FatturaPA 1.2.2 tables)."""
    from billkit.invoicing.builders import advance_invoice

    terms = DocumentTerms(seller=SELLER, buyer=AGENCY, locale="it_IT")
    doc = advance_invoice(
        Money("1220.00", "EUR"), terms, issue_date=date(2026, 3, 2), number="2026/0400"
    )
    tree = check(schema, fatturapa_xml(doc))
    assert one(tree, "//TipoDocumento/text()") == "TD02"
    assert one(tree, "//CondizioniPagamento/text()") == "TP03"
    # 1 220.00 including 22 % VAT: tax 1 220 x 22 / 122 = 220.00, net 1 000.00
    assert one(tree, "//DatiRiepilogo/ImponibileImporto/text()") == "1000.00"
    assert one(tree, "//DatiRiepilogo/Imposta/text()") == "220.00"
    assert one(tree, "//ImportoTotaleDocumento/text()") == "1220.00"
    assert one(tree, "//DettaglioPagamento/ImportoPagamento/text()") == "1220.00"
    # an ordinary invoice stays TD01, paid in full (TP02)
    ordinary = check(
        schema,
        fatturapa_xml(
            invoice(AGENCY, [Item(description="Piano", unit_price=Money("1.00", "EUR"))])
        ),
    )
    assert one(ordinary, "//TipoDocumento/text()") == "TD01"
    assert one(ordinary, "//CondizioniPagamento/text()") == "TP02"
