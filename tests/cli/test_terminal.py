"""``billkit run`` and ``billkit simulate`` under a real pseudo-terminal.

The bar is drawn because stderr *is* a terminal (no ``--progress``): the
command runs in a child process whose stderr is the slave side of a pty
(``pty.openpty``), and the test reads what a terminal would show from the
master side. stdout is a pipe, so the report stays plain text.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

import billkit
from tests.cli.test_engine_commands import _database

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

BAR = "#" * 30


def _on_a_terminal(args: list[str]) -> tuple[str, str]:
    """``python -m billkit *args`` with stderr on a pty: (stdout, what the terminal got)."""
    import pty

    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(Path(billkit.__file__).parents[1])}
    child = subprocess.Popen(
        [sys.executable, "-m", "billkit", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    screen = b""
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the child closed its side of the terminal
                    break
                if not chunk:
                    break
                screen += chunk
            elif child.poll() is not None:
                break
        out, _ = child.communicate(timeout=60)
    finally:
        os.close(master)
        if child.poll() is None:  # pragma: no cover - only when the command hangs
            child.kill()
    assert child.returncode == 0, screen.decode(errors="replace")
    return out.decode(), screen.decode()


def test_run_draws_its_bar_when_stderr_is_a_terminal(tmp_path: Path) -> None:
    url = _database(tmp_path)
    out, screen = _on_a_terminal(["run", "--db", url, "--as-of", "2026-04-01"])
    # The report on stdout, without a carriage return of the bar.
    assert "subscriptions billed   4" in out
    assert "\r" not in out
    # On the terminal: frames redrawn in place with a carriage return; the last
    # one full (four customers due on 1 April: 4/4, 100 %), its line ended by
    # the terminal's newline (the pty turns "\n" into "\r\n").
    assert screen.endswith("\r\n")
    frames = [f for f in screen.removesuffix("\r\n").split("\r") if f]
    assert frames[0].startswith("billing [")
    assert frames[-1].startswith(f"billing [{BAR}] 4/4 100%  0:")
    counts = [int(frame.split("] ")[1].split("/")[0]) for frame in frames]
    assert counts == sorted(counts)
    assert set(counts) <= {1, 2, 3, 4}
    assert "subscriptions billed" not in screen


def test_simulate_draws_one_step_a_day_on_a_terminal(tmp_path: Path) -> None:
    url = _database(tmp_path)
    # 30 March to 3 April: 2 + 3 = 5 days.
    args = ["simulate", "--db", url, "--from", "2026-03-30", "--until", "2026-04-03"]
    out, screen = _on_a_terminal(args)
    assert "simulated 5 days from 2026-03-30 to 2026-04-03" in out
    frames = [f for f in screen.removesuffix("\r\n").split("\r") if f]
    assert frames[-1].startswith(f"simulating [{BAR}] 5/5 100%  0:")
    # --no-progress: nothing on the terminal, even though it is one.
    (tmp_path / "again").mkdir()
    url = _database(tmp_path / "again")
    args = ["simulate", "--db", url, "--from", "2026-03-30", "--until", "2026-04-03"]
    out, screen = _on_a_terminal([*args, "--no-progress"])
    assert "simulated 5 days" in out
    assert screen == ""
