"""Run SPARQL queries safely: the guard, named queries with bound parameters, timeouts, limits, output.

Every query a user writes goes through :func:`guard` first: it is parsed with rdflib's SPARQL parser
and refused if it is an update (``INSERT``, ``LOAD`` …), calls ``SERVICE``, or names a dataset with
``FROM`` / ``FROM NAMED`` (both rdflib and Oxigraph would fetch URLs for those: SSRF on a server).
Named queries live in ``chainkg/queries/*.rq``; their parameters are bound as escaped RDF terms in the
query's own ``VALUES ?param_x { UNDEF }`` line, never pasted in as text.

A query runs in a worker process (:class:`QueryEngine`) that is killed when the timeout passes: a
running pyoxigraph query ignores signals, and an rdflib one holds the GIL. Results are cut at a row
limit; both are configurable.

Examples
--------
>>> guard("SELECT ?s WHERE { ?s ?p ?o }").form
'SELECT'
>>> guard("LOAD <http://example.com/data.ttl>")
Traceback (most recent call last):
...
chainkg.query.QueryForbidden: 查询 / query: 只读：拒绝执行更新操作 LOAD / read-only: LOAD is an update and is refused
"""
import csv
import dataclasses
import functools
import io
import json
import multiprocessing
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .errors import DataError, Problem
from .textgrid import align, display_width

__all__ = [
    "DEFAULT_TIMEOUT", "DEFAULT_LIMIT", "MAX_QUERY_CHARS", "FORMATS",
    "QueryRefused", "QueryForbidden", "QueryFailed", "QueryTimeout", "QueryBusy", "Guarded", "guard",
    "Param", "NamedQuery", "named_queries", "named_query", "sparql_term", "bind_parameters",
    "QueryResult", "QueryEngine", "run_query", "plain_value", "write_result", "result_bytes",
]

#: Seconds a query may run before its worker is killed.
DEFAULT_TIMEOUT = 30.0
#: Rows (or triples) a query may return; more are cut and the result is marked truncated.
DEFAULT_LIMIT = 10_000
#: Longer query texts are refused before parsing (the parser is slow on huge inputs).
MAX_QUERY_CHARS = 100_000
#: Output formats of :func:`write_result`.
FORMATS = ("table", "csv", "json", "xlsx", "ttl")

QUERY_DIR = Path(__file__).resolve().parent / "queries"
_LABEL = "查询 / query"


class QueryRefused(DataError):
    """The guard refused the query (update, SERVICE, FROM, or not SPARQL at all)."""


class QueryForbidden(QueryRefused):
    """The query asks for something read-only serving never does: an update, SERVICE, FROM."""


class QueryFailed(DataError):
    """The engine or the store failed while running an accepted query."""


class QueryTimeout(DataError):
    """The query ran past its timeout and its worker was killed."""


class QueryBusy(DataError):
    """No worker became free before the timeout (a server under load)."""


def _refuse(zh, en, where=_LABEL, row=None, cls=QueryRefused):
    return cls([Problem(where, row, None, zh, en)])


# ---------------------------------------------------------------------------------------------- guard
_QUERY_FORMS = {"SelectQuery": "SELECT", "ConstructQuery": "CONSTRUCT", "AskQuery": "ASK", "DescribeQuery": "DESCRIBE"}
_UPDATE_NAMES = {"Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE", "Add": "ADD", "Move": "MOVE",
                 "Copy": "COPY", "InsertData": "INSERT DATA", "DeleteData": "DELETE DATA", "DeleteWhere": "DELETE WHERE",
                 "Modify": "DELETE/INSERT"}


@dataclass(frozen=True)
class Guarded:
    """A query the guard accepted: its form and the exact text to run (Unicode escapes expanded, so
    every engine runs what the guard read)."""

    form: str
    text: str


def _walk(node):
    """Yield every CompValue of an rdflib parse tree."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, CompValue):
            yield x
            stack.extend(x.values())
        elif isinstance(x, (list, tuple, ParseResults)):
            stack.extend(x)


def guard(text, where=_LABEL) -> Guarded:
    """Parse *text* with rdflib's SPARQL parser; refuse updates, SERVICE, FROM and FROM NAMED.

    Returns a :class:`Guarded`; raises :class:`QueryRefused` naming the reason in Chinese and English
    (and the line, for a syntax error). *where* names the query's origin in messages.

    Examples
    --------
    >>> guard("ASK { ?s ?p ?o }").form
    'ASK'
    >>> guard("SELECT * FROM <http://example.com/g> WHERE { ?s ?p ?o }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    chainkg.query.QueryForbidden: ...FROM / FROM NAMED...
    >>> guard("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    chainkg.query.QueryForbidden: ...SERVICE...
    """
    if not isinstance(text, str) or not text.strip():
        raise _refuse("查询为空", "the query is empty", where)
    if len(text) > 20_000:  # not worth remembering
        try:
            return _check(text, where)
        except RecursionError:
            raise _refuse("查询嵌套过深", "the query is nested too deeply", where) from None
    verdict = _verdict(text)
    if isinstance(verdict, Guarded):
        return verdict
    raise type(verdict)([dataclasses.replace(p, file=where) for p in verdict.problems])


@functools.lru_cache(maxsize=1024)
def _verdict(text):
    """The guard's answer for *text*: a :class:`Guarded` or the refusal (remembered: the parser takes
    tens of milliseconds, and servers see the same queries again and again)."""
    try:
        return _check(text, _LABEL)
    except QueryRefused as exc:
        exc.__traceback__ = None  # keep no frames alive in the cache
        return exc


# Words that only a dataset clause, SERVICE or an update can use; a bare one in a query is refused.
_FORBIDDEN_WORDS = frozenset({"SERVICE", "FROM", "LOAD", "INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE",
                              "COPY", "WITH", "USING"})
# The SPARQL 1.1 grammar's terminals, as far as finding bare words needs them: a comment ends at CR or
# LF (rdflib's parser only knows LF, Oxigraph both: the bypass this second reading would have caught).
_LEXEME = re.compile(r"""
    (?P<space>[ \t\r\n]+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>"{3}(?:"{0,2}(?:[^"\\]|\\.))*"{3} | '{3}(?:'{0,2}(?:[^'\\]|\\.))*'{3}
              | "(?:[^"\\\r\n]|\\.)*" | '(?:[^'\\\r\n]|\\.)*')
  | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F\u2040]*)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[^\W\d][\w.\-\u00B7]*)?:(?:[\w.\-:%\u00B7]|\\.)*)
  | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


