"""Maps opened in real headless Chromium (Debian's ``chromium``, driven by Playwright through
``executable_path``; ``make test`` installs the browser when it is missing).

Every page is opened with the network cut: every request is recorded and aborted unless it is the map
file itself. Readiness is read from ``body[data-ready]``, set by the page after vis-network's first
drawing (Playwright's string predicates would need ``eval``, which the page's CSP forbids).

The screenshot of the 喀左 compound-semiconductor map is written to build/; with
``UPDATE_SCREENSHOT=1`` it is also copied to docs/ for the README.
"""
import os
import shutil
from pathlib import Path

import pytest

from chainkg.render.html import write_map
from chainkg.render.model import chain_map, chains_map, city_map, sample_spec

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOT = ROOT / "build" / "kazuo-compound-semiconductor.png"
DOCS_SCREENSHOT = ROOT / "docs" / "kazuo-compound-semiconductor.png"


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).is_file(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Opened:
    """A page with everything it asked for and everything it complained about."""

    def __init__(self, browser, path, *, bypass_csp=False, viewport=(1600, 1000)):
        self.path = Path(path).resolve()
        self.url = self.path.as_uri()
        self.requests, self.errors, self.dialogs = [], [], []
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                           bypass_csp=bypass_csp, service_workers="block")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("dialog", self._dialog)
        self.page.goto(self.url)
        self.page.wait_for_selector("body[data-ready='1']", state="attached", timeout=60000)

    def _route(self, route):
        self.requests.append(route.request.url)
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expression, arg=None):
        return self.page.evaluate(expression, arg)

    def drawn(self):
        return self.js("() => window.chainkgMap.drawn()")

    def node_xy(self, node_id):
        """Where a node is on the screen."""
        return self.js("""id => {
            const net = window.chainkgMap.network;
            const p = net.canvasToDOM(net.getPositions([id])[id]);
            const r = document.getElementById('map').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y];
        }""", node_id)

    def assert_clean(self):
        assert self.requests == [self.url], f"requests besides the file: {self.requests}"
        assert self.errors == [], self.errors
        assert self.dialogs == []

    def close(self):
        self.context.close()


@pytest.fixture
def opened(browser):
    pages = []

    def open_(path, **kw):
        pages.append(Opened(browser, path, **kw))
        return pages[-1]

    yield open_
    for p in pages:
        p.close()


# ------------------------------------------------------------------------------------------------ Chaoyang
@pytest.fixture(scope="module")
def kazuo_map(chaoyang, tmp_path_factory):
    from chainkg.project import project
    from chainkg.render.adapt import zone_spec

    proj = project(chaoyang)
    zone = proj.zone_iri("喀左")
    chain = proj.chain_iri("化合物半导体")
    model = chains_map(zone_spec(proj, zone, chain))
    path = write_map(model, tmp_path_factory.mktemp("kazuo") / "kazuo.html")
    from test_render import expected_counts

    return path, model, expected_counts(proj, zone, chain)


def test_kazuo_map_opens_offline_draws_the_whole_graph_and_is_screenshotted(opened, kazuo_map):
    path, model, counts = kazuo_map
    page = opened(path)
    page.assert_clean()
    assert page.drawn() == {"nodes": counts[0], "edges": counts[1]} and model.counts() == counts
    # the canvas really shows something: a good share of its pixels are not white
    inked = page.js("""() => {
        const c = document.querySelector('#map canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) { if (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235) { n++; } }
        return n / (d.length / 4);
    }""")
    assert inked > 0.05
    assert page.page.inner_text("h1").startswith(model.title["zh"].split(" ")[0])
    assert "缺失" in page.page.inner_text("#legend")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 50_000
    if os.environ.get("UPDATE_SCREENSHOT"):
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(SCREENSHOT, DOCS_SCREENSHOT)


def test_search_finds_a_node_by_its_chinese_name(opened, kazuo_map):
    path, model, _ = kazuo_map
    page = opened(path)
    tongmei = next(n["id"] for n in model.nodes if n["label"]["zh"] == "★通美晶体")
    page.page.fill("#search", "通美晶体")
    assert page.js("() => window.chainkgMap.network.getSelectedNodes()") == [tongmei]
    assert "通美晶体" in page.page.inner_text("#details") and "链主" in page.page.inner_text("#details")
    assert page.page.inner_text("#search-status").startswith("1 / 1")
    # a link by its name; its pinned details carry status, reason and the enterprises
    page.page.fill("#search", "外延片")
    epi = next(n["id"] for n in model.nodes if n["kind"] == "link" and n["label"]["zh"].startswith("外延片"))
    assert page.js("() => window.chainkgMap.network.getSelectedNodes()") == [epi]
    details = page.page.inner_text("#details")
    assert "缺失" in details and "原因" in details
    page.page.fill("#search", "没有这个名字")
    assert page.page.inner_text("#search-status") == "无结果"
    page.assert_clean()


