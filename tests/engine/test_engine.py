"""The engine over a month and after: payments, dunning, webhooks, plan changes, notifications."""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import socket
import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from billkit.engine import Billing
from billkit.errors import BillingError, SubscriptionError, WebhookError
from billkit.money import Money
from billkit.notify import MemoryNotifier, SmtpNotifier, WebhookNotifier
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.payments.webhooks import WebhookVerifier
from billkit.ports import FixedClock
from billkit.storage import MemoryStore
from tests.engine import support

ACME = Party(kind="legal_entity", country="IT", name="Acme S.p.A.")


def _setup(method: str = "tok_visa") -> tuple[Billing, MemoryStore, FixedClock, SandboxGateway]:
    clock = FixedClock(support.START)
    store = MemoryStore()
    gateway = SandboxGateway(clock=clock)
    engine = Billing(
        store, gateway, MemoryNotifier(), clock, [support.PRO, support.TEAM], seller=support.SELLER
    )
    engine.add_customer("acme", ACME, currency="EUR", method=method, email="billing@acme.test")
    engine.subscribe("acme-pro", "acme", "pro")
    return engine, store, clock, gateway


def _docs(store: MemoryStore) -> list[tuple[str, str | None, str, str]]:
    with store.transaction(readonly=True) as tx:
        return [(d.id, d.number, d.status, str(d.total.amount)) for d in tx.documents()]


def test_a_month_billed_paid_and_notified() -> None:
    engine, store, clock, _ = _setup()
    engine.record_usage("acme-pro", "calls", 600, key="e1")
    clock.set(support.MONTH_END)
    report = engine.run()
    # 20.00 + (600 - 100) x 0.01 = 25.00 net; 22 % VAT: 30.50.
    assert report.invoiced == (("EUR", Decimal("30.50")),)
    assert (report.billed, report.paid, report.failed_payments, report.failures) == (1, 1, 0, ())
    assert _docs(store) == [
        ("acme-pro|2026-03-01|2026-04-01|invoice|0", "INV-000001", "paid", "30.50")
    ]
    with store.transaction(readonly=True) as tx:
        assert [(e.kind, e.amount) for e in tx.entries("acme/main")] == [
            ("payment", Money("30.50", "EUR")),
            ("charge", Money("-30.50", "EUR")),
        ]
        assert tx.balance("acme/main") == Money("0", "EUR")
        assert tx.subscription("acme-pro").next_billing == date(2026, 5, 1)
    # 600 calls crossed 90 % and 100 % of the 100 included when recorded: two usage alerts.
    assert engine.deliver() == 4
    assert engine.deliver() == 0
    assert [m.topic for m in engine.notifier.messages] == [
        "usage.threshold",
        "usage.threshold",
        "invoice.issued",
        "payment.received",
    ]


def test_the_balance_pays_first_without_calling_the_gateway() -> None:
    engine, store, clock, gateway = _setup()
    engine.top_up("acme", Money("100.00", "EUR"), key="t1")
    engine.top_up("acme", Money("100.00", "EUR"), key="t1")  # the same top-up again: once
    clock.set(support.MONTH_END)
    engine.run()
    with store.transaction(readonly=True) as tx:
        assert tx.balance("acme/main") == Money("75.60", "EUR")  # 100.00 - 24.40 (20.00 + 22 %)
    assert gateway.get_payment("pay_0001").amount == Money("100.00", "EUR")
    with pytest.raises(Exception, match="pay_0002"):
        gateway.get_payment("pay_0002")  # no second charge


def test_a_declined_card_is_retried_daily_then_the_subscription_is_frozen() -> None:
    engine, store, clock, _ = _setup("tok_insufficient_funds")
    clock.set(support.MONTH_END)
    assert engine.run().failed_payments == 1
    assert engine.run().failed_payments == 0  # one attempt a day
    clock.advance(timedelta(days=1))
    assert engine.run().failed_payments == 1
    clock.advance(timedelta(days=1))
    assert engine.run().failed_payments == 1
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("acme-pro")
        # Frozen on 3 April; due next at the end of its cycle ([1 April, 1 May)): cancelled then.
        assert (sub.status, sub.next_billing) == ("frozen", date(2026, 5, 1))
    engine.deliver()
    topics = [m.topic for m in engine.notifier.messages]
    assert topics == ["invoice.issued", *["payment.failed"] * 3, "subscription.frozen"]
    clock.advance(timedelta(days=1))
    assert engine.run().failed_payments == 0  # dunning is over: no fourth attempt
    clock.set(datetime(2026, 6, 1, tzinfo=timezone.utc))
    assert engine.run().billed == 0  # frozen: not billed