def bare_words(text):
    """The bare words (keywords, function names) of *text*, upper-cased, found by the SPARQL grammar's
    own rules for comments, strings, IRIs, variables and prefixed names.

    Examples
    --------
    >>> sorted(bare_words("SELECT ?service WHERE { ?s ex:from 'LOAD' . # SERVICE\\rSERVICE <u> {} }"))
    ['SELECT', 'SERVICE', 'WHERE']
    """
    return {m.group().upper() for m in _LEXEME.finditer(text) if m.lastgroup == "word"}


def _normalize(text, where):
    """The text every engine will run: ``\\u`` escapes expanded (SPARQL applies them before parsing;
    rdflib does, Oxigraph 0.5 does not), line ends as LF (a bare CR ends a comment for Oxigraph but
    not for rdflib), the project's prefixes declared."""
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    try:
        expanded = expandUnicodeEscapes(text)
        if expanded != text and expandUnicodeEscapes(expanded) != expanded:
            raise _refuse("查询中的 \\u 转义展开后仍含 \\u 转义，含义不明确", "the query's \\u escapes expand to more \\u escapes: ambiguous",
                          where)
    except ValueError as exc:
        raise _refuse(f"无效的 Unicode 转义：{exc}", f"invalid Unicode escape: {exc}", where) from None
    return with_default_prefixes(re.sub(r"\r\n?", "\n", expanded))


# rdflib's pyparsing grammar is not thread-safe: two threads parsing at once (a server's first
# requests) get errors such as "expandTriples() missing 1 required positional argument".
_PARSER_LOCK = threading.Lock()


def _check(text, where) -> Guarded:
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    if len(text) > MAX_QUERY_CHARS:
        raise _refuse(f"查询过长（超过 {MAX_QUERY_CHARS} 个字符）", f"the query is longer than {MAX_QUERY_CHARS} characters", where)
    text = _normalize(text, where)  # parsed here and run by the engine, character for character
    try:
        with _PARSER_LOCK:
            tree = parseQuery(text)
    except ParseBaseException as exc:
        try:
            with _PARSER_LOCK:
                update = parseUpdate(text)
        except Exception:  # not an update either: report the query parser's error
            raise _refuse(f"SPARQL 语法错误（第{exc.lineno}行第{exc.col}列）：{exc.msg}",
                          f"SPARQL syntax error at line {exc.lineno}, column {exc.col}: {exc.msg}", where, exc.lineno) from None
        ops = [_UPDATE_NAMES.get(op.name, op.name) for op in update.get("request", [])] or ["UPDATE"]
        raise _refuse(f"只读：拒绝执行更新操作 {', '.join(ops)}", f"read-only: {', '.join(ops)} is an update and is refused",
                      where, cls=QueryForbidden) from None
    except RecursionError:
        raise _refuse("查询嵌套过深", "the query is nested too deeply", where) from None
    except Exception as exc:  # rdflib raises assorted errors for malformed IRIs, prefixes …
        raise _refuse(f"无法解析查询：{exc}", f"cannot parse the query: {exc}", where) from None
    form = None
    for node in _walk(tree):
        if node.name == "ServiceGraphPattern":
            raise _refuse("拒绝执行 SERVICE（联邦查询会让服务器向其他地址发出请求）",
                          "SERVICE is refused (a federated query would make the server send requests elsewhere)", where,
                          cls=QueryForbidden)
        if node.name == "DatasetClause":
            raise _refuse("拒绝执行 FROM / FROM NAMED（可能从网络加载数据）；请直接查询默认图",
                          "FROM / FROM NAMED is refused (it could load data from the network); query the default graph",
                          where, cls=QueryForbidden)
        form = form or _QUERY_FORMS.get(node.name)
    if form is None:  # pragma: no cover - parseQuery only accepts the four forms
        raise _refuse("不是 SELECT、ASK、CONSTRUCT 或 DESCRIBE 查询", "not a SELECT, ASK, CONSTRUCT or DESCRIBE query", where)
    # A second, independent reading by the grammar's lexical rules: a forbidden word that the parse
    # tree has no place for means two readings of the text disagree; refuse rather than guess.
    stray = ", ".join(sorted(bare_words(text) & _FORBIDDEN_WORDS))
    if stray:
        raise _refuse(f"查询中含有 {stray}，解析结果中却没有：两种读法不一致，拒绝执行（SERVICE、FROM 与更新一律不允许）",
                      f"the query contains {stray} where the parser saw none: two readings disagree, so it is refused "
                      "(SERVICE, FROM and updates are never allowed)", where, cls=QueryForbidden)
    return Guarded(form, text)


