"""Document numbers: series with a prefix, a yearly or monthly reset and
zero padding, numbered without gaps.

The counter itself lives in storage; numbering is a pure function of the
series, the last number issued and the date: :func:`next_number` gives the
number after ``last``, restarting at the series' ``start`` when a new year
(or month) begins. Numbers are issued in date order: a date before the last
number's is refused, since a later number with an earlier date breaks the
chronological order tax law requires (Italy, Russia).

>>> series = NumberSeries(prefix="INV-", reset="yearly", padding=6)
>>> first = next_number(series, None, date(2026, 3, 1))
>>> first.text
'INV-2026-000001'
>>> next_number(series, first, date(2026, 3, 2)).text
'INV-2026-000002'
>>> next_number(series, first, date(2027, 1, 1)).text
'INV-2027-000001'
"""

from __future__ import annotations

import enum
import string
from collections.abc import Iterable
from datetime import date
from typing import ClassVar, Final

import attrs

from billkit import _checks as checks
from billkit.errors import InvoicingError, ValidationError

__all__ = ["IssuedNumber", "NumberSeries", "Reset", "check_sequence", "next_number"]


class Reset(str, enum.Enum):
    """When a series starts counting again: never, each year, each month.

    >>> Reset("monthly") is Reset.MONTHLY
    True
    """

    NEVER = "never"
    YEARLY = "yearly"
    MONTHLY = "monthly"


_DEFAULT_TEMPLATES: Final = {
    Reset.NEVER: "{prefix}{number}",
    Reset.YEARLY: "{prefix}{year}-{number}",
    Reset.MONTHLY: "{prefix}{year}-{month}-{number}",
}
_FIELDS: Final = frozenset({"prefix", "year", "yy", "month", "number"})


def _prefix(value: object) -> str:
    if not isinstance(value, str) or "{" in value or "}" in value:
        raise InvoicingError("prefix", value, "a str without braces")
    return value


