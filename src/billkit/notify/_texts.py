"""The notification texts: subject and body per topic, in billkit's five languages (private).

Every topic the engine sends (:data:`billkit.ports.CATEGORIES`) has a
subject and a one-sentence body in each of :data:`LANGUAGES` (the languages
of billkit's documents). ``{fields}`` are the message's payload, formatted
for the customer's locale before they are put in (amounts with their
currency, long dates; Persian digits and Solar Hijri dates in Persian), so
no text writes a currency code of its own. ``{doc}`` is the document's
number when the payload has one, else its id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

LANGUAGES: Final = ("en", "ru", "uk", "it", "fa")

TEXTS: Final[Mapping[str, Mapping[str, tuple[str, str]]]] = {
    "en": {
        "invoice.issued": ("Invoice {number} issued", "Invoice {number} for {total} is issued."),
        "proforma.issued": (
            "Proforma invoice {number} issued",
            "Proforma invoice {number} for {total} is issued: a request for payment.",
        ),
        "proforma.approved": (
            "Invoice {number} issued",
            "Proforma invoice {proforma_number} is approved: invoice {number} for {total} "
            "is issued, to be paid by {due_on}.",
        ),
        "proforma.rejected": (
            "Proforma invoice {number} rejected",
            "Proforma invoice {number} for {total} is rejected ({reason}): no invoice is "
            "issued for it.",
        ),
        "proforma.reissued": (
            "Proforma invoice {number} issued",
            "Proforma invoice {number} for {total} is issued in place of rejected proforma "
            "invoice {rejected_number}: please approve or reject it.",
        ),
        "receipt.uploaded": (
            "Payment receipt received",
            "Your payment receipt for invoice {number} ({total}) is received: we will confirm "
            "it shortly.",
        ),
        "receipt.refused": (
            "Payment receipt not accepted",
            "The payment receipt for invoice {number} ({total}) is not accepted ({reason}): "
            "the invoice is still to be paid.",
        ),
        "act.issued": (
            "Certificate of completed work {number} issued",
            "Certificate of completed work {number} for {total} is issued.",
        ),
        "credit_note.issued": (
            "Credit note {number} issued",
            "Credit note {number} for {total} is issued.",
        ),
        "payment.received": ("Payment received", "Thank you: we received {total} for {doc}."),
        "invoice.charged_to_credit": (
            "Charged to your credit line",
            "Invoice {doc} ({total}) is charged to your credit line: "
            "it is due with your statement.",
        ),
        "payment.failed": (
            "Payment failed",
            "We could not collect the payment for invoice {doc} (attempt {attempt}).",
        ),
        "payment.overdue": (
            "Payment overdue",
            "Invoice {doc} ({total}) is overdue since {overdue_on}. Please pay it.",
        ),
        "payment.reminder": (
            "Payment reminder",
            "Invoice {doc} ({total}) is still unpaid since {overdue_on}. Please pay it.",
        ),
        "subscription.frozen": (
            "Subscription frozen",
            "Subscription {subscription} is frozen until the invoice is paid.",
        ),
        "subscription.overdue_state": (
            "Overdue: {state}",
            "Subscription {subscription} is unpaid and in the overdue state {state} from {on}.",
        ),
        "subscription.overdue_cleared": (
            "No longer overdue",
            "Thank you: subscription {subscription} is no longer overdue from {on} (it was {lowered_from}).",
        ),
        "subscription.unfrozen": (
            "Subscription active again",
            "Thank you: subscription {subscription} is active again.",
        ),
        "subscription.marked_for_deletion": (
            "Subscription data to be deleted",
            "Subscription {subscription} was cancelled unpaid; its data will be deleted from {on}.",
        ),
        "subscription.cancelled": (
            "Subscription cancelled",
            "Subscription {subscription} ended on {ends}.",
        ),
        "usage.threshold": (
            "{level} of your {metric} used",
            "{subscription} has used {level} of the {included} {metric} included ({period}).",
        ),
        "autopay.capped": (
            "Autopayment limit reached",
            "Invoice {doc} ({total}) is above this month's autopayment limit of {cap}. "
            "Please pay it.",
        ),
        "statement.issued": (
            "Statement {statement} issued",
            "Statement {statement}: {total}, due on {due_on}.",
        ),
        "credit.notice": (
            "Statement {statement}: {notice}",
            "{total} to pay by {due_on}; purchases on credit stop from {blocked_from}.",
        ),
        "credit.blocked": (
            "Credit limit blocked",
            "Your credit limit is blocked: {overdue} is overdue.",
        ),
        "credit.unblocked": ("Credit limit unblocked", "Your credit limit works again."),
        "renewal.failed": (
            "Renewal of {service} failed",
            "We could not renew {service} (term ends {term_ends}): {reason}.",
        ),
        "service.renewed": ("{service} renewed", "{service} is renewed."),
        "service.expired": (
            "{service} stopped",
            "{service} stopped: its term ended on {term_ends}.",
        ),
        "balance.low": (
            "Your balance is running low",
            "{balance} left after {doc}: the next charge is about {expected}.",
        ),
    },
    "ru": {
        "invoice.issued": (
            "Выставлен счёт {number}",
            "Выставлен счёт {number} на сумму {total}.",
        ),
        "proforma.issued": (
            "Выставлен проформа-счёт {number}",
            "Выставлен проформа-счёт {number} на сумму {total} (запрос оплаты).",
        ),
        "proforma.approved": (
            "Выставлен счёт {number}",
            "Проформа-счёт {proforma_number} согласован: выставлен счёт {number} на сумму "
            "{total}, оплатить до {due_on}.",
        ),
        "proforma.rejected": (
            "Проформа-счёт {number} отклонён",
            "Проформа-счёт {number} на сумму {total} отклонён ({reason}): счёт по нему "
            "не выставляется.",
        ),
        "proforma.reissued": (
            "Выставлен проформа-счёт {number}",
            "Вместо отклонённого проформа-счёта {rejected_number} выставлен проформа-счёт "
            "{number} на сумму {total}: согласуйте или отклоните его.",
        ),
        "receipt.uploaded": (
            "Платёжный документ получен",
            "Платёжный документ по счёту {number} ({total}) получен: мы подтвердим его "
            "в ближайшее время.",
        ),
        "receipt.refused": (
            "Платёжный документ не принят",
            "Платёжный документ по счёту {number} ({total}) не принят ({reason}): "
            "счёт остаётся к оплате.",
        ),
        "act.issued": (
            "Акт выполненных работ {number}",
            "Составлен акт выполненных работ {number} на сумму {total}.",
        ),
        "credit_note.issued": (
            "Корректировочный документ {number}",
            "Выставлен корректировочный документ {number} на сумму {total}.",
        ),
        "payment.received": ("Оплата получена", "Спасибо! Получена оплата {total} по {doc}."),
        "invoice.charged_to_credit": (
            "Списано в счёт кредитной линии",
            "Счёт {doc} ({total}) оплачен в кредит: сумма войдёт в ближайший счёт по кредиту.",
        ),
        "payment.failed": (
            "Оплата не прошла",
            "Не удалось списать оплату по счёту {doc} (попытка {attempt}).",
        ),
        "payment.overdue": (
            "Оплата просрочена",
            "Счёт {doc} ({total}) не оплачен с {overdue_on}. Пожалуйста, оплатите его.",
        ),
        "payment.reminder": (
            "Напоминание об оплате",
            "Счёт {doc} ({total}) всё ещё не оплачен с {overdue_on}. Пожалуйста, оплатите его.",
        ),
        "subscription.frozen": (
            "Подписка заморожена",
            "Подписка {subscription} заморожена до оплаты счёта.",
        ),
        "subscription.overdue_state": (
            "Просрочка: {state}",
            "Подписка {subscription} не оплачена и с {on} в состоянии просрочки {state}.",
        ),
        "subscription.overdue_cleared": (
            "Просрочка погашена",
            "Спасибо! С {on} подписка {subscription} больше не просрочена (была в состоянии {lowered_from}).",
        ),
        "subscription.unfrozen": (
            "Подписка снова активна",
            "Спасибо! Подписка {subscription} снова активна.",
        ),
        "subscription.marked_for_deletion": (
            "Данные подписки будут удалены",
            "Подписка {subscription} отменена из-за неоплаты; её данные будут удалены с {on}.",
        ),
        "subscription.cancelled": (
            "Подписка отменена",
            "Подписка {subscription} завершена {ends}.",
        ),
        "usage.threshold": (
            "Использовано {level} лимита {metric}",
            "{subscription}: использовано {level} из {included} включённых {metric} ({period}).",
        ),
        "autopay.capped": (
            "Достигнут лимит автоплатежей",
            "Счёт {doc} ({total}) превышает месячный лимит автоплатежей {cap}. "
            "Пожалуйста, оплатите его.",
        ),
        "statement.issued": (
            "Выставлен счёт по кредиту {statement}",
            "Счёт по кредиту {statement}: {total}, оплатить до {due_on}.",
        ),
        "credit.notice": (
            "Счёт по кредиту {statement}: {notice}",
            "К оплате {total} до {due_on}; с {blocked_from} покупки в кредит будут остановлены.",
        ),
        "credit.blocked": (
            "Кредитный лимит заблокирован",
            "Кредитный лимит заблокирован: просрочено {overdue}.",
        ),
        "credit.unblocked": ("Кредитный лимит разблокирован", "Кредитный лимит снова доступен."),
        "renewal.failed": (
            "Не удалось продлить {service}",
            "Не удалось продлить {service} (срок до {term_ends}): {reason}.",
        ),
        "service.renewed": ("Услуга {service} продлена", "Услуга {service} продлена."),
        "service.expired": (
            "Услуга {service} остановлена",
            "Услуга {service} остановлена: срок закончился {term_ends}.",
        ),
        "balance.low": (
            "Баланс заканчивается",
            "После оплаты {doc} на балансе осталось {balance}; следующее списание — около "
            "{expected}.",
        ),
    },
    "uk": {
        "invoice.issued": (
            "Виставлено рахунок {number}",
            "Виставлено рахунок {number} на суму {total}.",
        ),
        "proforma.issued": (
            "Виставлено рахунок-проформу {number}",
            "Виставлено рахунок-проформу {number} на суму {total} (запит на оплату).",
        ),
        "proforma.approved": (
            "Виставлено рахунок {number}",
            "Рахунок-проформу {proforma_number} погоджено: виставлено рахунок {number} на суму "
            "{total}, сплатити до {due_on}.",
        ),
        "proforma.rejected": (
            "Рахунок-проформу {number} відхилено",
            "Рахунок-проформу {number} на суму {total} відхилено ({reason}): рахунок за ним "
            "не виставляється.",
        ),
        "proforma.reissued": (
            "Виставлено проформу-рахунок {number}",
            "Замість відхиленої проформи-рахунку {rejected_number} виставлено проформу-рахунок "
            "{number} на суму {total}: погодьте або відхиліть її.",
        ),
        "receipt.uploaded": (
            "Платіжний документ отримано",
            "Платіжний документ за рахунком {number} ({total}) отримано: ми підтвердимо його "
            "найближчим часом.",
        ),
        "receipt.refused": (
            "Платіжний документ не прийнято",
            "Платіжний документ за рахунком {number} ({total}) не прийнято ({reason}): "
            "рахунок залишається до сплати.",
        ),
        "act.issued": (
            "Акт виконаних робіт {number}",
            "Складено акт виконаних робіт {number} на суму {total}.",
        ),
        "credit_note.issued": (
            "Коригувальний документ {number}",
            "Виставлено коригувальний документ {number} на суму {total}.",
        ),
        "payment.received": ("Оплату отримано", "Дякуємо! Отримано оплату {total} за {doc}."),
        "invoice.charged_to_credit": (
            "Списано в рахунок кредитної лінії",
            "Рахунок {doc} ({total}) оплачено в кредит: сума увійде до найближчого рахунку "
            "за кредитом.",
        ),
        "payment.failed": (
            "Оплата не пройшла",
            "Не вдалося списати оплату за рахунком {doc} (спроба {attempt}).",
        ),
        "payment.overdue": (
            "Оплату прострочено",
            "Рахунок {doc} ({total}) не оплачено з {overdue_on}. Будь ласка, оплатіть його.",
        ),
        "payment.reminder": (
            "Нагадування про оплату",
            "Рахунок {doc} ({total}) досі не оплачено з {overdue_on}. Будь ласка, оплатіть його.",
        ),
        "subscription.frozen": (
            "Підписку призупинено",
            "Підписку {subscription} призупинено до оплати рахунку.",
        ),
        "subscription.overdue_state": (
            "Прострочення: {state}",
            "Підписка {subscription} не оплачена і з {on} у стані прострочення {state}.",
        ),
        "subscription.overdue_cleared": (
            "Прострочення погашено",
            "Дякуємо! З {on} підписка {subscription} більше не прострочена (була у стані {lowered_from}).",
        ),
        "subscription.unfrozen": (
            "Підписка знову активна",
            "Дякуємо! Підписка {subscription} знову активна.",
        ),
        "subscription.marked_for_deletion": (
            "Дані підписки буде видалено",
            "Підписку {subscription} скасовано через несплату; її дані буде видалено з {on}.",
        ),
        "subscription.cancelled": (
            "Підписку скасовано",
            "Підписка {subscription} завершилася {ends}.",
        ),
        "usage.threshold": (
            "Використано {level} ліміту {metric}",
            "{subscription}: використано {level} з {included} включених {metric} ({period}).",
        ),
        "autopay.capped": (
            "Досягнуто ліміту автоплатежів",
            "Рахунок {doc} ({total}) перевищує місячний ліміт автоплатежів {cap}. "
            "Будь ласка, оплатіть його.",
        ),
        "statement.issued": (
            "Виставлено рахунок за кредитом {statement}",
            "Рахунок за кредитом {statement}: {total}, сплатити до {due_on}.",
        ),
        "credit.notice": (
            "Рахунок за кредитом {statement}: {notice}",
            "До сплати {total} до {due_on}; з {blocked_from} купівлі в кредит буде зупинено.",
        ),
        "credit.blocked": (
            "Кредитний ліміт заблоковано",
            "Кредитний ліміт заблоковано: прострочено {overdue}.",
        ),
        "credit.unblocked": ("Кредитний ліміт розблоковано", "Кредитний ліміт знову доступний."),
        "renewal.failed": (
            "Не вдалося продовжити {service}",
            "Не вдалося продовжити {service} (термін до {term_ends}): {reason}.",
        ),
        "service.renewed": ("Послугу {service} продовжено", "Послугу {service} продовжено."),
        "service.expired": (
            "Послугу {service} зупинено",
            "Послугу {service} зупинено: термін закінчився {term_ends}.",
        ),
        "balance.low": (
            "Баланс закінчується",
            "Після оплати {doc} на балансі залишилося {balance}; наступне списання — близько "
            "{expected}.",
        ),
    },
    "it": {
        "invoice.issued": (
            "Fattura {number} emessa",
            "È stata emessa la fattura {number} di {total}.",
        ),
        "proforma.issued": (
            "Fattura proforma {number} emessa",
            "È stata emessa la fattura proforma {number} di {total} (richiesta di pagamento).",
        ),
        "proforma.approved": (
            "Emessa la fattura {number}",
            "La fattura proforma {proforma_number} è approvata: è emessa la fattura {number} "
            "di {total}, da saldare entro il {due_on}.",
        ),
        "proforma.rejected": (
            "Fattura proforma {number} rifiutata",
            "La fattura proforma {number} di {total} è rifiutata ({reason}): non viene "
            "emessa alcuna fattura.",
        ),
        "proforma.reissued": (
            "Fattura proforma {number} emessa",
            "La fattura proforma {number} di {total} è emessa al posto della fattura proforma "
            "rifiutata {rejected_number}: approvala o rifiutala.",
        ),
        "receipt.uploaded": (
            "Ricevuta di pagamento ricevuta",
            "La ricevuta di pagamento della fattura {number} ({total}) è stata ricevuta: "
            "la confermeremo a breve.",
        ),
        "receipt.refused": (
            "Ricevuta di pagamento non accettata",
            "La ricevuta di pagamento della fattura {number} ({total}) non è accettata "
            "({reason}): la fattura resta da saldare.",
        ),
        "act.issued": (
            "Verbale di servizi resi {number}",
            "È stato emesso il verbale di servizi resi {number} di {total}.",
        ),
        "credit_note.issued": (
            "Nota di credito {number} emessa",
            "È stata emessa la nota di credito {number} di {total}.",
        ),
        "payment.received": (
            "Pagamento ricevuto",
            "Grazie: abbiamo ricevuto il pagamento di {total} per {doc}.",
        ),
        "invoice.charged_to_credit": (
            "Addebito sulla linea di credito",
            "La fattura {doc} ({total}) è addebitata sulla sua linea di credito: "
            "andrà saldata con il prossimo estratto conto.",
        ),
        "payment.failed": (
            "Pagamento non riuscito",
            "Non è stato possibile incassare la fattura {doc} (tentativo {attempt}).",
        ),
        "payment.overdue": (
            "Pagamento scaduto",
            "La fattura {doc} ({total}) è scaduta dal {overdue_on}. La preghiamo di saldarla.",
        ),
        "payment.reminder": (
            "Promemoria di pagamento",
            "La fattura {doc} ({total}) risulta ancora da saldare dal {overdue_on}. "
            "La preghiamo di provvedere al pagamento.",
        ),
        "subscription.frozen": (
            "Abbonamento sospeso",
            "L'abbonamento {subscription} è sospeso fino al pagamento della fattura.",
        ),
        "subscription.overdue_state": (
            "Ritardo di pagamento: {state}",
            "L'abbonamento {subscription} non è pagato ed è nello stato di ritardo {state} dal {on}.",
        ),
        "subscription.overdue_cleared": (
            "Ritardo di pagamento risolto",
            "Grazie: dal {on} l'abbonamento {subscription} non è più in ritardo (era nello stato {lowered_from}).",
        ),
        "subscription.unfrozen": (
            "Abbonamento riattivato",
            "Grazie: l'abbonamento {subscription} è di nuovo attivo.",
        ),
        "subscription.marked_for_deletion": (
            "Dati dell'abbonamento in cancellazione",
            "L'abbonamento {subscription} è stato annullato per mancato pagamento; "
            "i suoi dati saranno cancellati dal {on}.",
        ),
        "subscription.cancelled": (
            "Abbonamento cessato",
            "L'abbonamento {subscription} è terminato il {ends}.",
        ),
        "usage.threshold": (
            "Utilizzato il {level} della quota di {metric}",
            "{subscription} ha utilizzato il {level} della quota inclusa "
            "({included} {metric}, {period}).",
        ),
        "autopay.capped": (
            "Limite dei pagamenti automatici raggiunto",
            "La fattura {doc} ({total}) supera il limite mensile dei pagamenti automatici "
            "di {cap}. La preghiamo di saldarla.",
        ),
        "statement.issued": (
            "Estratto conto {statement} emesso",
            "Estratto conto {statement}: {total}, da saldare entro il {due_on}.",
        ),
        "credit.notice": (
            "Estratto conto {statement}: {notice}",
            "{total} da saldare entro il {due_on}; dal {blocked_from} gli acquisti a credito "
            "saranno bloccati.",
        ),
        "credit.blocked": (
            "Fido bloccato",
            "Il suo fido è bloccato: importo scaduto {overdue}.",
        ),
        "credit.unblocked": ("Fido sbloccato", "Il suo fido è di nuovo disponibile."),
        "renewal.failed": (
            "Rinnovo di {service} non riuscito",
            "Non è stato possibile rinnovare {service} (scadenza {term_ends}): {reason}.",
        ),
        "service.renewed": ("{service} rinnovato", "Il servizio {service} è stato rinnovato."),
        "service.expired": (
            "{service} disattivato",
            "Il servizio {service} è stato disattivato: il periodo è terminato il {term_ends}.",
        ),
        "balance.low": (
            "Saldo in esaurimento",
            "Dopo {doc} restano {balance} sul saldo: il prossimo addebito sarà di circa "
            "{expected}.",
        ),
    },
    "fa": {
        "invoice.issued": (
            "صدور صورتحساب {number}",
            "صورتحساب {number} به مبلغ {total} صادر شد.",
        ),
        "proforma.issued": (
            "صدور پیش‌فاکتور {number}",
            "پیش‌فاکتور {number} به مبلغ {total} صادر شد (درخواست پرداخت).",
        ),
        "proforma.approved": (
            "صدور صورتحساب {number}",
            "پیش‌فاکتور {proforma_number} تأیید شد: صورتحساب {number} به مبلغ {total} صادر شد "
            "و مهلت پرداخت آن تا {due_on} است.",
        ),
        "proforma.rejected": (
            "رد پیش‌فاکتور {number}",
            "پیش‌فاکتور {number} به مبلغ {total} رد شد ({reason}) و صورتحسابی برای آن صادر نمی‌شود.",
        ),
        "proforma.reissued": (
            "صدور پیش‌فاکتور {number}",
            "پیش‌فاکتور {number} به مبلغ {total} به جای پیش‌فاکتور ردشده {rejected_number} صادر "
            "شد؛ لطفاً آن را تأیید یا رد کنید.",
        ),
        "receipt.uploaded": (
            "رسید پرداخت دریافت شد",
            "رسید پرداخت صورتحساب {number} ({total}) دریافت شد و به‌زودی تأیید می‌شود.",
        ),
        "receipt.refused": (
            "رسید پرداخت پذیرفته نشد",
            "رسید پرداخت صورتحساب {number} ({total}) پذیرفته نشد ({reason}) و صورتحساب "
            "همچنان باید پرداخت شود.",
        ),
        "act.issued": (
            "صدور گواهی انجام کار {number}",
            "گواهی انجام کار {number} به مبلغ {total} صادر شد.",
        ),
        "credit_note.issued": (
            "صدور اعلامیه بستانکاری {number}",
            "اعلامیه بستانکاری {number} به مبلغ {total} صادر شد.",
        ),
        "payment.received": (
            "پرداخت دریافت شد",
            "با سپاس، مبلغ {total} بابت {doc} دریافت شد.",
        ),
        "invoice.charged_to_credit": (
            "پرداخت از محل اعتبار",
            "صورتحساب {doc} به مبلغ {total} از محل اعتبار شما پرداخت شد و با صورتحساب "
            "اعتباری بعدی قابل پرداخت است.",
        ),
        "payment.failed": (
            "پرداخت ناموفق",
            "برداشت مبلغ صورتحساب {doc} انجام نشد (تلاش {attempt}).",
        ),
        "payment.overdue": (
            "سررسید پرداخت گذشته است",
            "مهلت پرداخت صورتحساب {doc} به مبلغ {total} از {overdue_on} گذشته است. "
            "لطفاً آن را پرداخت کنید.",
        ),
        "payment.reminder": (
            "یادآوری پرداخت",
            "صورتحساب {doc} به مبلغ {total} از {overdue_on} هنوز پرداخت نشده است. "
            "لطفاً آن را پرداخت کنید.",
        ),
        "subscription.frozen": (
            "اشتراک تعلیق شد",
            "اشتراک {subscription} تا پرداخت صورتحساب تعلیق شد.",
        ),
        "subscription.overdue_state": (
            "معوقه: {state}",
            "اشتراک {subscription} پرداخت نشده و از {on} در وضعیت معوقه {state} است.",
        ),
        "subscription.overdue_cleared": (
            "معوقه تسویه شد",
            "با سپاس، اشتراک {subscription} از {on} دیگر معوقه نیست (در وضعیت {lowered_from} بود).",
        ),
        "subscription.unfrozen": (
            "اشتراک دوباره فعال شد",
            "با سپاس، اشتراک {subscription} دوباره فعال است.",
        ),
        "subscription.marked_for_deletion": (
            "حذف داده‌های اشتراک",
            "اشتراک {subscription} به دلیل عدم پرداخت لغو شد و داده‌های آن از {on} حذف می‌شود.",
        ),
        "subscription.cancelled": (
            "اشتراک لغو شد",
            "اشتراک {subscription} در {ends} به پایان رسید.",
        ),
        "usage.threshold": (
            "{level} از سهمیه {metric} مصرف شد",
            "{subscription}: {level} از {included} {metric} سهمیه طرح مصرف شده است ({period}).",
        ),
        "autopay.capped": (
            "سقف پرداخت خودکار",
            "صورتحساب {doc} به مبلغ {total} از سقف ماهانه پرداخت خودکار ({cap}) بیشتر است. "
            "لطفاً آن را پرداخت کنید.",
        ),
        "statement.issued": (
            "صدور صورتحساب اعتباری {statement}",
            "صورتحساب اعتباری {statement}: {total}، مهلت پرداخت تا {due_on}.",
        ),
        "credit.notice": (
            "صورتحساب اعتباری {statement}: {notice}",
            "مبلغ {total} تا {due_on} پرداخت شود؛ از {blocked_from} خرید اعتباری متوقف می‌شود.",
        ),
        "credit.blocked": (
            "اعتبار مسدود شد",
            "اعتبار شما مسدود شد: مبلغ معوق {overdue}.",
        ),
        "credit.unblocked": ("اعتبار آزاد شد", "اعتبار شما دوباره فعال است."),
        "renewal.failed": (
            "تمدید {service} ناموفق بود",
            "تمدید {service} (پایان دوره {term_ends}) انجام نشد: {reason}.",
        ),
        "service.renewed": ("{service} تمدید شد", "سرویس {service} تمدید شد."),
        "service.expired": (
            "{service} متوقف شد",
            "سرویس {service} متوقف شد: دوره آن در {term_ends} به پایان رسید.",
        ),
        "balance.low": (
            "موجودی رو به پایان است",
            "پس از پرداخت {doc}، موجودی شما {balance} است؛ برداشت بعدی حدود {expected} خواهد بود.",
        ),
    },
}
"""Subject and body per language and topic."""

TOP_UP: Final[Mapping[str, tuple[str, str]]] = {
    "en": (
        "Payment received",
        "Thank you: we received {total}; {credited} is added to your balance.",
    ),
    "ru": ("Оплата получена", "Спасибо! Получено {total}; на баланс зачислено {credited}."),
    "uk": ("Оплату отримано", "Дякуємо! Отримано {total}; на баланс зараховано {credited}."),
    "it": (
        "Pagamento ricevuto",
        "Grazie: abbiamo ricevuto {total}; sul saldo sono stati accreditati {credited}.",
    ),
    "fa": (
        "پرداخت دریافت شد",
        "با سپاس، مبلغ {total} دریافت شد و {credited} به موجودی شما افزوده شد.",
    ),
}
"""``payment.received`` of a balance top-up (its ``credited``: bonus and cashback in, commission out)."""

NOTICES: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "issued": "statement issued",
        "due_soon": "payment due soon",
        "overdue": "payment overdue",
        "blocking_soon": "purchases on credit stop soon",
        "blocked": "purchases on credit stopped",
    },
    "ru": {
        "issued": "счёт выставлен",
        "due_soon": "скоро срок оплаты",
        "overdue": "оплата просрочена",
        "blocking_soon": "скоро покупки в кредит будут остановлены",
        "blocked": "покупки в кредит остановлены",
    },
    "uk": {
        "issued": "рахунок виставлено",
        "due_soon": "незабаром термін оплати",
        "overdue": "оплату прострочено",
        "blocking_soon": "незабаром купівлі в кредит буде зупинено",
        "blocked": "купівлі в кредит зупинено",
    },
    "it": {
        "issued": "estratto conto emesso",
        "due_soon": "pagamento in scadenza",
        "overdue": "pagamento scaduto",
        "blocking_soon": "acquisti a credito a breve bloccati",
        "blocked": "acquisti a credito bloccati",
    },
    "fa": {
        "issued": "صورتحساب صادر شد",
        "due_soon": "مهلت پرداخت نزدیک است",
        "overdue": "سررسید پرداخت گذشته است",
        "blocking_soon": "خرید اعتباری به‌زودی متوقف می‌شود",
        "blocked": "خرید اعتباری متوقف شد",
    },
}
"""A credit line's notices (:class:`billkit.credit.CreditNoticeKind`) as people say them."""

