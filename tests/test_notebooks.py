"""The notebooks in notebooks/ run from top to bottom in a real Jupyter kernel, and are stored clean.

Each notebook is executed with nbclient in an ipykernel kernel started with this very interpreter (a
kernel spec written to a temporary JUPYTER_PATH, so a ``python3`` kernel registered elsewhere on the
machine cannot stand in for the venv). The kernel's working directory is a temporary folder: what a
notebook writes goes to its ``build/`` there (see :func:`chainkg.notebook.workspace`), never into the
checkout. A cell that raises fails the test with the cell and its traceback.
"""
import hashlib
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXPECTED = ["01_tour.ipynb", "02_gap_hunting.ipynb", "03_your_city.ipynb"]
KERNEL = "chainkg-notebook-test"
CHROMIUM = "/usr/bin/chromium"


def notebook_paths():
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def test_the_three_notebooks_are_there():
    assert [p.name for p in notebook_paths()] == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_is_stored_without_outputs_or_execution_counts(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{name} has no code cell"
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"{name}: cells {dirty} carry outputs or execution counts (clear them before committing)"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("name", EXPECTED)
def test_notebook_explains_each_step(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    # the steps are marked by headings, each followed by an explanation
    headings = [c for c in nb.cells if c.cell_type == "markdown" and c.source.lstrip().startswith("## ")]
    assert len(headings) >= 3, f"{name} has {len(headings)} step headings"


def test_readme_links_each_notebook_with_a_line_on_what_it_teaches():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Notebooks", 1)[1].split("\n## ", 1)[0]
    for name in EXPECTED:
        line = next((l for l in section.splitlines() if f"(notebooks/{name})" in l), None)
        assert line, f"README's Notebooks section does not link notebooks/{name}"
        assert len(line.split(")", 1)[1].strip(" :—-")) > 20, f"no description of {name}: {line!r}"


# ------------------------------------------------------------------------------------------- execution
@pytest.fixture(scope="module")
def kernel(tmp_path_factory, monkeypatch_module):
    """A kernel spec that starts ipykernel with this interpreter, first on JUPYTER_PATH."""
    import ipykernel  # noqa: F401 - test dependencies (pyproject's test extra): a missing one is an error
    import nbclient  # noqa: F401

    jupyter = tmp_path_factory.mktemp("jupyter")
    spec = jupyter / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "chainkg tests", "language": "python"}), encoding="utf-8")
    monkeypatch_module.setenv("JUPYTER_PATH", str(jupyter))
    monkeypatch_module.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    monkeypatch_module.delenv("CHAINKG_STORE", raising=False)
    return KERNEL


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def execute(name, cwd, kernel_name):
    """Run the notebook in a fresh kernel with *cwd* as its working directory; return it with outputs."""
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(nb, kernel_name=kernel_name, timeout=240, allow_errors=False,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()  # raises CellExecutionError naming the cell when one fails
    return nb


def outputs(nb):
    """Every output of every code cell as text: streams, plain text and HTML."""
    texts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            assert out.output_type != "error", f"cell failed: {cell.source[:200]}"
            if out.output_type == "stream":
                texts.append(out.text)
            else:
                data = out.get("data", {})
                texts.extend(data.get(k, "") for k in ("text/plain", "text/html"))
    return "\n".join(t if isinstance(t, str) else "".join(t) for t in texts)


def tree_digest(folder):
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def test_01_tour_runs_and_shows_the_queries_gaps_map_and_sources(tmp_path, kernel):
    nb = execute("01_tour.ipynb", tmp_path, kernel)
    text = outputs(nb)
    build = tmp_path / "build"
    assert (build / "chaoyang.ttl").stat().st_size > 100_000
    assert "验证通过 / conforms to the shapes: True" in text
    page = build / "maps" / "喀左--compound-semiconductor.html"
    assert "化合物半导体" in page.read_text(encoding="utf-8")
    frames = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "<iframe srcdoc=" in "".join(o.get("data", {}).get("text/html", ""))]
    assert len(frames) == 1, "the map is shown inline once"
    # three SPARQL results and the gap list came out as tables with rows
    tables = re.findall(r'<div class="chainkg-table">.*?</div>', text, flags=re.S)
    assert len(tables) >= 8 and all("<td" in t for t in tables)
    assert "喀左" in text and "原文 / quote" in text
    # the evidence table shows an article title and a quote taken from the data
    evidence = next(t for t in tables if "原文 / quote" in t)
    assert evidence.count("<tr>") >= 2


