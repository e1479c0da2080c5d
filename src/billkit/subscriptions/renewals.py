"""Auto-renewal of hosted services from the balance or a saved payment method.

The hosting provider's rules (REQUIREMENTS.md, section 3; seed 002):

* with auto-renewal on, the system tries to pay for a service **one day
  before it expires** (**60 days** before for domains and SSL certificates;
  every lead time is a setting, per product);
* it pays from the **account balance** or from a **saved payment method**
  (card or e-wallet);
* if a saved method's payment fails, the method's state becomes **not
  working**, a notice is sent, and the payment is **retried the next day if
  the method works again** (the customer fixed or topped up the card: a
  successful payment sets it back to enabled);
* saved methods are **enabled**, **being set up** or **not working**;
* **deleting a method turns off auto-renewal** of every service bound to it;
* while a postpaid credit line is blocked there is no auto-renewal from the
  account (pass ``balance_blocked``); saved methods still work, and services
  stopped meanwhile come back by themselves once a renewal succeeds.

Each day the caller asks :func:`renewal_day` what to do for a service; it
answers with the new service (and method) and the actions: a charge of the
saved method or a debit of the balance to attempt, a notice, or the stop of
an expired service. The caller reports the attempt's result with
:func:`renewal_result`. Nothing here reads a clock or moves money.

>>> from datetime import date
>>> from billkit.money import Money
>>> card = SavedMethod(id="card-1111")
>>> vps = Service(id="vps-7", product="vps", price=Money("500.00", "RUB"), state="active",
...               anchor=date(2026, 3, 1), expires_on=date(2026, 4, 1),
...               auto_renew=True, pay_from="card-1111")
>>> renewal_day(vps, date(2026, 3, 30), method=card).actions    # not due yet
()
>>> [str(a) for a in renewal_day(vps, date(2026, 3, 31), method=card).actions]
['2026-03-31 vps-7 charge 500.00 RUB via card-1111 (auto-renewal, term ends 2026-04-01)']
>>> done = renewal_result(vps, date(2026, 3, 31), paid=True, method=card)
>>> done.service.expires_on
datetime.date(2026, 5, 1)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Final

import attrs
from moneyed import Money

from billkit._frozen import FrozenDict
from billkit.errors import CurrencyMismatchError, SubscriptionError, TransitionError
from billkit.periods import Period
from billkit.subscriptions import _checks as c
from billkit.subscriptions.actions import Action, ActionKind, NoticeKind, Transition
from billkit.subscriptions.services import (
    BALANCE,
    DEFAULT_SERVICE_SETTINGS,
    Actor,
    BillingMode,
    Service,
    ServiceEvent,
    ServiceSettings,
    ServiceState,
    is_billed,
    service_transition,
)

__all__ = [
    "DEFAULT_RENEWAL",
    "MethodEvent",
    "MethodState",
    "RenewalOutcome",
    "RenewalSettings",
    "SavedMethod",
    "delete_method",
    "method_transition",
    "renewal_day",
    "renewal_result",
    "renewal_window",
]


class MethodState(str, enum.Enum):
    """A saved payment method's state: enabled, being set up, not working.

    >>> MethodState("not_working") is MethodState.NOT_WORKING
    True
    """

    ENABLED = "enabled"
    SETTING_UP = "setting_up"
    NOT_WORKING = "not_working"


class MethodEvent(str, enum.Enum):
    """What happens to a saved method: setup succeeded or failed, set up
    again, a payment succeeded or failed ("states are updated on payment").

    >>> MethodEvent("set_up_again") is MethodEvent.SET_UP_AGAIN
    True
    """

    SETUP_SUCCEEDED = "setup_succeeded"
    SETUP_FAILED = "setup_failed"
    SET_UP_AGAIN = "set_up_again"
    PAYMENT_SUCCEEDED = "payment_succeeded"
    PAYMENT_FAILED = "payment_failed"


_M = MethodState
_ME = MethodEvent
_METHOD_TABLE: Final[Mapping[MethodState, Mapping[MethodEvent, MethodState]]] = {
    _M.SETTING_UP: {_ME.SETUP_SUCCEEDED: _M.ENABLED, _ME.SETUP_FAILED: _M.NOT_WORKING},
    _M.ENABLED: {
        _ME.PAYMENT_SUCCEEDED: _M.ENABLED,
        _ME.PAYMENT_FAILED: _M.NOT_WORKING,
        _ME.SET_UP_AGAIN: _M.SETTING_UP,
    },
    _M.NOT_WORKING: {
        _ME.PAYMENT_SUCCEEDED: _M.ENABLED,
        _ME.PAYMENT_FAILED: _M.NOT_WORKING,
        _ME.SET_UP_AGAIN: _M.SETTING_UP,
    },
}


def _method_state(value: object) -> MethodState:
    return c.member(MethodState, "state", value)


def _method_id(value: object) -> str:
    text = c.text("id", value)
    if text == BALANCE:
        raise SubscriptionError("id", value, f"an id other than {BALANCE!r} (the account balance)")
    return text


def _name(value: object) -> str:
    return c.text("name", value, required=False)


@attrs.frozen(kw_only=True)
class SavedMethod:
    """A saved card or e-wallet, by ``id`` (the data stays with the payment system).

    >>> SavedMethod(id="card-1111", name="Bank card *1111").state
    <MethodState.ENABLED: 'enabled'>
    """

    id: str = attrs.field(converter=_method_id)
    name: str = attrs.field(default="", converter=_name)
    state: MethodState = attrs.field(default=MethodState.ENABLED, converter=_method_state)


def method_transition(method: SavedMethod, event: MethodEvent | str) -> SavedMethod:
    """``method`` after ``event``; an event its state does not allow raises
    :class:`~billkit.errors.TransitionError`.

    >>> card = SavedMethod(id="card-1111", state="setting_up")
    >>> method_transition(card, "setup_succeeded").state
    <MethodState.ENABLED: 'enabled'>
    >>> method_transition(card, "payment_failed")
    Traceback (most recent call last):
    ...
    billkit.errors.TransitionError: saved method card-1111 in state 'setting_up' cannot 'payment_failed'; allowed: 'setup_succeeded', 'setup_failed'
    """
    if not isinstance(method, SavedMethod):
        raise SubscriptionError("method", method, "a SavedMethod")
    event = c.member(MethodEvent, "event", event)
    moves = _METHOD_TABLE[method.state]
    if event not in moves:
        raise TransitionError(
            f"saved method {method.id}", method.state.value, event.value, [e.value for e in moves]
        )
    return attrs.evolve(method, state=moves[event])


def _leads(value: object) -> Mapping[str, int]:
    if not isinstance(value, Mapping):
        raise SubscriptionError("lead_days", value, "a mapping of product kind to days")
    out = {
        c.text("lead_days", product): c.whole(f"lead_days[{product!r}]", days, 0, 3660)
        for product, days in value.items()
    }
    return FrozenDict(dict(sorted(out.items())))


def _default_lead(value: object) -> int:
    return c.whole("default_lead_days", value, 0, 3660)


def _retry(value: object) -> int:
    return c.whole("retry_days", value, 1, 3660)


@attrs.frozen(kw_only=True)
class RenewalSettings:
    """When auto-renewal tries to pay, per product kind.

    * ``lead_days``: days before expiry for the first attempt, per product
      (domains and SSL certificates: 60);
    * ``default_lead_days``: for every other product (1);
    * ``retry_days``: days after a failed attempt before the next one (1:
      the next day), made only once the source works again.

    >>> s = RenewalSettings()
    >>> s.lead_for("domain"), s.lead_for("ssl_certificate"), s.lead_for("vps")
    (60, 60, 1)
    """

    lead_days: Mapping[str, int] = attrs.field(
        factory=lambda: {"domain": 60, "ssl_certificate": 60},
        converter=_leads,
        eq=False,
        hash=False,
    )
    default_lead_days: int = attrs.field(default=1, converter=_default_lead)
    retry_days: int = attrs.field(default=1, converter=_retry)
    _key: tuple[tuple[str, int], ...] = attrs.field(init=False, repr=False)

    @_key.default
    def _make_key(self) -> tuple[tuple[str, int], ...]:
        return tuple(self.lead_days.items())

    def lead_for(self, product: str) -> int:
        """Days before expiry of the first attempt for a ``product``."""
        return self.lead_days.get(product, self.default_lead_days)


DEFAULT_RENEWAL: Final = RenewalSettings()
"""One day before expiry; 60 days for domains and SSL certificates; retry the next day."""


@attrs.frozen(kw_only=True)
class RenewalOutcome:
    """A service (and its saved method, when one was involved) after a day of
    auto-renewal, the actions for the caller and the service's state changes.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> dns = Service(id="dns-1", price=Money("250.00", "RUB"), state="active",
    ...               anchor=date(2026, 3, 21), expires_on=date(2026, 4, 21))
    >>> out = renewal_day(dns, date(2026, 4, 21))            # no auto-renewal: it expires
    >>> out.service.state.value, [str(t) for t in out.transitions]
    ('stopped_by_admin', ['2026-04-21 dns-1 active -> stopped_by_admin (the paid term ended on 2026-04-21)'])
    """

    service: Service
    method: SavedMethod | None = None
    actions: tuple[Action, ...] = ()
    transitions: tuple[Transition, ...] = ()


def renewal_window(service: Service, settings: RenewalSettings = DEFAULT_RENEWAL) -> Period | None:
    """The days auto-renewal tries to pay before expiry: ``[expiry - lead, expiry)``.

    ``None`` for a service without an expiry date.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> domain = Service(id="example.ru", product="domain", price=Money("990.00", "RUB"),
    ...                  state="active", term="1 year",
    ...                  anchor=date(2025, 6, 1), expires_on=date(2026, 6, 1))
    >>> print(renewal_window(domain))
    2026-04-02..2026-06-01
    """
    if not isinstance(service, Service):
        raise SubscriptionError("service", service, "a Service")
    if service.expires_on is None:
        return None
    lead = settings.lead_for(service.product)
    if lead == 0:
        return None
    return Period(service.expires_on - timedelta(days=lead), service.expires_on)


def _check_method(service: Service, method: SavedMethod | None) -> SavedMethod | None:
    if method is None:
        return None
    if not isinstance(method, SavedMethod):
        raise SubscriptionError("method", method, "a SavedMethod or None")
    if service.pay_from != method.id:
        raise SubscriptionError(
            "method",
            method.id,
            f"the method service {service.id} renews from ({service.pay_from!r})",
        )
    return method


def _source_problem(
    service: Service,
    method: SavedMethod | None,
    balance: Money | None,
    balance_blocked: bool,
) -> str | None:
    """Why the service's payment source cannot pay today, or ``None`` if it can."""
    if service.pay_from == BALANCE:
        if balance_blocked:
            return "the credit line is blocked: no auto-renewal from the account"
        if balance is None:
            raise SubscriptionError(
                "balance", None, f"the account balance: service {service.id} renews from it"
            )
        if balance.currency != service.price.currency:
            raise CurrencyMismatchError(
                "balance", balance, f"an amount in {service.price.currency}"
            )
        if balance < service.price:
            return f"not enough on the balance ({balance.amount} of {service.price.amount} needed)"
        return None
    if method is None:
        return f"the saved method {service.pay_from} is missing"
    if method.state is not MethodState.ENABLED:
        return f"the saved method {method.id} is {method.state.value.replace('_', ' ')}"
    return None


