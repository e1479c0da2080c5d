"""Conventions: how other billing systems count, as policies billkit can follow.

Teams move to billkit from Lago, Kill Bill or Stripe Billing and expect the
same bills, to the cent. Where those systems differ from billkit it is almost
always a *convention* (which days a slice counts, what it is divided by,
where a period before a short month starts), not arithmetic. Each convention
is a policy value here; :class:`Conventions` bundles the choices one system
makes, and four presets name them:

* :data:`BILLKIT`: billkit's own defaults (what every function does when not
  told otherwise);
* :data:`LAGO`, :data:`KILL_BILL`, :data:`STRIPE`: the policies of those
  systems, as their documentation and test suites describe them (see the
  guide's *Conventions* page for the sources and worked examples).

A bundle is used wherever billkit prorates: ``Plan(..., conventions=KILL_BILL)``
(plan changes then follow it), ``ProrationPolicy.of(KILL_BILL)``, or as the
``policy`` of :func:`~billkit.pricing.prorate` and the other proration
functions. A catalog selects one with ``conventions = "kill_bill"``.

This module sits low in the house (beside ``money`` and ``periods``) so that
every room may import it; it holds the policy types several rooms name. It is
pure: no clock, no I/O.

>>> from datetime import date
>>> KILL_BILL.anchor, KILL_BILL.slices
(<AnchorRule.FROM_CLAMPED: 'from_clamped'>, <SliceRounding.INDEPENDENT: 'independent'>)
>>> preset("kill_bill") is KILL_BILL
True
>>> DayCount.FIXED_MONTH.days(date(2023, 5, 23), date(2023, 6, 15))   # 30 - 23 + 15
22
"""

from __future__ import annotations

import enum
from datetime import date
from typing import ClassVar, Final

import attrs

import billkit._checks as checks
from billkit.errors import ValidationError

__all__ = ["BILLKIT", "KILL_BILL", "LAGO", "STRIPE", "Conventions"]
# Also importable from here: preset(name), the policy values a bundle holds (DayCount, SpanProration,
# AnchorRule, TotalRounding) and the proration enums (ProrationBasis, ProrationDivisor, SliceRounding).


class ProrationBasis(str, enum.Enum):
    """What a slice is measured in: whole ``DAY``\\ s or ``SECOND``\\ s.

    By day, slices are ``datetime.date`` ranges. By second, slices may also
    start or end at a timezone-aware ``datetime``; billing days begin at
    midnight in the policy's ``timezone``, so a day is not always 86 400
    seconds (daylight-saving changes give 23- and 25-hour days).

    >>> ProrationBasis("second") is ProrationBasis.SECOND
    True
    """

    DAY = "day"
    SECOND = "second"


class ProrationDivisor(str, enum.Enum):
    """What a slice is divided by.

    ``PERIOD``: the actual length of the billing period that contains the
    slice (28 to 31 days for a month, 365 or 366 for a year): slices of a
    period add up to exactly its price.

    ``THIRTY_DAY_MONTH``: 30 days for every month of the period (360 for a
    year), as engines that "assume 30 days in a month" do. The slice itself
    is still counted in actual days. A slice is never charged more than the
    whole period, but the days of a 31-day month then add up to 31/30 of the
    price and those of February to 28/30: the period must be a whole number
    of months. (For a count in which the *slice* also counts every month as
    30 days, see :attr:`DayCount.FIXED_MONTH`.)

    >>> ProrationDivisor("30_day_month") is ProrationDivisor.THIRTY_DAY_MONTH
    True
    """

    PERIOD = "period"
    THIRTY_DAY_MONTH = "30_day_month"


class SliceRounding(str, enum.Enum):
    """How the amount of a slice is rounded to the minor unit.

    ``CUMULATIVE`` (the default): the amount of ``[s, e)`` is the rounded
    charge for ``[period start, e)`` minus the rounded charge for
    ``[period start, s)``. Slices that meet end to end add up to the full
    price exactly, whatever their number (a month prorated day by day costs
    the month's price); a slice that starts with the period is rounded
    exactly like ``INDEPENDENT``; any other slice is within one minor unit of
    it.

    ``INDEPENDENT``: each slice is rounded on its own, ``round(price x
    fraction)``, as most carts (and Lago, Kill Bill and Stripe) do.
    Consecutive slices may then miss or exceed the full price by a minor
    unit per slice.

    >>> SliceRounding("independent") is SliceRounding.INDEPENDENT
    True
    """

    CUMULATIVE = "cumulative"
    INDEPENDENT = "independent"


