"""The ontology file and the closed namespace agree, and every term is defined in both languages."""
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from chainkg.namespaces import CK
from chainkg.resources import ontology_file

NS = str(CK._NS)


def _graph():
    return Graph().parse(ontology_file(), format="turtle")


def test_namespace_matches_ontology():
    g = _graph()
    in_file = {str(s)[len(NS):] for s in g.subjects() if str(s).startswith(NS)}
    in_code = set(CK.__annotations__)
    assert in_file == in_code


def test_every_term_has_zh_and_en_label_and_definition():
    g = _graph()
    for term in CK.__annotations__:
        iri = CK[term]
        langs = {l.language for l in g.objects(iri, RDFS.label)}
        assert {"zh", "en"} <= langs, term
        defs = {d.language for d in g.objects(iri, SKOS.definition)}
        assert {"zh", "en"} <= defs, term


def test_typo_in_namespace_raises():
    import pytest

    with pytest.raises(AttributeError):
        CK.Projcet  # noqa: B018


def test_feeds_into_is_not_transitive_but_its_super_property_is():
    g = _graph()
    assert (CK.feedsInto, RDF.type, OWL.TransitiveProperty) not in g
    assert (CK.feedsInto, RDFS.subPropertyOf, CK.upstreamOf) in g
    assert (CK.upstreamOf, RDF.type, OWL.TransitiveProperty) in g


def test_no_owl_imports():
    assert not list(_graph().objects(None, OWL.imports))
