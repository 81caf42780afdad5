"""Read staff spreadsheets (XLSX workbooks and CSV files) into the rows of the dataset's tables.

A workbook has one sheet per table (``项目 projects``, ``企业 enterprises`` …, see :data:`SHEET_ZH`); a
sheet's header row names its columns in Chinese or English (the template has both: Chinese in row 1,
English in row 2, data from row 3). Cells are read as staff type them and normalised the way every
reader of this package normalises text (:func:`chainkg.ingest.text.normalize`):

- numbers in code columns come back as text, with leading zeros restored from a ``000000`` format;
- merged cells are filled with the merged block's value;
- dates typed as dates, as Excel serial numbers or as text (``2024年5月``) become ``YYYY[-MM[-DD]]``;
- a number in an amount column keeps the unit its cell format shows (``0"万元"`` → ``4678万元``);
- kinds may be given as code, Chinese word or both (``开发区``, ``dev_zone``, ``开发区 dev_zone``);
- formula cells are reported, never evaluated; rows whose first cell starts with ``【示例】`` are the
  template's examples and are skipped.

The result is a list of :class:`ImportRow` (values keyed by the table's column names, and where each
came from) plus :class:`CellProblem` s naming file, sheet, row and column letter in Chinese and English.
Turning rows into :class:`chainkg.ingest.tables.Record` s and checking them is :mod:`chainkg.exchange`'s job.
"""
import csv
import datetime as _dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError, Problem
from .tables import TABLES
from .text import normalize, normalize_date, normalize_year

__all__ = ["Column", "SCHEMA", "SHEET_ZH", "CHOICES", "RECORD", "EXAMPLE_MARK", "MAX_CELL", "CellProblem",
           "ImportRow", "ReadResult", "sheet_title", "choice_label", "column_letter", "read_grid", "read_workbook",
           "read_csv", "read_path"]


@dataclass(frozen=True)
class Column:
    """One column of a table as staff see it: English name (as in the CSV files), Chinese header, help."""

    name: str
    zh: str
    help_zh: str
    help_en: str
    kind: str = "text"  # text | code | multi | year | date | amount | choice | quote


def _c(name, zh, help_zh, help_en, kind="text"):
    return Column(name, zh, help_zh, help_en, kind)


_SOURCE = _c("source", "来源编号", "来源表中的编号", "id of the document in the sources sheet", "code")
_QUOTE = _c("quote", "原文摘录", "来源原文中的原话，逐字摘录", "the exact words of the source that support the row", "quote")