class DayCount(str, enum.Enum):
    """How the days between two dates are counted.

    ``ACTUAL`` (billkit's default): calendar days, ``(end - start).days``.

    ``FIXED_MONTH``: every month counts ``month_days`` days (30 unless told
    otherwise), whatever its real length, *including across a month end*:
    ``month_days x (whole months between the two dates) + end.day -
    start.day``. This is Kill Bill's ``org.killbill.invoice.proration.fixed.days``
    rule (``InvoiceDateUtils.daysBetweenWithFixedDaysInMonth``) and the
    day-count part of the 30/360 family. Under it a prorated slice is also
    *divided* by ``month_days`` per month of its billing period.

    It is not the ``"30_day_month"`` divisor of a proration policy, which
    counts the slice in actual days and only divides by 30: from 23 May to
    15 June is 23 actual days (23/30 of the price there) but 22 under the
    fixed month (May counts 30 days, so 30 - 23 + 15 = 22; 22/30 here), and
    23 February to 15 March is 20 actual days but 22 fixed ones.

    The count adds up: ``days(a, b) + days(b, c) == days(a, c)``. Within one
    month both counts agree. With a month length below 31 a slice that
    starts on a day the length does not reach may count fewer days than it
    has, down to zero or below (Kill Bill counts 31 January to 1 February
    as 0 days of a 30-day month); proration never charges a slice less than
    nothing.

    >>> from datetime import date
    >>> DayCount.ACTUAL.days(date(2023, 2, 23), date(2023, 3, 15))
    20
    >>> DayCount.FIXED_MONTH.days(date(2023, 2, 23), date(2023, 3, 15))   # 30 - 23 + 15
    22
    >>> DayCount.FIXED_MONTH.days(date(2023, 2, 23), date(2023, 3, 15), month_days=28)
    20
    """

    ACTUAL = "actual"
    FIXED_MONTH = "fixed_month"

    def days(self, start: date, end: date, *, month_days: int = 30) -> int:
        """The days from ``start`` to ``end`` under this count (negative if ``end`` is earlier)."""
        checks.day("start", start)
        checks.day("end", end)
        if self is DayCount.ACTUAL:
            return (end - start).days
        checks.whole("month_days", month_days, low=MONTH_DAYS[0], high=MONTH_DAYS[1])
        months = (end.year - start.year) * 12 + (end.month - start.month)
        return month_days * months + end.day - start.day


_OMIT_IF_DEFAULT: Final = "billkit.serialize.omit_if_default"
"""billkit.serialize's field metadata key (this module sits below it)."""

MONTH_DAYS: Final = (28, 31)
"""The month lengths a fixed-month day count accepts (Kill Bill's own tests use 28 and 30)."""


class TotalRounding(str, enum.Enum):
    """How a document's tax total is rounded.

    ``SUM_OF_PARTS`` (billkit's default): the total tax is the sum of the
    rounded tax of each group (rate) shown on the document, so the parts a
    reader adds up always give the total.

    ``ROUND_TOTAL`` (Lago's ``Invoices::ApplyTaxesService``): each tax is
    computed unrounded, the total tax is the rounded sum of those unrounded
    amounts, and each tax shown is rounded on its own; the shown taxes may
    then miss the total by a minor unit or so, which the document states as
    its totals' ``rounding_difference``.

    >>> TotalRounding("round_total") is TotalRounding.ROUND_TOTAL
    True
    """

    SUM_OF_PARTS = "sum_of_parts"
    ROUND_TOTAL = "round_total"


class SpanProration(str, enum.Enum):
    """How a span that covers several billing periods is prorated.

    ``PERIOD_BY_PERIOD`` (billkit's default): one charge per billing period
    the span touches, each slice divided by its own period's length; whole
    periods cost the full price.

    ``FIRST_PERIOD``: one charge for the whole span, its total days divided
    by the length of the billing period it starts in. This is Kill Bill's
    ``InvoiceDateUtils.calculateProRationAfterLastBillingCycleDate`` given a
    stretch longer than a period (its test: from 2 March to 2 June is 92 days
    over March's 31, 2.967741935 periods, where period by period it is 3).
    Kill Bill's invoice generator cuts a span into a leading stub, whole
    periods and a trailing stub first (its ``TestDoubleProRation``: 1 January
    to 27 February on the 15th is 14/31 + 1 + 12/28), so the ``KILL_BILL``
    preset bills period by period.

    >>> SpanProration("first_period") is SpanProration.FIRST_PERIOD
    True
    """

    PERIOD_BY_PERIOD = "period_by_period"
    FIRST_PERIOD = "first_period"


