"""The map model: every node and edge of a map, with its position, style, filters and tooltip, computed in
Python so the page opens with physics off and nothing moves.

This module knows nothing about RDF, the gap analysis or HTML. It reads plain dicts (below) and returns a
:class:`MapModel`, which :mod:`chainkg.render.html` turns into a page. :mod:`chainkg.render.adapt` builds
the dicts from a projection and the gap rows.

Input
-----
A chain map or zone map (:func:`chains_map`) takes a **map spec**::

    {"title": {"zh": str, "en": str}, "subtitle": {...} (optional),
     "chains": [chain, ...], "cross_edges": [((chain id, link id), (chain id, link id)), ...]}

    chain      {"id", "label", "label_en", "links": [link, ...] (upstream first),
                "edges": [(from link id, to link id), ...]}                       # ck:feedsInto
    link       {"id", "label", "label_en", "stage": "upstream"|"midstream"|"downstream"|None,
                "status": "present"|"weak"|"in_progress"|"elsewhere"|"missing",
                "priority": float|None, "rank": int|None, "gap_type_zh": str|None, "gap_type": str|None,
                "reason": str, "reason_en": str, "elsewhere": [str], "products": [str],
                "enterprises": [enterprise, ...], "projects": [project, ...], "quotes": [quote, ...],
                "references": [title of a source for the link itself, ...]}
    enterprise {"id", "label", "label_en", "full": full name, "names": [aliases], "lead": bool,
                "role": "链主"|"龙头"|..., "quotes": [quote, ...]}
    project    {"id", "label", "status": "在建"|..., "under_way": bool, "year": int|None,
                "investment": yuan|None, "investment_text": "18.2亿元"|None, "quotes": [quote, ...],
                "references": [source title, ...]}
    quote      {"source": document title or id, "quote": the source's words}

Only ``id``, ``label`` and (for links) ``status`` are required; everything else has a default. An
enterprise or project that appears on several links is one node with an edge to each; it is placed
under the first of them (its *home* link).

A city map (:func:`city_map`) takes ``{"title", "subtitle", "zones": [zone, ...]}`` with::

    zone       {"id", "label", "label_en", "kind", "investment", "chains": [zone chain, ...]}
    zone chain {"id", "label", "label_en", "investment", "links": n, "counts": {status: n},
                "hosted_share": 0..1, "gaps": [{"label", "status", "priority"}], "leads": [lead, ...]}
    lead       {"id", "label", "label_en", "full", "role", "investment", "quotes": [quote, ...]}

Output
------
:class:`MapModel`: ``nodes`` and ``edges`` as dicts (``id``, ``kind``, ``x``, ``y``, ``label`` {zh, en},
``vis`` (vis-network style options), ``facets`` ({facet: value}, for the filters), ``search`` (the
names the search box matches), ``info`` (the tooltip, as data), ``group`` / ``members`` for grouping),
plus ``facets``, ``legend`` and ``bands`` (the stage columns drawn behind the nodes).

Large maps: when a map has more than *group_threshold* nodes, the enterprises and projects of every link
that has more than *group_min* of them are folded into one group node per link ("12 家企业 · 3 个项目"),
which the page expands on double-click.
"""
from dataclasses import dataclass, field
import math

__all__ = ["MapModel", "chains_map", "chain_map", "city_map", "sample_spec", "STATUSES", "STAGES", "STATUS_STYLE",
           "format_money", "layer_links"]

STATUSES = ("present", "weak", "in_progress", "elsewhere", "missing")
STAGES = ("upstream", "midstream", "downstream")

#: status -> (zh, en, fill, border, font colour, dashed)
STATUS_STYLE = {
    "present": ("已有", "present", "#2e7d32", "#1b5e20", "#ffffff", False),
    "weak": ("薄弱", "weak (one enterprise)", "#f9a825", "#c17900", "#212121", False),
    "in_progress": ("在建", "in progress", "#1e88e5", "#0d47a1", "#ffffff", False),
    "elsewhere": ("市内他处有", "elsewhere in the city", "#8e24aa", "#4a148c", "#ffffff", False),
    "missing": ("缺失", "missing", "#ffffff", "#c62828", "#c62828", True),
}
STAGE_LABELS = {"upstream": ("上游", "Upstream"), "midstream": ("中游", "Midstream"),
                "downstream": ("下游", "Downstream"), None: ("未分阶段", "No stage")}
_STAGE_FILL = {"upstream": "rgba(25,118,210,0.06)", "midstream": "rgba(0,137,123,0.06)",
               "downstream": "rgba(239,108,0,0.06)", None: "rgba(97,97,97,0.05)"}

#: project status word -> English (the ontology's labels)
PROJECT_STATUS_EN = {"谋划": "planned", "储备": "in reserve", "洽谈": "negotiating", "签约": "signed",
                     "落地": "landed", "开工": "started", "新开工": "newly started", "复工": "resumed",
                     "续建": "continuing", "在建": "under construction", "竣工": "completed",
                     "投产": "in production", "达产": "at capacity", "运营": "operating"}

ENTERPRISE_COLOUR = ("#78909c", "#455a64")
LEAD_COLOUR = ("#ffb300", "#e65100")
PROJECT_COLOUR = {True: ("#fb8c00", "#e65100"), False: ("#ffe0b2", "#fb8c00")}
GROUP_COLOUR = ("#eceff1", "#78909c")

# geometry (vis-network units: pixels at zoom 1)
COLUMN_GAP = 70
LINK_HEIGHT = 80
ROW_HEIGHT = 50
SAT_WIDTH = 175
SLOT_PAD = 34
CHAIN_GAP = 170
MIN_COLUMN = 200


def _t(zh, en=None):
    """A bilingual text: ``{"zh": ..., "en": ...}``, English falling back to Chinese."""
    zh = "" if zh is None else str(zh)
    return {"zh": zh, "en": zh if en in (None, "") else str(en)}


