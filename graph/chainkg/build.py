"""Compile a dataset folder to a validated graph and write it atomically."""
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import DataError, Problem
from .ingest.chains import read_templates
from .ingest.tables import read_dataset
from .ingest.text import squash
from .mapping import Notes, compile_dataset
from .resources import data_dir, default_dataset

__all__ = ["compile_folder", "write_atomic", "file_mode", "serialize", "BuildResult", "build"]


@dataclass
class BuildResult:
    graph: object
    notes: Notes
    report: object = None  # chainkg.validate.Report


def _source_texts(root: Path, sources) -> dict:
    texts, problems = {}, []
    for r in sources:
        name = r.get("file")
        if not name:
            continue
        path = root / "sources" / name
        if not path.is_file():
            problems.append(r.problem("file", f"找不到来源文件 sources/{name}", f"source file sources/{name} not found"))
            continue
        try:
            texts[r.get("id")] = squash(path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError:
            problems.append(r.problem("file", f"来源文件 sources/{name} 不是 UTF-8", f"source file sources/{name} is not UTF-8"))
    if problems:
        raise DataError(problems)
    return texts


def compile_folder(folder=None, chains=None):
    """Read and compile the dataset *folder* (default: the Chaoyang data) with the chain templates.

    Returns ``(graph, notes)``; raises :class:`chainkg.errors.DataError`.
    """
    root = Path(folder) if folder else default_dataset()
    chains = Path(chains) if chains else data_dir() / "chains"
    tables = read_dataset(root)
    templates = read_templates(chains) if chains.is_dir() else []
    texts = _source_texts(root, tables["sources"])
    return compile_dataset(root.name, tables, templates, texts)


def serialize(graph, fmt="turtle") -> bytes:
    """Serialise deterministically: the same graph gives the same bytes."""
    if fmt in ("nt", "ntriples"):
        lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
        return ("\n".join(sorted(l for l in lines if l.strip())) + "\n").encode("utf-8")
    if fmt in ("jsonld", "json-ld"):
        return graph.serialize(format="json-ld", encoding="utf-8", sort_keys=True, indent=1)
    return graph.serialize(format="turtle", encoding="utf-8")


def file_mode(path) -> int:
    """The mode a rewrite of *path* should have: its current mode, or the usual one for new files."""
    path = Path(path)
    if path.exists():
        return path.stat().st_mode & 0o777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_atomic(path, data: bytes) -> None:
    """Write *data* to *path* via a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)  # mkstemp makes the file private; readers of maps and reports need the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build(folder=None, out=None, chains=None, validate=True) -> BuildResult:
    """Compile, validate and (when *out* is given) write Turtle atomically; nothing is written on failure."""
    graph, notes = compile_folder(folder, chains)
    report = None
    if validate:
        from .validate import validate_graph

        report = validate_graph(graph)
        if not report.conforms:
            raise DataError([Problem(str(folder or "data"), None, None, v.zh, v.en) for v in report.violations])
    if out:
        write_atomic(out, serialize(graph))
    return BuildResult(graph, notes, report)
