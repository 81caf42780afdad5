"""``chainkg gaps``, ``chainkg centrality`` and ``chainkg report``: thin commands over
:mod:`chainkg.project`, :mod:`chainkg.analysis` and :mod:`chainkg.reports`.

Only click is imported at module level; rdflib and networkx load inside the commands.
"""
import csv
import io
import json
import sys
from pathlib import Path

import click

from ..cli import cli, note, source_options, user_errors

__all__ = ["gaps", "centrality", "report", "format_rows"]

FORMATS = ("table", "csv", "json", "md")
GAP_COLUMNS = ("rank", "zone", "chain", "link", "link_label", "stage", "status", "priority", "gap_type_zh",
               "enterprises", "elsewhere", "projects", "leads_adjacent", "type_weight", "betweenness", "reach",
               "lead_adjacent", "status_weight", "reason", "reason_en")
TABLE_GAP_COLUMNS = ("zone", "chain", "rank", "link_label", "stage", "status", "priority", "gap_type_zh",
                     "enterprises", "reason")


def _cell(value, for_csv=False):
    if value is None:
        return ""
    if for_csv and isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        return "'" + value  # Excel would run it as a formula
    if isinstance(value, (list, tuple)):
        return "；".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def format_rows(rows, columns, fmt) -> str:
    """Rows (dicts) as ``table`` (aligned text; the last column unpadded), ``csv``, ``md`` or ``json``
    (a list of objects with every key of the rows, keys sorted, non-ASCII kept).

    Examples
    --------
    >>> print(format_rows([{"a": "甲", "b": 1.5}, {"a": "xyz", "b": None}], ["a", "b"], "table"), end="")
    a    b
    甲   1.5
    xyz
    >>> format_rows([{"a": "甲", "b": [1, 2]}], ["a", "b"], "json")
    '[\\n {\\n  "a": "甲",\\n  "b": [\\n   1,\\n   2\\n  ]\\n }\\n]\\n'
    """
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([_cell(r.get(c), for_csv=True) for c in columns])
        return buf.getvalue()
    if fmt == "md":
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        for r in rows:
            lines.append("| " + " | ".join(_cell(r.get(c)).replace("|", "\\|").replace("\n", " ") for c in columns) + " |")
        return "\n".join(lines) + "\n"
    from ..textgrid import align

    return "\n".join(align([list(columns)] + [[_cell(r.get(c)) for c in columns] for r in rows])) + "\n"


def _emit(text, output, fmt):
    if output:
        from ..build import write_atomic

        # Excel in China opens CSV correctly only with a BOM
        data = ("\ufeff" + text if fmt == "csv" else text).encode("utf-8")
        write_atomic(output, data)
        note(f"写入 / wrote {output}")
    else:
        sys.stdout.write(text)


def _projection(store, graph_path):
    from ..project import project
    from ..store import open_store

    return project(open_store(store, graph_path))


def _format_option(func):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                        help="Output format: aligned table, CSV (UTF-8), JSON (list of objects) or Markdown.")(func)


def _output_option(func):
    return click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
                        help="File to write (default: stdout). CSV files get a BOM for Excel.")(func)


@cli.command()
@source_options
@click.option("--zone", help="Zone by Chinese name, alias or id (e.g. 喀左经济开发区); the city name gives the city-wide view.")
@click.option("--chain", help="Chain by Chinese name, alias or id (e.g. 化合物半导体, compound-semiconductor).")
@click.option("--status", "statuses", multiple=True,
              type=click.Choice(["present", "weak", "in_progress", "elsewhere", "missing", "gaps"]),
              help="Only links with this status (repeatable); 'gaps' = every status but present.")
@click.option("--unplaced", is_flag=True,
              help="List the enterprises the sources put in a chain without placing them on a link.")
@_format_option
@_output_option
@user_errors
def gaps(store, graph_path, zone, chain, statuses, unplaced, fmt, output):
    """Status and priority of every link of the reference chains each zone develops (补链清单).

    Statuses: present (2+ enterprises), weak (1), in_progress (a project under way), elsewhere (elsewhere
    in the city), missing. Rows sort by zone, chain and priority; the city appears as its own zone with
    the city-wide view. See README.md, "Gap analysis", for the score.
    """
    from ..analysis.gaps import all_gaps, city_gaps, unplaced as find_unplaced, zone_gaps

    proj = _projection(store, graph_path)
    zone_iri = proj.zone_iri(zone) if zone else None
    chain_iri = proj.chain_iri(chain) if chain else None
    if chain_iri and not proj.chains[chain_iri]["reference"]:
        from ..errors import DataError, Problem

        raise DataError([Problem("--chain", None, None,
                                 f"“{proj.chains[chain_iri]['label']}”没有参考模板，无法做缺链分析",
                                 f"'{proj.chains[chain_iri]['label']}' has no reference template to compare with")])
    if unplaced:
        rows = find_unplaced(proj)
        if chain_iri:
            rows = [r for r in rows if r["chain_id"] == proj.chains[chain_iri]["id"]]
        if zone_iri:
            rows = [r for r in rows if any(proj.within(z, zone_iri) for z in r["zone_iris"])]
        for r in rows:
            r.pop("zone_iris", None)
        _emit(format_rows(rows, ["enterprise", "chain", "zone", "why", "source", "quote"], fmt), output, fmt)
        return
    if zone_iri and proj.zones[zone_iri]["kind"] == "City":
        rows = city_gaps(proj, zone_iri)
    elif zone_iri:
        pairs = [(zone_iri, c) for c in proj.chains_of(zone_iri)]
        if chain_iri and (zone_iri, chain_iri) not in pairs:
            pairs = [(zone_iri, chain_iri)]  # asked for explicitly: analyse it anyway
        rows = [r for z, c in pairs for r in zone_gaps(proj, z, c)]
        if not pairs:
            note(f"{proj.zones[zone_iri]['label']} 未发展有参考模板的产业链 / develops no chain with a reference template")
    else:
        rows = all_gaps(proj)
    if chain_iri:
        rows = [r for r in rows if r["chain_id"] == proj.chains[chain_iri]["id"]]
    wanted = set(statuses)
    if "gaps" in wanted:
        wanted |= {"weak", "in_progress", "elsewhere", "missing"}
    if wanted:
        rows = [r for r in rows if r["status"] in wanted]
    columns = TABLE_GAP_COLUMNS if fmt == "table" else GAP_COLUMNS
    _emit(format_rows(rows, columns, fmt), output, fmt)


