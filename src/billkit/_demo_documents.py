"""Example documents of the five businesses in billkit's requirements (private:
the fixtures of ``billkit demo --out``).

:func:`demo_documents` builds them with :mod:`billkit.invoicing`'s builders;
:func:`write_demo_documents` renders each to PDF and HTML in a directory (what
``billkit demo`` writes). Every party, number and identifier is made up; the
identifiers pass their published checks.

* the analytics SaaS (Russia): an invoice for an amount the customer typed,
  90 000 RUB for nine months, and the act of completed work for March;
* the email marketing SaaS (Ukraine): March's invoice (plan, emails beyond the
  2 500 free ones, SMS) with 20 % VAT;
* the hosting provider (Russia): a cart invoice with prices including VAT, and
  a reconciliation statement of the quarter, from the ledger's daily charges
  and from the month's acts and the payments;
* the messaging SaaS (Italy): a subscription invoice, an on-demand usage
  invoice, an English invoice to a German company under reverse charge, and a
  credit note refunding part of the subscription;
* the attribution SaaS (Iran): the proforma at the end of the 30-day period,
  and the official invoice once approved, 10 days to pay, in Persian.

>>> docs = demo_documents()
>>> sorted({doc.locale for doc in docs.values()})
['en_IE', 'fa_IR', 'it_IT', 'ru_RU', 'uk_UA']
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import attrs
from moneyed import Money

from billkit.money import CONTEXT, sum_money
from billkit.periods import Period


def _rub(amount: str) -> Money:
    return Money(amount, "RUB")


def demo_documents() -> dict[str, Any]:
    """The example documents, by file name (without extension).

    The values are billkit invoicing documents (:class:`~billkit.invoicing.Invoice`,
    :class:`~billkit.invoicing.Act`...); render each with
    :func:`~billkit.invoicing.render.render_pdf` or
    :func:`~billkit.invoicing.render.render_html`.
    """
    from billkit.invoicing import (
        DocumentTerms,
        Item,
        build_act,
        build_credit_note,
        build_invoice,
        build_proforma,
        invoice_from_proforma,
    )
    from billkit.invoicing.builders import advance_invoice
    from billkit.invoicing.documents import (
        BuyerFigures,
        PaymentDetails,
        ReconciliationRow,
        ReconciliationStatement,
    )
    from billkit.invoicing.reconciliation import reconciliation_from_documents, whole_rows
    from billkit.parties import Address, BankAccount, Party, Passport, Signatory

    docs: dict[str, Any] = {}
    march = Period(date(2026, 3, 1), date(2026, 4, 1))

    # 1. analytics SaaS, Russia ---------------------------------------------------
    analytics = Party(
        kind="legal_entity",
        country="RU",
        name='ООО "Метрика Плюс"',
        legal_address=Address(
            country="RU", postal_code="125009", city="Москва", street="ул. Тверская, д. 7, оф. 12"
        ),
        identifiers={"ru.inn": "7701456789", "ru.kpp": "770101001", "ru.ogrn": "1027700123450"},
        bank=BankAccount(
            bank_name="ПАО Сбербанк",
            bik="044525225",
            account="40702810938000012345",
            correspondent_account="30101810400000000225",
        ),
        director=Signatory(
            name="Соколова Анна Сергеевна", position="Генеральный директор", basis="Устава"
        ),
        contact="Соколова Анна Сергеевна, +7 495 000-00-00",
    )
    client_ru = Party(
        kind="legal_entity",
        country="RU",
        name='АО "Северный ветер" <Маркетинг & PR>',
        legal_address=Address(
            country="RU", postal_code="190000", city="Санкт-Петербург", street="Невский пр., д. 28"
        ),
        identifiers={"ru.inn": "7812345675", "ru.kpp": "781201001", "ru.ogrn": "1127847123458"},
        bank=BankAccount(
            bank_name='ПАО "Банк Санкт-Петербург"',
            bik="044030653",
            account="40702810300000054321",
            correspondent_account="30101810500000000653",
        ),
        director=Signatory(name="Петров Олег Викторович", position="Директор", basis="Устава"),
        contact="Орлова Мария, +7 812 000-00-00",
    )
    analytics_terms = DocumentTerms(seller=analytics, buyer=client_ru, locale="ru_RU")
    docs["1-analytics-advance-invoice-ru"] = advance_invoice(
        Money("90000.00", "RUB"),
        analytics_terms,
        number="А-2026-0317",
        issue_date=date(2026, 3, 21),
        payment_days=10,
        description="Пополнение баланса: тариф «Бизнес», 9 месяцев (10 000 ₽ в месяц)",
        notes=(
            "При оплате 9 месяцев на баланс начисляется бонус, равный 3 месяцам тарифа: "
            "30 000 ₽; баланс составит 120 000 ₽.",
        ),
    )
    docs["1-analytics-act-ru"] = build_act(
        [
            Item(
                description="Доступ к сервису веб-аналитики, тариф «Бизнес»",
                unit="мес.",
                unit_price=_rub("10000.00"),
            ),
            Item(
                description="Отслеживание звонков: 5 номеров",
                quantity=5,
                unit="шт.",
                unit_price=_rub("590.00"),
            ),
        ],
        attrs.evolve(analytics_terms, prices_include_tax=True),
        number="А-2026-0331",
        issue_date=date(2026, 3, 31),
        period=march,  # the acceptance clause is the act's own (the renderer prints it)
    )

    # 2. email marketing SaaS, Ukraine -------------------------------------------
    mailer = Party(
        kind="legal_entity",
        country="UA",
        name='ТОВ "Розсилка Про"',
        legal_address=Address(
            country="UA", postal_code="01001", city="Київ", street="вул. Хрещатик, 22"
        ),
        identifiers={"ua.edrpou": "41234569"},
        bank=BankAccount(bank_name='АТ КБ "ПриватБанк"', iban="UA223052990000026001234567890"),
    )
    shop = Party(
        kind="sole_proprietor",
        country="UA",
        name="ФОП Коваленко Олена Петрівна",
        legal_address=Address(country="UA", city="Львів", street="пл. Ринок, 1"),
        identifiers={"ua.rntrc": "1759013776"},
    )
    uah = "UAH"
    docs["2-email-invoice-uk"] = build_invoice(
        [
            Item(
                description="Тариф «Стандарт», березень 2026",
                unit="міс.",
                unit_price=Money("600.00", uah),
            ),
            Item(
                description="Промо-листи понад 2 500 безкоштовних",
                quantity=10000,
                unit="лист",
                unit_price=Money("0.045", uah),
                explanation=("12 500 надіслано - 2 500 безкоштовно = 10 000 x 0,045",),
            ),
            Item(
                description="SMS-розсилка", quantity=300, unit="SMS", unit_price=Money("1.35", uah)
            ),
        ],
        DocumentTerms(
            seller=mailer,
            buyer=shop,
            locale="uk_UA",
            payment=PaymentDetails(
                bank=mailer.bank, purpose="Оплата за рахунком № РП-000241 від 31.03.2026"
            ),
        ),
        number="РП-000241",
        issue_date=date(2026, 3, 31),
        payment_days=5,
        period=march,
    )

    # 3. hosting provider, Russia ------------------------------------------------
    hosting = Party(
        kind="legal_entity",
        country="RU",
        name='ООО "Облачный хостинг"',
        legal_address=Address(
            country="RU", postal_code="140140", city="Москва", street="ул. Ленина, д. 1"
        ),
        identifiers={"ru.inn": "7720001473", "ru.kpp": "772001001", "ru.ogrn": "1027700543210"},
        director=Signatory(name="Кузнецов Павел Андреевич", position="Директор", basis="Устава"),
        contact="Отдел по работе с клиентами, +7 495 111-11-11",
        bank=BankAccount(
            bank_name="ПАО Сбербанк",
            bik="044525225",
            account="40702810938000012345",
            correspondent_account="30101810400000000225",
        ),
    )
    person = Party(
        kind="sole_proprietor",
        country="RU",
        name="ИП Иванов Иван Иванович",
        name_genitive="ИП Иванова Ивана Ивановича",
        identifiers={"ru.inn": "500123456750", "ru.ogrn": "316500100123450"},
        legal_address=Address(country="RU", city="Подольск", street="ул. Садовая, д. 3, кв. 4"),
        email="ivanov@example.org",
        contact="Иванов Иван Иванович, +7 900 000-00-00",
        bank=BankAccount(
            bank_name='АО "ТБанк"',
            bik="044525974",
            account="40802810800000098765",
            correspondent_account="30101810145250000974",
        ),
        passport=Passport(
            number="4510 123456", issued_on=date(2015, 6, 1), issued_by="ОУФМС России по г. Москве"
        ),
    )
    docs["3-hosting-invoice-ru"] = build_invoice(
        [
            Item(
                description="VPS-1 (2 vCPU, 4 ГБ), 14.03–31.03, пропорционально",
                unit="усл.",
                quantity=1,
                unit_price=_rub("145.16"),
            ),
            Item(
                description="Резервное копирование BACKUP-1000",
                unit="мес.",
                unit_price=_rub("250.00"),
            ),
            Item(
                description="Домен example.ru, продление на 1 год",
                unit="год",
                unit_price=_rub("799.00"),
            ),
            Item(description="SSL-сертификат DV, 1 год", unit="год", unit_price=_rub("1490.00")),
        ],
        DocumentTerms(seller=hosting, buyer=person, locale="ru_RU", prices_include_tax=True),
        number="Х-15872",
        issue_date=date(2026, 3, 14),
        payment_days=3,
    )
    # the ledger's rows in whole kopecks, as build_reconciliation shows them
    start, rows = whole_rows(_rub("-150.00"), _hosting_ledger_rows(ReconciliationRow))
    debits = sum_money([r.debit for r in rows], "RUB").amount
    credits = sum_money([r.credit for r in rows], "RUB").amount
    opening = start.amount
    docs["3-hosting-reconciliation-ru"] = ReconciliationStatement(
        number="АС-2026-Q1",
        issue_date=date(2026, 4, 1),
        seller=hosting,
        buyer=person,
        currency="RUB",
        locale="ru_RU",
        period=Period(date(2026, 1, 1), date(2026, 4, 1)),
        opening_balance=_rub(str(opening)),
        rows=rows,
        debit_total=_rub(str(debits)),
        credit_total=_rub(str(credits)),
        closing_balance=_rub(str(CONTEXT.subtract(CONTEXT.add(opening, debits), credits))),
    )

    # the same quarter as an accountant reconciles it: the month's acts (the daily
    # charges of each month, in whole kopecks) and the payments
    hosting_terms = DocumentTerms(
        seller=hosting, buyer=person, locale="ru_RU", prices_include_tax=True
    )
    acts = [
        build_act(
            [
                Item(description="VPS-1", quantity=days, unit="сут.", unit_price=_rub("22.4137")),
                Item(
                    description="BACKUP-1000",
                    quantity=days,
                    unit="сут.",
                    unit_price=_rub("34.4827"),
                ),
            ],
            hosting_terms,
            number=f"А-2026-{month:02d}",
            issue_date=last,
            period=Period(date(2026, month, 1), date.fromordinal(last.toordinal() + 1)),
        )
        for month, days, last in (
            (1, 31, date(2026, 1, 31)),
            (2, 28, date(2026, 2, 28)),
            (3, 31, date(2026, 3, 31)),
        )
    ]
    payments = [
        ReconciliationRow(
            on=date(2026, month, 5),
            description="Оплата банковской картой",
            reference=f"P-2026{month:02d}05",
            debit=_rub("0"),
            credit=_rub("1800.00"),
        )
        for month in (1, 2, 3)
    ]
    # the buyer's figures, sent back: its three payments and the January and
    # February acts; the March act is not booked yet (the discrepancy)
    theirs = BuyerFigures(
        opening_balance=_rub("-150.00"),
        rows=sorted(
            [
                *(
                    ReconciliationRow(
                        on=p.on,
                        description=f"Платёж {p.reference}",
                        debit=p.credit,
                        credit=_rub("0"),
                    )
                    for p in payments
                ),
                *(
                    ReconciliationRow(
                        on=a.issue_date,
                        description=f"Акт № {a.number}",
                        debit=_rub("0"),
                        credit=a.totals.gross,
                    )
                    for a in acts[:2]
                ),
            ],
            key=lambda row: row.on,
        ),
    )
    docs["3-hosting-reconciliation-documents-ru"] = reconciliation_from_documents(
        acts,
        hosting_terms,
        payments=payments,
        buyer_figures=theirs,
        opening_balance=_rub("-150.00"),
        period=Period(date(2026, 1, 1), date(2026, 4, 1)),
        issue_date=date(2026, 4, 1),
        number="АС-2026-Q1-Д",
    )

    # 4. messaging SaaS, Italy ---------------------------------------------------
    chat = Party(
        kind="legal_entity",
        country="IT",
        name="Conversa S.r.l.",
        legal_address=Address(
            country="IT", postal_code="20121", region="MI", city="Milano", street="Via Dante 4"
        ),
        identifiers={"it.iva": "02987650153"},
        bank=BankAccount(
            bank_name="Intesa Sanpaolo", iban="IT60X0542811101000000123456", swift="BCITITMM"
        ),
    )
    studio = Party(
        kind="individual",
        country="IT",
        name="Laura Bianchi",
        legal_address=Address(
            country="IT", postal_code="40121", city="Bologna", street="Via Indipendenza 10"
        ),
        identifiers={"it.cf": "BNCLRA80A41F205G"},
    )
    chat_terms = DocumentTerms(seller=chat, buyer=studio, locale="it_IT")
    subscription = build_invoice(
        [
            Item(
                description="Piano Growth, marzo 2026",
                unit="mese",
                unit_price=Money("249.00", "EUR"),
            )
        ],
        chat_terms,
        number="2026/0311",
        issue_date=date(2026, 3, 1),
        payment_days=14,
        invoice_kind="subscription",
        period=march,
    )
    docs["4-messaging-subscription-invoice-it"] = subscription
    docs["4-messaging-usage-invoice-it"] = build_invoice(
        [
            Item(
                description="Contatti attivi mensili oltre il piano: 3 blocchi da 100",
                quantity=3,
                unit="blocco",
                unit_price=Money("15.00", "EUR"),
                explanation=(
                    "1 260 contatti attivi - 1 000 inclusi = 260, arrotondati a 3 blocchi",
                ),
            )
        ],
        chat_terms,
        number="2026/0412",
        issue_date=date(2026, 4, 1),
        payment_days=14,
        invoice_kind="usage",
        period=march,
    )
    docs["4-messaging-credit-note-it"] = build_credit_note(
        subscription,
        number="NC-2026/0007",
        issue_date=date(2026, 3, 20),
        reason="Rimborso parziale: passaggio al piano Starter",
        amount=Money("100.00", "EUR"),
    )
    agency = Party(
        kind="legal_entity",
        country="DE",
        name="Nordlicht Media GmbH",
        legal_address=Address(
            country="DE", postal_code="10115", city="Berlin", street="Invalidenstr. 5"
        ),
        identifiers={"eu.vat": "DE123456788"},
    )
    docs["4-messaging-reverse-charge-invoice-en"] = build_invoice(
        [
            Item(
                description="Growth plan, March 2026",
                unit="month",
                unit_price=Money("249.00", "EUR"),
                treatment="reverse_charge",
            ),
            Item(
                description="On-demand contacts, 2 blocks of 100",
                quantity=2,
                unit="block",
                unit_price=Money("15.00", "EUR"),
                treatment="reverse_charge",
            ),
        ],
        # English for a customer in Europe: day-month dates (en_IE), never 3/1/2026
        DocumentTerms(seller=chat, buyer=agency, locale="en_IE"),
        number="2026/0313",
        issue_date=date(2026, 3, 1),
        payment_days=14,
        period=march,
    )

    # 5. attribution SaaS, Iran --------------------------------------------------
    tracker = Party(
        kind="legal_entity",
        country="IR",
        name="شرکت ردیاب نصب پارس",
        legal_address=Address(
            country="IR", postal_code="1415934567", city="تهران", street="خیابان ولیعصر، پلاک ۱۲"
        ),
        phone="021-88001234",
        # the national ID of a legal entity (11 digits), also its economic code since 1397
        identifiers={"ir.legal_id": "10320456783", "ir.economic_code": "10320456783"},
    )
    app = Party(
        kind="individual",
        country="IR",
        name="سارا محمدی",
        legal_address=Address(country="IR", city="اصفهان", street="خیابان چهارباغ"),
        identifiers={"ir.national_id": "0012345679"},
    )
    irr = "IRR"
    period = Period(date(2026, 2, 19), date(2026, 3, 21))
    proforma = build_proforma(
        [
            Item(
                description="طرح رشد: ۲۰٬۰۰۰ نصب در دوره",
                unit="دوره",
                unit_price=Money("45000000", irr),
            ),
            Item(
                description="نصب‌های مازاد بر طرح",
                quantity=1250,
                unit="نصب",
                unit_price=Money("2500", irr),
                explanation=("نصب غیرارگانیک + بازنسبت‌دهی + نصب‌های جعلی رد شده",),
            ),
            Item(
                description="تحلیل گروهی (۱۰٪ طرح)", unit="دوره", unit_price=Money("4500000", irr)
            ),
        ],
        DocumentTerms(seller=tracker, buyer=app, locale="fa_IR", rules=None),
        number="PF-1404-118",
        issue_date=date(2026, 3, 21),
        payment_days=10,
        period=period,
        notes=("پس از تأیید پیش‌فاکتور، صورتحساب رسمی صادر می‌شود.",),
    )
    docs["5-attribution-proforma-fa"] = proforma
    docs["5-attribution-invoice-fa"] = invoice_from_proforma(
        proforma,
        number="INV-1405-0007",
        issue_date=date(2026, 3, 23),
        payment_days=10,
        notes=("در صورت عدم پرداخت تا سررسید، حساب کاربری مسدود می‌شود.",),
    )
    return docs


def _hosting_ledger_rows(row: Any) -> list[Any]:
    """A quarter of a hosting customer's charges and payments."""
    rows = []
    charges = [
        ("VPS-1, посуточно", "22.4137"),
        ("BACKUP-1000, посуточно", "34.4827"),
    ]
    day = date(2026, 1, 1)
    while day < date(2026, 4, 1):
        for description, amount in charges:
            rows.append(row(on=day, description=description, debit=_rub(amount), credit=_rub("0")))
        if day.day == 5:
            rows.append(
                row(
                    on=day,
                    description="Оплата банковской картой",
                    reference=f"P-{day:%Y%m%d}",
                    debit=_rub("0"),
                    credit=_rub("1800.00"),
                )
            )
        day = date.fromordinal(day.toordinal() + 1)
    return rows


