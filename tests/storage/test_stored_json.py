"""``json.dumps(record.data)`` gives the same text on every store (issue 13).

A record's data read back from a ``SqlStore`` is decoded when first looked
into (``storage.records._StoredJson``), a ``dict`` like the memory store's:
``json.dumps`` of it, with or without options, is the memory store's text.
PostgreSQL's ``jsonb`` keeps an object's keys in its own order (shorter keys
first), so there the text is the same with ``sort_keys=True`` (and the data
equal, ``==``, on every store).
"""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from billkit.storage import MemoryStore, SqlStore
from billkit.storage.records import PayerRecord
from tests.storage.support import _postgres_schema, _store, migrated_sqlite  # noqa: F401
from tests.storage.test_records import json_values

_IDS = itertools.count()
_SQLITE: list[SqlStore] = []


def _sqlite() -> SqlStore:
    """One migrated SQLite store for every example (each writes payers of its own)."""
    if not _SQLITE:
        _SQLITE.append(SqlStore(migrated_sqlite(Path(tempfile.mkdtemp()))))
    return _SQLITE[0]


def _read_back(store: Any, data: dict[str, Any]) -> Any:
    id = f"p{next(_IDS)}"
    with store.transaction() as tx:
        tx.save_payer(PayerRecord(id=id, data=data))
    with store.transaction(readonly=True) as tx:
        return tx.payer(id).data


@settings(max_examples=200)
@given(data=st.dictionaries(st.text(), json_values, max_size=6))
def test_json_dumps_of_data_read_back_is_the_same_on_memory_and_sqlite(
    data: dict[str, Any],
) -> None:
    memory, sqlite = _read_back(MemoryStore(), data), _read_back(_sqlite(), data)
    assert json.dumps(sqlite) == json.dumps(memory)  # read back, not looked into first
    for options in ({"sort_keys": True}, {"indent": 2}, {"ensure_ascii": False}):
        assert json.dumps(sqlite, **options) == json.dumps(memory, **options)
    assert json.loads(json.dumps(sqlite)) == data
    assert json.dumps({"payer": [sqlite]}) == json.dumps({"payer": [memory]})


def test_json_dumps_of_data_read_back_on_every_store(store: Any) -> None:
    # Keys of several lengths: jsonb (PostgreSQL) orders them by length, then bytes.
    data = {"pays_with": "card", "a": [1, 2.5, None], "email": "é@x.it", "nested": {"zz": {}}}
    read = _read_back(store, data)
    expected = json.dumps(data, sort_keys=True)
    assert json.dumps(read, sort_keys=True) == expected
    assert json.loads(json.dumps(read)) == data == read
