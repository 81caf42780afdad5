"""Read a dataset's CSV tables into plain records (no RDF yet), checking columns and encoding."""
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError, Problem
from .text import normalize

__all__ = ["TABLES", "Record", "read_dataset", "read_table_file"]

#: table name -> (required columns, optional columns)
TABLES = {
    "sources": (("id", "title"), ("file", "publisher", "date", "author", "url")),
    "zones": (("name", "kind", "source", "quote"), ("name_en", "aliases", "level", "parent")),
    "enterprises": (("name", "source", "quote"), ("name_en", "aliases", "kind", "parent_org", "zone", "products")),
    "chains": (("name", "kind", "source", "quote"), ("name_en", "aliases", "part_of")),
    "zone_chains": (("zone", "chain", "source", "quote"), ("links",)),
    "lead_roles": (("enterprise", "chain", "zone", "source", "quote"), ("year", "role")),
    "projects": (("name", "zone", "source", "quote"),
                 ("aliases", "investor", "chain", "link", "status", "year", "investment", "capacity", "description")),
    "placements": (("enterprise", "chain", "link", "source", "quote"), ("evidence",)),
}


@dataclass(frozen=True)
class Record:
    """One row of a table: its values (normalised) and where it came from."""

    table: str
    file: str  # path relative to the dataset folder, e.g. projects/000.csv
    row: int  # line number in the file, header = 1
    values: dict = field(hash=False, compare=False)

    def get(self, column, default=""):
        return self.values.get(column, default) or default

    @property
    def where(self) -> str:
        return f"{self.file}:{self.row}"

    def problem(self, column, zh, en) -> Problem:
        return Problem(self.file, self.row, column, zh, en)


def _table_files(root: Path, table: str) -> list[Path]:
    files = []
    if (root / f"{table}.csv").is_file():
        files.append(root / f"{table}.csv")
    if (root / table).is_dir():
        files.extend(sorted((root / table).glob("*.csv")))
    return files


def read_table_file(path: Path, table: str, label: str, problems: list) -> list[Record]:
    """Read one CSV file of *table*; append problems rather than raising so all are reported at once."""
    required, optional = TABLES[table]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(label, None, None,
                                f"文件不是 UTF-8 编码（第{exc.start}字节）；请在 Excel 中“另存为 CSV UTF-8”",
                                f"file is not UTF-8 (byte {exc.start}); save it as 'CSV UTF-8'"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [normalize(h) for h in next(reader)]
    except StopIteration:
        problems.append(Problem(label, None, None, "文件为空，缺少表头", "file is empty: no header row"))
        return []
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c and c not in required and c not in optional]
    for column in missing:
        problems.append(Problem(label, 1, column, f"缺少必填列 {column}", f"missing required column {column}"))
    for column in unknown:
        problems.append(Problem(label, 1, column, f"未知的列 {column}（可用列：{', '.join(required + optional)}）",
                                f"unknown column {column} (known: {', '.join(required + optional)})"))
    if missing or unknown:
        return []
    records = []
    for cells in reader:
        row = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            problems.append(Problem(label, row, None, f"本行有 {len(cells)} 个单元格，多于表头的 {len(header)} 列",
                                    f"row has {len(cells)} cells but the header has {len(header)} columns"))
            continue
        values = {h: normalize(c) for h, c in zip(header, cells) if h}
        record = Record(table, label, row, values)
        for column in required:
            if not record.get(column):
                problems.append(record.problem(column, f"必填字段 {column} 为空", f"required field {column} is empty"))
        records.append(record)
    return records


def read_dataset(root) -> dict[str, list[Record]]:
    """Read every table of the dataset folder *root*; raise :class:`DataError` listing all problems."""
    root = Path(root)
    if not root.is_dir():
        raise DataError([Problem(str(root), None, None, "数据目录不存在", "data folder does not exist")])
    problems: list[Problem] = []
    tables = {}
    for table in TABLES:
        records = []
        for path in _table_files(root, table):
            records.extend(read_table_file(path, table, path.relative_to(root).as_posix(), problems))
        tables[table] = records
    if not tables["sources"] and not problems:
        problems.append(Problem(f"{root.name}/sources.csv", None, None, "缺少来源表 sources.csv",
                                "missing the sources table sources.csv"))
    if problems:
        raise DataError(problems)
    return tables
