"""A remote SPARQL 1.1 server as a chainkg store: query it, read it as a graph, load a graph into it.

``--store http://host:port/PATH`` names the server's SPARQL *query* endpoint. Loading needs a write
endpoint too; :func:`endpoints` derives it from the query URL for the common servers, and the
environment variables ``CHAINKG_UPDATE_URL`` / ``CHAINKG_GSP_URL`` override the guess:

=================  =============================  =================================  ==================================
server             query endpoint (``--store``)   SPARQL Update                      Graph Store Protocol
=================  =============================  =================================  ==================================
Oxigraph           ``http://h:7878/query``        ``/update``                        ``/store``
Apache Jena Fuseki ``http://h:3030/DS/query``     ``/DS/update``                     ``/DS/data``
  (or ``/DS/sparql``)
GraphDB / RDF4J    ``http://h:7200/repositories/R``  ``/repositories/R/statements``  ``/repositories/R/rdf-graphs/service``
Virtuoso           ``http://h:8890/sparql``       ``/sparql`` (needs SPARQL_UPDATE)   ``/sparql-graph-crud``
=================  =============================  =================================  ==================================

User name and password may be given in the URL (``http://user:secret@host/…``); they are sent as HTTP
Basic authentication and never printed.

Credentials and data go to the configured server only: a redirect to another origin (scheme, host or
port) is refused with a message, never followed; same-origin redirects are followed. Proxy variables
(``HTTP_PROXY`` …) are ignored, since a proxy would see the credentials of a plain ``http://`` request.
Every request has a timeout (:data:`HTTP_TIMEOUT` by default): connecting, and each wait for data,
give up after it, and an answer still arriving after it in total is abandoned.

Design notes (verified against ``oxigraph serve`` 0.5 and rdflib 7.6):

- rdflib's ``SPARQLStore`` opens connections without a timeout and, for POST requests, *returns* an
  HTTP error as a tuple instead of raising it; a ``Dataset`` over it sends ``default-graph-uri`` and
  silently gets nothing back unless ``default_union=True``. :func:`open_remote` therefore uses a
  ``SPARQLStore`` whose requests go through :class:`Endpoint` (timeouts, errors raised, no dataset
  parameters) under a plain Graph bound to the default graph.
- Oxigraph answers HTTP 200 with a truncated body when its own ``--timeout-s`` passes: a body that does
  not parse is an error, never an empty result.
- The data and the ontology are loaded into the server's *default* graph: servers disagree about
  whether the default graph is the union of named graphs (GraphDB and Virtuoso: yes; Oxigraph and
  Fuseki: no), so named graphs would make the same query answer differently.
"""
import base64
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from .errors import DataError, Problem

__all__ = ["is_url", "Endpoints", "endpoints", "Endpoint", "parse_results", "open_remote", "load_remote",
           "HTTP_TIMEOUT", "origin"]

#: Seconds to wait for a server to answer one request.
HTTP_TIMEOUT = 60.0
_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
_CHUNK = 100_000  # triples per SPARQL Update request when the Graph Store Protocol is not available


def is_url(spec) -> bool:
    """Whether a ``--store`` value names a remote server.

    Examples
    --------
    >>> is_url("http://127.0.0.1:7878/query"), is_url("build/store"), is_url(None)
    (True, False, False)
    """
    return isinstance(spec, str) and re.match(r"https?://", spec, re.I) is not None


@dataclass(frozen=True)
class Endpoints:
    """The URLs of one server (without credentials)."""

    query: str
    update: str | None
    gsp: str | None


def _split_credentials(url):
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    clean = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, (urllib.parse.unquote(parts.username), urllib.parse.unquote(parts.password or ""))


