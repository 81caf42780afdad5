"""Maps without a browser: the model's layout and styles, the page's self-containment and escaping, the
adapter on the Chaoyang graph, ``chainkg map`` and writing under a GBK locale.

The same maps are opened in headless Chromium by tests/test_browser.py.
"""
import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from chainkg.cli import cli
from chainkg.render.html import VIS_NETWORK_SHA256, render_html, script_json, write_map
from chainkg.render.model import chain_map, chains_map, city_map, layer_links, sample_spec

ROOT = Path(__file__).resolve().parent.parent
XSS = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>"]


def hand_chain():
    """a → b → c (upstream, midstream, downstream) and a → c; d upstream feeds b.

    a: two enterprises, the first lead; b: none but a project under way; c: missing; d: one enterprise,
    which also covers c's neighbour b (so it is one node with two edges).
    """
    e_lead = {"id": "E1", "label": "甲企业", "lead": True, "role": "链主",
              "quotes": [{"source": "文A", "quote": "甲企业为链主"}]}
    e2 = {"id": "E2", "label": "乙企业"}
    e3 = {"id": "E3", "label": "丙企业"}
    return {"id": "ch", "label": "测试链", "label_en": "Test chain", "links": [
        {"id": "a", "label": "甲环节", "label_en": "Link A", "stage": "upstream", "status": "present",
         "enterprises": [e2, e_lead]},
        {"id": "d", "label": "丁环节", "stage": "upstream", "status": "weak", "priority": 40.5, "rank": 2,
         "enterprises": [e3]},
        {"id": "b", "label": "乙环节", "stage": "midstream", "status": "in_progress", "priority": 50, "rank": 1,
         "reason": "补链：理由", "reason_en": "Fill: why",
         "enterprises": [e3],
         "projects": [{"id": "P1", "label": "大项目", "status": "在建", "under_way": True, "investment": 2e9,
                       "investment_text": "20亿元"},
                      {"id": "P2", "label": "小项目", "status": "签约", "under_way": True, "investment": 3e7}]},
        {"id": "c", "label": "丙环节", "stage": "downstream", "status": "missing", "priority": 30, "rank": 3},
    ], "edges": [("a", "b"), ("b", "c"), ("a", "c"), ("d", "b")]}


# ------------------------------------------------------------------------------------------------ model
def test_layering_puts_stages_left_to_right_and_paths_in_order():
    links = [{"id": "u1", "stage": "upstream"}, {"id": "u2", "stage": "upstream"},
             {"id": "m1", "stage": "midstream"}, {"id": "m2", "stage": "midstream"},
             {"id": "m3", "stage": "midstream"}, {"id": "x", "stage": None}, {"id": "d1", "stage": "downstream"}]
    edges = [("u1", "u2"), ("u2", "m1"), ("m1", "m2"), ("m2", "m3"), ("m1", "m3"), ("d1", "u1"), ("m3", "m1")]
    cols, spans = layer_links(links, edges)
    # worked out by hand: u1 → u2 inside upstream (0, 1); m1 → m2 → m3 inside midstream (2, 3, 4);
    # the back edges d1 → u1 and m3 → m1 (a cycle) are ignored; links without a stage come last
    assert cols == {"u1": 0, "u2": 1, "m1": 2, "m2": 3, "m3": 4, "d1": 5, "x": 6}
    assert spans == {"upstream": (0, 1), "midstream": (2, 4), "downstream": (5, 5), None: (6, 6)}