def format_money(yuan, text=None):
    """A bilingual amount: the source's own words in Chinese when given, else 亿元 / 万元.

    Examples
    --------
    >>> format_money(1820000000)
    {'zh': '18.2亿元', 'en': 'CNY 1.82 bn'}
    >>> format_money(32030000, "3203万元")
    {'zh': '3203万元', 'en': 'CNY 32.03 m'}
    >>> format_money(None)
    """
    if yuan is None and not text:
        return None
    en = None
    zh = text
    if yuan is not None:
        y = float(yuan)
        en = f"CNY {y / 1e9:.3g} bn" if y >= 1e9 else f"CNY {y / 1e6:.4g} m"
        if not zh:
            zh = f"{y / 1e8:.4g}亿元" if y >= 1e8 else f"{y / 1e4:.4g}万元"
    return _t(zh, en)


@dataclass
class MapModel:
    """Everything a map page shows; see the module docstring for the fields of nodes and edges."""

    kind: str
    title: dict
    subtitle: dict = field(default_factory=lambda: _t(""))
    nodes: list = field(default_factory=list)
    edges: list = field(default_factory=list)
    facets: list = field(default_factory=list)
    legend: list = field(default_factory=list)
    bands: list = field(default_factory=list)
    grouped: bool = False

    def counts(self):
        """``(nodes, edges)`` in the model, hidden ones included."""
        return len(self.nodes), len(self.edges)

    def visible_counts(self):
        """``(nodes, edges)`` drawn when the page opens: nodes not folded into a group, edges whose ends
        are both drawn."""
        shown = {n["id"] for n in self.nodes if not n.get("hidden")}
        return len(shown), sum(1 for e in self.edges if e["from"] in shown and e["to"] in shown)

    def payload(self, lang="zh"):
        """The JSON-ready dict the page reads."""
        return {"kind": self.kind, "lang": lang, "title": self.title, "subtitle": self.subtitle,
                "nodes": self.nodes, "edges": self.edges, "facets": self.facets, "bands": self.bands,
                "grouped": self.grouped}


# ---------------------------------------------------------------------------------------------- layout
def layer_links(links, edges):
    """Column of each link: stages left to right, and within a stage the longest path from the stage's
    first links along ``edges`` (edges that point back upstream, or close a cycle, are ignored).

    Returns ``({link id: column}, {stage: (first column, last column)})``.

    Examples
    --------
    >>> links = [{"id": "a", "stage": "upstream"}, {"id": "b", "stage": "midstream"},
    ...          {"id": "c", "stage": "midstream"}, {"id": "d", "stage": "downstream"}]
    >>> layer_links(links, [("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")])
    ({'a': 0, 'b': 1, 'c': 2, 'd': 3}, {'upstream': (0, 0), 'midstream': (1, 2), 'downstream': (3, 3)})
    """
    stage_of = {l["id"]: (l.get("stage") if l.get("stage") in STAGES else None) for l in links}
    sub = _sublayers(links, edges, stage_of)
    widths = {}
    for lid, s in sub.items():
        widths[stage_of[lid]] = max(widths.get(stage_of[lid], 0), s + 1)
    return _columns(sub, stage_of, widths)


def _stage_key(stage):
    return STAGES.index(stage) if stage in STAGES else len(STAGES)


def _sublayers(links, edges, stage_of):
    """Longest-path layer of each link among the links of its own stage (Kahn's order; cycles broken
    by input order)."""
    ids = [l["id"] for l in links]
    preds = {i: [] for i in ids}
    succs = {i: [] for i in ids}
    for a, b in edges:
        if a in preds and b in preds and a != b and stage_of[a] == stage_of[b]:
            preds[b].append(a)
            succs[a].append(b)
    indeg = {i: len(preds[i]) for i in ids}
    ready = [i for i in ids if indeg[i] == 0]
    sub, done = {}, set()
    position = {i: k for k, i in enumerate(ids)}
    while len(done) < len(ids):
        if not ready:  # a cycle: take the first remaining link in input order
            ready = [min((i for i in ids if i not in done), key=position.get)]
        ready.sort(key=position.get)
        i = ready.pop(0)
        if i in done:
            continue
        done.add(i)
        sub[i] = max((sub[p] + 1 for p in preds[i] if p in sub), default=0)
        for s in succs[i]:
            indeg[s] -= 1
            if indeg[s] == 0 and s not in done:
                ready.append(s)
    return sub


def _columns(sub, stage_of, widths):
    stages = sorted(widths, key=_stage_key)
    offset, spans = 0, {}
    for s in stages:
        spans[s] = (offset, offset + widths[s] - 1)
        offset += widths[s]
    return {lid: spans[stage_of[lid]][0] + s for lid, s in sub.items()}, spans


def _per_row(n):
    """Satellites per row under a link: one (a narrow column), more for crowded links so the block
    stays compact."""
    return 1 if n <= 5 else 2 if n <= 12 else min(12, math.ceil(math.sqrt(n)))


def _slot_height(n_sat):
    rows = math.ceil(n_sat / _per_row(n_sat)) if n_sat else 0
    return LINK_HEIGHT + rows * ROW_HEIGHT + SLOT_PAD


def _satellite_xy(x, y, k, n):
    per = _per_row(n)
    row, col = divmod(k, per)
    in_row = min(per, n - row * per)
    return x + (col - (in_row - 1) / 2) * SAT_WIDTH, y + LINK_HEIGHT * 0.75 + row * ROW_HEIGHT


