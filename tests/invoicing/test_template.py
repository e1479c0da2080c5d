"""A plan's compiled invoice (invoicing/_template.py) is the invoice the general path
makes: ``build_invoice(items_from_quote(bill), terms, ...)`` (or, compiled for
proformas, ``build_proforma``), equal as values and byte for byte once
serialised, with the same totals; where the compiled path does not apply it
says so (``None``) and the general path decides (and raises).
The bill run's buyers (``Buyers``) are the parties ``Party`` makes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billkit import serialize
from billkit.conventions import TotalRounding
from billkit.demo import demo_catalog
from billkit.errors import BillkitError
from billkit.invoicing import (
    DocumentTerms,
    Invoice,
    Proforma,
    build_invoice,
    build_proforma,
    items_from_quote,
)
from billkit.invoicing._template import Buyers, compile_invoice
from billkit.invoicing.documents import _Billed, _check_adds_up
from billkit.invoicing.items import _explained, _named
from billkit.invoicing.tax import TaxRounding
from billkit.parties import Address, Party
from billkit.periods import Period
from billkit.pricing import quote
from tests.strategies.pricing import (
    DOCUMENT_LOCALES,
    named_plans,
    percent_plans,
    periods_for,
    plans,
    usage_for,
)

ISSUED = date(2026, 4, 1)
SELLERS = [
    Party(kind="legal_entity", country="IT", name="Chat Srl", legal_address=Address(country="IT")),
    Party(kind="legal_entity", country="RU", name="Продавец"),
    Party(kind="legal_entity", country="UA", name='ТОВ "Розсилка"'),
]


def _general(
    bill: object,
    terms: DocumentTerms,
    number: str | None,
    days: int | None,
    proforma: bool = False,
    named: bool = False,
) -> Invoice | Proforma:
    items = items_from_quote(bill)  # type: ignore[arg-type]
    if named:  # named and explained as billing's documents are, by the terms' locale
        items = _named(items, bill.plan, terms.locale)  # type: ignore[attr-defined]
        items = _explained(items, bill, terms.locale)  # type: ignore[arg-type]
    if proforma:
        return build_proforma(
            items,
            terms,
            issue_date=ISSUED,
            number=number,
            payment_days=days,
            period=bill.period,  # type: ignore[attr-defined]
        )
    return build_invoice(
        items,
        terms,
        issue_date=ISSUED,
        number=number,
        payment_days=days,
        invoice_kind="subscription",
        period=bill.period,  # type: ignore[attr-defined]
    )


def _outcome(make: object) -> Invoice | Proforma | str:
    try:
        return make()  # type: ignore[operator,no-any-return]
    except BillkitError as problem:
        return repr(problem)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_compiled_invoice_is_the_general_paths_invoice(data: st.DataObject) -> None:
    # named: the lines named in the terms' locale (Charge.names), as billing compiles it
    named = data.draw(st.booleans())
    # (percent_plans: a Percentage charge and a PercentOf line, explained in words)
    plan = data.draw(st.one_of(named_plans(), percent_plans()) if named else plans())
    period = data.draw(periods_for(plan.cycle))
    seller = data.draw(st.sampled_from(SELLERS))
    terms = DocumentTerms(
        seller=seller,
        buyer=Party(kind="individual", country=seller.country, name="Account 0"),
        locale=data.draw(st.sampled_from(["it_IT", "ru_RU", "en", *DOCUMENT_LOCALES])),
        prices_include_tax=data.draw(st.sampled_from([None, True, False])),
        rules=None,
    )
    days = data.draw(st.sampled_from([None, 0, 10, 30]))
    proforma = data.draw(st.booleans())  # the proforma build_proforma makes, compiled
    template = compile_invoice(
        plan,
        terms,
        issue_date=ISSUED,
        payment_days=days,
        invoice_kind="subscription",
        period=period,
        proforma=proforma,
        named=named,
    )
    assert template is not None  # per-line rounding, sum of parts: always compiled
    buyers = Buyers("individual", seller.country)
    for n in range(3):  # several accounts through one template (the base line is kept)
        bill = quote(plan, data.draw(usage_for(plan)), period)
        name = f"Account {data.draw(st.integers(0, 10**6))}"
        buyer = buyers(name)
        number = data.draw(st.sampled_from([None, f"INV-{n}", "  "]))
        expected = _outcome(
            partial(_general, bill, attrs_evolve(terms, buyer=buyer), number, days, proforma, named)
        )
        compiled = _outcome(lambda: template.document(bill, buyer, number))  # noqa: B023
        if compiled is None:  # not applicable here: the general path decides
            continue
        assert compiled == expected
        if isinstance(compiled, (Invoice, Proforma)):
            assert type(compiled) is (Proforma if proforma else Invoice)
            _check_invariants(compiled)  # those the template holds by construction
            assert type(expected) is type(compiled)
            assert serialize.dumps(compiled) == serialize.dumps(expected)
            assert compiled.totals == expected.totals


def _check_invariants(invoice: Invoice | Proforma) -> None:
    """The invariants the template holds by construction and does not run: the
    invoice's (it adds up), each line's, the tax group's, the totals' and the
    buyer's (net + tax = gross, one currency, no tax on a line of another
    treatment, identifiers that fit the party)."""
    _check_adds_up(invoice)
    for line in invoice.lines:
        line.__attrs_post_init__()
    for group in invoice.tax_groups:
        group.__attrs_post_init__()
    invoice.totals.__attrs_post_init__()
    invoice.buyer.__attrs_post_init__()


def attrs_evolve(terms: DocumentTerms, **changes: object) -> DocumentTerms:
    import attrs

    return attrs.evolve(terms, **changes)


def _run_terms() -> tuple[DocumentTerms, Period]:
    seller = SELLERS[0]
    terms = DocumentTerms(
        seller=seller,
        buyer=Party(kind="individual", country="IT", name="Account 0"),
        locale="it_IT",
        rules=None,
    )
    return terms, Period(date(2026, 3, 1), date(2026, 4, 1))


def test_the_compiled_path_is_taken_for_the_bill_runs_plans() -> None:
    # The comparison above would prove nothing if every case fell back: the
    # messaging business's plans compile and give each account's invoice.
    terms, march = _run_terms()
    catalog = demo_catalog()
    for code in ("growth-monthly", "growth-annual-usage"):
        plan = catalog[code]
        template = compile_invoice(
            plan,
            terms,
            issue_date=ISSUED,
            payment_days=10,
            invoice_kind="subscription",
            period=march,
        )
        assert template is not None
        for usage in ("0", "999", "1000", "1919", "2999"):
            bill = quote(plan, {"monthly_active_contacts": Decimal(usage)}, march)
            invoice = template.invoice(bill, terms.buyer, "INV-1")
            assert invoice is not None
            _check_invariants(invoice)
            expected = _general(bill, terms, "INV-1", 10)
            assert serialize.dumps(invoice) == serialize.dumps(expected)
    # growth-monthly, 1919 contacts: 99.00 base fee + 919 over 1000 included,
    # billed in packages of 100 at 20.00: 10 x 20.00 = 200.00; 22 % Italian VAT
    # per line: 21.78 + 44.00 = 65.78, gross 299.00 + 65.78 = 364.78.
    plan = catalog["growth-monthly"]
    template = compile_invoice(
        plan, terms, issue_date=ISSUED, payment_days=10, invoice_kind="subscription", period=march
    )
    assert template is not None
    bill = quote(plan, {"monthly_active_contacts": Decimal(1919)}, march)
    invoice = template.invoice(bill, terms.buyer, "INV-1")
    assert invoice is not None
    assert [line.net.amount for line in invoice.lines] == [Decimal("99.00"), Decimal("200.00")]
    assert invoice.totals.tax.amount == Decimal("65.78")
    assert invoice.totals.gross.amount == Decimal("364.78")
    assert invoice.due_date == date(2026, 4, 11)


def test_a_quote_the_template_was_not_compiled_for_goes_the_general_way() -> None:
    terms, march = _run_terms()
    catalog = demo_catalog()
    template = compile_invoice(catalog["growth-monthly"], terms, issue_date=ISSUED, period=march)
    assert template is not None
    other = quote(catalog["growth-annual-usage"], {"monthly_active_contacts": 5}, march)
    assert template.invoice(other, terms.buyer, "1") is None
    april = Period(date(2026, 4, 1), date(2026, 5, 1))
    later = quote(catalog["growth-monthly"], {"monthly_active_contacts": 5}, april)
    assert template.invoice(later, terms.buyer, "1") is None


def test_terms_the_template_does_not_cover_are_not_compiled() -> None:
    terms, march = _run_terms()
    plan = demo_catalog()["growth-monthly"]
    for changed in (
        attrs_evolve(terms, tax_rounding=TaxRounding.PER_DOCUMENT),
        attrs_evolve(terms, total_rounding=TotalRounding.ROUND_TOTAL),
    ):
        assert compile_invoice(plan, changed, issue_date=ISSUED, period=march) is None


def test_a_bad_number_is_refused_as_build_invoice_refuses_it() -> None:
    terms, march = _run_terms()
    plan = demo_catalog()["growth-monthly"]
    template = compile_invoice(plan, terms, issue_date=ISSUED, period=march)
    assert template is not None
    bill = quote(plan, {"monthly_active_contacts": 5}, march)
    with pytest.raises(BillkitError) as compiled:
        template.invoice(bill, terms.buyer, 17)  # type: ignore[arg-type]
    with pytest.raises(BillkitError) as general:
        _general(bill, terms, 17, None)  # type: ignore[arg-type]
    assert repr(compiled.value) == repr(general.value)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["individual", "legal_entity", "sole_proprietor"]),
    st.sampled_from(["IT", "RU", "ua", "DE"]),
    st.text(max_size=12),
)
def test_buyers_are_the_parties_party_makes(kind: str, country: str, name: str) -> None:
    expected = _outcome(lambda: Party(kind=kind, country=country, name=name))
    try:
        buyers = Buyers(kind, country)
    except BillkitError:  # a kind or country Party refuses too, whatever the name
        refused = _outcome(lambda: Party(kind=kind, country=country, name="-"))
        assert isinstance(refused, str)
        return
    made = _outcome(lambda: buyers(name))
    assert made == expected
    if isinstance(made, Party):
        made.__attrs_post_init__()  # the invariants Buyers holds by construction
        assert serialize.dumps(made) == serialize.dumps(expected)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_each_line_is_explained_from_its_figures_as_from_its_quote_line(
    data: st.DataObject,
) -> None:
    # The template never makes a quote's lines for the common models: each
    # charge's explainer works out the quantity, unit price and explanation
    # from the line's figures. They are the ones items_from_quote reads off the
    # QuoteLine (items._shown, items._plain_explanation), on generated plans.
    import decimal

    from billkit.invoicing._template import _explainer
    from billkit.invoicing.items import _plain_explanation, _shown
    from billkit.money import CONTEXT

    plan = data.draw(plans())
    period = data.draw(periods_for(plan.cycle))
    bill = quote(plan, data.draw(usage_for(plan)), period)
    rows = bill._figures
    # A charge's included units, known when the template is compiled, are written
    # once: an explainer told them (or told another number, which the figures'
    # own included units then override) explains as one told nothing.
    other = data.draw(st.sampled_from([None, Decimal(0), Decimal("1E+3"), Decimal("0.5")]))
    for row, line in zip(rows, bill.lines, strict=True):
        if row.metric is None:
            continue
        for included in (None, row.included, other):
            explain = _explainer(row.source, included)
            if explain is None:
                continue
            with decimal.localcontext(CONTEXT):
                quantity, unit_price, explanation = explain(row)
            assert (quantity, unit_price) == _shown(line)
            assert str(quantity) == str(_shown(line)[0])  # the same digits, serialised
            assert explanation == tuple(_plain_explanation(line))


# The languages billing's documents explain their lines in (items._explainer_in):
# bare and with their country, Persian with its own digits.
TRANSLATED = ("ru", "ru_RU", "uk", "uk_UA", "it", "it_IT", "fa", "fa_IR")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_each_line_is_explained_in_words_from_its_figures_as_from_its_quote_line(
    data: st.DataObject,
) -> None:
    # In a translated locale the template's explainer in words writes, from a
    # line's figures, what items._explained_in writes off the QuoteLine (the
    # catalog's words, the locale's numbers), and shows the same quantity and
    # unit price, on generated plans, usage and locales.
    import decimal

    from billkit.invoicing._explain import Explainer
    from billkit.invoicing._template import _explainer, _explainer_in_words
    from billkit.invoicing.items import _explained_in, _shown
    from billkit.money import CONTEXT

    plan = data.draw(plans())
    period = data.draw(periods_for(plan.cycle))
    bill = quote(plan, data.draw(usage_for(plan)), period)
    locale = data.draw(st.sampled_from(TRANSLATED))
    explainer = Explainer(locale, plan.currency.code)
    other = data.draw(st.sampled_from([None, Decimal(0), Decimal("1E+3"), Decimal("0.5")]))
    for row, line in zip(bill._figures, bill.lines, strict=True):
        if row.metric is None:
            continue
        for included in (None, row.included, other):
            explain = _explainer_in_words(row.source, included, explainer)
            # every model the English explainer covers is covered in words too
            assert (explain is None) == (_explainer(row.source, included) is None)
            if explain is None:
                continue
            with decimal.localcontext(CONTEXT):
                quantity, unit_price, explanation = explain(row)
            assert (quantity, unit_price) == _shown(line)
            assert explanation == tuple(_explained_in(line, explainer, {}))


_VALUES = st.decimals(allow_nan=False, allow_infinity=False) | st.builds(
    lambda digits, exponent, sign: Decimal((sign, digits, exponent)),
    st.lists(st.integers(0, 9), min_size=1, max_size=30).map(tuple),
    st.integers(-45, 20),
    st.integers(0, 1),
)


@settings(max_examples=1000, deadline=None)
@given(
    _VALUES,
    st.sampled_from(("en", *TRANSLATED)),
    st.sampled_from(["RUB", "UAH", "EUR", "IRR", "JPY", "KWD", "BHD", "USD"]),
)
def test_compiled_numbers_are_the_explainers(value: Decimal, locale: str, currency: str) -> None:
    # _Numbers writes a quantity and an amount as Explainer.number and
    # Explainer.money write them (or raises as they raise: 40 decimals or more),
    # any value, any sign, whole or not, any exponent, in every locale's symbols
    # and digits and with currencies of 0, 2 and 3 minor units.
    from billkit.invoicing._explain import Explainer
    from billkit.invoicing._template import _Numbers

    explainer = Explainer(locale, currency)
    numbers = _Numbers.of(explainer)
    assert numbers is not None  # (these locales group by threes)
    for fast, plain in ((numbers.number, explainer.number), (numbers.money, explainer.money)):
        try:
            expected: str | type[Exception] = plain(value)
        except (ArithmeticError, IndexError) as problem:  # the same failure either way
            expected = type(problem)
        try:
            got: str | type[Exception] = fast(value)
        except (ArithmeticError, IndexError) as problem:
            got = type(problem)
        assert got == expected


def test_persian_explanations_keep_persian_digits_and_separators() -> None:
    # The attribution business (Iran, whole rials): 11 250 attributions, 10 000
    # included, 1 250 x 52 000 = 65 000 000 IRR, as billing's Persian documents
    # explain it, compiled and general alike: Persian digits (۰-۹), the Persian
    # group separator (٬), the catalog's words, and no Latin digit left.
    catalog = demo_catalog()
    plan = catalog["attribution-starter"]
    period = Period(date(2026, 3, 21), date(2026, 4, 20))
    bill = quote(plan, {"attributions": Decimal(11250)}, period)
    seller = Party(kind="legal_entity", country="IT", name="Chat Srl")
    terms = DocumentTerms(
        seller=seller,
        buyer=Party(kind="individual", country="IT", name="خریدار"),
        locale="fa_IR",
        rules=None,
    )
    template = compile_invoice(
        plan, terms, issue_date=ISSUED, period=period, invoice_kind="subscription", named=True
    )
    assert template is not None
    made = template.invoice(bill, terms.buyer, None)
    general = _general(bill, terms, None, None, named=True)
    assert made == general
    assert serialize.dumps(made) == serialize.dumps(general)
    (overage,) = [line for line in made.lines if line.code == "overage"]
    assert overage.explanation == (
        "۱۱٬۲۵۰ − ۱۰٬۰۰۰ رایگان = ۱٬۲۵۰",
        "هر واحد: ۱٬۲۵۰ × ۵۲٬۰۰۰ = ۶۵٬۰۰۰٬۰۰۰",
    )
    assert not any(c.isascii() and c.isdigit() for text in overage.explanation for c in text)
    # and the line was explained from its figures (a compiled charge), not read
    # off the QuoteLine: the base fee (read once), then the overage's explainer
    assert template._charges[0] is None
    assert template._charges[1] is not None


def test_translated_locales_explain_metered_lines_compiled() -> None:
    # vps-start (Russia): backups per unit, traffic graduated; one template per
    # locale, each metered line with its explainer in words (none read off the
    # QuoteLine), the same documents as the general path's. 25.5 GB backups,
    # 10 included: 15.5 x 2.50 = 38.75; traffic 1 800 GB: 1 000 x 0.00 and
    # 800 x 0.90 = 720.00.
    plan = demo_catalog()["vps-start"]
    period = Period(date(2026, 3, 1), date(2026, 4, 1))
    bill = quote(plan, {"backup_gb": Decimal("25.5"), "traffic_gb": Decimal(1800)}, period)
    expected = {
        "ru_RU": (
            ("25,5 − 10 включено = 15,5", "за единицу: 15,5 × 2,50 = 38,75"),
            ("ступень 1: 1\xa0000 × 0,00 = 0,00", "ступень 2: 800 × 0,90 = 720,00"),
        ),
        "uk_UA": (
            ("25,5 − 10 включено = 15,5", "за одиницю: 15,5 × 2,50 = 38,75"),
            ("рівень 1: 1\xa0000 × 0,00 = 0,00", "рівень 2: 800 × 0,90 = 720,00"),
        ),
        "it_IT": (
            ("25,5 − 10 inclusi = 15,5", "per unità: 15,5 × 2,50 = 38,75"),
            ("scaglione 1: 1.000 × 0,00 = 0,00", "scaglione 2: 800 × 0,90 = 720,00"),
        ),
    }
    for locale, (backups, traffic) in expected.items():
        terms = DocumentTerms(
            seller=SELLERS[1],
            buyer=Party(kind="individual", country="RU", name="Покупатель"),
            locale=locale,
            rules=None,
        )
        template = compile_invoice(
            plan, terms, issue_date=ISSUED, period=period, invoice_kind="subscription", named=True
        )
        assert template is not None
        assert [c is not None for c in template._charges] == [False, True, True]
        made = template.invoice(bill, terms.buyer, None)
        general = _general(bill, terms, None, None, named=True)
        assert serialize.dumps(made) == serialize.dumps(general)
        assert made is not None
        assert [line.explanation for line in made.lines[1:]] == [backups, traffic]


@settings(max_examples=500, deadline=None)
@given(
    st.decimals(allow_nan=False, allow_infinity=False)
    | st.builds(
        lambda digits, exponent, sign: Decimal((sign, digits, exponent)),
        st.lists(st.integers(0, 9), min_size=1, max_size=30).map(tuple),
        st.integers(-20, 20),
        st.integers(0, 1),
    ),
    st.sampled_from([0, 1]),
)
def test_numbers_are_written_as_format_f_writes_them(value: Decimal, capitals: int) -> None:
    # _fmt writes str(value) where it has no exponent: the same text as
    # format(value, "f") (items._fmt, str(Step)), whatever the thread's context.
    import decimal

    from billkit.invoicing._template import _fmt

    with decimal.localcontext(decimal.Context(capitals=capitals)):
        assert _fmt(value) == format(value, "f")


def test_the_common_models_have_explainers() -> None:
    from billkit.invoicing._template import _explainer

    # (the property test above would prove nothing for a model never explained)
    kinds = {
        type(charge.model).__name__
        for plan in demo_catalog()
        for charge in plan.charges
        if hasattr(charge, "model") and _explainer(charge.model) is not None
    }
    assert {"Package", "PerUnit", "Graduated"} <= kinds


def test_the_invariants_the_template_holds_by_construction_are_these() -> None:
    # The template makes document lines, the tax group, the totals and the buyers
    # without their __attrs_post_init__: each holds by construction there (net +
    # tax = gross, exactly, in the plan's currency, on standard lines without
    # taxes of their own; a buyer has no identifiers). Should one of these
    # invariants change, this test fails: review the proof in _template.py.
    from billkit.invoicing.documents import DocumentLine, TaxGroup, Totals

    names = {
        DocumentLine: (
            "net", "currency", "position", "taxes", "_ZERO", "checks", "same_currency",
            "amount", "InvoicingError", "_add", "tax", "getattr", "unit_price", "gross",
            "treatment", "TaxTreatment", "STANDARD", "value",
        ),
        TaxGroup: (
            "net", "currency", "checks", "same_currency", "tax", "InvoicingError", "gross",
            "_add", "amount",
        ),
        Totals: (
            "checks", "same_currency", "tax", "net", "currency", "InvoicingError", "gross",
            "rounding_difference", "amount", "_add",
        ),
        Party: (
            "kind", "PartyKind", "LEGAL_ENTITY", "identifier", "len", "IdentifierError",
            "_A", "SOLE_PROPRIETOR", "INDIVIDUAL",
        ),
    }  # fmt: skip
    for cls, expected in names.items():
        assert cls.__attrs_post_init__.__code__.co_names == expected, cls


def test_the_invoices_one_invariant_is_that_it_adds_up() -> None:
    # The template makes the invoice without its __attrs_post_init__, whose one
    # check (_check_adds_up) holds by construction there: should Invoice gain
    # another invariant, the template must run it (this test says so).
    assert Invoice.__attrs_post_init__ is _Billed.__attrs_post_init__
    assert Proforma.__attrs_post_init__ is _Billed.__attrs_post_init__  # (compiled too)
    code = _Billed.__attrs_post_init__.__code__
    assert code.co_names == ("_check_adds_up",)
