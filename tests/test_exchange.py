"""chainkg template / import / export --format xlsx|csv: what a member of staff does, end to end."""
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from chainkg.cli import cli
from chainkg.namespaces import CK, RDF, RDFS

ROOT = Path(__file__).resolve().parent.parent


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def snapshot(folder):
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def template_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "模板.xlsx"
    result = run("template", "-o", path)
    assert result.exit_code == 0, result.output
    return path


def fill(template, out, rows):
    """Fill the template as a person would: find each sheet and column by its header, type below the example."""
    wb = openpyxl.load_workbook(template)
    for table, records in rows.items():
        ws = next(wb[n] for n in wb.sheetnames if n.endswith(" " + table))
        columns = {ws.cell(2, j).value: j for j in range(1, ws.max_column + 1)}
        for values in records:
            r = ws.max_row + 1
            for key, value in values.items():
                ws.cell(r, columns[key], value)
    wb.save(out)
    return out


def nt(graph):
    return sorted(graph.serialize(format="nt").splitlines())


SRC = "dongshan-2025-01"
ZONE = "朝阳东山经济开发区"
NEW_USER = {
    "sources": [{"id": SRC, "title": "东山经济开发区2025年招商工作汇报", "publisher": "东山经济开发区管委会",
                 "date": dt.datetime(2025, 3, 1)}],
    "zones": [{"name": ZONE, "aliases": "东山开发区", "kind": "开发区 dev_zone", "level": "省级 provincial",
               "parent": "朝阳市", "source": SRC, "quote": "朝阳东山经济开发区是省级开发区"}],
    "enterprises": [
        {"name": "朝阳东山钛业有限公司", "aliases": "东山钛业", "kind": "企业 enterprise", "zone": "东山开发区",
         "products": "海绵钛", "source": SRC, "quote": "朝阳东山钛业有限公司年产海绵钛1万吨"},
        {"name": "辽宁东山钛材科技有限公司", "aliases": "东山钛材", "zone": ZONE, "products": "钛加工材",
         "source": SRC, "quote": "辽宁东山钛材科技有限公司生产钛板、钛管"}],
    "zone_chains": [{"zone": ZONE, "chain": "钛产业链", "source": SRC, "quote": "东山开发区重点发展钛产业链"}],
    "lead_roles": [{"enterprise": "东山钛业", "chain": "钛产业链", "zone": ZONE, "year": 2025, "role": "链主",
                    "source": SRC, "quote": "东山钛业是钛产业链链主企业"}],
    "placements": [
        {"enterprise": "东山钛业", "chain": "钛产业链", "link": "海绵钛", "evidence": "文章 article", "source": SRC,
         "quote": "朝阳东山钛业有限公司年产海绵钛1万吨"},
        {"enterprise": "东山钛材", "chain": "钛产业链", "link": "钛加工材", "evidence": "文章 article", "source": SRC,
         "quote": "辽宁东山钛材科技有限公司生产钛板、钛管"}],
    "projects": [
        {"name": "东山海绵钛扩能项目", "zone": ZONE, "investor": "东山钛业", "chain": "钛产业链", "link": "海绵钛",
         "status": "在建", "year": 2025, "investment": "15亿元", "source": SRC, "quote": "海绵钛扩能项目总投资15亿元"},
        {"name": "东山钛锭熔铸项目", "zone": "东山开发区", "investor": "东山钛材", "chain": "钛产业链", "link": "熔铸",
         "status": "签约", "year": 2025, "investment": "4678万元", "source": SRC, "quote": "钛锭熔铸项目签约"},
        {"name": "东山钛材深加工项目", "zone": ZONE, "chain": "钛产业链", "link": "钛加工材", "status": "谋划",
         "year": "2025年", "investment": 250000000, "source": SRC, "quote": "谋划钛材深加工项目"}],
}


