"""Gap analysis (补链): the status of every link of a reference chain in a zone, and which gaps to chase first.

Statuses, for one zone × chain (enterprises are counted in the zone and every zone within it):

``present``      two or more enterprises cover the link;
``weak``         exactly one does: a single point of failure;
``in_progress``  none does, but a project under way in the zone (status 签约 or later) serves it;
``elsewhere``    none in the zone, but an enterprise elsewhere in the same city covers it (local sourcing);
``missing``      none anywhere in the city.

Every ``weak``, ``in_progress``, ``elsewhere`` and ``missing`` link gets a priority (0–100)::

    priority = 100 × S × (0.40·T + 0.25·B + 0.20·R + 0.15·A)

``T`` (``type_weight``) the kind of gap, from where the hosted links (present or weak) lie:
    补链 ``fill`` 1.0: hosted links both upstream and downstream, the link is a hole between them;
    延链 ``extend`` 0.8 / d: hosted links on one side only, d links away (d = 1: the next step past
    the last hosted link);
    建链 ``build`` 0.2: no hosted link upstream or downstream;
    强链 ``strengthen`` 0.6: a weak link (one enterprise).
``B`` (``betweenness``) the link's betweenness in the chain DAG, relative to the chain's most central
    link (1.0 = the link most paths pass through).
``R`` (``reach``) the share of the zone's other hosted links that lie upstream or downstream of the link:
    how much of what the zone has the link would connect.
``A`` (``lead_adjacent``) 1 when a lead enterprise (链主/龙头) of the chain in the zone covers a link
    directly upstream or downstream of it, else 0.
``S`` (``status_weight``) 0.5 for ``in_progress`` (a project already targets it) and for an empty link a
    source says the zone already has without naming an enterprise (``stated_in_source``: verify and place
    the enterprise before chasing it), else 1.

Present links have no priority (``None``). Rows are plain dicts; every factor is in the row, with a
plain-language reason in Chinese (``reason``) and English (``reason_en``). Rows sort by zone, chain,
priority (highest first), then the link's place in the chain.

Cost: a chain's betweenness and ancestor sets are computed once per chain; each zone × chain then takes
time linear in the enterprises of the zone and the links and edges of the chain (ancestor sets are
bitmasks), so :func:`all_gaps` scales with the sum of those.
"""
from collections import deque

__all__ = ["STATUSES", "GAP_TYPES", "WEIGHTS", "TYPE_WEIGHTS", "STATUS_WEIGHTS", "STATED_WEIGHT", "chain_metrics",
           "link_gaps", "zone_gaps", "city_gaps", "all_gaps", "summarize", "unplaced"]

STATUSES = ("present", "weak", "in_progress", "elsewhere", "missing")

#: gap type -> (Chinese word, English word)
GAP_TYPES = {"fill": ("补链", "fill"), "extend": ("延链", "extend"), "build": ("建链", "build"),
             "strengthen": ("强链", "strengthen")}

WEIGHTS = {"type": 0.40, "betweenness": 0.25, "reach": 0.20, "lead": 0.15}
TYPE_WEIGHTS = {"fill": 1.0, "extend": 0.8, "build": 0.2, "strengthen": 0.6}
STATUS_WEIGHTS = {"weak": 1.0, "in_progress": 0.5, "elsewhere": 1.0, "missing": 1.0}
#: status weight of an empty link that a source says the zone has (no enterprise named)
STATED_WEIGHT = 0.5

_STATUS_ZH = {"present": "已有", "weak": "薄弱", "in_progress": "在建", "elsewhere": "市内他处有", "missing": "缺失"}


def _names(items, limit=3, sep="、"):
    items = list(items)
    if len(items) <= limit:
        return sep.join(items)
    return sep.join(items[:limit]) + (f"等{len(items)}个" if sep == "、" else f" and {len(items) - limit} more")


