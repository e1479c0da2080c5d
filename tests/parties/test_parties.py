"""Parties and identifiers.

Every valid identifier here is a published one: a bank's or company's
requisites as printed on its website or in the Bank of Russia's directory,
the Federal Tax Service's own payment details, or the worked example of the
identifier's specification as python-stdnum and the persian-tools libraries
quote it. Check digits are recomputed by hand in the comments where the
algorithm is billkit's own.
"""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from billkit.errors import IdentifierError, InvoicingError
from billkit.parties import (
    Address,
    BankAccount,
    Party,
    PartyRules,
    Passport,
    Signatory,
    check_party,
    validate_identifier,
)
from billkit.parties.accounts import Account, Contract, merge_payers
from billkit.parties.identifiers import (
    IDENTIFIER_SCHEMES,
    Identifier,
    validate_correspondent_account,
    validate_settlement_account,
)
from billkit.parties.party import PartyKind
from billkit.parties.rules import DEFAULT_RULES, missing_details

MOSCOW = Address(country="RU", postal_code="140140", city="Москва", street="ул. Ленина, д. 1")

# Sberbank's requisites, as the bank publishes them.
SBER = {"ru.inn": "7707083893", "ru.kpp": "773601001", "ru.ogrn": "1027700132195"}
SBER_BANK = BankAccount(
    bank_name="ПАО Сбербанк", bik="044525225", correspondent_account="30101810400000000225"
)

# A Krasnodar company and a sole proprietor, with the published requisites of
# their accounts (bank directory: Uralsib "Yuzhny" 040349700, Sberbank
# Krasnodar branch 8619 040349602).
COMPANY = {"ru.inn": "2312328954", "ru.kpp": "231201001", "ru.ogrn": "1242300041785"}
COMPANY_BANK = BankAccount(
    bank_name='ФИЛИАЛ "ЮЖНЫЙ" ПАО "БАНК УРАЛСИБ"',
    bik="040349700",
    account="40702810947900000107",
    correspondent_account="30101810400000000700",
)
PROPRIETOR = {"ru.inn": "230410343285", "ru.ogrn": "317237500425682"}
PROPRIETOR_BANK = BankAccount(
    bank_name="КРАСНОДАРСКОЕ ОТДЕЛЕНИЕ N8619 ПАО СБЕРБАНК",
    bik="040349602",
    account="40802810430000046903",
    correspondent_account="30101810100000000602",
)


def legal_entity(**changes: object) -> Party:
    party = Party(
        kind="legal_entity",
        country="RU",
        name="Компания №1",
        contact="Иван",
        email="client@example.com",
        legal_address=MOSCOW,
        identifiers=COMPANY,
        bank=COMPANY_BANK,
        director=Signatory(
            name="Иванов Иван Иванович", position="Генеральный директор", basis="Устава"
        ),
    )
    return attrs.evolve(party, **changes)


# --------------------------------------------------------------------------- Russia


def test_inn_of_sberbank_with_its_check_digit_by_hand() -> None:
    # weights 2 4 10 3 5 9 4 6 8 over 7 7 0 7 0 8 3 8 9:
    # 14 + 28 + 0 + 21 + 0 + 72 + 12 + 48 + 72 = 267; 267 mod 11 = 3 -> last digit 3
    assert validate_identifier("ru.inn", "7707083893") == "7707083893"
    with pytest.raises(IdentifierError, match="check digit does not match"):
        validate_identifier("ru.inn", "7707083894")


@pytest.mark.parametrize("inn", ["2312328954", "230410343285", " 2304 1034 3285 "])
def test_inn_published_requisites(inn: str) -> None:
    assert validate_identifier("ru.inn", inn) == inn.replace(" ", "")


def test_inn_wrong_length() -> None:
    with pytest.raises(IdentifierError, match="length is wrong"):
        validate_identifier("ru.inn", "770708389")


def test_ogrn_of_sberbank_by_hand() -> None:
    # 102770013219 = 11 x 9342728474 + 5 -> 5 mod 10 = 5, the last digit
    assert validate_identifier("ru.ogrn", "1027700132195") == "1027700132195"
    assert validate_identifier("ru.ogrn", "1242300041785") == "1242300041785"
    with pytest.raises(IdentifierError, match=r"expected 5 last"):
        validate_identifier("ru.ogrn", "1027700132196")


