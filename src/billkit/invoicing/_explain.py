"""Explanation lines in a document's language: the label catalog and the locale's numbers.

A quote explains its lines in English (``4001 - 2500 included = 1501``,
``per unit: 1501 x 0.125 = 187.625``), which is right for a console and
wrong on a Russian invoice. :class:`Explainer` writes the same arithmetic
with the catalog's words and the locale's digits and separators, and shows no
trailing zero beyond the currency's minor unit (``15.9000`` prints ``15,90``,
``0.000`` prints ``0``).

>>> from decimal import Decimal
>>> e = Explainer("ru_RU", "RUB")
>>> e.included(Decimal("12044"), Decimal("10000"), Decimal("2044"))
'12\\xa0044 − 10\\xa0000 включено = 2\\xa0044'
>>> e.money(Decimal("15.9000")), e.number(Decimal("0.000")), e.money(Decimal("4.088"))
('15,90', '0', '4,088')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Final

from moneyed import Money

from billkit.invoicing.render.fmt import Formatter
from billkit.invoicing.render.labels import translate
from billkit.money import CONTEXT, minor_units
from billkit.pricing.models import Step
from billkit.pricing.plans import BASE_FEE_CODE

_PACKAGES: Final = re.compile(r"^(\d+) packages? of (\S+)$")
_PERCENT_EVENTS: Final = re.compile(r"^(\S+)% of (\d+) events?$")
_FREE_UNITS: Final = re.compile(r"^(\S+) free units$")
# A PercentOf line (pricing.quote._percent_breakdown): "10% of base + calls".
_PERCENT_OF: Final = re.compile(r"^(\S+)% of (.+)$")
# A Percentage model's per-event steps and its note (pricing.models.Percentage).
_FREE_EVENTS: Final = re.compile(r"^free: (\d+) events? wholly free$")
_EVENT_LIMITS: Final = re.compile(r"^per-event minimum \((\d+)\) / maximum \((\d+)\)$")
_EVENTS: Final = re.compile(r"^(\d+) events?$")
_KEYS: Final = {
    "base fee": "explain_base_fee",
    "per unit": "explain_per_unit",
    "flat": "explain_flat",
    "fixed fee per event": "explain_fee_per_event",
}
# The labels that write a count next to a noun, whose words agree with the count:
# key -> language -> CLDR plural category (babel's rules, :func:`plural`) -> the
# label; a category or language left out reads the catalog's row. Each noun is
# in the case its label puts it in: Russian and Ukrainian "от/від N" take the
# genitive (от 1 операции, от 2 операций, от 5 операций, от 21 операции), a
# count standing alone the nominative (1 операция, 2 операции, 5 операций,
# 11 операций, 21 операция); Italian and English have one form for 1 and
# another for every other count; a Persian noun after a number is singular
# whatever the count (its rows as they are). A label that names the count
# apart ("бесплатно единиц: 5", "пакетов по 10: 3") needs no form per count.
_COUNTED: Final[Mapping[str, Mapping[str, Mapping[str, str]]]] = {
    "explain_percent_events": {
        "en": {"one": "{pct} of {n} event", "other": "{pct} of {n} events"},
        "ru": {
            "one": "{pct} от {n} операции",
            "few": "{pct} от {n} операций",
            "many": "{pct} от {n} операций",
            "other": "{pct} от {n} операции",
        },
        "uk": {
            "one": "{pct} від {n} операції",
            "few": "{pct} від {n} операцій",
            "many": "{pct} від {n} операцій",
            "other": "{pct} від {n} операції",
        },
        "it": {
            "one": "{pct} di {n} evento",
            "many": "{pct} di {n} eventi",
            "other": "{pct} di {n} eventi",
        },
    },
    "explain_events": {
        "en": {"one": "{n} event", "other": "{n} events"},
        "ru": {
            "one": "{n} операция",
            "few": "{n} операции",
            "many": "{n} операций",
            "other": "{n} операции",
        },
        "uk": {
            "one": "{n} операція",
            "few": "{n} операції",
            "many": "{n} операцій",
            "other": "{n} операції",
        },
        "it": {"one": "{n} evento", "many": "{n} eventi", "other": "{n} eventi"},
    },
    "explain_packages": {
        "en": {"one": "{n} package of {size}", "other": "{n} packages of {size}"},
        "it": {
            "one": "{n} pacchetto da {size}",
            "many": "{n} pacchetti da {size}",
            "other": "{n} pacchetti da {size}",
        },
    },
    "explain_free_units": {
        "en": {"one": "{n} free unit", "other": "{n} free units"},
        "it": {
            "one": "{n} unità gratuita",
            "many": "{n} unità gratuite",
            "other": "{n} unità gratuite",
        },
    },
}

_MOST_KNOWN: Final = 4096  # the counts an Explainer keeps the category of


def plural(language: str, count: int | Decimal) -> str:
    """The CLDR plural category (``zero``, ``one``, ``two``, ``few``, ``many``
    or ``other``) of ``count`` as written (its visible decimals count: a
    normalised Decimal) in ``language``, by babel's rules.

    >>> [plural("ru", n) for n in (1, 2, 5, 11, 21)]
    ['one', 'few', 'many', 'many', 'one']
    >>> plural("it", 1), plural("it", 1_000_000), plural("en", Decimal("1.5"))
    ('one', 'many', 'other')
    """
    return _rule(language)(count)


def _rule(language: str) -> Callable[[int | Decimal], str]:
    """babel's plural rule of ``language`` (CLDR's cardinal rules)."""
    from babel import Locale

    rule: Callable[[int | Decimal], str] = Locale.parse(language).plural_form
    return rule


# The labels English documents kept as the quote wrote them before these were
# translated (English text stays as it was): the quote's own words and numbers.
_KEPT_IN_ENGLISH: Final = frozenset({"explain_fee_per_event"})


class Explainer:
    """Writes explanation lines for one locale and currency."""

    def __init__(self, locale: str, currency: str) -> None:
        self.fmt = Formatter(locale, currency)
        self.language = self.fmt.language
        self.minor = minor_units(currency)
        # the language's plural rule, and the categories of the whole counts this
        # explainer wrote (counted), made on first use
        self._rule: Callable[[int | Decimal], str] | None = None
        self._categories: dict[int, str] = {}

    def label(self, key: str) -> str:
        return translate(key, self.language)

    def counted(self, key: str, count: int | Decimal) -> str:
        """The label ``key`` whose noun agrees with ``count`` (an ``int``, or a
        Decimal as shown: normalised), in the case the label puts it in
        (:data:`_COUNTED`); the catalog's row for a label with one form.

        >>> e = Explainer("ru_RU", "EUR")
        >>> [e.counted("explain_events", n).format(n=n) for n in (1, 2, 5, 11, 21)]
        ['1 операция', '2 операции', '5 операций', '11 операций', '21 операция']
        """
        forms = _COUNTED.get(key, {}).get(self.language)
        if forms is None:
            return self.label(key)
        rule = self._rule
        if rule is None:
            rule = self._rule = _rule(self.language)
        if type(count) is int:  # babel's rule costs microseconds: each count once
            category = self._categories.get(count)
            if category is None:
                category = rule(count)
                if len(self._categories) < _MOST_KNOWN:
                    self._categories[count] = category
        else:
            category = rule(count)
        return forms.get(category) or self.label(key)

    def agrees(self, key: str) -> bool:
        """Whether the label ``key`` has a form per count in this language
        (:meth:`counted`)."""
        return self.language in _COUNTED.get(key, {})

    def shown(self, value: Decimal) -> int | Decimal:
        """``value`` as :meth:`number` writes it: an ``int`` where integral, else
        normalised (what a count's plural category is read from)."""
        if value == value.to_integral_value():
            return int(value)
        return value.normalize(CONTEXT)

    def number(self, value: Decimal) -> str:
        """A quantity without trailing zeros."""
        if value == value.to_integral_value():
            return self.fmt.number(int(value))
        return self.fmt.number(value.normalize(CONTEXT))

    def money(self, value: Decimal) -> str:
        """An amount: the currency's decimals, more only where it has them."""
        trimmed = value.normalize(CONTEXT)
        exponent = trimmed.as_tuple().exponent
        digits = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        if digits < self.minor:
            trimmed = value.quantize(Decimal(1).scaleb(-self.minor), context=CONTEXT)
        return self.fmt.amount(trimmed)

    def percent(self, value: Decimal) -> str:
        return self.fmt.percent(value)

    def included(self, quantity: Decimal, included: Decimal, billable: Decimal) -> str:
        return self.label("explain_included").format(
            quantity=self.number(quantity),
            included=self.number(included),
            billable=self.number(billable),
        )

    def step_label(self, step: Step, names: Mapping[str, str] | None = None) -> tuple[str, bool]:
        """The step's label in the document's language, and whether its price is a rate.

        ``names``: the document's lines' names by code (their descriptions), by
        which a percentage of several lines names the lines it sums."""
        if step.tier is not None:
            return self.label("explain_tier").format(n=self.number(Decimal(step.tier))), False
        if step.label in _KEYS:
            if self.language == "en" and _KEYS[step.label] in _KEPT_IN_ENGLISH:
                return step.label, False
            return self.label(_KEYS[step.label]), False
        found = _PACKAGES.match(step.label)
        if found:
            n = int(found[1])
            return self.counted("explain_packages", n).format(
                n=self.number(Decimal(n)), size=self.number(Decimal(found[2]))
            ), False
        found = _PERCENT_EVENTS.match(step.label)
        if found:
            rate = Decimal(found[1]).scaleb(-2)
            n = int(found[2])
            return self.counted("explain_percent_events", n).format(
                pct=self.percent(rate), n=self.number(Decimal(n))
            ), True
        if self.language == "en":  # as the quote wrote them (English stays as it was)
            found = _PERCENT_OF.match(step.label)
            if found and names and " + " in found[2]:  # but the lines summed by name
                codes = found[2].split(" + ")
                return f"{found[1]}% of {' + '.join(names.get(c, c) for c in codes)}", False
            return step.label, False
        found = _PERCENT_OF.match(step.label)
        if found:  # a PercentOf line: its base is an amount, its price the rate
            pct = self.percent(Decimal(found[1]).scaleb(-2))
            if found[2] == BASE_FEE_CODE:
                return self.label("explain_percent_of_base").format(pct=pct), True
            # the lines summed, named as the document names them (names), in
            # its language; a line it does not name: the base fee in words, any
            # other by its code
            of = (
                names[code]
                if names is not None and code in names
                else self.label("explain_base_fee")
                if code == BASE_FEE_CODE
                else code
                for code in found[2].split(" + ")
            )
            return self.label("explain_percent_of").format(pct=pct, of=" + ".join(of)), True
        found = _FREE_EVENTS.match(step.label)
        if found:
            return self.label("explain_free_events").format(n=self.number(Decimal(found[1]))), False
        found = _EVENT_LIMITS.match(step.label)
        if found:
            return self.label("explain_event_limits").format(
                raised=self.number(Decimal(found[1])), lowered=self.number(Decimal(found[2]))
            ), False
        return step.label, False

    def step(self, step: Step, names: Mapping[str, str] | None = None) -> str:
        """The step in the document's words and numbers (``names``: as for
        :meth:`step_label`)."""
        label, rate = self.step_label(step, names)
        price = self.percent(step.unit_price.amount) if rate else self.money(step.unit_price.amount)
        values = {
            "label": label,
            "units": self.money(step.units) if rate else self.number(step.units),
            "price": price,
            "fee": self.money(step.flat_fee.amount),
            "amount": self.money(step.amount.amount),
        }
        key = "explain_step_fee" if step.flat_fee.amount else "explain_step"
        return self.label(key).format(**values)

    def note(self, note: str) -> str:
        found = _FREE_UNITS.match(note)
        if found:
            free = Decimal(found[1])
            return self.counted("explain_free_units", self.shown(free)).format(n=self.number(free))
        found = _EVENTS.match(note)
        if found and self.language != "en":  # English: as the quote wrote it
            n = int(found[1])
            return self.counted("explain_events", n).format(n=self.number(Decimal(n)))
        return note

    def discount(self, discount: Money, before: Money, after: Money) -> str:
        return self.label("explain_discount").format(
            discount=self.money(discount.amount),
            before=self.money(before.amount),
            after=self.money(after.amount),
        )

    def left(self, part: Decimal, left: Decimal, rate: Decimal) -> str:
        return self.label("explain_left").format(
            part=self.money(part),
            left=self.money(left),
            currency=self.fmt.symbol,
            rate=self.percent(rate),
        )
