"""Staff spreadsheets in and out of a dataset folder: import with merge, and export for editing.

**Import** (:func:`plan_import`, then :func:`apply_plan`) reads an XLSX workbook or CSV file
(:mod:`chainkg.ingest.workbook`), decides for every row whether it is new, an edit of an exported row,
or already in the dataset, and lays out the change as whole new contents of the dataset's CSV files:

- new rows of a table go to ``<table>.csv`` when the dataset keeps that table in one file (as
  ``sources.csv``), otherwise to ``<table>/import-<file name>.csv``;
- an exported row (its ``record`` column says ``projects/000.csv:5#1a2b3c4d``) that was edited replaces
  that line of that file; every other line stays byte-identical, so ``git diff`` shows just the change.

It then reads the prospective dataset exactly as ``chainkg build`` will (the same readers, the same
compiler, the same shapes), so every check of the build applies to the import, and maps each problem
back to the spreadsheet cell it came from. Only when there is no problem at all may the plan be
applied, and :func:`apply_plan` writes every file through a temporary file and a rename.

**Export** (:func:`export_rows`, :func:`export_workbook`, :func:`export_csv`) writes every row of the
dataset with the template's headers and the ``record`` column, plus the gap list and centrality when
:mod:`chainkg.analysis` can compute them, so export → edit → import round-trips.
"""
import csv
import difflib
import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .build import file_mode
from .errors import DataError, Problem
from .ingest.tables import TABLES, read_dataset, read_table_file
from .ingest.text import normalize
from .ingest.workbook import RECORD, SCHEMA, CellProblem, ReadResult, read_path, sheet_title

__all__ = ["ImportPlan", "plan_import", "apply_plan", "record_ref", "row_key", "export_rows", "export_workbook",
           "export_csv", "analysis_sheets"]

_NAMED = ("sources", "zones", "enterprises", "chains", "projects")
_REF = re.compile(r"^(?P<file>[^:#]+\.csv):(?P<row>\d+)#(?P<digest>[0-9a-f]{8})$")


def row_key(table, values) -> tuple:
    """What makes two rows of *table* the same statement: their non-empty values, column by column.

    Examples
    --------
    >>> row_key("zones", {"name": "新区", "kind": "dev_zone", "level": ""})
    (('kind', 'dev_zone'), ('name', '新区'))
    """
    columns = set(TABLES[table][0]) | set(TABLES[table][1])
    return tuple(sorted((k, v) for k, v in values.items() if v and k in columns))


def _digest(table, values) -> str:
    return hashlib.sha1(repr(row_key(table, values)).encode("utf-8")).hexdigest()[:8]


def record_ref(record) -> str:
    """The ``record`` column of an exported row: file, row and a fingerprint of its values.

    Examples
    --------
    >>> from chainkg.ingest.tables import Record
    >>> record_ref(Record("zones", "zones/a.csv", 3, {"name": "新区", "kind": "dev_zone"}))
    'zones/a.csv:3#075ff861'
    """
    return f"{record.file}:{record.row}#{_digest(record.table, record.values)}"


class _Content:
    """Bytes that :func:`chainkg.ingest.tables.read_table_file` reads as if they were a file."""

    def __init__(self, data: bytes):
        self.data = data

    def read_bytes(self) -> bytes:
        return self.data


