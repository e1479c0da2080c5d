"""Customers, subscriptions, usage (with its alerts), top-ups, plan changes and
cancellation. One layer of :class:`billkit.engine.Billing` (users import from
:mod:`billkit.engine`; the modules are listed in docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

import attrs
from moneyed import Money

from billkit import _checks as checks
from billkit.billing import PlanFrom, Subscribed
from billkit.credit.autopay import AutopaySettings
from billkit.credit.bonus import BonusProgram
from billkit.credit.commission import PaymentMethod, PaymentQuote
from billkit.credit.credit_line import CreditLine
from billkit.credit.entries import EntryKind
from billkit.credit.ledger import Ledger
from billkit.credit.topup import receive_payment
from billkit.credit.wallets import Wallet
from billkit.engine._bill import _Bill
from billkit.engine._core import _UNSET, _UTC, _channels, _kept_value, _midnight, _Writes
from billkit.engine._credit_lines import _CREDIT_BOOK
from billkit.errors import BillingError, CreditError, NotFoundError, SubscriptionError
from billkit.parties.party import Party
from billkit.payments.types import PaymentRequest, PaymentResult, PaymentStatus, SavedMethod
from billkit.ports import Transaction
from billkit.pricing.plans import Charge
from billkit.pricing.proration import ChangeDirection, change_direction, fixed_fee
from billkit.serialize import from_data, to_data
from billkit.storage.records import (
    AccountRecord,
    EntryRecord,
    PayerRecord,
    SubscriptionRecord,
    UsageRecord,
)


def _quoted_terms(quoted: Mapping[str, object]) -> tuple[PaymentMethod | None, BonusProgram | None]:
    """The payment-method terms and the bonus program a top-up's kept terms name."""
    method, bonus = quoted.get("method"), quoted.get("bonus")
    assert method is None or isinstance(method, Mapping)
    assert bonus is None or isinstance(bonus, Mapping)
    return (
        None if method is None else from_data(method, PaymentMethod),
        None if bonus is None else from_data(bonus, BonusProgram),
    )


#: The idempotency records keeping the terms a top-up was made under
#: (``topup-terms|CUSTOMER|KEY``: its payment method's and the bonus program).
_QUOTED = "topup-terms"