def endpoints(url) -> Endpoints:
    """Query, update and Graph Store Protocol URLs of the server whose query endpoint is *url*.

    Examples
    --------
    >>> endpoints("http://127.0.0.1:7878/query")
    Endpoints(query='http://127.0.0.1:7878/query', update='http://127.0.0.1:7878/update', gsp='http://127.0.0.1:7878/store')
    >>> endpoints("http://localhost:3030/chaoyang/sparql").gsp
    'http://localhost:3030/chaoyang/data'
    >>> endpoints("http://localhost:7200/repositories/chaoyang").update
    'http://localhost:7200/repositories/chaoyang/statements'
    >>> endpoints("http://localhost:8890/sparql").gsp
    'http://localhost:8890/sparql-graph-crud'
    """
    clean, _ = _split_credentials(url)
    parts = urllib.parse.urlsplit(clean)
    path = parts.path.rstrip("/")
    base = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    update = gsp = None
    m = re.fullmatch(r"(.*)/repositories/([^/]+)", path)
    if m:  # GraphDB, RDF4J
        update = f"{base}{path}/statements"
        gsp = f"{base}{path}/rdf-graphs/service"
    elif path == "/query":  # Oxigraph
        update, gsp = f"{base}/update", f"{base}/store"
    elif path == "/sparql":  # Virtuoso
        update, gsp = f"{base}/sparql", f"{base}/sparql-graph-crud"
    elif re.fullmatch(r"/[^/]+/(query|sparql)", path):  # Fuseki: /DATASET/query
        dataset = path.rsplit("/", 1)[0]
        update, gsp = f"{base}{dataset}/update", f"{base}{dataset}/data"
    update = os.environ.get("CHAINKG_UPDATE_URL") or update
    gsp = os.environ.get("CHAINKG_GSP_URL") or gsp
    return Endpoints(clean, _split_credentials(update)[0] if update else None, _split_credentials(gsp)[0] if gsp else None)


def _remote_error(url, zh, en):
    return DataError([Problem(url, None, None, zh, en)])


def origin(url):
    """``(scheme, host, port)`` of *url*, the port filled in for http and https.

    Examples
    --------
    >>> origin("HTTP://Analyst:pw@LocalHost/query") == origin("http://localhost:80/sparql")
    True
    >>> origin("https://h/q") == origin("http://h:443/q")
    False
    """
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port or {"http": 80, "https": 443}.get(scheme)


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects within the configured server only: another origin would receive the
    credentials (urllib re-sends the Authorization header) and the query."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if origin(newurl) != origin(req.full_url):
            fp.close()
            target, _ = _split_credentials(newurl)
            raise _remote_error(req.full_url, f"服务器把请求重定向到另一个地址 {target}（协议、主机或端口不同），为保护凭据与数据已拒绝；"
                                "请把 --store 设为该地址，若它可信",
                                f"the server redirected the request to another origin, {target} (scheme, host or port "
                                "differ); refused, so that credentials and data go nowhere else; give that address to "
                                "--store if you trust it")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _SameOriginRedirects)


def parse_results(content_type: str, body: bytes, where="remote"):
    """An HTTP answer to a query as a :class:`chainkg.query.QueryResult` (SPARQL JSON or XML results,
    N-Triples or Turtle); a body that does not parse is a :class:`DataError` (a server that timed
    out may have sent half an answer with status 200).

    Examples
    --------
    >>> r = parse_results("application/sparql-results+json",
    ...     '{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": "凌钢", "xml:lang": "zh"}}]}}'.encode())
    >>> r.columns, r.values()
    (['n'], [('凌钢',)])
    >>> parse_results("application/sparql-results+json", b'{"head": {"vars": ["n"]}, "resu')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    chainkg.errors.DataError: remote: 服务器的回答不完整或无法解析...
    """
    from rdflib import BNode, Graph, Literal, URIRef

    from .query import QueryResult

    kind = (content_type or "").split(";")[0].strip().lower()
    try:
        if kind in ("application/sparql-results+json", "application/json"):
            data = json.loads(body.decode("utf-8"))
            if "boolean" in data:
                return QueryResult("ASK", boolean=bool(data["boolean"]))
            columns = list(data["head"]["vars"])

            def term(b):
                if b is None:
                    return None
                if b["type"] == "uri":
                    return URIRef(b["value"])
                if b["type"] == "bnode":
                    return BNode(b["value"])
                if "xml:lang" in b:
                    return Literal(b["value"], lang=b["xml:lang"])
                dt = b.get("datatype")
                if dt == "http://www.w3.org/2001/XMLSchema#string":
                    dt = None
                return Literal(b["value"], datatype=URIRef(dt) if dt else None)

            rows = [tuple(term(b.get(c)) for c in columns) for b in data["results"]["bindings"]]
            return QueryResult("SELECT", columns, rows)
        if kind in ("application/sparql-results+xml", "application/xml", "text/xml"):
            from io import BytesIO

            from rdflib.query import Result

            res = Result.parse(BytesIO(body), format="xml")
            if res.type == "ASK":
                return QueryResult("ASK", boolean=bool(res.askAnswer))
            columns = [str(v) for v in res.vars]
            return QueryResult("SELECT", columns, [tuple(r) for r in res])
        fmt = {"application/n-triples": "nt", "text/plain": "nt", "text/turtle": "turtle",
               "application/rdf+xml": "xml", "application/ld+json": "json-ld"}.get(kind)
        if fmt is None:
            raise ValueError(f"unexpected content type {kind or '(none)'}")
        g = Graph().parse(data=body.decode("utf-8"), format=fmt)
        return QueryResult("CONSTRUCT", ["subject", "predicate", "object"], sorted(g))
    except DataError:
        raise
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        raise _remote_error(where, f"服务器的回答不完整或无法解析（服务器端超时？）：{first}",
                            f"the server's answer is incomplete or unreadable (a server-side timeout?): {first}") from None


