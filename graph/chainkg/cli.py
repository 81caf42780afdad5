"""The ``chainkg`` command: thin click commands over the library.

Heavy libraries (rdflib, pyshacl, networkx, pyvis) are imported inside the commands that need them, so
``chainkg --help`` stays fast.
"""
import functools
import sys
from pathlib import Path

import click

__all__ = ["cli"]


def user_errors(func):
    """Turn a :class:`chainkg.errors.DataError` into its report on stderr and exit status 1 (no traceback)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .errors import DataError

        try:
            return func(*args, **kwargs)
        except DataError as exc:
            click.echo(exc.report(), err=True)
            sys.exit(1)

    return wrapper


def graph_option(func):
    return click.option("--graph", "graph_path", type=click.Path(dir_okay=False), default=None,
                        help="RDF file to read (default: build/chaoyang.ttl, or the Chaoyang data compiled on the fly).")(func)


def source_options(func):
    """``--graph FILE`` and ``--store memory|oxigraph|PATH|URL``: where a command reads the graph.
    Open it with :func:`chainkg.store.open_store` (``store, graph_path``)."""
    from .store import store_option

    return store_option(graph_option(func))


def note(message):
    click.echo(message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chainkg")
def cli():
    """chainkg: a knowledge graph of regional industrial chains for investment promotion.

    产业链知识图谱：为招商人员展示建链、补链、延链、强链。
    """


@cli.command()
@click.option("--data", "data", type=click.Path(file_okay=False), default=None,
              help="Dataset folder (default: the bundled Chaoyang data, data/chaoyang).")
@click.option("--chains", type=click.Path(file_okay=False), default=None,
              help="Folder of reference chain templates (default: data/chains).")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Turtle file to write (default: build/<dataset>.ttl).")
@click.option("--no-validate", is_flag=True, help="Skip SHACL and the violation queries.")
@click.option("--store", "store", metavar="PATH|URL", default=None,
              help="Also load the built graph into an on-disk Oxigraph store (a folder, e.g. build/store) "
                   "or a SPARQL 1.1 server (its query URL, http://host:port/...).")
@user_errors
def build(data, chains, out, no_validate, store):
    """Compile a dataset to Turtle, validate it, and write it atomically.

    On any problem the report names file, row and field, the exit status is 1 and the previous output
    is left untouched.
    """
    from .build import build as run_build
    from .resources import default_dataset
    from .stats import class_counts

    folder = Path(data) if data else default_dataset()
    out = Path(out) if out else Path("build") / f"{folder.name}.ttl"
    note(f"编译 / compiling {folder} …")
    result = run_build(folder, out, chains, validate=not no_validate)
    counts = ", ".join(f"{k} {v}" for k, v in class_counts(result.graph)[:8])
    note(f"写入 / wrote {out}: {len(result.graph)} triples ({counts} …)")
    if result.notes.conflicts:
        note(f"记录了 {result.notes.conflicts} 处来源冲突 / recorded {result.notes.conflicts} conflicts between sources")
    if result.notes.unresolved_investors:
        note(f"{len(result.notes.unresolved_investors)} 个投资方尚未收录为企业 / investors not yet in the graph")
    if result.notes.unmatched_links:
        note(f"{len(result.notes.unmatched_links)} 个文中环节未对应到参考链 / named links not matched to a reference chain")
    if store:
        from .store import load_store

        info = load_store(out, store)
        note(f"载入 / loaded {info.get('triples', len(result.graph))} triples into {store}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@user_errors
def validate(files):
    """Check RDF files (Turtle, N-Triples, JSON-LD) against the shapes and violation queries."""
    from .validate import load_graph_file, validate_graph

    failed = False
    for name in files:
        report = validate_graph(load_graph_file(name))
        click.echo(f"{name}: {report.text()}")
        failed |= not report.conforms
    sys.exit(1 if failed else 0)


@cli.command()
@source_options
@user_errors
def stats(store, graph_path):
    """Counts per class and per source document."""
    from .stats import class_counts, source_counts
    from .store import data_graph, open_store

    graph = data_graph(open_store(store, graph_path))
    click.echo(f"三元组 / triples\t{len(graph)}")
    click.echo("\n类 / class\t数量 / count")
    for name, n in class_counts(graph):
        click.echo(f"{name}\t{n}")
    click.echo("\n来源 / source\t条目 / facts\t标题 / title")
    for sid, title, n in source_counts(graph):
        click.echo(f"{sid}\t{n}\t{title}")


@cli.command()
@source_options
@click.option("--format", "fmt", type=click.Choice(["ttl", "nt", "jsonld", "xlsx", "csv"]), default="ttl", show_default=True)
@click.option("-o", "--output", type=click.Path(), default=None,
              help="File to write (default: stdout); for csv, a folder (one CSV per table).")
@click.option("--data", type=click.Path(file_okay=False), default=None,
              help="xlsx/csv: dataset folder whose tables to export (default: data/chaoyang).")
@click.option("--chains", type=click.Path(file_okay=False), default=None, help="xlsx/csv: chain templates folder.")
@user_errors
def export(store, graph_path, fmt, output, data, chains):
    """Export the graph as Turtle, N-Triples or JSON-LD; or the dataset's tables with gaps and
    centrality as an Excel workbook (xlsx) or CSV files in the template's layout, ready to edit and import."""
    from .build import serialize, write_atomic
    from .store import data_graph, open_store

    if fmt in ("xlsx", "csv"):
        from .commands.exchange import export_tables

        return export_tables(fmt, output, data, chains)
    if output and Path(output).is_dir():
        raise click.UsageError(f"-o {output} is a folder")

    data = serialize(data_graph(open_store(store, graph_path)), {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}[fmt])
    if output:
        write_atomic(output, data)
        note(f"写入 / wrote {output}")
    else:
        sys.stdout.buffer.write(data)


# Commands of other topics live in chainkg/commands/<topic>.py; register each module here, one line each.
# (commands registered below)
from .commands import exchange as _exchange  # noqa: E402,F401
from .commands import analysis as _analysis  # noqa: E402,F401
from .commands import maps as _maps  # noqa: E402,F401
from .commands import sparql as _sparql  # noqa: E402,F401
from .commands import scale as _scale  # noqa: E402,F401


def main():  # pragma: no cover - console-script entry point
    cli()
