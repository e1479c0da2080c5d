"""The story ``billkit demo`` tells: the five example businesses run by the engine (private).

One store holds the five businesses. Each business is a
:class:`~billkit.engine.Billing` of its own (its seller, kept in the store
under the business's number, language, invoice series and payment terms)
over the subscriptions whose ids start with its number (``1-``...``5-``),
so each runs its own shard of the store. The
clock is a :class:`~billkit.ports.FixedClock`, payments go through the
:class:`~billkit.payments.SandboxGateway` and notifications are kept in
memory. :func:`build` adds the customers; :meth:`Story.day` runs one day:
each business's run, what its customers do that day (usage, top-ups, a
late payment), the provider's webhooks, and the notifications. It returns
what happened as lines of text.

The customers and what they do:

* 1 (analytics, RUB): ``1-metrika`` pays 90 000.00 ahead on the 10 000.00
  tariff and earns 3 months of bonus (120 000.00 on the balance); the tariff
  is paid from that balance every month.
* 2 (email marketing, UAH): ``2-olena`` pays by bank transfer: each
  invoice is pending until the bank confirms, 3 days later; the provider
  sends every confirmation twice, booked once.
* 3 (hosting, RUB): ``3-ivan`` is postpaid on a 5 000.00 credit line and
  pays April's statement late: blocked on 30 May, unblocked on 31 May when
  he pays. ``3-olga`` tops up 20.00 by card: 31.00 with the commission,
  3.10 of cashback.
* 4 (messaging, EUR): ``4-acme`` uses 1 250 contacts a month (3 blocks of
  100 beyond the 1 000 included); ``4-bolt``'s card is declined, and after
  three attempts its subscription is frozen.
* 5 (attribution, IRR): ``5-parsian`` is billed every 30 days for 375
  attributions a day (11 250 a period).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from billkit.credit import BonusProgram, Cashback, Commission, CreditLine, PaymentMethod
from billkit.engine import Billing
from billkit.errors import WebhookError
from billkit.money import Money
from billkit.notify import MemoryNotifier, compose
from billkit.parties import Party
from billkit.payments import SandboxGateway
from billkit.ports import FixedClock, Store
from billkit.storage.records import OutboxMessage

__all__ = ["BUSINESSES", "START", "Story", "build", "demo_catalog_plans"]

START = date(2026, 3, 1)
"""The day the story's subscriptions begin (the demo prints from 1 May)."""

BUSINESSES = {
    "1": "Analytics SaaS (RUB)",
    "2": "Email marketing SaaS (UAH)",
    "3": "Hosting provider (RUB)",
    "4": "Messaging SaaS (EUR)",
    "5": "Attribution SaaS (IRR)",
}
"""The five businesses by the number their ids start with."""

_SELLERS = {
    "1": (Party(kind="legal_entity", country="RU", name='ООО "Метрика Плюс"'), "ru_RU", "A"),
    "2": (Party(kind="legal_entity", country="UA", name='ТОВ "Розсилка Про"'), "uk_UA", "RP"),
    "3": (Party(kind="legal_entity", country="RU", name='ООО "Хостинг"'), "ru_RU", "H"),
    "4": (Party(kind="legal_entity", country="IT", name="Chat S.r.l."), "it_IT", "CHAT"),
    "5": (Party(kind="legal_entity", country="IR", name="Attrib Co."), "fa_IR", "AT"),
}
_PLANS = {
    "1": ("analytics-10k",),
    "2": ("email-standard",),
    "3": ("vps-start",),
    "4": ("growth-monthly",),
    "5": ("attribution-starter",),
}
# The hosting provider's card: 5 % + 10.00 RUB on top, 10.00 to 3 000.00, 10 % cashback.
CARD = PaymentMethod(
    name="card",
    commission=Commission(rate="5%", fixed=Money("10.00", "RUB")),
    min_amount=Money("10.00", "RUB"),
    max_amount=Money("3000.00", "RUB"),
    cashback=Cashback(rate="10%"),
)
# The analytics SaaS's prepayment bonus: 5 months earn 1, 9 earn 3, 15 earn 9.
BONUS = BonusProgram.months({5: 1, 9: 3, 15: 9})
CREDIT_LINE = CreditLine(limit=Money("5000.00", "RUB"))
ATTRIBUTIONS_A_DAY = 375  # 9 200 installs + 1 400 re-attributions + 650 rejected, over 30 days

