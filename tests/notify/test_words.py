"""Usage alerts name the metric, and failed renewals say why, in the customer's words."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from billkit.engine import Billing
from billkit.money import Money
from billkit.notify import MemoryNotifier, compose
from billkit.notify._texts import LANGUAGES, METRICS, REASONS
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock
from billkit.pricing.models import PerUnit
from billkit.pricing.plans import Charge, Plan
from billkit.storage import MemoryStore, OutboxMessage
from billkit.subscriptions.services import Service

AT = datetime(2026, 5, 5, 9, tzinfo=timezone.utc)
SELLER = Party(kind="legal_entity", country="UA", name="Mail SaaS LLC")


def _message(topic: str, **payload: object) -> OutboxMessage:
    return OutboxMessage(id=1, key=f"{topic}|k", topic=topic, payload=payload, created_at=AT)


def _alert(**payload: object) -> OutboxMessage:
    base = {"subscription": "s-1", "level": "90%", "included": "2500"}
    return _message("usage.threshold", **base, period="2026-05-01..2026-06-01", **payload)


def test_every_language_names_the_same_metrics_and_reasons() -> None:
    for language in LANGUAGES:
        assert set(METRICS[language]) == set(METRICS["en"]), language
        assert set(REASONS[language]) == set(REASONS["en"]), language
        if language != "en":
            assert not set(METRICS[language].items()) & set(METRICS["en"].items()) - {
                ("sms_sent", "SMS"),
                ("api_calls", "API calls"),
            }
            for code, words in REASONS[language].items():
                assert words != REASONS["en"][code], (language, code)


# The 2 500 free emails of the email business, 90 % of them used, in each language.
EMAILS = {
    "en": ("90% of your emails used", "s-1 has used 90% of the 2,500 emails included"),
    "ru": (
        "Использовано 90\xa0% лимита писем",
        "использовано 90\xa0% из 2\xa0500 включённых писем",
    ),
    "uk": ("Використано 90% ліміту листів", "використано 90% з 2\xa0500 включених листів"),
    "it": ("Utilizzato il 90% della quota di email", "della quota inclusa (2.500 email,"),
    "fa": ("۹۰٪ از سهمیه ایمیل مصرف شد", "۲٬۵۰۰ ایمیل"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_usage_alert_names_the_metric_in_the_customers_language(language: str) -> None:
    subject, text, page = compose(_alert(metric="emails_sent", locale=language))
    assert (subject, EMAILS[language][1] in text) == (EMAILS[language][0], True)
    for written in (subject, text, page):
        assert "emails_sent" not in written


def test_a_metric_billkit_does_not_name_reads_as_the_plan_names_it_else_by_its_code() -> None:
    # the plan's own words (its charge's description), the same in every language
    named = _alert(metric="render_minutes", metric_name="Render minutes", locale="ru")
    assert compose(named)[0] == "Использовано 90\xa0% лимита Render minutes"
    # nothing but the code: the code
    bare = _alert(metric="render_minutes", metric_name="", locale="it")
    assert compose(bare)[0] == "Utilizzato il 90% della quota di render_minutes"
    assert compose(_alert(metric="render_minutes"))[0] == "90% of your render_minutes used"


# What a customer reads when the card is declined, per language.
DECLINED = {
    "en": "the card was declined",
    "ru": "карта отклонена",
    "uk": "картку відхилено",
    "it": "la carta è stata rifiutata",
    "fa": "کارت رد شد",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failed_renewal_says_why_in_the_customers_language(language: str) -> None:
    message = _message(
        "renewal.failed", service="vps-7", term_ends="2026-05-05", reason="card_declined"
    )
    _subject, text, page = compose(message, language=language)
    assert DECLINED[language] in text
    assert "card_declined" not in text + page
    # every code billkit knows reads as a sentence of the language, never as the code
    for code, words in REASONS[language].items():
        other = _message("renewal.failed", service="vps-7", term_ends="2026-05-05", reason=code)
        said = compose(other, language=language)[1]
        assert words in said
        assert code not in said or code in words  # "declined" is a word of English too


def test_an_unknown_failure_code_is_shown_as_it_came() -> None:
    message = _message(
        "renewal.failed", service="vps-7", term_ends="2026-05-05", reason="velocity_exceeded"
    )
    assert compose(message, language="ru")[1] == (
        "Не удалось продлить vps-7 (срок до 5 мая 2026\u202fг.): velocity_exceeded.\n"
    )


def test_the_engine_names_the_metric_of_a_usage_alert() -> None:
    # The email business: 2 500 free emails a month; 2 250 sent is 90 % (2 250 / 2 500 = 0.9).
    plan = Plan(
        code="email-standard",
        name="Email, standard",
        currency="UAH",
        base_fee=Money("0", "UAH"),
        charges=[
            Charge(
                code="emails",
                metric="emails_sent",
                description="Promotional emails beyond the 2 500 free",
                included=2500,
                model=PerUnit(unit_price=Money("0.09", "UAH")),
            )
        ],
    )
    clock = FixedClock(datetime(2026, 5, 1, 9, tzinfo=timezone.utc))
    inbox = MemoryNotifier()
    engine = Billing(store := MemoryStore(), SandboxGateway(clock=clock), inbox, clock, [plan],
                     seller=SELLER)  # fmt: skip
    shop = Party(kind="legal_entity", country="UA", name="Квіти ТОВ")
    engine.add_customer("shop", shop, currency="UAH", method="tok_visa", locale="uk_UA")
    engine.subscribe("shop-mail", "shop", "email-standard", on=date(2026, 5, 1))
    engine.record_usage("shop-mail", "emails_sent", 2250, key="batch-1")
    engine.deliver()
    alerts = [m for m in inbox.messages if m.topic == "usage.threshold"]
    assert [m.payload["metric_name"] for m in alerts] == [
        "Promotional emails beyond the 2 500 free"
    ]
    subject, text, _ = compose(alerts[0])
    assert subject == "Використано 90% ліміту листів"
    assert "з 2\xa0500 включених листів" in text
    assert store is engine.store


def test_the_engine_tells_why_a_renewal_failed_in_the_customers_language() -> None:
    # A VPS at 500.00 RUB a month expiring on 1 April renews one day before; the
    # sandbox declines the card for insufficient funds.
    clock = FixedClock(datetime(2026, 3, 1, 9, tzinfo=timezone.utc))
    inbox = MemoryNotifier()
    hosting = Party(kind="legal_entity", country="RU", name="Hosting LLC")
    engine = Billing(MemoryStore(), SandboxGateway(clock=clock), inbox, clock, seller=hosting)
    ivan = Party(kind="individual", country="RU", name="Ivan Petrov")
    engine.add_customer("ivan", ivan, currency="RUB", locale="ru_RU")
    vps = Service(
        id="vps-7",
        product="vps",
        price=Money("500.00", "RUB"),
        state="active",
        anchor=date(2026, 3, 1),
        expires_on=date(2026, 4, 1),
        auto_renew=True,
        pay_from="card-1111",
    )
    engine.add_service("ivan", vps, token="tok_insufficient_funds")
    clock.set(datetime(2026, 3, 31, 3, tzinfo=timezone.utc))
    assert engine.run().failures == ()
    engine.deliver()
    failed = [m for m in inbox.messages if m.topic == "renewal.failed"]
    assert [m.payload["reason"] for m in failed] == ["insufficient_funds"]
    assert compose(failed[0])[1] == (
        "Не удалось продлить vps-7 (срок до 1 апреля 2026\u202fг.): на карте недостаточно средств.\n"
    )
