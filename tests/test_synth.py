"""The synthetic generator: deterministic, shaped like real data, valid against the shapes."""
import re
from decimal import Decimal

import pytest
from click.testing import CliRunner

from chainkg.synth import SynthParams, params_for_triples, synthesize, write_synth

SMALL = SynthParams(zones=12, enterprises=150, projects=80, seed=7)


@pytest.fixture(scope="module")
def small_nt(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "small.nt"
    write_synth(path, SMALL)
    return path


@pytest.fixture(scope="module")
def small_graph(small_nt):
    from rdflib import Graph

    return Graph().parse(small_nt, format="nt")


def test_same_seed_gives_byte_identical_files(tmp_path):
    for suffix in (".nt", ".ttl"):
        a, b = tmp_path / f"a{suffix}", tmp_path / f"b{suffix}"
        write_synth(a, SMALL)
        write_synth(b, SMALL)
        assert a.read_bytes() == b.read_bytes()
    c = tmp_path / "c.nt"
    write_synth(c, SynthParams(zones=12, enterprises=150, projects=80, seed=8))
    assert c.read_bytes() != (tmp_path / "a.nt").read_bytes()


def test_determinism_does_not_depend_on_hash_seed(tmp_path):
    import subprocess
    import sys

    code = ("import sys; from chainkg.synth import write_synth, SynthParams; "
            "write_synth(sys.argv[1], SynthParams(zones=9, enterprises=40, projects=20, seed=3))")
    outs = []
    for seed in ("1", "2"):
        path = tmp_path / f"h{seed}.ttl"
        subprocess.run([sys.executable, "-c", code, str(path)], check=True, env={"PYTHONHASHSEED": seed, "PATH": ""})
        outs.append(path.read_bytes())
    assert outs[0] == outs[1]


def test_turtle_and_ntriples_hold_the_same_triples(tmp_path):
    import pyoxigraph as ox

    write_synth(tmp_path / "a.nt", SMALL)
    n = write_synth(tmp_path / "a.ttl", SMALL)
    nt = set(ox.parse(path=str(tmp_path / "a.nt"), format=ox.RdfFormat.N_TRIPLES))
    ttl = set(ox.parse(path=str(tmp_path / "a.ttl"), format=ox.RdfFormat.TURTLE))
    assert nt == ttl and len(nt) == n  # no duplicate triple is written


def test_counts_are_what_was_asked(small_graph):
    from chainkg.namespaces import CK, RDF

    q = lambda cls: set(small_graph.subjects(RDF.type, cls))  # noqa: E731
    zones = {s for s, o in small_graph.subject_objects(RDF.type) if str(s).startswith("https://w3id.org/chainkg/id/synth/zone/")}
    assert len(zones) == 12
    assert len(q(CK.Enterprise) | q(CK.EnterpriseGroup) | q(CK.Institution)) == 150
    assert len(q(CK.Project)) == 80
    assert len(q(CK.ReferenceChain)) == SMALL.n_chains()
    assert len(q(CK.Province)) == 1


def test_ontology_terms_and_iri_scheme(small_graph):
    """Every ck: term used is declared in ontology/chainkg.ttl; instances use chainkg.mapping's IRIs."""
    from rdflib import Graph, URIRef

    from chainkg.mapping import mint
    from chainkg.namespaces import CK, RDF
    from chainkg.resources import ontology_file

    ontology = Graph().parse(ontology_file())
    declared = {str(s) for s in ontology.subjects()}
    used = set()
    for s, p, o in small_graph:
        used.add(str(p))
        if p == RDF.type or isinstance(o, URIRef) and str(o).startswith(str(CK._NS)):
            used.add(str(o))
    ck_used = {t for t in used if t.startswith(str(CK._NS))}
    assert ck_used and ck_used <= declared, sorted(ck_used - declared)
    for s in set(small_graph.subjects()):
        assert re.match(r"https://w3id\.org/chainkg/id/(synth/(zone|org|project|evidence|placement|lead-role|zone-chain|"
                        r"source|conflict|claim)/|chain/synth-\d{3}(/l\d\d)?$|source/chains/synth-ref-\d{3}$)", str(s)), s
    # the same name minted by the real mapping gives the same IRI
    zone = next(s for s in small_graph.subjects(RDF.type, CK.City))
    name = str(small_graph.value(zone, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    assert zone == mint("synth", "zone", name)


def test_conforms_to_the_shapes(small_graph):
    from chainkg.validate import validate_graph

    report = validate_graph(small_graph)
    assert report.conforms, report.text()


def test_chains_are_staged_dags_and_enterprises_cover_one_to_three_links(small_graph):
    import networkx as nx

    from chainkg.namespaces import CK, RDF, SKOS

    links = set(small_graph.subjects(RDF.type, CK.ChainLink))
    assert all(small_graph.value(link, CK.stage) in (CK.Upstream, CK.Midstream, CK.Downstream) for link in links)
    per_chain = {}
    for link in links:
        per_chain.setdefault(small_graph.value(link, SKOS.inScheme), []).append(link)
    assert all(8 <= len(v) <= 24 for v in per_chain.values())
    dag = nx.DiGraph(list(small_graph.subject_objects(CK.feedsInto)))
    assert nx.is_directed_acyclic_graph(dag) and dag.number_of_edges() > len(links) / 2
    covered = {}
    for e, link in small_graph.subject_objects(CK.coversLink):
        covered.setdefault(e, set()).add(link)
    assert covered and all(1 <= len(v) <= 3 for v in covered.values())
    assert all(len({small_graph.value(link, SKOS.inScheme) for link in v}) == 1 for v in covered.values())


def test_amounts_agree_with_their_wording(small_graph):
    """schema:value is what chainkg's own money parser reads from ck:originalText."""
    from chainkg.ingest.money import parse_amount
    from chainkg.namespaces import CK, SDO

    amounts = list(small_graph.subjects(SDO.currency, None))
    assert len(amounts) == 80
    for m in amounts:
        value, currency = parse_amount(str(small_graph.value(m, CK.originalText)))
        assert currency == "CNY" == str(small_graph.value(m, SDO.currency))
        assert Decimal(value) == small_graph.value(m, SDO.value).toPython()


def test_labels_in_chinese_and_english(small_graph):
    from chainkg.namespaces import CK, RDF, RDFS

    for cls in (CK.Project, CK.Enterprise, CK.ReferenceChain, CK.ChainLink, CK.City):
        for s in small_graph.subjects(RDF.type, cls):
            langs = {o.language for o in small_graph.objects(s, RDFS.label)}
            assert {"zh", "en"} <= langs, s


def test_gaps_are_realistic(small_nt):
    """The projection finds zones with hosted, weak and missing links (not all covered, not all empty)."""
    from chainkg.analysis.gaps import all_gaps
    from chainkg.project import project
    from chainkg.store import open_store

    rows = all_gaps(project(open_store("oxigraph", small_nt)))
    statuses = {r["status"] for r in rows}
    assert {"present", "weak", "missing"} <= statuses


@pytest.mark.parametrize("n", [10_000, 100_000])
def test_params_for_triples_hits_the_size(tmp_path, n):
    count = sum(1 for _ in synthesize(**{k: v for k, v in params_for_triples(n).__dict__.items()}))
    assert 0.9 * n <= count <= 1.1 * n


def test_cli_synth_writes_the_same_bytes(tmp_path):
    from chainkg.cli import cli

    out = tmp_path / "cli.nt"
    result = CliRunner().invoke(cli, ["synth", "--zones", "12", "--enterprises", "150", "--projects", "80", "--seed", "7",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    write_synth(tmp_path / "lib.nt", SMALL)
    assert out.read_bytes() == (tmp_path / "lib.nt").read_bytes()
    assert "triples" in result.output


def test_cli_synth_refuses_bad_requests(tmp_path):
    from chainkg.cli import cli

    result = CliRunner().invoke(cli, ["synth", "-o", str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and "x.csv" in result.output and ".nt" in result.output
    assert not (tmp_path / "x.csv").exists() and not list(tmp_path.iterdir())
    result = CliRunner().invoke(cli, ["synth", "--triples", "20000", "--zones", "4", "-o", str(tmp_path / "x.nt")])
    assert result.exit_code == 1 and "--triples" in result.output
