"""Hosted services: their states, who may move them, and which of them are billed.

The hosting provider's billing panel
shows every service in one of nine states: ordered, active, suspended by the
customer (a daily-billed service), stopped by the customer (a periodically
billed one), stopped by the administrator, stopped for a violation,
processing (opening, switching off or on, rebooting, renewing, transferring,
deleting), needs setup, out of stock. billkit adds ``deleted``, the final
state a deletion ends in.

:func:`service_transition` moves a :class:`Service` by a
:class:`ServiceEvent`, refusing an event the state does not allow
(:class:`~billkit.errors.TransitionError`) or an actor who may not make it
(:class:`~billkit.errors.NotAllowedError`): a customer cannot restart a
service the administrator stopped. :func:`is_billed` says whether a state is
billed; by default a daily-billed service is charged only while it runs, and
a periodic service's paid term keeps running whatever stops it.

>>> from datetime import date
>>> from billkit.money import Money
>>> vps = Service(id="vps-1", product="vps", billing="daily", price=Money("16.00", "RUB"),
...               state="active")
>>> out = service_transition(vps, ServiceEvent.STOP, actor=Actor.CUSTOMER, on=date(2026, 3, 1))
>>> out.service.state, is_billed(out.service)
(<ServiceState.SUSPENDED: 'suspended'>, False)
>>> [str(a) for a in out.actions]
['2026-03-01 vps-1 stop_service (stopped by the customer)']
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Mapping
from datetime import date
from typing import ClassVar, Final

import attrs
from moneyed import Money

from billkit import _checks as checks
from billkit._states import Machine
from billkit.errors import (
    NotAllowedError,
    PeriodError,
    SubscriptionError,
    TransitionError,
    ValidationError,
)
from billkit.periods import MONTHLY, Cycle
from billkit.subscriptions.actions import ActionKind, SubscriptionAction, Transition
from billkit.subscriptions.settings import DAY

__all__ = [
    "BALANCE",
    "DEFAULT_SERVICE_SETTINGS",
    "Actor",
    "BillingMode",
    "Operation",
    "Service",
    "ServiceEvent",
    "ServiceOutcome",
    "ServiceSettings",
    "ServiceState",
    "daily_charge",
    "is_billed",
    "service_transition",
]

BALANCE: Final = "balance"
"""The ``pay_from`` of a service renewed from the account balance (any other
value names a saved payment method)."""


class ServiceState(str, enum.Enum):
    """The states of a hosted service.

    >>> ServiceState("stopped_for_violation") is ServiceState.STOPPED_FOR_VIOLATION
    True
    """

    ORDERED = "ordered"
    PROCESSING = "processing"
    NEEDS_SETUP = "needs_setup"
    OUT_OF_STOCK = "out_of_stock"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    STOPPED = "stopped"
    STOPPED_BY_ADMIN = "stopped_by_admin"
    STOPPED_FOR_VIOLATION = "stopped_for_violation"
    DELETED = "deleted"


class BillingMode(str, enum.Enum):
    """How a service is charged: every day from the balance, or per paid term.

    >>> BillingMode("periodic") is BillingMode.PERIODIC
    True
    """

    DAILY = "daily"
    PERIODIC = "periodic"


class Operation(str, enum.Enum):
    """What a PROCESSING service is doing.

    >>> [op.value for op in Operation]
    ['opening', 'switching_off', 'switching_on', 'rebooting', 'renewing', 'transferring', 'deleting']
    """

    OPENING = "opening"
    SWITCHING_OFF = "switching_off"
    SWITCHING_ON = "switching_on"
    REBOOTING = "rebooting"
    RENEWING = "renewing"
    TRANSFERRING = "transferring"
    DELETING = "deleting"


class Actor(str, enum.Enum):
    """Who makes a service event: the customer, the provider's administrator,
    or the billing system itself.

    >>> Actor("admin") is Actor.ADMIN
    True
    """

    CUSTOMER = "customer"
    ADMIN = "admin"
    SYSTEM = "system"


class ServiceEvent(str, enum.Enum):
    """What can happen to a service.

    * ``PAY``: the order was paid: opening starts (ORDERED -> PROCESSING);
    * ``REQUIRE_SETUP``: a quick order lacks parameters (-> NEEDS_SETUP);
      ``COMPLETE_SETUP``: the customer filled them in (-> PROCESSING);
    * ``RUN_OUT_OF_STOCK`` / ``RESTOCK``: the panel lacks resources to open it;
    * ``BEGIN``: an operation starts (-> PROCESSING, with an :class:`Operation`);
      ``FINISH``: it ends (-> where the operation leads);
    * ``STOP`` / ``START``: the customer stops or starts the service
      (SUSPENDED when billed daily, STOPPED when billed per term);
    * ``ADMIN_STOP`` / ``ADMIN_START``: the administrator stops or restarts it
      (ADMIN_START also lifts a violation stop);
    * ``VIOLATION``: the automatic stop for exceeding the violation limit;
    * ``EXPIRE``: the paid term ended without renewal: a running service is
      stopped (-> STOPPED_BY_ADMIN, remembering the state it was in), a
      stopped one stays stopped; ``RENEW``: a late renewal brings a service
      its expiry stopped back to that state;
    * ``DELETE``: the service is removed (-> DELETED).

    >>> ServiceEvent("admin_stop") is ServiceEvent.ADMIN_STOP
    True
    """

    PAY = "pay"
    REQUIRE_SETUP = "require_setup"
    COMPLETE_SETUP = "complete_setup"
    RUN_OUT_OF_STOCK = "run_out_of_stock"
    RESTOCK = "restock"
    BEGIN = "begin"
    FINISH = "finish"
    STOP = "stop"
    START = "start"
    ADMIN_STOP = "admin_stop"
    ADMIN_START = "admin_start"
    VIOLATION = "violation"
    EXPIRE = "expire"
    RENEW = "renew"
    DELETE = "delete"


SS = ServiceState
E = ServiceEvent
A = Actor
_ANYONE: Final = frozenset({A.CUSTOMER, A.ADMIN, A.SYSTEM})
_PROVIDER: Final = frozenset({A.ADMIN, A.SYSTEM})
_CUSTOMER: Final = frozenset({A.CUSTOMER, A.ADMIN})
_RUNNING: Final = frozenset({SS.ACTIVE, SS.SUSPENDED, SS.STOPPED})
_STOPPED: Final = frozenset(
    {SS.SUSPENDED, SS.STOPPED, SS.STOPPED_BY_ADMIN, SS.STOPPED_FOR_VIOLATION}
)

# event -> (states it may start from, actors who may make it)
_TABLE: Final[Mapping[ServiceEvent, tuple[frozenset[ServiceState], frozenset[Actor]]]] = {
    E.PAY: (frozenset({SS.ORDERED}), _PROVIDER),
    E.REQUIRE_SETUP: (frozenset({SS.ORDERED, SS.PROCESSING}), _PROVIDER),
    E.COMPLETE_SETUP: (frozenset({SS.NEEDS_SETUP}), _CUSTOMER),
    E.RUN_OUT_OF_STOCK: (frozenset({SS.ORDERED, SS.PROCESSING}), _PROVIDER),
    E.RESTOCK: (frozenset({SS.OUT_OF_STOCK}), _PROVIDER),
    E.BEGIN: (_RUNNING | _STOPPED, _ANYONE),
    E.FINISH: (frozenset({SS.PROCESSING}), _PROVIDER),
    E.STOP: (frozenset({SS.ACTIVE}), _CUSTOMER),
    E.START: (frozenset({SS.SUSPENDED, SS.STOPPED}), _CUSTOMER),
    E.ADMIN_STOP: (frozenset({SS.ACTIVE, SS.SUSPENDED, SS.STOPPED}), frozenset({A.ADMIN})),
    E.ADMIN_START: (
        frozenset({SS.STOPPED_BY_ADMIN, SS.STOPPED_FOR_VIOLATION}),
        frozenset({A.ADMIN}),
    ),
    E.VIOLATION: (frozenset({SS.ACTIVE, SS.SUSPENDED, SS.STOPPED}), _PROVIDER),
    E.EXPIRE: (_RUNNING | _STOPPED | frozenset({SS.PROCESSING}), frozenset({A.SYSTEM})),
    E.RENEW: (frozenset({SS.STOPPED_BY_ADMIN}), frozenset({A.SYSTEM})),
    E.DELETE: (frozenset(SS) - {SS.DELETED}, _CUSTOMER),
}
# Operations that only a PROCESSING step of another event may start (they are
# begun by PAY, COMPLETE_SETUP and RESTOCK), and who may begin the others.
_BEGIN_ACTORS: Final = {
    Operation.SWITCHING_OFF: _CUSTOMER,
    Operation.SWITCHING_ON: _CUSTOMER,
    Operation.REBOOTING: _ANYONE,
    Operation.RENEWING: _ANYONE,
    Operation.TRANSFERRING: _ANYONE,
    Operation.DELETING: _CUSTOMER,
}


_BY_PROVIDER: Final = frozenset({SS.STOPPED_BY_ADMIN, SS.STOPPED_FOR_VIOLATION})


@functools.cache
def _lifecycle(
    stop_to: ServiceState, finish_to: ServiceState | None, renew_to: ServiceState | None
) -> Machine[ServiceState, ServiceEvent]:
    """The service lifecycle as a table, for a service whose customer stop leads
    to ``stop_to`` (by billing mode), whose operation in progress ends in
    ``finish_to`` and whose expiry stop a renewal lifts to ``renew_to`` (``None``:
    no such move). The states each event may start from are :data:`_TABLE`'s."""
    targets: dict[ServiceEvent, ServiceState | None] = {
        E.PAY: SS.PROCESSING,
        E.REQUIRE_SETUP: SS.NEEDS_SETUP,
        E.COMPLETE_SETUP: SS.PROCESSING,
        E.RUN_OUT_OF_STOCK: SS.OUT_OF_STOCK,
        E.RESTOCK: SS.PROCESSING,
        E.BEGIN: SS.PROCESSING,
        E.FINISH: finish_to,
        E.STOP: stop_to,
        E.START: SS.ACTIVE,
        E.ADMIN_STOP: SS.STOPPED_BY_ADMIN,
        E.ADMIN_START: SS.ACTIVE,
        E.VIOLATION: SS.STOPPED_FOR_VIOLATION,
        E.EXPIRE: SS.STOPPED_BY_ADMIN,  # a provider's stop stays as it is (below)
        E.RENEW: renew_to,
        E.DELETE: SS.DELETED,
    }
    table: dict[tuple[ServiceState, ServiceEvent], ServiceState] = {}
    for state in SS:  # in state order, each state's events in event order
        for event, (starts, _) in _TABLE.items():
            after = targets[event]
            if state not in starts or after is None:
                continue
            if event is E.EXPIRE and state in _BY_PROVIDER:
                after = state
            table[(state, event)] = after
    return Machine("service", ServiceState, table, events=ServiceEvent, error=SubscriptionError)