@pytest.mark.parametrize(
    ("ogrnip", "remainder"),
    [
        # published OGRNIPs of sole proprietors; the remainder of the first 14
        # digits divided by 13, whose last digit is the check digit
        ("304500116000157", 7),
        ("317237500425682", 12),  # 12 -> 2: python-stdnum 2.2 refuses it
        ("312091715800012", 12),  # 12 -> 2: refused by python-stdnum too
        ("323570000015061", 11),  # 11 -> 1: refused by python-stdnum too
    ],
)
def test_ogrnip_check_digit_is_the_last_digit_of_the_remainder(ogrnip: str, remainder: int) -> None:
    assert int(ogrnip[:14]) % 13 == remainder
    assert validate_identifier("ru.ogrn", ogrnip) == ogrnip


def test_ogrn_first_digit_and_length() -> None:
    with pytest.raises(IdentifierError, match="starting with 1 or 5"):
        validate_identifier("ru.ogrn", "2027700132195")
    with pytest.raises(IdentifierError, match="starting with 3"):
        validate_identifier("ru.ogrn", "517237500425682")
    with pytest.raises(IdentifierError, match="13 or 15 digits"):
        validate_identifier("ru.ogrn", "10277001321")


@pytest.mark.parametrize("kpp", ["773601001", "231201001", "7736AB001", "7736 01 001"])
def test_kpp_format(kpp: str) -> None:
    assert validate_identifier("ru.kpp", kpp) == kpp.replace(" ", "")


@pytest.mark.parametrize("kpp", ["77360100", "7736010011", "773601O01", "7736ab001", "77А601001"])
def test_kpp_refused(kpp: str) -> None:
    with pytest.raises(IdentifierError, match="a KPP"):
        validate_identifier("ru.kpp", kpp)


def test_bik() -> None:
    assert validate_identifier("ru.bik", "044525225") == "044525225"
    with pytest.raises(IdentifierError, match="starting with 04"):
        validate_identifier("ru.bik", "054525225")
    with pytest.raises(IdentifierError, match="9 digits"):
        validate_identifier("ru.bik", "04452522")


@pytest.mark.parametrize(
    ("account", "bik"),
    [
        ("40702810947900000107", "040349700"),
        ("40802810430000046903", "040349602"),
        # The Federal Tax Service's published accounts for Moscow taxes, held at
        # Bank of Russia divisions (BIK ending 000 and 001): keyed with "0" and
        # the BIK's 5th and 6th digits instead of its last three.
        ("40101810045250010041", "044525000"),
        ("40101810800000010041", "044583001"),
    ],
)
def test_settlement_accounts_published(account: str, bik: str) -> None:
    assert validate_settlement_account(account, bik) == account


def test_settlement_account_key_by_hand() -> None:
    # BIK 040349700 -> "700"; 700 + 40702810947900000107, weights 7 1 3 repeated:
    digits = "700" + "40702810947900000107"
    weights = (7, 1, 3) * 8
    total = sum(int(d) * w for d, w in zip(digits, weights[:23], strict=True))
    assert total % 10 == 0
    # one digit changed breaks the key; so does the right account at another bank
    with pytest.raises(IdentifierError, match="control key matches BIK 040349700"):
        validate_settlement_account("40702810947900000108", "040349700")
    with pytest.raises(IdentifierError, match="control key matches BIK 040349602"):
        validate_settlement_account("40702810947900000107", "040349602")


@pytest.mark.parametrize(
    ("account", "bik"),
    [
        ("30101810400000000225", "044525225"),
        ("30101810100000000602", "040349602"),
        ("30101810400000000700", "040349700"),
    ],
)
def test_correspondent_accounts_published(account: str, bik: str) -> None:
    assert validate_correspondent_account(account, bik) == account


def test_correspondent_account_refusals() -> None:
    with pytest.raises(IdentifierError, match="ending with 225"):
        validate_correspondent_account("30101810400000000226", "044525225")
    with pytest.raises(IdentifierError, match="starting with 301"):
        validate_correspondent_account("40101810400000000225", "044525225")
    with pytest.raises(IdentifierError, match="control key"):
        validate_correspondent_account("30101810500000000225", "044525225")