# ---------------------------------------------------------------------------------------------- named queries
_HEADER = re.compile(r"^#\s*(description|param)\b\s*(.*)$")
_PARAM = re.compile(r"^(\w+)\s*(?:\(([^)]*)\))?\s*:\s*(.*)$")
_PARAM_TYPES = ("string", "integer", "decimal", "iri")


@dataclass(frozen=True)
class Param:
    """One parameter of a named query: ``# param NAME (TYPE, optional): description``."""

    name: str
    type: str = "string"
    optional: bool = False
    description: str = ""

    @property
    def placeholder(self):
        return re.compile(r"VALUES\s+\?param_" + re.escape(self.name) + r"\s*\{\s*UNDEF\s*\}")


@dataclass(frozen=True)
class NamedQuery:
    """A query of the library: its name (the file stem), one-line description, parameters and text."""

    name: str
    description: str
    params: tuple
    text: str
    path: Path = None

    def signature(self) -> str:
        """``zone chain [year]``: the parameters, optional ones in brackets."""
        return " ".join(f"[{p.name}]" if p.optional else p.name for p in self.params)


def _parse_named(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    description, params = "", []
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _HEADER.match(line)
        if not m:
            continue
        if m.group(1) == "description":
            description = m.group(2).lstrip(":").strip()
            continue
        p = _PARAM.match(m.group(2))
        if not p:
            raise DataError([Problem(str(path), None, "param", "参数行格式应为“# param 名称 (类型, optional): 说明”",
                                     "a parameter line reads '# param NAME (TYPE, optional): description'")])
        opts = [o.strip() for o in (p.group(2) or "").split(",") if o.strip()]
        types = [o for o in opts if o in _PARAM_TYPES]
        params.append(Param(p.group(1), types[0] if types else "string", "optional" in opts, p.group(3).strip()))
    return NamedQuery(path.stem, description, tuple(params), text, path)


def named_queries(folder=None) -> dict:
    """The named queries of *folder* (default: the package's ``queries/``), by name, sorted.

    Examples
    --------
    >>> q = named_queries()["enterprises-of-zone-chain"]
    >>> [p.name for p in q.params]
    ['zone', 'chain']
    """
    folder = Path(folder) if folder else QUERY_DIR
    return {p.stem: _parse_named(p) for p in sorted(folder.glob("*.rq"))}


def named_query(name, folder=None) -> NamedQuery:
    """The named query *name*; an unknown name is a :class:`DataError` that suggests the closest one."""
    import difflib

    queries = named_queries(folder)
    if name in queries:
        return queries[name]
    close = difflib.get_close_matches(name, list(queries), n=1, cutoff=0.4)
    hint_zh, hint_en = (f"；您是否指 {close[0]}？", f"; did you mean {close[0]}?") if close else ("", "")
    raise DataError([Problem("--name", None, None, f"没有名为 {name} 的查询{hint_zh}（chainkg query --list 列出全部）",
                             f"no named query {name}{hint_en} (chainkg query --list shows them all)")])


def _escape_string(value: str) -> str:
    # One-line form with every ECHAR escaped: rdflib's Literal.n3() picks a triple-quoted form for
    # multi-line text and emits invalid SPARQL when the text ends in a backslash and a quote.
    if re.search(r"\\[uU]", value):
        # SPARQL expands \u escapes before parsing, and engines disagree on whether an escaped
        # backslash protects them (rdflib: no; Oxigraph: yes): such text has no portable spelling
        raise ValueError("a backslash followed by u or U cannot be written portably in SPARQL")
    table = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
    return '"' + "".join(table.get(c, c) for c in value) + '"'


def sparql_term(term) -> str:
    """The SPARQL syntax of an rdflib term, safe to place in a query.

    Examples
    --------
    >>> from rdflib import Literal, URIRef
    >>> sparql_term(Literal('凌钢" } ; DROP ALL #'))
    '"凌钢\\\\" } ; DROP ALL #"'
    >>> sparql_term(Literal("朝阳", lang="zh"))
    '"朝阳"@zh'
    >>> sparql_term(Literal(2024))
    '"2024"^^<http://www.w3.org/2001/XMLSchema#integer>'
    >>> sparql_term(URIRef("https://w3id.org/chainkg/id/chaoyang/zone/龙城区"))
    '<https://w3id.org/chainkg/id/chaoyang/zone/龙城区>'
    """
    from rdflib import Literal, URIRef

    if isinstance(term, URIRef):
        return term.n3()  # rdflib refuses IRIs with spaces, quotes, <, > …
    if isinstance(term, Literal):
        out = _escape_string(str(term))
        if term.language:
            return f"{out}@{term.language}"
        if term.datatype is not None:
            return f"{out}^^{term.datatype.n3()}"
        return out
    raise TypeError(f"cannot bind {type(term).__name__}")


def _param_term(param: Param, raw: str, where: str):
    from rdflib import Literal, URIRef
    from rdflib.namespace import XSD

    from .ingest.text import normalize

    value = normalize(raw)
    if re.search(r"\\[uU]", value):
        raise DataError([Problem(where, None, param.name, f"参数 {param.name} 不能含“\\u”", f"parameter {param.name} must not contain '\\u'")])
    bad = DataError([Problem(where, None, param.name, f"参数 {param.name} 应为{ {'integer': '整数', 'decimal': '数值', 'iri': 'IRI'}.get(param.type, '文本')}，而不是“{raw}”",
                             f"parameter {param.name} must be {'an' if param.type in ('integer', 'iri') else 'a'} {param.type}, not '{raw}'")])
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise bad
        return Literal(int(value), datatype=XSD.integer)
    if param.type == "decimal":
        try:
            return Literal(Decimal(value), datatype=XSD.decimal)
        except ArithmeticError:
            raise bad from None
    if param.type == "iri":
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*", value):
            raise bad
        return URIRef(value)
    return Literal(value)


def bind_parameters(query: NamedQuery, values: dict) -> str:
    """The text of *query* with each parameter's ``VALUES ?param_x { UNDEF }`` bound to *values*.

    Values are normalised (NFKC, trimmed), converted to the parameter's type and written as escaped
    RDF terms; an optional parameter left out stays ``UNDEF`` (matches anything). Unknown or missing
    parameters are a :class:`DataError` listing the ones the query takes.

    Examples
    --------
    >>> q = named_queries()["enterprises-of-zone-chain"]
    >>> text = bind_parameters(q, {"zone": "朝阳喀左经济开发区", "chain": "半导体产业链"})
    >>> 'VALUES ?param_zone { "朝阳喀左经济开发区" }' in text
    True
    """
    where = f"queries/{query.name}.rq"
    known = {p.name: p for p in query.params}
    problems = [Problem(where, None, k, f"未知参数 {k}（可用：{query.signature() or '无'}）",
                        f"unknown parameter {k} (this query takes: {query.signature() or 'none'})")
                for k in values if k not in known]
    problems += [Problem(where, None, p.name, f"缺少参数 {p.name}：{p.description}", f"missing parameter {p.name}: {p.description}")
                 for p in query.params if not p.optional and not str(values.get(p.name) or "").strip()]
    if problems:
        raise DataError(problems)
    text = query.text
    for p in query.params:
        if len(p.placeholder.findall(text)) != 1:
            raise DataError([Problem(where, None, p.name, f"查询中应恰有一行 VALUES ?param_{p.name} {{ UNDEF }}",
                                     f"the query must contain exactly one VALUES ?param_{p.name} {{ UNDEF }}")])
        raw = values.get(p.name)
        if raw is None or not str(raw).strip():
            continue
        term = sparql_term(_param_term(p, str(raw), where))
        text = p.placeholder.sub(lambda _m, t=term, n=p.name: f"VALUES ?param_{n} {{ {t} }}", text)
    return text


# ---------------------------------------------------------------------------------------------- results
@dataclass
class QueryResult:
    """What a query returned, as rdflib terms (``None`` for an unbound cell)."""

    form: str
    columns: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # tuples, in column order; triples for CONSTRUCT/DESCRIBE
    boolean: bool = None
    truncated: bool = False
    elapsed: float = 0.0

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")

    def values(self):
        """Rows as plain Python values (see :func:`plain_value`): what tests and notebooks compare."""
        if self.form == "ASK":
            return self.boolean
        return [tuple(plain_value(v) for v in row) for row in self.rows]


_NUMERIC = {"integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
            "positiveInteger", "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong"}


def _number_text(value) -> str:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(value.quantize(Decimal(1)))
        return format(value.normalize(), "f")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def plain_value(term):
    """A term as plain Python: IRIs and strings as ``str``, numbers as ``int``/``Decimal``/``float``.

    Engines write the same number differently (``1.5E9`` or ``1500000000``); this is the form every
    output and comparison uses.

    Examples
    --------
    >>> from rdflib import Literal, URIRef
    >>> from rdflib.namespace import XSD
    >>> plain_value(Literal("1.50E9", datatype=XSD.decimal))
    Decimal('1500000000')
    >>> plain_value(Literal("凌钢", lang="zh")), plain_value(URIRef("http://e/x")), plain_value(None)
    ('凌钢', 'http://e/x', None)
    """
    from rdflib import Literal

    if term is None:
        return None
    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype).rsplit("#", 1)[-1] in _NUMERIC:
        value = term.toPython()
        if isinstance(value, Decimal):
            return Decimal(_number_text(value))
        if isinstance(value, (int, float)):
            return value
    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype).endswith("#boolean"):
        return bool(term.toPython())
    return str(term)


