"""Each valid example conforms; each invalid one fails for the reason its first line states."""
from pathlib import Path

import pytest

from chainkg.validate import load_graph_file, validate_graph

EXAMPLES = Path(__file__).resolve().parent.parent / "ontology" / "examples"
VALID = sorted((EXAMPLES / "valid").glob("*.ttl"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.ttl"))


def test_both_folders_have_examples():
    assert len(VALID) >= 3 and len(INVALID) >= 10


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_example_conforms(path):
    report = validate_graph(load_graph_file(path))
    assert report.conforms, report.text()


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example_fails_for_its_reason(path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), "an invalid example states its reason on line 1"
    expected = first[len("# expect: "):]
    report = validate_graph(load_graph_file(path))
    assert not report.conforms
    assert any(expected in v.en for v in report.violations), report.text()


def test_chaoyang_graph_conforms(chaoyang):
    report = validate_graph(chaoyang)
    assert report.conforms, report.text()


def test_violation_queries_return_nothing_on_the_built_graph(chaoyang):
    from chainkg.resources import check_files
    from chainkg.validate import run_checks

    assert len(check_files()) >= 5
    assert run_checks(chaoyang) == []


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_large_graphs_validate_with_the_same_verdict_through_sparql(path, monkeypatch):
    """Above the pySHACL limit the shapes run as SPARQL on Oxigraph: same verdict, same reason."""
    import chainkg.shacl_sparql

    small = validate_graph(load_graph_file(path))
    monkeypatch.setattr(chainkg.shacl_sparql, "PYSHACL_LIMIT", 0)
    large = validate_graph(load_graph_file(path))
    assert {(v.focus, v.en) for v in large.violations} >= {(v.focus, v.en) for v in small.violations if v.check != "shape"}
    expected = path.read_text(encoding="utf-8").splitlines()[0][len("# expect: "):]
    assert any(expected in v.en for v in large.violations), large.text()
