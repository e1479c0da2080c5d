"""An atheris (libFuzzer) target for the catalog loader (issue 17, optional).

atheris is not a dependency of billkit nor of its tests; install it beside
them to run the target (it has wheels for Linux and macOS)::

    python3 -m venv /tmp/fuzz && /tmp/fuzz/bin/pip install -e '.[test]' atheris
    /tmp/fuzz/bin/python tests/fuzz/atheris_catalog.py -max_total_time=60 CORPUS_DIR

Extra arguments go to libFuzzer (a corpus directory, ``-runs=``,
``-max_len=``). Every input is read as TOML text, as JSON text and as a
catalog file's bytes: only a ``BillkitError`` may escape, and a catalog that
is accepted writes back (``dumps_catalog``) to text that reads as the same
catalog. ``one_input`` runs without atheris too: ``tests/fuzz/test_fuzz_cli.py``
feeds it a few seeds in the normal test run.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

from billkit.errors import BillkitError
from billkit.pricing import dumps_catalog, load_catalog, loads_catalog

_FILE = Path(tempfile.gettempdir()) / f"billkit-atheris-{id(sys)}.toml"


def one_input(data: bytes) -> None:
    """Read ``data`` as a catalog every way; fail on anything but a BillkitError."""
    text = data.decode("utf-8", "replace")
    for fmt in ("toml", "json"):
        try:
            catalog = loads_catalog(text, fmt)  # type: ignore[arg-type]
        except BillkitError:
            continue
        again = loads_catalog(dumps_catalog(catalog, fmt), fmt)  # type: ignore[arg-type]
        assert again == catalog, (fmt, text)
    _FILE.write_bytes(data)
    with contextlib.suppress(BillkitError):
        load_catalog(_FILE)


def main() -> None:  # pragma: no cover - run by hand, under atheris
    import atheris  # type: ignore[import-not-found]

    atheris.instrument_all()
    atheris.Setup(sys.argv, one_input)
    try:
        atheris.Fuzz()
    finally:
        _FILE.unlink(missing_ok=True)


if __name__ == "__main__":  # pragma: no cover
    main()
