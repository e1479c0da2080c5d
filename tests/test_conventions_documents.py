"""The document-total policy of each preset, checked against each system's published rule.

* Kill Bill rounds every invoice item on its own, tax items included
  (``InvoiceItemBase``: ``this.amount = KillBillMoney.of(amount, currency)``, half up), and an
  invoice's amount is the sum of its items (``InvoiceCalculatorUtils``): the sum of the rounded
  parts, per item.
* Stripe rounds each line item's tax and adds them up: its support page "Rounding rules for
  Stripe fees" (https://support.stripe.com/questions/rounding-rules-for-stripe-fees) shows line
  items of 0.43 and 4.84 at 15 %, taxes 0.0645 -> 0.06 and 0.7265 -> 0.73, "Total tax amounts"
  0.79, subtotal 5.27, total 6.06.
* Lago computes each tax on the sum of the fees it applies to, unrounded, shows each rounded
  and rounds their unrounded sum for the invoice (lago-api ``Invoices::ApplyTaxesService``:
  ``compute_tax_amount_cents`` = sum of ``fee.sub_total_excluding_taxes_amount_cents *
  tax.rate`` / 100; ``applied_tax.amount_cents = tax_amount_cents.round``;
  ``invoice.taxes_amount_cents = applied_taxes_amount_cents.round``): billkit's
  ``tax_rounding='per_document'`` with the ``round_total`` total.

So ``KILL_BILL`` and ``STRIPE`` keep billkit's ``sum_of_parts`` with per-line tax, and ``LAGO``
is ``round_total``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import attrs

from billkit.conventions import BILLKIT, KILL_BILL, LAGO, STRIPE, Conventions, TotalRounding
from billkit.invoicing import DocumentTerms, Item, build_invoice
from billkit.invoicing.tax import compute_taxes
from billkit.money import Money
from billkit.parties import Party


def usd(amount: str) -> Money:
    return Money(amount, "USD")


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def test_the_presets() -> None:
    assert KILL_BILL.total_rounding is TotalRounding.SUM_OF_PARTS
    assert STRIPE.total_rounding is TotalRounding.SUM_OF_PARTS
    assert BILLKIT.total_rounding is TotalRounding.SUM_OF_PARTS
    assert LAGO.total_rounding is TotalRounding.ROUND_TOTAL


def test_stripes_published_rounding_table() -> None:
    splits = compute_taxes([usd("0.43"), usd("4.84")], ["15%", "15%"], tax_rounding="per_line")
    assert [s.tax for s in splits] == [usd("0.06"), usd("0.73")]  # 0.0645, 0.7265
    tax = sum((s.tax for s in splits), usd("0"))
    net = sum((s.net for s in splits), usd("0"))
    assert (tax, net, net + tax) == (usd("0.79"), usd("5.27"), usd("6.06"))


TERMS = DocumentTerms(
    seller=Party(kind="legal_entity", country="IT", name="Chat S.r.l."),
    buyer=Party(kind="individual", country="IT", name="Mario Rossi"),
    rules=None,
)
# Three lines of 33.33 at Italy's 22 %: each 7.3326 -> 7.33; together 99.99 x 0.22 = 21.9978
CART = [Item(description=f"Seat {i}", unit_price=eur("33.33")) for i in range(3)]


def test_per_item_systems_add_the_rounded_line_taxes() -> None:
    # Kill Bill: three TAX items of 7.33 (half up), the invoice their sum; Stripe: the same
    # per line item: 7.33 x 3 = 21.99
    for conventions in (KILL_BILL, STRIPE):
        terms = attrs.evolve(TERMS, total_rounding=conventions.total_rounding)
        invoice = build_invoice(CART, terms, number="1", issue_date=date(2026, 3, 1))
        assert invoice.totals.tax == eur("21.99")
        assert invoice.totals.gross == eur("121.98")
        assert invoice.totals.rounding_difference is None


def test_lago_rounds_each_tax_over_its_fees() -> None:
    # Lago: 22 % on the sum of the fees, 9999 cents x 0.22 = 2199.78 -> 2200
    terms = attrs.evolve(TERMS, total_rounding=LAGO.total_rounding, tax_rounding="per_document")
    invoice = build_invoice(CART, terms, number="1", issue_date=date(2026, 3, 1))
    assert invoice.totals.tax == eur("22.00")
    assert invoice.totals.gross == eur("121.99")


# ------------------------------------------------------------ docs/conventions.md

DOC = Path(__file__).resolve().parent.parent / "docs" / "conventions.md"


def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _rows(section: str) -> list[list[str]]:
    rows = []
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return rows[1:]  # without the header


def test_the_table_has_a_row_for_every_policy_and_a_cell_for_every_system() -> None:
    rows = _rows(_section("Where the systems differ"))
    named = {re.match(r"`(\w+)`", row[0]).group(1) for row in rows}  # type: ignore[union-attr]
    fields = {f.name for f in attrs.fields(Conventions)} - {"name"}
    assert named == fields
    assert all(len(row) == 5 and all(row) for row in rows)  # billkit, Lago, Kill Bill, Stripe


def test_every_published_example_names_its_source_and_an_existing_test() -> None:
    rows = _rows(_section("Published examples the presets reproduce"))
    assert {row[0] for row in rows} == {"Kill Bill", "Lago", "Stripe"}
    root = DOC.parent.parent
    for system, example, source, tests in rows:
        assert re.search(r"https://\S+", source), (system, example)
        path = ""
        for test in re.findall(r"`([^`]+)`", tests):  # `path::Class::test`, then `::test`
            first, *names = test.split("::")
            path = first or path
            text = (root / path).read_text(encoding="utf-8")
            for name in names[:-1]:
                assert re.search(rf"^class {name}\b", text, re.M), test
            assert re.search(rf"^\s*def {names[-1]}\(", text, re.M), test