def test_stage_and_status_filters_hide_what_they_should(opened, kazuo_map):
    path, model, counts = kazuo_map
    page = opened(path)

    def expected(off):
        shown = {n["id"] for n in model.nodes if not any(n["facets"].get(k) in v for k, v in off.items())}
        return {"nodes": len(shown), "edges": sum(1 for e in model.edges if e["from"] in shown and e["to"] in shown)}

    page.page.uncheck("input[data-facet='status'][value='missing']")
    assert page.drawn() == expected({"status": {"missing"}}) != {"nodes": counts[0], "edges": counts[1]}
    visible_links = page.js("""() => window.chainkgMap.nodes.get({filter: n => !n.hidden && n.id.startsWith('l:')})
                                  .map(n => n.id)""")
    assert visible_links and all(next(m for m in model.nodes if m["id"] == i)["facets"]["status"] != "missing"
                                 for i in visible_links)
    page.page.uncheck("input[data-facet='stage'][value='upstream']")
    assert page.drawn() == expected({"status": {"missing"}, "stage": {"upstream"}})
    page.page.check("input[data-facet='status'][value='missing']")
    page.page.check("input[data-facet='stage'][value='upstream']")
    assert page.drawn() == {"nodes": counts[0], "edges": counts[1]}
    page.assert_clean()


def test_language_switch_and_tooltips_built_from_the_data(opened, kazuo_map):
    path, model, _ = kazuo_map
    page = opened(path)
    epi = next(n for n in model.nodes if n["kind"] == "link" and n["label"]["zh"].startswith("外延片"))
    x, y = page.node_xy(epi["id"])
    page.page.mouse.move(x, y)
    page.page.wait_for_selector("#tooltip:not([hidden])")
    tip = page.page.inner_text("#tooltip")
    assert "外延片" in tip and "优先级" in tip and "原因" in tip
    page.page.click("#lang")
    assert page.js("id => window.chainkgMap.nodes.get(id).label", epi["id"]) == epi["label"]["en"]
    assert page.page.inner_text("h1") == model.title["en"]
    assert page.page.inner_text("#lang") == "中文"
    page.page.mouse.move(5, 5)
    page.page.mouse.move(x, y)
    page.page.wait_for_selector("#tooltip:not([hidden])")
    assert "Priority" in page.page.inner_text("#tooltip")
    page.page.click("#lang")
    assert page.js("id => window.chainkgMap.nodes.get(id).label", epi["id"]) == epi["label"]["zh"]
    page.assert_clean()


# ------------------------------------------------------------------------------------------------ safety
def hostile_map(tmp_path):
    chain = {"id": "c", "label": "<b>链</b>", "links": [
        {"id": "a", "label": "</script><script>window.__xss = 1</script>", "stage": "upstream", "status": "present",
         "reason": "<img src=x onerror=\"window.__xss = 2\">",
         "enterprises": [{"id": "x1", "label": "<img src=x onerror=alert(1)>", "lead": True,
                          "quotes": [{"source": "<script>alert(3)</script>", "quote": "<img src=x onerror=alert(4)>"}]},
                         {"id": "x2", "label": "</script><script>alert(1)</script>"}]},
        {"id": "b", "label": "<svg onload=alert(5)>", "stage": "downstream", "status": "missing",
         "projects": [{"id": "p", "label": "<iframe src=javascript:alert(6)>", "investment": 1e8}]}],
        "edges": [("a", "b")]}
    title = {"zh": "<img src=x onerror=alert(7)>", "en": "</title><script>alert(8)</script>"}
    return write_map(chain_map(chain, title=title, subtitle=title), tmp_path / "hostile.html"), chain


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with-csp", "escaping-alone"])
def test_xss_probes_show_as_text_and_run_nothing(opened, tmp_path, bypass_csp):
    path, chain = hostile_map(tmp_path)
    page = opened(path, bypass_csp=bypass_csp)
    page.assert_clean()  # no dialog, no request for "x", no error
    assert page.js("() => window.__xss") is None
    assert page.js("() => document.querySelectorAll('img, svg, iframe, script:not([type])').length") == 2
    assert page.page.inner_text("h1") == "<img src=x onerror=alert(7)>"
    page.page.fill("#search", "<img src=x onerror=alert(1)>")
    details = page.page.inner_text("#details")
    assert "<img src=x onerror=alert(1)>" in details and "<img src=x onerror=alert(4)>" in details
    assert "<script>alert(3)</script>" in details
    page.page.fill("#search", "</script>")
    assert page.page.inner_text("#search-status").endswith("2 个结果")
    x, y = page.node_xy("l:c:a")
    page.page.mouse.move(x, y)
    page.page.wait_for_selector("#tooltip:not([hidden])")
    assert "<img src=x onerror=\"window.__xss = 2\">" in page.page.inner_text("#tooltip")
    page.page.click("#lang")
    page.page.wait_for_timeout(100)
    page.assert_clean()
    assert page.js("() => window.__xss") is None
    assert page.js("() => document.querySelectorAll('img, svg, iframe').length") == 0