def test_02_gap_hunting_runs_plots_and_exports_to_excel(tmp_path, kernel):
    import openpyxl

    nb = execute("02_gap_hunting.ipynb", tmp_path, kernel)
    text = outputs(nb)
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, "one chart"
    assert (tmp_path / "build" / "completeness.png").stat().st_size > 10_000
    if Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc").is_file():
        assert "中文字体 / CJK font: Noto Sans CJK" in text
    book = tmp_path / "build" / "缺链清单-朝阳高新技术产业开发区.xlsx"
    ws = openpyxl.load_workbook(book)["缺链 gaps"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:5] == ("总排名", "区域", "产业链", "链内排名", "环节")
    assert len(rows) > 5 and [r[0] for r in rows[1:]] == list(range(1, len(rows)))
    priorities = [r[7] for r in rows[1:]]
    assert all(isinstance(p, (int, float)) for p in priorities) and priorities == sorted(priorities, reverse=True)
    assert {r[1] for r in rows[1:]} == {"朝阳高新技术产业开发区"}


def test_03_your_city_builds_and_maps_a_made_up_city_without_touching_data(tmp_path, kernel):
    before = tree_digest(ROOT / "data")
    nb = execute("03_your_city.ipynb", tmp_path, kernel)
    text = outputs(nb)
    assert tree_digest(ROOT / "data") == before, "the notebook wrote into data/"
    city = tmp_path / "build" / "example-city"
    sources = (city / "data" / "sources.csv").read_text(encoding="utf-8")
    assert "虚构" in sources and "FICTIONAL" in sources, "the example's source row says it is made up"
    assert (city / "data" / "zones" / "import-示例市.csv").is_file()
    assert "示例新区" in text and "第" in text, "the deliberate mistake is reported with its cell"
    page = (city / "示例开发区.html").read_text(encoding="utf-8")
    for name in ("示例钛业有限公司", "示例钛材科技有限公司", "示例精密制造有限公司", "示例钛锭熔铸项目"):
        assert name in page
    assert "in_progress" in text and "weak" in text


# ------------------------------------------------------------------------------------------- the inline map
def test_map_frame_renders_the_map_inside_a_notebook_like_page(tmp_path):
    """The srcdoc frame MapFrame gives a notebook runs the map's scripts under its CSP, offline."""
    assert Path(CHROMIUM).is_file(), "Debian's chromium is missing: `make test` installs it (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    from chainkg.notebook import MapFrame
    from chainkg.render.html import write_map
    from chainkg.render.model import chains_map, sample_spec

    page_file = write_map(chains_map(sample_spec(60)), tmp_path / "map.html")
    host = tmp_path / "notebook.html"
    host.write_text(f"<!doctype html><meta charset='utf-8'><body><h1>notebook</h1>{MapFrame(page_file)._repr_html_()}"
                    "</body>", encoding="utf-8")
    requests, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            ctx = browser.new_context()
            ctx.route("**/*", lambda route: (requests.append(route.request.url),
                                             route.continue_() if route.request.url == host.as_uri() else route.abort()))
            page = ctx.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(host.as_uri())
            frame = next(f for f in page.frames if f != page.main_frame)
            frame.wait_for_selector("body[data-ready='1']", state="attached", timeout=60000)
            drawn = frame.evaluate("() => document.querySelectorAll('canvas').length")
        finally:
            browser.close()
    assert drawn >= 1
    assert errors == []
    assert requests == [host.as_uri()], "nothing but the notebook page itself is requested"
