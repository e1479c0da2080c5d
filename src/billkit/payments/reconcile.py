"""Reconciliation: resolve payments whose outcome is not known yet from the
provider's own record, on a fixed schedule, never by guessing.

A :class:`PaymentAttempt` is one payment as the merchant tracks it: the
request, its idempotency key, the last result seen and when to ask again.
:meth:`PaymentAttempt.observe` takes a newer result (from a call, a
reconciliation or a verified webhook) and keeps the first final state it
sees: a duplicated, late or reordered report changes nothing, so whoever
credits the ledger on :attr:`PaymentAttempt.newly_succeeded` credits once.

:func:`reconcile` asks the gateway about every attempt that is still
``unknown``, ``pending`` or ``requires_action`` and due: 5 minutes after it
was made, then 1 hour, then daily for 5 days (:data:`SCHEDULE`). An unknown
attempt without a provider reference is resolved by replaying its create
call with the same idempotency key (the provider answers with the payment it
already made, and charges nothing twice); one with a reference by
``get_payment``. After the last check an unresolved attempt is ``exhausted``:
a person must look at it.

>>> from datetime import datetime, timedelta, timezone
>>> from billkit.money import Money
>>> from billkit.ports import FixedClock
>>> from billkit.payments import PaymentRequest, SandboxGateway, SavedMethod
>>> clock = FixedClock(datetime(2026, 3, 1, tzinfo=timezone.utc))
>>> sandbox = SandboxGateway(clock=clock)
>>> request = PaymentRequest(amount=Money("30.00", "EUR"), method=SavedMethod(token="tok_timeout"))
>>> attempt = PaymentAttempt.start(sandbox, request, "renewal-42", clock.now())
>>> attempt.status.value, attempt.next_check.isoformat()
('unknown', '2026-03-01T00:05:00+00:00')
>>> _ = clock.advance(timedelta(minutes=5))
>>> [attempt] = reconcile(sandbox, [attempt], clock.now())
>>> attempt.status.value, attempt.reference, attempt.newly_succeeded
('succeeded', 'pay_0001', True)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final

import attrs

from billkit import _checks as checks
from billkit.errors import GatewayError, PaymentError
from billkit.payments.types import (
    EventKind,
    Failure,
    GatewayEvent,
    PaymentRequest,
    PaymentResult,
    PaymentStatus,
)
from billkit.ports import PaymentGateway

__all__ = ["SCHEDULE", "PaymentAttempt", "reconcile"]

SCHEDULE: Final[tuple[timedelta, ...]] = (
    timedelta(minutes=5),
    timedelta(hours=1),
    *(timedelta(days=d) for d in range(1, 6)),
)
"""When to ask about an unresolved attempt, counted from when it was made:
5 minutes, 1 hour, then daily for 5 days."""

_OPEN: Final = frozenset(
    {PaymentStatus.UNKNOWN, PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION}
)
_BY_EVENT: Final = {
    EventKind.PAYMENT_SUCCEEDED: PaymentStatus.SUCCEEDED,
    EventKind.PAYMENT_FAILED: PaymentStatus.FAILED,
    EventKind.PAYMENT_CANCELED: PaymentStatus.CANCELED,
}


def _created(value: object) -> datetime:
    return checks.moment("created", value, error=PaymentError)


@attrs.frozen(kw_only=True)
class PaymentAttempt:
    """One payment being tracked: the ``request``, its ``key``, the latest
    ``result``, when it was ``created``, how many ``checks`` reconciliation
    made, and whether the last observation made it succeed (``newly_succeeded``:
    credit the ledger then, and only then)."""

    key: str
    request: PaymentRequest
    result: PaymentResult
    created: datetime = attrs.field(converter=_created)
    checks: int = 0
    newly_succeeded: bool = False

    @classmethod
    def start(
        cls, gateway: PaymentGateway, request: PaymentRequest, key: str, now: datetime
    ) -> PaymentAttempt:
        """Create the payment through ``gateway`` and start tracking it."""
        result = gateway.create_payment(request, key)
        return cls(
            key=key,
            request=request,
            result=result,
            created=now,
            newly_succeeded=result.status is PaymentStatus.SUCCEEDED,
        )

    @property
    def status(self) -> PaymentStatus:
        """The latest known status."""
        return self.result.status

    @property
    def reference(self) -> str:
        """The provider's reference (empty while unknown and never answered)."""
        return self.result.reference

    @property
    def next_check(self) -> datetime | None:
        """When reconciliation should ask next; ``None`` if final or exhausted."""
        if self.result.final or self.checks >= len(SCHEDULE):
            return None
        return self.created + SCHEDULE[self.checks]

    @property
    def exhausted(self) -> bool:
        """Still unresolved after every scheduled check: for a person to look at."""
        return not self.result.final and self.checks >= len(SCHEDULE)

    def observe(self, result: PaymentResult) -> PaymentAttempt:
        """The attempt after seeing ``result``. A final state is kept once
        reached: a later, duplicated or out-of-order report changes nothing
        (a report of the same final state may refresh the details: the
        refunded total, the failure's reason)."""
        if self.result.final:
            if result.status is self.result.status and result != self.result:
                return attrs.evolve(self, result=result, newly_succeeded=False)
            return attrs.evolve(self, newly_succeeded=False) if self.newly_succeeded else self
        if self.result.reference and result.reference and result.reference != self.result.reference:
            raise PaymentError(
                "result.reference",
                result.reference,
                f"the attempt's payment {self.result.reference!r}",
            )
        if (
            result.status is PaymentStatus.UNKNOWN
            and self.result.status is not PaymentStatus.UNKNOWN
        ):
            return attrs.evolve(self, newly_succeeded=False)  # an unanswered call teaches nothing
        return attrs.evolve(
            self, result=result, newly_succeeded=result.status is PaymentStatus.SUCCEEDED
        )

    def observe_event(self, event: GatewayEvent) -> PaymentAttempt:
        """The attempt after a verified webhook about its payment (succeeded,
        failed or canceled); other events (refunds, disputes) leave the
        payment's state alone."""
        status = _BY_EVENT.get(event.kind)
        if status is None or event.payment != self.result.reference:
            return attrs.evolve(self, newly_succeeded=False) if self.newly_succeeded else self
        if status is PaymentStatus.FAILED:
            # A webhook carries no failure details: a placeholder until get_payment tells.
            failure = self.result.failure or Failure(code="failed", message="reported by webhook")
            result = attrs.evolve(self.result, status=status, failure=failure, next_action=None)
        else:
            result = attrs.evolve(self.result, status=status, next_action=None)
        return self.observe(result)


def reconcile(
    gateway: PaymentGateway, attempts: Iterable[PaymentAttempt], now: datetime
) -> list[PaymentAttempt]:
    """Every attempt, those due (open and past their :attr:`~PaymentAttempt.next_check`)
    refreshed from the gateway's own record. A gateway error or a timeout
    counts as a check and leaves the attempt as it was."""
    checks.moment("now", now, error=PaymentError)
    out = []
    for attempt in attempts:
        due = attempt.next_check
        if attempt.status not in _OPEN or due is None or due > now:
            out.append(
                attrs.evolve(attempt, newly_succeeded=False) if attempt.newly_succeeded else attempt
            )
            continue
        done = attempt.checks + 1
        while done < len(SCHEDULE) and attempt.created + SCHEDULE[done] <= now:
            done += 1  # checks missed while nobody ran reconciliation count as done
        try:
            if attempt.reference:
                result = gateway.get_payment(attempt.reference)
            else:
                result = gateway.create_payment(attempt.request, attempt.key)
        except (GatewayError, PaymentError):
            out.append(attrs.evolve(attempt, checks=done, newly_succeeded=False))
            continue
        out.append(attrs.evolve(attempt.observe(result), checks=done))
    return out
