"""plan_documents' compiled invoices (billing._Templates over invoicing/_template.py)
are the general path's: equal as values and byte for byte once serialised, on
generated plans, usage and terms (tax-inclusive prices and proformas included),
one template serving many customers; where the compiled path does not apply the
general path decides (and raises)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billkit import serialize
from billkit.billing import (
    BillingState,
    PlanFrom,
    Planned,
    Subscribed,
    UsageTotal,
    _plan_documents,
    _Templates,
)
from billkit.errors import BillkitError
from billkit.invoicing._template import compile_invoice
from billkit.invoicing.documents import Invoice, Proforma, _Billed
from billkit.invoicing.terms import DocumentTerms
from billkit.money import Money
from billkit.parties import Address, Party
from billkit.periods import Period
from billkit.pricing import quote
from billkit.pricing.models import PerUnit
from billkit.pricing.plans import Charge, Plan
from tests.invoicing.test_template import _check_invariants
from tests.strategies.pricing import (
    DOCUMENT_LOCALES,
    named_plans,
    percent_plans,
    periods_for,
    plans,
    usage_for,
)

SELLERS = [
    Party(kind="legal_entity", country="IT", name="Chat Srl", legal_address=Address(country="IT")),
    Party(kind="legal_entity", country="RU", name="Продавец"),
    Party(kind="legal_entity", country="UA", name='ТОВ "Розсилка"'),
]


def _totals(plan: Plan, drawn: dict[str, object], sub: str, period: Period) -> list[UsageTotal]:
    """The drawn usage as billing's totals (event lists, for a Percentage, left out)."""
    out = []
    for metric, value in drawn.items():
        if isinstance(value, (Decimal, str, int)):
            out.append(
                UsageTotal(subscription=sub, period=period, metric=metric, quantity=Decimal(value))
            )
    return out


def _outcome(make: object) -> tuple[Planned, ...] | str:
    try:
        return make()  # type: ignore[operator,no-any-return]
    except BillkitError as problem:
        return repr(problem)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_compiled_documents_are_the_general_paths(data: st.DataObject) -> None:
    # Plans whose charges and base fee are named in some of the documents' locales
    # (Charge.names, Plan.names)
    # (and plans with a Percentage charge and a PercentOf line: percent_plans)
    plan = data.draw(st.one_of(plans(), named_plans(), percent_plans()))
    period = data.draw(periods_for(plan.cycle))
    seller = data.draw(st.sampled_from(SELLERS))
    terms = DocumentTerms(
        seller=seller,
        buyer=Party(kind="individual", country=seller.country, name="Account 0"),
        locale=data.draw(
            st.sampled_from(["it_IT", "ru_RU", "uk_UA", "fa_IR", "en", *DOCUMENT_LOCALES])
        ),
        prices_include_tax=data.draw(st.sampled_from([None, True, False])),
        rules=None,
    )
    plan_flags = data.draw(st.sampled_from([{}, {plan.code: True}, {plan.code: False}]))
    proforma = data.draw(st.sampled_from([frozenset(), frozenset({plan.code})]))
    days = data.draw(st.sampled_from([0, 10, 30]))
    two = data.draw(st.booleans())  # two cycles: the second's usage none
    as_of = period.end if not two else plan.cycle.period(period.start, 1).end
    templates = _Templates()  # one run's: kept over its customers
    for n in range(3):
        sub = f"s{n}"
        # each customer in its own locale, perhaps (the engine's: the customer's)
        # (the translated ones explain their lines compiled: _template._explainer_in_words)
        locale = (
            data.draw(st.sampled_from([terms.locale, "uk_UA", *DOCUMENT_LOCALES])) if n else None
        )
        state = BillingState(
            terms=attrs.evolve(
                terms,
                buyer=Party(kind="individual", country=seller.country, name=f"Account {n}"),
                locale=locale or terms.locale,
            ),
            subscriptions=[Subscribed(id=sub, plans=[PlanFrom(on=period.start, plan=plan)])],
            usage=_totals(plan, data.draw(usage_for(plan)), sub, period),
            payment_days=days,
            prices_include_tax=plan_flags,
            proforma=proforma,
        )
        expected = _outcome(lambda: _plan_documents(state, as_of, None))  # noqa: B023
        compiled = _outcome(lambda: _plan_documents(state, as_of, templates))  # noqa: B023
        assert compiled == expected
        if isinstance(expected, tuple):
            assert isinstance(compiled, tuple)
            assert [serialize.dumps(p.document) for p in compiled] == [
                serialize.dumps(p.document) for p in expected
            ]
            for p in expected:
                assert type(p.document) is (Proforma if proforma else Invoice)
            for p in compiled:  # the invariants the template holds by construction
                _check_invariants(p.document)  # type: ignore[arg-type]