# ---------------------------------------------------------------------------------------------- styles
def _link_vis(status, label_lines=2):
    zh, en, fill, border, font, dashed = STATUS_STYLE[status]
    vis = {"shape": "box", "color": {"background": fill, "border": border,
                                    "highlight": {"background": fill, "border": "#000000"},
                                    "hover": {"background": fill, "border": "#000000"}},
           "font": {"color": font, "size": 18, "face": "sans-serif", "multi": False},
           "borderWidth": 3 if dashed else 2, "margin": 9, "widthConstraint": {"maximum": 180}}
    if dashed:
        vis["shapeProperties"] = {"borderDashes": [8, 5]}
    return vis


def _dot_vis(shape, size, colours, font_size=15):
    fill, border = colours
    return {"shape": shape, "size": size, "borderWidth": 2,
            "color": {"background": fill, "border": border, "highlight": {"background": fill, "border": "#000000"},
                      "hover": {"background": fill, "border": "#000000"}},
            "font": {"size": font_size, "face": "sans-serif", "color": "#212121", "strokeWidth": 3,
                     "strokeColor": "#ffffff"},
            "widthConstraint": {"maximum": 165}}


def _project_size(yuan):
    if not yuan or yuan <= 0:
        return 9
    return max(9, min(28, 9 + 4 * math.log10(max(yuan, 1e6) / 1e6)))


def _edge(eid, a, b, kind, **vis):
    return {"id": eid, "from": a, "to": b, "kind": kind, "vis": vis}


def _swatch(shape, fill, border, dashed=False):
    return {"shape": shape, "fill": fill, "border": border, "dashed": dashed}


def _status_legend():
    return [{"label": _t(zh, en), "swatch": _swatch("box", fill, border, dashed)}
            for zh, en, fill, border, _, dashed in STATUS_STYLE.values()]


# ---------------------------------------------------------------------------------------------- chain maps
def chain_map(chain, *, title=None, subtitle=None, group_threshold=300, group_min=4):
    """:func:`chains_map` for a single chain.

    Examples
    --------
    >>> chain = {"id": "c", "label": "链", "links": [
    ...     {"id": "a", "label": "甲", "stage": "upstream", "status": "present",
    ...      "enterprises": [{"id": "e1", "label": "企业一", "lead": True}, {"id": "e2", "label": "企业二"}]},
    ...     {"id": "b", "label": "乙", "stage": "downstream", "status": "missing",
    ...      "projects": [{"id": "p1", "label": "项目", "investment": 1.5e9, "status": "在建", "under_way": True}]}],
    ...     "edges": [("a", "b")]}
    >>> m = chain_map(chain)
    >>> m.counts(), m.visible_counts()
    ((5, 4), (5, 4))
    >>> [(n["kind"], n["label"]["zh"], n["x"] < 300) for n in m.nodes]  # doctest: +NORMALIZE_WHITESPACE
    [('link', '甲\\n已有', True), ('link', '乙\\n缺失', False), ('enterprise', '★企业一', True),
     ('enterprise', '企业二', True), ('project', '项目 · 15亿元 · 在建', False)]
    >>> [n["vis"]["shape"] for n in m.nodes]
    ['box', 'box', 'star', 'dot', 'diamond']
    """
    spec = {"title": title or _t(chain.get("label"), chain.get("label_en")), "subtitle": subtitle or _t(""),
            "chains": [chain]}
    return chains_map(spec, group_threshold=group_threshold, group_min=group_min)