def write_demo_documents(
    directory: str | os.PathLike[str], *, formats: tuple[str, ...] = ("pdf", "html", "xml")
) -> list[Path]:
    """Render every demo document into ``directory``; returns the files written.

    ``formats`` chooses among ``"pdf"``, ``"html"`` and ``"xml"`` (FatturaPA,
    for the Italian seller's invoices and credit notes). The directory is
    created if needed; files of the same names are replaced.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     files = write_demo_documents(tmp, formats=("html",))
    ...     print(len(files), files[0].name)
    12 1-analytics-advance-invoice-ru.html
    """
    from billkit.errors import InvoicingError
    from billkit.invoicing.documents import CreditNote, Invoice
    from billkit.invoicing.fatturapa import fatturapa_xml
    from billkit.invoicing.render.html import render_html
    from billkit.invoicing.render.pdf import render_pdf

    unknown = [f for f in formats if f not in ("pdf", "html", "xml")]
    if unknown or not formats:
        raise InvoicingError("formats", formats, "some of 'pdf', 'html' and 'xml'")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    documents: Mapping[str, Any] = demo_documents()
    for name, document in documents.items():
        if "pdf" in formats:
            path = out / f"{name}.pdf"
            path.write_bytes(render_pdf(document))
            written.append(path)
        if "html" in formats:
            path = out / f"{name}.html"
            path.write_text(render_html(document), encoding="utf-8")
            written.append(path)
        italian = isinstance(document, (Invoice, CreditNote)) and document.seller.country == "IT"
        if "xml" in formats and italian:
            path = out / f"{name}.xml"
            path.write_bytes(fatturapa_xml(document))
            written.append(path)
    return written
