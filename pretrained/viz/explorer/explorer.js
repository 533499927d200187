/* The explorer page of `pretrained explore`: a canvas scatter with pan, zoom, hover labels, a search
   box listing each word's precomputed neighbours, an analogy box over the embedded unit vectors,
   and the state in the URL (#q=word, #a=..&b=..&c=..). Everything it needs is in #data. */
(function () {
  "use strict";
  var started = performance.now();
  var D = JSON.parse(document.getElementById("data").textContent);
  var PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#393b79", "#e7969c", "#637939", "#ad494a", "#3182bd", "#a55194", "#31a354", "#fd8d3c"];
  var PLAIN = "#4c78a8";

  function bytes(b64) {
    var s = atob(b64), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out.buffer;
  }
  function halfs(buffer) {
    var h = new Uint16Array(buffer), out = new Float32Array(h.length), table = new Float32Array(65536);
    for (var v = 0; v < 65536; v++) {
      var sign = v & 0x8000 ? -1 : 1, e = (v >> 10) & 0x1f, m = v & 0x3ff;
      table[v] = e === 0 ? sign * m * Math.pow(2, -24) : e === 31 ? (m ? NaN : sign * Infinity) : sign * (1 + m / 1024) * Math.pow(2, e - 15);
    }
    for (var i = 0; i < h.length; i++) out[i] = table[h[i]];
    return out;
  }

  var n = D.count, K = D.k, labels = D.labels;
  var xy = new Float32Array(bytes(D.xy)), nb = new Int32Array(bytes(D.nb)), ns = new Float32Array(bytes(D.ns));
  var codes = new Uint16Array(bytes(D.groups.codes)), groupNames = D.groups.names;
  var dim = D.dim, vecs = null;
  if (D.vectors) vecs = D.vectors.dtype === "float16" ? halfs(bytes(D.vectors.data)) : new Float32Array(bytes(D.vectors.data));
  var where = new Map(), lower = new Map();
  for (var i = 0; i < n; i++) {
    where.set(labels[i], i);
    var low = labels[i].toLowerCase();
    if (!lower.has(low)) lower.set(low, i);
  }
  var isQuery = new Uint8Array(n);
  D.queries.forEach(function (w) { isQuery[where.get(w)] = 1; });

  function colourOf(g) {
    if (!groupNames.length) return PLAIN;
    if (groupNames[g] === "other" || groupNames[g] === "(no group)") return "#b9bfca";
    return g < PALETTE.length ? PALETTE[g] : "hsl(" + ((g * 137.508) % 360).toFixed(1) + ",55%,48%)";
  }
  var nGroups = Math.max(1, groupNames.length), colours = [], members = [], hidden = new Uint8Array(nGroups);
  for (var g = 0; g < nGroups; g++) { colours.push(colourOf(g)); members.push([]); }
  for (i = 0; i < n; i++) members[codes[i]].push(i);

  /* ---- view: data (x, y) <-> canvas pixels ---- */
  var canvas = document.getElementById("canvas"), ctx = canvas.getContext("2d");
  var W = 0, H = 0, ratio = 1, view = { cx: 0, cy: 0, scale: 1 };
  var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (i = 0; i < n; i++) {
    var x = xy[2 * i], y = xy[2 * i + 1];
    if (x < minX) minX = x; if (x > maxX) maxX = x; if (y < minY) minY = y; if (y > maxY) maxY = y;
  }
  function fitBox(x0, x1, y0, y1, fill) {
    var dx = Math.max(x1 - x0, 1e-9), dy = Math.max(y1 - y0, 1e-9);
    view.cx = (x0 + x1) / 2; view.cy = (y0 + y1) / 2;
    view.scale = Math.min(W / dx, H / dy) * fill;
    if (!isFinite(view.scale) || view.scale <= 0) view.scale = 1;
  }
  function fitAll() { fitBox(minX, maxX, minY, maxY, 0.92); }
  function sx(i) { return (xy[2 * i] - view.cx) * view.scale + W / 2; }
  function sy(i) { return H / 2 - (xy[2 * i + 1] - view.cy) * view.scale; }
  function resize() {
    var rect = canvas.getBoundingClientRect();
    ratio = window.devicePixelRatio || 1;
    W = Math.max(rect.width, 50); H = Math.max(rect.height, 50);
    canvas.width = Math.round(W * ratio); canvas.height = Math.round(H * ratio);
  }

  /* ---- a grid over the data for hover and click ---- */
  var G = Math.max(8, Math.min(512, Math.round(Math.sqrt(n / 4)))), cellStart = new Int32Array(G * G + 1), cellItems = new Int32Array(n);
  function cellOf(x, y) {
    var cx = Math.min(G - 1, Math.max(0, Math.floor((x - minX) / Math.max(maxX - minX, 1e-9) * G)));
    var cy = Math.min(G - 1, Math.max(0, Math.floor((y - minY) / Math.max(maxY - minY, 1e-9) * G)));
    return [cx, cy];
  }
  (function buildGrid() {
    var cell = new Int32Array(n), fill;
    for (var i = 0; i < n; i++) { var c = cellOf(xy[2 * i], xy[2 * i + 1]); cell[i] = c[1] * G + c[0]; cellStart[cell[i] + 1]++; }
    for (var j = 0; j < G * G; j++) cellStart[j + 1] += cellStart[j];
    fill = cellStart.slice(0, G * G);
    for (i = 0; i < n; i++) cellItems[fill[cell[i]]++] = i;
  })();
  function nearest(px, py, radius) {
    var x = (px - W / 2) / view.scale + view.cx, y = (H / 2 - py) / view.scale + view.cy, r = radius / view.scale;
    var a = cellOf(x - r, y - r), b = cellOf(x + r, y + r), best = -1, bestD = r * r;
    for (var cy = a[1]; cy <= b[1]; cy++) for (var cx = a[0]; cx <= b[0]; cx++) {
      var c = cy * G + cx;
      for (var k = cellStart[c]; k < cellStart[c + 1]; k++) {
        var i = cellItems[k];
        if (hidden[codes[i]]) continue;
        var dx = xy[2 * i] - x, dy = xy[2 * i + 1] - y, d = dx * dx + dy * dy;
        if (d <= bestD) { bestD = d; best = i; }
      }
    }
    return best;
  }

  /* ---- state ---- */
  var state = { q: null, analogy: null }, hover = -1, highlight = new Map();
  function refreshHighlight() {
    highlight = new Map();
    if (state.q !== null) {
      highlight.set(state.q, "query");
      for (var j = 0; j < K; j++) { var t = nb[state.q * K + j]; if (t >= 0 && !highlight.has(t)) highlight.set(t, "neighbour"); }
    }
    if (state.analogy) {
      state.analogy.terms.forEach(function (t) { highlight.set(t, "term"); });
      state.analogy.answers.forEach(function (a, r) { if (!highlight.has(a[0])) highlight.set(a[0], r === 0 ? "answer" : "neighbour"); });
    }
  }

  /* ---- drawing ---- */
  var drawPending = false;
  function requestDraw() {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(function () { drawPending = false; draw(); });
  }
  var placed = [];
  function free(x0, y0, x1, y1) {
    for (var k = 0; k < placed.length; k++) {
      var b = placed[k];
      if (x0 < b[2] && b[0] < x1 && y0 < b[3] && b[1] < y1) return false;
    }
    return true;
  }
  /* a label beside point i, in the first of four places that overlaps no label drawn before it;
     `always` draws it in the first place when none is free */
  function label(i, bold, colour, always) {
    var x = sx(i), y = sy(i), text = labels[i], size = bold ? 14 : 12;
    ctx.font = (bold ? "600 " : "") + size + "px system-ui, sans-serif";
    var w = ctx.measureText(text).width, spots = [[6, -5], [6, size + 3], [-6 - w, -5], [-6 - w, size + 3]], at = null;
    for (var k = 0; k < spots.length && !at; k++) {
      var lx = x + spots[k][0], ly = y + spots[k][1];
      if (free(lx - 1, ly - size, lx + w + 1, ly + 3)) at = [lx, ly];
    }
    if (!at) { if (!always) return; at = [x + 6, y - 5]; }
    placed.push([at[0] - 1, at[1] - size, at[0] + w + 1, at[1] + 3]);
    ctx.lineWidth = 3; ctx.strokeStyle = "rgba(255,255,255,.9)"; ctx.strokeText(text, at[0], at[1]);
    ctx.fillStyle = colour; ctx.fillText(text, at[0], at[1]);
  }
  function draw() {
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, W, H);
    var focus = highlight.size > 0, r = n > 20000 ? 1.4 : n > 3000 ? 2 : 3.2, visible = [];
    ctx.globalAlpha = focus ? 0.35 : 0.8;
    for (var g = 0; g < nGroups; g++) {
      if (hidden[g]) continue;
      ctx.fillStyle = colours[g];
      var list = members[g];
      if (n > 3000) {
        for (var k = 0; k < list.length; k++) {
          var i = list[k], x = sx(i), y = sy(i);
          if (x < -r || y < -r || x > W + r || y > H + r) continue;
          ctx.fillRect(x - r, y - r, 2 * r, 2 * r);
          if (visible.length <= 400) visible.push(i);
        }
      } else {
        ctx.beginPath();
        for (k = 0; k < list.length; k++) {
          i = list[k]; x = sx(i); y = sy(i);
          if (x < -r || y < -r || x > W + r || y > H + r) continue;
          ctx.moveTo(x + r, y); ctx.arc(x, y, r, 0, 2 * Math.PI);
          if (visible.length <= 400) visible.push(i);
        }
        ctx.fill();
      }
    }
    ctx.globalAlpha = 1;
    placed = [];
    drawHighlight();
    D.queries.forEach(function (w) { var i = where.get(w); if (!highlight.has(i)) label(i, true, "#39414f", false); });
    if (visible.length <= 400) visible.forEach(function (i) { if (!highlight.has(i)) label(i, false, focus ? "#8a93a6" : "#39414f", false); });
    if (hover >= 0 && !highlight.has(hover)) { ring(hover, "#1d2330", 5); }
  }
  function ring(i, colour, radius) {
    ctx.beginPath(); ctx.arc(sx(i), sy(i), radius, 0, 2 * Math.PI);
    ctx.fillStyle = colour; ctx.fill();
    ctx.lineWidth = 1.5; ctx.strokeStyle = "#fff"; ctx.stroke();
  }
  function drawHighlight() {
    var style = { query: ["#d62728", 7], term: ["#9467bd", 6], answer: ["#d62728", 7], neighbour: ["#ff7f0e", 5] };
    if (state.q !== null) {
      ctx.strokeStyle = "rgba(214,39,40,.35)"; ctx.lineWidth = 1;
      highlight.forEach(function (kind, i) {
        if (kind !== "neighbour" || state.analogy) return;
        ctx.beginPath(); ctx.moveTo(sx(state.q), sy(state.q)); ctx.lineTo(sx(i), sy(i)); ctx.stroke();
      });
    }
    highlight.forEach(function (kind, i) { ring(i, style[kind][0], style[kind][1]); });
    highlight.forEach(function (kind, i) { if (kind !== "neighbour") label(i, true, "#1d2330", true); });
    highlight.forEach(function (kind, i) { if (kind === "neighbour") label(i, false, "#8a4b08", true); });
  }

  /* ---- panels ---- */
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var a in attrs) e.setAttribute(a, attrs[a]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function wordLink(i, score) {
    var li = el("li", { "data-word": labels[i], "data-score": score.toFixed(4) });
    var a = el("a", { href: "#q=" + encodeURIComponent(labels[i]) }, labels[i]);
    li.appendChild(a); li.appendChild(el("span", { "class": "score" }, score.toFixed(3)));
    return li;
  }
  function find(word) {
    if (where.has(word)) return where.get(word);
    var low = word.toLowerCase();
    return lower.has(low) ? lower.get(low) : -1;
  }
  function suggestions(word) {
    var low = word.toLowerCase(), out = [];
    for (var i = 0; i < n && out.length < 8; i++) if (labels[i].toLowerCase().indexOf(low) === 0) out.push(labels[i]);
    return out;
  }
  function showNeighbours() {
    var box = document.getElementById("neighbours");
    box.textContent = "";
    if (state.q === null) return;
    box.appendChild(el("p", { "class": "chosen" }, labels[state.q] + " and its " + K + " nearest (cosine):"));
    var ol = el("ol");
    for (var j = 0; j < K; j++) { var t = nb[state.q * K + j]; if (t >= 0) ol.appendChild(wordLink(t, ns[state.q * K + j])); }
    box.appendChild(ol);
  }
  function notFound(box, word) {
    box.textContent = "";
    box.appendChild(el("p", { "class": "miss" }, "“" + word + "” is not on this map."));
    var s = suggestions(word);
    if (s.length) box.appendChild(el("p", { "class": "note" }, "Starting the same: " + s.join(", ")));
  }
  function select(word, move) {
    var i = find(word), box = document.getElementById("neighbours");
    document.getElementById("q").value = word;
    if (i < 0) { state.q = null; notFound(box, word); refreshHighlight(); requestDraw(); return false; }
    state.q = i; refreshHighlight(); showNeighbours();
    if (move !== false) focusOn([i].concat(Array.from(highlight.keys())));
    requestDraw();
    return true;
  }
  function focusOn(items) {
    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    items.forEach(function (i) {
      x0 = Math.min(x0, xy[2 * i]); x1 = Math.max(x1, xy[2 * i]); y0 = Math.min(y0, xy[2 * i + 1]); y1 = Math.max(y1, xy[2 * i + 1]);
    });
    var span = Math.max(x1 - x0, y1 - y0, (maxX - minX) / 40, (maxY - minY) / 40);
    fitBox((x0 + x1) / 2 - span, (x0 + x1) / 2 + span, (y0 + y1) / 2 - span, (y0 + y1) / 2 + span, 0.9);
  }

  /* ---- analogy: 3CosAdd over the points on the map ---- */
  function solve(a, b, c) {
    var box = document.getElementById("analogy-result"), ids = [a, b, c].map(find);
    box.textContent = "";
    var missing = [a, b, c].filter(function (w, j) { return ids[j] < 0; });
    if (missing.length) { box.appendChild(el("p", { "class": "miss" }, "Not on this map: " + missing.join(", "))); state.analogy = null; return; }
    var t = new Float32Array(dim), norm = 0;
    for (var d = 0; d < dim; d++) { t[d] = vecs[ids[1] * dim + d] - vecs[ids[0] * dim + d] + vecs[ids[2] * dim + d]; norm += t[d] * t[d]; }
    norm = Math.sqrt(norm) || 1;
    var top = [];
    for (var i = 0; i < n; i++) {
      if (i === ids[0] || i === ids[1] || i === ids[2]) continue;
      var s = 0, o = i * dim;
      for (d = 0; d < dim; d++) s += vecs[o + d] * t[d];
      s /= norm;
      if (top.length < 5 || s > top[top.length - 1][1]) {
        top.push([i, s]); top.sort(function (p, q) { return q[1] - p[1]; });
        if (top.length > 5) top.pop();
      }
    }
    state.analogy = { terms: ids, answers: top };
    box.appendChild(el("p", { "class": "chosen" }, labels[ids[0]] + " : " + labels[ids[1]] + " :: " + labels[ids[2]] + " : ?"));
    var ol = el("ol");
    top.forEach(function (p) { ol.appendChild(wordLink(p[0], p[1])); });
    box.appendChild(ol);
  }
  function runAnalogy(a, b, c, move) {
    document.getElementById("a").value = a; document.getElementById("b").value = b; document.getElementById("c").value = c;
    solve(a, b, c); refreshHighlight();
    if (state.analogy && move !== false) focusOn(Array.from(highlight.keys()));
    requestDraw();
  }

  /* ---- the URL keeps the state ---- */
  function decodePart(s) {
    // a hand-typed hash may hold a lone or malformed "%" (#q=100%), which decodeURIComponent
    // refuses with a URIError: keep such text as typed and decode the valid escapes around it
    try { return decodeURIComponent(s); } catch (e) {
      return s.replace(/(%[0-9A-Fa-f]{2})+/g, function (run) {
        try { return decodeURIComponent(run); } catch (e2) { return run; }
      });
    }
  }
  function readHash() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var eq = part.indexOf("=");
      if (eq > 0) out[decodePart(part.slice(0, eq))] = decodePart(part.slice(eq + 1).replace(/\+/g, " "));
    });
    return out;
  }
  function writeHash(params) {
    var parts = [];
    Object.keys(params).forEach(function (k) { if (params[k]) parts.push(k + "=" + encodeURIComponent(params[k])); });
    var hash = parts.length ? "#" + parts.join("&") : " ";
    try { history.replaceState(null, "", hash === " " ? location.pathname + location.search : hash); } catch (e) { location.hash = hash; }
  }
  function currentParams() {
    var p = {};
    if (state.q !== null) p.q = labels[state.q];
    if (state.analogy) { p.a = document.getElementById("a").value; p.b = document.getElementById("b").value; p.c = document.getElementById("c").value; }
    return p;
  }
  function applyHash() {
    var h = readHash();
    state.analogy = null; document.getElementById("analogy-result").textContent = "";
    if (h.q) select(h.q, !(h.a && h.b && h.c)); else { state.q = null; document.getElementById("neighbours").textContent = ""; }
    if (h.a && h.b && h.c && vecs) runAnalogy(h.a, h.b, h.c);
    refreshHighlight(); requestDraw();
  }

  /* ---- wiring ---- */
  function setup() {
    document.getElementById("scope").textContent = D.notes.neighbours[0].toUpperCase() + D.notes.neighbours.slice(1) + ".";
    if (!vecs) {
      document.getElementById("analogy-form").hidden = true;
      document.getElementById("analogy-note").textContent = D.notes.analogy + ".";
    } else {
      document.getElementById("analogy-note").textContent = "3CosAdd among the " + n.toLocaleString("en") + " points on this map.";
    }
    if (groupNames.length > 1) {
      document.getElementById("legend-box").hidden = false;
      document.getElementById("groups-note").textContent = D.groups.note;
      var ul = document.getElementById("legend");
      groupNames.slice(0, 200).forEach(function (name, g) {
        var li = el("li", { "data-group": name });
        var sw = el("span", { "class": "swatch" }); sw.style.background = colours[g];
        li.appendChild(sw); li.appendChild(el("span", {}, name)); li.appendChild(el("span", { "class": "count" }, members[g].length.toLocaleString("en")));
        li.addEventListener("click", function () { hidden[g] = hidden[g] ? 0 : 1; li.classList.toggle("off", !!hidden[g]); requestDraw(); });
        ul.appendChild(li);
      });
    }
    document.getElementById("search").addEventListener("submit", function (e) {
      e.preventDefault();
      var w = document.getElementById("q").value.trim();
      if (w) { select(w); writeHash(currentParams()); }
    });
    document.getElementById("analogy-form").addEventListener("submit", function (e) {
      e.preventDefault();
      var a = document.getElementById("a").value.trim(), b = document.getElementById("b").value.trim(), c = document.getElementById("c").value.trim();
      if (a && b && c) { runAnalogy(a, b, c); writeHash(currentParams()); }
    });
    window.addEventListener("hashchange", applyHash);
    wireCanvas();
  }
  function zoomAt(px, py, factor) {
    var x = (px - W / 2) / view.scale + view.cx, y = (H / 2 - py) / view.scale + view.cy;
    view.scale *= factor;
    view.cx = x - (px - W / 2) / view.scale; view.cy = y - (H / 2 - py) / view.scale;
    requestDraw();
  }
  function wireCanvas() {
    var drag = null, tip = document.getElementById("tip");
    canvas.addEventListener("pointerdown", function (e) {
      drag = { x: e.offsetX, y: e.offsetY, cx: view.cx, cy: view.cy, moved: false };
      canvas.setPointerCapture(e.pointerId); canvas.classList.add("dragging");
    });
    canvas.addEventListener("pointermove", function (e) {
      if (drag) {
        var dx = e.offsetX - drag.x, dy = e.offsetY - drag.y;
        if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
        view.cx = drag.cx - dx / view.scale; view.cy = drag.cy + dy / view.scale; requestDraw();
        return;
      }
      var i = nearest(e.offsetX, e.offsetY, 8);
      if (i !== hover) { hover = i; requestDraw(); }
      if (i >= 0) { tip.hidden = false; tip.textContent = labels[i] + (groupNames.length > 1 ? " · " + groupNames[codes[i]] : ""); tip.style.left = (e.offsetX + 12) + "px"; tip.style.top = (e.offsetY + 12) + "px"; }
      else tip.hidden = true;
    });
    canvas.addEventListener("pointerup", function (e) {
      canvas.classList.remove("dragging");
      if (drag && !drag.moved) {
        var i = nearest(e.offsetX, e.offsetY, 8);
        if (i >= 0) { select(labels[i], false); writeHash(currentParams()); }
      }
      drag = null;
    });
    canvas.addEventListener("pointerleave", function () { tip.hidden = true; if (hover >= 0) { hover = -1; requestDraw(); } });
    canvas.addEventListener("wheel", function (e) { e.preventDefault(); zoomAt(e.offsetX, e.offsetY, Math.exp(-e.deltaY * 0.0015)); }, { passive: false });
    document.getElementById("zoom-in").addEventListener("click", function () { zoomAt(W / 2, H / 2, 1.5); });
    document.getElementById("zoom-out").addEventListener("click", function () { zoomAt(W / 2, H / 2, 1 / 1.5); });
    document.getElementById("zoom-reset").addEventListener("click", function () { fitAll(); requestDraw(); });
    document.addEventListener("keydown", function (e) {
      if (e.target.tagName === "INPUT") return;
      if (e.key === "+" || e.key === "=") zoomAt(W / 2, H / 2, 1.5);
      else if (e.key === "-") zoomAt(W / 2, H / 2, 1 / 1.5);
      else if (e.key === "0") { fitAll(); requestDraw(); }
    });
    window.addEventListener("resize", function () { resize(); requestDraw(); });
  }

  resize(); fitAll(); setup(); applyHash();
  draw();
  var ms = performance.now();
  var status = document.getElementById("status");
  status.textContent = n.toLocaleString("en") + " points × " + dim + " dims (" + D.name + ", " + { pca: "PCA", tsne: "t-SNE", umap: "UMAP" }[D.method] +
    ") · drawn " + Math.round(ms) + " ms after opening";
  status.setAttribute("data-ms", String(Math.round(ms))); status.setAttribute("data-script-ms", String(Math.round(ms - started)));
  document.body.setAttribute("data-ready", "1");
})();
