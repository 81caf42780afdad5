"""Validation of large graphs on the store: the SHACL shapes compiled to SPARQL, plus the violation queries.

pySHACL walks the graph in Python: about 12 s for 10^5 triples and minutes past 10^6 on rdflib's store
(and slower still when handed a pyoxigraph store; see ``bench/RESULTS.md``). :func:`validate_store`
gives the same report for the constraint components ``ontology/shapes`` uses, as a few dozen SPARQL
queries that Oxigraph answers in seconds at 10^6 triples:

``sh:targetClass`` (with ``rdfs:subClassOf`` from the ontology), property shapes with an IRI ``sh:path``
and ``sh:minCount``, ``sh:maxCount``, ``sh:class``, ``sh:or`` of ``sh:class``, ``sh:datatype``,
``sh:in``, ``sh:minLength``, ``sh:minInclusive``, ``sh:maxInclusive``, ``sh:node`` (a node shape of
property constraints), ``sh:qualifiedValueShape`` with ``sh:languageIn`` and
``sh:qualifiedMinCount``/``sh:qualifiedMaxCount``; and SPARQL-based constraints (``sh:sparql`` with
``sh:select`` and ``$this``; prefixes from ``sh:declare``). A shape using anything else raises
:class:`NotImplementedError` naming it, so a new shape cannot be skipped silently.

A violation is reported, like :func:`chainkg.validate.validate_graph` reports it, once per focus node,
path and message. Tests check that both give the same report on every example of ``ontology/examples``,
on the Chaoyang graph and on synthetic graphs with injected errors.

Use :func:`chainkg.validate.validate_graph` (pySHACL) below :data:`PYSHACL_LIMIT` triples and this
module above it; ``chainkg load`` does so.

Examples
--------
>>> from chainkg.resources import ontology_dir
>>> from chainkg.store import open_store
>>> valid = ontology_dir() / "examples" / "valid" / "project-with-investment.ttl"
>>> validate_store(open_store("oxigraph", valid)).conforms
True
>>> bad = ontology_dir() / "examples" / "invalid" / "project-without-zone.ttl"
>>> sorted({v.check for v in validate_store(open_store("oxigraph", bad), checks=False).violations})
['ck:inZone']
"""
from dataclasses import dataclass

__all__ = ["CompiledCheck", "compile_shapes", "validate_store", "PYSHACL_LIMIT"]

#: Above this many triples, validate with :func:`validate_store` rather than pySHACL.
PYSHACL_LIMIT = 100_000

_SH = "http://www.w3.org/ns/shacl#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_XSD = "http://www.w3.org/2001/XMLSchema#"

# Property-shape predicates this compiler understands (everything else is refused).
_KNOWN = {"path", "minCount", "maxCount", "class", "or", "datatype", "in", "minLength", "minInclusive", "maxInclusive",
          "node", "qualifiedValueShape", "qualifiedMinCount", "qualifiedMaxCount", "message", "name", "description",
          "severity", "order", "group"}


@dataclass(frozen=True)
class CompiledCheck:
    """One SPARQL query whose rows (``?this``) violate one constraint; *path* is None for node-level ones."""

    query: str
    path: str | None
    message: str
    shape: str


def _term(node) -> str:
    from rdflib import Literal, URIRef

    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise NotImplementedError(f"shapes: unsupported term {node!r}")


def _list(shapes, head):
    from rdflib.collection import Collection

    return list(Collection(shapes, head))


def _subclasses(graph, cls) -> list[str]:
    """*cls* and every class below it (``rdfs:subClassOf``, transitively), as IRIs."""
    from rdflib import URIRef

    below = {}
    for s, _, o in graph.triples((None, URIRef(_RDFS + "subClassOf"), None)):
        below.setdefault(str(o), set()).add(str(s))
    seen, stack = {str(cls)}, [str(cls)]
    while stack:
        for sub in below.get(stack.pop(), ()):
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return sorted(seen)


def _values(var, iris) -> str:
    return f"VALUES {var} {{ {' '.join(f'<{i}>' for i in iris)} }}"


