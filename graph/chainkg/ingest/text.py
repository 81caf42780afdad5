"""Text normalisation shared by every reader: NFKC, trimmed, full-width and odd spaces removed."""
import re
import unicodedata

__all__ = ["normalize", "split_multi", "squash", "normalize_date", "normalize_year"]

_SPACES = re.compile(r"\s+")


def normalize(value) -> str:
    """NFKC-normalise *value* (full-width letters, digits and spaces become ASCII) and trim it.

    Examples
    --------
    >>> normalize("\\u3000朝阳浪马轮胎 ")
    '朝阳浪马轮胎'
    >>> normalize("ＡＸＴ１２３")
    'AXT123'
    >>> normalize(None)
    ''
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub(" ", text).strip()


def split_multi(value) -> list[str]:
    """Split a multi-valued cell on ``;`` (``；`` becomes ``;`` under NFKC), dropping empties.

    Examples
    --------
    >>> split_multi("凌钢; 凌源钢铁；")
    ['凌钢', '凌源钢铁']
    """
    return [part for part in (normalize(p) for p in normalize(value).split(";")) if part]


def squash(value) -> str:
    """Normalise and remove all whitespace: how quotes are compared with their source text.

    Examples
    --------
    >>> squash("审批工\\n\\n作向 重点")
    '审批工作向重点'
    """
    return _SPACES.sub("", unicodedata.normalize("NFKC", value or ""))


_DATE = re.compile(r"^(\d{4})(?:\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?|\s*月)?)?\s*年?$")


def normalize_date(value) -> str:
    """A date as staff write it (``2024/5/1``, ``2024年5月``, ``2024.05``) in ISO form: YYYY[-MM[-DD]].

    Raises :class:`ValueError` when *value* is not a date (or not a real one, such as 2024-02-30).

    Examples
    --------
    >>> normalize_date("2024年5月1日"), normalize_date("2024/5"), normalize_date(" 2024 ")
    ('2024-05-01', '2024-05', '2024')
    >>> normalize_date("2024-02-30")
    Traceback (most recent call last):
    ...
    ValueError: not a date: '2024-02-30'
    """
    import datetime

    text = normalize(value)
    if re.fullmatch(r"\d{8}", text):  # 20240501
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE.match(text)
    if not match:
        raise ValueError(f"not a date: {value!r}")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        datetime.date(year, month or 1, day or 1)
    except ValueError:
        raise ValueError(f"not a date: {value!r}") from None
    return "-".join([f"{year:04d}"] + [f"{n:02d}" for n in (month, day) if n is not None])


def normalize_year(value) -> str:
    """A year cell (``2024``, ``2024年``, ``2024年度``) as four digits; anything else is returned normalised.

    Examples
    --------
    >>> normalize_year("2024年度"), normalize_year("２０２４"), normalize_year("明年")
    ('2024', '2024', '明年')
    """
    text = normalize(value)
    match = re.fullmatch(r"(\d{4})\s*年?度?", text)
    return match[1] if match else text