def _cell(term, abbreviate=False) -> str:
    v = plain_value(term)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float, Decimal)):
        return _number_text(v)
    if abbreviate:
        from rdflib import URIRef

        from .namespaces import PREFIXES

        if isinstance(term, URIRef):
            for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(str(kv[1]))):
                if v.startswith(str(ns)):
                    return f"{prefix}:{v[len(str(ns)):]}"
    return v


def _table(result: QueryResult) -> str:
    if result.form == "ASK":
        return ("true" if result.boolean else "false") + "\n"
    header = list(result.columns)
    body = [[_cell(v, abbreviate=True).replace("\n", " ") for v in row] for row in result.rows]
    return "\n".join(align([header] + body, rule=True)) + "\n"


def _sparql_json(result: QueryResult) -> dict:
    from rdflib import BNode, Literal, URIRef

    if result.form == "ASK":
        return {"head": {}, "boolean": bool(result.boolean)}

    def term(t):
        if isinstance(t, URIRef):
            return {"type": "uri", "value": str(t)}
        if isinstance(t, BNode):
            return {"type": "bnode", "value": str(t)}
        if isinstance(t, Literal):
            out = {"type": "literal", "value": _cell(t)}
            if t.language:
                out["xml:lang"] = t.language
            elif t.datatype is not None:
                out["datatype"] = str(t.datatype)
            return out
        return {"type": "literal", "value": str(t)}

    bindings = [{c: term(v) for c, v in zip(result.columns, row) if v is not None} for row in result.rows]
    return {"head": {"vars": list(result.columns)}, "results": {"bindings": bindings}}