PLAN = Plan(
    code="api",
    name="API",
    currency="EUR",
    charges=[
        Charge(code="calls", metric="calls", model=PerUnit(unit_price=Money("0.01", "EUR"))),
        Charge(code="sms", metric="sms", model=PerUnit(unit_price=Money("0.05", "EUR"))),
    ],
)
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
TERMS = DocumentTerms(
    seller=SELLERS[0],
    buyer=Party(kind="individual", country="IT", name="Mario Rossi"),
    locale="it_IT",
    rules=None,
)


def _state(calls: int, sms: int, **options: object) -> BillingState:
    return BillingState(
        terms=TERMS,
        subscriptions=[Subscribed(id="s1", plans=[PlanFrom(on=MARCH.start, plan=PLAN)])],
        usage=[
            UsageTotal(subscription="s1", period=MARCH, metric="calls", quantity=Decimal(calls)),
            UsageTotal(subscription="s1", period=MARCH, metric="sms", quantity=Decimal(sms)),
        ],
        **options,  # type: ignore[arg-type]
    )


def test_a_line_that_bills_nothing_is_left_out_and_the_next_moves_up() -> None:
    # No calls: the SMS line (40 x 0.05 = 2.00, VAT 22 % = 0.44) is line 1.
    templates = _Templates()
    (planned,) = _plan_documents(_state(0, 40), MARCH.end, templates)
    (general,) = _plan_documents(_state(0, 40), MARCH.end, None)
    doc = planned.document
    assert [(line.position, line.code, line.gross.amount) for line in doc.lines] == [
        (1, "sms", Decimal("2.44"))
    ]
    assert doc == general.document
    assert serialize.dumps(doc) == serialize.dumps(general.document)
    # The tax date is the period's last day; the invoice is issued the day it ends.
    assert (doc.issue_date, doc.tax_date) == (MARCH.end, MARCH.end - timedelta(days=1))
    assert isinstance(doc, Invoice)
    assert doc.invoice_kind.value == "subscription"
    # and the compiled path made it (not the general one): the template applies
    template = templates.get(PLAN, MARCH, TERMS, 10, False)
    assert template is not None
    made = template.document(quote(PLAN, {"calls": 0, "sms": 40}, MARCH), TERMS.buyer, None)
    assert made == doc


def test_nothing_billed_is_no_document_either_way() -> None:
    assert _plan_documents(_state(0, 0), MARCH.end, _Templates()) == ()
    assert _plan_documents(_state(0, 0), MARCH.end, None) == ()


def test_a_proforma_and_tax_inclusive_prices() -> None:
    # 100 calls x 0.01 = 1.00 tax included: VAT 1.00 x 0.22 / 1.22 = 0.18, net 0.82.
    state = _state(100, 0, proforma={"api"}, prices_include_tax={"api": True})
    (planned,) = _plan_documents(state, MARCH.end, _Templates())
    (general,) = _plan_documents(state, MARCH.end, None)
    doc = planned.document
    assert isinstance(doc, Proforma)
    assert (doc.totals.net.amount, doc.totals.tax.amount, doc.totals.gross.amount) == (
        Decimal("0.82"),
        Decimal("0.18"),
        Decimal("1.00"),
    )
    assert doc == general.document
    assert serialize.dumps(doc) == serialize.dumps(general.document)


def test_one_template_per_plan_and_period_serves_every_buyer() -> None:
    templates = _Templates()
    other = attrs.evolve(TERMS, buyer=Party(kind="individual", country="IT", name="Anna"))
    first = templates.get(PLAN, MARCH, TERMS, 10, False)
    assert first is not None
    assert templates.get(PLAN, MARCH, other, 10, False) is first
    # other terms (another locale) are compiled apart
    english = attrs.evolve(TERMS, locale="en")
    assert templates.get(PLAN, MARCH, english, 10, False) is not first


