"""A count next to a noun agrees with it, in every language billkit writes documents in.

The categories are CLDR's cardinal plural rules (written out below from the
published rules, https://www.unicode.org/cldr/charts/latest/supplemental/language_plural_rules.html,
for whole numbers: ``v = 0``) and must agree with babel's. The noun forms come
from the languages' grammar, written out here per category:

* Russian and Ukrainian: a count standing alone takes the nominative singular
  after 1, 21, 31 ... (one), the genitive singular after 2-4, 22-24 ... (few)
  and the genitive plural after 0, 5-20, 25-30 ... (many): 1 операция,
  2 операции, 5 операций, 11 операций, 21 операция. After "от"/"від" (of: "2,9 %
  of 5 payments") the whole phrase is in the genitive: the genitive singular
  for one (от 1 операции, от 21 операции), the genitive plural for few and
  many (от 2 операций, от 5 операций).
* Italian: singular for 1 (1 evento, 1 pacchetto, 1 unità gratuita), plural
  otherwise (0 eventi, 2 pacchetti); CLDR's ``many`` (1 000 000) reads as the
  plural.
* English: singular for 1, plural otherwise (0 events, 1 event).
* Persian: a noun after a number is always singular (۱ رویداد, ۵ رویداد).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.invoicing._explain import Explainer, plural
from billkit.money import Money
from billkit.pricing.models import Step


def cldr(language: str, n: int) -> str:
    """CLDR's cardinal category of a whole number ``n`` (v = 0, i = n)."""
    if language in ("ru", "uk"):
        if n % 10 == 1 and n % 100 != 11:
            return "one"
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return "few"
        return "many"
    if language == "it":
        if n == 1:
            return "one"
        if n != 0 and n % 1_000_000 == 0:  # e = 0 and i != 0 and i % 1000000 = 0 and v = 0
            return "many"
        return "other"
    if language == "en":
        return "one" if n == 1 else "other"
    assert language == "fa"
    return "one" if n in (0, 1) else "other"  # i = 0 or n = 1


# The noun (with what follows the count) per language and category.
OPERATIONS = {  # a count of operations standing alone (nominative)
    "ru": {"one": "операция", "few": "операции", "many": "операций"},
    "uk": {"one": "операція", "few": "операції", "many": "операцій"},
    "it": {"one": "evento", "many": "eventi", "other": "eventi"},
    "fa": {"one": "رویداد", "other": "رویداد"},
}
OF_OPERATIONS = {  # "<rate> of <n> events" (after от/від: genitive)
    "ru": {"one": "операции", "few": "операций", "many": "операций"},
    "uk": {"one": "операції", "few": "операцій", "many": "операцій"},
    "it": {"one": "evento", "many": "eventi", "other": "eventi"},
    "en": {"one": "event", "other": "events"},
    "fa": {"one": "رویداد", "other": "رویداد"},
}
PACKAGES = {  # "<n> packages of 100"
    "en": {"one": "package of 100", "other": "packages of 100"},
    "it": {"one": "pacchetto da 100", "many": "pacchetti da 100", "other": "pacchetti da 100"},
    "fa": {"one": "بسته ۱۰۰تایی", "other": "بسته ۱۰۰تایی"},
}
FREE_UNITS = {  # "<n> free units"
    "en": {"one": "free unit", "other": "free units"},
    "it": {"one": "unità gratuita", "many": "unità gratuite", "other": "unità gratuite"},
    "fa": {"one": "واحد رایگان", "other": "واحد رایگان"},
}
LOCALES = {"en": "en", "ru": "ru_RU", "uk": "uk_UA", "it": "it_IT", "fa": "fa_IR"}
PERCENT = {"en": "2.9%", "ru": "2,9\xa0%", "uk": "2,9%", "it": "2,9%", "fa": "۲٫۹٪"}
PREPOSITION = {"en": "of", "ru": "от", "uk": "від", "it": "di", "fa": "از"}
COUNTS = st.integers(0, 10**6)


def grouped(n: int, language: str) -> str:
    """``n`` with the locale's published digits and group separator (groups of
    three; ru/uk a no-break space, it a dot, en a comma, fa ٬ and Persian digits)."""
    sep = {"ru": "\xa0", "uk": "\xa0", "it": ".", "en": ",", "fa": "٬"}[language]
    text = f"{n:,}".replace(",", sep)
    if language == "fa":
        text = text.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    return text


def _events(n: int) -> str:
    # how pricing.models.Percentage counts events in its words
    return f"{n} event{'' if n == 1 else 's'}"


