"""Records to triples: the only place that mints IRIs, deterministically.

Rows of a table that share a name or alias are one entity (see data/README.md); every row keeps its
source and quote as an Evidence node, and rows that disagree on a single-valued field become a
Conflict with one Claim per differing statement.
"""
import difflib
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import Graph, Literal, URIRef

from .errors import DataError, Problem
from .ingest.money import AmountError, parse_amount
from .ingest.text import normalize, split_multi, squash
from .namespaces import CK, DCTERMS, ID, ORG, PROV, RDF, RDFS, SDO, SKOS, XSD, bind_prefixes

__all__ = ["compile_dataset", "mint", "ZONE_KINDS", "STATUSES", "Notes"]

ZONE_KINDS = {"province": CK.Province, "city": CK.City, "district": CK.District, "county": CK.County,
              "county_city": CK.CountyLevelCity, "town": CK.Town, "dev_zone": CK.DevelopmentZone, "park": CK.IndustrialPark,
              "functional_area": CK.FunctionalArea}
ENTERPRISE_KINDS = {"enterprise": CK.Enterprise, "group": CK.EnterpriseGroup, "institution": CK.Institution}
CHAIN_KINDS = ("chain", "cluster")
LEVELS = ("national", "provincial", "municipal")
STATUSES = {"谋划": CK.StatusPlanned, "储备": CK.StatusReserve, "洽谈": CK.StatusNegotiating, "签约": CK.StatusSigned,
            "落地": CK.StatusLanded, "开工": CK.StatusStarted, "新开工": CK.StatusNewlyStarted, "复工": CK.StatusResumed,
            "续建": CK.StatusContinuing, "在建": CK.StatusUnderConstruction, "竣工": CK.StatusCompleted,
            "投产": CK.StatusInProduction, "达产": CK.StatusAtCapacity, "运营": CK.StatusOperating}
STAGE_IRIS = {"upstream": CK.Upstream, "midstream": CK.Midstream, "downstream": CK.Downstream}
_IRI_UNSAFE = set(' <>"{}|\\^`#?%/')


def _escape(key: str) -> str:
    return "".join(f"%{ord(c):02X}" if c in _IRI_UNSAFE or ord(c) < 0x21 else c for c in key)


def mint(*parts: str) -> URIRef:
    """The IRI of an instance: ``ID`` + escaped path parts.

    Examples
    --------
    >>> mint("chaoyang", "zone", "龙城区")
    rdflib.term.URIRef('https://w3id.org/chainkg/id/chaoyang/zone/龙城区')
    >>> str(mint("chaoyang", "project", "A/B 项目"))
    'https://w3id.org/chainkg/id/chaoyang/project/A%2FB%20项目'
    """
    return URIRef(str(ID) + "/".join(_escape(normalize(p)) for p in parts))


def _digest(*parts) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:16]


@dataclass
class Entity:
    """Rows of one table merged by shared names."""

    table: str
    rows: list
    name: str
    names: list  # every name and alias, canonical first
    iri: URIRef = None
    template: dict = None  # reference chain template, for chains
    extra_names: list = field(default_factory=list)

    def values(self, column):
        """Distinct non-empty values of *column*, in row order, with the rows that state them."""
        seen = {}
        for r in self.rows:
            v = r.get(column)
            if v:
                seen.setdefault(v, []).append(r)
        return seen


@dataclass
class Notes:
    """What the build wants a person to know that is not an error."""

    unresolved_investors: list = field(default_factory=list)  # (project, investor name)
    unmatched_links: list = field(default_factory=list)  # (record, chain, link text)
    conflicts: int = 0


