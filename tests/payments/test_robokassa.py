"""Robokassa specifics: the signatures, the OK{InvId} reply, OpStateExt, the commission."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
from moneyed import Money

from billkit.errors import GatewayError, PaymentError, WebhookError
from billkit.payments import PaymentRequest, PaymentStatus
from billkit.payments.robokassa import RobokassaGateway, signature_value
from tests.payments.fakes import robokassa_fake
from tests.payments.fakes.harness import RobokassaHarness
from tests.payments.fakes.server import serve


@pytest.fixture
def h() -> Iterator[RobokassaHarness]:
    made = RobokassaHarness()
    yield made
    made.close()


def test_the_signatures_are_the_documented_strings() -> None:
    # Payment link: MerchantLogin:OutSum:InvId:Password#1, then Shp_ params sorted by name.
    assert signature_value("md5", "demo", "100.00", "7", "p1", {"Shp_b": "2", "Shp_a": "1"}) == (
        hashlib.md5(b"demo:100.00:7:p1:Shp_a=1:Shp_b=2").hexdigest()
    )
    # ResultURL: OutSum:InvId:Password#2, with SHA-512 when the shop chose it.
    assert signature_value("SHA-512", "100.000000", "7", "p2", uppercase=True) == (
        hashlib.sha512(b"100.000000:7:p2").hexdigest().upper()
    )
    with pytest.raises(PaymentError, match="algorithm"):
        signature_value("sha1", "x")


def test_the_link_carries_the_exact_amount_and_its_signature(h: RobokassaHarness) -> None:
    request = PaymentRequest(
        amount=Money("10405.83", "RUB"),
        description="Top-up",
        metadata={"invoice_id": "42", "plan": "pro"},
    )
    result = h.gateway.create_payment(request, "k")
    assert result.next_action is not None
    query = dict(parse_qsl(urlsplit(result.next_action.url).query))
    assert query["OutSum"] == "10405.83"
    assert query["InvId"] == "42"
    assert query["IsTest"] == "1"
    assert query["Shp_plan"] == "pro"
    text = f"{robokassa_fake.LOGIN}:10405.83:42:{robokassa_fake.PASSWORD1}:Shp_plan=pro"
    assert query["SignatureValue"] == hashlib.md5(text.encode()).hexdigest()
    with pytest.raises(PaymentError, match="invoice_id"):
        h.gateway.create_payment(
            PaymentRequest(amount=h.amount, metadata={"invoice_id": "INV-1"}), "k2"
        )


def test_result_url_is_answered_ok_invid(h: RobokassaHarness) -> None:
    result = h.gateway.create_payment(h.request(), "k")
    h.complete(result)
    headers, body = h.webhook(result.reference)
    [event] = h.gateway.parse_webhook(headers, body)
    assert event.amount == Money("1500.00", "RUB")  # sent as 1500.000000
    assert dict(event.data) == {"Shp_plan": "pro"}
    reply = h.gateway.webhook_response(event)
    assert (reply.status, reply.body) == (200, f"OK{result.reference}".encode())
    assert h.gateway.webhook_response(None).body == b"bad sign"


def test_result_url_refusals(h: RobokassaHarness) -> None:
    result = h.gateway.create_payment(h.request(), "k")
    h.complete(result)
    wrong = h.fake.result_url_form(result.reference, password2="not-password-2").encode()
    with pytest.raises(WebhookError, match="SignatureValue"):
        h.gateway.parse_webhook({}, wrong)
    genuine = h.fake.result_url_form(result.reference)
    changed = genuine.replace("Shp_plan=pro", "Shp_plan=max").encode()
    with pytest.raises(WebhookError, match="SignatureValue"):
        h.gateway.parse_webhook({}, changed)
    with pytest.raises(WebhookError, match="body"):
        h.gateway.parse_webhook({}, b"InvId=1")


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512"])
def test_the_shop_may_choose_a_sha_hash(algorithm: str) -> None:
    fake = robokassa_fake.RobokassaFake(algorithm)
    h = RobokassaHarness()
    try:
        with serve(fake) as base:
            kassa = RobokassaGateway(
                merchant_login=robokassa_fake.LOGIN,
                password1=robokassa_fake.PASSWORD1,
                password2=robokassa_fake.PASSWORD2,
                clock=h.clock,
                algorithm=algorithm,
                service_url=base,
            )
            result = kassa.create_payment(h.request(), "k")
            assert result.next_action is not None
            fake.visit(result.next_action.url)  # the page checks the SHA signature
            [event] = kassa.parse_webhook({}, fake.result_url_form(result.reference).encode())
            assert kassa.get_payment(event.payment).status is PaymentStatus.SUCCEEDED
            kassa.close()
    finally:
        h.close()


def test_op_state_ext_states_and_errors(h: RobokassaHarness) -> None:
    result = h.gateway.create_payment(h.request(), "k")
    with pytest.raises(GatewayError, match="Invoice not found"):
        h.gateway.get_payment(result.reference)
    h.complete(result)
    h.fake.invoices[result.reference]["state"] = "60"  # returned to the payer
    returned = h.gateway.get_payment(result.reference)
    assert (returned.status, returned.refunded) == (
        PaymentStatus.SUCCEEDED,
        Money("1500.00", "RUB"),
    )
    h.fake.invoices[result.reference]["state"] = "50"  # paid, being credited to the shop
    assert h.gateway.get_payment(result.reference).status is PaymentStatus.PENDING
    h.fake.slow_next = True
    with pytest.raises(GatewayError, match="timeout"):
        h.gateway.get_payment(result.reference)
    wrong = RobokassaGateway(
        merchant_login=robokassa_fake.LOGIN,
        password1="x",
        password2="wrong",
        clock=h.clock,
        service_url=str(h.gateway._service_url),  # type: ignore[attr-defined]
    )
    with pytest.raises(GatewayError, match="Invalid signature"):
        wrong.get_payment(result.reference)
    wrong.close()


def test_the_commission_is_included_and_unsupported_operations_refused(h: RobokassaHarness) -> None:
    # 10 000.00 to credit through 3.9 %: 10 405.83 to pay, of which the fee is
    # 405.83 (3.9 % of 10 405.83 = 405.827... rounded half-up), leaving 10 000.00.
    quote = h.gateway.quote(Money("10000.00", "RUB"))  # type: ignore[attr-defined]
    assert (quote.gross, quote.fee) == (Money("10405.83", "RUB"), Money("405.83", "RUB"))
    for call in (
        lambda: h.gateway.capture("1", idempotency_key="c"),
        lambda: h.gateway.cancel("1", idempotency_key="c"),
        lambda: h.gateway.refund("1", idempotency_key="c"),
    ):
        with pytest.raises(PaymentError):
            call()
    bare = RobokassaGateway(merchant_login="m", password1="a", password2="b", clock=h.clock)
    with pytest.raises(PaymentError, match="commission"):
        bare.quote(Money("1.00", "RUB"))


def test_a_long_description_is_refused_not_truncated(h: RobokassaHarness) -> None:
    with pytest.raises(PaymentError, match="100"):
        h.gateway.create_payment(PaymentRequest(amount=h.amount, description="x" * 101), "k")