def chains_map(spec, *, group_threshold=300, group_min=4):
    """The map of one or more chains (a zone's chains, stacked top to bottom with their stages aligned).

    Parameters
    ----------
    spec : dict
        A map spec (module docstring).
    group_threshold : int or None
        Fold satellites into one node per link when the map has more nodes than this (None: never).
    group_min : int
        Only links with more than this many enterprises and projects are folded.
    """
    chains = [_normalise(c) for c in spec.get("chains") or []]
    model = MapModel(kind="chain" if len(chains) == 1 else "zone", title=spec.get("title") or _t("产业链图谱", "Chain map"),
                     subtitle=spec.get("subtitle") or _t(""))
    # per chain: columns within stages; then stages aligned across chains
    layered, stage_width = [], {}
    for chain in chains:
        links = chain["links"]
        stage_of = {l["id"]: (l.get("stage") if l.get("stage") in STAGES else None) for l in links}
        sub = _sublayers(links, chain["edges"], stage_of)
        for lid, s in sub.items():
            stage_width[stage_of[lid]] = max(stage_width.get(stage_of[lid], 0), s + 1)
        layered.append((chain, links, stage_of, sub))
    col_of_chain = [_columns(sub, stage_of, stage_width)[0] for _, _, stage_of, sub in layered]
    spans = _columns({}, {}, stage_width)[1]
    n_cols = sum(stage_width.values())

    # nodes, satellites (each enterprise and project once per map, at its home link)
    node_ids = {}
    nodes, edges = [], []
    sats = {}  # link node id -> [satellite node ids]
    distinct = set()
    for chain in chains:
        for link in chain["links"]:
            distinct.add(("l", chain["id"], link["id"]))
            distinct.update(("e", str(e["id"])) for e in link.get("enterprises") or ())
            distinct.update(("p", str(p["id"])) for p in link.get("projects") or ())
    total = len(distinct)
    grouping = group_threshold is not None and total > group_threshold
    model.grouped = grouping

    link_nodes = []
    for ci, (chain, links, stage_of, sub) in enumerate(layered):
        for link in links:
            nid = f"l:{chain['id']}:{link['id']}"
            node_ids[(chain["id"], link["id"])] = nid
            link_nodes.append((ci, link, nid))

    sat_nodes = {}
    edge_no = 0

    def eid():
        nonlocal edge_no
        edge_no += 1
        return f"x{edge_no}"

    for ci, link, nid in link_nodes:
        facets = {"stage": link.get("stage") if link.get("stage") in STAGES else "none", "status": link["status"]}
        sats[nid] = []
        for e in sorted(link.get("enterprises") or (), key=lambda e: (not e.get("lead"), str(e.get("label")))):
            sid = "e:" + str(e["id"])
            if sid not in sat_nodes:
                sat_nodes[sid] = _enterprise_node(sid, e, facets)
                sats[nid].append(sid)
            edges.append(_edge(eid(), sid, nid, "covers", color={"color": "#90a4ae", "highlight": "#37474f"},
                               width=1.5 if e.get("lead") else 1))
        for p in link.get("projects") or ():
            sid = "p:" + str(p["id"])
            if sid not in sat_nodes:
                sat_nodes[sid] = _project_node(sid, p, facets)
                sats[nid].append(sid)
            edges.append(_edge(eid(), sid, nid, "serves", arrows="to", dashes=[3, 3],
                               color={"color": "#ef6c00", "highlight": "#e65100"}, width=1.5))

    # feeds edges (within chains, then across)
    status_of = {nid: link["status"] for _, link, nid in link_nodes}
    for ci, (chain, *_rest) in enumerate(layered):
        cid = str(chain["id"])
        for a, b in chain["edges"]:
            na, nb = node_ids.get((cid, str(a))), node_ids.get((cid, str(b)))
            if na and nb:
                gap = "missing" in (status_of[na], status_of[nb])
                edges.append(_edge(eid(), na, nb, "feeds", arrows="to", width=2.5,
                                   color={"color": "#c62828" if gap else "#546e7a", "highlight": "#000000"},
                                   dashes=[8, 5] if gap else False))
    for (ca, a), (cb, b) in spec.get("cross_edges") or ():
        na, nb = node_ids.get((str(ca), str(a))), node_ids.get((str(cb), str(b)))
        if na and nb:
            edges.append(_edge(eid(), na, nb, "cross", arrows="to", width=2, dashes=[2, 6],
                               color={"color": "#6a1b9a", "highlight": "#000000"}))

    # groups: one per crowded link
    groups = {}
    if grouping:
        for ci, link, nid in link_nodes:
            members = sats[nid]
            if len(members) > group_min:
                gid = "g:" + nid[2:]
                groups[nid] = gid
                n_ent = sum(1 for m in members if m.startswith("e:"))
                n_proj = len(members) - n_ent
                zh = "、".join(x for x in (f"{n_ent} 家企业" if n_ent else "", f"{n_proj} 个项目" if n_proj else "") if x)
                en = ", ".join(x for x in (f"{n_ent} enterprises" if n_ent else "", f"{n_proj} projects" if n_proj else "") if x)
                for m in members:
                    sat_nodes[m]["group"] = gid
                    sat_nodes[m]["hidden"] = True
                sat_nodes[gid] = {
                    "id": gid, "kind": "group", "label": _t(f"{zh}（双击展开）", f"{en} (double-click)"),
                    "vis": {**_link_vis("present"), "color": {"background": GROUP_COLOUR[0], "border": GROUP_COLOUR[1]},
                            "font": {"color": "#263238", "size": 14, "face": "sans-serif"}, "borderWidth": 1,
                            "shapeProperties": {"borderDashes": [4, 3]}},
                    "facets": dict(sat_nodes[members[0]]["facets"]), "members": list(members),
                    "search": "", "info": {"title": _t(f"{link['label']}：{zh}", f"{link.get('label_en') or link['label']}: {en}"),
                                           "sections": [{"head": _t("操作", "Action"),
                                                         "text": _t("双击或点“展开”显示各节点", "Double-click or press Expand to show them")}]},
                }
                edges.append(_edge(eid(), gid, nid, "member", color={"color": "#90a4ae"}, width=1, dashes=[4, 3]))

    # positions: column x from widths, y stacked per column inside each chain's band
    col_width = [0] * max(n_cols, 1)
    for ci, link, nid in link_nodes:
        col = col_of_chain[ci][link["id"]]
        # room for every satellite, folded or not: unfolding a group never overlaps its neighbours
        shown = len(sats[nid])
        per = _per_row(shown) if shown else 1
        col_width[col] = max(col_width[col], MIN_COLUMN, min(per, max(shown, 1)) * SAT_WIDTH)
    col_x, x = [], 0.0
    for w in col_width:
        col_x.append(x + w / 2)
        x += w + COLUMN_GAP
    pos = {}
    band_top = 0.0
    chain_bands = []
    for ci, (chain, links, stage_of, sub) in enumerate(layered):
        cols = {}
        for link in links:
            cols.setdefault(col_of_chain[ci][link["id"]], []).append(link)
        # order within a column by the mean row of the link's upstream neighbours (fewer crossings)
        rank = {}
        preds = {}
        for a, b in chain["edges"]:
            preds.setdefault(b, []).append(a)
        heights = {}
        for col in sorted(cols):
            items = cols[col]
            keyed = []
            for k, link in enumerate(items):
                ps = [rank[p] for p in preds.get(link["id"], ()) if p in rank]
                keyed.append((sum(ps) / len(ps) if ps else k, k, link))
            keyed.sort(key=lambda t: (t[0], t[1]))
            cols[col] = [t[2] for t in keyed]
            for r, link in enumerate(cols[col]):
                rank[link["id"]] = r
            heights[col] = sum(_slot_height(len(sats[node_ids[(chain["id"], l["id"])]])) for l in cols[col])
        band_h = max(heights.values(), default=LINK_HEIGHT)
        for col, items in cols.items():
            y = band_top + (band_h - heights[col]) / 2
            for link in items:
                nid = node_ids[(chain["id"], link["id"])]
                pos[nid] = (col_x[col], y + LINK_HEIGHT / 2)
                y += _slot_height(len(sats[nid]))
        chain_bands.append((chain, band_top, band_top + band_h))
        band_top += band_h + CHAIN_GAP

    for ci, link, nid in link_nodes:
        x, y = pos[nid]
        nodes.append(_link_node(nid, link, x, y))
        members = sats[nid]
        if nid in groups:
            g = sat_nodes[groups[nid]]
            g["x"], g["y"] = _satellite_xy(x, y, 0, 1)
        for k, m in enumerate(members):
            sat_nodes[m]["x"], sat_nodes[m]["y"] = _satellite_xy(x, y, k, len(members))
    for ci, link, nid in link_nodes:  # satellites after the links: the links draw on top of their edges
        if nid in groups:
            nodes.append(sat_nodes[groups[nid]])
        nodes.extend(sat_nodes[m] for m in sats[nid])
    model.nodes, model.edges = nodes, edges

    # bands: a column per stage behind everything, a title per chain
    top = -LINK_HEIGHT * 2
    bottom = max(band_top - CHAIN_GAP, 0) + LINK_HEIGHT
    for stage, (c0, c1) in spans.items():
        x0 = col_x[c0] - col_width[c0] / 2 - COLUMN_GAP / 3
        x1 = col_x[c1] + col_width[c1] / 2 + COLUMN_GAP / 3
        zh, en = STAGE_LABELS[stage]
        model.bands.append({"x0": x0, "x1": x1, "y0": top, "y1": bottom, "label": _t(zh, en),
                            "fill": _STAGE_FILL[stage], "kind": "stage"})
    if len(chains) > 1:
        left = col_x[0] - col_width[0] / 2 - COLUMN_GAP / 3 if col_x else 0
        right = col_x[-1] + col_width[-1] / 2 + COLUMN_GAP / 3 if col_x else 0
        for chain, y0, y1 in chain_bands:
            model.bands.append({"x0": left, "x1": right, "y0": y0 - LINK_HEIGHT, "y1": y1,
                                "label": _t(chain.get("label"), chain.get("label_en")), "fill": None, "kind": "chain"})

    stages_present = sorted({n["facets"]["stage"] for n in nodes if n["kind"] == "link"},
                            key=lambda s: _stage_key(None if s == "none" else s))
    statuses_present = [s for s in STATUSES if any(n["kind"] == "link" and n["facets"]["status"] == s for n in nodes)]
    model.facets = [
        {"key": "stage", "label": _t("阶段", "Stage"),
         "values": [{"value": s, "label": _t(*STAGE_LABELS[None if s == "none" else s])} for s in stages_present]},
        {"key": "status", "label": _t("缺链状态", "Gap status"),
         "values": [{"value": s, "label": _t(STATUS_STYLE[s][0], STATUS_STYLE[s][1]),
                     "swatch": _swatch("box", *STATUS_STYLE[s][2:4], STATUS_STYLE[s][5])} for s in statuses_present]},
    ]
    model.legend = _status_legend() + [
        {"label": _t("链主 / 龙头企业", "lead enterprise"), "swatch": _swatch("star", *LEAD_COLOUR)},
        {"label": _t("企业", "enterprise"), "swatch": _swatch("dot", *ENTERPRISE_COLOUR)},
        {"label": _t("项目（大小 = 投资额）", "project (size = investment)"), "swatch": _swatch("diamond", *PROJECT_COLOUR[True])},
        {"label": _t("供给关系（上游 → 下游）", "feeds (upstream → downstream)"), "swatch": _swatch("arrow", "#546e7a", "#546e7a")},
        {"label": _t("连到缺失环节", "to or from a missing link"), "swatch": _swatch("arrow", "#c62828", "#c62828", True)},
    ]
    if grouping:
        model.legend.append({"label": _t("折叠的企业和项目（双击展开）", "folded enterprises and projects (double-click)"),
                             "swatch": _swatch("box", *GROUP_COLOUR, True)})
    return model


