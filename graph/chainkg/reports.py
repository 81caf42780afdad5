"""One-page zone reports (Markdown or self-contained HTML) from a projection: for each reference chain the
zone develops, its completeness, the ranked gap list, the projects and their status, the lead
enterprises and the sources.

The report is built once as plain data (:func:`zone_report`) and then rendered (:func:`render_markdown`,
:func:`render_html`); rendering escapes every value and writes nothing.
"""
import html

__all__ = ["zone_report", "render_markdown", "render_html", "report_zones"]

_STATUS = {"present": ("已有", "present"), "weak": ("薄弱", "weak"), "in_progress": ("在建", "in progress"),
           "elsewhere": ("市内他处有", "elsewhere in city"), "missing": ("缺失", "missing")}
_STAGE = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}


def report_zones(proj) -> list:
    """Zones that get a report: every zone that develops a reference chain, and every city."""
    zones = {z for z, _ in proj.developed()}
    zones |= {z for z, i in proj.zones.items() if i["kind"] == "City"}
    return sorted(zones, key=lambda z: proj.zones[z]["label"])


def _pct(x):
    return f"{round(100 * x)}%"


def zone_report(proj, zone, gap_rows=None) -> dict:
    """The report of *zone* as plain data: ``zone``, ``chains`` (one dict per reference chain),
    ``other_chains`` (chains without a template), ``unplaced`` and ``sources``.

    *gap_rows* are :func:`chainkg.analysis.gaps.all_gaps` rows when computed already.
    """
    from .analysis.gaps import city_gaps, summarize, unplaced, zone_gaps

    info = proj.zones[zone]
    is_city = info["kind"] == "City"
    if gap_rows is None:
        if is_city:
            rows = city_gaps(proj, zone)
        else:
            rows = [r for c in proj.chains_of(zone) for r in zone_gaps(proj, zone, c)]
    else:
        rows = [r for r in gap_rows if r.get("zone_iri") == zone and r.get("scope") == ("city" if is_city else "zone")]
        if not is_city and {r["chain_id"] for r in rows} != {proj.chains[c]["id"] for c in proj.chains_of(zone)}:
            rows = [r for c in proj.chains_of(zone) for r in zone_gaps(proj, zone, c)]
    by_chain = {}
    for r in rows:
        by_chain.setdefault(r["chain_id"], []).append(r)
    chain_iri = {proj.chains[c]["id"]: c for c in proj.chains}
    sources = set()
    chains = []
    for cid in sorted(by_chain):
        c = chain_iri[cid]
        crow = by_chain[cid]
        summary = summarize(crow)[0]
        links = sorted(crow, key=lambda r: r["order"])
        gaps = [r for r in crow if r["priority"] is not None]
        gaps.sort(key=lambda r: r["rank"])
        leads = []
        for role in (proj.leads_for(zone, c) if not is_city else
                     [r for r in proj.leads if r["chain"] == c and proj.within(r["zone"], zone)]):
            leads.append({"enterprise": proj.enterprises[role["enterprise"]]["label"], "role": role["role"],
                          "zone": proj.zones[role["zone"]]["label"], "year": role["year"],
                          "source": proj.sources.get(role["source"], {}).get("id"), "quote": role["quote"]})
            sources.add(role["source"])
        leads.sort(key=lambda r: (r["enterprise"], r["year"] or 0, r["role"]))
        links_in_chain = set(proj.chain_graphs[c])
        projects = []
        for iri in proj.projects_in(zone):
            p = proj.projects[iri]
            if c in p["chains"] or links_in_chain & set(p["links"]):
                projects.append({"project": p["label"], "status": p["status"], "year": p["year"],
                                 "investment": p["investment_text"],
                                 "links": [proj.links[l]["label"] for l in p["links"] if l in proj.links],
                                 "zone": proj.zones[p["zone"]]["label"]})
                sources.update(p["sources"])
        placements = []
        local = proj.enterprises_in(zone)
        for pl in proj.placements:
            if pl["link"] in links_in_chain and pl["enterprise"] in local:
                placements.append({"enterprise": proj.enterprises[pl["enterprise"]]["label"],
                                   "link": proj.links[pl["link"]]["label"],
                                   "source": proj.sources.get(pl["source"], {}).get("id"), "quote": pl["quote"]})
                sources.add(pl["source"])
        for st in proj.zone_chains.get((zone, c), ()):
            sources.add(st["source"])
        sources.update(proj.chains[c]["sources"])
        chains.append({"chain": proj.chains[c]["label"], "chain_en": proj.chains[c]["label_en"], "chain_id": cid,
                       "summary": summary, "links": links, "gaps": gaps, "leads": leads, "projects": projects,
                       "placements": placements})
    other = []
    for (z, c), statements in sorted(proj.zone_chains.items(), key=lambda kv: proj.chains[kv[0][1]]["label"]):
        if z == zone and not proj.chains[c]["reference"]:
            other.append({"chain": proj.chains[c]["label"], "cluster": proj.chains[c]["cluster"],
                          "quotes": [st["quote"] for st in statements if st.get("quote")]})
            sources.update(st["source"] for st in statements)
    cids = {ch["chain_id"] for ch in chains}
    loose = [u for u in unplaced(proj) if u["chain_id"] in cids and
             (any(proj.within(z, zone) for z in u["zone_iris"]) or (is_city and not u["zone_iris"]))]
    src = []
    for s in sorted(x for x in sources if x):
        d = proj.sources.get(s)
        if d:
            src.append({"id": d["id"], "title": d["title"], "url": d["url"], "publisher": d["publisher"],
                        "date": d["date"]})
    src.sort(key=lambda d: (d["id"].startswith("chains/") or d["url"] is not None, d["id"]))
    return {"zone": info["label"], "zone_en": info["label_en"], "kind": info["kind"], "is_city": is_city,
            "chains": chains, "other_chains": other, "unplaced": loose, "sources": src}