def test_bank_account_checks_accounts_with_the_bik() -> None:
    assert PROPRIETOR_BANK.account == "40802810430000046903"
    with pytest.raises(IdentifierError) as error:
        BankAccount(bik="040349602", account="40702810947900000107")
    assert error.value.field == "bank.account"
    with pytest.raises(InvoicingError, match="the bank's BIK"):
        BankAccount(correspondent_account="30101810400000000225")


# --------------------------------------------------------------------------- Ukraine, Italy, EU, Iran


@pytest.mark.parametrize(
    ("scheme", "value"),
    [
        ("ua.edrpou", "32855961"),  # python-stdnum's published example
        ("ua.edrpou", "14360570"),  # PrivatBank
        ("ua.rntrc", "1759013776"),
        ("it.iva", "00743110157"),
        ("it.cf", "RCCMNL83S18D969H"),
        ("it.cf", "RSSMRA85T10A562S"),
        ("it.cf", "00743110157"),  # a company's codice fiscale is its 11 digits
        ("eu.vat", "IT00743110157"),
        ("eu.vat", "DE136695976"),
        ("iban", "UA213223130000026007233566001"),  # the National Bank of Ukraine's example
        ("iban", "IT60X0542811101000000123456"),
        ("swift", "SABRRUMM"),  # Sberbank
    ],
)
def test_stdnum_schemes_accept_published_numbers(scheme: str, value: str) -> None:
    assert validate_identifier(scheme, value) == value


@pytest.mark.parametrize(
    ("scheme", "value"),
    [
        ("ua.edrpou", "32855968"),
        ("ua.rntrc", "1759013770"),
        ("it.iva", "00743110158"),
        ("it.cf", "RCCMNL83S18D969A"),
        ("eu.vat", "DE136695977"),
        ("iban", "UA213223130000026007233566002"),
    ],
)
def test_stdnum_schemes_refuse_a_wrong_check_digit(scheme: str, value: str) -> None:
    with pytest.raises(IdentifierError) as error:
        validate_identifier(scheme, value)
    assert error.value.field == scheme
    assert error.value.value == value


@pytest.mark.parametrize("code", ["0499370899", "0790419904", "0084575948", "0067749828"])
def test_iranian_national_id_published_examples(code: str) -> None:
    # The examples of the persian-tools libraries.
    assert validate_identifier("ir.national_id", code) == code


def test_iranian_national_id_by_hand() -> None:
    # 0499370899: 0x10 + 4x9 + 9x8 + 9x7 + 3x6 + 7x5 + 0x4 + 8x3 + 9x2
    #           = 0 + 36 + 72 + 63 + 18 + 35 + 0 + 24 + 18 = 266; 266 mod 11 = 2 -> 11 - 2 = 9
    assert validate_identifier("ir.national_id", "0499370899")
    with pytest.raises(IdentifierError, match="expected 4"):
        validate_identifier("ir.national_id", "0684159415")
    # 1111111111: 1 x (10 + 9 + ... + 2) = 54; 54 mod 11 = 10 -> 11 - 10 = 1: the sum
    # passes, but ten equal digits are never issued
    with pytest.raises(IdentifierError, match="ten equal digits"):
        validate_identifier("ir.national_id", "1111111111")


def test_unknown_scheme_and_empty_values() -> None:
    with pytest.raises(InvoicingError, match="one of"):
        validate_identifier("ru.snils", "11223344595")
    with pytest.raises(IdentifierError, match="non-empty"):
        validate_identifier("ru.inn", "  ")
    assert set(IDENTIFIER_SCHEMES) >= {"ru.inn", "ru.kpp", "ru.ogrn", "ir.national_id"}


# --------------------------------------------------------------------------- parties


def test_party_identifiers_are_checked_compacted_and_sorted() -> None:
    p = Party(kind="legal_entity", country="ru", name="ПАО Сбербанк", identifiers=SBER)
    assert p.country == "RU"
    assert [i.scheme for i in p.identifiers] == ["ru.inn", "ru.kpp", "ru.ogrn"]
    assert Party(
        kind="sole_proprietor",
        country="RU",
        name="ИП",
        identifiers=[Identifier(scheme="ru.inn", value="2304 1034 3285")],
    ).identifier("ru.inn") == ("230410343285")
    assert p.identifier("ua.edrpou") is None