METRICS: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "api_calls": "API calls",
        "attributions": "attributions",
        "backup_gb": "GB of backups",
        "contacts": "contacts",
        "emails_sent": "emails",
        "messages": "messages",
        "monthly_active_contacts": "monthly active contacts",
        "seats": "seats",
        "sms_sent": "SMS messages",
        "storage_gb": "GB of storage",
        "tracking_numbers": "tracking numbers",
        "traffic_gb": "GB of traffic",
        "users": "users",
    },
    "ru": {
        "api_calls": "запросов к API",
        "attributions": "атрибуций",
        "backup_gb": "ГБ резервных копий",
        "contacts": "контактов",
        "emails_sent": "писем",
        "messages": "сообщений",
        "monthly_active_contacts": "активных контактов за месяц",
        "seats": "мест",
        "sms_sent": "SMS",
        "storage_gb": "ГБ хранилища",
        "tracking_numbers": "номеров отслеживания звонков",
        "traffic_gb": "ГБ трафика",
        "users": "пользователей",
    },
    "uk": {
        "api_calls": "запитів до API",
        "attributions": "атрибуцій",
        "backup_gb": "ГБ резервних копій",
        "contacts": "контактів",
        "emails_sent": "листів",
        "messages": "повідомлень",
        "monthly_active_contacts": "активних контактів за місяць",
        "seats": "місць",
        "sms_sent": "SMS",
        "storage_gb": "ГБ сховища",
        "tracking_numbers": "номерів відстеження дзвінків",
        "traffic_gb": "ГБ трафіку",
        "users": "користувачів",
    },
    "it": {
        "api_calls": "chiamate API",
        "attributions": "attribuzioni",
        "backup_gb": "GB di backup",
        "contacts": "contatti",
        "emails_sent": "email",
        "messages": "messaggi",
        "monthly_active_contacts": "contatti attivi mensili",
        "seats": "postazioni",
        "sms_sent": "SMS",
        "storage_gb": "GB di spazio",
        "tracking_numbers": "numeri di tracciamento",
        "traffic_gb": "GB di traffico",
        "users": "utenti",
    },
    "fa": {
        "api_calls": "درخواست API",
        "attributions": "انتساب",
        "backup_gb": "گیگابایت پشتیبان",
        "contacts": "مخاطب",
        "emails_sent": "ایمیل",
        "messages": "پیام",
        "monthly_active_contacts": "مخاطب فعال ماهانه",
        "seats": "جایگاه کاربری",
        "sms_sent": "پیامک",
        "storage_gb": "گیگابایت فضای ذخیره‌سازی",
        "tracking_numbers": "شماره ردیابی تماس",
        "traffic_gb": "گیگابایت ترافیک",
        "users": "کاربر",
    },
}
"""The usage metrics billkit names in each language, by code, as ``usage.threshold``
writes them ("90% of your {metric} used"; Russian and Ukrainian in the genitive
plural). :func:`metric_name` says which name an alert shows."""


