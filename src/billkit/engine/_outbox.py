"""Notifications: the outbox messages a change queues, one per channel the customer chose
for the topic's category, and ``deliver``. One layer of :class:`billkit.engine.Billing`
(users import from :mod:`billkit.engine`; the modules are listed in
docs/architecture.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from billkit.engine._core import _Core, _Numbered
from billkit.ports import CATEGORIES, Transaction
from billkit.storage.records import OutboxMessage, _flat_text, _text_data


class _Outbox(_Core):
    """Notifications: a layer of :class:`~billkit.engine.Billing`."""

    # ------------------------------------------------------------ notifications

    def _notify(
        self,
        tx: Transaction,
        key: str,
        topic: str,
        customer: str,
        payer: Mapping[str, object],
        payload: Mapping[str, object],
        at: datetime,
    ) -> None:
        for m in self._messages(key, topic, customer, payer, payload, at):
            tx.enqueue(key=m.key, topic=m.topic, payload=m.payload, at=m.created_at)

    def _messages(
        self,
        key: str,
        topic: str,
        customer: str,
        payer: Mapping[str, object],
        payload: Mapping[str, object],
        at: datetime,
    ) -> list[OutboxMessage]:
        """The outbox messages of a notice: one per channel the payer chose."""
        out: list[OutboxMessage] = []
        category = CATEGORIES.get(topic, "services")
        chosen = payer.get("channels") or {}
        assert isinstance(chosen, Mapping)
        channels = chosen.get(category, self.channels.get(category, ("email",)))
        common = {
            "customer": customer,
            "email": payer.get("email") or "",
            "locale": payer.get("locale") or self.locale,
            **payload,
            "category": category,
        }
        for channel in channels:
            body = {**common, "channel": channel}
            # flat data: kept as its canonical text (records._text_data), else the converter's
            text = _flat_text(body)
            out.append(
                OutboxMessage(
                    id=0,
                    key=f"{key}|{channel}",
                    topic=topic,
                    payload=body if text is None else _text_data(text),
                    created_at=at,
                )
            )
        return out

    def _numbered(
        self,
        key: str,
        topic: str,
        customer: str,
        payer: Mapping[str, object],
        payload: Mapping[str, object],
        at: datetime,
    ) -> _Numbered:
        """The messages of a notice about a draft (:meth:`_messages`), made once
        its number is drawn: ``payload`` with that ``number``."""

        def made(number: str | None) -> list[OutboxMessage]:
            return self._messages(key, topic, customer, payer, {**payload, "number": number}, at)

        return made

    def deliver(self, *, worker: str | None = None, lease: timedelta = timedelta(minutes=5)) -> int:
        """Hand every waiting outbox message to the notifier; returns how many were delivered.

        A message is acknowledged only after the notifier took it, so a
        crash in between delivers it again (at least once; the message's
        ``key`` lets the receiver drop the repeat).
        """
        name = worker or f"worker-{uuid.uuid4().hex[:8]}"
        delivered = 0
        while True:
            with self.store.transaction() as tx:
                batch = tx.claim(name, now=self.clock.now(), lease=lease, limit=50)
            if not batch:
                return delivered
            for message in batch:
                self.notifier.deliver(message)
                with self.store.transaction() as tx:
                    tx.acknowledge(message.id, name, now=self.clock.now())
                delivered += 1
