"""Counts per class and per source document: what is in a graph and where it came from."""
from collections import Counter

from .namespaces import CK, PROV, RDF, RDFS

__all__ = ["class_counts", "source_counts"]


def _local(iri) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]


def class_counts(graph) -> list[tuple[str, int]]:
    """``(class, count)`` per rdf:type, largest first then by name.

    Examples
    --------
    >>> from rdflib import Graph, URIRef
    >>> g = Graph(); g.add((URIRef("urn:a"), RDF.type, CK.Project)); g.add((URIRef("urn:b"), RDF.type, CK.Project))
    <Graph identifier=...>
    >>> class_counts(g)
    [('Project', 2)]
    """
    counts = Counter(_local(o) for o in graph.objects(None, RDF.type))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def source_counts(graph) -> list[tuple[str, str, int]]:
    """``(source id, title, number of things derived from it)`` per source document."""
    counts = Counter(doc for s, doc in graph.subject_objects(PROV.wasDerivedFrom)
                     if (s, RDF.type, CK.Evidence) not in graph)
    rows = []
    for doc in graph.subjects(RDF.type, CK.SourceDocument):
        rows.append((_local(doc), str(graph.value(doc, RDFS.label) or ""), counts.get(doc, 0)))
    return sorted(rows, key=lambda r: (-r[2], r[0]))
