"""Credit: balances, bonuses, cashback, commission, autopay and credit limits.

* :mod:`~billkit.credit.ledger`: the :class:`Ledger` of a customer's
  wallets and signed entries; balances at any time, which payment paid which
  charge, pending payments, refunds that never return bonus money as cash,
  history filtered and grouped;
* :mod:`~billkit.credit.bonus`: prepayment bonus programs, cashback, free
  allowances;
* :mod:`~billkit.credit.commission`: payment-method fees on top or grossed up,
  and amount limits;
* :mod:`~billkit.credit.topup`: top-up suggestions and booking a payment with
  what it earns;
* :mod:`~billkit.credit.autopay`: automatic top-up decisions;
* :mod:`~billkit.credit.limit`: postpaid credit lines, statements, blocking
  and notices.

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

from billkit.credit.autopay import (
    AutopayDecision,
    AutopayReason,
    AutopaySettings,
    decide_autopay,
    suggested_monthly_maximum,
)
from billkit.credit.bonus import (
    AllowanceUse,
    BonusAward,
    BonusProgram,
    BonusTier,
    Cashback,
    CashbackBase,
    FreeAllowance,
)
from billkit.credit.commission import (
    Commission,
    FeeMode,
    PaymentMethod,
    PaymentQuote,
    fee_on_top,
    gross_up,
)
from billkit.credit.ledger import (
    DEFAULT_ORDER,
    Allocation,
    Clawback,
    ConsumptionOrder,
    CreditKind,
    CreditLot,
    Entry,
    EntryKind,
    Expense,
    HistoryGroup,
    Ledger,
    LotOrder,
    PendingPayment,
    Wallet,
    allocate_entries,
    balance_of,
    group_entries,
    tax_by_row,
)
from billkit.credit.limit import (
    DEFAULT_NOTICES,
    Anchor,
    CreditAction,
    CreditLine,
    CreditNoticeKind,
    CreditState,
    Notice,
    NoticeRule,
    Statement,
    StatementDates,
    StatementState,
    credit_state,
    notices_due,
)
from billkit.credit.topup import (
    DEFAULT_MONTHS,
    TopUpOption,
    receive_payment,
    reward_payment,
    suggest_top_ups,
    top_up_option,
)

__all__ = [
    "DEFAULT_MONTHS",
    "DEFAULT_NOTICES",
    "DEFAULT_ORDER",
    "Allocation",
    "AllowanceUse",
    "Anchor",
    "AutopayDecision",
    "AutopayReason",
    "AutopaySettings",
    "BonusAward",
    "BonusProgram",
    "BonusTier",
    "Cashback",
    "CashbackBase",
    "Clawback",
    "Commission",
    "ConsumptionOrder",
    "CreditAction",
    "CreditKind",
    "CreditLine",
    "CreditLot",
    "CreditNoticeKind",
    "CreditState",
    "Entry",
    "EntryKind",
    "Expense",
    "FeeMode",
    "FreeAllowance",
    "HistoryGroup",
    "Ledger",
    "LotOrder",
    "Notice",
    "NoticeRule",
    "PaymentMethod",
    "PaymentQuote",
    "PendingPayment",
    "Statement",
    "StatementDates",
    "StatementState",
    "TopUpOption",
    "Wallet",
    "allocate_entries",
    "balance_of",
    "credit_state",
    "decide_autopay",
    "fee_on_top",
    "gross_up",
    "group_entries",
    "notices_due",
    "receive_payment",
    "reward_payment",
    "suggest_top_ups",
    "suggested_monthly_maximum",
    "tax_by_row",
    "top_up_option",
]
