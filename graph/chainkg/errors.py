"""User-facing errors: every problem names its file, row and field, in Chinese and English."""
from dataclasses import dataclass

__all__ = ["Problem", "DataError"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows."""

    file: str
    row: int | None = None  # 1-based line number in the file (the header is line 1)
    field: str | None = None
    zh: str = ""
    en: str = ""

    def location(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"第{self.row}行 / row {self.row}")
        if self.field:
            parts.append(f"字段 {self.field} / field {self.field}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return f"{self.location()}: {self.zh} / {self.en}"


class DataError(Exception):
    """Raised with every problem found, so the user can fix them all at once."""

    def __init__(self, problems):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.row or 0, p.field or "", p.en))
        super().__init__("\n".join(str(p) for p in self.problems))

    def report(self) -> str:
        n = len(self.problems)
        head = f"发现 {n} 个问题 / {n} problem{'s' if n != 1 else ''} found:"
        return "\n".join([head] + [f"  - {p}" for p in self.problems])
