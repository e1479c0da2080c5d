"""The one exception tree of billkit.

Every error billkit raises on purpose is a :class:`BillkitError`. Errors about
bad input also subclass :class:`ValueError`, so generic handlers keep working,
and carry the offending ``field``, its ``value`` and what was ``expected``.

The tree is grouped by *kind* first (what went wrong) and by *room* second
(where): a currency mix is a :class:`CurrencyMismatchError` wherever it
happens, and a room's own variant subclasses both, so ``except
CurrencyMismatchError`` and ``except PricingError`` each catch a mixed-currency
plan. A lookup of an unknown code is also a :class:`LookupError`::

    BillkitError
    ├── ValidationError (ValueError)        bad input: field, value, expected
    │   ├── MoneyError                       amounts, rates, rounding
    │   │   ├── CurrencyMismatchError        two currencies mixed in one computation
    │   │   │   ├── PricingCurrencyError     ... in a price model, plan or discount (+ PricingError)
    │   │   │   ├── CreditCurrencyError      ... in a ledger, wallet or limit (+ CreditError)
    │   │   │   └── InvoicingCurrencyError   ... in a document or tax split (+ InvoicingError)
    │   │   └── UnknownCurrencyError         a code no registry knows (LookupError)
    │   ├── PeriodError                      dates, periods, billing cycles, time zones
    │   ├── PricingError                     price models, tiers, plans, quotes
    │   │   └── UnknownMetricError           usage for a metric the plan lacks (LookupError)
    │   ├── CatalogError                     a plan catalog file or document
    │   │   └── UnknownPlanError             a plan code not in the catalog (LookupError)
    │   ├── CreditError                      ledgers, wallets, bonuses, commission
    │   │   ├── InsufficientFundsError       a charge the wallet cannot cover
    │   │   └── CreditLimitExceededError     a charge beyond the credit limit
    │   ├── InvoicingError                   documents, taxes, numbering, parties
    │   │   └── IdentifierError              a tax or bank identifier that fails its check
    │   ├── SubscriptionError                subscriptions, services, renewals, dunning
    │   ├── UsageError                       metered events and aggregations
    │   ├── BillingError                     planned documents and their diff
    │   │   └── DoubleBillingError           a run that would bill one subscription period twice
    │   ├── SerializationError               saved data that cannot be read back
    │   ├── PaymentError                     a payment request refused before any call
    │   └── WebhookError                     a webhook whose signature, time or body fails
    ├── GatewayError                         a payment provider failed or answered an error
    ├── StoreError                           what a Store refuses or cannot do
    │   ├── NotFoundError (LookupError)      an id the store does not hold
    │   ├── ConflictError                    a write that contradicts what is stored
    │   │   ├── StaleVersionError            an update based on an outdated version
    │   │   ├── DuplicateRecordError         an id that is already taken
    │   │   ├── IdempotencyConflictError     a used key sent with another request
    │   │   ├── ImmutableRecordError         a change to an issued document
    │   │   └── LeaseLostError               an outbox message another worker holds
    │   └── SchemaError                      a database whose schema is missing or outdated
    ├── TransitionError                      a state change the lifecycle does not allow
    ├── MissingDependencyError (ImportError) an optional package a feature needs
    └── NotAllowedError (PermissionError)    an actor whose role may not do this

    MissingGlyphWarning (UserWarning)        a PDF printed U+FFFD for characters its font lacks

Every class here is the only definition of that error: rooms import them from
this module, never define their own.

>>> from billkit import BillkitError
>>> from billkit.errors import PricingError
>>> try:
...     raise PricingError("tiers[1].up_to", "50", "a bound above the previous one (100)")
... except BillkitError as error:
...     print(error)
tiers[1].up_to = '50': expected a bound above the previous one (100)
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "BillingError",
    "BillkitError",
    "CatalogError",
    "ConflictError",
    "CreditCurrencyError",
    "CreditError",
    "CreditLimitExceededError",
    "CurrencyMismatchError",
    "DoubleBillingError",
    "DuplicateRecordError",
    "GatewayError",
    "IdempotencyConflictError",
    "IdentifierError",
    "ImmutableRecordError",
    "InsufficientFundsError",
    "InvoicingCurrencyError",
    "InvoicingError",
    "LeaseLostError",
    "MissingDependencyError",
    "MissingGlyphWarning",
    "MoneyError",
    "NotAllowedError",
    "NotFoundError",
    "PaymentError",
    "PeriodError",
    "PricingCurrencyError",
    "PricingError",
    "SchemaError",
    "SerializationError",
    "StaleVersionError",
    "StoreError",
    "SubscriptionError",
    "TransitionError",
    "UnknownCurrencyError",
    "UnknownMetricError",
    "UnknownPlanError",
    "UsageError",
    "ValidationError",
    "WebhookError",
]


class BillkitError(Exception):
    """Root of every error billkit raises on purpose."""


class ValidationError(BillkitError, ValueError):
    """Bad input, refused rather than coerced.

    The message always names the field, the value and what was expected; the
    three are also kept as attributes for programs that report them.
    """

    field: str
    value: object
    expected: str

    def __init__(self, field: str, value: object, expected: str) -> None:
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(f"{field} = {value!r}: expected {expected}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.field, self.value, self.expected))


class MoneyError(ValidationError):
    """An amount, rate or rounding setting that billkit cannot accept."""


class CurrencyMismatchError(MoneyError):
    """Two currencies met in one computation; convert explicitly first."""


class UnknownCurrencyError(MoneyError, LookupError):
    """A currency code that is not in the registry billkit uses."""


class PeriodError(ValidationError):
    """A date, moment, time zone, period or billing cycle that does not make sense."""


class PricingError(ValidationError):
    """A price model, tier, plan or quote input that is invalid."""


class UnknownMetricError(PricingError, LookupError):
    """Usage was reported for a metric the plan does not price."""


class CatalogError(ValidationError):
    """A catalog document that cannot be loaded; names the source and plan."""


class UnknownPlanError(CatalogError, LookupError):
    """A plan code that the catalog does not contain."""


class CreditError(ValidationError):
    """A ledger entry, wallet, bonus, commission or credit-limit input that is invalid."""


class InsufficientFundsError(CreditError):
    """A charge that the wallet's balance (and any credit limit) cannot cover."""