class _CsvDoc:
    """A dataset CSV file edited record by record: untouched records keep their exact bytes."""

    def __init__(self, rel, text, table):
        self.rel, self.table = rel, table
        self.bom = text.startswith("\ufeff")
        body = text[1:] if self.bom else text
        self.newline = "\r\n" if "\r\n" in body else "\n"
        self.chunks = []  # [raw text, cells, origin ImportRow or None]
        lines = io.StringIO(body, newline="").readlines()
        reader = csv.reader(iter(lines))
        consumed = 0
        self.ends = {}  # line number at a record's end (Record.row) -> chunk index
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            raw = "".join(lines[consumed:reader.line_num])
            consumed = reader.line_num
            self.ends[consumed] = len(self.chunks)
            self.chunks.append([raw, cells, None])
        if self.chunks:
            self.header = [normalize(h) for h in self.chunks[0][1]]
        else:
            self.header = [c.name for c in SCHEMA[table]]
            self.chunks.append([self._format(self.header), self.header, None])
        self.extended = False

    def _format(self, cells) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator=self.newline).writerow(cells)
        return buf.getvalue()

    def _cells(self, values):
        for column in values:
            if values[column] and column not in self.header:
                self.header.append(column)
                self.extended = True
        return [values.get(h, "") for h in self.header]

    def replace(self, line, values, origin):
        index = self.ends[line]
        cells = self._cells(values)
        self.chunks[index] = [self._format(cells), cells, origin]

    def append(self, values, origin):
        cells = self._cells(values)
        self.chunks.append([self._format(cells), cells, origin])

    def render(self) -> tuple[bytes, dict]:
        """The new file's bytes and, for every row written from the import, its line number -> origin."""
        if self.extended:  # a column the file lacked: every record gets it (a bigger diff, but correct)
            order = [c.name for c in SCHEMA[self.table] if c.name in self.header]
            order += [h for h in self.header if h not in order]
            old_header = [normalize(h) for h in self.chunks[0][1]]
            for i, chunk in enumerate(self.chunks):
                cells = chunk[1]
                if i == 0:
                    values = dict(zip(order, order))
                elif chunk[2] is None:
                    values = dict(zip(old_header, cells))
                else:
                    values = dict(zip(self.header, cells))
                chunk[1] = [values.get(h, "") for h in order]
                chunk[0] = self._format(chunk[1]) if cells else chunk[0]
            self.header = order
            self.extended = False
        parts, origins, line = [], {}, 0
        for raw, _, origin in self.chunks:
            if parts and not parts[-1].endswith(("\n", "\r")):
                parts[-1] += self.newline
            parts.append(raw)
            line += len(io.StringIO(raw, newline="").readlines())
            if origin is not None:
                origins[line] = origin
        text = "".join(parts)
        return ("\ufeff" if self.bom else "").encode("utf-8") + text.encode("utf-8"), origins


@dataclass
class ImportPlan:
    """What an import would change; :func:`apply_plan` carries it out."""

    root: Path
    source: str
    writes: dict = field(default_factory=dict)  # Path -> new bytes
    before: dict = field(default_factory=dict)  # Path -> old bytes (None for a new file)
    added: dict = field(default_factory=dict)  # table -> rows added
    updated: dict = field(default_factory=dict)  # table -> rows changed in place
    unchanged: int = 0
    examples: int = 0
    notes: list = field(default_factory=list)
    graph: object = None
    new_dataset: bool = False

    @property
    def changes(self) -> int:
        return sum(self.added.values()) + sum(self.updated.values())

    def summary(self) -> list[str]:
        """Lines for the user, in Chinese and English."""
        lines = []
        for table in SCHEMA:
            a, u = self.added.get(table, 0), self.updated.get(table, 0)
            if a or u:
                lines.append(f"{sheet_title(table)}: 新增 {a} 行，修改 {u} 行 / {a} added, {u} changed")
        if self.unchanged:
            lines.append(f"{self.unchanged} 行已在数据中，未改动 / {self.unchanged} rows already in the data, unchanged")
        if self.examples:
            lines.append(f"跳过 {self.examples} 个示例行 / skipped {self.examples} example rows")
        if not self.changes:
            lines.append("没有新增或修改的内容 / nothing new or changed")
        return lines

    def diff(self) -> str:
        """The change as a unified diff of the dataset's files (what ``git diff`` will show)."""
        out = []
        for path in sorted(self.writes):
            rel = path.relative_to(self.root).as_posix()
            old = (self.before.get(path) or b"").decode("utf-8-sig").splitlines(keepends=True)
            new = self.writes[path].decode("utf-8-sig").splitlines(keepends=True)
            out.extend(difflib.unified_diff(old, new, f"a/{rel}" if self.before.get(path) is not None else "/dev/null",
                                            f"b/{rel}"))
        return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def _file_table(rel):
    parts = PurePosixPath(rel).parts
    if len(parts) == 1 and parts[0].endswith(".csv"):
        return parts[0][:-4]
    if len(parts) == 2 and parts[1].endswith(".csv") and not parts[1].startswith("."):
        return parts[0]
    return None


def _existing_files(root, table):
    """The table's CSV files in the order :func:`chainkg.ingest.tables.read_dataset` reads them."""
    files = []
    if (root / f"{table}.csv").is_file():
        files.append(f"{table}.csv")
    if (root / table).is_dir():
        files.extend(p.relative_to(root).as_posix() for p in sorted((root / table).glob("*.csv")))
    return files