@attrs.frozen(kw_only=True)
class NumberSeries:
    """How a series' numbers look and when they restart.

    ``template`` places ``{prefix}``, ``{year}`` (4 digits), ``{yy}``,
    ``{month}`` (2 digits) and ``{number}`` (the counter, zero-padded to
    ``padding`` digits: a wider counter is never cut). By default:
    ``'{prefix}{number}'``, ``'{prefix}{year}-{number}'`` or
    ``'{prefix}{year}-{month}-{number}'`` for a series that never, yearly or
    monthly resets. A series that resets must show the year (and month) in
    its numbers, or two documents would share a number.

    >>> NumberSeries(prefix="FT", reset="yearly", padding=4, template="{prefix}{number}/{year}").format(
    ...     17, date(2026, 3, 1))
    'FT0017/2026'
    >>> NumberSeries(reset="yearly", template="{number}")
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: template = '{number}': expected {year} or {yy} in the numbers of a series that resets yearly
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    prefix: str = attrs.field(default="", converter=_prefix)
    reset: Reset = attrs.field(default=Reset.YEARLY, converter=checks.MEMBER)
    padding: int = attrs.field(
        default=6, converter=checks.WHOLE, metadata=checks.options(low=0, high=18)
    )
    start: int = attrs.field(
        default=1, converter=checks.WHOLE, metadata=checks.options(low=0, high=10**18)
    )
    template: str = attrs.field()

    @template.default
    def _default_template(self) -> str:
        return _DEFAULT_TEMPLATES[self.reset]

    def __attrs_post_init__(self) -> None:
        template = self.template
        if not isinstance(template, str):
            raise InvoicingError("template", template, "a str")
        try:
            names = {
                name
                for _, name, spec, conv in string.Formatter().parse(template)
                if name is not None
            }
            specs = [
                (spec, conv) for _, name, spec, conv in string.Formatter().parse(template) if name
            ]
        except ValueError:
            raise InvoicingError(
                "template", template, "a format string such as '{prefix}{number}'"
            ) from None
        unknown = names - _FIELDS
        if unknown or any(spec or conv for spec, conv in specs):
            raise InvoicingError(
                "template", template, "only {prefix}, {year}, {yy}, {month} and {number}, plainly"
            )
        if "number" not in names:
            raise InvoicingError("template", template, "a {number} placeholder")
        if self.reset is not Reset.NEVER and not names & {"year", "yy"}:
            raise InvoicingError(
                "template",
                template,
                f"{{year}} or {{yy}} in the numbers of a series that resets {self.reset.value}",
            )
        if self.reset is Reset.MONTHLY and "month" not in names:
            raise InvoicingError(
                "template", template, "{month} in the numbers of a series that resets monthly"
            )

    def period_of(self, on: date) -> str:
        """The counting period ``on`` falls in: ``''``, ``'2026'`` or ``'2026-03'``."""
        if self.reset is Reset.YEARLY:
            return f"{on.year:04d}"
        if self.reset is Reset.MONTHLY:
            return f"{on.year:04d}-{on.month:02d}"
        return ""

    def format(self, counter: int, on: date) -> str:
        """The text of number ``counter`` issued on ``on``."""
        checks.whole("counter", counter, low=0, high=10**18, error=InvoicingError)
        day = checks.day("on", on, error=InvoicingError)
        return self.template.format(
            prefix=self.prefix,
            year=f"{day.year:04d}",
            yy=f"{day.year % 100:02d}",
            month=f"{day.month:02d}",
            number=f"{counter:0{self.padding}d}" if self.padding else str(counter),
        )


@attrs.frozen(kw_only=True)
class IssuedNumber:
    """A number issued from a series: its counter, date and text.

    >>> IssuedNumber(counter=41, on=date(2026, 3, 20), text="INV-2026-000041").counter
    41
    """

    _error_class: ClassVar[type[ValidationError]] = InvoicingError

    counter: int = attrs.field(converter=checks.WHOLE, metadata=checks.options(low=0, high=10**18))
    on: date = attrs.field(converter=checks.DAY)
    text: str


def next_number(series: NumberSeries, last: IssuedNumber | None, on: date) -> IssuedNumber:
    """The number to issue on ``on``, after ``last`` (``None`` for the first).

    ``last`` must be a number of this series (its text is checked); ``on``
    must not be before ``last.on``.

    >>> monthly = NumberSeries(prefix="A", reset="monthly", padding=3)
    >>> n = next_number(monthly, IssuedNumber(counter=9, on=date(2026, 3, 31), text="A2026-03-009"),
    ...                 date(2026, 4, 1))
    >>> n.text
    'A2026-04-001'
    >>> next_number(monthly, n, date(2026, 3, 31))
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: on = datetime.date(2026, 3, 31): expected a date on or after the last number's (2026-04-01): numbers follow the order of dates
    """
    if not isinstance(series, NumberSeries):
        raise InvoicingError("series", series, "a NumberSeries")
    day = checks.day("on", on, error=InvoicingError)
    if last is None:
        counter = series.start
    else:
        if not isinstance(last, IssuedNumber):
            raise InvoicingError("last", last, "an IssuedNumber or None")
        if series.format(last.counter, last.on) != last.text:
            raise InvoicingError(
                "last",
                last.text,
                f"a number of this series ({series.format(last.counter, last.on)!r} for counter "
                f"{last.counter} on {last.on})",
            )
        if day < last.on:
            raise InvoicingError(
                "on",
                day,
                f"a date on or after the last number's ({last.on}): numbers follow the order of dates",
            )
        same = series.period_of(day) == series.period_of(last.on)
        counter = last.counter + 1 if same else series.start
    return IssuedNumber(counter=counter, on=day, text=series.format(counter, day))


def check_sequence(series: NumberSeries, numbers: Iterable[IssuedNumber]) -> None:
    """Refuse a run of issued numbers with a gap, a repeat, a foreign number
    or dates out of order: each must be what :func:`next_number` would give
    after the one before.

    >>> s = NumberSeries(prefix="R", reset="never", padding=2)
    >>> a = next_number(s, None, date(2026, 1, 5))
    >>> check_sequence(s, [a, next_number(s, a, date(2026, 1, 6))])
    >>> check_sequence(s, [a, IssuedNumber(counter=3, on=date(2026, 1, 6), text="R03")])
    Traceback (most recent call last):
    ...
    billkit.errors.InvoicingError: numbers[1] = 'R03': expected 'R02' (no gaps, no repeats)
    """
    last: IssuedNumber | None = None
    for i, number in enumerate(numbers):
        if not isinstance(number, IssuedNumber):
            raise InvoicingError(f"numbers[{i}]", number, "an IssuedNumber")
        if last is None:
            if number.text != series.format(number.counter, number.on):
                raise InvoicingError(
                    f"numbers[{i}]", number.text, f"{series.format(number.counter, number.on)!r}"
                )
        else:
            expected = next_number(series, last, number.on)
            if number != expected:
                raise InvoicingError(
                    f"numbers[{i}]", number.text, f"{expected.text!r} (no gaps, no repeats)"
                )
        last = number
