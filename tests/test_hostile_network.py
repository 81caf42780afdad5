"""Hostile queries against the network: SERVICE, FROM, LOAD and updates hidden every way the SPARQL
syntax allows (comments ended by CR, LF or CRLF, whitespace, \\u escapes, prefixed names, case, nesting)
are refused by the guard, and not one connection reaches a listener on 127.0.0.1 when they are sent
through the library, `chainkg query` on every local store, and `chainkg serve` (GET, POST, form POST).

Behind the guard stand two more walls, tested here by handing the raw text straight to the engines:
rdflib's engine runs with SERVICE and FROM loading off, and query workers on local stores live in a
network namespace of their own, where no address can be reached.
"""
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from click.testing import CliRunner
from conftest import RequestListener
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainkg.cli import cli
from chainkg.query import Guarded, QueryEngine, QueryForbidden, QueryRefused, guard, run_query
from chainkg.serve import make_server


@pytest.fixture(scope="module")
def listener():
    lst = RequestListener()
    urllib.request.urlopen(lst.url, timeout=10).read()  # it does hear a request sent to it …
    assert lst.hits == ["/sparql"] and len(lst.connections) == 1
    lst.hits.clear()
    lst.connections.clear()
    yield lst  # … and must hear nothing else
    lst.close()


@pytest.fixture(scope="module")
def disk_store(tmp_path_factory, chaoyang_file):
    from chainkg.store import load_store

    path = tmp_path_factory.mktemp("hostile") / "store"
    load_store(chaoyang_file, path)
    return path


@pytest.fixture(scope="module")
def engines(chaoyang_file, disk_store):
    """One engine per kind of local store: rdflib in memory, Oxigraph in memory, Oxigraph on disk."""
    started = {"memory": QueryEngine("memory", graph_path=chaoyang_file, timeout=20),
               "oxigraph": QueryEngine("oxigraph", graph_path=chaoyang_file, timeout=20),
               "disk": QueryEngine(str(disk_store), timeout=20)}
    yield started
    for engine in started.values():
        engine.close()


@pytest.fixture(scope="module")
def server(chaoyang_file):
    srv = make_server("oxigraph", chaoyang_file, port=0, timeout=20, workers=1).start()
    yield srv
    srv.close()


# ---------------------------------------------------------------------------------------------- the generator
def _escape(ch):
    return f"\\u{ord(ch):04X}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08X}"


@st.composite
def keyword(draw, word):
    """*word* in any case, some letters written as \\u / \\U escapes."""
    out = []
    for ch in word:
        ch = draw(st.sampled_from([ch.upper(), ch.lower()]))
        how = draw(st.sampled_from(["plain"] * 4 + ["u", "U"]))
        out.append(ch if how == "plain" else _escape(ch) if how == "u" else f"\\U{ord(ch):08X}")
    return "".join(out)


#: What may stand between two tokens: whitespace, comments ended by LF, CR or CRLF, and their escapes.
SEPARATORS = [" ", "\t", "\n", "\r", "\r\n", "  \n\t", " # harmless comment\r", " # harmless comment\n",
              " # harmless comment\r\n", "#\r", "#}\r", "\\u0020", "\\u000D", "\\u000A", " \\u0023 comment\r",
              " # comment \\u000D ", "\r#\n"]
sep = st.sampled_from(SEPARATORS)


@st.composite
def target(draw, url):
    """The listener's address as a SERVICE target: an IRI (maybe escaped), a prefixed name, a variable."""
    base, path = url.rsplit("/", 1)
    kind = draw(st.sampled_from(["iri", "escaped", "prefixed", "bind", "values"]))
    if kind == "iri":
        return "", f"<{url}>", ""
    if kind == "escaped":
        chars = "".join(_escape(c) if draw(st.booleans()) else c for c in url)
        return "", f"<{chars}>", ""
    if kind == "prefixed":
        return f"PREFIX {draw(st.sampled_from(['p', 'svc', 'service', 'from']))}: <{base}/>\n", None, path
    if kind == "bind":
        return "", "?u", f"BIND(<{url}> AS ?u)"
    return "", "?u", f"VALUES ?u {{ <{url}> }}"


