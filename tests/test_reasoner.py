"""A real OWL reasoner (HermiT via owlready2, on Java) finds the data consistent and a contradiction not."""
from pathlib import Path

import pytest

from chainkg.reason import is_consistent
from chainkg.validate import load_graph_file

EXAMPLES = Path(__file__).resolve().parent.parent / "ontology" / "examples"
INCONSISTENT = sorted((EXAMPLES / "inconsistent").glob("*.ttl"))


def test_chaoyang_graph_is_consistent(chaoyang):
    assert is_consistent(chaoyang)


def test_valid_examples_are_consistent():
    for path in sorted((EXAMPLES / "valid").glob("*.ttl")):
        assert is_consistent(load_graph_file(path)), path.name


@pytest.mark.parametrize("path", INCONSISTENT, ids=lambda p: p.stem)
def test_contradictory_example_is_inconsistent(path):
    assert is_consistent(load_graph_file(path)) is False


def test_there_are_contradictory_examples():
    assert INCONSISTENT