class AnchorRule(str, enum.Enum):
    """Which billing period a partial slice next to a clamped billing date is divided by.

    An anchor on the 29th to 31st does not exist in every month; billing
    dates then clamp to the month end (31 January, 28 February, 31 March).
    The two rules agree on the billing dates and differ on the period a
    stub is measured against:

    ``KEEP_DAY`` (billkit's, Lago's and Stripe's): the anchor day is
    remembered, so the period before 28 February starts on 31 January and
    the one after it ends on 31 March: a slice is divided by the billing
    period that contains it.

    ``FROM_CLAMPED`` (Kill Bill's): the neighbouring billing date is
    computed from the clamped one, one cycle back or forward (Joda's
    ``LocalDate.minus``/``plus``): the period before one ending on 28
    February starts on 28 January (31 days), the one after a period ending
    on 28 February ends on 28 March (28 days).

    A slice that starts and ends inside one billing period (a service that
    ends before its first billing date) is divided by that billing period
    under ``KEEP_DAY``, and under ``FROM_CLAMPED`` by the cycle that ends on
    the slice's end (Kill Bill's ``endDate.minus(period)``): 10 to 25 March
    billed on the 5th is 15/31 (5 March to 5 April) or 15/28 (25 February to
    25 March).

    When the anchor day exists in every month (the 1st to the 28th) the two
    rules give the same periods, except for such a slice.

    >>> AnchorRule("from_clamped") is AnchorRule.FROM_CLAMPED
    True
    """

    KEEP_DAY = "keep_day"
    FROM_CLAMPED = "from_clamped"


