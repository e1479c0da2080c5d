"""``billkit run`` and ``billkit simulate`` on a SQLite database the engine keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from billkit.cli import main
from billkit.payments.sandbox import SandboxGateway
from billkit.ports import FixedClock
from billkit.storage import SqlStore
from tests.engine import support
from tests.storage.support import migrated_sqlite


def _database(tmp_path: Path) -> str:
    url = migrated_sqlite(tmp_path)
    store = SqlStore(url)
    clock = FixedClock(support.START)
    support.populate(support.billing(store, SandboxGateway(clock=clock), clock), 4)
    store.close()
    return url


def test_run_bills_the_month_and_prints_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _database(tmp_path)
    # c0003 has a declined card: its invoice stays unpaid, and the run still succeeds.
    assert main(["run", "--db", url, "--as-of", "2026-04-01"]) == 0
    out = capsys.readouterr().out
    assert "subscriptions billed   4" in out
    assert "payments taken         3" in out
    assert "payments failed        1" in out
    # usage 0, 137, 274, 411 calls: 20.00, 20.37, 21.74, 23.11 net; with 22 % VAT
    # 24.40 + 24.85 + 26.52 + 28.19 = 103.96
    assert "invoiced               103.96 EUR" in out
    assert main(["run", "--db", url, "--as-of", "2026-04-01"]) == 0
    assert "subscriptions billed   0" in capsys.readouterr().out


def test_simulate_steps_day_by_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = _database(tmp_path)
    assert main(["simulate", "--db", url, "--from", "2026-03-30", "--until", "2026-05-01"]) == 0
    out = capsys.readouterr().out
    assert "simulated 33 days from 2026-03-30 to 2026-05-01" in out
    assert out.count("payments failed        1") == 3  # 1, 2 and 3 April, then frozen
    assert out.count("subscriptions billed   4") == 1  # 1 April
    assert out.count("subscriptions billed   3") == 1  # 1 May: not the frozen one (cancelled)
    store = SqlStore(url)
    with store.transaction(readonly=True) as tx:
        assert len(tx.documents()) == 7
        # frozen on 3 April, still unpaid when its cycle ended on 1 May: cancelled (dunning)
        assert tx.subscription("s0003").status == "cancelled"
    store.close()
