"""The billkit command, run in-process through billkit.cli.main."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

import billkit
from billkit.cli import main
from tests.storage.support import _postgres_schema  # noqa: F401 (fixture)


@pytest.fixture(autouse=True)
def _temporary_files_in_pytest_tmp(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``billkit demo`` keeps its SQLite file in a new temporary directory: pytest's."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("tmp")))


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"billkit {billkit.__version__}"


def test_demo_prices_the_five_businesses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for business in ("1. Analytics", "2. Email", "3. Cloud", "4. Messaging", "5. Mobile"):
        assert business in out
    # The analytics tariff of 10 000 RUB a month, grouped by thousands.
    assert "1 x 10,000.00" in out
    # 250 contacts over the 1 000 included -> 3 blocks of 100 at 20.00 = 60.00.
    assert "3 packages of 100: 3 x 20.00 = 60.00" in out
    # 9 200 + 1 400 + 650 = 11 250 billable attributions.
    assert "= 11,250." in out
    # 15.5 GB of backups at 2.50 = 38.75, shown to the rouble's two decimals (never 38.750).
    assert "per unit: 15.5 x 2.50 = 38.75 " in out
    assert "38.750" not in out
    # Whole rials: 10 % of the 450 000 000 base fee is 45 000 000, no decimals.
    assert "10% of base: 450,000,000 x 0.10 = 45,000,000 " in out
    # Then the month on the engine, on a new SQLite file: the day-by-day log and the summary.
    assert "Database: sqlite:///" in out
    assert "Sat 30 May 2026" in out
    assert "Credit limit blocked" in out
    # The analytics customer: 2 x 12 200.00 = 24 400.00 invoiced, and
    # 90 000.00 + 30 000.00 bonus - 24 400.00 = 95 600.00 left, as Russian writes roubles.
    (metrika,) = [line for line in out.splitlines() if line.startswith("Analytics SaaS")]
    assert re.split(" {2,}", metrika) == [
        "Analytics SaaS (RUB)",
        "1-metrika",
        "2",
        "24\xa0400,00\xa0₽",
        "2",
        "95\xa0600,00\xa0₽",
    ]


def test_demo_quotes_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--quotes"]) == 0
    out = capsys.readouterr().out
    assert "3 packages of 100: 3 x 20.00 = 60.00" in out
    assert "Database:" not in out


def test_demo_on_a_database_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert main(["demo", "--db", url]) == 0
    assert f"Database: {url}" in capsys.readouterr().out
    assert (tmp_path / "demo.db").stat().st_size > 0


def test_demo_without_sqlalchemy_runs_in_memory(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import billkit.storage
    from billkit.errors import MissingDependencyError

    def missing(*args: object, **kwargs: object) -> None:
        raise MissingDependencyError("SQLAlchemy", "SqlStore", "sql")

    monkeypatch.setattr(billkit.storage, "SqlStore", missing)
    assert main(["demo"]) == 0  # a plain `pip install .` has no SQLAlchemy
    out = capsys.readouterr().out
    assert "Database: in memory (a SQLite file needs py-billkit[sql])" in out
    assert "Credit limit unblocked" in out
    assert main(["demo", "--db", "sqlite:///x.db"]) == 2  # asked for a database: refused


@pytest.mark.postgres
def test_demo_on_postgresql(capsys: pytest.CaptureFixture[str], postgres_schema: Any) -> None:
    postgres_schema.empty()
    assert main(["demo", "--db", postgres_schema.url, "--schema", postgres_schema.name]) == 0
    out = capsys.readouterr().out
    assert "Credit limit unblocked" in out
    assert "0 failed runs" in out


CATALOG = """
[[plans]]
code = "pro"
name = "Pro"
currency = "EUR"
base_fee = "49.00"

[[plans.charges]]
code = "api"
metric = "api_calls"
included = "10000"
model = { type = "per_unit", unit_price = "0.002" }
"""


def test_quote_and_check_a_catalog_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plans.toml"
    path.write_text(CATALOG, encoding="utf-8")
    assert main(["check", str(path)]) == 0
    assert "1 plans: pro" in capsys.readouterr().out
    status = main(
        [
            "quote",
            str(path),
            "pro",
            "--period",
            "2026-03-01..2026-04-01",
            "--usage",
            "api_calls=12500",
        ]
    )
    assert status == 0
    out = capsys.readouterr().out
    # 49.00 + (12 500 - 10 000) x 0.002 = 49.00 + 5.00
    assert "54.00" in out.splitlines()[-1]


def test_refused_input_is_reported_not_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plans.toml"
    path.write_text(CATALOG, encoding="utf-8")
    status = main(
        ["quote", str(path), "pro", "--period", "2026-03-01..2026-04-01", "--usage", "api_cals=1"]
    )
    assert status == 2
    err = capsys.readouterr().err
    assert "usage['api_cals']" in err
    assert "api_calls" in err
    assert (
        main(
            [
                "quote",
                str(path),
                "pro",
                "--period",
                "2026-03-01..2026-04-01",
                "--usage",
                "api_calls=0.5.1",
            ]
        )
        == 2
    )
    assert main(["check", str(tmp_path / "missing.toml")]) == 2


def test_demo_writes_documents_in_five_languages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--out", str(tmp_path)]) == 0
    pdfs = sorted(p.name for p in tmp_path.glob("*.pdf"))
    # One document per business at least, in each of the five languages.
    assert {name.split("-")[0] for name in pdfs} == {"1", "2", "3", "4", "5"}
    assert {name.rsplit("-", 1)[1] for name in pdfs} == {
        "en.pdf",
        "ru.pdf",
        "uk.pdf",
        "it.pdf",
        "fa.pdf",
    }
    assert all((tmp_path / name).read_bytes().startswith(b"%PDF-") for name in pdfs)
    assert len(list(tmp_path.glob("*.html"))) == len(pdfs)
    # FatturaPA XML for the Italian seller's invoices and credit note (business 4)
    xmls = sorted(p.name for p in tmp_path.glob("*.xml"))
    assert xmls == [
        "4-messaging-credit-note-it.xml",
        "4-messaging-reverse-charge-invoice-en.xml",
        "4-messaging-subscription-invoice-it.xml",
        "4-messaging-usage-invoice-it.xml",
    ]
    assert all(b"FPR12" in (tmp_path / name).read_bytes() for name in xmls)
    out = capsys.readouterr().out
    assert str(tmp_path) in out
    # The month's documents too, rendered from the engine's store, one PDF and one HTML each.
    month = sorted(p.name for p in (tmp_path / "month").glob("*.pdf"))
    assert "4-bolt-CHAT-000003.pdf" in month
    # Each carries the number the store gave it when it was issued (not "draft").
    page = (tmp_path / "month" / "4-bolt-CHAT-000003.html").read_text(encoding="utf-8")
    assert "CHAT-000003" in page
    assert len(list((tmp_path / "month").glob("*.html"))) == len(month) > 10
