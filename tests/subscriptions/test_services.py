"""Hosted services and auto-renewal: the hosting provider (REQUIREMENTS.md, section 3)."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from billkit import Money
from billkit.errors import (
    CurrencyMismatchError,
    NotAllowedError,
    TransitionError,
    ValidationError,
)
from billkit.subscriptions import ActionKind
from billkit.subscriptions.actions import SubscriptionNoticeKind
from billkit.subscriptions.renewals import (
    MethodEvent,
    MethodState,
    RenewalOutcome,
    RenewalSettings,
    SavedMethod,
    delete_method,
    method_transition,
    renewal_day,
    renewal_result,
    renewal_window,
)
from billkit.subscriptions.services import (
    BALANCE,
    Actor,
    BillingMode,
    Operation,
    Service,
    ServiceEvent,
    ServiceSettings,
    ServiceState,
    daily_charge,
    is_billed,
    service_transition,
)

SS = ServiceState


def d(text: str) -> date:
    return date.fromisoformat(text)


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def vps(**kw: object) -> Service:
    fields: dict[str, object] = {
        "id": "vps-7",
        "product": "vps",
        "price": rub("500.00"),
        "state": "active",
        "anchor": d("2026-03-01"),
        "expires_on": d("2026-04-01"),
        "auto_renew": True,
        "pay_from": "card-1111",
    }
    fields.update(kw)
    return Service(**fields)  # type: ignore[arg-type]


def summary(out: RenewalOutcome) -> list[tuple[str, str]]:
    return [(a.kind.value, a.notice.value if a.notice else "") for a in out.actions]


# ---------------------------------------------------------------- states


class TestServiceStates:
    def test_the_nine_states_of_the_panel_and_deleted(self) -> None:
        assert [s.value for s in ServiceState] == [
            "ordered",
            "processing",
            "needs_setup",
            "out_of_stock",
            "active",
            "suspended",
            "stopped",
            "stopped_by_admin",
            "stopped_for_violation",
            "deleted",
        ]

    def test_order_pay_open(self) -> None:
        ordered = Service(id="vm-1", price=rub("500.00"))
        assert ordered.state is SS.ORDERED
        opening = service_transition(ordered, "pay", actor="system", on=d("2026-03-01")).service
        assert (opening.state, opening.operation) == (SS.PROCESSING, Operation.OPENING)
        assert not is_billed(opening)  # not billed before it opens
        done = service_transition(opening, "finish", actor="system", on=d("2026-03-01"))
        assert done.service.state is SS.ACTIVE
        assert done.service.operation is None
        assert [str(t) for t in done.transitions] == [
            "2026-03-01 vm-1 processing -> active (opening finished)"
        ]

    def test_quick_order_needs_setup_and_out_of_stock(self) -> None:
        ordered = Service(id="vm-1", price=rub("500.00"))
        setup = service_transition(ordered, "require_setup", actor="system", on=d("2026-03-01"))
        assert setup.service.state is SS.NEEDS_SETUP
        filled = service_transition(
            setup.service, "complete_setup", actor="customer", on=d("2026-03-01")
        ).service
        assert filled.operation is Operation.OPENING
        short = service_transition(filled, "run_out_of_stock", actor="system", on=d("2026-03-01"))
        assert short.service.state is SS.OUT_OF_STOCK
        back = service_transition(short.service, "restock", actor="admin", on=d("2026-03-02"))
        assert back.service.state is SS.PROCESSING

    @pytest.mark.parametrize(
        ("billing", "stopped", "billed"),
        [("daily", SS.SUSPENDED, False), ("periodic", SS.STOPPED, True)],
    )
    def test_a_customer_stop_depends_on_how_the_service_is_billed(
        self, billing: str, stopped: ServiceState, billed: bool
    ) -> None:
        if billing == "daily":
            service = Service(id="s", billing=billing, price=rub("16.00"), state="active")
        else:
            service = vps(auto_renew=False)
        out = service_transition(
            service, ServiceEvent.STOP, actor=Actor.CUSTOMER, on=d("2026-03-05")
        )
        assert out.service.state is stopped
        assert is_billed(out.service) is billed
        assert [a.kind for a in out.actions] == [ActionKind.STOP_SERVICE]
        again = service_transition(out.service, "start", actor="customer", on=d("2026-03-06"))
        assert again.service.state is SS.ACTIVE
        assert [a.kind for a in again.actions] == [ActionKind.START_SERVICE]

    def test_the_customer_cannot_undo_an_administrator_stop(self) -> None:
        stopped = service_transition(vps(), "admin_stop", actor="admin", on=d("2026-03-05")).service
        with pytest.raises(TransitionError) as caught:
            service_transition(stopped, "start", actor="customer", on=d("2026-03-06"))
        assert caught.value.state == "stopped_by_admin"
        assert caught.value.allowed == ("begin", "delete")
        with pytest.raises(NotAllowedError) as refused:
            service_transition(stopped, "admin_start", actor="customer", on=d("2026-03-06"))
        assert refused.value.allowed == ("admin",)
        back = service_transition(stopped, "admin_start", actor="admin", on=d("2026-03-06"))
        assert back.service.state is SS.ACTIVE

    def test_violation_stop_is_automatic_and_lifted_by_the_administrator(self) -> None:
        out = service_transition(vps(), "violation", actor="system", on=d("2026-03-05"))
        assert out.service.state is SS.STOPPED_FOR_VIOLATION
        with pytest.raises(NotAllowedError):
            service_transition(vps(), "violation", actor="customer", on=d("2026-03-05"))
        lifted = service_transition(out.service, "admin_start", actor="admin", on=d("2026-03-07"))
        assert lifted.service.state is SS.ACTIVE

    def test_operations_go_through_processing_and_back(self) -> None:
        busy = service_transition(
            vps(), "begin", actor="customer", on=d("2026-03-05"), operation="rebooting"
        ).service
        assert (busy.state, busy.operation, busy.resume_state) == (
            SS.PROCESSING,
            Operation.REBOOTING,
            SS.ACTIVE,
        )
        assert is_billed(busy)
        out = service_transition(busy, "finish", actor="system", on=d("2026-03-05"))
        assert out.service.state is SS.ACTIVE
        assert out.actions == ()  # the panel did the work
        off = service_transition(
            vps(), "begin", actor="customer", on=d("2026-03-05"), operation="switching_off"
        ).service
        assert (
            service_transition(off, "finish", actor="system", on=d("2026-03-05")).service.state
            is SS.STOPPED
        )
        gone = service_transition(
            vps(), "begin", actor="customer", on=d("2026-03-05"), operation="deleting"
        ).service
        assert (
            service_transition(gone, "finish", actor="system", on=d("2026-03-05")).service.state
            is SS.DELETED
        )

    def test_begin_needs_an_operation_other_than_opening(self) -> None:
        with pytest.raises(ValidationError, match="operation"):
            service_transition(vps(), "begin", actor="customer", on=d("2026-03-05"))
        with pytest.raises(ValidationError, match="opening"):
            service_transition(
                vps(), "begin", actor="admin", on=d("2026-03-05"), operation="opening"
            )
        with pytest.raises(TransitionError):
            service_transition(
                vps(state="stopped"),
                "begin",
                actor="customer",
                on=d("2026-03-05"),
                operation="switching_off",
            )

    def test_deleted_is_final_and_turns_auto_renewal_off(self) -> None:
        gone = service_transition(vps(), "delete", actor="customer", on=d("2026-03-05")).service
        assert gone.state is SS.DELETED
        assert gone.auto_renew is False
        with pytest.raises(TransitionError) as caught:
            service_transition(gone, "admin_start", actor="admin", on=d("2026-03-06"))
        assert caught.value.allowed == ()

    @pytest.mark.parametrize(
        ("state", "daily", "periodic"),
        [
            ("ordered", False, False),
            ("needs_setup", False, False),
            ("out_of_stock", False, False),
            ("active", True, True),
            ("suspended", False, False),
            ("stopped", False, True),
            ("stopped_by_admin", False, True),
            ("stopped_for_violation", False, True),
            ("deleted", False, False),
        ],
    )
    def test_which_states_are_billed(self, state: str, daily: bool, periodic: bool) -> None:
        day = Service(id="s", billing="daily", price=rub("16.00"), state=state)
        term = Service(id="s", price=rub("500.00"), state=state)
        assert (is_billed(day), is_billed(term)) == (daily, periodic)

    def test_what_is_billed_is_a_setting(self) -> None:
        settings = ServiceSettings(billed={"daily": {"active", "processing", "stopped_by_admin"}})
        service = Service(id="s", billing="daily", price=rub("16.00"), state="stopped_by_admin")
        assert is_billed(service, settings)
        assert not is_billed(service)
        assert (
            settings.billed[BillingMode.PERIODIC] == ServiceSettings().billed[BillingMode.PERIODIC]
        )

    def test_daily_charges(self) -> None:
        service = Service(id="vps-1", billing="daily", price=rub("16.00"), state="active")
        charge = daily_charge(service, d("2026-03-01"))
        assert charge is not None
        assert (charge.kind, charge.amount) == (ActionKind.DEBIT_BALANCE, rub("16.00"))
        assert daily_charge(attrs.evolve(service, state="suspended"), d("2026-03-02")) is None
        assert daily_charge(vps(), d("2026-03-02")) is None  # periodic services renew instead

    def test_service_values_are_checked(self) -> None:
        with pytest.raises(ValidationError, match="billing"):
            Service(id="s", billing="daily", price=rub("16.00"), auto_renew=True, pay_from=BALANCE)
        with pytest.raises(ValidationError, match="pay_from"):
            vps(pay_from=None)
        with pytest.raises(ValidationError, match="expires_on"):
            vps(expires_on=d("2026-03-01"))
        with pytest.raises(ValidationError, match="operation"):
            vps(state="processing")
        with pytest.raises(ValidationError, match="price"):
            vps(price=rub("-1.00"))


# ---------------------------------------------------------------- saved methods


class TestSavedMethods:
    def test_states_change_on_setup_and_on_payment(self) -> None:
        card = SavedMethod(id="card-1111", state="setting_up")
        card = method_transition(card, MethodEvent.SETUP_SUCCEEDED)
        assert card.state is MethodState.ENABLED
        card = method_transition(card, "payment_failed")
        assert card.state is MethodState.NOT_WORKING
        card = method_transition(card, "payment_succeeded")  # topped up and paid by hand
        assert card.state is MethodState.ENABLED
        card = method_transition(card, "set_up_again")
        assert card.state is MethodState.SETTING_UP
        assert method_transition(card, "setup_failed").state is MethodState.NOT_WORKING

    def test_a_method_being_set_up_cannot_pay(self) -> None:
        with pytest.raises(TransitionError) as caught:
            method_transition(SavedMethod(id="c", state="setting_up"), "payment_succeeded")
        assert caught.value.allowed == ("setup_succeeded", "setup_failed")

    def test_balance_is_not_a_method_id(self) -> None:
        with pytest.raises(ValidationError, match="balance"):
            SavedMethod(id=BALANCE)


# ---------------------------------------------------------------- auto-renewal


class TestAutoRenewal:
    def test_lead_times_per_product(self) -> None:
        settings = RenewalSettings()
        assert settings.lead_for("vps") == 1
        assert settings.lead_for("domain") == 60
        assert settings.lead_for("ssl_certificate") == 60
        custom = RenewalSettings(lead_days={"domain": 30, "licence": 7}, default_lead_days=3)
        assert (custom.lead_for("domain"), custom.lead_for("licence"), custom.lead_for("vps")) == (
            30,
            7,
            3,
        )
        assert custom != settings

    def test_a_domain_is_renewed_from_60_days_before_expiry(self) -> None:
        domain = vps(
            id="example.ru",
            product="domain",
            term="1 year",
            price=rub("990.00"),
            anchor=d("2025-06-01"),
            expires_on=d("2026-06-01"),
        )
        window = renewal_window(domain)
        assert window is not None
        assert window.start == d("2026-04-02")  # 1 June - 60 days: 29 days of April + 31 of May
        card = SavedMethod(id="card-1111")
        assert renewal_day(domain, d("2026-04-01"), method=card).actions == ()
        first = renewal_day(domain, d("2026-04-02"), method=card)
        assert summary(first) == [("charge", "")]
        assert first.actions[0].amount == rub("990.00")
        assert first.actions[0].method == "card-1111"
        done = renewal_result(first.service, d("2026-04-02"), paid=True, method=card)
        assert done.service.expires_on == d("2027-06-01")

    def test_card_declined_not_working_notice_then_retry_next_day_once_it_works(self) -> None:
        card = SavedMethod(id="card-1111")
        service = vps()
        # 31 March, one day before expiry: the attempt.
        attempt = renewal_day(service, d("2026-03-31"), method=card)
        assert summary(attempt) == [("charge", "")]
        failed = renewal_result(
            attempt.service, d("2026-03-31"), paid=False, method=card, reason="insufficient funds"
        )
        assert failed.method is not None
        assert failed.method.state is MethodState.NOT_WORKING
        assert summary(failed) == [("notify", "renewal_failed")]
        assert failed.actions[0].reason == "insufficient funds"
        # 1 April: the term ends unrenewed: the service stops; the card still does not work,
        # so no attempt and no second notice.
        expiry = renewal_day(failed.service, d("2026-04-01"), method=failed.method)
        assert summary(expiry) == [("stop_service", ""), ("notify", "service_expired")]
        assert expiry.service.state is SS.STOPPED_BY_ADMIN
        # The customer tops the card up and pays with it by hand: it works again.
        fixed = method_transition(failed.method, "payment_succeeded")
        retry = renewal_day(expiry.service, d("2026-04-02"), method=fixed)
        assert summary(retry) == [("charge", "")]
        done = renewal_result(retry.service, d("2026-04-02"), paid=True, method=fixed)
        assert done.service.state is SS.ACTIVE  # back by itself
        assert done.service.expires_on == d("2026-05-01")  # the term continues from 1 April
        assert summary(done) == [("start_service", ""), ("notify", "service_renewed")]
        assert done.service.expired_on is None
        assert done.service.renewal_failed_on is None

    def test_the_retry_waits_a_day_even_if_the_method_is_fixed_at_once(self) -> None:
        card = SavedMethod(id="card-1111")
        attempt = renewal_day(vps(), d("2026-03-31"), method=card)
        failed = renewal_result(attempt.service, d("2026-03-31"), paid=False, method=card)
        fixed = method_transition(failed.method, "payment_succeeded")  # type: ignore[arg-type]
        assert renewal_day(failed.service, d("2026-03-31"), method=fixed).actions == ()
        assert summary(renewal_day(failed.service, d("2026-04-01"), method=fixed)) == [
            ("stop_service", ""),
            ("notify", "service_expired"),
            ("charge", ""),
        ]
        slow = RenewalSettings(retry_days=3)
        assert (
            renewal_day(failed.service, d("2026-04-02"), method=fixed, settings=slow)
            .actions[-1]
            .kind
            is not ActionKind.CHARGE
        )

    def test_from_the_balance(self) -> None:
        service = vps(pay_from=BALANCE)
        short = renewal_day(service, d("2026-03-31"), balance=rub("120.00"))
        assert summary(short) == [("notify", "renewal_failed")]
        assert "120.00 of 500.00" in short.actions[0].reason
        silent = renewal_day(short.service, d("2026-04-01"), balance=rub("120.00"))
        assert summary(silent) == [("stop_service", ""), ("notify", "service_expired")]
        topped = renewal_day(silent.service, d("2026-04-03"), balance=rub("600.00"))
        assert summary(topped) == [("debit_balance", "")]
        assert topped.actions[0].amount == rub("500.00")

    def test_a_blocked_credit_line_stops_renewal_from_the_account_not_from_saved_methods(
        self,
    ) -> None:
        from_account = vps(pay_from=BALANCE)
        blocked = renewal_day(
            from_account, d("2026-03-31"), balance=rub("5000.00"), balance_blocked=True
        )
        assert summary(blocked) == [("notify", "renewal_failed")]
        assert "credit line is blocked" in blocked.actions[0].reason
        expired = renewal_day(
            blocked.service, d("2026-04-01"), balance=rub("5000.00"), balance_blocked=True
        ).service
        assert expired.state is SS.STOPPED_BY_ADMIN
        # The overdue statement is paid on 10 April: the line is unblocked, and the
        # service with auto-renewal from the account comes back by itself.
        again = renewal_day(expired, d("2026-04-10"), balance=rub("5000.00"))
        assert summary(again) == [("debit_balance", "")]
        back = renewal_result(again.service, d("2026-04-10"), paid=True)
        assert back.service.state is SS.ACTIVE
        # A card-renewed service is charged whatever the credit line.
        card = renewal_day(
            vps(), d("2026-03-31"), method=SavedMethod(id="card-1111"), balance_blocked=True
        )
        assert summary(card) == [("charge", "")]

    def test_terms_count_from_the_anchor_without_month_end_drift(self) -> None:
        service = vps(anchor=d("2026-01-31"), expires_on=d("2026-02-28"))
        card = SavedMethod(id="card-1111")
        feb = renewal_result(service, d("2026-02-27"), paid=True, method=card).service
        assert feb.expires_on == d("2026-03-31")
        mar = renewal_result(feb, d("2026-03-30"), paid=True, method=card).service
        assert mar.expires_on == d("2026-04-30")

    def test_an_administrator_stop_is_not_undone_by_a_renewal(self) -> None:
        stopped = vps(state="stopped_by_admin")
        card = SavedMethod(id="card-1111")
        expiry = renewal_day(stopped, d("2026-04-01"), method=card)
        assert expiry.service.state is SS.STOPPED_BY_ADMIN
        assert expiry.service.expired_on == d("2026-04-01")
        assert ActionKind.STOP_SERVICE not in [a.kind for a in expiry.actions]  # already off
        done = renewal_result(expiry.service, d("2026-04-01"), paid=True, method=card)
        assert done.service.state is SS.STOPPED_BY_ADMIN
        assert ActionKind.START_SERVICE not in [a.kind for a in done.actions]

    def test_no_renewal_without_auto_renewal_or_for_deleted_services(self) -> None:
        card = SavedMethod(id="card-1111")
        manual = vps(auto_renew=False, pay_from=None)
        assert summary(renewal_day(manual, d("2026-03-31"))) == []
        assert summary(renewal_day(manual, d("2026-04-01"))) == [
            ("stop_service", ""),
            ("notify", "service_expired"),
        ]
        gone = vps(state="deleted")
        assert renewal_day(gone, d("2026-04-01"), method=card).actions == ()

    def test_deleting_a_method_turns_off_auto_renewal_of_its_services(self) -> None:
        card = SavedMethod(id="card-1111")
        bound = [vps(id="vps-1"), vps(id="vps-2")]
        other = vps(id="dns-1", pay_from=BALANCE)
        services, actions = delete_method(card, [*bound, other], d("2026-03-10"))
        assert [(s.id, s.auto_renew, s.pay_from) for s in services] == [
            ("vps-1", False, None),
            ("vps-2", False, None),
            ("dns-1", True, BALANCE),
        ]
        assert [(a.subject, a.notice) for a in actions] == [
            ("vps-1", SubscriptionNoticeKind.AUTO_RENEWAL_OFF),
            ("vps-2", SubscriptionNoticeKind.AUTO_RENEWAL_OFF),
        ]
        assert renewal_day(services[0], d("2026-03-31")).actions == ()

    def test_inputs(self) -> None:
        with pytest.raises(ValidationError, match="method"):
            renewal_day(vps(), d("2026-03-31"), method=SavedMethod(id="card-2222"))
        with pytest.raises(ValidationError, match="balance"):
            renewal_day(vps(pay_from=BALANCE), d("2026-03-31"))
        with pytest.raises(CurrencyMismatchError):
            renewal_day(vps(pay_from=BALANCE), d("2026-03-31"), balance=Money("10.00", "EUR"))
        missing = renewal_day(vps(), d("2026-03-31"))
        assert "missing" in missing.actions[0].reason
        with pytest.raises(ValidationError, match="lead_days"):
            RenewalSettings(lead_days={"domain": -1})


def test_a_deleted_service_is_not_renewed() -> None:
    with pytest.raises(TransitionError) as caught:
        renewal_result(vps(state="deleted", auto_renew=False), d("2026-03-31"), paid=True)
    assert caught.value.allowed == ()


def test_the_service_lifecycle_table_deleted_is_final_and_reachable_from_every_state() -> None:
    # Whatever the context (billing mode, operation in progress, expiry stop),
    # DELETED has no way out and every other state may be deleted.
    from billkit.subscriptions import services

    for stop_to in (ServiceState.SUSPENDED, ServiceState.STOPPED):
        for finish_to in (None, ServiceState.ACTIVE, ServiceState.DELETED):
            machine = services._lifecycle(stop_to, finish_to, None)
            assert machine.is_final(ServiceState.DELETED)
            for state in ServiceState:
                if state is not ServiceState.DELETED:
                    assert machine.apply(state, ServiceEvent.DELETE) is ServiceState.DELETED
