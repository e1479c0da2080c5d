"""Every notification topic in billkit's five languages, its figures as the customer's locale writes them."""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone

import pytest

from billkit.engine import Billing
from billkit.notify import MemoryNotifier, compose
from billkit.notify._texts import LANGUAGES, NOTICES, TEXTS, TOP_UP
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import CATEGORIES, FixedClock
from billkit.storage import MemoryStore, OutboxMessage
from tests.engine import support

AT = datetime(2026, 5, 5, 9, tzinfo=timezone.utc)
PERSIAN = str.maketrans("0123456789,.", "۰۱۲۳۴۵۶۷۸۹\u066c\u066b")  # CLDR arabext digits, ٬ and ٫

# What the engine puts in each topic's payload (the engine package, the _notify calls).
PAYLOADS: dict[str, dict[str, object]] = {
    "invoice.issued": {"document": "d", "number": "INV-000001", "total": "24.40"},
    "credit_note.issued": {"document": "d", "number": "CN-000001", "total": "-24.40"},
    "proforma.issued": {
        "document": "d",
        "number": "PF-000001",
        "total": "24.40",
        "kind": "proforma",
    },
    "act.issued": {"document": "d", "number": "ACT-000001", "total": "24.40", "kind": "act"},
    "proforma.approved": {
        "document": "d",
        "number": "INV-000001",
        "proforma": "p",
        "proforma_number": "PF-000001",
        "total": "24.40",
        "due_on": "2026-05-05",
    },
    "proforma.rejected": {
        "document": "d",
        "number": "PF-000001",
        "total": "24.40",
        "reason": "the attributions are counted twice",
    },
    "proforma.reissued": {
        "document": "d",
        "number": "PF-000002",
        "rejected": "r",
        "rejected_number": "PF-000001",
        "total": "24.40",
    },
    "receipt.uploaded": {
        "document": "d",
        "number": "INV-000001",
        "total": "24.40",
        "attachment": "receipts/5521.pdf",
    },
    "receipt.refused": {
        "document": "d",
        "number": "INV-000001",
        "total": "24.40",
        "reason": "the receipt is unreadable",
    },
    "payment.received": {"document": "d", "number": "INV-000001", "total": "24.40"},
    "invoice.charged_to_credit": {"document": "d", "number": "INV-000001", "total": "24.40"},
    "payment.failed": {"document": "d", "number": "INV-000001", "attempt": 2},
    "payment.overdue": {
        "document": "d",
        "number": "INV-000001",
        "total": "24.40",
        "overdue_on": "2026-05-05",
        "day": "2026-05-05",
    },
    "payment.reminder": {
        "document": "d",
        "number": "INV-000001",
        "total": "24.40",
        "overdue_on": "2026-05-05",
        "day": "2026-05-12",
    },
    "subscription.frozen": {"subscription": "acme-pro"},
    "subscription.overdue_state": {
        "subscription": "acme-pro",
        "state": "BLOCKED",
        "on": "2026-05-15",
        "message": "",
    },
    "subscription.overdue_cleared": {
        "subscription": "acme-pro",
        "lowered_from": "BLOCKED",
        "on": "2026-05-17",
    },
    "subscription.unfrozen": {"subscription": "acme-pro", "status": "active"},
    "subscription.marked_for_deletion": {"subscription": "acme-pro", "on": "2026-05-05"},
    "subscription.cancelled": {"subscription": "acme-pro", "ends": "2026-05-05"},
    "usage.threshold": {
        "subscription": "acme-pro",
        "metric": "calls",
        "level": "90%",
        "included": "10000",
        "period": "2026-05-01..2026-06-01",
    },
    "autopay.capped": {
        "document": "d",
        "number": "INV-000001",
        "total": "24.40",
        "cap": "20.00",
        "charged": "0",
    },
    "statement.issued": {"statement": "2026-04", "total": "24.40", "due_on": "2026-05-05"},
    "credit.notice": {
        "statement": "2026-04",
        "notice": "due_soon",
        "total": "24.40",
        "due_on": "2026-05-05",
        "blocked_from": "2026-05-20",
    },
    "credit.blocked": {"overdue": "24.40", "debt": "48.80", "on": "2026-05-05"},
    "credit.unblocked": {"overdue": "0", "debt": "24.40", "on": "2026-05-05"},
    "renewal.failed": {"service": "vps-7", "term_ends": "2026-05-05", "reason": "declined"},
    "service.renewed": {"service": "vps-7", "term_ends": "2026-05-05", "reason": ""},
    "service.expired": {"service": "vps-7", "term_ends": "2026-05-05", "reason": ""},
    "balance.low": {
        "document": "d",
        "number": "INV-000001",
        "balance": "2.40",
        "expected": "24.40",
    },
}

