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
from datetime import date
from decimal import Decimal
from email.message import EmailMessage

from billkit.errors import BillingError, GatewayError
from billkit.notify import _texts
from billkit.payments.webhooks import sign
from billkit.periods import Period
from billkit.ports import CHANNELS, Clock, Notifier
from billkit.storage.records import OutboxMessage

__all__ = [
    "Channels",
    "MemoryNotifier",
    "SmtpNotifier",
    "WebhookNotifier",
    "compose",
]


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def _message_locale(value: object) -> str:
    """``value`` as a locale babel knows, else ``"en"``."""
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(str(value).replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        return "en"


def _fields(payload: Mapping[str, object], locale: str, language: str) -> _Fields:
    """The payload's values as text for ``locale``: amounts, dates, numbers, names."""
    from billkit.invoicing.render.fmt import Formatter

    currency = str(payload.get("currency") or "")
    fmt = Formatter.cached(locale, currency or "XXX", "locale", "locale")
    fields = _Fields()
    for name, value in payload.items():
        text = str(value)
        try:
            if name in _texts.MONEY_FIELDS and currency:
                text = fmt.money(Decimal(text))
            elif name in _texts.MONEY_FIELDS or name in _texts.NUMBER_FIELDS:
                text = fmt.number(Decimal(text))
            elif name in _texts.DATE_FIELDS:
                text = fmt.long_date(date.fromisoformat(text))
            elif name == "level" and text.endswith("%"):
                text = fmt.percent(Decimal(text[:-1]).scaleb(-2))
            elif name == "statement":
                text = fmt.digits(text)  # a statement's number: Persian digits in Persian
            elif name == "period" and ".." in text:
                start, end = text.split("..")
                text = fmt.period(Period(date.fromisoformat(start), date.fromisoformat(end)))
        except (ArithmeticError, ValueError):
            pass  # not what the field usually holds: shown as it came
        fields[name] = text
    if "notice" in fields:
        names = _texts.NOTICES[language]
        fields["notice"] = names.get(fields["notice"], fields["notice"])
    if "metric" in fields:
        fields["metric"] = _texts.metric_name(
            fields["metric"], payload.get("metric_names"), fields.get("metric_name"), locale
        )
    if "reason" in fields:
        # a provider's failure code ("card_declined") as the customer reads it; others as they came
        fields["reason"] = _texts.REASONS[language].get(fields["reason"], fields["reason"])
    fields["doc"] = fields.get("number") or fields.get("document") or "?"
    return fields


def compose(message: OutboxMessage, *, language: str | None = None) -> tuple[str, str, str]:
    """``(subject, plain text, HTML)`` of ``message`` in the customer's language.

    ``language`` is a language or locale (``"fa"``, ``"it_IT"``); without
    it, the payload's ``locale`` (the customer's, which the engine puts in
    every message), else English. billkit's five document languages (en,
    ru, uk, it, fa) have every topic's text; another language gets the
    English text. Amounts are written with their currency, dates in full
    and numbers with the locale's digits and separators (Persian digits and
    Solar Hijri dates in Persian), as billkit's documents write them. The
    HTML page carries the language and, for Persian, right-to-left
    direction.

    >>> from datetime import datetime, timezone
    >>> from billkit.storage import OutboxMessage
    >>> message = OutboxMessage(id=1, key="k", topic="payment.overdue",
    ...     payload={"document": "id-1", "number": "AT-000002", "total": "690250000",
    ...              "currency": "IRR", "overdue_on": "2026-03-21", "locale": "fa_IR"},
    ...     created_at=datetime(2026, 3, 25, tzinfo=timezone.utc))
    >>> print(compose(message)[1].replace("\\xa0", " "), end="")  # a no-break space before ریال
    مهلت پرداخت صورتحساب AT-000002 به مبلغ ۶۹۰٬۲۵۰٬۰۰۰ ریال از ۱ فروردین ۱۴۰۵ گذشته است. لطفاً آن را پرداخت کنید.
    >>> print(compose(message, language="it")[1].replace("\\xa0", " "), end="")
    La fattura AT-000002 (690.250.000 IRR) è scaduta dal 21 marzo 2026. La preghiamo di saldarla.

    A usage alert names the metric as people say it, and a failed renewal
    says why in the customer's words (a code billkit does not know is shown
    as it came):

    >>> alert = OutboxMessage(id=1, key="k", topic="usage.threshold",
    ...     payload={"subscription": "s-1", "metric": "emails_sent", "level": "90%",
    ...              "included": "2500", "period": "2026-05-01..2026-06-01", "locale": "uk_UA"},
    ...     created_at=datetime(2026, 5, 20, tzinfo=timezone.utc))
    >>> compose(alert)[0], compose(alert, language="en")[0]
    ('Використано 90% ліміту листів', '90% of your emails used')
    >>> renewal = OutboxMessage(id=1, key="k", topic="renewal.failed",
    ...     payload={"service": "vps-7", "term_ends": "2026-05-05", "reason": "card_declined"},
    ...     created_at=datetime(2026, 5, 5, tzinfo=timezone.utc))
    >>> print(compose(renewal, language="it")[1], end="")
    Non è stato possibile rinnovare vps-7 (scadenza 5 maggio 2026): la carta è stata rifiutata.

    A credit line's notice is named as people say it:

    >>> compose(OutboxMessage(id=1, key="k", topic="credit.notice",
    ...     payload={"statement": "2026-04", "notice": "due_soon"},
    ...     created_at=datetime(2026, 5, 1, tzinfo=timezone.utc)))[0]
    'Statement 2026-04: payment due soon'
    """
    locale = _message_locale(language or message.payload.get("locale") or "en")
    lang = locale.split("_")[0]
    if lang not in _texts.TEXTS:
        locale = lang = "en"
    texts = _texts.TEXTS[lang]
    topic = message.topic
    if topic == "payment.received" and message.payload.get("on_credit"):
        # A message kept from before the topic existed: a purchase on credit filed as a payment.
        topic = "invoice.charged_to_credit"
    subject, template = texts.get(topic, (message.topic, "{customer}: " + message.topic))
    if topic == "payment.received" and "credited" in message.payload:
        subject, template = _texts.TOP_UP[lang]  # a top-up: what reached the balance
    fields = _fields(message.payload, locale, lang)
    for name, value in fields.items():
        if value.endswith("."):  # "5 мая 2026 г." ends a sentence with its own point
            template = template.replace(f"{{{name}}}.", f"{{{name}}}")
    subject, line = subject.format_map(fields), template.format_map(fields)
    marked = _Fields(
        {
            k: f"<strong>{html.escape(v)}</strong>" if k in _texts.MONEY_FIELDS else html.escape(v)
            for k, v in fields.items()
        }
    )
    body = html.escape(template)
    direction = ' dir="rtl"' if lang == "fa" else ""
    page = (
        f'<!DOCTYPE html><html lang="{lang}"{direction}><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head><body><h1>{html.escape(subject)}</h1>"
        f"<p>{body.format_map(marked)}</p></body></html>"
    )
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
    ``languages``: customer id to language; without either, each message's
    customer locale, see :func:`compose`). Messages without an address are
    skipped. The ``Message-ID`` is derived from the de-duplication key, so a
    mail server or client can drop a repeat.
    """

    def __init__(
        self,
        host: str,
        port: int = 25,
        *,
        sender: str,
        language: str | None = None,
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