def _percent_step(n: int) -> Step:
    # a Percentage model's step as the quote writes it (pricing.models.Percentage)
    eur = Money("0", "EUR")
    return Step(
        label=f"2.9% of {_events(n)}",
        units=Decimal(0),
        unit_price=Money("0.029", "EUR"),
        flat_fee=eur,
        amount=eur,
    )


def _package_step(n: int) -> Step:
    eur = Money("0", "EUR")
    return Step(
        label=f"{n} package{'s' if n != 1 else ''} of 100",
        units=Decimal(n),
        unit_price=eur,
        flat_fee=eur,
        amount=eur,
    )


def test_worked_examples() -> None:
    ru, uk = Explainer("ru_RU", "EUR"), Explainer("uk_UA", "EUR")
    assert [ru.note(_events(n)) for n in (1, 2, 5, 21, 11)] == [
        "1 операция",
        "2 операции",
        "5 операций",
        "21 операция",
        "11 операций",
    ]
    assert [ru.step_label(_percent_step(n))[0] for n in (1, 2, 5, 21, 11)] == [
        "2,9\xa0% от 1 операции",
        "2,9\xa0% от 2 операций",
        "2,9\xa0% от 5 операций",
        "2,9\xa0% от 21 операции",
        "2,9\xa0% от 11 операций",
    ]
    assert [uk.note(_events(n)) for n in (1, 3, 12, 22)] == [
        "1 операція",
        "3 операції",
        "12 операцій",
        "22 операції",
    ]
    assert uk.step_label(_percent_step(1))[0] == "2,9% від 1 операції"
    it, en = Explainer("it_IT", "EUR"), Explainer("en", "EUR")
    assert it.step_label(_percent_step(1))[0] == "2,9% di 1 evento"
    assert it.note("1 free units") == "1 unità gratuita"
    assert it.step_label(_package_step(1))[0] == "1 pacchetto da 100"
    assert it.step_label(_package_step(2))[0] == "2 pacchetti da 100"
    assert en.step_label(_percent_step(1))[0] == "2.9% of 1 event"
    assert en.step_label(_package_step(1))[0] == "1 package of 100"
    assert en.note("1 free units") == "1 free unit"
    assert en.note("2.5 free units") == "2.5 free units"  # a fraction: CLDR's other
    assert Explainer("fa_IR", "EUR").note(_events(1)) == "۱ رویداد"


@pytest.mark.parametrize("language", sorted(LOCALES))
@given(n=COUNTS)
def test_the_categories_are_cldrs(language: str, n: int) -> None:
    assert plural(language, n) == cldr(language, n)


@pytest.mark.parametrize("language", sorted(LOCALES))
@given(n=COUNTS | st.sampled_from([0, 1, 2, 11, 21, 111, 1_000_000]))
def test_a_count_agrees_with_its_noun(language: str, n: int) -> None:
    e = Explainer(LOCALES[language], "EUR")
    category = cldr(language, n)
    count = grouped(n, language)
    label, rate = e.step_label(_percent_step(n))
    assert rate
    noun = OF_OPERATIONS[language][category]
    assert label == f"{PERCENT[language]} {PREPOSITION[language]} {count} {noun}"
    if language in OPERATIONS:  # (English notes keep the quote's words)
        assert e.note(_events(n)) == f"{count} {OPERATIONS[language][category]}"
    if language in PACKAGES:
        assert e.step_label(_package_step(n))[0] == f"{count} {PACKAGES[language][category]}"
    if language in FREE_UNITS:
        assert e.note(f"{n} free units") == f"{count} {FREE_UNITS[language][category]}"


def test_the_quotes_own_english_counts_agree() -> None:
    # One payment of 100.00 at 2.9 %: 100.00 x 0.029 = 2.90, "2.9% of 1 event";
    # two payments: "of 2 events" (pricing.models.Percentage, and the plain
    # English documents that print the quote's words).
    from billkit.pricing import Percentage

    model = Percentage(rate=Decimal("0.029"), currency="EUR")
    one = model.explain_events([Decimal(100)])
    assert (one.note, one.steps[0].label) == ("1 event", "2.9% of 1 event")
    assert one.amount.amount == Decimal("2.90")
    two = model.explain_events([Decimal(100), Decimal(50)])
    assert (two.note, two.steps[0].label) == ("2 events", "2.9% of 2 events")
    # and in Russian: "от 1 операции", "1 операция"
    ru = Explainer("ru_RU", "EUR")
    assert ru.note(one.note) == "1 операция"
    assert ru.step_label(one.steps[0])[0] == "2,9\xa0% от 1 операции"
