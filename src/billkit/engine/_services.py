"""Hosted services: ``add_service`` and their auto-renewal from the balance or a saved
method. One layer of :class:`billkit.engine.Billing` (users import from
:mod:`billkit.engine`; the modules are listed in docs/architecture.md).
"""

from __future__ import annotations

from datetime import date

import attrs

from billkit import _checks as checks
from billkit.engine._credit_lines import _CreditLines
from billkit.errors import BillkitError, NotFoundError, SubscriptionError
from billkit.payments.types import PaymentRequest, PaymentResult, PaymentStatus, SavedMethod
from billkit.serialize import from_data, to_data
from billkit.storage.records import EntryRecord, PayerRecord
from billkit.subscriptions.actions import ActionKind
from billkit.subscriptions.renewals import SavedMethod as RenewalMethod
from billkit.subscriptions.renewals import renewal_day, renewal_result
from billkit.subscriptions.services import BALANCE, Service

#: The payer record that lists the customers with hosted services.
_SERVICE_BOOK = "_services"


_SERVICE_TOPICS = {
    "renewal_failed": "renewal.failed",
    "service_renewed": "service.renewed",
    "service_expired": "service.expired",
}


class _Services(_CreditLines):
    """Hosted services and renewals: a layer of :class:`~billkit.engine.Billing`."""

    def add_service(self, customer: str, service: Service, *, token: str | None = None) -> None:
        """Keep a hosted ``service`` of ``customer`` renewed automatically by :meth:`run`.

        ``service`` (:class:`~billkit.subscriptions.services.Service`) says
        its price per term, when it expires and where it renews from: the
        account balance, or a saved method (``pay_from`` its id; ``token``
        the gateway's token for it). Each run asks
        :func:`billkit.subscriptions.renewals.renewal_day` what to do: from
        one day before expiry (60 for domains and SSL certificates) the
        method is charged, or the balance debited; a failed charge makes the
        method "not working", tells the customer (``renewal.failed``) and is
        tried again once the method works (a later successful payment). An
        unrenewed service stops on its expiry day and starts again when
        renewed. Adding a service again replaces it.
        """
        service = checks.instance("service", service, Service, error=SubscriptionError)
        with self.store.transaction(lock=[f"account:{customer}"]) as tx:
            payer = tx.payer(customer)
            data = dict(payer.data)
            data["services"] = {**(payer.data.get("services") or {}), service.id: to_data(service)}
            if service.pay_from not in (None, BALANCE) and token is not None:
                methods = dict(payer.data.get("saved_methods") or {})
                kept = methods.get(service.pay_from)
                method = (
                    kept["method"]
                    if kept and kept["token"] == token
                    else to_data(RenewalMethod(id=str(service.pay_from)))  # a new card: enabled
                )
                methods[str(service.pay_from)] = {"token": token, "method": method}
                data["saved_methods"] = methods
            tx.save_payer(attrs.evolve(payer, data=data))
        with self.store.transaction(lock=[f"payer:{_SERVICE_BOOK}"]) as tx:
            try:
                book = tx.payer(_SERVICE_BOOK)
            except NotFoundError:
                book = PayerRecord(id=_SERVICE_BOOK, data={"customers": []})
            listed = list(book.data["customers"])
            if customer not in listed:
                tx.save_payer(attrs.evolve(book, data={"customers": sorted([*listed, customer])}))

    def _renewals(self, day: date, failures: list[tuple[str, str]]) -> None:
        """Renew every hosted service due on ``day`` (see :meth:`add_service`)."""
        with self.store.transaction(readonly=True) as tx:
            try:
                customers = list(tx.payer(_SERVICE_BOOK).data["customers"])
            except NotFoundError:
                return
        for customer in customers:
            with self.store.transaction(readonly=True) as tx:
                services = sorted(tx.payer(customer).data.get("services") or {})
            for sid in services:
                try:
                    self._renew(customer, sid, day)
                except BillkitError as error:
                    failures.append((f"{customer}/{sid}", f"{type(error).__name__}: {error}"))

    def _renew(self, customer: str, sid: str, day: date) -> None:
        """One day of one service's auto-renewal: decide, charge (outside), record (once)."""
        with self.store.transaction(readonly=True) as tx:
            payer = tx.payer(customer).data
            account = tx.account(f"{customer}/main")
        service: Service = from_data(payer["services"][sid])
        saved = (payer.get("saved_methods") or {}).get(str(service.pay_from))
        method: RenewalMethod | None = from_data(saved["method"]) if saved else None
        available = account.balance
        if payer.get("credit_line") is not None:
            available = account.balance + account.credit_limit
        out = renewal_day(
            service,
            day,
            method=method,
            balance=available,
            balance_blocked=bool(payer.get("credit_blocked")),
        )
        term = str(service.expires_on)
        attempts = int((payer.get("renewal_attempts") or {}).get(f"{sid}|{term}", 0))
        key = f"renew|{customer}|{sid}|{term}|{attempts}"
        charge = next((a for a in out.actions if a.kind is ActionKind.CHARGE), None)
        result: PaymentResult | None = None
        if charge is not None:
            assert saved is not None
            assert charge.amount is not None
            request = PaymentRequest(
                amount=charge.amount,
                customer=customer,
                method=SavedMethod(token=str(saved["token"])),
                description=f"renewal of {sid} (term ends {term})",
                metadata={"purpose": "renewal", "service": sid},
            )
            result = self.gateway.create_payment(request, key)
            if result.status not in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED):
                return  # settles later: the same key asks again tomorrow (replayed, not recharged)
        now = self.clock.now()
        with self.store.transaction(lock=[f"account:{customer}"]) as tx:
            record = tx.payer(customer)
            if tx.recall(f"renewed|{key}|{day}", {}) is not None:
                return  # this day of this service is recorded already
            if from_data(record.data["services"][sid]) != service:
                return  # changed meanwhile (another run): tomorrow decides again
            outcome = out
            attempts_after = attempts
            debit = next((a for a in out.actions if a.kind is ActionKind.DEBIT_BALANCE), None)
            if result is not None:
                paid = result.status is PaymentStatus.SUCCEEDED
                reason = result.failure.code if result.failure is not None else ""
                outcome = renewal_result(
                    out.service, day, paid=paid, method=out.method, reason=reason
                )
                outcome = attrs.evolve(outcome, actions=(*out.actions, *outcome.actions))
                if paid:
                    tx.post(
                        EntryRecord(
                            account=f"{customer}/main",
                            key=key,
                            amount=result.amount,
                            at=now,
                            kind="payment",
                            data={"reference": result.reference, "service": sid},
                        )
                    )
                    debit = charge
                else:
                    attempts_after += 1
            elif debit is not None:
                outcome = renewal_result(out.service, day, paid=True)
                outcome = attrs.evolve(outcome, actions=(*out.actions, *outcome.actions))
            if debit is not None and debit.amount is not None:
                tx.post(
                    EntryRecord(
                        account=f"{customer}/main",
                        key=f"service|{sid}|{term}",
                        amount=-debit.amount,
                        at=now,
                        kind="charge",
                        data={"service": sid, "term_ends": term},
                    )
                )
            data = dict(record.data)
            data["services"] = {**data["services"], sid: to_data(outcome.service)}
            if outcome.method is not None and saved is not None:
                methods = dict(data.get("saved_methods") or {})
                methods[outcome.method.id] = {**saved, "method": to_data(outcome.method)}
                data["saved_methods"] = methods
            if attempts_after != attempts:
                data["renewal_attempts"] = {
                    **(data.get("renewal_attempts") or {}),
                    f"{sid}|{term}": attempts_after,
                }
            tx.save_payer(attrs.evolve(record, data=data))
            for action in outcome.actions:
                if action.kind is not ActionKind.NOTIFY or action.notice is None:
                    continue
                topic = _SERVICE_TOPICS.get(action.notice.value, f"service.{action.notice.value}")
                self._notify(
                    tx,
                    f"{topic}|{customer}|{sid}|{term}|{day}",
                    topic,
                    customer,
                    data,
                    {"service": sid, "term_ends": term, "reason": action.reason},
                    now,
                )
            tx.remember(f"renewed|{key}|{day}", {}, {"service": sid}, at=now)
