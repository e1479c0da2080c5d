"""Plan catalogs as data: TOML and JSON in, TOML and JSON out, exactly.

A catalog is a list of plans. Amounts are written as strings in the plan's
currency (``base_fee = "490.00"``); numbers written without quotes are read
exactly too (as ``Decimal``, never through ``float``). Keys that billkit does
not know are refused, so a misspelt ``inclded`` is an error, not a silently
ignored allowance. Every error names the source, the plan and the field.

.. code-block:: toml

    [[plans]]
    code = "pro"
    name = "Pro"
    currency = "EUR"
    cycle = "monthly"
    base_fee = "49.00"

    [[plans.charges]]
    code = "api"
    metric = "api_calls"
    included = "10000"
    model = { type = "per_unit", unit_price = "0.002" }

>>> catalog = loads_catalog('''
... [[plans]]
... code = "pro"
... name = "Pro"
... currency = "EUR"
... base_fee = "49.00"
... [[plans.charges]]
... code = "api"
... metric = "api_calls"
... included = "10000"
... model = { type = "per_unit", unit_price = "0.002" }
... ''')
>>> catalog["pro"].base_fee
Money('49.00', 'EUR')
>>> loads_catalog(dumps_catalog(catalog)) == catalog
True
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from moneyed import Currency, Money

import billkit._checks as checks
from billkit.conventions import Conventions, preset
from billkit.errors import (
    BillkitError,
    CatalogError,
    PricingError,
    UnknownPlanError,
    ValidationError,
)
from billkit.money import (
    RoundingMode,
    RoundingPolicy,
    currency_of,
    to_money,
    to_rate,
)
from billkit.periods import Cycle
from billkit.pricing import plans
from billkit.pricing.models import (
    AnyModel,
    GraduatedPercentage,
    Percentage,
    PercentTier,
)
from billkit.pricing.plans import Charge, ChargeLike, PercentOf, Plan

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Catalog", "Format", "dump_catalog", "dumps_catalog", "load_catalog", "loads_catalog"]

Format = Literal["toml", "json"]
"""A catalog's file format."""

_MODEL_TYPES: Final[dict[str, type[Any]]] = {m.kind: m for m in plans._MODELS}
_FORMAT_VERSION: Final = 1


def _unique_plans(value: Iterable[Plan]) -> tuple[Plan, ...]:
    plans = checks.tuple_of("plans", value, Plan, error=CatalogError)
    seen: set[str] = set()
    for i, plan in enumerate(plans):
        if plan.code in seen:
            raise CatalogError(f"plans[{i}].code", plan.code, "a plan code used only once")
        seen.add(plan.code)
    return plans