def _wrap(pattern, how):
    return {"group": f"{{ {pattern} }}", "optional": f"OPTIONAL {{ {pattern} }}",
            "union": f"{{ ?a ?b ?c }} UNION {{ {pattern} }}", "minus": f"MINUS {{ {pattern} }}",
            "exists": f"FILTER EXISTS {{ {pattern} }}", "not-exists": f"FILTER NOT EXISTS {{ {pattern} }}",
            "subselect": f"{{ SELECT * WHERE {{ {pattern} }} }}", "graph": f"GRAPH ?g {{ {pattern} }}"}[how]


@st.composite
def service_query(draw, url):
    prologue, iri, extra = draw(target(url))
    if iri is None:  # a prefixed name: PREFIX p: <base/> … p:sparql
        iri, extra = f"{prologue.split()[1]}{extra}", ""
    s1, s2, s3 = draw(sep), draw(sep), draw(sep)
    silent = draw(keyword("SILENT")) + draw(sep) if draw(st.booleans()) else ""
    pattern = f"{extra}{s1}{draw(keyword('SERVICE'))}{s2}{silent}{iri}{s3}{{ ?x ?y ?z }}"
    for how in draw(st.lists(st.sampled_from(["group", "optional", "union", "minus", "exists", "not-exists",
                                              "subselect", "graph"]), max_size=3)):
        pattern = _wrap(pattern, how)
    head = draw(st.sampled_from(["SELECT * WHERE", "ASK", "CONSTRUCT { ?s ?p ?o } WHERE", "SELECT ?s WHERE"]))
    body = draw(st.sampled_from([
        "{{ ?s ?p ?o .{sep}{pattern} }} LIMIT 1",
        "{{ ?s ?p ?o . # harmless comment{cr}{pattern} #\n}} LIMIT 1",  # the bypass of issue 16
        "{{ {pattern} }}",
    ])).format(sep=draw(sep), pattern=pattern, cr=draw(st.sampled_from(["\r", "\\u000D", "\r "])))
    return f"{prologue}{head} {body}"


@st.composite
def from_query(draw, url):
    prologue, iri, extra = draw(target(url))
    if iri is None:
        iri = f"{prologue.split()[1]}{extra}"
    elif iri == "?u":
        iri = f"<{url}>"  # a dataset clause names an IRI only
    named = draw(keyword("NAMED")) + draw(sep) if draw(st.booleans()) else ""
    return (f"{prologue}SELECT *{draw(sep)}{draw(keyword('FROM'))}{draw(sep)}{named}{iri}{draw(sep)}"
            f"WHERE {{ ?s ?p ?o }}")


@st.composite
def update(draw, url):
    prologue, iri, extra = draw(target(url))
    if iri is None or iri == "?u":
        iri = f"<{url}>"
    s, cr = draw(sep), draw(st.sampled_from(["\r", "\\u000D"]))
    return prologue + draw(st.sampled_from([
        f"{draw(keyword('LOAD'))}{s}{iri}",
        f"{draw(keyword('LOAD'))}{s}{draw(keyword('SILENT'))} {iri} INTO GRAPH <http://e/g>",
        f"{draw(keyword('INSERT'))}{s}{draw(keyword('DATA'))} {{ <http://e/a> <http://e/b> <http://e/c> }}",
        f"{draw(keyword('DELETE'))}{s}WHERE {{ ?s ?p ?o }}",
        f"{draw(keyword('INSERT'))}{s}{{ ?s ?p ?o }} WHERE {{ SERVICE {iri} {{ ?s ?p ?o }} }}",
        f"{draw(keyword('CLEAR'))}{s}ALL ;{s}{draw(keyword('LOAD'))} {iri}",
        f"ASK {{ }} #{cr}{draw(keyword('LOAD'))} {iri}",
    ]))


def hostile(url):
    return st.one_of(service_query(url), from_query(url), update(url))


