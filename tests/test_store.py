"""Stores: rdflib in memory, Oxigraph in memory and on disk give the same graph and the same answers."""
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from chainkg.errors import DataError
from chainkg.store import data_graph, load_store, open_store, ox_store, store_info, store_kind

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "ontology" / "examples"

QUERIES = [
    # count per link (GROUP BY)
    """SELECT ?link (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e ck:coversLink ?link } GROUP BY ?link""",
    # projects per zone and status, with the status label from the ontology
    """SELECT ?zone ?label (COUNT(?p) AS ?n) WHERE { ?p a ck:Project ; ck:inZone ?zone ; ck:status ?s .
       ?s rdfs:label ?label FILTER(langMatches(lang(?label), "zh")) } GROUP BY ?zone ?label""",
    # lead enterprises per chain
    """SELECT ?chain ?zone ?e ?year WHERE { ?r a ck:LeadRole ; ck:chain ?chain ; ck:zone ?zone ; ck:enterprise ?e .
       OPTIONAL { ?r ck:year ?year } }""",
    # investment totals
    """SELECT ?zone (SUM(?v) AS ?total) (COUNT(?p) AS ?n) WHERE { ?p ck:inZone ?zone ; ck:investment ?m .
       ?m schema:value ?v } GROUP BY ?zone""",
    # links and stages, labels in both languages, a property path
    """SELECT ?link ?stage ?zh ?en WHERE { ?link skos:inScheme ?c ; ck:stage ?stage ; rdfs:label ?zh, ?en .
       ?c a ck:ReferenceChain FILTER(lang(?zh) = "zh" && lang(?en) = "en") }""",
    """SELECT ?a ?b WHERE { ?a ck:partOf+ ?b }""",
    """SELECT ?x WHERE { ?x a ck:Zone }""",  # no subclass reasoning in either store: empty in both
    """ASK { ?p a ck:Project }""",
    """SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }""",
]


def _norm(term):
    """A term as comparable plain data: numbers by value, so "1.0"^^xsd:decimal equals "1"^^xsd:decimal."""
    from rdflib import Literal

    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            return ("number", Decimal(str(value)).normalize())
        return ("literal", str(term), term.language, str(term.datatype) if term.datatype else None)
    return (type(term).__name__, str(term))


def _answers(graph, query):
    result = graph.query(query)
    if result.type == "ASK":
        return result.askAnswer
    return sorted(tuple(_norm(row[i]) if row[i] is not None else None for i in range(len(result.vars))) for row in result)


@pytest.fixture(scope="module")
def synth_file(tmp_path_factory):
    from chainkg.synth import SynthParams, write_synth

    path = tmp_path_factory.mktemp("synth") / "synth.nt"
    write_synth(path, SynthParams(zones=15, enterprises=300, projects=150, seed=11))
    return path


@pytest.fixture(params=["chaoyang", "synth"])
def source(request, chaoyang_file, synth_file):
    return chaoyang_file if request.param == "chaoyang" else synth_file


def test_both_stores_hold_the_same_triples(source):
    from rdflib import BNode

    mem, ox = open_store("memory", source), open_store("oxigraph", source)
    assert store_kind(mem) == "memory" and store_kind(ox) == "oxigraph"
    assert len(mem) == len(ox) > 1000
    named = lambda g: {t for t in g if not any(isinstance(x, BNode) for x in t)}  # noqa: E731
    assert named(mem) == named(ox)  # data and ontology, term for term (plain literals stay plain)
    assert len(set(mem) - named(mem)) == len(set(ox) - named(ox))  # blank nodes (ontology lists) are relabelled
    assert len(data_graph(mem)) == len(data_graph(ox)) < len(mem)


@pytest.mark.parametrize("query", QUERIES, ids=range(len(QUERIES)))
def test_same_answers_to_the_same_queries(source, query):
    mem, ox = open_store("memory", source), open_store("oxigraph", source)
    a, b = _answers(mem, query), _answers(ox, query)
    assert a == b
    if "ASK" not in query and "ck:Zone }" not in query:
        assert a, "the query should return rows on this graph"


def test_same_answers_to_the_named_queries(source):
    """Every library query (graph/chainkg/queries), its required parameters bound to real names."""
    from chainkg.query import bind_parameters, named_queries

    mem, ox = open_store("memory", source), open_store("oxigraph", source)
    lead = next(iter(ox.query("""SELECT ?z ?c ?e WHERE { ?r a ck:LeadRole ; ck:zone ?zi ; ck:chain ?ci ; ck:enterprise ?ei .
        ?zi rdfs:label ?z . ?ci rdfs:label ?c . ?ei rdfs:label ?e
        FILTER(lang(?z) = "zh" && lang(?c) = "zh" && lang(?e) = "zh") } ORDER BY ?z ?c ?e LIMIT 1""")))
    values = {"zone": str(lead[0]), "chain": str(lead[1]), "enterprise": str(lead[2]), "subject": str(lead[2])}
    ran = 0
    for name, q in named_queries().items():
        if any(not p.optional and p.name not in values for p in q.params):
            continue
        text = bind_parameters(q, {p.name: values[p.name] for p in q.params if not p.optional})
        assert _answers(mem, text) == _answers(ox, text), name
        ran += 1
    assert ran >= 10


