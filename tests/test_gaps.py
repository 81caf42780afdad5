"""Gap analysis: hand-made chains whose statuses, scores, ranks and reasons were worked out by hand, the
projection from RDF, the Chaoyang graph, and the reference chain templates themselves."""
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph, Literal, URIRef

from chainkg.analysis.gaps import all_gaps, chain_metrics, link_gaps, summarize, unplaced, zone_gaps
from chainkg.namespaces import CK, ORG, RDF, RDFS, SKOS
from chainkg.project import project

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "data" / "chains").glob("*.yaml"))


def _line():
    g = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    for i, n in enumerate("abcd"):
        g.nodes[n].update(order=i, label=n.upper(), id=n)
    return g


def _fork():
    """r1 → m ← r2, m → d1, m → d2."""
    g = nx.DiGraph([("r1", "m"), ("r2", "m"), ("m", "d1"), ("m", "d2")])
    for i, n in enumerate(["r1", "r2", "m", "d1", "d2"]):
        g.nodes[n].update(order=i, id=n, label=n, stage="upstream" if n[0] == "r" else "downstream")
    return g


def _by_link(rows):
    return {r["link"]: r for r in rows}


# --------------------------------------------------------------------------- hand-made chains
def test_line_chain_statuses_scores_and_ranks_by_hand():
    # a: 2 enterprises (present), c: 1 (weak); lead 甲 on a.
    # betweenness (raw): b 2 (a→c, a→d), c 2 (a→d, b→d) → relative 1.0 for both; a, d 0.
    # b: fill (a up, c down) T=1, B=1, R=2/2, A=1 (next to a) → 100·(0.40+0.25+0.20+0.15) = 100
    # c: weak T=0.6, B=1, R=1/1 (a upstream), A=0 → 100·(0.24+0.25+0.20) = 69
    # d: extend downstream 1 step T=0.8, B=0, R=2/2, A=0 → 100·(0.32+0.20) = 52
    rows = link_gaps(_line(), {"a": ["甲", "乙"], "c": ["丙"]}, leads={"甲": ["a"]}, zone="Z", chain="C")
    assert [(r["link"], r["status"], r["gap_type"], r["priority"], r["rank"]) for r in rows] == [
        ("b", "missing", "fill", 100.0, 1), ("c", "weak", "strengthen", 69.0, 2), ("d", "missing", "extend", 52.0, 3),
        ("a", "present", None, None, None)]
    b, c, d, a = rows
    assert (b["type_weight"], b["betweenness"], b["reach"], b["lead_adjacent"]) == (1.0, 1.0, 1.0, 1)
    assert (b["hosted_upstream"], b["hosted_downstream"], b["distance"]) == (1, 1, 1)
    assert (d["type_weight"], d["betweenness"], d["reach"], d["distance"]) == (0.8, 0.0, 1.0, 1)
    assert c["enterprises"] == ["丙"] and a["enterprises"] == ["乙", "甲"]
    assert b["leads_adjacent"] == ["甲"] and b["zone"] == "Z" and b["chain"] == "C"
    assert b["reason"].startswith("补链：上游已有 A，下游已有 C") and "与链主 甲 所在的 A 直接相邻" in b["reason"]
    assert b["reason_en"].startswith("Fill (补链)")
    assert c["reason"].startswith("强链：仅 丙 一家企业") and d["reason"].startswith("延链：向下游延伸")
    assert a["reason"] == "已有 2 家企业：乙、甲。"