# ---------------------------------------------------------------------------------------------- the property
def _http(url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _run_everywhere(text, listener, engines, server, chaoyang_file):
    with pytest.raises(QueryRefused):
        guard(text)
    for store in ("memory", "oxigraph"):
        with pytest.raises(QueryRefused):
            run_query(text, store, graph_path=chaoyang_file)
    result = CliRunner().invoke(cli, ["query", "-e", text, "--graph", str(chaoyang_file)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    q = urllib.parse.urlencode({"query": text})
    assert _http(f"{server.url}/sparql?{q}") in (400, 403)
    assert _http(f"{server.url}/sparql", text.encode("utf-8"), {"Content-Type": "application/sparql-query"}) in (400, 403)
    assert _http(f"{server.url}/sparql", q.encode("ascii"), {"Content-Type": "application/x-www-form-urlencoded",
                                                                "Origin": server.url}) in (400, 403)
    # past the guard, the raw text straight to every engine: the second walls must hold on their own
    for engine in engines.values():
        try:
            engine.run(text, guarded=Guarded("SELECT", text))
        except Exception:  # noqa: BLE001 - refused, a syntax error, a network error: anything but a request
            pass
    assert listener.connections == [], text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hidden_service_from_and_updates_reach_nothing(data, listener, engines, server, chaoyang_file):
    text = data.draw(hostile(listener.url), label="query")
    _run_everywhere(text, listener, engines, server, chaoyang_file)


def test_the_bypass_of_issue_16_is_refused_as_service(listener, engines, server, chaoyang_file):
    for text in [f"SELECT * WHERE {{ ?s ?p ?o . # harmless comment\rSERVICE <{listener.url}> {{ ?x ?y ?z }} }} LIMIT 1",
                 f"SELECT * WHERE {{ ?s ?p ?o . # harmless comment\rSERVICE <{listener.url}> {{ ?x ?y ?z }} #\n}} LIMIT 1",
                 f"SELECT * WHERE {{ ?s ?p ?o . # harmless comment\\u000DSERVICE <{listener.url}> {{ ?x ?y ?z }} #\n}}",
                 f"SELECT * # \rFROM <{listener.url}>\nWHERE {{ ?s ?p ?o }}"]:
        _run_everywhere(text, listener, engines, server, chaoyang_file)
    with pytest.raises(QueryForbidden, match="SERVICE"):
        guard(f"SELECT * WHERE {{ ?s ?p ?o . # harmless comment\rSERVICE <{listener.url}> {{ ?x ?y ?z }} #\n}} LIMIT 1")
    with pytest.raises(QueryForbidden, match="FROM"):
        guard(f"SELECT * # \rFROM <{listener.url}>\nWHERE {{ ?s ?p ?o }}")


def test_the_engine_runs_the_text_the_guard_parsed():
    text = "SELECT ?x WHERE { # a comment\rBIND(\"\\u51CC\" AS ?x) }"
    guarded = guard(text)
    assert "\r" not in guarded.text and "\\u" not in guarded.text and '"凌"' in guarded.text
    assert guard(guarded.text) == guarded  # normal form: guarding it again changes nothing


def test_a_word_the_parse_tree_has_no_place_for_is_refused():
    from chainkg.query import bare_words

    # the lexical reading ends comments at CR as the grammar says; strings, IRIs, names hide nothing
    assert "SERVICE" in bare_words("ASK { # c\rSERVICE <u> { } }")
    assert not bare_words('ASK { ?service <http://e/SERVICE> "SERVICE" ; e:from _:load } # SERVICE') & {"SERVICE", "FROM", "LOAD"}


# ---------------------------------------------------------------------------------------------- the walls behind the guard
def _namespaces_work():
    """Whether this kernel lets a process take a network namespace of its own (probed in a child)."""
    probe = "from chainkg.query import _isolate_network; raise SystemExit(0 if _isolate_network() else 1)"
    return subprocess.run([sys.executable, "-c", probe], timeout=60).returncode == 0


def test_query_workers_on_local_stores_have_no_network(engines, listener):
    if not _namespaces_work():
        pytest.xfail("this kernel refuses network namespaces: the guard and rdflib's settings are the walls here")
    for name, engine in engines.items():
        assert engine.local and engine.isolated, name
        text = f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
        with pytest.raises(Exception) as err:  # Oxigraph tries, and finds no network at all
            engine.run(text, guarded=Guarded("SELECT", text))
        assert "SERVICE is refused" in str(err.value) or "unreachable" in str(err.value), name
    time.sleep(0.2)
    assert listener.connections == []


def test_remote_store_workers_keep_the_network(listener):
    engine = QueryEngine(listener.url, timeout=20)
    try:
        assert not engine.local and not engine.isolated
        assert engine.run("SELECT ?s WHERE { ?s ?p ?o }").rows == []  # the listener answers no rows
    finally:
        engine.close()
    assert len(listener.hits) == 1
    listener.hits.clear()
    listener.connections.clear()


def test_nothing_reached_the_listener(listener):
    time.sleep(0.5)  # a late connection from any test above would be recorded by now
    assert listener.connections == [] and listener.hits == []
