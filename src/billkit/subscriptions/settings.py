"""Subscription states, roles and the lifecycle's settings.

>>> LifecycleSettings(cancel_roles={"org_admin"}).cancel_roles
frozenset({'org_admin'})
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final

import attrs

from billkit.errors import SubscriptionError
from billkit.pricing import (
    DEFAULT_PRORATION,
    ProrationPolicy,
    UnusedCredit,
)
from billkit.subscriptions import _checks as c
from billkit.subscriptions.actions import (
    Access,
)
from billkit.subscriptions.dunning import (
    MESSAGING_DUNNING,
    DunningSchedule,
)

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


_ALL: Final = Access(platform=True, outbound=True, inbound=True, workflows=True)
_INBOUND_ONLY: Final = Access(platform=False, outbound=False, inbound=True, workflows=False)
_NOTHING: Final = Access(platform=False, outbound=False, inbound=False, workflows=False)
_DEFAULT_ACCESS: Final = MappingProxyType(
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
        state = c.member(SubscriptionState, "access", key)
        if not isinstance(access, Access):
            raise SubscriptionError(f"access[{state.value!r}]", access, "an Access")
        merged[state] = access
    return MappingProxyType(merged)


def _schedule(value: object) -> DunningSchedule:
    if not isinstance(value, DunningSchedule):
        raise SubscriptionError("dunning", value, "a DunningSchedule")
    return value


def _unused(value: object) -> UnusedCredit:
    return c.member(UnusedCredit, "unused_credit", value)


def _proration(value: object) -> ProrationPolicy:
    if not isinstance(value, ProrationPolicy):
        raise SubscriptionError("proration", value, "a ProrationPolicy")
    if value.basis.value != "day":
        raise SubscriptionError(
            "proration", value, "a by-day ProrationPolicy (billing days are dates)"
        )
    return value


def _rank(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise SubscriptionError("rank", value, "plan codes from lowest to highest, or None")
    return tuple(c.text(f"rank[{i}]", code) for i, code in enumerate(value))


def _notify(value: object) -> tuple[str, ...]:
    return tuple(sorted(c.roles("notify_roles", value)))


def _trial_days(value: object) -> int:
    return c.whole("trial_days", value, 1, 3660)


def _terms(value: object) -> int:
    return c.whole("payment_terms_days", value, 0, 3660)


def _billing_roles(value: object) -> frozenset[str]:
    return c.roles("billing_roles", value)


def _cancel_roles(value: object) -> frozenset[str]:
    return c.roles("cancel_roles", value)


@attrs.frozen(kw_only=True)
class LifecycleSettings:
    """Every number and rule of the lifecycle, with the messaging business's defaults.

    * ``trial_days``: length of a trial (14; the seed does not say, set yours);
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
      of the old plan, how days are counted, which plan ranks above which).

    >>> s = LifecycleSettings()
    >>> s.dunning.grace_days, s.dunning.deletion_days, sorted(s.billing_roles), sorted(s.cancel_roles)
    (5, 90, ['billing_admin', 'org_admin'], ['billing_admin', 'org_admin'])
    >>> s.access_for(SubscriptionState.FROZEN).kept()
    ('inbound',)
    """

    trial_days: int = attrs.field(default=14, converter=_trial_days)
    payment_terms_days: int = attrs.field(default=0, converter=_terms)
    dunning: DunningSchedule = attrs.field(default=MESSAGING_DUNNING, converter=_schedule)
    billing_roles: frozenset[str] = attrs.field(
        default=frozenset({Role.ORG_ADMIN.value, Role.BILLING_ADMIN.value}),
        converter=_billing_roles,
    )
    cancel_roles: frozenset[str] = attrs.field(
        default=frozenset({Role.ORG_ADMIN.value, Role.BILLING_ADMIN.value}),
        converter=_cancel_roles,
    )
    notify_roles: tuple[str, ...] = attrs.field(
        default=(Role.ORG_ADMIN.value, Role.BILLING_ADMIN.value), converter=_notify
    )
    access: Mapping[SubscriptionState, Access] = attrs.field(
        factory=dict, converter=_access_map, eq=False, hash=False, repr=False
    )
    unused_credit: UnusedCredit = attrs.field(default=UnusedCredit.OFFSET, converter=_unused)
    proration: ProrationPolicy = attrs.field(default=DEFAULT_PRORATION, converter=_proration)
    rank: tuple[str, ...] | None = attrs.field(default=None, converter=_rank)
    _access_key: tuple[tuple[str, Access], ...] = attrs.field(init=False, repr=False)

    @_access_key.default
    def _make_access_key(self) -> tuple[tuple[str, Access], ...]:
        return tuple((state.value, self.access[state]) for state in SubscriptionState)

    def access_for(self, state: SubscriptionState) -> Access:
        """What ``state`` blocks and keeps under these settings."""
        return self.access[state]


DEFAULT_LIFECYCLE: Final = LifecycleSettings()
"""The messaging business's rules, as :class:`LifecycleSettings` defaults."""
