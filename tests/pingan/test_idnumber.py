"""Resident ID numbers: shape, calendar date, check digit, area code, derived facts, masking.

Every number here is made up: the check digit is computed with stdnum, so the numbers
are well-formed without belonging to anyone.
"""

from __future__ import annotations

import datetime

import pytest
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from pingan.idnumber import (
    IdNumberError,
    compose_id_number,
    mask_id_number,
    normalise,
    parse_id_number,
)

TODAY = datetime.date(2026, 11, 23)
D = datetime.date


def with_impossible_birth_date(digits: str) -> str:
    """A number whose birth digits are no calendar date (compose_id_number takes a date)."""
    body = f"140105{digits}123"
    return body + ric.calc_check_digit(body + "0")


def wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


VALID = compose_id_number("140105", D(1990, 1, 1), 123)  # 太原市小店区, a man (odd order code)


def test_a_valid_number_yields_birth_date_and_sex():
    parsed = parse_id_number(VALID, today=TODAY)
    assert parsed.number == VALID
    assert parsed.birth_date == datetime.date(1990, 1, 1)
    assert parsed.sex == "男"
    assert parsed.warnings == ()
    assert parsed.last4 == VALID[-4:]


def test_an_even_order_code_is_a_woman():
    assert parse_id_number(compose_id_number("140105", D(1990, 1, 1), 124), today=TODAY).sex == "女"


def test_a_number_ending_in_x():
    number = next(
        number
        for n in range(1000)
        if (number := compose_id_number("140105", D(1985, 12, 31), n)).endswith("X")
    )
    assert number.endswith("X")
    assert parse_id_number(number, today=TODAY).number == number
    assert parse_id_number(number[:17] + "x", today=TODAY).number == number


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(
            VALID.translate(str.maketrans("0123456789", "０１２３４５６７８９")), id="full-width"
        ),
        pytest.param(f" {VALID[:6]} {VALID[6:14]} {VALID[14:]} ", id="spaces"),
        pytest.param(f"{VALID[:6]}\u3000{VALID[6:]}", id="ideographic-space"),
    ],
)
def test_typed_forms_are_normalised(typed):
    assert normalise(typed) == VALID
    assert parse_id_number(typed, today=TODAY).number == VALID


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "请填写身份证号码"),
        ("   ", "请填写身份证号码"),
        (VALID[:17], "身份证号码应为 18 位，您填写了 17 位"),
        (VALID + "1", "身份证号码应为 18 位，您填写了 19 位"),
        (VALID[:10] + "A" + VALID[11:], "身份证号码前 17 位应为数字，最后一位是数字或 X"),
        (VALID[:17] + "Y", "身份证号码前 17 位应为数字，最后一位是数字或 X"),
        # Arabic-Indic digits pass str.isdigit() and int(): they must not pass here.
        ("١" + VALID[1:], "身份证号码前 17 位应为数字，最后一位是数字或 X"),
        (with_impossible_birth_date("19900230"), "身份证号码中的出生日期不是有效日期"),
        (with_impossible_birth_date("19901301"), "身份证号码中的出生日期不是有效日期"),
        (compose_id_number("140105", D(2026, 11, 24), 123), "身份证号码中的出生日期晚于今天"),
        (compose_id_number("140105", D(1899, 12, 31), 123), "身份证号码中的出生年份不合理"),
        (wrong_check_digit(VALID), "身份证号码校验位不正确，请核对后重新填写"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(raw, message):
    with pytest.raises(IdNumberError) as caught:
        parse_id_number(raw, today=TODAY)
    assert str(caught.value) == message


def test_born_today_is_not_in_the_future():
    number = compose_id_number("140105", TODAY, 123)
    assert parse_id_number(number, today=TODAY).birth_date == TODAY


def test_an_unknown_area_code_is_a_warning_not_a_refusal():
    number = compose_id_number("999999", D(1990, 1, 1), 123)
    assert parse_id_number(number, today=TODAY).warnings == ("身份证号码的地区码不在已知名单中",)


def test_a_known_province_with_an_unknown_county_is_a_warning():
    """stdnum's get_birth_place raises KeyError (not a ValidationError) for this one."""
    number = compose_id_number("119999", D(1990, 1, 1), 123)
    with pytest.raises(KeyError):
        ric.validate(number)
    assert parse_id_number(number, today=TODAY).warnings == ("身份证号码的地区码不在已知名单中",)


def test_an_area_code_created_after_the_birth_year_is_accepted_though_stdnum_refuses_it():
    """110112 is Tongzhou district since 1997; people born earlier keep getting it."""
    number = compose_id_number("110112", D(1990, 1, 1), 123)
    with pytest.raises(StdnumError):
        ric.validate(number)
    assert parse_id_number(number, today=TODAY).warnings == ()


def test_a_future_birth_date_that_stdnum_accepts_is_refused():
    number = compose_id_number("110101", D(2099, 12, 31), 123)
    assert ric.validate(number) == number  # stdnum's verdict: fine
    with pytest.raises(IdNumberError, match="晚于今天"):
        parse_id_number(number, today=TODAY)


def test_masking_keeps_the_length_and_hides_the_birth_date():
    masked = mask_id_number(VALID)
    assert masked == VALID[:6] + "*" * 8 + VALID[-4:]
    assert len(masked) == 18
    assert "19900101" not in masked
    assert parse_id_number(VALID, today=TODAY).masked() == masked


@pytest.mark.parametrize("short", ["", "1234", "1234567890"])
def test_masking_a_short_value_hides_all_of_it(short):
    assert mask_id_number(short) == "*" * len(short)


def test_composed_numbers_carry_the_check_digit_stdnum_computes():
    number = compose_id_number("110101", D(1990, 1, 1), 7)
    assert number[:17] == "11010119900101007"
    assert ric.validate(number) == number
    assert parse_id_number(number, today=TODAY).sex == "男"


def test_composing_checks_its_parts():
    with pytest.raises(ValueError, match="six digits"):
        compose_id_number("14010", D(1990, 1, 1), 1)
    with pytest.raises(ValueError, match="0–999"):
        compose_id_number("140105", D(1990, 1, 1), 1000)
