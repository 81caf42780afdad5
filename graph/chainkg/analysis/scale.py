"""Whole-graph betweenness at provincial and national scale: exact below a size, sampled above.

networkx's exact betweenness is O(VE) in pure Python: about 30 s at 8,000 nodes and hours at 80,000.
:func:`betweenness` therefore

- computes it **exactly** up to ``exact_limit`` nodes (5,000 with igraph, 2,000 with networkx alone);
- above that, **samples** ``k`` pivots (seeded: the same seed gives the same answer) and scales their
  single-source dependencies, the estimator of :func:`networkx.betweenness_centrality` with ``k``;
- uses igraph (the ``igraph`` package, C) when it is installed, otherwise networkx. Both give the same
  numbers: the pivots are drawn exactly as networkx draws them and rescaled with networkx's rules
  (normalised; endpoints excluded).

The result says which method and backend were used, so reports can state it. Measured on a synthetic
graph of 10^6 triples (22,700 nodes, 60,000 edges; see ``bench/RESULTS.md``): igraph takes about 140 s
exactly and a few seconds with ``k = 2048``, and the top 50 enterprises then agree with the exact ones
at about 90%.

Examples
--------
>>> import networkx as nx
>>> b = betweenness(nx.path_graph(5))
>>> b.method, [round(b.scores[v], 3) for v in range(5)]
('exact', [0.0, 0.5, 0.667, 0.5, 0.0])
>>> s = betweenness(nx.path_graph(5), exact_limit=2, k=3, seed=1)
>>> s.method, s.k
('sampled', 3)
"""
import random
import time
from dataclasses import dataclass

__all__ = ["Betweenness", "betweenness", "top_agreement", "has_igraph", "DEFAULT_K", "EXACT_LIMIT_IGRAPH",
           "EXACT_LIMIT_NETWORKX"]

#: Pivots used above the exact limit. About 2,000 BFS fit in 10 s at 10^6 triples with igraph.
DEFAULT_K = 2048
#: Largest graph computed exactly with igraph (about 1.5 s at this size).
EXACT_LIMIT_IGRAPH = 5000
#: Largest graph computed exactly with networkx alone.
EXACT_LIMIT_NETWORKX = 2000


def has_igraph() -> bool:
    """Whether the optional igraph backend is installed."""
    try:
        import igraph  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class Betweenness:
    """Normalised betweenness of every node, and how it was computed."""

    scores: dict
    method: str  # "exact" or "sampled"
    backend: str  # "igraph" or "networkx"
    k: int | None = None
    seed: int | None = None
    seconds: float = 0.0

    def describe(self) -> str:
        """One line for reports, e.g. ``sampled betweenness, k=2048 pivots, seed 0 (igraph)``."""
        if self.method == "exact":
            return f"exact betweenness ({self.backend})"
        return f"sampled betweenness, k={self.k} pivots, seed {self.seed} ({self.backend})"


def _igraph_scores(g, sources):
    import igraph as ig

    nodes = list(g)
    index = {v: i for i, v in enumerate(nodes)}
    h = ig.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in g.edges() if a != b], directed=g.is_directed())
    raw = h.betweenness(directed=g.is_directed(), sources=None if sources is None else [index[s] for s in sources])
    # igraph counts an undirected pair once; networkx's raw sums count (s, t) and (t, s)
    factor = 1.0 if g.is_directed() else 2.0
    return {v: raw[i] * factor for i, v in enumerate(nodes)}


def _rescale(raw, n, sources):
    """networkx's normalisation (endpoints excluded), for exact (sources None) and sampled runs."""
    if n <= 2:
        return {v: 0.0 for v in raw}
    if sources is None:
        scale = 1.0 / ((n - 1) * (n - 2))
        return {v: x * scale for v, x in raw.items()}
    k = len(sources)
    chosen = set(sources)
    on_source = 1.0 / ((k - 1) * (n - 2)) if k > 1 else 0.0
    off_source = 1.0 / (k * (n - 2))
    return {v: x * (on_source if v in chosen else off_source) for v, x in raw.items()}


def betweenness(g, *, exact_limit=None, k=DEFAULT_K, seed=0, backend="auto") -> Betweenness:
    """Betweenness of every node of the networkx graph *g*: exact up to *exact_limit* nodes, else sampled.

    Parameters
    ----------
    g : networkx.Graph or networkx.DiGraph
    exact_limit : int, optional
        Largest number of nodes computed exactly (default :data:`EXACT_LIMIT_IGRAPH` with igraph,
        :data:`EXACT_LIMIT_NETWORKX` with networkx).
    k : int
        Pivots when sampling (a graph with at most *k* nodes is computed exactly).
    seed : int
        Seed for the pivots; pivots are ``random.Random(seed).sample(list(g), k)`` as in networkx.
    backend : {"auto", "igraph", "networkx"}
        ``auto`` uses igraph when installed.

    Returns
    -------
    Betweenness
        Scores normalised as :func:`networkx.betweenness_centrality` normalises them.
    """
    started = time.perf_counter()
    if backend == "auto":
        backend = "igraph" if has_igraph() else "networkx"
    if backend not in ("igraph", "networkx"):
        raise ValueError(f"unknown backend {backend!r}")
    if exact_limit is None:
        exact_limit = EXACT_LIMIT_IGRAPH if backend == "igraph" else EXACT_LIMIT_NETWORKX
    n = len(g)
    sources = None
    if n > exact_limit and k < n:
        sources = random.Random(seed).sample(list(g.nodes()), k)
    if backend == "networkx":
        import networkx as nx

        if sources is None:
            scores = nx.betweenness_centrality(g, normalized=True)
        else:
            scores = nx.betweenness_centrality(g, k=k, normalized=True, seed=seed)
    else:
        scores = _rescale(_igraph_scores(g, sources), n, sources)
    return Betweenness(scores, "exact" if sources is None else "sampled", backend,
                       None if sources is None else k, None if sources is None else seed, time.perf_counter() - started)


def top_agreement(reference, estimate, n=50, among=None) -> float:
    """Share of the *n* highest nodes of *reference* that are also among the *n* highest of *estimate*.

    Parameters
    ----------
    reference, estimate : mapping
        Scores per node (e.g. exact and sampled betweenness).
    among : iterable, optional
        Only rank these nodes (e.g. the enterprises).

    Examples
    --------
    >>> top_agreement({"a": 3, "b": 2, "c": 1}, {"a": 1, "b": 3, "c": 2}, n=2)
    0.5
    """
    nodes = list(reference) if among is None else [v for v in among if v in reference]

    def top(scores):
        return {v for v in sorted(nodes, key=lambda v: (-scores.get(v, 0.0), str(v)))[:n]}

    best = top(reference)
    return len(best & top(estimate)) / len(best) if best else 1.0