def chain_metrics(dag) -> dict:
    """What gap analysis needs from one chain, computed once per chain.

    Parameters
    ----------
    dag : networkx.DiGraph
        The chain's links and ``feedsInto`` edges; nodes may carry ``order`` (position upstream first).

    Returns
    -------
    dict
        ``nodes`` (in chain order), ``index``, ``anc`` / ``desc`` (bitmasks over ``index``),
        ``betweenness`` (relative to the chain's maximum, 0–1) and ``raw_betweenness``.

    Examples
    --------
    >>> import networkx as nx
    >>> m = chain_metrics(nx.DiGraph([("a", "b"), ("b", "c")]))
    >>> m["nodes"], m["betweenness"]
    (['a', 'b', 'c'], {'a': 0.0, 'b': 1.0, 'c': 0.0})
    >>> bin(m["anc"]["c"]), bin(m["desc"]["a"])
    ('0b11', '0b110')
    """
    import networkx as nx

    nodes = sorted(dag, key=lambda n: (dag.nodes[n].get("order", 0), str(n)))
    index = {n: i for i, n in enumerate(nodes)}
    anc, desc = {}, {}
    if nx.is_directed_acyclic_graph(dag):
        topo = list(nx.lexicographical_topological_sort(dag, key=lambda n: index[n]))
        for n in topo:
            anc[n] = 0
            for p in dag.predecessors(n):
                anc[n] |= anc[p] | (1 << index[p])
        for n in reversed(topo):
            desc[n] = 0
            for s in dag.successors(n):
                desc[n] |= desc[s] | (1 << index[s])
    else:  # the validator rejects cycles; stay correct anyway
        for n in nodes:
            anc[n] = sum(1 << index[a] for a in nx.ancestors(dag, n))
            desc[n] = sum(1 << index[d] for d in nx.descendants(dag, n))
    raw = nx.betweenness_centrality(dag, normalized=False) if len(dag) else {}
    top = max(raw.values(), default=0.0)
    rel = {n: (raw[n] / top if top else 0.0) for n in nodes}
    return {"nodes": nodes, "index": index, "anc": anc, "desc": desc, "betweenness": rel, "raw_betweenness": raw}


def _distances(dag, sources, reverse=False):
    """Shortest directed distance from any of *sources* (or to them, with *reverse*) to every node."""
    dist = {s: 0 for s in sources}
    queue = deque(sorted(sources, key=str))
    step = dag.predecessors if reverse else dag.successors
    while queue:
        n = queue.popleft()
        for m in step(n):
            if m not in dist:
                dist[m] = dist[n] + 1
                queue.append(m)
    return dist