#: table -> its columns in sheet order (the same columns as :data:`chainkg.ingest.tables.TABLES`).
SCHEMA = {
    "sources": (
        _c("id", "编号", "来源的唯一编号，其他表用它引用本来源", "unique id other sheets use to cite this source", "code"),
        _c("file", "原文文件", "sources/ 文件夹中的原文文件名（可空）", "file name of the text under sources/ (optional)"),
        _c("title", "标题", "文献标题", "title of the document"),
        _c("publisher", "发布单位", "发布单位或媒体", "publisher or newspaper"),
        _c("date", "日期", "发布日期，如 2024-05-01、2024年5月、2024", "date, e.g. 2024-05-01, 2024年5月, 2024", "date"),
        _c("author", "作者", "作者", "author"),
        _c("url", "网址", "原文网址", "web address of the document"),
    ),
    "zones": (
        _c("name", "名称", "区域全称", "full name of the zone"),
        _c("name_en", "英文名称", "英文名称", "English name"),
        _c("aliases", "别名", "简称或别名，多个用 ; 分隔", "short names, separated by ;", "multi"),
        _c("kind", "类型", "区域类型（下拉选择）", "kind of zone (pick from the list)", "choice"),
        _c("level", "级别", "开发区级别（下拉选择）", "level of a development zone (pick from the list)", "choice"),
        _c("parent", "上级区域", "所在或所属区域，多个用 ; 分隔", "zones it lies in or belongs to, separated by ;", "multi"),
        _SOURCE, _QUOTE,
    ),
    "enterprises": (
        _c("name", "企业名称", "企业全称", "full name of the enterprise"),
        _c("name_en", "英文名称", "英文名称", "English name"),
        _c("aliases", "简称", "简称或别名（如 凌钢），多个用 ; 分隔", "short names (e.g. 凌钢), separated by ;", "multi"),
        _c("kind", "类型", "企业、企业集团或机构（下拉选择）", "enterprise, group or institution (pick from the list)",
           "choice"),
        _c("parent_org", "上级单位", "所属集团或母公司", "group or parent company", "multi"),
        _c("zone", "所在区域", "企业所在区域，多个用 ; 分隔", "zones where it operates, separated by ;", "multi"),
        _c("products", "主要产品", "主要产品或业务，多个用 ; 分隔", "what it makes or does, separated by ;", "multi"),
        _SOURCE, _QUOTE,
    ),
    "chains": (
        _c("name", "产业链名称", "文中所称的产业链或产业集群", "the chain or cluster as the document names it"),
        _c("name_en", "英文名称", "英文名称", "English name"),
        _c("aliases", "别名", "别名，多个用 ; 分隔", "other names, separated by ;", "multi"),
        _c("kind", "类型", "产业链或产业集群（下拉选择）", "chain or cluster (pick from the list)", "choice"),
        _c("part_of", "所属集群", "本链所属的产业集群", "cluster this chain belongs to"),
        _SOURCE, _QUOTE,
    ),
    "zone_chains": (
        _c("zone", "区域", "建设该产业链的区域", "the zone that builds the chain"),
        _c("chain", "产业链", "产业链或产业集群", "the chain or cluster"),
        _c("links", "环节", "文中所列环节，有顺序用 → 分隔，否则用 ;", "links the document names: → when ordered, ; when not"),
        _SOURCE, _QUOTE,
    ),
    "lead_roles": (
        _c("enterprise", "企业", "链主或龙头企业", "the lead enterprise"),
        _c("chain", "产业链", "所领的产业链", "the chain it leads"),
        _c("zone", "区域", "所在区域", "the zone"),
        _c("year", "年份", "文中所述年份（四位数字）", "year of the statement (four digits)", "year"),
        _c("role", "称谓", "文中用语：链主、龙头、领军……", "the document's word: 链主, 龙头, 领军 …"),
        _SOURCE, _QUOTE,
    ),
    "projects": (
        _c("name", "项目名称", "项目全称", "full name of the project"),
        _c("aliases", "别名", "简称，多个用 ; 分隔", "short names, separated by ;", "multi"),
        _c("zone", "所在区域", "项目所在区域", "zone of the project"),
        _c("investor", "投资方", "投资企业，多个用 ; 分隔", "investors, separated by ;", "multi"),
        _c("chain", "产业链", "项目服务的产业链", "chain the project serves"),
        _c("link", "环节", "项目补的环节（须同时填产业链）", "link it fills (fill in the chain too)"),
        _c("status", "状态", "项目状态（下拉选择）", "status of the project (pick from the list)"),
        _c("year", "年份", "状态所属年份（四位数字）", "year the status is reported for (four digits)", "year"),
        _c("investment", "投资额", "如 15亿元、4678万元、1,000万，或以元计的数字", "e.g. 15亿元, 4678万元, 1,000万, or yuan",
           "amount"),
        _c("capacity", "产能", "如 年产120万吨", "e.g. 年产120万吨"),
        _c("description", "说明", "项目内容", "what the project is"),
        _SOURCE, _QUOTE,
    ),
    "placements": (
        _c("enterprise", "企业", "企业名称", "the enterprise"),
        _c("chain", "产业链", "参考产业链", "the reference chain"),
        _c("link", "环节", "企业所在环节（见“选项”表）", "the link it covers (see the lists sheet)"),
        _c("evidence", "依据类型", "文章或参考资料（下拉选择）", "article or reference (pick from the list)", "choice"),
        _SOURCE, _QUOTE,
    ),
}

