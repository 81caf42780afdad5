"""Text normalisation shared by every reader: NFKC, trimmed, full-width and odd spaces removed."""
import re
import unicodedata

__all__ = ["normalize", "split_multi", "squash"]

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
