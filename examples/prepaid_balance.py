"""A prepaid balance, as the analytics SaaS and the hosting provider run it.

Example businesses 1 and 3 (docs/examples-businesses.md): a 10 000 RUB tariff with a bonus program
(5 months paid -> 1 month of bonus, 9 -> 3, 15 -> 9); an individual paying
through a provider that keeps 3.9 %; 90 000 paid -> 30 000 bonus -> balance
120 000; then a month of hosting expenses, each showing the payment that paid
it, and a refund that keeps the bonus money from leaving as cash.

Run: python examples/prepaid_balance.py
"""

from __future__ import annotations

from datetime import datetime, timezone

from billkit.credit import (
    BonusProgram,
    Commission,
    Ledger,
    PaymentMethod,
    Wallet,
    receive_payment,
    suggest_top_ups,
)
from billkit.credit.history import tax_by_row
from billkit.money import Money


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=timezone.utc)


TARIFF = rub("10000.00")
PROGRAM = BonusProgram.months({5: 1, 9: 3, 15: 9})
ROBOKASSA = PaymentMethod(
    name="robokassa", mode="gross_up", commission=Commission(rate="3.9%", currency="RUB")
)


def main() -> None:
    print("Top-up suggestions at 10 000 RUB/month (an individual: 3.9 % included)")
    print(
        f"  {'months':>6} {'credited':>10} {'bonus':>10} {'balance':>10} {'covers':>6} {'to pay':>10}"
    )
    options = suggest_top_ups(TARIFF, program=PROGRAM, method=ROBOKASSA)
    for o in options:
        print(
            f"  {o.months:>6} {o.amount.amount:>10} {o.bonus.amount:>10} "
            f"{o.balance_after.amount:>10} {o.months_covered:>6} {o.pay.amount:>10}"
        )
    nine = next(o for o in options if o.months == 9)
    assert (nine.bonus, nine.balance_after) == (rub("30000.00"), rub("120000.00"))
    # 90 000 / (1 - 0.039) = 93 652.445...; 93 652.45 x 3.9 % = 3 652.45; 93 652.45 - 3 652.45 = 90 000
    assert nine.pay == rub("93652.45")

    ledger = Ledger(
        wallets=[Wallet(name="main", currency="RUB"), Wallet(name="tracking", currency="RUB")]
    )
    ledger = receive_payment(
        ledger,
        "main",
        rub("90000.00"),
        at=at(1),
        key="pay-1",
        reference="robokassa/771",
        program=PROGRAM,
        tariff=TARIFF,
        method=ROBOKASSA,
    )
    assert ledger.balance("main") == rub("120000.00")
    print(f"\nAfter paying 9 months: main balance {ledger.balance('main').amount} RUB")

    for key, amount in [
        ("4835", "21.3464"),
        ("4836", "22.4137"),
        ("4837", "34.4827"),
        ("4839", "22.4137"),
    ]:
        ledger = ledger.charge("main", amount, at=at(21), key=key, description="BACKUP-1000")
    rows = list(reversed(ledger.expenses("main")))  # newest first, as the provider shows them
    taxes = tax_by_row([r.amount for r in rows], "20%")
    print("\nExpense history (20 % VAT included)")
    for row, tax in zip(rows, taxes, strict=True):
        paid_by = ", ".join(row.paid_by)
        print(
            f"  {row.key}  {row.amount.amount:>8} unpaid {row.unpaid.amount:<6} tax {tax.amount}  paid by {paid_by}"
        )
    # bonus money is spent first: pay-1's bonus pays every expense
    assert all(r.paid_by == ("pay-1/bonus",) and not r.unpaid.amount for r in rows)
    assert [t.amount for t in taxes] == [rub(x).amount for x in ("3.74", "5.75", "3.73", "3.56")]

    # The customer leaves: the spent bonus (100.6565) is kept from the payment,
    # and the rest of the bonus is clawed back.
    most = ledger.refundable("main", "pay-1")
    ledger = ledger.refund("main", "pay-1", most, at=at(25), key="refund-1")
    # 90 000 - 100.6565 of bonus spent = 89 899.3435 -> 89 899.34 in whole kopeks
    assert most == rub("89899.34")
    print(f"\nRefunded {most.amount} RUB; left on the balance: {ledger.balance('main').amount} RUB")
    assert ledger.balance("main") == rub("0.0035")


if __name__ == "__main__":
    main()
