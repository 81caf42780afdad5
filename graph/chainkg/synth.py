"""Synthetic graphs shaped like real data, for scale tests and benchmarks.

The generator writes the same ontology terms and the same IRI scheme as :mod:`chainkg.mapping` (it
calls :func:`chainkg.mapping.mint`): a province with cities, counties and development zones; reference
chains (``ck:ReferenceChain``) whose links (``ck:ChainLink``) have a stage and form a ``ck:feedsInto``
DAG; zones that develop chains (``ck:ZoneChain``); enterprises located in a zone and covering one to
three links of one of its chains (with ``ck:Placement`` nodes); lead-enterprise roles (``ck:LeadRole``);
projects with a zone, a status, a year, an investment (``schema:MonetaryAmount`` in CNY with its
original wording) and the link they serve; a few sourced conflicts. Every entity has a Chinese and an
English label and its evidence (``prov:wasDerivedFrom`` a source document and a ``ck:quote``).

Output is N-Triples (``.nt``) or Turtle (``.ttl``) streamed to disk, so 10^7 triples need little memory.
The same parameters and seed give byte-identical output (only :class:`random.Random` and SHA-1 are
used, never Python's salted ``hash``).

Examples
--------
>>> triples = list(synthesize(zones=8, enterprises=20, projects=10, seed=1))
>>> triples == list(synthesize(zones=8, enterprises=20, projects=10, seed=1))
True
>>> any(p == "<https://w3id.org/chainkg/ontology#coversLink>" for _, p, _ in triples)
True
"""
import math
import os
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["synthesize", "write_synth", "params_for_triples", "SynthParams", "DATASET"]

#: Dataset name in the minted IRIs (``https://w3id.org/chainkg/id/synth/...``).
DATASET = "synth"

_CK = "https://w3id.org/chainkg/ontology#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_PROV = "http://www.w3.org/ns/prov#"
_DCT = "http://purl.org/dc/terms/"
_SDO = "https://schema.org/"
_ORG = "http://www.w3.org/ns/org#"
_XSD = "http://www.w3.org/2001/XMLSchema#"

_PREFIXES = {"ck": _CK, "rdf": _RDF, "rdfs": _RDFS, "skos": _SKOS, "prov": _PROV, "dcterms": _DCT,
             "schema": _SDO, "org": _ORG, "xsd": _XSD}

# Syllables for place and brand names, with pinyin for the English labels.
_PLACE = [("安", "An"), ("宁", "ning"), ("平", "ping"), ("阳", "yang"), ("兴", "xing"), ("隆", "long"),
          ("昌", "chang"), ("河", "he"), ("山", "shan"), ("城", "cheng"), ("清", "qing"), ("源", "yuan"),
          ("江", "jiang"), ("海", "hai"), ("松", "song"), ("原", "yuan"), ("丰", "feng"), ("泰", "tai"),
          ("华", "hua"), ("新", "xin"), ("东", "dong"), ("西", "xi"), ("南", "nan"), ("北", "bei"),
          ("金", "jin"), ("石", "shi"), ("凌", "ling"), ("朝", "chao"), ("建", "jian"), ("武", "wu"),
          ("永", "yong"), ("康", "kang"), ("林", "lin"), ("云", "yun"), ("岭", "ling"), ("桥", "qiao"),
          ("湖", "hu"), ("溪", "xi"), ("峰", "feng"), ("宝", "bao"), ("庆", "qing"), ("德", "de"),
          ("嘉", "jia"), ("盛", "sheng"), ("富", "fu"), ("恒", "heng"), ("鑫", "xin"), ("达", "da"),
          ("瑞", "rui"), ("通", "tong"), ("汇", "hui"), ("博", "bo"), ("远", "yuan"), ("利", "li"),
          ("中", "zhong"), ("正", "zheng"), ("和", "he"), ("明", "ming"), ("光", "guang"), ("星", "xing")]