def link_gaps(dag, local, *, elsewhere=None, projects=None, leads=None, stated=None, metrics=None, zone="",
              chain="", extra=None) -> list[dict]:
    """Status, priority and reason of every link of one chain in one zone.

    Parameters
    ----------
    dag : networkx.DiGraph
        The chain's links (node attributes ``label``, ``label_en``, ``stage``, ``id``, ``order``, all
        optional) and ``feedsInto`` edges.
    local : mapping
        ``{link: [enterprise names]}``: enterprises in the zone covering each link.
    elsewhere : mapping, optional
        ``{link: [names]}``: enterprises elsewhere in the city covering each link (e.g. ``"凌钢（凌源市）"``).
    projects : mapping, optional
        ``{link: [{"label": str, "status": str or None, "under_way": bool}]}``: projects in the zone serving
        each link; an ``under_way`` one makes an empty link ``in_progress``.
    leads : mapping, optional
        ``{lead enterprise name: [links it covers in this chain]}``.
    stated : set, optional
        Links a source says the zone has without naming an enterprise (``ck:ZoneChain`` ``ck:link``).
    metrics : dict, optional
        :func:`chain_metrics` of *dag*, when computed already.
    zone, chain : str
        Copied into every row; *extra* (a dict) is merged into every row too.

    Returns
    -------
    list of dict
        One row per link, sorted by priority (highest first; present links last) then chain order.

    Examples
    --------
    A line a → b → c → d; the zone has two enterprises on a (present) and one on c (weak); the lead
    enterprise covers a:

    >>> import networkx as nx
    >>> dag = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    >>> rows = link_gaps(dag, {"a": ["甲", "乙"], "c": ["丙"]}, leads={"甲": ["a"]})
    >>> [(r["link"], r["status"], r["gap_type"], r["priority"]) for r in rows]
    [('b', 'missing', 'fill', 100.0), ('c', 'weak', 'strengthen', 69.0), ('d', 'missing', 'extend', 52.0), ('a', 'present', None, None)]
    >>> rows[0]["reason"]
    '补链：上游已有 a，下游已有 c，补上可贯通区内 2 个已有环节；链中中介度 1.00（最高为 1）；与链主 甲 所在的 a 直接相邻；全市尚无企业覆盖此环节。'
    """
    elsewhere = elsewhere or {}
    projects = projects or {}
    leads = leads or {}
    stated = set(stated or ())
    m = metrics or chain_metrics(dag)
    nodes, index, anc, desc = m["nodes"], m["index"], m["anc"], m["desc"]
    attrs = {n: dag.nodes[n] for n in nodes}
    label = {n: attrs[n].get("label") or str(n) for n in nodes}
    label_en = {n: attrs[n].get("label_en") or label[n] for n in nodes}
    hosted = [n for n in nodes if local.get(n)]
    hosted_mask = sum(1 << index[n] for n in hosted)
    down_dist = _distances(dag, hosted)  # from the nearest hosted link, downstream
    up_dist = _distances(dag, hosted, reverse=True)  # to the nearest hosted link, upstream
    lead_links = {}
    for name in sorted(leads):
        for link in leads[name]:
            if link in index:
                lead_links.setdefault(link, []).append(name)
    rows = []
    for n in nodes:
        ents = sorted(set(local.get(n, ())))
        projs = sorted(projects.get(n, ()), key=lambda p: (p["label"], p.get("status") or ""))
        others = sorted(set(elsewhere.get(n, ())))
        if len(ents) >= 2:
            status = "present"
        elif len(ents) == 1:
            status = "weak"
        elif any(p.get("under_way") for p in projs):
            status = "in_progress"
        elif others:
            status = "elsewhere"
        else:
            status = "missing"
        bit = 1 << index[n]
        others_hosted = hosted_mask & ~bit
        up = anc[n] & others_hosted
        down = desc[n] & others_hosted
        n_up, n_down, n_hosted = bin(up).count("1"), bin(down).count("1"), bin(others_hosted).count("1")
        reach = (n_up + n_down) / n_hosted if n_hosted else 0.0
        neighbours = sorted(set(dag.predecessors(n)) | set(dag.successors(n)), key=lambda x: index[x])
        adjacent = [(name, x) for x in neighbours for name in lead_links.get(x, ())]
        betweenness = m["betweenness"].get(n, 0.0)
        distance = None
        if status == "present":
            gap_type, type_weight = None, None
        elif status == "weak":
            gap_type, type_weight = "strengthen", TYPE_WEIGHTS["strengthen"]
        elif n_up and n_down:
            gap_type, type_weight = "fill", TYPE_WEIGHTS["fill"]
            distance = min(down_dist.get(n, 0), up_dist.get(n, 0))
        elif n_up or n_down:
            gap_type = "extend"
            distance = down_dist[n] if n_up else up_dist[n]
            type_weight = TYPE_WEIGHTS["extend"] / distance
        else:
            gap_type, type_weight = "build", TYPE_WEIGHTS["build"]
        lead_adjacent = 1 if adjacent else 0
        if status == "present":
            priority, status_weight = None, None
        else:
            status_weight = STATUS_WEIGHTS[status]
            if n in stated and status != "weak":
                status_weight = min(status_weight, STATED_WEIGHT)
            score = (WEIGHTS["type"] * type_weight + WEIGHTS["betweenness"] * betweenness
                     + WEIGHTS["reach"] * reach + WEIGHTS["lead"] * lead_adjacent)
            priority = round(100 * status_weight * score + 1e-9, 1)
        up_names = [label[x] for x in nodes if up >> index[x] & 1]
        down_names = [label[x] for x in nodes if down >> index[x] & 1]
        up_en = [label_en[x] for x in nodes if up >> index[x] & 1]
        down_en = [label_en[x] for x in nodes if down >> index[x] & 1]
        zh, en = _reason(status, gap_type, ents, projs, others, adjacent, label, label_en, up_names, down_names,
                         up_en, down_en, distance, betweenness, n_up + n_down, n in stated)
        row = {"zone": zone, "chain": chain, "link": attrs[n].get("id") or str(n), "link_label": label[n],
               "link_label_en": label_en[n], "stage": attrs[n].get("stage"), "order": index[n], "status": status,
               "enterprises": ents, "elsewhere": others,
               "projects": [f"{p['label']}（{p['status']}）" if p.get("status") else p["label"] for p in projs],
               "leads_adjacent": sorted({name for name, _ in adjacent}), "gap_type": gap_type,
               "gap_type_zh": GAP_TYPES[gap_type][0] if gap_type else None, "priority": priority, "rank": None,
               "type_weight": None if type_weight is None else round(type_weight, 4),
               "betweenness": round(betweenness, 4), "reach": round(reach, 4), "hosted_upstream": n_up,
               "hosted_downstream": n_down, "distance": distance, "lead_adjacent": lead_adjacent,
               "status_weight": status_weight, "stated_in_source": n in stated, "reason": zh, "reason_en": en}
        if extra:
            row.update(extra)
        rows.append(row)
    rows.sort(key=lambda r: (r["priority"] is None, -(r["priority"] or 0), r["order"], r["link"]))
    for i, r in enumerate(x for x in rows if x["priority"] is not None):
        r["rank"] = i + 1
    return rows