def _count_query(base, focus, path, low, high, extra=""):
    if high is None and low == 1:  # "at least one": NOT EXISTS is about twice as fast as GROUP BY on Oxigraph
        return f"SELECT DISTINCT ?this WHERE {{ {base} FILTER NOT EXISTS {{ {focus} <{path}> ?v {extra} }} }}"
    group = "?this" if focus == "?this" else f"?this {focus}"
    cond = " || ".join(c for c in ((f"?n < {low}" if low is not None else ""), (f"?n > {high}" if high is not None else "")) if c)
    return (f"SELECT DISTINCT ?this WHERE {{ {{ SELECT {group} (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {base} "
            f"OPTIONAL {{ {focus} <{path}> ?v {extra} }} }} GROUP BY {group} }} FILTER({cond}) }}")


def _value_query(base, focus, path, condition):
    return f"SELECT DISTINCT ?this WHERE {{ {base} {focus} <{path}> ?v . FILTER({condition}) }}"


def _class_query(base, focus, path, classes):
    return (f"SELECT DISTINCT ?this WHERE {{ {base} {focus} <{path}> ?v . "
            f"FILTER NOT EXISTS {{ {_values('?k', classes)} ?v a ?k }} }}")


def _property_queries(shapes, graph, prop, base, focus):
    """Queries for the constraints of the property shape *prop*, on focus nodes bound by *base*."""
    from rdflib import URIRef

    sh = lambda name: URIRef(_SH + name)  # noqa: E731
    for p in set(shapes.predicates(prop, None)):
        local = str(p)[len(_SH):] if str(p).startswith(_SH) else None
        if local not in _KNOWN and str(p) != _RDF + "type":
            raise NotImplementedError(f"shapes: {p} on {prop} is not supported by chainkg.shacl_sparql")
    path = shapes.value(prop, sh("path"))
    if not isinstance(path, URIRef):
        raise NotImplementedError(f"shapes: only IRI paths are supported ({prop})")
    low, high = shapes.value(prop, sh("minCount")), shapes.value(prop, sh("maxCount"))
    if low is not None or high is not None:
        yield _count_query(base, focus, path, int(low) if low is not None and int(low) > 0 else None,
                           int(high) if high is not None else None)
    classes = [shapes.value(prop, sh("class"))] if shapes.value(prop, sh("class")) is not None else []
    for alternative in _list(shapes, shapes.value(prop, sh("or"))) if shapes.value(prop, sh("or")) is not None else []:
        keys = set(shapes.predicates(alternative, None))
        if keys != {sh("class")}:
            raise NotImplementedError(f"shapes: sh:or is supported only over sh:class ({prop})")
        classes.append(shapes.value(alternative, sh("class")))
    if classes:
        yield _class_query(base, focus, path, sorted({c for k in classes for c in _subclasses(graph, k)}))
    datatype = shapes.value(prop, sh("datatype"))
    if datatype is not None:
        yield _value_query(base, focus, path, f"!isLiteral(?v) || datatype(?v) != <{datatype}>")
    allowed = shapes.value(prop, sh("in"))
    if allowed is not None:
        members = " || ".join(f"sameTerm(?v, {_term(m)})" for m in _list(shapes, allowed))
        yield _value_query(base, focus, path, f"!({members})")
    length = shapes.value(prop, sh("minLength"))
    if length is not None:
        yield _value_query(base, focus, path, f"isBlank(?v) || STRLEN(STR(?v)) < {int(length)}")
    for name, op in (("minInclusive", ">="), ("maxInclusive", "<=")):
        bound = shapes.value(prop, sh(name))
        if bound is not None:
            yield _value_query(base, focus, path, f"!COALESCE(?v {op} {_term(bound)}, false)")
    qualified = shapes.value(prop, sh("qualifiedValueShape"))
    if qualified is not None:
        keys = set(shapes.predicates(qualified, None))
        if keys != {sh("languageIn")}:
            raise NotImplementedError(f"shapes: sh:qualifiedValueShape is supported only with sh:languageIn ({prop})")
        langs = [str(x) for x in _list(shapes, shapes.value(qualified, sh("languageIn")))]
        extra = "FILTER(" + " || ".join(f'langMatches(lang(?v), "{x}")' for x in langs) + ")"
        qmin, qmax = shapes.value(prop, sh("qualifiedMinCount")), shapes.value(prop, sh("qualifiedMaxCount"))
        yield _count_query(base, focus, path, int(qmin) if qmin is not None else None,
                           int(qmax) if qmax is not None else None, extra)
    node = shapes.value(prop, sh("node"))
    if node is not None:
        if focus != "?this":
            raise NotImplementedError(f"shapes: nested sh:node is not supported ({prop})")
        nested = f"{{ SELECT DISTINCT ?this ?f WHERE {{ {base} ?this <{path}> ?f }} }}"
        for inner in shapes.objects(node, sh("property")):
            yield from _property_queries(shapes, graph, inner, nested, "?f")


