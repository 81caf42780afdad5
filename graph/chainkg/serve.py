"""A read-only SPARQL 1.1 Protocol endpoint over a chainkg store, with an offline query page.

Why our own small server rather than ``oxigraph serve-read-only`` behind a proxy: the proxy would
have to parse every request anyway to apply the guard (SERVICE, FROM, updates), the row limit (the
Oxigraph server has none) and a reliable timeout (it answers HTTP 200 with a truncated body when its
own ``--timeout-s`` passes); it would have to drop the server's CORS headers and replace its query
page, which loads YASGUI from a CDN; and it would need a second copy of the store in RocksDB and a
second process to supervise. That proxy *is* an endpoint. So the protocol is served here with the
standard library (``http.server``), and the queries run in :class:`chainkg.query.QueryEngine`
workers on whatever store ``--store`` names: Oxigraph in memory or on disk (the same engine the
Oxigraph server uses), rdflib, or a remote SPARQL server, which may well be an Oxigraph server.

Every query, from the page or from any client, goes through the same path: guard, engine (timeout,
row limit), serialisation. Requests:

``GET /``                      the query page (HTML with its JavaScript inline; no network access;
                               ``/#query=…`` opens and runs a query)
``GET|POST /sparql``           SPARQL 1.1 Protocol query operation (``query=`` in the URL or a form,
                               or a body of type ``application/sparql-query``)
``GET /queries``               the named queries as JSON
``GET /queries/NAME?k=v``      run a named query, parameters bound safely

Results: SPARQL JSON, XML, CSV or TSV for SELECT/ASK; Turtle, N-Triples or JSON-LD for
CONSTRUCT/DESCRIBE; chosen by ``Accept`` or by ``format=json|xml|csv|tsv|ttl|nt|jsonld``. A result
cut at the row limit carries the header ``Chainkg-Truncated: true``. No CORS headers are sent unless
an origin is allowed with ``--cors``.

Hostile clients:

- ``Host`` must name the server exactly: bound to a loopback address, ``127.0.0.1``, ``localhost`` or
  ``[::1]`` with the bound port and nothing else (DNS rebinding); bound elsewhere, the names given
  with ``allowed_hosts`` (any well-formed name when none are given), again with the bound port.
- A POST runs a query only with ``Content-Type: application/sparql-query`` (a browser cannot send that
  cross-site without a CORS preflight, which is refused), or as a form when ``Origin`` (else
  ``Referer``) is the server's own origin or a ``--cors`` origin: a cross-site form cannot run queries.
- Each query runs at most ``timeout`` seconds in a worker process; at most ``max_waiting`` requests
  wait for a worker, each at most ``wait`` seconds, and the rest get 503 with ``Retry-After`` at once;
  at most ``max_connections`` connections are served at once (503 beyond), and a connection that
  sends nothing for ``idle`` seconds is closed.
"""
import base64
import hashlib
import html
import json
import re
import socket
import threading
import time
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape as xml_escape

from .errors import DataError
from .query import (QueryBusy, QueryFailed, QueryForbidden, QueryTimeout, bind_parameters, named_queries,
                    result_bytes)

__all__ = ["SparqlServer", "make_server", "negotiate", "MAX_BODY"]

#: Largest request body accepted (bytes).
MAX_BODY = 1_000_000
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:.]+\]")
_SELECT_TYPES = {"application/sparql-results+json": "json", "application/json": "json",
                 "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
                 "text/csv": "csv", "text/tab-separated-values": "tsv"}
_GRAPH_TYPES = {"text/turtle": "ttl", "application/n-triples": "nt", "text/plain": "nt", "application/ld+json": "jsonld"}
_MEDIA = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
          "tsv": "text/tab-separated-values", "ttl": "text/turtle", "nt": "application/n-triples",
          "jsonld": "application/ld+json"}


