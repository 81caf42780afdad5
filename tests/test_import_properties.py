"""Property-based tests: whatever spreadsheet or CSV a person feeds ``chainkg import``, the command never
raises a traceback, always says something, exits 0 or 1, and either leaves the dataset folder byte for
byte as it was (exit 1) or leaves one that still builds (exit 0)."""
import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from chainkg.cli import cli
from chainkg.ingest.workbook import SCHEMA, SHEET_ZH, sheet_title

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

TEXT = "朝阳市甲县经济开发区重点发展钛产业链。甲钛业公司年产海绵钛1万吨，总投资15亿元的钛锭项目在建。"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A tiny dataset (two zones, one enterprise, one source with its text) and one reference chain."""
    base = tmp_path_factory.mktemp("small")
    ds = base / "small"
    (ds / "sources").mkdir(parents=True)
    (ds / "sources" / "s1.txt").write_text(TEXT, encoding="utf-8")
    (ds / "sources.csv").write_text("id,file,title\ns1,s1.txt,测试来源\n", encoding="utf-8")
    (ds / "zones.csv").write_text("name,kind,parent,source,quote\n朝阳市,city,,s1,朝阳市\n"
                                  "甲县,county,朝阳市,s1,甲县\n", encoding="utf-8")
    (ds / "enterprises.csv").write_text("name,aliases,zone,source,quote\n甲钛业公司,甲钛业,甲县,s1,甲钛业公司年产海绵钛1万吨\n",
                                        encoding="utf-8")
    chains = base / "chains"
    chains.mkdir()
    shutil.copy(ROOT / "data" / "chains" / "titanium.yaml", chains)
    return ds, chains


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def kept(folder):
    from chainkg.exchange import row_key
    from chainkg.ingest.tables import read_dataset

    return {(t, row_key(t, r.values)) for t, records in read_dataset(folder).items() for r in records}


def check(small, tmp_path, path, extra=()):
    """Import *path* into a fresh copy of the small dataset and check the properties."""
    from chainkg.build import compile_folder

    ds_template, chains = small
    work = tmp_path / "work"
    shutil.rmtree(work, ignore_errors=True)
    ds = work / "small"
    shutil.copytree(ds_template, ds)
    before = snapshot(ds)
    result = CliRunner().invoke(cli, ["import", str(path), "--data", str(ds), "--chains", str(chains), *extra])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        pytest.fail("".join(traceback.format_exception(*result.exc_info)))
    assert result.exit_code in (0, 1), result.output
    assert result.stderr.strip(), "the command must always report"
    assert "Traceback" not in result.output
    if currently_in_test_context():  # statistics: pytest --hypothesis-show-statistics
        event(f"exit {result.exit_code}: {result.stderr.splitlines()[-1][:30] if result.exit_code else 'imported'}")
    after = snapshot(ds)
    assert not [k for k in after if k.endswith(".tmp")], "no temporary file is left behind"
    if result.exit_code == 1:
        assert result.stderr.startswith("发现 "), result.stderr[:300]
        assert after == before, "a failed import must not write anything"
    elif "--dry-run" in extra:
        assert after == before
    else:
        compile_folder(ds, chains)  # an accepted import leaves a dataset that builds
        assert kept(ds_template) <= kept(ds)  # and every statement the dataset had is still there
    return result


# ---------------------------------------------------------------------------------------------- values
POOL = ["朝阳市", "甲县", "甲钛业公司", "甲钛业", "钛产业链", "海绵钛", "熔铸", "s1", "在建", "签约", "已投产", "15亿元",
        "4678万元", "1,000万", "十五亿", "2024", "24年", "dev_zone", "开发区", "county", "链主", TEXT[:12], TEXT[12:30],
        "【示例】某区", "=A1", "'=1+1", "\u3000甲县 ", "ｓ１", "#N/A", "a;b；c", "朝阳经济技术开发区"]
_XML_SAFE = st.characters(blacklist_categories=("Cs",), blacklist_characters="".join(map(chr, range(0, 32))) + "\x7f\ufffe\uffff")
xlsx_value = st.one_of(
    st.none(), st.sampled_from(POOL), st.text(_XML_SAFE, max_size=20), st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32), st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.sampled_from(["=SUM(1,2)", "=A1&B1", "=NOW()"]),  # formulas
    st.just("长" * 33000),  # longer than Excel allows in a cell
)
header_kind = st.sampled_from(["zh+en", "en", "zh", "none", "junk", "title+zh"])
_quotes = st.builds(lambda a, n: TEXT[a:a + n], st.integers(0, len(TEXT) - 4), st.integers(2, 12))
_new_name = st.text(st.characters(whitelist_categories=("Lo",)), min_size=2, max_size=8).map(lambda t: t + "公司")
#: column -> values that are right for it in the small dataset, so that many examples import cleanly
GOOD = {
    "name": _new_name, "id": st.sampled_from(["s1", "s2", "0042"]), "title": st.just("标题"),
    "kind": st.sampled_from(["park", "园区", "开发区 dev_zone"]), ("enterprises", "kind"): st.sampled_from(["enterprise", "企业"]),
    ("chains", "kind"): st.sampled_from(["chain", "产业链"]), ("enterprises", "zone"): st.sampled_from(["甲县", "甲县;朝阳市"]),
    "level": st.sampled_from(["provincial", "省级"]), "parent": st.sampled_from(["甲县", "朝阳市"]),
    "zone": st.sampled_from(["甲县", "朝阳市"]), "source": st.just("s1"), "quote": _quotes,
    "enterprise": st.sampled_from(["甲钛业公司", "甲钛业"]), "chain": st.just("钛产业链"),
    "link": st.sampled_from(["海绵钛", "熔铸", "sponge-titanium"]), "status": st.sampled_from(["在建", "签约", "谋划"]),
    "year": st.sampled_from([2024, "2025年", 2023.0]), "investment": st.sampled_from(["15亿元", "4678万元", "1,000万", 2500]),
    "date": st.sampled_from([dt.datetime(2024, 5, 1), "2024年5月", 45413]), "evidence": st.sampled_from(["article", "文章"]),
}



def good(table, column):
    return GOOD.get((table, column.name), GOOD.get(column.name, st.none()))


@st.composite
def clean_sheets(draw):
    """Workbooks a careful person fills in: right sheets, headers and values (so imports succeed)."""
    tables = draw(st.lists(st.sampled_from(["zones", "enterprises", "projects", "placements", "lead_roles"]),
                           unique=True, min_size=1, max_size=3))
    out = []
    for table in tables:
        columns = list(SCHEMA[table])
        rows = draw(st.lists(st.tuples(*[good(table, c) for c in columns]).map(list), min_size=1, max_size=3))
        out.append((sheet_title(table), columns, draw(st.sampled_from(["zh+en", "en", "zh"])), rows, draw(st.booleans())))
    return out


@st.composite
def sheets(draw):
    if draw(st.booleans()):
        return draw(clean_sheets())
    tables = draw(st.lists(st.sampled_from(list(SCHEMA)), unique=True, max_size=4))
    out = []
    for table in tables:
        columns = draw(st.lists(st.sampled_from(SCHEMA[table]), unique=True, min_size=1, max_size=len(SCHEMA[table])))
        if draw(st.booleans()):  # usually a complete, correct set of columns
            columns = list(SCHEMA[table])
        title = draw(st.sampled_from([sheet_title(table), table, SHEET_ZH[table], f"{table} (2)", "Sheet1"]))
        heads = draw(header_kind)
        if draw(st.booleans()):  # right values, now and then a wrong one
            cell = lambda c: st.one_of(good(table, c), good(table, c), xlsx_value)  # noqa: E731
            rows = draw(st.lists(st.tuples(*[cell(c) for c in columns]).map(list), max_size=3))
        else:
            rows = draw(st.lists(st.lists(xlsx_value, min_size=len(columns), max_size=len(columns) + 1), max_size=4))
        merge = draw(st.booleans())
        out.append((title, columns, heads, rows, merge))
    return out


def write_book(path, spec):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    used = set()
    for title, columns, heads, rows, merge in spec:
        if title in used:
            title = f"{title}{len(used)}"
        used.add(title)
        ws = wb.create_sheet(title[:31])
        header = []
        if heads == "title+zh":
            header.append(["某某表"] + [None] * (len(columns) - 1))
        if heads in ("zh+en", "zh", "title+zh"):
            header.append([c.zh for c in columns])
        if heads in ("zh+en", "en"):
            header.append([c.name for c in columns])
        if heads == "junk":
            header.append([f"列{i}" for i in range(len(columns))])
        for r in header + rows:
            ws.append(r)
        if merge and len(rows) >= 2 and ws.max_row >= 3:
            ws.merge_cells(start_row=ws.max_row - 1, start_column=1, end_row=ws.max_row, end_column=1)
    if not wb.worksheets:
        wb.create_sheet("Sheet1")
    wb.save(path)


@settings(max_examples=25, **SETTINGS)
@given(spec=sheets())
def test_any_workbook_is_reported_or_imported_cleanly(small, tmp_path, spec):
    path = tmp_path / "book.xlsx"
    write_book(path, spec)
    check(small, tmp_path, path)


def test_a_valid_workbook_imports_and_the_properties_see_it(small, tmp_path):
    """The property's success branch is reachable: a correct workbook goes in."""
    zones = [c for c in SCHEMA["zones"]]
    spec = [(sheet_title("zones"), zones, "zh+en",
             [["甲县经济开发区", None, None, "开发区", None, "甲县", "s1", "朝阳市甲县经济开发区重点发展钛产业链"]], False)]
    write_book(tmp_path / "ok.xlsx", spec)
    result = check(small, tmp_path, tmp_path / "ok.xlsx")
    assert result.exit_code == 0 and "新增 1 行" in result.stderr