def _safe_stem(name) -> str:
    """
    Examples
    --------
    >>> _safe_stem("新区 数据 (2025).xlsx")
    '新区-数据-2025'
    """
    stem = re.sub(r"[^\w\-]+", "-", normalize(Path(name).stem)).strip("-")
    return stem[:60] or "data"


def _read_import(path, table):
    path = Path(path)
    if path.is_dir():
        result = ReadResult()
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".xlsx"))
        for p in files:
            if p.stem in ("gaps", "centrality", "lists", "instructions"):
                continue
            part = read_path(p, table)
            result.rows += part.rows
            result.problems += part.problems
            result.notes += part.notes
            result.examples += part.examples
            result.dropped |= part.dropped
            result.tables += part.tables
        if not files:
            result.problems.append(CellProblem(str(path), None, None, "文件夹中没有 .csv 或 .xlsx 文件",
                                               "the folder has no .csv or .xlsx file"))
        return result
    return read_path(path, table)


def _similar_names(rows, tables, notes):
    """Warn when a new zone or enterprise looks like one the data already has (a likely alias)."""
    for table, what in (("zones", ("区域", "zone")), ("enterprises", ("企业", "enterprise"))):
        known = {}
        for r in tables.get(table, []):
            for n in [r.get("name")] + [a.strip() for a in r.get("aliases").split(";")]:
                if n:
                    known.setdefault(n, r.get("name"))
        for row in rows:
            if row.table != table:
                continue
            names = [row.values.get("name", "")] + [a.strip() for a in row.values.get("aliases", "").split(";")]
            names = [n for n in names if n]
            if not names or any(n in known for n in names):
                continue
            close = difflib.get_close_matches(names[0], list(known), n=1, cutoff=0.75)
            if close:
                canonical = known[close[0]]
                notes.append(f"{row.problem('name', '', '').location()}: 新{what[0]}“{names[0]}”与已有的“{canonical}”相近；"
                             f"如是同一{what[0]}，请把“{names[0]}”填为别名 / the new {what[1]} '{names[0]}' looks like "
                             f"'{canonical}': if they are the same, make it an alias")


def _cell_key(p):
    return (p.file, getattr(p, "sheet", None), p.row, getattr(p, "column", None) or p.field)


