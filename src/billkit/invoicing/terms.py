"""The terms documents share, and payment terms.

:class:`DocumentTerms` is what every document between one seller and one
buyer has in common (the parties, the language, how prices and taxes are
stated and rounded, where the money goes, which details the parties must
have). Build it once and hand it to each builder of
:mod:`billkit.invoicing.builders`; change one term with ``attrs.evolve``.
:func:`due_date` and :func:`before_month_end` are the payment terms.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta

import attrs

from billkit.errors import InvoicingError
from billkit.invoicing.documents import PaymentDetails, _locale
from billkit.invoicing.tax import DEFAULT_TAXES, TaxRounding, TaxTable
from billkit.money import DEFAULT_ROUNDING, RoundingPolicy
from billkit.parties import Party, PartyRules, check_party
from billkit.parties.rules import DEFAULT_RULES

__all__ = ["DocumentTerms", "before_month_end", "due_date"]


def _party(role: str, value: object, rules: PartyRules | None) -> Party:
    if not isinstance(value, Party):
        raise InvoicingError(role, value, "a Party")
    if rules is not None:
        check_party(value, rules, role=role)
    return value


def _rules(value: object) -> PartyRules | None:
    if value is not None and not isinstance(value, PartyRules):
        raise InvoicingError("rules", value, "a PartyRules or None")
    return value


def _include_tax(value: object) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise InvoicingError("prices_include_tax", value, "True, False or None")
    return value


def _tax_rounding(value: object) -> TaxRounding | None:
    if value is None:
        return None
    try:
        return TaxRounding(value)
    except ValueError:
        choices = ", ".join(repr(t.value) for t in TaxRounding)
        raise InvoicingError("tax_rounding", value, f"one of {choices} or None") from None


def _taxes(value: object) -> TaxTable:
    if not isinstance(value, TaxTable):
        raise InvoicingError("taxes", value, "a TaxTable")
    return value


def _tax_country(value: object) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise InvoicingError("tax_country", value, "a country code such as 'RU', or None")
    return value


def _payment(value: object) -> PaymentDetails | None:
    if value is not None and not isinstance(value, PaymentDetails):
        raise InvoicingError("payment", value, "a PaymentDetails or None")
    return value


def _rounding(value: object) -> RoundingPolicy:
    if not isinstance(value, RoundingPolicy):
        raise InvoicingError("rounding", value, "a RoundingPolicy")
    return value


@attrs.frozen(kw_only=True)
class DocumentTerms:
    """What every document between one seller and one buyer shares.

    * ``seller`` and ``buyer``: the parties, checked against ``rules`` (the
      details each kind of party must have in its country,
      :data:`~billkit.parties.rules.DEFAULT_RULES` by default; ``None`` checks
      nothing) when the terms are made;
    * ``locale``: the documents' language and country (``'ru_RU'``, ``'it'``);
    * ``prices_include_tax``: whether item prices include tax; ``None`` (the
      default) is each document's own default: tax-exclusive for invoices,
      proformas and acts, tax-inclusive for receipts, advance invoices and
      credit-limit invoices;
    * ``tax_rounding``: when tax is rounded, per line or per document;
      ``None`` is per line, except per document for credit-limit invoices;
    * ``taxes`` and ``tax_country``: the tax table and the country whose
      rates apply (the seller's by default);
    * ``payment``: where to pay (the seller's bank account by default);
    * ``rounding``: the :class:`~billkit.money.RoundingPolicy` of lines and tax.

    >>> from billkit.parties import Party
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="IT", name="Chat S.r.l."),
    ...                       buyer=Party(kind="individual", country="IT", name="Mario Rossi"),
    ...                       locale="it_IT", rules=None)
    >>> terms.locale, terms.prices_include_tax
    ('it_IT', None)
    >>> DocumentTerms(seller=terms.seller, buyer=terms.buyer, locale="Italian")
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: locale = 'Italian': expected a locale code such as 'ru_RU', 'fa_IR' or 'en'
    """

    seller: Party
    buyer: Party
    locale: str = attrs.field(default="en", converter=_locale)
    prices_include_tax: bool | None = attrs.field(default=None, converter=_include_tax)
    tax_rounding: TaxRounding | None = attrs.field(default=None, converter=_tax_rounding)
    taxes: TaxTable = attrs.field(default=DEFAULT_TAXES, converter=_taxes)
    tax_country: str | None = attrs.field(default=None, converter=_tax_country)
    payment: PaymentDetails | None = attrs.field(default=None, converter=_payment)
    rounding: RoundingPolicy = attrs.field(default=DEFAULT_ROUNDING, converter=_rounding)
    rules: PartyRules | None = attrs.field(default=DEFAULT_RULES, converter=_rules)

    def __attrs_post_init__(self) -> None:
        _party("seller", self.seller, self.rules)
        _party("buyer", self.buyer, self.rules)

    def _includes_tax(self, default: bool) -> bool:
        return default if self.prices_include_tax is None else self.prices_include_tax

    def _tax_rounding_or(self, default: TaxRounding) -> TaxRounding:
        return default if self.tax_rounding is None else self.tax_rounding


def _terms(value: object) -> DocumentTerms:
    if not isinstance(value, DocumentTerms):
        raise InvoicingError("terms", value, "a DocumentTerms")
    return value


def due_date(issue_date: date, days: int) -> date:
    """The last day to pay: ``days`` calendar days after ``issue_date``.

    The attribution SaaS gives 10 days to pay from issue:

    >>> due_date(date(2026, 3, 25), 10)
    datetime.date(2026, 4, 4)
    """
    day = _date("issue_date", issue_date)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3660:
        raise InvoicingError("days", days, "a whole number of days from 0 to 3660")
    return day + timedelta(days=days)


def before_month_end(year: int, month: int, days: int = 10) -> date:
    """The day ``days`` days before the last day of ``year``-``month``.

    The analytics SaaS issues legal entities' invoices 10 days before the end
    of each month: on the 21st of a 31-day month, the 20th of a 30-day month
    and the 18th of February (19th in a leap year).

    >>> before_month_end(2026, 1), before_month_end(2026, 4), before_month_end(2026, 2)
    (datetime.date(2026, 1, 21), datetime.date(2026, 4, 20), datetime.date(2026, 2, 18))
    >>> before_month_end(2028, 2)
    datetime.date(2028, 2, 19)
    """
    for field, value, low, high in (("year", year, 1, 9999), ("month", month, 1, 12)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvoicingError(field, value, f"a whole number from {low} to {high}")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 27:
        raise InvoicingError("days", days, "a whole number of days from 0 to 27")
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last - days)


def _date(field: str, value: object) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvoicingError(field, value, "a datetime.date")
    return value