class CreditLimitExceededError(CreditError):
    """A charge that would take a wallet beyond its credit limit."""


class InvoicingError(ValidationError):
    """A document, tax rate, number series or party that is invalid."""


class IdentifierError(InvoicingError):
    """A tax, company or bank identifier that fails its published check."""


class SubscriptionError(ValidationError):
    """A subscription, service, renewal or dunning input that is invalid."""


class UsageError(ValidationError):
    """A metered event or aggregation request that is invalid."""


class BillingError(ValidationError):
    """Planned documents, their keys and their diff (:mod:`billkit.billing`)."""


class DoubleBillingError(BillingError):
    """A set of documents that would bill one subscription period twice.

    Raised by the safety bounds of :func:`billkit.billing.diff`; the message
    names the subscription and period. Nothing is issued.
    """


class PaymentError(ValidationError):
    """A payment request that a gateway refuses before calling the provider:
    an amount below the provider's minimum or finer than its minor unit, a
    saved method that is not active, an operation the gateway cannot do."""


class WebhookError(ValidationError):
    """A webhook that cannot be trusted: a missing header, a bad signature, a
    stale timestamp, a replayed id or a malformed body. Nothing else happens.

    >>> raise WebhookError("webhook-timestamp", "1700000000", "a time within 300 s of now")
    Traceback (most recent call last):
    ...
    billkit.errors.WebhookError: webhook-timestamp = '1700000000': expected a time within 300 s of now
    """


class GatewayError(BillkitError):
    """A payment provider answered with an error, or an answer billkit cannot read.

    Carries the ``provider``, its error ``code`` (``""`` if none) and the
    ``message``. A create call that gets no answer is not an error: its
    result is ``unknown`` and reconciliation resolves it.

    >>> raise GatewayError("stripe", "resource_missing", "No such payment_intent: 'pi_1'")
    Traceback (most recent call last):
    ...
    billkit.errors.GatewayError: stripe: resource_missing: No such payment_intent: 'pi_1'
    """

    provider: str
    code: str
    message: str

    def __init__(self, provider: str, code: str, message: str) -> None:
        self.provider = provider
        self.code = code
        self.message = message
        super().__init__(f"{provider}: {code}: {message}" if code else f"{provider}: {message}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.provider, self.code, self.message))


class SerializationError(ValidationError):
    """Saved data that :mod:`billkit.serialize` cannot read back (or a value it cannot save).

    ``field`` is the path of the first problem, such as
    ``lines[2].amount.currency``; ``problems`` lists every problem found as
    ``(path, value, expected)``.

    >>> error = SerializationError("lines[2].amount.currency", "EURO", "an ISO 4217 code")
    >>> print(error)
    lines[2].amount.currency = 'EURO': expected an ISO 4217 code
    """

    problems: tuple[tuple[str, object, str], ...]
    reading: str

    def __init__(
        self,
        field: str,
        value: object,
        expected: str,
        *,
        problems: tuple[tuple[str, object, str], ...] = (),
        reading: str = "",
    ) -> None:
        super().__init__(field, value, expected)
        self.problems = problems or ((field, value, expected),)
        self.reading = reading
        more = self.problems[1:]
        if more or reading:
            detail = "; ".join(f"{p} = {v!r}: expected {e}" for p, v, e in more)
            self.args = (
                (f"{reading}: " if reading else "")
                + str(self.args[0])
                + (f" (and {len(more)} more: {detail})" if more else ""),
            )

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild_serialization_error,
            (self.field, self.value, self.expected, self.problems, self.reading),
        )


def _rebuild_serialization_error(
    field: str,
    value: object,
    expected: str,
    problems: tuple[tuple[str, object, str], ...],
    reading: str,
) -> SerializationError:
    return SerializationError(field, value, expected, problems=problems, reading=reading)


# A currency mix, by room: each is a CurrencyMismatchError *and* its room's error.