def test_a_bank_transfer_settles_by_webhook_once() -> None:
    engine, store, clock, gateway = _setup("tok_bank_transfer")
    clock.set(support.MONTH_END)
    assert engine.run().paid == 0
    assert _docs(store)[0][2] == "pending"
    clock.advance(timedelta(days=3, minutes=1))
    deliveries = gateway.deliveries()
    assert deliveries
    settled = [engine.handle_webhook(d.headers, d.body) for d in deliveries]
    assert sum(settled) == 1
    assert _docs(store)[0][2] == "paid"
    with pytest.raises(WebhookError):
        engine.handle_webhook({**deliveries[-1].headers, "webhook-signature": "v1,AAAA"}, b"{}")
    with store.transaction(readonly=True) as tx:
        assert tx.balance("acme/main") == Money("0", "EUR")
        assert len(tx.entries("acme/main")) == 2


def test_a_downgrade_applies_next_cycle_and_cancel_stops_billing() -> None:
    clock = FixedClock(support.START)
    store = MemoryStore()
    engine = support.billing(store, SandboxGateway(clock=clock), clock)
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    engine.subscribe("acme-team", "acme", "team")
    clock.set(datetime(2026, 3, 20, tzinfo=timezone.utc))
    # Team (50.00 a cycle) to Pro (20.00): a downgrade, at the end of the cycle.
    assert engine.change_plan("acme-team", "pro") == date(2026, 4, 1)
    with store.transaction(readonly=True) as tx:
        assert tx.subscription("acme-team").status == "downgrading"
    clock.set(datetime(2026, 4, 10, tzinfo=timezone.utc))
    engine.run()
    with store.transaction(readonly=True) as tx:
        assert tx.subscription("acme-team").status == "active"
    assert engine.cancel("acme-team") == date(2026, 5, 1)
    clock.set(datetime(2026, 7, 1, tzinfo=timezone.utc))
    engine.run()
    # March on Team (50.00 + 22 % = 61.00), April on Pro (20.00 + 22 % = 24.40); none after.
    assert [d[3] for d in _docs(store)] == ["61.00", "24.40"]
    with store.transaction(readonly=True) as tx:
        assert tx.subscription("acme-team").status == "cancelled"
    with pytest.raises(SubscriptionError, match="plan = 'gold': expected a plan of the catalog"):
        engine.change_plan("acme-team", "gold")


def test_overlapping_shards_bill_each_period_once() -> None:
    clock = FixedClock(support.START)
    store = MemoryStore()
    engine = support.billing(store, SandboxGateway(clock=clock), clock)
    support.populate(engine, 12)
    clock.set(support.MONTH_END)
    first = engine.run(id_from="s0000", id_to="s0008")
    second = engine.run(id_from="s0004", id_to="s0012")
    assert (first.billed, second.billed) == (8, 4)
    numbers = [d[1] for d in _docs(store)]
    assert sorted(numbers) == [f"INV-{n:06d}" for n in range(1, 13)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_smtp_notifier_sends_text_and_html_in_the_customers_language() -> None:
    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope.content)
            return "250 OK"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        engine, _, clock, _ = _setup()
        engine.notifier = SmtpNotifier(
            "127.0.0.1", port, sender="billing@chat.test", languages={"acme": "ru"}
        )
        clock.set(support.MONTH_END)
        engine.run()
        assert engine.deliver() == 2
    finally:
        controller.stop()
    mails = [email.message_from_bytes(raw, policy=email.policy.default) for raw in received]
    assert [m["Subject"] for m in mails] == ["Выставлен счёт INV-000001", "Оплата получена"]
    assert mails[0]["To"] == "billing@acme.test"
    text = mails[0].get_body(("plain",)).get_content()
    page = mails[0].get_body(("html",)).get_content()
    # 20.00 EUR + 22 % VAT = 24.40, as Russian writes euros: decimal comma, the sign after.
    assert "Выставлен счёт INV-000001 на сумму 24,40\xa0€." in text
    assert "<h1>Выставлен счёт INV-000001</h1>" in page
    assert "<strong>24,40\xa0€</strong>" in page