def _term_end(service: Service) -> date:
    """The expiry after one more term, counted from the anchor (no month-end drift)."""
    assert service.term is not None
    assert service.anchor is not None
    assert service.expires_on is not None
    n = service.term.index_of(service.anchor, service.expires_on)
    start = service.term.add(service.anchor, n)
    if start != service.expires_on:  # an expiry off the anchor's grid: count from it
        return service.term.add(service.expires_on, 1)
    return service.term.add(service.anchor, n + 1)


def renewal_day(
    service: Service,
    on: date,
    *,
    method: SavedMethod | None = None,
    balance: Money | None = None,
    balance_blocked: bool = False,
    settings: RenewalSettings = DEFAULT_RENEWAL,
    service_settings: ServiceSettings = DEFAULT_SERVICE_SETTINGS,
) -> RenewalOutcome:
    """What auto-renewal does for ``service`` on day ``on``.

    ``method`` is the saved method the service renews from (when it renews
    from one); ``balance`` the account balance available to it (with any
    credit line) and ``balance_blocked`` whether the credit line forbids
    auto-renewal from the account.

    * On the expiry day an unrenewed service is stopped (``STOP_SERVICE``,
      a ``SERVICE_EXPIRED`` notice); auto-renewal keeps trying afterwards.
    * From ``expiry - lead`` on, an attempt is made when the source can pay:
      a ``CHARGE`` of the saved method or a ``DEBIT_BALANCE``; the caller
      reports its result with :func:`renewal_result`.
    * When the source cannot pay (a method not working or being set up, a
      balance too small or blocked), the first time is a failed attempt (a
      ``RENEWAL_FAILED`` notice); later days wait silently until it can.
    * After a failed attempt the next comes ``retry_days`` later at the
      earliest (the next day by default).

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> vps = Service(id="vps-7", price=Money("500.00", "RUB"), state="active",
    ...               anchor=date(2026, 3, 1), expires_on=date(2026, 4, 1),
    ...               auto_renew=True, pay_from="balance")
    >>> day = renewal_day(vps, date(2026, 3, 31), balance=Money("120.00", "RUB"))
    >>> [str(a) for a in day.actions]
    ['2026-03-31 vps-7 notify renewal_failed (not enough on the balance (120.00 of 500.00 needed))']
    >>> renewal_day(day.service, date(2026, 4, 1), balance=Money("120.00", "RUB")).service.state
    <ServiceState.STOPPED_BY_ADMIN: 'stopped_by_admin'>
    """
    if not isinstance(service, Service):
        raise SubscriptionError("service", service, "a Service")
    on = c.day("on", on)
    method = _check_method(service, method)
    c.flag("balance_blocked", balance_blocked)
    actions: list[Action] = []
    transitions: list[Transition] = []
    if (
        service.billing is BillingMode.PERIODIC
        and service.expires_on is not None
        and on >= service.expires_on
        and service.expired_on is None
        and service.state is not ServiceState.DELETED
        and is_billed(service, service_settings)
    ):
        out = service_transition(service, ServiceEvent.EXPIRE, actor=Actor.SYSTEM, on=on)
        service = out.service
        actions.extend(out.actions)
        transitions.extend(out.transitions)
        actions.append(
            Action(
                on=on,
                kind=ActionKind.NOTIFY,
                subject=service.id,
                notice=NoticeKind.SERVICE_EXPIRED,
                reason=f"the paid term ended on {service.expires_on}",
            )
        )
    window = renewal_window(service, settings)
    due = (
        service.auto_renew
        and window is not None
        and on >= window.start
        and service.state is not ServiceState.DELETED
        and (is_billed(service, service_settings) or service.expired_on is not None)
        and (
            service.last_attempt_on is None
            or on >= service.last_attempt_on + timedelta(days=settings.retry_days)
        )
    )
    if due:
        assert service.expires_on is not None
        problem = _source_problem(service, method, balance, balance_blocked)
        if problem is None:
            term = f"auto-renewal, term ends {service.expires_on}"
            if service.pay_from == BALANCE:
                actions.append(
                    Action(
                        on=on,
                        kind=ActionKind.DEBIT_BALANCE,
                        subject=service.id,
                        amount=service.price,
                        reason=term,
                    )
                )
            else:
                actions.append(
                    Action(
                        on=on,
                        kind=ActionKind.CHARGE,
                        subject=service.id,
                        amount=service.price,
                        method=service.pay_from,
                        reason=term,
                    )
                )
            service = attrs.evolve(service, last_attempt_on=on)
        elif service.renewal_failed_on is None:
            service = attrs.evolve(service, renewal_failed_on=on, last_attempt_on=on)
            actions.append(
                Action(
                    on=on,
                    kind=ActionKind.NOTIFY,
                    subject=service.id,
                    notice=NoticeKind.RENEWAL_FAILED,
                    reason=problem,
                )
            )
    return RenewalOutcome(
        service=service, method=method, actions=tuple(actions), transitions=tuple(transitions)
    )