def metric_name(code: str, names: object, description: object, locale: str) -> str:
    """The name a usage alert gives metric ``code`` for a reader in ``locale``.

    In this order: the plan's name of it in the reader's locale, then in
    the locale's language (the payload's ``metric_names``: its charge's
    :attr:`~billkit.pricing.Charge.names`); billkit's own name of it in
    that language (:data:`METRICS`); the plan's one-language text (the
    payload's ``metric_name``: its charge's description); its code. A
    plan author's translation comes first, as the author chose its words;
    billkit's names of the 13 metrics it knows come before the description,
    which is written once for every reader (and often as an invoice line:
    "Promotional emails beyond the 2 500 free").

    >>> metric_name("emails_sent", {"ru": "рассылок"}, "Emails", "ru_RU")
    'рассылок'
    >>> metric_name("emails_sent", {"ru": "рассылок"}, "Emails", "uk_UA")
    'листів'
    >>> metric_name("render_minutes", {}, "Render minutes", "it")
    'Render minutes'
    >>> metric_name("render_minutes", None, "", "it")
    'render_minutes'
    """
    from billkit.pricing.plans import _translated

    own = _translated(names, locale) if isinstance(names, Mapping) else None
    if isinstance(own, str) and own:
        return own
    language = locale.replace("-", "_").split("_")[0].lower()
    known = METRICS.get(language, METRICS["en"]).get(code)
    if known:
        return known
    if isinstance(description, str) and description:
        return description
    return code


