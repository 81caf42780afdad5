"""The named-query library on the Chaoyang graph: every query's exact answer, read from the articles in
data/chaoyang/sources/ and the CSV tables, and the same answer on every store: rdflib in memory, Oxigraph
in memory, the on-disk Oxigraph store, and a real `oxigraph serve` loaded over HTTP.

Amounts are in yuan (1亿元 = 100,000,000). Names sort by code point (凌 U+51CC before 北 U+5317).
"""
from decimal import Decimal

import pytest

from chainkg.query import QueryEngine, bind_parameters, named_queries

ID = "https://w3id.org/chainkg/id/"
ZONE, ORG, PROJECT, SOURCE = ID + "chaoyang/zone/", ID + "chaoyang/org/", ID + "chaoyang/project/", ID + "chaoyang/source/"
A000, A001, A002, A003, A004 = (SOURCE + s for s in ("000_5743e398c4203fa0", "001_122d7473fb7a6d13", "002_6bf6dcfef496691d",
                                                     "003_cdf96069aca27539", "004_201a132a17332222"))
KAZUO = "喀左经济开发区"  # an alias of 朝阳喀左经济开发区 in the articles
SEMI = "化合物半导体产业链"
YI = 100_000_000
WAN = 10_000

#: Every query with the parameters the suite runs it with (optional ones both left out and given).
CASES = [
    ("enterprises-of-zone-chain", {"zone": KAZUO, "chain": SEMI}),
    ("enterprises-of-zone-chain", {"zone": "朝阳市", "chain": "钢铁冶金产业链"}),
    ("lead-enterprises", {}),
    ("lead-enterprises", {"zone": "建平经济开发区"}),
    ("lead-enterprises", {"chain": "钢铁产业链"}),
    ("missing-links", {"zone": KAZUO, "chain": SEMI}),
    ("projects", {}),
    ("projects", {"status": "签约", "year": "2025", "zone": "北票经济开发区"}),
    ("investment-by-zone", {}),
    ("investment-by-chain", {}),
    ("investment-by-status", {}),
    ("largest-projects", {}),
    ("multi-zone-enterprises", {}),
    ("zones-sharing-chain", {}),
    ("zones-sharing-chain", {"chain": "装备制造产业"}),
    ("evidence", {"subject": "通美晶体"}),
    ("unresolved-investors", {}),
    ("conflicts", {}),
    ("zone-chains", {"zone": "建平县"}),
    ("chain-links", {"chain": SEMI}),
    ("enterprise-profile", {"enterprise": "通美晶体"}),
    ("projects-of-enterprise", {"enterprise": "新都黄金"}),
    ("sub-zones", {"zone": "建平县"}),
    ("sources", {}),
    ("single-enterprise-links", {"zone": KAZUO}),
]


def test_the_cases_cover_every_named_query():
    assert {name for name, _ in CASES} == set(named_queries())


@pytest.fixture(scope="module")
def engines(chaoyang_file, tmp_path_factory):
    """One query engine per store, all holding the same build."""
    from test_remote_store import running_oxigraph

    from chainkg.store import load_store

    tmp = tmp_path_factory.mktemp("stores")
    load_store(chaoyang_file, tmp / "store")
    with running_oxigraph(tmp / "server") as url:
        load_store(chaoyang_file, url)
        opened = {}
        try:
            for name, spec, path in [("memory", "memory", chaoyang_file), ("oxigraph", "oxigraph", chaoyang_file),
                                     ("disk", tmp / "store", None), ("server", url, None)]:
                opened[name] = QueryEngine(spec, graph_path=path, timeout=120, limit=0)
            yield opened
        finally:
            for engine in opened.values():
                engine.close()


def answers(engines, name, params):
    text = bind_parameters(named_queries()[name], params)
    return {store: engine.run(text, where=name) for store, engine in engines.items()}


