"""One self-contained HTML file per map: pyvis holds the node and edge lists, the project's own Jinja2
template (autoescaped) writes the page, and vis-network 9.1.2 is inlined from ``vendor/``.

Why not pyvis's own output: it loads Bootstrap and vis-network from CDNs, writes with the locale's
encoding and puts titles into ``innerHTML`` (see DESIGN.md). Here the page refers to no outside
resource, data reaches it as JSON escaped for a ``<script>`` element, every text is set with
``textContent``, and a Content-Security-Policy lets only the page's own scripts (by hash) run and no
request leave.
"""
import base64
import hashlib
import json
from functools import lru_cache
from pathlib import Path

__all__ = ["render_html", "write_map", "render_index", "write_index", "network", "script_json",
           "vis_options", "VIS_NETWORK_SHA256"]

_HERE = Path(__file__).resolve().parent
TEMPLATES = _HERE / "templates"
VENDOR = _HERE / "vendor"

#: the vendored vis-network.min.js (9.1.2 from the pyvis 0.3.2 wheel; see vendor/NOTICE)
VIS_NETWORK_SHA256 = "1f20f0736f32cb9bedf8f6383b25cfea2f839e1abe80d6e8040b4d5bea378c69"

#: above this many nodes, edges are not drawn while the view is dragged or zoomed
BIG_MAP = 2000


