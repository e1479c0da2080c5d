"""Billing's foundation: the constructor, the kept settings, seller and dunning it reads,
plans and subscriptions looked up, the batch writes (``_Writes``) and the module-level
checks every layer shares. One layer of :class:`billkit.engine.Billing` (users import
from :mod:`billkit.engine`; the modules are listed in docs/architecture.md).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timezone
from functools import partial
from typing import Any, Final, Literal

import attrs
from moneyed import Money

from billkit import _checks as checks
from billkit.billing import ACT, CREDIT_NOTE, INVOICE, PROFORMA, PlanFrom, Subscribed
from billkit.credit.bonus import BonusProgram
from billkit.credit.commission import PaymentMethod
from billkit.errors import BillingError, NotFoundError, SubscriptionError
from billkit.parties.party import Party
from billkit.ports import CATEGORIES, CHANNELS, Clock, Notifier, PaymentGateway, Store, Transaction
from billkit.pricing.plans import Plan
from billkit.serialize import from_data, to_data
from billkit.storage.records import (
    DocumentEvent,
    DocumentRecord,
    OutboxMessage,
    PayerRecord,
    PlanRecord,
    SeriesRecord,
    SubscriptionRecord,
    _data_with,
)
from billkit.subscriptions.actions import SubscriptionNoticeKind
from billkit.subscriptions.dunning import DunningAnchor, DunningMove, DunningSchedule
from billkit.subscriptions.overdue import OverdueLadder

_UTC = timezone.utc
#: Customers billed (and payments recorded) per transaction, each in its own savepoint.
_BATCH = 200
_CATEGORY_NAMES = sorted({*CATEGORIES.values(), "news", "support"})
#: The payer record that keeps the seller's details.
SELLER_ID = "_seller"
#: The payer record that keeps the dunning: the schedules and the overdue ladder.
DUNNING_ID = "_dunning"
#: The payer record that keeps a business's settings: series, language, tax and proforma
#: settings, the attempt-counted dunning's numbers, payment days, notification channels,
#: payment-method terms and bonus program (``_settings/KEY`` for ``business=KEY``).
SETTINGS_ID = "_settings"
#: Each kept setting's default: what a ``Billing`` uses when neither it nor the store has
#: one, as the store keeps it (:func:`_setting`).
_SETTINGS: dict[str, object] = {
    "invoice_series": "INV",
    "credit_series": "CN",
    "proforma_series": "PF",
    "act_series": "ACT",
    "locale": "en",
    "prices_include_tax": None,
    "proforma": False,
    "proforma_final": INVOICE,
    "proforma_approval": False,
    "max_attempts": 3,
    "cancel_at_cycle_end": True,
    "deletion_days": 90,
    "payment_days": 10,
    "channels": {},
    "methods": {},
    "bonus": None,
}
#: The settings that name a number series; the first three number what asks to be paid.
_SERIES_SETTINGS = ("invoice_series", "proforma_series", "act_series", "credit_series")


class _Unset(enum.Enum):
    """A setting left out (``deletion_days=None`` means "never")."""

    UNSET = "unset"


_UNSET: Final = _Unset.UNSET


def _setting(name: str, value: object) -> object:
    """The setting ``name`` given as ``value`` (to :class:`Billing` or
    :meth:`Billing.change_settings`), checked, as the store keeps it: plain
    data, comparable (a plan list sorted, a mapping a dict sorted by key,
    payment-method terms by name and the bonus program as
    :func:`billkit.serialize.to_data` writes them). A bad value is refused with
    a :class:`~billkit.errors.BillingError` naming the setting and the value."""
    if name in _SERIES_SETTINGS:
        return checks.text(name, value, required=True, error=BillingError)
    if name == "locale":
        return checks.locale(name, value, error=BillingError)
    if name == "prices_include_tax":
        if value is None:
            return None
        if isinstance(value, Mapping):
            plans = checks.mapping(
                name,
                value,
                partial(checks.text, error=BillingError),
                partial(checks.flag, error=BillingError),
                error=BillingError,
            )
            return dict(plans.items())
        return checks.flag(name, value, error=BillingError)
    if name == "proforma":
        if isinstance(value, bool):
            return value
        return sorted(set(checks.texts(name, value, required=True, error=BillingError)))
    if name == "proforma_final":
        if value not in (INVOICE, ACT):
            raise BillingError(name, value, "'invoice' or 'act'")
        return value
    if name == "max_attempts":
        return checks.whole(name, value, low=1, error=BillingError)
    if name in ("cancel_at_cycle_end", "proforma_approval"):
        return checks.flag(name, value, error=BillingError)
    if name == "deletion_days":
        return None if value is None else checks.whole(name, value, error=BillingError)
    if name == "payment_days":
        return checks.whole(name, value, error=BillingError)
    if name == "channels":
        return {k: list(v) for k, v in sorted(_channels(name, value).items())}  # type: ignore[arg-type]
    if name == "methods":
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise BillingError(name, value, "an iterable of billkit.credit.PaymentMethod")
        kept: dict[str, object] = {}
        for i, method in enumerate(value):
            method = checks.instance(f"methods[{i}]", method, PaymentMethod, error=BillingError)
            if method.name in kept:
                raise BillingError(f"methods[{i}]", method.name, "each method's name once")
            kept[method.name] = to_data(method)
        return dict(sorted(kept.items()))
    if name == "bonus":
        if value is None:
            return None
        return to_data(checks.instance(name, value, BonusProgram, error=BillingError))
    raise AssertionError(f"not a setting: {name}")  # pragma: no cover


def _kept_value(name: str, kept: object) -> object:
    """The setting ``name`` as the store keeps it (``kept``), read back and
    checked again: the payment-method terms (by name) and the bonus program
    as values, every other setting as :func:`_setting` gives it."""
    if name == "methods":
        if not isinstance(kept, Mapping):
            raise BillingError(name, kept, "payment methods by name, as the store keeps them")
        methods = {str(k): from_data(v, PaymentMethod) for k, v in kept.items()}
        for key, method in methods.items():
            if method.name != key:
                raise BillingError(f"methods[{key!r}]", method.name, f"the method named {key!r}")
        return methods
    if name == "bonus":
        if kept is not None and not isinstance(kept, Mapping):
            raise BillingError(name, kept, "a bonus program, as the store keeps it")
        return None if kept is None else from_data(kept, BonusProgram)
    return _setting(name, kept)


def _series_of(value: Mapping[str, object]) -> tuple[dict[str, str], frozenset[str] | None]:
    """The series a business numbers in by kind, and the plans it bills by proforma
    (``None``: every plan), from its settings (read back, :func:`_kept_value`)."""
    series = {INVOICE: str(value["invoice_series"]), CREDIT_NOTE: str(value["credit_series"])}
    proforma = value["proforma"]
    plans = (
        (None if proforma else frozenset()) if isinstance(proforma, bool) else frozenset(proforma)  # type: ignore[call-overload]
    )
    if plans != frozenset():
        series[PROFORMA] = str(value["proforma_series"])
    if value["proforma_final"] == ACT:
        # also with proformas turned off: a proforma issued before may still be paid
        series[ACT] = str(value["act_series"])
    return series, plans


def _check_approval(value: Mapping[str, object]) -> None:
    """Refuse ``proforma_approval`` without ``proforma_final="invoice"``: an
    approval issues an invoice to pay."""
    if value["proforma_approval"] and value["proforma_final"] != INVOICE:
        raise BillingError(
            "proforma_approval",
            True,
            "proforma_final='invoice' with it: an approval issues an invoice to pay "
            f"(proforma_final is {value['proforma_final']!r})",
        )


def _same_setting(name: str, a: object, b: object) -> bool:
    """Whether two kept forms of the setting ``name`` are the same setting
    (the same values: a rate written ``0.05`` or ``0.050`` is one rate)."""
    return a == b or _kept_value(name, a) == _kept_value(name, b)


#: The notification topic of each notice a dunning schedule's ``notify`` steps may send.
_DUNNING_TOPICS = {
    SubscriptionNoticeKind.PAYMENT_OVERDUE: "payment.overdue",
    SubscriptionNoticeKind.PAYMENT_REMINDER: "payment.reminder",
}


def _plan_schedules(value: Mapping[Any, object]) -> dict[str, DunningSchedule]:
    """``dunning={plan_code: DunningSchedule}`` checked."""
    found: dict[str, DunningSchedule] = {}
    for code, schedule in value.items():
        if not isinstance(code, str) or not code:
            raise BillingError("dunning", code, "a plan code")
        checked = _dunning_schedule(schedule)
        if checked is None:
            raise BillingError(f"dunning[{code!r}]", schedule, "a DunningSchedule")
        found[code] = checked
    return found


def _with_ladder(
    overdue: OverdueLadder | None,
    dunning: DunningSchedule | None,
    plans: Mapping[str, DunningSchedule],
) -> None:
    """Under an overdue ladder the schedules only retry and tell: the ladder freezes and cancels
    (the rule of :class:`~billkit.subscriptions.LifecycleSettings`)."""
    if overdue is None:
        return
    named = [("dunning", dunning), *((f"dunning[{c!r}]", v) for c, v in sorted(plans.items()))]
    for field, schedule in named:
        if schedule is None:
            continue
        for step in (schedule.freeze_step, schedule.cancel_step):
            if step is not None:
                raise BillingError(
                    field,
                    step.move.value,
                    "a schedule that neither freezes nor cancels when an overdue ladder "
                    "decides (DunningSchedule.standard(grace_days=None, "
                    "cancel_at_cycle_end=False))",
                )


def _dunning_schedule(value: object) -> DunningSchedule | None:
    """``value`` checked as a schedule the engine runs (``None``: the attempt-counted dunning)."""
    if value is None:
        return None
    if not isinstance(value, DunningSchedule):
        raise BillingError("dunning", value, "a billkit.subscriptions.DunningSchedule or None")
    for step in value.steps:
        if step.move is DunningMove.NOTIFY and (
            step.anchor is not DunningAnchor.OVERDUE or step.notice not in _DUNNING_TOPICS
        ):
            raise BillingError(
                "dunning",
                step,
                "'notify' steps counted from the overdue day, with a notice payment_overdue "
                "or payment_reminder (the engine tells cancellations and deletion marks itself)",
            )
    if value.cancel_step is not None and value.freeze_step is None:
        raise BillingError(
            "dunning",
            value.steps,
            "a 'freeze' step with the 'cancel' step: the engine cancels frozen subscriptions",
        )
    return value


def _channels(field: str, value: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Checked channel choices: category -> channels (each once, each known)."""
    if not isinstance(value, Mapping):
        raise BillingError(field, value, "a mapping of category to channels")
    out: dict[str, tuple[str, ...]] = {}
    for category, chosen in value.items():
        if category not in _CATEGORY_NAMES:
            raise BillingError(f"{field}[{category!r}]", category, f"one of {_CATEGORY_NAMES}")
        if isinstance(chosen, str) or not all(c in CHANNELS for c in chosen):
            raise BillingError(
                f"{field}[{category!r}]", chosen, f"a list of channels from {list(CHANNELS)}"
            )
        out[category] = tuple(dict.fromkeys(chosen))
    return out