def test_a_new_user_adds_a_zone_with_enterprises_a_lead_and_projects_through_the_template(
        template_file, dataset, tmp_path):
    book = fill(template_file, tmp_path / "东山开发区.xlsx", NEW_USER)
    before = snapshot(dataset)

    dry = run("import", book, "--data", dataset, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert snapshot(dataset) == before  # a dry run writes nothing
    assert "+++ b/zones/import-东山开发区.csv" in dry.stdout
    assert f"+{ZONE},,东山开发区,dev_zone,provincial,朝阳市,{SRC},朝阳东山经济开发区是省级开发区" in dry.stdout
    assert "项目 projects: 新增 3 行，修改 0 行 / 3 added, 0 changed" in dry.stderr
    assert "跳过 8 个示例行 / skipped 8 example rows" in dry.stderr

    done = run("import", book, "--data", dataset)
    assert done.exit_code == 0, done.output
    after = snapshot(dataset)
    changed = sorted(k for k in after if before.get(k) != after[k])
    assert changed == ["enterprises/import-东山开发区.csv", "lead_roles/import-东山开发区.csv",
                       "placements/import-东山开发区.csv", "projects/import-东山开发区.csv", "sources.csv",
                       "zone_chains/import-东山开发区.csv", "zones/import-东山开发区.csv"]
    assert after["sources.csv"].startswith(before["sources.csv"])  # appended, earlier lines untouched
    assert after["sources.csv"].decode("utf-8").endswith(f"{SRC},,东山经济开发区2025年招商工作汇报,东山经济开发区管委会,2025-03-01,,\n")

    out = tmp_path / "graph.ttl"
    built = run("build", "--data", dataset, "--out", out)
    assert built.exit_code == 0, built.output
    from rdflib import Graph, URIRef

    g = Graph().parse(out)
    zone = URIRef(f"https://w3id.org/chainkg/id/chaoyang/zone/{ZONE}")
    assert (zone, RDF.type, CK.DevelopmentZone) in g
    assert (zone, CK.partOf, URIRef("https://w3id.org/chainkg/id/chaoyang/zone/朝阳市")) in g
    ents = set(g.subjects(CK.locatedIn, zone))
    assert {str(g.value(e, RDFS.label)) for e in ents} == {"朝阳东山钛业有限公司", "辽宁东山钛材科技有限公司"}
    projects = {str(g.value(p, RDFS.label)): p for p in g.subjects(CK.inZone, zone)}
    assert set(projects) == {"东山海绵钛扩能项目", "东山钛锭熔铸项目", "东山钛材深加工项目"}
    from chainkg.namespaces import SDO

    amounts = {name: g.value(g.value(p, CK.investment), SDO.value).toPython() for name, p in projects.items()}
    assert amounts == {"东山海绵钛扩能项目": 1_500_000_000, "东山钛锭熔铸项目": 46_780_000, "东山钛材深加工项目": 250_000_000}
    roles = [r for r in g.subjects(RDF.type, CK.LeadRole) if g.value(r, CK.zone) == zone]
    assert len(roles) == 1 and str(g.value(g.value(roles[0], CK.enterprise), RDFS.label)) == "朝阳东山钛业有限公司"

    gaps = run("gaps", "--graph", out, "--zone", "东山开发区", "--format", "json")
    assert gaps.exit_code == 0, gaps.output
    rows = {r["link_label"]: r for r in json.loads(gaps.stdout) if r["chain"] == "钛产业链"}
    assert rows["海绵钛"]["status"] == "weak" and rows["海绵钛"]["enterprises"] == ["朝阳东山钛业有限公司"]
    assert rows["钛加工材"]["status"] == "weak" and rows["钛加工材"]["enterprises"] == ["辽宁东山钛材科技有限公司"]
    assert rows["熔铸"]["status"] == "in_progress"  # the signed project fills it
    assert [p.startswith("东山钛锭熔铸项目") for p in rows["熔铸"]["projects"]] == [True]
    assert {r["zone"] for r in json.loads(gaps.stdout)} == {ZONE}

    # ... and on the zone's map: the page's data holds the new zone's enterprises and projects
    page = tmp_path / "东山.html"
    drawn = run("map", "--graph", out, "--zone", "东山开发区", "--chain", "钛产业链", "-o", page)
    assert drawn.exit_code == 0, drawn.output
    html = page.read_text(encoding="utf-8")
    data = html.split('<script type="application/json" id="chainkg-data">', 1)[1].split("</script>", 1)[0]
    text = json.dumps(json.loads(data), ensure_ascii=False)
    for name in ("朝阳东山钛业有限公司", "辽宁东山钛材科技有限公司", "东山海绵钛扩能项目", "东山钛锭熔铸项目", "东山钛材深加工项目", ZONE):
        assert name in text, name

    again = run("import", book, "--data", dataset)  # importing the same file twice adds nothing
    assert again.exit_code == 0 and snapshot(dataset) == after
    assert "没有新增或修改的内容 / nothing new or changed" in again.stderr


# ------------------------------------------------------------------------------------- the ten mistakes
S1 = "001_122d7473fb7a6d13"
MISTAKES = {
    "sources": [{"id": SRC, "title": "东山经济开发区2025年招商工作汇报"},
                {"id": "dongshan-2026", "title": "x", "date": "2025年13月"}],
    "projects": [
        {"name": "东山钛锭项目A", "zone": "喀左开发区", "status": "在建", "source": SRC, "quote": "钛锭项目"},
        {"name": "东山钛锭项目B", "zone": "朝阳经济技术开发区", "status": "已投产", "source": SRC, "quote": "x"},
        {"name": "东山钛锭项目C", "zone": "朝阳经济技术开发区", "investment": "十五亿元", "source": SRC, "quote": "x"},
        {"name": "东山钛锭项目D", "zone": "朝阳经济技术开发区", "year": "24年", "source": SRC, "quote": "x"}],
    "lead_roles": [{"enterprise": "朝阳金达钛业有限公司", "chain": "钛产业链", "zone": "朝阳经济技术开发区", "year": 2025,
                    "role": "链主", "source": SRC, "quote": "链主"}],
    "enterprises": [
        {"name": "东山钛业有限公司", "zone": "朝阳经济技术开发区", "source": SRC},
        {"name": "东山钛管有限公司", "zone": "朝阳经济技术开发区", "source": "东山2025", "quote": "x"},
        {"name": "东山钛材有限公司", "zone": "朝阳经济技术开发区", "products": "=A5", "source": SRC, "quote": "x"}],
    "zones": [{"name": "东山开发区", "kind": "开发区", "parent": "朝阳市", "source": S1, "quote": "东山开发区成立于2012年"},
              {"name": "西山开发区", "kind": "开发区域", "parent": "朝阳市", "source": SRC, "quote": "x"}],
    "placements": [{"enterprise": "朝阳金达钛业股份有限公司", "chain": "钛产业链", "link": "钛白", "source": S1,
                    "quote": "由朝阳金达钛业股份有限公司发起"}],
}
W = "错误.xlsx, 工作表 / sheet "
EXPECTED = [
    # 1. a zone by a short name the data does not know: suggest the closest name
    W + "项目 projects, 第4行 C列 / row 4, column C (所在区域 zone): 未知的区域“喀左开发区”；您是否指“喀左经济开发区”？ / "
        "unknown zone '喀左开发区'; did you mean 喀左经济开发区?",
    # 2. an enterprise by a near-miss of its registered name
    W + "链主 lead_roles, 第4行 A列 / row 4, column A (企业 enterprise): 未知的企业“朝阳金达钛业有限公司”；"
        "您是否指“朝阳金达钛业股份有限公司”？ / unknown enterprise '朝阳金达钛业有限公司'; did you mean 朝阳金达钛业股份有限公司?",
    # 3. a status word that is not one of the list
    W + "项目 projects, 第5行 G列 / row 5, column G (状态 status): 未知的项目状态“已投产”（可用：谋划 储备 洽谈 签约 落地 开工 "
        "新开工 复工 续建 在建 竣工 投产 达产 运营） / unknown status '已投产' (use one of: 谋划 储备 洽谈 签约 落地 开工 新开工 "
        "复工 续建 在建 竣工 投产 达产 运营)",
    # 4. an amount in Chinese numerals
    W + "项目 projects, 第6行 I列 / row 6, column I (投资额 investment): 无法识别的金额“十五亿元”（例：15亿元、4678万元） / "
        "cannot read the amount '十五亿元' (e.g. 15亿元, 4678万元)",
    # 5. a two-digit year
    W + "项目 projects, 第7行 H列 / row 7, column H (年份 year): 年份须为四位数字，而不是“24年” / "
        "year must be four digits, not '24年'",
    # 6. the quote left empty
    W + "企业 enterprises, 第4行 I列 / row 4, column I (原文摘录 quote): 必填字段 quote 为空 / required field quote is empty",
    # 7. a source id that is on no sources sheet
    W + "企业 enterprises, 第5行 H列 / row 5, column H (来源编号 source): 未知的来源 东山2025（须在 sources.csv 中） / "
        "unknown source 东山2025 (must be in sources.csv)",
    # 8. a formula instead of a value
    W + "企业 enterprises, 第6行 G列 / row 6, column G (主要产品 products): 单元格是公式“=A5”：请复制后“选择性粘贴 → 数值”"
        "再导入 / cell holds the formula '=A5': copy it and paste as values before importing",
    # 9. a quote that is not in the article it cites
    W + "区域 zones, 第4行 H列 / row 4, column H (原文摘录 quote): 原文摘录在来源文献中找不到（须逐字摘录） / "
        "quote not found in the source text (it must be verbatim)",
    # 10. a link the reference chain does not have
    W + "企业环节 placements, 第4行 C列 / row 4, column C (环节 link): 产业链“钛产业链”中没有环节“钛白” / "
        "chain '钛产业链' has no link '钛白'",
    # 11. a kind that is not one of the list
    W + "区域 zones, 第5行 D列 / row 5, column D (类型 kind): 未知的区域类型“开发区域” / unknown zone kind '开发区域' "
        "(use province, city, district, county, county_city, town, dev_zone, park, functional_area)",
    # 12. a date that is not a date
    W + "来源 sources, 第5行 E列 / row 5, column E (日期 date): 无法识别的日期“2025年13月”（例：2024-05-01、2024年5月、2024） / "
        "cannot read the date '2025年13月' (e.g. 2024-05-01, 2024年5月, 2024)",
]


def test_the_most_likely_mistakes_are_all_reported_at_once_with_their_cells(template_file, dataset, tmp_path):
    book = fill(template_file, tmp_path / "错误.xlsx", MISTAKES)
    before = snapshot(dataset)
    result = run("import", book, "--data", dataset)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert lines[0] == f"发现 {len(EXPECTED)} 个问题 / {len(EXPECTED)} problems found:"
    assert sorted(lines[1:]) == sorted(f"  - {e}" for e in EXPECTED)
    assert snapshot(dataset) == before


@pytest.mark.parametrize("name,content,expected", [
    ("renamed.csv", "项目,区域,来源编号,原文摘录\n甲,乙,s,q\n",
     "renamed.csv: 无法判断这是哪张表：请把文件命名为表名（如 projects.csv）或用 --table 指定（来源 sources、区域 zones、企业 "
     "enterprises、产业链 chains、区域产业链 zone_chains、链主 lead_roles、项目 projects、企业环节 placements） / cannot tell which "
     "table this is: name the file after it (e.g. projects.csv) or pass --table (来源 sources、区域 zones、企业 enterprises、产业链 "
     "chains、区域产业链 zone_chains、链主 lead_roles、项目 projects、企业环节 placements)"),
    ("projects.csv", "项目名称,状态,来源编号,原文摘录\n甲,在建,s,q\n",
     "projects.csv, 第1行 / row 1: 缺少必填列“所在区域 zone” / missing required column zone"),
    ("projects.csv", "项目名称,区域,备注,来源编号,原文摘录\n甲,乙,很重要,s,q\n",
     "projects.csv, 第1行 C列 / row 1, column C: 未知的列“备注”（可用列：项目名称 name、别名 aliases、所在区域 zone、投资方 "
     "investor、产业链 chain、环节 link、状态 status、年份 year、投资额 investment、产能 capacity、说明 description、来源编号 "
     "source、原文摘录 quote） / unknown column '备注' (known: name, aliases, zone, investor, chain, link, status, year, "
     "investment, capacity, description, source, quote)"),
    ("projects.csv", "", "projects.csv: 文件为空 / the file is empty"),
    ("projects.csv", "\ufeff", "projects.csv: 文件为空 / the file is empty"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
     "old.xls: 不支持旧版 .xls：请在 Excel 中“另存为 .xlsx” / old .xls files are not supported: save it as .xlsx"),
    ("broken.xlsx", b"PK\x03\x04 not really a zip",
     "broken.xlsx: 无法打开工作簿（不是有效的 .xlsx 文件）：File is not a zip file / cannot open the workbook (not a valid "
     ".xlsx file): File is not a zip file"),
    ("data.ods", b"x", "data.ods: 不支持的文件类型 .ods：请用 .xlsx 或 .csv / unsupported file type .ods: use .xlsx or .csv"),
])
def test_files_that_cannot_be_read_say_why(dataset, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = snapshot(dataset)
    result = run("import", path, "--data", dataset)
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines()[1:] == [f"  - {expected}"]
    assert snapshot(dataset) == before


def test_a_workbook_without_table_sheets_lists_the_sheet_names(dataset, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(["名称", "类型"])
    wb.save(tmp_path / "book.xlsx")
    result = run("import", tmp_path / "book.xlsx", "--data", dataset)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1] == (
        "  - book.xlsx: 工作簿中没有数据表（工作表须命名为：来源 sources、区域 zones、企业 enterprises、产业链 chains、区域产业链 "
        "zone_chains、链主 lead_roles、项目 projects、企业环节 placements） / the workbook has no table sheets (name the sheets: "
        "来源 sources、区域 zones、企业 enterprises、产业链 chains、区域产业链 zone_chains、链主 lead_roles、项目 projects、企业环节 "
        "placements)")


# ------------------------------------------------------------------------------------- round trips
def test_export_then_import_into_the_same_data_changes_nothing(dataset, tmp_path):
    from chainkg.build import compile_folder

    book = tmp_path / "export.xlsx"
    result = run("export", "--format", "xlsx", "-o", book, "--data", dataset)
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(book)
    assert "缺口 gaps" in wb.sheetnames and "中心度 centrality" in wb.sheetnames
    assert [c.value for c in wb["项目 projects"][2]] == [c.value for c in wb["项目 projects"][2]]
    before, graph_before = snapshot(dataset), nt(compile_folder(dataset)[0])
    again = run("import", book, "--data", dataset)
    assert again.exit_code == 0, again.output
    assert "没有新增或修改的内容 / nothing new or changed" in again.stderr
    assert snapshot(dataset) == before
    assert nt(compile_folder(dataset)[0]) == graph_before


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_into_an_empty_folder_gives_an_identical_graph(dataset, tmp_path, fmt):
    """Every row survives export → import: the rebuilt graph is the original one, triple for triple, except
    for the ck:record literals that say which CSV line a statement was read from."""
    from rdflib.compare import isomorphic

    from chainkg.build import compile_folder

    out = tmp_path / ("export.xlsx" if fmt == "xlsx" else "export")
    assert run("export", "--format", fmt, "-o", out, "--data", dataset).exit_code == 0
    fresh = tmp_path / "fresh" / "chaoyang"  # the dataset's name is part of every IRI
    fresh.mkdir(parents=True)
    (fresh / "sources").mkdir()
    for text in (dataset / "sources").glob("*.txt"):  # the articles' texts, so quotes are checked again
        (fresh / "sources" / text.name).write_bytes(text.read_bytes())
    result = run("import", out, "--data", fresh)
    assert result.exit_code == 0, result.output
    original, rebuilt = compile_folder(dataset)[0], compile_folder(fresh)[0]
    for g in (original, rebuilt):
        g.remove((None, CK.record, None))
    assert len(rebuilt) == len(original) > 5000
    assert nt(rebuilt) == nt(original)
    assert isomorphic(rebuilt, original)


def test_an_edited_export_changes_exactly_the_edited_lines(dataset, tmp_path):
    book = tmp_path / "export.xlsx"
    assert run("export", "--format", "xlsx", "-o", book, "--data", dataset).exit_code == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["项目 projects"]
    heads = {ws.cell(2, j).value: j for j in range(1, ws.max_column + 1)}
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, heads["name"]).value == "中电科53所特种材料项目")
    ref = ws.cell(row, heads["record"]).value
    ws.cell(row, heads["status"], "投产")
    ws.cell(row, heads["year"], 2024)
    wb.save(book)
    before = snapshot(dataset)
    result = run("import", book, "--data", dataset)
    assert result.exit_code == 0, result.output
    assert "项目 projects: 新增 0 行，修改 1 行 / 0 added, 1 changed" in result.stderr
    after = snapshot(dataset)
    rel, line = ref.split("#")[0].rsplit(":", 1)
    assert [k for k in after if after[k] != before.get(k)] == [rel]
    old, new = before[rel].decode().splitlines(), after[rel].decode().splitlines()
    diff = [(i + 1, a, b) for i, (a, b) in enumerate(zip(old, new)) if a != b]
    assert len(old) == len(new) and [d[0] for d in diff] == [int(line)]
    assert diff[0][2] == diff[0][1].replace(",开工,2022,", ",投产,2024,")