def plan_import(path, data=None, chains=None, table=None, validate=True) -> ImportPlan:
    """Read *path* (XLSX, CSV, or a folder of them), merge it with the dataset folder *data* in memory,
    and check the result as ``chainkg build`` would.

    Returns an :class:`ImportPlan`; raises :class:`chainkg.errors.DataError` listing every problem,
    each located at its cell when it comes from the import. Nothing is written.
    """
    from .build import _source_texts
    from .ingest.chains import read_templates
    from .mapping import compile_dataset
    from .resources import data_dir, default_dataset

    root = Path(data) if data else default_dataset()
    plan = ImportPlan(root=root, source=str(path))
    if root.exists() and not root.is_dir():
        raise DataError([Problem(str(root), None, None, "数据目录不是文件夹", "the data folder is not a folder")])
    if not root.exists():
        if not root.parent.is_dir():
            raise DataError([Problem(str(root), None, None, "数据目录及其上级目录都不存在",
                                     "neither the data folder nor its parent exists")])
        plan.new_dataset = True
    read = _read_import(path, table)
    problems = list(read.problems)
    plan.notes.extend(read.notes)
    plan.examples = read.examples
    if not read.rows and not problems:
        skipped = f"（跳过了 {read.examples} 个示例行）" if read.examples else ""
        problems.append(CellProblem(Path(path).name, None, None, f"没有可导入的数据行{skipped}",
                                    "there are no data rows to import"
                                    + (f" ({read.examples} example rows skipped)" if read.examples else "")))
    if plan.new_dataset or not any(_existing_files(root, t) for t in TABLES):  # a new or empty dataset
        existing = {t: [] for t in TABLES}
    else:
        try:
            existing = read_dataset(root)
        except DataError as exc:
            raise DataError(problems + exc.problems) from None

    # ------------------------------------------------------------ classify every row
    by_place = {(r.file, r.row): r for records in existing.values() for r in records}
    keys = {t: {row_key(t, r.values) for r in records} for t, records in existing.items()}
    docs = {}  # rel -> _CsvDoc

    def doc(rel, t):
        if rel not in docs:
            p = root / rel
            docs[rel] = _CsvDoc(rel, p.read_bytes().decode("utf-8-sig") if p.is_file() else "", t)
            if p.is_file() and p.read_bytes().startswith(b"\xef\xbb\xbf"):
                docs[rel].bom = True
        return docs[rel]

    stem = _safe_stem(Path(path).name)
    seen_import, targets = set(), {}
    for row in read.rows:
        t, key = row.table, row_key(row.table, row.values)
        if row.ref:
            match = _REF.match(row.ref)
            if not match or _file_table(match["file"]) != t or ".." in match["file"]:
                problems.append(row.problem(RECORD.name, f"无法识别的记录位置“{row.ref[:80]}”：请勿修改此列，新增的行请留空",
                                            f"cannot read the record reference '{row.ref[:80]}': do not edit this column; "
                                            "leave it empty on new rows"))
                continue
            place = (match["file"], int(match["row"]))
            record = by_place.get(place)
            if record is not None:
                if place in targets:
                    problems.append(row.problem(
                        RECORD.name, f"与第{targets[place].row}行指向同一条记录：复制来的新行请清空“记录位置”",
                        f"points at the same record as row {targets[place].row}: clear the record column of a copied row"))
                    continue
                targets[place] = row
                if key == row_key(t, record.values):
                    plan.unchanged += 1
                elif _digest(t, record.values) == match["digest"]:
                    doc(match["file"], t).replace(place[1], row.values, row)
                    plan.updated[t] = plan.updated.get(t, 0) + 1
                else:
                    problems.append(row.problem(
                        RECORD.name, f"导出后数据中的这一行（{match['file']} 第{place[1]}行）已被改动：请重新导出后再修改，"
                                     "或清空记录位置作为新行导入",
                        f"the data row ({match['file']} row {place[1]}) changed after the export: export again and "
                        "redo the edit, or clear the record column to import it as a new row"))
                continue
        if key in keys[t]:
            plan.unchanged += 1
            continue
        if (t, key) in seen_import:
            plan.notes.append(f"{row.problem(None, '', '').location()}: 与上方某行完全相同，已跳过 / "
                              "the same as a row above it, skipped")
            continue
        seen_import.add((t, key))
        single = t == "sources" or (root / f"{t}.csv").is_file()  # sources/ holds the documents' texts
        rel = f"{t}.csv" if single else f"{t}/import-{stem}.csv"
        doc(rel, t).append(row.values, row)
        plan.added[t] = plan.added.get(t, 0) + 1

    # ------------------------------------------------------------ read the prospective dataset
    rendered, origin = {}, {}
    for rel, d in docs.items():
        data_bytes, origins = d.render()
        rendered[rel] = data_bytes
        for line, row in origins.items():
            origin[(rel, line)] = row
    tables, read_problems = {}, []
    for t in TABLES:
        files = _existing_files(root, t) if root.is_dir() else []
        files += sorted(rel for rel in rendered if _file_table(rel) == t and rel not in files)
        files = ([f for f in files if "/" not in f] + sorted(f for f in files if "/" in f))
        records = []
        for rel in files:
            src = _Content(rendered[rel]) if rel in rendered else root / rel
            records.extend(read_table_file(src, t, rel, read_problems))
        tables[t] = records
    if not tables["sources"]:
        read_problems.append(Problem(f"{root.name}/sources.csv", None, None, "缺少来源表：请在“来源 sources”工作表中填写来源",
                                     "missing the sources table: fill in the sources sheet"))

    def locate(p):
        if isinstance(p, CellProblem):
            return p
        row = origin.get((p.file, p.row))
        if row is None:
            return p

        def other(match):  # "also row N" of the data file: say which row of the sheet that is
            o = origin.get((p.file, int(match[2])))
            return f"{match[1]}{o.row}{match[3]}" if o is not None else match[0]

        zh = re.sub(r"(同见第)(\d+)(行)", other, p.zh)
        en = re.sub(r"(also row )(\d+)()", other, p.en)
        return row.problem(p.field, zh, en)

    problems += [locate(p) for p in read_problems]
    reader = len(read.problems)  # the reader's problems come first: their cells are not faulted twice
    _similar_names(read.rows, existing, plan.notes)
    # compile even when cells are faulted, to list every problem at once; but not when whole sheets are
    # missing, which would only bury the real problem under unknown names
    if not read.dropped and read.rows:
        chains_dir = Path(chains) if chains else data_dir() / "chains"
        # rows without a name or id cannot become entities; they are reported already (required field)
        ready = {t: [r for r in records if r.get({"sources": "id"}.get(t, "name")) or t not in _NAMED]
                 for t, records in tables.items()}
        try:
            templates = read_templates(chains_dir) if chains_dir.is_dir() else []
            texts = _source_texts(root, ready["sources"])
            graph, notes = compile_dataset(root.name, ready, templates, texts)
            plan.graph = graph
        except DataError as exc:
            problems += [locate(p) for p in exc.problems]
        except Exception:
            # the compiler expects rows that passed the reader's checks: with some already reported as
            # broken, a failure here is a consequence of those, and the report above is the useful part
            if not problems:
                raise
        else:
            if validate:
                from .validate import validate_graph

                for v in validate_graph(graph).violations:
                    rows = [origin[(f, int(n))] for f, _, n in (r.rpartition(":") for r in v.records)
                            if n.isdigit() and (f, int(n)) in origin]
                    if rows:
                        problems.append(rows[0].problem(None, f"{v.zh}（{v.focus}）", f"{v.en} ({v.focus})"))
                    else:
                        problems.append(Problem(root.name, None, None, f"{v.focus}：{v.zh}", f"{v.focus}: {v.en}"))
            if notes.unresolved_investors:
                names = sorted({n for _, n in notes.unresolved_investors})
                ours = [n for n in names if any(n in r.values.get("investor", "") for r in read.rows)]
                if ours:
                    plan.notes.append(f"投资方尚未收录为企业（按文字保留）/ investors kept as text, not yet enterprises: "
                                      f"{'、'.join(ours[:10])}{' …' if len(ours) > 10 else ''}")
    if problems:
        # a cell the reader already faulted (a formula, a bad date) is not faulted again by the compiler
        faulted = {_cell_key(p) for p in problems[:reader] if getattr(p, "column", None)}
        raise DataError(problems[:reader] + [p for p in problems[reader:] if _cell_key(p) not in faulted])
    for rel, data_bytes in rendered.items():
        p = root / rel
        old = p.read_bytes() if p.is_file() else None
        if old != data_bytes:
            plan.writes[p] = data_bytes
            plan.before[p] = old
    return plan


