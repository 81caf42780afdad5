"""``chainkg map``: interactive chain maps as self-contained HTML files (thin over :mod:`chainkg.render`).

Only click is imported at module level; rdflib, networkx and pyvis load inside the command.
"""
import os
from pathlib import Path
from urllib.parse import quote

import click

from ..cli import cli, note, source_options, user_errors

__all__ = ["map_command", "slug"]


def slug(label) -> str:
    """A file name from a label, as the zone reports name theirs (letters, digits and CJK kept).

    Examples
    --------
    >>> slug("朝阳喀左经济开发区"), slug("a/b c")
    ('朝阳喀左经济开发区', 'a_b_c')
    """
    return "".join(ch if ch.isalnum() or ch in "-_·" else "_" for ch in str(label))


def _problem(zh, en, where="map"):
    from ..errors import DataError, Problem

    return DataError([Problem(where, None, None, zh, en)])


def _write(model, path, lang):
    from ..render.html import write_map

    write_map(model, path, lang)
    n, e = model.counts()
    note(f"写入 / wrote {path}（{n} 个节点 / nodes, {e} 条连线 / edges）")


def _href(target, index):
    rel = os.path.relpath(Path(target).resolve(), Path(index).resolve().parent)
    return "/".join(quote(part) for part in Path(rel).parts)


@cli.command("map")
@source_options
@click.option("--zone", help="Zone by Chinese name, alias or id (e.g. 喀左); a city gives the city-wide view.")
@click.option("--chain", help="Chain by Chinese name, alias or id (e.g. 化合物半导体); needs --zone.")
@click.option("--city", is_flag=True, help="The city map: zones → chains → lead enterprises, sized by investment.")
@click.option("--all", "all_maps", is_flag=True,
              help="Every map (each zone × chain, each zone, the city) into the folder -o (default build/maps).")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="HTML file to write (default build/maps/<name>.html); with --all, the folder.")
@click.option("--index", "index_path", type=click.Path(dir_okay=False), default=None,
              help="With --all: also write this index page linking the maps and the zone reports.")
@click.option("--reports", "reports_dir", type=click.Path(file_okay=False), default=None,
              help="With --index: the folder of zone reports to link (default build/reports).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language the map opens in (a button on the page switches).")
@click.option("--group-threshold", type=click.IntRange(min=0), default=300, show_default=True,
              help="Fold each link's enterprises and projects into one node when the map has more nodes (0: never).")
@user_errors
def map_command(store, graph_path, zone, chain, city, all_maps, output, index_path, reports_dir, lang, group_threshold):
    """Write an interactive chain map: one HTML file that opens offline with a double-click.

    \b
    chainkg map --zone 喀左 --chain 化合物半导体 -o kazuo.html   one chain of a zone
    chainkg map --zone 喀左                                      every chain of the zone
    chainkg map --city                                           zones → chains → lead enterprises
    chainkg map --all -o build/maps --index build/index.html     everything, with an index page

    Links run left to right from upstream to downstream, coloured by gap status (missing links are
    hollow and dashed); enterprises hang under their links (★ the lead enterprise), projects with their
    investment and status. The page has a legend, a search box, stage and status filters and a 中文 /
    English switch.
    """
    if chain and not zone:
        raise _problem("--chain 需要同时给出 --zone", "--chain needs --zone", "--chain")
    if sum(bool(x) for x in (zone, city, all_maps)) != 1:
        raise _problem("请给出 --zone、--city 或 --all 之一", "give one of --zone, --city or --all")
    if (index_path or reports_dir) and not all_maps:
        raise _problem("--index 和 --reports 只用于 --all", "--index and --reports go with --all", "--index")
    threshold = group_threshold or None

    from ..project import project
    from ..render.adapt import city_spec, zone_spec
    from ..render.model import chains_map, city_map
    from ..store import open_store

    proj = project(open_store(store, graph_path))
    if all_maps:
        _all(proj, Path(output or "build/maps"), index_path, reports_dir, lang, threshold)
        return
    if city:
        if not any(i["kind"] == "City" for i in proj.zones.values()) and not proj.developed():
            raise _problem("图中没有区域产业链数据", "the graph has no zone chains to map", "--city")
        model = city_map(city_spec(proj))
        path = Path(output or "build/maps/city.html")
        _write(model, path, lang)
        return
    z = proj.zone_iri(zone)
    c = proj.chain_iri(chain) if chain else None
    if c and not proj.chains[c]["reference"]:
        label = proj.chains[c]["label"]
        raise _problem(f"“{label}”没有参考模板，无法画出环节", f"'{label}' has no reference template to draw links from",
                       "--chain")
    spec = zone_spec(proj, z, c)
    if not spec["chains"]:
        raise _problem(f"{proj.zones[z]['label']} 没有发展有参考模板的产业链，可用 --chain 指定",
                       f"{proj.zones[z]['label']} develops no chain with a reference template; name one with --chain",
                       "--zone")
    name = slug(proj.zones[z]["label"]) + (f"--{proj.chains[c]['id']}" if c else "")
    path = Path(output or f"build/maps/{name}.html")
    _write(chains_map(spec, group_threshold=threshold), path, lang)


