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


def test_run_draws_a_progress_bar_on_stderr_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _database(tmp_path)
    # Four customers due on 1 April (c0000..c0003): the bar ends at 4/4, 100 %, full.
    assert main(["run", "--db", url, "--as-of", "2026-04-01", "--progress"]) == 0
    captured = capsys.readouterr()
    assert "subscriptions billed   4" in captured.out
    assert "\r" not in captured.out  # the report stays clean on stdout
    frames = captured.err.split("\r")[1:]
    assert frames[0].startswith("billing [")
    assert frames[-1].startswith("billing [" + "#" * 30 + "] 4/4 100%  0:")
    assert frames[-1].endswith("\n")
    # Drawn as the accounts are billed: never backwards, never past the total.
    counts = [int(frame.split("] ")[1].split("/")[0]) for frame in frames]
    assert counts == sorted(counts)
    assert set(counts) <= {1, 2, 3, 4}
    # Nothing due on a second run: an empty bar that is complete at once (0/0).
    assert main(["run", "--db", url, "--as-of", "2026-04-01", "--progress"]) == 0
    assert capsys.readouterr().err.startswith("\rbilling [" + "#" * 30 + "] 0/0 100%")


def test_simulate_draws_one_step_a_day_and_no_bar_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _database(tmp_path)
    # 30 March to 3 April: 2 + 3 = 5 days (30 and 31 March, 1 to 3 April).
    args = ["simulate", "--db", url, "--from", "2026-03-30", "--until", "2026-04-03"]
    assert main([*args, "--progress"]) == 0
    err = capsys.readouterr().err
    assert err.rstrip("\n").split("\r")[-1].startswith("simulating [" + "#" * 30 + "] 5/5 100%")
    # stderr is not a terminal under pytest: no bar unless asked.
    (tmp_path / "again").mkdir()
    url = _database(tmp_path / "again")
    assert main(["simulate", "--db", url, "--from", "2026-03-30", "--until", "2026-04-03"]) == 0
    assert capsys.readouterr().err == ""
