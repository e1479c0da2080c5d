"""A customer billed by proforma reads the name of the document it is told about.

A proforma is a request to pay, an act is a record of completed work: the
notices of either must not read "invoice issued". Each has a topic of its own
(``proforma.issued``, ``act.issued``, category ``finance`` as an invoice's),
and the texts name the document as billkit's documents title it
(``invoicing/render/labels.py``) in each of the five languages.

The Pro plan of ``tests/engine/support.py`` with no usage: 20.00 EUR a month
plus 22 % VAT, 20.00 x 1.22 = 24.40 EUR, asked for by the proforma and then
issued paid as an invoice (or an act).
"""

from __future__ import annotations

import pytest

from billkit.notify import compose
from billkit.parties.party import Party
from billkit.ports import CATEGORIES, FixedClock
from tests.engine import support

ACME = Party(kind="legal_entity", country="IT", name="Acme S.p.A.")

# locale -> (the proforma's words, the act's words, the invoice's words)
NAMES = {
    "en": ("Proforma invoice", "Certificate of completed work", "Invoice"),
    "ru_RU": ("проформа-счёт", "акт выполненных работ", "счёт"),
    "uk_UA": ("рахунок-проформу", "акт виконаних робіт", "рахунок"),
    "it_IT": ("fattura proforma", "verbale di servizi resi", "fattura"),
    "fa_IR": ("پیش‌فاکتور", "گواهی انجام کار", "صورتحساب"),
}


def _told(locale: str, final: str) -> dict[str, tuple[str, str, dict[str, object]]]:
    """Run March by proforma for one customer in ``locale``; each issue notice's
    topic -> (subject, text, payload) as the customer reads it."""
    clock = FixedClock(support.START)
    engine = support.pro_in_memory(
        clock,
        proforma=True,
        proforma_final=final,
    )
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa", locale=locale)
    engine.subscribe("acme-pro", "acme", "pro")
    clock.set(support.MONTH_END)
    engine.run()
    engine.deliver()
    told: dict[str, tuple[str, str, dict[str, object]]] = {}
    for m in engine.notifier.messages:  # type: ignore[attr-defined]
        if m.topic.endswith(".issued"):
            subject, text, _ = compose(m)
            told[m.topic] = (subject, text, dict(m.payload))
    return told


@pytest.mark.parametrize("locale", sorted(NAMES))
def test_a_proforma_and_its_invoice_are_named_as_they_are(locale: str) -> None:
    proforma_words, _, invoice_words = NAMES[locale]
    told = _told(locale, "invoice")
    assert sorted(told) == ["invoice.issued", "proforma.issued"]
    subject, text, payload = told["proforma.issued"]
    assert (payload["number"], payload["total"], payload["kind"]) == (
        "PF-000001",
        "24.40",
        "proforma",
    )
    assert proforma_words.casefold() in text.casefold()
    assert proforma_words.casefold() in subject.casefold()
    # The invoice issued on payment is told as an invoice, and the proforma is not.
    _, invoice_text, invoice_payload = told["invoice.issued"]
    assert invoice_payload["number"] == "INV-000001"
    assert invoice_words.casefold() in invoice_text.casefold()
    assert proforma_words.casefold() not in invoice_text.casefold()


def test_the_english_texts_in_full() -> None:
    told = _told("en", "act")
    assert told["proforma.issued"][:2] == (
        "Proforma invoice PF-000001 issued",
        "Proforma invoice PF-000001 for €24.40 is issued: a request for payment.\n",
    )
    assert told["act.issued"][:2] == (
        "Certificate of completed work ACT-000001 issued",
        "Certificate of completed work ACT-000001 for €24.40 is issued.\n",
    )
    assert "invoice.issued" not in told


@pytest.mark.parametrize("locale", sorted(NAMES))
def test_an_act_is_told_as_an_act(locale: str) -> None:
    _, act_words, _ = NAMES[locale]
    told = _told(locale, "act")
    assert sorted(told) == ["act.issued", "proforma.issued"]
    subject, text, payload = told["act.issued"]
    assert (payload["kind"], payload["total"]) == ("act", "24.40")
    assert act_words.casefold() in text.casefold()
    assert act_words.casefold() in subject.casefold()


def test_the_new_topics_file_as_an_invoice_and_follow_the_channels_chosen() -> None:
    assert CATEGORIES["proforma.issued"] == CATEGORIES["act.issued"] == "finance"
    clock = FixedClock(support.START)
    engine = support.pro_in_memory(
        clock,
        proforma=True,
        proforma_final="act",
        channels={"finance": ("webhook",)},
    )
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    engine.add_customer(
        "bolt", ACME, currency="EUR", method="tok_visa", channels={"finance": ("email", "sms")}
    )
    engine.subscribe("acme-pro", "acme", "pro")
    engine.subscribe("bolt-pro", "bolt", "pro")
    clock.set(support.MONTH_END)
    engine.run()
    engine.deliver()
    sent = sorted(
        (m.payload["customer"], m.topic, m.payload["channel"])
        for m in engine.notifier.messages  # type: ignore[attr-defined]
        if m.topic.endswith(".issued")
    )
    assert sent == [
        ("acme", "act.issued", "webhook"),
        ("acme", "proforma.issued", "webhook"),
        ("bolt", "act.issued", "email"),
        ("bolt", "act.issued", "sms"),
        ("bolt", "proforma.issued", "email"),
        ("bolt", "proforma.issued", "sms"),
    ]