def _merge(records, names_of) -> list[list]:
    """Group *records* that share any name (union-find); groups and their rows keep input order."""
    parent = list(range(len(records)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner = {}
    for i, r in enumerate(records):
        for n in names_of(r):
            if n in owner:
                a, b = find(owner[n]), find(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[n] = i
    groups = {}
    for i, r in enumerate(records):
        groups.setdefault(find(i), []).append(r)
    return [groups[k] for k in sorted(groups)]


def _row_names(r):
    return [n for n in [r.get("name")] + split_multi(r.get("aliases")) if n]


def _canonical(rows):
    names = sorted({r.get("name") for r in rows if r.get("name")}, key=lambda n: (-len(n), n))
    return names[0]


class _Compiler:
    def __init__(self, dataset, tables, templates, source_texts):
        self.ds = dataset
        self.tables = tables
        self.templates = templates
        self.texts = source_texts
        self.g = bind_prefixes(Graph())
        self.problems: list[Problem] = []
        self.notes = Notes()
        self.index = {}  # table -> {name: Entity}
        self.docs = {}

    # ------------------------------------------------------------------ helpers
    def add(self, s, p, o):
        self.g.add((s, p, o))

    def zh(self, text):
        return Literal(text, lang="zh")

    def build_index(self, table, entities):
        idx = {}
        for e in entities:
            for n in e.names + e.extra_names:
                idx.setdefault(n, e)
        self.index[table] = idx

    def resolve(self, table, name, record, column, what_zh, what_en, required=True):
        entity = self.index[table].get(name)
        if entity is None and required:
            close = difflib.get_close_matches(name, list(self.index[table]), n=1, cutoff=0.5)
            hint_zh = f"；您是否指“{close[0]}”？" if close else ""
            hint_en = f"; did you mean {close[0]}?" if close else ""
            self.problems.append(record.problem(column, f"未知的{what_zh}“{name}”{hint_zh}",
                                                f"unknown {what_en} '{name}'{hint_en}"))
        return entity

    def doc(self, record):
        sid = record.get("source")
        if sid not in self.docs:
            self.problems.append(record.problem("source", f"未知的来源 {sid}（须在 sources.csv 中）",
                                                f"unknown source {sid} (must be in sources.csv)"))
            return None
        return self.docs[sid]

    def evidence(self, subject, record, key):
        """Attach the row's source and quote to *subject*; check the quote against the source text."""
        doc = self.doc(record)
        if doc is None:
            return
        quote = record.get("quote")
        text = self.texts.get(record.get("source"))
        if text is not None and squash(quote) not in text:
            self.problems.append(record.problem("quote", "原文摘录在来源文献中找不到（须逐字摘录）",
                                                "quote not found in the source text (it must be verbatim)"))
        ev = mint(self.ds, "evidence", _digest(record.table, key, record.get("source"), quote))
        self.add(subject, PROV.wasDerivedFrom, doc)
        self.add(subject, CK.evidence, ev)
        self.add(ev, RDF.type, CK.Evidence)
        self.add(ev, PROV.wasDerivedFrom, doc)
        self.add(ev, CK.quote, self.zh(quote))
        self.add(ev, CK.record, Literal(record.where))

    def year(self, record, column="year"):
        raw = record.get(column)
        if not raw:
            return None
        if not raw.isdigit() or not 1900 <= int(raw) <= 2100:
            self.problems.append(record.problem(column, f"年份须为四位数字，而不是“{raw}”",
                                                f"year must be four digits, not '{raw}'"))
            return None
        return int(raw)

    def conflict(self, subject, prop, claims):
        """Record that sources disagree on *prop* of *subject*; *claims* maps value -> records."""
        self.notes.conflicts += 1
        node = mint(self.ds, "conflict", _digest(subject, prop))
        self.add(node, RDF.type, CK.Conflict)
        self.add(node, CK.about, subject)
        self.add(node, CK.field, prop)
        label = self.g.value(subject, RDFS.label)
        self.add(node, RDFS.label, self.zh(f"{label}：{prop.split('#')[-1]} 说法不一"))
        for value, records in claims.items():
            for r in records:
                claim = mint(self.ds, "claim", _digest(node, value, r.get("source"), r.get("quote")))
                self.add(node, CK.claim, claim)
                self.add(claim, RDF.type, CK.Claim)
                self.add(claim, RDFS.label, self.zh(f"{label}：{value}"))
                self.add(claim, CK.claimedValue, self.zh(value))
                doc = self.doc(r)
                if doc is not None:
                    self.add(claim, PROV.wasDerivedFrom, doc)
                    self.add(node, PROV.wasDerivedFrom, doc)
                self.add(claim, CK.quote, self.zh(r.get("quote")))
                self.add(claim, CK.record, Literal(r.where))

    def labels(self, subject, entity, concept=False):
        self.add(subject, RDFS.label, self.zh(entity.name))
        if concept:
            self.add(subject, SKOS.prefLabel, self.zh(entity.name))
        for n in entity.names[1:]:
            self.add(subject, SKOS.altLabel, self.zh(n))
        en = entity.values("name_en")
        if en:
            first = next(iter(en))
            self.add(subject, RDFS.label, Literal(first, lang="en"))
            if concept:
                self.add(subject, SKOS.prefLabel, Literal(first, lang="en"))

    def entities(self, table, extra=()):
        rows = self.tables[table]
        seen = {}
        for r in rows:  # the same name twice from one source in one file is a duplicate, not a new statement
            key = (r.file, r.get("name"), r.get("source"))
            if key in seen and table != "projects":
                self.problems.append(r.problem("name", f"重复的记录“{r.get('name')}”（同见第{seen[key]}行）",
                                               f"duplicate record '{r.get('name')}' (also row {seen[key]})"))
            seen.setdefault(key, r.row)
        groups = _merge(list(extra) + rows, lambda r: r["names"] if isinstance(r, dict) else _row_names(r))
        out = []
        for group in groups:
            template = next((x for x in group if isinstance(x, dict)), None)
            recs = [x for x in group if not isinstance(x, dict)]
            name = template["names"][0] if template else _canonical(recs)
            names = [name] + sorted({n for r in recs for n in _row_names(r)} - {name})
            if template:
                names += [n for n in template["names"] if n not in names]
            out.append(Entity(table, recs, name, names, template=template))
        self.build_index(table, out)
        return out

    # ------------------------------------------------------------------ tables
    def sources(self):
        for r in self.tables["sources"]:
            sid = r.get("id")
            if sid in self.docs:
                self.problems.append(r.problem("id", f"重复的来源 id {sid}", f"duplicate source id {sid}"))
                continue
            doc = mint(self.ds, "source", sid)
            self.docs[sid] = doc
            self.add(doc, RDF.type, CK.SourceDocument)
            self.add(doc, RDFS.label, self.zh(r.get("title")))
            self.add(doc, DCTERMS.title, self.zh(r.get("title")))
            self.add(doc, DCTERMS.identifier, Literal(sid))
            for column, prop in (("publisher", DCTERMS.publisher), ("author", DCTERMS.creator)):
                if r.get(column):
                    self.add(doc, prop, self.zh(r.get(column)))
            if r.get("date"):
                self.add(doc, DCTERMS.date, Literal(r.get("date")))
            if r.get("url"):
                self.add(doc, DCTERMS.source, URIRef(r.get("url")))

    def template_docs(self):
        for t in self.templates:
            for s in t.get("sources") or []:
                doc = mint("source", "chains", s["id"])
                self.docs[f"chains/{s['id']}"] = doc
                self.add(doc, RDF.type, CK.SourceDocument)
                self.add(doc, RDFS.label, self.zh(normalize(s.get("title") or s["id"])))
                self.add(doc, DCTERMS.title, self.zh(normalize(s.get("title") or s["id"])))
                self.add(doc, DCTERMS.identifier, Literal(s["id"]))
                if s.get("publisher"):
                    self.add(doc, DCTERMS.publisher, Literal(normalize(s["publisher"])))
                if s.get("url"):
                    self.add(doc, DCTERMS.source, URIRef(s["url"]))

    def zones(self):
        zones = self.entities("zones")
        for e in zones:
            e.iri = mint(self.ds, "zone", e.name)
        for e in zones:
            kinds = e.values("kind")
            for kind, rows in kinds.items():
                if kind not in ZONE_KINDS:
                    self.problems.append(rows[0].problem("kind", f"未知的区域类型“{kind}”",
                                                         f"unknown zone kind '{kind}' (use {', '.join(ZONE_KINDS)})"))
            if len(kinds) > 1:
                r = list(kinds.values())[1][0]
                self.problems.append(r.problem("kind", f"“{e.name}”的类型前后不一：{'、'.join(kinds)}",
                                               f"'{e.name}' has different kinds: {', '.join(kinds)}"))
            kind = next(iter(kinds))
            self.add(e.iri, RDF.type, ZONE_KINDS.get(kind, CK.Zone))
            self.labels(e.iri, e)
            for level, rows in e.values("level").items():
                if level not in LEVELS:
                    self.problems.append(rows[0].problem("level", f"未知的级别“{level}”",
                                                         f"unknown level '{level}' (use {', '.join(LEVELS)})"))
                else:
                    self.add(e.iri, CK.level, Literal(level))
            for r in e.rows:
                for parent in split_multi(r.get("parent")):
                    p = self.resolve("zones", parent, r, "parent", "上级区域", "parent zone")
                    if p is not None and p is not e:
                        self.add(e.iri, CK.partOf, p.iri)
                self.evidence(e.iri, r, e.name)
        self.zone_entities = zones

    def _related(self, a, b):
        q = CK.partOf * "+"
        return a == b or (a, q, b) in self.g or (b, q, a) in self.g

    def enterprises(self):
        ents = self.entities("enterprises")
        for e in ents:
            e.iri = mint(self.ds, "org", e.name)
        for e in ents:
            kinds = e.values("kind") or {"enterprise": e.rows}
            kind = next(iter(kinds))
            if kind not in ENTERPRISE_KINDS:
                self.problems.append(kinds[kind][0].problem("kind", f"未知的企业类型“{kind}”",
                                                            f"unknown kind '{kind}' (use {', '.join(ENTERPRISE_KINDS)})"))
            self.add(e.iri, RDF.type, ENTERPRISE_KINDS.get(kind, CK.Enterprise))
            self.labels(e.iri, e)
            zones_by_source = {}
            for r in e.rows:
                for parent in split_multi(r.get("parent_org")):
                    p = self.resolve("enterprises", parent, r, "parent_org", "上级组织", "parent organisation")
                    if p is not None and p is not e:
                        self.add(e.iri, ORG.subOrganizationOf, p.iri)
                for z in split_multi(r.get("zone")):
                    zone = self.resolve("zones", z, r, "zone", "区域", "zone")
                    if zone is not None:
                        self.add(e.iri, CK.locatedIn, zone.iri)
                        zones_by_source.setdefault(r.get("source"), []).append((zone.iri, r, z))
                for product in split_multi(r.get("products")):
                    pi = mint(self.ds, "product", product)
                    self.add(pi, RDF.type, CK.Product)
                    self.add(pi, RDFS.label, self.zh(product))
                    self.add(e.iri, CK.produces, pi)
                    self.evidence(pi, r, product)
                self.evidence(e.iri, r, e.name)
            # sources that place the enterprise in unrelated zones disagree
            sources = sorted(zones_by_source)
            unrelated = any(not any(self._related(a, b) for a, _, _ in zones_by_source[s1] for b, _, _ in zones_by_source[s2])
                            for i, s1 in enumerate(sources) for s2 in sources[i + 1:])
            if unrelated:
                claims = {}
                for s in sources:
                    for _, r, z in zones_by_source[s]:
                        claims.setdefault(z, []).append(r)
                self.conflict(e.iri, CK.locatedIn, claims)
        self.enterprise_entities = ents

    def chains(self):
        extra = []
        for t in self.templates:
            names = [normalize(t["name"]["zh"])] + [normalize(a) for a in t.get("aliases") or []] + [t["id"]]
            extra.append({"names": names, "template": t})
        chains = self.entities("chains", extra)
        self.link_index = {}
        for e in chains:
            t = e.template["template"] if e.template else None
            e.template = t
            e.iri = mint("chain", t["id"]) if t else mint(self.ds, "chain", e.name)
            kinds = e.values("kind")
            for kind, rows in kinds.items():
                if kind not in CHAIN_KINDS:
                    self.problems.append(rows[0].problem("kind", f"未知的类型“{kind}”", f"unknown kind '{kind}' (use chain or cluster)"))
            kind = "chain" if t else next(iter(kinds), "chain")
            if t and "cluster" in kinds:
                self.problems.append(kinds["cluster"][0].problem(
                    "kind", f"“{e.name}”是参考产业链，不是集群", f"'{e.name}' matches a reference chain, not a cluster"))
            e.kind = kind
            if kind == "cluster":
                self.add(e.iri, RDF.type, CK.IndustrialCluster)
            else:
                self.add(e.iri, RDF.type, CK.IndustrialChain)
                self.add(e.iri, RDF.type, SKOS.ConceptScheme)
            if t:
                self.template_chain(e, t)
            else:
                self.labels(e.iri, e, concept=kind == "chain")
            for r in e.rows:
                self.evidence(e.iri, r, e.name)
        for e in chains:
            for r in e.rows:
                for cluster in split_multi(r.get("part_of")):
                    c = self.resolve("chains", cluster, r, "part_of", "产业集群", "cluster")
                    if c is not None and c is not e:
                        self.add(e.iri, CK.inCluster, c.iri)
        for t in self.templates:
            for edge in t.get("cross_chain") or []:
                chain_id, _, link_id = edge["to"].partition("/")
                self.add(mint("chain", t["id"], edge["from"]), CK.feedsInto, mint("chain", chain_id, link_id))
        self.chain_entities = chains

    def template_chain(self, e, t):
        iri = e.iri
        self.add(iri, RDF.type, CK.ReferenceChain)
        zh, en = normalize(t["name"]["zh"]), normalize(t["name"].get("en"))
        for p in (RDFS.label, SKOS.prefLabel):
            self.add(iri, p, self.zh(zh))
            if en:
                self.add(iri, p, Literal(en, lang="en"))
        for n in e.names[1:]:
            if n != t["id"]:
                self.add(iri, SKOS.altLabel, self.zh(n))
        for lang, text in (t.get("definition") or {}).items():
            self.add(iri, SKOS.definition, Literal(normalize(text), lang=lang.lower()))
        chain_docs = [self.docs[f"chains/{s['id']}"] for s in t.get("sources") or []]
        for d in chain_docs:
            self.add(iri, PROV.wasDerivedFrom, d)
        links = {}
        for link in t["links"]:
            li = mint("chain", t["id"], link["id"])
            links[link["id"]] = li
            self.add(li, RDF.type, CK.ChainLink)
            self.add(li, RDF.type, SKOS.Concept)
            self.add(li, SKOS.inScheme, iri)
            for p in (RDFS.label, SKOS.prefLabel):
                self.add(li, p, self.zh(normalize(link["zh"])))
                self.add(li, p, Literal(normalize(link["en"]), lang="en"))
            for alias in link.get("aliases") or []:
                self.add(li, SKOS.altLabel, self.zh(normalize(alias)))
            if link.get("stage") in STAGE_IRIS:
                self.add(li, CK.stage, STAGE_IRIS[link["stage"]])
            for product in link.get("products") or []:
                self.add(li, CK.typicalProduct, self.zh(normalize(product)))
            if link.get("note"):
                self.add(li, CK.note, Literal(normalize(link["note"])))
            if link.get("inferred"):
                self.add(li, CK.inferred, Literal(True))
            if link.get("source"):
                self.add(li, PROV.wasDerivedFrom, self.docs[f"chains/{link['source']}"])
            else:
                for d in chain_docs:
                    self.add(li, PROV.wasDerivedFrom, d)
        for link in t["links"]:
            for target in link.get("feeds") or []:
                self.add(links[link["id"]], CK.feedsInto, links[target])
        self.link_index[iri] = {}
        for link in t["links"]:
            for n in [link["zh"], link["id"]] + list(link.get("aliases") or []):
                self.link_index[iri].setdefault(normalize(n), links[link["id"]])

    def find_link(self, chain, text):
        return self.link_index.get(chain.iri, {}).get(text)

    def zone_chains(self):
        for r in self.tables["zone_chains"]:
            zone = self.resolve("zones", r.get("zone"), r, "zone", "区域", "zone")
            chain = self.resolve("chains", r.get("chain"), r, "chain", "产业链", "chain")
            if zone is None or chain is None:
                continue
            node = mint(self.ds, "zone-chain", _digest(zone.iri, chain.iri, r.get("source"), r.get("quote")))
            self.add(node, RDF.type, CK.ZoneChain)
            self.add(node, RDFS.label, self.zh(f"{zone.name}·{chain.name}"))
            self.add(node, CK.zone, zone.iri)
            self.add(node, CK.chain, chain.iri)
            self.add(zone.iri, CK.develops, chain.iri)
            self.add(node, PROV.wasDerivedFrom, self.doc(r) or node)
            self.add(node, CK.quote, self.zh(r.get("quote")))
            self.add(node, CK.record, Literal(r.where))
            self.evidence(node, r, "zone-chain")
            text = r.get("links")
            if not text:
                continue
            self.add(node, CK.linksText, self.zh(text))
            ordered = "→" in text
            names = [normalize(x) for x in text.replace("→", ";").split(";") if normalize(x)]
            previous = None
            for name in names:
                link = self.find_link(chain, name)
                if link is None and chain.template is None and chain.kind == "chain":
                    link = mint(self.ds, "chain", chain.name, name)
                    self.add(link, RDF.type, CK.ChainLink)
                    self.add(link, RDF.type, SKOS.Concept)
                    self.add(link, SKOS.inScheme, chain.iri)
                    self.add(link, RDFS.label, self.zh(name))
                    self.add(link, SKOS.prefLabel, self.zh(name))
                    self.evidence(link, r, name)
                    self.link_index.setdefault(chain.iri, {})[name] = link
                if link is None:
                    self.notes.unmatched_links.append((r.where, chain.name, name))
                    previous = None
                    continue
                self.add(node, CK.link, link)
                if ordered and previous is not None and chain.template is None:
                    self.add(previous, CK.feedsInto, link)
                previous = link

    def lead_roles(self):
        for r in self.tables["lead_roles"]:
            ent = self.resolve("enterprises", r.get("enterprise"), r, "enterprise", "企业", "enterprise")
            chain = self.resolve("chains", r.get("chain"), r, "chain", "产业链", "chain")
            zone = self.resolve("zones", r.get("zone"), r, "zone", "区域", "zone")
            year = self.year(r)
            if None in (ent, chain, zone):
                continue
            node = mint(self.ds, "lead-role", _digest(ent.iri, chain.iri, zone.iri, year, r.get("source"), r.get("role")))
            self.add(node, RDF.type, CK.LeadRole)
            self.add(node, RDFS.label, self.zh(f"{ent.name}·{chain.name}·{r.get('role') or '链主'}"))
            self.add(node, CK.enterprise, ent.iri)
            self.add(node, CK.chain, chain.iri)
            self.add(node, CK.zone, zone.iri)
            if year:
                self.add(node, CK.year, Literal(year, datatype=XSD.integer))
            if r.get("role"):
                self.add(node, CK.roleWord, self.zh(r.get("role")))
            self.add(node, CK.quote, self.zh(r.get("quote")))
            self.add(node, CK.record, Literal(r.where))
            self.evidence(node, r, "lead-role")

    def placements(self):
        for r in self.tables["placements"]:
            ent = self.resolve("enterprises", r.get("enterprise"), r, "enterprise", "企业", "enterprise")
            chain = self.resolve("chains", r.get("chain"), r, "chain", "产业链", "chain")
            if ent is None or chain is None:
                continue
            link = self.find_link(chain, r.get("link"))
            if link is None:
                self.problems.append(r.problem("link", f"产业链“{chain.name}”中没有环节“{r.get('link')}”",
                                               f"chain '{chain.name}' has no link '{r.get('link')}'"))
                continue
            node = mint(self.ds, "placement", _digest(ent.iri, link, r.get("source"), r.get("quote")))
            self.add(node, RDF.type, CK.Placement)
            self.add(node, RDFS.label, self.zh(f"{ent.name}·{r.get('link')}"))
            self.add(node, CK.enterprise, ent.iri)
            self.add(node, CK.link, link)
            self.add(ent.iri, CK.coversLink, link)
            if r.get("evidence"):
                self.add(node, CK.note, Literal(r.get("evidence")))
            self.add(node, CK.quote, self.zh(r.get("quote")))
            self.add(node, CK.record, Literal(r.where))
            self.evidence(node, r, "placement")

    def projects(self):
        projects = self.entities("projects")
        for e in projects:
            e.iri = mint(self.ds, "project", e.name)
            self.add(e.iri, RDF.type, CK.Project)
            self.labels(e.iri, e)
            for r in e.rows:
                self.evidence(e.iri, r, e.name)
            self.project_zone(e)
            self.project_status(e)
            for column, prop in (("capacity", CK.capacity), ("description", CK.description)):
                values = e.values(column)
                if values:
                    self.add(e.iri, prop, self.zh(next(iter(values))))
                    if len(values) > 1 and column == "capacity":
                        self.conflict(e.iri, prop, values)
            self.project_investment(e)
            for r in e.rows:
                for name in split_multi(r.get("investor")):
                    ent = self.index["enterprises"].get(name)
                    if ent is not None:
                        self.add(e.iri, CK.investor, ent.iri)
                    else:
                        self.add(e.iri, CK.investorName, self.zh(name))
                        self.notes.unresolved_investors.append((e.name, name))
                chain = None
                if r.get("chain"):
                    chain = self.resolve("chains", r.get("chain"), r, "chain", "产业链", "chain")
                    if chain is not None:
                        self.add(e.iri, CK.servesChain, chain.iri)
                if r.get("link"):
                    link = self.find_link(chain, r.get("link")) if chain is not None else None
                    if link is None:
                        self.problems.append(r.problem("link", f"找不到环节“{r.get('link')}”（须同时填写所属产业链）",
                                                       f"unknown link '{r.get('link')}' (fill in its chain too)"))
                    else:
                        self.add(e.iri, CK.servesLink, link)

    def project_zone(self, e):
        zones = {}
        for r in e.rows:
            z = self.resolve("zones", r.get("zone"), r, "zone", "区域", "zone")
            if z is not None:
                zones.setdefault(z.iri, []).append(r)
        if not zones:
            return
        iris = list(zones)
        # related zones (a park inside a county) agree: keep the most specific; unrelated ones conflict
        chosen = iris[0]
        for other in iris[1:]:
            if (other, CK.partOf * "+", chosen) in self.g:
                chosen = other
        if all(self._related(chosen, other) for other in iris):
            self.add(e.iri, CK.inZone, chosen)
        else:
            self.add(e.iri, CK.inZone, iris[0])
            self.conflict(e.iri, CK.inZone, {self.g.value(z, RDFS.label): rows for z, rows in zones.items()})

    def project_status(self, e):
        reports = []  # (year, order, status, record)
        for r in e.rows:
            status = r.get("status")
            if status and status not in STATUSES:
                self.problems.append(r.problem("status", f"未知的项目状态“{status}”（可用：{' '.join(STATUSES)}）",
                                               f"unknown status '{status}' (use one of: {' '.join(STATUSES)})"))
                continue
            reports.append((self.year(r) or 0, status, r))
        dated = [x for x in reports if x[1] or x[0]]
        if not dated:
            return
        latest = max(x[0] for x in dated)
        current = [x for x in dated if x[0] == latest]
        year, status, _ = next((x for x in current if x[1]), current[0])
        if status:
            self.add(e.iri, CK.status, STATUSES[status])
        if year:
            self.add(e.iri, CK.year, Literal(year, datatype=XSD.integer))
        # statuses of different years are a timeline; different statuses for the same year disagree
        same_year = {}
        for y, s, r in current:
            if s:
                same_year.setdefault(s, []).append(r)
        if len(same_year) > 1:
            self.conflict(e.iri, CK.status, same_year)

    def project_investment(self, e):
        amounts = e.values("investment")
        if not amounts:
            return
        text, rows = next(iter(amounts.items()))
        try:
            value, currency = parse_amount(text)
        except AmountError:
            self.problems.append(rows[0].problem("investment", f"无法识别的金额“{text}”（例：15亿元、4678万元）",
                                                 f"cannot read the amount '{text}' (e.g. 15亿元, 4678万元)"))
            return
        if value < 0:
            self.problems.append(rows[0].problem("investment", "投资额不能为负", "investment must not be negative"))
        if currency != "CNY":
            self.problems.append(rows[0].problem("investment", f"金额须以人民币计，而不是 {currency}",
                                                 f"amounts must be in CNY, not {currency}"))
        node = mint(self.ds, "project", e.name, "investment")
        self.add(e.iri, CK.investment, node)
        self.add(node, RDF.type, SDO.MonetaryAmount)
        self.add(node, SDO.value, Literal(Decimal(value).normalize().quantize(Decimal(1)) if value == value.to_integral()
                                          else value, datatype=XSD.decimal))
        self.add(node, SDO.currency, Literal(currency))
        self.add(node, CK.originalText, self.zh(text))
        parsed = {}
        for t, rs in amounts.items():
            try:
                parsed.setdefault(parse_amount(t), {})[t] = rs
            except AmountError:
                self.problems.append(rs[0].problem("investment", f"无法识别的金额“{t}”", f"cannot read the amount '{t}'"))
        if len(parsed) > 1:
            self.conflict(e.iri, CK.investment, {t: rs for group in parsed.values() for t, rs in group.items()})

    def run(self):
        self.sources()
        self.template_docs()
        self.zones()
        self.enterprises()
        self.chains()
        self.zone_chains()
        self.lead_roles()
        self.placements()
        self.projects()
        if self.problems:
            raise DataError(self.problems)
        return self.g


def compile_dataset(dataset: str, tables: dict, templates: list, source_texts: dict) -> tuple[Graph, Notes]:
    """Compile records (from :func:`chainkg.ingest.tables.read_dataset`) and chain templates to a graph.

    *source_texts* maps a source id to its text with whitespace removed (see
    :func:`chainkg.ingest.text.squash`); quotes of sources present there are checked verbatim.
    Raises :class:`chainkg.errors.DataError` listing every problem.
    """
    compiler = _Compiler(dataset, tables, templates, source_texts)
    graph = compiler.run()
    return graph, compiler.notes