def test_chain_map_nodes_edges_positions_and_styles():
    m = chain_map(hand_chain())
    by = {n["id"]: n for n in m.nodes}
    # 4 links + 3 enterprises + 2 projects; E3 covers d and b: one node, two edges
    assert m.counts() == (9, 4 + 2 + 4)  # covers (E3 twice), serves, feeds
    assert sorted(n["id"] for n in m.nodes if n["kind"] == "enterprise") == ["e:E1", "e:E2", "e:E3"]
    assert sum(1 for e in m.edges if e["from"] == "e:E3") == 2
    # left to right by stage, every feeds edge points rightwards
    x = {lid: by[f"l:ch:{lid}"]["x"] for lid in "abcd"}
    assert x["a"] == x["d"] < x["b"] < x["c"]
    for e in m.edges:
        if e["kind"] == "feeds":
            assert by[e["from"]]["x"] < by[e["to"]]["x"]
    # no two nodes on the same spot; satellites sit below their home link, in its column
    spots = [(n["x"], n["y"]) for n in m.nodes]
    assert len(set(spots)) == len(spots)
    for sid, home in (("e:E1", "a"), ("e:E2", "a"), ("e:E3", "d"), ("p:P1", "b"), ("p:P2", "b")):
        link = by[f"l:ch:{home}"]
        assert by[sid]["y"] > link["y"] and abs(by[sid]["x"] - link["x"]) < 200
    # the lead first under its link, as a star, marked in the label and the tooltip
    assert by["e:E1"]["vis"]["shape"] == "star" and by["e:E1"]["label"]["zh"] == "★甲企业"
    assert by["e:E1"]["y"] < by["e:E2"]["y"] and by["e:E2"]["vis"]["shape"] == "dot"
    items = [i["zh"] for s in by["l:ch:a"]["info"]["sections"] for i in s.get("items", [])]
    assert "★ 甲企业（链主）" in items
    # missing is hollow and dashed, the others filled in their own colour; edges into it are dashed
    c = by["l:ch:c"]["vis"]
    assert c["color"]["background"] == "#ffffff" and c["shapeProperties"]["borderDashes"]
    fills = {by[f"l:ch:{l}"]["vis"]["color"]["background"] for l in "abd"}
    assert len(fills) == 3 and "#ffffff" not in fills
    assert all("shapeProperties" not in by[f"l:ch:{l}"]["vis"] for l in "abd")
    into_c = [e for e in m.edges if e["to"] == "l:ch:c"]
    assert into_c and all(e["vis"]["dashes"] for e in into_c)
    # projects: size grows with investment, label carries the amount, status in the tooltip
    assert by["p:P1"]["vis"]["size"] > by["p:P2"]["vis"]["size"]
    assert by["p:P1"]["label"] == {"zh": "大项目 · 20亿元 · 在建", "en": "大项目 · CNY 2 bn · under construction"}
    assert ["状态", "在建"] in [[f[0]["zh"], f[1]["zh"]] for f in by["p:P1"]["info"]["fields"]]
    # tooltip of a gap: priority with rank, reason in both languages
    fields = {f[0]["zh"]: f[1] for f in by["l:ch:b"]["info"]["fields"]}
    assert fields["优先级"] == {"zh": "50（第 1 位）", "en": "50 (rank 1)"}
    reason = next(s for s in by["l:ch:b"]["info"]["sections"] if s["head"]["zh"] == "原因")
    assert reason["text"] == {"zh": "补链：理由", "en": "Fill: why"}
    # filters: stage and status, only the values present
    assert [v["value"] for v in m.facets[0]["values"]] == ["upstream", "midstream", "downstream"]
    assert [v["value"] for v in m.facets[1]["values"]] == ["present", "weak", "in_progress", "missing"]
    assert by["p:P1"]["facets"] == {"stage": "midstream", "status": "in_progress"}
    assert not m.grouped and m.visible_counts() == m.counts()


