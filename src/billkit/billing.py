"""Recompute and diff: the documents a customer's billing should have, and how to get there.

Billing by recomputation: from a customer's subscriptions and usage,
:func:`plan_documents` computes every invoice that should exist up to a day,
each under a stable :class:`DocumentKey` (subscription, period, kind,
revision). :func:`diff` compares them with the documents already issued and
says what to issue: the new invoices, and for an issued invoice whose inputs
changed (late usage, a corrected plan) the correcting pair, a credit note
that reverses it and a supplementary invoice with the right contents. An
issued document is never edited. Safety bounds refuse, with
:class:`~billkit.errors.DoubleBillingError`, a set of documents that would
bill one subscription period twice.

Everything here is pure: the same state and day give the same documents, so
replaying a closed period under its recorded inputs changes nothing.

A subscription is billed in arrears, one invoice per whole billing cycle of
its plan (the base fee and that cycle's usage together), issued on the day
the cycle ends:

>>> from datetime import date
>>> from decimal import Decimal
>>> from billkit.money import Money
>>> from billkit.parties import Party
>>> from billkit.periods import Period
>>> from billkit.pricing import Charge, Plan, PerUnit
>>> from billkit.invoicing import DocumentTerms
>>> plan = Plan(code="pro", name="Pro", currency="EUR", base_fee=Money("20.00", "EUR"),
...             charges=[Charge(code="calls", metric="calls", included=100,
...                             model=PerUnit(unit_price=Money("0.01", "EUR")))])
>>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="IT", name="Chat S.r.l."),
...                       buyer=Party(kind="legal_entity", country="IT", name="Acme S.p.A."),
...                       rules=None)
>>> march = Period(date(2026, 3, 1), date(2026, 4, 1))
>>> state = BillingState(terms=terms,
...     subscriptions=[Subscribed(id="sub-1", plans=[PlanFrom(on=date(2026, 3, 1), plan=plan)])],
...     usage=[UsageTotal(subscription="sub-1", period=march, metric="calls",
...                       quantity=Decimal(600))])
>>> (planned,) = plan_documents(state, date(2026, 4, 1))
>>> str(planned.key), planned.document.totals.gross   # (20 + 500 x 0.01) x 1.22
('sub-1|2026-03-01|2026-04-01|invoice|0', Money('30.50', 'EUR'))
>>> issued = [Issued(key=planned.key, document=planned.document, number="INV-1")]
>>> diff(issued, plan_documents(state, date(2026, 4, 1)), as_of=date(2026, 4, 2)).issue
()

Late usage arrives: the March invoice is corrected, never edited:

>>> late = attrs.evolve(state, usage=[UsageTotal(subscription="sub-1", period=march,
...                                              metric="calls", quantity=Decimal(700))])
>>> changes = diff(issued, plan_documents(late, date(2026, 4, 5)), as_of=date(2026, 4, 5))
>>> [(str(d.key), d.document.totals.gross.amount) for d in changes.issue]
[('sub-1|2026-03-01|2026-04-01|credit_note|1', Decimal('30.50')), ('sub-1|2026-03-01|2026-04-01|invoice|1', Decimal('31.72'))]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache, partial
from typing import ClassVar

import attrs

from billkit import _checks as checks
from billkit.errors import BillingError, BillkitError, DoubleBillingError, ValidationError
from billkit.invoicing._template import InvoiceTemplate, compile_invoice
from billkit.invoicing.builders import build_invoice, build_proforma
from billkit.invoicing.credit_notes import build_credit_note
from billkit.invoicing.documents import Act, CreditNote, DocumentLine, Invoice, Proforma
from billkit.invoicing.items import Item, _explained, _explainer_in, _named, items_from_quote
from billkit.invoicing.terms import DocumentTerms
from billkit.periods import Cycle, Period
from billkit.pricing.plans import Plan
from billkit.pricing.proration import ChangeTiming, change_plan, fixed_fee
from billkit.pricing.quote import quote

__all__ = [
    "BillingDiff",
    "BillingState",
    "DocumentKey",
    "Issued",
    "PlanFrom",
    "Planned",
    "Subscribed",
    "UsageTotal",
    "diff",
    "plan_documents",
]

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
PROFORMA = "proforma"
ACT = "act"
_KINDS = (INVOICE, CREDIT_NOTE, PROFORMA, ACT)
#: The documents that bill a period (a credit note reverses one): an invoice, or
#: the act made from a paid proforma.
_BILLS = (INVOICE, ACT)


@attrs.frozen(field_transformer=checks.prepare_fields)
class DocumentKey:
    """The stable name of a document: whose, for which period, what, which revision.

    Revision 0 is a period's first invoice; a correction issues the credit
    note and the supplementary invoice of the next revision. ``str(key)`` is
    a store id (``subscription|start|end|kind|revision``) and
    :meth:`parse` reads it back.

    >>> key = DocumentKey.parse("sub-1|2026-03-01|2026-04-01|invoice|0")
    >>> key.subscription, str(key.period), key.kind, key.revision
    ('sub-1', '2026-03-01..2026-04-01', 'invoice', 0)
    """

    _error_class: ClassVar[type[ValidationError]] = BillingError

    subscription: str = attrs.field(converter=checks.TEXT)
    period: Period = attrs.field(converter=checks.INSTANCE)
    kind: str = attrs.field(converter=checks.TEXT)
    revision: int = attrs.field(default=0, converter=checks.WHOLE)

    def __attrs_post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise BillingError("kind", self.kind, f"one of {', '.join(_KINDS)}")
        if self.revision < 0:
            raise BillingError("revision", self.revision, "a revision of 0 or more")

    def __str__(self) -> str:
        p = self.period
        return f"{self.subscription}|{p.start}|{p.end}|{self.kind}|{self.revision}"

    @classmethod
    def parse(cls, text: str) -> DocumentKey:
        """The key whose ``str`` is ``text``."""
        parts = checks.text("key", text, error=BillingError).rsplit("|", 4)
        if len(parts) != 5:
            raise BillingError("key", text, "subscription|start|end|kind|revision")
        sub, start, end, kind, revision = parts
        try:
            period = Period(date.fromisoformat(start), date.fromisoformat(end))
            number = int(revision)
        except ValueError as error:
            raise BillingError("key", text, "subscription|start|end|kind|revision") from error
        return cls(subscription=sub, period=period, kind=kind, revision=number)


@attrs.frozen(field_transformer=checks.prepare_fields)
class PlanFrom:
    """A plan in force from ``on``.

    On a day a billing cycle starts, the plan takes over with that cycle
    (a downgrade at the cycle end). On any other day it takes over at once
    (an upgrade): the running cycle ends early on ``on``, billed pro rata,
    and the cycles restart from ``on``.
    """

    _error_class: ClassVar[type[ValidationError]] = BillingError

    on: date = attrs.field(converter=checks.DAY)
    plan: Plan = attrs.field(converter=checks.INSTANCE)


@attrs.frozen(field_transformer=checks.prepare_fields)
class Subscribed:
    """A subscription as billing sees it: its plans over time and when it ends.

    Cycles are counted from the first plan's day, by that plan's cycle; a
    later plan must have the same cycle. One whose ``on`` starts a cycle
    takes over with that cycle; one whose ``on`` falls inside a cycle cuts
    it short there (the old plan is billed for the days used, see
    :func:`plan_documents`) and the cycles restart from ``on``. ``ends``
    (cancellation at cycle end): no cycle starting on or after it is billed.

    >>> from billkit.money import Money
    >>> from billkit.pricing import Plan
    >>> pro = Plan(code="pro", name="Pro", currency="EUR", base_fee=Money("20.00", "EUR"))
    >>> team = Plan(code="team", name="Team", currency="EUR", base_fee=Money("50.00", "EUR"))
    >>> sub = Subscribed(id="s1", plans=[PlanFrom(on=date(2026, 3, 1), plan=pro),
    ...                                  PlanFrom(on=date(2026, 4, 21), plan=team)])
    >>> [str(p) for p in sub.periods(date(2026, 6, 1))]
    ['2026-03-01..2026-04-01', '2026-04-01..2026-04-21', '2026-04-21..2026-05-21']
    >>> str(sub.period_on(date(2026, 5, 25)))
    '2026-05-21..2026-06-21'
    """

    _error_class: ClassVar[type[ValidationError]] = BillingError

    id: str = attrs.field(converter=checks.TEXT)
    plans: tuple[PlanFrom, ...] = attrs.field(converter=checks.TUPLE)
    ends: date | None = attrs.field(default=None, converter=checks.DAY)

    def __attrs_post_init__(self) -> None:
        if not self.plans:
            raise BillingError("plans", self.plans, "at least one plan")
        first = self.plans[0].plan.cycle
        for i, (before, after) in enumerate(zip(self.plans, self.plans[1:], strict=False), start=1):
            if after.on <= before.on:
                raise BillingError(f"plans[{i}].on", after.on, f"a day after {before.on}")
        for i, change in enumerate(self.plans):
            if change.plan.cycle != first:
                raise BillingError(f"plans[{i}].plan", change.plan.code, f"a plan billed {first}")

    @property
    def starts(self) -> date:
        """The first day billed."""
        return self.plans[0].on

    def plan_on(self, day: date) -> Plan:
        """The plan in force on ``day``."""
        current = self.plans[0].plan
        for change in self.plans:
            if change.on <= day:
                current = change.plan
        return current

    def cycles(self) -> Iterator[tuple[Period, Period]]:
        """Every billing period from the start, with the whole cycle it belongs to.

        The two are equal but for a cycle an immediate plan change cut short:
        ``(2026-04-01..2026-04-21, 2026-04-01..2026-05-01)``. Endless: stop it.
        """
        cycle = self.plans[0].plan.cycle
        anchor, n = self.starts, 0
        while True:
            full = _cycle_period(cycle, anchor, n)
            cut = next((c.on for c in self.plans[1:] if full.start < c.on < full.end), None)
            if cut is None:
                yield full, full
                n += 1
            else:
                yield Period(full.start, cut), full
                anchor, n = cut, 0

    def periods(self, until: date) -> list[Period]:
        """The billing periods that have ended by ``until`` (and started before :attr:`ends`)."""
        out: list[Period] = []
        for period, _ in self.cycles():
            if period.end > until or (self.ends is not None and period.start >= self.ends):
                return out
            out.append(period)
        raise AssertionError("unreachable")  # pragma: no cover

    def period_on(self, day: date) -> Period:
        """The billing period ``day`` falls in (:attr:`ends` aside)."""
        day = checks.day("day", day, error=BillingError)
        if day < self.starts:
            raise BillingError("day", day, f"a day on or after the start ({self.starts})")
        for period, _ in self.cycles():
            if day < period.end:
                return period
        raise AssertionError("unreachable")  # pragma: no cover


@lru_cache(maxsize=1024)
def _cycle_period(cycle: Cycle, anchor: date, n: int) -> Period:
    """``cycle.period(anchor, n)``, remembered: a run bills many subscriptions
    that share their start and cycle, and walks each one's cycles several
    times (its due periods, its usage, its documents). A pure function of
    frozen values, bounded (the last 1024 asked); a refusal is not kept."""
    return cycle.period(anchor, n)


@attrs.frozen(field_transformer=checks.prepare_fields)
class UsageTotal:
    """The quantity of one metric a subscription used in one of its periods."""

    _error_class: ClassVar[type[ValidationError]] = BillingError

    subscription: str = attrs.field(converter=checks.TEXT)
    period: Period = attrs.field(converter=checks.INSTANCE)
    metric: str = attrs.field(converter=checks.TEXT)
    quantity: Decimal = attrs.field(converter=checks.DECIMAL)


def _plan_flags(value: object) -> Mapping[str, bool]:
    """``prices_include_tax``: plan code -> True or False, checked."""
    return checks.mapping(
        "prices_include_tax",
        value,
        partial(checks.text, error=BillingError),
        partial(checks.flag, error=BillingError),
        error=BillingError,
    )


def _plan_codes(value: object) -> frozenset[str]:
    """``proforma``: plan codes, checked."""
    return frozenset(checks.texts("proforma", value, required=True, error=BillingError))


@attrs.frozen(field_transformer=checks.prepare_fields)
class BillingState:
    """What one customer's documents are computed from.

    ``terms`` (seller, buyer, language, taxes), the customer's
    ``subscriptions``, their ``usage`` totals per period, and
    ``payment_days``, the days an invoice gives to pay.

    Per plan (by code, the plan in force when a period starts):
    ``prices_include_tax`` says whether the plan's prices include tax (a
    plan left out follows ``terms.prices_include_tax``), and ``proforma``
    names the plans billed by proforma: their periods get a
    :class:`~billkit.invoicing.Proforma` (kind ``proforma``), a request to
    pay, instead of an invoice; the invoice is made from it once it is paid
    (:func:`billkit.invoicing.invoice_from_proforma`, under the key of kind
    ``invoice`` and the proforma's revision), or an act of completed work
    (kind ``act``) where the seller issues acts.
    """

    _error_class: ClassVar[type[ValidationError]] = BillingError

    terms: DocumentTerms = attrs.field(converter=checks.INSTANCE)
    subscriptions: tuple[Subscribed, ...] = attrs.field(converter=checks.TUPLE)
    usage: tuple[UsageTotal, ...] = attrs.field(default=(), converter=checks.TUPLE)
    payment_days: int = attrs.field(default=10, converter=checks.WHOLE)
    prices_include_tax: Mapping[str, bool] = attrs.field(
        factory=dict, converter=_plan_flags, repr=False
    )
    proforma: frozenset[str] = attrs.field(factory=frozenset, converter=_plan_codes, repr=False)


@attrs.frozen(field_transformer=checks.prepare_fields)
class Planned:
    """A document that should exist, under its key; a draft (no number yet)."""

    _error_class: ClassVar[type[ValidationError]] = BillingError

    key: DocumentKey = attrs.field(converter=checks.INSTANCE)
    document: Invoice | CreditNote | Proforma | Act


@attrs.frozen(field_transformer=checks.prepare_fields)
class Issued:
    """A document already issued under its key: the draft as planned and its number."""

    _error_class: ClassVar[type[ValidationError]] = BillingError

    key: DocumentKey = attrs.field(converter=checks.INSTANCE)
    document: Invoice | CreditNote | Proforma | Act
    number: str = attrs.field(converter=checks.TEXT)


@attrs.frozen
class BillingDiff:
    """What :func:`diff` found: the documents to issue, in order, the keys
    already right, and the unpaid proformas to withdraw (their bill changed
    before they were paid: a proforma of the next revision replaces each)."""

    issue: tuple[Planned, ...] = ()
    unchanged: tuple[DocumentKey, ...] = ()
    withdraw: tuple[DocumentKey, ...] = ()

    @property
    def corrections(self) -> int:
        """How many issued invoices this diff corrects (one credit note each)."""
        return sum(1 for p in self.issue if p.key.kind == CREDIT_NOTE)


def _cut_short(
    sub: Subscribed, period: Period, full: Period, usage: dict[str, Decimal], locale: str
) -> tuple[Item, ...]:
    """The items of a cycle an immediate plan change cut short on ``period.end``.

    :func:`billkit.pricing.change_plan` says what of the old plan's fixed fee
    the change leaves unused (its ``credit``, ``[period.end, full.end)``);
    the old plan's fixed fee for the days used is billed as one line (the
    fee less that credit), and the cycle's usage so far as priced by the
    old plan's quote (allowances are not prorated). The new plan is billed
    by its own cycles, from the change.
    """
    old, new = sub.plan_on(period.start), sub.plan_on(period.end)
    change = change_plan(
        old, new, period=full, on=period.end, timing=ChangeTiming.IMMEDIATELY, usage=usage
    )
    assert change.credit is not None
    fee = fixed_fee(old, full)
    fixed = {item.code for item in items_from_quote(quote(old, {}, full), drop_zero=True)}
    used = fee - change.credit.amount
    explainer = _explainer_in(locale, fee.currency.code)
    if explainer is None:  # English (and the languages billkit writes no documents in)
        description = (
            f"{old.name_in(locale)}, {period.start} to {period.end}"
            f" (changed to {new.name_in(locale)})"
        )
        explanation = (
            f"fixed fee {full}: {fee.amount}",
            f"unused from {period.end}: {change.credit}",
            f"{fee.amount} − {change.credit.amount.amount} = {used.amount}",
        )
    else:  # the label catalog's words, the locale's dates and numbers
        fmt, money, label = explainer.fmt, explainer.money, explainer.label
        credit = change.credit.amount.amount
        description = label("line_plan_changed").format(
            plan=old.name_in(locale), period=fmt.period(period), new=new.name_in(locale)
        )
        explanation = (
            label("explain_fixed_fee").format(period=fmt.period(full), fee=money(fee.amount)),
            label("explain_unused").format(day=fmt.short_date(period.end), credit=money(credit)),
            label("explain_minus").format(
                a=money(fee.amount), b=money(credit), c=money(used.amount)
            ),
        )
    first = Item(
        description=description,
        amount=used,
        code="base",
        explanation=explanation,
        period=period,
    )
    bill = quote(old, usage, full)
    usage_items = [
        attrs.evolve(item, period=period)
        for item in _explained(
            _named(items_from_quote(bill, drop_zero=True), old, locale), bill, locale
        )
        if item.code not in fixed
    ]
    return (first, *usage_items) if used.amount else tuple(usage_items)


# DocumentTerms' fields but the buyer: what a compiled invoice shares (_Templates).
_SHARED_TERMS = tuple(f.name for f in attrs.fields(DocumentTerms) if f.name != "buyer")


class _Templates:
    """The compiled invoices (``invoicing/_template.py``) of one bill run: per
    plan, period, payment days, tax inclusion, document class and locale (the
    customers' languages: their lines' names), compiled on
    first use under the first customer's terms and used for every customer
    whose terms differ only in the buyer (``None`` where the terms are not
    covered: the general path). Owned by its caller (the engine keeps one per
    run), never shared process-wide; a plan is known by identity (kept here,
    so its id is not reused) and its terms compared field by field."""

    __slots__ = ("_found",)

    def __init__(self) -> None:
        self._found: dict[
            tuple[int, Period, int, bool, bool, str],
            tuple[Plan, DocumentTerms, InvoiceTemplate | None],
        ] = {}

    def get(
        self, plan: Plan, period: Period, terms: DocumentTerms, days: int, proforma: bool
    ) -> InvoiceTemplate | None:
        """The template for ``plan``'s ``period`` under ``terms`` (tax inclusion
        already applied), ``days`` to pay; ``None``: take the general path."""
        key = (id(plan), period, days, bool(terms.prices_include_tax), proforma, terms.locale)
        found = self._found.get(key)
        if found is not None and found[0] is plan and _same_terms(found[1], terms):
            return found[2]
        try:
            template = compile_invoice(
                plan,
                terms,
                issue_date=period.end,
                payment_days=days,
                invoice_kind="subscription",
                tax_date=period.end - timedelta(days=1),
                period=period,
                drop_zero=True,
                proforma=proforma,
                named=True,
            )
        except BillkitError:  # (no tax rate, say): the general path, which raises if it bills
            template = None
        self._found[key] = (plan, terms, template)
        return template


def _same_terms(a: DocumentTerms, b: DocumentTerms) -> bool:
    """Whether ``a`` and ``b`` are the same terms but (perhaps) for the buyer."""
    if a is b:
        return True
    for name in _SHARED_TERMS:
        x, y = getattr(a, name), getattr(b, name)
        if x is not y and x != y:
            return False
    return True


def _invoice(
    state: BillingState,
    sub: Subscribed,
    period: Period,
    full: Period | None = None,
    templates: _Templates | None = None,
) -> Invoice | Proforma | None:
    plan = sub.plan_on(period.start)
    usage = {
        u.metric: u.quantity
        for u in state.usage
        if u.subscription == sub.id and u.period == period and u.metric in plan._metrics
    }
    terms = state.terms
    included = state.prices_include_tax.get(plan.code)
    if included is not None and included is not terms.prices_include_tax:
        terms = attrs.evolve(terms, prices_include_tax=included)
    if full is not None and full != period:
        items = _cut_short(sub, period, full, usage, terms.locale)
    else:
        bill = quote(plan, usage, period)
        if templates is not None:
            # The compiled invoice, equal to the general path's (tests/billing/test_compiled.py)
            template = templates.get(
                plan, period, terms, state.payment_days, plan.code in state.proforma
            )
            made = None if template is None else template.document(bill, terms.buyer, None)
            if made is not None:
                return made
        items = _named(items_from_quote(bill, drop_zero=True), plan, terms.locale)
        items = _explained(items, bill, terms.locale)
    if not items:
        return None
    if plan.code in state.proforma:
        return build_proforma(
            items,
            terms,
            issue_date=period.end,
            payment_days=state.payment_days,
            tax_date=period.end - timedelta(days=1),
            period=period,
        )
    return build_invoice(
        items,
        terms,
        issue_date=period.end,
        payment_days=state.payment_days,
        invoice_kind="subscription",
        tax_date=period.end - timedelta(days=1),
        period=period,
    )


def plan_documents(state: BillingState, as_of: date) -> tuple[Planned, ...]:
    """Every invoice ``state`` should have by ``as_of``, by key; drafts, revision 0.

    A period of a plan ``state.proforma`` names has a proforma instead (kind
    ``proforma``); prices include tax as ``state.prices_include_tax`` says
    for the period's plan, else as the terms say.

    The lines are named in the terms' ``locale``: a charge as
    :meth:`Charge.name_in <billkit.pricing.Charge.name_in>` names it (the
    one place that gives the order), the base fee as :meth:`Plan.name_in
    <billkit.pricing.Plan.name_in>` names its plan (the engine's terms carry
    the customer's locale, else the business's). The explanations under the
    lines are in the locale's language, in the label catalog's words and the
    locale's numbers, for the languages billkit's documents are written in
    but English (``ru``, ``uk``, ``it``, ``fa``), and in plain English for
    the others; so is a cut-short cycle's first line (below) in those four.

    A cycle is due once it has ended (its end is ``as_of`` or earlier). A
    cycle that bills nothing (no base fee, no usage) has no invoice. Usage
    for a metric the cycle's plan does not price is left out (it belongs to
    another plan of the subscription).

    A cycle an immediate plan change (an upgrade) cut short is billed on the
    day of the change: the old plan's fixed fee less the credit
    :func:`billkit.pricing.change_plan` gives for the unused days, and the
    usage so far. The messaging business's customer upgrades from Growth
    (99.00 a month) on 21 April with 10 of April's 30 days unused:
    99.00 - 99.00 x 10/30 = 66.00 for 1 to 21 April, then Advanced from the 21st:

    >>> from billkit.money import Money
    >>> growth = Plan(code="growth", name="Growth", currency="EUR", base_fee=Money("99.00", "EUR"))
    >>> advanced = Plan(code="advanced", name="Advanced", currency="EUR",
    ...                 base_fee=Money("189.00", "EUR"))
    >>> sub = Subscribed(id="s2", plans=[PlanFrom(on=date(2026, 4, 1), plan=growth),
    ...                                  PlanFrom(on=date(2026, 4, 21), plan=advanced)])
    >>> from billkit.parties import Party
    >>> terms = DocumentTerms(seller=Party(kind="legal_entity", country="IT", name="Chat S.r.l."),
    ...                       buyer=Party(kind="legal_entity", country="IT", name="Acme S.p.A."),
    ...                       rules=None)
    >>> (cut,) = plan_documents(BillingState(terms=terms, subscriptions=[sub]), date(2026, 4, 21))
    >>> str(cut.key), [(line.description, line.net.amount) for line in cut.document.lines]
    ('s2|2026-04-01|2026-04-21|invoice|0', [('Growth, 2026-04-01 to 2026-04-21 (changed to Advanced)', Decimal('66.00'))])
    """
    return _plan_documents(state, as_of, None)


def _plan_documents(
    state: BillingState, as_of: date, templates: _Templates | None
) -> tuple[Planned, ...]:
    """:func:`plan_documents` with the compiled invoices of ``templates`` (a bill
    run's, kept over its customers), or the general path alone (``None``)."""
    state = checks.instance("state", state, BillingState, error=BillingError)
    day = checks.day("as_of", as_of, error=BillingError)
    out: list[Planned] = []
    for sub in state.subscriptions:
        for period, full in _ended(sub, day):
            doc = _invoice(state, sub, period, full, templates)
            if doc is not None:
                kind = PROFORMA if isinstance(doc, Proforma) else INVOICE
                out.append(Planned(key=DocumentKey(sub.id, period, kind), document=doc))
    out.sort(key=lambda p: (p.key.subscription, p.key.period.start))
    return tuple(out)


def _ended(sub: Subscribed, until: date) -> list[tuple[Period, Period]]:
    out: list[tuple[Period, Period]] = []
    for period, full in sub.cycles():
        if period.end > until or (sub.ends is not None and period.start >= sub.ends):
            return out
        out.append((period, full))
    raise AssertionError("unreachable")  # pragma: no cover


def _same_bill(
    issued: Invoice | CreditNote | Proforma | Act, proposed: Invoice | CreditNote | Proforma | Act
) -> bool:
    """Whether ``proposed`` bills what ``issued`` bills: the same lines but
    (perhaps) for their descriptions and explanations, the same taxes,
    totals, parties and currency (the documents' locales are not compared).
    A line's description is its name, and its explanation says in words how
    its figures were reached: neither is what it bills. A charge or plan
    renamed, or named in another language, after a document was issued
    (:attr:`Charge.names <billkit.pricing.Charge.names>` added to the
    catalog), or a customer's locale changed, corrects nothing; an issued
    document keeps the names, explanations and language it was issued with,
    and a correction made for another reason is written as the documents
    are written then. The line's quantity, unit price and amounts are
    compared: inputs that change only what the explanation tells (more
    usage and a larger allowance, the same units billed) correct nothing."""
    return (
        _same_lines(issued.lines, proposed.lines)
        and issued.tax_groups == proposed.tax_groups
        and issued.totals == proposed.totals
        and issued.buyer == proposed.buyer
        and issued.seller == proposed.seller
        and issued.currency == proposed.currency
    )


def _same_lines(issued: tuple[DocumentLine, ...], proposed: tuple[DocumentLine, ...]) -> bool:
    """``issued == proposed`` but for the lines' descriptions and explanations
    (:func:`_same_bill`): their words, in the document's language."""
    if issued == proposed:
        return True
    return len(issued) == len(proposed) and all(
        a == b
        or (
            (a.description != b.description or a.explanation != b.explanation)
            and a == attrs.evolve(b, description=a.description, explanation=a.explanation)
        )
        for a, b in zip(issued, proposed, strict=True)
    )


def _check_bounds(
    existing: Sequence[Issued], proposed: Sequence[Planned]
) -> dict[tuple[str, Period], Issued | None]:
    """The invoice in force (or unpaid proforma) per (subscription, period);
    refuses anything billed twice."""
    seen: set[DocumentKey] = set()
    for where, keys in (
        ("existing", [e.key for e in existing]),
        ("proposed", [p.key for p in proposed]),
    ):
        seen = set()
        for key in keys:
            if key in seen:
                raise DoubleBillingError(where, str(key), "each document key once")
            seen.add(key)
    by_period: dict[tuple[str, Period], list[Issued]] = {}
    for e in existing:
        by_period.setdefault((e.key.subscription, e.key.period), []).append(e)
    periods: dict[str, list[Period]] = {}
    in_force: dict[tuple[str, Period], Issued | None] = {}
    for (sub, period), docs in sorted(by_period.items(), key=lambda kv: (kv[0][0], kv[0][1].start)):
        for other in periods.get(sub, []):
            if other.overlaps(period):
                raise DoubleBillingError(
                    "existing",
                    f"{sub} {period}",
                    f"periods of one subscription that do not overlap (it overlaps {other})",
                )
        periods.setdefault(sub, []).append(period)
        invoices = sorted(d.key.revision for d in docs if d.key.kind in _BILLS)
        credits = sorted(d.key.revision for d in docs if d.key.kind == CREDIT_NOTE)
        # Revision r's credit note reverses revision r - 1's invoice: at most one stands.
        if len(invoices) - len(credits) not in (0, 1) or any(
            c - 1 not in invoices for c in credits
        ):
            raise DoubleBillingError(
                "existing",
                f"{sub} {period}",
                "at most one invoice in force per subscription period "
                f"(found invoices {invoices} and credit notes {credits})",
            )
        standing = [d for d in docs if d.key.kind in _BILLS and d.key.revision + 1 not in credits]
        # A proforma stands until it is paid (its invoice or act, of its
        # revision, is made) or replaced (a document of a later revision follows it).
        last = max(d.key.revision for d in docs)
        asking = [
            d
            for d in docs
            if d.key.kind == PROFORMA and d.key.revision == last and last not in invoices
        ]
        if asking and standing:
            raise DoubleBillingError(
                "existing",
                f"{sub} {period}",
                "an unpaid proforma or an invoice in force per subscription period, not both "
                f"(found invoice {standing[0].key.revision} and proforma {last})",
            )
        in_force[(sub, period)] = standing[0] if standing else (asking[0] if asking else None)
    for p in proposed:
        if p.key.kind not in (INVOICE, PROFORMA) or p.key.revision != 0:
            raise BillingError(
                "proposed", str(p.key), "planned invoices or proformas of revision 0"
            )
        for other in periods.get(p.key.subscription, []):
            if other != p.key.period and other.overlaps(p.key.period):
                raise DoubleBillingError(
                    "proposed",
                    str(p.key),
                    f"a period that does not overlap one already billed ({other})",
                )
    return in_force


def _correction(locale: str) -> str:
    """A correcting credit note's reason in ``locale``'s language (the invoice's
    it reverses), English where billkit writes no documents in it."""
    from billkit.invoicing.render.labels import translate
    from billkit.invoicing.render.model import LANGUAGES

    language = locale.replace("-", "_").split("_")[0].lower()
    return translate("reason_correction", "en" if language not in LANGUAGES else locale)


def diff(existing: Iterable[Issued], proposed: Iterable[Planned], *, as_of: date) -> BillingDiff:
    """What to issue on ``as_of`` so that the documents in force are ``proposed``.

    * a proposed invoice with nothing issued for its period: issue it;
    * one whose period's invoice in force bills the same lines and totals:
      nothing (replaying a closed period under its inputs changes nothing);
      the lines' descriptions and explanations (their words) and the
      documents' locales are not compared, so a charge or plan renamed or
      named in another language, or a customer's locale changed, after issue
      corrects nothing (the issued document keeps its words; a correction
      is written as documents are written then);
    * one whose period's invoice differs: a credit note reversing that
      invoice in full and a supplementary invoice (the next revision, dated
      ``as_of``, referring to the one it replaces);
    * an invoice in force for a period nothing is proposed for (it now bills
      nothing): a credit note.

    Proformas (the plans ``BillingState.proforma`` names) take the
    invoices' place: a proposed proforma is issued for a period with nothing
    in force, and is unchanged when the invoice made from the paid proforma
    (kind ``invoice``, or ``act``, of the proforma's revision) or the unpaid proforma bills
    the same. When the bill changed, an unpaid proforma is withdrawn
    (``withdraw``; no credit note: it is not a tax document) and an invoice
    in force is credited, and a proforma of the next revision asks for the
    new amount.

    ``existing`` must be the documents issued for the subscriptions that
    were planned, and only those: an invoice in force that ``proposed``
    leaves out is credited. Safety bounds: a key twice, overlapping periods of one
    subscription, or more than one invoice in force for one period raise
    :class:`~billkit.errors.DoubleBillingError`, naming the subscription and
    period.
    """
    day = checks.day("as_of", as_of, error=BillingError)
    old = checks.tuple_of("existing", existing, Issued, error=BillingError)
    new = checks.tuple_of("proposed", proposed, Planned, error=BillingError)
    in_force = _check_bounds(old, new)
    revisions: dict[tuple[str, Period], int] = {}
    for e in old:
        slot = (e.key.subscription, e.key.period)
        revisions[slot] = max(revisions.get(slot, -1), e.key.revision)
    issue: list[Planned] = []
    unchanged: list[DocumentKey] = []
    withdraw: list[DocumentKey] = []
    wanted = {(p.key.subscription, p.key.period): p for p in new}
    slots = sorted(
        set(wanted) | {s for s, doc in in_force.items() if doc is not None},
        key=lambda s: (s[0], s[1].start),
    )
    for slot in slots:
        current = in_force.get(slot)
        target = wanted.get(slot)
        if (
            current is not None
            and target is not None
            and _same_bill(current.document, target.document)
        ):
            unchanged.append(current.key)
            continue
        revision = revisions.get(slot, -1) + 1
        sub, period = slot
        if current is not None and current.key.kind == PROFORMA:
            withdraw.append(current.key)  # never paid: no tax document to reverse
        elif current is not None:
            if day < current.document.issue_date:
                raise BillingError("as_of", day, f"a day on or after {current.document.issue_date}")
            original = attrs.evolve(current.document, number=current.number)
            assert isinstance(original, (Invoice, Act))
            note = build_credit_note(
                original, number=None, issue_date=day, reason=_correction(original.locale)
            )
            issue.append(
                Planned(key=DocumentKey(sub, period, CREDIT_NOTE, revision), document=note)
            )
        if target is not None and revision == 0:  # (a proposal is of revision 0)
            issue.append(target)  # the first for its period: as proposed, under its key
        elif target is not None:  # the next revision, dated as_of, referring to the last
            doc = target.document
            assert isinstance(doc, (Invoice, Proforma))
            assert doc.due_date is not None
            refs = (attrs.evolve(current.document, number=current.number).ref,) if current else ()
            doc = attrs.evolve(
                doc,
                issue_date=max(day, doc.issue_date),
                due_date=max(day, doc.issue_date) + (doc.due_date - doc.issue_date),
                references=refs,
            )
            key = DocumentKey(sub, period, target.key.kind, revision)
            issue.append(Planned(key=key, document=doc))
    return BillingDiff(issue=tuple(issue), unchanged=tuple(unchanged), withdraw=tuple(withdraw))
