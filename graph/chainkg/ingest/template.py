"""Write the staff workbook: the import template, and the same layout filled with data for export.

One sheet per table (:data:`chainkg.ingest.workbook.SCHEMA`), Chinese headers in row 1 (``*`` marks a
required column, a comment on each header explains it in Chinese and English), English column names in
row 2, data from row 3. Drop-downs for zones, chains, links, enterprises, sources, statuses and kinds
are drawn from the current graph and kept on the ``选项 lists`` sheet, which also lists every link of
every reference chain with its stage. The drop-downs warn rather than refuse, so a zone added on the
zones sheet can be used on the others before it is in the graph. The template has one example row per
sheet, marked ``【示例】`` and skipped on import; ``说明 instructions`` explains it all in both languages.
"""
import io

from .workbook import CHOICES, EXAMPLE_MARK, RECORD, SCHEMA, SHEET_ZH, choice_label, column_letter, sheet_title
from .tables import TABLES

__all__ = ["graph_lists", "write_workbook", "EXAMPLES", "DATA_ROWS", "LISTS_SHEET", "INSTRUCTIONS_SHEET"]

LISTS_SHEET = "选项 lists"
INSTRUCTIONS_SHEET = "说明 instructions"
#: How many rows below the headers carry drop-downs and the text format.
DATA_ROWS = 2000

_STAGE_ZH = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}

#: One example row per table; its first cell carries :data:`EXAMPLE_MARK`.
EXAMPLES = {
    "sources": {"id": f"{EXAMPLE_MARK}2025-001", "title": "某某开发区招商引资情况介绍", "publisher": "某某开发区管委会",
                "date": "2025-03-01"},
    "zones": {"name": f"{EXAMPLE_MARK}某某经济开发区", "aliases": "某某开发区", "kind": "开发区 dev_zone",
              "level": "省级 provincial", "parent": "朝阳市", "source": "2025-001", "quote": "某某经济开发区于2012年经省政府批准设立"},
    "enterprises": {"name": f"{EXAMPLE_MARK}某某新材料有限公司", "aliases": "某某新材", "kind": "企业 enterprise",
                    "zone": "某某经济开发区", "products": "海绵钛;钛锭", "source": "2025-001",
                    "quote": "某某新材料有限公司年产海绵钛1万吨"},
    "chains": {"name": f"{EXAMPLE_MARK}钛产业链", "kind": "产业链 chain", "source": "2025-001", "quote": "打造钛产业链"},
    "zone_chains": {"zone": f"{EXAMPLE_MARK}某某经济开发区", "chain": "钛产业链", "links": "钛精矿→海绵钛→钛材",
                    "source": "2025-001", "quote": "开发区重点发展钛产业链"},
    "lead_roles": {"enterprise": f"{EXAMPLE_MARK}某某新材料有限公司", "chain": "钛产业链", "zone": "某某经济开发区",
                   "year": "2025", "role": "链主", "source": "2025-001", "quote": "某某新材料有限公司是钛产业链链主企业"},
    "projects": {"name": f"{EXAMPLE_MARK}某某新材料钛锭项目", "zone": "某某经济开发区", "investor": "某某新材料有限公司",
                 "chain": "钛产业链", "link": "钛锭", "status": "在建", "year": "2025", "investment": "15亿元",
                 "capacity": "年产钛锭5000吨", "source": "2025-001", "quote": "总投资15亿元的钛锭项目正在建设"},
    "placements": {"enterprise": f"{EXAMPLE_MARK}某某新材料有限公司", "chain": "钛产业链", "link": "海绵钛",
                   "evidence": "文章 article", "source": "2025-001", "quote": "某某新材料有限公司年产海绵钛1万吨"},
}