def test_webhook_notifier_posts_signed_messages() -> None:
    got: list[tuple[dict[str, str], bytes]] = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    secret = "whsec_c2VjcmV0LWZvci10ZXN0cw=="
    try:
        engine, _, clock, _ = _setup()
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        engine.notifier = WebhookNotifier(url, secret, clock=clock)
        clock.set(support.MONTH_END)
        engine.run()
        assert engine.deliver() == 2
    finally:
        server.shutdown()
        server.server_close()
    verifier = WebhookVerifier(secret, clock=clock)
    bodies = [json.loads(verifier.verify(headers, body)) for headers, body in got]
    assert [b["type"] for b in bodies] == ["invoice.issued", "payment.received"]
    assert bodies[0]["data"]["total"] == "24.40"


def test_a_transfer_for_an_invoice_corrected_meanwhile_goes_to_the_balance() -> None:
    clock = FixedClock(support.START)
    store = MemoryStore()
    gateway = SandboxGateway(clock=clock, settlement_delay=timedelta(days=40))
    engine = support.billing(store, gateway, clock)
    engine.add_customer("acme", ACME, currency="EUR", method="tok_bank_transfer")
    engine.subscribe("acme-pro", "acme", "pro")
    clock.set(support.MONTH_END)
    engine.run()  # March invoice 24.40; the transfer is pending for 40 days
    engine.record_usage("acme-pro", "calls", 600, key="late", at=support.START)
    clock.set(datetime(2026, 5, 1, 2, tzinfo=timezone.utc))
    # Late usage is corrected at the subscription's next billing: a credit note for
    # March's 24.40, a supplementary invoice of 30.50, and April's invoice.
    assert len(engine.run().issued) == 3
    clock.set(datetime(2026, 6, 15, tzinfo=timezone.utc))
    for delivery in gateway.deliveries():
        engine.handle_webhook(delivery.headers, delivery.body)
    with store.transaction(readonly=True) as tx:
        assert tx.document("acme-pro|2026-03-01|2026-04-01|invoice|0").status == "credited"
        # the first transfer (24.40) arrived for the credited invoice: it is kept as
        # balance; the others paid the supplementary invoice and April's.
        assert tx.document("acme-pro|2026-03-01|2026-04-01|invoice|1").status == "paid"
        assert tx.document("acme-pro|2026-04-01|2026-05-01|invoice|0").status == "paid"
        assert tx.balance("acme/main") == Money("24.40", "EUR")


def test_a_customer_may_have_the_card_pay_before_the_balance() -> None:
    clock = FixedClock(support.START)
    store = MemoryStore()
    engine = support.billing(store, SandboxGateway(clock=clock), clock)
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa", balance_first=False)
    engine.subscribe("acme-pro", "acme", "pro")
    engine.top_up("acme", Money("100.00", "EUR"), key="t1")
    clock.set(support.MONTH_END)
    assert engine.run().paid == 1
    with store.transaction(readonly=True) as tx:
        # the card paid March's 24.40; the 100.00 top-up is untouched
        assert tx.balance("acme/main") == Money("100.00", "EUR")
        kinds = [(e.kind, e.amount.amount) for e in tx.entries("acme/main")]
    assert kinds == [
        ("payment", Decimal("100.00")),
        ("payment", Decimal("24.40")),
        ("charge", Decimal("-24.40")),
    ]