def renewal_result(
    service: Service,
    on: date,
    *,
    paid: bool,
    method: SavedMethod | None = None,
    reason: str = "",
) -> RenewalOutcome:
    """Record the result of an attempt :func:`renewal_day` asked for.

    Paid: the service gains one term (counted from its anchor), a
    ``SERVICE_RENEWED`` notice goes out, a saved method is enabled again
    ("states are updated on payment"), and a service stopped by its expiry
    starts again (``START_SERVICE``). Failed: a saved method becomes not
    working and a ``RENEWAL_FAILED`` notice with ``reason`` goes out; the
    next attempt waits until the method works again.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> card = SavedMethod(id="card-1111")
    >>> vps = Service(id="vps-7", price=Money("500.00", "RUB"), state="active",
    ...               anchor=date(2026, 1, 31), expires_on=date(2026, 2, 28),
    ...               auto_renew=True, pay_from="card-1111")
    >>> failed = renewal_result(vps, date(2026, 2, 27), paid=False, method=card, reason="declined")
    >>> failed.method.state, [str(a) for a in failed.actions]
    (<MethodState.NOT_WORKING: 'not_working'>, ['2026-02-27 vps-7 notify renewal_failed via card-1111 (declined)'])
    >>> renewal_result(vps, date(2026, 2, 27), paid=True, method=card).service.expires_on
    datetime.date(2026, 3, 31)
    """
    if not isinstance(service, Service):
        raise SubscriptionError("service", service, "a Service")
    on = c.day("on", on)
    c.flag("paid", paid)
    method = _check_method(service, method)
    reason = c.text("reason", reason, required=False)
    if service.expires_on is None or service.term is None:
        raise SubscriptionError("service", service.id, "a periodically billed service with a term")
    if service.state is ServiceState.DELETED:
        raise TransitionError(f"service {service.id}", service.state.value, "renew", ())
    actions: list[Action] = []
    transitions: list[Transition] = []
    if not paid:
        if method is not None:
            method = method_transition(method, MethodEvent.PAYMENT_FAILED)
        service = attrs.evolve(
            service,
            last_attempt_on=on,
            renewal_failed_on=service.renewal_failed_on or on,
        )
        actions.append(
            Action(
                on=on,
                kind=ActionKind.NOTIFY,
                subject=service.id,
                notice=NoticeKind.RENEWAL_FAILED,
                method=method.id if method is not None else None,
                reason=reason or "the payment failed",
            )
        )
        return RenewalOutcome(service=service, method=method, actions=tuple(actions))
    if method is not None:
        method = method_transition(method, MethodEvent.PAYMENT_SUCCEEDED)
    expiry = _term_end(service)
    if (
        service.expired_on is not None
        and service.state is ServiceState.STOPPED_BY_ADMIN
        and service.resume_state is not None
    ):
        out = service_transition(service, ServiceEvent.RENEW, actor=Actor.SYSTEM, on=on)
        service = out.service
        actions.extend(out.actions)
        transitions.extend(out.transitions)
    service = attrs.evolve(
        service,
        expires_on=expiry,
        expired_on=None,
        renewal_failed_on=None,
        last_attempt_on=None,
    )
    actions.append(
        Action(
            on=on,
            kind=ActionKind.NOTIFY,
            subject=service.id,
            notice=NoticeKind.SERVICE_RENEWED,
            reason=f"paid until {expiry}",
        )
    )
    return RenewalOutcome(
        service=service, method=method, actions=tuple(actions), transitions=tuple(transitions)
    )


