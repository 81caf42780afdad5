"""From the gap analysis to map specs: the only place that knows both the gap rows
(:mod:`chainkg.analysis.gaps`) and the projection (:mod:`chainkg.project`), and the map model's input
format (:mod:`chainkg.render.model`).

The gap rows give each link's status, priority, rank, reason and the enterprises counted for it; the
projection adds what a map shows besides: the ``feedsInto`` edges, which enterprise leads, the projects
with their investment and status, and the sources' own words.
"""
__all__ = ["chain_spec", "zone_spec", "city_spec", "zone_rows", "ZONE_KIND_LABELS", "short_name"]

#: projection zone kind -> (zh, en)
ZONE_KIND_LABELS = {"Province": ("省", "province"), "City": ("地级市", "city"), "District": ("市辖区", "district"),
                    "County": ("县", "county"), "CountyLevelCity": ("县级市", "county-level city"),
                    "Town": ("乡镇", "town"), "DevelopmentZone": ("开发区", "development zone"),
                    "IndustrialPark": ("产业园区", "industrial park"), "FunctionalArea": ("功能区", "functional area"),
                    "Zone": ("区域", "zone")}


def short_name(label, names, max_len=8):
    """The name to print on a map: the label, or when it is long, its longest alias of at most
    *max_len* characters (凌源钢铁股份有限公司 → 凌钢 only when no longer alias fits).

    Examples
    --------
    >>> short_name("博宇半导体材料科技有限公司", {"博宇半导体", "boyu", "博宇"})
    '博宇半导体'
    >>> short_name("通美晶体", {"通美"})
    '通美晶体'
    """
    if len(label) <= max_len:
        return label
    fits = [n for n in names if 2 <= len(n) <= max_len and not n.isascii()]
    return max(fits, key=lambda n: (len(n), n)) if fits else label


def _under_way(project):
    from ..mapping import STATUSES
    from ..project import UNDER_WAY_FROM

    order = project.get("status_order")
    return order is not None and order >= list(STATUSES).index(UNDER_WAY_FROM)


def _source(proj, iri):
    info = proj.sources.get(iri) if iri else None
    if not info:
        return ""
    extra = "，".join(x for x in (info.get("publisher"), info.get("date")) if x)
    return f"{info.get('title') or info.get('id')}" + (f"（{extra}）" if extra else "")


def _city_of(proj, zone):
    return zone if proj.zones[zone]["kind"] == "City" else proj.region(zone)


def zone_rows(proj, zone, chain=None):
    """Gap rows of *zone* (the city-wide view when *zone* is a city), optionally of one chain."""
    from ..analysis.gaps import city_gaps, zone_gaps

    if proj.zones[zone]["kind"] == "City":
        rows = city_gaps(proj, zone)
        if chain:
            rows = [r for r in rows if r["chain_id"] == proj.chains[chain]["id"]]
        return rows
    chains = [chain] if chain else proj.chains_of(zone)
    return [r for c in chains for r in zone_gaps(proj, zone, c)]


def _leads(proj, zone, chain):
    if proj.zones[zone]["kind"] == "City":
        return [r for r in proj.leads if r["chain"] == chain and proj.within(r["zone"], zone)]
    return proj.leads_for(zone, chain)