@attrs.frozen(kw_only=True)
class Conventions:
    """The policies one billing system follows, bundled (see the presets).

    Proration and periods (used by :class:`~billkit.pricing.ProrationPolicy`,
    whose fields of the same names they fill):

    * ``basis``: days or seconds (:class:`ProrationBasis`);
    * ``count_end_day``: whether an end date given is itself charged (a
      termination on the 20th charges the 20th);
    * ``divisor``: the actual period, or 30 days a month (:class:`ProrationDivisor`);
    * ``day_count`` and ``month_days``: how a slice's days are counted
      (:class:`DayCount`); a fixed month needs the by-day basis and the
      ``"period"`` divisor (it brings its own);
    * ``slices``: cumulative or independent rounding (:class:`SliceRounding`);
    * ``span``: a span over several periods, period by period or over the
      first period's length (:class:`SpanProration`);
    * ``anchor``: where the period next to a clamped billing date starts
      (:class:`AnchorRule`).

    Charge-model defaults (the options of the price models of
    :mod:`billkit.pricing.models` of the same names, which a catalog that
    names these conventions fills in for every model that does not set them
    itself):

    * ``flat_fee_at_zero``: whether a ``Graduated``, ``Volume`` or
      ``GraduatedPercentage`` model charges its first tier's flat fee when
      nothing was used (Lago: yes; billkit: no usage, no charge);
    * ``fixed_fee_at_zero_total``: whether a ``Percentage`` model's per-event
      fixed fee is billed when the events add up to zero (billkit: yes; Lago:
      no);
    * ``capacity_price_at_zero``: whether a ``Capacity`` model bills its first
      tier's price when every metric is zero (billkit: yes; Kill Bill: no);
      the model's option is ``price_at_zero``;
    * ``prorated_unit_decimals``: a ``Prorated`` per-unit or volume model's
      prorated units rounded up to this many decimals before pricing (Lago:
      5, its ``compute_aggregation.ceil(5)``; billkit: ``None``, exact).

    Documents (the default of
    :class:`~billkit.invoicing.terms.DocumentTerms` of the same name):

    * ``total_rounding``: the tax total as the sum of the rounded taxes shown
      (billkit) or the rounded sum of the unrounded taxes (Lago)
      (:class:`TotalRounding`).

    ``name`` says whose conventions they are. Policies of other rooms
    (document rounding, coupons, credit...) join the bundle as they are
    written; a value built with only some fields keeps billkit's defaults
    for the rest. Change one with ``attrs.evolve``:

    >>> import attrs
    >>> fixed_30 = attrs.evolve(KILL_BILL, name="kill_bill_fixed_30", day_count="fixed_month")
    >>> fixed_30.day_count, fixed_30.month_days
    (<DayCount.FIXED_MONTH: 'fixed_month'>, 30)
    >>> Conventions(day_count="fixed_month", basis="second")
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: day_count = 'fixed_month': expected the 'day' basis: a fixed-month count counts whole days
    """

    _error_class: ClassVar[type[ValidationError]] = ValidationError

    name: str = attrs.field(default="custom", converter=checks.TEXT)
    basis: ProrationBasis = attrs.field(
        default=ProrationBasis.DAY, converter=checks.MEMBER, repr=lambda v: repr(v.value)
    )
    count_end_day: bool = attrs.field(default=False, converter=checks.FLAG)
    divisor: ProrationDivisor = attrs.field(
        default=ProrationDivisor.PERIOD, converter=checks.MEMBER, repr=lambda v: repr(v.value)
    )
    day_count: DayCount = attrs.field(
        default=DayCount.ACTUAL, converter=checks.MEMBER, repr=lambda v: repr(v.value)
    )
    month_days: int = attrs.field(
        default=30,
        converter=checks.WHOLE,
        metadata=checks.options(low=MONTH_DAYS[0], high=MONTH_DAYS[1]),
    )
    slices: SliceRounding = attrs.field(
        default=SliceRounding.CUMULATIVE, converter=checks.MEMBER, repr=lambda v: repr(v.value)
    )
    span: SpanProration = attrs.field(
        default=SpanProration.PERIOD_BY_PERIOD,
        converter=checks.MEMBER,
        repr=lambda v: repr(v.value),
    )
    anchor: AnchorRule = attrs.field(
        default=AnchorRule.KEEP_DAY, converter=checks.MEMBER, repr=lambda v: repr(v.value)
    )
    # Added after the proration fields: saved data leaves them out while they hold their defaults.
    flat_fee_at_zero: bool = attrs.field(
        default=False, converter=checks.FLAG, metadata={_OMIT_IF_DEFAULT: True}
    )
    fixed_fee_at_zero_total: bool = attrs.field(
        default=True, converter=checks.FLAG, metadata={_OMIT_IF_DEFAULT: True}
    )
    capacity_price_at_zero: bool = attrs.field(
        default=True, converter=checks.FLAG, metadata={_OMIT_IF_DEFAULT: True}
    )
    prorated_unit_decimals: int | None = attrs.field(
        default=None,
        converter=checks.WHOLE,
        metadata={**checks.options(low=0, high=12), _OMIT_IF_DEFAULT: True},
    )
    total_rounding: TotalRounding = attrs.field(
        default=TotalRounding.SUM_OF_PARTS,
        converter=checks.MEMBER,
        repr=lambda v: repr(v.value),
        metadata={_OMIT_IF_DEFAULT: True},
    )

    def model_defaults(self, kind: str) -> dict[str, bool | int | None]:
        """The charge-model options these conventions set for a model of ``kind``.

        ``kind`` is a price model's ``kind`` (``"graduated"``, ``"volume"``,
        ``"graduated_percentage"``, ``"percentage"``...); a model with no such
        option gets an empty table. A catalog applies them to every model
        that does not set the option itself.

        >>> LAGO.model_defaults("graduated"), LAGO.model_defaults("percentage")
        ({'flat_fee_at_zero': True}, {'fixed_fee_at_zero_total': False})
        >>> BILLKIT.model_defaults("volume"), BILLKIT.model_defaults("flat")
        ({'flat_fee_at_zero': False}, {})
        >>> KILL_BILL.model_defaults("capacity"), BILLKIT.model_defaults("capacity")
        ({'price_at_zero': False}, {'price_at_zero': True})
        >>> LAGO.model_defaults("prorated"), BILLKIT.model_defaults("prorated")
        ({'prorated_unit_decimals': 5}, {'prorated_unit_decimals': None})
        """
        if kind in _FLAT_FEE_KINDS:
            return {"flat_fee_at_zero": self.flat_fee_at_zero}
        if kind == "percentage":
            return {"fixed_fee_at_zero_total": self.fixed_fee_at_zero_total}
        if kind == "capacity":
            return {"price_at_zero": self.capacity_price_at_zero}
        if kind == "prorated":
            return {"prorated_unit_decimals": self.prorated_unit_decimals}
        return {}

    def __attrs_post_init__(self) -> None:
        refuse_mixed_day_count(self, self._error_class)


