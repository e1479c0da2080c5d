"""The notifiers: in memory, SMTP and signed webhooks.

>>> from datetime import datetime, timezone
>>> from billkit.storage import OutboxMessage
>>> message = OutboxMessage(id=1, key="invoice.issued|inv-1", topic="invoice.issued",
...     payload={"customer": "acme", "email": "billing@acme.test", "number": "INV-000001",
...              "total": "30.50", "currency": "EUR"},
...     created_at=datetime(2026, 4, 1, tzinfo=timezone.utc))
>>> inbox = MemoryNotifier()
>>> inbox.deliver(message); inbox.deliver(message)   # at least once: the key keeps one
>>> [m.key for m in inbox.messages]
['invoice.issued|inv-1']
>>> subject, text, html = compose(message, language="ru")
>>> subject
'Выставлен счёт INV-000001'
"""

from __future__ import annotations

import html
import json
import smtplib
import urllib.request
from collections.abc import Mapping
from email.message import EmailMessage

from billkit.errors import BillingError, GatewayError
from billkit.payments.webhooks import sign
from billkit.ports import CHANNELS, Clock, Notifier
from billkit.storage.records import OutboxMessage

__all__ = [
    "Channels",
    "MemoryNotifier",
    "SmtpNotifier",
    "WebhookNotifier",
    "compose",
]


# Subject and first line per topic and language; {fields} come from the payload.
_TEXTS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "en": {
        "invoice.issued": ("Invoice {number} issued", "Invoice {number}: {total} {currency}."),
        "credit_note.issued": (
            "Credit note {number} issued",
            "Credit note {number}: {total} {currency}.",
        ),
        "payment.received": ("Payment received", "Thank you: we received {total} for {document}."),
        "invoice.charged_to_credit": (
            "Charged to your credit line",
            "{document} ({total}) is charged to your credit line: it is due with your statement.",
        ),
        "payment.failed": (
            "Payment failed",
            "We could not collect {document} (attempt {attempt}).",
        ),
        "payment.overdue": (
            "Payment overdue",
            "{document} ({total} {currency}) is overdue since {overdue_on}: please pay it.",
        ),
        "payment.reminder": (
            "Payment reminder",
            "{document} ({total} {currency}) is still unpaid since {overdue_on}: please pay it.",
        ),
        "subscription.frozen": (
            "Subscription frozen",
            "Subscription {subscription} is frozen until paid.",
        ),
        "subscription.unfrozen": (
            "Subscription active again",
            "Thank you: subscription {subscription} is no longer frozen.",
        ),
        "subscription.marked_for_deletion": (
            "Subscription data to be deleted",
            "Subscription {subscription} was cancelled unpaid; its data is marked for deletion "
            "from {on}.",
        ),
        "subscription.cancelled": (
            "Subscription cancelled",
            "Subscription {subscription} ended on {ends}.",
        ),
        "usage.threshold": (
            "{level} of your {metric} used",
            "{subscription} has used {level} of the {included} {metric} included ({period}).",
        ),
        "autopay.capped": (
            "Autopayment limit reached",
            "{document} ({total} {currency}) is above this month's autopayment limit "
            "of {cap} {currency}: please pay it.",
        ),
        "statement.issued": (
            "Statement {statement} issued",
            "Statement {statement}: {total} {currency}, due on {due_on}.",
        ),
        "credit.notice": (
            "Statement {statement}: {notice}",
            "{total} {currency} to pay, due on {due_on}; blocked from {blocked_from}.",
        ),
        "credit.blocked": (
            "Credit limit blocked",
            "Your credit limit is blocked: {overdue} {currency} overdue.",
        ),
        "credit.unblocked": ("Credit limit unblocked", "Your credit limit works again."),
        "renewal.failed": (
            "Renewal of {service} failed",
            "We could not renew {service} (term ends {term_ends}): {reason}.",
        ),
        "service.renewed": ("{service} renewed", "{service} is renewed."),
        "service.expired": (
            "{service} stopped",
            "{service} stopped: its term ended on {term_ends}.",
        ),
        "balance.low": (
            "Your balance is running low",
            "{balance} {currency} left after {document}: the next one is about {expected}.",
        ),
    },
    "ru": {
        "invoice.issued": ("Выставлен счёт {number}", "Счёт {number}: {total} {currency}."),
        "credit_note.issued": (
            "Корректировочный документ {number}",
            "Документ {number}: {total} {currency}.",
        ),
        "payment.received": ("Оплата получена", "Спасибо: получено {total} по {document}."),
        "invoice.charged_to_credit": (
            "Списано в счёт кредитной линии",
            "{document} ({total}) оплачен в кредит: к оплате по счёту за период.",
        ),
        "payment.failed": (
            "Оплата не прошла",
            "Не удалось списать оплату по {document} (попытка {attempt}).",
        ),
        "payment.overdue": (
            "Оплата просрочена",
            "{document} ({total} {currency}) не оплачен с {overdue_on}: оплатите его.",
        ),
        "payment.reminder": (
            "Напоминание об оплате",
            "{document} ({total} {currency}) всё ещё не оплачен с {overdue_on}: оплатите его.",
        ),
        "subscription.frozen": (
            "Подписка заморожена",
            "Подписка {subscription} заморожена до оплаты.",
        ),
        "subscription.unfrozen": (
            "Подписка снова активна",
            "Спасибо: подписка {subscription} больше не заморожена.",
        ),
        "subscription.marked_for_deletion": (
            "Данные подписки будут удалены",
            "Подписка {subscription} отменена без оплаты; её данные помечены к удалению с {on}.",
        ),
        "subscription.cancelled": (
            "Подписка отменена",
            "Подписка {subscription} завершена {ends}.",
        ),
        "usage.threshold": (
            "Использовано {level} лимита {metric}",
            "{subscription}: использовано {level} из {included} {metric} ({period}).",
        ),
        "autopay.capped": (
            "Достигнут лимит автоплатежей",
            "Счёт {document} ({total} {currency}) превышает месячный лимит автоплатежей "
            "{cap} {currency}: оплатите его.",
        ),
        "statement.issued": (
            "Выставлен счёт по кредиту {statement}",
            "Счёт {statement}: {total} {currency}, оплатить до {due_on}.",
        ),
        "credit.notice": (
            "Счёт по кредиту {statement}",
            "К оплате {total} {currency} до {due_on}; блокировка с {blocked_from}.",
        ),
        "credit.blocked": (
            "Кредитный лимит заблокирован",
            "Кредитный лимит заблокирован: просрочено {overdue} {currency}.",
        ),
        "credit.unblocked": ("Кредитный лимит разблокирован", "Кредитный лимит снова доступен."),
        "renewal.failed": (
            "Не удалось продлить {service}",
            "Не удалось продлить {service} (срок до {term_ends}): {reason}.",
        ),
        "service.renewed": ("{service} продлена", "Услуга {service} продлена."),
        "service.expired": (
            "{service} остановлена",
            "Услуга {service} остановлена: срок закончился {term_ends}.",
        ),
        "balance.low": (
            "Баланс заканчивается",
            "После оплаты {document} осталось {balance} {currency}; следующий счёт около {expected}.",
        ),
    },
}


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