# One customer per language, as billkit's five businesses bill them: the amount
# and how the locale writes it (CLDR: group and decimal symbols, symbol placement),
# and 5 May 2026 written in full.
LOCALES = {
    # en (bare): symbol first, comma groups, point decimals.
    "en": ("EUR", "€24.40", "May 5, 2026"),
    # Russian: no-break space groups, decimal comma, the symbol after; the year's
    # abbreviation after a narrow no-break space.
    "ru_RU": ("RUB", "24,40\xa0₽", "5 мая 2026\u202fг."),
    # Ukrainian: the same shape with the hryvnia sign.
    "uk_UA": ("UAH", "24,40\xa0₴", "5 травня 2026\u202fр."),
    # Italian: decimal comma, the euro sign after.
    "it_IT": ("EUR", "24,40\xa0€", "5 maggio 2026"),
}


def _message(topic: str, **payload: object) -> OutboxMessage:
    data = {"customer": "acme", "currency": "EUR", **PAYLOADS[topic], **payload}
    return OutboxMessage(id=1, key=f"{topic}|k", topic=topic, payload=data, created_at=AT)


def test_every_topic_the_engine_sends_has_every_language() -> None:
    assert set(LANGUAGES) == {"en", "ru", "uk", "it", "fa"}
    assert set(PAYLOADS) == set(CATEGORIES)
    for language in LANGUAGES:
        assert set(TEXTS[language]) == set(CATEGORIES), language
        assert set(NOTICES[language]) == set(NOTICES["en"]), language
        if language != "en":
            # Written in the language, not the English text copied.
            for topic, (_subject, body) in TEXTS[language].items():
                assert body != TEXTS["en"][topic][1], (language, topic)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("topic", sorted(CATEGORIES))
def test_every_text_fills_every_field(topic: str, language: str) -> None:
    # Each placeholder names a field the engine's payload has ({doc}: number or id).
    fields = {*PAYLOADS[topic], "customer", "doc"}
    for text in TEXTS[language][topic]:
        assert set(re.findall(r"{(\w+)}", text)) <= fields, (topic, language, text)
    subject, text, page = compose(_message(topic, currency="EUR"), language=language)
    for written in (subject, text, page):
        assert "{" not in written
        assert "?" not in written
        assert "2026-05-05" not in written  # dates written in full, never ISO
    assert text.endswith("\n")
    assert html.escape(subject) in page


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_amounts_and_dates_in_the_customers_locale(locale: str) -> None:
    currency, amount, day = LOCALES[locale]
    overdue = _message("payment.overdue", currency=currency, locale=locale)
    _subject, text, _ = compose(overdue)
    assert amount in text
    assert day in text
    assert "INV-000001" in text
    assert "24.40 " + currency not in text
    assert ".." not in text  # a date's own point ends the sentence
    # The same message for another language: asked for, it wins over the payload's.
    assert compose(overdue, language="en")[0] == "Payment overdue"


def test_persian_amounts_in_persian_digits_and_dates_in_the_solar_hijri_calendar() -> None:
    # An attribution invoice of 2 x 345 125 000 = 690 250 000 rials (no minor unit shown),
    # overdue since 21 March 2026: Nowruz, 1 Farvardin 1405 in the Solar Hijri calendar.
    total = 2 * 345_125_000
    assert total == 690_250_000
    message = _message(
        "payment.overdue",
        total=str(total),
        currency="IRR",
        overdue_on="2026-03-21",
        locale="fa_IR",
    )
    subject, text, page = compose(message)
    assert subject == "سررسید پرداخت گذشته است"
    assert f"{'690,250,000'.translate(PERSIAN)}\xa0ریال" in text
    assert f"{'1'.translate(PERSIAN)} فروردین {'1405'.translate(PERSIAN)}" in text
    assert not re.search("[0-9]", text.replace("AT-", "").replace("INV-000001", ""))
    assert '<html lang="fa" dir="rtl">' in page
    # A credit line's statement is numbered in Persian digits too; its notice named in Persian.
    notice = compose(_message("credit.notice", locale="fa"))[0]
    assert notice == f"صورتحساب اعتباری {'2026-04'.translate(PERSIAN)}: مهلت پرداخت نزدیک است"
    # A usage alert: 90 % as ۹۰٪ (CLDR's Persian percent sign), 10 000 included as ۱۰٬۰۰۰.
    alert = compose(_message("usage.threshold", locale="fa"))[1]
    assert "۹۰٪" in alert
    assert "۱۰٬۰۰۰" in alert


