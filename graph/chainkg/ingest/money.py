"""Amounts of money as Chinese documents and staff write them, to yuan as a Decimal."""
import re
from decimal import Decimal, InvalidOperation

from .text import normalize

__all__ = ["parse_amount", "AmountError"]

_UNITS = {"亿": Decimal(100_000_000), "千万": Decimal(10_000_000), "百万": Decimal(1_000_000),
          "万": Decimal(10_000), "千": Decimal(1_000), "": Decimal(1)}
_CURRENCIES = {"元": "CNY", "人民币": "CNY", "": "CNY", "美元": "USD", "欧元": "EUR", "港元": "HKD", "日元": "JPY"}
_QUALIFIERS = r"(?:总投资|计划总投资|投资|约|近|逾|超过|超|达|共|合计|累计|以上|余|多|左右)"
_AMOUNT = re.compile(
    rf"^{_QUALIFIERS}*(?P<num>-?\d+(?:\.\d+)?)(?P<unit>亿|千万|百万|万|千|)(?P<cur>元人民币|人民币|元|美元|欧元|港元|日元|)"
    rf"{_QUALIFIERS}*$")


class AmountError(ValueError):
    """The text is not an amount of money we can read."""


def parse_amount(text):
    """Return ``(value_in_units, currency)`` for an amount such as ``15亿元``.

    Examples
    --------
    >>> parse_amount("15亿元")
    (Decimal('1500000000'), 'CNY')
    >>> parse_amount("4678万元")
    (Decimal('46780000'), 'CNY')
    >>> parse_amount("1,000万")
    (Decimal('10000000'), 'CNY')
    >>> parse_amount("约1.2亿美元")
    (Decimal('120000000.0'), 'USD')
    >>> parse_amount("2500000")
    (Decimal('2500000'), 'CNY')
    >>> parse_amount("-5亿元")
    (Decimal('-500000000'), 'CNY')
    >>> parse_amount("很多钱")
    Traceback (most recent call last):
    ...
    chainkg.ingest.money.AmountError: 无法识别的金额 / not an amount: '很多钱'
    """
    cleaned = normalize(text).replace(",", "").replace(" ", "")
    match = _AMOUNT.match(cleaned)
    if not match:
        raise AmountError(f"无法识别的金额 / not an amount: {text!r}")
    try:
        number = Decimal(match["num"])
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise AmountError(f"无法识别的金额 / not an amount: {text!r}") from exc
    currency = _CURRENCIES[match["cur"].replace("元人民币", "元")]
    return number * _UNITS[match["unit"]], currency
