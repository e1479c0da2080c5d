"""How long does a document take to explain its lines in its language?

A month-end bill run makes each account's invoice from a template compiled once
per plan and locale (``invoicing._template``); a metered line's explanation is
written there from the line's figures (``_explainer_in_words`` for a document
in Russian, Ukrainian, Italian or Persian, ``_explainer`` for English). This
times, per document, the explainers alone (every metered line of a quote) and
the whole compiled invoice, on one plan (base fee, graduated in 4 tiers with 50
units included, volume in 4 tiers, packages of 100 with 20 units free, per
unit), over 2 000 usage profiles, in each locale.

Times are CPU time (``time.process_time``), medians of interleaved rounds.
To compare two versions of billkit, run this script under each alternately in
one session (``PYTHONPATH=<worktree>/src``), e.g. ``--rounds 5`` each, several
times; each run prints one line per locale and measure.

Run: ``python benchmarks/bench_explain.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date
from decimal import Decimal

from billkit.invoicing import DocumentTerms
from billkit.invoicing._template import compile_invoice
from billkit.money import Money
from billkit.parties import Party
from billkit.periods import Period
from billkit.pricing import Charge, Graduated, Package, PerUnit, Plan, Tier, Volume, quote

EUR = "EUR"
PERIOD = Period(date(2026, 3, 1), date(2026, 4, 1))


def _eur(amount: str) -> Money:
    return Money(amount, EUR)


PLAN = Plan(
    code="bench",
    name="Benchmark plan",
    currency=EUR,
    base_fee=_eur("49.00"),
    charges=[
        Charge(
            code="api",
            metric="api_calls",
            included=50,
            model=Graduated(
                tiers=[
                    Tier(up_to=1000, unit_price=_eur("0.05")),
                    Tier(up_to=10000, unit_price=_eur("0.04")),
                    Tier(up_to=100000, unit_price=_eur("0.03")),
                    Tier(up_to=None, unit_price=_eur("0.02")),
                ]
            ),
        ),
        Charge(
            code="seats",
            metric="seats",
            model=Volume(
                tiers=[
                    Tier(up_to=10, unit_price=_eur("12.00")),
                    Tier(up_to=50, unit_price=_eur("10.00")),
                    Tier(up_to=200, unit_price=_eur("8.00")),
                    Tier(up_to=None, unit_price=_eur("6.00")),
                ]
            ),
        ),
        Charge(
            code="contacts",
            metric="contacts",
            model=Package(size=Decimal(100), price=_eur("15.00"), included=Decimal(20)),
        ),
        Charge(code="sms", metric="sms", model=PerUnit(unit_price=_eur("0.035"))),
    ],
)
SELLER = Party(kind="legal_entity", country="IT", name="Bench Srl")
LOCALES = ("en", "ru_RU", "uk_UA", "it_IT", "fa_IR")


def profiles(n: int) -> list[dict[str, Decimal]]:
    rng = random.Random(7)
    return [
        {
            "api_calls": Decimal(rng.randrange(0, 200_000)),
            "seats": Decimal(rng.randrange(0, 400)),
            "contacts": Decimal(rng.randrange(0, 5_000)),
            "sms": Decimal(rng.randrange(0, 3_000)),
        }
        for _ in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profiles", type=int, default=2000)
    args = parser.parse_args()
    bills = [quote(PLAN, usage, PERIOD) for usage in profiles(args.profiles)]
    work = {}
    for locale in LOCALES:
        terms = DocumentTerms(seller=SELLER, buyer=SELLER, locale=locale, rules=None)
        template = compile_invoice(
            PLAN, terms, issue_date=date(2026, 4, 1), period=PERIOD, named=True
        )
        assert template is not None
        charges = [c for c in template._charges if c is not None]
        assert len(charges) == 4, locale  # every metered line has its explainer
        rows = [[r for r in b._figures if r.code != "base"] for b in bills]

        def explain(charges: list = charges, rows: list = rows) -> None:
            for figures in rows:
                for charge, row in zip(charges, figures, strict=True):
                    charge.explain(row)

        def invoice(template: object = template) -> None:
            for b in bills:
                assert template.invoice(b, SELLER, None) is not None  # type: ignore[attr-defined]

        work[f"{locale:6} explain"] = explain
        work[f"{locale:6} invoice"] = invoice
    times: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(args.rounds):
        for name, run in work.items():
            start = time.process_time()
            run()
            times[name].append(time.process_time() - start)
    for name, ts in times.items():
        per = statistics.median(ts) / len(bills) * 1e3
        print(f"{name}: {per:.4f} ms per document (CPU, median of {len(ts)} rounds)")


if __name__ == "__main__":
    main()
