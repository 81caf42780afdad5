"""``chainkg synth`` and ``chainkg load``: synthetic data at scale, and the on-disk Oxigraph store.

Only click is imported at module level; the generator and pyoxigraph load inside the commands.
"""
import time
from pathlib import Path

import click

from ..cli import cli, note, user_errors

__all__ = ["synth", "load"]


@cli.command()
@click.option("--zones", type=click.IntRange(min=3), default=None, help="Zones, the province included (default 30).")
@click.option("--enterprises", type=click.IntRange(min=0), default=None, help="Enterprises (default 1000).")
@click.option("--projects", type=click.IntRange(min=0), default=None, help="Projects (default 500).")
@click.option("--chains", type=click.IntRange(min=0), default=0,
              help="Reference chains, 8–24 links each (0: 8 + zones/10, at most 80).")
@click.option("--triples", type=click.IntRange(min=1000), default=None,
              help="Choose zones, enterprises, projects and chains for about this many triples instead.")
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed gives byte-identical output.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="File to write: .nt (N-Triples) or .ttl (Turtle).")
@user_errors
def synth(zones, enterprises, projects, chains, triples, seed, output):
    """Generate a synthetic graph shaped like real data (same ontology and IRIs as `chainkg build`).

    A province with cities, counties and development zones; reference chains with staged links and
    feedsInto edges; enterprises covering 1–3 links, lead roles, projects with amounts and statuses;
    Chinese and English labels and a source and quote for every fact. For benchmarks and scale tests.

    \b
    chainkg synth --zones 300 --enterprises 20000 --projects 10000 --seed 1 -o build/synth.nt
    chainkg synth --triples 1000000 -o build/synth-1e6.nt
    """
    from ..errors import DataError, Problem
    from ..synth import SynthParams, params_for_triples, write_synth

    if triples is not None:
        if any(x is not None for x in (zones, enterprises, projects)) or chains:
            raise DataError([Problem("--triples", None, None, "--triples 不能与 --zones/--enterprises/--projects/--chains 同用",
                                     "--triples cannot be combined with --zones/--enterprises/--projects/--chains")])
        params = params_for_triples(triples, seed)
    else:
        params = SynthParams(30 if zones is None else zones, 1000 if enterprises is None else enterprises,
                             500 if projects is None else projects, chains, seed)
    started = time.perf_counter()
    count = write_synth(output, params)
    note(f"写入 / wrote {output}: {count} triples ({params.zones} zones, {params.n_chains()} chains, "
         f"{params.enterprises} enterprises, {params.projects} projects, seed {params.seed}) "
         f"in {time.perf_counter() - started:.1f} s")


@cli.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--store", "target", default=None, metavar="PATH|URL",
              help="Folder of the on-disk store (default: build/store), or a SPARQL server's query URL.")
@click.option("--validate/--no-validate", default=True, show_default=True,
              help="Check the data against the shapes (as SPARQL on the new store) before it replaces the old one.")
@user_errors
def load(file, target, validate):
    """Bulk-load an RDF file (default: build/chaoyang.ttl) and the ontology into a store.

    The on-disk store is built beside the old one and renamed into place when complete and valid, so
    a bad file leaves the old store untouched. Other commands read it with `--store build/store` (or
    CHAINKG_STORE=build/store), opening it in milliseconds whatever its size.

    \b
    chainkg load build/synth.nt
    chainkg query -n zone-chains --store build/store
    """
    from ..errors import DataError, Problem
    from ..store import DEFAULT_GRAPH, DEFAULT_STORE, load_store

    source = Path(file) if file else DEFAULT_GRAPH
    if file is None and not source.is_file():
        raise DataError([Problem(str(source), None, None, "没有可载入的文件：请先运行 chainkg build，或指定文件",
                                 "nothing to load: run chainkg build first, or name a file")])
    target = target or str(DEFAULT_STORE)
    started = time.perf_counter()
    info = load_store(source, target, check=_report_or_raise if validate else None)
    if "url" in info:  # a SPARQL server
        note(f"载入 / loaded {info['triples']} triples into {info['url']} ({info['method']}) "
             f"in {time.perf_counter() - started:.1f} s")
        return
    note(f"载入 / loaded {source} into {target}: {info['triples']} triples (+ {info['ontology_triples']} of the "
         f"ontology) in {time.perf_counter() - started:.1f} s")


def _report_or_raise(graph):
    """Validate the freshly loaded store; violations abort the load."""
    from ..shacl_sparql import validate_store

    note("校验 / validating …")
    report = validate_store(graph)
    if not report.conforms:
        _raise(report)


def _raise(report):
    from ..errors import DataError, Problem

    shown = report.violations[:200]
    problems = [Problem(v.focus, None, v.check, v.zh, v.en) for v in shown]
    if len(report.violations) > len(shown):
        rest = len(report.violations) - len(shown)
        problems.append(Problem("…", None, None, f"另有 {rest} 处未列出", f"{rest} more not listed"))
    raise DataError(problems)
