"""Open the graph a command works on: rdflib's in-memory store, Oxigraph in memory, or Oxigraph on disk.

Every store is returned as an rdflib :class:`~rdflib.Graph` (commands use ``triples``, ``objects``,
``subjects``, ``value`` and ``query`` with SPARQL strings), so a command works on all of them:

``memory``
    rdflib's pure-Python store (``Graph()``). Slow past 10^5 triples; kept for comparison and for
    code that needs rdflib's own engine.
``oxigraph`` (the default)
    An in-memory pyoxigraph store behind rdflib's API (oxrdflib), bulk-loaded from the RDF file.
``PATH``
    An on-disk Oxigraph store made by ``chainkg load`` (e.g. ``build/store``), opened read-only in
    milliseconds whatever its size.
``http(s)://…``
    A remote SPARQL server (see :mod:`chainkg.remote`), read through SPARQL requests.

The default is taken from ``--store`` or the ``CHAINKG_STORE`` environment variable. The data sit in
the default graph and ``ontology/chainkg.ttl`` in the named graph :data:`ONTOLOGY_GRAPH`; reads and
SPARQL queries see both (status and stage labels live in the ontology), writes go to the data, and
:func:`data_graph` gives the data alone (for exporting).

Design notes (verified with rdflib 7.6, pyoxigraph 0.5, oxrdflib 0.5):

- Files are loaded through Oxigraph for every store kind, so both stores hold the same terms:
  Oxigraph lower-cases language tags (``@zh-CN`` becomes ``@zh-cn``) where rdflib's parser keeps them
  as written, and Oxigraph's store keeps typed literals in canonical form (``"22000000.0"^^xsd:decimal``
  is stored as ``"22000000"``; its parser alone does not do this). Queries should compare tags with
  ``langMatches`` and numbers by value.
- oxrdflib runs SPARQL strings on Oxigraph but silently falls back to rdflib's slow engine for prepared
  queries and ``initBindings``: pass query strings.
- A running pyoxigraph query ignores signals (Ctrl-C, ``alarm``): time user queries out in a subprocess.
- ``Store.bulk_load`` into a directory writes RocksDB files directly; :func:`load_store` builds a new
  store next to the old one and renames it into place, so a failed load leaves the old store intact.

Examples
--------
>>> from chainkg.namespaces import CK, SKOS
>>> g = open_store("memory", _example_file())
>>> h = open_store("oxigraph", _example_file())
>>> q = "SELECT (COUNT(*) AS ?n) WHERE { ?p a ck:Project }"
>>> [int(r.n) for r in g.query(q)] == [int(r.n) for r in h.query(q)] == [1]
True
>>> str(h.value(CK.StatusSigned, SKOS.notation))  # ontology terms are visible next to the data
'签约'
"""
import gc
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from .errors import DataError, Problem

__all__ = ["DEFAULT_GRAPH", "DEFAULT_STORE", "ONTOLOGY_GRAPH", "STORE_KINDS", "open_graph", "open_store",
           "load_store", "store_info", "store_option", "store_kind", "ox_store", "data_graph", "require_file",
           "rdf_format"]

#: Where ``chainkg build`` writes the Chaoyang graph by default (relative to the working directory).
DEFAULT_GRAPH = Path("build") / "chaoyang.ttl"
#: Where ``chainkg load`` writes the on-disk Oxigraph store by default.
DEFAULT_STORE = Path("build") / "store"
#: Name of the graph that holds ``ontology/chainkg.ttl`` inside a store.
ONTOLOGY_GRAPH = "https://w3id.org/chainkg/graph/ontology"
#: Store kinds that are not paths.
STORE_KINDS = ("memory", "oxigraph")
#: Environment variable giving the default of ``--store``.
STORE_ENV = "CHAINKG_STORE"

_META = "chainkg-store.json"
_EXTENSIONS = {".ttl": "TURTLE", ".nt": "N_TRIPLES", ".nq": "N_QUADS", ".trig": "TRIG", ".n3": "N3",
               ".jsonld": "JSON_LD", ".json": "JSON_LD", ".rdf": "RDF_XML", ".owl": "RDF_XML", ".xml": "RDF_XML"}


def open_graph(path=None):
    """Return an rdflib Graph read from *path*; with no path, the default build output, or else the
    default dataset compiled in memory (so commands work before the first ``chainkg build``)."""
    from .validate import load_graph_file

    if path is not None:
        return load_graph_file(path)
    if DEFAULT_GRAPH.is_file():
        return load_graph_file(DEFAULT_GRAPH)
    from .build import compile_folder

    graph, _ = compile_folder()
    return graph