def test_large_maps_fold_crowded_links_into_groups():
    spec = sample_spec(1000)
    m = chains_map(spec, group_threshold=300, group_min=4)
    assert m.grouped and m.counts()[0] > 1000  # group nodes come on top of the 1,000
    groups = [n for n in m.nodes if n["kind"] == "group"]
    members = {mid for g in groups for mid in g["members"]}
    by = {n["id"]: n for n in m.nodes}
    for g in groups:
        assert len(g["members"]) > 4
        assert all(by[mid]["group"] == g["id"] and by[mid]["hidden"] for mid in g["members"])
        assert re.search(r"\d+ (家企业|个项目)", g["label"]["zh"])
    shown = [n for n in m.nodes if not n.get("hidden")]
    assert len(shown) == 1000 - len(members) + len(groups) == m.visible_counts()[0]
    # folding moves nothing: unfolded, every node is where the flat map has it, and no two share a spot
    flat = {n["id"]: (n["x"], n["y"]) for n in chains_map(spec, group_threshold=None).nodes}
    assert all((n["x"], n["y"]) == flat[n["id"]] for n in m.nodes if n["kind"] != "group")
    assert len(set(flat.values())) == len(flat) == 1000
    # below the threshold, or with it off, nothing folds
    assert not chains_map(spec, group_threshold=None).grouped
    assert not chains_map(sample_spec(200), group_threshold=300).grouped


def test_sample_specs_have_exactly_the_nodes_asked_for():
    for n in (100, 500, 2000):
        m = chains_map(sample_spec(n), group_threshold=None)
        assert m.counts()[0] == n == m.visible_counts()[0]


def test_city_map_tiers_sizes_and_shared_leads():
    spec = {"title": {"zh": "市", "en": "City"}, "zones": [
        {"id": "z1", "label": "甲区", "investment": 4e9, "chains": [
            {"id": "steel", "label": "钢铁", "investment": 4e9, "hosted_share": 0.6, "links": 5,
             "counts": {"present": 3, "missing": 2}, "gaps": [{"label": "烧结", "status": "missing", "priority": 80}],
             "leads": [{"id": "lg", "label": "凌钢", "investment": 4e9, "role": "龙头"}]}]},
        {"id": "z2", "label": "乙区", "investment": 1e9, "chains": [
            {"id": "steel", "label": "钢铁", "investment": 1e9, "hosted_share": 0.1,
             "leads": [{"id": "lg", "label": "凌钢"}]},
            {"id": "tyre", "label": "轮胎", "leads": []}]}]}
    m = city_map(spec)
    by = {n["id"]: n for n in m.nodes}
    assert m.counts() == (2 + 3 + 1, 3 + 2)
    assert by["z:z1"]["x"] < by["c:z1:steel"]["x"] < by["e:lg"]["x"]
    assert by["z:z1"]["vis"]["size"] > by["z:z2"]["vis"]["size"]
    assert by["c:z1:steel"]["vis"]["color"]["background"] != by["c:z2:steel"]["vis"]["color"]["background"]
    leads = by["e:lg"]["info"]["sections"][0]["items"]
    assert [i["zh"] for i in leads] == ["钢铁（甲区）", "钢铁（乙区）"]
    assert [v["value"] for v in m.facets[0]["values"]] == ["steel", "tyre"]


# ------------------------------------------------------------------------------------------------ the page
class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.scripts, self.styles, self._in = [], [], [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)
        self._in = (tag, dict(attrs)) if tag in ("script", "style") else None

    def handle_data(self, data):
        if self._in and self._in[0] == "script":
            self.scripts.append((self._in[1], data))
        elif self._in and self._in[0] == "style":
            self.styles.append(data)

    def handle_endtag(self, tag):
        self._in = None


def parse(page):
    p = _Page()
    p.feed(page)
    return p


# the only http(s) strings in a page: the licence header of vis-network and strings inside its bundle
# (an SVG namespace, core-js's licence, an error message) — none is loaded
ALLOWED_URLS = {"https://visjs.github.io/vis-network/", "http://almende.com", "https://github.com/visjs",
                "http://www.apache.org/licenses/LICENSE-2.0", "http://opensource.org/licenses/MIT",
                "https://github.com/zloirock/core-js/blob/v3.21.1/LICENSE", "https://github.com/zloirock/core-js",
                "https://github.com/uuidjs/uuid#getrandomvalues-not-supported", "http://www.w3.org/2000/svg"}