_FORMULA_ZH = ("优先级 = 100 × S × (0.40·T + 0.25·B + 0.20·R + 0.15·A)；T 缺口类型（补链 1.0，延链 0.8/距离，建链 0.2，"
               "强链 0.6），B 环节在链中的中介度（相对最高值），R 与区内已有环节上下游相连的比例，A 是否与链主所在环节直接相邻，"
               "S 在建项目或来源称已有但未指明企业的环节 0.5、其余 1。")
_FORMULA_EN = ("priority = 100 × S × (0.40·T + 0.25·B + 0.20·R + 0.15·A): T gap type (fill 1.0, extend 0.8/distance, "
               "build 0.2, strengthen 0.6), B betweenness in the chain relative to its maximum, R share of the zone's "
               "hosted links up- or downstream, A next to a lead enterprise's link, S 0.5 when a project is under way "
               "or a source says the zone has the link without naming an enterprise.")


def _md_cell(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "、".join(str(v) for v in value)
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _sections(rep):
    """(title, [(kind, payload)]) blocks shared by both renderers; kind is 'p', 'table' or 'list'."""
    blocks = []
    head = f"{rep['zone']} 产业链补链报告" + (f" / {rep['zone_en']}" if rep["zone_en"] else "") + " — chain gap report"
    if rep["is_city"]:
        intro = "全市视图：统计全市所有区域的企业。 City-wide view: enterprises of every zone in the city count."
    else:
        intro = "区内企业含其下属园区的企业。 Enterprises of the zone include those of the parks within it."
    blocks.append(("h1", head))
    blocks.append(("p", intro))
    if rep["chains"]:
        blocks.append(("h2", "概览 / Overview"))
        blocks.append(("table", (["产业链 chain", "环节 links", "已有 present", "薄弱 weak", "在建 in progress",
                                  "市内他处有 elsewhere", "缺失 missing", "完整度 completeness", "覆盖 hosted"],
                                 [[c["chain"], c["summary"]["links"], c["summary"]["present"], c["summary"]["weak"],
                                   c["summary"]["in_progress"], c["summary"]["elsewhere"], c["summary"]["missing"],
                                   _pct(c["summary"]["completeness"]), _pct(c["summary"]["hosted_share"])]
                                  for c in rep["chains"]])))
    else:
        blocks.append(("p", "该区域未发展有参考模板的产业链。 The zone develops no chain with a reference template."))
    for c in rep["chains"]:
        s = c["summary"]
        blocks.append(("h2", f"{c['chain']}" + (f" / {c['chain_en']}" if c["chain_en"] else "")))
        blocks.append(("p", f"完整度（已有环节占比）{_pct(s['completeness'])}（{s['present']}/{s['links']}），"
                            f"含薄弱环节的覆盖率 {_pct(s['hosted_share'])}。 Completeness (share of links present) "
                            f"{_pct(s['completeness'])}; hosted incl. weak {_pct(s['hosted_share'])}."))
        if c["leads"]:
            blocks.append(("h3", "链主 / Lead enterprises"))
            blocks.append(("table", (["企业 enterprise", "称谓 role", "区域 zone", "年份 year", "来源 source"],
                                     [[l["enterprise"], l["role"], l["zone"], l["year"], l["source"]] for l in c["leads"]])))
        else:
            blocks.append(("p", "来源未称任何企业为该链链主。 No source names a lead enterprise for this chain here."))
        blocks.append(("h3", "缺链清单（按优先级）/ Ranked gaps"))
        if c["gaps"]:
            blocks.append(("table", (["#", "环节 link", "阶段 stage", "状态 status", "类型 type", "优先级 priority",
                                      "T", "B", "R", "A", "原因 reason"],
                                     [[g["rank"], g["link_label"], _STAGE.get(g["stage"], g["stage"]),
                                       _STATUS[g["status"]][0], g["gap_type_zh"], g["priority"], g["type_weight"],
                                       g["betweenness"], g["reach"], g["lead_adjacent"], g["reason"]] for g in c["gaps"]])))
        else:
            blocks.append(("p", "所有环节均已有两家以上企业。 Every link has two or more enterprises."))
        blocks.append(("h3", "全链环节 / All links"))
        blocks.append(("table", (["阶段 stage", "环节 link", "状态 status", "企业 enterprises", "市内他处 elsewhere"],
                                 [[_STAGE.get(r["stage"], r["stage"]), r["link_label"], _STATUS[r["status"]][0],
                                   r["enterprises"], r["elsewhere"]] for r in c["links"]])))
        blocks.append(("h3", "项目 / Projects"))
        if c["projects"]:
            blocks.append(("table", (["项目 project", "状态 status", "年份 year", "投资 investment", "环节 links", "区域 zone"],
                                     [[p["project"], p["status"], p["year"], p["investment"], p["links"], p["zone"]]
                                      for p in c["projects"]])))
        else:
            blocks.append(("p", "来源中没有标明服务于该链的项目。 No project in the sources is recorded as serving this chain."))
        if c["placements"]:
            blocks.append(("h3", "环节布局依据 / Placement evidence"))
            blocks.append(("table", (["企业 enterprise", "环节 link", "来源 source", "原文 quote"],
                                     [[p["enterprise"], p["link"], p["source"], p["quote"]] for p in c["placements"]])))
    if rep["other_chains"]:
        blocks.append(("h2", "其他产业链（无参考模板）/ Other chains (no reference template)"))
        blocks.append(("list", [f"{o['chain']}{'（集群 cluster）' if o['cluster'] else ''}：" + "；".join(o["quotes"])
                                for o in rep["other_chains"]]))
    if rep["unplaced"]:
        blocks.append(("h2", "未布局企业 / Unplaced enterprises"))
        blocks.append(("p", "来源把这些企业放在链中，但未说明其覆盖哪个环节，故未布局（不作猜测）。 The sources put these "
                            "enterprises in the chain without saying which link they cover; they stay unplaced."))
        blocks.append(("table", (["企业 enterprise", "产业链 chain", "依据 why", "来源 source", "原文 quote"],
                                 [[u["enterprise"], u["chain"], "链主" if u["why"] == "lead" else "文中提及", u["source"],
                                   u["quote"]] for u in rep["unplaced"]])))
    blocks.append(("h2", "来源 / Sources"))
    blocks.append(("table", (["编号 id", "标题 title", "发布者 publisher", "日期 date", "网址 url"],
                             [[s["id"], s["title"], s["publisher"], s["date"], s["url"]] for s in rep["sources"]])))
    blocks.append(("h2", "评分方法 / How gaps are scored"))
    blocks.append(("p", _FORMULA_ZH))
    blocks.append(("p", _FORMULA_EN))
    return blocks


def render_markdown(rep) -> str:
    """The report as Markdown."""
    out = []
    for kind, payload in _sections(rep):
        if kind == "h1":
            out.append(f"# {payload}")
        elif kind == "h2":
            out.append(f"## {payload}")
        elif kind == "h3":
            out.append(f"### {payload}")
        elif kind == "p":
            out.append(payload)
        elif kind == "list":
            out.append("\n".join(f"- {_md_cell(x)}" for x in payload))
        else:
            out.append(_md_table(*payload))
    return "\n\n".join(out) + "\n"


_CSS = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:14px}th,td{border:1px solid #ccc;padding:3px 6px;
vertical-align:top;text-align:left}th{background:#f2f2f2}h2{border-bottom:2px solid #456;margin-top:2em}
td.s-present{background:#d8f0d8}td.s-weak{background:#fff3c4}td.s-in_progress{background:#d6e6ff}
td.s-elsewhere{background:#efe0ff}td.s-missing{background:#fbd9d9}"""


def render_html(rep) -> str:
    """The report as one self-contained HTML page (no scripts, no external resources; every value escaped)."""
    esc = html.escape
    status_class = {v[0]: k for k, v in _STATUS.items()}
    out = ["<!DOCTYPE html>", '<html lang="zh"><head><meta charset="utf-8">',
           f"<title>{esc(rep['zone'])} 产业链补链报告</title><style>{_CSS}</style></head><body>"]
    for kind, payload in _sections(rep):
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{esc(payload)}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{esc(payload)}</p>")
        elif kind == "list":
            out.append("<ul>" + "".join(f"<li>{esc(_md_cell(x))}</li>" for x in payload) + "</ul>")
        else:
            header, rows = payload
            cells = ["<table><thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr></thead><tbody>"]
            for row in rows:
                tds = []
                for v in row:
                    text = _md_cell(v).replace("\\|", "|")
                    cls = status_class.get(text)
                    tds.append(f'<td class="s-{cls}">{esc(text)}</td>' if cls else f"<td>{esc(text)}</td>")
                cells.append("<tr>" + "".join(tds) + "</tr>")
            cells.append("</tbody></table>")
            out.append("".join(cells))
    out.append("</body></html>")
    return "\n".join(out) + "\n"