def _graph(result: QueryResult):
    from rdflib import Graph

    from .namespaces import bind_prefixes

    g = bind_prefixes(Graph())
    for t in result.rows:
        g.add(t)
    return g


def _xlsx(result: QueryResult) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "result"
    if result.form == "ASK":
        ws.append(["ask"])
        ws.append([bool(result.boolean)])
    else:
        ws.append(list(result.columns))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in result.rows:
            out = []
            for v in row:
                p = plain_value(v)
                # numbers stay numbers so Excel can sum them; everything else is text (no formulas)
                if isinstance(p, Decimal):
                    p = int(p) if p == p.to_integral_value() else float(p)
                elif isinstance(p, str):
                    p = _cell(v)
                out.append(p)
            ws.append(out)
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    c.data_type = "s"  # text from the graph must never become a formula
        ws.freeze_panes = "A2"
        for i, col in enumerate(result.columns, start=1):
            width = max([display_width(str(col))] + [display_width(_cell(r[i - 1])) for r in result.rows[:500]])
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(60, width + 2)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _excel_safe(text: str) -> str:
    # Excel runs a cell that starts with = + - @ as a formula: quote it (numbers are written bare)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def result_bytes(result: QueryResult, fmt: str, *, excel=True) -> bytes:
    """Serialise *result* in *fmt* (one of :data:`FORMATS`, or ``tsv``/``nt``).

    ``csv`` is for Excel by default: UTF-8 with a byte-order mark (Excel on Chinese Windows reads it)
    and text cells that Excel would run as formulas quoted with ``'``; ``excel=False`` gives the plain
    W3C SPARQL CSV results format. ``json`` is the SPARQL 1.1 JSON results format for SELECT/ASK and
    JSON-LD for graphs, both with Chinese kept as is; ``ttl`` is for CONSTRUCT and DESCRIBE only.

    Examples
    --------
    >>> from rdflib import Literal
    >>> r = QueryResult("SELECT", ["name", "value"], [(Literal("=1+1"), Literal(2))])
    >>> result_bytes(r, "csv")[:3] == "\ufeff".encode("utf-8")
    True
    >>> result_bytes(r, "csv").decode("utf-8-sig").splitlines()
    ['name,value', "'=1+1,2"]
    """
    if fmt == "ttl" or fmt == "nt":
        if not result.is_graph:
            raise DataError([Problem("--format", None, None, f"{fmt} 只适用于 CONSTRUCT / DESCRIBE 查询",
                                     f"{fmt} is for CONSTRUCT / DESCRIBE queries only")])
        return _graph(result).serialize(format="turtle" if fmt == "ttl" else "nt", encoding="utf-8")
    if fmt == "json":
        if result.is_graph:
            return _graph(result).serialize(format="json-ld", encoding="utf-8", ensure_ascii=False, indent=1).rstrip() + b"\n"
        return (json.dumps(_sparql_json(result), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(result)
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\r\n" if fmt == "csv" else "\n")
        if result.form == "ASK":
            writer.writerows([["ask"], ["true" if result.boolean else "false"]])
        else:
            writer.writerow(result.columns)
            safe = fmt == "csv" and excel
            writer.writerows([_excel_safe(_cell(v)) if safe and not isinstance(plain_value(v), (int, float, Decimal))
                              else _cell(v) for v in row] for row in result.rows)
        return (("\ufeff" if fmt == "csv" and excel else "") + buf.getvalue()).encode("utf-8")
    if fmt == "table":
        return _table(result).encode("utf-8")
    raise DataError([Problem("--format", None, None, f"未知格式 {fmt}", f"unknown format {fmt} (use {', '.join(FORMATS)})")])


def write_result(result: QueryResult, fmt: str, stream) -> None:
    """Write *result* to a binary *stream* in *fmt* (see :func:`result_bytes`)."""
    stream.write(result_bytes(result, fmt))


# ---------------------------------------------------------------------------------------------- execution
def _from_oxigraph(term):
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value, datatype=None if dt.endswith("#string") else URIRef(dt))
    raise TypeError(f"unsupported term {term!r}")  # RDF-star triples are not used by chainkg


_DECLARED = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?\s*:", re.IGNORECASE)


def with_default_prefixes(text: str) -> str:
    """*text* with ``PREFIX`` lines for the project's prefixes (ck:, skos:, prov: …) it uses but does not
    declare: rdflib takes them from the graph, but Oxigraph and remote servers need them in the query.

    Examples
    --------
    >>> print(with_default_prefixes("PREFIX ck: <urn:x#> SELECT * { ?s skos:prefLabel ?o }").splitlines()[0])
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    """
    from .namespaces import PREFIXES

    declared = {m.group(1) or "" for m in _DECLARED.finditer(text)}
    lines = [f"PREFIX {p}: <{ns}>" for p, ns in sorted(PREFIXES.items())
             if p not in declared and re.search(rf"(?<![\w<]){re.escape(p)}:", text)]
    return "\n".join(lines + [text]) if lines else text


def _refuse_service(ctx, part):
    """An rdflib custom evaluation that stops SERVICE (the second wall behind the guard)."""
    if part.name == "ServiceGraphPattern":
        raise _refuse("拒绝执行 SERVICE", "SERVICE is refused", cls=QueryForbidden)
    raise NotImplementedError  # every other part: rdflib's own evaluation


def _no_federation():
    """Turn federation off in rdflib's engine for this process: SERVICE raises, FROM loads nothing.
    (pyoxigraph has no such option; a worker's network namespace stands in for it.)"""
    import rdflib.plugins.sparql as sparql

    sparql.SPARQL_LOAD_GRAPHS = False
    sparql.CUSTOM_EVALS.setdefault("chainkg-no-service", _refuse_service)


def _isolate_network() -> bool:
    """Move this process into a network namespace of its own (Linux): afterwards no address, not even
    127.0.0.1, can be reached, whatever an engine is asked to do. Returns whether it worked (it needs a
    single-threaded process, and root or unprivileged user namespaces)."""
    import ctypes
    import socket
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        unshare = ctypes.CDLL(None, use_errno=True).unshare
    except (OSError, AttributeError):
        return False
    clone_newnet, clone_newuser = 0x40000000, 0x10000000
    for flags in (clone_newnet, clone_newuser | clone_newnet):  # root keeps its capabilities with the first
        if unshare(flags) == 0:
            return [name for _, name in socket.if_nameindex()] == ["lo"]
    return False


def _is_local(store) -> bool:
    """Whether a worker's store needs no network (anything but a remote SPARQL server)."""
    if isinstance(store, tuple):
        return store[0] == "ntriples" or not (store[0] and re.match(r"https?://", str(store[0]), re.I))
    return getattr(store, "kind", None) != "remote" and not hasattr(getattr(store, "store", None), "query_endpoint")


def _execute(handle, guarded: Guarded, limit: int) -> QueryResult:
    """Run a guarded query on an open store handle and cut the result at *limit* (0: no limit)."""
    _no_federation()
    guarded = Guarded(guarded.form, with_default_prefixes(guarded.text))
    started = time.perf_counter()
    cap = limit if limit and limit > 0 else None
    if hasattr(handle, "sparql_query"):  # chainkg.remote.Endpoint and similar
        result = handle.sparql_query(guarded.text, guarded.form)
    else:
        import pyoxigraph as ox

        if isinstance(handle, (ox.Store, _OxUnion)):
            if isinstance(handle, _OxUnion):
                raw = handle.inner.query(guarded.text, use_default_graph_as_union=True)
            else:
                raw = handle.query(guarded.text)
            if isinstance(raw, ox.QueryBoolean):
                result = QueryResult("ASK", boolean=bool(raw))
            elif isinstance(raw, ox.QuerySolutions):
                cols = [v.value for v in raw.variables]
                rows = []
                for sol in raw:
                    if cap is not None and len(rows) > cap:
                        break
                    rows.append(tuple(_from_oxigraph(sol[i]) for i in range(len(cols))))
                result = QueryResult(guarded.form, cols, rows)
            else:
                rows = []
                for t in raw:
                    if cap is not None and len(rows) > cap:
                        break
                    rows.append((_from_oxigraph(t.subject), _from_oxigraph(t.predicate), _from_oxigraph(t.object)))
                result = QueryResult(guarded.form, ["subject", "predicate", "object"], rows)
        else:  # an rdflib Graph (in memory, Oxigraph behind oxrdflib, or a SPARQLStore)
            raw = handle.query(guarded.text)
            if raw.type == "ASK":
                result = QueryResult("ASK", boolean=bool(raw.askAnswer))
            elif raw.type == "SELECT":
                cols = [str(v) for v in raw.vars]
                rows = []
                for row in raw:
                    if cap is not None and len(rows) > cap:
                        break
                    rows.append(tuple(row))
                result = QueryResult("SELECT", cols, rows)
            else:
                result = QueryResult(guarded.form, ["subject", "predicate", "object"], sorted(raw.graph))
    if result.form != "ASK" and cap is not None and len(result.rows) > cap:
        result.rows = result.rows[:cap]
        result.truncated = True
    if result.is_graph:
        result.rows = sorted(result.rows)
    result.elapsed = time.perf_counter() - started
    return result


def _open_handle(store):
    """Open what a worker queries: ``(spec, graph_path)`` as ``--store``/``--graph`` give them, an
    N-Triples payload, or a live graph object (inherited by a forked worker)."""
    if isinstance(store, tuple) and store and store[0] == "ntriples":
        from rdflib import Graph

        return Graph().parse(data=store[1], format="nt")
    if not isinstance(store, tuple):
        return store
    spec, graph_path = store
    if spec and re.match(r"https?://", str(spec), re.I):
        from .remote import Endpoint

        return Endpoint(str(spec))
    from . import store as stores

    if not hasattr(stores, "open_store"):  # pragma: no cover - before the store module grew open_store
        return stores.open_graph(graph_path)
    graph = stores.open_store(spec, graph_path)
    inner = stores.ox_store(graph)
    # Oxigraph-backed: query pyoxigraph itself (no per-row conversion through oxrdflib), over the
    # union of the data (default graph) and the ontology (named graph), as the rdflib Graph reads it
    return _OxUnion(inner) if inner is not None else graph


class _OxUnion:
    """A pyoxigraph Store queried with the default graph as the union of all graphs."""

    def __init__(self, inner):
        self.inner = inner


def _problems_of(exc):
    if isinstance(exc, DataError):
        return type(exc).__name__, exc.problems
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:500]
    return "DataError", [Problem(_LABEL, None, None, f"查询执行失败：{first}", f"the query failed: {first}")]