_FLAT_FEE_KINDS: Final = frozenset({"graduated", "volume", "graduated_percentage"})
"""The price models (by ``kind``) that take a ``flat_fee_at_zero`` option."""


def refuse_mixed_day_count(policy: Conventions | object, error: type[ValidationError]) -> None:
    """Refuse a fixed-month day count with seconds or with the 30-day-month divisor.

    ``policy`` is anything with ``day_count``, ``basis`` and ``divisor``
    (a :class:`Conventions` or a proration policy).
    """
    day_count = getattr(policy, "day_count")  # noqa: B009 - any policy-like value
    if day_count is not DayCount.FIXED_MONTH:
        return
    if getattr(policy, "basis") is not ProrationBasis.DAY:  # noqa: B009
        raise error(
            "day_count", day_count.value, "the 'day' basis: a fixed-month count counts whole days"
        )
    if getattr(policy, "divisor") is not ProrationDivisor.PERIOD:  # noqa: B009
        raise error(
            "day_count",
            day_count.value,
            "the 'period' divisor: a fixed-month count divides by month_days a month itself",
        )


BILLKIT: Final = Conventions(name="billkit")
"""billkit's defaults: by day, end day not charged, the actual period, actual
days, cumulative rounding, period by period, the anchor day kept; no usage,
no tier flat fee; a percentage's fixed fee on every paying event."""

LAGO: Final = Conventions(
    name="lago",
    count_end_day=True,
    slices=SliceRounding.INDEPENDENT,
    flat_fee_at_zero=True,
    fixed_fee_at_zero_total=False,
    prorated_unit_decimals=5,
    total_rounding=TotalRounding.ROUND_TOTAL,
)
"""Lago: by day; a period's ``to_date`` and a termination day are charged
(``count_end_day``); the actual period length; each fee rounded on its own;
the anniversary day kept; a graduated, volume or graduated-percentage
charge bills its first range's flat amount even at zero usage
(``flat_fee_at_zero``); a percentage charge bills no fixed fee when the
events add up to zero (``fixed_fee_at_zero_total=False``); a prorated charge's units are
rounded up to 5 decimals before pricing (``prorated_unit_decimals=5``); the tax total is the
rounded sum of the unrounded taxes (``total_rounding='round_total'``)."""

KILL_BILL: Final = Conventions(
    name="kill_bill",
    slices=SliceRounding.INDEPENDENT,
    anchor=AnchorRule.FROM_CLAMPED,
    capacity_price_at_zero=False,
)
"""Kill Bill (default configuration): by day, half-open periods, actual days
over the period's actual length, each item rounded on its own, a span billed
as a leading stub, whole periods and a trailing stub, and the period next to
a clamped billing date computed from the clamped date. Its fixed-days option
is ``attrs.evolve(KILL_BILL, day_count="fixed_month", month_days=30)``; its
``InvoiceDateUtils`` rule for a stretch over several periods is
``span="first_period"``. A capacity charge with every metric at zero bills
nothing (``capacity_price_at_zero=False``); other charge models keep billkit's
defaults."""

STRIPE: Final = Conventions(
    name="stripe", basis=ProrationBasis.SECOND, slices=SliceRounding.INDEPENDENT
)
"""Stripe Billing: time-based proration to the second, each proration item
rounded on its own, the billing cycle anchor's day kept. Charge models keep
billkit's defaults."""

_PRESETS: Final = {c.name: c for c in (BILLKIT, LAGO, KILL_BILL, STRIPE)}


def preset(name: str) -> Conventions:
    """The preset called ``name``: ``'billkit'``, ``'lago'``, ``'kill_bill'`` or ``'stripe'``.

    >>> preset("stripe").basis
    <ProrationBasis.SECOND: 'second'>
    >>> preset("chargebee")
    Traceback (most recent call last):
    ...
    billkit.errors.ValidationError: conventions = 'chargebee': expected one of 'billkit', 'lago', 'kill_bill', 'stripe'
    """
    if not isinstance(name, str) or name not in _PRESETS:
        raise ValidationError("conventions", name, "one of " + ", ".join(repr(n) for n in _PRESETS))
    return _PRESETS[name]
