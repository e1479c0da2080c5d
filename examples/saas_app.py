"""A complete small SaaS on billkit's engine: plans, customers, usage, month end, dunning.

Run it: ``python examples/saas_app.py``. State lives in a SQLite file; the sandbox
gateway plays a working card, a declined one and a bank transfer.
"""

import tempfile
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from billkit import Money
from billkit.engine import Billing
from billkit.notify import MemoryNotifier
from billkit.parties import Party
from billkit.payments import SandboxGateway
from billkit.ports import FixedClock
from billkit.pricing import Charge, PerUnit, Plan
from billkit.storage import SqlStore

EUR = "EUR"
PRICE = PerUnit(unit_price=Money("0.002", EUR))
CALLS = Charge(code="calls", metric="api_calls", included=10_000, model=PRICE)
STARTER = Plan(
    code="starter", name="Starter", currency=EUR, base_fee=Money(19, EUR), charges=[CALLS]
)
GROWTH = Plan(code="growth", name="Growth", currency=EUR, base_fee=Money(99, EUR), charges=[CALLS])
SELLER = Party(kind="legal_entity", country="IT", name="Metrics S.r.l.")

clock = FixedClock(datetime(2026, 3, 1, 8, tzinfo=timezone.utc))
store = SqlStore(f"sqlite:///{Path(tempfile.mkdtemp()) / 'saas.db'}", upgrade=True)
gateway, inbox = SandboxGateway(clock=clock), MemoryNotifier()
app = Billing(store, gateway, inbox, clock, [STARTER, GROWTH], seller=SELLER, payment_days=14)

# Three customers: a card that works, a card that is declined, a bank transfer.
cards = {"ada": "tok_visa", "bob": "tok_insufficient_funds", "cyd": "tok_bank_transfer"}
for name, token in cards.items():
    person = Party(kind="individual", country="IT", name=name.title())
    app.add_customer(name, person, currency=EUR, method=token, email=f"{name}@example.test")
    app.subscribe(f"{name}-1", name, "starter")

# A month of API calls, each batch sent with a key (a retried request counts once).
for day in range(31):
    at = clock.now() + timedelta(days=day)
    app.record_usage("ada-1", "api_calls", 600, key=f"ada-{day}", at=at)
    app.record_usage("cyd-1", "api_calls", 100, key=f"cyd-{day}", at=at)
assert not app.record_usage("ada-1", "api_calls", 600, key="ada-0")

clock.set(datetime(2026, 3, 20, tzinfo=timezone.utc))
app.change_plan("ada-1", "growth")  # an upgrade: at once, 1-19 March billed pro rata

# Every day until the end of May: bill what is due, collect, settle webhooks, notify.
while clock.today() <= date(2026, 5, 31):
    report = app.run()
    for webhook in gateway.deliveries():  # the bank transfer settles by webhook
        app.handle_webhook(webhook.headers, webhook.body)
    app.deliver()
    if report.issued or report.failed_payments:
        print(
            f"{report.as_of}: {len(report.issued)} documents issued, {report.paid} paid, "
            f"{report.failed_payments} failed"
        )
    clock.advance(timedelta(days=1))

with store.transaction(readonly=True) as tx:
    print("\nnumber      customer  status   total")
    for doc in sorted(tx.documents(), key=lambda d: d.number or ""):
        print(f"{doc.number:<11} {doc.customer:<9} {doc.status:<8} {doc.total.amount:>7}")
    balances = {name: tx.balance(f"{name}/main").amount for name in cards}
    bob = tx.subscription("bob-1").status
    ada_march = tx.document("ada-1|2026-03-01|2026-03-20|invoice|0").total
print(f"\nbalances {balances}; bob's subscription is {bob} after 3 declined attempts")
print(f"{len(inbox.messages)} notifications, the last: {inbox.messages[-1].topic}")

# Ada's 1-19 March: 19.00 - 19.00 x 12/31 + (19 x 600 - 10 000) x 0.002 = 14.45; +22 %: 17.63
assert ada_march == Money("17.63", EUR)
assert balances == {"ada": Decimal("0.00"), "bob": Decimal("0"), "cyd": Decimal("0.00")}
assert bob == "cancelled"  # frozen after the 3rd decline, cancelled when its cycle ended
store.close()
