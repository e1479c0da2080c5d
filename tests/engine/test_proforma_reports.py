"""A run's report lists the invoices (or acts) its proformas' payments issue.

The Pro plan of ``tests/engine/support.py`` with no usage: 20.00 EUR a month
plus 22 % VAT, 20.00 x 1.22 = 24.40 EUR. Acme pays by card, so its proforma
is paid in the run and its invoice (or act) issued; Bolt pays by transfer
(no saved method), so its proforma waits.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from billkit.engine import RunReport
from billkit.parties.party import Party
from billkit.ports import FixedClock
from tests.engine import support

ACME = Party(kind="legal_entity", country="IT", name="Acme S.p.A.")
MARCH = "2026-03-01|2026-04-01"


def _run(final: str) -> RunReport:
    clock = FixedClock(support.START)
    engine = support.pro_in_memory(
        clock,
        proforma=True,
        proforma_final=final,
    )
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    engine.add_customer("bolt", ACME, currency="EUR")
    engine.subscribe("acme-pro", "acme", "pro")
    engine.subscribe("bolt-pro", "bolt", "pro")
    clock.set(support.MONTH_END)
    return engine.run()


@pytest.mark.parametrize("final", ["invoice", "act"])
def test_the_report_lists_what_the_payments_issued(final: str) -> None:
    report = _run(final)
    assert report.issued == (
        f"acme-pro|{MARCH}|proforma|0",
        f"bolt-pro|{MARCH}|proforma|0",
        f"acme-pro|{MARCH}|{final}|0",
    )
    assert report.documents == (
        (f"acme-pro|{MARCH}|proforma|0", "acme", "EUR", Decimal("24.40")),
        (f"bolt-pro|{MARCH}|proforma|0", "bolt", "EUR", Decimal("24.40")),
        (f"acme-pro|{MARCH}|{final}|0", "acme", "EUR", Decimal("24.40")),
    )
    assert (report.billed, report.paid, report.failed_payments) == (2, 1, 0)
    # Two proformas of 24.40 asked for 48.80; Acme's invoice is its proforma's money.
    assert report.invoiced == (("EUR", Decimal("48.80")),)
    assert report.to_table().to_records() == [
        {
            "account": "acme",
            "status": "billed",
            "documents": 2,
            "total": Decimal("24.40"),
            "currency": "EUR",
            "reason": "",
        },
        {
            "account": "bolt",
            "status": "billed",
            "documents": 1,
            "total": Decimal("24.40"),
            "currency": "EUR",
            "reason": "",
        },
    ]


def test_a_report_without_proformas_is_as_before() -> None:
    clock = FixedClock(support.START)
    engine = support.pro_in_memory(clock)
    engine.add_customer("acme", ACME, currency="EUR", method="tok_visa")
    engine.subscribe("acme-pro", "acme", "pro")
    clock.set(support.MONTH_END)
    report = engine.run()
    assert report.issued == (f"acme-pro|{MARCH}|invoice|0",)
    assert report.invoiced == (("EUR", Decimal("24.40")),)
