"""What the notebooks in ``notebooks/`` need besides the library itself: rows shown as tables, maps shown
inline, names turned into IRIs, gap rows ranked and compared, and the files a notebook writes (a
workspace folder, a filled-in template, a gap list for Excel).

Notebooks only call the library and display what it returns; anything more lives here, documented and
tested. Nothing here imports IPython: Jupyter, JupyterLab and VS Code display any object that has a
``_repr_html_`` method (:class:`Table`, :class:`MapFrame`), and plain Python prints their text form.

Examples
--------
>>> Table([{"link": "晶片衬底", "status": "weak", "priority": 69.0}])
link      status  priority
晶片衬底  weak    69
"""
import html
from decimal import Decimal
from pathlib import Path

from .textgrid import align

__all__ = ["Table", "MapFrame", "workspace", "zone_iri", "chain_iri", "rank_gaps", "compare_zones", "write_xlsx",
           "fill_template", "use_cjk_font", "CJK_FONTS"]

#: Font families tried, in order, for Chinese labels in matplotlib charts.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Arial Unicode MS")


def _text(value) -> str:
    """A cell as text: lists joined with 、, whole numbers without a decimal point, None empty.

    Examples
    --------
    >>> _text(["凌钢", "通美晶体"]), _text(12.0), _text(0.125), _text(Decimal("7000000000")), _text(None)
    ('凌钢、通美晶体', '12', '0.125', '7000000000', '')
    """
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set, frozenset)):
        return "、".join(_text(v) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return str(value)


def _columns(columns, rows):
    """``[(key, header)]`` from *columns* (keys, or ``(key, header)`` pairs), or every key of the rows."""
    if columns is None:
        keys = []
        for r in rows:
            if not isinstance(r, dict):
                raise ValueError("rows that are not dicts need columns=[...]")
            keys.extend(k for k in r if k not in keys)
        columns = keys
    return [tuple(c) if isinstance(c, (tuple, list)) else (c, c) for c in columns]


class Table:
    """Rows shown as a table: HTML in a notebook, aligned text elsewhere (no pandas needed).

    Parameters
    ----------
    rows : iterable of dict or sequence
        Dicts are read by key; sequences (tuples) by position, in the order of *columns*.
    columns : list, optional
        Keys to show, each a key or a ``(key, header)`` pair; default: every key of the dict rows.
    title : str, optional
        A caption above the table.
    limit : int or None
        Rows shown at most (the rest are counted in a note); ``None`` shows them all.

    Examples
    --------
    >>> t = Table([("凌钢", 3), ("通美晶体", 12)], [("name", "企业 enterprise"), ("n", "数量 n")], title="例 / example")
    >>> len(t), t.rows[1]
    (2, {'name': '通美晶体', 'n': 12})
    >>> print(t)
    例 / example
    企业 enterprise  数量 n
    凌钢             3
    通美晶体         12
    >>> print(Table([{"a": 1, "b": 2}], [("a", "优先级"), ("b", "优先级")]))  # headers may repeat
    优先级  优先级
    1       2
    >>> "<td>通美晶体</td>" in t._repr_html_(), "<caption>例 / example</caption>" in t._repr_html_()
    (True, True)
    >>> print(Table([{"a": "<b>"}] * 3, limit=2)._repr_html_().split("<tbody>")[1])  # escaped, cut at the limit
    <tr><td>&lt;b&gt;</td></tr><tr><td>&lt;b&gt;</td></tr></tbody></table><p>… 另有 1 行 / 1 more rows</p></div>
    """

    def __init__(self, rows, columns=None, *, title=None, limit=50):
        rows = list(rows)
        self.columns = _columns(columns, rows)
        keys = [k for k, _ in self.columns]
        self.rows = [{k: r.get(k) for k in keys} if isinstance(r, dict) else dict(zip(keys, r)) for r in rows]
        self.title = title
        self.limit = limit

    @classmethod
    def from_result(cls, result, columns=None, *, title=None, limit=50):
        """A table of a :class:`chainkg.query.QueryResult` (SELECT rows, ASK answer or CONSTRUCT triples),
        its values made plain (:func:`chainkg.query.plain_value`); *columns* picks and orders the
        query's variables.

        Examples
        --------
        >>> from rdflib import Literal, URIRef
        >>> from chainkg.query import QueryResult
        >>> r = QueryResult("SELECT", ["e", "name"], [(URIRef("http://e/1"), Literal("凌钢", lang="zh"))])
        >>> Table.from_result(r, ["name"]).rows
        [{'name': '凌钢'}]
        >>> Table.from_result(QueryResult("ASK", boolean=True)).rows
        [{'ask': True}]
        """
        if result.form == "ASK":
            return cls([{"ask": bool(result.boolean)}], title=title, limit=limit)
        rows = [dict(zip(result.columns, values)) for values in result.values()]
        return cls(rows, columns if columns is not None else list(result.columns), title=title, limit=limit)

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def _shown(self):
        return self.rows if self.limit is None else self.rows[:self.limit]

    def _more(self):
        n = len(self.rows) - len(self._shown())
        return f"… 另有 {n} 行 / {n} more rows" if n else ""

    def __repr__(self):
        grid = [[str(h) for _, h in self.columns]] + [[_text(r[k]).replace("\n", " ") for k, _ in self.columns]
                                                      for r in self._shown()]
        lines = align(grid)
        return "\n".join(x for x in (self.title, *lines, self._more()) if x)

    def _repr_html_(self):
        def cell(value, tag="td"):
            number = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
            style = ' style="text-align:right"' if number else ' style="text-align:left"' if tag == "th" else ""
            return f"<{tag}{style}>{html.escape(_text(value))}</{tag}>"

        out = ['<div class="chainkg-table"><table>']
        if self.title:
            out.append(f"<caption>{html.escape(self.title)}</caption>")
        out.append("<thead><tr>" + "".join(cell(h, "th") for _, h in self.columns) + "</tr></thead><tbody>")
        out.extend("<tr>" + "".join(cell(r[k]) for k, _ in self.columns) + "</tr>" for r in self._shown())
        out.append("</tbody></table>")
        if self._more():
            out.append(f"<p>{html.escape(self._more())}</p>")
        out.append("</div>")
        return "".join(out)


class MapFrame:
    """A self-contained map page shown inline in a notebook.

    The whole page goes into the ``srcdoc`` of an ``<iframe>``, so it renders in Jupyter, JupyterLab and
    VS Code alike, which do not all serve files next to the notebook to an ``<iframe src>``. The frame
    is sandboxed to scripts only: the page's own Content-Security-Policy still applies inside it, and
    it cannot reach the notebook around it.

    Parameters
    ----------
    page : str or Path
        The HTML file (as written by :func:`chainkg.render.html.write_map`), or the HTML itself.
    height : int
        Height of the frame in pixels.

    Examples
    --------
    >>> frame = MapFrame('<html><body title="a&quot;b">链</body></html>', height=300)
    >>> print(frame._repr_html_().split(" style=")[0])
    <iframe srcdoc="&lt;html&gt;&lt;body title=&quot;a&amp;quot;b&quot;&gt;链&lt;/body&gt;&lt;/html&gt;" sandbox="allow-scripts"
    >>> "height:300px" in frame._repr_html_()
    True
    """

    def __init__(self, page, height=620):
        if isinstance(page, Path) or not str(page).lstrip().startswith("<"):
            self.path = Path(page)
            self.html = self.path.read_text(encoding="utf-8")
        else:
            self.path, self.html = None, str(page)
        self.height = int(height)

    def __repr__(self):
        where = f" {self.path}" if self.path else ""
        return f"<MapFrame{where}: {len(self.html)} characters of HTML; display it in a notebook to see the map>"

    def _repr_html_(self):
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" sandbox="allow-scripts" '
                f'style="width:100%;height:{self.height}px;border:1px solid #ccc" '
                f'title="chainkg map" loading="eager"></iframe>')


