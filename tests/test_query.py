"""chainkg query: the guard, safe parameter binding, timeouts and limits, output formats, the CLI."""
import csv
import io
import json
import time

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from chainkg.cli import cli
from chainkg.errors import DataError
from chainkg.query import (QueryForbidden, QueryRefused, QueryResult, QueryTimeout, _execute, bind_parameters, guard,
                           named_queries, result_bytes, run_query, sparql_term)


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory, chaoyang):
    from chainkg.build import serialize

    path = tmp_path_factory.mktemp("query") / "chaoyang.ttl"
    path.write_bytes(serialize(chaoyang))
    return path


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# ---------------------------------------------------------------------------------------------- guard
@pytest.mark.parametrize("text, form", [
    ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT"),
    ("PREFIX ck: <https://w3id.org/chainkg/ontology#> ASK { ?p a ck:Project }", "ASK"),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3", "CONSTRUCT"),
    ("DESCRIBE <https://w3id.org/chainkg/id/chaoyang/org/凌钢>", "DESCRIBE"),
    ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "SELECT"),  # GRAPH reads the store's own graphs: allowed
])
def test_guard_accepts_read_queries(text, form):
    assert guard(text).form == form


@pytest.mark.parametrize("text, word", [
    ("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }", "INSERT DATA"),
    ("DELETE DATA { <http://e/a> <http://e/b> <http://e/c> }", "DELETE DATA"),
    ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE"),
    ("DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "DELETE/INSERT"),
    ("LOAD <http://127.0.0.1:9/data.ttl>", "LOAD"),
    ("LOAD SILENT <http://127.0.0.1:9/data.ttl> INTO GRAPH <http://e/g>", "LOAD"),
    ("CLEAR ALL", "CLEAR"),
    ("DROP DEFAULT", "DROP"),
    ("CREATE GRAPH <http://e/g>", "CREATE"),
    ("COPY DEFAULT TO <http://e/g>", "COPY"),
    ("MOVE DEFAULT TO <http://e/g>", "MOVE"),
    ("ADD DEFAULT TO <http://e/g>", "ADD"),
    ("PREFIX e: <http://e/> CLEAR DEFAULT ; LOAD <http://127.0.0.1:9/x.ttl>", "CLEAR, LOAD"),
])
def test_guard_refuses_updates_naming_them(text, word):
    with pytest.raises(QueryForbidden) as err:
        guard(text)
    message = str(err.value)
    assert "只读" in message and "read-only" in message and word in message


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?x ?y ?z OPTIONAL { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "SELECT * WHERE { ?x ?y ?z FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } }",
    "SELECT * WHERE { BIND(<http://127.0.0.1:9/> AS ?u) SERVICE ?u { ?s ?p ?o } }",
    "ASK { MINUS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",  # a Unicode escape hides nothing
])
def test_guard_refuses_service_wherever_it_hides(text):
    with pytest.raises(QueryForbidden, match="SERVICE"):
        guard(text)


@pytest.mark.parametrize("text", [
    "SELECT * FROM <http://127.0.0.1:9/g.ttl> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <http://127.0.0.1:9/g.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "ASK FROM <file:///etc/passwd> { ?s ?p ?o }",
    "CONSTRUCT { ?s ?p ?o } FROM <http://127.0.0.1:9/> WHERE { ?s ?p ?o }",
    "DESCRIBE ?s FROM <http://127.0.0.1:9/> WHERE { ?s ?p ?o }",
])
def test_guard_refuses_from_and_from_named(text):
    with pytest.raises(QueryForbidden, match="FROM / FROM NAMED"):
        guard(text)


def test_guard_reports_syntax_errors_with_their_line():
    with pytest.raises(QueryRefused) as err:
        guard("SELECT ?s\nWHERE {\n  ?s ?p \n}", where="question.rq")
    problem = err.value.problems[0]
    assert problem.file == "question.rq" and problem.row is not None and "SPARQL" in problem.zh
    assert not isinstance(err.value, QueryForbidden)  # a mistake, not a forbidden request


@pytest.mark.parametrize("text", ["", "   \n", "x" * 100_001])
def test_guard_refuses_empty_and_huge_queries(text):
    with pytest.raises(QueryRefused):
        guard(text)