def _prefixes(shapes, sparql_node) -> str:
    from rdflib import URIRef

    sh = lambda name: URIRef(_SH + name)  # noqa: E731
    out = []
    for owner in shapes.objects(sparql_node, sh("prefixes")):
        for decl in shapes.objects(owner, sh("declare")):
            out.append(f"PREFIX {shapes.value(decl, sh('prefix'))}: <{shapes.value(decl, sh('namespace'))}>")
    if not out:  # pySHACL falls back to the shapes graph's own prefixes
        for decl in shapes.objects(None, sh("declare")):
            out.append(f"PREFIX {shapes.value(decl, sh('prefix'))}: <{shapes.value(decl, sh('namespace'))}>")
    return "\n".join(sorted(set(out)))


def compile_shapes(graph, shapes=None) -> list[CompiledCheck]:
    """Compile the shapes (default: ``ontology/shapes/*.ttl``) to queries over *graph* (whose
    ``rdfs:subClassOf`` axioms, i.e. the ontology, give the classes a target covers)."""
    import re

    from rdflib import Graph, URIRef

    from .resources import shapes_files

    if shapes is None:
        shapes = Graph()
        for path in shapes_files():
            shapes.parse(path, format="turtle")
    sh = lambda name: URIRef(_SH + name)  # noqa: E731
    checks = []
    for shape in sorted(set(shapes.subjects(URIRef(_RDF + "type"), sh("NodeShape"))), key=str):
        targets = sorted({c for t in shapes.objects(shape, sh("targetClass")) for c in _subclasses(graph, t)})
        if not targets:
            continue  # only used through sh:node
        for p in set(shapes.predicates(shape, None)):
            if str(p).startswith(_SH) and str(p)[len(_SH):] not in ("targetClass", "property", "sparql", "message", "name",
                                                                     "description", "severity", "declare"):
                raise NotImplementedError(f"shapes: {p} on {shape} is not supported by chainkg.shacl_sparql")
        base = f"{{ SELECT DISTINCT ?this WHERE {{ {_values('?c', targets)} ?this a ?c }} }}"
        for prop in sorted(shapes.objects(shape, sh("property")), key=lambda n: str(shapes.value(n, sh("path")))):
            message = str(shapes.value(prop, sh("message")) or f"{shapes.value(prop, sh('path'))}")
            path = str(shapes.value(prop, sh("path")))
            for q in _property_queries(shapes, graph, prop, base, "?this"):
                checks.append(CompiledCheck(q, path, message, str(shape)))
        for constraint in shapes.objects(shape, sh("sparql")):
            select = str(shapes.value(constraint, sh("select")))
            inner = re.sub(r"\$this\b", "?this", select)
            q = f"{_prefixes(shapes, constraint)}\nSELECT DISTINCT ?this WHERE {{ {base} {{ {inner} }} }}"
            checks.append(CompiledCheck(q, None, str(shapes.value(constraint, sh("message")) or "sparql"), str(shape)))
    return checks


def validate_store(graph, checks=True):
    """Validate *graph* (a graph from :func:`chainkg.store.open_store`, whose reads include the ontology)
    with the compiled shapes and, when *checks* is true, the violation queries of ``ontology/checks``.

    Returns a :class:`chainkg.validate.Report`, the same type :func:`chainkg.validate.validate_graph` gives.
    """
    from .validate import Report, Violation, _records, _short, _split, run_checks

    violations = []
    for check in compile_shapes(graph):
        for row in graph.query(check.query):
            zh, en = _split(check.message)
            path = "shape" if check.path is None else _short(graph, _uri(check.path))
            violations.append(Violation(_short(graph, row[0]), path, zh, en, _records(graph, row[0])))
    if checks:
        violations.extend(run_checks(graph))
    return Report(sorted(set(violations), key=lambda v: (v.focus, v.check, v.en)))


def _uri(text):
    from rdflib import URIRef

    return URIRef(text)
