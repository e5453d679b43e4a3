"""Phone numbers: the one rule for reading, formatting and dialling them.

The validator formats every ``phone`` cell with :func:`format_phones`: North American
numbers as ``(303) 555-0142`` (``(303) 555-0142 ext. 12`` with an extension), others in
international form (``+44 20 7946 0958``). Everything that shows or dials a phone (the
clinic cards, the map) turns such a formatted number into a link with :func:`tel_uri`,
so what the validator accepts is exactly what patients can dial.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd
import phonenumbers

NANP = re.compile(
    r"^\s*(?:\+?1[\s.-]*)?\(?(?P<area>[2-9]\d{2})\)?[\s.-]*(?P<exchange>[2-9]\d{2})[\s.-]*"
    r"(?P<line>\d{4})(?:\s*(?:x|ext\.?|extension)\s*(?P<ext>\d{1,6}))?\s*$",
    re.IGNORECASE,
)
"""A North American number written any of the usual ways, with an optional extension."""

# What format_phones writes, and nothing else: the national form of a +1 number, or
# phonenumbers' international form (digit groups after +country code), either optionally
# followed by an extension the way phonenumbers writes it for the region (" ext. 12",
# " x12", " int. 12", " Anexo 12", "#12").
_FORMATTED = re.compile(
    r"^(?:\((?P<area>[2-9]\d{2})\) (?P<exchange>[2-9]\d{2})-(?P<line>\d{4})"
    r"|(?P<international>\+[1-9]\d{0,2}(?:[ .-]\d+)+))"
    r"(?:(?: [^\W\d_]+\.? ?|#)\d{1,10})?$"
)
_E164_DIGITS = range(7, 16)  # country code included; E.164 allows at most 15 digits


def format_phones(cells: pd.Series) -> pd.Series:
    """Each phone cell in the validator's format; missing (NaN) where blank or not dialable.

    Most cells are plain North American numbers: those are shape-checked and formatted for
    the whole column at once, with phonenumbers' metadata deciding which area codes exist.
    Anything else (``+44 ...``, vanity letters) goes through phonenumbers one distinct value
    at a time.
    """
    parts = cells.str.extract(NANP)
    area = parts["area"].fillna("")
    fast = area.isin(nanp_area_codes()).to_numpy(dtype=bool)
    extension = parts["ext"].fillna("")
    suffix = (" ext. " + extension).where(extension != "", "")
    formatted = (
        "(" + area + ") " + parts["exchange"].fillna("") + "-" + parts["line"].fillna("") + suffix
    )
    slow_values = cells[~fast & cells.ne("").to_numpy(dtype=bool)].unique()
    slow = {value: format_phone(value) for value in slow_values}
    return formatted.where(pd.Series(fast, index=cells.index), cells.map(slow))


def format_phone(value: str) -> str | None:
    """One phone number in the validator's format, or None when it cannot be dialled."""
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, style))


@lru_cache(maxsize=1)
def nanp_area_codes() -> frozenset[str]:
    """Area codes phonenumbers knows as in service in the North American Numbering Plan."""
    codes = set()
    for area in range(200, 1000):
        for probe in ("5550100", "2345678", "4567890", "7890123", "3217654", "8675309"):
            number = phonenumbers.parse(f"+1{area}{probe}")
            if phonenumbers.is_valid_number(number):
                codes.add(str(area))
                break
    return frozenset(codes)


def tel_uri(formatted_phone: object) -> str | None:
    """The ``tel:`` link for a phone as the validator formatted it; None for anything else.

    ``(303) 555-0142`` -> ``tel:+13035550142``; ``+44 20 7946 0958`` -> ``tel:+442079460958``.
    An extension is left out of the link (``(303) 555-0142 ext. 12`` -> ``tel:+13035550142``):
    dialers handle RFC 3966's ``;ext=`` unevenly, the main line always connects, and the
    extension stays in the text shown next to the link. Unformatted text (a cell that did not
    pass validation, ``303-555-0142``, ``call us``) gets no link rather than a wrong one.
    """
    if not isinstance(formatted_phone, str):
        return None
    match = _FORMATTED.match(formatted_phone)
    if match is None:
        return None
    if match["area"]:
        return f"tel:+1{match['area']}{match['exchange']}{match['line']}"
    digits = re.sub(r"\D", "", match["international"])
    return f"tel:+{digits}" if len(digits) in _E164_DIGITS else None