def test_page_is_one_self_contained_file():
    page = render_html(chain_map(hand_chain()))
    p = parse(page)
    assert not [a for a in p.attrs if a[1] in ("src", "href", "srcset", "action", "formaction", "data")]
    assert not {"link", "iframe", "img", "object", "embed", "base", "form"} & set(p.tags)
    assert len(p.scripts) == 3  # the data (JSON, not run), vis-network, the page's own code
    urls = set(re.findall(r"https?://[^\s\"'()<>]+", page))
    assert urls <= ALLOWED_URLS, urls - ALLOWED_URLS
    app = p.scripts[2][1]
    assert "http" not in app and "innerHTML" not in app and "eval(" not in app
    for css in p.styles:
        assert "@import" not in css and not re.search(r"url\((?!\s*[\"']?data:)", css)
    # the CSP lets exactly the two inline scripts run and allows no request
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1))
    assert "default-src 'none'" in csp and "unsafe-eval" not in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    for attrs, body in p.scripts[1:]:
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    # vis-network's licence header travels with it
    assert "vis.js is dual licensed under both" in p.scripts[1][1] and "@version 9.1.2" in p.scripts[1][1]


def test_vendored_vis_network_is_the_checked_file_with_its_notice():
    data = (ROOT / "graph/chainkg/render/vendor/vis-network.min.js").read_bytes()
    assert hashlib.sha256(data).hexdigest() == VIS_NETWORK_SHA256
    notice = (ROOT / "graph/chainkg/render/vendor/NOTICE").read_text(encoding="utf-8")
    for words in ("vis-network 9.1.2", "Apache 2.0", "MIT License", VIS_NETWORK_SHA256, "Almende B.V"):
        assert words in notice


def test_hostile_names_are_escaped_in_the_markup_and_survive_in_the_data():
    chain = hand_chain()
    chain["links"][0]["enterprises"].append({"id": "X1", "label": XSS[0]})
    chain["links"][1]["enterprises"].append({"id": "X2", "label": XSS[1], "quotes": [{"source": XSS[0], "quote": XSS[1]}]})
    chain["links"][3]["label"] = XSS[1]
    title = {"zh": XSS[0] + "标题", "en": XSS[1]}
    page = render_html(chain_map(chain, title=title, subtitle={"zh": XSS[1], "en": XSS[0]}))
    for payload in XSS + ["<script>alert", "onerror=alert(1)>"]:
        assert payload not in page
    assert "&lt;img src=x onerror=alert(1)&gt;标题" in page
    p = parse(page)
    assert sum(1 for t in p.tags if t == "script") == 3 and "img" not in p.tags
    data = json.loads(p.scripts[0][1])
    labels = {n["label"]["zh"] for n in data["nodes"]}
    assert XSS[0] in labels and XSS[1] in labels and any(l.startswith(XSS[1]) for l in labels)


def test_script_json_round_trips_everything_that_could_end_a_script():
    tricky = ["</script>", "</SCRIPT >", "<!--", "-->", "<script>", "a&b", "\u2028\u2029", "'\"`", "\\"]
    text = script_json({"x": tricky})
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == {"x": tricky}


def test_write_map_writes_utf8_atomically_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "m.html"
    write_map(chain_map(hand_chain()), target)
    first = target.read_bytes()
    assert "甲企业".encode("utf-8") in first and first.startswith(b"<!DOCTYPE html>")
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)

    import chainkg.render.html as h

    def boom(*a, **k):
        raise RuntimeError("render failed")

    monkeypatch.setattr(h, "render_html", boom)
    with pytest.raises(RuntimeError):
        h.write_map(chain_map(hand_chain()), target)
    assert target.read_bytes() == first and [p.name for p in tmp_path.iterdir()] == ["m.html"]


# ------------------------------------------------------------------------------------------------ Chaoyang
@pytest.fixture(scope="module")
def proj(chaoyang):
    from chainkg.project import project

    return project(chaoyang)


@pytest.fixture(scope="module")
def kazuo(proj):
    return proj.zone_iri("喀左"), proj.chain_iri("化合物半导体")


