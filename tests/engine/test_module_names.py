"""Where the engine's public classes say they live: users import them from billkit.engine."""

from __future__ import annotations

import pickle
import typing
from datetime import date

import billkit.engine
from billkit.engine import Billing, RunReport


def test_billing_reports_the_package_it_is_imported_from() -> None:
    assert Billing.__module__ == "billkit.engine"
    assert getattr(billkit.engine, Billing.__qualname__) is Billing
    assert pickle.loads(pickle.dumps(Billing)) is Billing  # pickled by reference
    # its methods' annotations still resolve (they live in the defining module)
    assert typing.get_type_hints(Billing.run)["return"] is RunReport


def test_the_run_report_keeps_its_defining_module_and_pickles() -> None:
    # An attrs value: its string annotations resolve in the module that defines it.
    assert RunReport.__module__ == "billkit.engine._report"
    report = RunReport(
        as_of=date(2026, 5, 1),
        billed=0,
        issued=(),
        invoiced=(),
        paid=0,
        failed_payments=0,
        failures=(),
    )
    assert pickle.loads(pickle.dumps(report)) == report