#: The round-trip column: where an exported row lives in the dataset, so an edited row updates it in place.
RECORD = _c("record", "记录位置", "导出时填写，请勿修改；新增行留空", "filled in by export, do not edit; leave empty for new rows",
            "code")

#: table -> Chinese sheet name; the sheet's title is "<Chinese> <table>", e.g. "项目 projects".
SHEET_ZH = {"sources": "来源", "zones": "区域", "enterprises": "企业", "chains": "产业链", "zone_chains": "区域产业链",
            "lead_roles": "链主", "projects": "项目", "placements": "企业环节"}

#: (table, column) -> {code: Chinese word}: the values a choice column takes.
CHOICES = {
    ("zones", "kind"): {"province": "省", "city": "市", "district": "区", "county": "县", "county_city": "县级市",
                        "town": "乡镇街道", "dev_zone": "开发区", "park": "园区", "functional_area": "功能区"},
    ("zones", "level"): {"national": "国家级", "provincial": "省级", "municipal": "市级"},
    ("enterprises", "kind"): {"enterprise": "企业", "group": "企业集团", "institution": "机构"},
    ("chains", "kind"): {"chain": "产业链", "cluster": "产业集群"},
    ("placements", "evidence"): {"article": "文章", "reference": "参考资料"},
}

#: A row whose first filled cell starts with this is an example, skipped on import.
EXAMPLE_MARK = "【示例】"

#: Excel's own limit on the characters of a cell.
MAX_CELL = 32767

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_FORMAT_TEXT = re.compile(r'"([^"]*)"|\\(.)')


def sheet_title(table: str) -> str:
    """The sheet a table lives on.

    Examples
    --------
    >>> sheet_title("projects")
    '项目 projects'
    """
    return f"{SHEET_ZH[table]} {table}"


def choice_label(table, column, code) -> str:
    """How a choice is shown in a drop-down: Chinese word and code.

    Examples
    --------
    >>> choice_label("zones", "kind", "dev_zone")
    '开发区 dev_zone'
    """
    word = CHOICES.get((table, column), {}).get(code)
    return f"{word} {code}" if word else code


def column_letter(index: int) -> str:
    """Spreadsheet letter of a 0-based column index.

    Examples
    --------
    >>> column_letter(0), column_letter(25), column_letter(26), column_letter(701)
    ('A', 'Z', 'AA', 'ZZ')
    """
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True, order=True)
class CellProblem(Problem):
    """A :class:`chainkg.errors.Problem` located in a spreadsheet: sheet, row and column letter.

    Examples
    --------
    >>> str(CellProblem("新区.xlsx", 3, "zone", "未知的区域", "unknown zone", sheet="项目 projects", column="D"))
    '新区.xlsx, 工作表 / sheet 项目 projects, 第3行 D列 / row 3, column D (所在区域 zone): 未知的区域 / unknown zone'
    """

    sheet: str | None = None
    column: str | None = None  # the column's letter

    def location(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"工作表 / sheet {self.sheet}")
        if self.row is not None and self.column:
            parts.append(f"第{self.row}行 {self.column}列 / row {self.row}, column {self.column}")
        elif self.row is not None:
            parts.append(f"第{self.row}行 / row {self.row}")
        elif self.column:
            parts.append(f"{self.column}列 / column {self.column}")
        text = ", ".join(parts)
        if self.field:
            table = next((t for t, s in SHEET_ZH.items() if self.sheet and self.sheet.endswith(t)), None)
            zh = next((c.zh for c in SCHEMA.get(table, ()) + (RECORD,) if c.name == self.field), None)
            text += f" ({zh} {self.field})" if zh else f" ({self.field})"
        return text


@dataclass
class ImportRow:
    """One data row of a sheet: its table, normalised values, export reference, and where it was."""

    table: str
    values: dict  # column name -> normalised text (empty cells omitted)
    file: str  # the spreadsheet's file name as given
    sheet: str | None  # sheet title, None for a CSV file
    row: int  # 1-based row as the spreadsheet shows it
    letters: dict  # column name -> column letter
    ref: str = ""  # the record column: where an exported row came from

    def problem(self, column, zh, en) -> CellProblem:
        return CellProblem(self.file, self.row, column, zh, en, sheet=self.sheet,
                           column=self.letters.get(column) if column else None)