def expected_counts(proj, zone, chain):
    """Nodes and edges of a zone × chain map, counted straight from the projection."""
    dag = proj.chain_graphs[chain]
    cover = proj.coverage(zone, chain)
    pairs = {(e, l) for l, es in cover.items() for e in es}
    projects = {(p, l) for p, info in proj.projects.items() if info["zone"] and proj.within(info["zone"], zone)
                for l in info["links"] if l in dag}
    nodes = len(dag) + len({e for e, _ in pairs}) + len({p for p, _ in projects})
    return nodes, len(dag.edges) + len(pairs) + len(projects)


def test_kazuo_compound_semiconductor_map_follows_the_gap_rows(proj, kazuo):
    from chainkg.analysis.gaps import zone_gaps
    from chainkg.render.adapt import zone_spec

    zone, chain = kazuo
    spec = zone_spec(proj, zone, chain)
    m = chains_map(spec)
    assert m.counts() == expected_counts(proj, zone, chain)
    rows = {r["link"]: r for r in zone_gaps(proj, zone, chain)}
    links = {n["id"].split(":")[-1]: n for n in m.nodes if n["kind"] == "link"}
    assert set(links) == set(rows)
    for lid, row in rows.items():
        assert links[lid]["facets"]["status"] == row["status"]
        assert links[lid]["label"]["zh"].startswith(row["link_label"])
    leads = [n for n in m.nodes if n.get("lead")]
    assert [n["label"]["zh"] for n in leads] == ["★通美晶体"]
    assert links["single-crystal-growth"]["facets"]["status"] in ("present", "weak")
    assert links["epitaxy"]["facets"]["status"] == "missing"
    assert "喀" in m.title["zh"] and "化合物半导体" in m.title["zh"]


def test_zone_and_city_specs_cover_every_developed_chain(proj, kazuo):
    from chainkg.render.adapt import city_spec, zone_spec

    zone, chain = kazuo
    spec = zone_spec(proj, zone)
    assert proj.chains[chain]["id"] in [c["id"] for c in spec["chains"]]
    assert len(spec["chains"]) == len(proj.chains_of(zone))
    city = city_spec(proj)
    pairs = {(z["id"], c["id"]) for z in city["zones"] for c in z["chains"]}
    assert pairs == {(z, proj.chains[c]["id"]) for z, c in proj.developed()}
    m = city_map(city)
    assert "★通美晶体" in {n["label"]["zh"] for n in m.nodes if n["kind"] == "lead"}


# ------------------------------------------------------------------------------------------------ the command
@pytest.fixture(scope="module")
def graph_file(chaoyang, tmp_path_factory):
    from chainkg.build import serialize

    path = tmp_path_factory.mktemp("maps") / "chaoyang.ttl"
    path.write_bytes(serialize(chaoyang))
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_map_command_writes_one_chain_a_zone_and_the_city(graph_file, tmp_path):
    for args, name in ((["--zone", "喀左", "--chain", "compound-semiconductor"], "one.html"),
                       (["--zone", "喀左"], "zone.html"), (["--city"], "city.html")):
        out = tmp_path / name
        result = run("map", "--graph", graph_file, *args, "-o", out)
        assert result.exit_code == 0, result.output
        page = out.read_text(encoding="utf-8")
        assert "chainkg-data" in page and "wrote" in result.output
    data = json.loads(parse((tmp_path / "one.html").read_text(encoding="utf-8")).scripts[0][1])
    assert data["kind"] == "chain" and any(n["label"]["zh"] == "★通美晶体" for n in data["nodes"])


