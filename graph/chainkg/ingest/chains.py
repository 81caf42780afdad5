"""Read reference chain templates (``data/chains/*.yaml``) into plain dicts, checking their shape."""
from pathlib import Path

from ..errors import DataError, Problem
from .text import normalize

__all__ = ["read_templates", "STAGES"]

STAGES = ("upstream", "midstream", "downstream")


def _problem(label, field, zh, en):
    return Problem(label, None, field, zh, en)


def read_templates(folder) -> list[dict]:
    """Return the templates in *folder*, sorted by id; raise :class:`DataError` on any malformed one."""
    import yaml

    folder = Path(folder)
    templates, problems = [], []
    for path in sorted(folder.glob("*.yaml")):
        label = f"chains/{path.name}"
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            problems.append(_problem(label, None, f"无法解析 YAML：{exc}", f"cannot parse YAML: {exc}"))
            continue
        if not isinstance(doc, dict) or not doc.get("id") or not isinstance(doc.get("links"), list):
            problems.append(_problem(label, "id", "模板须有 id 和 links", "a template needs id and links"))
            continue
        doc["_file"] = label
        source_ids = {s.get("id") for s in doc.get("sources") or []}
        if not source_ids:
            problems.append(_problem(label, "sources", "模板缺少来源", "template has no source"))
        link_ids = set()
        for i, link in enumerate(doc["links"]):
            where = f"links[{i}]"
            for key in ("id", "zh", "en", "stage"):
                if not normalize(link.get(key)):
                    problems.append(_problem(label, f"{where}.{key}", f"环节缺少 {key}", f"link is missing {key}"))
            if link.get("stage") and link["stage"] not in STAGES:
                problems.append(_problem(label, f"{where}.stage", f"未知阶段 {link['stage']}",
                                         f"unknown stage {link['stage']} (use {', '.join(STAGES)})"))
            if link.get("source") and link["source"] not in source_ids:
                problems.append(_problem(label, f"{where}.source", f"未声明的来源 {link['source']}",
                                         f"undeclared source {link['source']}"))
            if not link.get("source") and not link.get("inferred"):
                problems.append(_problem(label, f"{where}.source", "环节须有来源或标为 inferred",
                                         "a link needs a source or inferred: true"))
            if link.get("id") in link_ids:
                problems.append(_problem(label, f"{where}.id", f"环节 id 重复：{link['id']}",
                                         f"duplicate link id {link['id']}"))
            link_ids.add(link.get("id"))
        for i, link in enumerate(doc["links"]):
            for target in link.get("feeds") or []:
                if target not in link_ids:
                    problems.append(_problem(label, f"links[{i}].feeds", f"未知的下游环节 {target}",
                                             f"feeds an unknown link {target}"))
        templates.append(doc)
    by_id = {t["id"]: t for t in templates}
    for t in templates:
        for i, edge in enumerate(t.get("cross_chain") or []):
            ok = edge.get("from") in {l.get("id") for l in t["links"]}
            chain_id, _, link_id = str(edge.get("to", "")).partition("/")
            target = by_id.get(chain_id)
            ok = ok and target is not None and link_id in {l.get("id") for l in target["links"]}
            if not ok:
                problems.append(_problem(t["_file"], f"cross_chain[{i}]", f"跨链边指向不存在的环节：{edge}",
                                         f"cross-chain edge names an unknown link: {edge}"))
    if problems:
        raise DataError(problems)
    return templates