def negotiate(accept: str, form: str):
    """The result format for an ``Accept`` header and a query form, or None if nothing fits.

    Examples
    --------
    >>> negotiate("text/csv;q=0.5, application/sparql-results+json", "SELECT")
    'json'
    >>> negotiate("*/*", "CONSTRUCT"), negotiate("", "ASK"), negotiate("image/png", "SELECT")
    ('ttl', 'json', None)
    """
    types = _GRAPH_TYPES if form in ("CONSTRUCT", "DESCRIBE") else _SELECT_TYPES
    default = "ttl" if form in ("CONSTRUCT", "DESCRIBE") else "json"
    if not accept or not accept.strip():
        return default
    offers = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        offers.append((-q, i, media))
    for neg_q, _, media in sorted(offers):
        if neg_q >= 0:
            continue
        if media in types:
            return types[media]
        if media in ("*/*", "application/*", "text/*"):
            return default
    return None


def _xml_results(result) -> bytes:
    from rdflib import BNode, Literal, URIRef

    from .query import _cell

    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    if result.form == "ASK":
        out += ["</head>", f"<boolean>{'true' if result.boolean else 'false'}</boolean>", "</sparql>"]
        return ("\n".join(out) + "\n").encode("utf-8")
    out += [f'<variable name="{xml_escape(c)}"/>' for c in result.columns] + ["</head>", "<results>"]
    for row in result.rows:
        out.append("<result>")
        for c, v in zip(result.columns, row):
            if v is None:
                continue
            if isinstance(v, URIRef):
                inner = f"<uri>{xml_escape(str(v))}</uri>"
            elif isinstance(v, BNode):
                inner = f"<bnode>{xml_escape(str(v))}</bnode>"
            elif isinstance(v, Literal) and v.language:
                inner = f'<literal xml:lang="{xml_escape(v.language)}">{xml_escape(_cell(v))}</literal>'
            elif isinstance(v, Literal) and v.datatype is not None:
                inner = f'<literal datatype="{xml_escape(str(v.datatype))}">{xml_escape(_cell(v))}</literal>'
            else:
                inner = f"<literal>{xml_escape(str(v))}</literal>"
            out.append(f'<binding name="{xml_escape(c)}">{inner}</binding>')
        out.append("</result>")
    out += ["</results>", "</sparql>"]
    return ("\n".join(out) + "\n").encode("utf-8")