# (customer, name, currency, saved method, subscription, plan, first day)
_CUSTOMERS: tuple[tuple[str, str, str, str | None, str, str, date], ...] = (
    ("1-metrika", "Severny Veter JSC", "RUB", "tok_visa", "1-metrika-web", "analytics-10k", START),
    ("2-olena", "Olena Kovalenko", "UAH", "tok_bank_transfer", "2-olena-mail", "email-standard",
     START),
    ("3-ivan", "Ivan Petrov", "RUB", None, "3-ivan-vps", "vps-start", START),
    ("3-olga", "Olga Ivanova", "RUB", "tok_visa", "3-olga-vps", "vps-start", START),
    ("4-acme", "Acme S.p.A.", "EUR", "tok_visa", "4-acme-growth", "growth-monthly", START),
    ("4-bolt", "Bolt S.r.l.", "EUR", "tok_insufficient_funds", "4-bolt-growth",
     "growth-monthly", date(2026, 4, 1)),
    ("5-parsian", "Parsian Apps", "IRR", "tok_visa", "5-parsian-attr", "attribution-starter",
     date(2026, 3, 21)),
)  # fmt: skip
_CURRENCY = {row[0]: row[2] for row in _CUSTOMERS}
CAST = (
    "1-metrika  analytics, prepaid: 90 000.00 RUB ahead for 9 months earns 3 months of bonus",
    "2-olena    email marketing, pays by bank transfer: confirmed by the bank 3 days later",
    "3-ivan     hosting, postpaid on a 5 000.00 RUB credit line; pays April's statement late",
    "3-olga     hosting, card with a 5 % + 10.00 commission and 10 % cashback",
    "4-acme     messaging, 1 250 active contacts a month (1 000 included)",
    "4-bolt     messaging, its card is declined: 3 attempts, then the subscription is frozen",
    "5-parsian  attribution, every 30 days, 375 attributions a day",
)
"""Who the story's customers are, one line each."""
# Usage recorded on the 10th of every month, per subscription (the businesses' worked months).
_MONTHLY_USAGE: dict[str, dict[str, Decimal]] = {
    "2-olena-mail": {
        "contacts": Decimal(4200),
        "emails_sent": Decimal(12500),
        "sms_sent": Decimal(300),
    },
    "3-ivan-vps": {"backup_gb": Decimal("25.5"), "traffic_gb": Decimal(1800)},
    "3-olga-vps": {"traffic_gb": Decimal(400)},
    "4-acme-growth": {"monthly_active_contacts": Decimal(1250)},
}
CURRENCIES = ("EUR", "RUB", "UAH", "IRR")
"""The sandbox gateway's currencies: the five businesses'."""
IVAN_PAYS = date(2026, 5, 31)
"""The day the postpaid hosting customer pays his overdue statement."""
OLGA_TOPS_UP = date(2026, 5, 5)


def demo_catalog_plans(number: str) -> list[Any]:
    """The demo catalog's plans of business ``number``."""
    from billkit.demo import demo_catalog

    catalog = demo_catalog()
    return [catalog[code] for code in _PLANS[number]]


# The customers' locales, by their currency (the businesses' countries).
_LOCALES = {"RUB": "ru", "UAH": "uk", "EUR": "it", "IRR": "fa"}


def _in_locale(amount: object, currency: str) -> str:
    """``amount`` in ``currency`` as the customer's locale writes it, as its documents do.

    The currency's decimals (none for the Iranian rial), its symbol, and the
    locale's digits: Persian digits for the Iranian business.
    """
    if not currency or amount is None:
        return str(amount or "")
    from billkit.invoicing.render.fmt import Formatter

    fmt = Formatter.cached(_LOCALES.get(currency, "en"), currency, "locale", "locale")
    return fmt.money(Money(str(amount), currency))


def _line(message: OutboxMessage) -> str:
    """One notification as a line of the story's log."""
    data, subject = message.payload, compose(message, language="en")[0]
    currency = str(data.get("currency") or _CURRENCY.get(str(data.get("customer")), ""))
    money = _in_locale(data.get("total"), currency) if "total" in data else ""
    if message.topic == "payment.received" and data.get("credited", data.get("total")) != data.get(
        "total"
    ):
        money += f" (credited {_in_locale(data['credited'], currency)}: bonus or cashback included)"
    if message.topic == "payment.failed":
        money = f"attempt {data.get('attempt')}"
    if message.topic.startswith("credit.") and "debt" in data:
        overdue = (
            f"{_in_locale(data['overdue'], currency)} of it overdue"
            if Decimal(str(data["overdue"]))
            else "none of it overdue"
        )
        money = f"owes {_in_locale(data['debt'], currency)}, {overdue}"
    return f"{subject}: {money}" if money else subject


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=timezone.utc)