_INSTRUCTIONS = [
    ("产业链知识图谱 数据录入模板", "chainkg data entry workbook"),
    ("每个工作表对应一类记录；每一行是一条有出处的陈述：填写来源编号（来源表中的编号）和原文摘录（逐字）。",
     "Each sheet holds one kind of record; each row is one sourced statement: give the source id (from the "
     "sources sheet) and the exact words of the source."),
    ("第1行是中文表头（带 * 的列必填，鼠标停在表头上可看说明），第2行是英文列名，请勿删改；数据从第3行开始。",
     "Row 1 has the Chinese headers (* = required; hover over a header for help), row 2 the English column "
     "names: keep both. Data starts in row 3."),
    (f"以“{EXAMPLE_MARK}”开头的灰色行是示例，导入时忽略；可照着填写，也可删除。",
     f"Grey rows starting with {EXAMPLE_MARK} are examples and are ignored on import; copy or delete them."),
    ("区域、产业链、环节、企业、来源、状态和类型可从下拉列表选择；新增的区域或企业先在对应工作表中添加，再在其他表中引用（Excel 会提示不在列表中，可继续）。",
     "Zones, chains, links, enterprises, sources, statuses and kinds have drop-down lists. Add a new zone or "
     "enterprise on its own sheet first, then refer to it by name on the others (Excel warns that it is not in "
     "the list: continue)."),
    ("名称可以用全称或别名；多个值用英文分号 ; 分隔。",
     "Names may be full names or aliases; separate several values with ;."),
    ("投资额可写 15亿元、4678万元、1,000万，或以元计的数字；年份写四位数字；日期可写 2024-05-01、2024年5月 或 2024。",
     "Amounts: 15亿元, 4678万元, 1,000万, or a number of yuan. Years: four digits. Dates: 2024-05-01, 2024年5月 or 2024."),
    ("不要使用公式：公式单元格会被报告为错误（请“选择性粘贴 → 数值”）。合并单元格的值会填入合并范围内的每一行。",
     "Do not use formulas: formula cells are reported (paste them as values). A merged cell's value fills "
     "every row of the merged block."),
    ("“记录位置”列由导出填写，用于把改动写回原处：请勿修改；新增的行留空。",
     "The record column is filled in by export so that edits go back to the row they came from: do not edit "
     "it; leave it empty on new rows."),
    ("导入前先检查：chainkg import 文件.xlsx --dry-run；无误后去掉 --dry-run 导入，再运行 chainkg build。"
     "任何错误都会列出（工作表、第几行、哪一列），并且不会写入任何内容。",
     "Check first with: chainkg import FILE.xlsx --dry-run; then import without --dry-run and run chainkg build. "
     "Every problem is listed with its sheet, row and column, and nothing is written until all are fixed."),
]


def _zh_label(graph, node, RDFS, SKOS):
    best = None
    for prop in (SKOS.prefLabel, RDFS.label):
        for lit in graph.objects(node, prop):
            lang = (getattr(lit, "language", None) or "").lower()
            if lang.startswith("zh"):
                return str(lit)
            best = best or str(lit)
    return best


def graph_lists(graph) -> dict:
    """The values the drop-downs offer, read from *graph*: ``zones``, ``chains``, ``enterprises``,
    ``sources`` (lists of names) and ``links`` (rows of chain, link, stage, English label, link id).

    Uses only ``graph.subjects`` / ``graph.objects`` / ``graph.value``, so it works on any store.
    """
    from ..mapping import ENTERPRISE_KINDS, ZONE_KINDS
    from ..namespaces import CK, DCTERMS, RDF, RDFS, SKOS

    def labelled(classes):
        names = set()
        for cls in classes:
            for s in graph.subjects(RDF.type, cls):
                label = _zh_label(graph, s, RDFS, SKOS)
                if label:
                    names.add(label)
        return sorted(names)

    sources = set()
    for doc in graph.subjects(RDF.type, CK.SourceDocument):
        sid = graph.value(doc, DCTERMS.identifier)
        if sid is not None and "/source/chains/" not in str(doc):  # template citations are not row sources
            sources.add(str(sid))
    stage_of = {CK.Upstream: "upstream", CK.Midstream: "midstream", CK.Downstream: "downstream"}
    links = []
    for link in graph.subjects(RDF.type, CK.ChainLink):
        chain = graph.value(link, SKOS.inScheme)
        label = _zh_label(graph, link, RDFS, SKOS)
        if chain is None or not label:
            continue
        en = next((str(o) for o in graph.objects(link, SKOS.prefLabel) if (o.language or "").lower() == "en"), "")
        stage = stage_of.get(graph.value(link, CK.stage), "")
        link_id = str(link).rstrip("/").rsplit("/", 1)[-1]
        links.append((_zh_label(graph, chain, RDFS, SKOS) or "", label, stage, en, link_id))
    order = {"upstream": 0, "midstream": 1, "downstream": 2, "": 3}
    links.sort(key=lambda x: (x[0], order[x[2]], x[1]))
    return {
        "zones": labelled([CK.Zone] + list(ZONE_KINDS.values())),
        "chains": labelled([CK.IndustrialChain, CK.IndustrialCluster, CK.ReferenceChain]),
        "enterprises": labelled(list(ENTERPRISE_KINDS.values())),
        "sources": sorted(sources),
        "links": links,
    }


def _statuses():
    from ..mapping import STATUSES

    return list(STATUSES)