def delete_method(
    method: SavedMethod, services: Iterable[Service], on: date
) -> tuple[tuple[Service, ...], tuple[Action, ...]]:
    """Delete a saved method: auto-renewal goes off for every service bound to it.

    Returns the services (all of them, in order; those bound to the method
    with ``auto_renew`` off and no payment source) and an ``AUTO_RENEWAL_OFF``
    notice for each one changed.

    >>> from datetime import date
    >>> from billkit.money import Money
    >>> card = SavedMethod(id="card-1111")
    >>> a = Service(id="vps-7", price=Money("500.00", "RUB"), state="active",
    ...             anchor=date(2026, 3, 1), expires_on=date(2026, 4, 1),
    ...             auto_renew=True, pay_from="card-1111")
    >>> b = attrs.evolve(a, id="dns-1", pay_from="balance")
    >>> services, actions = delete_method(card, [a, b], date(2026, 3, 10))
    >>> [(s.id, s.auto_renew) for s in services], [str(x) for x in actions]
    ([('vps-7', False), ('dns-1', True)], ['2026-03-10 vps-7 notify auto_renewal_off via card-1111 (its saved method was deleted)'])
    """
    if not isinstance(method, SavedMethod):
        raise SubscriptionError("method", method, "a SavedMethod")
    on = c.day("on", on)
    out: list[Service] = []
    actions: list[Action] = []
    for i, service in enumerate(services):
        if not isinstance(service, Service):
            raise SubscriptionError(f"services[{i}]", service, "a Service")
        if service.pay_from == method.id:
            was_on = service.auto_renew
            service = attrs.evolve(
                service,
                auto_renew=False,
                pay_from=None,
                renewal_failed_on=None,
                last_attempt_on=None,
            )
            if was_on:
                actions.append(
                    Action(
                        on=on,
                        kind=ActionKind.NOTIFY,
                        subject=service.id,
                        notice=NoticeKind.AUTO_RENEWAL_OFF,
                        method=method.id,
                        reason="its saved method was deleted",
                    )
                )
        out.append(service)
    return tuple(out), tuple(actions)