class _Accounts(_Bill):
    """Customers, subscriptions, usage and top-ups: a layer of :class:`~billkit.engine.Billing`."""

    # ------------------------------------------------------------ customers

    def add_customer(
        self,
        id: str,
        party: Party,
        *,
        currency: str,
        email: str = "",
        method: str | None = None,
        balance_first: bool = True,
        pays_with: str | None = None,
        autopay_cap: Money | None = None,
        channels: Mapping[str, Sequence[str]] | None = None,
        credit_line: CreditLine | None = None,
        locale: str | None = None,
    ) -> None:
        """Add a payer with a ledger account ``<id>/main`` in ``currency``.

        ``method`` is a saved payment method's token; with ``balance_first``
        (the default) it is charged only when the balance does not cover an
        invoice, without it the method pays and the balance is left for what
        the method cannot. ``pays_with`` names the business's payment-method
        terms the saved method is charged under (its commission and
        cashback apply to top-ups): one of the methods the store keeps now,
        else a :class:`~billkit.errors.CreditError` naming ``pays_with``
        (move a customer to other terms with :meth:`change_payer`). ``autopay_cap`` turns on autopayment: an
        invoice the balance does not cover is paid by topping the balance
        up from the saved method, never by more than ``autopay_cap`` in a
        calendar month (commission included); above it the invoice stays
        due and the customer is told. ``email`` receives notifications;
        ``channels`` (category to channels) overrides the business's choice
        for this customer; ``locale`` (``"uk_UA"``, ``"fa"``) is the language and
        number format of the customer's notifications (see
        :func:`billkit.notify.compose`) and of the invoices and proformas
        made for it (their labels, the lines' names by ``Plan.name_in`` and
        ``Charge.name_in``, their explanations), the business's ``locale``
        when not given, or for documents when billkit does not write them in
        its language (English, Russian, Ukrainian, Italian and Persian). A
        changed locale applies to the next documents: the issued ones, and
        the periods they bill, stay as they are.
        ``credit_line`` makes the customer postpaid
        (:class:`~billkit.credit.CreditLine`): invoices are paid from the
        account on credit up to the line's limit, and :meth:`run` keeps the
        line's statement calendar (statement, due, overdue, blocked).
        Adding the same customer again changes nothing but the payer's details.
        The payer's data records this ``business`` (``None``: the store's unnamed
        one) as the customer's: in a store shared by several businesses,
        :meth:`change_settings` weighs only its own customers when it removes
        a payment method.
        """
        if autopay_cap is not None:
            AutopaySettings(currency=currency, monthly_max=autopay_cap)  # refuses a bad cap
        data: dict[str, object] = {
            "party": to_data(party),
            "email": email,
            "method": method,
            "balance_first": balance_first,
            "pays_with": pays_with,
            "autopay_cap": None if autopay_cap is None else str(autopay_cap.amount),
            "business": self.business,  # whose customer (_no_payer_left counts its own)
        }
        if locale is not None:
            data["locale"] = checks.locale("locale", locale, error=BillingError)
        if channels is not None:
            data["channels"] = {k: list(v) for k, v in _channels("channels", channels).items()}
        if credit_line is not None:
            if credit_line.currency.code != currency:
                raise CreditError("credit_line", credit_line.limit, f"a limit in {currency}")
            data["credit_line"] = to_data(credit_line)
        lock = [f"account:{id}"]
        if pays_with is not None:
            # Under the settings' lock too: a change_settings() removing the method
            # waits for this customer, and then sees it paying with the method.
            lock.append(f"account:{self._settings_id}")
        with self.store.transaction(lock=lock) as tx:
            self._kept_method(tx, pays_with)
            try:
                kept = tx.payer(id).data
            except NotFoundError:
                kept = {}
            for name in ("subscriptions", "credit_blocked", "credit_events"):
                if name in kept:
                    data[name] = kept[name]
            tx.save_payer(PayerRecord(id=id, data=data))
            try:
                tx.account(f"{id}/main")
            except NotFoundError:
                zero = Money("0", currency)
                tx.open_account(
                    AccountRecord(id=f"{id}/main", customer=id, credit_limit=zero, balance=zero)
                )
            if credit_line is not None:
                tx.set_credit_limit(f"{id}/main", credit_line.limit)
        if credit_line is not None:
            with self.store.transaction(lock=[f"payer:{_CREDIT_BOOK}"]) as tx:
                try:
                    book = tx.payer(_CREDIT_BOOK)
                except NotFoundError:
                    book = PayerRecord(id=_CREDIT_BOOK, data={"customers": []})
                listed = list(book.data["customers"])
                if id not in listed:
                    tx.save_payer(attrs.evolve(book, data={"customers": sorted([*listed, id])}))

    def change_payer(self, customer: str, *, pays_with: str | None) -> str | None:
        """Charge ``customer``'s saved method under the payment-method terms
        named ``pays_with`` from now on (``None``: no terms, no commission);
        returns the name it replaced. The customer's next top-ups and
        autopayments pay that method's commission and earn its cashback; a
        top-up made before keeps the terms it was made under. A name that is
        not one of the business's ``methods`` (as the store keeps them now) is
        refused (:class:`~billkit.errors.CreditError` naming ``pays_with``), and
        nothing changes. This is how customers are moved off a method before
        :meth:`change_settings` removes it. The payer's data records this
        ``business`` as the customer's (as :meth:`add_customer` does; a customer
        added before billkit recorded it counts for every business until then).
        """
        # Under the settings' lock too: a change_settings() removing the method
        # waits for this change, and then sees the customer paying with it.
        lock = [f"account:{customer}", f"account:{self._settings_id}"]
        with self.store.transaction(lock=lock) as tx:
            self._kept_method(tx, pays_with)
            payer = tx.payer(customer)
            before = payer.data.get("pays_with")
            mine = {"pays_with": pays_with, "business": self.business}
            if any(payer.data.get(k, _UNSET) != v for k, v in mine.items()):
                tx.save_payer(attrs.evolve(payer, data={**payer.data, **mine}))
        return None if before is None else str(before)

    def _kept_method(self, tx: Transaction, pays_with: str | None) -> None:
        """Refuse ``pays_with`` unless it names one of the methods the store keeps
        now (this ``Billing``'s when it keeps none): another process may have
        changed them since this one read them."""
        if pays_with is None:
            return
        kept = self._kept_settings(tx)
        methods = _kept_value("methods", kept["methods"]) if "methods" in kept else self.methods
        assert isinstance(methods, Mapping)
        if pays_with not in methods:
            raise CreditError(
                "pays_with", pays_with, f"a payment method of the business {sorted(methods)}"
            )

    def subscribe(self, id: str, customer: str, plan: str, *, on: date | None = None) -> None:
        """Subscribe ``customer`` to ``plan`` from ``on`` (today by default), as ``id``.

        Under an :attr:`overdue` ladder, a customer's account in an overdue
        state holds the new subscription too, from now: it enters today the
        state the account's other subscriptions (not cancelled) are in, the
        highest when they differ (:meth:`_enter_state`: told, frozen when the
        state stops the service); a state the account passed since the last
        run is applied by the next, as to the others.
        """
        today = self.clock.today()
        start = on or today
        chosen = self._plan(plan)
        sub = Subscribed(id=id, plans=[PlanFrom(on=start, plan=chosen)])
        first = sub.plans[0].plan.cycle.period(start, 0)
        with self.store.transaction(lock=[f"account:{customer}"]) as tx:
            payer = tx.payer(customer)
            listed = list(payer.data.get("subscriptions") or [])
            tx.save_payer(attrs.evolve(payer, data={**payer.data, "subscriptions": [*listed, id]}))
            tx.add_subscription(
                SubscriptionRecord(
                    id=id,
                    customer=customer,
                    plan=plan,
                    status="active",
                    next_billing=first.end,
                    data={"plans": [[start.isoformat(), plan]], "ends": None, "attempts": 0},
                )
            )
            if self.overdue is not None and listed:  # one more read: the account's others
                rank = {s.name: i for i, s in enumerate(self.overdue.states)}
                held = [
                    rank[str(r.data["overdue_state"])]
                    for r in tx.subscriptions_of(str(i) for i in listed).values()
                    if r.status != "cancelled" and str(r.data.get("overdue_state")) in rank
                ]
                if held:
                    self._enter_state(tx, id, self.overdue.states[max(held)], today)

    def record_usage(
        self,
        subscription: str,
        metric: str,
        quantity: Decimal | int | str,
        *,
        key: str,
        at: datetime | None = None,
    ) -> bool:
        """Record usage once per ``key``; ``False`` if that key was already recorded.

        When the usage of the billing period reaches 90 % and then 100 % of
        what the subscription's plan includes for ``metric``, a
        ``usage.threshold`` notification is queued (once per level and
        period), in the transaction that records the event.
        """
        event = UsageRecord(
            subscription=subscription,
            metric=metric,
            at=at or self.clock.now(),
            quantity=Decimal(quantity),
            key=key,
        )
        with self.store.transaction() as tx:
            new = tx.add_usage([event]) == 1
            if new:
                self._usage_alerts(tx, subscription, metric, event.at)
            return new

    def _usage_alerts(self, tx: Transaction, sub_id: str, metric: str, at: datetime) -> None:
        record = tx.subscription(sub_id)
        sub = self._subscribed(record, tx)
        day = at.astimezone(_UTC).date()
        if day < sub.starts or (sub.ends is not None and day >= sub.ends):
            return
        period = sub.period_on(day)
        plan = sub.plan_on(period.start)
        included = [
            c
            for c in plan.charges
            if isinstance(c, Charge) and c.metric == metric and c.included > 0
        ]
        if not included:
            return
        used = tx.usage_totals(sub_id, _midnight(period.start), _midnight(period.end)).get(
            metric, Decimal(0)
        )
        payer: Mapping[str, object] | None = None
        for charge in included:
            for level, label in ((Decimal("0.9"), "90%"), (Decimal(1), "100%")):
                if used < level * charge.included:
                    continue
                key = f"usage.threshold|{sub_id}|{period.start}|{charge.code}|{label}"
                if tx.recall(f"told|{key}", {}) is not None:
                    continue
                payer = payer or tx.payer(record.customer).data
                self._notify(
                    tx,
                    key,
                    "usage.threshold",
                    record.customer,
                    payer,
                    {
                        "subscription": sub_id,
                        "metric": metric,
                        "metric_name": charge.description,  # the plan's name of it ("" if none)
                        "metric_names": dict(charge.names),  # per locale (Charge.names)
                        "level": label,
                        "included": str(charge.included),
                        "period": str(period),
                    },
                    self.clock.now(),
                )
                tx.remember(f"told|{key}", {}, {"used": str(used)}, at=self.clock.now())

    def top_up(
        self,
        customer: str,
        amount: Money,
        *,
        key: str,
        via: str | None = None,
        tariff: Money | None = None,
    ) -> PaymentResult:
        """Credit ``amount`` to the customer's balance, paid with the saved method, once per ``key``.

        ``via`` names one of the business's payment ``methods`` (default:
        the customer's ``pays_with``): the payer is charged what
        :meth:`billkit.credit.PaymentMethod.quote` says, commission included,
        and earns that method's cashback. The business's ``bonus`` program
        adds its bonus, counted in months of ``tariff`` (default: the fixed
        fees of the customer's subscriptions today). The payment, the bonus
        and the cashback are posted together with the record of the
        payment, by :func:`billkit.credit.receive_payment`; a payment the
        provider settles later (a bank transfer) is booked when its
        webhook arrives. The same ``key`` again replays the first answer
        and books nothing twice; with another amount it is refused
        (:class:`~billkit.errors.IdempotencyConflictError`).

        The terms are those in force when the top-up is first asked: the
        method (commission, limits, cashback) and the bonus program are
        kept with it before the provider is asked, and the payment is
        booked under them, however late it settles and whatever
        :meth:`change_settings` changed meanwhile (the customer pays and
        gets what was quoted). A top-up refused by the method's limits
        keeps nothing: asked again with its key, it is checked under the
        terms then in force.
        """
        return self._top_up(customer, amount, key=key, via=via, tariff=tariff)

    def _top_up(
        self,
        customer: str,
        amount: Money,
        *,
        key: str,
        via: str | None = None,
        tariff: Money | None = None,
        autopay: bool = False,
    ) -> PaymentResult:
        request_key = f"topup|{customer}|{key}"
        quoted_key = f"{_QUOTED}|{customer}|{key}"
        now = self.clock.now()
        # Under the account's lock, the terms the top-up was first asked under are
        # read back; asked for the first time, the terms in force now are checked
        # (the limits refuse before anything is kept or called) and kept with it,
        # in this one transaction: it is booked under them, however long its
        # payment takes to settle and whatever changes meanwhile.
        with self.store.transaction(lock=[f"account:{customer}"]) as tx:
            payer = tx.payer(customer)
            name = via if via is not None else payer.data.get("pays_with")
            if tariff is None and self.bonus is not None:
                tariff = self._tariff(tx, payer.data)
            ask: dict[str, object] = {
                "amount": str(amount.amount),
                "currency": amount.currency.code,
                "via": name,
                "tariff": None if tariff is None else str(tariff.amount),
            }
            if autopay:
                ask["autopay"] = True
            done = tx.recall(request_key, ask)
            if done is None:
                kept = tx.recall(quoted_key, ask)
                terms, program = (
                    (self._terms(name), self.bonus) if kept is None else _quoted_terms(kept)
                )
                _, quote = self._top_up_entries(customer, key, ask, "", now, terms, program)
                if kept is None:
                    quoted = {
                        "method": None if terms is None else to_data(terms),
                        "bonus": None if program is None else to_data(program),
                    }
                    tx.remember(quoted_key, ask, quoted, at=now)
        if done is not None:
            return self.gateway.get_payment(str(done["reference"]))
        token = payer.data.get("method")
        request = PaymentRequest(
            amount=quote.gross if quote is not None else amount,
            customer=customer,
            method=SavedMethod(token=token) if token else None,
            description=f"top-up {key}",
            metadata={"purpose": "top_up", "key": key},
        )
        result = self.gateway.create_payment(request, request_key)
        if result.status is PaymentStatus.SUCCEEDED:
            self._book_top_up(customer, key, ask, result, (terms, program))
        elif result.status is not PaymentStatus.FAILED and result.reference:
            with self.store.transaction(lock=[f"account:{customer}"]) as tx:
                ref_key = f"payment|{result.reference}"
                if tx.recall(ref_key, {}) is None:
                    found = {"top_up": customer, "key": key, "ask": ask}
                    tx.remember(ref_key, {}, found, at=self.clock.now())
        return result

    def _tariff(self, tx: Transaction, payer: Mapping[str, object]) -> Money | None:
        """The fixed fees of the customer's subscriptions in force today (None: none)."""
        total: Money | None = None
        today = self.clock.today()
        listed = payer.get("subscriptions") or []
        assert isinstance(listed, list)
        for sub_id in listed:
            record = tx.subscription(str(sub_id))
            if record.status in ("cancelled", "frozen"):
                continue
            fee = fixed_fee(self._subscribed(record, tx).plan_on(today))
            total = fee if total is None else total + fee
        return total

    def _top_up_entries(
        self,
        customer: str,
        key: str,
        ask: Mapping[str, object],
        reference: str,
        at: datetime,
        terms: PaymentMethod | None,
        program: BonusProgram | None,
    ) -> tuple[list[EntryRecord], PaymentQuote | None]:
        """The store entries of a top-up (payment, bonus, cashback) and the quote
        of ``terms`` (the method's), under the bonus ``program``."""
        amount = Money(str(ask["amount"]), str(ask["currency"]))
        tariff = None if ask.get("tariff") is None else Money(str(ask["tariff"]), amount.currency)
        quote = terms.quote(amount) if terms is not None else None
        book = Ledger(wallets=[Wallet(name="main", currency=amount.currency)])
        book = receive_payment(
            book,
            "main",
            amount,
            at=at,
            key=f"topup|{key}",
            reference=reference,
            method=terms,
            program=program,
            tariff=tariff,
        )
        records = []
        for entry in book.entries:
            data: dict[str, object] = {"reference": reference}
            if entry.kind is EntryKind.TOP_UP:
                kind = "payment"
                if quote is not None:
                    data.update(gross=str(quote.gross.amount), fee=str(quote.fee.amount))
            else:
                kind = entry.kind.value
                data.update(
                    source=entry.source, credit_kind=str(getattr(entry.credit_kind, "value", ""))
                )
                if entry.expires_at is not None:
                    data["expires_at"] = entry.expires_at.isoformat()
            if terms is not None:
                data["method"] = terms.name
            if ask.get("autopay") and entry.kind is EntryKind.TOP_UP:
                data["autopay"] = True
            records.append(
                EntryRecord(
                    account=f"{customer}/main",
                    key=entry.key,
                    amount=entry.amount,
                    at=entry.at,
                    kind=kind,
                    data=data,
                )
            )
        return records, quote

    def _book_top_up(
        self,
        customer: str,
        key: str,
        ask: Mapping[str, object],
        result: PaymentResult,
        quoted: tuple[PaymentMethod | None, BonusProgram | None] | None = None,
    ) -> bool:
        """Post a succeeded top-up's entries with the record of its payment (once),
        under the terms it was made under: ``quoted``, else those kept when it
        was made (a top-up made before they were kept:
        the terms in force now)."""
        request_key = f"topup|{customer}|{key}"
        now = self.clock.now()
        with self.store.transaction(lock=[f"account:{customer}"]) as tx:
            if tx.recall(request_key, ask) is not None:
                return False
            if quoted is None:
                kept = tx.recall(f"{_QUOTED}|{customer}|{key}", ask)
                quoted = (
                    (self._terms(ask.get("via")), self.bonus)
                    if kept is None
                    else _quoted_terms(kept)
                )
            terms, program = quoted
            entries, _ = self._top_up_entries(
                customer, key, ask, result.reference, now, terms, program
            )
            tx.post_all(entries)
            tx.remember(request_key, ask, {"reference": result.reference}, at=now)
            self._notify(
                tx,
                f"payment.received|{request_key}",
                "payment.received",
                customer,
                tx.payer(customer).data,
                {
                    "document": f"top-up {key}",
                    "total": str(result.amount.amount),
                    "credited": str(sum(e.amount.amount for e in entries)),
                    "currency": result.amount.currency.code,
                },
                now,
            )
        return True

    def _terms(self, name: object) -> PaymentMethod | None:
        if name is None:
            return None
        if name not in self.methods:
            raise CreditError(
                "via", name, f"a payment method of the business {sorted(self.methods)}"
            )
        return self.methods[str(name)]

    def change_plan(self, subscription: str, plan: str) -> date:
        """Move ``subscription`` to ``plan``; returns the day the change takes effect.

        An upgrade (the new plan bills more per cycle:
        :func:`billkit.pricing.proration.change_direction`) takes effect
        today: the running cycle ends today and is billed at once, pro rata
        (the old plan's fixed fee less the credit
        :func:`billkit.pricing.change_plan` gives for the unused days, and
        the usage so far), and the cycles restart today on the new plan. A
        downgrade or a plan of the same fee takes effect when the running
        cycle ends (the subscription is ``downgrading`` until then). Asking
        for the plan already in force drops a scheduled change.
        """
        with self.store.transaction() as tx:
            chosen = self._plan(plan, tx)
            record = tx.subscription(subscription)
            current = self._subscribed(record, tx)
            if chosen.cycle != current.plans[0].plan.cycle:
                raise SubscriptionError(
                    "plan", plan, f"a plan billed {current.plans[0].plan.cycle}"
                )
            if record.status in ("cancelled", "frozen"):
                raise SubscriptionError("status", record.status, "an active subscription")
            held = record.data.get("overdue_state")
            if held is not None and self.overdue is not None:
                rung = next((s for s in self.overdue.states if s.name == held), None)
                if rung is not None and rung.blocks_changes:
                    raise SubscriptionError(
                        "overdue_state", held, "a state that does not block plan changes"
                    )
            today = self.clock.today()
            period = current.period_on(max(today, current.starts))
            in_force = current.plan_on(today)
            status = record.status
            next_billing = record.next_billing
            bill_now = False
            if chosen.code == in_force.code:
                on = today  # already on it (or a retry): a scheduled change is dropped
                status = "active" if status == "downgrading" else status
                kept = [p for p in record.data["plans"] if date.fromisoformat(p[0]) <= today]
                kept = kept or list(record.data["plans"][:1])
                bill_now = next_billing is not None and next_billing <= today
            else:
                if change_direction(in_force, chosen) is ChangeDirection.UPGRADE:
                    on = max(today, current.starts)
                    if period.start < on and next_billing is not None:
                        next_billing = min(next_billing, on)  # the cut-short cycle is due
                        bill_now = True
                else:
                    on = period.end
                    status = "downgrading" if status == "active" else status
                kept = [p for p in record.data["plans"] if date.fromisoformat(p[0]) < on]
                kept.append([on.isoformat(), plan])
            data = {**record.data, "plans": kept}
            tx.update_subscription(
                attrs.evolve(record, data=data, status=status, next_billing=next_billing)
            )
            customer = record.customer
        if bill_now:
            lock = [f"account:{customer}", *(f"series:{s}" for s in self.series.values())]
            with self.store.transaction(lock=lock) as tx:
                documents = tx.documents(customer=customer)
                now = self.clock.now()
                writes = _Writes()
                self._bill(
                    tx, customer, [subscription], today, now, None, {}, documents, {}, writes
                )
                writes.flush(tx, now)
        return on

    def cancel(self, subscription: str) -> date:
        """Cancel at the end of the current billing cycle; returns the last day billed + 1."""
        with self.store.transaction() as tx:
            record = tx.subscription(subscription)
            current = self._subscribed(record, tx)
            ends = current.period_on(max(self.clock.today(), current.starts)).end
            data = {**record.data, "ends": ends.isoformat()}
            if record.status in ("frozen", "cancelled"):
                # Frozen (dunning: cancelled at the cycle end anyway) or already over.
                tx.update_subscription(attrs.evolve(record, data=data))
                return ends
            tx.update_subscription(attrs.evolve(record, status="cancelling", data=data))
        return ends