def test_fork_chain_with_projects_and_elsewhere_by_hand():
    # r1: 2 enterprises; d1: 1 (the lead 丙); r2: a signed project; d2: an enterprise elsewhere in the city.
    # betweenness: only m lies on paths (r1→d1, r1→d2, r2→d1, r2→d2) → m 1.0, others 0.
    # m: fill, T=1, B=1, R=2/2, A=1 (d1 is the lead's link) → 100
    # d1: weak, T=0.6, B=0, R=1/1, A=0 (the lead covers d1 itself, not a neighbour) → 44
    # d2: elsewhere, extend downstream 2 steps (r1→m→d2): T=0.4, R=1/2 → 100·(0.16+0.10) = 26
    # r2: in_progress, extend upstream 2 steps (r2→m→d1): T=0.4, R=1/2, S=0.5 → 13
    rows = link_gaps(_fork(), {"r1": ["甲", "乙"], "d1": ["丙"]}, elsewhere={"d2": ["丁（别区）"]},
                     projects={"r2": [{"label": "项目一", "status": "签约", "under_way": True}]}, leads={"丙": ["d1"]})
    assert [(r["link"], r["status"], r["gap_type"], r["priority"]) for r in rows] == [
        ("m", "missing", "fill", 100.0), ("d1", "weak", "strengthen", 44.0), ("d2", "elsewhere", "extend", 26.0),
        ("r2", "in_progress", "extend", 13.0), ("r1", "present", None, None)]
    rows = _by_link(rows)
    assert rows["r2"]["status_weight"] == 0.5 and rows["r2"]["projects"] == ["项目一（签约）"]
    assert "已有项目在推进：项目一（签约）" in rows["r2"]["reason"]
    assert rows["d2"]["elsewhere"] == ["丁（别区）"] and "市内其他区域已有 丁（别区）" in rows["d2"]["reason"]
    assert rows["d2"]["distance"] == 2 and rows["r2"]["distance"] == 2
    assert "全市尚无企业覆盖此环节" in rows["m"]["reason"]


def test_nothing_hosted_is_build_and_ranked_by_betweenness():
    # a → b → c, nothing hosted: every link is 建链 (T=0.2), R=0, A=0; b has betweenness 1.
    rows = link_gaps(nx.DiGraph([("a", "b"), ("b", "c")]), {})
    assert [(r["link"], r["gap_type"], r["priority"]) for r in rows] == [("b", "build", 33.0), ("a", "build", 8.0),
                                                                          ("c", "build", 8.0)]
    assert rows[0]["reason"].startswith("建链")


def test_a_project_not_yet_under_way_leaves_the_link_missing():
    rows = _by_link(link_gaps(_line(), {"a": ["甲", "乙"]},
                              projects={"b": [{"label": "谋划中", "status": "谋划", "under_way": False}]}))
    assert rows["b"]["status"] == "missing" and rows["b"]["projects"] == ["谋划中（谋划）"]
    assert "相关项目：谋划中（谋划）" in rows["b"]["reason"]


def test_links_a_source_says_the_zone_has_are_halved_until_verified():
    # same line as above; the source says the zone has b and d (no enterprise named): S = 0.5 for them,
    # so b 100 → 50 and d 52 → 26, while the weak c keeps 69 and now ranks first
    rows = link_gaps(_line(), {"a": ["甲", "乙"], "c": ["丙"]}, leads={"甲": ["a"]}, stated={"b", "d", "c"})
    assert [(r["link"], r["priority"], r["status_weight"]) for r in rows if r["priority"] is not None] == [
        ("c", 69.0, 1.0), ("b", 50.0, 0.5), ("d", 26.0, 0.5)]
    rows = _by_link(rows)
    assert rows["b"]["stated_in_source"] and "来源称区内已有此环节但未指明企业" in rows["b"]["reason"]
    assert "来源称" not in rows["c"]["reason"] and not rows["a"]["stated_in_source"]


def test_chain_metrics_bitmasks_and_relative_betweenness():
    m = chain_metrics(_fork())
    assert m["nodes"] == ["r1", "r2", "m", "d1", "d2"]
    assert m["anc"]["d2"] == 0b00111 and m["desc"]["r2"] == 0b11100
    assert m["betweenness"] == {"r1": 0.0, "r2": 0.0, "m": 1.0, "d1": 0.0, "d2": 0.0}


def test_summarize_counts_and_completeness():
    rows = link_gaps(_line(), {"a": ["甲", "乙"], "c": ["丙"]})
    s = summarize([dict(r, zone="Z", chain="C") for r in rows])[0]
    assert (s["links"], s["present"], s["weak"], s["missing"]) == (4, 1, 1, 2)
    assert (s["completeness"], s["hosted_share"]) == (0.25, 0.5)