def _write_temp(path, data, mode) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)  # mkstemp makes the file private: give it the mode the file had, or the usual one
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def apply_plan(plan: ImportPlan) -> list[Path]:
    """Write the plan's files: every one to a temporary file first, then each renamed into place.

    If anything fails, files already replaced get their old content back, new files and folders are
    removed, and a :class:`chainkg.errors.DataError` names the file: no half-import is left behind.
    """
    temps, made, done = [], [], []
    current = None
    try:
        for path, data in sorted(plan.writes.items()):
            current = path
            for parent in reversed(path.parents):
                if not parent.exists():
                    parent.mkdir()
                    made.append(parent)
            temps.append((_write_temp(path, data, file_mode(path)), path))
        for tmp, path in temps:
            current = path
            os.replace(tmp, path)
            done.append(path)
    except BaseException as exc:
        for path in done:
            old = plan.before.get(path)
            if old is None:
                path.unlink(missing_ok=True)
            else:
                os.replace(_write_temp(path, old, path.stat().st_mode & 0o777), path)
        for tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)
        for d in reversed(made):
            try:
                d.rmdir()
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise DataError([Problem(str(current), None, None, f"无法写入：{exc.strerror or exc}；未做任何改动",
                                     f"cannot write: {exc.strerror or exc}; nothing was changed")]) from None
        raise
    return done


# ---------------------------------------------------------------------------------------------- export
def export_rows(data=None) -> dict:
    """Every row of the dataset *data*, as table -> list of value dicts with the ``record`` column."""
    from .resources import default_dataset

    root = Path(data) if data else default_dataset()
    out = {}
    for table, records in read_dataset(root).items():
        out[table] = [{**{k: v for k, v in r.values.items() if v}, RECORD.name: record_ref(r)} for r in records]
    return out


_GAP_COLUMNS = [("zone", "区域"), ("chain", "产业链"), ("link_label", "环节"), ("link", "环节编号"), ("stage", "阶段"),
                ("status", "状态"), ("gap_type", "缺口类型"), ("priority", "优先级"), ("enterprises", "企业"),
                ("projects", "项目"), ("reason", "原因"), ("reason_en", "reason (English)")]
