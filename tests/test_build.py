"""chainkg build: deterministic output, readable by rdflib and Oxigraph, atomic, and clear about bad input."""
import csv
import io
from pathlib import Path

from click.testing import CliRunner

from chainkg.cli import cli
from chainkg.namespaces import CK, RDF, RDFS


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_build_is_byte_identical_for_the_same_input(tmp_path):
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    assert run("build", "--out", a).exit_code == 0
    assert run("build", "--out", b).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_built_graph_parses_with_rdflib_and_pyoxigraph(tmp_path):
    import pyoxigraph
    from rdflib import Graph

    out = tmp_path / "chaoyang.ttl"
    result = run("build", "--out", out)
    assert result.exit_code == 0, result.output
    g = Graph().parse(out, format="turtle")
    store = pyoxigraph.Store()
    store.bulk_load(path=str(out), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) == len(g) > 5000


def test_every_quote_is_verbatim_in_its_article(chaoyang):
    from chainkg.ingest.text import squash
    from chainkg.namespaces import DCTERMS, PROV
    from chainkg.resources import default_dataset

    texts = {p.stem: squash(p.read_text(encoding="utf-8")) for p in (default_dataset() / "sources").glob("*.txt")}
    checked = 0
    for ev in chaoyang.subjects(RDF.type, CK.Evidence):
        doc = chaoyang.value(ev, PROV.wasDerivedFrom)
        sid = str(chaoyang.value(doc, DCTERMS.identifier))
        if sid in texts:
            assert squash(str(chaoyang.value(ev, CK.quote))) in texts[sid]
            checked += 1
    assert checked > 500


def test_named_things_from_the_articles_are_in_the_graph(chaoyang):
    from chainkg.namespaces import SKOS

    labels = {str(o) for o in chaoyang.objects(None, RDFS.label)} | {str(o) for o in chaoyang.objects(None, SKOS.altLabel)}
    for name in ["喀喇沁左翼蒙古族自治县", "北票市", "凌源市", "龙城区", "双塔区", "建平县",
                 "喀左经济开发区", "建平经济开发区", "朝阳高新技术产业开发区",
                 "通美晶体", "浪马轮胎", "鞍钢集团朝阳钢铁有限公司", "凌钢"]:
        assert name in labels, name


def test_project_investment_is_decimal_yuan_with_original_wording(chaoyang):
    from decimal import Decimal

    from chainkg.namespaces import SDO

    found = {}
    for project in chaoyang.subjects(RDF.type, CK.Project):
        amount = chaoyang.value(project, CK.investment)
        if amount is not None:
            found[str(chaoyang.value(project, RDFS.label))] = (
                chaoyang.value(amount, SDO.value).toPython(), str(chaoyang.value(amount, CK.originalText)))
    # 龙城区 article: 朝阳浪马轮胎有限责任公司投资3203万元建设轮胎制造数字化管控系统应用项目
    matches = [v for k, v in found.items() if "数字化管控系统" in k]
    assert matches and matches[0] == (Decimal(32_030_000), "3203万元")
    assert all(v >= 0 for v, _ in found.values())


def test_conflicts_keep_every_claim_with_its_source(chaoyang):
    from chainkg.namespaces import PROV

    conflicts = list(chaoyang.subjects(RDF.type, CK.Conflict))
    assert conflicts
    for c in conflicts:
        claims = list(chaoyang.objects(c, CK.claim))
        assert len(claims) >= 2
        assert all(chaoyang.value(cl, PROV.wasDerivedFrom) is not None and chaoyang.value(cl, CK.quote) for cl in claims)


# ---------------------------------------------------------------------------------------------- bad input
def _edit_csv(path: Path, edit):
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    header = list(rows[0].keys())
    rows, header = edit(rows, header)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _first(dataset, table):
    return sorted((dataset / table).glob("*.csv"))[0]