REASONS: Final[Mapping[str, Mapping[str, str]]] = {
    "en": {
        "authentication_abandoned": "the payment was not confirmed",
        "authentication_required": "the bank asks to confirm the payment",
        "card_declined": "the card was declined",
        "debit_failed": "the bank returned the debit",
        "declined": "the payment was declined",
        "do_not_honor": "the bank declined the payment",
        "expired_card": "the card has expired",
        "incorrect_cvc": "the card's security code is incorrect",
        "incorrect_number": "the card number is incorrect",
        "insufficient_funds": "the card has insufficient funds",
        "its saved method was deleted": "the saved payment method was deleted",
        "lost_card": "the card was reported lost",
        "payment_failed": "the payment failed",
        "processing_error": "an error occurred while processing the payment",
        "stolen_card": "the card was reported stolen",
        "the payment failed": "the payment failed",
        "try_again_later": "the bank asks to try again later",
    },
    "ru": {
        "authentication_abandoned": "платёж не подтверждён",
        "authentication_required": "банк просит подтвердить платёж",
        "card_declined": "карта отклонена",
        "debit_failed": "банк вернул списание",
        "declined": "платёж отклонён",
        "do_not_honor": "банк отклонил платёж",
        "expired_card": "срок действия карты истёк",
        "incorrect_cvc": "неверный код безопасности карты",
        "incorrect_number": "неверный номер карты",
        "insufficient_funds": "на карте недостаточно средств",
        "its saved method was deleted": "сохранённый способ оплаты удалён",
        "lost_card": "карта заявлена как утерянная",
        "payment_failed": "платёж не прошёл",
        "processing_error": "ошибка при обработке платежа",
        "stolen_card": "карта заявлена как украденная",
        "the payment failed": "платёж не прошёл",
        "try_again_later": "банк просит повторить попытку позже",
    },
    "uk": {
        "authentication_abandoned": "платіж не підтверджено",
        "authentication_required": "банк просить підтвердити платіж",
        "card_declined": "картку відхилено",
        "debit_failed": "банк повернув списання",
        "declined": "платіж відхилено",
        "do_not_honor": "банк відхилив платіж",
        "expired_card": "термін дії картки закінчився",
        "incorrect_cvc": "неправильний код безпеки картки",
        "incorrect_number": "неправильний номер картки",
        "insufficient_funds": "на картці недостатньо коштів",
        "its saved method was deleted": "збережений спосіб оплати видалено",
        "lost_card": "картку заявлено як втрачену",
        "payment_failed": "платіж не пройшов",
        "processing_error": "помилка під час обробки платежу",
        "stolen_card": "картку заявлено як викрадену",
        "the payment failed": "платіж не пройшов",
        "try_again_later": "банк просить повторити спробу пізніше",
    },
    "it": {
        "authentication_abandoned": "il pagamento non è stato confermato",
        "authentication_required": "la banca chiede di confermare il pagamento",
        "card_declined": "la carta è stata rifiutata",
        "debit_failed": "la banca ha respinto l'addebito",
        "declined": "il pagamento è stato rifiutato",
        "do_not_honor": "la banca ha rifiutato il pagamento",
        "expired_card": "la carta è scaduta",
        "incorrect_cvc": "il codice di sicurezza della carta non è corretto",
        "incorrect_number": "il numero della carta non è corretto",
        "insufficient_funds": "fondi insufficienti sulla carta",
        "its saved method was deleted": "il metodo di pagamento salvato è stato eliminato",
        "lost_card": "la carta risulta smarrita",
        "payment_failed": "il pagamento non è andato a buon fine",
        "processing_error": "errore durante l'elaborazione del pagamento",
        "stolen_card": "la carta risulta rubata",
        "the payment failed": "il pagamento non è andato a buon fine",
        "try_again_later": "la banca chiede di riprovare più tardi",
    },
    "fa": {
        "authentication_abandoned": "پرداخت تأیید نشد",
        "authentication_required": "بانک تأیید پرداخت را می‌خواهد",
        "card_declined": "کارت رد شد",
        "debit_failed": "بانک برداشت را برگرداند",
        "declined": "پرداخت رد شد",
        "do_not_honor": "بانک پرداخت را رد کرد",
        "expired_card": "کارت منقضی شده است",
        "incorrect_cvc": "کد امنیتی کارت نادرست است",
        "incorrect_number": "شماره کارت نادرست است",
        "insufficient_funds": "موجودی کارت کافی نیست",
        "its saved method was deleted": "روش پرداخت ذخیره‌شده حذف شد",
        "lost_card": "کارت مفقود اعلام شده است",
        "payment_failed": "پرداخت انجام نشد",
        "processing_error": "خطا در پردازش پرداخت",
        "stolen_card": "کارت سرقتی اعلام شده است",
        "the payment failed": "پرداخت انجام نشد",
        "try_again_later": "بانک خواست بعداً دوباره تلاش شود",
    },
}
"""Why a renewal failed, as the customer reads it: the providers' failure codes
(``PaymentResult.failure.code``, Stripe's names, which the sandbox and billkit's
gateways use) and the reasons billkit's renewals give themselves. A reason not
named here is shown as it came."""

MONEY_FIELDS: Final = frozenset(
    {"total", "balance", "expected", "cap", "overdue", "debt", "credited", "charged"}
)
"""Payload fields that are amounts in the payload's ``currency``."""

DATE_FIELDS: Final = frozenset({"overdue_on", "on", "ends", "due_on", "blocked_from", "term_ends"})
"""Payload fields that are ISO dates."""

NUMBER_FIELDS: Final = frozenset({"attempt", "included"})
"""Payload fields that are numbers."""
