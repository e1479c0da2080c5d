"""Credit: balances, bonuses, cashback, commission, autopay and credit limits.

The names most callers need are here; the rest live in the module that
defines them:

* :mod:`~billkit.credit.entries`: entry and credit kinds, entries, pending
  payments and the rows a ledger reports (allocations, expenses, open lots);
* :mod:`~billkit.credit.wallets`: wallets and the order charges spend credit in;
  several wallets by priority and fee type (``split_across_wallets``);
* :mod:`~billkit.credit.ledger`: the :class:`Ledger`: balances at any time,
  which payment paid which charge, pending payments, refunds that never
  return bonus money as cash;
* :mod:`~billkit.credit.streams`: balances and allocations over millions of
  entries in flat memory;
* :mod:`~billkit.credit.history`: history grouped by day, month or tag; the
  tax included in each expense row;
* :mod:`~billkit.credit.bonus`: prepayment bonus programs, cashback, free
  allowances;
* :mod:`~billkit.credit.commission`: payment-method fees on top, grossed
  up or taken from what the merchant receives, and amount limits;
* :mod:`~billkit.credit.topup`: top-up suggestions and booking a payment with
  what it earns;
* :mod:`~billkit.credit.autopay`: automatic top-up decisions;
* :mod:`~billkit.credit.credit_line` and :mod:`~billkit.credit.limit`:
  postpaid credit lines, statements, blocking and notices.

>>> from datetime import datetime, timezone
>>> from billkit.money import Money
>>> from billkit.credit import Ledger, Wallet
>>> ledger = Ledger(wallets=[Wallet(name="main", currency="RUB"),
...                          Wallet(name="tracking", currency="RUB")])
>>> ledger = ledger.top_up("tracking", "1500.00", at=datetime(2026, 3, 1, tzinfo=timezone.utc),
...                        key="p1")
>>> ledger.balances()
{'main': Money('0', 'RUB'), 'tracking': Money('1500.00', 'RUB')}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from billkit import _lazy

if TYPE_CHECKING:  # the names, for type checkers; at run time they load on first use
    from billkit.credit.autopay import AutopaySettings, decide_autopay
    from billkit.credit.bonus import BonusProgram, Cashback
    from billkit.credit.commission import Commission, PaymentMethod
    from billkit.credit.credit_line import CreditLine
    from billkit.credit.entries import CreditKind, Entry, EntryKind
    from billkit.credit.ledger import Ledger
    from billkit.credit.limit import credit_state, notices_due
    from billkit.credit.topup import receive_payment, suggest_top_ups
    from billkit.credit.wallets import Wallet

_EXPORTS = {
    "AutopaySettings": "billkit.credit.autopay",
    "decide_autopay": "billkit.credit.autopay",
    "BonusProgram": "billkit.credit.bonus",
    "Cashback": "billkit.credit.bonus",
    "Commission": "billkit.credit.commission",
    "PaymentMethod": "billkit.credit.commission",
    "CreditLine": "billkit.credit.credit_line",
    "CreditKind": "billkit.credit.entries",
    "Entry": "billkit.credit.entries",
    "EntryKind": "billkit.credit.entries",
    "Ledger": "billkit.credit.ledger",
    "credit_state": "billkit.credit.limit",
    "notices_due": "billkit.credit.limit",
    "receive_payment": "billkit.credit.topup",
    "suggest_top_ups": "billkit.credit.topup",
    "Wallet": "billkit.credit.wallets",
}

# Names that left __all__ in 0.x (issue 9) stay importable from the package for
# code written before; new code imports them from the module that defines them.
_FORMER = {
    "AutopayDecision": "billkit.credit.autopay",
    "AutopayReason": "billkit.credit.autopay",
    "suggested_monthly_maximum": "billkit.credit.autopay",
    "AllowanceUse": "billkit.credit.bonus",
    "BonusAward": "billkit.credit.bonus",
    "BonusTier": "billkit.credit.bonus",
    "CashbackBase": "billkit.credit.bonus",
    "FreeAllowance": "billkit.credit.bonus",
    "FeeMode": "billkit.credit.commission",
    "PaymentQuote": "billkit.credit.commission",
    "fee_on_top": "billkit.credit.commission",
    "gross_up": "billkit.credit.commission",
    "Anchor": "billkit.credit.credit_line",
    "CreditState": "billkit.credit.credit_line",
    "DEFAULT_NOTICES": "billkit.credit.credit_line",
    "Notice": "billkit.credit.credit_line",
    "NoticeRule": "billkit.credit.credit_line",
    "Statement": "billkit.credit.credit_line",
    "StatementDates": "billkit.credit.credit_line",
    "StatementState": "billkit.credit.credit_line",
    "Allocation": "billkit.credit.entries",
    "Clawback": "billkit.credit.entries",
    "CreditLot": "billkit.credit.entries",
    "Expense": "billkit.credit.entries",
    "HistoryGroup": "billkit.credit.entries",
    "PendingPayment": "billkit.credit.entries",
    "group_entries": "billkit.credit.history",
    "tax_by_row": "billkit.credit.history",
    "allocate_entries": "billkit.credit.streams",
    "balance_of": "billkit.credit.streams",
    "DEFAULT_MONTHS": "billkit.credit.topup",
    "TopUpOption": "billkit.credit.topup",
    "reward_payment": "billkit.credit.topup",
    "top_up_option": "billkit.credit.topup",
    "ConsumptionOrder": "billkit.credit.wallets",
    "DEFAULT_ORDER": "billkit.credit.wallets",
    "LotOrder": "billkit.credit.wallets",
}

__all__ = [
    "AutopaySettings",
    "BonusProgram",
    "Cashback",
    "Commission",
    "CreditKind",
    "CreditLine",
    "Entry",
    "EntryKind",
    "Ledger",
    "PaymentMethod",
    "Wallet",
    "credit_state",
    "decide_autopay",
    "notices_due",
    "receive_payment",
    "suggest_top_ups",
]
__getattr__, __dir__ = _lazy.attach(__name__, {**_EXPORTS, **_FORMER})