class Endpoint:
    """One SPARQL 1.1 server, spoken to over HTTP with a timeout; errors become :class:`DataError`.

    Parameters
    ----------
    url : str
        The query endpoint, optionally with ``user:password@``.
    timeout : float
        Seconds to wait for each answer.
    """

    def __init__(self, url, timeout=HTTP_TIMEOUT):
        self.url, self._credentials = _split_credentials(url)
        self.endpoints = endpoints(url)
        self.timeout = timeout

    def __repr__(self):
        return f"<Endpoint {self.url}>"

    def request(self, url, data=None, content_type=None, accept=_ACCEPT, method=None):
        """Send one request; return ``(status, content_type, body)``; HTTP and network errors raise."""
        headers = {"Accept": accept, "User-Agent": "chainkg"}
        if content_type:
            headers["Content-Type"] = content_type
        if self._credentials:
            token = base64.b64encode(f"{self._credentials[0]}:{self._credentials[1]}".encode("utf-8")).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        deadline = time.monotonic() + self.timeout
        try:
            with _OPENER.open(req, timeout=self.timeout) as res:
                chunks = []
                while chunk := res.read1(65536):  # one wait for data each, so the deadline is checked often
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise TimeoutError("timed out")
                return res.status, res.headers.get("Content-Type", ""), b"".join(chunks)
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace").strip().splitlines()
            detail = detail[0] if detail else exc.reason
            raise _remote_error(url, f"服务器返回 HTTP {exc.code}：{detail}", f"the server answered HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise _remote_error(url, f"SPARQL 服务器在 {self.timeout:g} 秒内没有答完",
                                    f"the SPARQL server did not answer within {self.timeout:g} s") from None
            raise _remote_error(url, f"无法连接 SPARQL 服务器：{reason}", f"cannot reach the SPARQL server: {reason}") from None

    def raw_query(self, text):
        """POST *text* as a SPARQL query; return ``(content_type, body)``."""
        _, ctype, body = self.request(self.url, data=urllib.parse.urlencode({"query": text}).encode("utf-8"),
                                      content_type="application/x-www-form-urlencoded")
        return ctype, body

    def sparql_query(self, text, form=None):
        """Run a query on the server and return a :class:`chainkg.query.QueryResult`."""
        ctype, body = self.raw_query(text)
        result = parse_results(ctype, body, self.url)
        if form in ("CONSTRUCT", "DESCRIBE") or result.is_graph:
            result.form = form or result.form
        return result

    def update(self, text):
        """POST *text* as a SPARQL Update request."""
        if not self.endpoints.update:
            raise _remote_error(self.url, "不知道该服务器的 SPARQL Update 地址：请设置 CHAINKG_UPDATE_URL",
                                "no SPARQL Update endpoint known for this server: set CHAINKG_UPDATE_URL")
        self.request(self.endpoints.update, data=urllib.parse.urlencode({"update": text}).encode("utf-8"),
                     content_type="application/x-www-form-urlencoded", accept="*/*")

    def put_default_graph(self, ntriples: bytes):
        """Replace the default graph through the Graph Store Protocol (one request, so all or nothing)."""
        self.request(f"{self.endpoints.gsp}?default", data=ntriples, content_type="application/n-triples",
                     accept="*/*", method="PUT")

    def count(self) -> int:
        """Triples in the server's default graph."""
        result = self.sparql_query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "SELECT")
        return int(result.rows[0][0].toPython())


_STORE_CLASS = None