def test_guard_runs_the_text_it_read():
    assert guard('SELECT ?x WHERE { BIND("\\u51CC\\u94A2" AS ?x) }').text == 'SELECT ?x WHERE { BIND("凌钢" AS ?x) }'


# ---------------------------------------------------------------------------------------------- parameters
def _values_after_binding(text):
    from rdflib import Graph

    return _execute(Graph(), guard(text), 0).values()


@pytest.mark.parametrize("value", [
    '凌钢" } ?s ?p ?o { "',  # close the string and the VALUES block
    '凌钢"@zh } } UNION { ?s ?p ?o } #',
    "x\n\\\"",  # rdflib's Literal.n3() writes this as invalid SPARQL
    "\\\\\" } ?s ?p ?o {",  # escaped backslashes then a quote
    "<http://127.0.0.1:9/>",
    "'; DROP ALL; '",
])
def test_parameters_are_bound_as_one_literal(value):
    from chainkg.ingest.text import normalize

    q = named_queries()["evidence"]
    text = bind_parameters(q, {"subject": value})
    placeholder = text[text.index("VALUES ?param_subject"):].split("\n")[0]
    term = placeholder[len("VALUES ?param_subject { "):-len(" }")]
    assert _values_after_binding(f"SELECT ?x WHERE {{ VALUES ?x {{ {term} }} }}") == [(normalize(value),)]
    guard(text)  # the whole query still parses as one SELECT


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
       | st.text(st.sampled_from('\\uU"\'{}#<>\n\r0042aF '), max_size=24))
def test_any_text_round_trips_through_sparql_term_on_both_engines(value):
    import re

    import pyoxigraph
    from hypothesis import assume
    from rdflib import Graph, Literal

    assume(not re.search(r"\\[uU]", value))  # refused: see test_backslash_u_has_no_portable_spelling
    guarded = guard(f"SELECT ?x WHERE {{ VALUES ?x {{ {sparql_term(Literal(value))} }} }}")
    assert _execute(Graph(), guarded, 0).values() == [(value,)]
    assert _execute(pyoxigraph.Store(), guarded, 0).values() == [(value,)]


def test_backslash_u_has_no_portable_spelling():
    from rdflib import Literal

    with pytest.raises(ValueError):
        sparql_term(Literal("a\\u0022b"))
    with pytest.raises(DataError, match="u"):
        bind_parameters(named_queries()["evidence"], {"subject": "\\u0022 } ?s ?p ?o {"})


def test_guard_refuses_escapes_that_expand_to_escapes():
    with pytest.raises(QueryRefused, match="ambiguous"):
        guard('SELECT ?x WHERE { BIND("\\u005Cu0041" AS ?x) }')


def test_parameter_types_are_checked():
    q = named_queries()["projects"]
    assert '"2022"^^<http://www.w3.org/2001/XMLSchema#integer>' in bind_parameters(q, {"year": " ２０２２ "})
    with pytest.raises(DataError, match="year"):
        bind_parameters(q, {"year": "2022 OR 1=1"})


def test_unknown_and_missing_parameters_are_reported_together():
    q = named_queries()["enterprises-of-zone-chain"]
    with pytest.raises(DataError) as err:
        bind_parameters(q, {"zone": "龙城区", "chian": "x"})
    fields = sorted(p.field for p in err.value.problems)
    assert fields == ["chain", "chian"]


def test_optional_parameters_left_out_match_everything():
    q = named_queries()["projects"]
    assert bind_parameters(q, {}) == q.text


def test_every_named_query_has_a_description_and_its_placeholders(chaoyang):
    queries = named_queries()
    assert len(queries) >= 15
    for q in queries.values():
        assert q.description and " / " in q.description, q.name  # one line, Chinese / English
        assert "SELECT" in q.text and "SELECT *" not in q.text, q.name  # explicit column order
        declared = {p.name for p in q.params}
        used = set(__import__("re").findall(r"VALUES \?param_(\w+) \{ UNDEF \}", q.text))
        assert declared == used, q.name
        guard(q.text, where=q.name)
        for p in q.params:
            assert p.description, (q.name, p.name)
        assert "lang(" not in q.text.replace("langMatches(lang(", ""), q.name  # tags compared with langMatches