def chain_spec(proj, zone, chain, rows=None) -> dict:
    """The map spec of one chain in one zone (IRIs of a :class:`chainkg.project.Projection`).

    *rows* are that zone × chain's gap rows when computed already.
    """
    dag = proj.chain_graphs[chain]
    cinfo = proj.chains[chain]
    if rows is None:
        rows = zone_rows(proj, zone, chain)
    rows = {r["link"]: r for r in rows if r.get("chain_id", cinfo["id"]) == cinfo["id"]}
    coverage = proj.coverage(zone, chain)
    lead_roles = {}
    for role in _leads(proj, zone, chain):
        lead_roles.setdefault(role["enterprise"], []).append(role)
    placement_quotes = {}
    for pl in proj.placements:
        if pl["quote"]:
            placement_quotes.setdefault((pl["enterprise"], pl["link"]), []).append(
                {"source": _source(proj, pl["source"]), "quote": pl["quote"]})
    projects = {}
    unlinked = []
    for iri in sorted(proj.projects):
        p = proj.projects[iri]
        if p["zone"] is None or not proj.within(p["zone"], zone):
            continue
        links = [l for l in p["links"] if l in dag]
        for link in links:
            projects.setdefault(link, []).append(iri)
        if not links and chain in p["chains"]:
            unlinked.append(p["label"])

    def enterprise(e, link):
        info = proj.enterprises[e]
        roles = lead_roles.get(e, [])
        quotes = list(placement_quotes.get((e, link), []))
        quotes += [{"source": _source(proj, r["source"]), "quote": r["quote"]} for r in roles if r["quote"]]
        return {"id": e, "label": short_name(info["label"], info["names"] - {e.rsplit("/", 1)[-1]}),
                "label_en": info.get("label_en"), "full": info["label"], "names": sorted(info["names"]),
                "lead": bool(roles), "role": roles[0]["role"] if roles else None, "quotes": quotes}

    def project(iri):
        p = proj.projects[iri]
        return {"id": iri, "label": p["label"], "status": p["status"], "under_way": _under_way(p),
                "year": p["year"], "investment": float(p["investment"]) if p["investment"] is not None else None,
                "investment_text": p["investment_text"], "names": sorted(p["names"]),
                "references": [r for r in (_source(proj, s) for s in p["sources"]) if r]}

    links = []
    for n in sorted(dag, key=lambda n: (dag.nodes[n].get("order", 0), n)):
        lid = dag.nodes[n].get("id") or n
        row = rows.get(lid, {})
        linfo = proj.links.get(n, {})
        ents = [enterprise(e, n) for e in coverage.get(n, [])]
        counted = set(row.get("enterprises") or ())
        if counted and counted != {proj.enterprises[e]["label"] for e in coverage.get(n, [])}:
            # the rows are the truth for the status; keep any name they count that the projection lacks
            known = {proj.enterprises[e]["label"] for e in coverage.get(n, [])}
            ents += [{"id": f"name:{name}", "label": name} for name in sorted(counted - known)]
        refs = [_source(proj, s) for s in linfo.get("sources", ())]
        links.append({
            "id": lid, "label": row.get("link_label") or dag.nodes[n].get("label") or lid,
            "label_en": row.get("link_label_en") or dag.nodes[n].get("label_en"),
            "stage": row.get("stage", dag.nodes[n].get("stage")), "status": row.get("status", "missing"),
            "priority": row.get("priority"), "rank": row.get("rank"), "gap_type": row.get("gap_type"),
            "gap_type_zh": row.get("gap_type_zh"), "reason": row.get("reason", ""),
            "reason_en": row.get("reason_en", ""), "elsewhere": row.get("elsewhere") or [],
            "products": linfo.get("products", []), "names": sorted(linfo.get("names", ())),
            "enterprises": ents, "projects": [project(i) for i in projects.get(n, [])],
            "quotes": [], "references": [r for r in refs if r]})
    edges = [(dag.nodes[a].get("id") or a, dag.nodes[b].get("id") or b) for a, b in sorted(dag.edges())]
    placed = {e for es in coverage.values() for e in es}
    leads_unplaced = sorted(proj.enterprises[e]["label"] for e in lead_roles if e not in placed)
    from .model import STATUS_STYLE

    hosted = sum(1 for l in links if l["status"] in ("present", "weak"))
    counts = {s: sum(1 for l in links if l["status"] == s) for s in STATUS_STYLE}
    zh = [f"{len(links)} 个环节，区内已有 {hosted} 个（" + "、".join(f"{STATUS_STYLE[s][0]} {n}" for s, n in counts.items() if n) + "）"]
    en = [f"{len(links)} links, {hosted} hosted in the zone (" +
          ", ".join(f"{STATUS_STYLE[s][1].split(' (')[0]} {n}" for s, n in counts.items() if n) + ")"]
    leads_placed = sorted({proj.enterprises[e]["label"] for e in lead_roles if e in {x for es in coverage.values() for x in es}})
    if leads_placed:
        zh.append("链主：" + "、".join(leads_placed))
        en.append("lead: " + ", ".join(leads_placed))
    if leads_unplaced:
        zh.append("链主（未定环节）：" + "、".join(leads_unplaced))
        en.append("lead enterprise not placed on a link: " + ", ".join(leads_unplaced))
    if unlinked:
        zh.append(f"另有 {len(unlinked)} 个项目未指明环节")
        en.append(f"{len(unlinked)} more project(s) name no link")
    return {"id": cinfo["id"], "label": cinfo["label"], "label_en": cinfo.get("label_en"), "links": links,
            "edges": edges, "summary": {"zh": "；".join(zh), "en": "; ".join(en)}}


def zone_spec(proj, zone, chain=None, rows=None) -> dict:
    """The map spec of *zone*: one chain (*chain* given) or every reference chain the zone develops."""
    zinfo = proj.zones[zone]
    rows = zone_rows(proj, zone, chain) if rows is None else rows
    chains = [chain] if chain else sorted({c for c in proj.chains if proj.chains[c]["id"] in {r["chain_id"] for r in rows}},
                                          key=lambda c: proj.chains[c]["id"])
    specs = [chain_spec(proj, zone, c, [r for r in rows if r["chain_id"] == proj.chains[c]["id"]]) for c in chains]
    z_en = zinfo.get("label_en") or zinfo["label"]
    if chain:
        c = proj.chains[chain]
        title = {"zh": f"{zinfo['label']} · {c['label']}", "en": f"{z_en} · {c.get('label_en') or c['label']}"}
        subtitle = specs[0]["summary"]
    else:
        title = {"zh": f"{zinfo['label']} · 产业链图谱", "en": f"{z_en} · industrial chains"}
        subtitle = {"zh": "；".join(f"{s['label']} 已有 {_hosted(s)}" for s in specs),
                    "en": "; ".join(f"{s.get('label_en') or s['label']} {_hosted(s, 'en')}" for s in specs)}
    link_key = {}
    for c in chains:
        for n in proj.chain_graphs[c]:
            link_key[n] = (proj.chains[c]["id"], proj.chain_graphs[c].nodes[n].get("id") or n)
    cross = [(link_key[a], link_key[b]) for a, b in proj.cross_edges if a in link_key and b in link_key]
    return {"title": title, "subtitle": subtitle, "chains": specs, "cross_edges": cross}


