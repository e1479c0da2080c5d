"""Subscription states, roles and the lifecycle's settings.

>>> LifecycleSettings(cancel_roles={"org_admin"}).cancel_roles
frozenset({'org_admin'})
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Final

import attrs

from billkit import _checks as checks
from billkit.conventions import Conventions
from billkit.errors import PeriodError, SubscriptionError, ValidationError
from billkit.pricing import (
    DEFAULT_PRORATION,
    ProrationPolicy,
    UnusedCredit,
)
from billkit.subscriptions.actions import (
    Access,
)
from billkit.subscriptions.dunning import (
    MESSAGING_DUNNING,
    DunningSchedule,
)
from billkit.subscriptions.overdue import OverdueLadder

__all__ = ["DEFAULT_LIFECYCLE", "CancelReason", "LifecycleSettings", "Role", "SubscriptionState"]


class SubscriptionState(str, enum.Enum):
    """The eight states of a messaging-business subscription.

    ``DOWNGRADING`` and ``CANCELLING`` are ACTIVE with a change waiting for
    the end of the cycle; ``PENDING_PAYMENT`` has an overdue invoice inside
    its grace period; ``FROZEN`` is past it; ``CANCELLED`` is final.

    >>> [s.value for s in SubscriptionState]
    ['trial', 'trial_ended', 'active', 'downgrading', 'cancelling', 'pending_payment', 'frozen', 'cancelled']
    """

    TRIAL = "trial"
    TRIAL_ENDED = "trial_ended"
    ACTIVE = "active"
    DOWNGRADING = "downgrading"
    CANCELLING = "cancelling"
    PENDING_PAYMENT = "pending_payment"
    FROZEN = "frozen"
    CANCELLED = "cancelled"


S = SubscriptionState


class Role(str, enum.Enum):
    """The roles of an organisation the messaging business knows.

    Any role name (a plain str) may be passed where a role is expected;
    these are the ones the default settings mention.

    >>> Role("billing_admin") is Role.BILLING_ADMIN
    True
    """

    ORG_ADMIN = "org_admin"
    BILLING_ADMIN = "billing_admin"
    WORKSPACE_ADMIN = "workspace_admin"
    MEMBER = "member"


class CancelReason(str, enum.Enum):
    """Why a subscription was cancelled: the customer asked, or it went unpaid.

    >>> CancelReason("nonpayment") is CancelReason.NONPAYMENT
    True
    """

    REQUESTED = "requested"
    NONPAYMENT = "nonpayment"


def role_name(field: str, value: object, *, error: checks.Error = SubscriptionError) -> str:
    """A role as its plain name: ``Role.ORG_ADMIN`` and ``'org_admin'`` are one role."""
    if isinstance(value, enum.Enum) and isinstance(value.value, str):
        return value.value
    return checks.text(field, value, error=error)


def roles(field: str, value: object, *, error: checks.Error = SubscriptionError) -> frozenset[str]:
    """A non-empty set of role names (str or :class:`Role`; one name alone is one role)."""
    names = checks.texts(field, value, required=True, at_least=1, error=error)
    return frozenset(role_name(f"{field}[{i}]", name, error=error) for i, name in enumerate(names))


def _role_list(
    field: str, value: object, *, error: checks.Error = SubscriptionError
) -> tuple[str, ...]:
    return tuple(sorted(roles(field, value, error=error)))


def _period_day(field: str, value: object, *, error: checks.Error = SubscriptionError) -> date:
    return checks.day(field, value, error=PeriodError)  # a bad day is a PeriodError, by kind


if TYPE_CHECKING:  # mypy's attrs plugin takes named functions (see billkit._checks)

    def ROLE(value: object) -> str: ...
    def ROLES(value: object) -> frozenset[str]: ...
    def ROLE_LIST(value: object) -> tuple[str, ...]: ...
    def DAY(value: object) -> Any: ...

else:
    ROLE = checks.converter(role_name)
    ROLES = checks.converter(roles)
    ROLE_LIST = checks.converter(_role_list)
    DAY = checks.converter(_period_day)
    """A billing-day field (``date``, or ``date | None``): a bad one is a PeriodError."""


_ALL: Final = Access(platform=True, outbound=True, inbound=True, workflows=True)
_INBOUND_ONLY: Final = Access(platform=False, outbound=False, inbound=True, workflows=False)
_NOTHING: Final = Access(platform=False, outbound=False, inbound=False, workflows=False)
_DEFAULT_ACCESS: Final = checks.FrozenMap(
    {
        S.TRIAL: _ALL,
        S.TRIAL_ENDED: _INBOUND_ONLY,
        S.ACTIVE: _ALL,
        S.DOWNGRADING: _ALL,
        S.CANCELLING: _ALL,
        S.PENDING_PAYMENT: _ALL,
        S.FROZEN: _INBOUND_ONLY,
        S.CANCELLED: _NOTHING,
    }
)


def _access_map(value: object) -> Mapping[SubscriptionState, Access]:
    if not isinstance(value, Mapping):
        raise SubscriptionError("access", value, "a mapping of SubscriptionState to Access")
    merged = dict(_DEFAULT_ACCESS)
    for key, access in value.items():
        state = checks.member("access", key, SubscriptionState, error=SubscriptionError)
        if not isinstance(access, Access):
            raise SubscriptionError(f"access[{state.value!r}]", access, "an Access")
        merged[state] = access
    return checks.FrozenMap(merged)


def _proration(value: ProrationPolicy | Conventions) -> ProrationPolicy:
    """A proration policy, or the one a conventions bundle describes (``LAGO``...)."""
    if isinstance(value, Conventions):
        return ProrationPolicy.of(value)
    return checks.instance("proration", value, ProrationPolicy, error=SubscriptionError)


def _by_day(_: object, field: attrs.Attribute[ProrationPolicy], value: ProrationPolicy) -> None:
    if value.basis.value != "day":
        raise SubscriptionError(
            field.name, value, "a by-day ProrationPolicy (billing days are dates)"
        )


def _rank(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    codes = checks.tuple_of("rank", value, str, error=SubscriptionError)
    for i, code in enumerate(codes):
        checks.text(f"rank[{i}]", code, error=SubscriptionError)
    return codes


_DAYS: Final = checks.options(low=0, high=3660)


@attrs.frozen(kw_only=True)
class LifecycleSettings:
    """Every number and rule of the lifecycle, with the messaging business's defaults.

    * ``trial_days``: length of a trial (14; the messaging business does not say, set yours);
    * ``payment_terms_days``: days to pay an invoice after its issue day (0:
      the saved method is charged at issue, and an invoice not paid that day
      is overdue the next);
    * ``dunning``: the :class:`~billkit.subscriptions.DunningSchedule`
      (5-day grace, FROZEN, CANCELLED at the cycle end, deletion mark after
      90 days);
    * ``billing_roles``: who may subscribe, change plans and undo a
      scheduled change (organisation and billing admins); ``cancel_roles``:
      who may cancel (the same two by default; the messaging SaaS's own help
      lets only organisation admins cancel: ``cancel_roles={"org_admin"}``);
      ``notify_roles``: who receives billing notices;
    * ``access``: what each state blocks and keeps (a partial mapping
      overrides the defaults: FROZEN and TRIAL_ENDED keep inbound messages
      only, CANCELLED keeps nothing, the other states everything);
    * ``unused_credit``, ``proration``, ``rank``: passed to
      :func:`~billkit.pricing.change_plan` (what happens to the unused part
      of the old plan, how days are counted, which plan ranks above which);
      ``proration`` may be given as a by-day
      :class:`~billkit.conventions.Conventions` preset, such as ``LAGO``;
    * ``overdue``: an :class:`~billkit.subscriptions.overdue.OverdueLadder`
      (Kill Bill's overdue states), or ``None`` (the default: the dunning
      schedule alone freezes and cancels). With a ladder, its states decide
      what an unpaid subscription may do (:attr:`Subscription.overdue_state`):
      one that blocks the service freezes it (FROZEN and its access), one
      that blocks changes refuses plan changes, one that cancels cancels it
      at once or schedules the cancellation for the end of the cycle; the
      ``dunning`` schedule then only sends notices, retries the charge and
      marks cancelled organisations for deletion: a schedule that freezes or
      cancels as well is refused.

    >>> s = LifecycleSettings()
    >>> s.dunning.grace_days, s.dunning.deletion_days, sorted(s.billing_roles), sorted(s.cancel_roles)
    (5, 90, ['billing_admin', 'org_admin'], ['billing_admin', 'org_admin'])
    >>> s.access_for(SubscriptionState.FROZEN).kept()
    ('inbound',)
    >>> from billkit.conventions import LAGO
    >>> LifecycleSettings(proration=LAGO).proration.count_end_day
    True
    """

    _error_class: ClassVar[type[ValidationError]] = SubscriptionError

    trial_days: int = attrs.field(
        default=14, converter=checks.WHOLE, metadata=checks.options(low=1, high=3660)
    )
    payment_terms_days: int = attrs.field(default=0, converter=checks.WHOLE, metadata=_DAYS)
    dunning: DunningSchedule = attrs.field(default=MESSAGING_DUNNING, converter=checks.INSTANCE)
    billing_roles: frozenset[str] = attrs.field(
        default=frozenset({Role.ORG_ADMIN.value, Role.BILLING_ADMIN.value}), converter=ROLES
    )
    cancel_roles: frozenset[str] = attrs.field(
        default=frozenset({Role.ORG_ADMIN.value, Role.BILLING_ADMIN.value}), converter=ROLES
    )
    notify_roles: tuple[str, ...] = attrs.field(
        default=(Role.ORG_ADMIN.value, Role.BILLING_ADMIN.value), converter=ROLE_LIST
    )
    access: Mapping[SubscriptionState, Access] = attrs.field(
        factory=dict, converter=_access_map, eq=False, hash=False, repr=False
    )
    unused_credit: UnusedCredit = attrs.field(default=UnusedCredit.OFFSET, converter=checks.MEMBER)
    proration: ProrationPolicy = attrs.field(
        default=DEFAULT_PRORATION, converter=_proration, validator=_by_day
    )
    rank: tuple[str, ...] | None = attrs.field(default=None, converter=_rank)
    overdue: OverdueLadder | None = attrs.field(default=None, converter=checks.INSTANCE)
    _access_key: tuple[tuple[str, Access], ...] = attrs.field(init=False, repr=False)

    @_access_key.default
    def _make_access_key(self) -> tuple[tuple[str, Access], ...]:
        return tuple((state.value, self.access[state]) for state in SubscriptionState)

    def __attrs_post_init__(self) -> None:
        if self.overdue is None:
            return
        for step in (self.dunning.freeze_step, self.dunning.cancel_step):
            if step is not None:
                raise SubscriptionError(
                    "dunning",
                    step.move.value,
                    "a schedule that neither freezes nor cancels when an overdue ladder "
                    "decides (DunningSchedule.standard(grace_days=None, cancel_at_cycle_end=False))",
                )

    def access_for(self, state: SubscriptionState) -> Access:
        """What ``state`` blocks and keeps under these settings."""
        return self.access[state]


DEFAULT_LIFECYCLE: Final = LifecycleSettings()
"""The messaging business's rules, as :class:`LifecycleSettings` defaults."""