def test_a_proforma_is_compiled_and_made_by_its_template() -> None:
    # The template makes a proforma without __attrs_post_init__, whose one check
    # (_check_adds_up) holds by construction there (_template.py).
    assert Proforma.__attrs_post_init__ is _Billed.__attrs_post_init__
    template = compile_invoice(PLAN, TERMS, issue_date=MARCH.end, period=MARCH, proforma=True)
    assert template is not None
    # 300 calls x 0.01 = 3.00 and 20 sms x 0.05 = 1.00; VAT 22 %: 0.66 and 0.22.
    templates = _Templates()
    state = _state(300, 20, proforma={"api"})
    (planned,) = _plan_documents(state, MARCH.end, templates)
    (general,) = _plan_documents(state, MARCH.end, None)
    doc = planned.document
    assert isinstance(doc, Proforma)
    assert [(line.code, line.net.amount, line.tax.amount) for line in doc.lines] == [
        ("calls", Decimal("3.00"), Decimal("0.66")),
        ("sms", Decimal("1.00"), Decimal("0.22")),
    ]
    assert doc.totals.gross.amount == Decimal("4.88")  # 3.00 + 1.00 + 0.66 + 0.22
    assert doc == general.document
    assert serialize.dumps(doc) == serialize.dumps(general.document)
    # made by the run's proforma template, not the general path
    made = templates.get(PLAN, MARCH, TERMS, 10, True)
    assert made is not None
    again = made.document(quote(PLAN, {"calls": 300, "sms": 20}, MARCH), TERMS.buyer, None)
    assert type(again) is Proforma
    assert again == doc


NAMED = Plan(
    code="api",
    name="API",
    currency="EUR",
    charges=[
        Charge(
            code="calls",
            metric="calls",
            description="Calls",
            names={"ru": "Звонки", "it_IT": "Chiamate"},
            model=PerUnit(unit_price=Money("0.01", "EUR")),
        ),
        Charge(code="sms", metric="sms", model=PerUnit(unit_price=Money("0.05", "EUR"))),
    ],
)


@pytest.mark.parametrize(
    ("locale", "calls"),
    [
        ("ru_RU", "Звонки"),  # the language's name ("ru")
        ("it_IT", "Chiamate"),  # the locale's own
        ("it_CH", "Calls"),  # neither "it_CH" nor "it": the description
        ("en", "Calls"),
    ],
)
def test_billings_documents_name_their_lines_in_their_locale(locale: str, calls: str) -> None:
    # 100 calls x 0.01 = 1.00 and 20 sms x 0.05 = 1.00: the sms charge, without
    # names or description, is named by its code in every language.
    terms = attrs.evolve(TERMS, locale=locale)
    usage = [
        UsageTotal(subscription="s1", period=MARCH, metric="calls", quantity=Decimal(100)),
        UsageTotal(subscription="s1", period=MARCH, metric="sms", quantity=Decimal(20)),
    ]
    for proforma in (frozenset(), frozenset({"api"})):
        state = BillingState(
            terms=terms,
            subscriptions=[Subscribed(id="s1", plans=[PlanFrom(on=MARCH.start, plan=NAMED)])],
            usage=usage,
            proforma=proforma,
        )
        templates = _Templates()
        (compiled,) = _plan_documents(state, MARCH.end, templates)
        (general,) = _plan_documents(state, MARCH.end, None)
        assert [line.description for line in compiled.document.lines] == [calls, "sms"]
        assert compiled.document == general.document
        assert serialize.dumps(compiled.document) == serialize.dumps(general.document)
        # made by the template (compiled once for the plan and the locale)
        template = templates.get(NAMED, MARCH, terms, 10, bool(proforma))
        assert template is not None
        again = template.document(quote(NAMED, {"calls": 100, "sms": 20}, MARCH), TERMS.buyer, None)
        assert again == compiled.document


def test_the_base_fee_line_is_named_in_each_customers_locale_compiled_once_per_locale() -> None:
    # 20.00 base fee (Plan.names), 100 calls x 0.01 = 1.00, 20 sms x 0.05 = 1.00;
    # customers in three locales, twice over, share one run's templates.
    plan = attrs.evolve(
        NAMED, base_fee=Money("20.00", "EUR"), names={"ru": "АПИ", "fa_IR": "رابط برنامه"}
    )
    usage = [
        UsageTotal(subscription="s1", period=MARCH, metric="calls", quantity=Decimal(100)),
        UsageTotal(subscription="s1", period=MARCH, metric="sms", quantity=Decimal(20)),
    ]
    expected = {
        "ru_RU": ["АПИ", "Звонки", "sms"],
        "fa_IR": ["رابط برنامه", "Calls", "sms"],
        "en": ["API", "Calls", "sms"],
    }
    templates = _Templates()
    for locale in [*expected, *expected]:
        state = BillingState(
            terms=attrs.evolve(TERMS, locale=locale),
            subscriptions=[Subscribed(id="s1", plans=[PlanFrom(on=MARCH.start, plan=plan)])],
            usage=usage,
        )
        (compiled,) = _plan_documents(state, MARCH.end, templates)
        (general,) = _plan_documents(state, MARCH.end, None)
        assert [line.description for line in compiled.document.lines] == expected[locale]
        assert serialize.dumps(compiled.document) == serialize.dumps(general.document)
    # one template per locale (the key names it), made on the locale's first customer
    assert len(templates._found) == 3
    assert all(template is not None for _, _, template in templates._found.values())
