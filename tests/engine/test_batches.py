"""The month end bills customers in batches, one transaction each, a savepoint per customer.

A customer whose billing fails part-way (here: its second subscription names
a plan that no longer exists, after its first subscription's invoice was
already numbered) is undone alone and named in the report; the rest of its
batch, and the batches after it, are billed with numbers that run without
a gap.
"""

from __future__ import annotations

from datetime import date

import attrs

from billkit.money import Money
from billkit.payments.sandbox import SandboxGateway
from billkit.payments.types import PaymentRequest, PaymentResult
from billkit.ports import FixedClock, Store
from billkit.storage.records import SubscriptionRecord
from tests.engine import support, workers
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

CUSTOMERS = 250  # more than one batch (200 customers)
BROKEN = "c0100"


def test_a_failing_customer_is_undone_alone_and_numbers_stay_gap_free(store: Store) -> None:
    clock = FixedClock(support.START)
    gateway = SandboxGateway(clock=clock)
    support.billing(store, gateway, clock)
    support.populate_fast(store, CUSTOMERS)
    with store.transaction() as tx:
        tx.add_subscription(
            SubscriptionRecord(
                id="s0100x",  # after s0100, so s0100's invoice is numbered first
                customer=BROKEN,
                plan="gone",
                status="active",
                next_billing=date(2026, 4, 1),
                data={"plans": [["2026-03-01", "gone"]], "ends": None},
            )
        )
    clock.set(support.MONTH_END)
    report = support.billing(store, gateway, clock).run()

    assert [who for who, _ in report.failures] == [BROKEN]
    assert report.failures[0][1].startswith("SubscriptionError:"), report.failures
    assert report.billed == CUSTOMERS - 1
    with store.transaction(readonly=True) as tx:
        documents = tx.documents()
        # One invoice per customer but the broken one, numbered 1..249 in customer order.
        assert sorted(d.customer for d in documents) == [
            f"c{n:04d}" for n in range(CUSTOMERS) if f"c{n:04d}" != BROKEN
        ]
        numbers = {d.customer: d.number for d in documents}
        assert numbers["c0099"] == "INV-000100"
        assert numbers["c0101"] == "INV-000101"  # the number c0100 had taken was given back
        assert sorted(numbers.values()) == [f"INV-{n:06d}" for n in range(1, CUSTOMERS)]
        # Nothing of the broken customer's billing stayed: still due, not billed, not told.
        assert tx.subscription("s0100").next_billing == date(2026, 4, 1)
        assert tx.documents(customer=BROKEN) == []
        assert tx.entries(f"{BROKEN}/main") == []
    # The next run tries it again (and fails the same way), billing nothing twice.
    again = support.billing(store, gateway, clock).run()
    assert (again.billed, again.issued, [w for w, _ in again.failures]) == (0, (), [BROKEN])


class _WrongCurrencyFor:
    """A provider that answers one customer's charges in another currency (a broken adapter)."""

    name = "keyed"

    def __init__(self, customer: str) -> None:
        self.customer = customer
        self.inner = workers.KeyedGateway()
        self.capabilities = self.inner.capabilities

    def create_payment(self, request: PaymentRequest, idempotency_key: str) -> PaymentResult:
        result = self.inner.create_payment(request, idempotency_key)
        if request.customer == self.customer:
            return attrs.evolve(result, amount=Money(result.amount.amount, "USD"))
        return result


def test_a_payment_record_that_fails_is_undone_alone(store: Store) -> None:
    clock = FixedClock(support.START)
    gateway = _WrongCurrencyFor("c0002")
    support.billing(store, gateway, clock)  # type: ignore[arg-type]
    support.populate_fast(store, 5)
    clock.set(support.MONTH_END)
    report = support.billing(store, gateway, clock).run()  # type: ignore[arg-type]

    # c0002's payment (in USD, on a EUR account) is refused; c0003's card is declined.
    assert [who.split("|")[0] for who, _ in report.failures] == ["s0002"]
    assert (report.billed, report.paid, report.failed_payments) == (5, 3, 1)
    with store.transaction(readonly=True) as tx:
        status = {d.customer: d.status for d in tx.documents()}
        assert status == {
            "c0000": "paid",
            "c0001": "paid",
            "c0002": "issued",
            "c0003": "issued",
            "c0004": "paid",
        }
        assert tx.entries("c0002/main") == []
        # each paid invoice: its payment and its charge, the balance back to 0
        for customer in ("c0000", "c0001", "c0004"):
            assert [e.kind for e in tx.entries(f"{customer}/main")] == ["payment", "charge"]
            assert tx.balance(f"{customer}/main") == Money("0", "EUR")
