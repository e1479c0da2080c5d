"""Recompute and diff: replay changes nothing; changed inputs give exactly the corrections."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.billing import (
    BillingState,
    DocumentKey,
    Issued,
    PlanFrom,
    Planned,
    Subscribed,
    UsageTotal,
    diff,
    plan_documents,
)
from billkit.errors import BillingError, DoubleBillingError
from billkit.invoicing.terms import DocumentTerms
from billkit.money import Money
from billkit.parties.party import Party
from billkit.periods import Period
from billkit.pricing.models import PerUnit
from billkit.pricing.plans import Charge, PercentOf, Plan
from billkit.serialize import dumps

TERMS = DocumentTerms(
    seller=Party(kind="legal_entity", country="IT", name="Chat S.r.l."),
    buyer=Party(kind="legal_entity", country="IT", name="Acme S.p.A."),
    rules=None,
)
CALLS = Charge(
    code="calls", metric="calls", included=100, model=PerUnit(unit_price=Money("0.01", "EUR"))
)
PRO = Plan(code="pro", name="Pro", currency="EUR", base_fee=Money("20.00", "EUR"), charges=[CALLS])
METERED = Plan(code="payg", name="Pay as you go", currency="EUR", charges=[CALLS])
START = date(2026, 1, 1)
MONTHS = [Period(date(2026, m, 1), date(2026 + m // 12, m % 12 + 1, 1)) for m in range(1, 13)]


def _state(usage: dict[tuple[str, int], int], plans: dict[str, Plan]) -> BillingState:
    return BillingState(
        terms=TERMS,
        subscriptions=[
            Subscribed(id=sub, plans=[PlanFrom(on=START, plan=plan)]) for sub, plan in plans.items()
        ],
        usage=[
            UsageTotal(subscription=sub, period=MONTHS[m], metric="calls", quantity=Decimal(q))
            for (sub, m), q in usage.items()
        ],
    )


def _issue(documents: tuple[Planned, ...], start: int = 0) -> list[Issued]:
    return [
        Issued(key=p.key, document=p.document, number=f"N-{start + i}")
        for i, p in enumerate(documents)
    ]


def _net(issued: list[Issued]) -> dict[tuple[str, Period], Decimal]:
    """What each subscription period stands billed at: invoices minus credit notes."""
    out: dict[tuple[str, Period], Decimal] = {}
    for doc in issued:
        sign = 1 if doc.key.kind == "invoice" else -1
        slot = (doc.key.subscription, doc.key.period)
        out[slot] = out.get(slot, Decimal(0)) + sign * doc.document.totals.gross.amount
    return {k: v for k, v in out.items() if v}


subs = st.dictionaries(
    st.sampled_from(["a", "b", "c"]), st.sampled_from([PRO, METERED]), min_size=1
)
usages = st.dictionaries(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 5)), st.integers(0, 5000)
)


@given(subs, usages, st.integers(1, 6))
def test_replaying_closed_periods_issues_nothing_and_is_byte_identical(
    plans, usage, months
) -> None:
    state = _state(usage, plans)
    as_of = MONTHS[months].start
    first = plan_documents(state, as_of)
    again = plan_documents(state, as_of)
    assert [dumps(p.document) for p in first] == [dumps(p.document) for p in again]
    # Every ended month of every subscription is billed once (the metered plan bills
    # nothing for a month whose usage stays within the 100 included calls).
    for sub, plan in plans.items():
        billed = [p.key.period for p in first if p.key.subscription == sub]
        expected = [MONTHS[m] for m in range(months) if plan is PRO or usage.get((sub, m), 0) > 100]
        assert billed == expected
    result = diff(_issue(first), again, as_of=as_of)
    assert result.issue == ()
    assert sorted(map(str, result.unchanged)) == sorted(str(p.key) for p in first)


@given(subs, usages, usages, st.integers(1, 6))
def test_changed_inputs_give_exactly_the_correcting_documents(plans, before, after, months) -> None:
    as_of = MONTHS[months].start
    issued = _issue(plan_documents(_state(before, plans), as_of))
    proposed = plan_documents(_state(after, plans), as_of)
    late = MONTHS[months].start.replace(day=15)
    result = diff(issued, proposed, as_of=late)
    old = {(d.key.subscription, d.key.period): d for d in issued}
    new = {(p.key.subscription, p.key.period): p for p in proposed}
    for slot in set(old) | set(new):
        made = [p for p in result.issue if (p.key.subscription, p.key.period) == slot]
        kinds = [(p.key.kind, p.key.revision) for p in made]
        if slot not in old:
            assert kinds == [("invoice", 0)]
        elif slot not in new:
            assert kinds == [("credit_note", 1)]  # the period now bills nothing
        elif old[slot].document.totals == new[slot].document.totals and (
            old[slot].document.lines == new[slot].document.lines
        ):
            assert kinds == []
        else:
            assert kinds == [("credit_note", 1), ("invoice", 1)]
            note, supplement = made
            assert note.document.totals == old[slot].document.totals  # reverses it in full
            assert supplement.document.totals == new[slot].document.totals
            assert supplement.document.issue_date == late
            assert supplement.document.references[0].number == old[slot].number
    # After issuing the corrections, each period stands billed at what it should cost,
    # and a further diff has nothing left to do.
    issued += _issue(result.issue, start=len(issued))
    assert _net(issued) == {slot: p.document.totals.gross.amount for slot, p in new.items()}
    assert diff(issued, proposed, as_of=late).issue == ()


def test_late_usage_example() -> None:
    # March: 20.00 + (600 - 100) x 0.01 = 25.00 net, 30.50 with 22 % VAT;
    # 100 late calls make it 26.00 net, 31.72 gross.
    state = _state({("a", 2): 600}, {"a": PRO})
    issued = _issue(plan_documents(state, date(2026, 4, 1)))
    march = [d for d in issued if d.key.period == MONTHS[2]]
    assert march[0].document.totals.gross == Money("30.50", "EUR")
    changed = _state({("a", 2): 700}, {"a": PRO})
    result = diff(issued, plan_documents(changed, date(2026, 4, 1)), as_of=date(2026, 4, 5))
    assert [(str(p.key), p.document.totals.gross) for p in result.issue] == [
        ("a|2026-03-01|2026-04-01|credit_note|1", Money("30.50", "EUR")),
        ("a|2026-03-01|2026-04-01|invoice|1", Money("31.72", "EUR")),
    ]
    assert result.corrections == 1


def test_a_period_billed_twice_is_refused_and_named() -> None:
    state = _state({}, {"a": PRO})
    (jan,) = plan_documents(state, date(2026, 2, 1))
    issued = _issue((jan,))
    twice = [*issued, attrs.evolve(issued[0], key=attrs.evolve(jan.key, revision=1), number="X")]
    with pytest.raises(DoubleBillingError, match=r"a 2026-01-01\.\.2026-02-01"):
        diff(twice, (jan,), as_of=date(2026, 2, 1))
    with pytest.raises(DoubleBillingError, match="each document key once"):
        diff(issued + issued, (jan,), as_of=date(2026, 2, 1))
    with pytest.raises(DoubleBillingError, match="each document key once"):
        diff(issued, (jan, jan), as_of=date(2026, 2, 1))
    # An overlapping period of the same subscription (another anchor) is refused too.
    shifted = Period(date(2026, 1, 15), date(2026, 2, 15))
    other = attrs.evolve(jan, key=DocumentKey("a", shifted, "invoice"))
    with pytest.raises(DoubleBillingError, match="overlap"):
        diff(issued, (other,), as_of=date(2026, 2, 15))


def test_cancelled_subscription_stops_and_plan_change_applies_from_its_cycle() -> None:
    sub = Subscribed(
        id="a",
        plans=[PlanFrom(on=START, plan=PRO), PlanFrom(on=date(2026, 3, 1), plan=METERED)],
        ends=date(2026, 4, 1),
    )
    state = BillingState(
        terms=TERMS,
        subscriptions=[sub],
        usage=[
            UsageTotal(subscription="a", period=MONTHS[m], metric="calls", quantity=Decimal(300))
            for m in range(6)
        ],
    )
    planned = plan_documents(state, date(2026, 7, 1))
    # Jan, Feb on Pro: 20 + 2.00 = 22.00 net; March on pay-as-you-go: 2.00; April on: cancelled.
    assert [(p.key.period.start.month, p.document.totals.net.amount) for p in planned] == [
        (1, Decimal("22.00")),
        (2, Decimal("22.00")),
        (3, Decimal("2.00")),
    ]


def test_bad_keys_and_plans_are_refused() -> None:
    with pytest.raises(BillingError, match=re.escape("subscription|start|end|kind|revision")):
        DocumentKey.parse("a|2026-01-01|invoice")
    with pytest.raises(BillingError, match="kind = 'receipt'"):
        DocumentKey("a", MONTHS[0], "receipt")
    with pytest.raises(BillingError, match=r"plans\[1\].on"):
        Subscribed(id="a", plans=[PlanFrom(on=START, plan=PRO), PlanFrom(on=START, plan=PRO)])
    assert DocumentKey.parse(str(DocumentKey("a|b", MONTHS[0], "credit_note", 2))) == DocumentKey(
        "a|b", MONTHS[0], "credit_note", 2
    )


def test_naming_a_charge_after_issue_never_rebills() -> None:
    # March's invoice is issued in Russian (locale ru_RU) before the charge has
    # a Russian name: its line says "calls" (the code: no description).
    russian = attrs.evolve(TERMS, locale="ru_RU")
    march = MONTHS[2]
    before = attrs.evolve(_state({("a", 2): 600}, {"a": PRO}), terms=russian)
    issued = _issue(plan_documents(before, march.end))
    (march_invoice,) = [e for e in issued if e.key.period == march]
    assert [line.description for line in march_invoice.document.lines] == ["Pro", "calls"]
    # The catalog names the charge later: replaying every closed period issues nothing.
    named = attrs.evolve(
        PRO, charges=[attrs.evolve(CALLS, description="Calls", names={"ru": "Звонки"})]
    )
    after = attrs.evolve(
        before, subscriptions=[Subscribed(id="a", plans=[PlanFrom(on=START, plan=named)])]
    )
    replanned = plan_documents(after, march.end)
    (new_march,) = [p for p in replanned if p.key.period == march]
    assert [line.description for line in new_march.document.lines] == ["Pro", "Звонки"]
    changes = diff(issued, replanned, as_of=date(2026, 4, 2))
    assert changes.issue == ()
    assert changes.withdraw == ()
    assert sorted(changes.unchanged, key=str) == sorted((e.key for e in issued), key=str)
    # Late usage (700 calls: 600 billable x 0.01 = 6.00 instead of 5.00) corrects
    # March, and the supplementary invoice names the line as it is named now.
    late = attrs.evolve(
        after,
        usage=[UsageTotal(subscription="a", period=march, metric="calls", quantity=Decimal(700))],
    )
    changes = diff(issued, plan_documents(late, march.end), as_of=date(2026, 4, 5))
    note, supplementary = [p for p in changes.issue if p.key.period == march]
    assert (note.key.kind, supplementary.key.kind) == ("credit_note", "invoice")
    assert [line.description for line in note.document.lines] == ["Pro", "calls"]  # as issued
    assert [line.description for line in supplementary.document.lines] == ["Pro", "Звонки"]
    assert supplementary.document.lines[1].net.amount == Decimal("6.00")


NAMED_PRO = attrs.evolve(
    PRO,
    names={"ru": "Про", "fa": "حرفه‌ای", "uk": "Про-тариф"},
    charges=[attrs.evolve(CALLS, description="Calls", names={"ru": "Звонки", "fa": "تماس‌ها"})],
)
LOCALES = ["en", "ru_RU", "fa_IR", "uk_UA", "it_IT"]


@given(
    subs,
    usages,
    st.integers(1, 6),
    st.sampled_from(LOCALES),
    st.sampled_from(LOCALES),
    st.booleans(),
)
def test_a_changed_locale_or_plan_name_never_rebills(
    plans, usage, months, issued_in, replayed_in, named_later
) -> None:
    # Issued in one locale (the customer's then), replayed in another (the
    # customer's now), perhaps after the catalog named the plan and its charge:
    # only the lines' names and the documents' locale differ, so nothing is
    # corrected, and what was issued stays as it was.
    as_of = MONTHS[months].start
    state = _state(usage, plans)
    before = attrs.evolve(state, terms=attrs.evolve(TERMS, locale=issued_in))
    issued = _issue(plan_documents(before, as_of))
    kept = [dumps(e.document) for e in issued]
    if named_later:
        plans = {sub: NAMED_PRO if plan is PRO else plan for sub, plan in plans.items()}
    after = attrs.evolve(_state(usage, plans), terms=attrs.evolve(TERMS, locale=replayed_in))
    replanned = plan_documents(after, as_of)
    assert [p.document.totals for p in replanned] == [e.document.totals for e in issued]
    changes = diff(issued, replanned, as_of=as_of)
    assert (changes.issue, changes.withdraw) == ((), ())
    assert sorted(changes.unchanged, key=str) == sorted((e.key for e in issued), key=str)
    assert [dumps(e.document) for e in issued] == kept


def test_the_base_fee_line_is_named_in_the_documents_language() -> None:
    # Pro: 20.00 base fee, 600 - 100 = 500 calls x 0.01 = 5.00.
    march = MONTHS[2]
    usage = {("a", 2): 600}
    lines = {}
    for locale in ("ru_RU", "fa_IR", "uk", "it_IT"):
        state = attrs.evolve(
            _state(usage, {"a": NAMED_PRO}), terms=attrs.evolve(TERMS, locale=locale)
        )
        (doc,) = [p.document for p in plan_documents(state, march.end) if p.key.period == march]
        assert doc.locale == locale
        lines[locale] = [(line.description, str(line.net.amount)) for line in doc.lines]
    assert lines == {
        "ru_RU": [("Про", "20.00"), ("Звонки", "5.00")],
        "fa_IR": [("حرفه‌ای", "20.00"), ("تماس‌ها", "5.00")],
        "uk": [("Про-тариф", "20.00"), ("Calls", "5.00")],  # the charge has no Ukrainian name
        "it_IT": [("Pro", "20.00"), ("Calls", "5.00")],  # neither has an Italian one
    }


# Pro in March: the 20.00 base fee, 600 calls - 100 included = 500 x 0.01 = 5.00.
EXPLAINED = {
    "en": [
        ("base fee: 1 × 20.00 = 20.00",),
        ("600 − 100 included = 500", "per unit: 500 × 0.01 = 5.00"),
    ],
    "ru_RU": [
        ("абонентская плата: 1 × 20,00 = 20,00",),
        ("600 − 100 включено = 500", "за единицу: 500 × 0,01 = 5,00"),
    ],
    "uk_UA": [
        ("абонентська плата: 1 × 20,00 = 20,00",),
        ("600 − 100 включено = 500", "за одиницю: 500 × 0,01 = 5,00"),
    ],
    "it_IT": [
        ("canone: 1 × 20,00 = 20,00",),
        ("600 − 100 inclusi = 500", "per unità: 500 × 0,01 = 5,00"),
    ],
    "fa_IR": [  # Persian digits, as the documents' numbers in Persian
        ("هزینه ثابت: ۱ × ۲۰٫۰۰ = ۲۰٫۰۰",),
        ("۶۰۰ − ۱۰۰ رایگان = ۵۰۰", "هر واحد: ۵۰۰ × ۰٫۰۱ = ۵٫۰۰"),
    ],
    # a language billkit's documents are not written in: plain English
    "de_DE": [
        ("base fee: 1 × 20.00 = 20.00",),
        ("600 − 100 included = 500", "per unit: 500 × 0.01 = 5.00"),
    ],
}


@pytest.mark.parametrize("locale", sorted(EXPLAINED))
def test_the_lines_are_explained_in_the_documents_language(locale: str) -> None:
    march = MONTHS[2]
    state = attrs.evolve(
        _state({("a", 2): 600}, {"a": PRO}), terms=attrs.evolve(TERMS, locale=locale)
    )
    (doc,) = [p.document for p in plan_documents(state, march.end) if p.key.period == march]
    assert [line.explanation for line in doc.lines] == EXPLAINED[locale]


def test_documents_issued_with_english_explanations_are_not_corrected() -> None:
    # A Russian business's March invoice issued when billing explained every
    # line in English: replayed now, with the lines explained in Russian, it
    # bills the same and is left as issued.
    march = MONTHS[2]
    state = attrs.evolve(
        _state({("a", 2): 600}, {"a": PRO}), terms=attrs.evolve(TERMS, locale="ru_RU")
    )
    planned = plan_documents(state, march.end)
    english = [
        attrs.evolve(
            p,
            document=attrs.evolve(
                p.document,
                lines=tuple(
                    attrs.evolve(line, explanation=EXPLAINED["en"][i])
                    for i, line in enumerate(p.document.lines)
                ),
            ),
        )
        if p.key.period == march
        else p
        for p in planned
    ]
    issued = _issue(tuple(english))
    changes = diff(issued, plan_documents(state, march.end), as_of=date(2026, 4, 2))
    assert (changes.issue, changes.withdraw) == ((), ())


def test_english_documents_issued_in_the_plain_signs_are_not_corrected() -> None:
    # An English business's March invoice issued when English explanations
    # printed "x" and "-" (20.00 base fee; (600 - 100) x 0.01 = 5.00): replayed
    # now that they print × and −, it bills the same and is left as issued.
    march = MONTHS[2]
    state = attrs.evolve(
        _state({("a", 2): 600}, {"a": PRO}), terms=attrs.evolve(TERMS, locale="en")
    )
    planned = plan_documents(state, march.end)
    before = [
        ("base fee: 1 x 20.00 = 20.00",),
        ("600 - 100 included = 500", "per unit: 500 x 0.01 = 5.00"),
    ]
    (now,) = [p.document for p in planned if p.key.period == march]
    assert [line.explanation for line in now.lines] != before
    issued = _issue(
        tuple(
            attrs.evolve(
                p,
                document=attrs.evolve(
                    p.document,
                    lines=tuple(
                        attrs.evolve(line, explanation=before[i])
                        for i, line in enumerate(p.document.lines)
                    ),
                ),
            )
            if p.key.period == march
            else p
            for p in planned
        )
    )
    changes = diff(issued, plan_documents(state, march.end), as_of=date(2026, 4, 2))
    assert (changes.issue, changes.withdraw) == ((), ())


def test_percentage_lines_issued_half_in_english_are_not_corrected() -> None:
    # A Persian business's March invoice issued when its 10 % support line read
    # "10% of base: ۲۰٫۰۰ × ۰٫۱۰ = ۲٫۰۰" (Latin digits, English words, the rate
    # as an amount): replayed now that it reads in Persian, it bills the same
    # 20.00 + 10 % of 20.00 = 2.00 and is left as issued (diff ignores
    # explanations).
    support = PercentOf(code="support", of=["base"], rate=Decimal("0.10"))
    plan = attrs.evolve(PRO, charges=[support])
    march = MONTHS[2]
    state = attrs.evolve(_state({}, {"a": plan}), terms=attrs.evolve(TERMS, locale="fa_IR"))
    planned = plan_documents(state, march.end)
    (now,) = [p.document for p in planned if p.key.period == march]
    assert now.lines[1].explanation == ("۱۰٪ از هزینه ثابت: ۲۰٫۰۰ × ۱۰٪ = ۲٫۰۰",)
    assert now.totals.net.amount == Decimal("22.00")
    before = ("10% of base: ۲۰٫۰۰ × ۰٫۱۰ = ۲٫۰۰",)  # as this line was issued
    issued = _issue(
        tuple(
            attrs.evolve(
                p,
                document=attrs.evolve(
                    p.document,
                    lines=(
                        p.document.lines[0],
                        attrs.evolve(p.document.lines[1], explanation=before),
                    ),
                ),
            )
            if p.key.period == march
            else p
            for p in planned
        )
    )
    changes = diff(issued, plan_documents(state, march.end), as_of=date(2026, 4, 2))
    assert (changes.issue, changes.withdraw) == ((), ())


def test_a_cut_short_cycle_is_written_in_the_documents_language() -> None:
    # Growth (99.00 a month) upgraded on 21 April: 10 of April's 30 days unused,
    # 99.00 x 10/30 = 33.00 back, 99.00 - 33.00 = 66.00 for 1 to 20 April.
    growth = Plan(
        code="growth",
        name="Growth",
        currency="EUR",
        base_fee=Money("99.00", "EUR"),
        names={"ru": "Рост"},
    )
    advanced = Plan(
        code="advanced",
        name="Advanced",
        currency="EUR",
        base_fee=Money("189.00", "EUR"),
        names={"ru": "Продвинутый"},
    )
    sub = Subscribed(
        id="s2",
        plans=[
            PlanFrom(on=date(2026, 4, 1), plan=growth),
            PlanFrom(on=date(2026, 4, 21), plan=advanced),
        ],
    )
    lines = {}
    for locale in ("en", "ru_RU"):
        state = BillingState(terms=attrs.evolve(TERMS, locale=locale), subscriptions=[sub])
        (cut,) = plan_documents(state, date(2026, 4, 21))
        (line,) = cut.document.lines
        assert line.net.amount == Decimal("66.00")
        lines[locale] = (line.description, line.explanation)
    assert lines["ru_RU"] == (
        "Рост, 01.04.2026 – 20.04.2026 (переход на Продвинутый)",
        (
            "абонентская плата за 01.04.2026 – 30.04.2026: 99,00",
            "не использовано с 21.04.2026: 33,00",
            "99,00 − 33,00 = 66,00",
        ),
    )
    assert lines["en"][0] == "Growth, 2026-04-01 to 2026-04-21 (changed to Advanced)"
    assert lines["en"][1][0] == "fixed fee 2026-04-01..2026-05-01: 99.00"
    assert lines["en"][1][2] == "99.00 − 33.00 = 66.00"


@pytest.mark.parametrize(
    ("locale", "reason"),
    [
        ("en", "correction: the inputs changed"),
        ("ru_RU", "корректировка: изменились исходные данные"),
        ("fa_IR", "اصلاحیه: داده‌های ورودی تغییر کرد"),
        ("de_DE", "correction: the inputs changed"),
    ],
)
def test_a_correcting_credit_note_gives_its_reason_in_its_language(
    locale: str, reason: str
) -> None:
    # March corrected by late usage: 600 calls, then 700.
    march = MONTHS[2]
    terms = attrs.evolve(TERMS, locale=locale)
    before = attrs.evolve(_state({("a", 2): 600}, {"a": PRO}), terms=terms)
    late = attrs.evolve(_state({("a", 2): 700}, {"a": PRO}), terms=terms)
    issued = _issue(plan_documents(before, march.end))
    changes = diff(issued, plan_documents(late, march.end), as_of=date(2026, 4, 5))
    (note,) = [p.document for p in changes.issue if p.key.kind == "credit_note"]
    assert note.locale == locale
    assert note.reason == reason
