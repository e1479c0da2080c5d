"""The precomputed registry (``billkit/_serialize_table.py``) against the walk it replaces.

``serialize`` used to find its tags at import by importing every public module
of the core rooms and walking their ``__all__`` and fields
(``serialize._build_registry``). It now reads the walk's result from a table
and fills ``_TAGS``/``_CLASSES`` a class or tag at a time, on first use. These
tests check the table is the walk (``scripts/make_serialize_table.py`` writes
it again when a value class is added, renamed or moved), that every tag reads
and writes the classes the walk gives, that importing ``serialize`` imports no
room, and that first uses from several threads at once agree.
"""

from __future__ import annotations

import json
import subprocess
import sys

from billkit import _serialize_table, serialize

STALE = "the table is stale: run `PYTHONPATH=src python scripts/make_serialize_table.py`"


def test_the_table_is_the_walk_in_its_order() -> None:
    _tags, by_tag = serialize._build_registry()
    walked = [(tag, f"{cls.__module__}:{cls.__qualname__}") for tag, cls in by_tag.items()]
    assert list(_serialize_table.TAGS.items()) == walked, STALE


def test_the_registry_is_the_walk_with_the_first_tags_of_moved_values() -> None:
    # What the module built at import before the table, step by step.
    tags, classes = serialize._build_registry()
    for moved_to, first in serialize._FIRST_TAGS.items():
        tags[classes[moved_to]] = first
        classes[first] = classes[moved_to]
    got_tags, got_classes = serialize._registry()
    # (shell rooms another test joined come after the core's, in join order)
    assert list(got_tags.items())[: len(tags)] == list(tags.items())
    assert list(got_classes.items())[: len(classes)] == list(classes.items())
    for cls, tag in tags.items():
        assert serialize._tag(cls) == tag
    for tag, cls in classes.items():
        assert serialize._class_of(tag) is cls


def test_a_class_that_is_not_the_tabled_one_has_no_tag() -> None:
    # Same module and name as a tabled class, another class: found by identity only.
    from billkit.periods import Period

    impostor = type("Period", (), {"__module__": Period.__module__})
    assert serialize._tag_of(Period) == "billkit.periods.Period"
    assert serialize._tag_of(impostor) is None
    assert serialize._class_of("billkit.periods.Nothing") is None


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    return done.stdout


def test_importing_serialize_imports_no_room_and_a_tag_read_imports_its_module() -> None:
    # UsageEvent's data, read in a process where nothing imported billkit.usage.
    code = """
import json, sys
import billkit.serialize as s
rooms = ("billkit.usage", "billkit.simulate", "billkit.subscriptions", "billkit.invoicing.render")
before = [m for m in rooms if m in sys.modules]
event = s.from_data(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {
    "$type": "billkit.usage.UsageEvent", "$version": 1, "customer": "c1", "metric": "calls",
    "timestamp": "2026-03-02T09:04:00+00:00", "idempotency_key": "e1", "value": "2",
})
print(json.dumps([before, "billkit.usage" in sys.modules, type(event).__module__,
                  str(event.value), s.to_data(event)["$type"]]))
"""
    before, usage_loaded, module, value, tag = json.loads(_run(code))
    assert before == []
    assert usage_loaded
    assert (module, value, tag) == ("billkit.usage.events", "2", "billkit.usage.UsageEvent")


def test_first_uses_from_eight_threads_at_once_agree_with_the_table() -> None:
    # Each thread looks up every tag's class and every class's tag, in its own
    # order, from a fresh process (nothing looked up before), all released at once.
    code = """
import json, random, threading
import billkit.serialize as s
from billkit import _serialize_table
tags = list(s._WHERE)
barrier = threading.Barrier(8)
results, errors = [], []
def work(seed):
    order = tags[:]
    random.Random(seed).shuffle(order)
    try:
        barrier.wait()
        found = {tag: s._class_of(tag) for tag in order}
        results.append({tag: [f"{c.__module__}:{c.__qualname__}", s._tag_of(c)]
                        for tag, c in found.items()})
    except BaseException as error:
        errors.append(repr(error))
threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps([errors, results]))
"""
    errors, results = json.loads(_run(code))
    assert errors == []
    assert len(results) == 8
    expected = {}
    for tag, where in _serialize_table.TAGS.items():
        expected[tag] = [where, tag]
    for moved_to, first in serialize._FIRST_TAGS.items():
        expected[moved_to][1] = first  # a moved value writes its first tag
        expected[first] = [expected[moved_to][0], first]
    for result in results:
        assert result == expected