def _body(result, fmt) -> bytes:
    if fmt == "xml":
        return _xml_results(result)
    if fmt == "jsonld":
        return result_bytes(result, "json")
    if fmt == "csv":  # the W3C CSV results format: no byte-order mark, values as they are
        return result_bytes(result, "csv", excel=False)
    return result_bytes(result, fmt)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every response carries Content-Length
    timeout = 30  # seconds a connection may stay silent (set per server from SparqlServer.idle)
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stall
    server_version = "chainkg-sparql"
    sys_version = ""

    # ------------------------------------------------------------------ plumbing
    def log_message(self, fmt, *args):  # one line per request on stderr, only when asked
        if self.server.app.verbose:
            super().log_message(fmt, *args)

    def _send(self, status, body: bytes, ctype, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        origin = self.headers.get("Origin")
        if self.server.app.cors and origin and origin in self.server.app.cors:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status, zh, en=None):
        text = f"{zh} / {en}" if en else zh
        self._send(status, (text + "\n").encode("utf-8"), "text/plain; charset=utf-8")

    def _data_error(self, exc: DataError):
        extra = None
        if isinstance(exc, (QueryTimeout, QueryBusy)):
            status = HTTPStatus.SERVICE_UNAVAILABLE
            extra = {"Retry-After": "1"} if isinstance(exc, QueryBusy) else None
        elif isinstance(exc, QueryForbidden):
            status = HTTPStatus.FORBIDDEN
        elif isinstance(exc, QueryFailed):
            status = HTTPStatus.INTERNAL_SERVER_ERROR
        else:  # a syntax error, a bad parameter …
            status = HTTPStatus.BAD_REQUEST
        text = "\n".join(f"{p.zh} / {p.en}" + (f" (line {p.row})" if p.row else "") for p in exc.problems)
        self._send(status, (text + "\n").encode("utf-8"), "text/plain; charset=utf-8", extra)

    def _host_ok(self):
        """Whether the Host header names this server exactly (name and port)."""
        hosts = self.headers.get_all("Host") or []
        return len(hosts) == 1 and self.server.app.host_allowed(hosts[0])

    def _same_origin(self):
        """Whether a form POST comes from the server's own pages (or a --cors origin)."""
        app = self.server.app
        own = {f"http://{(self.headers.get('Host') or '').strip().lower()}"} | app.cors
        origin = self.headers.get("Origin")
        if origin is not None:
            return origin.strip().lower().rstrip("/") in own
        referer = (self.headers.get("Referer") or "").strip()
        parts = urllib.parse.urlsplit(referer)
        return bool(referer) and f"{parts.scheme}://{parts.netloc}".lower() in own

    def _read_body(self):
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._error(HTTPStatus.LENGTH_REQUIRED, "请求须带 Content-Length", "a Content-Length is required")
            return None
        try:
            n = int(length or 0)
        except ValueError:
            self._error(HTTPStatus.BAD_REQUEST, "Content-Length 无效", "invalid Content-Length")
            return None
        if n > MAX_BODY:
            self.close_connection = True
            if n <= 8 * MAX_BODY:  # read what the client is sending, so that it gets to see the answer
                while n > 0:
                    n -= len(self.rfile.read(min(n, 65536)) or b"x" * n)
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"请求体超过 {MAX_BODY} 字节", f"the request body exceeds {MAX_BODY} bytes")
            return None
        return self.rfile.read(n) if n else b""

    # ------------------------------------------------------------------ routes
    def do_OPTIONS(self):
        if not self._host_ok():
            return self._error(HTTPStatus.FORBIDDEN, "不接受该 Host", "Host not allowed")
        origin = self.headers.get("Origin")
        if self.server.app.cors and origin in self.server.app.cors:
            return self._send(HTTPStatus.NO_CONTENT, b"", "text/plain", {
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Content-Type, Accept", "Access-Control-Max-Age": "600"})
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, "不允许跨域请求", "cross-origin requests are not allowed")

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        if not self._host_ok():
            return self._error(HTTPStatus.FORBIDDEN, "不接受该 Host", "Host not allowed")
        url = urllib.parse.urlsplit(self.path)
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path in ("/", "/index.html"):
            return self._send(HTTPStatus.OK, self.server.app.page, "text/html; charset=utf-8",
                              {"Content-Security-Policy": self.server.app.csp, "X-Frame-Options": "DENY"})
        if url.path == "/sparql":
            return self._query(params)
        if url.path == "/queries":
            return self._send(HTTPStatus.OK, self.server.app.catalogue, "application/json; charset=utf-8")
        if url.path.startswith("/queries/"):
            return self._named(urllib.parse.unquote(url.path[len("/queries/"):]), params)
        self._error(HTTPStatus.NOT_FOUND, "没有这个地址", "not found")

    def do_POST(self):
        if not self._host_ok():
            return self._error(HTTPStatus.FORBIDDEN, "不接受该 Host", "Host not allowed")
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/sparql":
            return self._error(HTTPStatus.NOT_FOUND, "没有这个地址", "not found")
        body = self._read_body()
        if body is None:
            return
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return self._error(HTTPStatus.BAD_REQUEST, "请求体不是 UTF-8", "the request body is not UTF-8")
        if ctype == "application/x-www-form-urlencoded":
            if not self._same_origin():
                return self._error(HTTPStatus.FORBIDDEN, "表单提交只接受本服务器自己的页面（Origin / Referer）；其他客户端请用 "
                                   "Content-Type: application/sparql-query 或 GET",
                                   "a form POST is accepted from this server's own pages only (Origin / Referer); other "
                                   "clients send Content-Type: application/sparql-query, or use GET")
            for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items():
                params.setdefault(k, []).extend(v)
        elif ctype == "application/sparql-query":
            params.setdefault("query", []).append(text)
        elif ctype == "application/sparql-update":
            return self._error(HTTPStatus.FORBIDDEN, "只读：不接受更新", "read-only: updates are not accepted")
        else:
            return self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"不支持的请求类型 {ctype or '（无）'}",
                               f"unsupported Content-Type {ctype or '(none)'} (use application/sparql-query)")
        self._query(params)

    def _query(self, params):
        if "update" in params:
            return self._error(HTTPStatus.FORBIDDEN, "只读：不接受更新", "read-only: updates are not accepted")
        if "default-graph-uri" in params or "named-graph-uri" in params:
            return self._error(HTTPStatus.FORBIDDEN, "拒绝 default-graph-uri / named-graph-uri（可能从网络加载数据）",
                               "default-graph-uri / named-graph-uri are refused (they could load data from the network)")
        queries = params.get("query", [])
        if len(queries) != 1:
            return self._error(HTTPStatus.BAD_REQUEST, "须恰好给出一个 query 参数", "exactly one query parameter is required")
        self._run(queries[0], params)

    def _named(self, name, params):
        queries = self.server.app.named
        if name not in queries:
            return self._error(HTTPStatus.NOT_FOUND, f"没有名为 {name} 的查询", f"no named query {name}")
        values = {k: v[-1] for k, v in params.items() if k != "format"}
        try:
            text = bind_parameters(queries[name], values)
        except DataError as exc:
            return self._data_error(exc)
        self._run(text, params, where=f"queries/{name}.rq")

    def _run(self, text, params, where="查询 / query"):
        app = self.server.app
        try:
            guarded = app.guard(text, where)
        except DataError as exc:
            return self._data_error(exc)
        fmt = (params.get("format") or params.get("output") or [None])[-1]
        if fmt:
            fmt = {"turtle": "ttl", "ntriples": "nt", "json-ld": "jsonld", "text": "tsv"}.get(fmt, fmt)
            graph = guarded.form in ("CONSTRUCT", "DESCRIBE")
            if fmt not in (("ttl", "nt", "jsonld", "json") if graph else ("json", "xml", "csv", "tsv")):
                return self._error(HTTPStatus.BAD_REQUEST, f"该查询不能输出为 {fmt}", f"this query cannot be returned as {fmt}")
            if graph and fmt == "json":
                fmt = "jsonld"
        else:
            fmt = negotiate(self.headers.get("Accept", ""), guarded.form)
            if fmt is None:
                return self._error(HTTPStatus.NOT_ACCEPTABLE, "无法提供所要求的结果格式", "none of the accepted result types can be produced")
        started = time.perf_counter()
        try:
            result = app.engine.run(text, guarded=guarded, where=where)
        except DataError as exc:
            return self._data_error(exc)
        body = _body(result, fmt)
        extra = {"Chainkg-Elapsed-Ms": f"{(time.perf_counter() - started) * 1000:.1f}"}
        if result.truncated:
            extra["Chainkg-Truncated"] = "true"
            extra["Chainkg-Limit"] = str(app.engine.limit)
        ctype = _MEDIA[fmt] + ("; charset=utf-8" if fmt in ("csv", "tsv", "ttl", "nt", "json", "jsonld", "xml") else "")
        self._send(HTTPStatus.OK, body, ctype, extra)


