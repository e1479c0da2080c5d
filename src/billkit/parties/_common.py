"""Checks shared by the parties' values (private)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Final

from billkit.errors import InvoicingError

# --------------------------------------------------------------------------- checks


def _text(field: str, value: object, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise InvoicingError(field, value, "a str")
    if value != value.strip():
        raise InvoicingError(field, value, "a str without surrounding spaces")
    if required and not value:
        raise InvoicingError(field, value, "a non-empty str")
    return value


def _optional_date(field: str, value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvoicingError(field, value, "a datetime.date or None")
    return value


_COUNTRY: Final = re.compile(r"[A-Z]{2}")


def _country(field: str, value: object) -> str:
    if not isinstance(value, str) or not _COUNTRY.fullmatch(value.upper()):
        raise InvoicingError(field, value, "an ISO 3166-1 alpha-2 country code such as 'RU'")
    return value.upper()


# --------------------------------------------------------------------------- identifiers


# Named converters (mypy's attrs plugin needs named functions).


def _c_account_id_required(value: object) -> str:
    return _text("account.id", value, required=True)


def _c_address_city(value: object) -> str:
    return _text("address.city", value)


def _c_address_country_country(value: object) -> str:
    return _country("address.country", value)


def _c_address_postal_code(value: object) -> str:
    return _text("address.postal_code", value)


def _c_address_region(value: object) -> str:
    return _text("address.region", value)


def _c_address_street(value: object) -> str:
    return _text("address.street", value)


def _c_bank_account(value: object) -> str:
    return _text("bank.account", value)


def _c_bank_bank_address(value: object) -> str:
    return _text("bank.bank_address", value)


def _c_bank_bank_name(value: object) -> str:
    return _text("bank.bank_name", value)


def _c_bank_bik(value: object) -> str:
    return _text("bank.bik", value)


def _c_bank_correspondent_account(value: object) -> str:
    return _text("bank.correspondent_account", value)


def _c_bank_iban(value: object) -> str:
    return _text("bank.iban", value)


def _c_bank_swift(value: object) -> str:
    return _text("bank.swift", value)


def _c_contact(value: object) -> str:
    return _text("contact", value)


def _c_contract_number_required(value: object) -> str:
    return _text("contract.number", value, required=True)


def _c_contract_payer_required(value: object) -> str:
    return _text("contract.payer", value, required=True)


def _c_contract_signed_on_opt_date(value: object) -> date | None:
    return _optional_date("contract.signed_on", value)


def _c_contract_title(value: object) -> str:
    return _text("contract.title", value)


def _c_country_country(value: object) -> str:
    return _country("country", value)


def _c_director_basis(value: object) -> str:
    return _text("director.basis", value)


def _c_director_name_dative(value: object) -> str:
    return _text("director.name_dative", value)


def _c_director_name_genitive(value: object) -> str:
    return _text("director.name_genitive", value)


def _c_director_name_required(value: object) -> str:
    return _text("director.name", value, required=True)


def _c_director_position(value: object) -> str:
    return _text("director.position", value)


def _c_director_position_dative(value: object) -> str:
    return _text("director.position_dative", value)


def _c_director_position_genitive(value: object) -> str:
    return _text("director.position_genitive", value)


def _c_email(value: object) -> str:
    return _text("email", value)


def _c_fax(value: object) -> str:
    return _text("fax", value)


def _c_id(value: object) -> str:
    return _text("id", value)


def _c_name_required(value: object) -> str:
    return _text("name", value, required=True)


def _c_passport_birth_date_opt_date(value: object) -> date | None:
    return _optional_date("passport.birth_date", value)


def _c_passport_issued_by(value: object) -> str:
    return _text("passport.issued_by", value)


def _c_passport_issued_on_opt_date(value: object) -> date | None:
    return _optional_date("passport.issued_on", value)


def _c_passport_number(value: object) -> str:
    return _text("passport.number", value)


def _c_passport_registration_address(value: object) -> str:
    return _text("passport.registration_address", value)


def _c_passport_registration_city(value: object) -> str:
    return _text("passport.registration_city", value)


def _c_phone(value: object) -> str:
    return _text("phone", value)