# ------------------------------------------------------------------------------------------------ size
def test_a_2000_node_map_opens_and_responds(opened, tmp_path):
    model = chains_map(sample_spec(2000), group_threshold=None)
    path = write_map(model, tmp_path / "big.html")
    page = opened(path)
    page.assert_clean()
    n, e = model.counts()
    assert n == 2000 and page.drawn() == {"nodes": n, "edges": e}
    page.page.fill("#search", "示例企业01234")
    assert page.js("() => window.chainkgMap.network.getSelectedNodes()") == ["e:e1234"]
    page.page.uncheck("input[data-facet='stage'][value='downstream']")
    shown = {m["id"] for m in model.nodes if m["facets"]["stage"] != "downstream"}
    assert page.drawn()["nodes"] == len(shown)
    page.page.check("input[data-facet='stage'][value='downstream']")
    page.page.mouse.move(800, 500)
    page.page.mouse.wheel(0, -400)  # zoom: the page keeps answering
    assert page.drawn() == {"nodes": n, "edges": e}
    page.assert_clean()


def test_folded_groups_expand_on_double_click_and_fold_back(opened, tmp_path):
    model = chains_map(sample_spec(800), group_threshold=300)
    assert model.grouped
    path = write_map(model, tmp_path / "grouped.html")
    page = opened(path)
    vn, ve = model.visible_counts()
    assert page.drawn() == {"nodes": vn, "edges": ve}
    group = max((n for n in model.nodes if n["kind"] == "group"), key=lambda g: len(g["members"]))
    page.js("id => window.chainkgMap.network.focus(id, {scale: 1, animation: false})", group["id"])
    x, y = page.node_xy(group["id"])
    page.page.mouse.dblclick(x, y)
    for _ in range(30):  # vis-network handles the double tap asynchronously; a loaded machine is slow
        after = page.drawn()
        if after["nodes"] != vn:
            break
        page.page.wait_for_timeout(100)
    assert after["nodes"] == vn - 1 + len(group["members"]) and after["edges"] > ve
    page.page.click("#collapse-all")
    assert page.drawn() == {"nodes": vn, "edges": ve}
    page.page.click("#expand-all")
    assert page.drawn() == {"nodes": model.counts()[0] - sum(1 for n in model.nodes if n["kind"] == "group"),
                            "edges": sum(1 for e in model.edges if e["kind"] != "member")}
    page.assert_clean()


def test_city_map_opens_and_filters_by_chain(opened, tmp_path, chaoyang):
    from chainkg.project import project
    from chainkg.render.adapt import city_spec

    model = city_map(city_spec(project(chaoyang)))
    page = opened(write_map(model, tmp_path / "city.html"))
    page.assert_clean()
    n, e = model.counts()
    assert page.drawn() == {"nodes": n, "edges": e}
    semi = [m for m in model.nodes if m["facets"].get("chain") == "compound-semiconductor"]
    assert semi
    page.page.uncheck("input[data-facet='chain'][value='compound-semiconductor']")
    assert page.drawn()["nodes"] == n - len(semi)
    page.page.fill("#search", "通美晶体")
    assert page.js("() => window.chainkgMap.network.getSelectedNodes()") == [next(m["id"] for m in semi if m["kind"] == "lead")]
    assert page.drawn()["nodes"] == n  # the search turned the filter back on to show it


def test_a_map_can_open_in_english(opened, tmp_path):
    model = chain_map({"id": "c", "label": "链", "label_en": "Chain", "links": [
        {"id": "a", "label": "甲环节", "label_en": "Link A", "stage": "upstream", "status": "missing"}]})
    page = opened(write_map(model, tmp_path / "en.html", lang="en"))
    page.assert_clean()
    assert page.js("() => window.chainkgMap.nodes.get('l:c:a').label") == "Link A\nmissing"
    assert page.page.get_attribute("#search", "placeholder").startswith("Find")
    assert page.page.inner_text("#fit") == "Fit" and page.page.inner_text("#lang") == "中文"
    assert page.js("() => document.documentElement.lang") == "en"