# --------------------------------------------------------------------------- projection from RDF
ID = "https://w3id.org/chainkg/id/t/"


def _tiny_graph():
    """City ⊃ county ⊃ park; a 3-link reference chain; enterprises in the park and in another county."""
    g = Graph()
    n = lambda s: URIRef(ID + s)  # noqa: E731
    zh = lambda s: Literal(s, lang="zh")  # noqa: E731
    for z, cls, parent in (("city", CK.City, None), ("county", CK.County, "city"), ("park", CK.IndustrialPark, "county"),
                           ("other", CK.County, "city")):
        g.add((n(z), RDF.type, cls))
        g.add((n(z), RDFS.label, zh({"city": "甲市", "county": "乙县", "park": "丙园", "other": "丁县"}[z])))
        if parent:
            g.add((n(z), CK.partOf, n(parent)))
    g.add((n("county"), SKOS.altLabel, zh("乙")))
    chain = n("chain/x")
    g.add((chain, RDF.type, CK.ReferenceChain))
    g.add((chain, RDFS.label, zh("某链")))
    for i, (link, stage) in enumerate((("up", CK.Upstream), ("mid", CK.Midstream), ("down", CK.Downstream))):
        li = n(f"chain/x/{link}")
        g.add((li, RDF.type, CK.ChainLink))
        g.add((li, SKOS.inScheme, chain))
        g.add((li, SKOS.prefLabel, zh(["上", "中", "下"][i])))
        g.add((li, CK.stage, stage))
    g.add((n("chain/x/up"), CK.feedsInto, n("chain/x/mid")))
    g.add((n("chain/x/mid"), CK.feedsInto, n("chain/x/down")))
    for e, zone, links in (("e1", "park", ["up"]), ("e2", "park", ["up", "down"]), ("e3", "other", ["mid"])):
        g.add((n(e), RDF.type, CK.Enterprise))
        g.add((n(e), RDFS.label, zh(e)))
        g.add((n(e), CK.locatedIn, n(zone)))
        for link in links:
            g.add((n(e), CK.coversLink, n(f"chain/x/{link}")))
    zc = n("zc")
    g.add((zc, RDF.type, CK.ZoneChain))
    g.add((zc, CK.zone, n("park")))
    g.add((zc, CK.chain, chain))
    g.add((n("park"), CK.develops, chain))
    role = n("role")
    g.add((role, RDF.type, CK.LeadRole))
    g.add((role, CK.enterprise, n("e2")))
    g.add((role, CK.chain, chain))
    g.add((role, CK.zone, n("park")))
    g.add((role, CK.roleWord, zh("链主")))
    p = n("project")
    g.add((p, RDF.type, CK.Project))
    g.add((p, RDFS.label, zh("中游项目")))
    g.add((p, CK.inZone, n("park")))
    g.add((p, CK.status, CK.StatusUnderConstruction))
    g.add((p, CK.servesLink, n("chain/x/mid")))
    g.add((n("e1"), ORG.subOrganizationOf, n("e2")))
    return g


def test_projection_reads_zones_chains_enterprises_roles_and_projects():
    p = project(_tiny_graph())
    chain = ID + "chain/x"
    assert p.reference_chains() == [chain]
    assert [p.links[n]["label"] for n in sorted(p.chain_graphs[chain], key=lambda n: p.links[n]["order"])] == ["上", "中", "下"]
    assert p.ancestors(ID + "park") == {ID + "park", ID + "county", ID + "city"}
    # an enterprise in a park of the county counts for the county and the city
    assert p.enterprises_in(ID + "county") == {ID + "e1", ID + "e2"}
    assert p.enterprises_in(ID + "city") == {ID + "e1", ID + "e2", ID + "e3"}
    assert p.region(ID + "park") == ID + "city"
    assert p.developed() == [(ID + "park", chain)] and p.chains_of(ID + "county") == [chain]
    assert [r["enterprise"] for r in p.leads_for(ID + "county", chain)] == [ID + "e2"]
    assert p.projects[ID + "project"]["status"] == "在建" and p.projects[ID + "project"]["links"] == [ID + "chain/x/mid"]
    assert p.coverage(ID + "park", chain) == {ID + "chain/x/up": [ID + "e1", ID + "e2"], ID + "chain/x/down": [ID + "e2"]}