def _build_fails(dataset, tmp_path, *fragments):
    out = tmp_path / "out.ttl"
    out.write_text("previous output", encoding="utf-8")
    result = run("build", "--data", dataset, "--out", out)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    assert out.read_text(encoding="utf-8") == "previous output"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.ttl")] == []
    return result.output


def test_missing_column(dataset, tmp_path):
    path = _first(dataset, "projects")

    def drop_zone(rows, header):
        header.remove("zone")
        return [{k: v for k, v in r.items() if k != "zone"} for r in rows], header

    _edit_csv(path, drop_zone)
    _build_fails(dataset, tmp_path, f"projects/{path.name}", "第1行 / row 1", "缺少必填列 zone", "missing required column zone")


def test_negative_amount(dataset, tmp_path):
    path = _first(dataset, "projects")

    def negative(rows, header):
        rows[0]["investment"] = "-5亿元"
        return rows, header

    _edit_csv(path, negative)
    _build_fails(dataset, tmp_path, f"projects/{path.name}", "第2行 / row 2", "字段 investment",
                 "投资额不能为负", "investment must not be negative")


def test_unknown_zone_suggests_the_closest(dataset, tmp_path):
    path = _first(dataset, "projects")

    def typo(rows, header):
        rows[0]["zone"] = "龙城"
        return rows, header

    _edit_csv(path, typo)
    out = _build_fails(dataset, tmp_path, f"projects/{path.name}", "第2行 / row 2", "字段 zone",
                       "未知的区域“龙城”", "unknown zone '龙城'")
    assert "did you mean 龙城区?" in out


def test_duplicate_id(dataset, tmp_path):
    path = _first(dataset, "enterprises")

    def duplicate(rows, header):
        return rows + [dict(rows[0])], header

    _edit_csv(path, duplicate)
    _build_fails(dataset, tmp_path, f"enterprises/{path.name}", "重复的记录", "duplicate record")


def test_duplicate_source_id(dataset, tmp_path):
    path = dataset / "sources.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines + [lines[1]]) + "\n", encoding="utf-8")
    _build_fails(dataset, tmp_path, "sources.csv", "重复的来源 id", "duplicate source id")


def test_non_utf8_file(dataset, tmp_path):
    path = _first(dataset, "zones")
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    _build_fails(dataset, tmp_path, f"zones/{path.name}", "不是 UTF-8", "not UTF-8")


def test_quote_not_in_the_article(dataset, tmp_path):
    path = _first(dataset, "zones")

    def invent(rows, header):
        rows[0]["quote"] = "这句话文章里没有"
        return rows, header

    _edit_csv(path, invent)
    _build_fails(dataset, tmp_path, "原文摘录在来源文献中找不到", "quote not found in the source text")


def test_all_problems_are_reported_at_once(dataset, tmp_path):
    path = _first(dataset, "projects")

    def two(rows, header):
        rows[0]["zone"] = "不存在的区"
        rows[1]["status"] = "差不多"
        return rows, header

    _edit_csv(path, two)
    _build_fails(dataset, tmp_path, "不存在的区", "unknown status '差不多'", "2 problems found")


def test_malformed_turtle_is_reported_by_validate(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ck: <https://w3id.org/chainkg/ontology#> .\nck:a ck:b .\n", encoding="utf-8")
    result = run("validate", bad)
    assert result.exit_code == 1
    assert "无法解析 turtle" in result.output and "cannot parse turtle" in result.output
    assert "Traceback" not in result.output


def test_validate_accepts_turtle_ntriples_and_jsonld(tmp_path):
    for fmt, ext in (("ttl", "ttl"), ("nt", "nt"), ("jsonld", "jsonld")):
        out = tmp_path / f"g.{ext}"
        assert run("export", "--format", fmt, "-o", out).exit_code == 0
        result = run("validate", out)
        assert result.exit_code == 0, result.output
        assert "conforms" in result.output


def test_stats_counts_classes_and_sources():
    result = run("stats")
    assert result.exit_code == 0
    assert "Project\t" in result.output and "004_201a132a17332222\t" in result.output
