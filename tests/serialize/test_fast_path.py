"""The converter's inline unstructure functions write exactly what cattrs' own do.

``billkit.serialize`` writes the plain fields of an attrs value (strings,
integers, decimals, money, dates, enums, their optional and tuple forms)
inline in one generated function per class. The reference is the same
converter made with ``fast=False``: every attrs class through cattrs'
``make_dict_unstructure_fn``, every field through its hook. The manifest's
hash is a hash of what ``dumps`` writes, so the two must agree byte for byte,
and refuse the same values.
"""

from __future__ import annotations

import copy
import enum
import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from billkit import serialize
from billkit.errors import SerializationError
from billkit.invoicing import DocumentTerms, Item, build_invoice
from billkit.invoicing.documents import DocumentLine, Invoice
from billkit.parties import Party
from billkit.pricing import Plan
from billkit.serialize import converter, dumps
from billkit.subscriptions import Subscribe, apply, start_trial
from tests.serialize.corpus import corpus
from tests.serialize.test_properties import TEXT, parties
from tests.strategies.pricing import plans

REFERENCE = serialize._make_converter(fast=False)
CORPUS = corpus()
VALUES = [
    pytest.param(value, id=f"{cls.__qualname__}-{i}")
    for cls in sorted(CORPUS, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
    for i, value in enumerate(CORPUS[cls])
]


def reference_dumps(value: object) -> str:
    """``dumps`` as it was written before the inline functions: cattrs' own."""
    data = {
        serialize.TYPE_KEY: serialize._tag(type(value)),
        serialize.VERSION_KEY: serialize.SCHEMA_VERSION,
        **REFERENCE.unstructure(value, type(value)),
    }
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def assert_same(value: object) -> None:
    assert converter.unstructure(value, type(value)) == REFERENCE.unstructure(value, type(value))
    assert dumps(value) == reference_dumps(value)


def test_the_two_converters_differ_in_their_functions_only() -> None:
    # Otherwise the comparisons below compare a function with itself.
    for cls in (Invoice, DocumentLine, Party):
        fast = converter.get_unstructure_hook(cls).__code__.co_filename
        slow = REFERENCE.get_unstructure_hook(cls).__code__.co_filename
        assert fast.startswith("<billkit.serialize"), fast
        assert slow.startswith("<cattrs generated"), slow


@pytest.mark.parametrize("value", VALUES)
def test_every_corpus_value_is_written_byte_for_byte_as_before(value: object) -> None:
    assert_same(value)


@given(
    parties(["RU"]),
    parties(["RU", "DE", "US"]),
    st.lists(
        st.tuples(TEXT, st.integers(1, 1000), st.decimals(min_value=0, max_value=10**4, places=3)),
        min_size=1,
        max_size=6,
    ),
    st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 1, 1)),
    st.none() | st.integers(1, 60),
)
def test_generated_invoices(
    seller: Party,
    buyer: Party,
    rows: list[tuple[str, int, Decimal]],
    on: date,
    days: int | None,
) -> None:
    items = [
        Item(description=text, quantity=quantity, unit="month", unit_price=Money(price, "EUR"))
        for text, quantity, price in rows
    ]
    invoice = build_invoice(
        items,
        DocumentTerms(seller=seller, buyer=buyer, rules=None),
        number=None if days is None else f"INV-{days}",
        issue_date=on,
        payment_days=days,
    )
    assert_same(invoice)


@given(plans(), st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 1, 1)))
def test_generated_plans_and_subscriptions(plan: Plan, on: date) -> None:
    assert_same(plan)
    sub = start_trial("org-1", plan=plan, on=on).subscription
    assert_same(apply(sub, Subscribe(on=on, role="org_admin", plan=plan)).subscription)


def _line() -> DocumentLine:
    invoice = build_invoice(
        [Item(description="VPS", quantity=2, unit="month", unit_price=Money("10.33", "EUR"))],
        DocumentTerms(
            seller=Party(kind="legal_entity", country="RU", name="Seller"),
            buyer=Party(kind="individual", country="RU", name="Buyer"),
            rules=None,
        ),
        issue_date=date(2026, 1, 12),
    )
    return invoice.lines[0]


class Code(str, enum.Enum):
    VPS = "vps"


class Count(enum.IntEnum):
    TWO = 2


@pytest.mark.parametrize(
    ("field", "odd"),
    [
        ("description", Code.VPS),  # a str-valued enum in a str field: its value
        ("position", Count.TWO),  # an int-valued enum in an int field: its value
        ("quantity", 2),  # an int in a Decimal field: the Decimal hook's str()
        ("unit_price", None),
    ],
)
def test_values_of_other_classes_go_through_the_general_hooks(field: str, odd: object) -> None:
    line = copy.copy(_line())
    object.__setattr__(line, field, odd)  # past the constructor, as a bug would
    assert_same(line)


@pytest.mark.parametrize(
    ("field", "odd"),
    [("quantity", 1.5), ("net", Decimal("1")), ("position", True), ("unit_price", "10.33")],
)
def test_values_of_the_wrong_type_are_refused_as_before(field: str, odd: object) -> None:
    line = copy.copy(_line())
    object.__setattr__(line, field, odd)
    outcomes = []
    for unstructure in (converter.unstructure, REFERENCE.unstructure):
        try:
            outcomes.append(("wrote", unstructure(line, DocumentLine)))
        except (SerializationError, AttributeError) as error:
            outcomes.append(("refused", type(error).__name__))
    assert outcomes[0] == outcomes[1]
