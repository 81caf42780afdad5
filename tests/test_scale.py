"""Whole-graph betweenness at scale: igraph and networkx agree, exact below the limit, seeded sampling above."""
import networkx as nx
import pytest

from chainkg.analysis.scale import betweenness, has_igraph, top_agreement


@pytest.fixture(scope="module")
def graph():
    return nx.relabel_nodes(nx.gnm_random_graph(300, 900, seed=4), lambda v: f"n{v}")


def test_igraph_is_installed():
    assert has_igraph()  # a dependency in pyproject.toml: the fast backend must be the one measured


@pytest.mark.parametrize("directed", [False, True])
def test_exact_equals_networkx(graph, directed):
    g = graph.to_directed() if directed else graph
    if directed:  # drop one direction of some edges so the result is not symmetric
        g.remove_edges_from([(u, v) for u, v in list(g.edges()) if hash(u + v) % 3 == 0 and u < v])
    expected = nx.betweenness_centrality(g, normalized=True)
    result = betweenness(g, backend="igraph")
    assert result.method == "exact" and result.k is None
    assert result.scores == pytest.approx(expected, abs=1e-12)


def test_sampled_uses_networkx_pivots_and_scaling(graph):
    expected = nx.betweenness_centrality(graph, k=40, seed=9, normalized=True)
    fast = betweenness(graph, exact_limit=100, k=40, seed=9, backend="igraph")
    slow = betweenness(graph, exact_limit=100, k=40, seed=9, backend="networkx")
    assert fast.method == slow.method == "sampled" and fast.k == 40
    assert fast.scores == pytest.approx(expected, abs=1e-12)
    assert slow.scores == pytest.approx(expected, abs=1e-12)
    assert "k=40 pivots, seed 9 (igraph)" in fast.describe()


def test_same_seed_same_answer_other_seed_differs(graph):
    a = betweenness(graph, exact_limit=100, k=30, seed=1).scores
    b = betweenness(graph, exact_limit=100, k=30, seed=1).scores
    c = betweenness(graph, exact_limit=100, k=30, seed=2).scores
    assert a == b and a != c


def test_more_pivots_agree_better_with_exact(graph):
    exact = betweenness(graph).scores
    few = top_agreement(exact, betweenness(graph, exact_limit=0, k=10, seed=0).scores, n=30)
    many = top_agreement(exact, betweenness(graph, exact_limit=0, k=250, seed=0).scores, n=30)
    assert many >= 0.8 and many > few


def test_star_by_hand():
    # centre of a star with 4 leaves: all 6 leaf pairs pass through it; normalised by (n-1)(n-2)/2 = 6
    result = betweenness(nx.star_graph(4))
    assert result.scores[0] == 1.0 and all(result.scores[i] == 0.0 for i in range(1, 5))


def test_top_agreement_restricted_to_some_nodes():
    ref = {"a": 5, "b": 4, "z": 9, "c": 3}
    est = {"a": 1, "b": 4, "z": 0, "c": 3}
    assert top_agreement(ref, est, n=2, among=["a", "b", "c"]) == 0.5
    assert top_agreement({}, {}, n=5) == 1.0
