"""The one seam from RDF to networkx: read the graph once, per predicate, into plain Python data.

:func:`project` walks the triples of each predicate it needs (``graph.triples((None, P, None))``),
never SPARQL: on the Oxigraph store that is about 2× faster, on rdflib's memory store 6–13×
(see DESIGN.md). The result, a :class:`Projection`, holds

- the chains (reference templates and the chains the articles name) and, per chain, a
  :class:`networkx.DiGraph` of its links along ``ck:feedsInto`` (node attributes: ``label``,
  ``label_en``, ``stage``, ``id``, ``order``), plus the cross-chain edges;
- the zone hierarchy (``ck:partOf``) and, for every zone, the enterprises located in it or in any zone
  within it (an enterprise in a park of 喀左县 counts for 喀左县);
- the enterprises with the links they cover (``ck:coversLink``, with the ``ck:Placement`` evidence),
  lead roles (``ck:LeadRole``), projects (zone, status, year, investment, chains and links served),
  which zones develop which chains (``ck:develops`` / ``ck:ZoneChain``) and the source documents.

Everything downstream (:mod:`chainkg.analysis`) works on this object and never touches RDF.
"""
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote

__all__ = ["Projection", "project", "resolve_name", "STAGE_ORDER", "UNDER_WAY_FROM"]

#: Stages in chain order (upstream first).
STAGE_ORDER = ("upstream", "midstream", "downstream")

#: A project counts as under way from this status on (签约 = signed; 谋划/储备/洽谈 do not count).
UNDER_WAY_FROM = "签约"


def _norm(text):
    return unicodedata.normalize("NFKC", str(text or "")).strip().casefold()


def resolve_name(items, query, what_zh, what_en, key_extra=None):
    """The IRI in *items* (``{iri: {"names": ..., "label": ...}}``) whose name, alias or id is *query*.

    Raises :class:`chainkg.errors.DataError` naming the candidates when the query is unknown or ambiguous.
    """
    import difflib

    from .errors import DataError, Problem

    q = _norm(query)
    hits = sorted(iri for iri, info in items.items()
                  if q in {_norm(n) for n in info["names"]} | {_norm(iri)} | {_norm(info.get(key_extra))})
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        names = "、".join(items[h]["label"] for h in hits)
        raise DataError([Problem(f"--{what_en}", None, None, f"“{query}”可指多个{what_zh}：{names}",
                                 f"'{query}' matches several {what_en}s: {names}")])
    all_names = sorted({n for info in items.values() for n in info["names"]})
    close = difflib.get_close_matches(str(query), all_names, n=3, cutoff=0.3)
    hint_zh = f"；您是否指：{'、'.join(close)}？" if close else ""
    hint_en = f"; did you mean: {', '.join(close)}?" if close else ""
    raise DataError([Problem(f"--{what_en}", None, None, f"未知的{what_zh}“{query}”{hint_zh}",
                             f"unknown {what_en} '{query}'{hint_en}")])


def _tail(iri) -> str:
    return unquote(str(iri).rstrip("/").rsplit("/", 1)[-1])


