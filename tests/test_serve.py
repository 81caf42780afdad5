"""chainkg serve: the SPARQL 1.1 Protocol from a plain HTTP client, the guard on every request, limits,
CORS, and the offline query page in a real headless Chromium."""
import csv
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from chainkg.serve import make_server

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
COUNT_PROJECTS = "PREFIX ck: <https://w3id.org/chainkg/ontology#> SELECT (COUNT(?p) AS ?n) WHERE { ?p a ck:Project }"


@pytest.fixture(scope="module")
def projects(chaoyang):
    from chainkg.namespaces import CK, RDF

    return len(set(chaoyang.subjects(RDF.type, CK.Project)))


@pytest.fixture(scope="module")
def server(chaoyang_file):
    srv = make_server("oxigraph", chaoyang_file, port=0, timeout=20, limit=1000, workers=2).start()
    yield srv
    srv.close()


def http(url, data=None, headers=None, method=None):
    """(status, headers, body) of one request; HTTP errors are answers too."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def get(server, query, **headers):
    return http(f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query}), headers=headers)


def post_form(server, fields, **headers):
    """A form POST as the server's own page sends it (same Origin)."""
    return http(f"{server.url}/sparql", urllib.parse.urlencode(fields).encode("utf-8"),
                {"Content-Type": "application/x-www-form-urlencoded", "Origin": server.url, **headers})


def post_query(server, query, **headers):
    return http(f"{server.url}/sparql", query.encode("utf-8"), {"Content-Type": "application/sparql-query", **headers})


# ---------------------------------------------------------------------------------------------- protocol
def test_bound_to_loopback(server):
    assert server.httpd.server_address[0] == "127.0.0.1"


def test_get_json(server, projects):
    status, headers, body = get(server, COUNT_PROJECTS)
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    doc = json.loads(body)
    assert doc["head"]["vars"] == ["n"]
    assert int(doc["results"]["bindings"][0]["n"]["value"]) == projects


def test_post_form_csv(server):
    q = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX ck: <https://w3id.org/chainkg/ontology#> "
         "SELECT ?name ?role WHERE { ?r a ck:LeadRole ; ck:enterprise/rdfs:label ?name ; ck:roleWord ?role "
         "FILTER(str(?name) = \"通美晶体\") } ORDER BY ?role")
    status, headers, body = post_form(server, {"query": q}, Accept="text/csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert not body.startswith(b"\xef\xbb\xbf")  # the W3C CSV results format: no byte-order mark on the wire
    assert list(csv.reader(io.StringIO(body.decode("utf-8")))) == [["name", "role"], ["通美晶体", "链主"], ["通美晶体", "龙头"]]


def test_post_direct_xml(server, projects):
    status, headers, body = http(f"{server.url}/sparql", COUNT_PROJECTS.encode("utf-8"),
                                 {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+xml"})
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+xml")
    ns = {"s": "http://www.w3.org/2005/sparql-results#"}
    assert int(ET.fromstring(body).find(".//s:binding[@name='n']/s:literal", ns).text) == projects


def test_get_tsv_and_ask(server):
    status, headers, body = get(server, "ASK { ?s ?p \"凌源市\"@zh }")
    assert status == 200 and json.loads(body) == {"head": {}, "boolean": True}
    status, headers, body = get(server, "SELECT ?x WHERE { VALUES ?x { 1 2 } }", Accept="text/tab-separated-values")
    assert status == 200 and body.decode("utf-8").split("\n")[0] == "x"


def test_construct_as_turtle_and_ntriples(server):
    from rdflib import Graph

    q = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> CONSTRUCT { ?z rdfs:label ?l } "
         "WHERE { ?z rdfs:label ?l FILTER(str(?l) = \"凌源市\") }")
    status, headers, body = get(server, q)
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert {str(o) for o in Graph().parse(data=body.decode("utf-8"), format="turtle").objects()} == {"凌源市"}
    status, headers, body = get(server, q, Accept="application/n-triples")
    assert status == 200 and body.decode("utf-8").count(" .") == 1


def test_format_parameter_and_406(server):
    status, headers, body = get(server, "SELECT ?x WHERE { VALUES ?x { 1 } }", Accept="image/png")
    assert status == 406
    status, headers, body = http(f"{server.url}/sparql?" + urllib.parse.urlencode(
        {"query": "SELECT ?x WHERE { VALUES ?x { 1 } }", "format": "csv"}), headers={"Accept": "image/png"})
    assert status == 200 and body == b"x\r\n1\r\n"


def test_concurrent_clients(server, projects):
    out = []

    def one():
        out.append(get(server, COUNT_PROJECTS))

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s for s, _, _ in out] == [200] * 12
    assert {int(json.loads(b)["results"]["bindings"][0]["n"]["value"]) for _, _, b in out} == {projects}


# ---------------------------------------------------------------------------------------------- the guard on every path
@pytest.mark.parametrize("fields, status, word", [
    ({"update": "INSERT DATA { <http://e/a> <http://e/b> 1 }"}, 403, b"read-only"),
    ({"query": "DROP ALL"}, 403, b"read-only"),
    ({"query": "LOAD <http://127.0.0.1:9/x.ttl>"}, 403, b"LOAD"),
    ({"query": "SELECT * FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }"}, 403, b"FROM"),
    ({"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": "http://127.0.0.1:9/g"}, 403, b"default-graph-uri"),
    ({"query": "SELECT * WHERE { ?s ?p }"}, 400, b"syntax"),
    ({}, 400, b"exactly one query"),
])
def test_refusals(server, fields, status, word):
    got, _, body = post_form(server, fields)
    assert got == status and word in body


def test_sparql_update_body_is_refused(server):
    status, _, body = http(f"{server.url}/sparql", b"CLEAR ALL", {"Content-Type": "application/sparql-update"})
    assert status == 403 and b"read-only" in body
    status, _, _ = get(server, "ASK { ?s ?p ?o }")
    assert status == 200


def test_service_through_the_endpoint_makes_no_request(server, listener):
    for q in [f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
              f"SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE SILENT <{listener.url}> {{ ?s ?p ?o }} }} }}",
              f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }}"]:
        for status, _, body in (get(server, q), post_form(server, {"query": q})):
            assert status == 403 and (b"SERVICE" in body or b"FROM" in body)
    time.sleep(0.3)
    assert listener.hits == []
    # the listener is reachable: a request sent to it directly does arrive
    http(listener.url)
    assert listener.hits == ["/sparql"]