@pytest.mark.parametrize(
    ("kind", "identifiers", "message"),
    [
        ("legal_entity", {"ru.inn": "230410343285"}, "10-digit INN"),
        ("sole_proprietor", {"ru.inn": "7707083893"}, "12-digit INN"),
        ("legal_entity", {"ru.ogrn": "317237500425682"}, "13-digit OGRN"),
        ("sole_proprietor", {"ru.ogrn": "1027700132195"}, "15-digit OGRNIP"),
        ("individual", {"ru.ogrn": "317237500425682"}, "no OGRN"),
        ("sole_proprietor", {"ru.kpp": "773601001"}, "no KPP"),
    ],
)
def test_russian_identifiers_must_fit_the_kind(
    kind: str, identifiers: dict[str, str], message: str
) -> None:
    with pytest.raises(IdentifierError, match=message):
        Party(kind=kind, country="RU", name="X", identifiers=identifiers)


def test_party_refuses_bad_input() -> None:
    with pytest.raises(InvoicingError, match="one of 'individual'"):
        Party(kind="company", country="RU", name="X")
    with pytest.raises(InvoicingError, match="alpha-2"):
        Party(kind="individual", country="RUS", name="X")
    with pytest.raises(InvoicingError, match="non-empty"):
        Party(kind="individual", country="RU", name="")
    with pytest.raises(InvoicingError, match="scheme"):
        Party(kind="individual", country="RU", name="X", identifiers={"ssn": "1"})
    with pytest.raises(InvoicingError, match="a BankAccount"):
        Party(kind="individual", country="RU", name="X", bank="044525225")  # type: ignore[arg-type]
    with pytest.raises(InvoicingError, match=r"datetime\.date"):
        Passport(number="1111 111111", issued_on="2000-12-01")  # type: ignore[arg-type]


def test_actual_address_defaults_to_the_legal_one() -> None:
    p = legal_entity()
    assert p.address == MOSCOW
    spb = Address(country="RU", city="Санкт-Петербург")
    assert legal_entity(actual_address=spb).address == spb
    assert str(MOSCOW) == "140140, Москва, ул. Ленина, д. 1"


# --------------------------------------------------------------------------- required details


def test_russian_legal_entity_needs_every_detail_of_the_hosting_form() -> None:
    # REQUIREMENTS.md 3: name, contact, legal and actual address, INN, KPP, OGRN,
    # bank name, BIK, settlement and correspondent accounts, director and basis.
    assert missing_details(legal_entity()) == ()
    bare = Party(kind="legal_entity", country="RU", name="Компания №1")
    assert missing_details(bare) == (
        "contact",
        "legal_address",
        "identifiers['ru.inn']",
        "identifiers['ru.kpp']",
        "identifiers['ru.ogrn']",
        "bank.bank_name",
        "bank.bik",
        "bank.account",
        "bank.correspondent_account",
        "director.name",
        "director.position",
        "director.basis",
    )


def test_russian_sole_proprietor_and_individual() -> None:
    passport = Passport(
        number="1111 111111",
        issued_on=date(2000, 12, 1),
        issued_by="УФМС г. Москва",
        birth_date=date(1999, 3, 3),
        registration_city="Москва",
        registration_address="г. Москва, ул. Ленина, д. 1",
    )
    ip = Party(
        kind="sole_proprietor",
        country="RU",
        name="ИП Иванов",
        contact="Иван",
        legal_address=MOSCOW,
        identifiers=PROPRIETOR,
        bank=PROPRIETOR_BANK,
        passport=passport,
    )
    assert missing_details(ip) == ()
    assert missing_details(attrs.evolve(ip, passport=None)) == (
        "passport.number",
        "passport.issued_on",
        "passport.issued_by",
    )
    person = Party(kind="individual", country="RU", name="Аня Банана", passport=passport)
    assert missing_details(person) == ()
    assert missing_details(attrs.evolve(person, passport=Passport(number="1111 111111"))) == (
        "passport.issued_on",
        "passport.issued_by",
        "passport.birth_date",
        "passport.registration_address",
    )


def test_check_party_names_the_missing_field() -> None:
    with pytest.raises(InvoicingError) as error:
        check_party(legal_entity(bank=None), role="buyer")
    assert error.value.field == "buyer.bank.bank_name"
    assert "bank.correspondent_account" in str(error.value)