def _reason(status, gap_type, ents, projs, others, adjacent, label, label_en, up, down, up_en, down_en, distance,
            betweenness, reach_count, stated=False):
    zh, en = [], []
    if status == "present":
        zh.append(f"已有 {len(ents)} 家企业：{_names(ents)}。")
        en.append(f"{len(ents)} enterprises: {_names(ents, sep=', ')}.")
        return "".join(zh), " ".join(en)
    if gap_type == "strengthen":
        zh.append(f"强链：仅 {ents[0]} 一家企业，单点风险")
        en.append(f"Strengthen: only {ents[0]} covers this link, a single point of failure")
        if reach_count:
            zh[-1] += f"，区内 {reach_count} 个已有环节与之上下游相连"
            en[-1] += f"; {reach_count} hosted link(s) lie up- or downstream of it"
    elif gap_type == "fill":
        zh.append(f"补链：上游已有 {_names(up)}，下游已有 {_names(down)}，补上可贯通区内 {reach_count} 个已有环节")
        en.append(f"Fill (补链): hosted upstream ({_names(up_en, sep=', ')}) and downstream "
                  f"({_names(down_en, sep=', ')}); filling it connects {reach_count} hosted links")
    elif gap_type == "extend":
        if up:
            zh.append(f"延链：向下游延伸，距区内已有环节 {distance} 步，可承接上游 {len(up)} 个已有环节（{_names(up)}）的产品")
            en.append(f"Extend (延链) downstream, {distance} step(s) past the hosted links; it would take the output of "
                      f"{len(up)} hosted upstream link(s) ({_names(up_en, sep=', ')})")
        else:
            zh.append(f"延链：向上游延伸，距区内已有环节 {distance} 步，可为下游 {len(down)} 个已有环节（{_names(down)}）就近配套")
            en.append(f"Extend (延链) upstream, {distance} step(s) before the hosted links; it would supply "
                      f"{len(down)} hosted downstream link(s) ({_names(down_en, sep=', ')})")
    else:
        zh.append("建链：区内尚无与此环节上下游相连的已有环节")
        en.append("Build (建链): no hosted link up- or downstream of it in the zone")
    zh.append(f"链中中介度 {betweenness:.2f}（最高为 1）")
    en.append(f"betweenness {betweenness:.2f} of the chain's maximum")
    if adjacent:
        pairs = sorted({(name, label[x]) for name, x in adjacent})
        zh.append("与链主 " + "、".join(f"{a} 所在的 {b}" for a, b in pairs) + " 直接相邻")
        en.append("next to the lead enterprise's link: " + ", ".join(f"{a} on {label_en[x]}" for a, x in
                                                                     sorted({(nm, x) for nm, x in adjacent})))
    if status == "in_progress":
        live = [p for p in projs if p.get("under_way")]
        zh.append("已有项目在推进：" + "、".join(f"{p['label']}（{p['status']}）" for p in live))
        en.append("a project is under way: " + ", ".join(f"{p['label']} ({p['status']})" for p in live))
    elif projs:
        zh.append("相关项目：" + "、".join(f"{p['label']}（{p.get('status') or '状态未知'}）" for p in projs))
        en.append("related projects: " + ", ".join(f"{p['label']} ({p.get('status') or 'status unknown'})" for p in projs))
    if status in ("elsewhere", "weak") and others:
        zh.append(f"市内其他区域已有 {_names(others)}，可就近配套或招引")
        en.append(f"elsewhere in the city: {_names(others, sep=', ')} (local sourcing)")
    elif status in ("missing",):
        zh.append("全市尚无企业覆盖此环节")
        en.append("no enterprise in the city covers it")
    elif status == "in_progress" and others:
        zh.append(f"市内其他区域已有 {_names(others)}")
        en.append(f"elsewhere in the city: {_names(others, sep=', ')}")
    if stated and status != "weak":
        zh.append("来源称区内已有此环节但未指明企业，宜先核实并补充布局")
        en.append("a source says the zone has this link without naming an enterprise: verify and place it first")
    return "；".join(zh) + "。", "; ".join(en) + "."


