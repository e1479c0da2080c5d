"""Fuzz: the ``billkit`` command with hostile arguments, and outputs that are
byte-identical across ``PYTHONHASHSEED`` values (checked in subprocesses).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given

from billkit.cli import main
from tests.fuzz._support import examples
from tests.fuzz.atheris_catalog import one_input
from tests.strategies.hostile import cli_arguments

pytestmark = pytest.mark.fuzz

CATALOG = Path(__file__).parents[2] / "src" / "billkit" / "data" / "demo_catalog.toml"


@examples(quick=40, deep=1_000)
@given(argv=cli_arguments())
def test_the_cli_never_shows_a_traceback(argv: list[str]) -> None:
    """Whatever the arguments: exit status 0, 1 or 2 and at most one line of
    error (argparse's usage line and its error for malformed command lines)."""
    if argv[:1] == ["quote"] and len(argv) > 1:
        argv = ["quote", str(CATALOG), *argv[1:]]
    if argv[:1] == ["demo"] or "-h" in argv or "--help" in argv:
        return  # prints the five businesses or the help: covered by tests/cli
    try:
        status = main(argv)
    except SystemExit as done:  # argparse: a malformed command line
        status = done.code if isinstance(done.code, int) else 2
    assert status in (0, 1, 2)


_PROGRAM = """
import decimal
from datetime import date
from billkit.demo import render
from billkit.money import Money, allocate, tax_from_gross
from billkit.periods import Period
from billkit.pricing import dumps_catalog, load_catalog, quote
from billkit.serialize import dumps

decimal.getcontext().prec = 5
catalog = load_catalog({catalog!r})
print(dumps_catalog(catalog, "toml"))
print(dumps_catalog(catalog, "json"))
q = quote(catalog["email-standard"], {{"emails_sent": 123457}},
          Period(date(2026, 3, 1), date(2026, 4, 1)))
print(q.explain())
print(dumps(q))
print(allocate(Money("100.00", "EUR"), [3, 1, 1, 1, 1, 1, 1]))
print(tax_from_gross(Money("12950.00", "EUR"), "22%"))
print("\\n".join(render()))
"""


@pytest.mark.slow
def test_outputs_do_not_depend_on_the_hash_seed() -> None:
    """The same catalog, quote, serialized value, splits and demo text, byte for
    byte, under three hash seeds and a 5-digit caller decimal context."""
    program = _PROGRAM.format(catalog=str(CATALOG))
    outputs = set()
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=300,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
    (text,) = outputs
    # 10 000 cents x 3/9 = 3 333.33 and x 1/9 = 1 111.11 (six times): 9 999 cents
    # floored, and the cent left goes to the largest remainder (0.33), the first part.
    assert "Money('33.34', 'EUR'), Money('11.11', 'EUR')" in text


@pytest.mark.parametrize(
    "seed",
    [
        CATALOG.read_bytes(),
        b'{"plans": {"p": {"name": "P", "currency": "EUR", "base_fee": "1e99"}}}',
        b"[" * 10_000,
        b"\xff\xfe not utf-8",
        b"x = " + b"9" * 5000,
        b"",
    ],
)
def test_the_atheris_catalog_target_takes_its_seeds(seed: bytes) -> None:
    """The atheris target (tests/fuzz/atheris_catalog.py) runs without atheris."""
    one_input(seed)
