"""--store http://…: a real `oxigraph serve` (PyPI package oxigraph) on 127.0.0.1 as the store.

Loading through the Graph Store Protocol and through SPARQL Update, reading through rdflib's Graph API,
querying from the CLI, and the failures a remote server brings (down, half an answer, credentials).
"""
import base64
import contextlib
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from chainkg.cli import cli
from chainkg.errors import DataError


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary():
    path = Path(sys.executable).with_name("oxigraph")
    found = str(path) if path.exists() else shutil.which("oxigraph")
    assert found, "the oxigraph server comes with the test extras: pip install -e '.[test]'"
    return found


@contextlib.contextmanager
def running_oxigraph(location):
    """Start `oxigraph serve` on a free 127.0.0.1 port; yield its query URL; stop it."""
    for attempt in range(5):
        port = _free_port()
        proc = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = f"http://127.0.0.1:{port}/query"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        if proc.poll() is None:
            break
        proc.wait()  # the port was taken in between: try another
    else:  # pragma: no cover
        raise RuntimeError(proc.stderr.read().decode("utf-8", "replace"))
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def expected_triples(chaoyang_file):
    """Distinct triples of the data plus the ontology, as Oxigraph parses them."""
    import pyoxigraph as ox

    from chainkg.resources import ontology_file

    triples = set()
    for path in (chaoyang_file, ontology_file()):
        for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            triples.add((q.subject, q.predicate, q.object))
    return len(triples)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-db")) as url:
        yield url


@pytest.fixture(scope="module")
def loaded(server, chaoyang_file):
    from chainkg.store import load_store

    info = load_store(chaoyang_file, server)  # the store module hands URLs to chainkg.remote
    return server, info


def run(*args, **kw):
    return CliRunner().invoke(cli, [str(a) for a in args], **kw)


# ---------------------------------------------------------------------------------------------- loading
def test_load_through_the_graph_store_protocol(loaded, expected_triples):
    url, info = loaded
    assert info["method"] == "gsp"
    assert info["triples"] == expected_triples


def test_loading_again_replaces_the_default_graph(tmp_path, server, chaoyang_file, expected_triples):
    from chainkg.remote import Endpoint, load_remote

    small = tmp_path / "small.ttl"
    small.write_text('<https://w3id.org/chainkg/id/x/a> <http://www.w3.org/2000/01/rdf-schema#label> "甲"@zh .\n',
                     encoding="utf-8")
    assert load_remote(small, server, ontology=False)["triples"] == 1
    assert Endpoint(server).count() == 1
    assert load_remote(chaoyang_file, server)["triples"] == expected_triples


def test_load_through_sparql_update_when_there_is_no_graph_store(monkeypatch, tmp_path, chaoyang_file, expected_triples):
    from chainkg.remote import load_remote

    with running_oxigraph(tmp_path / "db") as url:
        monkeypatch.setenv("CHAINKG_GSP_URL", url.replace("/query", "/no-graph-store-here"))
        info = load_remote(chaoyang_file, url)
        assert info["method"] == "update" and info["triples"] == expected_triples
        small = tmp_path / "one.nt"
        small.write_text('<https://w3id.org/chainkg/id/x/a> <http://www.w3.org/2000/01/rdf-schema#label> "乙" .\n',
                         encoding="utf-8")
        assert load_remote(small, url, ontology=False)["triples"] == 1  # CLEAR DEFAULT first: replaced, not added


def test_a_bad_file_is_reported_and_the_server_keeps_its_data(loaded, tmp_path, expected_triples):
    from chainkg.remote import Endpoint, load_remote

    url, _ = loaded
    bad = tmp_path / "bad.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_remote(bad, url)
    assert err.value.problems[0].file == str(bad)
    assert Endpoint(url).count() == expected_triples


