"""Standard Webhooks: sign and verify ``webhook-id``, ``webhook-timestamp``
and ``webhook-signature``.

The signature is ``v1,`` + base64 of HMAC-SHA256 over
``{webhook-id}.{webhook-timestamp}.{body}`` with the secret's bytes (a secret
is written ``whsec_`` + base64). The signature header may carry several
space-separated signatures, so a sender can roll its secret: a receiver
accepts a message if any signature matches any of its secrets. Signatures are
compared in constant time (:func:`hmac.compare_digest`); a timestamp more than
five minutes from now, in either direction, is refused, and so is an id seen
before within that window (a replay).

billkit's own outgoing events and the sandbox gateway's webhooks are signed
this way.

>>> from datetime import datetime, timezone
>>> secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
>>> at = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
>>> headers = sign(secret, "msg_1", at, b'{"type":"payment.succeeded"}')
>>> headers["webhook-signature"]
'v1,...'
>>> class Clock:
...     def now(self): return at
>>> verifier = WebhookVerifier(secret, clock=Clock())
>>> verifier.parse(headers, b'{"type":"payment.succeeded"}')
{'type': 'payment.succeeded'}
>>> verifier.parse(headers, b'{"type":"payment.succeeded"}')
Traceback (most recent call last):
...
billkit.errors.WebhookError: webhook-id = 'msg_1': expected an id not seen before (a replayed message)
"""

from __future__ import annotations

import base64
import binascii
import collections
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from billkit.errors import WebhookError
from billkit.ports import Clock

__all__ = ["TOLERANCE", "WebhookVerifier", "decode_secret", "sign", "signature"]

TOLERANCE: Final = timedelta(minutes=5)
"""How far a webhook's timestamp may be from now: five minutes either way."""

_PREFIX: Final = "whsec_"
_ID: Final = "webhook-id"
_TS: Final = "webhook-timestamp"
_SIG: Final = "webhook-signature"


