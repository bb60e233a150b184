// Scope graph: SVG nodes placed by the server's layout, pan by drag, zoom by wheel,
// click a node to list its category, reasons and paths. Text is set with textContent only.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const svg = document.getElementById("scope-graph");
  const panel = document.getElementById("scope-panel");
  if (!svg || !panel) return;
  let view = { x: 0, y: 0, w: 1000, h: 1000 };
  const setView = () => svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);

  function el(name, attrs) {
    const node = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  }
  function html(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function show(comp, byId) {
    panel.replaceChildren();
    panel.appendChild(html("h3", comp.name || comp.id));
    panel.appendChild(html("span", comp.category, "cat " + comp.category));
    panel.appendChild(html("p", `${comp.kind} · ${comp.id}`, "muted"));
    const list = html("ul", undefined, "reasons");
    for (const r of comp.reasons || []) {
      const li = html("li");
      li.appendChild(html("strong", `${r.rule} ${r.code}`));
      li.appendChild(html("div", r.text));
      if (r.path && r.path.length) {
        li.appendChild(html("div", r.path.map((p) => (byId.get(p) || {}).name || p).join(" → "), "path"));
      }
      if (r.evidence && r.evidence.length) li.appendChild(html("div", "evidence: " + r.evidence.join(", "), "path"));
      list.appendChild(li);
    }
    panel.appendChild(list);
    if (comp.flags && comp.flags.length) panel.appendChild(html("p", "flags: " + comp.flags.join(", "), "muted"));
  }

  fetch("/api/scope", { credentials: "same-origin" })
    .then((r) => r.json())
    .then((scope) => {
      const byId = new Map(scope.components.map((c) => [c.id, c]));
      const pos = (id) => {
        const p = scope.layout[id];
        return p ? [p[0] * 1000, p[1] * 1000] : null;
      };
      const edges = el("g", { class: "edges" });
      for (const e of scope.edges) {
        const a = pos(e.from), b = pos(e.to);
        if (!a || !b) continue;
        const line = el("line", { x1: a[0], y1: a[1], x2: b[0], y2: b[1] });
        if (e.chd || e.type === "chd_flow") line.setAttribute("class", "chd");
        edges.appendChild(line);
      }
      svg.appendChild(edges);
      const nodes = el("g", { class: "nodes" });
      let selected = null;
      for (const comp of scope.components) {
        const p = pos(comp.id);
        if (!p) continue;
        const c = el("circle", { cx: p[0], cy: p[1], r: comp.category === "cde" ? 9 : 6, class: comp.category, "data-id": comp.id });
        const title = el("title", {});
        title.textContent = `${comp.name || comp.id} (${comp.category})`;
        c.appendChild(title);
        c.addEventListener("click", (ev) => {
          ev.stopPropagation();
          if (selected) selected.classList.remove("selected");
          c.classList.add("selected");
          selected = c;
          show(comp, byId);
        });
        nodes.appendChild(c);
        if (scope.components.length <= 120) {
          const t = el("text", { x: p[0] + 10, y: p[1] + 3 });
          t.textContent = comp.name || comp.id;
          nodes.appendChild(t);
        }
      }
      svg.appendChild(nodes);
    });

  let drag = null;
  svg.addEventListener("mousedown", (ev) => { drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y }; });
  window.addEventListener("mouseup", () => { drag = null; });
  svg.addEventListener("mousemove", (ev) => {
    if (!drag) return;
    const scale = view.w / svg.clientWidth;
    view.x = drag.vx - (ev.clientX - drag.x) * scale;
    view.y = drag.vy - (ev.clientY - drag.y) * scale;
    setView();
  });
  svg.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const factor = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
    const cx = view.x + view.w / 2, cy = view.y + view.h / 2;
    view.w *= factor; view.h *= factor;
    view.x = cx - view.w / 2; view.y = cy - view.h / 2;
    setView();
  }, { passive: false });
})();