@dataclass
class ReadResult:
    """Everything read from one file: rows, problems (all of them), and notes for the user."""

    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    examples: int = 0  # example rows skipped
    dropped: bool = False  # a sheet or file could not be read at all (its rows are missing, not just faulted)
    tables: list = field(default_factory=list)  # tables found, in file order


# ---------------------------------------------------------------------------------------------- cells
class _Bad(Exception):
    def __init__(self, zh, en):
        super().__init__(en)
        self.zh, self.en = zh, en


def _number_text(value, number_format) -> str:
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _Bad("单元格不是有效数字", "cell is not a valid number")
        if not value.is_integer():
            return repr(value)
        value = int(value)
    text = str(value)
    fmt = number_format or ""
    if value >= 0 and re.fullmatch(r"0{2,}", fmt):  # a code typed as a number: restore its leading zeros
        text = text.zfill(len(fmt))
    return text


def _format_suffix(number_format) -> str:
    """Literal text a number format appends, e.g. ``万元`` from ``#,##0"万元"``."""
    return "".join(a or b for a, b in _FORMAT_TEXT.findall(number_format or ""))


def _cell_text(value, number_format, column: Column) -> str:
    """The text of one cell for *column*; raises :class:`_Bad` for a value that cannot be right."""
    if value is None:
        return ""
    kind = column.kind
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, _dt.datetime) and value.time() == _dt.time(0):
        value = value.date()
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return str(value.year) if kind == "year" else value.isoformat()
    if isinstance(value, (_dt.datetime, _dt.time)):
        return str(value.year) if kind == "year" and isinstance(value, _dt.datetime) else value.isoformat(sep=" ")
    if isinstance(value, _dt.timedelta):
        return str(value)
    if isinstance(value, (int, float)):
        if kind == "date" and not 1000 <= value <= 2999:  # an Excel serial number, not a year
            from openpyxl.utils.datetime import from_excel

            day = None
            if 1 <= value < 2958466:  # 1900-01-01 .. 9999-12-31
                try:
                    day = from_excel(value)
                except (ValueError, OverflowError, TypeError):
                    pass
            if not isinstance(day, _dt.datetime):
                raise _Bad(f"无法识别的日期“{value}”（例：2024-05-01、2024年5月、2024）",
                           f"cannot read the date '{value}' (e.g. 2024-05-01, 2024年5月, 2024)")
            return day.date().isoformat()
        text = _number_text(value, number_format)
        if kind == "amount":
            suffix = normalize(_format_suffix(number_format))
            if re.search("[亿万元]", suffix):
                text += suffix
        return text
    text = str(value)
    if text[:2] in ("'=", "'+", "'@", "'-"):  # our CSV export's guard against formula injection
        text = text[1:]
    if len(text) > MAX_CELL:
        raise _Bad(f"单元格过长（{len(text)} 个字符，上限 {MAX_CELL}）",
                   f"cell is too long ({len(text)} characters, at most {MAX_CELL})")
    text = normalize(text)
    if _CONTROL.search(text):
        raise _Bad("单元格含不可见的控制字符", "cell contains invisible control characters")
    if kind == "year":
        return normalize_year(text)
    if kind == "date" and text:
        try:
            return normalize_date(text)
        except ValueError:
            raise _Bad(f"无法识别的日期“{text}”（例：2024-05-01、2024年5月、2024）",
                       f"cannot read the date '{text}' (e.g. 2024-05-01, 2024年5月, 2024)") from None
    return text


def _choice(table, column, text) -> str:
    """Map a choice written as code, Chinese word or both to its code; anything else is left for the
    compiler to report with the list of valid values."""
    choices = CHOICES.get((table, column))
    if not choices or not text:
        return text
    words = {v: k for k, v in choices.items()}
    tokens = [t for t in re.split(r"[\s()/|,]+", text) if t]
    for token in [text] + tokens:
        if token in choices or token.lower() in choices:
            return token.lower()
        if token in words:
            return words[token]
    return text