def script_json(data) -> str:
    """JSON text safe inside a ``<script>`` element: ``<``, ``>``, ``&`` and the JavaScript line
    separators are written as ``\\uXXXX`` escapes, which JSON.parse reads back unchanged.

    Examples
    --------
    >>> script_json({"name": "</script><script>alert(1)</script>"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}'
    >>> json.loads(script_json(["<!--", "a&b", "\\u2028"])) == ["<!--", "a&b", "\\u2028"]
    True
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _inline(text, what):
    """*text* as template markup for a ``<script>``/``<style>`` element, after checking it cannot close
    the element early or switch the HTML parser into its escaped script state."""
    from markupsafe import Markup

    low = text.lower()
    for bad in ("</script", "<!--", "</style"):
        if bad in low:
            raise ValueError(f"{what} contains {bad!r} and cannot be inlined")
    return Markup(text)


@lru_cache(maxsize=None)
def _vendor_js():
    """vis-network as inlined: line breaks as the HTML parser delivers them to the script (CR LF and CR
    become LF, which the CSP hash must match) and without the trailing source-map comment (it names a
    file no map ships with)."""
    data = (VENDOR / "vis-network.min.js").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != VIS_NETWORK_SHA256:
        raise RuntimeError(f"vendor/vis-network.min.js changed (sha256 {digest}); see vendor/NOTICE")
    text = _newlines(data.decode("utf-8")).rstrip()
    tail = "//# sourceMappingURL=vis-network.min.js.map"
    if text.endswith(tail):
        text = text[: -len(tail)].rstrip()
    return text + "\n"


def _newlines(text):
    return text.replace("\r\n", "\n").replace("\r", "\n")


@lru_cache(maxsize=None)
def _asset(name):
    return _newlines((TEMPLATES / name).read_text(encoding="utf-8"))


def _csp_hash(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


@lru_cache(maxsize=None)
def _env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    # autoescape for every template, whatever its file name
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=True)


def vis_options(n_nodes) -> dict:
    """vis-network options: physics off, straight edges, positions as given, hover for tooltips.

    Examples
    --------
    >>> o = vis_options(10)
    >>> o["physics"], o["layout"]["improvedLayout"], o["edges"]["smooth"]
    ({'enabled': False}, False, False)
    """
    big = n_nodes > BIG_MAP
    return {"autoResize": True, "physics": {"enabled": False},
            "layout": {"improvedLayout": False, "hierarchical": {"enabled": False}},
            "edges": {"smooth": False, "selectionWidth": 2, "arrowStrikethrough": False},
            "nodes": {"labelHighlightBold": False},
            "interaction": {"hover": True, "tooltipDelay": 100000, "hideEdgesOnDrag": big, "hideEdgesOnZoom": big,
                            "navigationButtons": False, "keyboard": False, "multiselect": False,
                            "dragNodes": True, "zoomView": True}}


def network(model):
    """A pyvis ``Network`` holding the model's nodes and edges (filled directly: ``from_nx`` and
    ``add_node`` check every edge against a list of nodes, quadratic on large maps)."""
    from pyvis.network import Network

    net = Network(height="100%", width="100%", directed=True, cdn_resources="local")
    net.nodes = list(model.nodes)
    net.edges = list(model.edges)
    net.node_ids = [n["id"] for n in model.nodes]
    net.node_map = {n["id"]: n for n in model.nodes}
    net.options = vis_options(len(model.nodes))
    return net


def render_html(model, lang="zh") -> str:
    """The page of *model* (a :class:`chainkg.render.model.MapModel`) as one string of HTML.

    Examples
    --------
    >>> from chainkg.render.model import chain_map
    >>> page = render_html(chain_map({"id": "c", "label": "<b>链</b>", "links": [
    ...     {"id": "a", "label": "</script><script>alert(1)</script>", "status": "missing"}]}))
    >>> "<script>alert(1)" in page, "&lt;b&gt;链&lt;/b&gt;" in page, "\\u003c/script\\u003e" in page
    (False, True, True)
    """
    net = network(model)
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    payload = model.payload(lang)
    styles = {}
    payload.update(nodes=_shared_styles(nodes, styles), edges=_shared_styles(edges, styles), styles=styles,
                   options=json.loads(options))
    vis_js = _vendor_js()
    app_js = _asset("map.js")
    page = _env().get_template("map.html.j2").render(
        lang=lang, kind=model.kind, title=model.title, subtitle=model.subtitle, facets=model.facets,
        legend=model.legend, grouped=model.grouped, version=_version(),
        footer=_footer(model),
        css=_inline(_asset("map.css"), "map.css"),
        data_json=_inline(script_json(payload), "map data"),
        vis_js=_inline(vis_js, "vis-network"), app_js=_inline(app_js, "map.js"),
        script_hashes=" ".join((_csp_hash(vis_js), _csp_hash(app_js))))
    return page


def _shared_styles(items, styles):
    """Copies of *items* whose ``vis`` options are replaced by a key into *styles*: maps repeat a few
    styles thousands of times, and sharing them keeps a 10,000-node page small and quick to parse."""
    out = []
    seen = {json.dumps(v, sort_keys=True): k for k, v in styles.items()}
    for item in items:
        key = json.dumps(item.get("vis") or {}, sort_keys=True)
        if key not in seen:
            seen[key] = f"s{len(styles)}"
            styles[seen[key]] = item.get("vis") or {}
        copy = {k: v for k, v in item.items() if k != "vis"}
        copy["style"] = seen[key]
        out.append(copy)
    return out


def _footer(model):
    n, e = model.counts()
    return {"zh": f"{n} 个节点、{e} 条连线 · chainkg 生成，离线可用 · 图形库 vis-network 9.1.2（MIT / Apache-2.0）",
            "en": f"{n} nodes, {e} edges · made by chainkg, works offline · drawn with vis-network 9.1.2 (MIT / Apache-2.0)"}


def _version():
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chainkg")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "dev"


def write_map(model, path, lang="zh") -> Path:
    """Render *model* and write it to *path* atomically, as UTF-8 whatever the locale."""
    from ..build import write_atomic

    path = Path(path)
    write_atomic(path, render_html(model, lang).encode("utf-8"))
    return path


def render_index(title, sections) -> str:
    """An index page linking maps and reports: *sections* is a list of ``{"title": {zh, en}, "items":
    [{"label": str, "href": relative path, "note": str}]}``. Only relative links are written."""
    for s in sections:
        for item in s["items"]:
            href = str(item["href"])
            if ":" in href.split("/")[0] or href.startswith(("/", "\\")):
                raise ValueError(f"index links must be relative paths: {href!r}")
    return _env().get_template("index.html.j2").render(title=title, sections=sections, version=_version())


def write_index(path, title, sections) -> Path:
    """:func:`render_index` written atomically as UTF-8."""
    from ..build import write_atomic

    path = Path(path)
    write_atomic(path, render_index(title, sections).encode("utf-8"))
    return path