def _all(proj, folder, index_path, reports_dir, lang, threshold):
    """Every zone's map and its chains' maps, the city map, and optionally the index page."""
    from ..analysis.gaps import all_gaps
    from ..render.adapt import city_spec, zone_rows, zone_spec
    from ..render.html import write_index
    from ..render.model import chains_map, city_map
    from ..reports import report_zones

    written = []  # (zone label or None, title, path)
    city_path = folder / "city.html"
    _write(city_map(city_spec(proj, rows=all_gaps(proj, city=False))), city_path, lang)
    zones = report_zones(proj)
    for z in zones:
        label = proj.zones[z]["label"]
        rows = zone_rows(proj, z)
        if not rows:
            continue
        spec = zone_spec(proj, z, rows=rows)
        path = folder / f"{slug(label)}.html"
        _write(chains_map(spec, group_threshold=threshold), path, lang)
        written.append((z, "全部产业链 / all chains", path))
        for cspec in spec["chains"]:
            c = next(iri for iri, i in proj.chains.items() if i["id"] == cspec["id"])
            one = zone_spec(proj, z, c, rows=[r for r in rows if r["chain_id"] == cspec["id"]])
            path = folder / f"{slug(label)}--{cspec['id']}.html"
            _write(chains_map(one, group_threshold=threshold), path, lang)
            written.append((z, f"{cspec['label']} / {cspec.get('label_en') or cspec['id']}", path))
    if not index_path:
        return
    reports = Path(reports_dir or "build/reports")
    sections = [{"title": {"zh": "全市总览", "en": "City overview"},
                 "items": [{"label": "区域 → 产业链 → 链主 / zones → chains → lead enterprises",
                            "href": _href(city_path, index_path), "note": ""}]}]
    for z in zones:
        items = [{"label": title, "href": _href(path, index_path), "note": ""} for zz, title, path in written if zz == z]
        for ext, what in (("html", "缺链报告 / gap report (HTML)"), ("md", "缺链报告 / gap report (Markdown)")):
            report = reports / f"{slug(proj.zones[z]['label'])}.{ext}"
            if report.is_file():
                items.append({"label": what, "href": _href(report, index_path), "note": ""})
        if items:
            zinfo = proj.zones[z]
            sections.append({"title": {"zh": zinfo["label"], "en": zinfo.get("label_en") or ""}, "items": items})
    if not reports.is_dir():
        note(f"没有找到报告文件夹 {reports}，索引只链接地图 / no reports in {reports}: the index links the maps only")
    write_index(index_path, {"zh": "产业链图谱与缺链报告", "en": "Chain maps and gap reports"}, sections)
    note(f"写入 / wrote {index_path}")
