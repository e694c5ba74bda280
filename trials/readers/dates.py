"""Dates as registries write them (`2019-08-25`, `25/08/2019`, `August 25, 2019`, `20190825`,
`2019-08`, `Aug-2019`, `08/2019`, `2019/08`, `15-Mar-21`, `2021年4月15日`, month names in
Spanish, Portuguese, German and French: `15 de marzo de 2021`, `15. März 2021`) to ISO 8601
`YYYY-MM-DD`, or `YYYY-MM` when the source gives only a month (a year alone is no date the
record holds: null, with a warning)."""

import re
from datetime import date

from trials.readers.record import (
    DATE_READ_MONTH_FIRST,
    PLACEHOLDER_NULLED,
    UNREADABLE_VALUE,
    warning,
)
from trials.readers.text import Warnings
from trials.readers.text import one_line as _one_line
from trials.readers.text import warn as _warn

# ICTRP and registries fill missing dates with these; they are never real trial dates.
DATE_PLACEHOLDERS = {"1969-12-31", "1970-01-01", "1900-01-01"}
# Month names (and their short forms) in the registries' languages, as numbers.
MONTHS = {
    name: i
    for i, names in enumerate(
        [
            # English, then Spanish, Portuguese, German, French (REBEC, RPCEC, DRKS, …)
            ("january", "jan", "enero", "janeiro", "januar", "janvier"),
            ("february", "feb", "febrero", "fevereiro", "februar", "février", "fevrier"),
            ("march", "mar", "marzo", "março", "marco", "märz", "maerz", "mars"),
            ("april", "apr", "abril", "avril"),
            ("may", "mayo", "maio", "mai"),
            ("june", "jun", "junio", "junho", "juni", "juin"),
            ("july", "jul", "julio", "julho", "juli", "juillet"),
            ("august", "aug", "agosto", "août", "aout"),
            ("september", "sep", "sept", "septiembre", "setiembre", "setembro", "septembre"),
            ("october", "oct", "octubre", "outubro", "oktober", "okt", "octobre"),
            ("november", "nov", "noviembre", "novembro", "novembre"),
            ("december", "dec", "diciembre", "dezembro", "dezember", "dez", "décembre"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<mon>[^\W\d_]{3,10})\.?"


def _ymd(year: int, month: int, day: int | None) -> str | None:
    try:
        if day is None:
            date(year, month, 1)
            return f"{year:04d}-{month:02d}"
        return date(year, month, day).isoformat()
    except ValueError:
        return None


_TIME_OF_DAY = re.compile(r"\s*(?:T|\s)\d{1,2}:\d{2}(?::\d{2})?.*$")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_YMD_DOTS = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})")
_YMD_DIGITS = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YM = re.compile(r"(\d{4})-(\d{1,2})")
_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_MONTH_DAY_YEAR = re.compile(_MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})")
_DAY_MONTH_YEAR = re.compile(
    r"(?P<d>\d{1,2})(?:st|nd|rd|th|\.)?[\s-]+" + _MONTH + r"[\s,-]+(?P<y>\d{4})"
)
_DAY_MON_YY = re.compile(r"(?P<d>\d{1,2})-" + _MONTH + r"-(?P<y>\d{2})")  # "15-Mar-21"
_CJK = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")  # "2021年4月15日"
_OF = re.compile(r"\s+(?:de|del)\s+", re.IGNORECASE)  # "15 de marzo de 2021"
_MONTH_YEAR = re.compile(_MONTH + r"(?:,?\s+|\s*[/-]\s*)(?P<y>\d{4})")  # "March 2021", "Mar-2021"
_M_Y = re.compile(r"(\d{1,2})[/.-](\d{4})")  # "03/2021"
_Y_M = re.compile(r"(\d{4})[/.](\d{1,2})")  # "2021/03"


def _parse_date_value(raw: str, field: str, warnings: Warnings) -> str | None:
    value = raw.strip().rstrip(".")
    value = _TIME_OF_DAY.sub("", value)  # drop a time of day
    if match := _YMD.fullmatch(value):
        return _ymd(int(match[1]), int(match[2]), int(match[3]))
    if match := _YMD_DOTS.fullmatch(value):
        return _ymd(int(match[1]), int(match[2]), int(match[3]))
    if match := _YMD_DIGITS.fullmatch(value):
        return _ymd(int(match[1]), int(match[2]), int(match[3]))
    if match := _YM.fullmatch(value) or _Y_M.fullmatch(value):
        return _ymd(int(match[1]), int(match[2]), None)
    if match := _M_Y.fullmatch(value):
        return _ymd(int(match[2]), int(match[1]), None)
    if match := _DMY.fullmatch(value):
        day, month, year = int(match[1]), int(match[2]), int(match[3])
        if month > 12 >= day:  # written month first after all; say so, it is unusual here
            message = f"{field}: read {raw!r} as month/day/year"
            _warn(warnings, warning(field, DATE_READ_MONTH_FIRST, raw, message))
            day, month = month, day
        return _ymd(year, month, day)
    if match := _MONTH_DAY_YEAR.fullmatch(value):
        mon = MONTHS.get(match["mon"].lower())
        return _ymd(int(match["y"]), mon, int(match["d"])) if mon else None
    if match := _DAY_MONTH_YEAR.fullmatch(value):
        mon = MONTHS.get(match["mon"].lower())
        return _ymd(int(match["y"]), mon, int(match["d"])) if mon else None
    if match := _MONTH_YEAR.fullmatch(value):
        mon = MONTHS.get(match["mon"].lower())
        return _ymd(int(match["y"]), mon, None) if mon else None
    return _rarer(value)


def _rarer(value: str) -> str | None:
    """The rarer spellings, tried last: "2021年4月15日", "15-Mar-21", "15 de marzo de 2021"."""
    if match := _CJK.fullmatch(value):
        return _ymd(int(match[1]), int(match[2]), int(match[3]) if match[3] else None)
    if match := _DAY_MON_YY.fullmatch(value):
        mon, year = MONTHS.get(match["mon"].lower()), int(match["y"])
        return _ymd(year + (2000 if year < 70 else 1900), mon, int(match["d"])) if mon else None
    if (of := _OF.sub(" ", value)) != value:
        return _parse_date_value(of, "", None)
    return None


def parse_date(raw: str | None, *, field: str = "date", warnings: Warnings = None) -> str | None:
    """`YYYY-MM-DD`, or `YYYY-MM` when the source gives only a month. Day-first for d/m/y."""
    text = _one_line(raw)
    if not text:
        return None
    value = _parse_date_value(text, field, warnings)
    if value is None:
        message = f"{field}: unreadable date {text!r}"
        _warn(warnings, warning(field, UNREADABLE_VALUE, text, message))
    elif value in DATE_PLACEHOLDERS:
        message = f"{field}: placeholder date {text!r} ignored"
        _warn(warnings, warning(field, PLACEHOLDER_NULLED, text, message))
        return None
    return value
