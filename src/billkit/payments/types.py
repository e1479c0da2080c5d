"""The values a payment gateway takes and returns.

Every gateway (the sandbox and each provider adapter) speaks these frozen
values, so code above it never sees a provider's own JSON:

* :class:`PaymentRequest`: what to charge (a :class:`Money`), whom, with a
  saved method or a redirect, and optionally a :class:`~billkit.credit.PaymentMethod`
  whose commission and limits apply;
* :class:`PaymentResult`: what the provider said, one of five
  :class:`PaymentStatus` values (plus ``canceled`` after a cancel), with a
  :class:`NextAction` for 3-D Secure or a redirect and a :class:`Failure`
  saying whether a retry can help;
* :class:`Refund`, :class:`GatewayEvent` (a verified webhook) and
  :class:`Capabilities` (what a gateway can do, its currencies and minimums).

>>> from billkit.money import Money
>>> request = PaymentRequest(amount=Money("19.90", "EUR"), customer="cus_1",
...                          description="Pro plan, March")
>>> request.amount, request.capture
(Money('19.90', 'EUR'), True)
>>> PaymentStatus.UNKNOWN.final, PaymentStatus.SUCCEEDED.final
(False, True)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import attrs
from moneyed import Currency, Money

from billkit import _checks as checks
from billkit.credit.commission import PaymentMethod
from billkit.errors import CurrencyMismatchError, PaymentError
from billkit.money import currency_of, minor_units, to_money

__all__ = [
    "Capabilities",
    "EventKind",
    "Failure",
    "GatewayEvent",
    "MethodState",
    "NextAction",
    "PaymentRequest",
    "PaymentResult",
    "PaymentStatus",
    "Refund",
    "RefundStatus",
    "SavedMethod",
    "WebhookReply",
    "check_request",
    "from_minor",
    "to_minor",
]

_FINAL: Final = frozenset({"succeeded", "failed", "canceled"})


class PaymentStatus(str, enum.Enum):
    """Where a payment stands at the provider.

    * ``succeeded``: the money is taken (final);
    * ``pending``: accepted, not settled yet (a bank transfer, a payment
      authorised but not captured); ask again later;
    * ``requires_action``: the payer must act (3-D Secure, a redirect to the
      provider's page); see :attr:`PaymentResult.next_action`;
    * ``failed``: refused (final); :attr:`PaymentResult.failure` says why;
    * ``unknown``: the provider did not answer: it may or may not have
      charged; never retry blindly, reconcile with ``get_payment``;
    * ``canceled``: an authorisation or an unpaid payment cancelled (final).

    >>> sorted(s.value for s in PaymentStatus if s.final)
    ['canceled', 'failed', 'succeeded']
    """

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    FAILED = "failed"
    UNKNOWN = "unknown"
    CANCELED = "canceled"

    @property
    def final(self) -> bool:
        """Whether the status never changes again (refunds and disputes aside)."""
        return self.value in _FINAL


class RefundStatus(str, enum.Enum):
    """Where a refund stands: ``succeeded``, ``pending`` or ``failed``."""

    SUCCEEDED = "succeeded"
    PENDING = "pending"
    FAILED = "failed"


class MethodState(str, enum.Enum):
    """The state of a saved payment method, as auto-renewal needs it:
    ``active`` (charge it), ``setting_up`` (not confirmed yet), ``expired``
    (card past its date) and ``failed`` (the last charge failed: not working
    until a charge succeeds again).
    """

    ACTIVE = "active"
    SETTING_UP = "setting_up"
    EXPIRED = "expired"
    FAILED = "failed"


class EventKind(str, enum.Enum):
    """What a verified webhook reports."""

    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_CANCELED = "payment.canceled"
    PAYMENT_PENDING = "payment.pending"
    PAYMENT_REFUNDED = "payment.refunded"
    DISPUTE_OPENED = "dispute.opened"
    DISPUTE_WON = "dispute.won"
    DISPUTE_LOST = "dispute.lost"


def _field(instance: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(instance).__name__}.{attribute.name}"


def _v_text(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str):
        raise PaymentError(_field(instance, attribute), value, "a str")


def _v_required(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise PaymentError(_field(instance, attribute), value, "a non-empty str")


def _v_money(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None and attribute.default is None:
        return
    field = _field(instance, attribute)
    if not isinstance(value, Money):
        raise PaymentError(field, value, "a Money")
    to_money(value, field=field)  # finite and within billkit's range
    if value.amount < 0:
        raise PaymentError(field, value, "an amount of zero or more")


def _v_aware(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise PaymentError(_field(instance, attribute), value, "a timezone-aware datetime")


def _method_state(value: object) -> MethodState:
    return checks.member("state", value, MethodState, error=PaymentError)


def _payment_status(value: object) -> PaymentStatus:
    return checks.member("status", value, PaymentStatus, error=PaymentError)


def _refund_status(value: object) -> RefundStatus:
    return checks.member("status", value, RefundStatus, error=PaymentError)


def _event_kind(value: object) -> EventKind:
    return checks.member("kind", value, EventKind, error=PaymentError)


def _metadata(value: object) -> tuple[tuple[str, str], ...]:
    pairs: Iterable[object]
    if isinstance(value, Mapping):
        pairs = value.items()
    elif isinstance(value, (tuple, list)):
        pairs = value
    else:
        raise PaymentError("metadata", value, "a mapping of str to str")
    out: dict[str, str] = {}
    for pair in pairs:
        if (
            not isinstance(pair, tuple)
            or len(pair) != 2
            or not all(isinstance(p, str) for p in pair)
        ):
            raise PaymentError("metadata", value, "a mapping of str to str")
        out[pair[0]] = pair[1]
    return tuple(sorted(out.items()))


@attrs.frozen(kw_only=True)
class SavedMethod:
    """A payment method the provider keeps for the customer (a card token, a
    YooKassa ``payment_method_id``), with its :class:`MethodState`.

    >>> SavedMethod(token="pm_card_visa", label="Visa 4242").state
    <MethodState.ACTIVE: 'active'>
    """

    token: str = attrs.field(validator=_v_required)
    state: MethodState = attrs.field(default=MethodState.ACTIVE, converter=_method_state)
    label: str = attrs.field(default="", validator=_v_text)
    expires: date | None = None

    def after(self, result: PaymentResult) -> SavedMethod:
        """The method after a charge with it: a success makes it active again;
        an expired card makes it expired; any other failure makes it failed
        ("not working": auto-renewal skips it until it is active again).
        Other outcomes leave it as it is.

        >>> from billkit.money import Money
        >>> card = SavedMethod(token="tok_1")
        >>> declined = PaymentResult(reference="pay_1", status="failed", provider="sandbox",
        ...     amount=Money("10.00", "EUR"), failure=Failure(code="insufficient_funds"))
        >>> card.after(declined).state.value
        'failed'
        """
        if result.status is PaymentStatus.SUCCEEDED:
            state = MethodState.ACTIVE
        elif result.status is PaymentStatus.FAILED and result.failure is not None:
            expired = result.failure.code in ("expired_card", "card_expired")
            state = MethodState.EXPIRED if expired else MethodState.FAILED
        else:
            return self
        return self if state is self.state else attrs.evolve(self, state=state)


@attrs.frozen(kw_only=True)
class PaymentRequest:
    """One payment to create.

    ``amount`` is what the payer pays. ``method`` charges a saved method;
    without it the gateway returns ``requires_action`` with a redirect to the
    provider's page, coming back to ``return_url``. ``capture=False``
    authorises only (capture later). ``payment_method`` is billkit's own
    :class:`~billkit.credit.PaymentMethod`: its amount limits are checked
    before any call (use :meth:`for_net` to include its commission).
    """

    amount: Money = attrs.field(validator=_v_money)
    customer: str = attrs.field(default="", validator=_v_text)
    method: SavedMethod | None = None
    return_url: str = attrs.field(default="", validator=_v_text)
    description: str = attrs.field(default="", validator=_v_text)
    metadata: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_metadata)
    capture: bool = True
    payment_method: PaymentMethod | None = None

    @classmethod
    def for_net(
        cls, payment_method: PaymentMethod, net: Money, /, **fields: object
    ) -> PaymentRequest:
        """The request that credits ``net`` through ``method``: the amount is
        what the payer pays, the method's commission included (refused outside
        its limits).

        >>> from billkit.credit import Commission, FeeMode, PaymentMethod
        >>> robokassa = PaymentMethod(name="robokassa", mode=FeeMode.GROSS_UP,
        ...                           commission=Commission(rate="3.9%", currency="RUB"))
        >>> PaymentRequest.for_net(robokassa, Money("10000.00", "RUB")).amount
        Money('10405.83', 'RUB')
        """
        quote = payment_method.quote(net)
        return cls(amount=quote.gross, payment_method=payment_method, **fields)  # type: ignore[arg-type]

    def meta(self, name: str, default: str = "") -> str:
        """The metadata value ``name`` (``default`` when absent)."""
        return dict(self.metadata).get(name, default)


@attrs.frozen(kw_only=True)
class NextAction:
    """What the payer must do next: ``kind`` is ``"redirect"`` (open ``url``:
    a 3-D Secure page or the provider's payment page)."""

    kind: str = attrs.field(default="redirect", validator=_v_required)
    url: str = attrs.field(validator=_v_required)


@attrs.frozen(kw_only=True)
class Failure:
    """Why a payment or refund failed: the provider's ``code``, a readable
    ``message`` and whether a ``retryable`` attempt (later, or with the same
    method) can succeed. Hard declines (insufficient funds is retryable
    later; an expired card is not) tell dunning what to do."""

    code: str = attrs.field(validator=_v_required)
    message: str = attrs.field(default="", validator=_v_text)
    retryable: bool = False


def _no_refund(result: PaymentResult) -> Money:
    return Money(0, result.amount.currency)


@attrs.frozen(kw_only=True)
class PaymentResult:
    """What the provider says about one payment.

    ``reference`` is the provider's id (the key for ``get_payment``; empty
    only when the status is ``unknown`` and no id came back: then the
    idempotency key is the reference). ``refunded`` is the total refunded so
    far. ``raw_status`` is the provider's own word, for logs.
    """

    reference: str = attrs.field(validator=_v_text)
    status: PaymentStatus = attrs.field(converter=_payment_status)
    amount: Money = attrs.field(validator=_v_money)
    provider: str = attrs.field(validator=_v_required)
    refunded: Money = attrs.field(
        default=attrs.Factory(_no_refund, takes_self=True), validator=_v_money
    )
    next_action: NextAction | None = None
    failure: Failure | None = None
    raw_status: str = attrs.field(default="", validator=_v_text)

    def __attrs_post_init__(self) -> None:
        if self.refunded.currency != self.amount.currency:
            raise CurrencyMismatchError(
                "refunded", self.refunded, f"an amount in {self.amount.currency.code}"
            )
        if self.status is PaymentStatus.REQUIRES_ACTION and self.next_action is None:
            raise PaymentError(
                "next_action", None, "a NextAction when the status is requires_action"
            )
        if self.status is PaymentStatus.FAILED and self.failure is None:
            raise PaymentError("failure", None, "a Failure when the status is failed")

    @property
    def final(self) -> bool:
        """Whether the status is final (succeeded, failed or canceled)."""
        return self.status.final


@attrs.frozen(kw_only=True)
class Refund:
    """A refund of part or all of a payment."""

    reference: str = attrs.field(validator=_v_text)
    payment: str = attrs.field(validator=_v_required)
    amount: Money = attrs.field(validator=_v_money)
    status: RefundStatus = attrs.field(converter=_refund_status)
    failure: Failure | None = None


@attrs.frozen(kw_only=True)
class GatewayEvent:
    """One verified webhook event: its ``id`` (unique per event, the key that
    makes handling idempotent), ``kind``, the ``payment`` reference, when it
    ``occurred``, the ``amount`` it concerns (the refunded or disputed part)
    and the provider's raw ``data``. Only a gateway's ``parse_webhook``
    makes these, after checking the signature.
    """

    id: str = attrs.field(validator=_v_required)
    kind: EventKind = attrs.field(converter=_event_kind)
    payment: str = attrs.field(validator=_v_required)
    occurred: datetime = attrs.field(validator=_v_aware)
    provider: str = attrs.field(validator=_v_required)
    amount: Money | None = attrs.field(default=None, validator=_v_money)
    data: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_metadata)


