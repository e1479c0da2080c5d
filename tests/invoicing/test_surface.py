"""The public surface of invoicing, rendering and parties fits its budget;
names that left it still answer from the package for code written before."""

from __future__ import annotations

import importlib

import pytest

import billkit.invoicing
import billkit.invoicing.render
import billkit.parties


def test_the_surfaces_fit_their_budgets() -> None:
    # issue 9: invoicing with render <= 22 names, parties <= 8
    assert len(billkit.invoicing.__all__) + len(billkit.invoicing.render.__all__) <= 22
    assert len(billkit.parties.__all__) <= 8


@pytest.mark.parametrize(
    ("package", "name", "module"),
    [
        ("billkit.invoicing", "PaymentStatus", "billkit.invoicing.lifecycle"),
        ("billkit.invoicing", "receipt_for", "billkit.invoicing.builders"),
        ("billkit.invoicing", "compute_taxes", "billkit.invoicing.tax"),
        ("billkit.invoicing", "InvoiceKind", "billkit.invoicing.documents"),
        ("billkit.invoicing.render", "to_render_document", "billkit.invoicing.render.adapters"),
        ("billkit.invoicing.render", "demo_documents", "billkit._demo_documents"),
        ("billkit.parties", "IDENTIFIER_SCHEMES", "billkit.parties.identifiers"),
        ("billkit.parties", "merge_payers", "billkit.parties.accounts"),
    ],
)
def test_a_moved_name_is_the_object_its_module_defines(
    package: str, name: str, module: str
) -> None:
    moved = getattr(importlib.import_module(package), name)
    assert moved is getattr(importlib.import_module(module), name)
    assert name not in importlib.import_module(package).__all__


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"billkit\.invoicing' has no attribute 'build'"):
        _ = billkit.invoicing.build  # type: ignore[attr-defined]