@dataclass
class Projection:
    """Plain data read from one RDF graph; see the module docstring.

    Every mapping is keyed by IRI strings. ``zones``, ``chains``, ``links``, ``enterprises`` and
    ``projects`` map an IRI to a dict of its fields (``label`` is the Chinese label, ``label_en`` the
    English one when present, ``names`` every label and alias).
    """

    zones: dict = field(default_factory=dict)
    chains: dict = field(default_factory=dict)
    links: dict = field(default_factory=dict)
    chain_graphs: dict = field(default_factory=dict)
    cross_edges: list = field(default_factory=list)
    enterprises: dict = field(default_factory=dict)
    placements: list = field(default_factory=list)
    leads: list = field(default_factory=list)
    projects: dict = field(default_factory=dict)
    zone_chains: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    _ancestors: dict = field(default_factory=dict, repr=False)
    _members: dict = field(default_factory=dict, repr=False)
    _projects_in: dict = field(default_factory=dict, repr=False)
    _leads_by_chain: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ names
    def zone_iri(self, name) -> str:
        """The zone called *name* (Chinese name, alias or IRI); unknown or ambiguous is a DataError."""
        return resolve_name(self.zones, name, "区域", "zone")

    def chain_iri(self, name) -> str:
        """The chain called *name* (Chinese name, alias, template id such as ``steel``, or IRI)."""
        return resolve_name(self.chains, name, "产业链", "chain", key_extra="id")

    # ------------------------------------------------------------------ zones
    def ancestors(self, zone) -> frozenset:
        """The zones *zone* lies in, directly or indirectly (``ck:partOf``), itself included."""
        if zone not in self._ancestors:
            seen, stack = {zone}, [zone]
            while stack:
                for parent in self.zones.get(stack.pop(), {}).get("parents", ()):
                    if parent not in seen:
                        seen.add(parent)
                        stack.append(parent)
            self._ancestors[zone] = frozenset(seen)
        return self._ancestors[zone]

    def within(self, zone, other) -> bool:
        """True when *zone* is *other* or lies in it."""
        return other in self.ancestors(zone)

    def enterprises_in(self, zone) -> frozenset:
        """Enterprises located in *zone* or in any zone within it."""
        if not self._members:
            members = {}
            for ent, info in self.enterprises.items():
                for z in info["zones"]:
                    for a in self.ancestors(z):
                        members.setdefault(a, set()).add(ent)
            self._members.update({z: frozenset(v) for z, v in members.items()})
        return self._members.get(zone, frozenset())

    def projects_in(self, zone) -> list:
        """IRIs of the projects located in *zone* or in any zone within it, sorted."""
        if not self._projects_in:
            index = {}
            for iri in sorted(self.projects):
                z = self.projects[iri]["zone"]
                if z is not None:
                    for a in self.ancestors(z):
                        index.setdefault(a, []).append(iri)
            self._projects_in.update(index)
            self._projects_in.setdefault(None, [])
        return self._projects_in.get(zone, [])

    def region(self, zone):
        """The city the zone belongs to (the nearest ``ck:City`` among its ancestors), or None."""
        cities = [a for a in self.ancestors(zone) if self.zones.get(a, {}).get("kind") == "City"]
        if not cities:
            return None
        # the nearest city is the one with the most ancestors of its own
        return max(cities, key=lambda c: (len(self.ancestors(c)), c))

    # ------------------------------------------------------------------ chains
    def reference_chains(self) -> list:
        """IRIs of the chains that have a reference template, in id order."""
        return sorted((c for c, i in self.chains.items() if i["reference"]), key=lambda c: self.chains[c]["id"])

    def developed(self) -> list:
        """``(zone, chain)`` pairs to analyse: a zone develops a reference chain (``ck:develops``) or an
        enterprise leads one there (``ck:LeadRole``); sorted by labels."""
        pairs = {(z, c) for z, c in self.zone_chains if self.chains.get(c, {}).get("reference")}
        pairs |= {(r["zone"], r["chain"]) for r in self.leads if self.chains.get(r["chain"], {}).get("reference")}
        return sorted(pairs, key=lambda p: (self.zones[p[0]]["label"], self.chains[p[1]]["id"]))

    def chains_of(self, zone) -> list:
        """Reference chains *zone* or a zone within it develops (a county builds what its development
        zone builds), in id order."""
        chains = {c for z, c in self.developed() if self.within(z, zone)}
        return sorted(chains, key=lambda c: self.chains[c]["id"])

    def leads_for(self, zone, chain) -> list:
        """Lead roles that hold for *chain* in *zone*: roles stated for the zone or a zone within it, and
        roles stated for a zone containing it when the enterprise is located in *zone*."""
        if not self._leads_by_chain:
            for r in self.leads:
                self._leads_by_chain.setdefault(r["chain"], []).append(r)
            self._leads_by_chain.setdefault(None, [])
        local = self.enterprises_in(zone)
        return [r for r in self._leads_by_chain.get(chain, ()) if
                (self.within(r["zone"], zone) or (self.within(zone, r["zone"]) and r["enterprise"] in local))]

    def coverage(self, zone, chain) -> dict:
        """``{link: sorted enterprise IRIs}`` for the enterprises in *zone* covering links of *chain*."""
        out = {}
        links = self.chain_graphs.get(chain)
        if links is None:
            return out
        for ent in self.enterprises_in(zone):
            for link in self.enterprises[ent]["links"]:
                if link in links:
                    out.setdefault(link, []).append(ent)
        return {k: sorted(v) for k, v in out.items()}


def _labels(graph, RDFS, SKOS):
    """{subject: {"zh": [...], "en": [...], "alt": [...]}} from rdfs:label, skos:prefLabel, skos:altLabel."""
    out = {}
    for prop, slot in ((SKOS.prefLabel, "pref"), (RDFS.label, "label"), (SKOS.altLabel, "alt")):
        for s, _, o in graph.triples((None, prop, None)):
            lang = (getattr(o, "language", None) or "").lower()
            entry = out.setdefault(str(s), {"pref": {}, "label": {}, "alt": []})
            if slot == "alt":
                entry["alt"].append(str(o))
            else:
                entry[slot].setdefault("en" if lang.startswith("en") else "zh", []).append(str(o))
    return out


