"""Where billing state is kept: the Store implementations and their records.

- :class:`MemoryStore`: in memory, the reference implementation.
- :class:`SqlStore`: SQLite (a file, the embedded default) or PostgreSQL,
  through SQLAlchemy Core; needs ``pip install 'py-billkit[sql]'`` (and
  ``'py-billkit[postgres]'`` for PostgreSQL).
- :func:`upgrade` and :func:`current_revision`: the schema's Alembic
  migrations (also ``billkit db upgrade URL`` and ``billkit db current URL``).

The records (:class:`SubscriptionRecord`, :class:`EntryRecord`...) are what a
store keeps: indexed fields plus the value serialised by :mod:`billkit.serialize`.
SQLAlchemy loads only when :class:`SqlStore` is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from billkit import _lazy
from billkit.storage.records import (
    AccountRecord,
    DocumentEvent,
    DocumentRecord,
    EntryRecord,
    IdempotencyRecord,
    JsonData,
    OutboxMessage,
    PayerRecord,
    PlanRecord,
    SeriesRecord,
    SubscriptionRecord,
    UsageRecord,
    canonical_json,
    request_hash,
)

if TYPE_CHECKING:  # pragma: no cover
    from billkit.storage.memory import MemoryStore
    from billkit.storage.migrate import HEAD, current_revision, upgrade
    from billkit.storage.sql import SqlStore

__all__ = [
    "HEAD",
    "AccountRecord",
    "DocumentEvent",
    "DocumentRecord",
    "EntryRecord",
    "IdempotencyRecord",
    "JsonData",
    "MemoryStore",
    "OutboxMessage",
    "PayerRecord",
    "PlanRecord",
    "SeriesRecord",
    "SqlStore",
    "SubscriptionRecord",
    "UsageRecord",
    "canonical_json",
    "current_revision",
    "request_hash",
    "upgrade",
]

_LAZY = {
    "MemoryStore": "billkit.storage.memory",
    "SqlStore": "billkit.storage.sql",
    "HEAD": "billkit.storage.migrate",
    "current_revision": "billkit.storage.migrate",
    "upgrade": "billkit.storage.migrate",
}
__getattr__, _lazy_dir = _lazy.attach(__name__, _LAZY)


def __dir__() -> list[str]:
    return sorted(__all__)
