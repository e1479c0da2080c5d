"""A usage alert names the metric as the plan author named it per language (issue 13).

The order (``notify._texts.metric_name``): the plan's name for the reader's
locale, then for its language (the charge's ``names``, the payload's
``metric_names``); billkit's own name of the metric in that language; the
charge's description (``metric_name``); the code. One test per step.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from billkit.engine import Billing
from billkit.money import Money
from billkit.notify import MemoryNotifier, compose
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock
from billkit.pricing.models import PerUnit
from billkit.pricing.plans import Charge, Plan
from billkit.storage import MemoryStore, OutboxMessage

AT = datetime(2026, 5, 5, 9, tzinfo=timezone.utc)


def alert(**payload: object) -> OutboxMessage:
    body = {"subscription": "s-1", "level": "90%", "included": "100"}
    body["period"] = "2026-05-01..2026-06-01"
    return OutboxMessage(
        id=1, key="k", topic="usage.threshold", payload={**body, **payload}, created_at=AT
    )


CALLS = {"uk": "дзвінків", "uk_UA": "дзвінків по Україні", "en": "voice minutes"}


def test_the_plans_name_for_the_readers_locale_first() -> None:
    message = alert(metric="voice_minutes", metric_names=CALLS, metric_name="Calls", locale="uk_UA")
    assert compose(message)[0] == "Використано 90% ліміту дзвінків по Україні"


def test_then_the_plans_name_for_the_readers_language() -> None:
    message = alert(metric="voice_minutes", metric_names=CALLS, metric_name="Calls", locale="uk")
    assert compose(message)[0] == "Використано 90% ліміту дзвінків"


def test_then_billkits_own_name_in_that_language() -> None:
    # the plan names emails in Russian only; a Ukrainian reader gets billkit's word
    message = alert(
        metric="emails_sent",
        metric_names={"ru": "рассылок"},
        metric_name="Promotional emails",
        locale="uk_UA",
    )
    assert compose(message)[0] == "Використано 90% ліміту листів"
    assert compose(message, language="ru")[0] == "Использовано 90\xa0% лимита рассылок"


def test_then_the_description() -> None:
    message = alert(
        metric="voice_minutes", metric_names={"ru": "звонков"}, metric_name="Calls", locale="it"
    )
    assert compose(message)[0] == "Utilizzato il 90% della quota di Calls"


def test_then_the_code() -> None:
    message = alert(metric="voice_minutes", metric_names={}, metric_name="", locale="it")
    assert compose(message)[0] == "Utilizzato il 90% della quota di voice_minutes"


def test_a_reader_of_another_language_reads_english_throughout() -> None:
    # billkit has no German texts: the alert is in English, and so is the name
    names = {"de": "Anrufminuten", "en": "voice minutes"}
    message = alert(metric="voice_minutes", metric_names=names, locale="de_DE")
    assert compose(message)[0] == "90% of your voice minutes used"


def test_names_that_are_not_a_mapping_are_passed_over() -> None:
    message = alert(metric="voice_minutes", metric_names="дзвінків", metric_name="", locale="uk")
    assert compose(message)[0] == "Використано 90% ліміту voice_minutes"


def test_the_engine_sends_the_charges_names() -> None:
    # 100 free minutes; 90 used is 90 % (90 / 100 = 0.9).
    plan = Plan(
        code="voice",
        name="Voice",
        currency="UAH",
        base_fee=Money("0", "UAH"),
        charges=[
            Charge(
                code="calls",
                metric="voice_minutes",
                description="Voice minutes beyond the 100 free",
                names={"uk": "хвилин розмов", "ru": "минут разговоров"},
                included=100,
                model=PerUnit(unit_price=Money("1.50", "UAH")),
            )
        ],
    )
    clock = FixedClock(datetime(2026, 5, 1, 9, tzinfo=timezone.utc))
    inbox = MemoryNotifier()
    seller = Party(kind="legal_entity", country="UA", name="Телефонія ТОВ")
    engine = Billing(
        MemoryStore(), SandboxGateway(clock=clock), inbox, clock, [plan], seller=seller
    )
    shop = Party(kind="legal_entity", country="UA", name="Квіти ТОВ")
    engine.add_customer("shop", shop, currency="UAH", method="tok_visa", locale="uk_UA")
    engine.subscribe("shop-voice", "shop", "voice", on=date(2026, 5, 1))
    engine.record_usage("shop-voice", "voice_minutes", 90, key="batch-1")
    engine.deliver()
    (sent,) = [m for m in inbox.messages if m.topic == "usage.threshold"]
    assert sent.payload["metric_names"] == {"ru": "минут разговоров", "uk": "хвилин розмов"}
    subject, text, _ = compose(sent)
    assert subject == "Використано 90% ліміту хвилин розмов"
    assert "з 100 включених хвилин розмов" in text
    assert compose(sent, language="ru")[0] == "Использовано 90\xa0% лимита минут разговоров"