def _normalise(chain):
    """A copy of *chain* with string ids (ids may come as numbers or IRIs)."""
    links = [dict(l, id=str(l["id"])) for l in chain.get("links") or ()]
    return dict(chain, id=str(chain["id"]), links=links, edges=[(str(a), str(b)) for a, b in chain.get("edges") or ()])


def _quotes(items):
    out = []
    seen = set()
    for q in items or ():
        key = (q.get("source"), q.get("quote"))
        if q.get("quote") and key not in seen:
            seen.add(key)
            out.append({"source": str(q.get("source") or ""), "quote": str(q["quote"])})
    return out


def _names(*values):
    return " ".join(str(v) for v in values if v)


def _link_node(nid, link, x, y):
    status = link["status"]
    zh_s, en_s = STATUS_STYLE[status][:2]
    label_en = link.get("label_en") or link["label"]
    prio = link.get("priority")
    tag_zh = zh_s + (f" · {prio:g}" if prio is not None else "")
    tag_en = en_s.split(" (")[0] + (f" · {prio:g}" if prio is not None else "")
    ents = link.get("enterprises") or []
    projs = link.get("projects") or []
    fields = [[_t("阶段", "Stage"), _t(*STAGE_LABELS[link.get("stage") if link.get("stage") in STAGES else None])],
              [_t("状态", "Status"), _t(zh_s, en_s)]]
    if prio is not None:
        rank = link.get("rank")
        fields.append([_t("优先级", "Priority"), _t(f"{prio:g}" + (f"（第 {rank} 位）" if rank else ""),
                                                 f"{prio:g}" + (f" (rank {rank})" if rank else ""))])
    if link.get("gap_type_zh"):
        fields.append([_t("类型", "Kind"), _t(link["gap_type_zh"], link.get("gap_type"))])
    sections = []
    if ents:
        sections.append({"head": _t(f"企业（{len(ents)}）", f"Enterprises ({len(ents)})"),
                         "items": [_ent_line(e) for e in sorted(ents, key=lambda e: not e.get("lead"))]})
    if projs:
        sections.append({"head": _t(f"项目（{len(projs)}）", f"Projects ({len(projs)})"),
                         "items": [_project_line(p) for p in projs]})
    if link.get("elsewhere"):
        sections.append({"head": _t("市内其他区域", "Elsewhere in the city"), "items": [_t(s) for s in link["elsewhere"]]})
    if link.get("reason"):
        sections.append({"head": _t("原因", "Reason"), "text": _t(link["reason"], link.get("reason_en"))})
    if link.get("products"):
        sections.append({"head": _t("典型产品", "Typical products"), "text": _t("、".join(link["products"]), ", ".join(link["products"]))})
    quotes = _quotes(list(link.get("quotes") or []) + [q for e in ents for q in e.get("quotes") or ()]
                     + [q for p in projs for q in p.get("quotes") or ()])
    if quotes:
        sections.append({"head": _t("来源原文", "Source quotes"), "quotes": quotes})
    if link.get("references"):
        sections.append({"head": _t("环节依据", "Reference for the link"), "items": [_t(r) for r in link["references"]]})
    return {"id": nid, "kind": "link", "x": round(x, 1), "y": round(y, 1),
            "label": _t(f"{link['label']}\n{tag_zh}", f"{label_en}\n{tag_en}"), "vis": _link_vis(status),
            "facets": {"stage": link.get("stage") if link.get("stage") in STAGES else "none", "status": status},
            "search": _names(link["label"], link.get("label_en"), *(link.get("names") or ())),
            "info": {"title": _t(link["label"], label_en), "fields": fields, "sections": sections}}