# ---------------------------------------------------------------------------------------------- sheets
#: Other Chinese headers staff use for a column (any table's header for a column of that name counts too).
SYNONYMS = {"name": ("名称",), "zone": ("区域", "所在区域", "所属区域"), "source": ("来源", "出处"),
            "quote": ("原文", "摘录", "原文摘录"), "investment": ("总投资", "投资金额", "计划总投资"), "year": ("年度",),
            "status": ("项目状态", "进展"), "aliases": ("别名", "简称"), "chain": ("产业链",), "link": ("环节",)}


def _header_names(table):
    """Every way a header cell may name a column of *table*: English name, Chinese header (its own, another
    table's for the same column, or a common synonym), or both.

    Examples
    --------
    >>> names = _header_names("projects")
    >>> names["区域"].name, names["所在区域 zone"].name, names["zone"].name, names["总投资"].name
    ('zone', 'zone', 'zone', 'investment')
    """
    names = {}
    own = SCHEMA[table] + (RECORD,)
    for col in own:
        labels = [c.zh for cols in SCHEMA.values() for c in cols if c.name == col.name] + list(SYNONYMS.get(col.name, ()))
        for label in labels:
            names.setdefault(label.lower(), col)
    for col in own:  # the table's own headers win over borrowed ones
        for key in (col.name, col.zh, f"{col.zh} {col.name}"):
            names[key.lower()] = col
    return names


def _match_header(text, names):
    text = normalize(text).lower().replace("＊", "*")
    if not text:
        return None
    if text in names:
        return names[text]
    for token in re.split(r"[\s()/|\n]+|\*", text):
        if token and token in names:
            return names[token]
    return None


def _find_header(grid, names):
    """Index of the header row (the first of up to two) among the first five rows, or None."""
    for i, row in enumerate(grid[:5]):
        cells = [v for v, _, _ in row if v not in (None, "")]
        known = sum(1 for v in cells if _match_header(str(v), names))
        if (known >= 2 and known * 2 >= len(cells)) or (cells and known == len(cells)):
            return i
    return None


