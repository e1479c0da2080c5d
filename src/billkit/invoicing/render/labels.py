"""The label catalog: every word a document prints that is not user data.

One row per key, one column per language of :data:`LANGUAGES` (English,
Russian, Ukrainian, Italian, Persian). Templates hold ``{placeholders}``.

>>> translate("total_due", "ru")
'Всего к оплате'
>>> translate("page", "fa").format(page=1, pages=3)
'صفحه 1 از 3'
>>> translate("Contract 12/2026", "it")   # not a key: printed as written
'Contract 12/2026'
"""

from __future__ import annotations

from types import MappingProxyType

from billkit.errors import InvoicingError
from billkit.invoicing.render.model import LANGUAGES

__all__ = ["label_keys", "translate"]

#: key: (en, ru, uk, it, fa)
_ROWS: dict[str, tuple[str, str, str, str, str]] = {
    # document titles (RenderDocument.kind)
    "invoice": ("Invoice", "Счёт на оплату", "Рахунок на оплату", "Fattura", "صورتحساب"),
    "subscription_invoice": (
        "Subscription invoice",
        "Счёт на оплату подписки",
        "Рахунок на оплату підписки",
        "Fattura di abbonamento",
        "صورتحساب اشتراک",
    ),
    "usage_invoice": (
        "Usage invoice",
        "Счёт за использование",
        "Рахунок за використання",
        "Fattura a consumo",
        "صورتحساب مصرف",
    ),
    "advance_invoice": (
        "Advance payment invoice",
        "Счёт на предоплату",
        "Рахунок на передоплату",
        "Fattura di acconto",
        "صورتحساب پیش‌پرداخت",
    ),
    "statement": (
        "Credit limit statement",
        "Счёт по кредитному лимиту",
        "Рахунок за кредитним лімітом",
        "Estratto del fido",
        "صورتحساب اعتبار",
    ),
    "proforma": (
        "Proforma invoice",
        "Проформа-счёт",
        "Рахунок-проформа",
        "Fattura proforma",
        "پیش‌فاکتور",
    ),
    "act": (
        "Certificate of completed work",
        "Акт выполненных работ (оказанных услуг)",
        "Акт виконаних робіт (наданих послуг)",
        "Verbale di servizi resi",
        "گواهی انجام کار",
    ),
    "reconciliation": (
        "Reconciliation statement",
        "Акт сверки взаимных расчётов",
        "Акт звірки взаєморозрахунків",
        "Estratto conto di riconciliazione",
        "صورت تطبیق حساب",
    ),
    "credit_note": (
        "Credit note",
        "Кредит-нота",
        "Кредит-нота",
        "Nota di credito",
        "یادداشت بستانکاری",
    ),
    "receipt": (
        "Payment receipt",
        "Квитанция об оплате",
        "Квитанція про оплату",
        "Ricevuta di pagamento",
        "رسید پرداخت",
    ),
    # heading templates
    "heading": (
        "{title} No.\xa0{number}",
        "{title} №\xa0{number} от\xa0{date}",
        "{title} №\xa0{number} від\xa0{date}",
        "{title} n.\xa0{number} del\xa0{date}",
        "{title} شماره\xa0{number}",
    ),
    "draft": ("Draft", "Черновик", "Чернетка", "Bozza", "پیش‌نویس"),
    "number_sign": ("No.", "№", "№", "n.", "شماره"),
    "reference_to": (
        "{title} No. {number} of {date}",
        "{title} № {number} от {date}",
        "{title} № {number} від {date}",
        "{title} n. {number} del {date}",
        "{title} شماره {number} مورخ {date}",
    ),
    "in_favour_of": (
        "Balance in favour of {party}",
        "Сальдо в пользу {party}",
        "Сальдо на користь {party}",
        "Saldo a favore di {party}",
        "مانده به نفع {party}",
    ),
    "continued": ("continued", "продолжение", "продовження", "segue", "ادامه"),
    "page": (
        "Page {page} of {pages}",
        "Страница {page} из {pages}",
        "Сторінка {page} з {pages}",
        "Pagina {page} di {pages}",
        "صفحه {page} از {pages}",
    ),
    "with_currency": (
        "{label} ({currency})",
        "{label}, {currency}",
        "{label}, {currency}",
        "{label} ({currency})",
        "{label} ({currency})",
    ),
    # header fields
    "issue_date": ("Date of issue", "Дата", "Дата складання", "Data di emissione", "تاریخ صدور"),
    "due_date": ("Due date", "Оплатить до", "Сплатити до", "Scadenza", "سررسید پرداخت"),
    "period": ("Period", "Период", "Період", "Periodo", "دوره"),
    "contract": ("Contract", "Договор", "Договір", "Contratto", "قرارداد"),
    "basis": ("Basis", "Основание", "Підстава", "Riferimento", "مبنا"),
    "order": ("Order", "Заказ", "Замовлення", "Ordine", "سفارش"),
    "corrects": (
        "Corrects",
        "Корректирует документ",
        "Коригує документ",
        "Rettifica il documento",
        "اصلاح سند",
    ),
    "reason": ("Reason", "Причина", "Причина", "Motivo", "علت"),
    "status": ("Status", "Статус", "Статус", "Stato", "وضعیت"),
    "payment_date": (
        "Payment date",
        "Дата оплаты",
        "Дата оплати",
        "Data di pagamento",
        "تاریخ پرداخت",
    ),
    "payment_method": (
        "Payment method",
        "Способ оплаты",
        "Спосіб оплати",
        "Metodo di pagamento",
        "روش پرداخت",
    ),
    "transaction": ("Transaction", "Транзакция", "Транзакція", "Transazione", "تراکنش"),
    "account_no": ("Account", "Лицевой счёт", "Особовий рахунок", "Conto cliente", "حساب کاربری"),
    # parties
    "seller": ("Seller", "Продавец", "Продавець", "Venditore", "فروشنده"),
    "buyer": ("Buyer", "Покупатель", "Покупець", "Acquirente", "خریدار"),
    "supplier": ("Supplier", "Поставщик", "Постачальник", "Fornitore", "تأمین‌کننده"),
    "customer": ("Customer", "Заказчик", "Замовник", "Cliente", "مشتری"),
    "executor": ("Contractor", "Исполнитель", "Виконавець", "Prestatore", "مجری"),
    "payer": ("Payer", "Плательщик", "Платник", "Pagatore", "پرداخت‌کننده"),
    "payee": ("Payee", "Получатель", "Одержувач", "Beneficiario", "دریافت‌کننده"),
    # identifiers and bank details
    "inn": ("INN", "ИНН", "ІПН", "INN", "INN"),
    "kpp": ("KPP", "КПП", "КПП", "KPP", "KPP"),
    "ogrn": ("OGRN", "ОГРН", "ОДРН", "OGRN", "OGRN"),
    "ogrnip": ("OGRNIP", "ОГРНИП", "ОДРНІП", "OGRNIP", "OGRNIP"),
    "edrpou": ("EDRPOU", "ЕГРПОУ", "ЄДРПОУ", "EDRPOU", "EDRPOU"),
    "rntrc": ("RNTRC", "РНУКН", "РНОКПП", "RNTRC", "RNTRC"),
    "vat_number": (
        "VAT number",
        "Номер плательщика НДС",
        "Номер платника ПДВ",
        "Partita IVA",
        "شماره مالیاتی",
    ),
    "partita_iva": ("VAT number", "Partita IVA", "Partita IVA", "Partita IVA", "Partita IVA"),
    "codice_fiscale": (
        "Tax code",
        "Codice fiscale",
        "Codice fiscale",
        "Codice fiscale",
        "Codice fiscale",
    ),
    "national_id": (
        "National ID",
        "Национальный ID",
        "Національний ID",
        "Codice nazionale",
        "شناسه ملی",
    ),
    "national_code": (
        "National code",
        "Национальный код",
        "Національний код",
        "Codice nazionale",
        "کد ملی",
    ),
    "ipn": ("VAT payer number (IPN)", "ИНН плательщика НДС", "ІПН", "IPN", "IPN"),
    "economic_code": (
        "Economic code",
        "Экономический код",
        "Економічний код",
        "Codice economico",
        "کد اقتصادی",
    ),
    "registration_number": (
        "Registration number",
        "Регистрационный номер",
        "Реєстраційний номер",
        "Numero di registrazione",
        "شماره ثبت",
    ),
    "passport": ("Passport", "Паспорт", "Паспорт", "Documento d'identità", "گذرنامه"),
    "actual_address": (
        "Postal address",
        "Фактический адрес",
        "Фактична адреса",
        "Indirizzo operativo",
        "نشانی محل فعالیت",
    ),
    "contact": ("Contact", "Контактное лицо", "Контактна особа", "Referente", "رابط"),
    "fax": ("Fax", "Факс", "Факс", "Fax", "دورنگار"),
    "address": ("Address", "Адрес", "Адреса", "Indirizzo", "نشانی"),
    "legal_address": (
        "Legal address",
        "Юридический адрес",
        "Юридична адреса",
        "Sede legale",
        "نشانی قانونی",
    ),
    "postal_code": ("Postal code", "Индекс", "Індекс", "CAP", "کد پستی"),
    "phone": ("Phone", "Телефон", "Телефон", "Telefono", "تلفن"),
    "email": ("Email", "Эл. почта", "Ел. пошта", "Email", "ایمیل"),
    "director": ("Director", "Руководитель", "Керівник", "Legale rappresentante", "مدیرعامل"),
    "accountant": ("Accountant", "Главный бухгалтер", "Головний бухгалтер", "Contabile", "حسابدار"),
    "bank": ("Bank", "Банк", "Банк", "Banca", "بانک"),
    "bik": ("BIK", "БИК", "БІК", "BIK", "BIK"),
    "account": ("Account", "Расчётный счёт", "Поточний рахунок", "Conto", "شماره حساب"),
    "corr_account": (
        "Corr. account",
        "Корр. счёт",
        "Кор. рахунок",
        "Conto di corrispondenza",
        "حساب واسط",
    ),
    "iban": ("IBAN", "IBAN", "IBAN", "IBAN", "شبا"),
    "swift": ("SWIFT/BIC", "SWIFT/BIC", "SWIFT/BIC", "SWIFT/BIC", "SWIFT/BIC"),
    "mfo": ("MFO", "МФО", "МФО", "MFO", "MFO"),
    "purpose": (
        "Payment purpose",
        "Назначение платежа",
        "Призначення платежу",
        "Causale",
        "بابت",
    ),
    "reference": (
        "Payment reference",
        "Идентификатор платежа",
        "Ідентифікатор платежу",
        "Riferimento di pagamento",
        "شناسه پرداخت",
    ),
    "bank_address": (
        "Bank address",
        "Адрес банка",
        "Адреса банку",
        "Indirizzo della banca",
        "نشانی بانک",
    ),
    "card": ("Card", "Банковская карта", "Банківська картка", "Carta", "کارت بانکی"),
    "bank_transfer": (
        "Bank transfer",
        "Банковский перевод",
        "Банківський переказ",
        "Bonifico bancario",
        "انتقال بانکی",
    ),
    "gateway": (
        "Payment gateway",
        "Платёжный шлюз",
        "Платіжний шлюз",
        "Gateway di pagamento",
        "درگاه پرداخت",
    ),
    "balance_payment": (
        "From the balance",
        "С лицевого счёта",
        "З особового рахунку",
        "Dal saldo",
        "از موجودی حساب",
    ),
    # table columns
    "line_no": ("#", "№", "№", "N.", "ردیف"),
    "description": ("Description", "Наименование", "Найменування", "Descrizione", "شرح"),
    "quantity": ("Qty", "Кол-во", "К-сть", "Q.tà", "مقدار"),
    "unit": ("Unit", "Ед.", "Од.", "U.M.", "واحد"),
    "unit_price": ("Unit price", "Цена", "Ціна", "Prezzo unitario", "بهای واحد"),
    "amount": ("Amount", "Сумма", "Сума", "Importo", "مبلغ"),
    "net": ("Net", "Сумма без НДС", "Сума без ПДВ", "Imponibile", "مبلغ بدون مالیات"),
    "tax_rate": ("VAT rate", "Ставка НДС", "Ставка ПДВ", "Aliquota IVA", "نرخ مالیات"),
    "tax": ("VAT", "Сумма НДС", "Сума ПДВ", "IVA", "مالیات بر ارزش افزوده"),
    "gross": ("Total", "Всего", "Усього", "Totale", "جمع"),
    "date": ("Date", "Дата", "Дата", "Data", "تاریخ"),
    "document": ("Document", "Документ", "Документ", "Documento", "سند"),
    "debit": ("Debit", "Дебет", "Дебет", "Dare", "بدهکار"),
    "credit": ("Credit", "Кредит", "Кредит", "Avere", "بستانکار"),
    "balance": ("Balance", "Сальдо", "Сальдо", "Saldo", "مانده"),
    # tax and totals
    "tax_summary": ("VAT summary", "Расчёт НДС", "Розрахунок ПДВ", "Riepilogo IVA", "خلاصه مالیات"),
    "tax_rate_row": ("VAT {rate}", "НДС {rate}", "ПДВ {rate}", "IVA {rate}", "مالیات {rate}"),
    "exempt": (
        "VAT exempt",
        "Без НДС (освобождено)",
        "Звільнено від ПДВ",
        "Esente IVA",
        "معاف از مالیات",
    ),
    "reverse_charge": (
        "Reverse charge",
        "Обратное начисление НДС",
        "Зворотне нарахування ПДВ",
        "Inversione contabile",
        "مالیات بر عهده خریدار",
    ),
    "not_subject": (
        "Not subject to VAT",
        "Без НДС",
        "Без ПДВ",
        "Fuori campo IVA",
        "خارج از شمول مالیات",
    ),
    "no_tax": ("No VAT", "Без НДС", "Без ПДВ", "Esente IVA", "بدون مالیات"),
    "subtotal": ("Subtotal", "Промежуточный итог", "Проміжний підсумок", "Subtotale", "جمع جزء"),
    "total_net": (
        "Total excl. VAT",
        "Итого без НДС",
        "Разом без ПДВ",
        "Totale imponibile",
        "جمع بدون مالیات",
    ),
    "total_tax": ("VAT", "НДС", "ПДВ", "IVA", "مالیات بر ارزش افزوده"),
    "tax_included": (
        "incl. VAT",
        "В том числе НДС",
        "У тому числі ПДВ",
        "di cui IVA",
        "شامل مالیات",
    ),
    "total": ("Total", "Итого", "Разом", "Totale", "جمع کل"),
    # Documents whose lines carry their own taxes (Item.taxes): "tax", not "VAT".
    "taxes_rate": ("Taxes", "Налоги", "Податки", "Imposte", "مالیات‌ها"),
    "taxes_summary": (
        "Tax summary",
        "Расчёт налогов",
        "Розрахунок податків",
        "Riepilogo imposte",
        "خلاصه مالیات",
    ),
    "taxes_amount": ("Tax", "Сумма налога", "Сума податку", "Imposta", "مالیات"),
    "total_net_taxes": (
        "Total excl. tax",
        "Итого без налогов",
        "Разом без податків",
        "Totale imponibile",
        "جمع بدون مالیات",
    ),
    "total_taxes": ("Tax", "Налоги", "Податки", "Imposte", "مالیات"),
    "rounding_difference": (
        "Tax rounding difference",
        "Разница округления налога",
        "Різниця округлення податку",
        "Differenza di arrotondamento IVA",
        "اختلاف گرد کردن مالیات",
    ),
    "total_due": (
        "Total due",
        "Всего к оплате",
        "Всього до сплати",
        "Totale da pagare",
        "مبلغ قابل پرداخت",
    ),
    "paid": ("Paid", "Оплачено", "Сплачено", "Pagato", "پرداخت شده"),
    "balance_due": (
        "Balance due",
        "Остаток к оплате",
        "Залишок до сплати",
        "Saldo da pagare",
        "مانده قابل پرداخت",
    ),
    "refund": ("Refund", "К возврату", "До повернення", "Da rimborsare", "مبلغ استرداد"),
    "amount_in_words": (
        "Amount in words",
        "Сумма прописью",
        "Сума прописом",
        "Importo in lettere",
        "مبلغ به حروف",
    ),
    # reconciliation
    "opening_balance": (
        "Opening balance",
        "Сальдо начальное",
        "Сальдо початкове",
        "Saldo iniziale",
        "مانده اول دوره",
    ),
    "closing_balance": (
        "Closing balance",
        "Сальдо конечное",
        "Сальдо кінцеве",
        "Saldo finale",
        "مانده پایان دوره",
    ),
    "turnover": (
        "Turnover for the period",
        "Обороты за период",
        "Обороти за період",
        "Movimenti del periodo",
        "گردش دوره",
    ),
    "carried_forward": (
        "Carried forward",
        "Итого к переносу",
        "Разом до перенесення",
        "Da riportare",
        "نقل به صفحه بعد",
    ),
    "brought_forward": (
        "Brought forward",
        "Перенос с предыдущей страницы",
        "Перенесено з попередньої сторінки",
        "Riporto",
        "نقل از صفحه قبل",
    ),
    # blocks
    "payment_details": (
        "Payment details",
        "Платёжные реквизиты",
        "Платіжні реквізити",
        "Coordinate di pagamento",
        "اطلاعات پرداخت",
    ),
    "notes": ("Notes", "Примечания", "Примітки", "Note", "توضیحات"),
    "signature": ("signature", "подпись", "підпис", "firma", "مهر و امضا"),
    # customary sentences and signatures (issue 15)
    "items_summary": (
        "{count} items, total {amount}",
        "Всего наименований {count}, на сумму {amount}",
        "Всього найменувань {count}, на суму {amount}",
        "Righe: {count}, per un totale di {amount}",
        "تعداد ردیف‌ها: {count}، به مبلغ {amount}",
    ),
    "act_summary": (
        "{count} services rendered, total {amount}",
        "Всего оказано услуг {count}, на сумму {amount}",
        "Всього надано послуг {count}, на суму {amount}",
        "Servizi prestati: {count}, per un totale di {amount}",
        "تعداد خدمات ارائه‌شده: {count}، به مبلغ {amount}",
    ),
    "act_acceptance": (
        "The services above were rendered in full and on time. The customer has no claims"
        " as to their scope, quality or timing.",
        "Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий по"
        " объёму, качеству и срокам оказания услуг не имеет.",
        "Вищезазначені послуги надані повністю і в строк. Замовник претензій щодо обсягу,"
        " якості та строків надання послуг не має.",
        "I servizi sopra elencati sono stati prestati integralmente e nei termini. Il"
        " committente non ha contestazioni su quantità, qualità e tempi.",
        "خدمات فوق به‌طور کامل و در موعد مقرر ارائه شد. کارفرما درباره حجم، کیفیت و"
        " زمان ارائه خدمات ادعایی ندارد.",
    ),
    "entrepreneur": (
        "Sole proprietor",
        "Индивидуальный предприниматель",
        "Фізична особа-підприємець",
        "Titolare",
        "صاحب کسب‌وکار",
    ),
    "issued_by_signature": ("Issued by", "Выписал(а)", "Виписав(ла)", "Emesso da", "صادرکننده"),
    "unit_service": ("service", "усл.", "посл.", "servizio", "خدمت"),
    "balance_owed": (
        "As of {date}, the balance in favour of {party} is {amount}.",
        "На {date} задолженность в пользу {party} составляет {amount}.",
        "Станом на {date} заборгованість на користь {party} становить {amount}.",
        "Al {date} il saldo a favore di {party} è di {amount}.",
        "در تاریخ {date} مانده به نفع {party} مبلغ {amount} است.",
    ),
    "balance_nil": (
        "As of {date}, neither party owes the other.",
        "На {date} задолженность отсутствует.",
        "Станом на {date} заборгованість відсутня.",
        "Al {date} non risultano debiti tra le parti.",
        "در تاریخ {date} هیچ‌یک از طرفین بدهی ندارد.",
    ),
    "buyer_balance_owed": (
        "According to the buyer, as of {date}, the balance in favour of {party} is {amount}.",
        "По данным покупателя на {date} задолженность в пользу {party} составляет {amount}.",
        "За даними покупця станом на {date} заборгованість на користь {party} становить {amount}.",
        "Secondo l'acquirente, al {date} il saldo a favore di {party} è di {amount}.",
        "طبق اطلاعات خریدار، در تاریخ {date} مانده به نفع {party} مبلغ {amount} است.",
    ),
    "buyer_balance_nil": (
        "According to the buyer, as of {date}, neither party owes the other.",
        "По данным покупателя на {date} задолженность отсутствует.",
        "За даними покупця станом на {date} заборгованість відсутня.",
        "Secondo l'acquirente, al {date} non risultano debiti tra le parti.",
        "طبق اطلاعات خریدار، در تاریخ {date} هیچ‌یک از طرفین بدهی ندارد.",
    ),
    "discrepancy": (
        "As of {date}, the two sides differ by {amount}.",
        "Расхождение между данными сторон на {date} составляет {amount}.",
        "Розбіжність між даними сторін станом на {date} становить {amount}.",
        "Al {date} la differenza tra i dati delle parti è di {amount}.",
        "در تاریخ {date} اختلاف اطلاعات طرفین مبلغ {amount} است.",
    ),
    "no_discrepancy": (
        "As of {date}, the two sides agree.",
        "На {date} данные сторон совпадают, расхождений нет.",
        "Станом на {date} дані сторін збігаються, розбіжностей немає.",
        "Al {date} i dati delle parti coincidono.",
        "در تاریخ {date} اطلاعات طرفین مطابقت دارد.",
    ),
    "seller_records": (
        "Seller's records",
        "По данным продавца",
        "За даними продавця",
        "Dati del venditore",
        "طبق دفاتر فروشنده",
    ),
    "buyer_records": (
        "Buyer's records",
        "По данным покупателя",
        "За даними покупця",
        "Dati dell'acquirente",
        "طبق دفاتر خریدار",
    ),
    "seller_debit": (
        "Seller: debit",
        "Продавец: дебет",
        "Продавець: дебет",
        "Venditore: dare",
        "فروشنده: بدهکار",
    ),
    "seller_credit": (
        "Seller: credit",
        "Продавец: кредит",
        "Продавець: кредит",
        "Venditore: avere",
        "فروشنده: بستانکار",
    ),
    "buyer_debit": (
        "Buyer: debit",
        "Покупатель: дебет",
        "Покупець: дебет",
        "Acquirente: dare",
        "خریدار: بدهکار",
    ),
    "buyer_credit": (
        "Buyer: credit",
        "Покупатель: кредит",
        "Покупець: кредит",
        "Acquirente: avere",
        "خریدار: بستانکار",
    ),
    # explanation lines of items built from quotes (billkit.invoicing.items)
    "explain_included": (
        "{quantity} − {included} included = {billable}",
        "{quantity} − {included} включено = {billable}",
        "{quantity} − {included} включено = {billable}",
        "{quantity} − {included} inclusi = {billable}",
        "{quantity} − {included} رایگان = {billable}",
    ),
    "explain_step": ("{label}: {units} × {price} = {amount}",) * 5,
    "explain_step_fee": ("{label}: {units} × {price} + {fee} = {amount}",) * 5,
    "explain_base_fee": (
        "base fee",
        "абонентская плата",
        "абонентська плата",
        "canone",
        "هزینه ثابت",
    ),
    "explain_per_unit": ("per unit", "за единицу", "за одиницю", "per unità", "هر واحد"),
    "explain_flat": ("flat", "фиксированно", "фіксовано", "importo fisso", "مبلغ ثابت"),
    "explain_tier": ("tier {n}", "ступень {n}", "рівень {n}", "scaglione {n}", "پله {n}"),
    "explain_packages": (
        "{n} packages of {size}",
        "пакетов по {size}: {n}",
        "пакетів по {size}: {n}",
        "{n} pacchetti da {size}",
        "{n} بسته {size}تایی",
    ),
    "explain_percent_events": (
        "{pct} of {n} events",
        "{pct} от {n} операций",
        "{pct} від {n} операцій",
        "{pct} di {n} eventi",
        "{pct} از {n} رویداد",
    ),
    # a PercentOf line: of the base fee alone, or of the sum of other lines (by
    # their names on the document); a count next to a noun: _explain._COUNTED
    "explain_percent_of_base": (
        "{pct} of base",
        "{pct} от абонентской платы",
        "{pct} від абонентської плати",
        "{pct} del canone",
        "{pct} از هزینه ثابت",
    ),
    "explain_percent_of": (
        "{pct} of {of}",
        "{pct} от суммы ({of})",
        "{pct} від суми ({of})",
        "{pct} della somma ({of})",
        "{pct} از جمع ({of})",
    ),
    "explain_events": (
        "{n} events",
        "{n} операций",
        "{n} операцій",
        "{n} eventi",
        "{n} رویداد",
    ),
    "explain_free_events": (
        "free: {n} events wholly free",
        "бесплатные операции ({n})",
        "безкоштовні операції ({n})",
        "eventi gratuiti ({n})",
        "رویدادهای رایگان ({n})",
    ),
    "explain_fee_per_event": (
        "fixed fee per event",
        "фиксированная плата за операцию",
        "фіксована плата за операцію",
        "commissione fissa per evento",
        "هزینه ثابت هر رویداد",
    ),
    "explain_event_limits": (
        "per-event minimum ({raised}) / maximum ({lowered})",
        "минимум за операцию ({raised}) / максимум ({lowered})",
        "мінімум за операцію ({raised}) / максимум ({lowered})",
        "minimo per evento ({raised}) / massimo ({lowered})",
        "حداقل هر رویداد ({raised}) / حداکثر ({lowered})",
    ),
    "explain_free_units": (
        "{n} free units",
        "бесплатно единиц: {n}",
        "безкоштовно одиниць: {n}",
        "{n} unità gratuite",
        "{n} واحد رایگان",
    ),
    "explain_discount": (
        "discount −{discount}: {before} → {after}",
        "скидка −{discount}: {before} → {after}",
        "знижка −{discount}: {before} → {after}",
        "sconto −{discount}: {before} → {after}",
        "تخفیف −{discount}: {before} → {after}",
    ),
    # a cycle an upgrade cut short (billkit.billing): its first line and explanation
    "line_plan_changed": (
        "{plan}, {period} (changed to {new})",
        "{plan}, {period} (переход на {new})",
        "{plan}, {period} (перехід на {new})",
        "{plan}, {period} (passaggio a {new})",
        "{plan}، {period} (تغییر به {new})",
    ),
    "explain_fixed_fee": (
        "fixed fee {period}: {fee}",
        "абонентская плата за {period}: {fee}",
        "абонентська плата за {period}: {fee}",
        "canone {period}: {fee}",
        "هزینه ثابت {period}: {fee}",
    ),
    "explain_unused": (
        "unused from {day}: {credit}",
        "не использовано с {day}: {credit}",
        "не використано з {day}: {credit}",
        "non utilizzato dal {day}: {credit}",
        "استفاده‌نشده از {day}: {credit}",
    ),
    "explain_minus": ("{a} − {b} = {c}",) * 5,
    "reason_correction": (
        "correction: the inputs changed",
        "корректировка: изменились исходные данные",
        "коригування: змінилися вихідні дані",
        "rettifica: i dati di partenza sono cambiati",
        "اصلاحیه: داده‌های ورودی تغییر کرد",
    ),
    "explain_left": (
        "{part} of {left} {currency} left at {rate}",
        "{part} из {left} {currency} остатка по ставке {rate}",
        "{part} з {left} {currency} залишку за ставкою {rate}",
        "{part} su {left} {currency} residui al {rate}",
        "{part} از {left} {currency} باقی‌مانده با نرخ {rate}",
    ),
}