def _zone_links(proj, zone, cache):
    """{link: [enterprise IRIs]} over every chain, for the enterprises in *zone*."""
    if zone not in cache:
        index = {}
        for ent in proj.enterprises_in(zone):
            for link in proj.enterprises[ent]["links"]:
                index.setdefault(link, []).append(ent)
        cache[zone] = index
    return cache[zone]


def _under_way(project, _threshold=[]):
    if not _threshold:
        from ..mapping import STATUSES as ORDER
        from ..project import UNDER_WAY_FROM

        _threshold.append(list(ORDER).index(UNDER_WAY_FROM))
    return project["status_order"] is not None and project["status_order"] >= _threshold[0]


def _projects_by_link(proj, zone, cache):
    """{link: [{"label", "status", "under_way"}]} for the projects located in *zone* (or within it)."""
    key = ("projects", zone)
    if key not in cache:
        out = {}
        for iri in proj.projects_in(zone):
            p = proj.projects[iri]
            for link in p["links"]:
                out.setdefault(link, []).append({"label": p["label"], "status": p["status"], "under_way": _under_way(p)})
        cache[key] = out
    return cache[key]


def zone_gaps(proj, zone, chain, *, metrics=None, _cache=None, scope="zone") -> list[dict]:
    """:func:`link_gaps` for one zone × chain of a :class:`chainkg.project.Projection`.

    Enterprises located in *zone* or any zone within it count as local; ``elsewhere`` are those in the
    rest of the zone's city; projects located in the zone (or within it) that serve a link count for it;
    lead roles are those of :meth:`~chainkg.project.Projection.leads_for`.
    """
    cache = _cache if _cache is not None else {}
    dag = proj.chain_graphs[chain]
    m = metrics or chain_metrics(dag)
    ent_label = lambda e: proj.enterprises[e]["label"]  # noqa: E731
    zl = _zone_links(proj, zone, cache)
    local = {link: sorted({ent_label(e) for e in zl[link]}) for link in dag if link in zl}
    elsewhere = {}
    city = proj.region(zone) if scope == "zone" else None
    if city is not None and city != zone:
        cl = _zone_links(proj, city, cache)
        here = proj.enterprises_in(zone)
        for link in dag:
            for e in cl.get(link, ()):
                if e not in here:
                    where = "、".join(proj.zones[z]["label"] for z in proj.enterprises[e]["zones"])
                    elsewhere.setdefault(link, []).append(f"{ent_label(e)}（{where}）" if where else ent_label(e))
    leads = {}
    for role in proj.leads_for(zone, chain):
        e = role["enterprise"]
        leads.setdefault(ent_label(e), set()).update(link for link in proj.enterprises[e]["links"] if link in dag)
    zinfo, cinfo = proj.zones[zone], proj.chains[chain]
    extra = {"zone_en": zinfo["label_en"], "zone_iri": zone, "chain_id": cinfo["id"], "chain_en": cinfo["label_en"],
             "scope": scope, "leads": sorted(leads)}
    zp = _projects_by_link(proj, zone, cache)
    if ("stated", chain) not in cache:
        cache[("stated", chain)] = [(z, st["links"]) for (z, c), sts in sorted(proj.zone_chains.items()) if c == chain
                                    for st in sts if st["links"]]
    stated = {link for z, links in cache[("stated", chain)] if proj.within(z, zone) for link in links if link in dag}
    return link_gaps(dag, local, elsewhere=elsewhere, projects={link: zp[link] for link in dag if link in zp},
                     leads={k: sorted(v) for k, v in leads.items()}, stated=stated, metrics=m, zone=zinfo["label"],
                     chain=cinfo["label"], extra=extra)