# ---------------------------------------------------------------------------------------------- reading
def test_open_store_gives_a_graph_over_the_server(loaded, chaoyang):
    from chainkg.namespaces import CK, RDF, RDFS, SKOS
    from chainkg.store import open_store

    url, info = loaded
    g = open_store(url)
    assert g.kind == "remote" and len(g) == info["triples"]
    lead = next(iter(chaoyang.subjects(RDFS.label, next(o for o in chaoyang.objects(None, RDFS.label) if str(o) == "通美晶体"))))
    assert {str(o) for o in g.objects(lead, RDFS.label)} == {"通美晶体"}
    assert set(g.subjects(RDF.type, CK.Project)) == set(chaoyang.subjects(RDF.type, CK.Project))
    assert str(g.value(CK.StatusSigned, SKOS.notation)) == "签约"  # the ontology is there too
    rows = list(g.query("SELECT (COUNT(?p) AS ?n) WHERE { ?p a ck:Project }"))
    assert int(rows[0][0]) == len(set(chaoyang.subjects(RDF.type, CK.Project)))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_rdflib_dataset_over_sparqlstore_finds_nothing_which_is_why_we_do_not_use_it(loaded):
    """The pitfall in DESIGN.md, kept as a test: a Dataset sends default-graph-uri and gets nothing."""
    from rdflib import Dataset
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    url, _ = loaded
    naive = Dataset(store=SPARQLStore(url))
    assert list(naive.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")) == []


def test_cli_query_against_the_server(loaded):
    url, _ = loaded
    result = run("query", "--name", "lead-enterprises", "-p", "zone=喀左经济开发区", "--format", "json", "--store", url)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["results"]["bindings"]
    assert sorted((r["enterpriseName"]["value"], r["role"]["value"]) for r in rows) == [("通美晶体", "链主"), ("通美晶体", "龙头")]


def test_a_service_query_is_refused_before_reaching_the_server(loaded):
    url, _ = loaded
    result = run("query", "-e", f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", "--store", url)
    assert result.exit_code == 1 and "SERVICE" in result.output


# ---------------------------------------------------------------------------------------------- failures
def test_a_server_that_is_down_is_a_clear_error():
    url = f"http://127.0.0.1:{_free_port()}/query"
    result = run("query", "-e", "ASK {}", "--store", url)
    assert result.exit_code == 1
    assert "cannot reach the SPARQL server" in result.output and "Traceback" not in result.output
    from chainkg.store import open_store

    with pytest.raises(DataError, match="cannot reach"):
        open_store(url)


class _Fake:
    """A fake endpoint answering every query with a fixed body, recording request headers."""

    def __init__(self, body, ctype="application/sparql-results+json"):
        seen = self.headers = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                seen.append(dict(self.headers))
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_half_an_answer_is_an_error_not_an_empty_result():
    fake = _Fake(b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "uri", "value": "http://e/a"}}, {"s": {"ty')
    try:
        result = run("query", "-e", "SELECT ?s WHERE { ?s ?p ?o }", "--store", f"http://127.0.0.1:{fake.port}/query")
        assert result.exit_code == 1 and "incomplete" in result.output
    finally:
        fake.close()


def test_credentials_go_in_a_header_and_never_into_messages():
    from chainkg.remote import Endpoint

    fake = _Fake(b"not json at all")
    try:
        with pytest.raises(DataError) as err:
            Endpoint(f"http://analyst:s3cret@127.0.0.1:{fake.port}/repositories/chaoyang").sparql_query("ASK {}")
        assert "s3cret" not in str(err.value)
        auth = fake.headers[0]["Authorization"]
        assert base64.b64decode(auth.split()[1]).decode() == "analyst:s3cret"
    finally:
        fake.close()


def test_gap_analysis_reads_the_server_like_the_local_store(loaded, chaoyang_file):
    """The projection behind gaps, maps and reports, built from the server through rdflib's Graph API."""
    from chainkg.analysis.gaps import all_gaps
    from chainkg.project import project
    from chainkg.store import open_store

    url, _ = loaded
    remote = open_store(url)
    local = open_store("oxigraph", chaoyang_file)
    gaps_remote, gaps_local = all_gaps(project(remote)), all_gaps(project(local))
    assert gaps_remote == gaps_local and len(gaps_local) > 50
    assert any(g["status"] == "missing" for g in gaps_remote)


def test_cli_load_then_query_the_server(tmp_path, chaoyang_file, expected_triples):
    with running_oxigraph(tmp_path / "db") as url:
        result = run("load", chaoyang_file, "--store", url)
        assert result.exit_code == 0, result.output
        assert f"{expected_triples} triples" in result.output and "gsp" in result.output
        result = run("query", "-e", "PREFIX ck: <https://w3id.org/chainkg/ontology#> ASK { ?p a ck:Project }",
                     "--store", url, "--format", "json")
        assert result.exit_code == 0 and json.loads(result.stdout)["boolean"] is True


def test_cli_build_straight_into_the_server(tmp_path, chaoyang_file, expected_triples):
    with running_oxigraph(tmp_path / "db") as url:
        result = run("build", "--out", tmp_path / "g.ttl", "--store", url)
        assert result.exit_code == 0, result.output
        assert f"loaded {expected_triples} triples into {url}" in result.output
        result = run("query", "--name", "lead-enterprises", "--param", "zone=喀左", "--store", url, "--format", "csv")
        assert result.exit_code == 0 and "通美晶体" in result.stdout


def test_cli_build_into_an_on_disk_store(tmp_path):
    store = tmp_path / "store"
    result = run("build", "--out", tmp_path / "g.ttl", "--store", store)
    assert result.exit_code == 0, result.output
    result = run("query", "--store", store, "--format", "csv",
                 "-e", "PREFIX ck: <https://w3id.org/chainkg/ontology#> SELECT (COUNT(*) AS ?n) WHERE { ?p a ck:Project }")
    assert result.exit_code == 0 and result.stdout.splitlines()[-1].strip() == "173"


# ---------------------------------------------------------------------------------------------- hostile servers
class _Recorder:
    """A real HTTP server on 127.0.0.1 that records (method, path, headers) and answers with *answer*
    (a function of the handler, returning (status, headers, body))."""

    def __init__(self, answer):
        seen = self.requests = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append((self.command, self.path, dict(self.headers)))
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, body = answer(self)
                self.send_response(status)
                for k, v in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_PUT = do_GET

            def log_message(self, *args):
                pass

        self.httpd = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


ASK_TRUE = (200, {"Content-Type": "application/sparql-results+json"}, b'{"head": {}, "boolean": true}')


@pytest.fixture
def elsewhere():
    """The other origin a hostile server redirects to: it must never hear from us."""
    srv = _Recorder(lambda h: ASK_TRUE)
    yield srv
    srv.close()


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("target", ["{other}/query", "http://localhost:{port}/query", "https://127.0.0.1:{port}/query"])
def test_credentials_never_follow_a_redirect_to_another_origin(elsewhere, code, target):
    from chainkg.remote import Endpoint

    target = target.format(other=elsewhere.url, port="{port}")
    server = _Recorder(lambda h: (code, {"Location": target.format(port=h.server.server_address[1])}, b""))
    try:
        for method in ("GET", "POST"):
            endpoint = Endpoint(f"http://analyst:s3cret@127.0.0.1:{server.port}/query", timeout=10)
            with pytest.raises(DataError) as err:
                endpoint.request(endpoint.url, data=b"x" if method == "POST" else None, content_type="text/plain")
            message = str(err.value)
            assert "另一个地址" in message and "another origin" in message and "s3cret" not in message
        assert server.requests and all("Authorization" in h for _, _, h in server.requests)
        assert elsewhere.requests == []  # not a single request, with or without the credentials
    finally:
        server.close()


def test_a_redirect_within_the_server_is_followed_with_the_credentials():
    def answer(h):
        if h.path == "/query":
            return 302, {"Location": "/repositories/chaoyang"}, b""
        return ASK_TRUE

    server = _Recorder(answer)
    try:
        result = run("query", "-e", "ASK {}", "--store", f"http://analyst:s3cret@127.0.0.1:{server.port}/query",
                     "--format", "json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["boolean"] is True
        paths = [p for _, p, _ in server.requests]
        assert paths[-2:] == ["/query", "/repositories/chaoyang"]
        assert all(base64.b64decode(h["Authorization"].split()[1]) == b"analyst:s3cret" for _, _, h in server.requests)
    finally:
        server.close()


def test_the_cli_reports_a_foreign_redirect_clearly(elsewhere):
    server = _Recorder(lambda h: (302, {"Location": f"{elsewhere.url}/query"}, b""))
    try:
        result = run("query", "-e", "ASK {}", "--store", f"http://analyst:s3cret@127.0.0.1:{server.port}/query")
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "another origin" in result.output and "s3cret" not in result.output
        assert elsewhere.requests == []
    finally:
        server.close()


def test_proxy_variables_are_not_used(monkeypatch, elsewhere):
    """A proxy would see the credentials of a plain-http request: the server is always spoken to directly."""
    from chainkg.remote import Endpoint

    server = _Recorder(lambda h: ASK_TRUE)
    try:
        monkeypatch.setenv("http_proxy", elsewhere.url)
        monkeypatch.setenv("HTTP_PROXY", elsewhere.url)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        assert Endpoint(f"http://analyst:s3cret@127.0.0.1:{server.port}/query").sparql_query("ASK {}").boolean is True
        assert elsewhere.requests == [] and len(server.requests) == 1
    finally:
        server.close()


@contextlib.contextmanager
def _silent_server(drip=None):
    """A TCP server that accepts and then says nothing (or, with *drip*, sends headers and then one
    byte of body every *drip* seconds, for ever)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    conns, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            conns.append(conn)
            if drip:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                             b"Content-Length: 100000000\r\n\r\n")
                while not stop.wait(drip):
                    try:
                        conn.sendall(b" ")
                    except OSError:
                        break

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/query"
    finally:
        stop.set()
        sock.close()
        for c in conns:
            c.close()


@pytest.mark.parametrize("drip", [None, 0.2])
def test_every_request_has_a_timeout(drip):
    from chainkg.remote import Endpoint

    with _silent_server(drip) as url:
        started = time.monotonic()
        with pytest.raises(DataError) as err:
            Endpoint(url, timeout=1).sparql_query("ASK {}")
        assert "did not answer within 1 s" in str(err.value) and "1 秒" in str(err.value)
        assert time.monotonic() - started < 3
