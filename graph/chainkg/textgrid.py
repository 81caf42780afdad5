"""Plain-text tables that line up in a terminal, where a Chinese character takes two columns."""
import unicodedata

__all__ = ["display_width", "align"]


def display_width(text: str) -> int:
    """Terminal columns *text* takes: wide and full-width characters count two.

    Examples
    --------
    >>> display_width("凌钢 A")
    6
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def align(grid, rule=False) -> list[str]:
    """Pad the cells of *grid* (rows of strings, header first) into aligned lines; with *rule*, a line of
    dashes under the header. Trailing spaces are dropped.

    Examples
    --------
    >>> print("\\n".join(align([["区域", "n"], ["凌源市", "12"]], rule=True)))
    区域    n
    ------  --
    凌源市  12
    """
    grid = [list(row) for row in grid]
    widths = [max(display_width(row[i]) for row in grid) for i in range(len(grid[0]))] if grid else []
    if rule and grid:
        grid.insert(1, ["-" * w for w in widths])
    return ["  ".join(c + " " * (w - display_width(c)) for c, w in zip(row, widths)).rstrip() for row in grid]
