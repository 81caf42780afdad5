"""Centrality on the enterprise–link–zone graph, and the lead enterprises the sources name compared with
the most central ones.

The graph (:func:`network`) is undirected: enterprise — link (the enterprise covers the link), enterprise
— zone (located in), link — link (``feedsInto``, within and across chains) and zone — zone (``partOf``).
For it, or for one chain (:func:`chain_network`: the chain's links, the enterprises covering them and
their zones), :func:`centrality` gives degree centrality, betweenness and PageRank for every node;
:func:`compare_leads` flags where the enterprises the sources call lead (链主/龙头) and the most central
enterprises of a chain disagree.

Betweenness is exact up to :data:`EXACT_LIMIT` nodes and sampled (``k`` = :data:`EXACT_LIMIT` pivots,
fixed seed, so still deterministic) above: networkx's exact algorithm is O(VE) and takes minutes past
about 10,000 nodes (see DESIGN.md).
"""

__all__ = ["network", "chain_network", "centrality", "compare_leads", "EXACT_LIMIT", "FLAGS"]

#: Largest graph for which betweenness is computed exactly.
EXACT_LIMIT = 2000

#: flag -> (Chinese, English) explanation used in :func:`compare_leads` rows.
FLAGS = {
    "agree": ("链主即最核心企业之一", "the lead is among the most central enterprises"),
    "lead_not_central": ("文章称其为链主，但在链上并非最核心", "called lead, but not among the most central"),
    "central_not_lead": ("链上最核心企业之一，但文章未称其为链主", "among the most central, but no source calls it lead"),
    "lead_unplaced": ("文章称其为链主，但尚未布局到该链任何环节", "called lead, but placed on no link of the chain"),
}


def network(proj):
    """The whole enterprise–link–zone graph of a :class:`chainkg.project.Projection` (``networkx.Graph``;
    node attributes ``kind`` (enterprise, link, zone) and ``label``)."""
    import networkx as nx

    g = nx.Graph()
    for z, info in proj.zones.items():
        g.add_node(z, kind="zone", label=info["label"])
    for link, info in proj.links.items():
        g.add_node(link, kind="link", label=info["label"], chain=info["chain"])
    for e, info in proj.enterprises.items():
        g.add_node(e, kind="enterprise", label=info["label"])
    for z, info in proj.zones.items():
        g.add_edges_from((z, p) for p in info["parents"])
    for chain_graph in proj.chain_graphs.values():
        g.add_edges_from(chain_graph.edges())
    g.add_edges_from(proj.cross_edges)
    for e, info in proj.enterprises.items():
        g.add_edges_from((e, z) for z in info["zones"])
        g.add_edges_from((e, link) for link in info["links"])
    return g


def chain_network(proj, chain, whole=None):
    """The subgraph of one chain: its links, the enterprises covering them and those enterprises' zones
    (with the zones they lie in). *whole* is :func:`network` of *proj* when already built."""
    whole = whole if whole is not None else network(proj)
    links = set(proj.chain_graphs[chain])
    ents = {e for e, info in proj.enterprises.items() if info["links"] & links}
    zones = set()
    for e in ents:
        for z in proj.enterprises[e]["zones"]:
            zones |= proj.ancestors(z)
    # an enterprise's links in other chains are left out: they are not part of this chain's picture
    return whole.subgraph(links | ents | zones).copy()


def centrality(g) -> list[dict]:
    """Degree centrality, betweenness and PageRank of every node of *g*, as rows sorted by PageRank.

    Parameters
    ----------
    g : networkx.Graph
        Nodes may carry ``kind`` and ``label``.

    Returns
    -------
    list of dict
        ``node``, ``kind``, ``label``, ``degree`` (number of neighbours), ``degree_centrality``,
        ``betweenness`` (normalised), ``pagerank`` and ``rank`` (1 = highest PageRank; ties by label).

    Examples
    --------
    A star: the hub is first on every measure (PageRank by hand: hub 0.133125 / 0.2775 = 0.4797).

    >>> import networkx as nx
    >>> rows = centrality(nx.star_graph(3))
    >>> [(r["node"], r["degree"], r["betweenness"], r["pagerank"]) for r in rows][:2]
    [(0, 3, 1.0, 0.4797), (1, 1, 0.0, 0.1734)]
    """
    import networkx as nx

    if len(g) == 0:
        return []
    degree = nx.degree_centrality(g) if len(g) > 1 else {n: 0.0 for n in g}
    if len(g) <= EXACT_LIMIT:
        between = nx.betweenness_centrality(g, normalized=True)
    else:
        between = nx.betweenness_centrality(g, k=EXACT_LIMIT, normalized=True, seed=0)
    rank = _pagerank(g)
    rows = [{"node": n, "kind": g.nodes[n].get("kind"), "label": g.nodes[n].get("label", str(n)),
             "degree": g.degree(n), "degree_centrality": round(degree[n], 4), "betweenness": round(between[n], 4),
             "pagerank": round(rank[n], 4)} for n in g]
    rows.sort(key=lambda r: (-r["pagerank"], -r["betweenness"], -r["degree"], str(r["label"]), str(r["node"])))
    for i, r in enumerate(rows):
        r["rank"] = i + 1
    return rows


