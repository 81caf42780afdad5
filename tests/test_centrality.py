"""Centrality: values worked out by hand on small graphs, the enterprise–link–zone network of a projection,
and the lead-versus-central comparison on Chaoyang."""
import networkx as nx
import pytest

from chainkg.analysis.centrality import centrality, chain_network, compare_leads, network
from chainkg.project import project


def _by_node(rows):
    return {r["node"]: r for r in rows}


def test_path_of_three_by_hand():
    # a - b - c. PageRank (α = 0.85): b = 0.05 + 0.85·(a + c), a = c = 0.05 + 0.85·b/2
    # → b = 0.135 / 0.2775 = 0.4865, a = c = 0.05 + 0.425·0.4865 = 0.2568.
    # Betweenness (normalised): b lies on the one a–c path → 1.0; degree centrality b = 2/2, a = 1/2.
    rows = _by_node(centrality(nx.Graph([("a", "b"), ("b", "c")])))
    assert (rows["b"]["pagerank"], rows["a"]["pagerank"], rows["c"]["pagerank"]) == (0.4865, 0.2568, 0.2568)
    assert (rows["b"]["betweenness"], rows["a"]["betweenness"]) == (1.0, 0.0)
    assert (rows["b"]["degree_centrality"], rows["a"]["degree_centrality"]) == (1.0, 0.5)
    assert [r["node"] for r in centrality(nx.Graph([("a", "b"), ("b", "c")]))] == ["b", "a", "c"]


def test_pagerank_sums_to_one_and_handles_isolated_nodes():
    g = nx.Graph([(1, 2), (2, 3), (3, 1), (3, 4)])
    g.add_node(5)
    rows = centrality(g)
    assert abs(sum(r["pagerank"] for r in rows) - 1) < 1e-3
    iso = _by_node(rows)[5]
    assert iso["degree"] == 0 and iso["betweenness"] == 0 and iso["rank"] == 5
    assert centrality(nx.Graph()) == []


def test_compare_leads_flags_by_hand():
    # chain network: lead L covers one link; X covers three links, so X is more central
    g = nx.Graph([("X", "l1"), ("X", "l2"), ("X", "l3"), ("L", "l1"), ("l1", "l2"), ("l2", "l3")])
    for n in g:
        g.nodes[n]["kind"] = "enterprise" if n in "XL" else "link"
        g.nodes[n]["label"] = n
    rows = centrality(g)
    out = compare_leads(rows, {"L": ["链主"], "Z": ["龙头"]}, top=1, labels={"Z": "无环节企业"})
    flags = {r["label"]: r["flag"] for r in out}
    assert flags == {"X": "central_not_lead", "L": "lead_not_central", "无环节企业": "lead_unplaced"}
    # with room for two, the lead agrees
    assert {r["label"]: r["flag"] for r in compare_leads(rows, {"L": ["链主"]}, top=2)} == {"X": "central_not_lead",
                                                                                          "L": "agree"}
    assert next(r for r in out if r["label"] == "L")["central_rank"] == 2


def test_network_of_a_projection_links_enterprises_links_and_zones():
    from test_gaps import ID, _tiny_graph

    p = project(_tiny_graph())
    g = network(p)
    assert g.nodes[ID + "e2"]["kind"] == "enterprise" and g.nodes[ID + "park"]["kind"] == "zone"
    assert g.has_edge(ID + "e2", ID + "chain/x/down") and g.has_edge(ID + "e2", ID + "park")
    assert g.has_edge(ID + "chain/x/up", ID + "chain/x/mid") and g.has_edge(ID + "park", ID + "county")
    sub = chain_network(p, ID + "chain/x")
    assert set(sub) == {ID + s for s in ("chain/x/up", "chain/x/mid", "chain/x/down", "e1", "e2", "e3", "park", "county",
                                          "city", "other")}
    top = [r for r in centrality(sub) if r["kind"] == "enterprise"][0]
    assert top["label"] == "e2"  # two links and a zone


@pytest.fixture(scope="module")
def proj(chaoyang):
    return project(chaoyang)


def test_chaoyang_leads_against_the_most_central(proj):
    whole = network(proj)
    results = {}
    for chain in proj.reference_chains():
        roles = {}
        for r in proj.leads:
            if r["chain"] == chain:
                roles.setdefault(r["enterprise"], []).append(r["role"])
        if roles:
            labels = {e: proj.enterprises[e]["label"] for e in roles}
            for row in compare_leads(centrality(chain_network(proj, chain, whole)), roles, labels=labels):
                results[(proj.chains[chain]["id"], row["label"])] = row["flag"]
    assert results[("steel", "凌钢")] == "agree"
    assert results[("environmental-equipment", "一诺环保")] == "lead_unplaced"
    assert ("compound-semiconductor", "通美晶体") in results
    assert set(results.values()) <= {"agree", "lead_not_central", "central_not_lead", "lead_unplaced"}