def _checkout(start: Path):
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "graph" / "chainkg").is_dir():
            return folder
    return None


def workspace(*parts, clean=False, start=None) -> Path:
    """The folder a notebook writes to, created if needed: ``build/`` of the chainkg checkout the working
    directory lies in (a notebook opened from ``notebooks/`` writes next to ``make demo``'s output), or
    else ``build/`` in the working directory. *parts* name a sub-folder; with ``clean=True`` that
    sub-folder is emptied first, so a notebook run twice starts from the same state (``build/`` itself
    is never emptied).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     inner = Path(tmp, "graph", "chainkg", "x")
    ...     inner.mkdir(parents=True)
    ...     _ = Path(tmp, "pyproject.toml").write_text("")
    ...     maps = workspace("maps", start=inner)
    ...     _ = (maps / "old.html").write_text("x")
    ...     maps == Path(tmp, "build", "maps").resolve(), list(workspace("maps", clean=True, start=inner).iterdir())
    (True, [])
    """
    import shutil

    if clean and not parts:
        raise ValueError("clean=True empties a sub-folder of build/: name it")
    start = Path(start or Path.cwd()).resolve()
    root = _checkout(start)
    folder = ((root if root else start) / "build").joinpath(*parts)
    if clean and folder.is_dir():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def zone_iri(proj, name) -> str:
    """The IRI of the zone called *name* (Chinese name, alias or IRI) in a
    :class:`chainkg.project.Projection`, as ``chainkg gaps --zone`` resolves it; an unknown or
    ambiguous name is a :class:`chainkg.errors.DataError` naming the candidates."""
    return proj.zone_iri(name)


