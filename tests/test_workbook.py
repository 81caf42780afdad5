"""Reading staff spreadsheets (chainkg.ingest.workbook) and writing the template (chainkg.ingest.template)."""
import datetime as dt

import openpyxl
import pytest

from chainkg.ingest.template import EXAMPLES, INSTRUCTIONS_SHEET, LISTS_SHEET, graph_lists, write_workbook
from chainkg.ingest.workbook import (EXAMPLE_MARK, SCHEMA, CellProblem, read_csv, read_grid, read_workbook,
                                     sheet_title)
from chainkg.ingest.tables import TABLES


def grid(*rows):
    return [[(v, None, False) for v in row] for row in rows]


ZONE_HEAD = [("名称*", "类型*", "来源编号*", "原文摘录*"), ("name", "kind", "source", "quote")]


def test_schema_covers_exactly_the_tables_columns():
    assert set(SCHEMA) == set(TABLES)
    for table, columns in SCHEMA.items():
        required, optional = TABLES[table]
        assert {c.name for c in columns} == set(required) | set(optional), table
        assert all(c.zh and c.help_zh and c.help_en for c in columns)


def test_text_is_normalised_nfkc_trimmed_full_width_spaces_removed():
    r = read_grid(grid(*ZONE_HEAD, ("\u3000朝阳　新区 ", "ｄｅｖ＿ｚｏｎｅ", "ＳＲＣ１", " 设立\n新区 ")), "zones", "x.xlsx", "区域 zones")
    assert not r.problems
    assert r.rows[0].values == {"name": "朝阳 新区", "kind": "dev_zone", "source": "SRC1", "quote": "设立 新区"}


def test_codes_typed_as_numbers_come_back_as_text_with_their_zeros():
    rows = [[("编号*", None, False), ("标题*", None, False)], [("id", None, False), ("title", None, False)],
            [(7, "000", False), ("甲", None, False)], [(12.0, "General", False), ("乙", None, False)],
            [("0042", "@", False), ("丙", None, False)]]
    r = read_grid(rows, "sources", "x.xlsx", "来源 sources")
    assert [row.values["id"] for row in r.rows] == ["007", "12", "0042"]


def test_dates_as_datetime_serial_number_or_text():
    rows = [[("id", None, False), ("title", None, False), ("date", None, False)]]
    for value in (dt.datetime(2024, 5, 1), 45413, "2024年5月1日", "2024/5/1", "2024.5", 2024, "2024年"):
        rows.append([("s", None, False), ("t", None, False), (value, "General", False)])
    r = read_grid(rows, "sources", "x.csv")
    assert [row.values["date"] for row in r.rows] == ["2024-05-01", "2024-05-01", "2024-05-01", "2024-05-01",
                                                      "2024-05", "2024", "2024"]


@pytest.mark.parametrize("value", [0, -3, 0.5, 1e12, "2024-02-30", "明年"])
def test_numbers_and_text_that_are_no_date_are_reported(value):
    rows = [[("id", None, False), ("title", None, False), ("date", None, False)],
            [("s", None, False), ("t", None, False), (value, "General", False)]]
    r = read_grid(rows, "sources", "x.csv")
    assert [(p.row, p.column, p.field) for p in r.problems] == [(2, "C", "date")]
    assert r.problems[0].zh.startswith("无法识别的日期") and "cannot read the date" in r.problems[0].en


def test_year_cells_as_number_date_or_text():
    head = [("enterprise", None, False), ("chain", None, False), ("zone", None, False), ("year", None, False),
            ("source", None, False), ("quote", None, False)]
    rows = [head] + [[("e", None, False), ("c", None, False), ("z", None, False), (v, None, False),
                      ("s", None, False), ("q", None, False)] for v in (2024, 2024.0, dt.datetime(2024, 1, 1), "2024年度")]
    r = read_grid(rows, "lead_roles", "x.csv")
    assert [row.values["year"] for row in r.rows] == ["2024"] * 4


@pytest.mark.parametrize("value,fmt,expected", [
    ("15亿元", "General", "15亿元"), ("4678万元", "General", "4678万元"), ("1,000万", "General", "1,000万"),
    (150000000, "General", "150000000"), (1.5e9, "General", "1500000000"), (4678, '#,##0"万元"', "4678万元"),
    (1.5, '0.0"亿元"', "1.5亿元"), (3203, "0\\万", "3203万"),
])
def test_amounts_keep_their_units_and_plain_yuan(value, fmt, expected):
    from chainkg.ingest.money import parse_amount

    head = [(c, None, False) for c in ("name", "zone", "investment", "source", "quote")]
    row = [("p", None, False), ("z", None, False), (value, fmt, False), ("s", None, False), ("q", None, False)]
    r = read_grid([head, row], "projects", "x.csv")
    assert r.rows[0].values["investment"] == expected
    parse_amount(expected)  # and the compiler can read it