def _pagerank(g, alpha=0.85, tol=1e-12, max_iter=1000):
    """PageRank by power iteration in pure Python (networkx's needs NumPy/SciPy, which chainkg does not
    otherwise depend on); same definition as :func:`networkx.pagerank` with uniform teleport and
    dangling nodes spread uniformly."""
    nodes = list(g)
    n = len(nodes)
    rank = dict.fromkeys(nodes, 1.0 / n)
    degree = {v: g.degree(v, weight=None) for v in nodes}
    dangling = [v for v in nodes if degree[v] == 0]
    for _ in range(max_iter):
        spread = alpha * sum(rank[v] for v in dangling) / n
        new = dict.fromkeys(nodes, (1.0 - alpha) / n + spread)
        for v in nodes:
            if degree[v]:
                share = alpha * rank[v] / degree[v]
                for u in g[v]:
                    new[u] += share
        if sum(abs(new[v] - rank[v]) for v in nodes) < n * tol:
            return new
        rank = new
    return rank


def compare_leads(rows, leads, top=None, labels=None) -> list[dict]:
    """Compare the enterprises the sources call lead with the most central enterprises of a chain.

    Parameters
    ----------
    rows : list of dict
        :func:`centrality` rows of a chain's network (only ``kind == "enterprise"`` rows are used).
    leads : mapping
        ``{enterprise node: [role words]}`` for the chain (e.g. ``{"e1": ["链主", "龙头"]}``).
    top : int, optional
        How many of the most central enterprises to compare with (default: the number of leads, at
        least 1).
    labels : mapping, optional
        ``{node: label}`` for leads that are not in *rows*.

    Returns
    -------
    list of dict
        One row per lead or top-central enterprise: ``node``, ``label``, ``is_lead``, ``roles``,
        ``central_rank`` (among enterprises, by PageRank; ``None`` if unplaced), ``pagerank``,
        ``betweenness``, ``degree``, ``flag`` (see :data:`FLAGS`), ``note`` and ``note_en``.

    Examples
    --------
    >>> rows = [{"node": "a", "kind": "enterprise", "label": "甲", "pagerank": 0.3, "betweenness": 0.5, "degree": 3},
    ...         {"node": "b", "kind": "enterprise", "label": "乙", "pagerank": 0.1, "betweenness": 0.0, "degree": 1}]
    >>> [(r["label"], r["flag"]) for r in compare_leads(rows, {"b": ["龙头"], "c": ["链主"]}, top=1)]
    [('甲', 'central_not_lead'), ('乙', 'lead_not_central'), ('c', 'lead_unplaced')]
    """
    ents = [r for r in rows if r.get("kind") == "enterprise"]
    order = {r["node"]: i + 1 for i, r in enumerate(ents)}
    by_node = {r["node"]: r for r in ents}
    k = top if top is not None else max(1, len(leads))
    central = {r["node"] for r in ents[:k]}
    out = []
    for node in sorted(set(leads) | central, key=lambda n: (order.get(n, len(order) + 1), str(n))):
        r = by_node.get(node, {})
        is_lead = node in leads
        if is_lead and node not in by_node:
            flag = "lead_unplaced"
        elif is_lead and node in central:
            flag = "agree"
        elif is_lead:
            flag = "lead_not_central"
        else:
            flag = "central_not_lead"
        out.append({"node": node, "label": r.get("label", (labels or {}).get(node, str(node))), "is_lead": is_lead,
                    "roles": sorted(set(leads.get(node, ()))), "central_rank": order.get(node),
                    "pagerank": r.get("pagerank"), "betweenness": r.get("betweenness"), "degree": r.get("degree"),
                    "flag": flag, "note": FLAGS[flag][0], "note_en": FLAGS[flag][1]})
    return out