#: A notice about a draft not numbered yet: its messages, made once given the number.
_Numbered = Callable[[str | None], list[OutboxMessage]]


@attrs.define
class _Writes:
    """A batch's writes, held back to be written per table at once
    (:meth:`flush`): the drafts to issue, the documents' status changes, the
    notices (with an index into the drafts, whose number the payload gets:
    messages to add it to, or a function making them with it, ``_Numbered``)
    and the subscriptions' next billing days.

    ``series``: lock scopes (``series:<name>``) the transaction takes only
    before it first draws numbers (:meth:`numbering`), then holds to its end;
    empty when it took them at its start. The bill step's batches lock their
    customers at the start and the series here, so that batches compute in
    parallel and queue only for the numbering and commit (docs/architecture.md,
    "Numbers and locks")."""

    drafts: list[tuple[DocumentRecord, str]] = attrs.Factory(list)
    changes: list[DocumentEvent] = attrs.Factory(list)
    notices: list[tuple[int | None, list[OutboxMessage] | _Numbered]] = attrs.Factory(list)
    subscriptions: list[SubscriptionRecord] = attrs.Factory(list)
    series: tuple[str, ...] = ()

    def numbering(self, tx: Transaction) -> None:
        """Before ``tx`` draws a number: take the :attr:`series` scopes, once."""
        if self.series:
            tx.lock(self.series)
            self.series = ()

    def flush(self, tx: Transaction, at: datetime) -> None:
        """Write what is held in ``tx``: one call per table; then hold nothing."""
        issued: list[DocumentRecord] = []
        if self.drafts:
            self.numbering(tx)
            issued = tx.issue_all(self.drafts, at=at)
        if self.changes:
            tx.change_status_all(self.changes)
        messages: list[OutboxMessage] = []
        for index, notices in self.notices:
            if index is None:
                assert not callable(notices)
                messages += notices
                continue
            number = issued[index].number
            if callable(notices):  # made once, with the number (Billing._bill)
                messages += notices(number)
                continue
            messages += [
                attrs.evolve(m, payload=_data_with(m.payload, "number", number)) for m in notices
            ]
        if messages:
            tx.enqueue_all(messages)
        if self.subscriptions:
            tx.update_subscriptions(self.subscriptions)
        self.drafts.clear()
        self.changes.clear()
        self.notices.clear()
        self.subscriptions.clear()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=_UTC)