# (zh, en, short zh, business word zh, business word en) for reference chains.
_INDUSTRIES = [
    ("钢铁冶金", "Iron and steel", "钢铁", "钢铁", "Steel"), ("光伏", "Photovoltaic", "光伏", "光伏科技", "PV Technology"),
    ("储能", "Energy storage", "储能", "储能科技", "Energy Storage"), ("氢能", "Hydrogen energy", "氢能", "氢能", "Hydrogen"),
    ("新能源汽车", "New-energy vehicle", "新能源车", "汽车", "Automotive"),
    ("汽车零部件", "Auto parts", "汽配", "汽车部件", "Auto Parts"),
    ("化合物半导体", "Compound semiconductor", "化合物半导体", "半导体", "Semiconductor"),
    ("集成电路", "Integrated circuit", "集成电路", "微电子", "Microelectronics"),
    ("生物医药", "Biopharmaceutical", "医药", "生物医药", "Biopharma"),
    ("中医药", "Traditional Chinese medicine", "中医药", "药业", "Pharmaceutical"),
    ("医疗器械", "Medical device", "器械", "医疗器械", "Medical Devices"),
    ("高端装备", "High-end equipment", "装备", "装备制造", "Equipment"),
    ("数控机床", "CNC machine tool", "机床", "机床", "Machine Tools"), ("机器人", "Robotics", "机器人", "智能装备", "Robotics"),
    ("航空航天", "Aerospace", "航空", "航空科技", "Aerospace"), ("船舶海工", "Shipbuilding and offshore", "船舶", "船舶", "Marine"),
    ("轨道交通", "Rail transit", "轨交", "轨道交通", "Rail"), ("风电装备", "Wind power equipment", "风电", "风电", "Wind Power"),
    ("石油化工", "Petrochemical", "石化", "石化", "Petrochemical"), ("精细化工", "Fine chemical", "精化", "化工", "Chemical"),
    ("先进材料", "Advanced materials", "新材料", "新材料", "New Materials"), ("稀土", "Rare earth", "稀土", "稀土", "Rare Earth"),
    ("钛材", "Titanium", "钛", "钛业", "Titanium"), ("铝加工", "Aluminium processing", "铝", "铝业", "Aluminium"),
    ("镁材", "Magnesium", "镁", "镁业", "Magnesium"), ("膨润土", "Bentonite", "膨润土", "矿业", "Mining"),
    ("陶瓷", "Ceramics", "陶瓷", "陶瓷", "Ceramics"), ("玻璃", "Glass", "玻璃", "玻璃", "Glass"),
    ("绿色建材", "Green building materials", "建材", "建材", "Building Materials"),
    ("纺织服装", "Textile and apparel", "纺织", "纺织", "Textile"), ("食品加工", "Food processing", "食品", "食品", "Food"),
    ("肉鸡", "Broiler", "肉鸡", "牧业", "Livestock"), ("乳制品", "Dairy", "乳业", "乳业", "Dairy"),
    ("粮油", "Grain and oil", "粮油", "粮油", "Grain and Oil"), ("果蔬", "Fruit and vegetable", "果蔬", "农业", "Agriculture"),
    ("林产", "Forest products", "林产", "林业", "Forestry"), ("造纸", "Paper", "造纸", "纸业", "Paper"),
    ("电子信息", "Electronic information", "电子", "电子", "Electronics"), ("软件", "Software", "软件", "软件", "Software"),
    ("数据中心", "Data centre", "数据", "数据科技", "Data Technology"), ("现代物流", "Modern logistics", "物流", "物流", "Logistics"),
    ("文化旅游", "Culture and tourism", "文旅", "文旅", "Culture and Tourism"),
    ("环保装备", "Environmental equipment", "环保", "环保", "Environmental"),
    ("节能装备", "Energy-saving equipment", "节能", "节能", "Energy Saving"),
    ("橡胶轮胎", "Rubber and tyre", "轮胎", "轮胎", "Tyre"),
]

_STAGE_LINKS = {
    "upstream": [("矿产资源", "mineral resources"), ("基础原料", "basic raw materials"), ("关键材料", "key materials"),
                 ("核心零部件", "core components"), ("专用设备", "special equipment"), ("研发设计", "R&D and design"),
                 ("辅助材料", "auxiliary materials"), ("能源供应", "energy supply")],
    "midstream": [("冶炼加工", "smelting and processing"), ("部件制造", "parts manufacturing"), ("模组封装", "modules and packaging"),
                  ("整机制造", "final assembly"), ("系统集成", "system integration"), ("精深加工", "deep processing"),
                  ("中试验证", "pilot testing"), ("配套加工", "supporting processing")],
    "downstream": [("终端应用", "end use"), ("销售服务", "sales and service"), ("运维服务", "operation and maintenance"),
                   ("回收利用", "recycling"), ("检测认证", "testing and certification"), ("物流配送", "logistics"),
                   ("品牌营销", "branding and marketing"), ("金融服务", "financial services")],
}
_STAGE_IRI = {"upstream": _CK + "Upstream", "midstream": _CK + "Midstream", "downstream": _CK + "Downstream"}