def _pick(entry, lang):
    if not entry:
        return None
    for slot in ("pref", "label"):
        values = sorted(entry[slot].get(lang, ()))
        if values:
            # the canonical name is the longest (see data/README.md); ties by code point
            return sorted(values, key=lambda v: (-len(v), v))[0] if lang == "zh" else values[0]
    return None


def _names(entry):
    if not entry:
        return set()
    names = set(entry["alt"])
    for slot in ("pref", "label"):
        for values in entry[slot].values():
            names.update(values)
    return names


def project(graph) -> Projection:
    """Read *graph* (an rdflib Graph, in memory or Oxigraph-backed) into a :class:`Projection`.

    Examples
    --------
    >>> from rdflib import Graph, Literal, URIRef
    >>> from chainkg.namespaces import CK, RDF, RDFS, SKOS
    >>> g = Graph()
    >>> c, a, b = (URIRef(f"https://w3id.org/chainkg/id/chain/x{s}") for s in ("", "/a", "/b"))
    >>> _ = g.add((c, RDF.type, CK.ReferenceChain))
    >>> for link, name in ((a, "甲"), (b, "乙")):
    ...     _ = g.add((link, RDF.type, CK.ChainLink)).add((link, SKOS.inScheme, c))
    ...     _ = g.add((link, RDFS.label, Literal(name, lang="zh"))).add((link, CK.stage, CK.Upstream))
    >>> _ = g.add((a, CK.feedsInto, b))
    >>> p = project(g)
    >>> p.chains[str(c)]["id"], sorted(p.chain_graphs[str(c)].edges())
    ('x', [('https://w3id.org/chainkg/id/chain/x/a', 'https://w3id.org/chainkg/id/chain/x/b')])
    """
    import networkx as nx

    from .mapping import STATUSES
    from .namespaces import CK, DCTERMS, ORG, PROV, RDF, RDFS, SDO, SKOS

    p = Projection()
    labels = _labels(graph, RDFS, SKOS)

    def named(iri):
        entry = labels.get(str(iri))
        return {"label": _pick(entry, "zh") or _pick(entry, "en") or _tail(iri), "label_en": _pick(entry, "en"),
                "names": _names(entry) | {_tail(iri)}}

    wanted = (CK.SourceDocument, CK.Province, CK.City, CK.District, CK.County, CK.CountyLevelCity, CK.Town,
              CK.DevelopmentZone, CK.IndustrialPark, CK.FunctionalArea, CK.Zone, CK.IndustrialChain, CK.ReferenceChain,
              CK.IndustrialCluster, CK.ChainLink, CK.Enterprise, CK.EnterpriseGroup, CK.Institution, CK.Placement,
              CK.LeadRole, CK.ZoneChain, CK.Project)
    types = {}
    for cls in wanted:  # one lookup per class: evidence, claims and products are never read
        for s, _, _ in graph.triples((None, RDF.type, cls)):
            types.setdefault(str(s), set()).add(cls)

    def has(iri, cls):
        return cls in types.get(str(iri), ())

    # ------------------------------------------------------------------ sources
    for s, _, o in graph.triples((None, DCTERMS.identifier, None)):
        if has(s, CK.SourceDocument):
            p.sources[str(s)] = {"id": str(o), "title": named(s)["label"], "url": None, "publisher": None,
                                 "date": None}
    for prop, key in ((DCTERMS.source, "url"), (DCTERMS.publisher, "publisher"), (DCTERMS.date, "date")):
        for s, _, o in graph.triples((None, prop, None)):
            if str(s) in p.sources:
                p.sources[str(s)][key] = str(o)
    quotes = {str(s): str(o) for s, _, o in graph.triples((None, CK.quote, None))}
    derived = {}
    for s, _, o in graph.triples((None, PROV.wasDerivedFrom, None)):
        if str(o) in p.sources:
            derived.setdefault(str(s), set()).add(str(o))

    # ------------------------------------------------------------------ zones
    zone_kinds = {CK.Province: "Province", CK.City: "City", CK.District: "District", CK.County: "County",
                  CK.CountyLevelCity: "CountyLevelCity", CK.Town: "Town", CK.DevelopmentZone: "DevelopmentZone",
                  CK.IndustrialPark: "IndustrialPark", CK.FunctionalArea: "FunctionalArea", CK.Zone: "Zone"}
    for s, ts in types.items():
        kinds = [zone_kinds[t] for t in ts if t in zone_kinds]
        if kinds:
            p.zones[s] = {**named(s), "kind": sorted(kinds)[0] if len(kinds) == 1 else
                          sorted(k for k in kinds if k != "Zone")[0], "parents": []}
    for s, _, o in graph.triples((None, CK.partOf, None)):
        if str(s) in p.zones and str(o) in p.zones and str(o) != str(s):
            p.zones[str(s)]["parents"].append(str(o))
    for z in p.zones.values():
        z["parents"].sort()

    # ------------------------------------------------------------------ chains and links
    for s, ts in types.items():
        if CK.IndustrialChain in ts or CK.ReferenceChain in ts or CK.IndustrialCluster in ts:
            p.chains[s] = {**named(s), "id": _tail(s), "reference": CK.ReferenceChain in ts,
                           "cluster": CK.IndustrialCluster in ts and CK.IndustrialChain not in ts,
                           "sources": sorted(derived.get(s, ()))}
    stages = {CK.Upstream: "upstream", CK.Midstream: "midstream", CK.Downstream: "downstream"}
    link_stage = {str(s): stages.get(o) for s, _, o in graph.triples((None, CK.stage, None))}
    for s, _, o in graph.triples((None, SKOS.inScheme, None)):
        if has(s, CK.ChainLink) and str(o) in p.chains:
            p.links[str(s)] = {**named(s), "id": _tail(s), "chain": str(o), "stage": link_stage.get(str(s)),
                               "products": [], "sources": sorted(derived.get(str(s), ()))}
    for s, _, o in graph.triples((None, CK.typicalProduct, None)):
        if str(s) in p.links:
            p.links[str(s)]["products"].append(str(o))
    for chain in p.chains:
        p.chain_graphs[chain] = nx.DiGraph(chain=chain)
    for link, info in sorted(p.links.items()):
        info["products"].sort()
        p.chain_graphs[info["chain"]].add_node(link, label=info["label"], label_en=info["label_en"],
                                               stage=info["stage"], id=info["id"])
    for s, _, o in graph.triples((None, CK.feedsInto, None)):
        a, b = str(s), str(o)
        if a in p.links and b in p.links:
            if p.links[a]["chain"] == p.links[b]["chain"]:
                p.chain_graphs[p.links[a]["chain"]].add_edge(a, b)
            else:
                p.cross_edges.append((a, b))
    p.cross_edges.sort()
    for chain, g in p.chain_graphs.items():
        # a stable upstream-first order: stage, then topological position, then id
        try:
            topo = {n: i for i, n in enumerate(nx.lexicographical_topological_sort(g, key=lambda n: p.links[n]["id"]))}
        except nx.NetworkXUnfeasible:  # a cycle: the validator reports it; keep going by id
            topo = {n: i for i, n in enumerate(sorted(g, key=lambda n: p.links[n]["id"]))}
        ranked = sorted(g, key=lambda n: (STAGE_ORDER.index(p.links[n]["stage"]) if p.links[n]["stage"] in STAGE_ORDER
                                          else len(STAGE_ORDER), topo[n], p.links[n]["id"]))
        for i, n in enumerate(ranked):
            g.nodes[n]["order"] = i
            p.links[n]["order"] = i

    # ------------------------------------------------------------------ organisations
    org_kinds = {CK.Enterprise: "enterprise", CK.EnterpriseGroup: "group", CK.Institution: "institution"}
    for s, ts in types.items():
        kinds = sorted(org_kinds[t] for t in ts if t in org_kinds)
        if kinds:
            kind = "group" if "group" in kinds else kinds[0]
            p.enterprises[s] = {**named(s), "kind": kind, "zones": [], "links": set(), "parent": None, "evidence": []}
    for s, _, o in graph.triples((None, CK.locatedIn, None)):
        if str(s) in p.enterprises and str(o) in p.zones:
            p.enterprises[str(s)]["zones"].append(str(o))
    for s, _, o in graph.triples((None, ORG.subOrganizationOf, None)):
        if str(s) in p.enterprises:
            p.enterprises[str(s)]["parent"] = str(o)
    for s, _, o in graph.triples((None, CK.coversLink, None)):
        if str(s) in p.enterprises and str(o) in p.links:
            p.enterprises[str(s)]["links"].add(str(o))
    for s, _, o in graph.triples((None, CK.evidence, None)):
        if str(s) in p.enterprises and str(o) in quotes:
            docs = sorted(derived.get(str(o), ()))
            p.enterprises[str(s)]["evidence"].append((docs[0] if docs else None, quotes[str(o)]))
    for e in p.enterprises.values():
        e["zones"].sort()
        e["evidence"].sort(key=lambda x: (x[0] or "", x[1]))

    # ------------------------------------------------------------------ statements (n-ary nodes)
    node_enterprise = {str(s): str(o) for s, _, o in graph.triples((None, CK.enterprise, None))}
    node_chain = {str(s): str(o) for s, _, o in graph.triples((None, CK.chain, None))}
    node_zone = {str(s): str(o) for s, _, o in graph.triples((None, CK.zone, None))}
    node_links = {}
    for s, _, o in graph.triples((None, CK.link, None)):
        node_links.setdefault(str(s), []).append(str(o))
    node_year = {str(s): int(o) for s, _, o in graph.triples((None, CK.year, None))}
    role_word = {str(s): str(o) for s, _, o in graph.triples((None, CK.roleWord, None))}

    def source_of(node):
        docs = sorted(derived.get(node, ()))
        return docs[0] if docs else None

    for s, ts in types.items():
        if CK.Placement in ts:
            for link in node_links.get(s, ()):
                p.placements.append({"enterprise": node_enterprise.get(s), "link": link, "source": source_of(s),
                                     "quote": quotes.get(s)})
        elif CK.LeadRole in ts:
            if node_enterprise.get(s) in p.enterprises and node_chain.get(s) in p.chains and node_zone.get(s) in p.zones:
                p.leads.append({"enterprise": node_enterprise[s], "chain": node_chain[s], "zone": node_zone[s],
                                "year": node_year.get(s), "role": role_word.get(s, "链主"), "source": source_of(s),
                                "quote": quotes.get(s)})
        elif CK.ZoneChain in ts:
            z, c = node_zone.get(s), node_chain.get(s)
            if z in p.zones and c in p.chains:
                p.zone_chains.setdefault((z, c), []).append({"source": source_of(s), "quote": quotes.get(s),
                                                             "links": sorted(node_links.get(s, ()))})
    for s, _, o in graph.triples((None, CK.develops, None)):
        if str(s) in p.zones and str(o) in p.chains:
            p.zone_chains.setdefault((str(s), str(o)), [])
    p.placements.sort(key=lambda r: (r["enterprise"] or "", r["link"], r["source"] or "", r["quote"] or ""))
    p.leads.sort(key=lambda r: (r["zone"], r["chain"], r["enterprise"], r["year"] or 0, r["role"], r["source"] or ""))
    for v in p.zone_chains.values():
        v.sort(key=lambda r: (r["source"] or "", r["quote"] or ""))

    # ------------------------------------------------------------------ projects
    order = {s: i for i, s in enumerate(STATUSES)}
    status_word = {str(v): k for k, v in STATUSES.items()}
    for s, ts in types.items():
        if CK.Project in ts:
            p.projects[s] = {**named(s), "zone": None, "status": None, "status_order": None, "year": node_year.get(s),
                             "chains": [], "links": [], "investment": None, "investment_text": None,
                             "investors": [], "sources": sorted(derived.get(s, ()))}
    for prop, key in ((CK.inZone, "zone"), (CK.status, "status")):
        for s, _, o in graph.triples((None, prop, None)):
            if str(s) in p.projects:
                p.projects[str(s)][key] = str(o)
    for prop, key in ((CK.servesChain, "chains"), (CK.servesLink, "links"), (CK.investor, "investors")):
        for s, _, o in graph.triples((None, prop, None)):
            if str(s) in p.projects:
                p.projects[str(s)][key].append(str(o))
    amounts = {str(s): o for s, _, o in graph.triples((None, SDO.value, None))}
    texts = {str(s): str(o) for s, _, o in graph.triples((None, CK.originalText, None))}
    for s, _, o in graph.triples((None, CK.investment, None)):
        if str(s) in p.projects:
            value = amounts.get(str(o))
            p.projects[str(s)]["investment"] = value.toPython() if value is not None else None
            p.projects[str(s)]["investment_text"] = texts.get(str(o))
    for info in p.projects.values():
        word = status_word.get(info["status"])
        info["status"] = word
        info["status_order"] = order.get(word)
        for key in ("chains", "links", "investors"):
            info[key].sort()
    return p