def test_kinds_as_code_chinese_word_or_both():
    rows = grid(*ZONE_HEAD, ("a", "开发区", "s", "q"), ("b", "开发区 dev_zone", "s", "q"), ("c", "Park", "s", "q"),
                ("d", "县级市（county_city）", "s", "q"), ("e", "开发区域", "s", "q"))
    r = read_grid(rows, "zones", "x.xlsx", "区域 zones")
    assert [row.values["kind"] for row in r.rows] == ["dev_zone", "dev_zone", "park", "county_city", "开发区域"]


def test_merged_cells_are_filled_down(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目 projects"
    ws.append(["项目名称", "所在区域", "来源编号", "原文摘录"])
    for name in ("甲项目", "乙项目", "丙项目"):
        ws.append([name, None, "s1", "q"])
    ws["B2"] = "喀左县"
    ws.merge_cells("B2:B4")
    wb.save(tmp_path / "m.xlsx")
    r = read_workbook(tmp_path / "m.xlsx")
    assert not r.problems
    assert [(row.row, row.values["zone"]) for row in r.rows] == [(2, "喀左县"), (3, "喀左县"), (4, "喀左县")]


def test_formula_and_error_cells_are_reported_with_their_cell(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "zones"
    ws.append(["name", "kind", "source", "quote"])
    ws.append(["甲区", "district", "s1", "=CONCAT(\"a\",\"b\")"])
    wb.save(tmp_path / "f.xlsx")
    r = read_workbook(tmp_path / "f.xlsx")
    assert [str(p) for p in r.problems] == [
        "f.xlsx, 工作表 / sheet zones, 第2行 D列 / row 2, column D (原文摘录 quote): "
        "单元格是公式“=CONCAT(\"a\",\"b\")”：请复制后“选择性粘贴 → 数值”再导入 / "
        "cell holds the formula '=CONCAT(\"a\",\"b\")': copy it and paste as values before importing"]


def test_header_may_be_chinese_english_or_both_below_a_title_row():
    title = ("朝阳市2025年重点项目表", None, None, None)
    for head in (("名称", "类型", "来源编号", "原文摘录"), ("name", "kind", "source", "quote"),
                 ("名称 name", "类型\nkind", "来源编号(source)", "原文摘录*")):
        r = read_grid(grid(title, head, ("甲区", "district", "s", "q")), "zones", "x.xlsx", "zones")
        assert not r.problems, head
        assert r.rows[0].values["name"] == "甲区" and r.rows[0].row == 3


def test_example_rows_are_skipped_and_counted():
    r = read_grid(grid(*ZONE_HEAD, (f"{EXAMPLE_MARK}某某区", "district", "s", "q"), ("甲区", "district", "s", "q")),
                  "zones", "x.xlsx", "zones")
    assert [row.values["name"] for row in r.rows] == ["甲区"] and r.examples == 1


def test_unknown_and_missing_columns_name_the_header_cell():
    r = read_grid(grid(("名称", "类型", "备注", "来源编号"), ("甲区", "district", "x", "s")), "zones", "z.xlsx", "区域 zones")
    assert sorted(str(p) for p in r.problems) == [
        "z.xlsx, 工作表 / sheet 区域 zones, 第1行 / row 1: 缺少必填列“原文摘录 quote” / missing required column quote",
        "z.xlsx, 工作表 / sheet 区域 zones, 第1行 C列 / row 1, column C: 未知的列“备注”（可用列：名称 name、英文名称 name_en、"
        "别名 aliases、类型 kind、级别 level、上级区域 parent、来源编号 source、原文摘录 quote） / unknown column '备注' "
        "(known: name, name_en, aliases, kind, level, parent, source, quote)"]
    assert r.dropped and not r.rows


def test_csv_encodings_bom_gbk_utf16_and_tabs(tmp_path):
    text = "name,kind,source,quote\n朝阳新区,dev_zone,s1,设立新区\n"
    cases = {"bom.csv": ("\ufeff" + text).encode("utf-8"), "plain.csv": text.encode("utf-8"),
             "gbk.csv": text.encode("gbk"), "utf16.csv": text.replace(",", "\t").encode("utf-16")}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        r = read_csv(tmp_path / name, "zones")
        assert not r.problems, name
        assert r.rows[0].values == {"name": "朝阳新区", "kind": "dev_zone", "source": "s1", "quote": "设立新区"}, name
    assert any("GBK" in n for n in read_csv(tmp_path / "gbk.csv", "zones").notes)


def test_csv_table_from_file_name_or_header(tmp_path):
    (tmp_path / "项目-2025.csv").write_text("项目名称,所在区域,来源编号,原文摘录\n甲,乙,s,q\n", encoding="utf-8")
    assert read_csv(tmp_path / "项目-2025.csv").tables == ["projects"]
    (tmp_path / "list.csv").write_text("enterprise,chain,link,source,quote\n甲,钛,海绵钛,s,q\n", encoding="utf-8")
    assert read_csv(tmp_path / "list.csv").tables == ["placements"]
    (tmp_path / "what.csv").write_text("name,kind,source,quote\n甲,chain,s,q\n", encoding="utf-8")  # zones or chains?
    r = read_csv(tmp_path / "what.csv")
    assert not r.rows and "无法判断这是哪张表" in str(r.problems[0])


def test_cell_problem_location_reads_as_the_issue_asks():
    p = CellProblem("新区.xlsx", 3, "zone", "未知的区域", "unknown zone", sheet="项目 projects", column="D")
    assert "第3行 D列 / row 3, column D" in str(p)
    assert str(CellProblem("a.csv", 3, None, "甲", "a", column="B")) == "a.csv, 第3行 B列 / row 3, column B: 甲 / a"


# ---------------------------------------------------------------------------------------------- template
@pytest.fixture(scope="module")
def template_book(chaoyang, tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "template.xlsx"
    path.write_bytes(write_workbook(graph_lists(chaoyang)))
    return openpyxl.load_workbook(path)


def test_template_has_one_sheet_per_table_with_chinese_and_english_headers(template_book):
    wb = template_book
    assert wb.sheetnames[0] == INSTRUCTIONS_SHEET and wb.sheetnames[-1] == LISTS_SHEET
    assert wb.sheetnames[1:-1] == [sheet_title(t) for t in SCHEMA]
    ws = wb[sheet_title("projects")]
    assert [c.value for c in ws[1]][:4] == ["项目名称*", "别名", "所在区域*", "投资方"]
    assert [c.value for c in ws[2]] == [c.name for c in SCHEMA["projects"]] + ["record"]
    assert "15亿元" in ws["I1"].comment.text  # header help as a comment, Chinese and English
    assert "e.g." in ws["I1"].comment.text


def test_template_example_row_is_marked_and_ignored(template_book, tmp_path):
    for table in SCHEMA:
        ws = template_book[sheet_title(table)]
        assert str(ws.cell(3, 1).value).startswith(EXAMPLE_MARK), table
    template_book.save(tmp_path / "t.xlsx")
    r = read_workbook(tmp_path / "t.xlsx")
    assert not r.problems and not r.rows and r.examples == len(SCHEMA)
    assert set(EXAMPLES) == set(SCHEMA)


def test_template_dropdowns_come_from_the_graph(template_book, chaoyang):
    lists = graph_lists(chaoyang)
    assert "喀喇沁左翼蒙古族自治县" in lists["zones"] and "钛产业链" in lists["chains"]
    assert any(link == "海绵钛" and stage == "midstream" for _, link, stage, _, _ in lists["links"])
    ws = template_book[sheet_title("projects")]
    by_column = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            by_column[rng.coord.split(":")[0].rstrip("0123456789")] = dv
    assert set(by_column) >= {"C", "E", "F", "G", "L"}  # zone, chain, link, status, source
    lists_ws = template_book[LISTS_SHEET]

    def values(dv):
        ref = dv.formula1.split("!")[1].replace("$", "")
        return [c.value for row in lists_ws[ref] for c in row]

    assert "喀喇沁左翼蒙古族自治县" in values(by_column["C"])
    assert values(by_column["G"])[:3] == ["谋划", "储备", "洽谈"]
    assert "海绵钛" in values(by_column["F"])
    assert by_column["C"].errorStyle == "warning"  # a zone added on the zones sheet may still be used
    kinds = {list(dv.sqref.ranges)[0].coord[0]: values(dv)
             for dv in template_book[sheet_title("zones")].data_validations.dataValidation}
    assert "开发区 dev_zone" in kinds["D"]
    stage_col = next(c.column_letter for c in lists_ws[1] if c.value == "阶段")
    stages = [c.value for c in lists_ws[stage_col]][2:]
    assert "中游 midstream" in stages


def test_instructions_are_in_chinese_and_english(template_book):
    ws = template_book[INSTRUCTIONS_SHEET]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "示例" in text and "example" in text and "--dry-run" in text
    assert "项目 projects" in text and "投资额 investment" in text


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path):
    data = write_workbook({"zones": [], "chains": [], "enterprises": [], "sources": [], "links": []},
                          {"zones": [{"name": "=1+1", "kind": "district", "source": "s", "quote": "@x"}]}, example=False)
    (tmp_path / "w.xlsx").write_bytes(data)
    ws = openpyxl.load_workbook(tmp_path / "w.xlsx")[sheet_title("zones")]
    assert ws["A3"].value == "=1+1" and ws["A3"].data_type == "s"
    assert read_workbook(tmp_path / "w.xlsx").rows[0].values["name"] == "=1+1"
