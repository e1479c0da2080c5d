"""The one state-machine helper every lifecycle uses (private).

A lifecycle is data: a table of ``(state, event) -> next state``. One verb,
:meth:`Machine.apply`, moves a state along an event or refuses with a
:class:`~billkit.errors.TransitionError` naming the thing, its current state,
the event refused and the events allowed from that state.

>>> import enum
>>> class Door(enum.Enum):
...     SHUT = "shut"
...     OPEN = "open"
...     GONE = "gone"
>>> door = Machine("door", Door, {
...     (Door.SHUT, "open"): Door.OPEN,
...     (Door.OPEN, "shut"): Door.SHUT,
...     (Door.SHUT, "remove"): Door.GONE,
... })
>>> door.apply(Door.SHUT, "open"), door.allowed("shut")
(<Door.OPEN: 'open'>, ('open', 'remove'))
>>> door.is_final(Door.GONE)
True
>>> door.apply(Door.OPEN, "remove")
Traceback (most recent call last):
...
billkit.errors.TransitionError: door in state 'open' cannot 'remove'; allowed: 'shut'

States are members of an enum (given as the member or its value); events are
plain strings or members of an enum of their own (``events=``). The allowed
events are listed in the order the table gives them. A state or event that is
not one of the machine's raises ``error`` (a
:class:`~billkit.errors.ValidationError` by default) listing the choices.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from billkit import _checks as checks
from billkit.errors import TransitionError, ValidationError

__all__ = ["Machine"]

S = TypeVar("S", bound=enum.Enum)
E = TypeVar("E", bound="enum.Enum | str")


def _plain(value: object) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


class Machine(Generic[S, E]):
    """A lifecycle: ``table[(state, event)]`` is the state after ``event``.

    ``subject`` names the thing in errors (``"invoice"``; :meth:`apply` takes a
    more precise one, ``"invoice INV-7"``). States with no event leaving them
    are final. The machine is immutable and holds no state of its own: it is a
    pure function from ``(state, event)`` to the next state.
    """

    __slots__ = ("_error", "_events", "_moves", "_states", "subject")

    subject: str
    _states: type[S]
    _events: type[E] | None
    _moves: dict[S, dict[E, S]]
    _error: type[ValidationError]

    def __init__(
        self,
        subject: str,
        states: type[S],
        table: Mapping[tuple[S, E], S],
        *,
        events: type[E] | None = None,
        error: type[ValidationError] = ValidationError,
    ) -> None:
        self.subject = checks.text("subject", subject)
        self._states = states
        self._events = events
        self._error = error
        moves: dict[S, dict[E, S]] = {}
        for (state, event), after in table.items():
            here = self.state(state)
            moves.setdefault(here, {})[self.event(event)] = self.state(after)
        self._moves = moves

    def __repr__(self) -> str:
        return f"Machine({self.subject!r}, {self._states.__name__}, {len(self.table)} moves)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild,
            (self.subject, self._states, self.table, self._events, self._error),
        )

    @property
    def table(self) -> dict[tuple[S, E], S]:
        """The transitions as a new ``{(state, event): next state}`` dict."""
        return {
            (state, event): after
            for state, moves in self._moves.items()
            for event, after in moves.items()
        }

    def state(self, value: object) -> S:
        """``value`` as one of the machine's states (the member or its value)."""
        return checks.member("state", value, self._states, error=self._error)

    def event(self, value: object) -> E:
        """``value`` as one of the machine's events."""
        if self._events is None:
            return checks.text("event", value, error=self._error)  # type: ignore[return-value]
        if not issubclass(self._events, enum.Enum):  # pragma: no cover - str events are None
            raise TypeError(self._events)
        found: E = checks.member("event", value, self._events, error=self._error)
        return found

    def allowed(self, state: object) -> tuple[E, ...]:
        """The events allowed from ``state``, in table order."""
        return tuple(self._moves.get(self.state(state), ()))

    def can(self, state: object, event: object) -> bool:
        """Whether ``event`` is allowed from ``state``."""
        return self.event(event) in self._moves.get(self.state(state), {})

    def is_final(self, state: object) -> bool:
        """Whether no event leaves ``state``."""
        return not self._moves.get(self.state(state))

    def apply(self, state: object, event: object, *, subject: str | None = None) -> S:
        """The state after ``event``, or :class:`~billkit.errors.TransitionError`
        naming ``subject`` (default: the machine's), the state and the allowed events."""
        current = self.state(state)
        moves = self._moves.get(current, {})
        found = moves.get(self.event(event))
        if found is None:
            raise TransitionError(
                subject or self.subject,
                _plain(current),
                _plain(event),
                [_plain(e) for e in moves],
            )
        return found


def _rebuild(
    subject: str,
    states: type[S],
    table: Mapping[tuple[S, E], S],
    events: type[E] | None,
    error: type[ValidationError],
) -> Machine[S, E]:
    return Machine(subject, states, table, events=events, error=error)
