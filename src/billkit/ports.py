"""The shell's Protocols: what the engine needs from the world outside the pure core.

Each port is a :class:`typing.Protocol`, with an in-memory implementation for
tests and notebooks and real ones beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from moneyed import Money

    from billkit.payments.types import (
        Capabilities,
        GatewayEvent,
        PaymentRequest,
        PaymentResult,
        Refund,
        WebhookReply,
    )

__all__ = ["Clock", "PaymentGateway"]


# --- payments ---
# The payment port. Self-contained: it needs only a clock that tells the time.


@runtime_checkable
class Clock(Protocol):
    """Tells the time: the only way the shell learns what time it is.

    >>> from datetime import datetime, timezone
    >>> class Fixed:
    ...     def now(self) -> datetime:
    ...         return datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> isinstance(Fixed(), Clock)
    True
    """

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


@runtime_checkable
class PaymentGateway(Protocol):
    """A payment provider, as billkit sees it.

    Every call that moves money takes an ``idempotency_key`` derived from
    what it is for: the same key sent twice charges once. ``create_payment``
    answers ``succeeded``, ``pending``, ``requires_action``, ``failed`` or
    ``unknown`` (no answer: reconcile with ``get_payment``, never guess).
    ``parse_webhook`` checks the provider's signature before anything else
    and raises :class:`~billkit.errors.WebhookError` on any doubt.

    The sandbox and every provider adapter pass one contract test suite.

    >>> from billkit.payments import SandboxGateway
    >>> isinstance(SandboxGateway(), PaymentGateway)
    True
    """

    @property
    def name(self) -> str:
        """The provider's name: ``"sandbox"``, ``"stripe"``, ..."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """What the gateway can do: currencies, minimums, refunds, ..."""
        ...

    def create_payment(self, request: PaymentRequest, idempotency_key: str) -> PaymentResult:
        """Create (and, for a saved method, attempt) one payment."""
        ...

    def capture(
        self, reference: str, amount: Money | None = None, *, idempotency_key: str
    ) -> PaymentResult:
        """Capture an authorised payment (all of it unless ``amount``)."""
        ...

    def cancel(self, reference: str, *, idempotency_key: str) -> PaymentResult:
        """Cancel an authorised or unpaid payment."""
        ...

    def refund(
        self, reference: str, amount: Money | None = None, *, idempotency_key: str
    ) -> Refund:
        """Refund part (``amount``) or all of a succeeded payment."""
        ...

    def get_payment(self, reference: str) -> PaymentResult:
        """The provider's own record of a payment: the source of truth."""
        ...

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> Sequence[GatewayEvent]:
        """Verify a webhook call and return its events."""
        ...

    def webhook_response(self, event: GatewayEvent | None) -> WebhookReply:
        """What to answer the provider after handling ``event`` (``None``: refused)."""
        ...