def _worker_main(conn, store):
    """Worker process: open the store once, then answer (guarded, limit) requests until told to stop."""
    isolated = _is_local(store) and _isolate_network()  # first: while the process has a single thread
    try:
        handle = _open_handle(store)
    except BaseException as exc:  # report why the store would not open, then exit
        conn.send(("error", _problems_of(exc)))
        return
    conn.send(("ready", isolated))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if msg is None:
            return
        guarded, limit = msg
        try:
            conn.send(("ok", _execute(handle, guarded, limit)))
        except BaseException as exc:
            try:
                conn.send(("error", _problems_of(exc)))
            except Exception:  # pragma: no cover - the parent is gone
                return


# errors raised in a worker come back by class name; anything but a guard refusal means the run failed
_ERRORS = {"QueryRefused": QueryRefused, "QueryForbidden": QueryForbidden}


class _Worker:
    def __init__(self, ctx, store):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, store), daemon=True, name="chainkg-query")
        self.process.start()
        child.close()
        self.isolated = False

    def wait_ready(self):
        while not self.conn.poll(0.2):
            if not self.process.is_alive():
                self.process.join()
                raise DataError([Problem(_LABEL, None, None, "查询进程意外退出", "the query worker exited unexpectedly")])
        try:
            kind, payload = self.conn.recv()
        except EOFError:  # e.g. a script without `if __name__ == "__main__":` re-ran itself in the worker
            self.kill()
            raise DataError([Problem(_LABEL, None, None, "查询进程启动失败", "the query worker failed to start")]) from None
        if kind != "ready":
            self.kill()
            raise _ERRORS.get(payload[0], QueryFailed)(payload[1])
        self.isolated = bool(payload)

    def kill(self):
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self):
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(2)
        self.kill()