def answer(engines, name, **params):
    """The query's answer (columns, rows as plain values), after checking every store gives it."""
    results = answers(engines, name, params)
    first = results["oxigraph"]
    for store, r in results.items():
        assert (r.columns, r.values()) == (first.columns, first.values()), store
    return first.columns, first.values()


def pick(rows, columns, *names):
    idx = [columns.index(n) for n in names]
    return [tuple(r[i] for i in idx) for r in rows]


@pytest.mark.parametrize("name, params", CASES, ids=[f"{n}{'-' + '-'.join(p.values()) if p else ''}" for n, p in CASES])
def test_every_store_gives_the_same_answer(engines, name, params):
    results = answers(engines, name, params)
    reference = results["oxigraph"]
    assert reference.rows or name == "unresolved-investors", "a case that returns nothing proves little"
    for store, r in results.items():
        assert r.columns == reference.columns, store
        assert r.values() == reference.values(), store  # same rows, same order


# ---------------------------------------------------------------------------------------------- exact answers
def test_enterprises_of_kazuo_in_compound_semiconductors(engines):
    # 004: 喀左经济开发区以通美晶体为龙头 / 以通美晶体为链主; the park's firms and their links from the
    # placements table (the city's reply on 喀左's semiconductor industry, the park introduction)
    cols, rows = answer(engines, "enterprises-of-zone-chain", zone=KAZUO, chain=SEMI)
    assert cols == ["enterprise", "enterpriseName", "via", "detail"]
    assert pick(rows, cols, "enterpriseName", "via", "detail") == [
        ("东方高纯电子材料科技有限公司", "link", "高纯砷"),
        ("凯美石英管", "link", "石英管及石英器件"),
        ("凯美砷化镓回收", "link", "砷化镓回收"),
        ("利美半导体科技有限公司", "link", "单晶生长"),
        ("利美半导体科技有限公司", "link", "晶片衬底"),
        ("博宇半导体材料科技有限公司", "link", "PBN坩埚"),
        ("通美晶体", "lead", "链主"),
        ("通美晶体", "lead", "龙头"),
        ("通美晶体", "link", "单晶生长"),
        ("金美镓业有限公司", "link", "高纯镓"),
        ("鑫美高纯砷", "link", "高纯砷"),
    ]
    assert rows[6][0] == ORG + "通美晶体"


def test_lead_enterprises_of_jianping(engines):
    # 004: 中能建、唯科矿产、瑞鑫、建兴等一大批国内外龙头企业 (非金属材料产业);
    #      通过菲哲石油、晋慧智能、华盛泵业等龙头企业带动 (装备制造产业)
    cols, rows = answer(engines, "lead-enterprises", zone="建平经济开发区")
    assert pick(rows, cols, "zoneName", "chainName", "enterpriseName", "role", "year", "source") == [
        ("建平经济开发区", "装备制造产业", "华盛泵业", "龙头企业", 2025, A004),
        ("建平经济开发区", "装备制造产业", "晋慧智能", "龙头企业", 2025, A004),
        ("建平经济开发区", "装备制造产业", "菲哲石油", "龙头企业", 2025, A004),
        ("建平经济开发区", "非金属材料产业", "中能建", "龙头企业", 2025, A004),
        ("建平经济开发区", "非金属材料产业", "唯科矿产", "龙头企业", 2025, A004),
        ("建平经济开发区", "非金属材料产业", "建兴", "龙头企业", 2025, A004),
        ("建平经济开发区", "非金属材料产业", "瑞鑫", "龙头企业", 2025, A004),
    ]


def test_lead_enterprises_of_the_steel_chain(engines):
    # 004: 凌源经济开发区以凌钢等为龙头 (钢铁产业链); 朝阳高新技术产业开发区依托鞍钢朝阳钢铁为龙头 (现代冶金产业);
    # both are the reference steel chain, 钢铁冶金产业链
    cols, rows = answer(engines, "lead-enterprises", chain="钢铁产业链")
    assert pick(rows, cols, "zoneName", "chainName", "enterpriseName", "role") == [
        ("凌源经济开发区", "钢铁冶金产业链", "凌钢", "龙头"),
        ("朝阳高新技术产业开发区", "钢铁冶金产业链", "鞍钢集团朝阳钢铁有限公司", "龙头"),
    ]


