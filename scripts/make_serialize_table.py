"""Write ``src/billkit/_serialize_table.py``: the tags of the core rooms' value classes.

``serialize`` names each saved value by a tag (``billkit.pricing.Plan``). Which
classes have a tag is found by importing every public module of the core
rooms and walking their ``__all__`` and the fields of what they list
(``serialize._build_registry``): about 60 modules and 230 classes that a
process saving or reading a few values never needs (a bill-run worker spent a
quarter of its ``import billkit`` there, more where no bytecode cache is
written). The table keeps that walk's result, tag -> ``module:qualname`` in
the walk's order, so ``serialize`` looks a class up by where it is defined
and imports a tag's class only when data names it.

``tests/serialize/test_registry_table.py`` checks the table equals the walk:
after a value class is added, renamed or moved, the test fails until this
script is run again::

    PYTHONPATH=src python scripts/make_serialize_table.py

The module is deterministic, formatted by ruff like the rest of the code.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "src/billkit/_serialize_table.py"


def table() -> dict[str, str]:
    """The walk's registry: tag -> ``module:qualname``, in its order."""
    from billkit.serialize import _build_registry

    _tags, by_tag = _build_registry()
    return {tag: f"{cls.__module__}:{cls.__qualname__}" for tag, cls in by_tag.items()}


def source() -> str:
    """The text of ``_serialize_table.py``."""
    rows = "".join(f"    {tag!r}: {where!r},\n" for tag, where in table().items())
    return f'''"""The tags of the core rooms' value classes (generated: do not edit; private).

Written by ``scripts/make_serialize_table.py`` from ``serialize._build_registry()``;
``tests/serialize/test_registry_table.py`` checks it equals that walk.
"""

from __future__ import annotations

TAGS: dict[str, str] = {{
{rows}}}
"""Tag -> ``module:qualname`` of its class, in the walk's order."""
'''


def main() -> None:
    TARGET.write_text(source(), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(TARGET)], check=True)
    print(f"wrote {TARGET}", file=sys.stderr)


if __name__ == "__main__":
    main()