# ---------------------------------------------------------------------------------------------- running
def test_run_query_in_a_worker_on_the_embedded_store(graph_file):
    r = run_query("PREFIX ck: <https://w3id.org/chainkg/ontology#> SELECT (COUNT(?p) AS ?n) WHERE { ?p a ck:Project }",
                  "oxigraph", graph_path=graph_file)
    assert r.columns == ["n"] and r.values()[0][0] > 100


def test_a_long_query_is_stopped_at_the_timeout(graph_file):
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="2 s"):
        run_query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "oxigraph",
                  graph_path=graph_file, timeout=2)
    assert time.monotonic() - started < 10  # the worker was killed, not waited for


def test_a_timed_out_worker_is_replaced(graph_file):
    from chainkg.query import QueryEngine

    with QueryEngine("oxigraph", graph_path=graph_file, timeout=1.5) as engine:
        with pytest.raises(QueryTimeout):
            engine.run("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        assert engine.run("ASK { ?s ?p ?o }", timeout=30).boolean is True


def test_the_result_limit_cuts_and_says_so(graph_file):
    r = run_query("SELECT ?s WHERE { ?s ?p ?o }", "oxigraph", graph_path=graph_file, limit=7)
    assert len(r.rows) == 7 and r.truncated
    r = run_query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 7", "oxigraph", graph_path=graph_file, limit=7)
    assert len(r.rows) == 7 and not r.truncated


def test_the_guard_runs_before_any_worker_starts(monkeypatch):
    import chainkg.query as query

    monkeypatch.setattr(query, "QueryEngine", lambda *a, **k: pytest.fail("a worker was started"))
    with pytest.raises(QueryForbidden):
        run_query("LOAD <http://127.0.0.1:9/x>")


# ---------------------------------------------------------------------------------------------- output
def _result():
    from rdflib import Literal, URIRef
    from rdflib.namespace import XSD

    return QueryResult("SELECT", ["project", "name", "value", "note"], [
        (URIRef("https://w3id.org/chainkg/id/chaoyang/project/p1"), Literal("辽宁通鑫项目", lang="zh"),
         Literal("1.82E9", datatype=XSD.decimal), None),
        (URIRef("https://w3id.org/chainkg/id/chaoyang/project/p2"), Literal("=HYPERLINK(\"x\")"),
         Literal(-5), Literal("负数")),
    ])


def test_csv_is_utf8_with_bom_and_safe_for_excel():
    data = result_bytes(_result(), "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["project", "name", "value", "note"]
    assert rows[1] == ["https://w3id.org/chainkg/id/chaoyang/project/p1", "辽宁通鑫项目", "1820000000", ""]
    assert rows[2][1] == "'=HYPERLINK(\"x\")" and rows[2][2] == "-5"  # formula quoted, number not


def test_json_is_sparql_results_with_chinese_kept():
    data = result_bytes(_result(), "json")
    assert "辽宁通鑫项目".encode("utf-8") in data
    doc = json.loads(data)
    assert doc["head"]["vars"] == ["project", "name", "value", "note"]
    first = doc["results"]["bindings"][0]
    assert first["name"] == {"type": "literal", "value": "辽宁通鑫项目", "xml:lang": "zh"}
    assert first["value"]["value"] == "1820000000" and "note" not in first


def test_xlsx_keeps_numbers_as_numbers_and_text_as_text(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "r.xlsx"
    path.write_bytes(result_bytes(_result(), "xlsx"))
    ws = load_workbook(path).active
    assert [c.value for c in ws[1]] == ["project", "name", "value", "note"]
    assert ws["C2"].value == 1820000000 and ws["B2"].value == "辽宁通鑫项目"
    assert ws["B3"].data_type == "s" and ws["B3"].value == "=HYPERLINK(\"x\")"


def test_table_aligns_chinese_by_display_width():
    lines = result_bytes(_result(), "table").decode("utf-8").splitlines()
    from chainkg.textgrid import display_width as _width

    assert lines[2].startswith("id:chaoyang/project/p1")
    assert _width(lines[2].split("1820000000")[0]) == _width(lines[3].split("-5")[0])


def test_ttl_is_for_graphs_only():
    with pytest.raises(DataError, match="CONSTRUCT"):
        result_bytes(_result(), "ttl")


# ---------------------------------------------------------------------------------------------- CLI
def test_cli_lists_the_library():
    result = invoke("query", "--list")
    assert result.exit_code == 0
    for name in named_queries():
        assert name in result.output
    assert "--param zone=" in result.output


def test_cli_named_query_as_csv(graph_file, tmp_path):
    out = tmp_path / "leads.csv"
    result = invoke("query", "--name", "lead-enterprises", "-p", "zone=喀左经济开发区", "--format", "csv", "-o", out,
                    "--graph", graph_file, "--store", "oxigraph")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert {(r["enterpriseName"], r["role"]) for r in rows} == {("通美晶体", "龙头"), ("通美晶体", "链主")}


def test_cli_inline_construct_as_turtle(graph_file):
    result = invoke("query", "-e", "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                    "CONSTRUCT { ?z rdfs:label ?l } WHERE { ?z rdfs:label ?l FILTER(str(?l) = \"凌源市\") }",
                    "--format", "ttl", "--graph", graph_file)
    assert result.exit_code == 0, result.output
    from rdflib import Graph

    g = Graph().parse(data=result.stdout, format="turtle")
    assert {str(o) for o in g.objects()} == {"凌源市"}


def test_cli_query_file_and_ask(graph_file, tmp_path):
    path = tmp_path / "q.rq"
    path.write_text("\ufeffASK { ?s ?p \"通美晶体\"@zh }\n", encoding="utf-8")
    result = invoke("query", path, "--graph", graph_file, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"head": {}, "boolean": True}


@pytest.mark.parametrize("args, words", [
    (["-e", "DROP ALL"], ["只读", "read-only", "DROP"]),
    (["-e", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"], ["SERVICE"]),
    (["--name", "no-such-query"], ["no named query"]),
    (["--name", "projects", "-p", "year"], ["NAME=VALUE"]),
])
def test_cli_refusals_are_clear_and_exit_1(args, words, graph_file):
    result = invoke("query", *args, "--graph", graph_file)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for w in words:
        assert w in result.output


def test_cli_reports_a_cut_result(graph_file):
    result = invoke("query", "-e", "SELECT ?s WHERE { ?s ?p ?o }", "--limit", "5", "--format", "csv", "--graph", graph_file)
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 6 and "--limit" in result.stderr


def test_cli_timeout_exits_1_with_a_message(graph_file):
    result = invoke("query", "-e", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
                    "--timeout", "1", "--graph", graph_file)
    assert result.exit_code == 1 and "timed out" in result.output


# ---------------------------------------------------------------------------------------------- no request leaves
def test_a_service_query_makes_no_request(listener, graph_file):
    from rdflib import Graph

    text = f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
    result = invoke("query", "-e", text, "--graph", graph_file)
    assert result.exit_code == 1 and "SERVICE" in result.output
    with pytest.raises(QueryForbidden):
        run_query(text, "memory", graph_path=graph_file)
    with pytest.raises(QueryForbidden):
        run_query(f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }}", "memory", graph_path=graph_file)
    # the second wall: let past the guard, rdflib's engine still refuses SERVICE
    from chainkg.query import Guarded

    with pytest.raises(QueryForbidden):
        _execute(Graph(), Guarded("SELECT", text), 0)
    time.sleep(0.2)
    assert listener.hits == []
    # the listener works: a request sent to it directly does arrive
    import urllib.request

    urllib.request.urlopen(listener.url, timeout=10).read()
    assert listener.hits == ["/sparql"]


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_project_prefixes_need_no_declaration_on_any_store(store):
    result = CliRunner().invoke(cli, ["query", "--store", store, "--format", "csv", "-e",
                                      "SELECT (COUNT(*) AS ?n) WHERE { ?p a ck:Project ; ck:inZone ?z }"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].strip() == "173"


def test_the_guard_parses_safely_from_many_threads():
    """rdflib's grammar is not thread-safe: a server's threads parsing at once used to get errors."""
    import threading

    texts = [f"SELECT ?s WHERE {{ ?s ?p ?o . FILTER(?o != {i}) }} LIMIT {i + 1}" for i in range(5000, 5032)]
    errors = []

    def one(text):
        try:
            guard(text)
        except Exception as exc:  # noqa: BLE001 - any error is the failure under test
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
