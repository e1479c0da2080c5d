"""Documents written straight to text (serialize._Texts, which the bill run's
manifest hashes) give the text ``dumps`` gives, byte for byte, whatever skeletons were
learnt before; so a shard's digest is still the SHA-256 of the invoices as ``dumps``
writes them, and changes whenever any field of any invoice does.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billkit._demo_documents import demo_documents
from billkit.demo import demo_catalog
from billkit.errors import BillkitError
from billkit.invoicing import DocumentTerms, Item, build_act, build_invoice, build_proforma
from billkit.parties import Address, Party
from billkit.periods import Period
from billkit.runners import BillRun, bill_accounts, synthetic_accounts
from billkit.serialize import _ascii_text, _canonical_text, _Texts, dumps, to_data
from billkit.storage.records import canonical_json
from tests.invoicing.test_fast import lines, terms_cases

DAY = date(2026, 3, 1)
# One writer for every example: its skeletons learnt from the examples before.
SHARED = _Texts()

texts_anywhere = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12
)


@st.composite
def parties(draw: st.DrawFn) -> Party:
    fields: dict[str, Any] = {
        "kind": draw(st.sampled_from(["individual", "legal_entity"])),
        "country": draw(st.sampled_from(["IT", "RU", "UA"])),
        "name": draw(texts_anywhere),
        "email": draw(st.sampled_from(["", "a@b.it", 'quote"back\\slash'])),
        "legal_address": draw(
            st.sampled_from([None, Address(country="IT", city="Milano", street='Via "X"')])
        ),
    }
    try:
        return Party(**fields)
    except BillkitError:
        return Party(kind=fields["kind"], country=fields["country"], name="-")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(lines, min_size=1, max_size=5),
    terms_cases,
    parties(),
    st.sampled_from([build_invoice, build_proforma, build_act]),
    st.one_of(st.none(), texts_anywhere),
    st.lists(texts_anywhere, max_size=2),
)
def test_a_documents_text_is_dumps_text(
    found: list[Item],
    case: tuple[DocumentTerms, object],
    buyer: Party,
    build: Any,
    number: str | None,
    notes: list[str],
) -> None:
    terms = attrs.evolve(case[0], buyer=buyer)
    try:
        document = build(found, terms, issue_date=DAY, number=number, notes=notes)
    except BillkitError:  # a number or note the document refuses: nothing to write
        return
    expected = dumps(document)
    assert SHARED.dumps(document) == expected
    assert _Texts().dumps(document) == expected  # with nothing learnt too
    assert SHARED.dumps(document) == expected  # and met again
    # and the ASCII text a store keeps of the document's data (the engine's drafts)
    assert _canonical_text(SHARED, document) == canonical_json(to_data(document))


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.text() | st.none(), lambda inner: st.lists(inner, max_size=3), max_leaves=6))
def test_text_written_for_unicode_is_escaped_as_ensure_ascii_writes_it(value: object) -> None:
    # Any character: past '~' (DEL, Latin, Cyrillic, Persian, astral planes as
    # surrogate pairs, lone surrogates), quotes, backslashes and control characters.
    written = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert _ascii_text(written) == json.dumps(value, separators=(",", ":"))


def test_canonical_text_escapes_past_tilde() -> None:
    # DEL (U+007F) is escaped by ensure_ascii too; U+1F600 is the pair D83D DE00.
    assert _ascii_text('["a\x7f\u00e9\U0001f600"]') == r'["a\u007f\u00e9\ud83d\ude00"]'


def test_every_demo_document_and_value_is_written_as_dumps_writes_it() -> None:
    # The demo's documents of every kind (credit notes, acts, receipts...): the
    # classes written field by field and the ones written by dumps' own route.
    texts = _Texts()
    for name, value in demo_documents().items():
        if attrs.has(type(value)):
            assert texts.dumps(value) == dumps(value), name


def _run(**changes: object) -> BillRun:
    catalog = demo_catalog()
    fields: dict[str, Any] = {
        "plans": (catalog["growth-monthly"], catalog["growth-annual-usage"]),
        "metric": "monthly_active_contacts",
        "period": Period(date(2026, 3, 1), date(2026, 4, 1)),
        "issue_date": date(2026, 4, 1),
        "seller": Party(
            kind="legal_entity",
            country="IT",
            name="Chat Srl",
            legal_address=Address(country="IT", city="Milano"),
        ),
        "locale": "it_IT",
    }
    fields.update(changes)
    return BillRun(**fields)


def test_a_shards_digest_is_the_sha256_of_the_invoices_dumps() -> None:
    from billkit.runners import bill_account

    run = _run()
    rows = list(synthetic_accounts(run, 0, 40))
    expected = hashlib.sha256()
    for account, plan, usage in rows:
        _, invoice = bill_account(run, account, plan, usage)
        expected.update(dumps(invoice).encode() + b"\n")
    assert bill_accounts(run, "k", rows).digest == expected.hexdigest()


def test_a_shards_digest_changes_with_any_invoice() -> None:
    run = _run()
    rows = list(synthetic_accounts(run, 0, 20))
    digest = bill_accounts(run, "k", rows).digest
    one_more_contact = [*rows[:-1], (rows[-1][0], rows[-1][1], rows[-1][2] + 1)]
    assert bill_accounts(run, "k", one_more_contact).digest != digest
    renamed = _run(seller=attrs.evolve(run.seller, name="Chat S.r.l."))
    assert bill_accounts(renamed, "k", rows).digest != digest
    later = _run(issue_date=date(2026, 4, 2))
    assert bill_accounts(later, "k", rows).digest != digest


def test_the_classes_written_field_by_field_save_every_field_as_it_is() -> None:
    # A writer writes every field: a class that left one out at its default, or
    # saved another form of itself, would be written differently by dumps.
    from billkit.serialize import _OMIT_IF_DEFAULT, _WRITTEN, _registry

    _tags, classes = _registry()
    for tag in _WRITTEN:
        cls = classes[tag]
        assert not any(f.metadata.get(_OMIT_IF_DEFAULT) for f in attrs.fields(cls)), tag
        assert not hasattr(cls, "_saved_form"), tag


# ---------------------------------------------------------------- streams and skeletons
#
# _Texts learns, per class, a skeleton: the fields that held the very same objects
# from one value to the next, their text computed once. A stream where documents
# share some objects and not others (a run's seller and dates; a buyer evolved
# from another, equal or not; a number changed) must still give dumps' text for
# every document, whatever the skeletons learnt before.


def _evolved(document: Any, change: str, text: str) -> Any:
    """``document`` with one thing changed, every other field the same object."""
    if change == "number":
        return attrs.evolve(document, number=text)
    if change == "notes":
        return attrs.evolve(document, notes=(text,))
    if change == "buyer":  # a new buyer object, every field of it the same but the name
        return attrs.evolve(document, buyer=attrs.evolve(document.buyer, name=text))
    if change == "same buyer, new object":  # equal, not identical
        return attrs.evolve(document, buyer=attrs.evolve(document.buyer))
    if change == "lines":  # the same lines in a new tuple
        return attrs.evolve(document, lines=tuple(document.lines))
    return attrs.evolve(document, buyer=document.seller)  # another party's shape


CHANGES = ["number", "notes", "buyer", "same buyer, new object", "lines", "seller as buyer"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_stream_of_documents_sharing_objects_is_written_as_dumps_writes_each(
    data: st.DataObject,
) -> None:
    texts = _Texts()
    stream: list[Any] = []
    for _ in range(data.draw(st.integers(2, 12))):
        if stream and data.draw(st.booleans()):
            base = data.draw(st.sampled_from(stream))
            change = data.draw(st.sampled_from(CHANGES))
            try:
                document = _evolved(base, change, data.draw(texts_anywhere))
            except BillkitError:
                continue
        else:
            case = data.draw(terms_cases)
            build = data.draw(st.sampled_from([build_invoice, build_proforma, build_act]))
            try:
                document = build(
                    data.draw(st.lists(lines, min_size=1, max_size=3)),
                    case[0],
                    issue_date=DAY,
                    number=data.draw(st.sampled_from(["1", "2", None])),
                )
            except BillkitError:
                continue
        stream.append(document)
        assert texts.dumps(document) == dumps(document)


def test_a_constant_field_given_an_equal_object_with_other_text_is_written_anew() -> None:
    # Decimal("1.0") == Decimal("1.00"), yet dumps writes "1.0" and "1.00": a
    # skeleton compares its constants by identity, never by equality.
    from billkit.invoicing import Totals
    from billkit.money import Money

    texts = _Texts()
    net = Money("1.00", "EUR")
    for tax in ("0.10", "0.20", "0.30"):  # the net shared: a skeleton's constant
        value = Totals(net=net, tax=Money(tax, "EUR"), gross=Money(f"1.{tax[2:]}", "EUR"))
        assert texts.dumps(value) == dumps(value)
    other = Totals(net=Money("1.0", "EUR"), tax=Money("0.1", "EUR"), gross=Money("1.1", "EUR"))
    assert other.net == net  # equal amounts...
    assert texts.dumps(other) == dumps(other)  # ...written as they are
    assert '"net":{"amount":"1.0","currency":"EUR"}' in texts.dumps(other)


def test_a_bill_runs_invoices_settle_on_one_skeleton_each_shape() -> None:
    # Two plans' invoices alternate: the skeleton keeps as constants only what
    # every invoice shares (seller, dates, locale, period...), and every
    # invoice's text is dumps' text.
    run = _run()
    texts = _Texts()
    for account, plan, usage in synthetic_accounts(run, 0, 60):
        invoice = bill_account_of(run, account, plan, usage)
        assert texts.dumps(invoice) == dumps(invoice), account
    from billkit.invoicing import Invoice

    shape = texts._shapes[Invoice]
    assert shape.skeleton is not None
    constant = {shape.fields.keys[i].strip('{,":') for i in shape.skeleton.constants}
    assert {"seller", "issue_date", "locale", "period", "currency"} <= constant
    assert not {"buyer", "number", "lines", "totals", "tax_groups"} & constant


def bill_account_of(run: BillRun, account: int, plan: str, usage: Any) -> Any:
    from billkit.runners import bill_account

    return bill_account(run, account, plan, usage)[1]
