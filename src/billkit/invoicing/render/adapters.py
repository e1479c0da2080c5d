"""Adapters: billkit's invoicing documents as :class:`RenderDocument` view models.

:func:`to_render_document` turns an :class:`~billkit.invoicing.Invoice`,
:class:`~billkit.invoicing.Proforma`, :class:`~billkit.invoicing.Act`,
:class:`~billkit.invoicing.CreditNote`, :class:`~billkit.invoicing.Receipt` or
:class:`~billkit.invoicing.documents.ReconciliationStatement` into what the renderers
draw. Choices made here, for every document:

* the parties print with every identifier they carry (INN, KPP, OGRN or
  OGRNIP, EDRPOU, Partita IVA, Codice Fiscale, national ID...), their address,
  contact and signatory; the seller's bank account prints under "payment
  details", the buyer's in their block;
* the line table has the line number, description (with the line's
  explanation from its quote and its own service period), quantity, unit,
  unit price, tax rate and amount: net when prices exclude tax, gross when
  they include it, as the document says. Lines without tax show their
  treatment ("No VAT", "Reverse charge"). The amount column carries its
  running total from page to page;
* totals are net / VAT / total due for prices excluding tax, and total /
  "including VAT" / total due for prices including it (the Russian layout);
* Russian, Ukrainian and Persian invoices, proformas, credit-limit
  statements and acts print the total in words (via
  :mod:`billkit.invoicing.words`; without num2words building one raises
  ``MissingDependencyError`` rather than leave it out); acts and
  reconciliation statements get signature lines;
* a reconciliation statement has two sides: the seller's debit and credit
  columns (carried from page to page) and the buyer's, filled from its
  ``buyer_figures`` (each buyer's row beside the seller's row it mirrors, the
  others on rows of their own) or left to fill in; it prints the opening
  balance first, then each dated debit and credit, the turnover and the
  closing balance, which one sentence states once with its date, amount and
  in whose favour (the party's ``name_genitive`` if given); with the buyer's
  figures, a second sentence states the buyer's closing balance and a third
  the discrepancy between the sides (or that they agree);
* Russian invoices carry "Всего наименований N, на сумму X" and the
  signature lines of the director and chief accountant (or of the sole
  proprietor), Ukrainian ones "Виписав(ла)", Persian ones the seller's stamp
  and signature; acts state the services' count and sum and the acceptance
  clause; a line with no unit shows "усл." on Russian and Ukrainian documents
  (other languages drop an empty unit column); a passport prints only with
  ``Passport(on_documents=True)``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from moneyed import Money

from billkit.errors import InvoicingError
from billkit.invoicing.render.labels import translate
from billkit.invoicing.render.model import (
    Column,
    Field,
    Label,
    LineTable,
    PartyBlock,
    RenderDocument,
    TaxRow,
    TotalRow,
    Value,
)
from billkit.invoicing.render.options import DEFAULT_OPTIONS, RenderOptions

__all__ = ["to_render_document"]

_SCHEMES = {
    "ru.inn": "inn",
    "ru.kpp": "kpp",
    "ru.ogrn": "ogrn",
    "ru.bik": "bik",
    "ua.edrpou": "edrpou",
    "ua.rntrc": "rntrc",
    "it.iva": "partita_iva",
    "it.cf": "codice_fiscale",
    "eu.vat": "vat_number",
    "ir.national_id": "national_code",
    "ir.legal_id": "national_id",
    "ir.economic_code": "economic_code",
    "ir.postal_code": "postal_code",
    "ua.ipn": "ipn",
    "iban": "iban",
    "swift": "swift",
}

_INVOICE_TITLES = {
    "subscription": "invoice",
    "one_off": "invoice",
    "usage": "usage_invoice",
    "advance_payment": "advance_invoice",
    "credit_limit_statement": "statement",
}

_WORDS_LANGUAGES = frozenset({"ru", "uk", "fa"})
_WORDS_KINDS = frozenset({"invoice", "proforma", "act"})


def to_render_document(document: object, options: RenderOptions | None = None) -> RenderDocument:
    """``document`` as the view model the renderers draw.

    A :class:`RenderDocument` is returned as it is; any document of
    :mod:`billkit.invoicing` is converted (see this module's notes).
    ``options`` are the :class:`~billkit.invoicing.render.options.RenderOptions`
    the page will be drawn with: the few values the adapter writes as text
    (a statement's row dates and closing sentences, references, phone
    numbers) follow their ``digits``, ``calendar`` and ``money_unit`` as the
    rest of the page does; the renderers pass theirs.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> from billkit.parties import Party
    >>> from billkit.invoicing import DocumentTerms, Item, build_invoice
    >>> seller = Party(kind="legal_entity", country="RU", name="ООО Хостинг",
    ...                identifiers={"ru.inn": "7707083893"})
    >>> buyer = Party(kind="individual", country="RU", name="Аня Банана")
    >>> invoice = build_invoice(
    ...     [Item(description="VPS-1, месяц", unit="мес.", unit_price=Money("250.00", "RUB"))],
    ...     DocumentTerms(seller=seller, buyer=buyer, prices_include_tax=True, locale="ru_RU",
    ...                   rules=None),
    ...     number="17", issue_date=date(2025, 3, 1))
    >>> doc = to_render_document(invoice)
    >>> doc.kind, doc.parties[0].fields[0], [t.label for t in doc.totals]
    ('invoice', Field(label='inn', value='7707083893'), ['total', 'tax_included', 'total_due'])
    """
    if isinstance(document, RenderDocument):
        return document
    from billkit.invoicing import documents as d

    if options is None:
        options = DEFAULT_OPTIONS
    elif not isinstance(options, RenderOptions):
        raise InvoicingError("options", options, "a RenderOptions or None")
    if isinstance(document, d.ReconciliationStatement):
        return _reconciliation(document, options)
    if isinstance(document, d.Invoice | d.Proforma | d.Act | d.CreditNote | d.Receipt):
        return _billed(document, options)
    raise InvoicingError(
        "document",
        type(document).__name__,
        "a RenderDocument or a billkit invoicing document (Invoice, Proforma, Act, "
        "CreditNote, Receipt, ReconciliationStatement)",
    )


class _Context:
    """The document's locale, for the few values the adapter writes as text."""

    def __init__(self, document: Any, options: RenderOptions) -> None:
        from billkit.invoicing.render.fmt import Formatter

        self.locale: str = document.locale
        self.language = self.locale.split("_")[0].lower()
        self.fmt = Formatter.cached(
            self.locale,
            document.currency.code,
            options.digits,
            options.calendar,
            options.money_unit,
        )

    def label(self, key: str) -> str:
        return translate(key, self.language)

    def ref(self, ref: Any) -> str:
        return self.label("reference_to").format(
            title=self.label(ref.kind.value),
            number=ref.number,
            date=self.fmt.short_date(ref.issue_date),
        )


def _number(document: Any, ctx: _Context) -> str:
    number: str | None = document.number
    return number if number is not None else ctx.label("draft")


def _party(party: Any, role: str, ctx: _Context, *, bank: bool, abroad: bool = False) -> PartyBlock:
    lines: list[str] = []
    fields: list[Field] = []
    if party.legal_address is not None and _address(party.legal_address, ctx):
        lines.append(_address(party.legal_address, ctx, country=abroad))
    if party.actual_address is not None and _address(party.actual_address, ctx):
        actual = _address(party.actual_address, ctx, country=abroad)
        fields.append(Field(label="actual_address", value=actual))
    for ident in party.identifiers:
        key = _SCHEMES.get(ident.scheme, ident.label)
        if key == "ogrn" and len(ident.value) == 15:
            key = "ogrnip"
        if key == "national_code" and party.kind.value == "legal_entity":
            key = "national_id"
        value = ident.value
        if key == "partita_iva" and ctx.language != "it":
            value = f"IT{value}"  # a VAT ID abroad carries its country prefix
        if ctx.language == "fa" and value.isdigit():
            value = ctx.fmt.digits(value)  # Persian digits, as the page prints numbers
        fields.append(Field(label=key, value=value))
    if party.passport is not None and party.passport.number and party.passport.on_documents:
        p = party.passport
        parts = [p.number, p.issued_by, ctx.fmt.short_date(p.issued_on) if p.issued_on else ""]
        fields.append(Field(label="passport", value=", ".join(x for x in parts if x)))
    if bank and party.bank is not None:
        fields.extend(_bank(party.bank))
    if party.director is not None:
        director = party.director
        who = f"{director.position} {director.name}".strip()
        fields.append(Field(label="director", value=who))
    for key in ("contact", "phone", "email"):
        value = getattr(party, key)
        if value:
            # phone numbers in the page's digits (Persian on a Persian page); an address as typed
            fields.append(
                Field(label=key, value=value if key == "email" else ctx.fmt.digits(value))
            )
    return PartyBlock(role=role, name=party.name, lines=lines, fields=fields)


def _signature(role: str, party: Any, ctx: _Context) -> str:
    """A signature line's caption: the role and who signs (``Исполнитель: Директор Петров О. В.``)."""
    director = party.director
    who = f"{director.position} {director.name}".strip() if director is not None else party.name
    return f"{ctx.label(role)}: {who}"


def _address(address: Any, ctx: _Context, *, country: bool = False) -> str:
    """An address as its country writes it; with ``country``, the country's name
    in the document's language (a document between two countries)."""
    separator = "، " if ctx.language == "fa" else ", "
    if address.country == "IT":  # Via Dante 4, 20121 Milano (MI)
        town = " ".join(p for p in (address.postal_code, address.city) if p)
        if address.region:
            town = f"{town} ({address.region})".strip()
        parts: tuple[str, ...] = (address.street, town)
    elif address.country == "IR":  # تهران، خیابان ولیعصر، پلاک ۱۲، کد پستی: ۱۴۱۵۹۳۴۵۶۷
        postal = address.postal_code
        code = f"{ctx.label('postal_code')}: {ctx.fmt.digits(postal)}" if postal else ""
        parts = (address.region, address.city, address.street, code)
    else:
        parts = (address.postal_code, address.region, address.city, address.street)
    if country:
        parts = (*parts, ctx.fmt.locale.territories.get(address.country, address.country))
    return separator.join(p for p in parts if p)


def _bank(bank: Any) -> list[Field]:
    pairs = (
        ("bank", bank.bank_name),
        ("bank_address", bank.bank_address),
        ("bik", bank.bik),
        ("account", bank.account),
        ("corr_account", bank.correspondent_account),
        ("iban", bank.iban),
        ("swift", bank.swift),
    )
    return [Field(label=key, value=value) for key, value in pairs if value]


def _words(money: Money, language: str) -> str:
    """The amount in words; a ``MissingDependencyError`` without num2words.

    A Russian, Ukrainian or Iranian invoice or act needs it: a document built
    without it would be silently incomplete, so it is never left out.
    """
    from billkit.invoicing.words import amount_in_words

    return amount_in_words(money, language)


def _invoice_signatures(seller: Any, ctx: _Context) -> tuple[str, ...]:
    """The signature lines a Russian, Ukrainian or Iranian invoice carries."""
    if ctx.language == "ru":
        if seller.kind.value == "legal_entity":
            director = seller.director.name if seller.director is not None else ""
            accountant = seller.accountant.name if seller.accountant is not None else director
            return (
                f"{ctx.label('director')}: {director}".rstrip(": "),
                f"{ctx.label('accountant')}: {accountant}".rstrip(": "),
            )
        return (f"{ctx.label('entrepreneur')}: {seller.name}",)
    if ctx.language == "uk":
        who = seller.director.name if seller.director is not None else seller.name
        return (f"{ctx.label('issued_by_signature')}: {who}",)
    if ctx.language == "fa":
        return (_signature("seller", seller, ctx),)
    return ()


def _treatment_label(treatment: Any) -> str | None:
    value: str = treatment.value
    if value in ("standard", "zero_rated"):
        return None
    return value


def _billed(doc: Any, options: RenderOptions) -> RenderDocument:
    ctx = _Context(doc, options)
    kind: str = doc.kind.value
    title_key = kind
    if kind == "invoice":
        title_key = _INVOICE_TITLES.get(doc.invoice_kind.value, "invoice")
    cur = doc.currency
    fields: list[Field] = []
    due = getattr(doc, "due_date", None)
    if due is not None:
        fields.append(Field(label="due_date", value=due))
    if doc.period is not None:
        fields.append(Field(label="period", value=doc.period))
    if kind == "credit_note":
        fields.append(Field(label="corrects", value=ctx.ref(doc.corrects)))
        if doc.reason:
            fields.append(Field(label="reason", value=doc.reason))
    if kind == "receipt":
        fields.append(Field(label="payment_date", value=doc.paid_on))
        if doc.method:
            fields.append(Field(label="payment_method", value=ctx.label(doc.method)))
        if doc.payment_reference:
            fields.append(Field(label="transaction", value=doc.payment_reference))
    for ref in doc.references:
        fields.append(Field(label="basis", value=ctx.ref(ref)))

    # The seller's bank account prints under "payment details" on documents
    # that ask to be paid; on the others it stays in the seller's block.
    payable = kind in ("invoice", "proforma")
    payment = doc.payment if payable else None
    seller_bank = payment.bank if payment is not None else None
    if seller_bank is None and payable:
        seller_bank = doc.seller.bank
    roles = ("executor", "customer") if kind == "act" else ("seller", "buyer")
    abroad = doc.seller.country != doc.buyer.country
    parties = [
        _party(doc.seller, roles[0], ctx, bank=seller_bank is None, abroad=abroad),
        _party(doc.buyer, roles[1], ctx, bank=True, abroad=abroad),
    ]

    inclusive = bool(doc.prices_include_tax)
    taxed = any(g.rate or g.tax.amount for g in doc.tax_groups) or any(
        g.treatment.value != "standard" for g in doc.tax_groups
    )
    columns = [
        Column(label="line_no", kind="number"),
        Column(label="description"),
        Column(label="quantity", kind="number"),
        Column(label="unit"),
        Column(label="unit_price", kind="money"),
    ]
    own_taxes = any(line.taxes for line in doc.lines)
    if taxed:
        columns.append(Column(label="taxes_rate" if own_taxes else "tax_rate", kind="percent"))
    columns.append(
        Column(label="amount" if inclusive or not taxed else "net", kind="money", carry=True)
    )
    unit_default = ctx.label("unit_service") if ctx.language in ("ru", "uk") else ""
    if not unit_default and not any(line.unit for line in doc.lines):
        columns.remove(columns[3])  # no line has a unit: no empty column
    rows: list[list[Value]] = []
    for line in doc.lines:
        text = line.description
        if line.period is not None and line.period != doc.period:
            text += f" ({ctx.fmt.period(line.period)})"
        if line.explanation:
            text += "\n" + "\n".join(line.explanation)
        row: list[Value] = [line.position, text, line.quantity]
        if len(columns) > 4 and columns[3].label == "unit":
            row.append(line.unit or unit_default)
        row.append(line.unit_price)
        if taxed:
            label = _treatment_label(line.treatment)
            if line.taxes:  # the line's own taxes, each with its rate: "GST 5% + QST 9.975%"
                row.append(" + ".join(f"{t.name} {ctx.fmt.percent(t.rate)}" for t in line.taxes))
            else:
                row.append(Label(label) if label else line.tax_rate)
        row.append(line.gross if inclusive else line.net)
        rows.append(row)
    table = LineTable(columns=columns, rows=rows)

    tax_rows = []
    if taxed:
        # a line's own taxes (Item.taxes): one row per tax, named as the item named it
        own = {(t.name, t.rate) for line in doc.lines for t in line.taxes}
        for group in doc.tax_groups:
            label = _treatment_label(group.treatment)
            if (group.category, group.rate) in own:
                label = f"{group.category} {ctx.fmt.percent(group.rate)}"
            tax_rows.append(
                TaxRow(
                    rate=None if label else group.rate,
                    label=label,
                    net=group.net,
                    tax=group.tax,
                    gross=group.gross,
                )
            )
    totals = doc.totals
    final = {"act": "total", "credit_note": "refund", "receipt": "paid"}.get(kind, "total_due")
    if not taxed:
        total_rows = [TotalRow(label=final, amount=totals.gross, strong=True)]
    elif inclusive and final == "total":
        total_rows = [
            TotalRow(label="total", amount=totals.gross, strong=True),
            TotalRow(label="tax_included", amount=totals.tax),
        ]
    elif inclusive:
        total_rows = [
            TotalRow(label="total", amount=totals.gross),
            TotalRow(label="tax_included", amount=totals.tax),
            TotalRow(label=final, amount=totals.gross, strong=True),
        ]
    else:
        total_rows = [
            TotalRow(label="total_net_taxes" if own_taxes else "total_net", amount=totals.net),
            TotalRow(label="total_taxes" if own_taxes else "total_tax", amount=totals.tax),
            TotalRow(label=final, amount=totals.gross, strong=True),
        ]
    if totals.rounding_difference is not None and taxed:
        # the tax total is not the sum of the taxes shown: say by how much (after the tax row)
        at = next(
            i
            for i, row in enumerate(total_rows)
            if row.label in ("total_tax", "total_taxes", "tax_included")
        )
        total_rows.insert(
            at + 1, TotalRow(label="rounding_difference", amount=totals.rounding_difference)
        )

    words = None
    if ctx.language in _WORDS_LANGUAGES and kind in _WORDS_KINDS:
        words = _words(totals.gross, ctx.language)
    summary: list[str] = []
    if kind in ("invoice", "proforma", "act") and ctx.language in ("ru", "uk"):
        key = "act_summary" if kind == "act" else "items_summary"
        summary.append(
            ctx.label(key).format(
                count=ctx.fmt.number(len(doc.lines)), amount=ctx.fmt.money(totals.gross)
            )
        )
    if kind == "act":
        summary.append(ctx.label("act_acceptance"))

    payment_fields: list[Field] = []
    notes = list(doc.notes_with_legal)
    if seller_bank is not None:
        payment_fields.extend(_bank(seller_bank))
    if payment is not None:
        if payment.purpose:
            payment_fields.append(Field(label="purpose", value=payment.purpose))
        if payment.reference:
            payment_fields.append(Field(label="reference", value=payment.reference))
        if payment.instructions:
            notes.insert(0, payment.instructions)
    signatures: tuple[str, ...] = ()
    if kind == "act":
        signatures = (
            _signature("executor", doc.seller, ctx),
            _signature("customer", doc.buyer, ctx),
        )
    elif kind in ("invoice", "proforma"):
        signatures = _invoice_signatures(doc.seller, ctx)
    if doc.facsimile is not None and not signatures:  # the facsimile needs a line to sit on
        signatures = (_signature("seller", doc.seller, ctx),)

    return RenderDocument(
        kind=title_key,
        number=_number(doc, ctx),
        issue_date=doc.issue_date,
        locale=doc.locale,
        currency=cur.code,
        fields=fields,
        parties=parties,
        table=table,
        tax_summary=tax_rows,
        totals=total_rows,
        amount_in_words=words,
        summary=summary,
        payment=payment_fields,
        notes=notes,
        signatures=signatures,
        own_taxes=own_taxes,
        facsimile=doc.facsimile,
    )


def _sides(amount: Money) -> tuple[Money | None, Money | None]:
    """A balance in the debit column if the buyer owes, else in the credit column."""
    if amount.amount > 0:
        return amount, None
    if amount.amount < 0:
        return None, Money(-amount.amount, amount.currency)
    return Money(Decimal(0), amount.currency), None


def _buyer_sides(amount: Money | None) -> tuple[Money | None, Money | None]:
    """A balance in the buyer's books: a debt to the seller in its credit
    column, a prepayment in its debit column; nothing without its figures."""
    if amount is None:
        return None, None
    if amount.amount > 0:
        return None, amount
    return Money(-amount.amount, amount.currency), None


def _row_text(row: Any, ctx: _Context) -> str:
    """A statement row's text, and its reference in brackets.

    A row :func:`~billkit.invoicing.reconciliation.reconciliation_from_documents`
    wrote for a document ("Продажа (акт № 2 от 28.02.2026)") gets its date
    again in the page's calendar and digits, as the date column and the
    closing sentence have it: "فروش (سند 2، ۱۴۰۴/۱۲/۰۹)", not "2026-02-28",
    which a right-to-left line would also print backwards. The date is the
    document's own, read back from the text: a receipt's row is dated by the
    payment, its text by the receipt's issue date, which may differ.
    """
    from billkit.invoicing.reconciliation import _DATE_FORMAT, _ROW_TEXT

    text: str = row.description
    template = _ROW_TEXT.get(ctx.language, _ROW_TEXT["en"]).get(row.entry_kind)
    if template is not None and row.key:
        head, _, tail = template.format(number=row.key, date="\x00").partition("\x00")
        middle = text[len(head) : len(text) - len(tail)]
        if text.startswith(head) and text.endswith(tail) and len(text) > len(head) + len(tail):
            try:  # as the builder wrote it: the date in its fixed format
                form = _DATE_FORMAT.get(ctx.language, "%Y-%m-%d")
                day = datetime.strptime(f"{middle} +0000", f"{form} %z")  # a calendar day
            except ValueError:
                pass  # the caller's own text: left as it is
            else:
                text = f"{head}{ctx.fmt.short_date(day.date())}{tail}"
    return f"{text} ({row.reference})" if row.reference else text


def _two_sides(doc: Any, ctx: _Context) -> list[list[Value]]:
    """The rows of both sides: a buyer's row beside the seller's row it
    mirrors (the same day and amount, the seller's debit its credit or the
    other way round), each other buyer's row on a row of its own, by date."""
    figures = doc.buyer_figures
    theirs = list(figures.rows) if figures is not None else []
    taken = [False] * len(theirs)
    placed: list[tuple[Any, int, int, list[Value]]] = []
    for i, row in enumerate(doc.rows):
        debit = row.debit if row.debit.amount else None
        credit = row.credit if row.credit.amount else None
        cells: list[Value] = [row.on, _row_text(row, ctx), debit, credit, None, None]
        for j, other in enumerate(theirs):
            if taken[j] or other.on != row.on:
                continue
            mirrored = (row.debit.amount and other.credit.amount == row.debit.amount) or (
                row.credit.amount and other.debit.amount == row.credit.amount
            )
            if mirrored:
                taken[j] = True
                cells[4] = other.debit if other.debit.amount else None
                cells[5] = other.credit if other.credit.amount else None
                break
        placed.append((row.on, 0, i, cells))
    for j, other in enumerate(theirs):
        if not taken[j]:
            debit = other.debit if other.debit.amount else None
            credit = other.credit if other.credit.amount else None
            placed.append(
                (other.on, 1, j, [other.on, _row_text(other, ctx), None, None, debit, credit])
            )
    placed.sort(key=lambda item: (item[0], item[1], item[2]))
    return [cells for *_, cells in placed]


def _balance_sentence(key: str, doc: Any, balance: Money, day: str, ctx: _Context) -> str:
    """The closing balance of one side, stated once: its date, amount and in whose favour."""
    amount = balance.amount
    if not amount:
        return ctx.label(f"{key}_nil").format(date=day)
    party = doc.seller if amount > 0 else doc.buyer
    return ctx.label(f"{key}_owed").format(
        date=day,
        party=party.name_genitive or party.name,
        amount=ctx.fmt.money(Money(abs(amount), doc.currency)),
    )


def _reconciliation(doc: Any, options: RenderOptions) -> RenderDocument:
    ctx = _Context(doc, options)
    # two sides: the seller's figures, and the buyer's (its own, or columns to fill in)
    figures = doc.buyer_figures
    both = figures is not None
    columns = [
        Column(label="date", kind="date"),
        Column(label="document"),
        Column(label="seller_debit", kind="money", carry=True),
        Column(label="seller_credit", kind="money", carry=True),
        Column(label="buyer_debit", kind="money", carry=both),
        Column(label="buyer_credit", kind="money", carry=both),
    ]
    rows = _two_sides(doc, ctx)
    opening = _sides(doc.opening_balance)
    closing = _sides(doc.closing_balance)
    last_day = doc.period.end - timedelta(days=1)
    their_opening = _buyer_sides(figures.opening_balance if both else None)
    their_closing = _buyer_sides(figures.closing_balance if both else None)
    their_turnover = (figures.debit_total, figures.credit_total) if both else (None, None)
    table = LineTable(
        columns=columns,
        rows=rows,
        head_rows=[[doc.period.start, Label("opening_balance"), *opening, *their_opening]],
        foot_rows=[
            [None, Label("turnover"), doc.debit_total, doc.credit_total, *their_turnover],
            [last_day, Label("closing_balance"), *closing, *their_closing],
        ],
    )
    day = ctx.fmt.short_date(last_day)
    summary = [_balance_sentence("balance", doc, doc.closing_balance, day, ctx)]
    if both:
        summary.append(_balance_sentence("buyer_balance", doc, figures.closing_balance, day, ctx))
        gap = doc.discrepancy
        if gap.amount:
            amount = ctx.fmt.money(Money(abs(gap.amount), doc.currency))
            summary.append(ctx.label("discrepancy").format(date=day, amount=amount))
        else:
            summary.append(ctx.label("no_discrepancy").format(date=day))
    signatures = [_signature("seller", doc.seller, ctx), _signature("buyer", doc.buyer, ctx)]
    if ctx.language in ("ru", "uk"):
        for role, party in (("seller", doc.seller), ("buyer", doc.buyer)):
            if party.kind.value == "legal_entity":
                who = party.accountant.name if party.accountant is not None else ""
                signatures.append(
                    f"{ctx.label(role)}, {ctx.label('accountant').lower()}: {who}".rstrip(": ")
                )
    return RenderDocument(
        kind="reconciliation",
        number=_number(doc, ctx),
        issue_date=doc.issue_date,
        locale=doc.locale,
        currency=doc.currency.code,
        fields=[Field(label="period", value=doc.period)],
        parties=[
            _party(doc.seller, "seller", ctx, bank=False),
            _party(doc.buyer, "buyer", ctx, bank=False),
        ],
        table=table,
        summary=summary,
        notes=list(doc.notes),
        signatures=signatures,
        facsimile=doc.facsimile,
    )