def test_missing_links_of_kazuo_compound_semiconductors(engines):
    # the template has 16 links; 喀左's firms cover 高纯镓, 高纯砷, PBN坩埚, 石英管及石英器件, 单晶生长, 晶片衬底
    # and 砷化镓回收: the other nine, downstream epitaxy and devices among them, are missing
    cols, rows = answer(engines, "missing-links", zone=KAZUO, chain=SEMI)
    assert cols == ["link", "linkName", "stage", "chain", "zone"]
    link = ID + "chain/compound-semiconductor/"
    assert [(r[0][len(link):], r[1], r[2]) for r in rows] == [
        ("boron-oxide", "氧化硼", "上游"),
        ("germanium", "锗及二氧化锗", "上游"),
        ("specialty-gases", "高纯稀有气体", "上游"),
        ("high-purity-indium", "高纯铟", "上游"),
        ("polycrystal-synthesis", "多晶合成", "中游"),
        ("wafer-processing", "晶片加工", "中游"),
        ("epitaxy", "外延片", "下游"),
        ("end-applications", "终端应用", "下游"),
        ("chips-devices", "芯片/器件", "下游"),
    ]
    assert {(r[3], r[4]) for r in rows} == {(ID + "chain/compound-semiconductor", ZONE + "朝阳喀左经济开发区")}


def test_projects_signed_in_beipiao_in_2025(engines):
    # 004: 签约投资70亿元的北京中科低碳智能产业集群、投资25亿元的马鞍山黑田科技高端智能工厂
    cols, rows = answer(engines, "projects", status="签约", year="2025", zone="北票经济开发区")
    assert cols == ["project", "projectName", "zone", "zoneName", "status", "year", "investment", "investmentText"]
    assert rows == [
        (PROJECT + "北京中科低碳智能产业集群", "北京中科低碳智能产业集群", ZONE + "朝阳北票经济开发区", "朝阳北票经济开发区",
         "签约", 2025, 70 * YI, "70亿元"),
        (PROJECT + "马鞍山黑田科技高端智能工厂", "马鞍山黑田科技高端智能工厂", ZONE + "朝阳北票经济开发区", "朝阳北票经济开发区",
         "签约", 2025, 25 * YI, "25亿元"),
    ]