class PricingCurrencyError(PricingError, CurrencyMismatchError):
    """A price model, plan, discount or plan change that mixes currencies.

    It is both a :class:`PricingError` and a :class:`CurrencyMismatchError`,
    so either handler catches it.

    >>> issubclass(PricingCurrencyError, CurrencyMismatchError)
    True
    """


class CreditCurrencyError(CreditError, CurrencyMismatchError):
    """A ledger entry, wallet, bonus or limit in a currency other than the account's.

    >>> issubclass(CreditCurrencyError, (CreditError, CurrencyMismatchError))
    True
    """


class InvoicingCurrencyError(InvoicingError, CurrencyMismatchError):
    """A document line, total, payment or tax split in another currency than the document's.

    >>> issubclass(InvoicingCurrencyError, (InvoicingError, CurrencyMismatchError))
    True
    """


class MissingDependencyError(BillkitError, ImportError):
    """An optional package that a feature needs is missing, or too old.

    Names the package, the feature and the extra that installs it.

    >>> raise MissingDependencyError("num2words", "the amount in words", "words")
    Traceback (most recent call last):
    ...
    billkit.errors.MissingDependencyError: the amount in words needs num2words: pip install 'py-billkit[words]'
    """

    package: str
    feature: str
    extra: str

    def __init__(self, package: str, feature: str, extra: str, detail: str = "") -> None:
        self.package = package
        self.feature = feature
        self.extra = extra
        note = f" ({detail})" if detail else ""
        super().__init__(f"{feature} needs {package}{note}: pip install 'py-billkit[{extra}]'")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.package, self.feature, self.extra))


class StoreError(BillkitError):
    """Something a :class:`~billkit.ports.Store` refuses to do or cannot do.

    The message names the record (its kind and id) and what went wrong. A
    refused write leaves the store as it was: the operation wrote nothing.
    """


class NotFoundError(StoreError, LookupError):
    """An id (payer, subscription, account, document, series...) the store does not hold.

    >>> raise NotFoundError("account 'acc-9' not found")
    Traceback (most recent call last):
    ...
    billkit.errors.NotFoundError: account 'acc-9' not found
    """


class ConflictError(StoreError):
    """A write that contradicts what the store already holds."""


class StaleVersionError(ConflictError):
    """An update based on a version of the record that is no longer the stored one.

    Optimistic concurrency: reload the record, apply the change again, retry.
    """


class DuplicateRecordError(ConflictError):
    """A new record under an id that is already taken."""


class IdempotencyConflictError(ConflictError):
    """An idempotency key reused with a different request (or event, or entry).

    The same key with the same request replays the stored result; with another
    request it is refused, because the key already stands for something else.
    """


class ImmutableRecordError(ConflictError):
    """A change to something that may no longer change: an issued document."""


class LeaseLostError(ConflictError):
    """An outbox message acknowledged by a worker that does not hold its lease."""


class SchemaError(StoreError):
    """A database whose billkit schema is missing or not at the expected revision.

    The message says which command brings it up to date (``billkit db upgrade URL``).
    """


class TransitionError(BillkitError):
    """A state change that the lifecycle does not allow.

    Names the ``state`` the thing is in, the ``event`` refused and the events
    ``allowed`` from that state.

    >>> raise TransitionError("invoice", "paid", "void", ["refund", "partially_refund"])
    Traceback (most recent call last):
    ...
    billkit.errors.TransitionError: invoice in state 'paid' cannot 'void'; allowed: 'refund', 'partially_refund'
    """

    subject: str
    state: str
    event: str
    allowed: tuple[str, ...]

    def __init__(self, subject: str, state: str, event: str, allowed: Sequence[str]) -> None:
        self.subject = subject
        self.state = state
        self.event = event
        self.allowed = tuple(allowed)
        choices = ", ".join(repr(a) for a in self.allowed) or "nothing (a final state)"
        super().__init__(f"{subject} in state {state!r} cannot {event!r}; allowed: {choices}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.subject, self.state, self.event, self.allowed))


class NotAllowedError(BillkitError, PermissionError):
    """An actor whose role may not perform the action.

    >>> raise NotAllowedError("viewer", "change_plan", ["org_admin", "billing_admin"])
    Traceback (most recent call last):
    ...
    billkit.errors.NotAllowedError: role 'viewer' may not 'change_plan'; allowed roles: 'org_admin', 'billing_admin'
    """

    role: str
    action: str
    allowed: tuple[str, ...]

    def __init__(self, role: str, action: str, allowed: Sequence[str]) -> None:
        self.role = role
        self.action = action
        self.allowed = tuple(allowed)
        roles = ", ".join(repr(a) for a in self.allowed)
        super().__init__(f"role {role!r} may not {action!r}; allowed roles: {roles}")

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.role, self.action, self.allowed))


class MissingGlyphWarning(UserWarning):
    """A rendered PDF printed U+FFFD for characters its font has no glyph for.

    The warning names the characters; register a font that has them
    (:func:`billkit.invoicing.render.register_fonts`) to print them.
    """