def _machine(service: Service) -> Machine[ServiceState, ServiceEvent]:
    finish_to = _finish_state(service) if service.state is SS.PROCESSING else None
    renew_to = service.resume_state if service.expired_on is not None else None
    return _lifecycle(_customer_stop(service), finish_to, renew_to)


def _billed_map(value: object) -> Mapping[BillingMode, frozenset[ServiceState]]:
    if not isinstance(value, Mapping):
        raise SubscriptionError(
            "billed", value, "a mapping of BillingMode to a set of ServiceState"
        )
    merged = dict(_DEFAULT_BILLED)
    for key, states in value.items():
        mode = checks.member("billed", key, BillingMode, error=SubscriptionError)
        if isinstance(states, str) or not isinstance(states, Iterable):
            raise SubscriptionError(f"billed[{mode.value!r}]", states, "a set of ServiceState")
        merged[mode] = frozenset(
            checks.member(f"billed[{mode.value!r}]", s, ServiceState, error=SubscriptionError)
            for s in states
        )
    return checks.FrozenMap(merged)


_DEFAULT_BILLED: Final = checks.FrozenMap(
    {
        BillingMode.DAILY: frozenset({SS.ACTIVE, SS.PROCESSING}),
        BillingMode.PERIODIC: frozenset(
            {
                SS.ACTIVE,
                SS.PROCESSING,
                SS.STOPPED,
                SS.STOPPED_BY_ADMIN,
                SS.STOPPED_FOR_VIOLATION,
            }
        ),
    }
)