def _ent_line(e):
    zh = e.get("full") or e["label"]
    en = e.get("label_en") or zh
    if e.get("lead"):
        role = e.get("role") or "链主"
        return _t(f"★ {zh}（{role}）", f"★ {en} (lead, {role})")
    return _t(zh, en)


def _project_line(p):
    money = format_money(p.get("investment"), p.get("investment_text"))
    status = p.get("status")
    zh = " · ".join(x for x in (p["label"], money and money["zh"], status, p.get("year") and f"{p['year']}年") if x)
    en = " · ".join(x for x in (p["label"], money and money["en"], status and PROJECT_STATUS_EN.get(status, status),
                                p.get("year") and str(p["year"])) if x)
    return _t(zh, en)


def _enterprise_node(sid, e, facets):
    lead = bool(e.get("lead"))
    label = e["label"]
    label_en = e.get("label_en") or label
    vis = _dot_vis("star", 18, LEAD_COLOUR, 16) if lead else _dot_vis("dot", 8, ENTERPRISE_COLOUR)
    if lead:
        vis["font"]["bold"] = {"color": "#bf360c"}
    role = e.get("role") or "链主"
    fields = [[_t("类型", "Kind"), _t(f"链主企业（{role}）", f"lead enterprise ({role})") if lead else _t("企业", "enterprise")]]
    if e.get("full") and e["full"] != label:
        fields.append([_t("全称", "Full name"), _t(e["full"])])
    sections = []
    quotes = _quotes(e.get("quotes"))
    if quotes:
        sections.append({"head": _t("来源原文", "Source quotes"), "quotes": quotes})
    return {"id": sid, "kind": "enterprise", "label": _t(f"★{label}" if lead else label, f"★{label_en}" if lead else label_en),
            "vis": vis, "facets": dict(facets), "lead": lead,
            "search": _names(label, label_en, e.get("full"), *(e.get("names") or ())),
            "info": {"title": _t(e.get("full") or label, label_en), "fields": fields, "sections": sections}}


def _project_node(sid, p, facets):
    under_way = bool(p.get("under_way"))
    money = format_money(p.get("investment"), p.get("investment_text"))
    vis = _dot_vis("diamond", round(_project_size(p.get("investment")), 1), PROJECT_COLOUR[under_way])
    status = p.get("status")
    fields = [[_t("状态", "Status"), _t(status or "未知", PROJECT_STATUS_EN.get(status, status or "unknown"))]]
    if money:
        fields.append([_t("总投资", "Investment"), money])
    if p.get("year"):
        fields.append([_t("年份", "Year"), _t(str(p["year"]))])
    sections = []
    quotes = _quotes(p.get("quotes"))
    if quotes:
        sections.append({"head": _t("来源原文", "Source quotes"), "quotes": quotes})
    if p.get("references"):
        sections.append({"head": _t("来源", "Sources"), "items": [_t(r) for r in p["references"]]})
    label_en = p.get("label_en") or p["label"]
    label = " · ".join(x for x in (p["label"], money and money["zh"], status) if x)
    label_en = " · ".join(x for x in (label_en, money and money["en"], status and PROJECT_STATUS_EN.get(status, status)) if x)
    return {"id": sid, "kind": "project", "label": _t(label, label_en),
            "vis": vis, "facets": dict(facets), "search": _names(p["label"], p.get("label_en"), *(p.get("names") or ())),
            "info": {"title": _t(p["label"], label_en), "fields": fields, "sections": sections}}