def city_gaps(proj, city=None, *, _metrics=None, _cache=None) -> list[dict]:
    """Gaps for the city as a whole (every zone within it), for each reference chain that a zone of the
    city develops or that an enterprise of the city covers. With no *city*, every ``ck:City``."""
    cache = _cache if _cache is not None else {}
    metrics = _metrics if _metrics is not None else {}
    cities = [city] if city else sorted((z for z, i in proj.zones.items() if i["kind"] == "City"),
                                        key=lambda z: proj.zones[z]["label"])
    rows = []
    for c in cities:
        chains = {ch for z, ch in proj.developed() if proj.within(z, c)}
        zl = _zone_links(proj, c, cache)
        chains |= {proj.links[link]["chain"] for link in zl if proj.chains[proj.links[link]["chain"]]["reference"]}
        for ch in sorted(chains, key=lambda x: proj.chains[x]["id"]):
            if ch not in metrics:
                metrics[ch] = chain_metrics(proj.chain_graphs[ch])
            m = metrics[ch]
            rows.extend(zone_gaps(proj, c, ch, metrics=m, _cache=cache, scope="city"))
    return _sorted(rows)


def all_gaps(proj, *, city=True) -> list[dict]:
    """Gaps for every zone × reference chain the projection says is developed (see
    :meth:`~chainkg.project.Projection.developed`), plus the city-wide view when *city* is true.

    One projection, one pass: chain metrics are computed once per chain and each zone's link index once.
    """
    cache, metrics = {}, {}
    rows = []
    for zone, chain in proj.developed():
        if chain not in metrics:
            metrics[chain] = chain_metrics(proj.chain_graphs[chain])
        rows.extend(zone_gaps(proj, zone, chain, metrics=metrics[chain], _cache=cache))
    if city:
        rows.extend(city_gaps(proj, _metrics=metrics, _cache=cache))
    return _sorted(rows)


def _sorted(rows):
    return sorted(rows, key=lambda r: (r["scope"] != "city", r["zone"], r["chain_id"] if "chain_id" in r else r["chain"],
                                       r["priority"] is None, -(r["priority"] or 0), r["order"], r["link"]))


def summarize(rows) -> list[dict]:
    """Per zone × chain: link counts by status and completeness (share of links ``present``; ``hosted``
    counts ``weak`` too).

    Examples
    --------
    >>> rows = [{"zone": "z", "chain": "c", "status": s} for s in ("present", "weak", "missing", "missing")]
    >>> summarize(rows)[0]["completeness"], summarize(rows)[0]["hosted_share"]
    (0.25, 0.5)
    """
    out = {}
    for r in rows:
        key = (r["zone"], r["chain"])
        s = out.setdefault(key, {"zone": r["zone"], "chain": r["chain"], "chain_id": r.get("chain_id"),
                                 "scope": r.get("scope"), "links": 0, **{k: 0 for k in STATUSES}})
        s["links"] += 1
        s[r["status"]] += 1
    for s in out.values():
        s["completeness"] = round(s["present"] / s["links"], 4) if s["links"] else 0.0
        s["hosted_share"] = round((s["present"] + s["weak"]) / s["links"], 4) if s["links"] else 0.0
    return [out[k] for k in sorted(out)]


def _mentions(text, names):
    """Non-overlapping occurrences ``(start, end, key)`` of *names* (``[(name, key)]``) in *text``, longest
    match first (so 鞍钢朝阳钢铁 wins over 鞍钢)."""
    found = []
    for name, key in names:
        i = text.find(name)
        while i >= 0:
            found.append((i, i + len(name), key))
            i = text.find(name, i + 1)
    found.sort(key=lambda m: (m[0], -(m[1] - m[0]), str(m[2])))
    out, end = [], -1
    for m in found:
        if m[0] >= end:
            out.append(m)
            end = m[1]
    return out


