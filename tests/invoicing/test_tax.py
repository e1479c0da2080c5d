"""Tax rates by date, inclusive and exclusive prices, per-line and
per-document rounding, legal notes.

Rates are the law's: Russia 18 % until 2018, 20 % from 2019-01-01 (Federal
Law 303-FZ), 22 % from 2026-01-01 (Federal Law 425-FZ); Ukraine 20 %; Italy
22 %; Iran 9 %, then 10 % from the Solar Hijri year 1403 (2024-03-20).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import CurrencyMismatchError, InvoicingError, MoneyError
from billkit.invoicing import TaxTable
from billkit.invoicing.tax import DEFAULT_TAXES, TaxRate, TaxRounding, TaxTreatment, compute_taxes
from billkit.money import Money, RoundingPolicy
from tests.strategies import exact_decimal


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        (date(2018, 12, 31), "0.18"),
        (date(2019, 1, 1), "0.20"),
        (date(2025, 12, 31), "0.20"),
        (date(2026, 1, 1), "0.22"),
        (date(2030, 6, 1), "0.22"),
    ],
)
def test_russian_standard_rate_by_date(day: date, rate: str) -> None:
    assert DEFAULT_TAXES.rate("RU", "standard", day).rate == Decimal(rate)


def test_russian_reduced_and_zero_rates() -> None:
    on = date(2026, 1, 1)
    assert DEFAULT_TAXES.rate("RU", "reduced", on).rate == Decimal("0.10")
    assert DEFAULT_TAXES.rate("RU", "zero", on).rate == 0
    assert DEFAULT_TAXES.rate("RU", "simplified_5", on).rate == Decimal("0.05")
    with pytest.raises(InvoicingError, match="rates from 2025-01-01"):
        DEFAULT_TAXES.rate("RU", "simplified_7", date(2024, 12, 31))


def test_ukraine_and_italy() -> None:
    assert DEFAULT_TAXES.rate("UA", "standard", date(2026, 3, 1)).rate == Decimal("0.20")
    assert DEFAULT_TAXES.rate("IT", "standard", date(2026, 3, 1)).rate == Decimal("0.22")
    assert DEFAULT_TAXES.rate("IT", "reduced", date(2026, 3, 1)).rate == Decimal("0.10")
    assert DEFAULT_TAXES.rate("IT", "super_reduced", date(2026, 3, 1)).rate == Decimal("0.04")


def test_iran_changes_at_the_solar_new_year_1403() -> None:
    new_year = jdatetime.date(1403, 1, 1).togregorian()
    assert new_year == date(2024, 3, 20)
    assert DEFAULT_TAXES.rate("IR", "standard", date(2024, 3, 19)).rate == Decimal("0.09")
    assert DEFAULT_TAXES.rate("IR", "standard", new_year).rate == Decimal("0.10")


def test_dates_and_categories_without_a_rate_are_refused() -> None:
    with pytest.raises(InvoicingError) as error:
        DEFAULT_TAXES.rate("RU", "standard", date(2003, 12, 31))
    assert error.value.field == "tax_date"
    with pytest.raises(InvoicingError, match="one of \\['reduced'"):
        DEFAULT_TAXES.rate("RU", "luxury", date(2026, 1, 1))
    with pytest.raises(InvoicingError, match="DE has none"):
        DEFAULT_TAXES.rate("DE", "standard", date(2026, 1, 1))


def test_users_add_and_override_rates() -> None:
    de = TaxRate(country="DE", category="standard", rate="19%", effective_from=date(2007, 1, 1))
    table = DEFAULT_TAXES.with_rate(de)
    assert table.rate("DE", "standard", date(2026, 1, 1)).rate == Decimal("0.19")
    # Overriding a row: same country, category and start date.
    same = TaxRate(
        country="RU", category="standard", rate="22%", effective_from=date(2026, 1, 1), name="НДС"
    )
    assert table.with_rate(same) == table
    changed = table.with_rate(
        TaxRate(country="RU", category="reduced", rate="12%", effective_from=date(2004, 1, 1))
    )
    assert len(changed.rates) == len(table.rates)
    assert changed.rate("RU", "reduced", date(2026, 1, 1)).rate == Decimal("0.12")
    temporary = table.with_rate(
        TaxRate(country="DE", category="standard", rate="16%", effective_from=date(2020, 7, 1))
    ).with_rate(
        TaxRate(country="DE", category="standard", rate="19%", effective_from=date(2021, 1, 1))
    )
    assert temporary.rate("DE", "standard", date(2020, 12, 31)).rate == Decimal("0.16")
    assert temporary.rate("DE", "standard", date(2021, 1, 1)).rate == Decimal("0.19")
    assert DEFAULT_TAXES.rates_on("DE", date(2026, 1, 1)) == {}


def test_rate_rows_are_checked() -> None:
    with pytest.raises(InvoicingError, match="below 100 %"):
        TaxRate(country="RU", category="standard", rate="1", effective_from=date(2026, 1, 1))
    with pytest.raises(MoneyError, match=r"rate = '-0\.1': expected a rate of zero or more"):
        TaxRate(country="RU", category="standard", rate="-0.1", effective_from=date(2026, 1, 1))
    with pytest.raises(InvoicingError, match="alpha-2"):
        TaxRate(country="ru", category="standard", rate="0.2", effective_from=date(2026, 1, 1))
    with pytest.raises(InvoicingError, match="one row per"):
        TaxTable(
            rates=[
                TaxRate(country="RU", category="x", rate="0.2", effective_from=date(2026, 1, 1)),
                TaxRate(country="RU", category="x", rate="0.1", effective_from=date(2026, 1, 1)),
            ]
        )


def test_legal_notes_by_country_treatment_and_language() -> None:
    assert DEFAULT_TAXES.note("RU", "exempt", "ru") == "Без налога (НДС)"
    # Italy's own reverse charge (domestic) cites art. 17 c. 6 DPR 633/72
    assert "art. 17(6) DPR 633/72" in DEFAULT_TAXES.note("IT", "reverse_charge", "en")
    assert DEFAULT_TAXES.note("IT", "reverse_charge", "it").startswith("Inversione contabile")
    assert DEFAULT_TAXES.note("UA", "zero_rated", "uk") == "ПДВ за ставкою 0%"
    # no Portuguese note: English
    assert DEFAULT_TAXES.note("PT", "exempt", "pt") == "Exempt from VAT."
    assert DEFAULT_TAXES.note("RU", "standard", "ru") == ""
    custom = DEFAULT_TAXES.with_note(
        "RU", TaxTreatment.NOT_SUBJECT, "ru", "НДС не облагается (УСН)"
    )
    assert custom.note("RU", "not_subject", "ru") == "НДС не облагается (УСН)"
    assert custom.note("UA", "not_subject", "ru") == "НДС не облагается"


# --------------------------------------------------------------------------- computing


def test_per_line_and_per_document_rounding_differ() -> None:
    # The example: three lines of 33.33 RUB excluding 22 % VAT.
    # Per line: 33.33 x 0.22 = 7.3326 -> 7.33, three times: 21.99.
    # Per document: 99.99 x 0.22 = 21.9978 -> 22.00.
    lines = [rub("33.33")] * 3
    per_line = compute_taxes(lines, ["0.22"] * 3, tax_rounding="per_line")
    assert [s.tax for s in per_line] == [rub("7.33")] * 3
    assert sum(s.tax.amount for s in per_line) == Decimal("21.99")
    per_doc = compute_taxes(lines, ["0.22"] * 3, tax_rounding=TaxRounding.PER_DOCUMENT)
    assert sum(s.tax.amount for s in per_doc) == Decimal("22.00")
    # the extra cent goes to the first line (equal remainders: the earlier line)
    assert [s.tax for s in per_doc] == [rub("7.34"), rub("7.33"), rub("7.33")]
    assert all(s.net + s.tax == s.gross for s in per_doc)


def test_inclusive_prices_from_the_hosting_cart() -> None:
    # 250.00 incl. 20 %: 250 x 20 / 120 = 41.666... -> 41.67; net 208.33.
    # 20.00 incl. 20 %: 3.333... -> 3.33; 100.00: 16.666... -> 16.67 (the cart's figures).
    splits = compute_taxes(
        [rub("250.00"), rub("20.00"), rub("100.00")], ["0.20"] * 3, prices_include_tax=True
    )
    assert [(s.net, s.tax, s.gross) for s in splits] == [
        (rub("208.33"), rub("41.67"), rub("250.00")),
        (rub("16.67"), rub("3.33"), rub("20.00")),
        (rub("83.33"), rub("16.67"), rub("100.00")),
    ]


def test_per_document_inclusive() -> None:
    # 3 x 10.00 incl. 20 %: per line 10 / 6 = 1.666... -> 1.67, x 3 = 5.01;
    # per document 30 / 6 = 5.00.
    lines = [rub("10.00")] * 3
    assert sum(
        s.tax.amount for s in compute_taxes(lines, ["0.2"] * 3, prices_include_tax=True)
    ) == Decimal("5.01")
    doc = compute_taxes(lines, ["0.2"] * 3, prices_include_tax=True, tax_rounding="per_document")
    assert [s.tax.amount for s in doc] == [Decimal("1.67"), Decimal("1.67"), Decimal("1.66")]
    assert [s.gross for s in doc] == lines


def test_per_document_groups_rates_apart() -> None:
    # 20 % on 33.33 + 33.33 = 66.66 -> 13.332 -> 13.33; 10 % on 0.05 -> 0.005 -> 0.01
    splits = compute_taxes(
        [rub("33.33"), rub("0.05"), rub("33.33")],
        ["0.2", "0.1", "0.2"],
        tax_rounding="per_document",
    )
    assert [s.tax.amount for s in splits] == [Decimal("6.67"), Decimal("0.01"), Decimal("6.66")]


def test_per_document_with_a_discount_line() -> None:
    # 10 %: 0.05 + 0.05 - 0.03 = 0.07 -> 0.007 -> 0.01 for the group. Rounded
    # alone the lines give 0.01 + 0.01 - 0.00 = 0.02, one cent too many: it is
    # taken from a line rounding pushed up (0.005 -> 0.01).
    splits = compute_taxes(
        [rub("0.05"), rub("0.05"), rub("-0.03")], ["0.1"] * 3, tax_rounding="per_document"
    )
    taxes = [s.tax.amount for s in splits]
    assert sum(taxes) == Decimal("0.01")
    assert taxes == [Decimal("0.00"), Decimal("0.01"), Decimal("0.00")]


def test_zero_rates_and_empty_input() -> None:
    assert compute_taxes([], []) == []
    (split,) = compute_taxes([rub("100.00")], ["0"], tax_rounding="per_document")
    assert split.tax == rub("0.00")
    assert split.gross == rub("100.00")


def test_compute_taxes_refusals() -> None:
    with pytest.raises(InvoicingError, match="whole number of minor units"):
        compute_taxes([rub("22.4137")], ["0.2"])
    with pytest.raises(InvoicingError, match="one rate per amount"):
        compute_taxes([rub("1.00")], ["0.2", "0.1"])
    with pytest.raises(CurrencyMismatchError, match="an amount in RUB"):
        compute_taxes([rub("1.00"), Money("1.00", "EUR")], ["0.2", "0.2"])
    with pytest.raises(InvoicingError, match="sharing one rate"):
        compute_taxes(
            [rub("1.00"), rub("1.00")],
            ["0.2", "0.1"],
            tax_rounding="per_document",
            groups=["a", "a"],
        )
    with pytest.raises(InvoicingError, match="expected one of 'per_line', 'per_document'"):
        compute_taxes([rub("1.00")], ["0.2"], tax_rounding="per_invoice")


def test_currencies_with_other_minor_units() -> None:
    # Whole rials: 150 000 000 IRR at 10 % -> 15 000 000.
    irr = RoundingPolicy(minor_units={"IRR": 0})
    (split,) = compute_taxes([Money("150000000", "IRR")], ["0.10"], rounding=irr)
    assert split.tax == Money("15000000", "IRR")
    # KWD has three decimals: 1.005 x 15 % = 0.15075 -> 0.151
    (kwd,) = compute_taxes([Money("1.005", "KWD")], ["0.15"])
    assert kwd.tax == Money("0.151", "KWD")


cents = st.integers(-(10**9), 10**9).map(lambda n: exact_decimal(n, 2))
positive_cents = st.integers(0, 10**9).map(lambda n: exact_decimal(n, 2))
rates = st.sampled_from(["0", "0.05", "0.07", "0.10", "0.20", "0.22", "0.09"])


@given(
    st.lists(st.tuples(positive_cents, rates), min_size=1, max_size=12),
    st.booleans(),
)
def test_per_document_tax_of_each_rate_is_rounded_once(
    rows: list[tuple[Decimal, str]], inclusive: bool
) -> None:
    amounts = [rub(str(a)) for a, _ in rows]
    splits = compute_taxes(
        amounts, [r for _, r in rows], prices_include_tax=inclusive, tax_rounding="per_document"
    )
    policy = RoundingPolicy()
    for rate in {r for _, r in rows}:
        r = Decimal(rate)
        idx = [i for i, (_, x) in enumerate(rows) if x == rate]
        total = sum((amounts[i].amount for i in idx), Decimal(0))
        exact = total * r / (1 + r) if inclusive else total * r
        assert sum(splits[i].tax.amount for i in idx) == policy.round_amount(exact, "RUB")
    for amount, split in zip(amounts, splits, strict=True):
        assert split.net + split.tax == split.gross
        assert (split.gross if inclusive else split.net) == amount


@given(st.lists(st.tuples(cents, rates), min_size=1, max_size=12), st.booleans())
def test_per_document_lines_add_up_with_any_signs(
    rows: list[tuple[Decimal, str]], inclusive: bool
) -> None:
    amounts = [rub(str(a)) for a, _ in rows]
    splits = compute_taxes(
        amounts, [r for _, r in rows], prices_include_tax=inclusive, tax_rounding="per_document"
    )
    policy = RoundingPolicy()
    for rate in {r for _, r in rows}:
        r = Decimal(rate)
        idx = [i for i, (_, x) in enumerate(rows) if x == rate]
        total = sum((amounts[i].amount for i in idx), Decimal(0))
        exact = total * r / (1 + r) if inclusive else total * r
        assert sum(splits[i].tax.amount for i in idx) == policy.round_amount(exact, "RUB")
        for i in idx:  # no line's tax is more than a cent off its own exact tax
            own = amounts[i].amount * r / (1 + r) if inclusive else amounts[i].amount * r
            assert abs(splits[i].tax.amount - own) < Decimal("0.01") + Decimal("0.005")


@given(st.lists(st.tuples(positive_cents, rates), min_size=1, max_size=12))
def test_per_line_rounds_each_line(rows: list[tuple[Decimal, str]]) -> None:
    splits = compute_taxes([rub(str(a)) for a, _ in rows], [r for _, r in rows])
    for (amount, rate), split in zip(rows, splits, strict=True):
        assert split.tax.amount == RoundingPolicy().round_amount(amount * Decimal(rate), "RUB")