def test_graph_api_reads_the_same(source):
    from chainkg.namespaces import CK, RDF, RDFS

    mem, ox = open_store("memory", source), open_store("oxigraph", source)
    for g in (mem, ox):
        assert str(g.value(CK.StatusSigned, RDFS.label)) in ("签约", "signed")  # the ontology is visible
    project = next(iter(sorted(mem.subjects(RDF.type, CK.Project))))
    assert set(mem.predicate_objects(project)) == set(ox.predicate_objects(project))
    assert (project, RDF.type, CK.Project) in ox
    assert sorted(mem.subjects(CK.status, CK.StatusSigned)) == sorted(ox.subjects(CK.status, CK.StatusSigned))


def test_language_tags_are_lower_cased_in_both(tmp_path):
    path = tmp_path / "tags.ttl"
    path.write_text('<urn:x:a> <http://www.w3.org/2000/01/rdf-schema#label> "朝阳"@zh-CN .\n', encoding="utf-8")
    for kind in ("memory", "oxigraph"):
        graph = open_store(kind, path, ontology=False)
        assert [o.language for o in graph.objects(None, None)] == ["zh-cn"]


def test_persistence_load_reopen_same_counts(tmp_path, synth_file):
    target = tmp_path / "store"
    info = load_store(synth_file, target)
    assert info["triples"] == len(data_graph(open_store("oxigraph", synth_file)))
    assert store_info(target)["triples"] == info["triples"]
    in_memory = open_store("oxigraph", synth_file)
    for _ in range(2):  # reopening (read-only) works again and again
        disk = open_store(str(target))
        assert store_kind(disk) == "disk" and ox_store(disk) is not None
        assert len(disk) == len(in_memory)
        for q in QUERIES[:4]:
            assert _answers(disk, q) == _answers(in_memory, q)
        del disk