@attrs.frozen(kw_only=True)
class ServiceSettings:
    """Which states are billed, per billing mode.

    The defaults: a **daily-billed** service is charged for a day only while
    it runs (ACTIVE, or PROCESSING an operation other than opening): the
    hosting panel's "temporarily stopped" state exists precisely because a customer
    suspends a daily service to stop paying for it. A **periodic** service's
    paid term runs, and falls due for renewal, in every state after it
    opened: stopping it (by anyone) does not pause or refund the term. Not
    yet opened (ordered, opening, needs setup, out of stock) or deleted:
    never billed. Override per mode with ``billed``.

    >>> ServiceSettings().billed[BillingMode.DAILY] == {ServiceState.ACTIVE, ServiceState.PROCESSING}
    True
    """

    billed: Mapping[BillingMode, frozenset[ServiceState]] = attrs.field(
        factory=dict, converter=_billed_map, eq=False, hash=False
    )
    _key: tuple[tuple[str, frozenset[ServiceState]], ...] = attrs.field(init=False, repr=False)

    @_key.default
    def _make_key(self) -> tuple[tuple[str, frozenset[ServiceState]], ...]:
        return tuple((mode.value, self.billed[mode]) for mode in BillingMode)


DEFAULT_SERVICE_SETTINGS: Final = ServiceSettings()
"""Daily services billed while they run; periodic terms run once opened."""