def test_the_html_page_marks_amounts_and_escapes_the_payload() -> None:
    message = _message("subscription.frozen", subscription="<b>x</b>", locale="it")
    _, text, page = compose(message)
    assert "<b>x</b>" in text
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "<b>" not in page
    assert '<html lang="it">' in page
    assert "L&#x27;abbonamento" in page
    _, _, paid = compose(_message("payment.received", locale="it"))
    assert "<strong>24,40\xa0€</strong>" in paid


def test_an_unknown_language_reads_english() -> None:
    _, text, _ = compose(_message("invoice.issued"), language="de_DE")
    assert text == "Invoice INV-000001 for €24.40 is issued.\n"
    assert compose(_message("invoice.issued", locale="xx-nope"))[1] == text


def test_the_engine_writes_each_customers_notifications_in_its_locale() -> None:
    # The Pro plan's 20.00 EUR base fee plus 22 % Italian VAT: 20.00 x 1.22 = 24.40.
    store, clock = MemoryStore(), FixedClock(support.START)
    inbox = MemoryNotifier()
    engine = Billing(
        store, SandboxGateway(clock=clock), inbox, clock, [support.PRO], seller=support.SELLER
    )
    acme = Party(kind="legal_entity", country="IT", name="Acme S.p.A.")
    engine.add_customer("acme", acme, currency="EUR", method="tok_visa", locale="it_IT")
    engine.add_customer("bolt", acme, currency="EUR", method="tok_visa")  # the business's: en
    engine.subscribe("acme-pro", "acme", "pro")
    engine.subscribe("bolt-pro", "bolt", "pro")
    clock.set(support.MONTH_END)
    engine.run()
    engine.deliver()
    texts = {
        (m.payload["customer"], m.topic): compose(m)[1]
        for m in inbox.messages
        if m.topic in ("invoice.issued", "payment.received")
    }
    acme_invoice = texts["acme", "invoice.issued"]
    assert re.fullmatch(r"È stata emessa la fattura INV-00000\d di 24,40\xa0€\.\n", acme_invoice)
    number = acme_invoice.split()[5]
    assert texts["acme", "payment.received"] == (
        f"Grazie: abbiamo ricevuto il pagamento di 24,40\xa0€ per {number}.\n"
    )
    assert re.fullmatch(
        r"Invoice INV-00000\d for €24\.40 is issued\.\n", texts["bolt", "invoice.issued"]
    )


def test_a_customers_locale_is_checked() -> None:
    from billkit.errors import BillingError

    clock = FixedClock(support.START)
    engine = Billing(
        MemoryStore(), SandboxGateway(clock=clock), MemoryNotifier(), clock, seller=support.SELLER
    )
    acme = Party(kind="legal_entity", country="IT", name="Acme S.p.A.")
    for bad in ("italian", "it-IT", "xx_XX", ""):
        with pytest.raises(BillingError, match="locale"):
            engine.add_customer("acme", acme, currency="EUR", locale=bad)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_top_up_says_what_reached_the_balance(language: str) -> None:
    # 20.00 RUB by card: 5 % + 10.00 commission on top, 20.00 x 1.05 + 10.00 = 31.00 paid;
    # credited 20.00 + 10 % cashback of the 31.00 (3.10) = 23.10.
    assert TOP_UP[language][1].count("{") == 2
    paid = _message("payment.received", document="top-up order-1", number="", total="31.00",
                    credited="23.10", currency="RUB", locale="ru_RU")  # fmt: skip
    _, text, _ = compose(paid, language=language)
    assert "order-1" not in text
    # CLDR: the rouble sign in Russian; Ukrainian and Italian write its code after the figure.
    unit = {"ru": "\xa0₽", "uk": "\xa0RUB", "it": "\xa0RUB"}.get(language)
    if unit:
        assert "31,00" + unit in text
        assert "23,10" + unit in text