#: (table, column) -> name of the list on the lists sheet it draws from; multi-valued columns warn less.
_DROPDOWNS = {
    ("zones", "parent"): "zones", ("enterprises", "zone"): "zones", ("zone_chains", "zone"): "zones",
    ("lead_roles", "zone"): "zones", ("projects", "zone"): "zones",
    ("chains", "part_of"): "chains", ("zone_chains", "chain"): "chains", ("lead_roles", "chain"): "chains",
    ("projects", "chain"): "chains", ("placements", "chain"): "chains",
    ("projects", "link"): "link_names", ("placements", "link"): "link_names",
    ("lead_roles", "enterprise"): "enterprises", ("placements", "enterprise"): "enterprises",
    ("enterprises", "parent_org"): "enterprises",
    ("projects", "status"): "statuses",
    **{key: f"choice:{key[0]}.{key[1]}" for key in CHOICES},
    **{(t, "source"): "sources" for t in SCHEMA if t != "sources"},
}
_LIST_TITLES = {"zones": ("区域", "zones"), "chains": ("产业链", "chains"), "enterprises": ("企业", "enterprises"),
                "sources": ("来源编号", "sources"), "statuses": ("项目状态", "status"), "link_names": ("环节", "links")}


def _write_lists(wb, lists):
    """The lists sheet: one column per drop-down list, then the reference table of links. Returns
    list name -> absolute range formula."""
    from openpyxl.styles import Font

    ws = wb.create_sheet(LISTS_SHEET)
    columns = {
        "zones": lists.get("zones", []), "chains": lists.get("chains", []),
        "enterprises": lists.get("enterprises", []), "sources": lists.get("sources", []),
        "statuses": _statuses(),
        "link_names": sorted({row[1] for row in lists.get("links", [])}),
    }
    titles = dict(_LIST_TITLES)
    for (table, column), choices in CHOICES.items():
        name = f"choice:{table}.{column}"
        columns[name] = [choice_label(table, column, code) for code in choices]
        col = next(c for c in SCHEMA[table] if c.name == column)
        titles[name] = (f"{SHEET_ZH[table]}{col.zh}", f"{table}.{column}")
    ranges = {}
    bold = Font(bold=True)
    for i, (name, values) in enumerate(columns.items()):
        letter = column_letter(i)
        zh, en = titles[name]
        ws.cell(1, i + 1, zh).font = bold
        ws.cell(2, i + 1, en).font = Font(italic=True, color="808080")
        for r, value in enumerate(values, start=3):
            _set(ws.cell(r, i + 1), value)
        ws.column_dimensions[letter].width = 18
        if values:
            ranges[name] = f"'{LISTS_SHEET}'!${letter}$3:${letter}${len(values) + 2}"
    start = len(columns) + 1  # a blank column, then the reference chains' links
    heads = [("参考产业链", "chain"), ("环节", "link"), ("阶段", "stage"), ("英文名称", "English"), ("环节编号", "link id")]
    for j, (zh, en) in enumerate(heads):
        ws.cell(1, start + j + 1, zh).font = bold
        ws.cell(2, start + j + 1, en).font = Font(italic=True, color="808080")
        ws.column_dimensions[column_letter(start + j)].width = 22
    for r, (chain, link, stage, link_en, link_id) in enumerate(lists.get("links", []), start=3):
        stage_text = f"{_STAGE_ZH[stage]} {stage}" if stage else ""
        for j, value in enumerate((chain, link, stage_text, link_en, link_id)):
            _set(ws.cell(r, start + j + 1), value)
    ws.freeze_panes = "A3"
    return ranges


def _set(cell, value):
    """Write *value* as data: text that starts with ``=`` stays text, never a formula."""
    cell.value = value
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"


def _write_instructions(wb):
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(INSTRUCTIONS_SHEET, 0)
    ws.column_dimensions["A"].width = 70
    ws.column_dimensions["B"].width = 70
    wrap = Alignment(wrap_text=True, vertical="top")
    row = 1
    for i, (zh, en) in enumerate(_INSTRUCTIONS):
        a, b = ws.cell(row, 1, zh), ws.cell(row, 2, en)
        a.alignment = b.alignment = wrap
        if i == 0:
            a.font = b.font = Font(bold=True, size=14)
        row += 1
    row += 1
    heads = ("工作表 / sheet", "列 / column", "必填 / required", "说明", "help")
    for j, h in enumerate(heads):
        ws.cell(row, j + 1, h).font = Font(bold=True)
    ws.column_dimensions["C"].width = 14
    ws.column_dimensions["D"].width = 40
    ws.column_dimensions["E"].width = 50
    row += 1
    for table, columns in SCHEMA.items():
        required = TABLES[table][0]
        for col in columns + (RECORD,):
            values = (sheet_title(table), f"{col.zh} {col.name}", "是 yes" if col.name in required else "",
                      col.help_zh, col.help_en)
            for j, v in enumerate(values):
                ws.cell(row, j + 1, v).alignment = wrap
            row += 1
    return ws