def test_an_export_row_changed_in_the_data_since_is_not_overwritten(dataset, tmp_path):
    book = tmp_path / "old.xlsx"
    assert run("export", "--format", "xlsx", "-o", book, "--data", dataset).exit_code == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["项目 projects"]
    ws["G3"] = "达产"  # the first project's status
    ref = ws["N3"].value
    wb.save(book)
    rel, line = ref.split("#")[0].rsplit(":", 1)
    path = dataset / rel
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[int(line) - 1] = lines[int(line) - 1].replace(",2022,", ",2023,", 1)  # a colleague edits the same row
    path.write_text("".join(lines), encoding="utf-8")
    before = snapshot(dataset)
    result = run("import", book, "--data", dataset)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1] == (
        f"  - old.xlsx, 工作表 / sheet 项目 projects, 第3行 N列 / row 3, column N (记录位置 record): 导出后数据中的这一行（{rel} "
        f"第{line}行）已被改动：请重新导出后再修改，或清空记录位置作为新行导入 / the data row ({rel} row {line}) changed after "
        "the export: export again and redo the edit, or clear the record column to import it as a new row")
    assert snapshot(dataset) == before


def test_a_copied_export_row_must_lose_its_record_reference(dataset, tmp_path):
    """Copying an exported row to add a similar one would otherwise overwrite the original."""
    book = tmp_path / "copy.xlsx"
    assert run("export", "--format", "xlsx", "-o", book, "--data", dataset).exit_code == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["企业 enterprises"]
    last = ws.max_row + 1
    for j in range(1, ws.max_column + 1):
        ws.cell(last, j, ws.cell(3, j).value)
    ws.cell(last, 1, "朝阳新材料示范有限公司")
    wb.save(book)
    before = snapshot(dataset)
    result = run("import", book, "--data", dataset)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1:] == [
        f"  - copy.xlsx, 工作表 / sheet 企业 enterprises, 第{last}行 J列 / row {last}, column J (记录位置 record): "
        "与第3行指向同一条记录：复制来的新行请清空“记录位置” / points at the same record as row 3: clear the record column "
        "of a copied row"]
    assert snapshot(dataset) == before
    ws.cell(last, 10).value = None  # cleared, as the message says: now it is a new row
    wb.save(book)
    result = run("import", book, "--data", dataset)
    assert result.exit_code == 0, result.output
    assert "企业 enterprises: 新增 1 行，修改 0 行 / 1 added, 0 changed" in result.stderr