@cli.command()
@source_options
@click.option("--chain", help="One chain (name, alias or id): its links, the enterprises on them and their zones.")
@click.option("--kind", type=click.Choice(["enterprise", "link", "zone", "all"]), default="enterprise", show_default=True,
              help="Which nodes to list.")
@click.option("--leads", is_flag=True,
              help="Compare the enterprises the sources call lead (链主/龙头) with the most central ones, per chain.")
@click.option("--top", type=int, default=None, help="List only the first N rows.")
@_format_option
@_output_option
@user_errors
def centrality(store, graph_path, chain, kind, leads, top, fmt, output):
    """Degree, betweenness and PageRank over the enterprise–link–zone graph, or one chain's part of it.

    With --leads: per reference chain, the lead enterprises named by the sources against the most central
    enterprises, flagging disagreements (lead_not_central, central_not_lead, lead_unplaced).
    """
    from ..analysis.centrality import centrality as rank, chain_network, compare_leads, network

    proj = _projection(store, graph_path)
    chain_iri = proj.chain_iri(chain) if chain else None
    whole = network(proj)
    if leads:
        chains = [chain_iri] if chain_iri else proj.reference_chains()
        rows = []
        for c in chains:
            roles = {}
            for r in proj.leads:
                if r["chain"] == c:
                    roles.setdefault(r["enterprise"], []).append(r["role"])
            if not roles:
                continue
            labels = {e: proj.enterprises[e]["label"] for e in roles}
            for row in compare_leads(rank(chain_network(proj, c, whole)), roles, top=top, labels=labels):
                rows.append({"chain": proj.chains[c]["label"], "chain_id": proj.chains[c]["id"],
                             "enterprise": row.pop("label"), **{k: v for k, v in row.items() if k != "node"}})
        columns = ["chain", "enterprise", "is_lead", "roles", "central_rank", "pagerank", "betweenness", "degree",
                   "flag", "note"]
        _emit(format_rows(rows, columns, fmt), output, fmt)
        return
    g = chain_network(proj, chain_iri, whole) if chain_iri else whole
    rows = [r for r in rank(g) if kind == "all" or r["kind"] == kind]
    lead_names = {}
    for r in proj.leads:
        if chain_iri is None or r["chain"] == chain_iri:
            lead_names.setdefault(r["enterprise"], set()).add(r["role"])
    for i, r in enumerate(rows):
        r["rank"] = i + 1
        r["lead_roles"] = sorted(lead_names.get(r["node"], ()))
        r["iri"] = r.pop("node")
    if top:
        rows = rows[:top]
    columns = ["rank", "label", "kind", "degree", "degree_centrality", "betweenness", "pagerank", "lead_roles"]
    _emit(format_rows(rows, columns, fmt), output, fmt)


@cli.command()
@source_options
@click.option("--zone", help="Zone by Chinese name, alias or id; a city gives the city-wide report.")
@click.option("--all", "all_zones", is_flag=True,
              help="A report for every zone that develops a reference chain, and for each city (needs -o DIR).")
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(), default=None,
              help="File to write (default: stdout); with --all, the folder to write <zone>.<format> files into.")
@user_errors
def report(store, graph_path, zone, all_zones, fmt, output):
    """One-page zone report: each chain's completeness, ranked gaps, projects, lead enterprises, sources."""
    from ..analysis.gaps import all_gaps
    from ..build import write_atomic
    from ..errors import DataError, Problem
    from ..reports import render_html, render_markdown, report_zones, zone_report

    if bool(zone) == bool(all_zones):
        raise DataError([Problem("report", None, None, "请给出 --zone 或 --all（二选一）",
                                 "give either --zone or --all")])
    if all_zones and not output:
        raise DataError([Problem("report", None, "-o", "--all 需要 -o 指定输出文件夹", "--all needs -o DIR")])
    proj = _projection(store, graph_path)
    render = render_html if fmt == "html" else render_markdown
    if zone:
        z = proj.zone_iri(zone)
        text = render(zone_report(proj, z))
        _emit(text, output, fmt)
        return
    rows = all_gaps(proj)
    folder = Path(output)
    for z in report_zones(proj):
        name = "".join(ch if ch.isalnum() or ch in "-_·" else "_" for ch in proj.zones[z]["label"])
        path = folder / f"{name}.{fmt}"
        write_atomic(path, render(zone_report(proj, z, rows)).encode("utf-8"))
        note(f"写入 / wrote {path}")
