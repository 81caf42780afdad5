"""SHACL shapes plus the violation queries of ontology/checks, reported as one list."""
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataError, Problem
from .resources import check_files, ontology_file, shapes_files

__all__ = ["Violation", "Report", "validate_graph", "load_graph_file", "run_checks"]

_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".owl": "xml",
            ".xml": "xml", ".nq": "nquads", ".trig": "trig"}


@dataclass(frozen=True)
class Violation:
    focus: str
    check: str  # the shape property path or the check query's name
    zh: str
    en: str
    records: tuple = field(default=())  # data rows behind the focus node, e.g. projects/000.csv:5

    def __str__(self):
        where = f" [{', '.join(self.records)}]" if self.records else ""
        return f"{self.focus} ({self.check}){where}: {self.zh} / {self.en}"


@dataclass
class Report:
    violations: list

    @property
    def conforms(self) -> bool:
        return not self.violations

    def text(self) -> str:
        if self.conforms:
            return "符合约束 / conforms"
        n = len(self.violations)
        return "\n".join([f"{n} 处违反约束 / {n} violation{'s' if n != 1 else ''}:"] + [f"  - {v}" for v in self.violations])


def _split(message: str):
    zh, _, en = str(message).partition(" / ")
    return zh, en or zh


def _records(graph, node):
    from .namespaces import CK

    found = {str(r) for r in graph.objects(node, CK.record)}
    for ev in graph.objects(node, CK.evidence):
        found.update(str(r) for r in graph.objects(ev, CK.record))
    return tuple(sorted(found))


def _short(graph, node) -> str:
    from rdflib import URIRef

    if isinstance(node, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(node)
        except Exception:  # pragma: no cover - rdflib may refuse odd IRIs
            return str(node)
    return str(node)


def load_graph_file(path):
    """Parse an RDF file by its extension; malformed input becomes a :class:`DataError` naming the file."""
    from rdflib import Graph

    path = Path(path)
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DataError([Problem(str(path), None, None, f"不支持的文件类型 {path.suffix}",
                                 f"unsupported file type {path.suffix} (use .ttl, .nt or .jsonld)")])
    try:
        data = path.read_bytes()
        data.decode("utf-8")
        return Graph().parse(data=data, format=fmt)
    except FileNotFoundError:
        raise DataError([Problem(str(path), None, None, "文件不存在", "file does not exist")]) from None
    except UnicodeDecodeError as exc:
        raise DataError([Problem(str(path), None, None, f"文件不是 UTF-8 编码（第{exc.start}字节）",
                                 f"file is not UTF-8 (byte {exc.start})")]) from None
    except Exception as exc:  # rdflib raises several parser-specific types
        first = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise DataError([Problem(str(path), None, None, f"无法解析 {fmt}：{first}", f"cannot parse {fmt}: {first}")]) from None


def run_checks(graph) -> list[Violation]:
    """Run every ``ontology/checks/*-violation.rq``; each row it returns is a violation."""
    out = []
    for path in check_files():
        name = path.name[: -len("-violation.rq")]
        for row in graph.query(path.read_text(encoding="utf-8")):
            zh, en = _split(row.message)
            out.append(Violation(_short(graph, row.focus), name, zh, en, _records(graph, row.focus)))
    return out


def validate_graph(graph, checks=True) -> Report:
    """Validate *graph* against the shapes (with the ontology's class hierarchy) and the violation queries.

    pySHACL up to :data:`chainkg.shacl_sparql.PYSHACL_LIMIT` triples; above it (pySHACL takes 78 s and
    2.2 GiB at 10^6 triples) the same shapes compiled to SPARQL run on an Oxigraph store in memory.
    """
    from .shacl_sparql import PYSHACL_LIMIT

    if len(graph) > PYSHACL_LIMIT:
        return _validate_on_store(graph, checks)
    return _validate_with_pyshacl(graph, checks)


def _validate_on_store(graph, checks) -> Report:
    import tempfile

    from .build import serialize
    from .shacl_sparql import validate_store
    from .store import open_store

    with tempfile.TemporaryDirectory(prefix="chainkg-validate-") as tmp:
        path = Path(tmp) / "data.nt"
        path.write_bytes(serialize(graph, "nt"))
        return validate_store(open_store("oxigraph", path), checks=checks)


def _validate_with_pyshacl(graph, checks) -> Report:
    from pyshacl import validate
    from rdflib import Graph
    from rdflib.namespace import SH

    shapes = Graph()
    for path in shapes_files():
        shapes.parse(path, format="turtle")
    # The ontology's class hierarchy and status concepts are mixed in by hand: pyshacl's own mix-in
    # copies class axioms but not the typed individuals that sh:class needs.
    data = Graph()
    for triple in graph:
        data.add(triple)
    data.parse(ontology_file(), format="turtle")
    _, results, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True, abort_on_first=False)
    violations = []
    for result in results.subjects(SH.resultSeverity, SH.Violation):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        zh, en = _split(results.value(result, SH.resultMessage) or "")
        violations.append(Violation(_short(graph, focus), _short(graph, path) if path is not None else "shape",
                                    zh, en, _records(graph, focus)))
    if checks:
        violations.extend(run_checks(graph))
    return Report(sorted(set(violations), key=lambda v: (v.focus, v.check, v.en)))
