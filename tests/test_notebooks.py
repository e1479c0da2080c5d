"""The notebooks in examples/ run from top to bottom (they assert their own figures)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "examples").glob("*.ipynb"))
# nbclient runs in its own interpreter: jupyter's import-time warnings stay out of this one.
RUN = """
import json, sys
import nbclient, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
last = nb.cells[-1].outputs
print(json.dumps([o.get("data", {}).get("text/plain", o.get("text", "")) for o in last]))
"""


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(notebook: Path) -> None:
    missing = [
        m for m in ("nbclient", "ipykernel", "pandas") if importlib.util.find_spec(m) is None
    ]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: pip install -e '.[test]'")
    src = str(Path(__file__).parent.parent / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(notebook)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        cwd=notebook.parent,
    )
    assert done.returncode == 0, done.stderr[-5000:]
    outputs = json.loads(done.stdout.splitlines()[-1])
    assert outputs, "the last cell should show its result"


def test_notebooks_are_committed_without_outputs() -> None:
    for notebook in NOTEBOOKS:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code"), notebook