def test_a_failed_load_leaves_the_old_store_intact(tmp_path, synth_file):
    target = tmp_path / "store"
    load_store(synth_file, target)
    before = sorted(p.name for p in target.iterdir())
    bad = tmp_path / "bad.nt"
    bad.write_text("<urn:a> <urn:b> <urn:c> .\n<urn:a> <urn:b> \"oops .\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_store(bad, target)
    assert err.value.problems[0].file == str(bad) and err.value.problems[0].row == 2
    assert sorted(p.name for p in target.iterdir()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.nt", "store"]  # no temporary folder left
    assert len(open_store(str(target))) > 1000


def test_load_refuses_to_overwrite_a_folder_that_is_not_a_store(tmp_path, synth_file):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(DataError):
        load_store(synth_file, tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_open_store_errors_are_clear(tmp_path, synth_file):
    with pytest.raises(DataError, match="chainkg load"):
        open_store(str(tmp_path / "nowhere"))
    load_store(synth_file, tmp_path / "s")
    with pytest.raises(DataError, match="already holds"):
        open_store(str(tmp_path / "s"), synth_file)
    with pytest.raises(DataError, match="unsupported file type"):
        open_store("oxigraph", tmp_path / "data.csv")
    with pytest.raises(DataError, match="does not exist"):
        open_store("memory", tmp_path / "missing.ttl")


def test_store_option_reads_the_environment(tmp_path, monkeypatch):
    import click

    from chainkg.store import store_option

    @click.command()
    @store_option
    def show(store):
        click.echo(f"store={store}")

    monkeypatch.setenv("CHAINKG_STORE", "memory")
    assert CliRunner().invoke(show, []).output.strip() == "store=memory"
    assert CliRunner().invoke(show, ["--store", "oxigraph"]).output.strip() == "store=oxigraph"
    monkeypatch.delenv("CHAINKG_STORE")
    monkeypatch.chdir(tmp_path)
    assert store_kind(open_store(None, ROOT / "ontology" / "examples" / "valid" / "project-with-investment.ttl")) == "oxigraph"


def test_cli_load_then_query_the_store(tmp_path, synth_file):
    from chainkg.cli import cli

    target = tmp_path / "store"
    result = CliRunner().invoke(cli, ["load", str(synth_file), "--store", str(target)])
    assert result.exit_code == 0, result.output
    assert "triples" in result.output and store_info(target)["source"] == str(synth_file)
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ck: <https://w3id.org/chainkg/ontology#> .\nck:a ck:b \n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["load", str(bad), "--store", str(target)])
    assert result.exit_code == 1 and str(bad) in result.output and "Traceback" not in result.output
    assert store_info(target)["source"] == str(synth_file)


def test_cli_load_validates_before_replacing(tmp_path, synth_file):
    """A file that breaks the shapes is refused and the old store kept (``--no-validate`` loads it)."""
    from chainkg.cli import cli

    target = tmp_path / "store"
    assert CliRunner().invoke(cli, ["load", str(synth_file), "--store", str(target)]).exit_code == 0
    broken = tmp_path / "broken.nt"
    lines = synth_file.read_text(encoding="utf-8").splitlines()
    kept = [l for l in lines if "ontology#inZone>" not in l]  # every project loses its zone
    broken.write_text("\n".join(kept) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["load", str(broken), "--store", str(target)])
    assert result.exit_code == 1 and "a project has exactly one zone" in result.output
    assert store_info(target)["source"] == str(synth_file)
    assert CliRunner().invoke(cli, ["load", str(broken), "--store", str(target), "--no-validate"]).exit_code == 0
    assert store_info(target)["source"] == str(broken)


def test_help_does_not_import_the_heavy_libraries():
    import subprocess
    import sys

    code = ("import sys\nfrom click.testing import CliRunner\nfrom chainkg.cli import cli\n"
            "assert CliRunner().invoke(cli, ['--help']).exit_code == 0\n"
            "print(sorted(m for m in ('rdflib', 'pyoxigraph', 'oxrdflib', 'networkx', 'igraph', 'pyshacl', 'pyvis') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ------------------------------------------------------------------ validation on the store


def _keys(report):
    return sorted((v.focus, v.check, v.en) for v in report.violations)


def _broken_synth(tmp_path, synth_file):
    """The synthetic graph with errors of several kinds injected."""
    text = synth_file.read_text(encoding="utf-8").splitlines()
    out, dropped_zone, dropped_label = [], False, False
    for line in text:
        if not dropped_zone and "ontology#inZone>" in line:
            dropped_zone = True
            continue
        if not dropped_label and "rdf-schema#label>" in line and "@zh ." in line and "/synth/org/" in line:
            dropped_label = True
            continue
        if '"CNY"' in line and len(out) % 7 == 0:
            line = line.replace('"CNY"', '"USD"')
        out.append(line)
    a, _, b = next(l for l in text if "ontology#feedsInto>" in l).split(" ")[:3]
    out.append(f"{b} <https://w3id.org/chainkg/ontology#feedsInto> {a} .")  # a cycle of two links
    out.append("<https://w3id.org/chainkg/id/chain/synth-000/l01> <https://w3id.org/chainkg/ontology#stage> "
               "<https://w3id.org/chainkg/ontology#Downstream> .")
    path = tmp_path / "broken.nt"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _validation_cases():
    files = sorted((EXAMPLES / "valid").glob("*.ttl")) + sorted((EXAMPLES / "invalid").glob("*.ttl"))
    assert len(files) >= 10
    return files


@pytest.mark.parametrize("path", _validation_cases(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_shapes_as_sparql_match_pyshacl_on_the_examples(path):
    from chainkg.namespaces import bind_prefixes
    from chainkg.shacl_sparql import validate_store
    from chainkg.validate import load_graph_file, validate_graph

    expected = _keys(validate_graph(bind_prefixes(load_graph_file(path)), checks=False))
    for kind in ("oxigraph", "memory"):
        assert _keys(validate_store(open_store(kind, path), checks=False)) == expected, kind


def test_shapes_as_sparql_match_pyshacl_on_real_and_broken_graphs(tmp_path, chaoyang_file, synth_file):
    from chainkg.namespaces import bind_prefixes
    from chainkg.shacl_sparql import validate_store
    from chainkg.validate import load_graph_file, validate_graph

    broken = _broken_synth(tmp_path, synth_file)
    for path, conforms in ((chaoyang_file, True), (synth_file, True), (broken, False)):
        expected = validate_graph(bind_prefixes(load_graph_file(path)), checks=False)
        got = validate_store(open_store("oxigraph", path), checks=False)
        assert expected.conforms is conforms and got.conforms is conforms
        assert _keys(got) == _keys(expected)
    checks = {v.check for v in got.violations}
    assert {"ck:inZone", "rdfs:label", "ck:stage", "shape", "schema:currency"} <= checks


def test_compiler_refuses_constraints_it_does_not_know():
    from rdflib import Graph

    from chainkg.shacl_sparql import compile_shapes

    shapes = Graph().parse(data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:ex:> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:pattern "^a" ] .""", format="turtle")
    with pytest.raises(NotImplementedError, match="pattern"):
        compile_shapes(Graph(), shapes)


def test_check_queries_report_the_same_on_both_stores(tmp_path, synth_file):
    from chainkg.validate import run_checks

    broken = _broken_synth(tmp_path, synth_file)
    keys = lambda vs: sorted((v.focus, v.check) for v in vs)  # noqa: E731
    mem, ox = run_checks(open_store("memory", broken)), run_checks(open_store("oxigraph", broken))
    assert mem and keys(mem) == keys(ox)
