"""``billkit approve``, ``reject``, ``mark-sent``, ``upload-receipt``,
``confirm-receipt`` and ``refuse-receipt`` on a SQLite database the engine keeps.

The database holds the attribution business of ``tests/engine/test_proforma_approval.py``:
Parsian Apps' first proforma, PF-000001, 690 250 000 IRR, issued on 20 April 2026.
Each command opens the business from its kept settings, as ``billkit run`` does.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from billkit.cli import main
from billkit.money import Money
from billkit.storage import SqlStore
from tests.engine.test_proforma_approval import INVOICE_0, PROFORMA_0, TOTAL, _period_billed
from tests.storage.support import migrated_sqlite

APPROVED = "2026-04-22T10:00:00+00:00"


def _database(tmp_path: Path) -> str:
    url = migrated_sqlite(tmp_path)
    store = SqlStore(url)
    _period_billed(store, method=None)  # pays by bank transfer
    store.close()
    return url


def _status(url: str, document: str) -> tuple[str, list[str]]:
    store = SqlStore(url)
    try:
        with store.transaction(readonly=True) as tx:
            return tx.document(document).status, [e.event for e in tx.document_events(document)]
    finally:
        store.close()


def test_approve_send_upload_and_confirm_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _database(tmp_path)
    assert main(["approve", "--db", url, PROFORMA_0, "--at", APPROVED]) == 0
    out = capsys.readouterr().out
    assert out == (
        f"approved: PF-000001 ({PROFORMA_0}), approved\n"
        # issued on 22 April, 10 days to pay: due 2 May
        f"invoice: AT-000001 ({INVOICE_0}), issued, due 2026-05-02\n"
    )
    assert main(["approve", "--db", url, PROFORMA_0, "--at", APPROVED]) == 0  # again: the same
    assert capsys.readouterr().out == out
    scan = tmp_path / "AT-000001.pdf"
    scan.write_bytes(b"%PDF-1.4 the signed invoice AT-000001")
    assert main(["mark-sent", "--db", url, INVOICE_0, "--scan", str(scan)]) == 0
    assert capsys.readouterr().out == (
        f"mark-sent recorded: AT-000001 ({INVOICE_0}), issued, due 2026-05-02\n"
    )
    receipt = tmp_path / "bank-5521.jpg"
    receipt.write_bytes(b"Bank Mellat transfer 5521: 690,250,000 IRR")
    args = ["upload-receipt", "--db", url, INVOICE_0, "--receipt", str(receipt)]
    assert main([*args, "--at", "2026-04-30T09:00:00+03:30"]) == 0
    assert capsys.readouterr().out == (
        f"upload-receipt recorded: AT-000001 ({INVOICE_0}), receipt_uploaded, due 2026-05-02\n"
    )
    assert main(args) == 0
    assert "recorded already: nothing changed" in capsys.readouterr().out
    assert main(["confirm-receipt", "--db", url, INVOICE_0]) == 0
    assert capsys.readouterr().out == (
        f"confirm-receipt recorded: AT-000001 ({INVOICE_0}), paid, due 2026-05-02\n"
    )
    status, events = _status(url, INVOICE_0)
    assert (status, events) == ("paid", ["issue", "send", "upload_receipt", "pay"])
    store = SqlStore(url)
    with store.transaction(readonly=True) as tx:
        upload = tx.document_events(INVOICE_0)[2]
        assert upload.data == {
            "attachment": str(receipt),
            "sha256": hashlib.sha256(receipt.read_bytes()).hexdigest(),
        }
        assert [(e.kind, e.amount) for e in tx.entries("parsian/main")] == [
            ("payment", TOTAL),
            ("charge", -TOTAL),
        ]
        assert tx.balance("parsian/main") == Money("0", "IRR")
    store.close()


def test_reject_and_refuse_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _database(tmp_path)
    reason = ["--reason", "the re-attributions are counted twice"]
    assert main(["reject", "--db", url, PROFORMA_0, *reason, "--at", APPROVED]) == 0
    assert capsys.readouterr().out == f"reject recorded: PF-000001 ({PROFORMA_0}), rejected\n"
    assert main(["reject", "--db", url, PROFORMA_0, *reason]) == 0
    assert "recorded already" in capsys.readouterr().out
    # The period is left to the business: the run that bills the next one says so.
    assert main(["run", "--db", url, "--as-of", "2026-05-20"]) == 0
    assert f"  ? rejected, left to the business: {PROFORMA_0}\n" in capsys.readouterr().out
    # Approving it now is refused: exit 2, one line naming the proforma and its status.
    assert main(["approve", "--db", url, PROFORMA_0]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"billkit: error: proforma = '{PROFORMA_0}': expected an issued")
    assert "it is rejected" in err
    assert err.count("\n") == 1


def test_reissue_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = _database(tmp_path)
    revised = "parsian-attr|2026-03-21|2026-04-20|proforma|1"
    reason = ["--reason", "the re-attributions are counted twice"]
    assert main(["reject", "--db", url, PROFORMA_0, *reason, "--at", APPROVED]) == 0
    capsys.readouterr()
    at = ["--at", "2026-04-24T11:00:00+00:00"]
    for _ in range(2):  # again: the same proforma
        assert main(["reissue", "--db", url, PROFORMA_0, *at]) == 0
        assert capsys.readouterr().out == (
            f"rejected: PF-000001 ({PROFORMA_0}), rejected\n"
            f"asked again: PF-000002 ({revised}), issued\n"
        )
    assert _status(url, PROFORMA_0) == ("rejected", ["issue", "reject", "reissue"])
    # The new one awaits its answer: asking again for it is refused.
    assert main(["reissue", "--db", url, revised]) == 2
    assert "it is issued (it awaits the customer's answer)" in capsys.readouterr().err


def test_refused_input_is_one_line_and_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _database(tmp_path)
    missing = PROFORMA_0.replace("|0", "|7")
    for args, said in (
        (["approve", "--db", url, missing], "not found"),
        (["approve", "--db", url, PROFORMA_0, "--at", "2026-04-22T10:00"], "--at"),
        (["approve", "--db", url, PROFORMA_0, "--at", "22 April"], "an ISO moment"),
        (["reject", "--db", url, PROFORMA_0, "--reason", " "], "reason"),
        (["confirm-receipt", "--db", url, INVOICE_0], "not found"),  # not approved yet
        (["confirm-receipt", "--db", url, PROFORMA_0], "its kind is 'proforma'"),
        (
            ["upload-receipt", "--db", url, INVOICE_0, "--receipt", str(tmp_path / "none.jpg")],
            "none.jpg",
        ),
        (["run", "--db", f"sqlite:///{tmp_path / 'nowhere' / 'x.db'}"], "refused"),
    ):
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert err.startswith("billkit: error: "), args
        assert said in err, (args, err)
        assert err.count("\n") == 1, err
    assert main(["approve", "--db", url, PROFORMA_0, "--at", APPROVED]) == 0
    capsys.readouterr()
    for args, said in (
        (["confirm-receipt", "--db", url, INVOICE_0], "its status 'issued'"),
        (["refuse-receipt", "--db", url, INVOICE_0, "--reason", "no"], "its status 'issued'"),
        (["reject", "--db", url, PROFORMA_0, "--reason", "late"], "it is approved"),
    ):
        assert main(args) == 2, args
        assert said in capsys.readouterr().err, args
    with pytest.raises(SystemExit) as exited:  # argparse: --reason is required
        main(["reject", "--db", url, PROFORMA_0])
    assert exited.value.code == 2
    assert "--reason" in capsys.readouterr().err
    assert _status(url, PROFORMA_0) == ("approved", ["issue", "approve"])


def test_confirm_part_of_an_invoice_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _database(tmp_path)
    assert main(["approve", "--db", url, PROFORMA_0, "--at", APPROVED]) == 0
    receipt = tmp_path / "bank-5521.jpg"
    receipt.write_bytes(b"Bank Mellat transfer 5521: 400,000,000 IRR")
    assert main(["upload-receipt", "--db", url, INVOICE_0, "--receipt", str(receipt)]) == 0
    capsys.readouterr()
    # 400 000 000 of 690 250 000: the invoice is issued again, owed the rest.
    assert main(["confirm-receipt", "--db", url, INVOICE_0, "--amount", "400000000"]) == 0
    assert capsys.readouterr().out == (
        f"confirm-receipt recorded: AT-000001 ({INVOICE_0}), issued, due 2026-05-02\n"
    )
    assert _status(url, INVOICE_0)[1][-1] == "confirm_part"
    store = SqlStore(url)
    with store.transaction(readonly=True) as tx:
        assert [(e.kind, e.amount) for e in tx.entries("parsian/main")] == [
            ("payment", Money("400000000", "IRR"))
        ]
    store.close()
    # More than the rest is refused: exit 2, one line naming the amount.
    receipt.write_bytes(b"Bank Mellat transfer 5530: 300,000,000 IRR")
    assert main(["upload-receipt", "--db", url, INVOICE_0, "--receipt", str(receipt)]) == 0
    assert main(["confirm-receipt", "--db", url, INVOICE_0, "--amount", "300000000"]) == 2
    err = capsys.readouterr().err
    assert "amount = Money('300000000', 'IRR'): expected at most the 290250000.00 IRR" in err
    assert main(["confirm-receipt", "--db", url, INVOICE_0, "--amount", "eleven"]) == 2
    assert capsys.readouterr().err.startswith("billkit: error: amount = 'eleven'")
