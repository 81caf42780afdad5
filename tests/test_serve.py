"""chainkg serve: the SPARQL 1.1 Protocol from a plain HTTP client, the guard on every request, limits,
CORS, and the offline query page in a real headless Chromium."""
import csv
import io
import json
import os
import shutil
import signal
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
    return http(f"{server.url}/sparql", urllib.parse.urlencode(fields).encode("utf-8"),
                {"Content-Type": "application/x-www-form-urlencoded", **headers})


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


def test_foreign_host_header_is_refused(server):
    status, _, _ = http(f"{server.url}/sparql?query=ASK%7B%7D", headers={"Host": "attacker.example:7878"})
    assert status == 403
    status, _, _ = http(f"{server.url}/sparql?query=ASK%7B%7D", headers={"Host": f"localhost:{server.httpd.server_address[1]}"})
    assert status == 200


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