#: Every project with an amount in the articles: (project, zone it is in, yuan, status word or None)
AMOUNTS = [
    # 000 龙城区
    ("北京嘉寓集团清洁能源光伏组件项目", "龙城区", 15 * YI, "投产"),
    ("亚琦·朝阳贸易中心项目", "龙城区", 15 * YI, "续建"),
    ("中电科53所特种材料项目", "龙城区", 5 * YI, "开工"),
    ("朝阳钢铁智能化能源管控平台", "龙城区", 6689 * WAN, "新开工"),
    ("轮胎制造数字化管控系统应用项目", "龙城区", 3203 * WAN, None),
    ("辽宁朝花药业数字化制药工厂项目", "龙城区", 2200 * WAN, None),
    # 001 and 003 双塔区 (朝阳经济技术开发区 and its parks lie in 双塔区)
    ("辽宁远信储能技术有限公司新型储能装备智能化生产线项目", "双塔区", 16 * YI, "签约"),
    ("双塔区10GWh储能装备制造基地及绿色能源项目", "双塔区", 6 * YI, "落地"),
    ("辽宁朝阳低空经济发展示范区项目", "双塔区", Decimal("4.5") * YI, "新开工"),
    ("朝阳市中心城区垃圾焚烧发电项目", "双塔区", Decimal("4.37") * YI, "续建"),
    ("辽宁新都黄金有限责任公司余热回收综合利用项目", "双塔区", Decimal("1.1") * YI, "新开工"),
    ("新都黄金整体搬迁改造项目", "双塔区", Decimal("10.3") * YI, "投产"),
    ("双塔区工业互联网产业体系", "双塔区", 4 * YI, "在建"),
    ("辽宁君汇建筑装饰装饰材料城", "双塔区", 2 * YI, "运营"),
    ("东衡现代化冷链仓储及中央厨房项目", "双塔区", 8000 * WAN, "运营"),
    ("双塔区商业城超市物流配送分公司项目", "双塔区", 2500 * WAN, "开工"),
    ("离散型烟气回收高效循环综合利用项目", "双塔区", 5200 * WAN, "在建"),
    ("辽宁新都黄金离散型数字化工厂项目", "双塔区", 4678 * WAN, "在建"),
    ("航天长峰朝阳电源模块电源自动化组装生产线", "双塔区", 3704 * WAN, "投产"),
    ("离散型集中供暖离散型数字化生产管理项目", "双塔区", 2110 * WAN, "运营"),
    ("离散型焙烧自动控制系统项目", "双塔区", 1000 * WAN, "竣工"),
    ("紫光云数字经济产业园", "朝阳经济技术开发区", 12 * YI, None),
    ("朝阳城市云节点", "朝阳经济技术开发区数字经济产业园", Decimal("1.5") * YI, "竣工"),
    ("华润雪花年产30万吨啤酒项目", "朝阳经济技术开发区轻工产业园", Decimal("10.2") * YI, "在建"),
    # 004 the seven provincial development zones
    ("北京中科低碳智能产业集群", "朝阳北票经济开发区", 70 * YI, "签约"),
    ("马鞍山黑田科技高端智能工厂", "朝阳北票经济开发区", 25 * YI, "签约"),
    ("辽宁通鑫年处理120万吨冶金固废项目", "朝阳北票经济开发区", Decimal("18.2") * YI, "续建"),
    ("北票宏发年产亿只肉鸡加工项目", "朝阳北票经济开发区", 6 * YI, "投产"),
    ("喀左经济开发区电子科技产业园", "喀左经济开发区电子科技产业园", 12 * YI, None),
    ("喀左经济开发区年产5000吨高端精密装备及基础零部件项目", "朝阳喀左经济开发区", Decimal("1.05") * YI, "在建"),
    ("建平拓比拓牧业精控饲料加工项目", "建平经济开发区", Decimal("1.5") * YI, "在建"),
]


def test_the_amounts_read_from_the_articles_are_the_graphs(engines):
    cols, rows = answer(engines, "projects")
    with_amount = sorted((r[1], r[3], r[6], r[4]) for r in rows if r[6] is not None)
    assert with_amount == sorted(AMOUNTS)


def test_investment_per_zone(engines):
    cols, rows = answer(engines, "investment-by-zone")
    assert cols == ["zone", "zoneName", "projects", "total"]
    by_zone = {r[1]: (r[2], r[3]) for r in rows}
    total = sum(a for _, _, a, _ in AMOUNTS)
    assert total == Decimal("24464840000")
    assert by_zone["朝阳市"] == (31, total) == by_zone["辽宁省"]
    assert by_zone["朝阳北票经济开发区"] == (4, (70 + 25 + Decimal("18.2") + 6) * YI) == by_zone["北票市"]
    assert by_zone["龙城区"] == (6, 35 * YI + (6689 + 3203 + 2200) * WAN)
    assert by_zone["朝阳经济技术开发区"] == (3, (12 + Decimal("1.5") + Decimal("10.2")) * YI)
    assert by_zone["双塔区"] == (18, Decimal("5098920000") + by_zone["朝阳经济技术开发区"][1])
    assert by_zone["朝阳喀左经济开发区"] == (2, Decimal("13.05") * YI) == by_zone["喀喇沁左翼蒙古族自治县"]
    assert by_zone["建平县"] == (1, Decimal("1.5") * YI)
    assert "凌源市" not in by_zone  # 002 gives no project amount
    assert [r[1] for r in rows[:2]] == ["朝阳市", "辽宁省"]  # largest first, then by name
    assert [r[3] for r in rows] == sorted((r[3] for r in rows), reverse=True)


