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
from datetime import date, timedelta
from typing import ClassVar

import attrs

from billkit import _checks as checks
from billkit.conventions import TotalRounding
from billkit.errors import InvoicingError, ValidationError
from billkit.invoicing.documents import Facsimile, PaymentDetails
from billkit.invoicing.tax import DEFAULT_TAXES, TaxRounding, TaxTable
from billkit.money import DEFAULT_ROUNDING, RoundingPolicy
from billkit.parties import Party, PartyRules, check_party
from billkit.parties.rules import DEFAULT_RULES

__all__ = ["DocumentTerms", "before_month_end", "due_date"]


def _party(role: str, value: object, rules: PartyRules | None) -> Party:
    party = checks.instance(role, value, Party, error=InvoicingError)
    if rules is not None:
        check_party(party, rules, role=role)
    return party


@attrs.frozen(kw_only=True, field_transformer=checks.prepare_fields)
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
    * ``rounding``: the :class:`~billkit.money.RoundingPolicy` of lines and tax;
    * ``total_rounding``: the tax total as the sum of the groups' rounded
      taxes (``'sum_of_parts'``, the default: the parts always add up) or as
      the rounded sum of their unrounded taxes (``'round_total'``, Lago), the
      difference then stated on the totals
      (:class:`~billkit.conventions.TotalRounding`);
    * ``facsimile``: the seller's facsimile signature and stamp images
      (:class:`~billkit.invoicing.documents.Facsimile`), carried by every
      document built with these terms and printed on the seller's signature
      line; ``None`` (the default) prints blank signature lines.

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

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    seller: Party = attrs.field(converter=checks.INSTANCE)
    buyer: Party = attrs.field(converter=checks.INSTANCE)
    locale: str = attrs.field(default="en", converter=checks.LOCALE)
    prices_include_tax: bool | None = attrs.field(default=None, converter=checks.FLAG)
    tax_rounding: TaxRounding | None = attrs.field(default=None, converter=checks.MEMBER)
    taxes: TaxTable = attrs.field(default=DEFAULT_TAXES, converter=checks.INSTANCE)
    tax_country: str | None = attrs.field(default=None, converter=checks.COUNTRY)
    payment: PaymentDetails | None = attrs.field(default=None, converter=checks.INSTANCE)
    rounding: RoundingPolicy = attrs.field(default=DEFAULT_ROUNDING, converter=checks.INSTANCE)
    rules: PartyRules | None = attrs.field(default=DEFAULT_RULES, converter=checks.INSTANCE)
    total_rounding: TotalRounding = attrs.field(
        default=TotalRounding.SUM_OF_PARTS, converter=checks.MEMBER
    )
    facsimile: Facsimile | None = attrs.field(default=None, converter=checks.INSTANCE)

    def __attrs_post_init__(self) -> None:
        _party("seller", self.seller, self.rules)
        _party("buyer", self.buyer, self.rules)

    def _includes_tax(self, default: bool) -> bool:
        return default if self.prices_include_tax is None else self.prices_include_tax

    def _tax_rounding_or(self, default: TaxRounding) -> TaxRounding:
        return default if self.tax_rounding is None else self.tax_rounding


def _terms(value: object) -> DocumentTerms:
    return checks.instance("terms", value, DocumentTerms, error=InvoicingError)


def due_date(on: date, days: int) -> date:
    """The last day to pay: ``days`` calendar days after the issue day ``on``.

    The attribution SaaS gives 10 days to pay from issue:

    >>> due_date(date(2026, 3, 25), 10)
    datetime.date(2026, 4, 4)
    """
    day = checks.day("on", on, error=InvoicingError)
    return day + timedelta(days=checks.whole("days", days, low=0, high=3660, error=InvoicingError))


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
    checks.whole("year", year, low=1, high=9999, error=InvoicingError)
    checks.whole("month", month, low=1, high=12, error=InvoicingError)
    checks.whole("days", days, low=0, high=27, error=InvoicingError)
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last - days)
