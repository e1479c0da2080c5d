"""The messaging business's subscription lifecycle, rule by rule (REQUIREMENTS.md, section 4).

Plans: Growth (99.00 EUR a month, 1 000 contacts, blocks of 100 at 20.00) and
the annual plans are the demo catalog's; Advanced (189.00, 3 000 contacts,
blocks of 100 at 15.00) is illustrative, as in examples/messaging_end_to_end.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import attrs
import pytest

from billkit import Money, Period
from billkit.demo import demo_catalog
from billkit.errors import NotAllowedError, PeriodError, TransitionError, ValidationError
from billkit.pricing import Plan, overage_charge
from billkit.pricing.models import PricingCurrencyError
from billkit.subscriptions import (
    ActionKind,
    Cancel,
    ChangePlan,
    LifecycleSettings,
    PaymentFailed,
    PaymentSucceeded,
    Subscribe,
    Subscription,
    SubscriptionState,
    advance,
    apply,
    start_trial,
)
from billkit.subscriptions.actions import Access, InvoiceKind, SubscriptionNoticeKind
from billkit.subscriptions.dunning import DunningSchedule
from billkit.subscriptions.events import InvoiceVoided, UndoScheduledChange, UsageReported
from billkit.subscriptions.lifecycle import allowed_events
from billkit.subscriptions.settings import CancelReason, Role
from billkit.subscriptions.subscription import Outcome

S = SubscriptionState
MAC = "monthly_active_contacts"
CATALOG = demo_catalog()
GROWTH = CATALOG["growth-monthly"]
ANNUAL = CATALOG["growth-annual"]
ANNUAL_USAGE = CATALOG["growth-annual-usage"]


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


ADVANCED = Plan(
    code="advanced-monthly",
    name="Advanced, monthly",
    currency="EUR",
    base_fee=eur("189.00"),
    charges=[overage_charge("mac-blocks", MAC, included=3000, price=eur("15.00"), block=100)],
)
STARTER = Plan(code="starter", name="Starter", currency="EUR", base_fee=eur("39.00"))
GROWTH_TWIN = Plan(code="growth-twin", name="Growth twin", currency="EUR", base_fee=eur("99.00"))


def d(text: str) -> date:
    return date.fromisoformat(text)


def kinds(out: Outcome) -> list[tuple[str, str]]:
    """(kind, detail) of each action: the invoice id, the notice or the period."""
    out_list = []
    for a in out.actions:
        if a.invoice is not None:
            detail = a.invoice.id
        elif a.notice is not None:
            detail = a.notice.value
        elif a.period is not None:
            detail = str(a.period)
        else:
            detail = ""
        out_list.append((a.kind.value, detail))
    return out_list


def active(on: str = "2026-03-01", plan: Plan = GROWTH, **kw: object) -> Subscription:
    """A subscription that subscribed to ``plan`` on ``on`` and paid for its first cycle."""
    trial = start_trial("org-1", plan=plan, on=d(on), **kw).subscription  # type: ignore[arg-type]
    usage_plan = kw.get("usage_plan")
    assert usage_plan is None or isinstance(usage_plan, Plan)
    event = Subscribe(on=d(on), role="org_admin", plan=plan, usage_plan=usage_plan)
    out = apply(trial, event, **_settings(kw))  # type: ignore[arg-type]
    invoice = out.subscription.checkout
    assert invoice is not None
    return apply(
        out.subscription, PaymentSucceeded(on=d(on), invoice_id=invoice.invoice.id), **_settings(kw)
    ).subscription


def _settings(kw: dict[str, object]) -> dict[str, object]:
    return {"settings": kw["settings"]} if "settings" in kw else {}


# ---------------------------------------------------------------- trial


class TestTrial:
    def test_a_trial_lasts_the_setting_and_ends_at_the_start_of_its_last_day(self) -> None:
        trial = start_trial("org-1", plan=GROWTH, on=d("2026-01-01")).subscription
        assert trial.state is S.TRIAL
        assert trial.trial_ends_on == d("2026-01-15")  # 1 January + 14 days
        assert trial.access == Access(platform=True, outbound=True, inbound=True, workflows=True)
        assert advance(trial, d("2026-01-15")).subscription.state is S.TRIAL
        out = advance(trial, d("2026-01-16"))
        assert out.subscription.state is S.TRIAL_ENDED
        assert kinds(out) == [("block", ""), ("notify", "trial_ended")]
        assert out.subscription.access.kept() == ("inbound",)

    def test_trial_length_is_a_setting_and_a_parameter(self) -> None:
        settings = LifecycleSettings(trial_days=7)
        assert start_trial(
            "org-1", plan=GROWTH, on=d("2026-01-01"), settings=settings
        ).subscription.trial_ends_on == d("2026-01-08")
        assert start_trial(
            "org-1", plan=GROWTH, on=d("2026-01-01"), days=30
        ).subscription.trial_ends_on == d("2026-01-31")
        with pytest.raises(ValidationError, match=r"^days = 0"):
            start_trial("org-1", plan=GROWTH, on=d("2026-01-01"), days=0)

    def test_subscribing_is_a_checkout_the_plan_starts_when_paid(self) -> None:
        trial = start_trial("org-1", plan=GROWTH, on=d("2026-01-01")).subscription
        asked = apply(trial, Subscribe(on=d("2026-01-10"), role="billing_admin", plan=GROWTH))
        assert asked.subscription.state is S.TRIAL  # nothing changes before the payment
        assert kinds(asked) == [("issue_invoice", "org-1/0001"), ("charge", "org-1/0001")]
        assert asked.actions[1].amount == eur("99.00")
        paid = apply(
            asked.subscription, PaymentSucceeded(on=d("2026-01-10"), invoice_id="org-1/0001")
        )
        sub = paid.subscription
        assert sub.state is S.ACTIVE
        assert sub.cycle == Period(d("2026-01-10"), d("2026-02-10"))
        assert sub.anchor == d("2026-01-10")
        assert sub.cycle_fee == eur("99.00")
        assert sub.unpaid == ()

    def test_a_failed_first_payment_leaves_the_trial_as_it_was(self) -> None:
        trial = start_trial("org-1", plan=GROWTH, on=d("2026-01-01")).subscription
        asked = apply(trial, Subscribe(on=d("2026-01-10"), role="org_admin", plan=GROWTH))
        out = apply(
            asked.subscription,
            PaymentFailed(on=d("2026-01-10"), invoice_id="org-1/0001", reason="card declined"),
        )
        assert out.subscription.state is S.TRIAL
        assert out.subscription.checkout is None
        assert kinds(out) == [("void_invoice", "org-1/0001"), ("notify", "checkout_failed")]
        assert "card declined" in out.actions[1].reason

    def test_a_checkout_not_paid_on_its_day_lapses(self) -> None:
        trial = start_trial("org-1", plan=GROWTH, on=d("2026-01-01")).subscription
        asked = apply(trial, Subscribe(on=d("2026-01-10"), role="org_admin", plan=GROWTH))
        out = advance(asked.subscription, d("2026-01-12"))
        assert out.subscription.checkout is None
        assert kinds(out) == [("void_invoice", "org-1/0001"), ("notify", "checkout_failed")]
        with pytest.raises(ValidationError, match="invoice_id"):
            apply(out.subscription, PaymentSucceeded(on=d("2026-01-11"), invoice_id="org-1/0001"))

    def test_only_billing_roles_subscribe(self) -> None:
        trial = start_trial("org-1", plan=GROWTH, on=d("2026-01-01")).subscription
        with pytest.raises(NotAllowedError) as caught:
            apply(trial, Subscribe(on=d("2026-01-02"), role="member", plan=GROWTH))
        assert caught.value.role == "member"
        assert caught.value.allowed == ("billing_admin", "org_admin")

    def test_cancelling_a_trial_is_immediate_and_the_organisation_is_deleted_90_days_later(
        self,
    ) -> None:
        trial = start_trial("org-1", plan=GROWTH, on=d("2026-01-01")).subscription
        out = apply(trial, Cancel(on=d("2026-01-05"), role=Role.ORG_ADMIN))
        sub = out.subscription
        assert sub.state is S.CANCELLED
        assert sub.cancelled_on == d("2026-01-05")
        assert sub.cancel_reason is CancelReason.REQUESTED
        assert sub.access.kept() == ()
        later = advance(sub, d("2026-04-06"))  # 5 January + 90 days = 5 April
        assert later.subscription.marked_for_deletion_on == d("2026-04-05")
        assert kinds(later) == [("mark_for_deletion", ""), ("notify", "marked_for_deletion")]
        assert advance(sub, d("2026-04-05")).actions == ()


# ---------------------------------------------------------------- renewals and dunning


class TestRenewalAndDunning:
    def test_each_cycle_starts_with_a_subscription_invoice(self) -> None:
        sub = active("2026-01-31")
        out = advance(sub, d("2026-03-01"))  # the anchor is the 31st: February ends on the 28th
        assert out.subscription.cycle == Period(d("2026-02-28"), d("2026-03-31"))
        invoice = out.actions[1].invoice
        assert invoice is not None
        assert invoice.kind is InvoiceKind.SUBSCRIPTION
        assert invoice.amount == eur("99.00")
        assert invoice.due_on == d("2026-02-28")
        assert invoice.period == Period(d("2026-02-28"), d("2026-03-31"))
        assert [a.kind for a in out.actions] == [
            ActionKind.MEASURE_USAGE,  # Growth meters contacts: January's usage period closed
            ActionKind.ISSUE_INVOICE,
            ActionKind.CHARGE,
        ]

    def test_an_invoice_not_paid_on_its_due_day_is_overdue_the_next(self) -> None:
        sub = advance(active("2026-03-01"), d("2026-04-02")).subscription
        assert sub.state is S.ACTIVE
        out = advance(sub, d("2026-04-03"))
        assert out.subscription.state is S.PENDING_PAYMENT
        assert out.subscription.overdue_since == d("2026-04-02")
        assert kinds(out) == [("notify", "payment_overdue")]

    def test_a_failed_charge_moves_to_pending_payment_at_once_with_its_reason(self) -> None:
        sub = advance(active("2026-03-01"), d("2026-04-02")).subscription
        out = apply(
            sub, PaymentFailed(on=d("2026-04-01"), invoice_id="org-1/0002", reason="card declined")
        )
        assert out.subscription.state is S.PENDING_PAYMENT
        assert kinds(out) == [("notify", "payment_failed"), ("notify", "payment_overdue")]
        assert "card declined" in out.actions[0].reason
        assert [str(t) for t in out.transitions] == [
            "2026-04-01 org-1 active -> pending_payment (invoice org-1/0002 unpaid: card declined)"
        ]
        assert out.subscription.access.blocked() == ()  # PENDING PAYMENT blocks nothing yet

    def test_five_days_of_grace_then_frozen_outbound_blocked_inbound_kept(self) -> None:
        sub = advance(active("2026-03-01"), d("2026-04-02")).subscription
        sub = apply(sub, PaymentFailed(on=d("2026-04-01"), invoice_id="org-1/0002")).subscription
        # Overdue on 1 April: the 1st to the 5th are the five days of grace.
        assert advance(sub, d("2026-04-06")).subscription.state is S.PENDING_PAYMENT
        out = advance(sub, d("2026-04-07"))
        frozen = out.subscription
        assert frozen.state is S.FROZEN
        assert frozen.frozen_on == d("2026-04-06")
        assert frozen.access == Access(
            platform=False, outbound=False, inbound=True, workflows=False
        )
        assert kinds(out) == [("block", ""), ("notify", "frozen")]
        assert out.actions[0].access == frozen.access

    def test_paying_the_overdue_invoice_unfreezes(self) -> None:
        sub = advance(active("2026-03-01"), d("2026-04-02")).subscription
        sub = apply(sub, PaymentFailed(on=d("2026-04-01"), invoice_id="org-1/0002")).subscription
        frozen = advance(sub, d("2026-04-11")).subscription
        out = apply(frozen, PaymentSucceeded(on=d("2026-04-10"), invoice_id="org-1/0002"))
        assert out.subscription.state is S.ACTIVE
        assert out.subscription.frozen_on is None
        assert kinds(out) == [("unblock", ""), ("notify", "payment_received")]

    def test_unpaid_at_the_end_of_the_cycle_cancelled_then_marked_for_deletion(self) -> None:
        sub = advance(active("2026-03-01"), d("2026-04-02")).subscription
        sub = apply(sub, PaymentFailed(on=d("2026-04-01"), invoice_id="org-1/0002")).subscription
        out = advance(sub, d("2026-05-02"))
        cancelled = out.subscription
        assert cancelled.state is S.CANCELLED
        assert cancelled.cancelled_on == d("2026-05-01")
        assert cancelled.cancel_reason is CancelReason.NONPAYMENT
        assert [i.id for i in cancelled.unpaid] == ["org-1/0002"]  # the debt stays
        # No new subscription invoice on the day of cancellation.
        may = [a for a in out.actions if a.on == d("2026-05-01")]
        assert [(a.kind.value, a.notice.value if a.notice else "") for a in may] == [
            ("measure_usage", ""),
            ("block", ""),
            ("notify", "cancelled"),
        ]
        assert cancelled.access.blocked() == ("platform", "outbound", "inbound", "workflows")
        deletion = advance(cancelled, d("2026-07-31"))  # 1 May + 90 days
        assert deletion.subscription.marked_for_deletion_on == d("2026-07-30")

    def test_a_subscription_that_freezes_on_its_cycle_end_renews_once_more(self) -> None:
        # 24 days to pay: the invoice of 1 April is due on the 25th, overdue on the 26th,
        # and would freeze on 1 May (26 April + 5), the day the cycle ends. The cycle end
        # comes first that day, while the subscription is still PENDING PAYMENT: it renews,
        # so the five days of grace are kept whole, and is cancelled at the next end.
        settings = LifecycleSettings(payment_terms_days=24)
        sub = advance(active("2026-03-01", settings=settings), d("2026-05-01"), settings)
        assert sub.subscription.state is S.PENDING_PAYMENT
        assert sub.subscription.overdue_since == d("2026-04-26")
        out = advance(sub.subscription, d("2026-05-02"), settings)
        assert out.subscription.state is S.FROZEN
        assert out.subscription.frozen_on == d("2026-05-01")
        assert out.subscription.cycle == Period(d("2026-05-01"), d("2026-06-01"))
        assert [(a.kind.value, a.invoice.id if a.invoice else "") for a in out.actions] == [
            ("measure_usage", ""),
            ("issue_invoice", "org-1/0003"),
            ("charge", "org-1/0003"),
            ("block", ""),
            ("notify", ""),
        ]
        assert [t.after for t in out.transitions] == ["frozen"]
        assert advance(out.subscription, d("2026-06-01"), settings).subscription.state is S.FROZEN
        last = advance(out.subscription, d("2026-06-02"), settings).subscription
        assert last.state is S.CANCELLED
        assert [i.id for i in last.unpaid] == ["org-1/0002", "org-1/0003"]

    def test_paying_one_of_two_overdue_invoices_does_not_unfreeze(self) -> None:
        sub = advance(active("2026-03-01"), d("2026-04-02")).subscription
        # March's usage: 1 100 contacts, 100 over Growth's 1 000: one block of 20.00.
        out = apply(
            sub,
            UsageReported(
                on=d("2026-04-01"),
                period=Period(d("2026-03-01"), d("2026-04-01")),
                usage={MAC: 1100},
            ),
        )
        usage = out.actions[0].invoice
        assert usage is not None
        assert (usage.id, usage.kind, usage.amount) == (
            "org-1/0003",
            InvoiceKind.USAGE,
            eur("20.00"),
        )
        sub = apply(out.subscription, PaymentFailed(on=d("2026-04-01"), invoice_id="org-1/0002"))
        sub = apply(sub.subscription, PaymentFailed(on=d("2026-04-01"), invoice_id="org-1/0003"))
        frozen = advance(sub.subscription, d("2026-04-07")).subscription
        assert frozen.state is S.FROZEN
        assert [i.id for i in frozen.overdue] == ["org-1/0002", "org-1/0003"]
        out = apply(frozen, PaymentSucceeded(on=d("2026-04-07"), invoice_id="org-1/0002"))
        assert out.subscription.state is S.FROZEN  # "until you settle ALL overdue invoices"
        out = apply(out.subscription, InvoiceVoided(on=d("2026-04-07"), invoice_id="org-1/0003"))
        assert out.subscription.state is S.ACTIVE
        assert out.subscription.unpaid == ()

    def test_payment_terms_delay_overdue(self) -> None:
        settings = LifecycleSettings(payment_terms_days=10)
        sub = advance(active("2026-03-01", settings=settings), d("2026-04-02"), settings)
        invoice = sub.subscription.unpaid[0]
        assert invoice.due_on == d("2026-04-11")
        # A declined card before the due day does not make it overdue.
        out = apply(
            sub.subscription, PaymentFailed(on=d("2026-04-05"), invoice_id=invoice.id), settings
        )
        assert out.subscription.state is S.ACTIVE
        assert advance(out.subscription, d("2026-04-12"), settings).subscription.state is S.ACTIVE
        assert (
            advance(out.subscription, d("2026-04-13"), settings).subscription.state
            is S.PENDING_PAYMENT
        )

    def test_retries_and_reminders_come_from_the_schedule(self) -> None:
        schedule = DunningSchedule.standard(retry_days=(1, 3), reminder_days=(4,))
        settings = LifecycleSettings(dunning=schedule)
        sub = advance(active("2026-03-01", settings=settings), d("2026-04-02"), settings)
        sub = apply(
            sub.subscription, PaymentFailed(on=d("2026-04-01"), invoice_id="org-1/0002"), settings
        ).subscription
        out = advance(sub, d("2026-04-07"), settings)
        assert [
            (a.on.day, a.kind.value, a.notice.value if a.notice else "") for a in out.actions
        ] == [
            (2, "charge", ""),
            (4, "charge", ""),
            (5, "notify", "payment_reminder"),
            (6, "block", ""),
            (6, "notify", "frozen"),
        ]
        assert all(a.invoice is not None and a.invoice.id == "org-1/0002" for a in out.actions[:2])

    def test_a_schedule_that_cancels_days_after_overdue(self) -> None:
        settings = LifecycleSettings(
            dunning=DunningSchedule.standard(grace_days=5, cancel_after_days=14)
        )
        sub = advance(active("2026-03-01", settings=settings), d("2026-04-02"), settings)
        sub = apply(
            sub.subscription, PaymentFailed(on=d("2026-04-01"), invoice_id="org-1/0002"), settings
        ).subscription
        assert advance(sub, d("2026-04-15"), settings).subscription.state is S.FROZEN
        out = advance(sub, d("2026-04-16"), settings)  # 1 April + 14 days
        assert out.subscription.state is S.CANCELLED
        assert out.subscription.cancel_reason is CancelReason.NONPAYMENT


# ---------------------------------------------------------------- plan changes


def _upgrade(sub: Subscription, on: str, plan: Plan = ADVANCED, **kw: object) -> Outcome:
    return apply(sub, ChangePlan(on=d(on), role="billing_admin", plan=plan), **kw)  # type: ignore[arg-type]


class TestUpgrade:
    def test_upgrade_at_once_cycle_restarts_pro_rata_charge(self) -> None:
        # April has 30 days; on the 21st 10 are unused: 99.00 x 10/30 = 33.00 of credit.
        # Advanced's first cycle is a whole month from the 21st: 189.00. Due 156.00.
        sub = active("2026-04-01")
        asked = _upgrade(sub, "2026-04-21")
        assert asked.subscription.plan is GROWTH  # not before the payment
        invoice = asked.actions[0].invoice
        assert invoice is not None
        assert (invoice.id, invoice.amount) == ("org-1/0002", eur("156.00"))
        assert invoice.period == Period(d("2026-04-21"), d("2026-05-21"))
        paid = apply(
            asked.subscription, PaymentSucceeded(on=d("2026-04-21"), invoice_id="org-1/0002")
        )
        sub = paid.subscription
        assert sub.plan is ADVANCED
        assert sub.state is S.ACTIVE
        assert sub.cycle == Period(d("2026-04-21"), d("2026-05-21"))
        assert sub.anchor == d("2026-04-21")
        assert sub.cycle_fee == eur("189.00")
        assert kinds(paid) == [
            ("measure_usage", "2026-04-01..2026-04-21"),
            ("notify", "plan_changed"),
        ]

    def test_usage_over_the_limit_is_billed_at_once_on_upgrade(self) -> None:
        sub = active("2026-04-01")
        sub = _upgrade(sub, "2026-04-21").subscription
        sub = apply(sub, PaymentSucceeded(on=d("2026-04-21"), invoice_id="org-1/0002")).subscription
        # 1 250 contacts so far on Growth: 250 over 1 000, 3 blocks of 100 at 20.00, priced
        # over the whole April cycle (allowances are not prorated).
        out = apply(
            sub,
            UsageReported(
                on=d("2026-04-21"),
                period=Period(d("2026-04-01"), d("2026-04-21")),
                usage={MAC: 1250},
            ),
        )
        usage = out.actions[0].invoice
        assert usage is not None
        assert (usage.kind, usage.amount, usage.period) == (
            InvoiceKind.USAGE,
            eur("60.00"),
            Period(d("2026-04-01"), d("2026-04-21")),
        )
        assert out.subscription.awaiting_usage == ()

    @pytest.mark.parametrize(
        ("policy", "due", "action"),
        [("balance", "189.00", ActionKind.CREDIT_BALANCE), ("refund", "189.00", ActionKind.REFUND)],
    )
    def test_the_unused_credit_policy_is_a_setting(
        self, policy: str, due: str, action: ActionKind
    ) -> None:
        settings = LifecycleSettings(unused_credit=policy)
        sub = active("2026-04-01", settings=settings)
        asked = _upgrade(sub, "2026-04-21", settings=settings)
        assert asked.actions[0].amount == eur(due)
        paid = apply(
            asked.subscription,
            PaymentSucceeded(on=d("2026-04-21"), invoice_id="org-1/0002"),
            settings,
        )
        moved = [a for a in paid.actions if a.kind is action]
        assert [a.amount for a in moved] == [eur("33.00")]  # 99.00 x 10/30

    def test_a_failed_upgrade_payment_changes_nothing(self) -> None:
        sub = active("2026-04-01")
        asked = _upgrade(sub, "2026-04-21")
        out = apply(
            asked.subscription,
            PaymentFailed(on=d("2026-04-21"), invoice_id="org-1/0002", reason="3-D Secure failed"),
        )
        assert out.subscription.plan is GROWTH
        assert out.subscription.state is S.ACTIVE
        assert out.subscription.cycle == Period(d("2026-04-01"), d("2026-05-01"))
        assert kinds(out) == [("void_invoice", "org-1/0002"), ("notify", "checkout_failed")]

    def test_no_upgrade_while_an_invoice_is_unpaid(self) -> None:
        sub = advance(active("2026-03-01"), d("2026-04-02")).subscription  # renewal not paid yet
        with pytest.raises(TransitionError) as caught:
            _upgrade(sub, "2026-04-01")
        assert caught.value.state == "active"
        assert "org-1/0002 unpaid" in caught.value.subject
        assert caught.value.allowed == ("downgrade", "cancel", "pay", "report_usage")

    @pytest.mark.parametrize(
        ("day", "state"), [("2026-04-03", "pending_payment"), ("2026-04-09", "frozen")]
    )
    def test_no_upgrade_in_dunning_but_downgrade_and_cancel_are_allowed(
        self, day: str, state: str
    ) -> None:
        sub = advance(active("2026-03-01"), d("2026-04-03")).subscription
        sub = advance(sub, d(day) + timedelta(days=1)).subscription
        assert sub.state.value == state
        with pytest.raises(TransitionError) as caught:
            _upgrade(sub, day)
        assert caught.value.state == state
        assert caught.value.event == "upgrade"
        assert caught.value.allowed == ("downgrade", "cancel", "pay", "report_usage")
        down = apply(sub, ChangePlan(on=d(day), role="org_admin", plan=STARTER)).subscription
        assert down.state.value == state  # the downgrade waits; the state says what is overdue
        assert down.scheduled is not None
        assert down.scheduled.plan is STARTER

    def test_an_upgrade_drops_a_scheduled_downgrade(self) -> None:
        sub = active("2026-04-01", plan=ADVANCED)
        sub = apply(sub, ChangePlan(on=d("2026-04-05"), role="org_admin", plan=GROWTH)).subscription
        assert sub.state is S.DOWNGRADING
        premium = Plan(code="premium", name="Premium", currency="EUR", base_fee=eur("300.00"))
        sub = _upgrade(sub, "2026-04-10", plan=premium).subscription
        sub = apply(sub, PaymentSucceeded(on=d("2026-04-10"), invoice_id="org-1/0002")).subscription
        assert sub.state is S.ACTIVE
        assert sub.scheduled is None
        assert sub.plan is premium

    def test_a_lateral_change_applies_at_once_keeping_the_anchor(self) -> None:
        sub = active("2026-04-01")
        out = _upgrade(sub, "2026-04-21", plan=GROWTH_TWIN)
        # Same fee: 99.00 x 10/30 charged, 99.00 x 10/30 credited, nothing due.
        assert out.actions[0].amount == eur("0.00")
        assert ActionKind.CHARGE not in [a.kind for a in out.actions]
        assert out.subscription.plan is GROWTH_TWIN
        assert out.subscription.cycle == Period(d("2026-04-01"), d("2026-05-01"))
        assert out.subscription.anchor == d("2026-04-01")

    def test_monthly_to_annual_is_an_upgrade_and_usage_stays_monthly(self) -> None:
        # The figures of examples/messaging_end_to_end.py: July's cycle is 4 July to
        # 4 August (31 days); on the 10th, 25 days are unused: 99.00 - 99.00 x 6/31
        # (19.16) = 79.84 of credit; 950.40 - 79.84 = 870.56 due.
        sub = active("2026-07-04")
        out = apply(
            sub,
            ChangePlan(on=d("2026-07-10"), role="org_admin", plan=ANNUAL, usage_plan=ANNUAL_USAGE),
        )
        assert out.actions[0].amount == eur("870.56")
        sub = apply(
            out.subscription, PaymentSucceeded(on=d("2026-07-10"), invoice_id="org-1/0002")
        ).subscription
        assert sub.cycle == Period(d("2026-07-10"), d("2027-07-10"))
        assert sub.pricing_plan is ANNUAL_USAGE
        year = advance(sub, d("2027-07-11"))
        measured = [a.period for a in year.actions if a.kind is ActionKind.MEASURE_USAGE]
        assert len(measured) == 12  # one usage period a month, a whole year of them
        assert measured[0] == Period(d("2026-07-10"), d("2026-08-10"))
        assert measured[-1] == Period(d("2027-06-10"), d("2027-07-10"))
        invoices = [a.invoice for a in year.actions if a.kind is ActionKind.ISSUE_INVOICE]
        assert [(i.period.start, i.amount) for i in invoices if i is not None] == [
            (d("2027-07-10"), eur("950.40"))  # the subscription invoice, once a year
        ]

    def test_annual_plans_get_a_monthly_usage_invoice(self) -> None:
        sub = active("2026-07-10", plan=ANNUAL, usage_plan=ANNUAL_USAGE)
        assert sub.cycle_fee == eur("950.40")
        out = advance(sub, d("2026-08-11"))
        out = apply(
            out.subscription,
            UsageReported(
                on=d("2026-08-10"),
                period=Period(d("2026-07-10"), d("2026-08-10")),
                usage={MAC: 1180},
            ),
        )
        invoice = out.actions[0].invoice
        assert invoice is not None
        assert (invoice.kind, invoice.amount) == (InvoiceKind.USAGE, eur("40.00"))  # 2 blocks

    def test_usage_within_the_allowance_issues_no_invoice(self) -> None:
        sub = advance(active("2026-03-01"), d("2026-04-02")).subscription
        out = apply(
            sub,
            UsageReported(
                on=d("2026-04-01"),
                period=Period(d("2026-03-01"), d("2026-04-01")),
                usage={MAC: 1000},
            ),
        )
        assert out.actions == ()
        assert out.subscription.awaiting_usage == ()


class TestDowngradeAndCancel:
    def test_downgrade_at_the_end_of_the_cycle(self) -> None:
        sub = active("2026-04-01", plan=ADVANCED)
        out = apply(sub, ChangePlan(on=d("2026-04-21"), role="org_admin", plan=GROWTH))
        sub = out.subscription
        assert sub.state is S.DOWNGRADING
        assert sub.plan is ADVANCED
        assert sub.scheduled is not None
        assert sub.scheduled.effective_on == d("2026-05-01")
        assert kinds(out) == [("notify", "downgrade_scheduled")]
        may = advance(sub, d("2026-05-02"))
        assert may.subscription.state is S.ACTIVE
        assert may.subscription.plan is GROWTH
        assert may.subscription.cycle == Period(d("2026-05-01"), d("2026-06-01"))
        issued = [a.invoice for a in may.actions if a.kind is ActionKind.ISSUE_INVOICE]
        assert [i.amount for i in issued if i is not None] == [eur("99.00")]
        measured = [a for a in may.actions if a.kind is ActionKind.MEASURE_USAGE]
        assert "advanced-monthly" in measured[0].reason  # April's usage is priced by Advanced

    def test_undo_a_downgrade(self) -> None:
        sub = active("2026-04-01", plan=ADVANCED)
        sub = apply(sub, ChangePlan(on=d("2026-04-21"), role="org_admin", plan=GROWTH)).subscription
        out = apply(sub, UndoScheduledChange(on=d("2026-04-22"), role="billing_admin"))
        assert out.subscription.state is S.ACTIVE
        assert out.subscription.scheduled is None
        assert kinds(out) == [("notify", "scheduled_change_undone")]
        renewed = advance(out.subscription, d("2026-05-02")).subscription
        assert renewed.plan is ADVANCED
        assert renewed.cycle_fee == eur("189.00")

    def test_billing_roles_cancel_and_the_stricter_setting(self) -> None:
        # Issue 6: organisation and billing admins may request cancellations.
        sub = active("2026-04-01")
        out = apply(sub, Cancel(on=d("2026-04-10"), role="billing_admin"))
        assert out.subscription.state is S.CANCELLING
        with pytest.raises(NotAllowedError) as caught:
            apply(sub, Cancel(on=d("2026-04-10"), role="member"))
        assert (caught.value.role, caught.value.action) == ("member", "cancel")
        assert set(caught.value.allowed) == {"org_admin", "billing_admin"}
        # The messaging SaaS's help page lets only organisation admins cancel.
        org_only = LifecycleSettings(cancel_roles={"org_admin"})
        with pytest.raises(NotAllowedError) as caught:
            apply(sub, Cancel(on=d("2026-04-10"), role="billing_admin"), org_only)
        assert caught.value.allowed == ("org_admin",)

    def test_cancel_at_the_end_of_the_cycle(self) -> None:
        sub = active("2026-04-01")
        out = apply(sub, Cancel(on=d("2026-04-10"), role="org_admin", reason="too expensive"))
        sub = out.subscription
        assert sub.state is S.CANCELLING
        assert sub.access.blocked() == ()
        with pytest.raises(TransitionError) as caught:
            apply(sub, Cancel(on=d("2026-04-11"), role="org_admin"))
        assert caught.value.allowed == ("downgrade", "undo_scheduled_change")
        with pytest.raises(TransitionError):
            _upgrade(sub, "2026-04-11")
        end = advance(sub, d("2026-05-02"))
        assert end.subscription.state is S.CANCELLED
        assert end.subscription.cancel_reason is CancelReason.REQUESTED
        assert ActionKind.ISSUE_INVOICE not in [a.kind for a in end.actions]
        assert kinds(end) == [
            ("measure_usage", "2026-04-01..2026-05-01"),
            ("block", ""),
            ("notify", "cancelled"),
        ]

    def test_a_cancellation_can_become_a_downgrade_or_be_undone(self) -> None:
        sub = active("2026-04-01")
        sub = apply(sub, Cancel(on=d("2026-04-10"), role="org_admin")).subscription
        down = apply(sub, ChangePlan(on=d("2026-04-11"), role="org_admin", plan=STARTER))
        assert down.subscription.state is S.DOWNGRADING
        undone = apply(sub, UndoScheduledChange(on=d("2026-04-11"), role="org_admin"))
        assert undone.subscription.state is S.ACTIVE

    def test_cancelling_while_overdue_waits_and_payment_restores_cancelling(self) -> None:
        sub = advance(active("2026-03-01"), d("2026-04-03")).subscription
        assert sub.state is S.PENDING_PAYMENT
        sub = apply(sub, Cancel(on=d("2026-04-03"), role="org_admin")).subscription
        assert sub.state is S.PENDING_PAYMENT
        paid = apply(sub, PaymentSucceeded(on=d("2026-04-04"), invoice_id="org-1/0002"))
        assert paid.subscription.state is S.CANCELLING
        unpaid = advance(sub, d("2026-05-02")).subscription
        assert unpaid.state is S.CANCELLED

    def test_cancelled_is_final(self) -> None:
        sub = advance(
            apply(active("2026-04-01"), Cancel(on=d("2026-04-10"), role="org_admin")).subscription,
            d("2026-05-02"),
        ).subscription
        assert allowed_events(sub) == ("report_usage",)
        for event in (
            ChangePlan(on=d("2026-05-02"), role="org_admin", plan=ADVANCED),
            Subscribe(on=d("2026-05-02"), role="org_admin", plan=ADVANCED),
            Cancel(on=d("2026-05-02"), role="org_admin"),
            UndoScheduledChange(on=d("2026-05-02"), role="org_admin"),
        ):
            with pytest.raises(TransitionError) as caught:
                apply(sub, event)
            assert caught.value.state == "cancelled"


# ---------------------------------------------------------------- refusals and inputs


class TestInputs:
    def test_allowed_events_by_state(self) -> None:
        trial = start_trial("org-1", plan=GROWTH, on=d("2026-01-01")).subscription
        assert allowed_events(trial) == ("subscribe", "cancel")
        sub = active("2026-04-01")
        assert allowed_events(sub) == ("upgrade", "downgrade", "cancel")
        down = apply(sub, ChangePlan(on=d("2026-04-02"), role="org_admin", plan=STARTER))
        assert allowed_events(down.subscription) == (
            "upgrade",
            "downgrade",
            "cancel",
            "undo_scheduled_change",
        )

    def test_an_event_before_the_last_day_processed_is_refused(self) -> None:
        sub = active("2026-04-01")
        later = advance(sub, d("2026-04-11")).subscription
        with pytest.raises(PeriodError, match="2026-04-10"):
            apply(later, Cancel(on=d("2026-04-09"), role="org_admin"))

    def test_unknown_invoices_and_usage_periods_are_refused(self) -> None:
        sub = active("2026-04-01")
        with pytest.raises(ValidationError, match="invoice_id"):
            apply(sub, PaymentSucceeded(on=d("2026-04-02"), invoice_id="org-1/0099"))
        with pytest.raises(ValidationError, match="period"):
            apply(
                sub,
                UsageReported(
                    on=d("2026-04-02"), period=Period(d("2026-03-01"), d("2026-04-01")), usage={}
                ),
            )

    def test_plan_checks(self) -> None:
        sub = active("2026-04-01")
        with pytest.raises(ValidationError, match="other than the current one"):
            apply(sub, ChangePlan(on=d("2026-04-02"), role="org_admin", plan=GROWTH))
        with pytest.raises(ValidationError, match="usage_plan"):
            start_trial("org-1", plan=GROWTH, on=d("2026-01-01"), usage_plan=ANNUAL_USAGE)
        rub = Plan(code="rub", name="RUB", currency="RUB", base_fee=Money("100.00", "RUB"))
        with pytest.raises(PricingCurrencyError):
            apply(sub, ChangePlan(on=d("2026-04-02"), role="org_admin", plan=rub))
        with pytest.raises(ValidationError, match="plan"):
            Subscribe(on=d("2026-04-02"), role="org_admin", plan="growth")  # type: ignore[arg-type]

    def test_dates_are_dates_and_events_are_events(self) -> None:
        from datetime import datetime, timezone

        with pytest.raises(PeriodError, match="on"):
            Cancel(on=datetime(2026, 4, 2, tzinfo=timezone.utc), role="org_admin")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="event"):
            apply(active("2026-04-01"), "cancel")  # type: ignore[arg-type]

    def test_settings_are_checked(self) -> None:
        with pytest.raises(ValidationError, match="billing_roles"):
            LifecycleSettings(billing_roles=set())
        with pytest.raises(ValidationError, match="payment_terms_days"):
            LifecycleSettings(payment_terms_days=-1)
        with pytest.raises(ValidationError, match="access"):
            LifecycleSettings(access={"frozen": "nothing"})
        inbound_too = Access(platform=False, outbound=False, inbound=False, workflows=False)
        strict = LifecycleSettings(access={S.FROZEN: inbound_too})
        assert strict.access_for(S.FROZEN) == inbound_too
        assert strict.access_for(S.ACTIVE).blocked() == ()  # the other states keep their defaults
        assert strict != LifecycleSettings()

    def test_a_custom_access_is_what_freezing_blocks(self) -> None:
        nothing = Access(platform=False, outbound=False, inbound=False, workflows=False)
        settings = LifecycleSettings(access={S.FROZEN: nothing})
        sub = advance(active("2026-03-01", settings=settings), d("2026-04-08"), settings)
        assert sub.subscription.state is S.FROZEN
        assert sub.subscription.access == nothing
        block = [a for a in sub.actions if a.kind is ActionKind.BLOCK]
        assert [a.access for a in block] == [nothing]

    def test_the_input_subscription_is_never_changed(self) -> None:
        sub = active("2026-04-01")
        before = attrs.asdict(sub, recurse=False)
        apply(sub, Cancel(on=d("2026-04-10"), role="org_admin"))
        advance(sub, d("2026-06-02"))
        assert attrs.asdict(sub, recurse=False) == before

    def test_notices_go_to_the_notify_roles(self) -> None:
        settings = LifecycleSettings(notify_roles=["org_admin"])
        sub = active("2026-04-01", settings=settings)
        out = apply(sub, Cancel(on=d("2026-04-10"), role="org_admin"), settings)
        notices = [a for a in out.actions if a.kind is ActionKind.NOTIFY]
        assert [a.recipients for a in notices] == [("org_admin",)]
        assert notices[0].notice is SubscriptionNoticeKind.CANCELLATION_SCHEDULED


class TestSameDayEdges:
    def test_a_failed_charge_after_cancellation_fires_no_step_twice(self) -> None:
        # Deletion on the day of cancellation; the last usage invoice, issued that day,
        # is declined that day: the deletion mark must not be repeated.
        settings = LifecycleSettings(dunning=DunningSchedule.standard(deletion_days=0))
        sub = active("2026-04-01", settings=settings)
        sub = apply(sub, Cancel(on=d("2026-04-10"), role="org_admin"), settings).subscription
        end = advance(sub, d("2026-05-02"), settings)
        assert [a.kind for a in end.actions].count(ActionKind.MARK_FOR_DELETION) == 1
        out = apply(
            end.subscription,
            UsageReported(
                on=d("2026-05-01"),
                period=Period(d("2026-04-01"), d("2026-05-01")),
                usage={MAC: 1100},
            ),
            settings,
        )
        usage = out.actions[0].invoice
        assert usage is not None
        failed = apply(
            out.subscription, PaymentFailed(on=d("2026-05-01"), invoice_id=usage.id), settings
        )
        assert kinds(failed) == [("notify", "payment_failed")]
        assert failed.subscription.state is S.CANCELLED

    def test_a_lateral_change_to_a_plan_that_prices_usage_differently_measures_usage_first(
        self,
    ) -> None:
        # Growth meters contacts; its twin at the same fee does not: the contacts used
        # before the change are measured and priced by Growth, not lost.
        sub = active("2026-04-01")
        out = apply(sub, ChangePlan(on=d("2026-04-21"), role="org_admin", plan=GROWTH_TWIN))
        measured = [a.period for a in out.actions if a.kind is ActionKind.MEASURE_USAGE]
        assert measured == [Period(d("2026-04-01"), d("2026-04-21"))]
        assert out.subscription.pricing_plan is None
