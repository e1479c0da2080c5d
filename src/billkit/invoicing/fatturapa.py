"""FatturaPA: Italian electronic invoices (XML, version 1.2.2, format FPR12).

Italian B2B and B2C invoices travel as FatturaPA XML through the Sistema di
Interscambio (SdI). :func:`fatturapa_xml` writes an :class:`~billkit.invoicing.Invoice`
(``TD01``; ``TD02`` for an advance payment's) or
:class:`~billkit.invoicing.CreditNote` (``TD04``) as that XML, from the same
values the PDF and HTML print: the parties with their Partita IVA
(``it.iva``), Codice Fiscale (``it.cf``) or EU VAT number (``eu.vat``) and
addresses, each line, one ``DatiRiepilogo`` per VAT rate and *Natura*, the
stamp duty (``DatiBollo``) and the payment details. Only the standard library
(:mod:`xml.etree.ElementTree`) is used.

Lines without VAT carry the *Natura* code of their treatment:

=================  ==========================================================
treatment          Natura
=================  ==========================================================
``exempt``         ``N4`` (esenti, art. 10 DPR 633/72)
``reverse_charge`` ``N6.9`` for an Italian buyer (inversione contabile, art. 17
                   c. 6 DPR 633/72); ``N2.1`` for a buyer abroad (services not
                   subject in Italy, art. 7-ter DPR 633/72)
``zero_rated``     ``N3.1`` (non imponibili, esportazioni)
``not_subject``    ``N2.2`` (non soggette, altri casi)
=================  ==========================================================

``natura={...}`` overrides a treatment's code. A document whose supplies
without VAT add up to more than EUR 77.47 bears the EUR 2.00 stamp duty,
paid virtually (``BolloVirtuale`` ``SI``), as its legal note says.

>>> from datetime import date
>>> from billkit.money import Money
>>> from billkit.parties import Address, Party
>>> from billkit.invoicing import DocumentTerms, Item, build_invoice
>>> seller = Party(kind="legal_entity", country="IT", name="Conversa S.r.l.",
...                legal_address=Address(country="IT", postal_code="20121", region="MI",
...                                      city="Milano", street="Via Dante 4"),
...                identifiers={"it.iva": "02987650153"})
>>> buyer = Party(kind="legal_entity", country="IT", name="Agenzia Verdi S.r.l.",
...               legal_address=Address(country="IT", postal_code="40121", region="BO",
...                                     city="Bologna", street="Via Indipendenza 10"),
...               identifiers={"it.iva": "00743110157"})
>>> invoice = build_invoice(
...     [Item(description="Piano Growth, marzo 2026", unit_price=Money("249.00", "EUR"))],
...     DocumentTerms(seller=seller, buyer=buyer, locale="it_IT"),
...     number="2026/0311", issue_date=date(2026, 3, 1))
>>> xml = fatturapa_xml(invoice, codice_destinatario="M5UXCR1")
>>> print(xml.decode()[:38])
<?xml version='1.0' encoding='UTF-8'?>
>>> text = xml.decode()
>>> print(text[text.index("<DatiRiepilogo>"):text.index("</DatiBeniServizi>")].strip())
<DatiRiepilogo>
        <AliquotaIVA>22.00</AliquotaIVA>
        <ImponibileImporto>249.00</ImponibileImporto>
        <Imposta>54.78</Imposta>
        <EsigibilitaIVA>I</EsigibilitaIVA>
      </DatiRiepilogo>
>>> fatturapa_filename(invoice, progressive="00001")
'IT02987650153_00001.xml'
"""

from __future__ import annotations

import decimal
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Final
from xml.etree import ElementTree as ET

from moneyed import Money

from billkit.errors import InvoicingError
from billkit.invoicing._assembly import _BOLLO, _BOLLO_THRESHOLD, _BOLLO_TREATMENTS
from billkit.invoicing.documents import CreditNote, Invoice, InvoiceKind
from billkit.invoicing.tax import TaxTreatment
from billkit.money import CONTEXT
from billkit.parties import Address, Party