class _Server(ThreadingHTTPServer):
    """A threading HTTP server that serves at most *max_connections* connections at once and answers
    503 to the next ones straight away (a thread per connection, but never an unbounded number)."""

    daemon_threads = True
    _BUSY = ("服务器繁忙，请稍后再试 / the server is busy, try again shortly\n").encode("utf-8")

    def __init__(self, address, handler, max_connections):
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(1)
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                b"Retry-After: 1\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s"
                                % (len(self._BUSY), self._BUSY))
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class _Server6(_Server):
    address_family = socket.AF_INET6


class SparqlServer:
    """The endpoint: a threading HTTP server in front of a :class:`chainkg.query.QueryEngine`.

    Use :func:`make_server` to build one; ``serve_forever()`` blocks, ``start()`` runs it in a thread
    and ``close()`` stops the server and its workers.
    """

    def __init__(self, engine, host="127.0.0.1", port=7878, cors=(), verbose=False, *, allowed_hosts=(),
                 max_connections=64, idle=30.0):
        self.engine = engine
        self.cors = frozenset(o.strip().lower().rstrip("/") for o in cors or ())
        self.verbose = verbose
        self.named = named_queries()
        self.loopback_only = host in _LOOPBACK
        names = {h.strip().lower() for h in allowed_hosts or ()}
        self._names = _LOOPBACK | names if self.loopback_only else names
        self.catalogue = json.dumps(
            [{"name": q.name, "description": q.description,
              "params": [{"name": p.name, "type": p.type, "optional": p.optional, "description": p.description}
                         for p in q.params]} for q in self.named.values()], ensure_ascii=False, indent=1).encode("utf-8")
        self.page, self.csp = _page(engine.timeout, engine.limit)
        server_class = _Server6 if ":" in host else _Server
        handler = type("Handler", (_Handler,), {"timeout": float(idle)})
        self.httpd = server_class((host.strip("[]"), port), handler, int(max_connections))
        self.httpd.app = self
        self._thread = None

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"

    def host_allowed(self, value: str) -> bool:
        """Whether a Host header value names this server: an allowed name and the bound port exactly.

        Examples
        --------
        >>> from types import SimpleNamespace
        >>> srv = SparqlServer(SimpleNamespace(timeout=1, limit=1), port=0)
        >>> p = srv.port
        >>> [srv.host_allowed(h) for h in (f"127.0.0.1:{p}", f"LOCALHOST:{p}", f"[::1]:{p}")]
        [True, True, True]
        >>> [srv.host_allowed(h) for h in (f"127.0.0.1:{p}@evil.com", "127.0.0.1", f"127.0.0.1:{p + 1}", f"evil.com:{p}")]
        [False, False, False, False]
        >>> srv.httpd.server_close()
        """
        m = re.fullmatch(r"(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::([0-9]+))?", value.strip().lower())
        if not m or (m.group(2) or "80") != str(self.port):
            return False
        return m.group(1) in self._names if self._names else bool(_HOST_NAME.fullmatch(m.group(1)))

    @property
    def port(self):
        return self.httpd.server_address[1]

    def guard(self, text, where):
        from .query import guard

        return guard(text, where)

    def serve_forever(self):
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self):
        """Serve in a background thread; returns self."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="chainkg-serve")
        self._thread.start()
        return self

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.engine.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def make_server(store=None, graph_path=None, *, host="127.0.0.1", port=7878, timeout=None, limit=None,
                workers=2, cors=(), verbose=False, allowed_hosts=(), wait=5.0, max_waiting=None, max_connections=64,
                idle=30.0) -> SparqlServer:
    """Open *store* in *workers* query processes and bind the endpoint to *host*:*port* (0: any free port).

    A query runs at most *timeout* seconds; at most *max_waiting* requests (default: 16 per worker)
    wait for a worker, each at most *wait* seconds, then get 503. See the module's notes.
    """
    from .query import DEFAULT_LIMIT, DEFAULT_TIMEOUT, QueryEngine

    engine = QueryEngine(store, graph_path=graph_path, workers=workers,
                         timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
                         limit=DEFAULT_LIMIT if limit is None else limit, wait=wait,
                         max_waiting=16 * max(1, int(workers)) if max_waiting is None else max_waiting)
    try:
        return SparqlServer(engine, host, port, cors, verbose, allowed_hosts=allowed_hosts,
                            max_connections=max_connections, idle=idle)
    except BaseException:
        engine.close()
        raise


# ---------------------------------------------------------------------------------------------- the page
_EXAMPLE = """PREFIX ck: <https://w3id.org/chainkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