@attrs.frozen
class Catalog:
    """An ordered set of plans, looked up by code.

    >>> from billkit.money import Money
    >>> catalog = Catalog([Plan(code="basic", name="Basic", currency="EUR",
    ...                         base_fee=Money("9.00", "EUR"))])
    >>> catalog["basic"].name, "basic" in catalog, len(catalog)
    ('Basic', True, 1)
    >>> catalog["gold"]
    Traceback (most recent call last):
    ...
    billkit.errors.UnknownPlanError: plan = 'gold': expected one of ['basic']
    """

    plans: tuple[Plan, ...] = attrs.field(converter=_unique_plans)

    def __getitem__(self, code: str) -> Plan:
        for plan in self.plans:
            if plan.code == code:
                return plan
        raise UnknownPlanError("plan", code, f"one of {self.codes}")

    def __contains__(self, code: object) -> bool:
        return any(plan.code == code for plan in self.plans)

    def __iter__(self) -> Iterator[Plan]:
        return iter(self.plans)

    def __len__(self) -> int:
        return len(self.plans)

    @property
    def codes(self) -> list[str]:
        """The plan codes, in catalog order."""
        return [plan.code for plan in self.plans]

    def __repr__(self) -> str:
        """One line: how many plans, and their codes (the first ten).

        >>> from billkit.demo import demo_catalog
        >>> demo_catalog()
        <Catalog of 9 plans: analytics-10k, tracking-start, email-standard, vps-start, growth-monthly, growth-annual, growth-annual-usage, attribution-starter, attribution-growth>
        """
        codes = ", ".join(self.codes[:10]) + (", ..." if len(self.plans) > 10 else "")
        return f"<Catalog of {len(self.plans)} plans: {codes}>"

    def _repr_html_(self) -> str:
        """A table for notebooks, one row per plan (code, name, currency, cycle,
        base fee, charges); every text is escaped."""
        from html import escape as e

        rows = "".join(
            f"<tr><td>{e(p.code)}</td><td>{e(p.name)}</td><td>{e(p.currency.code)}</td>"
            f"<td>{e(str(p.cycle))}</td><td style='text-align:right'>"
            f"{'' if p.base_fee is None else e(str(p.base_fee.amount))}</td>"
            f"<td>{e(', '.join(c.code for c in p.charges))}</td></tr>"
            for p in self.plans
        )
        return (
            f"<table><caption>Catalog of {len(self.plans)} plans</caption><thead><tr>"
            "<th>code</th><th>name</th><th>currency</th><th>cycle</th><th>base fee</th>"
            f"<th>charges</th></tr></thead><tbody>{rows}</tbody></table>"
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<catalog>") -> Catalog:
        """Build a catalog from plain data (as parsed from TOML or JSON)."""
        if not isinstance(data, Mapping):
            raise CatalogError(f"{source}: catalog", data, "a table with a 'plans' list")
        extra = sorted(set(data) - {"plans", "version", "conventions"})
        if extra:
            # (plus 'conventions', a preset name: the existing message is kept word for word)
            raise CatalogError(f"{source}: {extra[0]}", data[extra[0]], "only 'version', 'plans'")
        version = data.get("version", _FORMAT_VERSION)
        if version != _FORMAT_VERSION:
            raise CatalogError(f"{source}: version", version, f"{_FORMAT_VERSION}")
        raw_plans = data.get("plans")
        if not isinstance(raw_plans, list):
            raise CatalogError(f"{source}: plans", raw_plans, "a list of plan tables")
        if "conventions" in data:  # the catalog's default, for plans that name none
            shared = data["conventions"]
            try:
                _conventions_structure(shared, Conventions)
            except ValidationError as error:
                raise CatalogError(f"{source}: conventions", shared, error.expected) from None
            raw_plans = [
                {"conventions": shared, **raw} if isinstance(raw, Mapping) else raw
                for raw in raw_plans
            ]
        plans = [_structure_plan(raw, source, i) for i, raw in enumerate(raw_plans)]
        try:
            return cls(plans)
        except CatalogError as error:
            raise CatalogError(f"{source}: {error.field}", error.value, error.expected) from None

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` turns back into an equal catalog."""
        return {
            "version": _FORMAT_VERSION,
            "plans": [
                _without_model_defaults(p, _converter(p.currency.code).unstructure(p, Plan))
                for p in self.plans
            ],
        }


# --- structuring -----------------------------------------------------------------------


def _structure_decimal(value: object, _: object) -> Decimal:
    return checks.decimal("", value, error=CatalogError)


def _text_decimal(value: Decimal) -> str:
    return format(value, "f")


# cattrs' own hooks coerce: bool("false") is True, int(Decimal("2.5")) is 2 and
# str(5) is "5". A catalog value of the wrong type is refused instead, in the
# words of the file (TOML/JSON literals), not of Python values as in _checks.
def _bool(value: object, _: object) -> bool:
    if not isinstance(value, bool):
        raise CatalogError("", value, "true or false")
    return value


def _int(value: object, _: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CatalogError("", value, "a whole number, written without quotes")
    return value


def _str(value: object, _: object) -> str:
    if not isinstance(value, str):
        raise CatalogError("", value, "a text in quotes")
    return value


def _codes(value: object, _: object) -> tuple[str, ...]:
    # PercentOf.of: one code or a list of codes (cattrs would split "base" into letters).
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise CatalogError("", value, "a line code or a list of line codes")
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise CatalogError(f"[{i}]", item, "a line code in quotes")
    return tuple(items)


def _structure_cycle(value: object, _: object) -> Cycle:
    try:
        return plans.cycle_of(value)
    except PricingError as error:  # the path is added by _leaves
        raise CatalogError("", value, error.expected) from None


def _rounding_structure(value: object, _: object) -> RoundingPolicy:
    if not isinstance(value, Mapping):
        raise CatalogError("", value, "a table with 'mode' and 'minor_units'")
    extra = sorted(set(value) - {"mode", "minor_units"})
    if extra:
        raise CatalogError(extra[0], value[extra[0]], "only 'mode' and 'minor_units'")
    return RoundingPolicy(
        mode=value.get("mode", RoundingMode.HALF_UP), minor_units=value.get("minor_units", {})
    )


def _rounding_unstructure(policy: RoundingPolicy) -> dict[str, Any]:
    out: dict[str, Any] = {"mode": policy.mode.value}
    if policy.minor_units:
        out["minor_units"] = dict(policy.minor_units)
    return out


def _conventions_structure(value: object, _: object) -> Conventions:
    """A preset's name (``"kill_bill"``) or a table of :class:`Conventions` fields."""
    if isinstance(value, str):
        return preset(value)
    if isinstance(value, Mapping):
        return Conventions(**value)
    raise CatalogError(
        "conventions", value, "a preset name ('billkit', 'lago', 'kill_bill', 'stripe') or a table"
    )


def _conventions_unstructure(value: Conventions) -> str | dict[str, Any]:
    try:
        if preset(value.name) == value:
            return value.name
    except ValidationError:
        pass
    return {
        f.name: getattr(v, "value", v)
        for f in attrs.fields(Conventions)
        if (v := getattr(value, f.name)) != f.default
    }


@functools.cache
def _converter(currency: str) -> cattrs.Converter:
    """A converter whose bare amounts are in ``currency`` (one per currency)."""
    conv = cattrs.Converter(
        omit_if_default=True, forbid_extra_keys=True, use_alias=True, detailed_validation=True
    )
    cur = currency_of(currency)

    conv.register_structure_hook(Decimal, _structure_decimal)
    conv.register_unstructure_hook(Decimal, _text_decimal)
    conv.register_structure_hook(bool, _bool)
    conv.register_structure_hook(int, _int)
    conv.register_structure_hook(str, _str)
    conv.register_structure_hook_func(lambda t: t == tuple[str, ...], _codes)

    def money(value: object, _: object) -> Money:
        if isinstance(value, str) and len(value.split()) == 2:
            value = to_money(value, field="")  # "12.50 EUR": checked against the plan below
        return to_money(value, cur, field="")

    conv.register_structure_hook(Money, money)
    conv.register_unstructure_hook(Money, lambda m: _text_decimal(m.amount))
    conv.register_structure_hook(Currency, lambda v, _: currency_of(v))
    conv.register_unstructure_hook(Currency, lambda c: c.code)
    conv.register_structure_hook(Cycle, _structure_cycle)
    conv.register_unstructure_hook(Cycle, str)
    conv.register_structure_hook(RoundingPolicy, _rounding_structure)
    conv.register_unstructure_hook(RoundingPolicy, _rounding_unstructure)
    conv.register_structure_hook(Conventions, _conventions_structure)
    conv.register_unstructure_hook(Conventions, _conventions_unstructure)

    def model(value: object, _: object) -> Any:
        if not isinstance(value, Mapping) or "type" not in value:
            raise CatalogError("type", value, f"a table with a 'type': one of {list(_MODEL_TYPES)}")
        kind = value["type"]
        cls = _MODEL_TYPES.get(kind)
        if cls is None:
            raise CatalogError("type", kind, f"one of {list(_MODEL_TYPES)}")
        body = {k: v for k, v in value.items() if k != "type"}
        if cls is Percentage or cls is GraduatedPercentage:
            body.setdefault("currency", cur.code)
        return conv.structure(body, cls)

    def model_out(value: Any) -> dict[str, Any]:
        body = {"type": value.kind, **conv.unstructure(value, type(value))}
        if isinstance(value, (Percentage, GraduatedPercentage)) and value.currency == cur:
            body.pop("currency", None)
        return body

    conv.register_structure_hook(AnyModel, model)
    conv.register_unstructure_hook(AnyModel, model_out)
    for cls in _MODEL_TYPES.values():
        # Unstructuring a model through its union keeps its "type" tag.
        conv.register_unstructure_hook(
            cls,
            cattrs.gen.make_dict_unstructure_fn(
                cls, conv, _cattrs_omit_if_default=True, _cattrs_use_alias=True
            ),
        )

    # Rates may be written as "10%" or "0.10"; other numbers never take a "%".
    def rate(value: object, _: object) -> Decimal:
        return to_rate(value, field="")

    for cls in (PercentOf, Percentage, PercentTier):
        conv.register_structure_hook(
            cls,
            cattrs.gen.make_dict_structure_fn(
                cls,
                conv,
                rate=cattrs.gen.override(struct_hook=rate),
                _cattrs_forbid_extra_keys=True,
                _cattrs_use_alias=True,
                _cattrs_detailed_validation=True,
            ),
        )

    def charge(value: object, _: object) -> ChargeLike:
        if isinstance(value, Mapping) and "of" in value:
            return conv.structure(value, PercentOf)
        return conv.structure(value, Charge)

    conv.register_structure_hook(ChargeLike, charge)
    conv.register_unstructure_hook(ChargeLike, lambda c: conv.unstructure(c, type(c)))
    return conv


def _leaves(error: BaseException, path: str) -> Iterator[tuple[str, BaseException]]:
    """Each underlying error of a cattrs error group, with its path."""
    if isinstance(error, (ClassValidationError, IterableValidationError)):
        with_notes, without = error.group_exceptions()
        for sub, note in with_notes:
            if isinstance(note, AttributeValidationNote):
                yield from _leaves(sub, f"{path}.{note.name}" if path else note.name)
            elif isinstance(note, IterableValidationNote):
                yield from _leaves(
                    sub,
                    f"{path}[{note.index!r}]"
                    if isinstance(note.index, str)
                    else f"{path}[{note.index}]",
                )
        for sub in without:
            yield from _leaves(sub, path)
    else:
        yield path, error


def _join(path: str, field: str) -> str:
    if not field:
        return path
    if not path:
        return field
    return path + (field if field.startswith("[") else "." + field)


def _catalog_error(where: str, path: str, error: BaseException) -> CatalogError:
    if isinstance(error, ValidationError):
        return CatalogError(f"{where}{_join(path, error.field)}", error.value, error.expected)
    if isinstance(error, ForbiddenExtraKeysError):
        key = sorted(error.extra_fields)[0]
        known = [a.alias for a in attrs.fields(error.cl) if a.init]
        return CatalogError(f"{where}{path or 'plan'}", key, f"a known key: one of {known}")
    if isinstance(error, KeyError):
        return CatalogError(f"{where}{path}", None, "a value: this key is required")
    return CatalogError(f"{where}{path}", None, f"a valid value ({type(error).__name__}: {error})")


def _structure_plan(raw: object, source: str, index: int) -> Plan:
    where = f"{source}: plans[{index}]"
    if not isinstance(raw, Mapping):
        raise CatalogError(where, raw, "a plan table")
    code = raw.get("code")
    if isinstance(code, str):
        where = f"{source}: plan {code!r}: "
    else:
        where += "."
    currency = raw.get("currency")
    try:
        conv = _converter(currency_of(currency).code)  # type: ignore[arg-type]
    except BillkitError as error:
        raise CatalogError(f"{where}currency", currency, error.expected) from None  # type: ignore[attr-defined]
    raw = _with_model_defaults(raw)
    try:
        return conv.structure(raw, Plan)
    except (ClassValidationError, IterableValidationError) as group:
        path, first = next(_leaves(group, ""))
        raise _catalog_error(where, path, first) from None
    except (ValidationError, ForbiddenExtraKeysError) as error:
        raise _catalog_error(where, "", error) from None


def _plan_conventions(raw: Mapping[str, Any]) -> Conventions | None:
    """The conventions a plan table names (``None``: none, or not valid; reported later)."""
    try:
        return _conventions_structure(raw.get("conventions", "billkit"), Conventions)
    except (ValidationError, TypeError):
        return None


def _each_model(charges: object) -> Iterator[dict[str, Any]]:
    """Every model table of unstructured charges, a ``prorated`` model's inner one too."""
    if not isinstance(charges, list):  # pragma: no cover - always a list of tables
        return
    for charge in charges:
        model = charge.get("model") if isinstance(charge, dict) else None
        while isinstance(model, dict):
            yield model
            model = model.get("model")


def _with_model_defaults(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    """``raw`` with the plan's conventions' model options in every model that sets none.

    An option the catalog gives explicitly wins. Models are copied, never
    changed in place (the caller's data stays as it was).
    """
    conventions = _plan_conventions(raw)
    if conventions is None or "charges" not in raw or not isinstance(raw["charges"], list):
        return raw

    def fill(model: object) -> object:
        if not isinstance(model, Mapping):
            return model
        kind = model.get("type")
        defaults = conventions.model_defaults(kind) if isinstance(kind, str) else {}
        out = {**defaults, **model}
        if "model" in model:
            out["model"] = fill(model["model"])
        return out

    charges = [
        {**charge, "model": fill(charge["model"])}
        if isinstance(charge, Mapping) and "model" in charge
        else charge
        for charge in raw["charges"]
    ]
    return {**raw, "charges": charges}


def _without_model_defaults(plan: Plan, data: dict[str, Any]) -> dict[str, Any]:
    """A plan's unstructured ``data`` written against its conventions' model options.

    An option equal to what the conventions give is left out; one equal to
    the model's own default but not to the conventions' is written out, so
    that reading the table back under the same conventions gives the same
    model.
    """
    for model in _each_model(data.get("charges")):
        kind = model.get("type")
        if not isinstance(kind, str):  # pragma: no cover - every model has its type
            continue
        cls = _MODEL_TYPES.get(kind)
        for option, value in plan.conventions.model_defaults(kind).items():
            own = attrs.fields_dict(cls)[option].default if cls is not None else value
            current = model.get(option, own)
            if current == value:
                model.pop(option, None)
            else:
                model[option] = current
    return data


# --- files -------------------------------------------------------------------------------


def loads_catalog(text: str, format: Format = "toml", source: str = "<string>") -> Catalog:
    """Read a catalog from TOML or JSON text; ``source`` names it in errors.

    Text that is not a catalog -- malformed, nested deeper than a catalog
    ever is, numbers with thousands of digits -- is a :class:`CatalogError`:

    >>> loads_catalog("[" * 100_000, "json")
    Traceback (most recent call last):
    ...
    billkit.errors.CatalogError: <string> = '...': expected valid JSON (nested too deeply)
    """
    checks.text("text", text, required=False, error=CatalogError)
    if format not in ("toml", "json"):
        raise CatalogError("format", format, "'toml' or 'json'")
    try:
        if format == "toml":
            data = tomllib.loads(text, parse_float=Decimal)
        else:
            data = json.loads(text, parse_float=Decimal)
    except RecursionError:
        raise CatalogError(source, "...", f"valid {format.upper()} (nested too deeply)") from None
    except ValueError as error:  # TOMLDecodeError, JSONDecodeError, a 5000-digit int
        raise CatalogError(source, "...", f"valid {format.upper()} ({error})") from None
    return Catalog.from_dict(data, source)


def load_catalog(path: str | Path, format: Format | None = None) -> Catalog:
    """Read a catalog file; the format follows the suffix (.toml, .json) unless given."""
    if not isinstance(path, (str, Path)):
        raise CatalogError("path", path, "a str or pathlib.Path naming a catalog file")
    p = Path(path)
    fmt = format or _format_of(p)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogError("path", str(p), f"a readable catalog file ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise CatalogError(
            "path", str(p), f"a catalog file in UTF-8 (byte {error.start} is not)"
        ) from None
    except ValueError:  # a NUL in the path
        raise CatalogError("path", str(p), "a file path without NUL characters") from None
    return loads_catalog(text, fmt, source=str(p))


def dumps_catalog(catalog: Catalog, format: Format = "toml") -> str:
    """Write a catalog as TOML or JSON text; reading it back gives an equal catalog."""
    data = catalog.to_dict()
    if format == "toml":
        import tomli_w

        return tomli_w.dumps(data)
    if format == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    raise CatalogError("format", format, "'toml' or 'json'")


def dump_catalog(catalog: Catalog, path: str | Path, format: Format | None = None) -> None:
    """Write ``catalog`` to ``path``, in the format its suffix names unless given."""
    p = Path(path)
    p.write_text(dumps_catalog(catalog, format or _format_of(p)), encoding="utf-8")


def _format_of(path: Path) -> Format:
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return "toml"
    if suffix == ".json":
        return "json"
    raise CatalogError("path", str(path), "a file ending in .toml or .json, or an explicit format")