def _hosted(spec, lang="zh"):
    n = len(spec["links"])
    hosted = sum(1 for l in spec["links"] if l["status"] in ("present", "weak"))
    return f"{hosted}/{n}" if lang == "zh" else f"{hosted}/{n} hosted"


def city_spec(proj, city=None, rows=None) -> dict:
    """The city map spec: every zone of *city* (every zone, when None) that develops a reference chain,
    its chains with their gap counts and top gaps, and their lead enterprises; investments summed from
    the projects located in each zone."""
    from ..analysis.gaps import all_gaps

    if rows is None:
        rows = all_gaps(proj, city=False)
    by_pair = {}
    for r in rows:
        if r.get("scope", "zone") == "zone":
            by_pair.setdefault((r["zone_iri"], r["chain_id"]), []).append(r)
    pairs = [(z, c) for z, c in proj.developed() if city is None or proj.within(z, city)]
    zones = []
    order = []
    for z, c in pairs:
        if z not in order:
            order.append(z)

    def invest(ps):
        vals = [float(p["investment"]) for p in ps if p["investment"] is not None]
        return sum(vals) if vals else None

    for z in order:
        zinfo = proj.zones[z]
        in_zone = [p for p in proj.projects.values() if p["zone"] and proj.within(p["zone"], z)]
        chains = []
        for zz, c in pairs:
            if zz != z:
                continue
            cinfo = proj.chains[c]
            links = set(proj.chain_graphs[c])
            serving = [p for p in in_zone if c in p["chains"] or links & set(p["links"])]
            crows = by_pair.get((z, cinfo["id"]), [])
            counts = {}
            for r in crows:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
            gaps = sorted((r for r in crows if r.get("priority") is not None), key=lambda r: r.get("rank") or 0)[:3]
            leads = []
            seen = set()
            for role in proj.leads_for(z, c):
                e = role["enterprise"]
                if e in seen:
                    continue
                seen.add(e)
                info = proj.enterprises[e]
                leads.append({"id": e, "label": short_name(info["label"], info["names"] - {e.rsplit("/", 1)[-1]}),
                              "full": info["label"], "label_en": info.get("label_en"), "names": sorted(info["names"]),
                              "role": role["role"], "investment": invest([p for p in in_zone if e in p["investors"]]),
                              "quotes": [{"source": _source(proj, role["source"]), "quote": role["quote"]}]
                              if role["quote"] else []})
            chains.append({"id": cinfo["id"], "label": cinfo["label"], "label_en": cinfo.get("label_en"),
                           "investment": invest(serving), "links": len(crows), "counts": counts,
                           "hosted_share": ((counts.get("present", 0) + counts.get("weak", 0)) / len(crows)) if crows else None,
                           "gaps": [{"label": r["link_label"], "label_en": r.get("link_label_en"), "status": r["status"],
                                     "priority": r["priority"]} for r in gaps],
                           "leads": leads})
        kind = ZONE_KIND_LABELS.get(zinfo["kind"], ("区域", "zone"))
        zones.append({"id": z, "label": zinfo["label"], "label_en": zinfo.get("label_en"), "names": sorted(zinfo["names"]),
                      "kind": kind[0], "kind_en": kind[1], "investment": invest(in_zone), "chains": chains})
    if city:
        c = proj.zones[city]
        title = {"zh": f"{c['label']} · 区域、产业链与链主", "en": f"{c.get('label_en') or c['label']} · zones, chains and lead enterprises"}
    else:
        cities = sorted({proj.zones[_city_of(proj, z)]["label"] for z in order if _city_of(proj, z)})
        name = "、".join(cities) or "全市"
        title = {"zh": f"{name} · 区域、产业链与链主", "en": f"{name} · zones, chains and lead enterprises"}
    subtitle = {"zh": f"{len(zones)} 个区域，{sum(len(z['chains']) for z in zones)} 条区域产业链；节点大小表示项目投资额",
                "en": f"{len(zones)} zones, {sum(len(z['chains']) for z in zones)} zone chains; node size shows project investment"}
    return {"title": title, "subtitle": subtitle, "zones": zones}
