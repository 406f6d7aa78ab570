/* The planner console's Gantt: lines as rows, work orders as bars (planned window, actual window over it),
   late ones outlined, a "now" line at plant time. Drawn as SVG from GET /api/schedule. Plain JS. */
"use strict";
const PlannerGantt = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const ROW = 40, AXIS = 40, HOUR = 3600e3; // axis: day row, time row, "now" label
  const STEPS = [1, 2, 3, 6, 12, 24, 48, 96, 168];
  let view = null; // {x, start, end, height, width} of the last drawing
  let selected = null;
  let onSelect = () => {};

  /** An SVG element; children are nodes or text. Never builds markup from strings. */
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false)
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  const ms = (iso) => (iso ? new Date(iso).getTime() : null);
  const clockFmt = () => new Intl.DateTimeFormat(C2M.locale, { hour: "numeric", minute: "2-digit" });
  const dayFmt = () => new Intl.DateTimeFormat(C2M.locale, { month: "short", day: "numeric" });

  /** The time window shown: the work orders' windows and now, padded a little. */
  function windowOf(lines, now) {
    let start = now - 2 * HOUR, end = now + 6 * HOUR;
    for (const line of lines) for (const wo of line.work_orders) {
      for (const t of [wo.planned_start, wo.actual_start]) if (t) start = Math.min(start, ms(t));
      for (const t of [wo.planned_end, wo.actual_end]) if (t) end = Math.max(end, ms(t));
    }
    // Keep the drawing bounded whatever the data says: half a day back, four weeks ahead.
    start = Math.max(start, now - 12 * HOUR) - HOUR / 2;
    end = Math.min(end, now + 28 * 24 * HOUR) + HOUR;
    return { start, end };
  }

  function label(wo, width) {
    const text = `${wo.order_id} · ${wo.name || wo.op_id}`;
    const chars = Math.floor((width - 8) / 6.5);
    if (chars < 4) return null;
    return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
  }

  function tooltip(wo) {
    const win = (a, b) => C2M.t("planner.wo_window", { start: C2M.fmtDateTime(a), end: b ? C2M.fmtDateTime(b) : "…" });
    const lines = [
      `${C2M.t("planner.wo_title", { id: wo.id })} (${C2M.t(`planner.wo_state.${wo.state}`)})`,
      `${C2M.t("planner.wo_order")}: ${wo.order_id}`,
      `${C2M.t("planner.wo_operation")}: ${wo.name || wo.op_id} (${wo.op_type})`,
      `${C2M.t("planner.wo_quantity")}: ${C2M.t("planner.counts_value",
        { produced: wo.produced, defective: wo.defective, planned: wo.quantity })}`,
      `${C2M.t("planner.wo_planned")}: ${win(wo.planned_start, wo.planned_end)}`,
    ];
    if (wo.actual_start) lines.push(`${C2M.t("planner.wo_actual")}: ${win(wo.actual_start, wo.actual_end)}`);
    if (wo.due) lines.push(`${C2M.t("planner.wo_due")}: ${C2M.fmtDateTime(wo.due)}`);
    if (wo.late) lines.push(C2M.t("planner.late"));
    if (wo.stop_reason) lines.push(C2M.t("planner.stop_reason", { reason: wo.stop_reason }));
    return lines.join("\n");
  }

  function bar(wo, y, x, now) {
    const ps = ms(wo.planned_start) ?? ms(wo.actual_start), pe = ms(wo.planned_end) ?? ms(wo.actual_end) ?? ps;
    if (ps === null) return null;
    const left = x(ps), width = Math.max(x(pe) - left, 4);
    const classes = ["wo", `wo-${wo.state}`, wo.late ? "late" : "", wo.id === selected ? "selected" : ""];
    const g = svg("g", { class: classes.filter(Boolean).join(" "), "data-wo": wo.id, "data-line": wo.line,
                         "data-order": wo.order_id, tabindex: 0, role: "button",
                         "aria-label": `${wo.id} ${wo.name || wo.op_id}` },
      svg("title", {}, tooltip(wo)),
      svg("rect", { class: "planned", x: left, y: y + 6, width, height: ROW - 12, rx: 3 }));
    if (wo.actual_start) {
      const as = x(ms(wo.actual_start)), ae = x(ms(wo.actual_end) ?? now);
      g.append(svg("rect", { class: "actual", x: as, y: y + ROW - 13, width: Math.max(ae - as, 2), height: 6 }));
    }
    const text = label(wo, width);
    if (text) g.append(svg("text", { x: left + 4, y: y + 19 }, text));
    const choose = () => onSelect(wo);
    g.addEventListener("click", choose);
    g.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); choose(); }
    });
    return g;
  }

  /** Two rows of labels: the day where it begins (and at the left edge), the time of day at each tick. */
  function axis(start, end, x, height, pxPerHour) {
    const step = (STEPS.find((s) => s * pxPerHour >= 64) || 168) * HOUR;
    const g = svg("g", { class: "axis" });
    const clock = clockFmt(), day = dayFmt();
    const offset = new Date(start).getTimezoneOffset() * 60e3; // ticks on local hours
    let lastDay = "", lastDayX = -Infinity;
    for (let t = Math.ceil((start - offset) / step) * step + offset; t <= end; t += step) {
      const d = new Date(t), dayText = day.format(d), px = x(t);
      g.append(svg("line", { x1: px, x2: px, y1: 14, y2: height, class: "tick" }));
      if (step < 24 * HOUR) g.append(svg("text", { x: px + 3, y: 25 }, clock.format(d)));
      if (dayText !== lastDay && px - lastDayX > 70) {
        g.append(svg("text", { x: px + 3, y: 11, class: "day" }, dayText));
        lastDay = dayText; lastDayX = px;
      }
    }
    return g;
  }

  /** Draw the schedule; ``now`` is plant time in ms. */
  function render(schedule, now, labelsEl, scrollEl) {
    const lines = schedule.lines;
    const { start, end } = windowOf(lines, now);
    const hours = (end - start) / HOUR;
    const avail = Math.max(scrollEl.clientWidth - 2, 200);
    const pxPerHour = Math.min(Math.max(avail / hours, 10), 90);
    const width = Math.ceil(hours * pxPerHour), height = AXIS + lines.length * ROW;
    const x = (t) => ((t - start) / HOUR) * pxPerHour;
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "gantt-svg",
                              role: "img", "aria-label": C2M.t("planner.gantt") });
    root.append(axis(start, end, x, height, pxPerHour));
    lines.forEach((line, i) => {
      const y = AXIS + i * ROW;
      const row = svg("g", { class: "gantt-row", "data-line": line.line },
        svg("rect", { class: `row-bg${i % 2 ? " odd" : ""}`, x: 0, y, width, height: ROW }));
      const until = ms(line.unavailable_until);
      if (until && until > now) {
        row.append(svg("rect", { class: "unavailable", x: x(now), y, width: Math.max(x(until) - x(now), 2),
                                 height: ROW }));
      }
      for (const wo of line.work_orders) {
        const g = bar(wo, y, x, now);
        if (g) row.append(g);
      }
      root.append(row);
    });
    const nowLine = svg("g", { class: "now", id: "gantt-now" },
      svg("line", { x1: x(now), x2: x(now), y1: 28, y2: height }),
      svg("text", { x: x(now) + 3, y: AXIS - 3 }, C2M.t("planner.now")));
    root.append(nowLine);
    const first = !view;
    view = { x, start, end, height, width };
    scrollEl.replaceChildren(root);
    labelsEl.replaceChildren(C2M.el("div", { class: "gantt-label axis-label", style: `height:${AXIS}px` }),
      ...lines.map((line) => C2M.el("div", { class: "gantt-label", style: `height:${ROW}px`, "data-line": line.line,
                                             title: line.name }, C2M.el("strong", {}, line.line),
                                    C2M.el("span", { class: "muted" }, line.name))));
    if (first) scrollEl.scrollLeft = Math.max(x(now) - avail / 3, 0); // open on "now", not on the past
  }

  /** Move the "now" line without redrawing (plant time runs fast). */
  function tick(now) {
    const g = document.getElementById("gantt-now");
    if (!g || !view || now > view.end) return;
    const px = view.x(now);
    const line = g.querySelector("line"), text = g.querySelector("text");
    line.setAttribute("x1", px); line.setAttribute("x2", px); text.setAttribute("x", px + 3);
  }

  return {
    render, tick,
    select(id) { selected = id; },
    selected: () => selected,
    onSelect(fn) { onSelect = fn; },
  };
})();
