"""One compiled graduated explainer for every language (duplication D8).

The English explainer (``_template._explainer``) and the one in words
(``_template._explainer_in_words``) each had their own graduated loop; both
now go through ``_template._graduated``. The two loops as they were just
before are kept here (``_old_english``, ``_old_in_words``), and the new path
must write every byte they wrote, on generated tier tables (with and without
flat fees, a fee at zero or not), quantities, included units and every locale
billkit writes documents in.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.invoicing._explain import Explainer
from billkit.invoicing._template import (
    _cut,
    _explainer,
    _explainer_in_words,
    _fmt,
    _graduated,
    _Numbers,
)
from billkit.money import CONTEXT, Money
from billkit.periods import Period
from billkit.pricing import Charge, Graduated, Plan, Tier, quote
from billkit.pricing._compiled import LineFigures
from tests.strategies.pricing import graduated, quantities

PERIOD = Period(date(2026, 3, 1), date(2026, 4, 1))
LOCALES = ("ru", "ru_RU", "uk", "uk_UA", "it", "it_IT", "fa", "fa_IR")


def _old_english(source: Graduated, row: LineFigures, head: str | None) -> tuple[str, ...]:
    """The English graduated loop as it was (``_explainer``'s, with ``_step_text``)."""
    tiers = tuple(
        (lower, upper, price, fee, source._labels[i], t.unit_price.amount, t.flat_fee.amount)
        for i, ((lower, upper, price, fee), t) in enumerate(
            zip(source._table, source.tiers, strict=True)
        )
    )
    b = row.billable
    at_zero = b == 0 and source.flat_fee_at_zero
    texts = [head] if head is not None else []
    for i, (lower, upper, price, fee, label, unit, flat) in enumerate(tiers):
        if b <= lower and not (i == 0 and at_zero):
            break
        units = CONTEXT.subtract(b if upper is None or b < upper else upper, lower)
        amount = CONTEXT.add(CONTEXT.multiply(units, price), fee)
        text = f"{label}: {_fmt(units)} × {_fmt(unit)}"
        if flat:
            text += f" + {_fmt(flat)}"
        texts.append(f"{text} = {_fmt(amount)}")
    return tuple(texts)


def _old_in_words(
    source: Graduated, row: LineFigures, head: str | None, explainer: Explainer
) -> tuple[str, ...]:
    """The graduated loop in words as it was (``_explainer_in_words``'s)."""
    numbers = _Numbers.of(explainer)
    assert numbers is not None
    number, money, label = numbers.number, numbers.money, explainer.label
    step, step_fee = label("explain_step"), label("explain_step_fee")

    def tier(i: int) -> str:
        return label("explain_tier").format(n=number(Decimal(i + 1)))

    tiers = tuple(
        (
            lower,
            upper,
            price,
            fee,
            tier(i),
            money(t.unit_price.amount),
            money(t.flat_fee.amount) if t.flat_fee.amount else None,
        )
        for i, ((lower, upper, price, fee), t) in enumerate(
            zip(source._table, source.tiers, strict=True)
        )
    )
    b = row.billable
    at_zero = b == 0 and source.flat_fee_at_zero
    texts = [head] if head is not None else []
    for i, (lower, upper, price, fee, name, unit_text, fee_text) in enumerate(tiers):
        if b <= lower and not (i == 0 and at_zero):
            break
        units = CONTEXT.subtract(b if upper is None or b < upper else upper, lower)
        amount = CONTEXT.add(CONTEXT.multiply(units, price), fee)
        if fee_text is None:
            texts.append(
                step.format(label=name, units=number(units), price=unit_text, amount=money(amount))
            )
        else:
            texts.append(
                step_fee.format(
                    label=name,
                    units=number(units),
                    price=unit_text,
                    fee=fee_text,
                    amount=money(amount),
                )
            )
    return tuple(texts)


@settings(max_examples=300, deadline=None)
@given(
    model=graduated("EUR"),
    used=quantities(max_value=300_000),
    included=st.sampled_from([None, 0, 10, 1000]),
    locale=st.sampled_from(("en", *LOCALES)),
)
def test_one_graduated_path_writes_every_byte_the_two_wrote(
    model: Graduated, used: Decimal, included: int | None, locale: str
) -> None:
    charge = Charge(code="api", metric="calls", included=included or 0, model=model)
    plan = Plan(code="p", name="P", currency="EUR", charges=[charge])
    (row,) = quote(plan, {"calls": used}, PERIOD)._figures
    if locale == "en":
        explain = _explainer(model, row.included)
        assert explain is not None
        quantity, price, texts = explain(row)
        head = None
        if row.included:  # the free units taken off, as items._plain_explanation writes them
            head = f"{_fmt(row.quantity)} − {_fmt(row.included)} included = {_fmt(row.billable)}"
        assert texts == _old_english(model, row, head)
    else:
        explainer = Explainer(locale, "EUR")
        explain = _explainer_in_words(model, row.included, explainer)
        assert explain is not None
        quantity, price, texts = explain(row)
        head = (
            explainer.included(row.quantity, row.included, row.billable) if row.included else None
        )
        assert texts == _old_in_words(model, row, head, explainer)
    assert (quantity, price) == (row.billable, None)


_PIECES = st.lists(
    st.sampled_from(["{label}", "{price}", "{fee}", ": ", " × ", " = ", "{{", "}}", "x", "۱"]),
    max_size=6,
)


@given(a=_PIECES, b=_PIECES, c=_PIECES, units_first=st.booleans(), value=st.text(max_size=5))
def test_a_step_cut_around_its_figures_joins_back_to_the_step(
    a: list[str], b: list[str], c: list[str], units_first: bool, value: str
) -> None:
    # _cut(pattern, fixed) joined around the units and amount is str.format's text;
    # a pattern with the amount first is not cut (str.format writes it).
    first, second = ("{units}", "{amount}") if units_first else ("{amount}", "{units}")
    pattern = "".join([*a, first, *b, second, *c])
    fixed = {"label": "tier {1}", "price": value, "fee": "0,5"}
    cut = _cut(pattern, fixed)
    expected = pattern.format(units="12", amount="3.4", **fixed)
    if units_first:
        assert cut is not None
        assert cut[0] + "12" + cut[1] + "3.4" + cut[2] == expected
    else:
        assert cut is None


def test_a_step_with_the_amount_first_is_written_by_format() -> None:
    # 1500 units over tiers of 0.10 up to 1000 and 0.05 above:
    # 1000 x 0.10 = 100.00, 500 x 0.05 = 25.00
    model = Graduated(
        tiers=[
            Tier(up_to=1000, unit_price=Money("0.10", "EUR")),
            Tier(up_to=None, unit_price=Money("0.05", "EUR")),
        ]
    )
    plan = Plan(
        code="p",
        name="P",
        currency="EUR",
        charges=[Charge(code="api", metric="calls", model=model)],
    )
    (row,) = quote(plan, {"calls": 1500}, PERIOD)._figures
    explain = _graduated(
        model,
        lambda row: "",
        ["one", "two"],
        _fmt,
        _fmt,
        "{label}: {amount} = {units} × {price}",
        "{label}: {amount} = {units} × {price} + {fee}",
    )
    assert explain(row)[2] == ("one: 100.00 = 1000 × 0.10", "two: 25.00 = 500 × 0.05")