def _write_table(wb, table, rows, ranges, example):
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    ws = wb.create_sheet(sheet_title(table), wb.sheetnames.index(LISTS_SHEET))
    columns = SCHEMA[table] + (RECORD,)
    required = TABLES[table][0]
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    grey = Font(italic=True, color="808080")
    for j, col in enumerate(columns):
        letter = column_letter(j)
        cell = ws.cell(1, j + 1, col.zh + ("*" if col.name in required else ""))
        cell.font = Font(bold=True)
        cell.fill = head_fill
        cell.comment = Comment(f"{col.help_zh}\n{col.help_en}", "chainkg", width=300, height=90)
        en = ws.cell(2, j + 1, col.name)
        en.font = grey
        en.fill = head_fill
        width = 50 if col.kind == "quote" else 30 if col.name in ("name", "title", "description", "links") else 16
        ws.column_dimensions[letter].width = width
        if col.kind in ("code", "year", "amount", "date") or col.name in ("name", "aliases"):
            # typed numbers stay text, so codes keep leading zeros and amounts keep their units
            ws.column_dimensions[letter].number_format = "@"
    first = 3
    if example:
        for j, col in enumerate(columns):
            cell = ws.cell(first, j + 1)
            _set(cell, EXAMPLES[table].get(col.name))
            cell.font = grey
        ws.cell(first, 1).comment = Comment("示例行：导入时忽略 / example row: ignored on import", "chainkg")
        first += 1
    for r, values in enumerate(rows, start=first):
        for j, col in enumerate(columns):
            value = values.get(col.name)
            if col.kind == "choice" and value:
                value = choice_label(table, col.name, value)
            if col.kind == "year" and value and value.isdigit():
                value = int(value)
            _set(ws.cell(r, j + 1), value or None)
            if col.name == RECORD.name:
                ws.cell(r, j + 1).font = grey
    last = max(DATA_ROWS, first + len(rows) + 500)
    for j, col in enumerate(columns):
        name = _DROPDOWNS.get((table, col.name))
        if not name or name not in ranges:
            continue
        multi = col.kind == "multi"
        dv = DataValidation(type="list", formula1=ranges[name], allow_blank=True, showDropDown=False,
                            showErrorMessage=True, errorStyle="information" if multi else "warning",
                            errorTitle="不在列表中 / not in the list",
                            error=("不在下拉列表中。如是新增的区域、企业或来源，请先在对应工作表中添加；否则请检查拼写。\n"
                                   "Not in the list. If it is new, add it on its own sheet first; otherwise check "
                                   "the spelling."))
        dv.add(f"{column_letter(j)}3:{column_letter(j)}{last}")
        ws.add_data_validation(dv)
    ws.freeze_panes = "B3"
    return ws


def write_workbook(lists, rows=None, extra=(), example=True) -> bytes:
    """The workbook as bytes.

    Parameters
    ----------
    lists : dict
        Drop-down values, from :func:`graph_lists`.
    rows : dict, optional
        table -> list of value dicts (column name -> text, ``record`` for the round trip) to fill in.
    extra : sequence of (title, [(zh, en)], list of row tuples)
        Read-only result sheets added before the lists sheet (gaps, centrality); import skips them.
    example : bool
        Put the marked example row on each sheet (the template does; an export does not).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    _write_instructions(wb)
    ranges = _write_lists(wb, lists)  # first, for the ranges; the tables go in before it
    for table in SCHEMA:
        _write_table(wb, table, (rows or {}).get(table, []), ranges, example)
    for title, heads, data in extra:
        ws = wb.create_sheet(title, wb.sheetnames.index(LISTS_SHEET))
        for j, (zh, en) in enumerate(heads):
            ws.cell(1, j + 1, zh).font = Font(bold=True)
            ws.cell(2, j + 1, en).font = Font(italic=True, color="808080")
            ws.column_dimensions[column_letter(j)].width = 16
        for r, values in enumerate(data, start=3):
            for j, value in enumerate(values):
                _set(ws.cell(r, j + 1), value)
        ws.freeze_panes = "A3"
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