_CENTRALITY_COLUMNS = [("rank", "排名"), ("label", "名称"), ("kind", "类型"), ("degree", "连接数"),
                       ("degree_centrality", "度中心性"), ("betweenness", "介数中心性"), ("pagerank", "PageRank"),
                       ("lead_roles", "链主称谓"), ("node", "节点")]


def _cell_value(value):
    if isinstance(value, (list, tuple, set)):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return ";".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, float):
        return round(value, 6)
    return value


def _sheet(rows, preferred):
    """Columns for result rows: the preferred ones present, then the rest in first-seen order."""
    keys = []
    for r in rows:
        for k in r:
            if k not in keys:
                keys.append(k)
    names = dict(preferred)
    order = [k for k, _ in preferred if k in keys] + [k for k in keys if k not in names]
    heads = [(names.get(k, k), k) for k in order]
    return heads, [tuple(_cell_value(r.get(k)) for k in order) for r in rows]


def analysis_sheets(graph) -> tuple[list, list]:
    """``(sheets, notes)``: the gap list and centrality of *graph* as (title, headers, rows) sheets, when
    :mod:`chainkg.analysis` provides them; otherwise no sheet and a note saying why."""
    sheets, notes = [], []
    try:
        from .analysis.gaps import all_gaps
        from .project import project
    except ImportError as exc:
        return sheets, [f"未导出缺口表：分析模块不可用 / gaps not exported: analysis unavailable ({exc})"]
    proj = project(graph)
    gap_rows = all_gaps(proj)
    heads, rows = _sheet(gap_rows, _GAP_COLUMNS)
    sheets.append(("缺口 gaps", heads, rows))
    try:
        from .analysis.centrality import centrality, network
    except ImportError as exc:
        notes.append(f"未导出中心度：分析模块不可用 / centrality not exported: analysis unavailable ({exc})")
    else:
        roles = {}
        for lead in proj.leads:
            roles.setdefault(lead["enterprise"], set()).add(lead["role"])
        rows = centrality(network(proj))
        for r in rows:
            r["lead_roles"] = sorted(roles.get(r["node"], ()))
        heads, rows = _sheet(rows, _CENTRALITY_COLUMNS)
        sheets.append(("中心度 centrality", heads, rows))
    return sheets, notes


def _compiled(root, chains):
    from .build import compile_folder

    graph, _ = compile_folder(root, chains)
    return graph


def export_workbook(data=None, chains=None, analysis=True) -> tuple[bytes, list]:
    """The dataset as a workbook in the template's layout (plus gaps and centrality): ``(bytes, notes)``."""
    from .ingest.template import graph_lists, write_workbook
    from .resources import default_dataset

    root = Path(data) if data else default_dataset()
    rows = export_rows(root)
    graph = _compiled(root, chains)
    extra, notes = analysis_sheets(graph) if analysis else ([], [])
    return write_workbook(graph_lists(graph), rows, extra=extra, example=False), notes


_INJECTION = ("=", "+", "-", "@")


def _csv_bytes(heads, rows) -> bytes:
    """UTF-8 with BOM (what Excel in China opens correctly), Chinese header row then English."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([zh for zh, _ in heads])
    writer.writerow([en for _, en in heads])
    for row in rows:
        # text Excel would run as a formula is guarded with ' (the import strips it again)
        writer.writerow(["'" + v if isinstance(v, str) and v.startswith(_INJECTION) else v for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def export_csv(folder, data=None, chains=None, analysis=True) -> tuple[list, list]:
    """Write one CSV per table (and gaps.csv, centrality.csv) into *folder*: ``(paths, notes)``."""
    from .build import write_atomic
    from .resources import default_dataset

    root = Path(data) if data else default_dataset()
    rows = export_rows(root)
    notes, written = [], []
    files = {}
    for table, columns in SCHEMA.items():
        cols = columns + (RECORD,)
        required = TABLES[table][0]
        heads = [(c.zh + ("*" if c.name in required else ""), c.name) for c in cols]
        files[f"{table}.csv"] = _csv_bytes(heads, [tuple(r.get(c.name, "") for c in cols) for r in rows[table]])
    if analysis:
        sheets, notes = analysis_sheets(_compiled(root, chains))
        for title, heads, data_rows in sheets:
            files[f"{title.split()[-1]}.csv"] = _csv_bytes(heads, data_rows)
    folder = Path(folder)
    for name, data_bytes in files.items():
        write_atomic(folder / name, data_bytes)
        written.append(folder / name)
    return written, notes
