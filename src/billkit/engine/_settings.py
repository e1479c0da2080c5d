"""Settings: ``change_settings`` and ``change_dunning``, and the checks a change passes
before the store keeps it. One layer of :class:`billkit.engine.Billing` (users import
from :mod:`billkit.engine`; the modules are listed in docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from billkit.credit.bonus import BonusProgram
from billkit.credit.commission import PaymentMethod
from billkit.engine._core import (
    _SERIES_SETTINGS,
    _SETTINGS,
    _UNSET,
    _check_approval,
    _dunning_schedule,
    _kept_value,
    _plan_schedules,
    _same_setting,
    _series_of,
    _setting,
    _Unset,
    _with_ladder,
)
from billkit.engine._dunning import _Dunning
from billkit.errors import BillingError, NotFoundError
from billkit.ports import Transaction
from billkit.storage.records import PayerRecord, SeriesRecord
from billkit.subscriptions.dunning import DunningSchedule
from billkit.subscriptions.overdue import OverdueLadder

#: The key of the settings record listing the series a business numbered its bills in
#: before :meth:`Billing.change_settings` moved them to others.
_EARLIER_SERIES = "earlier_series"


def _shown(name: str, kept: object) -> object:
    """A kept setting as :meth:`Billing.change_settings` reports it."""
    return _kept_value(name, kept) if name in ("methods", "bonus") else kept


#: How many customers an error names at most (the rest are counted).
_NAMED = 5


class _Settings(_Dunning):
    """Settings: a layer of :class:`~billkit.engine.Billing`."""

    def change_dunning(
        self,
        dunning: DunningSchedule | Mapping[str, DunningSchedule] | None = None,
        *,
        overdue: OverdueLadder | None = None,
    ) -> None:
        """Replace the dunning the store keeps (and this ``Billing``'s) with ``dunning``
        and ``overdue`` (``None``: the attempt-counted dunning, no ladder).

        Every ``Billing`` on the store opened afterwards without ``dunning=``
        and ``overdue=`` runs them; one already open keeps what it read until
        it is opened again. Invoices already overdue are dunned by the new
        schedule from the next run on (what was done stays done).
        """
        if isinstance(dunning, Mapping):
            plans, business = _plan_schedules(dunning), None
        else:
            plans, business = {}, _dunning_schedule(dunning)
        if overdue is not None and not isinstance(overdue, OverdueLadder):
            raise BillingError("overdue", overdue, "a billkit.subscriptions.OverdueLadder or None")
        _with_ladder(overdue, business, plans)
        with self.store.transaction(lock=f"account:{self._dunning_id}") as tx:
            self._use_dunning(business, plans, overdue)
            self._keep_dunning(tx)

    def _has_billed(self, tx: Transaction, kept: Mapping[str, object]) -> bool:
        """Whether a series this business numbers (or numbered) its bills in has
        issued a number (a series another business shares counts too)."""
        names = {str(kept.get(n, _SETTINGS[n])) for n in _SERIES_SETTINGS[:3]}
        earlier = kept.get(_EARLIER_SERIES) or []
        assert isinstance(earlier, list)
        for name in names | {str(n) for n in earlier}:
            try:
                if tx.series(name).next > 1:
                    return True
            except NotFoundError:
                continue
        return False

    def _no_payer_left(
        self, tx: Transaction, before: Mapping[str, object], after: Mapping[str, object]
    ) -> None:
        """Refuse ``methods`` that leave out a method a customer's ``pays_with``
        still names: its top-ups and autopayments would fail. The store's
        payers are read only when a method is removed. In a store shared by
        several businesses, only this business's customers count (the payer
        data's ``business``, written by :meth:`add_customer` and
        :meth:`change_payer`); a payer added before it was written names no
        business and counts for every business (conservative: it may be this
        business's)."""
        gone = sorted(set(before) - set(after))
        if not gone:
            return
        paying = tx.payers_paying_with(gone, business=self.business)
        payers = [id for id in paying if not id.startswith("_")]
        if payers:
            shown = ", ".join(payers[:_NAMED])
            more = f" and {len(payers) - _NAMED} more" if len(payers) > _NAMED else ""
            names = " or ".join(repr(name) for name in gone)
            whom = "1 customer pays" if len(payers) == 1 else f"{len(payers)} customers pay"
            raise BillingError(
                "methods",
                sorted(after),
                f"every method a customer's pays_with names: {whom} with {names} "
                f"({shown}{more}); move them to another method first "
                "(change_payer(customer, pays_with=...))",
            )

    def _no_stranded(self, tx: Transaction, before: int, after: int) -> None:
        """Refuse ``max_attempts`` lowered to ``after`` when an unpaid invoice
        dunned by attempts has failed from ``after`` to ``before - 1`` times: it
        would be neither tried again nor frozen (the failure that freezes is
        the ``max_attempts``-th). Conservative: a store shared with other
        businesses counts their invoices too."""
        if after >= before:
            return
        unpaid = [d for d in tx.unpaid_invoices() if self._schedule_of(d, tx) is None]
        events = tx.document_events_of([d.id for d in unpaid])
        tried = {d.id: sum(e.event == "payment_failed" for e in events[d.id]) for d in unpaid}
        stranded = {doc: n for doc, n in tried.items() if after <= n < before}
        if stranded:
            doc, most = max(stranded.items(), key=lambda item: (item[1], item[0]))
            raise BillingError(
                "max_attempts",
                after,
                f"at least {most + 1}: {doc} has failed {most} times, and would be "
                "neither tried again nor frozen",
            )

    def change_settings(
        self,
        *,
        invoice_series: str | _Unset = _UNSET,
        credit_series: str | _Unset = _UNSET,
        proforma_series: str | _Unset = _UNSET,
        act_series: str | _Unset = _UNSET,
        locale: str | _Unset = _UNSET,
        prices_include_tax: bool | Mapping[str, bool] | _Unset | None = _UNSET,
        proforma: bool | Iterable[str] | _Unset = _UNSET,
        proforma_final: str | _Unset = _UNSET,
        proforma_approval: bool | _Unset = _UNSET,
        max_attempts: int | _Unset = _UNSET,
        cancel_at_cycle_end: bool | _Unset = _UNSET,
        deletion_days: int | _Unset | None = _UNSET,
        payment_days: int | _Unset = _UNSET,
        channels: Mapping[str, Sequence[str]] | _Unset = _UNSET,
        methods: Iterable[PaymentMethod] | _Unset = _UNSET,
        bonus: BonusProgram | _Unset | None = _UNSET,
    ) -> dict[str, tuple[Any, Any]]:
        """Replace the settings given in the store (the settings record
        :data:`SETTINGS_ID`) and in this ``Billing``; returns what changed:
        ``{setting: (before, after)}``, each as the store keeps it (the
        payment ``methods`` by name and the ``bonus`` program as values;
        ``{}``: nothing changed). Each value is checked as ``Billing(...)``
        checks it; one refused (a :class:`~billkit.errors.BillingError`
        naming the setting and the value) changes nothing.

        Under the settings' lock, the settings are read from the store (what
        another process changed meanwhile counts), the changes are written,
        and this ``Billing`` takes every kept setting. A ``Billing`` opened
        earlier elsewhere keeps what it read until it is opened again; one
        opened afterwards without the settings uses the new ones, and one
        given the old ones is refused.

        A change applies to what is issued or done from then on: documents
        already issued are never edited (their numbers, due dates, language
        and amounts stay), and no period already billed is billed again.

        * a series (``invoice_series``...): the next documents of its kind
          are numbered in the series named, created if new
          (``NAME-000001``) or continued if it exists; the old series keeps
          its numbers, gap-free, and continues where it stopped if chosen
          again;
        * ``payment_days``: the due date of the next documents; ``locale``:
          the language of the next documents and notices of the customers
          without a locale of their own (:meth:`add_customer`); ``channels``: the
          next notices; ``methods`` and ``bonus``: the next top-ups (one
          made before and still pending is booked under the terms it was
          made under). A method a customer's ``pays_with`` names cannot be
          removed: refused, naming the first five such customers and
          counting the rest; move them first with :meth:`change_payer`
          (the store's payers are read only when a method is removed);
        * ``proforma``, ``proforma_final``: how the next due periods are
          billed and what a proforma paid from now on issues; a period
          already billed is not billed again (its proforma stays payable);
        * ``max_attempts``, ``cancel_at_cycle_end``, ``deletion_days``: the
          next run's dunning. Raised, an invoice whose dunning was over is
          tried again up to the new number (its subscription stays frozen
          until it is paid); lowered, it is refused while an unpaid invoice
          has failed as often as the new number but not the old one (it
          would be neither tried again nor frozen): the error names the
          least number accepted;
        * ``prices_include_tax`` is refused once the business has billed
          (a bill series of its has a number): a run recomputes every
          period of a subscription, so the periods billed already would be
          billed again (credit notes and supplementary invoices) instead of
          the change applying to the next invoice. Bill at other prices
          through another plan (:meth:`change_plan`).
        """
        asked = {
            name: _setting(name, value)
            for name, value in (
                ("invoice_series", invoice_series),
                ("credit_series", credit_series),
                ("proforma_series", proforma_series),
                ("act_series", act_series),
                ("locale", locale),
                ("prices_include_tax", prices_include_tax),
                ("proforma", proforma),
                ("proforma_final", proforma_final),
                ("proforma_approval", proforma_approval),
                ("max_attempts", max_attempts),
                ("cancel_at_cycle_end", cancel_at_cycle_end),
                ("deletion_days", deletion_days),
                ("payment_days", payment_days),
                ("channels", channels),
                ("methods", methods),
                ("bonus", bonus),
            )
            if value is not _UNSET
        }
        named = {str(asked[n]) for n in _SERIES_SETTINGS if n in asked}
        lock = [
            f"account:{self._settings_id}",
            *(f"series:{s}" for s in sorted(named | set(self.series.values()))),
        ]
        with self.store.transaction(lock=lock) as tx:
            kept = self._kept_settings(tx)
            before = {name: kept.get(name, default) for name, default in _SETTINGS.items()}
            after = {**before, **asked}
            changed = [n for n in asked if not _same_setting(n, before[n], after[n])]
            if "prices_include_tax" in changed and self._has_billed(tx, kept):
                raise BillingError(
                    "prices_include_tax",
                    prices_include_tax,
                    f"the kept {before['prices_include_tax']!r}: the business has billed, "
                    "and a run would bill the periods billed already again; bill at other "
                    "prices through another plan",
                )
            if "max_attempts" in changed:
                self._no_stranded(tx, before["max_attempts"], after["max_attempts"])  # type: ignore[arg-type]
            if "methods" in changed:
                self._no_payer_left(tx, before["methods"], after["methods"])  # type: ignore[arg-type]
            # a kept one refused refuses the change
            _check_approval(after)
            series, _ = _series_of({name: _kept_value(name, after[name]) for name in _SETTINGS})
            if any(kept.get(name, _UNSET) != value for name, value in asked.items()):
                data = {**kept, **{n: after[n] for n in asked if n in changed or n not in kept}}
                earlier = list(kept.get(_EARLIER_SERIES) or [])  # type: ignore[call-overload]
                for name in _SERIES_SETTINGS[:3]:
                    if name in changed and before[name] not in earlier:
                        earlier.append(before[name])
                if earlier:
                    data[_EARLIER_SERIES] = sorted(earlier)
                tx.save_payer(PayerRecord(id=self._settings_id, data=data))
            for name in series.values():
                try:
                    tx.series(name)
                except NotFoundError:
                    tx.create_series(SeriesRecord(name=name, prefix=f"{name}-", width=6))
        self._use_settings(after)
        return {
            name: (_shown(name, before[name]), _shown(name, after[name]))
            for name in _SETTINGS
            if name in changed
        }