def test_large_bodies_are_refused(server):
    status, _, _ = http(f"{server.url}/sparql", b"x" * 1_000_001, {"Content-Type": "application/sparql-query"})
    assert status == 413


def raw(server, request: bytes) -> bytes:
    """Send *request* as is (urllib would fix up odd headers) and return the whole answer."""
    import socket

    with socket.create_connection(server.httpd.server_address[:2], timeout=30) as sock:
        sock.sendall(request)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
        return out


@pytest.mark.parametrize("host, ok", [
    ("127.0.0.1:{port}", True), ("localhost:{port}", True), ("LocalHost:{port}", True), ("[::1]:{port}", True),
    ("127.0.0.1:{port}@evil.com", False), ("evil.com@127.0.0.1:{port}", False), ("attacker.example:{port}", False),
    ("127.0.0.1", False), ("localhost", False), ("127.0.0.1:{other}", False), ("127.0.0.1:0{port}", False),
    ("127.0.0.1:{port}/x", False), ("127.0.0.1.evil.com:{port}", False), ("", False),
])
def test_host_must_name_this_server_exactly(server, host, ok):
    port = server.port
    host = host.format(port=port, other=port + 1)
    answer = raw(server, f"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    assert answer.split(b" ")[1] == (b"200" if ok else b"403"), answer[:200]


def test_two_host_headers_are_refused(server):
    answer = raw(server, (f"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                          f"Host: evil.com\r\nConnection: close\r\n\r\n").encode())
    assert answer.startswith(b"HTTP/1.1 403")


@pytest.mark.parametrize("headers, status", [
    ({}, 403),                                                  # a form from nowhere: refused
    ({"Origin": "http://evil.example"}, 403),                   # a cross-site form
    ({"Origin": "null"}, 403),                                  # a sandboxed or privacy-stripped page
    ({"Origin": "http://127.0.0.1:1"}, 403),                    # another port is another origin
    ({"Referer": "http://evil.example/page"}, 403),
    ({"Origin": "SELF"}, 200), ({"Referer": "SELF/"}, 200),     # the server's own page
])
def test_form_posts_need_the_servers_own_origin(server, headers, status):
    headers = {k: v.replace("SELF", server.url) for k, v in headers.items()}
    got, _, body = http(f"{server.url}/sparql", urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}).encode(),
                        {"Content-Type": "application/x-www-form-urlencoded", **headers})
    assert got == status, body
    if status == 403:
        assert b"application/sparql-query" in body


def test_direct_posts_run_from_any_client(server):
    # a browser cannot send this type cross-site without a CORS preflight, which is refused
    status, _, body = post_query(server, "ASK { ?s ?p ?o }", Origin="http://evil.example")
    assert status == 200 and json.loads(body)["boolean"] is True
    status, headers, _ = http(f"{server.url}/sparql", method="OPTIONS",
                              headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
                                       "Access-Control-Request-Headers": "content-type"})
    assert status == 405 and "Access-Control-Allow-Origin" not in headers
    status, _, _ = http(f"{server.url}/sparql", b"ASK { ?s ?p ?o }", {"Content-Type": "text/plain"})
    assert status == 415