def _term(value: object) -> Cycle | None:
    if value is None or isinstance(value, Cycle):
        return value
    if isinstance(value, str):
        return Cycle.parse(value)
    raise SubscriptionError("term", value, "a Cycle such as MONTHLY, or None")


@attrs.frozen(kw_only=True)
class Service:
    """A hosted service of one customer.

    * ``product``: the kind of product (``'vps'``, ``'domain'``,
      ``'ssl_certificate'``...), which sets its renewal lead time;
    * ``billing``: daily or periodic; ``price``: per day or per ``term``;
    * ``anchor`` and ``expires_on`` (periodic): the first day of the first
      term and the first day not paid for; terms are counted from the anchor
      so a service from 31 January renews to 28 February, then 31 March;
    * ``auto_renew`` and ``pay_from``: renew automatically from the account
      balance (:data:`BALANCE`) or from a saved payment method (its id);
    * ``operation`` and ``resume_state``: what a PROCESSING service does, and
      the state it returns to (also the state an expiry stopped it in);
    * ``expired_on``: the day an unrenewed term stopped it (a renewal brings
      it back); ``renewal_failed_on`` and ``last_attempt_on``: the renewal
      being chased (see :mod:`billkit.subscriptions.renewals`).

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> Service(id="dom-1", product="domain", price=Money("990.00", "RUB"), state="active",
    ...         anchor=date(2025, 6, 1), expires_on=date(2026, 6, 1), term="1 year").term
    Cycle(unit=<CycleUnit.YEAR: 'year'>, count=1)
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    id: str = attrs.field(converter=checks.TEXT)
    product: str = attrs.field(default="service", converter=checks.TEXT)
    billing: BillingMode = attrs.field(default=BillingMode.PERIODIC, converter=checks.MEMBER)
    state: ServiceState = attrs.field(default=ServiceState.ORDERED, converter=checks.MEMBER)
    price: Money = attrs.field(converter=checks.MONEY, metadata=checks.options(sign="zero_or_more"))
    term: Cycle | None = attrs.field(default=MONTHLY, converter=_term)
    anchor: date | None = attrs.field(default=None, converter=DAY)
    expires_on: date | None = attrs.field(default=None, converter=DAY)
    auto_renew: bool = attrs.field(default=False, converter=checks.FLAG)
    pay_from: str | None = attrs.field(default=None, converter=checks.TEXT)
    operation: Operation | None = attrs.field(default=None, converter=checks.MEMBER)
    resume_state: ServiceState | None = attrs.field(default=None, converter=checks.MEMBER)
    expired_on: date | None = attrs.field(default=None, converter=DAY)
    renewal_failed_on: date | None = attrs.field(default=None, converter=DAY)
    last_attempt_on: date | None = attrs.field(default=None, converter=DAY)

    def __attrs_post_init__(self) -> None:
        if self.billing is BillingMode.DAILY:
            if self.auto_renew or self.expires_on is not None:
                raise SubscriptionError(
                    "billing",
                    self.billing.value,
                    "'periodic' for a service with an expiry date or auto-renewal "
                    "(a daily-billed service is charged each day and never expires)",
                )
        elif self.term is None:
            raise SubscriptionError("term", None, "a Cycle for a periodically billed service")
        if (self.anchor is None) != (self.expires_on is None):
            raise SubscriptionError(
                "expires_on", self.expires_on, "set together with anchor (both or neither)"
            )
        if (
            self.anchor is not None
            and self.expires_on is not None
            and self.expires_on <= self.anchor
        ):
            raise SubscriptionError(
                "expires_on", self.expires_on, f"a day after anchor ({self.anchor})"
            )
        if self.auto_renew and self.pay_from is None:
            raise SubscriptionError(
                "pay_from", None, f"{BALANCE!r} or a saved method id when auto_renew is on"
            )
        if (self.state is ServiceState.PROCESSING) != (self.operation is not None):
            raise SubscriptionError(
                "operation", self.operation, "set exactly when the state is 'processing'"
            )
        if (
            self.resume_state is not None
            and self.state is not ServiceState.PROCESSING
            and (self.expired_on is None or self.state is not ServiceState.STOPPED_BY_ADMIN)
        ):
            raise SubscriptionError(
                "resume_state",
                self.resume_state.value,
                "None, unless the service is processing or was stopped by its expiry",
            )


@attrs.frozen(kw_only=True)
class ServiceOutcome:
    """The service after an event, the actions for the caller and the state change.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> vm = Service(id="vm-1", price=Money("500.00", "RUB"))
    >>> out = service_transition(vm, "pay", actor="system", on=date(2026, 3, 1))
    >>> out.service.state.value, out.service.operation.value, out.actions
    ('processing', 'opening', ())
    >>> [str(t) for t in out.transitions]
    ['2026-03-01 vm-1 ordered -> processing (paid: opening)']
    """

    service: Service
    actions: tuple[SubscriptionAction, ...] = ()
    transitions: tuple[Transition, ...] = ()


def is_billed(service: Service, settings: ServiceSettings = DEFAULT_SERVICE_SETTINGS) -> bool:
    """Whether ``service`` is billed in its current state (see :class:`ServiceSettings`).

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> vm = Service(id="vm", price=Money("500.00", "RUB"), state="stopped",
    ...              anchor=date(2026, 3, 1), expires_on=date(2026, 4, 1))
    >>> is_billed(vm)     # a periodic term runs while the customer keeps it stopped
    True
    """
    checks.instance("service", service, Service, error=SubscriptionError)
    if service.state is ServiceState.PROCESSING and service.operation is Operation.OPENING:
        return False
    return service.state in settings.billed[service.billing]


def daily_charge(
    service: Service, on: date, settings: ServiceSettings = DEFAULT_SERVICE_SETTINGS
) -> SubscriptionAction | None:
    """The day's charge of a daily-billed service: a debit of its price, or ``None``.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> vps = Service(id="vps-1", billing="daily", term=None, price=Money("16.00", "RUB"),
    ...               state="active")
    >>> print(daily_charge(vps, date(2026, 3, 1)))
    2026-03-01 vps-1 debit_balance 16.00 RUB (daily charge)
    >>> daily_charge(attrs.evolve(vps, state="suspended"), date(2026, 3, 2)) is None
    True
    """
    on = checks.day("on", on, error=PeriodError)
    if service.billing is not BillingMode.DAILY or not is_billed(service, settings):
        return None
    return SubscriptionAction(
        on=on,
        kind=ActionKind.DEBIT_BALANCE,
        subject=service.id,
        amount=service.price,
        reason="daily charge",
    )


def _allowed(service: Service, actor: Actor) -> tuple[str, ...]:
    return tuple(
        event.value
        for event in _machine(service).allowed(service.state)
        if actor in _TABLE[event][1]
    )


def _customer_stop(service: Service) -> ServiceState:
    return SS.SUSPENDED if service.billing is BillingMode.DAILY else SS.STOPPED


def _finish_state(service: Service) -> ServiceState:
    op = service.operation
    if op in (Operation.OPENING, Operation.SWITCHING_ON):
        return SS.ACTIVE
    if op is Operation.SWITCHING_OFF:
        return _customer_stop(service)
    if op is Operation.DELETING:
        return SS.DELETED
    assert service.resume_state is not None
    return service.resume_state


def service_transition(
    service: Service,
    event: ServiceEvent | str,
    *,
    actor: Actor | str,
    on: date,
    operation: Operation | str | None = None,
) -> ServiceOutcome:
    """Move ``service`` by ``event``, made by ``actor`` on day ``on``.

    ``operation`` is required for ``BEGIN`` (what the service starts doing).
    Switching a service off emits ``STOP_SERVICE``, switching it on
    ``START_SERVICE``. An event the state does not allow raises
    :class:`~billkit.errors.TransitionError`; an actor who may not make it,
    :class:`~billkit.errors.NotAllowedError`.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> vm = Service(id="vm-7", price=Money("500.00", "RUB"), state="active",
    ...              anchor=date(2026, 3, 1), expires_on=date(2026, 4, 1))
    >>> stopped = service_transition(vm, "admin_stop", actor="admin", on=date(2026, 3, 9)).service
    >>> service_transition(stopped, "start", actor="customer", on=date(2026, 3, 9))
    Traceback (most recent call last):
    ...
    billkit.errors.TransitionError: service vm-7 in state 'stopped_by_admin' cannot 'start'; allowed: 'begin', 'delete'
    >>> service_transition(stopped, "admin_start", actor="customer", on=date(2026, 3, 9))
    Traceback (most recent call last):
    ...
    billkit.errors.NotAllowedError: role 'customer' may not 'admin_start'; allowed roles: 'admin'
    """
    checks.instance("service", service, Service, error=SubscriptionError)
    event = checks.member("event", event, ServiceEvent, error=SubscriptionError)
    who = checks.member("actor", actor, Actor, error=SubscriptionError)
    on = checks.day("on", on, error=PeriodError)
    states, actors = _TABLE[event]
    op: Operation | None = None
    if event is E.BEGIN:
        if operation is None:
            raise SubscriptionError("operation", None, "an Operation for 'begin'")
        op = checks.member("operation", operation, Operation, error=SubscriptionError)
        if op not in _BEGIN_ACTORS:
            raise SubscriptionError(
                "operation", op.value, "an operation other than 'opening' (paying opens a service)"
            )
        actors = _BEGIN_ACTORS[op]
        if op is Operation.SWITCHING_OFF:
            states = frozenset({SS.ACTIVE})
        elif op is Operation.SWITCHING_ON:
            states = frozenset({SS.SUSPENDED, SS.STOPPED})
    if who not in actors:
        raise NotAllowedError(who.value, event.value, sorted(a.value for a in actors))
    machine = _machine(service)
    renewable = service.resume_state if service.expired_on is not None else None
    if event is E.RENEW and service.state is SS.STOPPED_BY_ADMIN and renewable is None:
        raise TransitionError(
            f"service {service.id}",
            f"{service.state.value} (not by its expiry)",
            event.value,
            [e for e in _allowed(service, who) if e != E.RENEW.value],
        )
    if service.state not in states or not machine.can(service.state, event):
        raise TransitionError(
            f"service {service.id}", service.state.value, event.value, _allowed(service, who)
        )
    after = machine.apply(service.state, event)
    changes: dict[str, object] = {}
    reason = ""
    if event is E.PAY:
        changes = {"operation": Operation.OPENING, "resume_state": None}
        reason = "paid: opening"
    elif event is E.REQUIRE_SETUP:
        changes = {"operation": None, "resume_state": None}
        reason = "needs setup"
    elif event in (E.COMPLETE_SETUP, E.RESTOCK):
        changes = {"operation": Operation.OPENING, "resume_state": None}
        reason = "opening"
    elif event is E.RUN_OUT_OF_STOCK:
        changes = {"operation": None, "resume_state": None}
        reason = "out of stock"
    elif event is E.BEGIN:
        assert op is not None
        changes = {"operation": op, "resume_state": service.state}
        reason = op.value
    elif event is E.FINISH:
        changes = {"operation": None, "resume_state": None}
        reason = f"{service.operation.value if service.operation else ''} finished"
    elif event is E.STOP:
        changes = {}
        reason = "stopped by the customer"
    elif event is E.START:
        changes = {}
        reason = "started by the customer"
    elif event is E.ADMIN_STOP:
        changes = {}
        reason = "stopped by the administrator"
    elif event is E.ADMIN_START:
        changes = {"expired_on": None}
        reason = "started by the administrator"
    elif event is E.VIOLATION:
        changes = {}
        reason = "stopped for exceeding the violation limit"
    elif event is E.EXPIRE:
        reason = f"the paid term ended on {service.expires_on}"
        if service.state in _STOPPED - {SS.SUSPENDED, SS.STOPPED}:
            changes = {"expired_on": on}  # stopped already, by the provider: stays so (the table)
        else:
            was = service.state
            if was is SS.PROCESSING:
                was = service.resume_state or SS.ACTIVE
            changes = {
                "operation": None,
                "resume_state": was,
                "expired_on": on,
            }
    elif event is E.RENEW:
        changes = {"resume_state": None, "expired_on": None}
        reason = "renewed after its expiry"
    else:  # DELETE
        changes = {
            "operation": None,
            "resume_state": None,
            "auto_renew": False,
        }
        reason = "deleted"
    changes["state"] = after
    new = attrs.evolve(service, **changes)
    return _outcome(service, new, on, reason, event)


def _outcome(
    old: Service, new: Service, on: date, reason: str, event: ServiceEvent
) -> ServiceOutcome:
    """The transition, and STOP_SERVICE / START_SERVICE when a direct change
    switches the service off or on (a PROCESSING operation is the panel's own
    work, so passing through it asks nothing of the caller)."""
    if old.state is new.state:
        return ServiceOutcome(service=new)
    transition = Transition(
        on=on, subject=new.id, before=old.state.value, after=new.state.value, reason=reason
    )
    kind: ActionKind | None = None
    if event is E.EXPIRE:
        kind = None if old.state in _STOPPED else ActionKind.STOP_SERVICE
    elif SS.PROCESSING in (old.state, new.state):
        kind = None
    elif new.state is SS.ACTIVE:
        kind = ActionKind.START_SERVICE
    elif old.state is SS.ACTIVE and new.state in _STOPPED:
        kind = ActionKind.STOP_SERVICE
    actions = (
        ()
        if kind is None
        else (SubscriptionAction(on=on, kind=kind, subject=new.id, reason=reason),)
    )
    return ServiceOutcome(service=new, actions=actions, transitions=(transition,))