__all__ = ["NAMESPACE", "fatturapa_filename", "fatturapa_xml"]

NAMESPACE: Final = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2"
"""The XML namespace of FatturaPA 1.2.x (the root element's ``p:`` prefix)."""

_BOLLO_AMOUNT: Final = Decimal("2.00")
_NO_FOREIGN_ID: Final = "99999999999"  # IdCodice of a buyer abroad without a tax ID
_CENT: Final = Decimal("0.01")
_NATURA: Final[dict[TaxTreatment, str]] = {
    TaxTreatment.EXEMPT: "N4",
    TaxTreatment.ZERO_RATED: "N3.1",
    TaxTreatment.NOT_SUBJECT: "N2.2",
}
_NATURE_CODES: Final = frozenset(
    ["N1", "N2.1", "N2.2", "N3.1", "N3.2", "N3.3", "N3.4", "N3.5", "N3.6", "N4", "N5"]
    + [f"N6.{i}" for i in range(1, 10)]
    + ["N7"]
)
# Typographic characters outside Latin-1, which FatturaPA text may not hold.
_PLAIN: Final = str.maketrans(
    {
        "€": "EUR",
        "–": "-",
        "—": "-",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "…": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u00ad": "",
    }
)


def _latin(field: str, value: str, limit: int, *, basic: bool = False) -> str:
    """``value`` as FatturaPA text: Latin-1 (ASCII if ``basic``), one line,
    at most ``limit`` characters, or an error naming ``field``."""
    plain = " ".join(value.translate(_PLAIN).split())
    plain = unicodedata.normalize("NFC", plain)
    top = 0x7F if basic else 0xFF
    # controls (NUL, C1) cannot travel in XML 1.0 or mean nothing on paper
    bad = [c for c in plain if ord(c) > top or unicodedata.category(c) == "Cc"]
    if bad:
        script = "ASCII" if basic else "Latin-1"
        raise InvoicingError(field, value, f"{script} text for FatturaPA (not {bad[0]!r})")
    if not plain:
        raise InvoicingError(field, value, "some text")
    if len(plain) > limit:
        if basic:
            raise InvoicingError(field, value, f"at most {limit} characters")
        cut = plain[:limit].rsplit(" ", 1)[0] if " " in plain[:limit] else plain[:limit]
        plain = cut
    return plain


def _amount(value: Decimal) -> str:
    with decimal.localcontext(CONTEXT):
        return str(value.quantize(_CENT))


def _price(value: Decimal) -> str:
    """A unit price or quantity: 2 to 8 decimals."""
    with decimal.localcontext(CONTEXT):
        q = value.quantize(Decimal("0.00000001")).normalize()
        exponent = q.as_tuple().exponent
        places = max(2, -exponent if isinstance(exponent, int) else 2)
        return f"{q:.{places}f}"


def _percent(rate: Decimal) -> str:
    with decimal.localcontext(CONTEXT):
        return str((rate * 100).quantize(_CENT))


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _id_fiscale(parent: ET.Element, tag: str, country: str, code: str) -> None:
    node = _sub(parent, tag)
    _sub(node, "IdPaese", country)
    _sub(node, "IdCodice", code)


def _vat_id(party: Party) -> tuple[str, str] | None:
    iva = party.identifier("it.iva")
    if iva:
        return ("IT", iva)
    vat = party.identifier("eu.vat")
    if vat:
        country = vat[:2].upper()
        return ("GR" if country == "EL" else country, vat[2:])
    return None