# ---------------------------------------------------------------------------------------------- limits and CORS
def test_timeout_is_503_and_the_server_recovers(chaoyang_file):
    with make_server("oxigraph", chaoyang_file, port=0, timeout=1.5, workers=1).start() as srv:
        started = time.monotonic()
        status, _, body = get(srv, SLOW)
        assert status == 503 and b"timed out" in body and time.monotonic() - started < 10
        deadline = time.monotonic() + 60
        while True:  # the killed worker is replaced in the background
            status, _, _ = get(srv, "ASK { ?s ?p ?o }")
            if status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert status == 200


def test_limit_cuts_every_query_and_says_so(chaoyang_file):
    with make_server("oxigraph", chaoyang_file, port=0, limit=5, workers=1).start() as srv:
        status, headers, body = get(srv, "SELECT ?s WHERE { ?s ?p ?o }")
        assert status == 200 and headers["Chainkg-Truncated"] == "true"
        assert len(json.loads(body)["results"]["bindings"]) == 5
        status, headers, body = get(srv, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3")
        assert "Chainkg-Truncated" not in headers


def test_cors_is_off_by_default(server):
    _, headers, _ = get(server, "ASK {}", Origin="http://localhost:8888")
    assert not any(k.lower().startswith("access-control") for k in headers)
    status, headers, _ = http(f"{server.url}/sparql", method="OPTIONS",
                              headers={"Origin": "http://localhost:8888", "Access-Control-Request-Method": "POST"})
    assert status == 405 and "Access-Control-Allow-Origin" not in headers


def test_cors_for_the_origins_given(chaoyang_file):
    with make_server("oxigraph", chaoyang_file, port=0, workers=1, cors=["http://localhost:8888"]).start() as srv:
        _, headers, _ = get(srv, "ASK {}", Origin="http://localhost:8888")
        assert headers["Access-Control-Allow-Origin"] == "http://localhost:8888"
        _, headers, _ = get(srv, "ASK {}", Origin="http://evil.example")
        assert "Access-Control-Allow-Origin" not in headers
        status, headers, _ = http(f"{srv.url}/sparql", method="OPTIONS", headers={"Origin": "http://localhost:8888"})
        assert status == 204 and "POST" in headers["Access-Control-Allow-Methods"]


# ---------------------------------------------------------------------------------------------- named queries
def test_named_query_catalogue_and_run(server):
    status, _, body = http(f"{server.url}/queries")
    catalogue = json.loads(body)
    assert status == 200 and len(catalogue) >= 15
    assert {"name", "description", "params"} <= set(catalogue[0])
    status, _, body = http(f"{server.url}/queries/lead-enterprises?" + urllib.parse.urlencode(
        {"zone": "喀左经济开发区", "format": "csv"}))
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert status == 200 and {(r["enterpriseName"], r["role"]) for r in rows} == {("通美晶体", "龙头"), ("通美晶体", "链主")}


def test_named_query_parameters_are_bound_not_pasted(server):
    status, _, body = http(f"{server.url}/queries/evidence?" + urllib.parse.urlencode(
        {"subject": '通美晶体" } UNION { ?fact ?p ?quote } #'}))
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    status, _, body = http(f"{server.url}/queries/projects?year=2022%20OR%201")
    assert status == 400 and b"year" in body
    status, _, _ = http(f"{server.url}/queries/no-such-query")
    assert status == 404


# ---------------------------------------------------------------------------------------------- the page
def test_page_is_self_contained(server):
    status, headers, body = http(f"{server.url}/")
    page = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "unsafe-inline" not in csp
    for loader in ("src=", "href=", "<link", "url(", "@import", "<iframe", "<object"):
        assert loader not in page, loader  # nothing to fetch: everything is inline


def test_page_runs_a_query_in_headless_chromium(server, tmp_path):
    assert shutil.which("chromium"), "install the Debian package chromium"
    q = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?name WHERE { ?z rdfs:label ?name "
         "FILTER(str(?name) IN (\"凌源市\", \"北票市\")) } ORDER BY ?name")
    url = f"{server.url}/#" + urllib.parse.urlencode({"query": q})
    out = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path}",
         "--virtual-time-budget=10000", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
         "--dump-dom", url], capture_output=True, text=True, timeout=120)
    dom = out.stdout
    assert "<table>" in dom, out.stderr[-2000:]
    table = dom[dom.index("<table>"):dom.index("</table>")]
    assert table.index("<td>凌源市</td>") < table.index("<td>北票市</td>")  # code-point order: 凌 U+51CC, 北 U+5317
    assert "2 行 / rows" in dom
    assert "lead-enterprises</option>" in dom  # the named-query list was fetched from the server


