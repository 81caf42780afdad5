"""chainkg gaps / centrality / report through click's CliRunner, with a golden file for ``gaps --format json``.

Regenerate the golden file after a deliberate change of data or scoring with::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/test_analysis_cli.py
"""
import csv
import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from chainkg.cli import cli

GOLDEN = Path(__file__).resolve().parent / "golden" / "gaps.json"


@pytest.fixture(scope="module")
def graph_file(chaoyang, tmp_path_factory):
    from chainkg.build import serialize

    path = tmp_path_factory.mktemp("analysis") / "chaoyang.ttl"
    path.write_bytes(serialize(chaoyang))
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def ok(*args):
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


def test_gaps_json_matches_the_golden_file(graph_file):
    out = ok("gaps", "--graph", graph_file, "--format", "json")
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(out, encoding="utf-8")
    assert GOLDEN.is_file(), "run with UPDATE_GOLDEN=1 to create tests/golden/gaps.json"
    assert out == GOLDEN.read_text(encoding="utf-8"), "gaps changed: check, then regenerate with UPDATE_GOLDEN=1"


def test_gaps_json_is_a_stable_sorted_list_of_objects(graph_file):
    out = ok("gaps", "--graph", graph_file, "--format", "json")
    assert out == ok("gaps", "--graph", graph_file, "--format", "json")
    rows = json.loads(out)
    assert isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows)
    for key in ("zone", "chain", "link", "link_label", "stage", "status", "enterprises", "projects", "priority", "reason"):
        assert all(key in r for r in rows), key
    assert "晶片加工" in out  # ensure_ascii off: Chinese as is
    keys = [(r["scope"] != "city", r["zone"], r["chain_id"], r["priority"] is None, -(r["priority"] or 0), r["order"])
            for r in rows]
    assert keys == sorted(keys)


@pytest.mark.parametrize("name", ["朝阳喀左经济开发区", "喀左经济开发区", "喀左经开区",
                                  "https://w3id.org/chainkg/id/chaoyang/zone/朝阳喀左经济开发区"])
def test_zones_are_accepted_by_name_alias_or_id(graph_file, name):
    rows = json.loads(ok("gaps", "--graph", graph_file, "--zone", name, "--format", "json"))
    assert rows and {r["zone"] for r in rows} == {"朝阳喀左经济开发区"}
    assert {r["chain_id"] for r in rows} == {"compound-semiconductor"}


@pytest.mark.parametrize("name", ["化合物半导体产业链", "化合物半导体", "半导体产业链", "compound-semiconductor"])
def test_chains_are_accepted_by_name_alias_or_id(graph_file, name):
    rows = json.loads(ok("gaps", "--graph", graph_file, "--chain", name, "--format", "json"))
    assert rows and {r["chain_id"] for r in rows} == {"compound-semiconductor"}


def test_a_county_shows_what_its_development_zone_builds(graph_file):
    rows = json.loads(ok("gaps", "--graph", graph_file, "--zone", "喀左", "--status", "missing", "--format", "json"))
    assert {r["link"] for r in rows} >= {"epitaxy", "chips-devices", "end-applications"}
    assert {r["status"] for r in rows} == {"missing"}


def test_the_city_name_gives_the_city_wide_view(graph_file):
    rows = json.loads(ok("gaps", "--graph", graph_file, "--zone", "朝阳市", "--format", "json"))
    assert {r["scope"] for r in rows} == {"city"} and len({r["chain_id"] for r in rows}) >= 5


def test_status_gaps_leaves_out_present_links(graph_file):
    rows = json.loads(ok("gaps", "--graph", graph_file, "--status", "gaps", "--format", "json"))
    assert rows and "present" not in {r["status"] for r in rows}
    assert all(r["priority"] is not None for r in rows)


def test_unknown_zone_or_chain_is_a_clear_error(graph_file):
    result = run("gaps", "--graph", graph_file, "--zone", "火星开发区")
    assert result.exit_code == 1 and "未知的区域" in result.output and "unknown zone" in result.output
    assert "Traceback" not in result.output
    result = run("gaps", "--graph", graph_file, "--chain", "钢")
    assert result.exit_code == 1 and "您是否指" in result.output and "did you mean" in result.output
    result = run("gaps", "--graph", graph_file, "--chain", "数字经济")
    assert result.exit_code == 1 and "no reference template" in result.output


