"""Bill runs: the same manifests on every runner, from synthetic accounts and Parquet."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.demo import demo_catalog
from billkit.errors import MissingDependencyError, ValidationError
from billkit.parties import Address, Party
from billkit.periods import Period
from billkit.ports import Runner
from billkit.runners import (
    BillRun,
    DaskRunner,
    ProcessRunner,
    RunManifest,
    SequentialRunner,
    bill_run,
    bill_shard,
    make_shards,
    synthetic_accounts,
)

CATALOG = demo_catalog()
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
SELLER = Party(
    kind="legal_entity",
    country="IT",
    name="Chat Srl",
    legal_address=Address(country="IT", city="Milano"),
)


def _run(usage: str | None = None) -> BillRun:
    return BillRun(
        plans=(CATALOG["growth-monthly"], CATALOG["growth-annual-usage"]),
        metric="monthly_active_contacts",
        period=MARCH,
        issue_date=date(2026, 4, 1),
        seller=SELLER,
        locale="it_IT",
        usage=usage,
    )


def _blocks(contacts: int) -> int:
    # Both plans bill 20.00 EUR per started block of 100 contacts over the 1 000
    # included; growth-monthly adds its 99.00 base fee.
    return math.ceil(max(0, contacts - 1000) / 100)


# Importing distributed installs tblib's exception pickling process-wide (which breaks
# pickling some of billkit's errors in later tests): Dask runs in its own interpreter.
DASK_SCRIPT = """
import json, sys
import distributed
sys.path.insert(0, {tests!r})
from test_runners import _run
from billkit.runners import DaskRunner, bill_run, bill_shard, make_shards