def _store_class():
    """A read-only rdflib SPARQLStore whose requests go through :class:`Endpoint` (built on first use,
    so importing this module does not import rdflib)."""
    global _STORE_CLASS
    if _STORE_CLASS is None:
        from io import BytesIO

        from rdflib.plugins.stores.sparqlstore import SPARQLStore
        from rdflib.query import Result

        class EndpointStore(SPARQLStore):
            def __init__(self, endpoint):
                super().__init__(query_endpoint=endpoint.url, returnFormat="json", method="POST_FORM")
                self.endpoint = endpoint

            def _query(self, query, default_graph=None, named_graph=None):
                # dataset parameters are never sent: the data live in the default graph
                self._queries += 1
                ctype, body = self.endpoint.raw_query(query)
                kind = ctype.split(";")[0].strip()
                try:
                    return Result.parse(BytesIO(body), content_type=kind)
                except Exception as exc:
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
                    raise _remote_error(self.endpoint.url, f"服务器的回答无法解析：{first}",
                                        f"the server's answer is unreadable: {first}") from None

        _STORE_CLASS = EndpointStore
    return _STORE_CLASS


def open_remote(url, timeout=HTTP_TIMEOUT):
    """The default graph of the SPARQL server at *url* as a read-only rdflib Graph.

    Reads (``triples``, ``value``, ``query`` …) become SPARQL requests. The graph's ``kind`` is
    ``"remote"`` and ``location`` the query URL (without credentials). Raises :class:`DataError` if the
    server does not answer.
    """
    from rdflib import Graph
    from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

    from .namespaces import bind_prefixes

    endpoint = Endpoint(url, timeout)
    endpoint.sparql_query("ASK { }", "ASK")  # fail early, with a clear message, if the server is not there
    graph = Graph(store=_store_class()(endpoint), identifier=DATASET_DEFAULT_GRAPH_ID, bind_namespaces="none")
    graph.kind = "remote"
    graph.location = endpoint.url
    return bind_prefixes(graph)


def _ntriples(path):
    import pyoxigraph as ox

    from .store import _parse_error, rdf_format

    try:
        quads = list(ox.parse(path=str(path), format=rdf_format(path)))
    except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
        raise _parse_error(path, exc) from None
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]


def load_remote(source, url, *, ontology=True, timeout=HTTP_TIMEOUT) -> dict:
    """Replace the default graph of the server at *url* with the RDF file *source* (and the ontology).

    The Graph Store Protocol (one ``PUT``, all or nothing) is tried first; a server without it gets
    SPARQL Update: ``CLEAR DEFAULT`` and ``INSERT DATA`` in one request, or in chunks of 100,000
    triples for larger graphs (a failure part-way is reported as such). The triple count is checked
    afterwards. Returns ``{"source", "url", "triples", "method"}``.
    """
    import pyoxigraph as ox

    from .resources import ontology_file
    from .store import _check_source

    source = _check_source(source)
    endpoint = Endpoint(url, timeout)
    triples = _ntriples(source)
    if ontology:
        triples += _ntriples(ontology_file())
    unique = list(dict.fromkeys(triples))
    body = ox.serialize(unique, format=ox.RdfFormat.N_TRIPLES)
    method = None
    if endpoint.endpoints.gsp:
        try:
            endpoint.put_default_graph(body)
            method = "gsp"
        except DataError as exc:
            if not re.search(r"HTTP (404|405|415|501)", str(exc)):
                raise
    if method is None:
        # blank nodes are scoped to one request: keep every triple that has one in the first chunk
        has_bnode = [t for t in unique if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)]
        plain = [t for t in unique if not (isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode))]
        ordered = has_bnode + plain
        chunks = [ordered[i:i + _CHUNK] for i in range(0, len(ordered), _CHUNK)] or [[]]
        for i, chunk in enumerate(chunks):
            text = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
            head = "CLEAR SILENT DEFAULT ;\n" if i == 0 else ""
            try:
                endpoint.update(f"{head}INSERT DATA {{\n{text}}}")
            except DataError as exc:
                if i == 0:
                    raise
                raise DataError(exc.problems + [Problem(endpoint.url, None, None,
                                                        f"只载入了 {i}/{len(chunks)} 批数据：请重新运行",
                                                        f"only {i} of {len(chunks)} chunks were loaded: run the load again")]) from None
        method = "update"
    count = endpoint.count()
    if count < len(unique):
        raise _remote_error(endpoint.url, f"服务器上只有 {count} 个三元组，应有 {len(unique)} 个",
                            f"the server holds {count} triples where {len(unique)} were sent")
    return {"source": str(source), "url": endpoint.url, "triples": count, "sent": len(unique), "method": method}