def read_grid(grid, table, file, sheet=None) -> ReadResult:
    """Read one sheet given as rows of ``(value, number_format, is_formula)`` cells.

    Examples
    --------
    >>> grid = [[("名称*", None, False), ("类型*", None, False), ("来源编号*", None, False), ("原文摘录*", None, False)],
    ...         [("name", None, False), ("kind", None, False), ("source", None, False), ("quote", None, False)],
    ...         [("\\u3000新区 ", None, False), ("开发区", None, False), (1, "000", False), ("设立新区", None, False)]]
    >>> r = read_grid(grid, "zones", "x.xlsx", "区域 zones")
    >>> r.rows[0].values, r.rows[0].row, r.rows[0].letters["source"]
    ({'name': '新区', 'kind': 'dev_zone', 'source': '001', 'quote': '设立新区'}, 3, 'C')
    """
    result = ReadResult(tables=[table])
    names = _header_names(table)
    where = dict(sheet=sheet)
    start = _find_header(grid, names)
    data_rows = [r for r in grid if any(v not in (None, "") for v, _, _ in r)]
    if start is None:
        result.dropped = bool(data_rows)
        if data_rows:
            known = "、".join(f"{c.zh} {c.name}" for c in SCHEMA[table])
            known_en = ", ".join(c.name for c in SCHEMA[table])
            result.problems.append(CellProblem(
                file, 1, None, f"在前5行中找不到表头（表头须写列名，如：{known}）",
                f"no header row in the first 5 rows (the header names the columns: {known_en})", **where))
        return result
    columns = {}  # index -> Column
    header_rows = [start]
    for i, (value, _, _) in enumerate(grid[start]):
        col = _match_header(str(value), names) if value not in (None, "") else None
        if col is not None:
            columns[i] = col
    # a second header row (the template's English names) is skipped when it names the same columns
    if start + 1 < len(grid):
        second = [(i, v) for i, (v, _, _) in enumerate(grid[start + 1]) if v not in (None, "")]
        if second and all(_match_header(str(v), names) is not None for _, v in second):
            for i, v in second:
                columns.setdefault(i, _match_header(str(v), names))
            header_rows.append(start + 1)
    body = [(n, row) for n, row in enumerate(grid) if n > header_rows[-1]]
    has_data = any(any(v not in (None, "") for v, _, _ in row) for _, row in body)
    letters = {col.name: column_letter(i) for i, col in sorted(columns.items(), reverse=True)}
    header_row = start + 1
    seen = {}
    for i, col in sorted(columns.items()):
        if col.name in seen:
            result.problems.append(CellProblem(
                file, header_row, None, f"列“{col.zh} {col.name}”出现两次（{seen[col.name]}列和{column_letter(i)}列）",
                f"column {col.name} appears twice (columns {seen[col.name]} and {column_letter(i)})", sheet=sheet,
                column=column_letter(i)))
        seen.setdefault(col.name, column_letter(i))
    if not has_data:
        return result
    for i, (value, _, _) in enumerate(grid[start]):
        if value not in (None, "") and i not in columns:
            known = "、".join(f"{c.zh} {c.name}" for c in SCHEMA[table])
            known_en = ", ".join(c.name for c in SCHEMA[table])
            result.problems.append(CellProblem(
                file, header_row, None, f"未知的列“{normalize(value)[:40]}”（可用列：{known}）",
                f"unknown column '{normalize(value)[:40]}' (known: {known_en})", sheet=sheet, column=column_letter(i)))
    required = TABLES[table][0]
    for name in required:
        if name not in letters:
            col = next(c for c in SCHEMA[table] if c.name == name)
            result.problems.append(CellProblem(
                file, header_row, None, f"缺少必填列“{col.zh} {name}”", f"missing required column {name}", sheet=sheet))
    if result.problems:
        result.dropped = True
        return result
    for n, row in body:
        cells = [(i, v, fmt, formula) for i, (v, fmt, formula) in enumerate(row) if v not in (None, "")]
        if not cells:
            continue
        first = cells[0][1]
        if isinstance(first, str) and normalize(first).lower().startswith((EXAMPLE_MARK, "[example]", "[示例]")):
            result.examples += 1
            continue
        rownum = n + 1
        values, problems = {}, []
        for i, value, fmt, formula in cells:
            col = columns.get(i)
            letter = column_letter(i)
            if col is None:
                problems.append(CellProblem(file, rownum, None, "此列没有表头，内容无法归入任何字段",
                                            "this column has no header, so the cell belongs to no field",
                                            sheet=sheet, column=letter))
                continue
            if formula:
                shown = normalize(value)[:60]
                problems.append(CellProblem(
                    file, rownum, col.name, f"单元格是公式“{shown}”：请复制后“选择性粘贴 → 数值”再导入",
                    f"cell holds the formula '{shown}': copy it and paste as values before importing",
                    sheet=sheet, column=letter))
                values[col.name] = normalize(value)
                continue
            if isinstance(value, str) and value.startswith("#") and fmt == "#error":
                problems.append(CellProblem(file, rownum, col.name, f"单元格是错误值 {value}",
                                            f"cell holds the error value {value}", sheet=sheet, column=letter))
                continue
            try:
                text = _cell_text(value, fmt, col)
            except _Bad as bad:
                problems.append(CellProblem(file, rownum, col.name, bad.zh, bad.en, sheet=sheet, column=letter))
                continue
            if col.kind == "choice":
                text = _choice(table, col.name, text)
            if text:
                values[col.name] = text
        ref = values.pop(RECORD.name, "")
        result.problems.extend(problems)
        result.rows.append(ImportRow(table, values, file, sheet, rownum, letters, ref))
    return result