# ---------------------------------------------------------------------------------------------- CSV
csv_cell = st.one_of(st.sampled_from(POOL), st.text(max_size=15), st.just(""), st.just("x" * 140_000))
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-8-sig", "gbk", "gb18030", "utf-16", "latin-1", "big5"])


@st.composite
def clean_csv(draw):
    """A CSV a careful person saves from Excel: right name, header and values, any of Excel's encodings."""
    import csv as _csv
    import io

    table = draw(st.sampled_from(["zones", "enterprises", "projects", "placements", "lead_roles"]))
    columns = list(SCHEMA[table])
    text = lambda c: good(table, c).map(lambda v: "" if v is None else v if isinstance(v, str) else str(v))  # noqa: E731
    rows = [[c.zh for c in columns]] if draw(st.booleans()) else [[c.name for c in columns]]
    rows += draw(st.lists(st.tuples(*[text(c) for c in columns]).map(list), min_size=1, max_size=3))
    buf = io.StringIO()
    _csv.writer(buf, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows(rows)
    return f"{table}.csv", buf.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])))


@st.composite
def csv_files(draw):
    if draw(st.integers(0, 2)) == 0:
        return draw(clean_csv())
    table = draw(st.sampled_from(list(SCHEMA)))
    name = draw(st.sampled_from([f"{table}.csv", f"{table}.csv", f"{SHEET_ZH[table]}-2025.csv", "data.csv", "x.tsv"]))
    if draw(st.integers(0, 9)) == 0:
        return name, draw(st.binary(max_size=300))  # not text at all, or empty
    columns = list(SCHEMA[table])
    if draw(st.booleans()):
        columns = draw(st.lists(st.sampled_from(SCHEMA[table]), unique=True, min_size=1, max_size=8))
    head = draw(st.sampled_from(["en", "zh", "zh+en", "none"]))
    rows = []
    if head in ("zh", "zh+en"):
        rows.append([c.zh for c in columns])
    if head in ("en", "zh+en"):
        rows.append([c.name for c in columns])
    if draw(st.booleans()):
        text = lambda c: good(table, c).map(lambda v: "" if v is None else v if isinstance(v, str) else str(v))  # noqa: E731
        rows += draw(st.lists(st.tuples(*[st.one_of(text(c), text(c), csv_cell) for c in columns]).map(list), max_size=3))
    else:
        rows += draw(st.lists(st.lists(csv_cell, min_size=0, max_size=len(columns) + 2), max_size=4))
    sep = draw(st.sampled_from([",", ",", "\t", ";"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    import csv as _csv
    import io

    buf = io.StringIO()
    _csv.writer(buf, delimiter=sep, lineterminator=newline).writerows(rows)
    return name, buf.getvalue().encode(draw(encodings), errors="replace")


@settings(max_examples=40, **SETTINGS)
@given(file=csv_files(), dry=st.booleans())
def test_any_csv_is_reported_or_imported_cleanly(small, tmp_path, file, dry):
    name, data = file
    path = tmp_path / name
    path.write_bytes(data)
    check(small, tmp_path, path, ("--dry-run",) if dry else ())


# ---------------------------------------------------------------------------------------------- round trip
names = st.text(st.characters(whitelist_categories=("Lu", "Ll", "Lo", "Nd", "Zs", "Pd")), min_size=1, max_size=12)


@settings(max_examples=15, **SETTINGS)
@given(name=names, alias=names)
def test_what_is_imported_exports_and_imports_again_unchanged(small, tmp_path, name, alias):
    """Normalisation is stable: a zone imported from CSV, exported, and imported again is 'already there'."""
    from chainkg.ingest.text import normalize

    assume(normalize(name) and normalize(alias) and normalize(name) not in ("朝阳市", "甲县"))
    assume(";" not in normalize(alias))
    path = tmp_path / "zones.csv"
    path.write_text(f"name,aliases,kind,parent,source,quote\n{name},{alias},park,甲县,s1,甲县\n", encoding="utf-8-sig")
    first = check(small, tmp_path, path)
    if first.exit_code != 0:  # e.g. the alias names another zone: reported, fine
        return
    ds = tmp_path / "work" / "small"
    out = tmp_path / "export"
    result = CliRunner().invoke(cli, ["export", "--format", "csv", "-o", str(out), "--data", str(ds),
                                      "--chains", str(small[1])])
    assert result.exit_code == 0, result.output
    before = snapshot(ds)
    again = CliRunner().invoke(cli, ["import", str(out / "zones.csv"), "--data", str(ds), "--chains", str(small[1])])
    assert again.exit_code == 0, again.output
    assert "没有新增或修改的内容 / nothing new or changed" in again.stderr
    assert snapshot(ds) == before


def test_a_failed_rename_puts_every_file_back(small, tmp_path, monkeypatch):
    """If the disk fails half-way through the renames, the files already replaced get their old bytes back."""
    import os

    from chainkg import exchange

    ds_template, chains = small
    ds = tmp_path / "small"
    shutil.copytree(ds_template, ds)
    book = tmp_path / "two.xlsx"
    write_book(book, [
        (sheet_title("zones"), list(SCHEMA["zones"]), "en",
         [["甲县经济开发区", None, None, "dev_zone", None, "甲县", "s1", "甲县经济开发区"]], False),
        (sheet_title("enterprises"), list(SCHEMA["enterprises"]), "en",
         [["乙公司", None, None, None, None, "甲县", None, "s1", "钛产业链"]], False),
        (sheet_title("sources"), list(SCHEMA["sources"]), "en", [["s2", None, "第二个来源"]], False)])
    before = snapshot(ds)
    real = os.replace
    calls = []

    def failing(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(exchange.os, "replace", failing)
    result = CliRunner().invoke(cli, ["import", str(book), "--data", str(ds), "--chains", str(chains)])
    assert result.exit_code == 1, result.output
    assert "无法写入：No space left on device；未做任何改动 / cannot write: No space left on device; nothing was changed" \
        in result.stderr
    assert snapshot(ds) == before
    assert len(calls) >= 3