def test_other_countries_and_custom_rules() -> None:
    assert missing_details(Party(kind="legal_entity", country="UA", name="ТОВ")) == (
        "legal_address",
        "identifiers['ua.edrpou']",
    )
    assert missing_details(Party(kind="individual", country="IR", name="Sara")) == (
        "identifiers['ir.national_id']",
    )
    assert missing_details(Party(kind="individual", country="DE", name="Max")) == ()
    rules = DEFAULT_RULES.with_required("DE", "legal_entity", ["name", "identifiers['eu.vat']"])
    gmbh = Party(kind="legal_entity", country="DE", name="GmbH")
    assert missing_details(gmbh, rules) == ("identifiers['eu.vat']",)
    assert missing_details(gmbh) == ("legal_address",)
    with pytest.raises(InvoicingError, match="a detail name"):
        PartyRules(required={("DE", "legal_entity"): ["vat"]})
    assert rules != DEFAULT_RULES
    assert rules == DEFAULT_RULES.with_required(
        "DE", PartyKind.LEGAL_ENTITY, ("name", "identifiers['eu.vat']")
    )


# --------------------------------------------------------------------------- accounts


def test_account_holds_several_payers() -> None:
    acct = Account(
        id="181",
        payers=[
            Party(id="1", kind="individual", country="RU", name="Аня"),
            legal_entity(id="2"),
        ],
        contracts=[Contract(number="D-1", payer="2", signed_on=date(2026, 1, 12))],
    )
    assert acct.payer("2").name == "Компания №1"
    assert acct.contracts_of("2")[0].number == "D-1"
    with pytest.raises(InvoicingError, match="a payer of account"):
        acct.payer("3")
    with pytest.raises(InvoicingError, match="an id no other payer has"):
        Account(id="x", payers=[legal_entity(id="1"), legal_entity(id="1")])
    with pytest.raises(InvoicingError, match="a payer id"):
        Account(id="x", payers=[legal_entity()])
    with pytest.raises(InvoicingError, match="a payer of the account"):
        Account(id="x", payers=[legal_entity(id="1")], contracts=[Contract(number="D", payer="9")])


def test_payer_edits_and_removal() -> None:
    acct = Account(id="a", payers=[legal_entity(id="1"), legal_entity(id="2")])
    renamed = acct.with_payer(legal_entity(id="2", name="Компания №2"))
    assert [p.name for p in renamed.payers] == ["Компания №1", "Компания №2"]
    assert acct.payer("2").name == "Компания №1"  # the old value is unchanged
    assert [p.id for p in acct.without_payer("1").payers] == ["2"]
    bound = attrs.evolve(acct, contracts=[Contract(number="D-9", payer="1")])
    with pytest.raises(InvoicingError, match="merge it instead"):
        bound.without_payer("1")


def test_merge_moves_or_drops_the_contracts() -> None:
    acct = Account(
        id="acme",
        payers=[legal_entity(id="1"), legal_entity(id="2"), legal_entity(id="3")],
        contracts=[
            Contract(number="D-1", payer="1"),
            Contract(number="D-2", payer="2"),
            Contract(number="D-3", payer="3"),
            Contract(number="D-4", payer="2"),
        ],
    )
    moved = merge_payers(acct, main="1", joined="2")
    assert [p.id for p in moved.account.payers] == ["1", "3"]
    assert [(c.number, c.payer) for c in moved.account.contracts] == [
        ("D-1", "1"),
        ("D-2", "1"),
        ("D-3", "3"),
        ("D-4", "1"),
    ]
    assert [c.number for c in moved.moved] == ["D-2", "D-4"]
    assert moved.dropped == ()
    dropped = merge_payers(acct, main="1", joined="2", move_contracts=False)
    assert [c.number for c in dropped.account.contracts] == ["D-1", "D-3"]
    assert [c.number for c in dropped.dropped] == ["D-2", "D-4"]
    assert dropped.account.payer("1") == acct.payer("1")  # the main payer keeps its details
    with pytest.raises(InvoicingError, match="other than the main one"):
        merge_payers(acct, main="1", joined="1")
    with pytest.raises(InvoicingError, match="a payer of account"):
        merge_payers(acct, main="1", joined="9")