def _anagrafica(parent: ET.Element, party: Party, where: str) -> None:
    node = _sub(parent, "Anagrafica")
    name = _latin(f"{where}.name", party.name, 80)
    if party.kind.value == "legal_entity" or " " not in name:
        _sub(node, "Denominazione", name)
        return
    first, last = name.split(" ", 1)  # "Laura Bianchi": Nome Laura, Cognome Bianchi
    _sub(node, "Nome", _latin(f"{where}.name", first, 60))
    _sub(node, "Cognome", _latin(f"{where}.name", last, 60))


def _sede(parent: ET.Element, party: Party, where: str) -> None:
    address: Address | None = party.legal_address or party.actual_address
    if address is None or not address.street or not address.city:
        raise InvoicingError(
            f"{where}.legal_address", address, "an address with a street and a city for FatturaPA"
        )
    node = _sub(parent, "Sede")
    _sub(node, "Indirizzo", _latin(f"{where}.legal_address.street", address.street, 60))
    cap = address.postal_code
    if address.country == "IT":
        if not re.fullmatch(r"[0-9]{5}", cap):
            raise InvoicingError(f"{where}.legal_address.postal_code", cap, "a CAP of 5 digits")
    else:
        cap = "00000"  # the value the SdI's rules give for an address abroad
    _sub(node, "CAP", cap)
    _sub(node, "Comune", _latin(f"{where}.legal_address.city", address.city, 60))
    if address.country == "IT" and re.fullmatch(r"[A-Z]{2}", address.region):
        _sub(node, "Provincia", address.region)
    _sub(node, "Nazione", address.country)


def _natura(
    treatment: TaxTreatment, buyer: Party, overrides: Mapping[TaxTreatment, str]
) -> str | None:
    if treatment is TaxTreatment.STANDARD:
        return None
    if treatment in overrides:
        return overrides[treatment]
    if treatment is TaxTreatment.REVERSE_CHARGE:
        return "N6.9" if buyer.country == "IT" else "N2.1"
    return _NATURA[treatment]


def _bollo(document: Invoice | CreditNote) -> bool:
    """Whether the document bears the stamp duty: EUR, and supplies without
    VAT above EUR 77.47 (the rule its legal note follows)."""
    if document.currency.code != "EUR":
        return False
    with decimal.localcontext(CONTEXT):
        untaxed = sum(
            (g.net.amount for g in document.tax_groups if g.treatment in _BOLLO_TREATMENTS),
            Decimal(0),
        )
    return untaxed > _BOLLO_THRESHOLD


def fatturapa_filename(document: Invoice | CreditNote, *, progressive: str) -> str:
    """The file name the SdI expects: the seller's country and VAT number
    (or Codice Fiscale), ``_`` and ``progressive`` (1 to 5 letters or digits,
    unique per file the seller sends), ``.xml``.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.parties import Party
    >>> from billkit.invoicing import DocumentTerms, Item, build_invoice
    >>> terms = DocumentTerms(
    ...     seller=Party(kind="legal_entity", country="IT", name="Conversa S.r.l.",
    ...                  identifiers={"it.iva": "02987650153"}),
    ...     buyer=Party(kind="individual", country="IT", name="Laura Bianchi"), rules=None)
    >>> invoice = build_invoice([Item(description="Growth", unit_price=Money("49.00", "EUR"))],
    ...                         terms, number="7", issue_date=date(2026, 3, 1))
    >>> fatturapa_filename(invoice, progressive="A0001")
    'IT02987650153_A0001.xml'
    """
    if not re.fullmatch(r"[A-Za-z0-9]{1,5}", progressive):
        raise InvoicingError("progressive", progressive, "1 to 5 letters or digits")
    vat = _vat_id(document.seller)
    code = vat[1] if vat else document.seller.identifier("it.cf")
    if not code:
        raise InvoicingError(
            "seller.identifiers", document.seller.identifiers, "a Partita IVA or Codice Fiscale"
        )
    return f"{vat[0] if vat else 'IT'}{code}_{progressive}.xml"