SELECT ?project ?name ?value WHERE {
  ?project a ck:Project ; rdfs:label ?name ; ck:investment/<https://schema.org/value> ?value .
}
ORDER BY DESC(?value)
LIMIT 10"""

_STYLE = """
body{font:14px/1.5 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#0b4f6c;color:#fff;padding:10px 18px}header h1{font-size:18px;margin:0}
header p{margin:2px 0 0;font-size:12px;opacity:.85}
main{display:grid;grid-template-columns:320px 1fr;gap:14px;padding:14px 18px}
section{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:12px}
h2{font-size:15px;margin:0 0 8px}label{display:block;font-size:12px;color:#57606a;margin-top:6px}
select,input,textarea{width:100%;box-sizing:border-box;font:inherit;border:1px solid #d0d7de;border-radius:4px;padding:4px 6px}
textarea{font-family:ui-monospace,Consolas,monospace;font-size:13px;min-height:220px}
button{margin-top:8px;margin-right:6px;padding:5px 12px;border:1px solid #0b4f6c;background:#0b4f6c;color:#fff;border-radius:4px;cursor:pointer}
button.alt{background:#fff;color:#0b4f6c}#desc{font-size:12px;color:#57606a;margin-top:6px}
#status{margin:8px 0;font-size:13px}#status.err{color:#cf222e;white-space:pre-wrap}
.wrap{overflow:auto;max-height:65vh}table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}th{background:#f0f3f6;position:sticky;top:0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
"""

_SCRIPT = r"""
"use strict";
const $ = (id) => document.getElementById(id);
let catalogue = [];
let last = null;
function setStatus(text, isError) { const s = $("status"); s.textContent = text; s.className = isError ? "err" : ""; }
function cellText(b) { return b ? b.value : ""; }
function render(data, meta) {
  const out = $("result"); out.replaceChildren();
  if (data.boolean !== undefined) { const p = document.createElement("p"); p.textContent = "ASK: " + data.boolean; out.append(p); return; }
  const vars = data.head.vars, rows = data.results.bindings;
  const table = document.createElement("table"), head = table.createTHead().insertRow();
  for (const v of vars) { const th = document.createElement("th"); th.textContent = v; head.append(th); }
  const body = table.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const v of vars) {
      const td = tr.insertCell(), b = r[v];
      td.textContent = cellText(b);
      if (b && b.datatype && /#(integer|decimal|double|float)$/.test(b.datatype)) td.className = "num";
      if (b && b.type === "uri") td.title = b.value;
    }
  }
  out.append(table);
  setStatus(rows.length + " 行 / rows · " + meta.ms + " ms" + (meta.truncated ? " · 已截断到上限 / cut at the row limit" : ""));
}
async function run(url, init) {
  setStatus("查询中… / running…");
  $("result").replaceChildren();
  let res;
  try { res = await fetch(url, init); } catch (e) { setStatus("无法连接 / cannot connect: " + e, true); return; }
  const text = await res.text();
  if (!res.ok) { setStatus("HTTP " + res.status + "\n" + text, true); return; }
  const ctype = res.headers.get("Content-Type") || "";
  const meta = { ms: res.headers.get("Chainkg-Elapsed-Ms") || "?", truncated: res.headers.get("Chainkg-Truncated") === "true" };
  last = { url: url, init: init };
  if (ctype.startsWith("application/sparql-results+json")) { render(JSON.parse(text), meta); return; }
  const pre = document.createElement("pre"); pre.textContent = text; $("result").append(pre);
  setStatus("图结果 / graph result · " + meta.ms + " ms");
}
// the query goes as the body of type application/sparql-query: a form POST would need an Origin
// header, and this page's Referrer-Policy (no-referrer) makes the browser send "Origin: null"
function runText() {
  run("sparql", { method: "POST", headers: { "Content-Type": "application/sparql-query",
    "Accept": "application/sparql-results+json, text/turtle;q=0.9" }, body: $("query").value });
}
function namedUrl(format) {
  const q = catalogue[$("named").selectedIndex - 1];
  const params = new URLSearchParams();
  for (const p of q.params) { const v = $("p-" + p.name).value.trim(); if (v) params.set(p.name, v); }
  if (format) params.set("format", format);
  return "queries/" + encodeURIComponent(q.name) + "?" + params.toString();
}
function runNamed() { if ($("named").selectedIndex > 0) run(namedUrl(null), { headers: { "Accept": "application/sparql-results+json" } }); }
async function downloadCsv() {
  let res;
  if ($("named").selectedIndex > 0 && last && String(last.url).startsWith("queries/")) res = await fetch(namedUrl("csv"));
  else res = await fetch("sparql?format=csv", { method: "POST", headers: { "Content-Type": "application/sparql-query" },
    body: $("query").value });
  if (!res.ok) { setStatus("HTTP " + res.status + "\n" + await res.text(), true); return; }
  const blob = new Blob(["\ufeff", await res.blob()], { type: "text/csv;charset=utf-8" });
  const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = "result.csv";
  document.body.append(a); a.click(); a.remove();
}
function showNamed() {
  const box = $("params"); box.replaceChildren(); $("desc").textContent = "";
  const i = $("named").selectedIndex; if (i === 0) return;
  const q = catalogue[i - 1]; $("desc").textContent = q.description;
  for (const p of q.params) {
    const l = document.createElement("label"); l.textContent = p.name + (p.optional ? "（可选 / optional）" : "") + " — " + p.description;
    const inp = document.createElement("input"); inp.id = "p-" + p.name; inp.name = p.name;
    box.append(l, inp);
  }
}
async function init() {
  $("run").addEventListener("click", runText);
  $("runNamed").addEventListener("click", runNamed);
  $("csv").addEventListener("click", downloadCsv);
  $("named").addEventListener("change", showNamed);
  $("query").addEventListener("keydown", (e) => { if ((e.ctrlKey || e.metaKey) && e.key === "Enter") runText(); });
  try {
    catalogue = await (await fetch("queries")).json();
    for (const q of catalogue) { const o = document.createElement("option"); o.textContent = q.name; o.title = q.description; $("named").append(o); }
  } catch (e) { setStatus("无法读取命名查询 / cannot read the named queries: " + e, true); }
  // a link ending in #query=… opens with that query and runs it (shareable questions)
  const shared = new URLSearchParams(location.hash.slice(1)).get("query");
  if (shared) { $("query").value = shared; runText(); }
}
init();
"""


def _page(timeout, limit):
    """The query page and its Content-Security-Policy (scripts and styles allowed by hash only)."""
    def digest(text):
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"

    page = f"""<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>chainkg SPARQL 查询 / query</title>
<style>{_STYLE}</style>
</head>
<body>
<header><h1>chainkg SPARQL 查询 / query</h1>
<p>只读 / read-only · 超时 / timeout {timeout:g} s · 最多 / at most {limit} 行 / rows · 不支持 SERVICE、FROM、更新 / no SERVICE, FROM or updates</p></header>
<main>
<section>
<h2>命名查询 / named queries</h2>
<select id="named"><option>（选择 / choose）</option></select>
<div id="desc"></div>
<div id="params"></div>
<button id="runNamed">运行 / run</button>
</section>
<section>
<h2>SPARQL</h2>
<textarea id="query" spellcheck="false">{html.escape(_EXAMPLE)}</textarea>
<button id="run">运行 / run (Ctrl+Enter)</button><button id="csv" class="alt">下载 CSV / download CSV</button>
<div id="status"></div>
<div class="wrap" id="result"></div>
</section>
</main>
<script>{_SCRIPT}</script>
</body>
</html>
"""
    csp = (f"default-src 'none'; script-src {digest(_SCRIPT)}; style-src {digest(_STYLE)}; connect-src 'self'; "
           "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
    return page.encode("utf-8"), csp
