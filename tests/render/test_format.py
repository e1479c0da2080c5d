"""Formatting per locale (checked against babel), Persian digits and dates, shaping, wrapping.

The renderers format amounts with their own fast pattern code built from
babel's locale data; these tests check it against babel's own
``format_currency`` / ``format_decimal`` / ``format_percent`` on many values.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources

import pytest
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from hypothesis import given
from hypothesis import strategies as st
from reportlab.pdfbase.ttfonts import TTFont

from billkit.errors import MissingDependencyError
from billkit.invoicing.render.fmt import Formatter
from billkit.invoicing.render.labels import label_keys, translate
from billkit.invoicing.render.model import LANGUAGES
from billkit.invoicing.render.shaping import has_rtl, shape, visual, visual_lines, wrap
from billkit.money import Money
from billkit.periods import Period

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
LATIN_LOCALES = [
    ("en", "EUR"),
    ("en_US", "USD"),
    ("ru", "RUB"),
    ("ru_RU", "RUB"),
    ("uk", "UAH"),
    ("it", "EUR"),
]

amounts = st.builds(
    lambda units, places: Decimal(f"{units}E-{places}"),
    st.integers(min_value=-(10**13), max_value=10**13),
    st.integers(min_value=0, max_value=5),
)


# -------------------------------------------------------------- worked examples


@pytest.mark.parametrize(
    ("locale", "currency", "amount", "money", "cell"),
    [
        # babel's documented outputs: en "¤#,##0.00", ru "#,##0.00 ¤" with no-break spaces
        ("en", "EUR", "1234567.5", "€1,234,567.50", "1,234,567.50"),
        ("ru", "RUB", "1234567.5", "1\xa0234\xa0567,50\xa0₽", "1\xa0234\xa0567,50"),
        ("uk", "UAH", "1234567.5", "1\xa0234\xa0567,50\xa0₴", "1\xa0234\xa0567,50"),
        ("it", "EUR", "1234567.5", "1.234.567,50\xa0€", "1.234.567,50"),
        ("ru", "RUB", "-41.67", "-41,67\xa0₽", "-41,67"),
        # never rounded: an amount finer than kopecks keeps every digit
        ("ru", "RUB", "22.4137", "22,4137\xa0₽", "22,4137"),
        ("ru", "RUB", "429.3240", "429,3240\xa0₽", "429,3240"),
        # the rial: whole amounts without decimals (CLDR), Persian digits and separators
        ("fa", "IRR", "1250000", "۱٬۲۵۰٬۰۰۰\xa0ریال", "۱٬۲۵۰٬۰۰۰"),
        ("fa", "IRR", "1250000.00", "۱٬۲۵۰٬۰۰۰\xa0ریال", "۱٬۲۵۰٬۰۰۰"),
        ("fa", "IRR", "1234.5", "۱٬۲۳۴٫۵۰\xa0ریال", "۱٬۲۳۴٫۵۰"),
    ],
)
def test_amounts_as_each_locale_writes_them(
    locale: str, currency: str, amount: str, money: str, cell: str
) -> None:
    fmt = Formatter(locale, currency)
    assert fmt.money(Money(amount, currency)) == money
    assert fmt.amount(Money(amount, currency)) == cell


def test_persian_can_keep_latin_digits_and_the_gregorian_calendar() -> None:
    fmt = Formatter("fa", "IRR", digits="latin", calendar="gregorian")
    assert fmt.money(Money("1250000", "IRR")) == "1,250,000\xa0ریال"
    assert fmt.short_date(date(2026, 3, 5)) == format_date(
        date(2026, 3, 5), "yyyy/M/d", locale="fa"
    )


@pytest.mark.parametrize(
    ("day", "short", "long"),
    [
        # Nowruz 1405 falls on 2026-03-21; Iran's 10% VAT starts on 1403-01-01 = 2024-03-20
        (date(2026, 3, 21), "۱۴۰۵/۰۱/۰۱", "۱ فروردین ۱۴۰۵"),
        (date(2026, 3, 20), "۱۴۰۴/۱۲/۲۹", "۲۹ اسفند ۱۴۰۴"),
        (date(2024, 3, 20), "۱۴۰۳/۰۱/۰۱", "۱ فروردین ۱۴۰۳"),
        (date(2026, 3, 5), "۱۴۰۴/۱۲/۱۴", "۱۴ اسفند ۱۴۰۴"),
    ],
)
def test_persian_dates_are_solar_hijri(day: date, short: str, long: str) -> None:
    fmt = Formatter("fa_IR", "IRR")
    assert (fmt.short_date(day), fmt.long_date(day)) == (short, long)


def test_dates_numbers_percentages_and_periods() -> None:
    ru = Formatter("ru", "RUB")
    assert ru.short_date(date(2026, 3, 5)) == "05.03.2026"
    assert ru.long_date(date(2026, 3, 5)) == format_date(date(2026, 3, 5), "long", locale="ru")
    # a period is half-open: March is printed from the 1st to the 31st
    assert ru.period(Period(date(2026, 3, 1), date(2026, 4, 1))) == "01.03.2026 – 31.03.2026"
    assert ru.number(Decimal("4001")) == "4\xa0001"
    assert ru.number(Decimal("1.500")) == "1,500"  # as given, never rounded
    assert ru.percent(Decimal("0.22")) == "22\xa0%"
    assert Formatter("it", "EUR").percent(Decimal("0.039")) == "3,9%"
    assert Formatter("fa", "IRR").percent(Decimal("0.10")) == "۱۰٪"
    # bare English: a month name, read the same in the US and in Europe (issue 15);
    # a territory keeps its own form
    assert Formatter("en", "EUR").short_date(date(2026, 3, 5)) == "5 Mar 2026"
    assert Formatter("en_US", "USD").short_date(date(2026, 3, 5)) == "3/5/2026"


# ------------------------------------------------------------- against babel


def _babel_pattern(pattern: str, digits: int) -> str:
    fraction = "." + "0" * digits if digits else ""
    return pattern.split(";")[0].replace("0.00", "0" + fraction)


@pytest.mark.parametrize(("locale", "currency"), LATIN_LOCALES)
@given(amount=amounts)
def test_amounts_match_babel(locale: str, currency: str, amount: Decimal) -> None:
    from babel import Locale

    fmt = Formatter(locale, currency)
    digits = fmt.money_digits(amount)
    loc = Locale.parse(locale)
    currency_pattern = _babel_pattern(loc.currency_formats["standard"].pattern, digits)
    decimal_pattern = "#,##0" + ("." + "0" * digits if digits else "")
    assert fmt.money(amount) == format_currency(
        amount, currency, format=currency_pattern, locale=locale, currency_digits=False
    )
    assert fmt.amount(amount) == format_decimal(amount, format=decimal_pattern, locale=locale)
    # nothing is lost: the printed number is the amount itself
    assert digits >= max(0, -int(amount.normalize().as_tuple().exponent))


@given(amount=amounts)
def test_persian_amounts_are_babels_arabext_separators_with_persian_digits(amount: Decimal) -> None:
    fmt = Formatter("fa", "IRR")
    digits = fmt.money_digits(amount)
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    expected = format_decimal(amount, format=pattern, locale="fa", numbering_system="default")
    assert fmt.amount(amount) == expected.translate(PERSIAN)
    assert fmt.money(amount) == expected.translate(PERSIAN) + "\xa0ریال"


@pytest.mark.parametrize("locale", ["en", "ru", "uk", "it"])
@given(rate=st.integers(min_value=0, max_value=10_000).map(lambda n: Decimal(n).scaleb(-4)))
def test_percentages_match_babel(locale: str, rate: Decimal) -> None:
    assert Formatter(locale, "EUR").percent(rate) == format_percent(
        rate, locale=locale, decimal_quantization=False
    )


@given(days=st.integers(min_value=0, max_value=40_000))
def test_jalali_dates_round_trip(days: int) -> None:
    import jdatetime

    day = date(1950, 1, 1) + timedelta(days=days)
    text = (
        Formatter("fa", "IRR").short_date(day).translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    )
    y, m, d = map(int, text.split("/"))
    assert jdatetime.date(y, m, d).togregorian() == day


# ------------------------------------------------------------ shaping, glyphs


def test_shaping_joins_letters_and_bidi_reverses_words_per_line() -> None:
    word = shape("سلام")
    assert word == "ﺳﻼﻡ"  # initial seen, lam-alef ligature, final meem
    assert visual(word, rtl=True) == word[::-1]
    # brackets are mirrored in right-to-left runs (python-bidi's Rust get_display does not)
    assert visual(shape("(ریال)"), rtl=True) == "(" + shape("ریال")[::-1] + ")"
    # each line reads in the direction of its first letter, as dir="auto" does:
    # Latin text stays as it is even in a Persian document...
    assert visual("1 Main Street (rear)", rtl=True) == "1 Main Street (rear)"
    assert visual("<b>ACME</b> & Co", rtl=True) == "<b>ACME</b> & Co"
    # ...and a Persian name in an English document reads right to left
    assert visual(shape("شرکت ACME"), rtl=False) == "ACME " + shape("شرکت")[::-1]
    # a number takes the document's direction
    assert visual("۱۰٪", rtl=True) == "۱۰٪"


def test_wrapped_persian_lines_keep_their_order() -> None:
    """Reordering per line after wrapping: the first words stay on the first line."""
    text = "یک دو سه چهار پنج شش"
    lines = visual_lines(text, 12, lambda s: float(len(s)), rtl=True)
    assert len(lines) > 1
    # each line read right to left gives the text's words in order
    words = [w for line in lines for w in reversed(line.split(" "))]
    assert words == [shape(w)[::-1] for w in text.split(" ")]
    assert shape("یک")[::-1] in lines[0]


@given(
    words=st.lists(
        st.text(alphabet="abcdefghij", min_size=1, max_size=15), min_size=1, max_size=30
    ),
    width=st.integers(min_value=3, max_value=40),
)
def test_wrap_never_overflows_and_keeps_every_character(words: list[str], width: int) -> None:
    text = " ".join(words)
    lines = wrap(text, width, lambda s: float(len(s)))
    assert all(len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_the_bundled_fonts_have_every_glyph_the_labels_use() -> None:
    folder = resources.files("billkit").joinpath("data/fonts")
    for face in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        font = TTFont("check", io.BytesIO(folder.joinpath(face).read_bytes()))
        glyphs = font.face.charToGlyph
        for lang in LANGUAGES:
            for key in label_keys():
                text = shape(translate(key, lang))
                missing = {c for c in text if ord(c) not in glyphs and c not in "\u200c\u200d"}
                assert not missing, (face, lang, key, missing)
        digits = "۰۱۲۳۴۵۶۷۸۹٬٫٪₽₴€№\xa0\u202f–"
        assert all(ord(c) in glyphs for c in digits)
    assert has_rtl("ریال")
    assert not has_rtl("рубль")


def test_missing_persian_libraries_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from billkit.invoicing.render import fmt

    real_import = builtins.__import__

    def no_jdatetime(name: str, *args: object, **kwargs: object) -> object:
        if name == "jdatetime":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_jdatetime)
    fmt._jalali.cache_clear()
    with pytest.raises(
        MissingDependencyError,
        match=r"Solar Hijri dates needs jdatetime \(or RenderOptions\(calendar='gregorian'\)\): "
        r"pip install 'py-billkit\[persian\]'",
    ):
        Formatter("fa", "IRR").short_date(date(2001, 2, 3))
