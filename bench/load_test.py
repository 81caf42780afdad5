"""Load test of ``chainkg serve``, and the latency of the named queries on every kind of store.

1. **Load.** Starts ``chainkg serve`` on 127.0.0.1 (any free port) over the Chaoyang graph and runs
   ``--clients`` concurrent clients (default 20) for ``--seconds`` (default 30). Each client keeps one
   HTTP/1.1 connection and cycles through a mix an analyst's page would send: named queries with
   parameters (``GET /queries/NAME?…``), ad-hoc SELECTs by GET and POST, JSON and CSV results. Every
   answer is checked (status 200 and a body that parses); anything else counts as an error. Reported:
   requests, throughput, latency p50/p90/p99/max, errors (expected: 0).
2. **Latency per store** (``--latency``, on by default): each named query, run ``--repeat`` times through
   :class:`chainkg.query.QueryEngine` (guard + worker process + transfer) on the rdflib in-memory store,
   Oxigraph in memory, the on-disk Oxigraph store (``chainkg.store.load_store``) and a real
   ``oxigraph serve`` loaded through the Graph Store Protocol; median milliseconds per query.

Results go to stdout and to ``build/bench/load.json``. Exits 1 when the load test saw an error.

Run: ``make bench`` or ``.venv/bin/python bench/load_test.py [--clients 20] [--seconds 30] [--no-latency]``.
"""
import argparse
import csv
import http.client
import io
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "graph"))

