"""The credit and subscriptions packages: a short public list, and the names
that left it still importable from the package (for code written before)."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.parametrize("name", ["billkit.credit", "billkit.subscriptions"])
def test_former_names_resolve_to_their_defining_modules_but_stay_out_of_all(name: str) -> None:
    package = importlib.import_module(name)
    former: dict[str, str] = package._FORMER
    assert former, "the table of former names is empty"
    for attribute, module in former.items():
        assert attribute not in package.__all__
        assert getattr(package, attribute) is getattr(importlib.import_module(module), attribute)
    for attribute in package.__all__:
        assert getattr(package, attribute) is not None
    with pytest.raises(AttributeError):
        package.Action  # noqa: B018  (renamed: CreditAction / SubscriptionAction)