_STATUSES = [("谋划", "StatusPlanned", 4), ("储备", "StatusReserve", 3), ("洽谈", "StatusNegotiating", 6),
             ("签约", "StatusSigned", 12), ("落地", "StatusLanded", 6), ("开工", "StatusStarted", 8),
             ("新开工", "StatusNewlyStarted", 10), ("复工", "StatusResumed", 2), ("续建", "StatusContinuing", 8),
             ("在建", "StatusUnderConstruction", 14), ("竣工", "StatusCompleted", 6), ("投产", "StatusInProduction", 10),
             ("达产", "StatusAtCapacity", 4), ("运营", "StatusOperating", 7)]

_ZONE_KIND = {"province": ("省", "Province", "Province"), "city": ("市", "City", "City"),
              "district": ("区", "District", "District"), "county": ("县", "County", "County"),
              "dev_zone": ("经济技术开发区", "Economic and Technological Development Zone", "DevelopmentZone"),
              "park": ("产业园", "Industrial Park", "IndustrialPark")}


@dataclass(frozen=True)
class SynthParams:
    """What to generate; see :func:`synthesize`."""

    zones: int = 30
    enterprises: int = 1000
    projects: int = 500
    chains: int = 0  # 0: derived from the number of zones
    seed: int = 0

    def n_chains(self) -> int:
        return self.chains or max(6, min(80, 8 + self.zones // 10))


def params_for_triples(n: int, seed: int = 0) -> SynthParams:
    """Parameters that give about *n* triples (within a few per cent above 10^4).

    Examples
    --------
    >>> params_for_triples(10**6)
    SynthParams(zones=300, enterprises=21758, projects=10879, chains=38, seed=0)
    """
    scale = n / 1e6
    zones = max(8, round(300 * math.sqrt(scale)))
    chains = max(6, min(80, 8 + zones // 10))
    fixed = 210 * chains + 43 * zones  # chains with their links, zones with their zone-chains (measured)
    enterprises = max(10, round((n - fixed) / 45))  # 35 per enterprise, 20.5 per project, half as many projects
    return SynthParams(zones, enterprises, max(5, enterprises // 2), chains, seed)


# ---------------------------------------------------------------------------- terms


def _lit(text: str, lang: str = None, datatype: str = None) -> str:
    s = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if lang:
        return f'"{s}"@{lang}'
    if datatype:
        return f'"{s}"^^<{datatype}>'
    return f'"{s}"'


def _iri(text: str) -> str:
    return f"<{text}>"


@dataclass
class _Chain:
    iri: str
    zh: str
    en: str
    short: str
    biz_zh: str
    biz_en: str
    doc: str
    links: list = field(default_factory=list)  # link IRIs, upstream first
    labels: list = field(default_factory=list)  # (zh, en) per link
    weights: list = field(default_factory=list)  # how often enterprises cover each link


@dataclass
class _Zone:
    iri: str
    name: str
    en: str
    kind: str
    parent: int = -1
    chains: list = field(default_factory=list)  # chain indexes
    enterprises: list = field(default_factory=list)  # enterprise indexes


class _Generator:
    def __init__(self, p: SynthParams):
        from .mapping import _digest, mint

        self.mint = lambda *parts: _iri(str(mint(*parts)))
        self.digest = _digest
        self.p = p
        self.rng = random.Random(p.seed)
        self.names = set()
        self.row = {}

    # -------------------------------------------------------------- helpers
    def record(self, table):
        self.row[table] = self.row.get(table, 1) + 1
        return _lit(f"{DATASET}/{table}.csv:{self.row[table]}")

    def unique(self, make):
        """Call *make(extra)* until it returns a name not used yet; *extra* grows with each clash."""
        for attempt in range(1000):
            zh, en = make(attempt)
            if zh not in self.names:
                self.names.add(zh)
                return zh, en
        raise RuntimeError("synth: ran out of names")  # pragma: no cover - 60^4 combinations

    def syllables(self, k):
        picks = [self.rng.choice(_PLACE) for _ in range(k)]
        zh = "".join(c for c, _ in picks)
        en = "".join(py for _, py in picks)
        return zh, en[0].upper() + en[1:].lower()

    def evidence(self, subject, table, key, quote):
        """The subject's evidence triples plus the Evidence node; returns the triples."""
        doc = self.rng.choice(self.docs)
        ev = self.mint(DATASET, "evidence", self.digest(table, key, doc, quote))
        return doc, [(subject, _iri(_PROV + "wasDerivedFrom"), doc), (subject, _iri(_CK + "evidence"), ev),
                     (ev, _iri(_RDF + "type"), _iri(_CK + "Evidence")), (ev, _iri(_PROV + "wasDerivedFrom"), doc),
                     (ev, _iri(_CK + "quote"), _lit(quote, "zh")), (ev, _iri(_CK + "record"), self.record(table))]

    # -------------------------------------------------------------- plan (small structures only)
    def plan(self):
        p, rng = self.p, self.rng
        n_docs = max(5, (p.enterprises + p.projects) // 200)
        self.docs = [self.mint(DATASET, "source", f"doc-{i:05d}") for i in range(n_docs)]
        # chains and their links
        self.chains = []
        for i in range(p.n_chains()):
            zh, en, short, bzh, ben = _INDUSTRIES[i % len(_INDUSTRIES)]
            if i >= len(_INDUSTRIES):
                n = i // len(_INDUSTRIES) + 1
                zh, en, short = f"{zh}{n}号", f"{en} no. {n}", f"{short}{n}号"
            cid = f"synth-{i:03d}"
            c = _Chain(self.mint("chain", cid), f"{zh}产业链", f"{en} chain", short, bzh, ben,
                       self.mint("source", "chains", f"synth-ref-{i:03d}"))
            n_links = rng.randint(8, 24)
            cut1, cut2 = round(n_links * 0.3), round(n_links * 0.7)
            for j in range(n_links):
                stage = "upstream" if j < cut1 else "midstream" if j < cut2 else "downstream"
                pool = _STAGE_LINKS[stage]
                k = j - (0 if stage == "upstream" else cut1 if stage == "midstream" else cut2)
                lzh, len_ = pool[k % len(pool)]
                if k >= len(pool):
                    lzh, len_ = f"{lzh}{k // len(pool) + 1}", f"{len_} {k // len(pool) + 1}"
                c.links.append(self.mint("chain", cid, f"l{j:02d}"))
                c.labels.append((f"{short}{lzh}", f"{en}: {len_}", stage))
            ranks = list(range(n_links))
            rng.shuffle(ranks)
            c.weights = [1.0 / (1 + r) ** 1.1 for r in ranks]  # a few popular links, a long tail of rare ones
            self.chains.append(c)
        # feedsInto: each link feeds one or two of the next few links (a DAG by construction)
        self.feeds = {}
        for c in self.chains:
            n = len(c.links)
            for j in range(n - 1):
                targets = sorted(rng.sample(range(j + 1, min(n, j + 5)), min(rng.randint(1, 2), min(n, j + 5) - j - 1)))
                self.feeds[c.links[j]] = [c.links[t] for t in targets]
        for i in range(1, len(self.chains)):  # cross-chain edges go from an earlier chain to a later one: no cycles
            if rng.random() < 0.3:
                a, b = self.chains[rng.randrange(i)], self.chains[i]
                self.feeds.setdefault(a.links[-1 - rng.randrange(3)], []).append(b.links[rng.randrange(3)])
        # zones: one province, cities, counties and districts, development zones and parks
        self.zones = []
        n = max(p.zones, 3)
        n_city = max(1, (n - 1) // 12)
        n_county = max(1, round((n - 1 - n_city) * 0.45))
        kinds = ["province"] + ["city"] * n_city + [rng.choice(["county", "district"]) for _ in range(n_county)]
        kinds += [rng.choice(["dev_zone", "dev_zone", "park"]) for _ in range(n - len(kinds))]
        for i, kind in enumerate(kinds):
            suffix, suffix_en, _ = _ZONE_KIND[kind]
            zh, en = self.unique(lambda a: (lambda s: (s[0] + suffix, f"{s[1]} {suffix_en}"))(self.syllables(2 + a // 20)))
            parent = -1
            if kind == "city":
                parent = 0
            elif kind in ("county", "district"):
                parent = rng.randint(1, n_city)
            elif kind in ("dev_zone", "park"):
                parent = rng.randint(1, n_city + n_county)
            z = _Zone(self.mint(DATASET, "zone", zh), zh, en, kind, parent)
            if kind != "province":
                z.chains = sorted(rng.sample(range(len(self.chains)), min(len(self.chains), rng.randint(1, 4))))
            self.zones.append(z)
        self.hosts = [i for i, z in enumerate(self.zones) if z.kind not in ("province", "city")] or [1]
        self.host_weights = [rng.paretovariate(1.5) for _ in self.hosts]  # some zones are much bigger

    # -------------------------------------------------------------- emit, subject by subject
    def run(self):
        self.plan()
        yield from self.emit_sources()
        yield from self.emit_chains()
        yield from self.emit_zones()
        yield from self.emit_enterprises()
        yield from self.emit_projects()

    def emit_sources(self):
        for i, doc in enumerate(self.docs):
            title = f"产业链招商信息汇编（第{i + 1}期）"
            yield from [(doc, _iri(_RDF + "type"), _iri(_CK + "SourceDocument")), (doc, _iri(_RDFS + "label"), _lit(title, "zh")),
                        (doc, _iri(_DCT + "title"), _lit(title, "zh")), (doc, _iri(_DCT + "identifier"), _lit(f"doc-{i:05d}")),
                        (doc, _iri(_DCT + "publisher"), _lit("合成数据", "zh")),
                        (doc, _iri(_DCT + "date"), _lit(f"{2018 + i % 8}-{1 + i % 12:02d}"))]
        for i, c in enumerate(self.chains):
            title = f"{c.zh}全景图谱（合成）"
            yield from [(c.doc, _iri(_RDF + "type"), _iri(_CK + "SourceDocument")), (c.doc, _iri(_RDFS + "label"), _lit(title, "zh")),
                        (c.doc, _iri(_DCT + "title"), _lit(title, "zh")), (c.doc, _iri(_DCT + "identifier"), _lit(f"synth-ref-{i:03d}"))]

    def emit_chains(self):
        T, L, PL = _iri(_RDF + "type"), _iri(_RDFS + "label"), _iri(_SKOS + "prefLabel")
        for c in self.chains:
            yield from [(c.iri, T, _iri(_CK + "IndustrialChain")), (c.iri, T, _iri(_SKOS + "ConceptScheme")),
                        (c.iri, T, _iri(_CK + "ReferenceChain")), (c.iri, L, _lit(c.zh, "zh")), (c.iri, L, _lit(c.en, "en")),
                        (c.iri, PL, _lit(c.zh, "zh")), (c.iri, PL, _lit(c.en, "en")), (c.iri, _iri(_SKOS + "altLabel"), _lit(c.short, "zh")),
                        (c.iri, _iri(_SKOS + "definition"), _lit(f"从上游原料到下游应用的{c.zh}（合成参考链）。", "zh")),
                        (c.iri, _iri(_PROV + "wasDerivedFrom"), c.doc)]
            for li, (zh, en, stage) in zip(c.links, c.labels):
                yield from [(li, T, _iri(_CK + "ChainLink")), (li, T, _iri(_SKOS + "Concept")), (li, _iri(_SKOS + "inScheme"), c.iri),
                            (li, L, _lit(zh, "zh")), (li, L, _lit(en, "en")), (li, PL, _lit(zh, "zh")), (li, PL, _lit(en, "en")),
                            (li, _iri(_CK + "stage"), _iri(_STAGE_IRI[stage])), (li, _iri(_PROV + "wasDerivedFrom"), c.doc)]
                for target in self.feeds.get(li, ()):
                    yield li, _iri(_CK + "feedsInto"), target

    def emit_zones(self):
        T, L = _iri(_RDF + "type"), _iri(_RDFS + "label")
        for i, z in enumerate(self.zones):
            yield from [(z.iri, T, _iri(_CK + _ZONE_KIND[z.kind][2])), (z.iri, L, _lit(z.name, "zh")), (z.iri, L, _lit(z.en, "en"))]
            if z.kind == "dev_zone":
                yield z.iri, _iri(_CK + "level"), _lit(self.rng.choice(["national", "provincial", "provincial", "municipal"]))
            if z.parent >= 0:
                yield z.iri, _iri(_CK + "partOf"), self.zones[z.parent].iri
            for ci in z.chains:
                yield z.iri, _iri(_CK + "develops"), self.chains[ci].iri
            parent = self.zones[z.parent].name if z.parent >= 0 else ""
            _, triples = self.evidence(z.iri, "zones", z.name, f"{parent}{z.name}是重点发展区域之一。")
            yield from triples
            for ci in z.chains:
                yield from self.zone_chain(z, self.chains[ci])

    def zone_chain(self, z, c):
        quote = f"{z.name}重点打造{c.zh}。"
        node = self.mint(DATASET, "zone-chain", self.digest(z.iri[1:-1], c.iri[1:-1], "zc", quote))
        doc, triples = self.evidence(node, "zone_chains", "zone-chain", quote)
        yield from [(node, _iri(_RDF + "type"), _iri(_CK + "ZoneChain")), (node, _iri(_RDFS + "label"), _lit(f"{z.name}·{c.zh}", "zh")),
                    (node, _iri(_CK + "zone"), z.iri), (node, _iri(_CK + "chain"), c.iri), (node, _iri(_CK + "quote"), _lit(quote, "zh")),
                    (node, _iri(_CK + "record"), self.record("zone_chains"))]
        yield from triples
        if self.rng.random() < 0.3:
            picks = sorted(self.rng.sample(range(len(c.links)), 3))
            yield node, _iri(_CK + "linksText"), _lit("→".join(c.labels[j][0] for j in picks), "zh")
            for j in picks:
                yield node, _iri(_CK + "link"), c.links[j]

    def emit_enterprises(self):
        rng, T, L = self.rng, _iri(_RDF + "type"), _iri(_RDFS + "label")
        groups = []
        self.coverage = {}  # (zone, chain) -> {enterprise index: number of links covered}
        self.ent_iris, self.ent_names = [], []
        self.covered = {}  # (zone, chain) -> set of covered link positions
        for e in range(self.p.enterprises):
            zi = rng.choices(self.hosts, self.host_weights)[0]
            z = self.zones[zi]
            ci = rng.choice(z.chains)
            c = self.chains[ci]
            r = rng.random()
            kind = "group" if r < 0.02 else "institution" if r < 0.05 else "enterprise"
            place = z.name[:2]
            place_en = z.en.split(" ")[0]

            def make(a, kind=kind, place=place, place_en=place_en, c=c):
                bzh, ben = self.syllables(2 + a // 10)
                if kind == "institution":
                    return f"{place}{bzh}{c.short}研究院", f"{place_en} {ben} {c.biz_en} Research Institute"
                suffix, suffix_en = ("集团有限公司", "Group Co., Ltd.") if kind == "group" else rng.choice(
                    [("有限公司", "Co., Ltd."), ("股份有限公司", "Corp., Ltd."), ("科技有限公司", "Technology Co., Ltd.")])
                return f"{place}{bzh}{c.biz_zh}{suffix}", f"{place_en} {ben} {c.biz_en} {suffix_en}"

            zh, en = self.unique(make)
            iri = self.mint(DATASET, "org", zh)
            self.ent_iris.append(iri)
            self.ent_names.append(zh)
            z.enterprises.append(e)
            cls = {"group": "EnterpriseGroup", "institution": "Institution"}.get(kind, "Enterprise")
            k = rng.choices([1, 2, 3], [5, 3, 2])[0]
            start = rng.choices(range(len(c.links)), c.weights)[0]
            links = sorted({min(len(c.links) - 1, start + d) for d in range(k)})
            yield from [(iri, T, _iri(_CK + cls)), (iri, L, _lit(zh, "zh")), (iri, L, _lit(en, "en")),
                        (iri, _iri(_CK + "locatedIn"), z.iri)]
            if len(zh) > 6:
                yield iri, _iri(_SKOS + "altLabel"), _lit(zh[: len(place) + 2], "zh")
            if groups and kind == "enterprise" and rng.random() < 0.05:
                yield iri, _iri(_ORG + "subOrganizationOf"), rng.choice(groups)
            for j in links:
                yield iri, _iri(_CK + "coversLink"), c.links[j]
            _, triples = self.evidence(iri, "enterprises", zh, f"{zh}位于{z.name}，主营{c.labels[links[0]][0]}。")
            yield from triples
            if kind == "group":
                groups.append(iri)
            for j in links:
                quote = f"{zh}从事{c.labels[j][0]}。"
                node = self.mint(DATASET, "placement", self.digest(iri[1:-1], c.links[j][1:-1], "pl", quote))
                yield from [(node, T, _iri(_CK + "Placement")), (node, L, _lit(f"{zh}·{c.labels[j][0]}", "zh")),
                            (node, _iri(_CK + "enterprise"), iri), (node, _iri(_CK + "link"), c.links[j]),
                            (node, _iri(_CK + "note"), _lit(rng.choice(["article", "reference"]))),
                            (node, _iri(_CK + "quote"), _lit(quote, "zh")), (node, _iri(_CK + "record"), self.record("placements"))]
                yield from self.evidence(node, "placements", "placement", quote)[1]
            cov = self.coverage.setdefault((zi, ci), {})
            cov[e] = cov.get(e, 0) + len(links)
            self.covered.setdefault((zi, ci), set()).update(links)
        # lead roles: the enterprise covering most links of a zone's chain, in about 60% of cases
        for (zi, ci), cov in self.coverage.items():
            if rng.random() >= 0.6:
                continue
            e = max(cov, key=lambda x: (cov[x], -x))
            z, c = self.zones[zi], self.chains[ci]
            year, word = rng.randint(2019, 2025), rng.choice(["链主", "龙头", "领军"])
            quote = f"{self.ent_names[e]}是{z.name}{c.zh}的{word}企业。"
            node = self.mint(DATASET, "lead-role", self.digest(self.ent_iris[e][1:-1], c.iri[1:-1], z.iri[1:-1], year, word))
            yield from [(node, T, _iri(_CK + "LeadRole")), (node, L, _lit(f"{self.ent_names[e]}·{c.zh}·{word}", "zh")),
                        (node, _iri(_CK + "enterprise"), self.ent_iris[e]), (node, _iri(_CK + "chain"), c.iri),
                        (node, _iri(_CK + "zone"), z.iri), (node, _iri(_CK + "year"), _lit(str(year), datatype=_XSD + "integer")),
                        (node, _iri(_CK + "roleWord"), _lit(word, "zh")), (node, _iri(_CK + "quote"), _lit(quote, "zh")),
                        (node, _iri(_CK + "record"), self.record("lead_roles"))]
            yield from self.evidence(node, "lead_roles", "lead-role", quote)[1]

    def emit_projects(self):
        rng, T, L = self.rng, _iri(_RDF + "type"), _iri(_RDFS + "label")
        statuses = [s for s in _STATUSES]
        weights = [w for _, _, w in _STATUSES]
        for n in range(self.p.projects):
            zi = rng.choices(self.hosts, self.host_weights)[0]
            z = self.zones[zi]
            ci = rng.choice(z.chains)
            c = self.chains[ci]
            covered = self.covered.get((zi, ci), set())
            missing = [j for j in range(len(c.links)) if j not in covered]
            j = rng.choice(missing) if missing and rng.random() < 0.7 else rng.randrange(len(c.links))
            lzh = c.labels[j][0]

            def make(a, z=z, lzh=lzh):
                b, ben = self.syllables(2 + a // 10)
                scale = rng.choice(["", "年产万吨级", "扩建", "二期", "智能化改造", "产业化"])
                return f"{z.name[:2]}{b}{lzh}{scale}项目", f"{z.en.split(' ')[0]} {ben} {c.labels[j][1]} project"

            zh, en = self.unique(make)
            iri = self.mint(DATASET, "project", zh)
            status_zh, status, _ = rng.choices(statuses, weights)[0]
            year = rng.randint(2018, 2025)
            # amounts from 1 million to 10 billion yuan, log-uniform, written the way articles write them
            raw = 10 ** rng.uniform(6, 10)
            if raw >= 1e8:
                text_value = round(raw / 1e8, 1)
                text, value = f"{text_value:g}亿元", round(text_value * 10) * 10_000_000
            else:
                w = max(1, round(raw / 1e4))
                text, value = f"{w}万元", w * 10_000
            money = self.mint(DATASET, "project", zh, "investment")
            yield from [(iri, T, _iri(_CK + "Project")), (iri, L, _lit(zh, "zh")), (iri, L, _lit(en, "en"))]
            quote = f"{zh}总投资{text}，{status_zh}。"
            doc, triples = self.evidence(iri, "projects", zh, quote)
            yield from triples
            yield from [(iri, _iri(_CK + "inZone"), z.iri), (iri, _iri(_CK + "status"), _iri(_CK + status)),
                        (iri, _iri(_CK + "year"), _lit(str(year), datatype=_XSD + "integer")),
                        (iri, _iri(_CK + "investment"), money), (iri, _iri(_CK + "servesChain"), c.iri),
                        (iri, _iri(_CK + "servesLink"), c.links[j])]
            if z.enterprises and rng.random() < 0.6:
                yield iri, _iri(_CK + "investor"), self.ent_iris[rng.choice(z.enterprises)]
            elif rng.random() < 0.25:
                yield iri, _iri(_CK + "investorName"), _lit(f"{self.syllables(2)[0]}投资集团", "zh")
            if rng.random() < 0.2:
                yield iri, _iri(_CK + "capacity"), _lit(f"年产{rng.randint(1, 200)}万吨", "zh")
            yield from [(money, T, _iri(_SDO + "MonetaryAmount")), (money, _iri(_SDO + "value"), _lit(str(value), datatype=_XSD + "decimal")),
                        (money, _iri(_SDO + "currency"), _lit("CNY")), (money, _iri(_CK + "originalText"), _lit(text, "zh"))]
            if rng.random() < 0.02:
                yield from self.conflict(iri, zh, status_zh, doc)

    def conflict(self, subject, name, status_zh, doc):
        """Two sources disagree on the project's status: a Conflict with two Claims."""
        other = self.rng.choice([s for s, _, _ in _STATUSES if s != status_zh])
        node = self.mint(DATASET, "conflict", self.digest(subject[1:-1], _CK + "status"))
        T, L = _iri(_RDF + "type"), _iri(_RDFS + "label")
        out = [(node, T, _iri(_CK + "Conflict")), (node, _iri(_CK + "about"), subject), (node, _iri(_CK + "field"), _iri(_CK + "status")),
               (node, L, _lit(f"{name}：status 说法不一", "zh"))]
        docs = []
        for value, source in ((status_zh, doc), (other, self.rng.choice(self.docs))):
            quote = f"{name}{value}。"
            claim = self.mint(DATASET, "claim", self.digest(node[1:-1], value, source, quote))
            out += [(node, _iri(_CK + "claim"), claim), (claim, T, _iri(_CK + "Claim")), (claim, L, _lit(f"{name}：{value}", "zh")),
                    (claim, _iri(_CK + "claimedValue"), _lit(value, "zh")), (claim, _iri(_PROV + "wasDerivedFrom"), source),
                    (claim, _iri(_CK + "quote"), _lit(quote, "zh")), (claim, _iri(_CK + "record"), self.record("projects"))]
            if source not in docs:
                docs.append(source)
        out += [(node, _iri(_PROV + "wasDerivedFrom"), d) for d in docs]
        return out


def synthesize(zones=30, enterprises=1000, projects=500, chains=0, seed=0):
    """Yield the triples of a synthetic dataset as N-Triples terms ``(s, p, o)``, subject by subject.

    Parameters
    ----------
    zones, enterprises, projects : int
        How many of each (zones: at least 3, one of them the province).
    chains : int
        Reference chains (0: ``8 + zones // 10``, between 6 and 80), each with 8–24 links.
    seed : int
        Seed of the pseudo-random choices; the same parameters give the same triples in the same order.
    """
    return _Generator(SynthParams(zones, enterprises, projects, chains, seed)).run()


def _turtle(triples, out):
    """Write Turtle: prefixed predicates and classes, one block per run of triples with the same subject."""
    shorten = {}
    for prefix, ns in _PREFIXES.items():
        shorten[ns] = prefix
    for prefix, ns in _PREFIXES.items():
        out.write(f"@prefix {prefix}: <{ns}> .\n")
    out.write("\n")

    def short(term):
        if term[0] == "<":
            for ns, prefix in shorten.items():
                if term.startswith(ns, 1):
                    local = term[1 + len(ns):-1]
                    if local.isascii() and local.replace("_", "").isalnum():
                        return f"{prefix}:{local}"
        return term

    subject = None
    for s, p, o in triples:
        if s != subject:
            if subject is not None:
                out.write(" .\n")
            out.write(f"{s} {'a' if p == '<' + _RDF + 'type>' else short(p)} {short(o)}")
            subject = s
        else:
            out.write(f" ;\n    {'a' if p == '<' + _RDF + 'type>' else short(p)} {short(o)}")
    if subject is not None:
        out.write(" .\n")


def write_synth(path, params: SynthParams) -> int:
    """Write a synthetic dataset to *path* (``.nt`` or ``.ttl``) atomically; return the number of triples.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> n = write_synth(d / "a.nt", SynthParams(zones=8, enterprises=20, projects=10, seed=3))
    >>> n == len((d / "a.nt").read_text(encoding="utf-8").splitlines())
    True
    """
    from .errors import DataError, Problem

    path = Path(path)
    if path.suffix.lower() not in (".nt", ".ttl"):
        raise DataError([Problem(str(path), None, None, f"不支持的输出类型 {path.suffix}（请用 .nt 或 .ttl）",
                                 f"unsupported output type {path.suffix} (use .nt or .ttl)")])
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0

    def counted(triples):
        nonlocal count
        for t in triples:
            count += 1
            yield t

    triples = counted(synthesize(params.zones, params.enterprises, params.projects, params.chains, params.seed))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:
            if path.suffix.lower() == ".ttl":
                _turtle(triples, out)
            else:
                out.writelines(f"{s} {p} {o} .\n" for s, p, o in triples)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count
