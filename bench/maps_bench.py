"""Maps: time to render (Python) and to open (headless Chromium) maps of 100, 500, 2,000 and 10,000 nodes.

For each size, a synthetic chain map (:func:`chainkg.render.model.sample_spec`, every node drawn: no
folding) is rendered and written, then opened in Debian's chromium through Playwright with the
network cut, ``--repeat`` times in a fresh browser context; the median is reported:

``render_s``     building the model and the HTML in Python;
``first_paint``  the page's first paint (``performance`` paint entry), ms after navigation start;
``ready``        vis-network's first complete drawing (the page sets ``chainkgMap.readyAt``), ms;
``input``        then, a search typed into the box until the next frame is drawn with the result
                 selected and focused (the page responding to input), ms.

Targets (issue 5): ready under 2 s at 2,000 nodes and under 5 s at 10,000. The script exits 1 when one is
missed. Results go to stdout and to ``build/bench/maps.json``.

Run: ``make bench`` or ``.venv/bin/python bench/maps_bench.py [--sizes 100,500] [--repeat 3]``.
"""
import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "graph"))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TARGETS_MS = {2000: 2000, 10000: 5000}

RESPOND = """async (name) => {
    const input = document.getElementById('search');
    const t0 = performance.now();
    input.value = name;
    input.dispatchEvent(new Event('input'));
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const sel = window.chainkgMap.network.getSelectedNodes();
    return [performance.now() - t0, sel];
}"""


def render(n, folder):
    from chainkg.render.html import render_html
    from chainkg.render.model import chains_map, sample_spec

    t0 = time.perf_counter()
    model = chains_map(sample_spec(n), group_threshold=None)
    page = render_html(model)
    seconds = time.perf_counter() - t0
    path = folder / f"map-{n}.html"
    path.write_bytes(page.encode("utf-8"))
    return model, path, seconds


def open_once(browser, path, model, probe):
    url = path.resolve().as_uri()
    stray, errors = [], []
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.route("**/*", lambda route: route.continue_() if route.request.url == url
                  else (stray.append(route.request.url), route.abort()))
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(url, timeout=120000)
        page.wait_for_selector("body[data-ready='1']", state="attached", timeout=120000)
        paint, ready, drawn = page.evaluate("""() => {
            const p = performance.getEntriesByName('first-paint')[0]
                   || performance.getEntriesByName('first-contentful-paint')[0];
            return [p ? p.startTime : null, window.chainkgMap.readyAt, window.chainkgMap.drawn()];
        }""")
        respond_ms, selected = page.evaluate(RESPOND, probe[1])
    finally:
        context.close()
    n, e = model.counts()
    problems = []
    if drawn != {"nodes": n, "edges": e}:
        problems.append(f"drew {drawn}, expected {n} nodes and {e} edges")
    if selected != [probe[0]]:
        problems.append(f"search selected {selected}, expected {probe[0]}")
    if stray or errors:
        problems.append(f"requests {stray}, errors {errors}")
    return {"first_paint": paint, "ready": ready, "input": respond_ms, "problems": problems}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100,500,2000,10000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "build" / "bench" / "maps.json"))
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if not Path(CHROMIUM).is_file():
        print(f"{CHROMIUM} is missing: `make bench` installs Debian's chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    results, failed = [], []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        print(f"chromium {browser.version}; {platform.processor() or platform.machine()}; median of {args.repeat}",
              file=sys.stderr)
        header = f"{'nodes':>6} {'edges':>6} {'MB':>5} {'render_s':>8} {'paint_ms':>8} {'ready_ms':>8} {'input_ms':>8}  target"
        print(header)
        for n in sizes:
            model, path, render_s = render(n, Path(tmp))
            probe = next((x["id"], x["label"]["zh"]) for x in model.nodes if x["kind"] == "enterprise")
            runs = [open_once(browser, path, model, probe) for _ in range(args.repeat)]
            problems = [q for r in runs for q in r["problems"]]
            med = {k: statistics.median(r[k] for r in runs if r[k] is not None) for k in ("first_paint", "ready", "input")}
            target = TARGETS_MS.get(n)
            verdict = "" if target is None else (f"< {target} ms " + ("ok" if med["ready"] < target else "MISSED"))
            if target is not None and med["ready"] >= target:
                failed.append(n)
            if problems:
                failed.append(n)
                verdict += " PROBLEMS: " + "; ".join(sorted(set(problems)))
            row = {"nodes": n, "edges": model.counts()[1], "bytes": path.stat().st_size, "render_s": round(render_s, 3),
                   "first_paint_ms": round(med["first_paint"]), "ready_ms": round(med["ready"]),
                   "input_ms": round(med["input"]), "runs": runs, "target_ms": target}
            results.append(row)
            print(f"{n:>6} {row['edges']:>6} {row['bytes'] / 1e6:>5.1f} {render_s:>8.3f} {row['first_paint_ms']:>8} "
                  f"{row['ready_ms']:>8} {row['input_ms']:>8}  {verdict}", flush=True)
        browser.close()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"chromium": CHROMIUM, "repeat": args.repeat, "results": results}, indent=1,
                              ensure_ascii=False), encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