def test_investment_per_chain(engines):
    cols, rows = answer(engines, "investment-by-chain")
    assert pick(rows, cols, "chainName", "projects", "total") == [
        ("储能产业链", 2, 22 * YI),  # 远信储能 16亿元 + 10GWh储能 约6亿元 (001)
        ("钢铁冶金产业链", 2, Decimal("18.2") * YI + 6689 * WAN),  # 通鑫冶金固废 (004) + 朝阳钢铁能源管控 (000)
        ("光伏产业链", 1, 15 * YI),  # 嘉寓光伏组件 (000)
        ("数字经济", 1, 12 * YI),  # 紫光云数字经济产业园 (003)
        ("轻工业", 1, Decimal("10.2") * YI),  # 华润雪花 (001)
        ("肉鸡及农产品加工产业链", 1, 6 * YI),  # 北票宏发肉鸡加工 (004)
        ("低空经济产业", 1, Decimal("4.5") * YI),  # 低空经济发展示范区 (001)
        ("汽车、专用车及零部件产业链", 1, Decimal("1.05") * YI),  # 喀左精密装备及基础零部件 (004)
        ("橡胶轮胎产业链", 1, 3203 * WAN),  # 浪马轮胎数字化管控 (000)
    ]


def test_investment_per_status(engines):
    cols, rows = answer(engines, "investment-by-status")
    assert cols == ["status", "projects", "total"]
    expected = {}
    for _, _, amount, status in AMOUNTS:
        if status:
            n, t = expected.get(status, (0, 0))
            expected[status] = (n + 1, t + amount)
    order = ["签约", "落地", "开工", "新开工", "续建", "在建", "竣工", "投产", "运营"]  # a project's progress
    assert rows == [(s, *expected[s]) for s in order]
    assert expected["签约"] == (3, 111 * YI)


def test_largest_projects(engines):
    cols, rows = answer(engines, "largest-projects")
    assert len(rows) == 20
    assert pick(rows[:6], cols, "projectName", "investment", "investmentText", "zoneName") == [
        ("北京中科低碳智能产业集群", 70 * YI, "70亿元", "朝阳北票经济开发区"),
        ("马鞍山黑田科技高端智能工厂", 25 * YI, "25亿元", "朝阳北票经济开发区"),
        ("辽宁通鑫年处理120万吨冶金固废项目", Decimal("18.2") * YI, "18.2亿元", "朝阳北票经济开发区"),
        ("辽宁远信储能技术有限公司新型储能装备智能化生产线项目", 16 * YI, "16亿元", "双塔区"),
        ("亚琦·朝阳贸易中心项目", 15 * YI, "15亿元", "龙城区"),  # a tie at 15亿元: by name
        ("北京嘉寓集团清洁能源光伏组件项目", 15 * YI, "15亿元", "龙城区"),
    ]
    top20 = sorted(AMOUNTS, key=lambda a: (-a[2], a[0]))[:20]
    assert pick(rows, cols, "projectName", "investment") == [(a[0], a[2]) for a in top20]


def test_enterprises_in_more_than_one_zone(engines):
    # 浪马轮胎 and 鞍钢朝阳钢铁: 龙城区 in 000, 朝阳高新技术产业开发区 in 004
    cols, rows = answer(engines, "multi-zone-enterprises")
    assert pick(rows, cols, "enterpriseName", "zoneName") == [
        ("朝阳浪马轮胎有限责任公司", "朝阳高新技术产业开发区"),
        ("朝阳浪马轮胎有限责任公司", "龙城区"),
        ("鞍钢集团朝阳钢铁有限公司", "朝阳高新技术产业开发区"),
        ("鞍钢集团朝阳钢铁有限公司", "龙城区"),
    ]