# ---------------------------------------------------------------------------------------------- the command
def test_serve_command_starts_answers_and_stops(chaoyang_file):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    chainkg = os.path.join(os.path.dirname(sys.executable), "chainkg")
    proc = subprocess.Popen([chainkg, "serve", "--port", "0", "--graph", str(chaoyang_file), "--workers", "1"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if "SPARQL endpoint:" in line:
                url = line.split("SPARQL endpoint:")[1].strip()
            elif not line and proc.poll() is not None:
                break
        assert url and url.startswith("http://127.0.0.1:"), url
        status, _, body = http(url + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}))
        assert status == 200 and json.loads(body)["boolean"] is True
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0


# ---------------------------------------------------------------------------------------------- one slow client, many others
def test_one_pathological_query_does_not_starve_twenty_clients(chaoyang_file, projects):
    timeout = 4.0
    with make_server("oxigraph", chaoyang_file, port=0, timeout=timeout, workers=2).start() as srv:
        slow = {}

        def pathological():
            started = time.monotonic()
            slow["answer"] = get(srv, SLOW)  # a cross product of the whole graph, three times over
            slow["seconds"] = time.monotonic() - started

        hog = threading.Thread(target=pathological)
        hog.start()
        time.sleep(0.5)  # it now holds one of the two workers
        answers, latencies = [], []
        stop = time.monotonic() + timeout - 1

        def client():
            while time.monotonic() < stop:
                started = time.monotonic()
                status, _, body = get(srv, COUNT_PROJECTS)
                latencies.append(time.monotonic() - started)
                answers.append((status, body))

        clients = [threading.Thread(target=client) for _ in range(20)]
        for t in clients:
            t.start()
        for t in clients:
            t.join()
        hog.join()
    assert slow["answer"][0] == 503 and b"timed out" in slow["answer"][2]
    assert timeout <= slow["seconds"] < timeout + 5  # killed at its timeout
    assert len(answers) >= 20 and {s for s, _ in answers} == {200}
    assert {int(json.loads(b)["results"]["bindings"][0]["n"]["value"]) for _, b in answers} == {projects}
    print(f"{len(answers)} answers, p50 {statistics.median(latencies):.3f} s, max {max(latencies):.3f} s")
    assert max(latencies) < 5.0, sorted(latencies)[-5:]  # every client answered within the bound meanwhile


def test_a_busy_server_answers_503_at_once(chaoyang_file):
    with make_server("oxigraph", chaoyang_file, port=0, timeout=6, workers=1, max_waiting=1, wait=1).start() as srv:
        hog = threading.Thread(target=get, args=(srv, SLOW))
        hog.start()
        time.sleep(0.5)
        waiter = threading.Thread(target=get, args=(srv, "ASK { ?s ?p ?o }"))
        waiter.start()  # the one request allowed to wait …
        time.sleep(0.2)
        started = time.monotonic()
        status, headers, body = get(srv, "ASK { ?s ?p ?o }")  # … so this one is told at once
        assert status == 503 and headers["Retry-After"] == "1" and b"busy" in body
        assert time.monotonic() - started < 0.5
        started = time.monotonic()
        waiter.join()
        status, _, body = get(srv, "ASK { ?s ?p ?o }")  # waits its second, then gives up
        assert status == 503 and b"1 s" in body and 0.9 < time.monotonic() - started < 3
        hog.join()


def test_connections_are_bounded_and_idle_ones_closed(chaoyang_file):
    import socket

    with make_server("oxigraph", chaoyang_file, port=0, workers=1, max_connections=2, idle=1).start() as srv:
        address = srv.httpd.server_address[:2]
        idle = [socket.create_connection(address, timeout=10) for _ in range(2)]
        time.sleep(0.2)
        third = socket.create_connection(address, timeout=10)
        assert third.recv(1000).startswith(b"HTTP/1.1 503")
        third.close()
        assert [s.recv(10) for s in idle] == [b"", b""]  # closed by the server after 1 s of silence
        for s in idle:
            s.close()
        status, _, _ = get(srv, "ASK { ?s ?p ?o }")
        assert status == 200