def _about(doc: DocumentRecord, amount: Money | None = None) -> dict[str, object]:
    """A notice's payload naming the document ``doc`` (its id and number) and
    ``amount`` (default: its total)."""
    assert doc.total is not None
    money = doc.total if amount is None else amount
    return {
        "document": doc.id,
        "number": doc.number or "",
        "total": str(money.amount),
        "currency": money.currency.code,
    }


class _Core:
    """The foundation of Billing: a layer of :class:`~billkit.engine.Billing`."""

    def __init__(
        self,
        store: Store,
        gateway: PaymentGateway,
        notifier: Notifier,
        clock: Clock,
        catalog: Iterable[Plan] = (),
        *,
        seller: Party | None = None,
        locale: str | None = None,
        payment_days: int | None = None,
        max_attempts: int | None = None,
        cancel_at_cycle_end: bool | None = None,
        deletion_days: int | Literal[_Unset.UNSET] | None = _UNSET,
        dunning: DunningSchedule | Mapping[str, DunningSchedule] | None = None,
        overdue: OverdueLadder | None = None,
        invoice_series: str | None = None,
        credit_series: str | None = None,
        methods: Iterable[PaymentMethod] | None = None,
        bonus: BonusProgram | None = None,
        channels: Mapping[str, Sequence[str]] | None = None,
        business: str | None = None,
        prices_include_tax: bool | Mapping[str, bool] | None = None,
        proforma: bool | Iterable[str] | None = None,
        proforma_series: str | None = None,
        proforma_final: str | None = None,
        act_series: str | None = None,
        proforma_approval: bool | None = None,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self.notifier = notifier
        self.clock = clock
        self.plans: dict[str, Plan] = {plan.code: plan for plan in catalog}
        self.business = (
            None if business is None else checks.text("business", business, error=BillingError)
        )
        given = {
            name: _setting(name, value)
            for name, value in (
                ("invoice_series", invoice_series),
                ("credit_series", credit_series),
                ("proforma_series", proforma_series),
                ("act_series", act_series),
                ("locale", locale),
                ("prices_include_tax", prices_include_tax),
                ("proforma", proforma),
                ("proforma_final", proforma_final),
                ("proforma_approval", proforma_approval),
                ("max_attempts", max_attempts),
                ("cancel_at_cycle_end", cancel_at_cycle_end),
                ("deletion_days", deletion_days),
                ("payment_days", payment_days),
                ("channels", channels),
                ("methods", methods),
                ("bonus", bonus),
            )
            if value is not (_UNSET if name == "deletion_days" else None)
        }
        with store.transaction(readonly=True) as tx:
            self._use_settings(self._settings(given, self._kept_settings(tx)))
        self.plan_dunning: dict[str, DunningSchedule] = {}
        self.dunning: DunningSchedule | None = None
        self.overdue: OverdueLadder | None = None
        given_dunning = dunning is not None
        if isinstance(dunning, Mapping):
            plan_dunning, dunning = _plan_schedules(dunning), None
        else:
            plan_dunning, dunning = {}, _dunning_schedule(dunning)
        if overdue is not None and not isinstance(overdue, OverdueLadder):
            raise BillingError("overdue", overdue, "a billkit.subscriptions.OverdueLadder or None")
        lock = [
            f"account:{self._dunning_id}",
            f"account:{self._settings_id}",
            *(f"series:{s}" for s in self.series.values()),
        ]
        with store.transaction(lock=lock) as tx:
            kept_settings = self._kept_settings(tx)
            self._settings(given, kept_settings)  # again, under the lock: one kept meanwhile
            if any(name not in kept_settings for name in given):  # the same value kept stays
                tx.save_payer(PayerRecord(id=self._settings_id, data={**given, **kept_settings}))
            for name in self.series.values():
                try:
                    tx.series(name)
                except NotFoundError:
                    tx.create_series(SeriesRecord(name=name, prefix=f"{name}-", width=6))
            for plan in self.plans.values():
                tx.save_plan(PlanRecord(code=plan.code, data=to_data(plan)))
            seller = self._seller(tx, seller)
            kept = self._kept_dunning(tx)
            if given_dunning:
                if kept is not None and (kept[0], kept[1]) != (dunning, plan_dunning):
                    raise BillingError(
                        "dunning",
                        dunning if dunning is not None else plan_dunning,
                        "the dunning the store keeps (set by an earlier Billing on it: "
                        "leave dunning= out to use it, or replace it with change_dunning())",
                    )
            elif kept is not None:
                dunning, plan_dunning = kept[0], kept[1]
            if overdue is not None:
                if kept is not None and kept[2] != overdue:
                    raise BillingError(
                        "overdue",
                        overdue,
                        "the overdue ladder the store keeps (leave overdue= out to use it, "
                        "or replace it with change_dunning())",
                    )
            elif kept is not None:
                overdue = kept[2]
            self._use_dunning(dunning, plan_dunning, overdue)
            if kept is None and (given_dunning or overdue is not None):
                self._keep_dunning(tx)
        self.seller: Party = seller

    def _use_dunning(
        self,
        dunning: DunningSchedule | None,
        plan_dunning: Mapping[str, DunningSchedule],
        overdue: OverdueLadder | None,
    ) -> None:
        _with_ladder(overdue, dunning, plan_dunning)
        self.dunning, self.plan_dunning, self.overdue = dunning, dict(plan_dunning), overdue
        self.deletion_days = (
            self._deletion_days if self.dunning is None else self.dunning.deletion_days
        )

    @property
    def _dunning_id(self) -> str:
        """The payer record keeping this business's dunning (one per ``business=``)."""
        return DUNNING_ID if self.business is None else f"{DUNNING_ID}/{self.business}"

    def _kept_dunning(
        self, tx: Transaction
    ) -> tuple[DunningSchedule | None, dict[str, DunningSchedule], OverdueLadder | None] | None:
        """The dunning the store keeps (``None``: none kept)."""
        try:
            data = tx.payer(self._dunning_id).data
        except NotFoundError:
            return None
        business = data.get("dunning")
        plans = data.get("plans") or {}
        ladder = data.get("overdue")
        assert isinstance(plans, Mapping)
        return (
            None if business is None else from_data(business),
            {str(code): from_data(value) for code, value in plans.items()},
            None if ladder is None else from_data(ladder),
        )

    def _keep_dunning(self, tx: Transaction) -> None:
        data = {
            "dunning": None if self.dunning is None else to_data(self.dunning),
            "plans": {code: to_data(v) for code, v in sorted(self.plan_dunning.items())},
            "overdue": None if self.overdue is None else to_data(self.overdue),
        }
        tx.save_payer(PayerRecord(id=self._dunning_id, data=data))

    @property
    def _settings_id(self) -> str:
        """The payer record keeping this business's settings (one per ``business=``)."""
        return SETTINGS_ID if self.business is None else f"{SETTINGS_ID}/{self.business}"

    def _kept_settings(self, tx: Transaction) -> dict[str, object]:
        """The settings the store keeps for this business (``{}``: none kept)."""
        try:
            return dict(tx.payer(self._settings_id).data)
        except NotFoundError:
            return {}

    def _settings(
        self, given: Mapping[str, object], kept: Mapping[str, object]
    ) -> dict[str, object]:
        """Each setting: the one given, else the one kept, else its default; one
        given that differs from the one kept is refused, naming it."""
        for name, value in given.items():
            if name in kept and not _same_setting(name, kept[name], value):
                which = "the store" if self.business is None else f"business {self.business!r}"
                raise BillingError(
                    name,
                    value,
                    f"the {name} kept in {which} ({kept[name]!r}, set by an earlier Billing "
                    f"on it): leave {name}= out to use it, or change it with change_settings()",
                )
        return {name: given.get(name, kept.get(name, d)) for name, d in _SETTINGS.items()}

    def _use_settings(self, chosen: Mapping[str, object]) -> None:
        """Use the settings ``chosen`` (each as the store keeps it, :func:`_setting`),
        checked again, as they may come from the store: all of them, or (one
        refused) none."""
        value = {name: _kept_value(name, chosen[name]) for name in _SETTINGS}
        series, plans = _series_of(value)
        include = value["prices_include_tax"]
        self.series = series
        self.locale: str = str(value["locale"])
        self.prices_include_tax: bool | None = None if isinstance(include, Mapping) else include  # type: ignore[assignment]
        self.plan_prices_include_tax: Mapping[str, bool] = (
            include if isinstance(include, Mapping) else {}
        )
        self.proforma_plans: frozenset[str] | None = plans
        self.proforma_final: str = str(value["proforma_final"])
        _check_approval(value)
        self.proforma_approval: bool = value["proforma_approval"]  # type: ignore[assignment]
        self.max_attempts: int = value["max_attempts"]  # type: ignore[assignment]
        self.cancel_at_cycle_end: bool = value["cancel_at_cycle_end"]  # type: ignore[assignment]
        self._deletion_days: int | None = value["deletion_days"]  # type: ignore[assignment]
        schedule: DunningSchedule | None = getattr(self, "dunning", None)  # None in __init__
        self.deletion_days = self._deletion_days if schedule is None else schedule.deletion_days
        self.payment_days: int = value["payment_days"]  # type: ignore[assignment]
        self.channels: dict[str, tuple[str, ...]] = _channels("channels", value["channels"])  # type: ignore[arg-type]
        self.methods: dict[str, PaymentMethod] = value["methods"]  # type: ignore[assignment]
        self.bonus: BonusProgram | None = value["bonus"]  # type: ignore[assignment]

    def _seller(self, tx: Transaction, seller: Party | None) -> Party:
        """Keep ``seller`` as the business's seller, or read the one kept."""
        record = SELLER_ID if self.business is None else f"{SELLER_ID}/{self.business}"
        if seller is not None:
            seller = checks.instance("seller", seller, Party, error=BillingError)
            tx.save_payer(PayerRecord(id=record, data={"party": to_data(seller)}))
            return seller
        try:
            kept: Party = from_data(tx.payer(record).data["party"])
        except NotFoundError:
            which = "the store" if self.business is None else f"business {self.business!r}"
            raise BillingError(
                "seller", None, f"a seller: none is kept in the store for {which}"
            ) from None
        return kept

    # ------------------------------------------------------------ helpers

    def _plan(self, code: str, tx: Transaction | None = None) -> Plan:
        if code not in self.plans:
            try:
                if tx is not None:
                    self.plans[code] = from_data(tx.plan(code).data)
                else:
                    with self.store.transaction(readonly=True) as own:
                        self.plans[code] = from_data(own.plan(code).data)
            except NotFoundError:
                raise SubscriptionError("plan", code, "a plan of the catalog") from None
        return self.plans[code]

    def _subscribed(self, record: SubscriptionRecord, tx: Transaction) -> Subscribed:
        ends = record.data.get("ends")
        return Subscribed(
            id=record.id,
            plans=[
                PlanFrom(on=date.fromisoformat(on), plan=self._plan(code, tx))
                for on, code in record.data["plans"]
            ],
            ends=date.fromisoformat(ends) if ends else None,
        )