@attrs.define
class Story:
    """The five businesses on one store, one clock, one sandbox gateway and one inbox."""

    store: Store
    clock: FixedClock
    gateway: SandboxGateway
    inbox: MemoryNotifier
    businesses: dict[str, Billing]
    seen: int = 0
    webhooks: int = 0
    booked: int = 0
    replays: int = 0
    failures: list[tuple[str, str]] = attrs.field(factory=list)

    def day(self, day: date) -> list[str]:
        """Run ``day``: each business's run, its customers' doings, webhooks, notifications."""
        self._at(_midnight(day) + timedelta(hours=9))
        lines = list(self._doings(day))
        self._at(_midnight(day) + timedelta(hours=10))
        for number, billing in self.businesses.items():
            report = billing.run(id_from=f"{number}-", id_to=f"{number}.", schedules=number == "3")
            self.failures.extend(report.failures)
            lines.extend(f"  ! {who}: {why}" for who, why in report.failures)
        for delivery in self.gateway.deliveries():
            self.webhooks += 1
            try:
                self.booked += self.businesses["1"].handle_webhook(delivery.headers, delivery.body)
            except WebhookError:  # the provider sent it again: refused as a replay
                self.replays += 1
        self.businesses["1"].deliver()
        for message in self.inbox.messages[self.seen :]:
            lines.append(f"  {message.payload.get('customer', ''):<10} {_line(message)}")
        self.seen = len(self.inbox.messages)
        return lines

    def _at(self, moment: datetime) -> None:
        """Move the clock to ``moment`` unless it is there already (a day run again)."""
        if moment > self.clock.now():
            self.clock.set(moment)

    def _doings(self, day: date) -> Iterator[str]:
        at = _midnight(day) + timedelta(hours=9)  # the same moment when a day is run again
        for _, _, _, _, sub, plan, first in _CUSTOMERS:
            if day < first:
                continue
            for metric, quantity in _MONTHLY_USAGE.get(sub, {}).items():
                if day.day == 10:
                    self._billing(sub).record_usage(
                        sub, metric, quantity, key=f"{sub}|{metric}|{day}", at=at
                    )
            if plan.startswith("attribution"):
                self._billing(sub).record_usage(
                    sub, "attributions", ATTRIBUTIONS_A_DAY, key=f"{sub}|{day}", at=at
                )
        if day == START:
            paid = self.businesses["1"].top_up(
                "1-metrika", Money("90000.00", "RUB"), key="prepay-9-months"
            )
            yield f"  1-metrika  pays {_in_locale(paid.amount.amount, 'RUB')} ahead for 9 months"
        if day == OLGA_TOPS_UP:
            paid = self.businesses["3"].top_up("3-olga", Money("20.00", "RUB"), key="order-1")
            card = _in_locale(paid.amount.amount, "RUB")
            yield f"  3-olga     tops up {_in_locale('20.00', 'RUB')} by card: {card} with commission"
        if day == IVAN_PAYS:
            hosting = self.businesses["3"]
            april = "3-ivan-vps|2026-03-01|2026-04-01|invoice|0"
            with self.store.transaction(readonly=True) as tx:
                owed = tx.document(april).total
            assert owed is not None
            party = Party(kind="individual", country="RU", name="Ivan Petrov")
            hosting.add_customer(
                "3-ivan", party, currency="RUB", credit_line=CREDIT_LINE, method="tok_visa"
            )
            hosting.top_up("3-ivan", owed, key="statement-1")
            yield f"  3-ivan     pays the overdue statement: {_in_locale(owed.amount, 'RUB')}"

    def _billing(self, subscription: str) -> Billing:
        return self.businesses[subscription.split("-", 1)[0]]

    def days(self, first: date, last: date) -> Iterator[tuple[date, list[str]]]:
        """Run every day from ``first`` to ``last``, each with its lines."""
        day = first
        while day <= last:
            yield day, self.day(day)
            day += timedelta(days=1)

    def summary(self) -> list[tuple[str, str, int, str, int, str]]:
        """Per customer: business, customer, documents, invoiced, payments, balance.

        Amounts are written as the customer's locale writes them (see ``_in_locale``).
        """
        rows = []
        with self.store.transaction(readonly=True) as tx:
            documents = list(tx.documents())
            for customer, *_ in _CUSTOMERS:
                own = [d for d in documents if d.customer == customer]
                invoiced = sum(
                    (d.total.amount for d in own if d.kind == "invoice" and d.total is not None),
                    Decimal(0),
                )
                paid = sum(1 for d in own if d.kind == "invoice" and d.status == "paid")
                balance = tx.balance(f"{customer}/main")
                rows.append(
                    (
                        BUSINESSES[customer[0]],
                        customer,
                        len(own),
                        _in_locale(invoiced, balance.currency.code),
                        paid,
                        _in_locale(balance.amount, balance.currency.code),
                    )
                )
        return rows

    def write_documents(self, directory: str | Path) -> list[Path]:
        """Render every issued document to PDF and HTML in ``directory``."""
        from billkit.invoicing.render import render_html, render_pdf
        from billkit.serialize import from_data

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths: list[Path] = []
        with self.store.transaction(readonly=True) as tx:
            records = [d for d in tx.documents() if d.number]
        for record in sorted(records, key=lambda d: (d.customer, d.number or "")):
            # The stored value is the draft; the store gave it its number when it was issued.
            document = attrs.evolve(from_data(record.data), number=record.number)
            stem = out / f"{record.customer}-{record.number}"
            paths.append(stem.with_suffix(".pdf"))
            paths[-1].write_bytes(render_pdf(document))
            paths.append(stem.with_suffix(".html"))
            paths[-1].write_text(render_html(document), encoding="utf-8")
        return paths


