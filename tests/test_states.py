"""billkit._states: one table, one verb, errors naming state and allowed events."""

from __future__ import annotations

import enum
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billkit._states import Machine
from billkit.errors import TransitionError, ValidationError


class Bill(enum.Enum):
    DRAFT = "draft"
    ISSUED = "issued"
    PAID = "paid"
    VOID = "void"


class Move(str, enum.Enum):
    ISSUE = "issue"
    PAY = "pay"
    VOID = "void"


TABLE = {
    (Bill.DRAFT, "issue"): Bill.ISSUED,
    (Bill.DRAFT, "void"): Bill.VOID,
    (Bill.ISSUED, "pay"): Bill.PAID,
    (Bill.ISSUED, "void"): Bill.VOID,
}
BILL: Machine[Bill, str] = Machine("bill", Bill, TABLE)


def test_apply_follows_the_table() -> None:
    assert BILL.apply(Bill.DRAFT, "issue") is Bill.ISSUED
    assert BILL.apply("issued", "pay") is Bill.PAID  # a state may be given by value
    assert BILL.allowed(Bill.ISSUED) == ("pay", "void")  # table order
    assert BILL.is_final(Bill.PAID)
    assert BILL.is_final(Bill.VOID)
    assert not BILL.is_final(Bill.DRAFT)


def test_a_refused_event_names_subject_state_event_and_allowed() -> None:
    with pytest.raises(TransitionError) as caught:
        BILL.apply(Bill.ISSUED, "issue", subject="bill B-7")
    error = caught.value
    assert (error.subject, error.state, error.event, error.allowed) == (
        "bill B-7",
        "issued",
        "issue",
        ("pay", "void"),
    )
    assert str(error) == "bill B-7 in state 'issued' cannot 'issue'; allowed: 'pay', 'void'"
    with pytest.raises(TransitionError, match="allowed: nothing"):
        BILL.apply(Bill.PAID, "void")


def test_an_unknown_state_or_event_is_bad_input_in_the_machines_error() -> None:
    class Room(ValidationError):
        pass

    machine = Machine("bill", Bill, TABLE, error=Room)
    with pytest.raises(Room, match="one of 'draft', 'issued', 'paid', 'void'"):
        machine.apply("lost", "pay")
    with pytest.raises(Room, match=r"^event = ''"):
        machine.apply(Bill.DRAFT, "")


def test_enum_events() -> None:
    machine = Machine(
        "bill",
        Bill,
        {(Bill.DRAFT, Move.ISSUE): Bill.ISSUED, (Bill.ISSUED, Move.PAY): Bill.PAID},
        events=Move,
    )
    assert machine.apply(Bill.DRAFT, "issue") is Bill.ISSUED
    assert machine.allowed(Bill.ISSUED) == (Move.PAY,)
    with pytest.raises(TransitionError, match="cannot 'pay'; allowed: 'issue'"):
        machine.apply(Bill.DRAFT, Move.PAY)
    with pytest.raises(ValidationError, match="one of 'issue', 'pay', 'void'"):
        machine.apply(Bill.DRAFT, "refund")


def test_a_machine_pickles_and_keeps_its_table() -> None:
    copy = pickle.loads(pickle.dumps(BILL))
    assert copy.table == BILL.table == TABLE
    assert copy.apply(Bill.DRAFT, "void") is Bill.VOID


@given(st.sampled_from(list(Bill)), st.sampled_from(["issue", "pay", "void", "refund"]))
def test_apply_succeeds_exactly_for_the_allowed_events(state: Bill, event: str) -> None:
    if event in BILL.allowed(state):
        assert BILL.can(state, event)
        assert BILL.apply(state, event) is TABLE[(state, event)]
    else:
        assert not BILL.can(state, event)
        with pytest.raises(TransitionError):
            BILL.apply(state, event)