def unplaced(proj) -> list[dict]:
    """Enterprises the sources put in a chain without placing them on any of its links.

    An enterprise is *in* a chain when a lead role names it for the chain; when the quote of a statement
    about a zone's chains (``ck:ZoneChain``) or of a lead role names it (such a quote is cut after each
    chain name it contains, and the enterprises named in a piece belong to the chain that ends it, or to
    the last chain named); or when one of the enterprise's own quotes names it in a list directly followed
    by a chain name (``中能建、天元、唯科、宏宇等膨润土材料生产企业``). Names are matched longest first,
    so ``浪马轮胎`` is an enterprise, not the chain ``轮胎``. It is unplaced for the chain when it covers
    none of the chain's links. Rows: ``enterprise``, ``chain``, ``chain_id``, ``zone``, ``reference``
    (the chain has a template), ``zone_iris``, ``source``, ``quote``, ``why`` (``lead`` or ``named``), sorted with
    reference chains first.

    Examples
    --------
    >>> names = [("宏发公司", ("e", "h")), ("农产品加工全产业链", ("c", "b")), ("一诺环保", ("e", "y")), ("环保产业链", ("c", "v"))]
    >>> q = "以宏发公司为龙头,建成了农产品加工全产业链,以一诺环保为龙头,形成了环保产业链"
    >>> _in_chain(q, _mentions(q, names), statement=True)
    [('h', 'b'), ('y', 'v')]
    >>> q = "引入了中能建、天元等膨润土材料生产企业,以及一诺环保"
    >>> names = [("中能建", ("e", "z")), ("天元", ("e", "t")), ("膨润土材料", ("c", "b")), ("一诺环保", ("e", "y"))]
    >>> _in_chain(q, _mentions(q, names), statement=False)
    [('z', 'b'), ('t', 'b')]
    """
    seen = {}

    def note(ent, chain, zone, source, quote, why):
        links = proj.chain_graphs.get(chain)
        if links is not None and any(l in links for l in proj.enterprises[ent]["links"]):
            return
        key = (ent, chain)
        if key not in seen or (why == "lead" and seen[key]["why"] != "lead"):
            zones = [zone] if zone else proj.enterprises[ent]["zones"]
            seen[key] = {"enterprise": proj.enterprises[ent]["label"], "chain": proj.chains[chain]["label"],
                         "chain_id": proj.chains[chain]["id"],
                         "zone": "、".join(proj.zones[z]["label"] for z in zones), "zone_iris": list(zones),
                         "reference": proj.chains[chain]["reference"],
                         "source": proj.sources.get(source, {}).get("id") if source else None, "quote": quote,
                         "why": why}

    for r in proj.leads:
        note(r["enterprise"], r["chain"], r["zone"], r["source"], r["quote"], "lead")
    names = [(n, ("e", e)) for e, info in proj.enterprises.items() for n in info["names"] if len(n) >= 2]
    names += [(n, ("c", c)) for c, info in proj.chains.items() for n in info["names"] if len(n) >= 2]
    quotes = set()  # (statement?, zone or None, source, quote)
    for (zone, _), statements in proj.zone_chains.items():
        quotes.update((True, zone, st["source"], st["quote"]) for st in statements if st.get("quote"))
    quotes.update((True, r["zone"], r["source"], r["quote"]) for r in proj.leads if r.get("quote"))
    for ent, info in proj.enterprises.items():
        quotes.update((False, None, src, q) for src, q in info["evidence"])
    for statement, zone, source, quote in sorted(quotes, key=lambda x: (not x[0], x[1] or "", x[2] or "", x[3])):
        for ent, chain in _in_chain(quote, _mentions(quote, names), statement):
            note(ent, chain, zone, source, quote, "named")
    return sorted(seen.values(), key=lambda r: (not r["reference"], r["chain_id"], r["zone"], r["enterprise"]))


def _in_chain(quote, mentions, statement):
    """``[(enterprise, chain)]`` pairs a quote puts together (see :func:`unplaced`)."""
    # a chain name inside a list of names (朝阳金达铝业、钛业、辽宁新都黄金) is a company, not the chain
    listed = {m for m in mentions if m[2][0] == "c" and ("、" in (quote[m[0] - 1:m[0]], quote[m[1]:m[1] + 1]))}
    mentions = [m for m in mentions if m not in listed]
    chains = [m for m in mentions if m[2][0] == "c"]
    if not chains:
        return []
    pairs = []
    if statement:
        for start, _, (kind, ent) in mentions:
            if kind == "e":
                after = [c for c in chains if c[0] >= start]
                pairs.append((ent, (after[0] if after else chains[-1])[2][1]))
        return pairs
    run = []
    for i, (start, end, (kind, key)) in enumerate(mentions):
        if kind == "e":
            if run and quote[mentions[i - 1][1]:start] not in ("、", "和", "及", "与"):
                run = []
            run.append(key)
        else:
            if run and quote[mentions[i - 1][1]:start] in ("", "等"):
                pairs.extend((e, key) for e in run)
            run = []
    return pairs