def test_zones_building_the_same_chain(engines):
    # 004: 建平 重点发展智能装备、矿山机械、精密装备 …; 喀左 装备制造产业园引进企业196家
    cols, rows = answer(engines, "zones-sharing-chain", chain="装备制造产业")
    assert pick(rows, cols, "chainName", "zones", "zoneName") == [
        ("装备制造产业", 2, "建平经济开发区"), ("装备制造产业", 2, "朝阳喀左经济开发区")]
    cols, rows = answer(engines, "zones-sharing-chain")
    steel = [r[4] for r in rows if r[1] == "钢铁冶金产业链"]
    assert steel == ["凌源市", "凌源经济开发区", "朝阳高新技术产业开发区"]  # 002 钢铁冶金; 004 钢铁产业链, 现代冶金产业


def test_evidence_behind_tongmei(engines):
    cols, rows = answer(engines, "evidence", subject="通美晶体")
    assert cols == ["fact", "factName", "source", "sourceTitle", "quote", "record"]
    title = "贡献全市近九成规上工业产值及六成以上固投——朝阳7家省级开发区何以强势崛起"
    assert pick(rows, cols, "factName", "source", "quote") == [
        ("通美晶体", A004, "喀左经济开发区以通美晶体为龙头,初步形成从半导体前期材料到晶片的产业链。"),
        ("通美晶体·化合物半导体产业链·龙头", A004, "喀左经济开发区以通美晶体为龙头,初步形成从半导体前期材料到晶片的产业链。"),
        ("通美晶体·化合物半导体产业链·链主", A004,
         "喀左经济开发区的成功便是最佳佐证,以通美晶体为链主,通过定向招引,7家企业13个项目如精密齿轮般环嵌入,"
         "最终成就了其从原材料到晶片的完整链条。"),
        ("通美晶体·single-crystal-growth", SOURCE + "ref_semiunion_kazuo_park",
         "其中,朝阳通美晶体科技有限公司总投资5亿元,建设年产187吨砷化镓、磷化铟和锗晶体项目"),
    ]
    assert [r[3] for r in rows[:3]] == [title] * 3
    assert [r[5].split(":")[0] for r in rows] == ["enterprises/004_201a132a17332222.csv", "lead_roles/004_201a132a17332222.csv",
                                                  "lead_roles/004_201a132a17332222.csv", "placements/ref_semiunion_kazuo_park.csv"]


def test_every_quote_behind_a_fact_is_in_its_article(engines):
    """The evidence query for a dozen things: every quote it returns from an article is verbatim there."""
    from chainkg.ingest.text import squash
    from chainkg.resources import default_dataset

    texts = {p.stem: squash(p.read_text(encoding="utf-8")) for p in (default_dataset() / "sources").glob("*.txt")}
    seen = 0
    for subject in ["凌钢", "龙城区", "华润雪花年产30万吨啤酒项目", "北票宏发", "膨润土产业链", "金达钛业"]:
        cols, rows = answer(engines, "evidence", subject=subject)
        assert rows, subject
        for fact, name, source, title, quote, record in rows:
            sid = source.rsplit("/", 1)[1]
            if sid in texts:
                assert squash(quote) in texts[sid], (subject, quote)
                seen += 1
    assert seen > 20


def test_unresolved_investors(engines):
    # every investor the articles name is in the enterprises tables: none is left as text
    cols, rows = answer(engines, "unresolved-investors")
    assert cols == ["investorName", "project", "projectName", "zoneName"] and rows == []