# A credit line's notices by name (billkit.credit.CreditNoticeKind), as people say them.
_NOTICES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "issued": "statement issued",
        "due_soon": "payment due soon",
        "overdue": "payment overdue",
        "blocking_soon": "purchases on credit stop soon",
        "blocked": "purchases on credit stopped",
    },
    "ru": {
        "issued": "счёт выставлен",
        "due_soon": "скоро срок оплаты",
        "overdue": "оплата просрочена",
        "blocking_soon": "скоро покупки в кредит будут остановлены",
        "blocked": "покупки в кредит остановлены",
    },
}


def compose(message: OutboxMessage, *, language: str = "en") -> tuple[str, str, str]:
    """``(subject, plain text, HTML)`` of ``message`` in ``language`` (English if unknown).

    A credit line's notice is named as people say it:

    >>> from datetime import datetime, timezone
    >>> from billkit.storage import OutboxMessage
    >>> compose(OutboxMessage(id=1, key="k", topic="credit.notice",
    ...     payload={"statement": "2026-04", "notice": "due_soon"},
    ...     created_at=datetime(2026, 5, 1, tzinfo=timezone.utc)))[0]
    'Statement 2026-04: payment due soon'
    """
    texts = _TEXTS.get(language, _TEXTS["en"])
    topic = message.topic
    if topic == "payment.received" and message.payload.get("on_credit"):
        # A message kept from before the topic existed: a purchase on credit filed as a payment.
        topic = "invoice.charged_to_credit"
    subject, line = texts.get(topic, (message.topic, "{customer}: " + message.topic))
    fields = _Fields({k: str(v) for k, v in message.payload.items()})
    if "notice" in fields:
        names = _NOTICES.get(language, _NOTICES["en"])
        fields["notice"] = names.get(fields["notice"], fields["notice"])
    subject, line = subject.format_map(fields), line.format_map(fields)
    page = f"<html><body><h1>{html.escape(subject)}</h1><p>{html.escape(line)}</p></body></html>"
    return subject, line + "\n", page


