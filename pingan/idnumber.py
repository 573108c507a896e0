"""Resident Identity Card numbers (GB 11643-1999).

The check digit comes from python-stdnum (ISO 7064 MOD 11-2). We do not use
``stdnum.cn.ric.validate``'s verdict: it refuses real numbers whose area code was created
after the holder's birth (people keep such codes) and accepts birth dates in the future.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from stdnum import numdb
from stdnum.cn import ric

#: ASCII only: str.isdigit() would also pass Arabic-Indic or other Unicode digits.
#: A resident ID number's shape: 17 digits, then a digit or X.
SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)


class IdNumberError(ValueError):
    """An ID number that cannot be right; the message is for the applicant."""


@dataclass(frozen=True)
class IdNumber:
    """A checked ID number and what it tells."""

    number: str
    birth_date: datetime.date
    sex: str  # 男 or 女
    warnings: tuple[str, ...] = field(default=())

    @property
    def last4(self) -> str:
        return self.number[-4:]

    def masked(self) -> str:
        """Keep the area code and the last four; hide the birth date and order code."""
        return mask_id_number(self.number)


def normalise(raw: str) -> str:
    """Full-width digits and letters to ASCII, spaces dropped, a final x upper-cased."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(text.split()).upper()


def mask_id_number(number: str) -> str:
    """``140105199001011234`` → ``140105********1234``: same length, no birth date."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def compose_id_number(area: str, birth: datetime.date, sequence: int) -> str:
    """An 18-character number from its parts with the right check digit (for invented data).

    *sequence* is the three-digit order code (odd for men, even for women).
    stdnum's ``calc_check_digit`` ignores the last character it is given, so the body is
    passed with a placeholder in the check position.
    """
    if not (len(area) == 6 and area.isascii() and area.isdigit()):
        raise ValueError(f"area code must be six digits, not {area!r}")
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be 0–999, not {sequence}")
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def parse_id_number(raw: str, today: datetime.date | None = None) -> IdNumber:
    """Check an ID number; raise IdNumberError with a message naming what is wrong."""
    number = normalise(raw)
    today = today or datetime.date.today()
    if not number:
        raise IdNumberError("请填写身份证号码")
    if len(number) != 18:
        raise IdNumberError(f"身份证号码应为 18 位，您填写了 {len(number)} 位")
    if not SHAPE.fullmatch(number):
        raise IdNumberError("身份证号码前 17 位应为数字，最后一位是数字或 X")
    birth = birth_date(number)
    if birth is None:
        raise IdNumberError("身份证号码中的出生日期不是有效日期")
    if birth > today:
        raise IdNumberError("身份证号码中的出生日期晚于今天")
    if birth.year < 1900:
        raise IdNumberError("身份证号码中的出生年份不合理")
    if ric.calc_check_digit(number) != number[17]:
        raise IdNumberError("身份证号码校验位不正确，请核对后重新填写")
    warnings = []
    if not area_code_known(number):
        warnings.append("身份证号码的地区码不在已知名单中")
    sex = SEX_BY_ORDER_DIGIT[number[16]]
    return IdNumber(number=number, birth_date=birth, sex=sex, warnings=tuple(warnings))


def birth_date(number: str) -> datetime.date | None:
    """The birth date an ID number of the resident shape (``SHAPE``) holds, or None when its
    characters 7–14 are no date."""
    return _date_of(number[6:14])


@functools.lru_cache(maxsize=1 << 16)
def _date_of(digits: str) -> datetime.date | None:
    """YYYYMMDD → the date, or None; kept, as a million applicants share a few thousand
    birth dates (an export asks once a row: 0.1 µs instead of 0.5 µs)."""
    try:
        return datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


#: The sex the 17th character (the order code) tells: odd for men, even for women.
SEX_BY_ORDER_DIGIT = {digit: "男" if int(digit) % 2 else "女" for digit in "0123456789"}


def area_code_known(number: str) -> bool:
    """Whether stdnum's list has the area code at all, whatever the years it was in use.

    ``ric.get_birth_place`` also demands that the code existed in the birth year, which
    refuses real people: a code keeps being issued to those who move or re-register.
    (It also raises KeyError, not a ValidationError, for a known province with an
    unknown county, such as 119999.)
    """
    return _area_code_known(number[:6])


@functools.lru_cache(maxsize=8192)
def _area_code_known(area: str) -> bool:
    # Cached: stdnum walks its table for every call (a fifth of validating an application),
    # and one campaign's applicants share a few hundred area codes.
    return any("county" in props for _, props in numdb.get("cn/loc").info(area))