def test_unresolved_investors_on_a_dataset_with_one(dataset):
    """A project whose investor the enterprises table does not know is listed with the name as written."""
    from chainkg.build import compile_folder

    path = dataset / "projects" / "004_201a132a17332222.csv"
    text = path.read_text(encoding="utf-8")
    row = ("北票经济开发区佳鑫农业机械二期,,朝阳北票经济开发区,佳鑫农机有限公司,,,签约,2025,,,,004_201a132a17332222,"
           "佳鑫农业机械\n")
    path.write_text(text + ("" if text.endswith("\n") else "\n") + row, encoding="utf-8")
    graph, notes = compile_folder(dataset)
    from chainkg.query import _execute, guard

    result = _execute(graph, guard(named_queries()["unresolved-investors"].text), 0)
    assert result.values() == [("佳鑫农机有限公司", PROJECT + "北票经济开发区佳鑫农业机械二期", "北票经济开发区佳鑫农业机械二期",
                                "朝阳北票经济开发区")]


def test_conflicting_statements(engines):
    cols, rows = answer(engines, "conflicts")
    assert pick(rows, cols, "aboutName", "field", "value", "source") == [
        # 001: 华润雪花年产30万吨啤酒项目; 004: 华润雪花年产30万千升啤酒
        ("华润雪花年产30万吨啤酒项目", "capacity", "年产30万千升", A004),
        ("华润雪花年产30万吨啤酒项目", "capacity", "年产30万吨", A001),
        # 000 puts 浪马轮胎 and 鞍钢朝阳钢铁 in 龙城区, 004 in 朝阳高新技术产业开发区
        ("朝阳浪马轮胎有限责任公司", "locatedIn", "朝阳高新技术产业开发区", A004),
        ("朝阳浪马轮胎有限责任公司", "locatedIn", "龙城区", A000),
        ("鞍钢集团朝阳钢铁有限公司", "locatedIn", "朝阳高新技术产业开发区", A004),
        ("鞍钢集团朝阳钢铁有限公司", "locatedIn", "龙城区", A000),
    ]
    conflicts = {r[0]: r[-1] for r in rows}
    assert len(set(conflicts.values())) == 3  # one conflict per fact, one row per claim


def test_chains_of_jianping(engines):
    cols, rows = answer(engines, "zone-chains", zone="建平县")
    assert pick(rows, cols, "zoneName", "chainName", "kind", "source") == [
        ("建平经济开发区", "新型环保材料产业集群", "cluster", A004),
        ("建平经济开发区", "机械装备制造产业集群", "cluster", A004),
        ("建平经济开发区", "膨润土产业链", "chain", A004),
        ("建平经济开发区", "装备制造产业", "chain", A004),
        ("建平经济开发区", "非金属材料产业", "chain", A004),
    ]
    assert rows[0][5] == "建平经济开发区重点打造新型环保材料、机械装备制造产业集群。"


def test_links_of_the_compound_semiconductor_chain(engines):
    import yaml

    from chainkg.resources import data_dir

    template = yaml.safe_load((data_dir() / "chains" / "compound-semiconductor.yaml").read_text(encoding="utf-8"))
    zh = {link["id"]: link["zh"] for link in template["links"]}
    stage = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}
    expected = sorted(((stage[link["stage"]], link["zh"], zh.get(target)) for link in template["links"]
                       for target in (link.get("feeds") or [None])),
                      key=lambda r: (["上游", "中游", "下游"].index(r[0]), r[1], r[2] or ""))
    cols, rows = answer(engines, "chain-links", chain=SEMI)
    assert pick(rows, cols, "stage", "linkName", "feedsIntoName") == expected
    assert len(rows) == 19 and len({r[0] for r in rows}) == 16


def test_profile_of_tongmei(engines):
    cols, rows = answer(engines, "enterprise-profile", enterprise="通美晶体")
    assert pick(rows, cols, "field", "valueName") == [
        ("lead role", "通美晶体·化合物半导体产业链·链主"),
        ("lead role", "通美晶体·化合物半导体产业链·龙头"),
        ("link", "单晶生长"),
        ("zone", "朝阳喀左经济开发区"),
    ]