def decode_secret(secret: str | bytes) -> bytes:
    """The key bytes of a secret: ``whsec_`` + base64, or raw bytes as given.

    >>> decode_secret("whsec_c2VjcmV0")
    b'secret'
    """
    if isinstance(secret, bytes):
        if not secret:
            raise WebhookError("secret", secret, "a non-empty key")
        return secret
    if not isinstance(secret, str) or not secret.startswith(_PREFIX):
        raise WebhookError("secret", "<hidden>", "a str starting 'whsec_' followed by base64")
    try:
        key = base64.b64decode(secret[len(_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise WebhookError("secret", "<hidden>", "base64 after 'whsec_'") from None
    if not key:
        raise WebhookError("secret", "<hidden>", "a non-empty key after 'whsec_'")
    return key


def _seconds(at: datetime | int) -> int:
    if isinstance(at, datetime):
        if at.utcoffset() is None:
            raise WebhookError("timestamp", at, "a timezone-aware datetime")
        return int(at.timestamp())
    if isinstance(at, bool) or not isinstance(at, int):
        raise WebhookError("timestamp", at, "a datetime or Unix seconds")
    return at


def signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,...`` signature of one message under ``key`` (bytes)."""
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode("ascii")


def sign(
    secrets: str | bytes | Sequence[str | bytes], msg_id: str, at: datetime | int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``, signed with every
    secret given (several while rolling a secret)."""
    if not isinstance(msg_id, str) or not msg_id or " " in msg_id or "." in msg_id:
        raise WebhookError("webhook-id", msg_id, "a non-empty id without spaces or dots")
    if not isinstance(body, bytes):
        raise WebhookError("body", type(body).__name__, "the raw body as bytes")
    keys = (
        [decode_secret(secrets)]
        if isinstance(secrets, (str, bytes))
        else [decode_secret(s) for s in secrets]
    )
    if not keys:
        raise WebhookError("secrets", secrets, "at least one secret")
    ts = _seconds(at)
    return {
        _ID: msg_id,
        _TS: str(ts),
        _SIG: " ".join(signature(k, msg_id, ts, body) for k in keys),
    }


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        for key, found in headers.items():
            if key.lower() == name:
                return found
        raise WebhookError(name, None, f"a {name} header")
    return value


class WebhookVerifier:
    """Verifies Standard Webhooks against one or more secrets.

    ``clock`` tells the time the timestamp is checked against. Ids of
    verified messages are remembered for the tolerance window, so a replayed
    message is refused; a message older than the window is refused by its
    timestamp. The memory is this object's: one verifier per receiving
    process (use the store's idempotency records across processes).
    """

    __slots__ = ("_clock", "_keys", "_seen", "_seen_order", "_tolerance")

    def __init__(
        self,
        secrets: str | bytes | Sequence[str | bytes],
        *,
        clock: Clock,
        tolerance: timedelta = TOLERANCE,
    ) -> None:
        keys = (
            [decode_secret(secrets)]
            if isinstance(secrets, (str, bytes))
            else [decode_secret(s) for s in secrets]
        )
        if not keys:
            raise WebhookError("secrets", secrets, "at least one secret")
        if not isinstance(tolerance, timedelta) or tolerance <= timedelta(0):
            raise WebhookError("tolerance", tolerance, "a positive timedelta")
        self._keys = tuple(keys)
        self._clock = clock
        self._tolerance = int(tolerance.total_seconds())
        self._seen: dict[str, int] = {}
        self._seen_order: collections.deque[tuple[int, str]] = collections.deque()

    def verify(self, headers: Mapping[str, str], body: bytes) -> bytes:
        """``body`` if the headers prove it came from a holder of a secret,
        recently and for the first time; :class:`WebhookError` otherwise."""
        msg_id = _header(headers, _ID)
        raw_ts = _header(headers, _TS)
        sig_header = _header(headers, _SIG)
        if not (raw_ts.isascii() and raw_ts.isdigit()) or len(raw_ts) > 12:
            raise WebhookError(_TS, raw_ts, "Unix seconds")
        ts = int(raw_ts)
        now = int(self._clock.now().timestamp())
        if abs(now - ts) > self._tolerance:
            raise WebhookError(_TS, raw_ts, f"a time within {self._tolerance} s of now ({now})")
        if not isinstance(body, bytes):
            raise WebhookError("body", type(body).__name__, "the raw body as bytes")
        signed = f"{msg_id}.{ts}.".encode() + body
        candidates = [
            part[3:].encode("ascii", "replace")
            for part in sig_header.split(" ")
            if part[:3] == "v1,"
        ]
        if not candidates:
            raise WebhookError(_SIG, sig_header, "at least one 'v1,' signature")
        matched = False
        for key in self._keys:
            expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
            for candidate in candidates:
                # Every pair is compared, in constant time: no early exit leaks which matched.
                matched |= hmac.compare_digest(expected, candidate)
        if not matched:
            raise WebhookError(_SIG, sig_header, "a signature made with one of the secrets")
        self._remember(msg_id, ts, now)
        return body

    def _remember(self, msg_id: str, ts: int, now: int) -> None:
        order = self._seen_order
        horizon = now - self._tolerance
        while order and order[0][0] < horizon:
            old_ts, old_id = order.popleft()
            if self._seen.get(old_id) == old_ts:
                del self._seen[old_id]
        if msg_id in self._seen:
            raise WebhookError(_ID, msg_id, "an id not seen before (a replayed message)")
        self._seen[msg_id] = ts
        order.append((max(ts, now), msg_id))

    def parse(self, headers: Mapping[str, str], body: bytes) -> Any:
        """Verify, then decode the JSON body (an object); :class:`WebhookError`
        if it is not JSON or not an object."""
        self.verify(headers, body)
        try:
            data = json.loads(body)
        except ValueError:
            raise WebhookError("body", body[:60], "a JSON document") from None
        if not isinstance(data, dict):
            raise WebhookError("body", body[:60], "a JSON object")
        return data