def test_csv_from_excel_in_gbk_is_read_and_merged_as_utf8(dataset, tmp_path):
    text = ("项目名称,所在区域,状态,投资额,来源编号,原文摘录\r\n"
            "朝阳新材料示范项目,喀左县,签约,\"1,000万\",001_122d7473fb7a6d13,由朝阳金达钛业股份有限公司发起\r\n")
    path = tmp_path / "projects.csv"
    path.write_bytes(text.encode("gbk"))
    result = run("import", path, "--data", dataset)
    assert result.exit_code == 0, result.output
    assert "按 GBK/GB18030 编码读取" in result.stderr
    written = (dataset / "projects" / "import-projects.csv").read_bytes()
    assert written.decode("utf-8").splitlines()[1] == (
        "朝阳新材料示范项目,,喀左县,,,,签约,,\"1,000万\",,,001_122d7473fb7a6d13,由朝阳金达钛业股份有限公司发起")


def test_export_csv_is_utf8_with_bom_and_guards_formulas(dataset, tmp_path):
    path = dataset / "zones" / "zz.csv"
    path.write_text("name,kind,parent,source,quote\n=HYPERLINK(\"x\"),district,朝阳市,001_122d7473fb7a6d13,朝阳\n",
                    encoding="utf-8")
    result = run("export", "--format", "csv", "-o", tmp_path / "out", "--data", dataset)
    assert result.exit_code == 0, result.output
    data = (tmp_path / "out" / "zones.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf\xe5\x90\x8d\xe7\xa7\xb0*,")  # BOM, then 名称*
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("name,name_en,aliases,kind,level,parent,source,quote,record")
    assert any(line.startswith("\"'=HYPERLINK(\"\"x\"\")\",") for line in lines)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        ["sources.csv", "zones.csv", "enterprises.csv", "chains.csv", "zone_chains.csv", "lead_roles.csv",
         "projects.csv", "placements.csv", "gaps.csv", "centrality.csv"])


def test_the_example_rows_teach_what_imports(template_file, dataset, tmp_path):
    """The examples are right: with their 【示例】 marks removed they import cleanly into the Chaoyang data."""
    from chainkg.ingest.workbook import EXAMPLE_MARK

    wb = openpyxl.load_workbook(template_file)
    for name in wb.sheetnames:
        cell = wb[name]["A3"]
        if isinstance(cell.value, str) and cell.value.startswith(EXAMPLE_MARK):
            cell.value = cell.value[len(EXAMPLE_MARK):]
    wb.save(tmp_path / "examples.xlsx")
    result = run("import", tmp_path / "examples.xlsx", "--data", dataset, "--dry-run")
    assert result.exit_code == 0, result.output
    for table in ("sources", "zones", "enterprises", "chains", "zone_chains", "lead_roles", "projects", "placements"):
        assert f"{table}: 新增 1 行" in result.stderr, table
