"""Private helpers the provider adapters share."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType

from billkit.errors import MissingDependencyError, PaymentError


def require(module: str, package: str, feature: str, extra: str) -> ModuleType:
    """Import an optional package, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingDependencyError(package, feature, extra, str(error)) from None


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value whatever the case of its name."""
    found = headers.get(name)
    if found is not None:
        return found
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def key(value: object) -> str:
    """An idempotency key: a non-empty str of at most 255 characters."""
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        raise PaymentError("idempotency_key", value, "a non-empty str of at most 255 characters")
    return value