def require_file(path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise DataError([Problem(str(path), None, None, "文件不存在", "file does not exist")])
    return path


# ---------------------------------------------------------------------------- formats and parsing


def rdf_format(path):
    """The pyoxigraph ``RdfFormat`` of *path*, by extension; an unknown one is a :class:`DataError`.

    Examples
    --------
    >>> rdf_format("a/b.nt").name
    'N-Triples'
    """
    import pyoxigraph as ox

    name = _EXTENSIONS.get(Path(path).suffix.lower())
    if name is None:
        raise DataError([Problem(str(path), None, None, f"不支持的文件类型 {Path(path).suffix}",
                                 f"unsupported file type {Path(path).suffix} (use .ttl, .nt, .nq, .trig, .jsonld or .rdf)")])
    return getattr(ox.RdfFormat, name)


def _parse_error(path, exc) -> DataError:
    """A pyoxigraph parse error as a :class:`DataError` naming the file and, when known, the line."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    row = None
    m = re.search(r"\bline (\d+)|\bat (\d+):\d+", first)  # pyoxigraph: "... at line 3 between ..." or "error at 3:12"
    if m:
        row = int(m.group(1) or m.group(2))
    if isinstance(exc, UnicodeDecodeError):
        return DataError([Problem(str(path), None, None, "文件不是 UTF-8 编码", "file is not UTF-8")])
    return DataError([Problem(str(path), row, None, f"无法解析：{first}", f"cannot parse: {first}")])


def _check_source(path) -> Path:
    path = Path(path)
    rdf_format(path)
    if not path.is_file():
        raise DataError([Problem(str(path), None, None, "文件不存在", "file does not exist")])
    return path


# ---------------------------------------------------------------------------- the union graph

_UNION_CLASS = None


def _union_class():
    """rdflib Graph whose reads see every graph of its store (data + ontology); built on first use so
    that importing this module does not import rdflib."""
    global _UNION_CLASS
    if _UNION_CLASS is not None:
        return _UNION_CLASS
    from rdflib import Graph
    from rdflib.paths import Path as RdfPath

    class StoreGraph(Graph):
        """The data (default graph) and the ontology (named graph) of one store, read as one graph."""

        def __init__(self, store, kind, location=None):
            from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

            super().__init__(store=store, identifier=DATASET_DEFAULT_GRAPH_ID)
            self.default_union = True  # Graph.query then runs SPARQL over the union
            self.kind = kind
            self.location = location

        def triples(self, triple):
            # returns an iterator rather than being a generator: one generator level less per triple
            s, p, o = triple
            if isinstance(p, RdfPath):
                return ((_s, p, _o) for _s, _o in p.eval(self, s, o))
            if self.kind == "memory":
                return (t for t, _ in self.store.triples((s, p, o), context=None))
            return _ox_union_triples(self.store, s, p, o)

        def triples_choices(self, triple, context=None):
            s, p, o = triple
            for subject in s if isinstance(s, list) else [s]:
                for predicate in p if isinstance(p, list) else [p]:
                    for obj in o if isinstance(o, list) else [o]:
                        yield from self.triples((subject, predicate, obj))

        def __len__(self):
            return self.store.__len__(context=None)

        def __repr__(self):
            return f"<StoreGraph kind={self.kind!r}{' location=' + repr(str(self.location)) if self.location else ''}>"

    _UNION_CLASS = StoreGraph
    return StoreGraph


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _from_ox(term):
    """An Oxigraph term as an rdflib term; a plain string stays a plain ``Literal`` (oxrdflib would give
    it ``datatype=xsd:string``, which rdflib does not treat as the same term)."""
    from rdflib import BNode, Literal, URIRef

    cls = type(term).__name__
    if cls == "NamedNode":
        return URIRef(term.value)
    if cls == "Literal":
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value) if dt == _XSD_STRING else Literal(term.value, datatype=URIRef(dt))
    if cls == "BlankNode":
        return BNode(term.value)
    raise ValueError(f"unsupported Oxigraph term {term!r}")  # RDF-star triples are not used by chainkg


class _Converter:
    """:func:`_from_ox` with a cache of IRIs: reading a graph predicate by predicate meets the same
    subjects and objects again and again, and building an rdflib ``URIRef`` (which re-validates the IRI
    Oxigraph already validated) is most of the cost of a read."""

    LIMIT = 2_000_000  # entries; about 200 MB at most

    def __init__(self):
        import pyoxigraph as ox
        from rdflib import Literal, URIRef

        self.named, self.literal = ox.NamedNode, ox.Literal
        self.uri, self.rdf_literal = URIRef, Literal
        self.cache = {}

    def __call__(self, term):
        kind = type(term)
        if kind is self.named:
            hit = self.cache.get(term)
            if hit is None:
                if len(self.cache) > self.LIMIT:
                    self.cache.clear()
                hit = self.cache[term] = str.__new__(self.uri, term.value)  # already a valid IRI
            return hit
        if kind is self.literal and (term.language or term.datatype.value == _XSD_STRING):
            # what Literal(value, lang=...) builds for a string, without its parsing and checks
            value = term.value
            lit = str.__new__(self.rdf_literal, value)
            lit._language, lit._datatype, lit._value, lit._ill_typed = term.language, None, value, None
            return lit
        return _from_ox(term)


_OX_STORE_CLASS = None


def _ox_store_class():
    """oxrdflib's store with :func:`_from_ox` for reads and query results."""
    global _OX_STORE_CLASS
    if _OX_STORE_CLASS is not None:
        return _OX_STORE_CLASS
    import pyoxigraph as ox
    from oxrdflib import OxigraphStore
    from oxrdflib._converter import to_ox
    from rdflib import Graph
    from rdflib.query import Result
    from rdflib.term import Node, Variable

    class Store(OxigraphStore):
        def query(self, query, initNs, initBindings, queryGraph, **kwargs):  # noqa: N803
            if not isinstance(query, str) or kwargs or initBindings:
                return super().query(query, initNs, initBindings, queryGraph, **kwargs)
            result = self._inner.query(query, use_default_graph_as_union=queryGraph == "__UNION__",
                                       default_graph=(to_ox(queryGraph) if isinstance(queryGraph, Node) else None),
                                       prefixes=dict(self._namespace_for_prefix, **initNs))
            if isinstance(result, ox.QueryBoolean):
                out = Result("ASK")
                out.askAnswer = bool(result)
            elif isinstance(result, ox.QuerySolutions):
                out = Result("SELECT")
                out.vars = [Variable(v.value) for v in result.variables]
                out.bindings = ({v: _from_ox(x) for v, x in zip(out.vars, row) if x is not None} for row in result)
            else:
                out = Result("CONSTRUCT")
                out.graph = Graph()
                out.graph += ((_from_ox(t.subject), _from_ox(t.predicate), _from_ox(t.object)) for t in result)
            return out

    _OX_STORE_CLASS = Store
    return Store


def _ox_union_triples(store, s, p, o):
    """Triples of the default graph, then those of named graphs not already in the default graph."""
    import pyoxigraph as ox
    from oxrdflib._converter import to_ox_term_pattern

    convert = getattr(store, "_chainkg_converter", None)
    if convert is None:
        convert = store._chainkg_converter = _Converter()
    try:
        pattern = (to_ox_term_pattern(s), to_ox_term_pattern(p), to_ox_term_pattern(o))
    except ValueError:
        return
    inner = store._inner
    # unpacking a quad is cheaper than its attributes, and a bound term need not be converted back
    if p is not None and s is None and o is None:
        for qs, _, qo, _ in inner.quads_for_pattern(*pattern, ox.DefaultGraph()):
            yield convert(qs), p, convert(qo)
    else:
        for qs, qp, qo, _ in inner.quads_for_pattern(*pattern, ox.DefaultGraph()):
            yield (s if s is not None else convert(qs), p if p is not None else convert(qp),
                   o if o is not None else convert(qo))
    seen = set()
    for g in inner.named_graphs():
        for q in inner.quads_for_pattern(*pattern, g):
            t = (q.subject, q.predicate, q.object)
            if t in seen or next(inner.quads_for_pattern(*t, ox.DefaultGraph()), None) is not None:
                continue
            seen.add(t)
            yield convert(q.subject), convert(q.predicate), convert(q.object)


def store_kind(graph) -> str:
    """``"memory"``, ``"oxigraph"`` (in memory) or ``"disk"`` for a graph from :func:`open_store`."""
    kind = getattr(graph, "kind", None)
    if kind == "oxigraph" and getattr(graph, "location", None):
        return "disk"
    return kind or "memory"


def ox_store(graph):
    """The pyoxigraph ``Store`` behind *graph*, or None for rdflib's in-memory store.

    For code that wants Oxigraph's own API (bulk dumps, quads without conversion to rdflib terms)."""
    inner = getattr(graph.store, "_inner", None)
    return inner


def data_graph(graph):
    """The data of *graph* without the ontology, as an rdflib Graph.

    For Oxigraph the default graph is copied through :class:`_Converter`, so plain strings stay plain
    literals (oxrdflib's own reads would type them ``xsd:string``, which rdflib and pySHACL's ``sh:in``
    do not take for the same term)."""
    from rdflib import Graph
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    from .namespaces import bind_prefixes

    inner = ox_store(graph)
    if inner is None:
        return bind_prefixes(Graph(store=graph.store, identifier=DATASET_DEFAULT_GRAPH_ID))
    import pyoxigraph as ox

    convert, out = _Converter(), Graph()
    for s, p, o, _ in inner.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        out.add((convert(s), convert(p), convert(o)))
    return bind_prefixes(out)


# ---------------------------------------------------------------------------- opening


def _spec(spec):
    spec = spec if spec not in (None, "") else os.environ.get(STORE_ENV) or "oxigraph"
    return str(spec)


def _default_source():
    """The file commands read when none is given: the default build output, else None."""
    return DEFAULT_GRAPH if DEFAULT_GRAPH.is_file() else None


def _new_memory():
    from rdflib.plugins.stores.memory import Memory

    return _union_class()(Memory(), "memory")


def _new_oxigraph(ox_store_=None, location=None):
    import pyoxigraph as ox

    return _union_class()(_ox_store_class()(store=ox_store_ if ox_store_ is not None else ox.Store()), "oxigraph", location)


def _fill_memory(graph, path, to_graph=None):
    """Load *path* into rdflib's memory store with the very terms the Oxigraph store holds.

    The file goes through a temporary in-memory Oxigraph store: Oxigraph's parser lower-cases language
    tags, and its store writes typed literals in canonical form (``"22000000.0"^^xsd:decimal`` becomes
    ``"22000000"``), which rdflib's ``Literal`` equality would otherwise tell apart.
    """
    import pyoxigraph as ox
    from rdflib import Graph, URIRef
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    from_ox = _Converter()
    staging = ox.Store()
    try:
        staging.bulk_load(path=str(path), format=rdf_format(path))
    except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
        raise _parse_error(path, exc) from None

    default = Graph(store=graph.store, identifier=URIRef(to_graph) if to_graph else DATASET_DEFAULT_GRAPH_ID)
    named = {}

    def context(q):
        if isinstance(q.graph_name, ox.DefaultGraph):
            return default
        name = q.graph_name.value
        if name not in named:
            named[name] = Graph(store=graph.store, identifier=URIRef(name))
        return named[name]

    graph.store.addN((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), context(q)) for q in staging)


