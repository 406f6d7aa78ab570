/* The tracker's line view: an SVG schematic of a line's stations with the customer's work order on it.
   Built with DOM calls only (no markup strings); used by track.js. */
"use strict";
const C2MLineView = (() => {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const { t, el } = C2M;

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) node.setAttribute(k, v);
    for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
    return node;
  }

  /** Draw ``line`` into ``box`` with work order ``w`` at the station its share of units done has reached;
      ``state`` ({name}) is the line's PackML state, which colours the belt. */
  function render(box, w, line, state) {
    if (!line) { box.replaceChildren(); return; }
    const stations = line.stations.length ? line.stations : [line.name];
    const n = stations.length;
    const onLine = w.state === "running" || w.state === "held";
    const share = w.quantity ? Math.min(1, w.produced / w.quantity) : 0;
    const here = w.state === "completed" ? n : onLine ? Math.min(n - 1, Math.floor(share * n)) : -1;
    const step = 120, left = 20, width = left * 2 + n * step;
    const x = (i) => left + i * step;
    const look = (state && state.name.toLowerCase()) || (onLine ? "execute" : "idle");
    const root = svg("svg", { viewBox: `0 0 ${width} 150`, class: `lv lv-state-${look}`, role: "img",
                              "aria-label": t("track.line_view_of", { line: line.name }) },
      svg("line", { class: "lv-belt", x1: left, y1: 118, x2: width - left, y2: 118 }),
      here > 0 ? svg("line", { class: "lv-progress", x1: left, y1: 118, y2: 118,
                               x2: here < n ? x(here) + step / 2 : x(n) }) : null);
    stations.forEach((name, i) => {
      const cls = i < here ? "passed" : i === here ? "here" : "";
      const words = wrap(name, 14);
      root.append(svg("g", { class: `lv-station ${cls}`, "data-station": i },
        svg("title", {}, name),
        svg("rect", { x: x(i) + 6, y: 46, width: step - 12, height: 56, rx: 6 }),
        ...words.map((word, k) => svg("text", { x: x(i) + step / 2, y: 70 + k * 15 - (words.length - 1) * 7,
                                                "text-anchor": "middle" }, word)),
        svg("circle", { cx: x(i) + step / 2, cy: 118, r: 5 })));
    });
    if (onLine) {
      root.append(svg("g", { class: `lv-job ${w.state}`, "data-work-order": w.id,
                             transform: `translate(${x(here) + step / 2} 22)` },
        svg("rect", { x: -54, y: -14, width: 108, height: 26, rx: 13 }),
        svg("text", { y: 4, "text-anchor": "middle" }, `${w.produced}/${w.quantity}`),
        svg("path", { d: "M0 12 L0 24", class: "lv-pin" })));
    }
    const caption = onLine ? t("track.at_station", { n: here + 1, total: n, name: stations[here] })
      : t(w.state === "completed" ? "track.line_done" : "track.line_waiting", { line: line.name });
    box.replaceChildren(el("div", { class: "lv-scroll" }, root), el("p", { class: "lv-caption muted" }, caption));
  }

  function wrap(text, width) {
    const lines = [];
    for (const word of text.split(/\s+/)) {
      const last = lines.length - 1;
      if (last >= 0 && (lines[last] + " " + word).length <= width) lines[last] += ` ${word}`;
      else lines.push(word);
    }
    return lines.slice(0, 2);
  }

  return { render };
})();
