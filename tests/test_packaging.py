"""What the docs promise about installing billkit is true of pyproject.toml and mkdocs.yml."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
EXTRAS = set(PYPROJECT["project"]["optional-dependencies"])


def _texts() -> list[Path]:
    return [
        *ROOT.glob("docs/*.md"),
        *ROOT.glob("src/billkit/**/*.py"),
        *ROOT.glob("examples/*.py"),
        ROOT / "README.md",
    ]


def test_every_extra_the_docs_or_errors_name_exists() -> None:
    named = {}
    for path in _texts():
        for group in re.findall(r"py-billkit\[([\w,-]+)\]", path.read_text(encoding="utf-8")):
            for extra in group.split(","):
                named.setdefault(extra, path.relative_to(ROOT).as_posix())
    # MissingDependencyError(package, feature, extra) names its extra as an argument.
    for path in ROOT.glob("src/billkit/**/*.py"):
        text = path.read_text(encoding="utf-8")
        for extra in re.findall(r'MissingDependencyError\(\s*"[^"]*",\s*[^,]*,\s*"([\w-]+)"', text):
            named.setdefault(extra, path.relative_to(ROOT).as_posix())
    assert {"words", "dask", "persian"} <= set(named)  # the scan finds what it should
    missing = {extra: where for extra, where in named.items() if extra not in EXTRAS}
    assert not missing


def test_the_docs_never_cite_the_specification() -> None:
    pattern = re.compile(
        r"REQUIREMENTS|shared/|\bseeds?/|\bseed \d{3}|seed's|the seed:|the seed does"
    )
    cited = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _texts()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not cited


def test_the_site_lists_every_docs_page() -> None:
    site = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = {p.name for p in (ROOT / "docs").glob("*.md")}
    listed = set(re.findall(r":\s*([\w-]+\.md)\s*$", site, flags=re.M))
    assert listed == pages


@pytest.mark.parametrize("extra", ["dask", "pandas", "polars", "arrow", "bench", "docs"])
def test_the_test_and_analysis_extras_are_declared(extra: str) -> None:
    assert PYPROJECT["project"]["optional-dependencies"][extra]