def _fill_oxigraph(graph, path, to_graph=None):
    import pyoxigraph as ox

    try:
        graph.store._inner.bulk_load(path=str(path), format=rdf_format(path),
                                     to_graph=ox.NamedNode(to_graph) if to_graph else None)
    except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
        raise _parse_error(path, exc) from None


def open_store(spec=None, graph_path=None, *, ontology=True):
    """Open the store *spec* (``"memory"``, ``"oxigraph"`` or the path of an on-disk store).

    Parameters
    ----------
    spec : str or None
        Store kind, folder or SPARQL endpoint URL; None means ``$CHAINKG_STORE``, else ``"oxigraph"``.
    graph_path : path or None
        RDF file to load into a ``memory`` or ``oxigraph`` store (default: ``build/chaoyang.ttl``, else
        the Chaoyang data compiled on the fly). An on-disk store already holds its data, so giving a
        file as well is an error.
    ontology : bool
        Load ``ontology/chainkg.ttl`` into the named graph :data:`ONTOLOGY_GRAPH` (stores made by
        :func:`load_store` already carry it).

    Returns
    -------
    rdflib.Graph
        Reads and SPARQL see the data and the ontology; the attribute ``kind`` is ``"memory"`` or
        ``"oxigraph"`` and ``location`` the store's folder, if any.
    """
    from .namespaces import bind_prefixes
    from .resources import ontology_file

    spec = _spec(spec)
    if spec.lower().startswith(("http://", "https://")):  # a SPARQL 1.1 server: see chainkg.remote
        from .remote import open_remote

        return open_remote(spec)
    if spec in STORE_KINDS:
        graph = _new_memory() if spec == "memory" else _new_oxigraph()
        fill = _fill_memory if spec == "memory" else _fill_oxigraph
        source = _check_source(graph_path) if graph_path is not None else _default_source()
        if source is not None:
            fill(graph, source)
        else:
            from .build import compile_folder, serialize

            compiled, _ = compile_folder()
            with tempfile.TemporaryDirectory() as tmp:
                nt = Path(tmp) / "data.nt"
                nt.write_bytes(serialize(compiled, "nt"))
                fill(graph, nt)
        if ontology:
            fill(graph, ontology_file(), ONTOLOGY_GRAPH)
        return bind_prefixes(graph)
    if graph_path is not None:
        raise DataError([Problem(str(graph_path), None, None,
                                 f"存储 {spec} 已包含数据：请用 chainkg load 载入文件，或改用 --store oxigraph",
                                 f"the store {spec} already holds its data: load the file with chainkg load, or use --store oxigraph")])
    from .remote import is_url, open_remote

    if is_url(spec):
        return open_remote(spec)
    return bind_prefixes(_open_disk(Path(spec)))