# ---------------------------------------------------------------------------------------------- city map
def city_map(spec):
    """Zones → their chains → the chains' lead enterprises, left to right; sizes follow investment.

    Examples
    --------
    >>> spec = {"title": {"zh": "市", "en": "City"}, "zones": [
    ...   {"id": "z1", "label": "甲区", "investment": 2e9, "chains": [
    ...     {"id": "c1", "label": "钢铁", "investment": 1e9, "hosted_share": 0.5, "links": 4,
    ...      "leads": [{"id": "e1", "label": "凌钢", "investment": 1e9}]}]},
    ...   {"id": "z2", "label": "乙区", "chains": [
    ...     {"id": "c1", "label": "钢铁", "leads": [{"id": "e1", "label": "凌钢"}]}]}]}
    >>> m = city_map(spec)
    >>> [(n["kind"], n["label"]["zh"]) for n in m.nodes]
    [('zone', '甲区'), ('zone', '乙区'), ('chain', '钢铁'), ('chain', '钢铁'), ('lead', '★凌钢')]
    >>> m.counts()
    (5, 4)
    """
    model = MapModel(kind="city", title=spec.get("title") or _t("全市产业链", "City chains"),
                     subtitle=spec.get("subtitle") or _t(""))
    zones = spec.get("zones") or []
    inv_max = {k: 0.0 for k in ("zone", "chain", "lead")}
    for z in zones:
        inv_max["zone"] = max(inv_max["zone"], float(z.get("investment") or 0))
        for c in z.get("chains") or ():
            inv_max["chain"] = max(inv_max["chain"], float(c.get("investment") or 0))
            for l in c.get("leads") or ():
                inv_max["lead"] = max(inv_max["lead"], float(l.get("investment") or 0))

    def size(kind, value, base, span):
        top = inv_max[kind]
        return round(base + (span * math.sqrt(float(value) / top) if value and top else 0), 1)

    xs = {"zone": 0.0, "chain": 560.0, "lead": 1120.0}
    zone_nodes, chain_nodes, lead_nodes, edges = [], [], [], []
    leads = {}
    y = 0.0
    n_edge = 0
    chain_ids = {}
    for z in zones:
        zid = "z:" + str(z["id"])
        first = y
        for c in z.get("chains") or ():
            cid = f"c:{z['id']}:{c['id']}"
            chain_ids.setdefault(str(c["id"]), _t(c.get("label"), c.get("label_en")))
            c_leads = c.get("leads") or []
            c_y = y + max(len(c_leads) - 1, 0) * 70 / 2
            chain_nodes.append(_city_chain_node(cid, c, z, xs["chain"], c_y, size("chain", c.get("investment"), 14, 30)))
            n_edge += 1
            edges.append(_edge(f"t{n_edge}", zid, cid, "tree", arrows="to", width=2, color={"color": "#7986cb"}))
            for k, l in enumerate(c_leads):
                lid = "e:" + str(l["id"])
                if lid not in leads:
                    leads[lid] = _city_lead_node(lid, l, str(c["id"]), xs["lead"], y + k * 70,
                                                 size("lead", l.get("investment"), 16, 26))
                    lead_nodes.append(leads[lid])
                leads[lid]["info"]["sections"][0]["items"].append(
                    _t(f"{c['label']}（{z['label']}）",
                       f"{c.get('label_en') or c['label']} ({z.get('label_en') or z['label']})"))
                n_edge += 1
                edges.append(_edge(f"t{n_edge}", cid, lid, "tree", arrows="to", width=1.5, color={"color": "#ffb300"}))
            y += max(len(c_leads), 1) * 70 + 20
        z_y = (first + y - 90) / 2 if y > first else y
        zone_nodes.append(_city_zone_node(zid, z, xs["zone"], z_y, size("zone", z.get("investment"), 18, 34)))
        if y == first:
            y += 90
        y += 60
    model.nodes = zone_nodes + chain_nodes + lead_nodes
    model.edges = edges
    model.bands = [{"x0": xs[k] - 240, "x1": xs[k] + 240, "y0": -160, "y1": max(y, 100), "label": _t(*lab),
                    "fill": fill, "kind": "stage"}
                   for k, lab, fill in (("zone", ("区域", "Zones"), "rgba(57,73,171,0.05)"),
                                        ("chain", ("产业链", "Chains"), "rgba(0,137,123,0.05)"),
                                        ("lead", ("链主企业", "Lead enterprises"), "rgba(255,179,0,0.07)"))]
    model.facets = [{"key": "chain", "label": _t("产业链", "Chain"),
                     "values": [{"value": k, "label": v} for k, v in sorted(chain_ids.items())]}]
    model.legend = [
        {"label": _t("区域（大小 = 项目总投资）", "zone (size = project investment)"), "swatch": _swatch("dot", "#3949ab", "#1a237e")},
        {"label": _t("产业链：区内已有 ≥ 50% 环节", "chain: 50% or more of its links hosted"), "swatch": _swatch("dot", *_share_colour(0.6))},
        {"label": _t("产业链：已有 25%–50%", "chain: 25% to 50% hosted"), "swatch": _swatch("dot", *_share_colour(0.3))},
        {"label": _t("产业链：已有 < 25%", "chain: under 25% hosted"), "swatch": _swatch("dot", *_share_colour(0.1))},
        {"label": _t("链主 / 龙头企业（大小 = 投资额）", "lead enterprise (size = investment)"), "swatch": _swatch("star", *LEAD_COLOUR)},
    ]
    return model


def _share_colour(share):
    if share is None:
        return ("#b0bec5", "#546e7a")
    if share >= 0.5:
        return ("#43a047", "#1b5e20")
    if share >= 0.25:
        return ("#fdd835", "#c17900")
    return ("#e57373", "#b71c1c")


def _city_zone_node(zid, z, x, y, size):
    money = format_money(z.get("investment"))
    fields = [[_t("类型", "Kind"), _t(z.get("kind") or "区域", z.get("kind_en") or z.get("kind") or "zone")],
              [_t("产业链", "Chains"), _t(str(len(z.get("chains") or ())))]]
    if money:
        fields.append([_t("项目总投资", "Project investment"), money])
    vis = _dot_vis("dot", size, ("#3949ab", "#1a237e"), 16)
    return {"id": zid, "kind": "zone", "x": x, "y": round(y, 1), "label": _t(z["label"], z.get("label_en")),
            "vis": vis, "facets": {}, "search": _names(z["label"], z.get("label_en"), *(z.get("names") or ())),
            "info": {"title": _t(z["label"], z.get("label_en")), "fields": fields, "sections": []}}