def test_zone_gaps_on_the_projection_counts_parks_projects_and_the_city():
    p = project(_tiny_graph())
    rows = _by_link(zone_gaps(p, ID + "county", ID + "chain/x"))
    # up: e1, e2 → present; mid: no one in the county, project 在建 there → in_progress (e3 is elsewhere too);
    # down: e2 only → weak
    assert (rows["up"]["status"], rows["mid"]["status"], rows["down"]["status"]) == ("present", "in_progress", "weak")
    assert rows["mid"]["elsewhere"] == ["e3（丁县）"] and rows["mid"]["projects"] == ["中游项目（在建）"]
    # mid: fill (up hosted above, down below) T=1, B=1, R=2/2, A=1 (e2 the lead covers up and down), S=0.5 → 50
    assert rows["mid"]["gap_type"] == "fill" and rows["mid"]["priority"] == 50.0
    # down: weak T=0.6, B=0, R=1/1, A=0 (its neighbour mid is not the lead's) → 44
    assert rows["down"]["priority"] == 44.0
    city = _by_link(r for r in all_gaps(p) if r["scope"] == "city")
    assert city["mid"]["status"] == "weak" and city["mid"]["zone"] == "甲市"
    assert {r["scope"] for r in all_gaps(p)} == {"zone", "city"}


def test_all_gaps_is_deterministic_and_sorted():
    p = project(_tiny_graph())
    a, b = all_gaps(p), all_gaps(project(_tiny_graph()))
    assert a == b
    keys = [(r["scope"] != "city", r["zone"], r["chain_id"], r["priority"] is None, -(r["priority"] or 0), r["order"])
            for r in a]
    assert keys == sorted(keys)


# --------------------------------------------------------------------------- Chaoyang
@pytest.fixture(scope="module")
def proj(chaoyang):
    return project(chaoyang)


def _zone(p, name):
    return next(z for z, i in p.zones.items() if name in i["names"])


def _chain(p, cid):
    return next(c for c, i in p.chains.items() if i["id"] == cid)


def test_kazuo_compound_semiconductor_upstream_and_crystal_present_downstream_missing(proj):
    kazuo, chain = _zone(proj, "喀左经济开发区"), _chain(proj, "compound-semiconductor")
    assert (kazuo, chain) in proj.developed()
    rows = _by_link(zone_gaps(proj, kazuo, chain))
    hosted = {"present", "weak"}
    # upstream raw materials and auxiliaries, crystal growth and substrates are hosted
    for link in ("high-purity-gallium", "high-purity-arsenic", "pbn-crucible", "quartz-ware", "single-crystal-growth",
                 "substrate"):
        assert rows[link]["status"] in hosted, (link, rows[link]["status"])
    assert rows["high-purity-arsenic"]["status"] == rows["single-crystal-growth"]["status"] == "present"
    assert "通美晶体" in rows["single-crystal-growth"]["enterprises"]
    # downstream epitaxy, devices and applications are missing
    for link in ("epitaxy", "chips-devices", "end-applications"):
        assert rows[link]["status"] == "missing"
        assert rows[link]["gap_type"] == "extend" and rows[link]["hosted_upstream"] > 0
    assert rows["epitaxy"]["priority"] > rows["chips-devices"]["priority"] > rows["end-applications"]["priority"]
    assert rows["single-crystal-growth"]["leads"] == ["通美晶体"]
    # the county counts what its development zone builds
    county = _zone(proj, "喀喇沁左翼蒙古族自治县")
    assert chain in proj.chains_of(county)
    assert {r["link"]: r["status"] for r in zone_gaps(proj, county, chain)} == {k: r["status"] for k, r in rows.items()}