class QueryEngine:
    """A pool of worker processes that run guarded queries against one store, with a timeout each.

    Parameters
    ----------
    store : str, Path, rdflib.Graph or None
        What to query: a store as ``--store`` names it (``memory``, ``oxigraph``, the folder of an
        on-disk store, or an ``http(s)://`` SPARQL endpoint; ``None`` for the default, see
        :func:`chainkg.store.open_store`), or a live rdflib Graph (workers inherit it by ``fork``, or
        receive it as N-Triples where ``fork`` does not exist).
    graph_path : path or None
        The RDF file an in-memory store loads (``--graph``).
    workers : int
        Queries that may run at once.
    timeout : float
        Seconds a query may run; then its worker is killed and replaced.
    limit : int
        Rows kept per result (0: no limit).
    wait : float or None
        Seconds a query may wait for a free worker before :class:`QueryBusy` (default: *timeout*).
    max_waiting : int or None
        Queries that may wait for a worker at once; one more is refused at once with
        :class:`QueryBusy` (default: no bound).

    Notes
    -----
    Workers on a local store move into a network namespace of their own where Linux allows it
    (:attr:`isolated`): the engines in them cannot reach any address, whatever the query.
    Workers are started with ``spawn`` (``fork`` for a live graph), so a script that creates an
    engine must do so under ``if __name__ == "__main__":``, as for any use of multiprocessing.

    Examples
    --------
    >>> from rdflib import Graph, Literal, URIRef
    >>> g = Graph()
    >>> _ = g.add((URIRef("http://e/a"), URIRef("http://e/name"), Literal("凌钢")))
    >>> with QueryEngine(g, timeout=20) as engine:
    ...     engine.run("SELECT ?n WHERE { ?s <http://e/name> ?n }").values()
    [('凌钢',)]
    """

    def __init__(self, store=None, *, graph_path=None, workers=1, timeout=DEFAULT_TIMEOUT, limit=DEFAULT_LIMIT,
                 wait=None, max_waiting=None):
        self.timeout = float(timeout)
        self.limit = int(limit)
        self.wait = self.timeout if wait is None else float(wait)
        self.max_waiting = None if max_waiting is None else int(max_waiting)
        self._waiting = 0
        live = store is not None and not isinstance(store, (str, Path))
        self.store = store if live else (None if store is None else str(store), None if graph_path is None else str(graph_path))
        methods = multiprocessing.get_all_start_methods()
        if live and "fork" not in methods:
            from .build import serialize

            self.store, live = ("ntriples", serialize(store, "nt")), False
        self._ctx = multiprocessing.get_context("fork" if live else "spawn")
        self.local = _is_local(self.store)  # a local store needs no network: its workers get none
        self._idle = queue.Queue()
        self._lock = threading.Lock()
        self._all = []
        self._closed = False
        started = [self._spawn() for _ in range(max(1, int(workers)))]
        try:
            for w in started:
                w.wait_ready()
                self._idle.put(w)
        except BaseException:
            self.close()
            raise

    @property
    def isolated(self) -> bool:
        """Whether every worker runs without network access (see :func:`_isolate_network`)."""
        with self._lock:
            return bool(self._all) and all(w.isolated for w in self._all if w.process.is_alive())

    def _spawn(self):
        w = _Worker(self._ctx, self.store)
        with self._lock:
            self._all.append(w)
        return w

    def _replace(self, dead):
        with self._lock:
            if dead in self._all:
                self._all.remove(dead)
        dead.kill()
        if self._closed:
            return

        def start():
            try:
                w = self._spawn()
                w.wait_ready()
                self._idle.put(w)
            except Exception:  # pragma: no cover - the store stopped opening; later queries report busy
                pass

        threading.Thread(target=start, daemon=True).start()

    def _take_worker(self, where):
        """A free worker: at once if one is idle, else after waiting in line (bounded in length and time)."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            full = self.max_waiting is not None and self._waiting >= self.max_waiting
            self._waiting += not full
        if full:
            raise _refuse(f"服务器繁忙：已有 {self.max_waiting} 个查询在排队，请稍后再试",
                          f"busy: {self.max_waiting} queries are already waiting; try again shortly", where, cls=QueryBusy)
        try:
            return self._idle.get(timeout=max(0.0, self.wait))
        except queue.Empty:
            raise _refuse(f"服务器繁忙：{self.wait:g} 秒内没有空闲的查询进程", f"busy: no query worker became free within {self.wait:g} s",
                          where, cls=QueryBusy) from None
        finally:
            with self._lock:
                self._waiting -= 1

    def run(self, text, *, timeout=None, limit=None, where=_LABEL, guarded=None) -> QueryResult:
        """Guard *text*, run it on a free worker, and return a :class:`QueryResult`.

        Raises :class:`QueryRefused`, :class:`QueryTimeout`, :class:`QueryBusy` or
        :class:`DataError` (the engine's own error message, in both languages).
        """
        guarded = guarded or guard(text, where)
        timeout = self.timeout if timeout is None else float(timeout)
        limit = self.limit if limit is None else int(limit)
        worker = self._take_worker(where)
        deadline = time.monotonic() + timeout  # the clock starts when a worker has the query
        try:
            worker.conn.send((guarded, limit))
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    self._replace(worker)
                    worker = None
                    raise _refuse(f"查询超时（{timeout:g} 秒），已终止", f"the query timed out after {timeout:g} s and was stopped",
                                  where, cls=QueryTimeout)
                if worker.conn.poll(min(left, 0.5)):
                    break
                if not worker.process.is_alive():
                    self._replace(worker)
                    worker = None
                    raise _refuse("查询进程意外退出（内存不足？）", "the query worker died (out of memory?)", where, cls=QueryFailed)
            kind, payload = worker.conn.recv()
        except (EOFError, OSError):
            if worker is not None:
                self._replace(worker)
                worker = None
            raise _refuse("查询进程意外退出", "the query worker exited unexpectedly", where, cls=QueryFailed) from None
        finally:
            if worker is not None:
                self._idle.put(worker)
        if kind == "error":
            name, problems = payload
            raise _ERRORS.get(name, QueryFailed)(problems)
        return payload

    def close(self):
        """Stop every worker."""
        self._closed = True
        with self._lock:
            workers, self._all = list(self._all), []
        for w in workers:
            w.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def run_query(text, store=None, *, graph_path=None, timeout=DEFAULT_TIMEOUT, limit=DEFAULT_LIMIT,
              where=_LABEL) -> QueryResult:
    """Guard and run one query against *store* in a worker process (see :class:`QueryEngine`).

    The guard runs before any process starts, so a refused query costs nothing.
    """
    guarded = guard(text, where)
    with QueryEngine(store, graph_path=graph_path, workers=1, timeout=timeout, limit=limit) as engine:
        return engine.run(text, where=where, guarded=guarded)