if __name__ == "__main__":
    with distributed.LocalCluster(
        n_workers=2, processes=False, threads_per_worker=1, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        runner = DaskRunner(client)
        run = _run()
        result = bill_run(run, accounts={accounts}, shard_size={shard_size}, runner=runner)
        streamed = sorted(m.key for _, m in runner.stream(bill_shard, make_shards(run, {accounts}, {shard_size})))
        print(json.dumps({{
            "shards": [[m.key, m.count, m.digest] for m in result.shards],
            "totals": {{k: str(v) for k, v in result.totals.items()}},
            "digest": result.digest,
            "map": runner.map(abs, [-1, 2, -3]),
            "streamed": streamed,
        }}))
"""


def _on_dask(accounts: int, shard_size: int) -> dict[str, object]:
    if importlib.util.find_spec("distributed") is None:
        pytest.skip("distributed is not installed: pip install 'py-billkit[dask]'")
    script = DASK_SCRIPT.format(
        tests=str(Path(__file__).parent), accounts=accounts, shard_size=shard_size
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def test_every_runner_gives_the_same_manifests() -> None:
    run = _run()
    sequential = bill_run(run, accounts=120, shard_size=25, runner=SequentialRunner())
    processes = bill_run(run, accounts=120, shard_size=25, runner=ProcessRunner(max_workers=2))
    dask = _on_dask(accounts=120, shard_size=25)
    assert [m.key for m in sequential.shards] == [s.key for s in make_shards(run, 120, 25)]
    assert sequential == processes
    assert dask == {
        "shards": [[m.key, m.count, m.digest] for m in sequential.shards],
        "totals": {k: str(v) for k, v in sequential.totals.items()},
        "digest": sequential.digest,
        "map": [1, 2, 3],
        "streamed": sorted(m.key for m in sequential.shards),
    }
    assert sequential.count == 120
    assert len({m.digest for m in sequential.shards}) == 5  # each shard billed other documents


def test_the_totals_are_the_plans_arithmetic() -> None:
    run = _run()
    result = bill_run(run, accounts=40, shard_size=40, runner=SequentialRunner())
    expected = Decimal(0)
    for _account, code, usage in synthetic_accounts(run, 0, 40):
        base = Decimal("99.00") if code == "growth-monthly" else Decimal(0)
        net = base + _blocks(int(usage)) * 20
        # Italian VAT, 22 % of the net, rounded to the cent.
        expected += (net * Decimal("1.22")).quantize(Decimal("0.01"))
    assert result.totals == {"EUR": expected}


def test_a_run_resumes_from_the_manifests_it_already_has() -> None:
    run = _run()
    whole = bill_run(run, accounts=60, shard_size=20, runner=SequentialRunner())
    billed: list[str] = []
    resumed = bill_run(
        run,
        accounts=60,
        shard_size=20,
        runner=SequentialRunner(),
        done=whole.shards[:2],
        on_shard=lambda manifest: billed.append(manifest.key),
    )
    assert resumed == whole
    assert billed == [whole.shards[2].key]


def test_a_run_from_parquet_equals_the_synthetic_run(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    run = _run()
    rows = list(synthetic_accounts(run, 0, 50))
    path = tmp_path / "usage.parquet"
    with duckdb.connect() as db:
        db.execute("CREATE TABLE usage (account BIGINT, plan VARCHAR, usage DECIMAL(18, 0))")
        db.executemany("INSERT INTO usage VALUES (?, ?, ?)", [list(r) for r in reversed(rows)])
        db.execute(f"COPY usage TO '{path}' (FORMAT parquet)")
    from_file = bill_run(_run(str(path)), accounts=50, shard_size=20, runner=ProcessRunner(2))
    assert from_file == bill_run(run, accounts=50, shard_size=20, runner=SequentialRunner())


def test_an_unknown_plan_in_the_usage_is_refused(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    path = tmp_path / "usage.parquet"
    with duckdb.connect() as db:
        db.execute(
            f"COPY (SELECT 0::BIGINT AS account, 'gold' AS plan, 5::BIGINT AS usage)"
            f" TO '{path}' (FORMAT parquet)"
        )
    with pytest.raises(ValidationError, match="plan = 'gold': expected one of"):
        bill_shard(make_shards(_run(str(path)), 1, 1)[0])


@settings(max_examples=20, deadline=None)
@given(accounts=st.integers(0, 60), size=st.integers(1, 70), cut=st.integers(0, 10))
def test_shards_tile_the_accounts_and_any_split_sums_alike(
    accounts: int, size: int, cut: int
) -> None:
    run = _run()
    shards = make_shards(run, accounts, size)
    assert [n for s in shards for n in range(s.start, s.stop)] == list(range(accounts))
    whole = bill_run(run, accounts=accounts, shard_size=size, runner=SequentialRunner())
    other = bill_run(run, accounts=accounts, shard_size=cut + 1, runner=SequentialRunner())
    assert (whole.count, whole.totals) == (other.count, other.totals)


def test_the_runners_are_runners() -> None:
    assert isinstance(SequentialRunner(), Runner)
    assert isinstance(ProcessRunner(), Runner)
    with pytest.raises(ValidationError, match="max_workers = 0"):
        ProcessRunner(max_workers=0)


def test_an_error_in_a_shard_reaches_the_caller() -> None:
    with pytest.raises(ZeroDivisionError):
        ProcessRunner(max_workers=2).map((1).__truediv__, [1, 0, 2])


def test_dask_without_distributed_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingDependencyError, match=r"py-billkit\[dask\]"):
        DaskRunner("tcp://127.0.0.1:8786")


def test_a_run_manifest_sums_its_shards() -> None:
    run = _run()
    result = bill_run(run, accounts=30, shard_size=10, runner=SequentialRunner())
    again = RunManifest.of(reversed(result.shards))
    assert again == result
    assert sum(m.count for m in result.shards) == 30


def test_a_run_manifest_is_a_table_with_exact_totals() -> None:
    run = _run()
    result = bill_run(run, accounts=30, shard_size=10, runner=SequentialRunner())
    table = result.to_table()
    records = table.to_records()
    assert [r["key"] for r in records] == [m.key for m in result.shards]
    assert [r["count"] for r in records] == [10, 10, 10]
    assert sum(r["total"] for r in records) == result.totals["EUR"]
    assert {r["currency"] for r in records} == {"EUR"}
    pa = pytest.importorskip("pyarrow")
    assert pa.table(table).to_pylist() == records  # through __arrow_c_stream__, exact
    assert str(pa.table(table).schema.field("total").type) == "decimal128(38, 2)"
    pytest.importorskip("polars")
    assert table.to_polars()["total"].to_list() == [r["total"] for r in records]
    assert RunManifest.of([]).to_table().to_records() == []