def fatturapa_xml(
    document: Invoice | CreditNote,
    *,
    codice_destinatario: str | None = None,
    pec: str = "",
    progressive: str | None = None,
    regime_fiscale: str = "RF01",
    payment_method: str = "MP05",
    natura: Mapping[TaxTreatment | str, str] | None = None,
    transmitter: str | None = None,
    buyer_tax_id: str | None = None,
) -> bytes:
    """``document`` as FatturaPA 1.2.2 XML (``FPR12``, UTF-8 bytes).

    An :class:`~billkit.invoicing.Invoice` is a ``TD01`` (an advance payment's,
    from :func:`~billkit.invoicing.builders.advance_invoice`, a ``TD02`` with
    ``CondizioniPagamento`` ``TP03``), a
    :class:`~billkit.invoicing.CreditNote` a ``TD04`` that names the invoice
    it corrects (``DatiFattureCollegate``). The document must be issued (have
    a number), its seller must hold a Partita IVA (``it.iva``) and both
    parties an address; a buyer in Italy a Partita IVA or a Codice Fiscale.
    A legal entity is written as ``Denominazione``; a person's name is split
    at its first space into ``Nome`` and ``Cognome``.

    A buyer abroad (its ``country`` not ``'IT'``) is identified by
    ``IdFiscaleIVA`` alone, never a ``CodiceFiscale`` (an Italian resident's
    code): its country (``IdPaese``) and its EU VAT number (``eu.vat``),
    else ``buyer_tax_id``, its own country's tax identifier (a company
    outside the EU: up to 28 letters or digits), else ``'99999999999'``, the
    default the Italian software houses' association gives for a buyer
    abroad without one, a consumer included (Assosoftware, answers of 7 May
    2019: https://www.ateneoweb.com/notizie-fiscali/e-fattura-a-cliente-estero-privato-i-chiarimenti-di-assosoftware.html).
    Its address has ``CAP`` ``'00000'`` and no ``Provincia``, and the file
    goes to ``CodiceDestinatario`` ``'XXXXXXX'`` (the SdI does not deliver
    abroad: the buyer gets the invoice as the seller sends it).

    ``codice_destinatario`` is the buyer's 7-character SdI code; without one,
    ``'0000000'`` for a buyer in Italy (delivered to ``pec``, the buyer's
    certified mail, if given, else to the buyer's tax drawer) and
    ``'XXXXXXX'`` for a buyer abroad. ``progressive`` is the
    ``ProgressivoInvio`` (up to 10 letters or digits; by default the
    document number's letters and digits, last 10). ``regime_fiscale`` is the
    seller's tax regime (``'RF01'`` ordinary, ``'RF19'`` forfettario...).
    ``payment_method`` the ``ModalitaPagamento`` of an invoice paid into the
    seller's IBAN (``'MP05'``, bank transfer; ``'MP08'``, card...).
    ``natura`` maps treatments to *Natura* codes, over the defaults of the
    module's table. ``transmitter`` is the tax ID of whoever sends the file
    to the SdI (``IdTrasmittente``), country first (``'IT01879020517'``, an
    intermediary); by default the seller.

    Every amount is the document's own: each line's net as ``PrezzoTotale``,
    each rate's net and tax as ``ImponibileImporto`` and ``Imposta``, the
    gross as ``ImportoTotaleDocumento``. Text must be Latin-1 (typographic
    dashes, quotes and ``€`` are written plainly); longer descriptions are
    cut at a space to FatturaPA's limits. The SdI accepts a rate's tax within
    one cent of its net times the rate: a document whose per-line rounding
    drifts further is refused here (build it with
    ``tax_rounding='per_document'``), and so is a document whose total is
    rounded on its own (``total_rounding='round_total'``): its total would not
    be the sum of its tax summaries. A line with several taxes of its own
    (``Item(taxes=...)``) is refused: a FatturaPA line has one IVA rate.
    """
    if isinstance(document, CreditNote):
        kind = "TD04"
    elif isinstance(document, Invoice):
        # an invoice for an advance payment (advance_invoice) is a TD02, "acconto/anticipo
        # su fattura", whose payment is an advance (TP03)
        kind = "TD02" if document.invoice_kind is InvoiceKind.ADVANCE_PAYMENT else "TD01"
    else:
        raise InvoicingError("document", type(document).__name__, "an Invoice or a CreditNote")
    if document.number is None:
        raise InvoicingError("number", None, "an issued document: a draft has no number")
    difference = getattr(document.totals, "rounding_difference", None)
    if difference is not None:
        # FatturaPA's total must equal its tax summaries (DatiRiepilogo) added up.
        raise InvoicingError(
            "totals.rounding_difference",
            difference,
            "none: FatturaPA needs totals that are the sum of their parts"
            " (build with total_rounding='sum_of_parts')",
        )
    for line in document.lines:
        if len(line.taxes) > 1:
            # DettaglioLinee holds one AliquotaIVA; a levy is not IVA (Item.taxes)
            raise InvoicingError(
                f"lines[{line.position}].taxes",
                [t.name for t in line.taxes],
                "at most one tax on a line: FatturaPA's DettaglioLinee carries one AliquotaIVA",
            )
    seller, buyer = document.seller, document.buyer
    overrides: dict[TaxTreatment, str] = {}
    for key, given in (natura or {}).items():
        try:
            treatment = TaxTreatment(key)
        except ValueError:
            raise InvoicingError(
                f"natura[{key!r}]", given, "a key that is a TaxTreatment"
            ) from None
        if treatment is TaxTreatment.STANDARD or given not in _NATURE_CODES:
            raise InvoicingError(
                f"natura[{key!r}]", given, f"a Natura code of {sorted(_NATURE_CODES)}"
            )
        overrides[treatment] = given
    if regime_fiscale not in {f"RF{i:02d}" for i in range(1, 20)} - {"RF03"}:
        raise InvoicingError("regime_fiscale", regime_fiscale, "a RegimeFiscale code, RF01-RF19")
    if not re.fullmatch(r"MP(0[1-9]|1[0-9]|2[0-3])", payment_method):
        raise InvoicingError("payment_method", payment_method, "a ModalitaPagamento, MP01-MP23")
    seller_vat = _vat_id(seller)
    if seller_vat is None:
        raise InvoicingError(
            "seller.identifiers", seller.identifiers, "a Partita IVA (it.iva) for FatturaPA"
        )
    buyer_vat = _vat_id(buyer)
    abroad = buyer.country != "IT"
    buyer_cf = None if abroad else buyer.identifier("it.cf")
    if buyer_tax_id is not None:
        if not abroad or buyer_vat is not None:
            raise InvoicingError(
                "buyer_tax_id",
                buyer_tax_id,
                "None: only a buyer abroad without an EU VAT number (eu.vat) needs it",
            )
        if not re.fullmatch(r"[A-Z0-9]{1,28}", buyer_tax_id):
            raise InvoicingError(
                "buyer_tax_id", buyer_tax_id, "1 to 28 capital letters or digits (an IdCodice)"
            )
    if abroad and buyer_vat is None:
        country = buyer.country.upper()
        buyer_vat = ("GR" if country == "EL" else country, buyer_tax_id or _NO_FOREIGN_ID)
    if buyer_vat is None and not buyer_cf:
        raise InvoicingError(
            "buyer.identifiers",
            buyer.identifiers,
            "a Partita IVA (it.iva), a Codice Fiscale (it.cf) or an EU VAT number (eu.vat)",
        )
    if codice_destinatario is None:
        codice_destinatario = "0000000" if buyer.country == "IT" else "XXXXXXX"
    if not re.fullmatch(r"[A-Z0-9]{7}", codice_destinatario):
        raise InvoicingError(
            "codice_destinatario", codice_destinatario, "7 capital letters or digits"
        )
    if pec and (codice_destinatario != "0000000" or not re.fullmatch(r".+@.+", pec)):
        raise InvoicingError("pec", pec, "an address, with codice_destinatario '0000000'")
    if progressive is None:
        progressive = re.sub(r"[^A-Za-z0-9]", "", document.number)[-10:] or "1"
    if not re.fullmatch(r"[A-Za-z0-9]{1,10}", progressive):
        raise InvoicingError("progressive", progressive, "1 to 10 letters or digits")

    sender = seller_vat
    if transmitter is not None:
        if not re.fullmatch(r"[A-Z]{2}[A-Z0-9]{1,28}", transmitter):
            raise InvoicingError(
                "transmitter", transmitter, "a country code and a tax ID, such as 'IT01879020517'"
            )
        sender = (transmitter[:2], transmitter[2:])
    ET.register_namespace("p", NAMESPACE)
    root = ET.Element(f"{{{NAMESPACE}}}FatturaElettronica", {"versione": "FPR12"})

    header = _sub(root, "FatturaElettronicaHeader")
    transmission = _sub(header, "DatiTrasmissione")
    _id_fiscale(transmission, "IdTrasmittente", *sender)
    _sub(transmission, "ProgressivoInvio", progressive)
    _sub(transmission, "FormatoTrasmissione", "FPR12")
    _sub(transmission, "CodiceDestinatario", codice_destinatario)
    if pec:
        _sub(transmission, "PECDestinatario", _latin("pec", pec, 256, basic=True))

    cedente = _sub(header, "CedentePrestatore")
    data = _sub(cedente, "DatiAnagrafici")
    _id_fiscale(data, "IdFiscaleIVA", *seller_vat)
    if seller.identifier("it.cf"):
        _sub(data, "CodiceFiscale", seller.identifier("it.cf"))
    _anagrafica(data, seller, "seller")
    _sub(data, "RegimeFiscale", regime_fiscale)
    _sede(cedente, seller, "seller")

    cessionario = _sub(header, "CessionarioCommittente")
    data = _sub(cessionario, "DatiAnagrafici")
    if buyer_vat is not None:
        _id_fiscale(data, "IdFiscaleIVA", *buyer_vat)
    if buyer_cf:
        _sub(data, "CodiceFiscale", buyer_cf)
    _anagrafica(data, buyer, "buyer")
    _sede(cessionario, buyer, "buyer")

    body = _sub(root, "FatturaElettronicaBody")
    general = _sub(body, "DatiGenerali")
    doc = _sub(general, "DatiGeneraliDocumento")
    _sub(doc, "TipoDocumento", kind)
    _sub(doc, "Divisa", document.currency.code)
    _sub(doc, "Data", document.issue_date.isoformat())
    _sub(doc, "Numero", _latin("number", document.number, 20, basic=True))
    if _bollo(document):
        bollo = _sub(doc, "DatiBollo")
        _sub(bollo, "BolloVirtuale", "SI")
        _sub(bollo, "ImportoBollo", _amount(_BOLLO_AMOUNT))
    _sub(doc, "ImportoTotaleDocumento", _amount(document.totals.gross.amount))
    if isinstance(document, CreditNote) and document.reason:
        _sub(doc, "Causale", _latin("reason", document.reason, 200))
    if isinstance(document, CreditNote):
        linked = _sub(general, "DatiFattureCollegate")
        _sub(linked, "IdDocumento", _latin("corrects.number", document.corrects.number, 20))
        _sub(linked, "Data", document.corrects.issue_date.isoformat())

    goods = _sub(body, "DatiBeniServizi")
    with decimal.localcontext(CONTEXT):
        summary: dict[tuple[Decimal, str | None], list[Decimal]] = {}
        for line in document.lines:
            where = f"lines[{line.position}]"
            code = _natura(line.treatment, buyer, overrides)
            if code is None and not line.tax_rate:
                raise InvoicingError(
                    f"{where}.treatment",
                    line.treatment.value,
                    "a treatment other than standard for a line at 0 % (FatturaPA needs its"
                    " Natura)",
                )
            node = _sub(goods, "DettaglioLinee")
            _sub(node, "NumeroLinea", str(line.position))
            _sub(node, "Descrizione", _latin(f"{where}.description", line.description, 1000))
            quantity = line.quantity if line.quantity > 0 else Decimal(1)
            _sub(node, "Quantita", _price(quantity))
            if line.unit:
                _sub(node, "UnitaMisura", _latin(f"{where}.unit", line.unit, 10, basic=True))
            if line.period is not None:
                _sub(node, "DataInizioPeriodo", line.period.start.isoformat())
                last: date = line.period.end - timedelta(days=1)
                _sub(node, "DataFinePeriodo", last.isoformat())
            price = line.unit_price
            if (
                document.prices_include_tax
                or price is None
                or price.amount * quantity != line.net.amount
            ):
                price = Money(line.net.amount / quantity, document.currency)
            _sub(node, "PrezzoUnitario", _price(price.amount))
            _sub(node, "PrezzoTotale", _amount(line.net.amount))
            _sub(node, "AliquotaIVA", _percent(line.tax_rate if code is None else Decimal(0)))
            if code is not None:
                _sub(node, "Natura", code)
            acc = summary.setdefault(
                (line.tax_rate if code is None else Decimal(0), code), [Decimal(0), Decimal(0)]
            )
            acc[0] += line.net.amount
            acc[1] += line.tax.amount
        notes = {
            _natura(g.treatment, buyer, overrides): g.note
            for g in document.tax_groups
            if g.note and g.treatment is not TaxTreatment.STANDARD
        }
        for (rate, code), (net, tax) in summary.items():
            expected = (net * rate).quantize(_CENT)
            if abs(tax - expected) > _CENT:
                raise InvoicingError(
                    f"tax_groups[{rate}].tax",
                    tax,
                    f"within 0.01 of {_amount(net)} x {_percent(rate)} % = {expected}, as the SdI "
                    "checks (build the document with tax_rounding='per_document')",
                )
            node = _sub(goods, "DatiRiepilogo")
            _sub(node, "AliquotaIVA", _percent(rate))
            if code is not None:
                _sub(node, "Natura", code)
            _sub(node, "ImponibileImporto", _amount(net))
            _sub(node, "Imposta", _amount(tax))
            if code is None:
                _sub(node, "EsigibilitaIVA", "I")
            elif notes.get(code):
                # the legal reference alone: the stamp duty has its own DatiBollo
                reference = notes[code]
                for sentence in _BOLLO.values():
                    reference = reference.replace(sentence, "").strip()
                if reference:
                    _sub(node, "RiferimentoNormativo", _latin("note", reference, 100))

    bank = document.payment.bank if document.payment is not None else None
    if isinstance(document, Invoice) and bank is not None and bank.iban:
        payment = _sub(body, "DatiPagamento")
        # paid in full at once, or an advance
        _sub(payment, "CondizioniPagamento", "TP03" if kind == "TD02" else "TP02")
        detail = _sub(payment, "DettaglioPagamento")
        _sub(detail, "ModalitaPagamento", payment_method)
        if document.due_date is not None:
            _sub(detail, "DataScadenzaPagamento", document.due_date.isoformat())
        _sub(detail, "ImportoPagamento", _amount(document.totals.gross.amount))
        if bank.bank_name:
            _sub(detail, "IstitutoFinanziario", _latin("bank.bank_name", bank.bank_name, 80))
        _sub(detail, "IBAN", bank.iban)
        if bank.swift:
            _sub(detail, "BIC", bank.swift)
    ET.indent(root, "  ")
    xml: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return xml