def test_every_chaoyang_gap_row_is_complete(proj):
    rows = all_gaps(proj)
    assert rows and {r["status"] for r in rows} <= {"present", "weak", "in_progress", "elsewhere", "missing"}
    for r in rows:
        for key in ("zone", "chain", "link", "link_label", "stage", "status", "enterprises", "projects", "priority",
                    "reason", "reason_en"):
            assert key in r
        assert (r["priority"] is None) == (r["status"] == "present")
        if r["priority"] is not None:
            assert 0 <= r["priority"] <= 100 and r["rank"] >= 1 and r["gap_type"] in ("fill", "extend", "build",
                                                                                      "strengthen")
        assert r["reason"].endswith("。")


def test_lingyuan_steel_and_the_high_tech_zone_see_each_other(proj):
    gaoxin, steel = _zone(proj, "朝阳高新技术产业开发区"), _chain(proj, "steel")
    rows = _by_link(zone_gaps(proj, gaoxin, steel))
    # 凌钢 (凌源) rolls steel; the high-tech zone's 鞍钢朝阳钢铁 is placed only on special steel
    assert rows["special-steel"]["enterprises"] == ["鞍钢集团朝阳钢铁有限公司"]
    assert rows["steel-rolling"]["status"] == "elsewhere" and rows["steel-rolling"]["elsewhere"][0].startswith("凌钢")


def test_enterprises_in_a_chain_but_on_no_link_are_reported_unplaced(proj):
    rows = unplaced(proj)
    pairs = {(r["enterprise"], r["chain_id"]) for r in rows}
    assert ("一诺环保", "environmental-equipment") in pairs  # 龙头 of 环保产业链, no link stated
    assert {("中能建", "bentonite"), ("唯科矿产", "bentonite")} <= pairs  # 膨润土材料生产企业, no link stated
    # a placed enterprise is never unplaced for the same chain
    placed = {(proj.enterprises[e]["label"], proj.chains[proj.links[l]["chain"]]["id"])
              for e, info in proj.enterprises.items() for l in info["links"]}
    assert not pairs & placed


# --------------------------------------------------------------------------- reference chains
def test_templates_were_found():
    assert len(TEMPLATES) >= 10


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_every_reference_chain_has_a_source_no_cycle_and_zh_labels(path, chaoyang, chaoyang_build, proj):
    from chainkg.namespaces import DCTERMS, PROV

    assert chaoyang_build.report is not None and chaoyang_build.report.conforms  # the shapes validate the templates
    chain = _chain(proj, path.stem)
    assert proj.chains[chain]["reference"]
    docs = list(chaoyang.objects(URIRef(chain), PROV.wasDerivedFrom))
    assert docs and any(chaoyang.value(d, DCTERMS.source) for d in docs)
    dag = proj.chain_graphs[chain]
    assert len(dag) >= 6 and nx.is_directed_acyclic_graph(dag)
    for link in dag:
        assert any(o.language and o.language.lower().startswith("zh") for o in chaoyang.objects(URIRef(link), SKOS.prefLabel))
        assert proj.links[link]["stage"] in ("upstream", "midstream", "downstream")


def test_chains_with_cross_chain_edges_stay_acyclic(proj):
    union = nx.DiGraph()
    for g in proj.chain_graphs.values():
        union.add_edges_from(g.edges())
    union.add_edges_from(proj.cross_edges)
    assert proj.cross_edges and nx.is_directed_acyclic_graph(union)


def test_placement_files_are_named_after_their_sources_and_cite_them():
    import csv

    folder = ROOT / "data" / "chaoyang" / "placements"
    sources = {r["id"] for r in csv.DictReader((ROOT / "data" / "chaoyang" / "sources.csv").open(encoding="utf-8-sig"))}
    files = sorted(folder.glob("*.csv"))
    assert files
    for f in files:
        rows = list(csv.DictReader(f.open(encoding="utf-8-sig")))
        assert f.stem in sources and rows
        for r in rows:
            assert r["source"] == f.stem and r["quote"] and r["evidence"] in ("article", "reference")
            assert (r["evidence"] == "article") == (not f.stem.startswith("ref_"))