def test_projects_of_xindu_gold(engines):
    # 003: 总投资10.3亿元的新都黄金整体搬迁改造项目竣工投产; 计划投资4678万元建设离散型数字化工厂项目 …已投资1285万元;
    # 001: 总投资1.1亿元的辽宁新都黄金有限责任公司余热回收综合利用项目等新开工项目
    cols, rows = answer(engines, "projects-of-enterprise", enterprise="新都黄金")
    assert pick(rows, cols, "projectName", "zoneName", "status", "year", "investment") == [
        ("新都黄金整体搬迁改造项目", "双塔区", "投产", 2021, Decimal("10.3") * YI),
        ("辽宁新都黄金有限责任公司余热回收综合利用项目", "双塔区", "新开工", 2024, Decimal("1.1") * YI),
        ("辽宁新都黄金离散型数字化工厂项目", "双塔区", "在建", 2022, 4678 * WAN),
    ]


def test_zones_inside_jianping(engines):
    # 004: 建平经济开发区精心构建“一区三园”空间布局,将主园区和原非金属产业园、生态科技园、农产品园区有机融合
    cols, rows = answer(engines, "sub-zones", zone="建平县")
    assert pick(rows, cols, "zoneName", "kind", "parentName") == [
        ("建平经济开发区", "dev_zone", "建平县"),
        ("建平经济开发区主园区", "park", "建平经济开发区"),
        ("建平经济开发区农产品园区", "park", "建平经济开发区"),
        ("建平经济开发区生态科技园", "park", "建平经济开发区"),
        ("建平经济开发区非金属产业园", "park", "建平经济开发区"),
    ]


def test_sources_and_their_facts(engines, chaoyang):
    from chainkg.namespaces import CK, PROV, RDF

    cols, rows = answer(engines, "sources")
    assert cols == ["source", "id", "title", "date", "facts"]
    articles = {r[1]: (r[2], r[3]) for r in rows if r[0].startswith(SOURCE) and not r[1].startswith("ref_")}
    assert articles == {
        "000_5743e398c4203fa0": ("龙城区:勇当朝阳高质量发展“主力军”", "2022"),
        "001_122d7473fb7a6d13": ("朝阳市双塔区锚定目标打好打赢攻坚之年攻坚之战—— 乘势谋突破 聚力谱新篇", "2024"),
        "002_6bf6dcfef496691d": ("凌源市:加压奋进当好朝阳振兴先锋队", "2022"),
        "003_cdf96069aca27539": ("加快发展新经济 培育壮大新动能——朝阳市双塔区以项目建设为抓手推动经济高质量发展", "2022"),
        "004_201a132a17332222": ("贡献全市近九成规上工业产值及六成以上固投——朝阳7家省级开发区何以强势崛起", "2025"),
    }
    # the counts agree with the graph read without SPARQL
    for source, _, _, _, facts in rows:
        from rdflib import URIRef

        assert facts == sum(1 for ev in chaoyang.subjects(PROV.wasDerivedFrom, URIRef(source))
                            if (ev, RDF.type, CK.Evidence) in chaoyang), source
    assert [r[4] for r in rows] == sorted((r[4] for r in rows), reverse=True)


def test_single_enterprise_links_of_kazuo(engines):
    cols, rows = answer(engines, "single-enterprise-links", zone=KAZUO)
    assert pick(rows, cols, "chainName", "linkName", "enterpriseName") == [
        (SEMI, "PBN坩埚", "博宇半导体材料科技有限公司"),
        (SEMI, "晶片衬底", "利美半导体科技有限公司"),
        (SEMI, "石英管及石英器件", "凯美石英管"),
        (SEMI, "砷化镓回收", "凯美砷化镓回收"),
        (SEMI, "高纯镓", "金美镓业有限公司"),
    ]