def _city_chain_node(cid, c, z, x, y, size):
    share = c.get("hosted_share")
    counts = c.get("counts") or {}
    fields = []
    if c.get("links"):
        fields.append([_t("环节", "Links"), _t(str(c["links"]))])
    if share is not None:
        fields.append([_t("已有环节占比", "Links hosted"), _t(f"{round(100 * share)}%")])
    for s in STATUSES:
        if counts.get(s):
            fields.append([_t(STATUS_STYLE[s][0], STATUS_STYLE[s][1]), _t(str(counts[s]))])
    money = format_money(c.get("investment"))
    if money:
        fields.append([_t("项目投资", "Project investment"), money])
    sections = []
    gaps = c.get("gaps") or []
    if gaps:
        sections.append({"head": _t("优先补链", "Top gaps"),
                         "items": [_t(f"{g['label']}（{STATUS_STYLE[g['status']][0]} · {g['priority']:g}）",
                                      f"{g.get('label_en') or g['label']} ({STATUS_STYLE[g['status']][1]} · {g['priority']:g})")
                                   for g in gaps if g.get("priority") is not None]})
    vis = _dot_vis("dot", size, _share_colour(share), 14)
    return {"id": cid, "kind": "chain", "x": x, "y": round(y, 1), "label": _t(c["label"], c.get("label_en")),
            "vis": vis, "facets": {"chain": str(c["id"])},
            "search": _names(c["label"], c.get("label_en")),
            "info": {"title": _t(f"{z['label']} · {c['label']}", f"{z.get('label_en') or z['label']} · {c.get('label_en') or c['label']}"),
                     "fields": fields, "sections": sections}}


def _city_lead_node(lid, l, chain_id, x, y, size):
    money = format_money(l.get("investment"))
    fields = [[_t("角色", "Role"), _t(l.get("role") or "链主", "lead")]]
    if money:
        fields.append([_t("项目投资", "Project investment"), money])
    sections = [{"head": _t("所领产业链", "Leads"), "items": []}]
    quotes = _quotes(l.get("quotes"))
    if quotes:
        sections.append({"head": _t("来源原文", "Source quotes"), "quotes": quotes})
    label = l["label"]
    return {"id": lid, "kind": "lead", "x": x, "y": round(y, 1), "label": _t(f"★{label}", f"★{l.get('label_en') or label}"),
            "vis": _dot_vis("star", size, LEAD_COLOUR, 14), "facets": {"chain": chain_id},
            "search": _names(label, l.get("label_en"), l.get("full"), *(l.get("names") or ())),
            "info": {"title": _t(l.get("full") or label, l.get("label_en")), "fields": fields, "sections": sections}}


# ---------------------------------------------------------------------------------------------- samples
def sample_spec(n_nodes, *, links_per_chain=14, seed=0):
    """A synthetic map spec with exactly *n_nodes* nodes (links, enterprises, projects), for benchmarks
    and browser tests: chains of *links_per_chain* links (upstream, midstream, downstream), about four
    enterprises to each project, one enterprise in ten also covering the next link, and statuses that
    follow the number of enterprises (0 missing or in progress, 1 weak, 2+ present).

    Examples
    --------
    >>> m = chains_map(sample_spec(500), group_threshold=None)
    >>> m.counts()[0], len({n["id"] for n in m.nodes})
    (500, 500)
    """
    import random

    rnd = random.Random(seed)
    n_chains = max(1, math.ceil(n_nodes / 1500))
    n_links = min(n_nodes, n_chains * links_per_chain)
    n_chains = math.ceil(n_links / links_per_chain)
    rest = n_nodes - n_links
    n_proj = rest // 5
    n_ent = rest - n_proj
    stages = ["upstream"] * 5 + ["midstream"] * 5 + ["downstream"] * 4
    chains, all_links = [], []
    for c in range(n_chains):
        k = min(links_per_chain, n_links - c * links_per_chain)
        links = [{"id": f"l{j}", "label": f"环节{c}-{j}", "label_en": f"Link {c}-{j}",
                  "stage": stages[j % len(stages)] if k == links_per_chain else STAGES[min(2, j * 3 // max(k, 1))],
                  "status": "missing", "enterprises": [], "projects": [], "priority": None,
                  "reason": f"示例环节 {c}-{j}", "reason_en": f"sample link {c}-{j}"} for j in range(k)]
        edges = []
        for j in range(1, k):
            edges.append((f"l{rnd.randrange(0, j)}", f"l{j}"))
            if j > 2 and rnd.random() < 0.5:
                edges.append((f"l{rnd.randrange(0, j - 1)}", f"l{j}"))
        chains.append({"id": f"c{c}", "label": f"示例产业链{c}", "label_en": f"Sample chain {c}",
                       "links": links, "edges": sorted(set(edges))})
        all_links.extend(links)
    weights = [rnd.random() ** 2 for _ in all_links]
    for i in range(n_ent):
        idx = rnd.choices(range(len(all_links)), weights)[0]
        ent = {"id": f"e{i}", "label": f"示例企业{i:05d}", "lead": i < n_chains,
               "quotes": [{"source": "示例来源", "quote": f"示例企业{i:05d}位于该环节。"}]}
        all_links[idx]["enterprises"].append(ent)
        if i % 10 == 9 and idx + 1 < len(all_links) and all_links[idx + 1] is not None:
            all_links[idx + 1]["enterprises"].append(ent)
    for i in range(n_proj):
        idx = rnd.randrange(len(all_links))
        all_links[idx]["projects"].append({"id": f"p{i}", "label": f"示例项目{i:05d}", "status": "在建",
                                           "under_way": True, "investment": rnd.choice([None, 3e7, 5e8, 2e9])})
    for link in all_links:
        n = len({e["id"] for e in link["enterprises"]})
        link["status"] = ("present" if n >= 2 else "weak" if n == 1 else
                          "in_progress" if link["projects"] else "missing")
        if link["status"] != "present":
            link["priority"] = round(rnd.uniform(10, 100), 1)
    return {"title": _t(f"示例图谱（{n_nodes} 个节点）", f"Sample map ({n_nodes} nodes)"), "chains": chains}
