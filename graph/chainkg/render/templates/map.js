/* chainkg map: reads the JSON block, draws it with vis-network (positions fixed, physics off) and wires
   the search box, the filters, the language switch, tooltips and folded groups.
   Text from the data reaches the page only through textContent and canvas text: never as HTML. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("chainkg-data").textContent);
  var lang = DATA.lang === "en" ? "en" : "zh";
  var byId = new Map();
  var off = {};                 // facet key -> Set of values switched off
  var expanded = new Set();     // ids of unfolded groups
  var hiddenNow = new Map();    // node id -> hidden as last sent to vis
  var UI = {
    results: {zh: function (n) { return n + " 个结果"; }, en: function (n) { return n + (n === 1 ? " match" : " matches"); }},
    none: {zh: "无结果", en: "no match"},
    more: {zh: function (n) { return "……另有 " + n + " 条"; }, en: function (n) { return "… " + n + " more"; }},
    expand: {zh: "展开", en: "Expand"},
    collapse: {zh: "收起", en: "Collapse"},
    quoteFrom: {zh: "出处：", en: "Source: "}
  };

  function tr(t) {
    if (t === null || t === undefined) { return ""; }
    if (typeof t === "string") { return t; }
    return (lang === "en" ? (t.en || t.zh) : (t.zh || t.en)) || "";
  }
  function norm(s) { return String(s || "").normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim(); }

  DATA.facets.forEach(function (f) { off[f.key] = new Set(); });
  DATA.nodes.forEach(function (n) {
    byId.set(n.id, n);
    n._s = norm([n.search, n.label && n.label.zh, n.label && n.label.en].join(" "));
  });

  function visible(n) {
    var k;
    if (n.facets) {
      for (k in n.facets) {
        if (Object.prototype.hasOwnProperty.call(n.facets, k) && off[k] && off[k].has(n.facets[k])) { return false; }
      }
    }
    if (n.group && !expanded.has(n.group)) { return false; }
    if (n.kind === "group" && expanded.has(n.id)) { return false; }
    return true;
  }
  var STYLES = DATA.styles || {};
  function toVis(n) {
    var o = Object.assign({}, STYLES[n.style]);
    o.id = n.id; o.x = n.x; o.y = n.y; o.label = tr(n.label);
    o.hidden = !visible(n);
    hiddenNow.set(n.id, o.hidden);
    return o;
  }
  var nodes = new vis.DataSet(DATA.nodes.map(toVis));
  var edges = new vis.DataSet(DATA.edges.map(function (e) {
    var o = Object.assign({}, STYLES[e.style]);
    o.id = e.id; o.from = e.from; o.to = e.to;
    return o;
  }));
  var container = document.getElementById("map");
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, DATA.options);

  var api = window.chainkgMap = {
    network: network, nodes: nodes, edges: edges, data: DATA, ready: false, readyAt: null,
    drawn: function () {
      return {nodes: network.body.nodeIndices.length, edges: network.body.edgeIndices.length};
    }
  };
  network.once("afterDrawing", function () {
    api.ready = true;
    api.readyAt = performance.now();
    document.body.setAttribute("data-ready", "1");
  });

  function refresh() {
    var changes = [];
    DATA.nodes.forEach(function (n) {
      var h = !visible(n);
      if (hiddenNow.get(n.id) !== h) { hiddenNow.set(n.id, h); changes.push({id: n.id, hidden: h}); }
    });
    if (changes.length) { nodes.update(changes); }
    return changes.length;
  }

  // ---------------------------------------------------------------- stage columns and chain titles
  network.on("beforeDrawing", function (ctx) {
    DATA.bands.forEach(function (b) {
      if (b.fill) {
        ctx.fillStyle = b.fill;
        ctx.fillRect(b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
      } else {
        ctx.strokeStyle = "#b0bec5";
        ctx.lineWidth = 2;
        ctx.beginPath(); ctx.moveTo(b.x0, b.y0); ctx.lineTo(b.x1, b.y0); ctx.stroke();
      }
      ctx.fillStyle = b.kind === "chain" ? "#263238" : "#546e7a";
      ctx.font = "bold " + (b.kind === "chain" ? 34 : 30) + "px sans-serif";
      ctx.textBaseline = "top";
      ctx.fillText(tr(b.label), b.x0 + 16, b.y0 + 12);
    });
  });

  // ---------------------------------------------------------------- tooltips and details (textContent only)
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  function describe(n, compact) {
    var info = n.info || {};
    var box = el("div", null, "info");
    box.appendChild(el("h3", tr(info.title || n.label)));
    if (info.fields && info.fields.length) {
      var dl = el("dl");
      info.fields.forEach(function (f) { dl.appendChild(el("dt", tr(f[0]))); dl.appendChild(el("dd", tr(f[1]))); });
      box.appendChild(dl);
    }
    (info.sections || []).forEach(function (s) {
      box.appendChild(el("h4", tr(s.head)));
      var limit = compact ? 6 : Infinity;
      if (s.items) {
        var ul = el("ul");
        s.items.slice(0, limit).forEach(function (it) { ul.appendChild(el("li", tr(it))); });
        box.appendChild(ul);
        if (s.items.length > limit) { box.appendChild(el("p", UI.more[lang](s.items.length - limit), "more")); }
      }
      if (s.text) { box.appendChild(el("p", tr(s.text))); }
      if (s.quotes) {
        var qlimit = compact ? 2 : Infinity;
        s.quotes.slice(0, qlimit).forEach(function (q) {
          var bq = el("blockquote", q.quote);
          if (q.source) { bq.appendChild(el("cite", UI.quoteFrom[lang] + q.source)); }
          box.appendChild(bq);
        });
        if (s.quotes.length > qlimit) { box.appendChild(el("p", UI.more[lang](s.quotes.length - qlimit), "more")); }
      }
    });
    return box;
  }

  // the tooltip follows the pointer: the node under it is looked up on each animation frame
  var tip = document.getElementById("tooltip");
  var tipId = null, tipFrame = 0, lastMove = null, dragging = false;
  function hideTip() { tip.hidden = true; tipId = null; }
  function showTip(id, cx, cy) {
    var n = byId.get(id);
    if (!n) { hideTip(); return; }
    if (tipId !== id || tip.hidden) { tip.replaceChildren(describe(n, true)); tipId = id; }
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight, x = cx + 18, y = cy + 12;
    if (x + w > window.innerWidth - 8) { x = Math.max(8, cx - w - 18); }
    if (y + h > window.innerHeight - 8) { y = Math.max(8, window.innerHeight - h - 8); }
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  function updateTip() {
    tipFrame = 0;
    if (!lastMove || dragging) { return; }
    var r = container.getBoundingClientRect();
    var id = network.getNodeAt({x: lastMove.clientX - r.left, y: lastMove.clientY - r.top});
    if (id === undefined) { hideTip(); } else { showTip(id, lastMove.clientX, lastMove.clientY); }
  }
  container.addEventListener("mousemove", function (ev) {
    lastMove = ev;
    if (!tipFrame) { tipFrame = window.requestAnimationFrame(updateTip); }
  });
  container.addEventListener("mouseleave", function () { lastMove = null; hideTip(); });
  network.on("dragStart", function () { dragging = true; hideTip(); });
  network.on("dragEnd", function () { dragging = false; });
  network.on("zoom", hideTip);

  var details = document.getElementById("details");
  var detailsBody = document.getElementById("details-body");
  var pinned = null;
  function groupOf(n) {
    if (n.kind === "group") { return n.id; }
    if (n.group) { return n.group; }
    if (n.kind === "link" && byId.has("g:" + n.id.slice(2))) { return "g:" + n.id.slice(2); }
    return null;
  }
  function showDetails(n) {
    pinned = n;
    var box = describe(n, false);
    var g = groupOf(n);
    if (g) {
      var open = expanded.has(g);
      var b = el("button", open ? UI.collapse[lang] : UI.expand[lang]);
      b.type = "button";
      b.id = "toggle-group";
      b.addEventListener("click", function () { toggleGroup(g); });
      box.appendChild(b);
    }
    detailsBody.replaceChildren(box);
    details.hidden = false;
  }
  function closeDetails() { pinned = null; details.hidden = true; detailsBody.replaceChildren(); }
  document.getElementById("details-close").addEventListener("click", closeDetails);
  network.on("click", function (p) {
    if (p.nodes.length) { showDetails(byId.get(p.nodes[0])); }
  });

  function toggleGroup(g) {
    if (expanded.has(g)) { expanded.delete(g); } else { expanded.add(g); }
    refresh();
    if (pinned) { showDetails(pinned.kind === "group" && expanded.has(g) ? byId.get("l:" + g.slice(2)) || pinned : pinned); }
  }
  network.on("doubleClick", function (p) {
    if (!p.nodes.length) { return; }
    var g = groupOf(byId.get(p.nodes[0]));
    if (g) { toggleGroup(g); }
  });
  function setAll(open) {
    DATA.nodes.forEach(function (n) { if (n.kind === "group") { if (open) { expanded.add(n.id); } else { expanded.delete(n.id); } } });
    refresh();
  }
  var ea = document.getElementById("expand-all"), ca = document.getElementById("collapse-all");
  if (ea) { ea.addEventListener("click", function () { setAll(true); }); }
  if (ca) { ca.addEventListener("click", function () { setAll(false); }); }
  document.getElementById("fit").addEventListener("click", function () { network.fit({animation: false}); });

  // ---------------------------------------------------------------- filters
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-facet]"));
  boxes.forEach(function (cb) {
    cb.addEventListener("change", function () {
      var set = off[cb.getAttribute("data-facet")];
      if (!set) { return; }
      if (cb.checked) { set.delete(cb.value); } else { set.add(cb.value); }
      refresh();
    });
  });

  // ---------------------------------------------------------------- search
  var input = document.getElementById("search");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var matches = [], cursor = -1;
  function reveal(n) {
    if (n.group) { expanded.add(n.group); }
    Object.keys(n.facets || {}).forEach(function (k) {
      var v = n.facets[k];
      if (off[k] && off[k].has(v)) {
        off[k].delete(v);
        boxes.forEach(function (cb) { if (cb.getAttribute("data-facet") === k && cb.value === v) { cb.checked = true; } });
      }
    });
    refresh();
  }
  function go(i) {
    if (!matches.length) { return; }
    cursor = (i + matches.length) % matches.length;
    var n = matches[cursor];
    reveal(n);
    network.selectNodes([n.id]);
    network.focus(n.id, {scale: Math.max(network.getScale(), 0.9), animation: false});
    showDetails(n);
    Array.prototype.forEach.call(list.children, function (li, k) { li.className = k === cursor ? "current" : ""; });
    status.textContent = (cursor + 1) + " / " + UI.results[lang](matches.length);
  }
  function find() {
    var q = norm(input.value);
    matches = [];
    if (q) {
      DATA.nodes.forEach(function (n) { if (n.kind !== "group" && n._s.indexOf(q) >= 0) { matches.push(n); } });
      var rank = function (n) {
        var zh = norm(n.label && n.label.zh).replace(/^★/, "");
        return (zh === q || zh.split("\n")[0] === q ? 0 : 2) + (n.kind === "link" ? 0 : 1);
      };
      matches.sort(function (a, b) { return rank(a) - rank(b); });
    }
    list.replaceChildren();
    matches.slice(0, 30).forEach(function (n, k) {
      var li = el("li"), b = el("button", tr(n.label).split("\n")[0]);
      b.type = "button";
      b.addEventListener("click", function () { go(k); });
      li.appendChild(b);
      list.appendChild(li);
    });
    list.hidden = matches.length < 2;
    cursor = -1;
    if (matches.length) { go(0); } else { status.textContent = q ? UI.none[lang] : ""; network.unselectAll(); }
  }
  input.addEventListener("input", find);
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); if (matches.length) { go(cursor + 1); } else { find(); } }
  });

  // ---------------------------------------------------------------- language
  function setLang(l) {
    lang = l === "en" ? "en" : "zh";
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
    Array.prototype.forEach.call(document.querySelectorAll("[data-zh]"), function (e) {
      e.textContent = e.getAttribute("data-" + lang);
    });
    input.placeholder = input.getAttribute("data-" + lang + "-placeholder");
    document.getElementById("lang").textContent = lang === "en" ? "中文" : "English";
    nodes.update(DATA.nodes.map(function (n) { return {id: n.id, label: tr(n.label)}; }));
    if (pinned) { showDetails(pinned); }
    if (matches.length && cursor >= 0) { status.textContent = (cursor + 1) + " / " + UI.results[lang](matches.length); }
    if (!tip.hidden && tipId !== null) { var id = tipId; tipId = null; tip.replaceChildren(describe(byId.get(id), true)); tipId = id; }
  }
  document.getElementById("lang").addEventListener("click", function () { setLang(lang === "en" ? "zh" : "en"); });
  api.setLang = setLang;
  if (lang === "en") { setLang("en"); }  // the markup is written in Chinese first
  api.refresh = refresh;
})();