# ---------------------------------------------------------------------------------------------- files
def _table_of_sheet(title):
    """The table a sheet (or CSV file) title names, by English or Chinese name, alone or with other words.

    Examples
    --------
    >>> [_table_of_sheet(t) for t in ("项目 projects", "zone_chains (2)", "区域产业链", "2025年 项目", "Sheet1")]
    ['projects', 'zone_chains', 'zone_chains', 'projects', None]
    """
    text = normalize(title).lower()
    tokens = [t for t in re.split(r"[\s()\-.]+", text) if t]
    found = [table for table, zh in SHEET_ZH.items() if text in (table, zh) or table in tokens or zh in tokens
             or text == f"{zh}{table}"]
    return max(found, key=len) if found else None


#: Sheets the template and export add that are not tables (ignored on import without a note).
_OWN_SHEETS = ("说明 instructions", "选项 lists", "缺口 gaps", "中心度 centrality")


def _worksheet_grid(ws):
    """A worksheet as rows of (value, number_format, is_formula), merged blocks filled in."""
    fill = {}
    for rng in ws.merged_cells.ranges:
        top = ws.cell(rng.min_row, rng.min_col)
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    fill[(r, c)] = top
    grid = []
    for row in ws.iter_rows():
        cells = []
        for cell in row:
            source = fill.get((cell.row, cell.column), cell) if cell.value is None else cell
            value = source.value
            formula = source.data_type == "f"
            fmt = source.number_format
            if formula:
                value = getattr(value, "text", value)  # ArrayFormula
                value = value if str(value).startswith("=") else f"={value}"
            elif source.data_type == "e":
                fmt = "#error"
            cells.append((value, fmt, formula))
        grid.append(cells)
    return grid


def read_workbook(path, name=None) -> ReadResult:
    """Read every table sheet of the XLSX workbook *path*; other sheets are noted and skipped."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    path = Path(path)
    name = name or path.name
    result = ReadResult()
    head = path.read_bytes()[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        result.problems.append(CellProblem(name, None, None, "这是旧版 .xls 或加密的工作簿：请在 Excel 中“另存为 .xlsx”",
                                           "this is an old .xls or an encrypted workbook: save it as .xlsx"))
        result.dropped = True
        return result
    try:
        wb = load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError, IndexError,
            AttributeError, EOFError) as exc:
        first = " ".join(str(exc).split())[:200] or type(exc).__name__
        result.problems.append(CellProblem(name, None, None, f"无法打开工作簿（不是有效的 .xlsx 文件）：{first}",
                                           f"cannot open the workbook (not a valid .xlsx file): {first}"))
        result.dropped = True
        return result
    except Exception as exc:  # openpyxl raises a wide variety of errors for damaged files
        first = " ".join(str(exc).split())[:200] or type(exc).__name__
        result.problems.append(CellProblem(name, None, None, f"无法读取工作簿：{first}",
                                           f"cannot read the workbook: {first}"))
        result.dropped = True
        return result
    seen = {}
    for ws in wb.worksheets:
        title = ws.title
        table = _table_of_sheet(title)
        if table is None:
            if normalize(title) not in _OWN_SHEETS:
                result.notes.append(f"忽略工作表“{title}”（不是数据表）/ skipped sheet '{title}' (not a table)")
            continue
        if table in seen:
            result.problems.append(CellProblem(name, None, None, f"两个工作表都是 {table}：“{seen[table]}”和“{title}”",
                                               f"two sheets hold {table}: '{seen[table]}' and '{title}'", sheet=title))
            result.dropped = True
            continue
        seen[table] = title
        part = read_grid(_worksheet_grid(ws), table, name, title)
        result.rows += part.rows
        result.problems += part.problems
        result.examples += part.examples
        result.dropped |= part.dropped
        result.tables.append(table)
    if not seen:
        expected = "、".join(sheet_title(t) for t in SCHEMA)
        result.problems.append(CellProblem(
            name, None, None, f"工作簿中没有数据表（工作表须命名为：{expected}）",
            f"the workbook has no table sheets (name the sheets: {expected})"))
    return result


def _decode(raw, name, result):
    """Text of a CSV file: UTF-8 (BOM or not), UTF-16 with BOM, or GB18030/GBK as Excel in China saves it."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            result.problems.append(CellProblem(
                name, None, None, f"文件编码无法识别（第{exc.start}字节不是 UTF-8）：请在 Excel 中“另存为 CSV UTF-8”",
                f"unknown file encoding (byte {exc.start} is not UTF-8): save it as 'CSV UTF-8'"))
            return None
        result.notes.append(f"{name}: 按 GBK/GB18030 编码读取；建议另存为“CSV UTF-8” / read as GBK (GB18030); "
                            "saving as 'CSV UTF-8' is safer")
        return text