def chain_iri(proj, name) -> str:
    """The IRI of the chain called *name* (Chinese name, alias, id such as ``steel``, or IRI), as
    ``chainkg gaps --chain`` resolves it."""
    return proj.chain_iri(name)


def rank_gaps(rows, statuses=None) -> list[dict]:
    """Gap rows (:func:`chainkg.analysis.gaps.zone_gaps`) ranked across all their chains: the rows that
    have a priority (every status but ``present``), or only *statuses*, highest priority first, each a
    copy with its place in ``overall`` (the per-chain ``rank`` is kept).

    Examples
    --------
    >>> rows = [{"chain_id": "a", "order": 1, "link": "x", "status": "weak", "priority": 40.0},
    ...         {"chain_id": "b", "order": 2, "link": "y", "status": "missing", "priority": 80.0},
    ...         {"chain_id": "b", "order": 1, "link": "z", "status": "present", "priority": None}]
    >>> [(r["overall"], r["link"]) for r in rank_gaps(rows)]
    [(1, 'y'), (2, 'x')]
    >>> [r["link"] for r in rank_gaps(rows, statuses=["weak"])]
    ['x']
    """
    wanted = set(statuses) if statuses else None
    kept = [r for r in rows if r.get("priority") is not None and (wanted is None or r["status"] in wanted)]
    kept.sort(key=lambda r: (-r["priority"], r.get("chain_id") or "", r.get("order") or 0, r.get("link") or ""))
    return [{**r, "overall": i} for i, r in enumerate(kept, start=1)]


def compare_zones(rows_a, rows_b) -> list[dict]:
    """Two zones' gap rows side by side, link by link, for the chains both develop: ``chain``,
    ``link_label``, ``stage``, and ``status_a``/``priority_a``/``enterprises_a`` and the same for ``b``;
    in chain and link order.

    Examples
    --------
    >>> a = [{"chain": "钢铁", "chain_id": "steel", "link": "s/1", "link_label": "炼铁", "stage": "upstream", "order": 1,
    ...       "status": "weak", "priority": 50.0, "enterprises": ["凌钢"]}]
    >>> b = [dict(a[0], status="missing", priority=70.0, enterprises=[]),
    ...      dict(a[0], chain_id="tyre", chain="轮胎")]
    >>> [(r["link_label"], r["status_a"], r["status_b"], r["priority_b"]) for r in compare_zones(a, b)]
    [('炼铁', 'weak', 'missing', 70.0)]
    """
    def index(rows):
        return {(r["chain_id"], r["link"]): r for r in rows}

    a, b = index(rows_a), index(rows_b)
    out = []
    for key in sorted(a.keys() & b.keys(), key=lambda k: (k[0], a[k].get("order") or 0, k[1])):
        ra, rb = a[key], b[key]
        out.append({"chain": ra["chain"], "chain_id": ra["chain_id"], "link": ra["link"], "link_label": ra["link_label"],
                    "stage": ra.get("stage"), "status_a": ra["status"], "priority_a": ra["priority"],
                    "enterprises_a": ra.get("enterprises"), "status_b": rb["status"], "priority_b": rb["priority"],
                    "enterprises_b": rb.get("enterprises")})
    return out