@pytest.mark.parametrize("args, words", [
    ([], "--zone"),
    (["--zone", "喀左", "--city"], "--zone"),
    (["--chain", "化合物半导体"], "--chain needs --zone"),
    (["--zone", "不存在的区"], "unknown zone"),
    (["--zone", "喀左", "--chain", "不存在的链"], "unknown chain"),
    (["--zone", "喀左", "--index", "i.html"], "--index"),
])
def test_map_command_rejects_bad_input_without_writing(graph_file, tmp_path, args, words):
    out = tmp_path / "x.html"
    result = run("map", "--graph", graph_file, *args, "-o", out)
    assert result.exit_code == 1 and words in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_map_all_writes_every_map_and_an_index_with_relative_links(graph_file, tmp_path):
    reports = tmp_path / "reports"
    assert run("report", "--graph", graph_file, "--all", "--format", "html", "-o", reports).exit_code == 0
    index = tmp_path / "index.html"
    result = run("map", "--graph", graph_file, "--all", "-o", tmp_path / "maps", "--index", index,
                 "--reports", reports)
    assert result.exit_code == 0, result.output
    page = index.read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]+)"', page)
    from urllib.parse import unquote

    assert hrefs and all(not h.startswith(("/", "http")) and ":" not in h for h in hrefs)
    targets = [tmp_path / unquote(h) for h in hrefs]
    assert all(t.is_file() for t in targets)
    maps = sorted((tmp_path / "maps").glob("*.html"))
    assert set(maps) <= set(targets) and (tmp_path / "maps" / "city.html") in maps
    assert any(t.parent == reports for t in targets)
    assert any("compound-semiconductor" in t.name and "喀左" in t.name for t in maps)


def test_a_map_written_under_a_gbk_locale_is_utf8(graph_file, tmp_path):
    """Python's locale encoding forced to GBK (a real zh_CN.GBK locale, compiled into a private folder):
    the file must still be UTF-8 with the Chinese intact."""
    localedef = shutil.which("localedef")
    assert localedef, "localedef (Debian package libc-bin) is needed; `make test` installs the locales package"
    locales = tmp_path / "locales"
    locales.mkdir()
    made = subprocess.run([localedef, "-i", "zh_CN", "-f", "GBK", str(locales / "zh_CN.GBK")],
                          capture_output=True, text=True)
    assert (locales / "zh_CN.GBK").is_dir(), made.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHON"))}
    env.update(LOCPATH=str(locales), LANG="zh_CN.GBK", LC_ALL="zh_CN.GBK", PYTHONUTF8="0",
               PYTHONIOENCODING="gbk", PYTHONCOERCECLOCALE="0")
    out = tmp_path / "kazuo-gbk.html"
    # the shell of a GBK user hands Python GBK bytes: the zone and chain names are passed that way
    script = (
        "import locale, sys\n"
        "enc = locale.getpreferredencoding(False)\n"
        "assert enc.lower() in ('gbk', 'gb2312', 'gb18030'), enc\n"
        "with open(sys.argv[1] + '.probe', 'w') as f: f.write(sys.argv[3])\n"  # the default really is GBK
        "from chainkg.cli import cli\n"
        "cli(['map', '--graph', sys.argv[2], '--zone', sys.argv[3], '--chain', sys.argv[4], '-o', sys.argv[1]])\n")
    args = [sys.executable, "-X", "warn_default_encoding", "-c", script, str(out), str(graph_file), "喀左", "化合物半导体"]
    proc = subprocess.run([a.encode("gbk") for a in args], env=env, capture_output=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr.decode("gbk", "replace")
    assert (tmp_path / (out.name + ".probe")).read_bytes() == "喀左".encode("gbk")
    assert "写入".encode("gbk") in proc.stderr  # messages reach a GBK terminal in GBK
    data = out.read_bytes()
    text = data.decode("utf-8")  # raises if not UTF-8
    assert "喀喇沁左翼" in text or "喀左" in text
    assert "化合物半导体" in text and '<meta charset="utf-8">' in text
    payload = json.loads(parse(text).scripts[0][1])
    assert any(n["label"]["zh"] == "★通美晶体" for n in payload["nodes"])
    # no EncodingWarning from the map code: it never relies on the locale's encoding
    warnings = [line for line in proc.stderr.decode("gbk", "replace").splitlines()
                if "EncodingWarning" in line and ("render" in line or "maps.py" in line)]
    assert not warnings, warnings
