"""The ``billkit`` command.

``billkit demo`` prices the five demo businesses and prints explained quotes,
then runs a month of them on the engine (a SQLite file, the sandbox gateway,
a fixed clock) and prints what happened day by day;
``billkit quote`` prices usage under a plan from a catalog file;
``billkit check`` validates a catalog file; ``billkit db upgrade URL`` brings
a database's storage schema up to date and ``billkit db current URL`` shows
its revision; ``billkit run --db URL --as-of DATE`` runs month end on a
database the engine keeps (:mod:`billkit.engine`) and ``billkit simulate
--db URL --until DATE`` runs it day by day; ``billkit --version``.

The steps of a business that bills by proforma with the customer's approval
(``proforma_approval``), on the same database: ``billkit approve --db URL
PROFORMA`` and ``billkit reject --db URL PROFORMA --reason TEXT`` (the
customer's answer), ``billkit reissue --db URL PROFORMA`` (a rejected
proforma asked again, by the proforma of its next revision), ``billkit mark-sent --db URL INVOICE --scan FILE`` (the
official invoice sent, with its scan), ``billkit upload-receipt --db URL
INVOICE --receipt FILE`` (the customer's payment receipt), ``billkit
confirm-receipt --db URL INVOICE [--amount AMOUNT]`` (``--amount``: a
partial payment) and ``billkit refuse-receipt --db URL
INVOICE --reason TEXT`` (the business's check of it). Each takes ``--at``
(an ISO moment with its offset; now by default) and ``--business``.

``run`` and ``simulate`` draw a progress bar on stderr when stderr is a
terminal (``--progress`` draws it anyway, ``--no-progress`` never): the
accounts billed of those due, or the days simulated.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import TYPE_CHECKING, TextIO

from billkit._version import __version__
from billkit.errors import BillkitError, PricingError, StoreError, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from billkit.engine import Billing, RunReport
    from billkit.ports import FixedClock, LockScope, Store, Transaction

__all__ = ["main"]


def _usage_pair(text: str) -> tuple[str, Decimal]:
    from billkit.money import to_decimal

    metric, sep, value = text.partition("=")
    if not sep or not metric:
        raise PricingError("--usage", text, "METRIC=QUANTITY, such as emails_sent=4000")
    return metric.strip(), to_decimal(value, field=f"--usage {metric.strip()}")


def _demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from billkit.demo import render

    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        raise ValidationError("--out", args.out, "a directory (a file of that name exists)")

    print(f"billkit {__version__} demo: the five businesses of billkit's requirements\n")
    print("Their prices, explained\n=======================\n")
    print("\n\n".join(render()))
    month: list[Path] = []
    if not args.quotes:
        month = _demo_story(args)
    if args.out:
        from billkit._demo_documents import write_demo_documents

        paths = write_demo_documents(args.out) + month
        print(
            f"\nExample documents (PDF and HTML, five languages; FatturaPA XML for the Italian"
            f" invoices) in {args.out}:"
        )
        for path in paths:
            print(f"  {path}")
    return 0


def _demo_story(args: argparse.Namespace) -> list[Path]:
    """Run the month and print it; with ``--out``, render its documents (the
    store is still open) into ``DIR/month``: their paths."""
    import tempfile
    from pathlib import Path

    from billkit._demo_story import tell
    from billkit.errors import MissingDependencyError
    from billkit.storage import MemoryStore

    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp(prefix='billkit-demo-')) / 'demo.db'}"
    title = "A month of the five businesses on the engine"
    print(f"\n\n{title}\n{'=' * len(title)}\n")
    started = time.perf_counter()
    store: Store
    try:
        from billkit.storage import SqlStore

        store = SqlStore(url, schema=args.schema, upgrade=True)
    except MissingDependencyError:
        if args.db:
            raise
        # A plain install has no SQLAlchemy: the same month, kept in memory.
        store, url = MemoryStore(), "in memory (a SQLite file needs py-billkit[sql])"
    except _database_errors() as error:
        raise _database(url, error) from None
    print(f"Database: {url}")
    print("Payments: the sandbox gateway. Clock: fixed, moved one day at a time.\n")
    try:
        story = tell(store)
        print(f"The month took {time.perf_counter() - started:.1f} s.")
        return story.write_documents(Path(args.out) / "month") if args.out else []
    finally:
        store.close()


def _quote(args: argparse.Namespace) -> int:
    from billkit.periods import Period
    from billkit.pricing import load_catalog, quote

    catalog = load_catalog(args.catalog)
    usage = dict(_usage_pair(item) for item in args.usage)
    print(quote(catalog[args.plan], usage, Period.parse(args.period)).explain())
    return 0


def _check(args: argparse.Namespace) -> int:
    from billkit.pricing import load_catalog

    catalog = load_catalog(args.catalog)
    print(f"{args.catalog}: {len(catalog)} plans: {', '.join(catalog.codes)}")
    return 0


def _database_errors() -> tuple[type[Exception], ...]:
    try:
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:  # billkit.storage says which extra to install
        return ()
    return (SQLAlchemyError,)


def _database(url: str, error: Exception) -> StoreError:
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return StoreError(f"{url}: the database refused: {first}")


def _db_upgrade(args: argparse.Namespace) -> int:
    from billkit.storage import HEAD, current_revision, upgrade

    try:
        before = current_revision(args.url, schema=args.schema)
        after = upgrade(args.url, schema=args.schema)
    except _database_errors() as error:
        raise _database(args.url, error) from None
    if before == after:
        print(f"{args.url}: already at revision {after} (newest: {HEAD})")
    else:
        print(f"{args.url}: upgraded from {before or 'an empty database'} to revision {after}")
    return 0


def _db_current(args: argparse.Namespace) -> int:
    from billkit.storage import HEAD, current_revision

    try:
        revision = current_revision(args.url, schema=args.schema)
    except _database_errors() as error:
        raise _database(args.url, error) from None
    if revision is None:
        print(f"{args.url}: no billkit schema (run `billkit db upgrade {args.url}`)")
        return 1
    state = "up to date" if revision == HEAD else f"behind {HEAD}: run `billkit db upgrade`"
    print(f"{args.url}: revision {revision} ({state})")
    return 0 if revision == HEAD else 1


def _engine(url: str, on: str | None, business: str | None = None) -> tuple[Billing, FixedClock]:
    from datetime import date, datetime, time, timezone

    from billkit.engine import Billing
    from billkit.notify import MemoryNotifier
    from billkit.payments import SandboxGateway
    from billkit.ports import FixedClock, SystemClock
    from billkit.storage import SqlStore

    day = date.fromisoformat(on) if on else SystemClock().today()
    clock = FixedClock(datetime.combine(day, time(), tzinfo=timezone.utc))
    store = SqlStore(url)
    try:
        engine = Billing(
            store, SandboxGateway(clock=clock), MemoryNotifier(), clock, business=business
        )
    except BaseException:
        store.close()
        raise
    return engine, clock


def _engine_at(url: str, at: str | None, business: str | None) -> Billing:
    """The business kept in ``url`` (as ``run`` opens it) on a clock stopped at
    ``at`` (an ISO moment with its offset; now by default)."""
    from datetime import datetime

    from billkit.engine import Billing
    from billkit.notify import MemoryNotifier
    from billkit.payments import SandboxGateway
    from billkit.ports import FixedClock, SystemClock
    from billkit.storage import SqlStore

    moment = SystemClock().now()
    if at is not None:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            moment = moment.replace(tzinfo=None)  # refused below
        if moment.utcoffset() is None:
            raise ValidationError("--at", at, "an ISO moment with its offset (2026-04-22T10:00Z)")
    clock = FixedClock(moment)
    try:
        store = SqlStore(url)
    except _database_errors() as error:
        raise _database(url, error) from None
    try:
        return Billing(
            store, SandboxGateway(clock=clock), MemoryNotifier(), clock, business=business
        )
    except BaseException:
        store.close()
        raise


def _document_line(engine: Billing, document: str) -> str:
    """``NUMBER (id), STATUS`` (and an invoice's due day), as the store has it now."""
    with engine.store.transaction(readonly=True) as tx:
        doc = tx.document(document)
    due = doc.data.get("due_date") if doc.kind == "invoice" else None
    return f"{doc.number or '-'} ({doc.id}), {doc.status}" + (f", due {due}" if due else "")


def _answer(args: argparse.Namespace) -> int:
    """``approve``, ``reject``, ``reissue``, ``mark-sent``, ``upload-receipt``,
    ``confirm-receipt`` and ``refuse-receipt``: one step, its outcome printed."""
    from pathlib import Path

    from billkit import _checks as checks
    from billkit.errors import BillingError

    engine = _engine_at(args.db, args.at, args.business)
    try:
        document = args.document
        if args.command == "approve":
            invoice = engine.approve(document)
            print(f"approved: {_document_line(engine, document)}")
            print(f"invoice: {_document_line(engine, invoice)}")
            return 0
        if args.command == "reissue":
            again = engine.reissue(document)
            print(f"rejected: {_document_line(engine, document)}")
            print(f"asked again: {_document_line(engine, again)}")
            return 0
        done = True
        if args.command == "reject":
            done = engine.reject(document, reason=args.reason)
        elif args.command == "mark-sent":
            path = Path(args.scan)
            done = engine.mark_sent(document, attachment=str(path), content=path.read_bytes())
        elif args.command == "upload-receipt":
            path = Path(args.receipt)
            done = engine.upload_receipt(document, attachment=str(path), content=path.read_bytes())
        elif args.command == "confirm-receipt":
            amount = None
            if args.amount is not None:
                with engine.store.transaction(readonly=True) as tx:
                    total = tx.document(document).total
                code = total.currency.code if total is not None else None
                amount = checks.money("amount", args.amount, code, error=BillingError)
            engine.confirm_receipt(document, amount=amount)
        else:
            done = engine.refuse_receipt(document, reason=args.reason)
        what = "recorded" if done else "recorded already: nothing changed"
        print(f"{args.command} {what}: {_document_line(engine, document)}")
        return 0
    finally:
        engine.store.close()


def _summary(report: RunReport) -> str:
    totals = ", ".join(f"{amount} {code}" for code, amount in report.invoiced) or "-"
    rows = [
        ("day", report.as_of.isoformat()),
        ("subscriptions billed", str(report.billed)),
        ("documents issued", str(len(report.issued))),
        ("invoiced", totals),
        ("payments taken", str(report.paid)),
        ("payments failed", str(report.failed_payments)),
        ("accounts skipped", str(len(report.failures))),
    ]
    lines = [f"  {name:<22} {value}" for name, value in rows]
    lines += [f"  ! {who}: {why}" for who, why in report.failures]
    lines += [f"  ? rejected, left to the business: {doc}" for doc in report.rejected]
    return "\n".join(lines)


class _Progress:
    """A progress bar on one line of ``stream``: ``label [#####-----] done/total  40%  0:12``.

    Redrawn in place (a carriage return) at most ten times a second, and
    always on the first step and the last; :meth:`close` ends the line.
    Nothing is written when it is not ``enabled``.
    """

    WIDTH = 30

    def __init__(self, total: int, label: str, stream: TextIO, *, enabled: bool) -> None:
        self.total, self.label, self.stream, self.enabled = max(total, 0), label, stream, enabled
        self.done = 0
        self.started = self.drawn = time.monotonic()
        self.shown = -1

    def step(self, count: int = 1) -> None:
        """``count`` more done (never beyond the total)."""
        self.done = min(self.done + count, self.total)
        now = time.monotonic()
        if self.shown < 0 or self.done == self.total or now - self.drawn >= 0.1:
            self._draw(now)

    def _draw(self, now: float) -> None:
        if not self.enabled or self.shown == self.done:
            return
        filled = self.WIDTH * self.done // self.total if self.total else self.WIDTH
        share = 100 * self.done // self.total if self.total else 100
        seconds = int(now - self.started)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(
            f"\r{self.label} [{bar}] {self.done}/{self.total} {share:3d}%"
            f"  {seconds // 60}:{seconds % 60:02d}"
        )
        self.stream.flush()
        self.shown, self.drawn = self.done, now

    def close(self) -> None:
        """Draw the last state and end the line."""
        if self.enabled:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()


def _progress(args: argparse.Namespace, total: int, label: str) -> _Progress:
    """The bar of ``run``/``simulate``: drawn when stderr is a terminal or ``--progress``."""
    enabled = sys.stderr.isatty() if args.progress is None else bool(args.progress)
    return _Progress(total, label, sys.stderr, enabled=enabled)


class _Watched:
    """A store that ticks ``bar`` when the engine first locks a due account to bill it.

    The engine bills each customer in one transaction that locks the
    customer's account (``account:<id>``, :class:`billkit.ports.Store`'s lock
    scopes); the run itself is not touched.
    """

    def __init__(self, store: Store, due: set[str], bar: _Progress) -> None:
        self.store, self.due, self.bar = store, due, bar

    def transaction(
        self, *, lock: LockScope = None, readonly: bool = False
    ) -> AbstractContextManager[Transaction]:
        scopes = [lock] if isinstance(lock, str) else list(lock or ())
        for scope in scopes:
            customer = scope.removeprefix("account:")
            if scope.startswith("account:") and customer in self.due:
                self.due.discard(customer)
                self.bar.step()
        return self.store.transaction(lock=lock, readonly=readonly)

    def close(self) -> None:
        self.store.close()


def _run(args: argparse.Namespace) -> int:
    engine, clock = _engine(args.db, args.as_of, args.business)
    store = engine.store
    try:
        with store.transaction(readonly=True) as tx:
            due = tx.subscriptions_due(clock.today(), id_from=args.id_from, id_to=args.id_to)
        customers = {s.customer for s in due}
        bar = _progress(args, len(customers), "billing")
        engine.store = _Watched(store, customers, bar)
        try:
            report = engine.run(id_from=args.id_from, id_to=args.id_to)
        finally:
            engine.store = store
            bar.step(bar.total)
            bar.close()
    finally:
        store.close()
    print(f"billkit run on {args.db}")
    print(_summary(report))
    return 1 if report.failures else 0


def _simulate(args: argparse.Namespace) -> int:
    from datetime import date, timedelta

    engine, clock = _engine(args.db, args.start, args.business)
    start, until = clock.today(), date.fromisoformat(args.until)
    days = failures = 0
    bar = _progress(args, (until - start).days + 1, "simulating")
    try:
        while clock.today() <= until:
            report = engine.run()
            days += 1
            failures += len(report.failures)
            if report.issued or report.paid or report.failed_payments or report.failures:
                print(_summary(report))
            bar.step()
            clock.advance(timedelta(days=1))
    finally:
        bar.close()
        engine.store.close()
    print(f"simulated {days} days from {start} to {until}")
    return 1 if failures else 0


def _business_flag(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--business",
        help="the business (its seller and settings kept in the database) when several share it",
    )


def _progress_flag(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a progress bar on stderr (default: when stderr is a terminal)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="billkit", description="Exact, explained billing computations."
    )
    parser.add_argument("--version", action="version", version=f"billkit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="price the five demo businesses, then run a month of them on the engine"
    )
    demo.add_argument(
        "--out",
        metavar="DIR",
        help="also write example PDF and HTML documents (and FatturaPA XML) into DIR",
    )
    demo.add_argument(
        "--db",
        metavar="URL",
        help="an empty database for the month (a new SQLite file in a temporary directory"
        " by default; postgresql+psycopg://... for PostgreSQL)",
    )
    demo.add_argument("--schema", help="a PostgreSQL schema for the month's tables")
    demo.add_argument(
        "--quotes", action="store_true", help="only the explained prices (no month on the engine)"
    )
    demo.set_defaults(run=_demo)
    q = commands.add_parser("quote", help="price usage under a plan of a catalog file")
    q.add_argument("catalog", help="a catalog file (.toml or .json)")
    q.add_argument("plan", help="the plan code")
    q.add_argument("--period", required=True, help="START..END, e.g. 2026-03-01..2026-04-01")
    q.add_argument(
        "--usage", action="append", default=[], metavar="METRIC=QUANTITY", help="repeatable"
    )
    q.set_defaults(run=_quote)
    check = commands.add_parser("check", help="validate a catalog file")
    check.add_argument("catalog")
    check.set_defaults(run=_check)
    db = commands.add_parser("db", help="the storage schema of a database (needs py-billkit[sql])")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    for name, run, text in (
        ("upgrade", _db_upgrade, "create or migrate the schema to the newest revision"),
        ("current", _db_current, "show the schema revision (exit 1 if missing or behind)"),
    ):
        sub = db_commands.add_parser(name, help=text)
        sub.add_argument("url", help="sqlite:///billing.db or postgresql+psycopg://...")
        sub.add_argument("--schema", help="a PostgreSQL schema to keep the tables in")
        sub.set_defaults(run=run)
    month = commands.add_parser("run", help="bill what is due and collect payment (the engine)")
    month.add_argument("--db", required=True, help="the engine's database URL")
    month.add_argument("--as-of", help="the day to run for (YYYY-MM-DD, today by default)")
    month.add_argument("--id-from", help="the first subscription id of this worker's shard")
    month.add_argument("--id-to", help="the subscription id after this worker's shard")
    _business_flag(month)
    _progress_flag(month)
    month.set_defaults(run=_run)
    sim = commands.add_parser("simulate", help="run the engine day by day on a fixed clock")
    sim.add_argument("--db", required=True, help="the engine's database URL")
    sim.add_argument("--from", dest="start", help="the first day (today by default)")
    sim.add_argument("--until", required=True, help="the last day (YYYY-MM-DD)")
    _business_flag(sim)
    _progress_flag(sim)
    sim.set_defaults(run=_simulate)
    for name, what, text, extra in (
        ("approve", "PROFORMA", "the customer approves a proforma: its invoice is issued", None),
        ("reject", "PROFORMA", "the customer rejects a proforma: no invoice", "--reason"),
        ("reissue", "PROFORMA", "a rejected proforma asked again: its next revision", None),
        ("mark-sent", "INVOICE", "the official invoice was sent, with its scan", "--scan"),
        ("upload-receipt", "INVOICE", "the customer's payment receipt, to confirm", "--receipt"),
        ("confirm-receipt", "INVOICE", "the receipt is confirmed: the invoice is paid", None),
        ("refuse-receipt", "INVOICE", "the receipt is refused: the invoice is due", "--reason"),
    ):
        step = commands.add_parser(name, help=text)
        step.add_argument("--db", required=True, help="the engine's database URL")
        step.add_argument("document", metavar=what, help=f"the {what.lower()}'s id")
        if extra == "--reason":
            step.add_argument("--reason", required=True, help="why, told to the customer")
        elif extra is not None:
            step.add_argument(
                extra, required=True, metavar="FILE", help="the file (its SHA-256 kept)"
            )
        if name == "confirm-receipt":
            step.add_argument(
                "--amount",
                help="the amount the receipt shows, in the invoice's currency "
                "(all it still owes by default; less is a partial payment)",
            )
        step.add_argument("--at", help="when (an ISO moment with its offset; now by default)")
        _business_flag(step)
        step.set_defaults(run=_answer)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for refused input).

    A user's mistake (bad input, a file that cannot be read or written, a
    database that cannot be opened) is one line on stderr, never a traceback.
    """
    args = _parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except BillkitError as error:
        print(f"billkit: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        print(f"billkit: error: {where}{error.strerror or error}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