@attrs.frozen(kw_only=True)
class WebhookReply:
    """What to answer the provider's webhook call: HTTP ``status``, the
    ``content_type`` and the ``body`` (Robokassa wants ``OK{InvId}``)."""

    status: int = 200
    content_type: str = "text/plain"
    body: bytes = b""


def _currencies(value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise PaymentError("currencies", value, "a collection of ISO 4217 codes")
    return frozenset(currency_of(v).code for v in value)


def _minimums(value: object) -> tuple[Money, ...]:
    if isinstance(value, Mapping):
        value = [to_money(v, k, f"minimums[{k}]") for k, v in value.items()]
    if not isinstance(value, (tuple, list)):
        raise PaymentError("minimums", value, "Money amounts, one per currency")
    return tuple(
        sorted((to_money(v, field="minimums") for v in value), key=lambda m: m.currency.code)
    )


@attrs.frozen(kw_only=True)
class Capabilities:
    """What a gateway can do: its ``currencies``, the smallest amount per
    currency (``minimums``), refunds (and partial ones), saved methods,
    3-D Secure, manual capture, cancel and signed webhooks.

    >>> caps = Capabilities(currencies=["EUR"], minimums=[Money("0.50", "EUR")])
    >>> caps.minimum("EUR")
    Money('0.50', 'EUR')
    """

    currencies: frozenset[str] = attrs.field(converter=_currencies)
    minimums: tuple[Money, ...] = attrs.field(default=(), converter=_minimums)
    refunds: bool = True
    partial_refunds: bool = True
    saved_methods: bool = True
    three_d_secure: bool = True
    manual_capture: bool = True
    cancel: bool = True
    webhooks: bool = True
    minor_units: tuple[tuple[str, int], ...] = ()

    def minimum(self, currency: Currency | str) -> Money:
        """The smallest amount the gateway takes in ``currency`` (zero if none)."""
        code = currency_of(currency).code
        for money in self.minimums:
            if money.currency.code == code:
                return money
        return Money(0, code)

    def digits(self, currency: Currency | str) -> int:
        """Decimal places the provider uses for ``currency`` (ISO 4217 unless
        the gateway overrides it, as Zarinpal does for whole rials)."""
        return minor_units(currency, dict(self.minor_units) or None)


def to_minor(money: Money, digits: int, field: str = "amount") -> int:
    """``money`` in integer minor units, refusing amounts finer than ``digits``.

    >>> to_minor(Money("19.90", "EUR"), 2)
    1990
    >>> to_minor(Money("19.905", "EUR"), 2)
    Traceback (most recent call last):
    ...
    billkit.errors.PaymentError: amount = Money('19.905', 'EUR'): expected an amount with at most 2 decimal places
    """
    scaled = money.amount.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise PaymentError(field, money, f"an amount with at most {digits} decimal places")
    return int(scaled)


def from_minor(units: int, currency: Currency | str, digits: int) -> Money:
    """Integer minor units back to exact :class:`Money`.

    >>> from_minor(1990, "EUR", 2)
    Money('19.90', 'EUR')
    """
    return Money(Decimal(units).scaleb(-digits), currency_of(currency))


def check_request(capabilities: Capabilities, request: PaymentRequest) -> None:
    """Refuse, before any call, what the provider would refuse or get wrong:
    a currency it does not take, an amount below its minimum or finer than
    its minor unit, a saved method that is not active, a capture mode or a
    saved method it does not support, an amount outside the limits of the
    request's payment method.

    >>> caps = Capabilities(currencies=["EUR"], minimums=[Money("0.50", "EUR")])
    >>> check_request(caps, PaymentRequest(amount=Money("0.49", "EUR")))
    Traceback (most recent call last):
    ...
    billkit.errors.PaymentError: amount = Money('0.49', 'EUR'): expected at least 0.50 EUR, the provider's minimum
    >>> check_request(caps, PaymentRequest(amount=Money("5.00", "USD")))
    Traceback (most recent call last):
    ...
    billkit.errors.CurrencyMismatchError: amount = Money('5.00', 'USD'): expected an amount in one of the gateway's currencies: EUR
    """
    amount = request.amount
    code = amount.currency.code
    if code not in capabilities.currencies:
        choices = ", ".join(sorted(capabilities.currencies))
        raise CurrencyMismatchError(
            "amount", amount, f"an amount in one of the gateway's currencies: {choices}"
        )
    to_minor(amount, capabilities.digits(code))
    low = capabilities.minimum(code)
    if amount.amount <= 0 or amount.amount < low.amount:
        raise PaymentError(
            "amount", amount, f"at least {low.amount} {code}, the provider's minimum"
        )
    if request.method is not None:
        if not capabilities.saved_methods:
            raise PaymentError(
                "method", request.method.token, "no saved method: this gateway redirects"
            )
        if request.method.state is not MethodState.ACTIVE:
            raise PaymentError(
                "method.state",
                request.method.state.value,
                "an active method (update or replace it)",
            )
    if not request.capture and not capabilities.manual_capture:
        raise PaymentError("capture", False, "True: this gateway captures at once")
    pm = request.payment_method
    if pm is not None:
        if pm.currency != amount.currency:
            raise CurrencyMismatchError("amount", amount, f"an amount in {pm.currency.code}")
        if not pm.within_limits(amount):
            low_ = f"from {pm.min_amount.amount} " if pm.min_amount is not None else ""
            high = f"to {pm.max_amount.amount} " if pm.max_amount is not None else ""
            raise PaymentError(
                "amount", amount, f"an amount {low_}{high}{code}: the limits of {pm.name!r}"
            )