def _excel_value(value):
    if isinstance(value, (list, tuple, set, frozenset)):
        return _text(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def write_xlsx(path, rows, columns=None, *, sheet="data") -> Path:
    """Write *rows* (dicts) to one sheet of a new Excel workbook at *path*, atomically.

    *columns* are keys or ``(key, header)`` pairs (default: every key). Row 1 holds the headers, frozen;
    numbers stay numbers, lists become text joined with 、, and text that Excel would run as a formula
    (``=…``) stays text.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = write_xlsx(Path(tmp, "gaps.xlsx"), [{"link": "=1+1", "n": Decimal("2"), "who": ["甲", "乙"]}],
    ...                    [("link", "环节"), "n", "who"], sheet="缺口")
    ...     ws = openpyxl.load_workbook(p)["缺口"]
    ...     [[c.value for c in row] for row in ws.iter_rows()], ws["A2"].data_type
    ([['环节', 'n', 'who'], ['=1+1', 2, '甲、乙']], 's')
    """
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from .build import write_atomic

    rows = list(rows)
    cols = _columns(columns, rows)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([h for _, h in cols])
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append([_excel_value(r.get(k)) for k, _ in cols])
    for row in ws.iter_rows(min_row=2):
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("="):
                c.data_type = "s"  # text from the graph must never become a formula
    ws.freeze_panes = "A2"
    for j, (k, h) in enumerate(cols, start=1):
        width = max([len(str(h))] + [len(_text(r.get(k))) for r in rows[:500]])
        ws.column_dimensions[ws.cell(1, j).column_letter].width = min(60, 2 * width + 2)
    buf = BytesIO()
    wb.save(buf)
    path = Path(path)
    write_atomic(path, buf.getvalue())
    return path


def fill_template(template, out, rows) -> Path:
    """Type *rows* into a copy of the data-entry workbook (``chainkg template``) as a person would, and save
    it as *out*.

    *rows* maps a table (``zones``, ``enterprises`` …: the English part of a sheet's name) to a list of
    dicts keyed by the English column names of row 2; each row goes below the last filled one (the
    example row stays, and import skips it).

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> from chainkg.ingest.template import write_workbook
    >>> tmp = tempfile.TemporaryDirectory()
    >>> blank = Path(tmp.name, "t.xlsx"); _ = blank.write_bytes(write_workbook({}))
    >>> book = fill_template(blank, Path(tmp.name, "new.xlsx"), {"zones": [{"name": "示例市", "kind": "city"}]})
    >>> ws = openpyxl.load_workbook(book)["区域 zones"]
    >>> [ws.cell(4, j).value for j in (1, 4)]
    ['示例市', 'city']
    >>> fill_template(blank, Path(tmp.name, "x.xlsx"), {"zones": [{"nmae": "x"}]})
    Traceback (most recent call last):
    ...
    ValueError: sheet 区域 zones has no column 'nmae' (columns: name, name_en, aliases, kind, level, parent, source, quote, record)
    >>> tmp.cleanup()
    """
    import openpyxl

    wb = openpyxl.load_workbook(template)
    for table, records in rows.items():
        sheets = [n for n in wb.sheetnames if n.split()[-1] == table]
        if not sheets:
            raise ValueError(f"the workbook has no sheet for table {table!r} (sheets: {', '.join(wb.sheetnames)})")
        ws = wb[sheets[0]]
        columns = {ws.cell(2, j).value: j for j in range(1, ws.max_column + 1) if ws.cell(2, j).value}
        for values in records:
            unknown = [k for k in values if k not in columns]
            if unknown:
                raise ValueError(f"sheet {ws.title} has no column {unknown[0]!r} (columns: {', '.join(columns)})")
            r = ws.max_row + 1
            for key, value in values.items():
                ws.cell(r, columns[key], value)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def use_cjk_font(candidates=CJK_FONTS):
    """Make matplotlib draw Chinese: put the first installed font of *candidates* first in
    ``font.sans-serif`` and return its name, or return ``None`` (Chinese would show as boxes) when none
    is installed. Fonts installed after matplotlib built its font cache are found too.

    On Debian/Ubuntu ``apt-get install fonts-noto-cjk`` (``make test`` does) provides Noto Sans CJK;
    Windows has Microsoft YaHei, macOS PingFang SC.
    """
    from matplotlib import font_manager, rcParams

    def installed():
        return {f.name for f in font_manager.fontManager.ttflist}

    names = installed()
    if not names.intersection(candidates):
        keys = ("notosanscjk", "sourcehansans", "wqy", "msyh", "simhei", "pingfang")
        for file in font_manager.findSystemFonts():
            if any(k in Path(file).name.lower().replace("-", "") for k in keys):
                try:
                    font_manager.fontManager.addfont(file)
                except (OSError, RuntimeError, ValueError):  # an unreadable font file: skip it
                    continue
        names = installed()
    for name in candidates:
        if name in names:
            rcParams["font.family"] = "sans-serif"
            rcParams["font.sans-serif"] = [name] + [f for f in rcParams["font.sans-serif"] if f != name]
            rcParams["axes.unicode_minus"] = False  # the CJK fonts lack U+2212
            return name
    return None