def test_table_md_and_csv_formats(graph_file, tmp_path):
    table = ok("gaps", "--graph", graph_file, "--zone", "喀左经济开发区")
    assert table.splitlines()[0].split()[:3] == ["zone", "chain", "rank"] and "晶片加工" in table
    md = ok("gaps", "--graph", graph_file, "--zone", "喀左经济开发区", "--format", "md")
    assert md.startswith("| rank | zone |") and md.splitlines()[1].startswith("|---|")
    out = tmp_path / "gaps.csv"
    ok("gaps", "--graph", graph_file, "--zone", "喀左经济开发区", "--format", "csv", "-o", out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, for Excel
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["rank"] == "1" and {r["status"] for r in rows} >= {"present", "missing"}


def test_unplaced_lists_enterprises_named_in_a_chain_but_on_no_link(graph_file):
    rows = json.loads(ok("gaps", "--graph", graph_file, "--unplaced", "--format", "json"))
    assert any(r["enterprise"] == "一诺环保" and r["why"] == "lead" for r in rows)
    rows = json.loads(ok("gaps", "--graph", graph_file, "--unplaced", "--chain", "膨润土", "--format", "json"))
    assert {r["enterprise"] for r in rows} >= {"中能建", "天元", "宏宇"}


def test_centrality_ranks_and_lead_comparison(graph_file):
    rows = json.loads(ok("centrality", "--graph", graph_file, "--format", "json", "--top", "5"))
    assert len(rows) == 5 and [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    assert all(r["kind"] == "enterprise" for r in rows)
    steel = json.loads(ok("centrality", "--graph", graph_file, "--chain", "钢铁", "--format", "json"))
    assert steel[0]["label"] == "凌钢" and steel[0]["lead_roles"] == ["龙头"]
    leads = json.loads(ok("centrality", "--graph", graph_file, "--leads", "--format", "json"))
    flags = {(r["chain_id"], r["enterprise"]): r["flag"] for r in leads}
    assert flags[("environmental-equipment", "一诺环保")] == "lead_unplaced"
    assert flags[("steel", "凌钢")] == "agree"


def test_report_markdown_for_a_zone(graph_file):
    md = ok("report", "--graph", graph_file, "--zone", "喀左经济开发区")
    assert md.startswith("# 朝阳喀左经济开发区 产业链补链报告")
    for part in ("## 化合物半导体产业链", "完整度", "### 链主 / Lead enterprises", "通美晶体", "### 缺链清单",
                 "### 项目 / Projects", "## 来源 / Sources", "004_201a132a17332222", "优先级 = 100"):
        assert part in md, part
    # completeness = share of links present: 2 of 16 here
    assert "完整度（已有环节占比）12%（2/16）" in md


def test_report_html_is_self_contained_and_escaped(graph_file, tmp_path):
    out = tmp_path / "kazuo.html"
    ok("report", "--graph", graph_file, "--zone", "喀左经济开发区", "--format", "html", "-o", out)
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<script" not in page and "http-equiv" not in page and "<link" not in page
    assert 'class="s-missing"' in page and "晶片加工" in page


def test_report_all_writes_one_file_per_zone(graph_file, tmp_path):
    ok("report", "--graph", graph_file, "--all", "--format", "md", "-o", tmp_path / "reports")
    names = {p.name for p in (tmp_path / "reports").iterdir()}
    assert {"朝阳喀左经济开发区.md", "朝阳市.md", "凌源经济开发区.md", "朝阳北票经济开发区.md"} <= names


def test_report_needs_exactly_one_of_zone_and_all(graph_file):
    for args in ((), ("--zone", "喀左", "--all", "-o", "x")):
        result = run("report", "--graph", graph_file, *args)
        assert result.exit_code == 1 and "--zone" in result.output and "Traceback" not in result.output
    result = run("report", "--graph", graph_file, "--all")
    assert result.exit_code == 1 and "-o" in result.output


def test_help_does_not_import_heavy_libraries():
    import subprocess
    import sys

    code = ("import sys; from chainkg.cli import cli; from click.testing import CliRunner; "
            "r = CliRunner().invoke(cli, ['gaps', '--help']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in ('rdflib', 'networkx', 'pyvis', 'pyoxigraph') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
