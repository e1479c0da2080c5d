"""A month of documents at the hosting provider, for a company that pays.

Example business 3 (the hosting provider, docs/examples-businesses.md): a legal-entity payer with its full details tops up
its account against an invoice, buys services (prices include VAT), gets an
act of completed work for the month and a reconciliation statement; a
service cancelled the same month is refunded with a credit note. Numbers come
from gap-free series. The figures are checked by hand in the comments.

Run: python examples/hosting_documents.py
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from billkit.credit import Ledger, Wallet
from billkit.errors import BillkitError
from billkit.invoicing import (
    DocumentTerms,
    NumberSeries,
    build_act,
    build_credit_note,
    build_reconciliation,
    next_number,
)
from billkit.invoicing.builders import advance_invoice
from billkit.invoicing.items import items_from_expenses
from billkit.invoicing.words import amount_in_words
from billkit.money import Money
from billkit.parties import Address, BankAccount, Party, Signatory
from billkit.periods import Period


def rub(amount: str) -> Money:
    return Money(amount, "RUB")


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=timezone.utc)


KRASNODAR = Address(country="RU", postal_code="350065", city="Краснодар", street="ул. Гассия, 26")
SELLER = Party(
    kind="legal_entity",
    country="RU",
    name='ООО "Хостинг"',
    contact="Бухгалтерия",
    legal_address=KRASNODAR,
    identifiers={"ru.inn": "2312328954", "ru.kpp": "231201001", "ru.ogrn": "1242300041785"},
    bank=BankAccount(
        bank_name='ФИЛИАЛ "ЮЖНЫЙ" ПАО "БАНК УРАЛСИБ"',
        bik="040349700",
        account="40702810947900000107",
        correspondent_account="30101810400000000700",
    ),
    director=Signatory(name="Крюков А. А.", position="Генеральный директор", basis="Устава"),
)
BUYER = Party(
    id="181",
    kind="legal_entity",
    country="RU",
    name="Компания №1",
    contact="Иван",
    legal_address=KRASNODAR,
    identifiers={"ru.inn": "7707083893", "ru.kpp": "773601001", "ru.ogrn": "1027700132195"},
    # Sberbank's published BIK and correspondent account; the settlement account
    # is made up, with its control key computed for that BIK.
    bank=BankAccount(
        bank_name="ПАО Сбербанк",
        bik="044525225",
        account="40702810938000012345",
        correspondent_account="30101810400000000225",
    ),
    director=Signatory(
        name="Иванов Иван Иванович", position="Генеральный директор", basis="Устава"
    ),
)


def main() -> None:
    invoices = NumberSeries(prefix="СЧ-", reset="yearly", padding=5)
    acts = NumberSeries(prefix="АКТ-", reset="yearly", padding=5)

    # 1. An invoice for the 3 000.00 RUB the company types; 22 % VAT included:
    #    3 000 x 22 / 122 = 540.983... -> 540.98
    n1 = next_number(invoices, None, date(2026, 3, 2))
    advance = advance_invoice(
        rub("3000.00"),
        DocumentTerms(seller=SELLER, buyer=BUYER, locale="ru_RU"),
        number=n1.text,
        issue_date=n1.on,
        payment_days=10,
    )
    assert advance.number == "СЧ-2026-00001"
    assert advance.totals.tax == rub("540.98")
    assert advance.due_date == date(2026, 3, 12)

    # 2. The payment arrives; services are charged (prices include VAT).
    ledger = Ledger(wallets=[Wallet(name="main", currency="RUB")])
    ledger = ledger.top_up("main", "3000.00", at=at(4), key="p1", reference=advance.number)
    for day, key, amount, what in [
        (5, "4835", "21.3464", "BACKUP-1000, pro rata"),
        (5, "4836", "250.00", "VPS-1, март"),
        (10, "4837", "34.4827", "Дополнительное дисковое пространство"),
        (21, "4839", "22.4137", "BACKUP-1000"),
    ]:
        ledger = ledger.charge("main", amount, at=at(day), key=key, description=what)

    # 3. The act of completed work: 21.3464 + 250.00 + 34.4827 + 22.4137 = 328.2428
    #    -> 328.24 in whole kopecks; 22 % VAT (2026) included, rounded once per
    #    document: 328.24 x 22 / 122 = 59.1908... -> 59.19
    march = Period(date(2026, 3, 1), date(2026, 4, 1))
    rows = ledger.expenses("main")
    n_act = next_number(acts, None, date(2026, 3, 31))
    act = build_act(
        items_from_expenses(rows),
        DocumentTerms(
            seller=SELLER,
            buyer=BUYER,
            locale="ru_RU",
            prices_include_tax=True,
            tax_rounding="per_document",
        ),
        number=n_act.text,
        issue_date=n_act.on,
        period=march,
    )
    assert act.totals.gross == rub("328.24")
    assert act.totals.tax == rub("59.19")
    assert sum(line.gross.amount for line in act.lines) == Decimal("328.24")

    # 4. The VPS is cancelled: a credit note for its line, never more than it.
    vps = next(line.position for line in act.lines if line.code == "4836")
    credit = build_credit_note(
        act, number="КР-2026-00001", issue_date=date(2026, 3, 31), lines=[vps], reason="отказ"
    )
    # 250.00 x 22 / 122 = 45.081... -> 45.08 on the act's line, credited as it is
    assert credit.totals.gross == rub("250.00")
    assert credit.totals.tax == act.lines[vps - 1].tax

    # 5. The reconciliation statement for March: prepaid 3 000.00, spent 328.2428,
    #    so the seller owes the buyer 2 671.7572 of services: 2 671.76 in whole kopecks.
    statement = build_reconciliation(
        ledger,
        "main",
        DocumentTerms(seller=SELLER, buyer=BUYER, locale="ru_RU"),
        period=march,
        issue_date=date(2026, 4, 1),
        tz="Europe/Moscow",
    )
    assert statement.opening_balance == rub("0.00")
    assert statement.closing_balance == rub("-2671.76")
    assert statement.closing_balance.amount == round(-ledger.balance("main").amount, 2)

    try:
        words = amount_in_words(advance.totals.gross, "ru")
    except BillkitError as missing:  # the optional extra py-billkit[words]
        words = f"({missing})"
    else:
        assert words == "Три тысячи рублей 00 копеек"

    print(f"{advance.number}: {advance.totals.gross.amount} RUB, НДС {advance.totals.tax.amount}")
    print(f"  {words}")
    print(
        f"{act.number}: строк: {len(act.lines)}, {act.totals.gross.amount} RUB, НДС {act.totals.tax.amount}"
    )
    print(f"{credit.number}: возврат {credit.totals.gross.amount} RUB по {credit.corrects.number}")
    print(
        f"Акт сверки {statement.period}: сальдо {statement.opening_balance.amount} -> "
        f"{statement.closing_balance.amount} (в пользу: {statement.in_favour_of})"
    )


if __name__ == "__main__":
    main()