_INDEX = {lang: i for i, lang in enumerate(LANGUAGES)}
_CATALOG: MappingProxyType[str, MappingProxyType[str, str]] = MappingProxyType(
    {
        lang: MappingProxyType({key: row[i] for key, row in _ROWS.items()})
        for lang, i in _INDEX.items()
    }
)
del _ROWS


def _language(locale: str) -> str:
    lang = locale.replace("-", "_").split("_")[0].lower()
    if lang not in _INDEX:
        raise InvoicingError("locale", locale, f"a locale of one of {', '.join(LANGUAGES)}")
    return lang


def translate(label: str, locale: str) -> str:
    """``label`` in ``locale``'s language if it is a catalog key, else ``label`` itself.

    >>> translate("opening_balance", "uk_UA"), translate("vat_number", "it")
    ('Сальдо початкове', 'Partita IVA')
    """
    return _CATALOG[_language(locale)].get(label, label)


def label_keys() -> tuple[str, ...]:
    """Every key of the label catalog, sorted.

    >>> "reconciliation" in label_keys() and "carried_forward" in label_keys()
    True
    """
    return tuple(sorted(_CATALOG["en"]))


def catalog(locale: str) -> MappingProxyType[str, str]:
    """The catalog of ``locale``'s language (key -> text)."""
    return _CATALOG[_language(locale)]