def _table_of_csv(stem, header, names_for):
    guess = _table_of_sheet(stem)
    if guess:
        return guess
    for part in re.split(r"[\s._\-]+", normalize(stem).lower()):
        guess = _table_of_sheet(part)
        if guess:
            return guess
    fits = []
    cells = [normalize(h) for h in header if normalize(h)]
    for table in SCHEMA:
        names = names_for(table)
        cols = {_match_header(h, names).name for h in cells if _match_header(h, names)}
        if len(cols) == len(cells) and set(TABLES[table][0]) <= cols:
            fits.append(table)
    return fits[0] if len(fits) == 1 else None


def read_csv(path, table=None, name=None) -> ReadResult:
    """Read the CSV file *path* as *table* (or the table its file name or header names)."""
    path = Path(path)
    name = name or path.name
    result = ReadResult()
    raw = path.read_bytes()
    if not raw.strip(b"\xef\xbb\xbf \t\r\n"):
        result.problems.append(CellProblem(name, None, None, "文件为空", "the file is empty"))
        return result
    text = _decode(raw, name, result)
    if text is None:
        return result
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    # Excel writes tabs for "Unicode text" and, in some locales, semicolons: the header line tells
    delimiter = max(("\t", ";"), key=first_line.count)
    delimiter = delimiter if first_line.count(delimiter) > first_line.count(",") else ","
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))  # an over-long cell is reported with its cell, below
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        result.problems.append(CellProblem(name, None, None, f"无法解析 CSV：{exc}", f"cannot parse the CSV: {exc}"))
        return result
    finally:
        csv.field_size_limit(limit)
    if table is None:
        header = rows[0] if rows else []
        table = _table_of_csv(path.stem, header, _header_names)
        if table is None:
            known = "、".join(f"{zh} {t}" for t, zh in SHEET_ZH.items())
            result.problems.append(CellProblem(
                name, None, None, f"无法判断这是哪张表：请把文件命名为表名（如 projects.csv）或用 --table 指定（{known}）",
                f"cannot tell which table this is: name the file after it (e.g. projects.csv) or pass --table ({known})"))
            return result
    grid = [[(v, None, False) for v in row] for row in rows]
    part = read_grid(grid, table, name, None)
    part.tables = [table]
    part.notes = result.notes + part.notes
    return part


def read_path(path, table=None) -> ReadResult:
    """Read an ``.xlsx`` workbook or a ``.csv``/``.tsv``/``.txt`` file; raise :class:`DataError` when it
    cannot be opened at all (missing, a folder, an unknown type)."""
    path = Path(path)
    if not path.is_file():
        raise DataError([CellProblem(str(path), None, None, "文件不存在", "file does not exist")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        if table is not None:
            result = read_workbook(path)
            result.rows = [r for r in result.rows if r.table == table]
            return result
        return read_workbook(path)
    if suffix in (".csv", ".tsv", ".txt"):
        return read_csv(path, table)
    if suffix == ".xls":
        raise DataError([CellProblem(path.name, None, None, "不支持旧版 .xls：请在 Excel 中“另存为 .xlsx”",
                                     "old .xls files are not supported: save it as .xlsx")])
    raise DataError([CellProblem(path.name, None, None, f"不支持的文件类型 {suffix or '（无扩展名）'}：请用 .xlsx 或 .csv",
                                 f"unsupported file type {suffix or '(none)'}: use .xlsx or .csv")])