def build(
    store: Store,
    *,
    gateway: Callable[[FixedClock], SandboxGateway] | None = None,
) -> Story:
    """The five businesses and their customers on ``store``, the clock at :data:`START`."""
    clock = FixedClock(_midnight(START) + timedelta(hours=1))
    sandbox = (
        gateway(clock)
        if gateway
        else SandboxGateway(clock=clock, currencies=CURRENCIES, duplicates="1")
    )
    inbox = MemoryNotifier()
    businesses: dict[str, Billing] = {}
    for number, (seller, locale, series) in _SELLERS.items():
        businesses[number] = Billing(
            store,
            sandbox,
            inbox,
            clock,
            demo_catalog_plans(number),
            seller=seller,
            locale=locale,
            invoice_series=series,
            credit_series=f"{series}-CN",
            methods=[CARD] if number == "3" else (),
            bonus=BONUS if number == "1" else None,
            business=number,
        )
    for customer, name, currency, method, sub, plan, first in _CUSTOMERS:
        billing = businesses[customer[0]]
        kind = "individual" if customer in ("2-olena", "3-ivan", "3-olga") else "legal_entity"
        billing.add_customer(
            customer,
            Party(kind=kind, country=_SELLERS[customer[0]][0].country, name=name),
            currency=currency,
            method=method,
            email=f"{customer}@example.test",
            pays_with="card" if customer == "3-olga" else None,
            credit_line=CREDIT_LINE if customer == "3-ivan" else None,
        )
        billing.subscribe(sub, customer, plan, on=first)
    return Story(store=store, clock=clock, gateway=sandbox, inbox=inbox, businesses=businesses)


def table(
    rows: Iterable[Sequence[object]], header: Sequence[str], *, right: Sequence[int] = ()
) -> str:
    """``rows`` as a plain text table under ``header``; the columns ``right`` align right."""
    cells = [[str(c) for c in header], *([str(c) for c in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


MONTH = (date(2026, 5, 1), date(2026, 5, 31))
"""The month ``billkit demo`` prints day by day (March and April run first, quietly)."""


def tell(store: Store, *, write: Callable[[str], object] = print) -> Story:
    """Run the story on ``store`` from :data:`START` and ``write`` May's log and the summary."""
    story = build(store)
    first, last = MONTH
    write("The customers:\n" + "\n".join(f"  {line}" for line in CAST) + "\n")
    for _ in story.days(START, first - timedelta(days=1)):
        pass
    with store.transaction(readonly=True) as tx:
        before = sum(1 for d in tx.documents() if d.number)
    write(
        f"March and April run first, quietly: {before} documents issued,"
        f" {len(story.inbox.messages)} notifications. Then May, day by day:\n"
    )
    for day, lines in story.days(first, last):
        if lines:
            write(f"{day:%a %d %b %Y}")
            write("\n".join(lines))
    write("")
    header = ("business", "customer", "documents", "invoiced", "invoices paid", "balance")
    write(table(story.summary(), header, right=(2, 3, 4, 5)))
    write(
        f"\n{story.webhooks} provider webhooks ({story.replays} sent twice: refused as replays),"
        f" {len(story.inbox.messages)} notifications, {len(story.failures)} failed runs."
    )
    return story
