"""Documents written straight to text (serialize._Texts, which the bill run's
manifest hashes) give the text ``dumps`` gives, byte for byte, whatever the memo
holds; so a shard's digest is still the SHA-256 of the invoices as ``dumps``
writes them, and changes whenever any field of any invoice does.
"""

from __future__ import annotations

import hashlib
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
from billkit.serialize import _Texts, dumps
from tests.invoicing.test_fast import lines, terms_cases

DAY = date(2026, 3, 1)
# One memo for every example, small, so values are written, met again and forgotten.
SHARED = _Texts(limit=5)

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
    assert _Texts().dumps(document) == expected  # with an empty memo too
    assert SHARED.dumps(document) == expected  # and met again


def test_every_demo_document_and_value_is_written_as_dumps_writes_it() -> None:
    # The demo's documents of every kind (credit notes, acts, receipts...): the
    # classes written field by field and the ones written by dumps' own route.
    texts = _Texts(limit=3)
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
    from billkit.serialize import _CLASSES, _OMIT_IF_DEFAULT, _WRITTEN

    for tag in _WRITTEN:
        cls = _CLASSES[tag]
        assert not any(f.metadata.get(_OMIT_IF_DEFAULT) for f in attrs.fields(cls)), tag
        assert not hasattr(cls, "_saved_form"), tag
