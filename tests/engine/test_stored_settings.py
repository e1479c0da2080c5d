"""A business's settings are kept in the store, as its seller and its dunning are.

``billkit run --db URL --business KEY`` (or a worker) opens the store with
nothing but the business's key: it must number in the business's series,
write in its language, bill its prices with or without tax and by proforma
as the business was set up, and dun by its numbers. A conflicting explicit
setting is refused, naming the field; a store that keeps none (made before
settings were kept) gives today's defaults.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from billkit.engine import SETTINGS_ID, Billing
from billkit.errors import BillingError, NotFoundError
from billkit.notify import MemoryNotifier
from billkit.parties.party import Party
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock
from tests.engine import support
from tests.storage.support import _postgres_schema, _store  # noqa: F401 (fixtures)

ACME = Party(kind="legal_entity", country="IT", name="Acme S.p.A.")
HOSTING = {
    "invoice_series": "HINV",
    "credit_series": "HCN",
    "proforma_series": "HPF",
    "act_series": "HACT",
    "locale": "ru_RU",
    "prices_include_tax": True,
    "proforma": True,
    "proforma_final": "act",
    "max_attempts": 5,
    "cancel_at_cycle_end": False,
    "deletion_days": 30,
}


def _open(store: Any, clock: FixedClock, **options: Any) -> Billing:
    return Billing(
        store, SandboxGateway(clock=clock), MemoryNotifier(), clock, [support.PRO], **options
    )


def _settings(engine: Billing) -> dict[str, object]:
    return {
        "series": engine.series,
        "locale": engine.locale,
        "prices_include_tax": engine.prices_include_tax,
        "proforma": engine.proforma_plans,
        "proforma_final": engine.proforma_final,
        "max_attempts": engine.max_attempts,
        "cancel_at_cycle_end": engine.cancel_at_cycle_end,
        "deletion_days": engine.deletion_days,
    }


DEFAULTS = {
    "series": {"invoice": "INV", "credit_note": "CN"},
    "locale": "en",
    "prices_include_tax": None,
    "proforma": frozenset(),
    "proforma_final": "invoice",
    "max_attempts": 3,
    "cancel_at_cycle_end": True,
    "deletion_days": 90,
}


def test_a_business_reopened_by_its_key_gets_its_settings_back(store: Any) -> None:
    clock = FixedClock(support.START)
    first = _open(store, clock, seller=support.SELLER, business="hosting", **HOSTING)
    first.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    first.subscribe("acme-pro", "acme", "pro")
    # The "second process": the business's key only.
    second = _open(store, clock, business="hosting")
    assert (
        _settings(second)
        == _settings(first)
        == {
            "series": {"invoice": "HINV", "credit_note": "HCN", "proforma": "HPF", "act": "HACT"},
            "locale": "ru_RU",
            "prices_include_tax": True,
            "proforma": None,  # every plan
            "proforma_final": "act",
            "max_attempts": 5,
            "cancel_at_cycle_end": False,
            "deletion_days": 30,
        }
    )
    clock.set(support.MONTH_END)
    report = second.run()
    # By proforma, then an act; the Pro plan's 20.00 EUR includes the 22 % VAT, so
    # 20.00 is asked for and charged (tax-exclusive it would be 20.00 x 1.22 = 24.40).
    assert report.issued == (
        "acme-pro|2026-03-01|2026-04-01|proforma|0",
        "acme-pro|2026-03-01|2026-04-01|act|0",
    )
    with store.transaction(readonly=True) as tx:
        numbers = sorted((d.number, str(d.total.amount)) for d in tx.documents())
    assert numbers == [("HACT-000001", "20.00"), ("HPF-000001", "20.00")]
    # The customer chose no language: the business's, Russian.
    second.deliver()
    told = [(m.topic, m.payload["locale"]) for m in second.notifier.messages]  # type: ignore[attr-defined]
    assert ("act.issued", "ru_RU") in told
    assert {locale for _, locale in told} == {"ru_RU"}
    # Another business on the same store keeps its own (here: none, the defaults).
    chat = _open(store, clock, seller=support.SELLER, business="chat")
    assert _settings(chat) == DEFAULTS


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("invoice_series", "INV"),
        ("credit_series", "CN"),
        ("proforma_series", "PF"),
        ("act_series", "ACT"),
        ("locale", "en"),
        ("prices_include_tax", False),
        ("proforma", ["pro"]),
        ("proforma_final", "invoice"),
        ("max_attempts", 3),
        ("cancel_at_cycle_end", True),
        ("deletion_days", None),
    ],
)
def test_a_conflicting_setting_is_refused_naming_it(store: Any, field: str, value: Any) -> None:
    clock = FixedClock(support.START)
    _open(store, clock, seller=support.SELLER, business="hosting", **HOSTING)
    with pytest.raises(BillingError, match=rf"^{field} = .*kept in business 'hosting'"):
        _open(store, clock, business="hosting", **{field: value})
    # The same value is accepted, and what is kept is unchanged.
    same = _open(store, clock, business="hosting", **{field: HOSTING[field]})
    assert same.series["invoice"] == "HINV"
    assert _open(store, clock, business="hosting").max_attempts == 5


def test_a_store_that_keeps_no_settings_gives_the_defaults(store: Any) -> None:
    clock = FixedClock(support.START)
    _open(store, clock, seller=support.SELLER)
    assert _settings(_open(store, clock)) == DEFAULTS
    with store.transaction(readonly=True) as tx, pytest.raises(NotFoundError):
        tx.payer(SETTINGS_ID)  # nothing given, nothing written
    # One setting given is kept alone; one given later is added beside it.
    _open(store, clock, locale="it_IT")
    _open(store, clock, invoice_series="FT")
    reopened = _open(store, clock)
    assert (reopened.locale, reopened.series["invoice"], reopened.max_attempts) == (
        "it_IT",
        "FT",
        3,
    )
    with store.transaction(readonly=True) as tx:
        assert tx.payer(SETTINGS_ID).data == {"locale": "it_IT", "invoice_series": "FT"}


def test_plans_billed_by_proforma_are_kept_as_a_set(store: Any) -> None:
    clock = FixedClock(support.START)
    _open(store, clock, seller=support.SELLER, proforma=("team", "pro"))
    # The same plans in another order, or as a set, are the same setting.
    assert _open(store, clock, proforma={"pro", "team"}).proforma_plans == {"pro", "team"}
    assert _open(store, clock).proforma_plans == {"pro", "team"}
    with pytest.raises(BillingError, match=r"^proforma = \['pro'\]"):
        _open(store, clock, proforma=["pro"])


def test_a_bad_setting_is_refused_before_it_is_kept(store: Any) -> None:
    clock = FixedClock(support.START)
    with pytest.raises(BillingError, match="proforma_final"):
        _open(store, clock, seller=support.SELLER, proforma=True, proforma_final="receipt")
    with pytest.raises(BillingError, match="deletion_days"):
        _open(store, clock, seller=support.SELLER, deletion_days=-1)
    with pytest.raises(BillingError, match=r"^max_attempts = 0"):
        _open(store, clock, seller=support.SELLER, max_attempts=0)
    with pytest.raises(BillingError, match=r"^cancel_at_cycle_end = 'yes'"):
        _open(store, clock, seller=support.SELLER, cancel_at_cycle_end="yes")
    with pytest.raises(BillingError, match=r"^invoice_series = ''"):
        _open(store, clock, seller=support.SELLER, invoice_series="")
    assert _settings(_open(store, clock, seller=support.SELLER)) == DEFAULTS


def test_the_month_end_numbers_with_kept_series_and_dates(store: Any) -> None:
    # A business with its own invoice series, reopened by key, numbers in it.
    clock = FixedClock(support.START)
    first = _open(store, clock, seller=support.SELLER, business="b1", invoice_series="B1")
    first.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    first.subscribe("acme-pro", "acme", "pro")
    clock.set(datetime(2026, 4, 1, 2, tzinfo=timezone.utc))
    report = _open(store, clock, business="b1").run()
    # 20.00 x 1.22 = 24.40 tax-exclusive (the default, kept as nothing).
    assert report.invoiced == (("EUR", Decimal("24.40")),)
    with store.transaction(readonly=True) as tx:
        assert [d.number for d in tx.documents()] == ["B1-000001"]


def test_billkit_run_by_business_uses_the_kept_settings(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from billkit.cli import main
    from billkit.storage import SqlStore
    from tests.storage.support import migrated_sqlite

    url = migrated_sqlite(tmp_path)
    store = SqlStore(url)
    clock = FixedClock(support.START)
    setup = _open(
        store, clock, seller=support.SELLER, business="mail", invoice_series="ML",
        prices_include_tax=True,
    )  # fmt: skip
    setup.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    setup.subscribe("acme-pro", "acme", "pro")
    store.close()
    assert main(["run", "--db", url, "--as-of", "2026-04-01", "--business", "mail"]) == 0
    # The 20.00 EUR price includes the VAT: 20.00 invoiced (not 20.00 x 1.22 = 24.40).
    assert "invoiced               20.00 EUR" in capsys.readouterr().out
    store = SqlStore(url)
    try:
        with store.transaction(readonly=True) as tx:
            assert [d.number for d in tx.documents()] == ["ML-000001"]
    finally:
        store.close()