def test_a_late_payment_unfreezes_the_subscription() -> None:
    # Declined three days running from April 1: frozen on April 3 (the test above).
    engine, store, clock, _ = _setup("tok_insufficient_funds")
    clock.set(support.MONTH_END)
    for _ in range(3):
        engine.run()
        clock.advance(timedelta(days=1))
    with store.transaction(readonly=True) as tx:
        assert tx.subscription("acme-pro").status == "frozen"
    # April 10: a new card, and 30.00 topped up with it: the late payment.
    clock.set(datetime(2026, 4, 10, tzinfo=timezone.utc))
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa", email="billing@acme.test")
    engine.top_up("acme", Money("30.00", "EUR"), key="late")
    report = engine.run()
    assert (report.billed, report.paid) == (0, 1)  # March's 24.40 (20.00 + 22 %) from the balance
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("acme-pro")
        # Active again; the cycle running on April 10 ([April 1, May 1)) is billed at its end.
        assert (sub.status, sub.next_billing) == ("active", date(2026, 5, 1))
        assert tx.balance("acme/main") == Money("5.60", "EUR")  # 30.00 - 24.40
    engine.deliver()
    topics = [m.topic for m in engine.notifier.messages]
    # the top-up, the invoice paid, the unfreezing, and 5.60 left is less than 24.40
    assert topics[-4:] == [
        "payment.received",
        "payment.received",
        "subscription.unfrozen",
        "balance.low",
    ]
    clock.set(datetime(2026, 5, 1, 2, tzinfo=timezone.utc))
    report = engine.run()
    # April billed again: 24.40; 5.60 on the balance does not cover it, the new card pays.
    assert (report.billed, report.paid, report.invoiced) == (1, 1, (("EUR", Decimal("24.40")),))


def test_dunning_cancels_at_the_cycle_end_then_marks_for_deletion() -> None:
    # The messaging business's dunning (billkit.subscriptions.MESSAGING_DUNNING: cancelled at
    # the end of the billing cycle if still unpaid, marked for deletion 90 days later).
    engine, store, clock, _ = _setup("tok_insufficient_funds")
    clock.set(support.MONTH_END)
    for _ in range(3):  # declined on 1, 2 and 3 April: frozen on the 3rd
        engine.run()
        clock.advance(timedelta(days=1))
    clock.set(datetime(2026, 4, 30, 2, tzinfo=timezone.utc))
    assert engine.run().billed == 0
    with store.transaction(readonly=True) as tx:
        assert tx.subscription("acme-pro").status == "frozen"  # the cycle has not ended
    clock.set(datetime(2026, 5, 1, 2, tzinfo=timezone.utc))
    assert engine.run().billed == 0  # cancelled, not billed
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("acme-pro")
        # 1 May + 90 days = 30 July (30 days to 31 May, 31 to 1 July, 29 more)
        assert (sub.status, sub.next_billing) == ("cancelled", date(2026, 7, 30))
        assert sub.data["cancelled_on"] == "2026-05-01"
    # A late payment no longer brings a cancelled subscription back.
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa", email="billing@acme.test")
    engine.top_up("acme", Money("30.00", "EUR"), key="too-late")
    engine.run()
    with store.transaction(readonly=True) as tx:
        assert tx.subscription("acme-pro").status == "cancelled"
    clock.set(datetime(2026, 7, 29, 2, tzinfo=timezone.utc))
    engine.run()
    with store.transaction(readonly=True) as tx:
        assert "marked_for_deletion" not in tx.subscription("acme-pro").data
    clock.set(datetime(2026, 7, 30, 2, tzinfo=timezone.utc))
    engine.run()
    engine.run()  # the same day again: marked once
    with store.transaction(readonly=True) as tx:
        sub = tx.subscription("acme-pro")
        assert (sub.next_billing, sub.data["marked_for_deletion"]) == (None, "2026-07-30")
    engine.deliver()
    topics = [m.topic for m in engine.notifier.messages]
    assert topics.count("subscription.cancelled") == 1
    assert topics.count("subscription.marked_for_deletion") == 1
    assert topics.index("subscription.cancelled") < topics.index("subscription.marked_for_deletion")


def test_a_negative_deletion_delay_is_refused() -> None:
    clock = FixedClock(support.START)
    with pytest.raises(BillingError, match="deletion_days"):
        Billing(MemoryStore(), SandboxGateway(clock=clock), MemoryNotifier(), clock,
                seller=support.SELLER, deletion_days=-1)  # fmt: skip