def _open_disk(path: Path):
    import pyoxigraph as ox

    if not (path / _META).is_file():
        raise DataError([Problem(str(path), None, None, "这里没有 chainkg 存储：请先运行 chainkg load 文件",
                                 "no chainkg store here: run chainkg load FILE first (or use --store memory|oxigraph)")])
    try:
        inner = ox.Store.read_only(str(path))
    except OSError as exc:
        raise DataError([Problem(str(path), None, None, f"无法打开存储：{exc}", f"cannot open the store: {exc}")]) from None
    return _new_oxigraph(inner, path)


def store_info(path=DEFAULT_STORE) -> dict:
    """What ``chainkg load`` recorded about the store at *path* (source file, triples)."""
    meta = Path(path) / _META
    if not meta.is_file():
        raise DataError([Problem(str(path), None, None, "这里没有 chainkg 存储", "no chainkg store here")])
    return json.loads(meta.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- bulk loading


def load_store(source, target=DEFAULT_STORE, *, check=None) -> dict:
    """Bulk-load the RDF file *source* and the ontology into a new on-disk Oxigraph store at *target*.

    The store is built in a temporary folder beside *target* and renamed into place only when complete
    (and, when *check* is given, after ``check(graph)`` returned without raising, *graph* being the new
    store as :func:`open_store` would give it), so a bad file leaves any previous store untouched.
    Returns the store's description (also written to ``target/chainkg-store.json``): source file, data
    triples, ontology triples.
    """
    import pyoxigraph as ox

    from .resources import ontology_file

    if str(target).lower().startswith(("http://", "https://")):  # a SPARQL 1.1 server: see chainkg.remote
        from .remote import load_remote

        return load_remote(source, str(target))
    source = _check_source(source)
    target = Path(target)
    if target.exists() and not (target / _META).is_file() and any(target.iterdir()):
        raise DataError([Problem(str(target), None, None, "目标文件夹不是 chainkg 存储，拒绝覆盖",
                                 "the target folder is not a chainkg store: refusing to overwrite it")])
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        inner = ox.Store(str(tmp))
        try:
            inner.bulk_load(path=str(source), format=rdf_format(source))
        except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
            raise _parse_error(source, exc) from None
        inner.bulk_load(path=str(ontology_file()), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ONTOLOGY_GRAPH))
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        info = {"source": str(source), "triples": int(next(iter(inner.query(count)))[0].value),
                "ontology_triples": int(next(iter(inner.query(count.replace("WHERE", f"FROM <{ONTOLOGY_GRAPH}> WHERE"))))[0].value),
                "format": 1}
        if check is not None:
            from .namespaces import bind_prefixes

            check(bind_prefixes(_new_oxigraph(inner, tmp)))
        inner.flush()
        del inner
        gc.collect()  # release RocksDB's lock and files before the rename
        (tmp / _META).write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / "store")
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return info


# ---------------------------------------------------------------------------- CLI option


def store_option(func):
    """Click option ``--store memory|oxigraph|PATH|URL`` (default ``$CHAINKG_STORE`` or ``oxigraph``).

    Pass its value and the command's ``--graph`` file to :func:`open_store`.
    """
    import click

    return click.option("--store", "store", metavar="memory|oxigraph|PATH|URL", default=None, envvar=STORE_ENV,
                        help="Where to read the graph: memory (rdflib), oxigraph (Oxigraph in memory, the default), "
                             "the folder of a store made by `chainkg load` (e.g. build/store), "
                             "or the query URL of a SPARQL 1.1 server (http://host:port/...). "
                             "Default: $CHAINKG_STORE, else oxigraph.")(func)


def _example_file():
    """A one-project Turtle file for the doctests."""
    text = """@prefix ck: <https://w3id.org/chainkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/chainkg/id/x/project/p> a ck:Project ; rdfs:label "项目"@zh ; ck:status ck:StatusSigned .
"""
    path = Path(tempfile.gettempdir()) / "chainkg-store-example.ttl"
    path.write_text(text, encoding="utf-8")
    return path

