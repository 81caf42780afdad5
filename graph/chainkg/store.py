"""Open the graph a command works on: a built RDF file, or the default dataset compiled on the fly."""
from pathlib import Path

from .errors import DataError, Problem

__all__ = ["DEFAULT_GRAPH", "open_graph"]

#: Where ``chainkg build`` writes the Chaoyang graph by default (relative to the working directory).
DEFAULT_GRAPH = Path("build") / "chaoyang.ttl"


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