class Channels:
    """A notifier that hands each message to the notifier of its channel.

    The engine puts one outbox message per channel a customer chose for
    the message's category, with the channel in ``payload["channel"]``;
    ``routes`` maps a channel to the notifier that sends it. A message for
    a channel without a route is dropped (the app sends that channel no
    other way).

    >>> from datetime import datetime, timezone
    >>> from billkit.storage import OutboxMessage
    >>> email, hooks = MemoryNotifier(), MemoryNotifier()
    >>> router = Channels({"email": email, "webhook": hooks})
    >>> router.deliver(OutboxMessage(id=1, key="invoice.issued|inv-1|webhook",
    ...     topic="invoice.issued", payload={"customer": "acme", "channel": "webhook"},
    ...     created_at=datetime(2026, 4, 1, tzinfo=timezone.utc)))
    >>> [m.key for m in hooks.messages], email.messages
    (['invoice.issued|inv-1|webhook'], [])
    """

    def __init__(self, routes: Mapping[str, Notifier]) -> None:
        for channel in routes:
            if channel not in CHANNELS:
                raise BillingError("routes", channel, f"one of the channels {list(CHANNELS)}")
        self.routes = dict(routes)

    def deliver(self, message: OutboxMessage) -> None:
        """Hand ``message`` to its channel's notifier (email when it names none)."""
        notifier = self.routes.get(str(message.payload.get("channel", "email")))
        if notifier is not None:
            notifier.deliver(message)


class MemoryNotifier:
    """Keeps every message delivered, each de-duplication key once (tests, notebooks)."""

    def __init__(self) -> None:
        self.messages: list[OutboxMessage] = []
        self._keys: set[str] = set()

    def deliver(self, message: OutboxMessage) -> None:
        """Keep ``message`` unless its key was delivered before."""
        if message.key not in self._keys:
            self._keys.add(message.key)
            self.messages.append(message)


class SmtpNotifier:
    """E-mail through ``smtplib``: to the payload's ``email``, plain text and HTML.

    ``host``/``port`` is the SMTP server, ``sender`` the From address,
    ``language`` the language of the texts (per customer, give
    ``languages``: customer id to language). Messages without an address are
    skipped. The ``Message-ID`` is derived from the de-duplication key, so a
    mail server or client can drop a repeat.
    """

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        sender: str,
        language: str = "en",
        languages: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.language = language
        self.languages = dict(languages or {})
        self.timeout = timeout

    def deliver(self, message: OutboxMessage) -> None:
        """Send ``message`` as one e-mail."""
        to = str(message.payload.get("email") or "")
        if not to:
            return
        customer = str(message.payload.get("customer", ""))
        subject, text, page = compose(message, language=self.languages.get(customer, self.language))
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, to, subject
        mail["Message-ID"] = f"<{message.key.replace('|', '.')}@billkit>"
        mail.set_content(text)
        mail.add_alternative(page, subtype="html")
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(mail)


class WebhookNotifier:
    """POSTs each message as JSON to ``url``, signed with ``secret`` (Standard Webhooks).

    The ``webhook-id`` header is the message's key, so the receiver drops a
    repeat; a non-2xx answer raises :class:`~billkit.errors.GatewayError` and
    the message stays in the outbox for the next delivery.
    """

    def __init__(self, url: str, secret: str, *, clock: Clock, timeout: float = 10.0) -> None:
        self.url, self.secret, self.clock, self.timeout = url, secret, clock, timeout

    def deliver(self, message: OutboxMessage) -> None:
        """Send ``message``; raises if the receiver does not accept it."""
        body = json.dumps(
            {"type": message.topic, "key": message.key, "data": dict(message.payload)},
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
        msg_id = "msg_" + message.key.replace("|", "_").replace(".", "_").replace(" ", "_")
        headers = {
            "content-type": "application/json",
            **sign(self.secret, msg_id, self.clock.now(), body),
        }
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                status = int(answer.status)
        except OSError as error:
            raise GatewayError("webhook", "unreachable", f"{self.url}: {error}") from error
        if not 200 <= status < 300:
            raise GatewayError("webhook", str(status), f"{self.url} answered {status}")
