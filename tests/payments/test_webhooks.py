"""Standard Webhooks: what is accepted and everything that is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit.errors import WebhookError
from billkit.payments import WebhookVerifier, decode_secret, sign
from billkit.ports import FixedClock

AT = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
SECRET = "whsec_" + base64.b64encode(b"billkit-test-secret-32-bytes-ok!").decode()
OTHER = "whsec_" + base64.b64encode(b"another-secret-for-the-rotation").decode()
BODY = b'{"type":"payment.succeeded","data":{"payment":"pay_1"}}'


def verifier(*secrets: str, at: datetime = AT) -> WebhookVerifier:
    return WebhookVerifier(list(secrets) or SECRET, clock=FixedClock(at))


def test_the_signature_is_the_published_construction() -> None:
    # Standard Webhooks: base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), prefixed "v1,".
    headers = sign(SECRET, "msg_1", AT, BODY)
    key = b"billkit-test-secret-32-bytes-ok!"
    mac = hmac.new(key, b"msg_1.1772366400." + BODY, hashlib.sha256).digest()
    assert headers == {
        "webhook-id": "msg_1",
        "webhook-timestamp": "1772366400",  # 2026-03-01T12:00:00Z in Unix seconds
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
    }


def test_a_valid_webhook_is_accepted() -> None:
    assert verifier().parse(sign(SECRET, "msg_1", AT, BODY), BODY)["data"] == {"payment": "pay_1"}


def test_header_names_are_case_insensitive() -> None:
    headers = {k.title(): v for k, v in sign(SECRET, "msg_1", AT, BODY).items()}
    assert verifier().verify(headers, BODY) == BODY


@given(st.integers(min_value=0, max_value=len(BODY) - 1), st.integers(min_value=0, max_value=7))
def test_one_flipped_bit_is_refused(position: int, bit: int) -> None:
    tampered = bytearray(BODY)
    tampered[position] ^= 1 << bit
    with pytest.raises(WebhookError, match="webhook-signature"):
        verifier().verify(sign(SECRET, "msg_1", AT, BODY), bytes(tampered))


def test_a_wrong_secret_is_refused() -> None:
    with pytest.raises(WebhookError, match="webhook-signature"):
        verifier().verify(sign(OTHER, "msg_1", AT, BODY), BODY)


def test_a_timestamp_301_seconds_old_is_refused_and_300_accepted() -> None:
    with pytest.raises(WebhookError, match="webhook-timestamp"):
        verifier().verify(sign(SECRET, "msg_1", AT - timedelta(seconds=301), BODY), BODY)
    with pytest.raises(WebhookError, match="webhook-timestamp"):
        verifier().verify(sign(SECRET, "msg_2", AT + timedelta(seconds=301), BODY), BODY)
    assert verifier().verify(sign(SECRET, "msg_3", AT - timedelta(seconds=300), BODY), BODY)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_refused(missing: str) -> None:
    headers = sign(SECRET, "msg_1", AT, BODY)
    del headers[missing]
    with pytest.raises(WebhookError, match=missing):
        verifier().verify(headers, BODY)


def test_a_replayed_id_is_refused() -> None:
    check = verifier()
    check.verify(sign(SECRET, "msg_1", AT, BODY), BODY)
    with pytest.raises(WebhookError, match="replayed"):
        check.verify(sign(SECRET, "msg_1", AT, BODY), BODY)


def test_ids_are_forgotten_only_once_their_timestamp_is_stale() -> None:
    clock = FixedClock(AT)
    check = WebhookVerifier(SECRET, clock=clock)
    check.verify(sign(SECRET, "msg_1", AT, BODY), BODY)
    clock.advance(timedelta(seconds=301))
    check.verify(sign(SECRET, "msg_2", clock.now(), BODY), BODY)  # prunes msg_1
    with pytest.raises(WebhookError, match="webhook-timestamp"):  # the old copy is stale
        check.verify(sign(SECRET, "msg_1", AT, BODY), BODY)


def test_rotation_any_signature_under_any_secret() -> None:
    both = sign([OTHER, SECRET], "msg_1", AT, BODY)
    assert len(both["webhook-signature"].split(" ")) == 2
    assert verifier(SECRET).verify(both, BODY) == BODY
    assert verifier(OTHER, SECRET).verify(sign(SECRET, "msg_2", AT, BODY), BODY) == BODY


def test_malformed_bodies_and_headers_are_refused() -> None:
    for body in (b"not json", b"[1, 2]"):
        with pytest.raises(WebhookError, match="body"):
            verifier().parse(sign(SECRET, "msg_1", AT, body), body)
    headers = sign(SECRET, "msg_1", AT, BODY)
    for bad in ({"webhook-timestamp": "12e3"}, {"webhook-signature": "v2,abc"}):
        with pytest.raises(WebhookError):
            verifier().verify({**headers, **bad}, BODY)


def test_secrets_must_be_whsec_base64() -> None:
    assert decode_secret(SECRET) == b"billkit-test-secret-32-bytes-ok!"
    for bad in ("plain", "whsec_", "whsec_!!!"):
        with pytest.raises(WebhookError, match="secret"):
            decode_secret(bad)


def test_signatures_are_compared_with_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    original = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        seen.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    with pytest.raises(WebhookError):
        verifier().verify(sign(OTHER, "msg_1", AT, BODY), BODY)
    assert len(seen) == 1  # one secret x one signature, compared in constant time