LEAD_BY_ZONE = ("PREFIX ck: <https://w3id.org/chainkg/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                "SELECT ?zoneName ?enterpriseName ?role WHERE { ?r a ck:LeadRole ; ck:zone/rdfs:label ?zoneName ; "
                "ck:enterprise/rdfs:label ?enterpriseName ; ck:roleWord ?role "
                "FILTER(langMatches(lang(?zoneName), \"zh\") && langMatches(lang(?enterpriseName), \"zh\")) } "
                "ORDER BY ?zoneName ?enterpriseName ?role")
COUNT_BY_CLASS = "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY DESC(?n) ?class"
LABEL_SEARCH = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?s ?label WHERE { ?s rdfs:label ?label "
                "FILTER(CONTAINS(STR(?label), \"产业园\")) } ORDER BY ?label ?s LIMIT 50")

#: (label, method, path, body or None, accept)
MIX = [
    ("named lead-enterprises", "GET", "/queries/lead-enterprises?" + urllib.parse.urlencode({"zone": "朝阳市"}), None, "application/sparql-results+json"),
    ("named projects", "GET", "/queries/projects?" + urllib.parse.urlencode({"status": "在建", "zone": "凌源市"}), None, "application/sparql-results+json"),
    ("named enterprises-of-zone-chain", "GET", "/queries/enterprises-of-zone-chain?" + urllib.parse.urlencode(
        {"zone": "朝阳喀左经济开发区", "chain": "化合物半导体产业链"}), None, "application/sparql-results+json"),
    ("named investment-by-zone (csv)", "GET", "/queries/investment-by-zone?format=csv", None, "text/csv"),
    ("named evidence", "GET", "/queries/evidence?" + urllib.parse.urlencode({"subject": "通美晶体"}), None, "application/sparql-results+json"),
    ("named missing-links", "GET", "/queries/missing-links?" + urllib.parse.urlencode(
        {"zone": "朝阳喀左经济开发区", "chain": "化合物半导体产业链"}), None, "application/sparql-results+json"),
    ("GET lead roles", "GET", "/sparql?" + urllib.parse.urlencode({"query": LEAD_BY_ZONE}), None, "application/sparql-results+json"),
    ("POST count by class", "POST", "/sparql", urllib.parse.urlencode({"query": COUNT_BY_CLASS}), "application/sparql-results+json"),
    ("POST label search (csv)", "POST", "/sparql", urllib.parse.urlencode({"query": LABEL_SEARCH}), "text/csv"),
]

#: named query -> parameters for the per-store latency table
LATENCY_CASES = {
    "enterprises-of-zone-chain": {"zone": "朝阳喀左经济开发区", "chain": "化合物半导体产业链"},
    "missing-links": {"zone": "朝阳喀左经济开发区", "chain": "化合物半导体产业链"},
    "chain-links": {"chain": "化合物半导体产业链"},
    "evidence": {"subject": "通美晶体"},
    "enterprise-profile": {"enterprise": "浪马轮胎"},
    "projects-of-enterprise": {"enterprise": "辽宁新都黄金有限责任公司"},
    "sub-zones": {"zone": "朝阳市"},
    "single-enterprise-links": {"zone": "朝阳市"},
}


def percentile(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def build_graph(out: Path):
    from chainkg.build import build

    build(out=out)
    return out


def start_server(graph, store, workers, timeout, limit):
    chainkg = Path(sys.executable).with_name("chainkg")
    proc = subprocess.Popen([str(chainkg), "serve", "--port", "0", "--graph", str(graph), "--store", store,
                             "--workers", str(workers), "--timeout", str(timeout), "--limit", str(limit)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if "SPARQL endpoint:" in line:
            url = urllib.parse.urlsplit(line.split("SPARQL endpoint:")[1].strip())
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # keep draining
            return proc, url.hostname, url.port
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"chainkg serve did not start: {proc.stderr.read()}")


def check_body(accept, body):
    if accept == "text/csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
        return len(rows) >= 1
    doc = json.loads(body)
    return "results" in doc or "boolean" in doc


def request(conn, item):
    """Send one request of the mix on *conn*; return (ok, detail, keep_connection)."""
    label, method, path, body, accept = item
    headers = {"Accept": accept}
    if body is not None:  # a form POST, as the server's own query page would send it (same origin)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["Origin"] = f"http://{conn.host}:{conn.port}"
    conn.request(method, path, body=body.encode("utf-8") if body else None, headers=headers)
    res = conn.getresponse()
    data = res.read()
    ok = res.status == 200 and check_body(accept, data)
    return ok, "" if ok else f"HTTP {res.status}: {data[:120]!r}", res.getheader("Connection", "").lower() != "close"


def client(host, port, deadline, offset, out):
    conn = None
    i = offset
    while time.monotonic() < deadline:
        item = MIX[i % len(MIX)]
        i += 1
        started = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=60)
            ok, detail, keep = request(conn, item)
            if not keep:
                conn.close()
                conn = None
        except Exception as exc:  # noqa: BLE001 - every failure is an error of the run
            ok, detail = False, f"{type(exc).__name__}: {exc}"
            if conn is not None:
                conn.close()
            conn = None
        out.append((item[0], time.perf_counter() - started, ok, detail))
    if conn is not None:
        conn.close()


def load_test(graph, clients, seconds, store, workers):
    proc, host, port = start_server(graph, store, workers, timeout=30, limit=10_000)
    try:
        # warm up: every request of the mix once (parsed-query cache, first use of each worker)
        conn = http.client.HTTPConnection(host, port, timeout=60)
        for item in MIX * 2:
            ok, detail, _ = request(conn, item)
            if not ok:
                raise SystemExit(f"warm-up failed on {item[0]}: {detail}")
        conn.close()
        results = [[] for _ in range(clients)]
        deadline = time.monotonic() + seconds
        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(host, port, deadline, k, results[k])) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    rows = [r for rs in results for r in rs]
    lat = [r[1] * 1000 for r in rows]
    errors = [r for r in rows if not r[2]]
    per = {}
    for label, t, ok, _ in rows:
        per.setdefault(label, []).append(t * 1000)
    return {
        "clients": clients, "seconds": round(elapsed, 1), "store": store, "workers": workers,
        "requests": len(rows), "throughput_rps": round(len(rows) / elapsed, 1),
        "p50_ms": round(percentile(lat, 50), 1), "p90_ms": round(percentile(lat, 90), 1),
        "p99_ms": round(percentile(lat, 99), 1), "max_ms": round(max(lat), 1) if lat else None,
        "errors": len(errors), "error_examples": sorted({e[3] for e in errors})[:5],
        "per_request": {k: {"n": len(v), "p50_ms": round(percentile(v, 50), 1), "p99_ms": round(percentile(v, 99), 1)}
                        for k, v in sorted(per.items())},
    }


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def latency_per_store(graph, repeat, tmp: Path):
    from chainkg.query import QueryEngine, bind_parameters, named_queries
    from chainkg.store import load_store

    queries = named_queries()
    stores = {"memory (rdflib)": ("memory", graph), "oxigraph (in memory)": ("oxigraph", graph)}
    load_store(graph, tmp / "store")
    stores["oxigraph (on disk)"] = (str(tmp / "store"), None)
    server = None
    binary = Path(sys.executable).with_name("oxigraph")
    binary = str(binary) if binary.exists() else shutil.which("oxigraph")
    if binary:
        port = _free_port()
        server = subprocess.Popen([binary, "serve", "--location", str(tmp / "oxigraph-server"), "--bind", f"127.0.0.1:{port}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/query"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        load_store(graph, url)
        stores["oxigraph serve (remote)"] = (url, None)
    table = {}
    try:
        for store_name, (spec, path) in stores.items():
            with QueryEngine(spec, graph_path=path, timeout=120, limit=0) as engine:
                for name, q in queries.items():
                    text = bind_parameters(q, LATENCY_CASES.get(name, {}))
                    engine.run(text)  # warm-up
                    times = []
                    for _ in range(repeat):
                        t = time.perf_counter()
                        engine.run(text)
                        times.append((time.perf_counter() - t) * 1000)
                    table.setdefault(name, {})[store_name] = round(statistics.median(times), 1)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
    return list(stores), table


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--store", default="oxigraph", help="--store of chainkg serve (default: oxigraph)")
    ap.add_argument("--workers", type=int, default=2, help="query worker processes of chainkg serve")
    ap.add_argument("--graph", type=Path, default=None, help="Turtle file (default: the Chaoyang data, built now)")
    ap.add_argument("--repeat", type=int, default=5, help="runs per query for the per-store latency table")
    ap.add_argument("--no-latency", dest="latency", action="store_false")
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "bench" / "load.json")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="chainkg-load-") as tmp:
        tmp = Path(tmp)
        graph = args.graph or build_graph(tmp / "chaoyang.ttl")
        import pyoxigraph

        triples = sum(1 for _ in pyoxigraph.parse(path=str(graph), format=pyoxigraph.RdfFormat.TURTLE))
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"graph {graph.name}: {triples} triples (+ the ontology)")
        report = load_test(graph, args.clients, args.seconds, args.store, args.workers)
        print(f"\nLoad: {report['clients']} clients for {report['seconds']} s against chainkg serve "
              f"(--store {report['store']}, --workers {report['workers']}) on 127.0.0.1")
        print(f"  requests {report['requests']}, throughput {report['throughput_rps']} req/s, "
              f"latency p50 {report['p50_ms']} ms, p90 {report['p90_ms']} ms, p99 {report['p99_ms']} ms, "
              f"max {report['max_ms']} ms, errors {report['errors']}")
        for e in report["error_examples"]:
            print(f"  error: {e}")
        width = max(len(k) for k in report["per_request"])
        for k, v in report["per_request"].items():
            print(f"  {k:<{width}}  n={v['n']:<6} p50 {v['p50_ms']:>7} ms  p99 {v['p99_ms']:>7} ms")
        if args.latency:
            stores, table = latency_per_store(graph, args.repeat, tmp)
            report["latency_ms"] = table
            print(f"\nNamed-query latency per store (median of {args.repeat} runs, ms, through QueryEngine):")
            width = max(len(n) for n in table)
            print(f"  {'query':<{width}}  " + "  ".join(f"{s:>24}" for s in stores))
            for name, row in table.items():
                print(f"  {name:<{width}}  " + "  ".join(f"{row.get(s, float('nan')):>24}" for s in stores))
            totals = {s: round(sum(row[s] for row in table.values()), 1) for s in stores}
            print(f"  {'(sum)':<{width}}  " + "  ".join(f"{totals[s]:>24}" for s in stores))
            report["latency_sum_ms"] = totals
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
