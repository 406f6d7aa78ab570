/* The planner console's work-order panel: what a Gantt bar stands for, and the planner's commands on it
   (move to another capable line, change the order's priority). Plain JS, no markup from strings. */
"use strict";
const PlannerWorkOrder = (() => {
  const { el, t } = C2M;
  const STARTED = new Set(["running", "held", "completed", "aborted", "withdrawn"]);
  let hooks = { act: async () => {}, close: () => {}, after: () => {} };
  let current = null; // the work order shown

  const panel = () => document.getElementById("wo-panel");
  const win = (a, b) => (a ? t("planner.wo_window", { start: C2M.fmtDateTime(a), end: b ? C2M.fmtDateTime(b) : "…" })
    : "—");

  function facts(wo) {
    const row = (label, ...value) => [el("dt", {}, label), el("dd", {}, ...value)];
    return el("dl", { class: "wo-facts" },
      row(t("planner.wo_order"), el("a", { href: `/track/${encodeURIComponent(wo.order_id)}`,
                                          "data-track-order": wo.order_id }, wo.order_id)),
      row(t("planner.wo_operation"), `${wo.name || wo.op_id} (${wo.op_type})`),
      row(t("planner.wo_state"), el("span", { class: `badge state-${wo.state}`, "data-field": "wo-state" },
        t(`planner.wo_state.${wo.state}`)), wo.late ? el("span", { class: "badge bad" }, t("planner.late")) : null,
        wo.pinned ? el("span", { class: "badge" }, t("planner.pinned")) : null),
      row(t("planner.wo_quantity"), t("planner.counts_value", { produced: wo.produced, defective: wo.defective,
                                                               planned: wo.quantity })),
      row(t("planner.wo_planned"), `${wo.line} · ${win(wo.planned_start, wo.planned_end)}`),
      row(t("planner.wo_actual"), win(wo.actual_start, wo.actual_end)),
      row(t("planner.wo_due"), wo.due ? C2M.fmtDateTime(wo.due) : "—"));
  }

  function capable(wo, schedule) {
    return schedule.lines.filter((l) => l.line !== wo.line && l.capabilities.includes(wo.op_type));
  }

  function moveForm(wo, schedule) {
    const lines = capable(wo, schedule);
    const select = el("select", { id: "wo-move-line", name: "line" },
      lines.map((l) => el("option", { value: l.line }, `${l.line} · ${l.name}`)));
    const button = el("button", { type: "submit", id: "wo-move" }, t("planner.move"));
    const form = el("form", { class: "wo-form", id: "wo-move-form" },
      el("div", { class: "field" }, el("label", { for: "wo-move-line" }, t("planner.move_to")), select),
      el("div", { class: "actions" }, button),
      el("p", { class: "hint", "data-field": "move-hint" }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const line = select.value;
      hooks.act(button, () => C2M.api(`/api/work-orders/${encodeURIComponent(current.id)}/move`,
        { method: "POST", body: { line } }), t("planner.moved", { wo: current.id, line })).then(hooks.after);
    });
    return form;
  }

  function priorityForm(wo) {
    const input = el("input", { id: "wo-priority", name: "priority", type: "number", min: 0, max: 100, step: 1,
                                value: wo.priority });
    const button = el("button", { type: "submit", class: "secondary" }, t("planner.set_priority"));
    const form = el("form", { class: "wo-form", id: "wo-priority-form" },
      el("div", { class: "field" }, el("label", { for: "wo-priority" }, t("planner.priority")), input),
      el("div", { class: "actions" }, button));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const priority = Math.max(0, Math.min(100, Math.round(Number(input.value) || 0)));
      hooks.act(button, () => C2M.api(`/api/work-orders/${encodeURIComponent(current.id)}/priority`,
        { method: "POST", body: { priority } }), t("planner.priority_set", { order: current.order_id, priority }))
        .then(hooks.after);
    });
    return form;
  }

  /** Enable or explain the move form for the work order as it stands now. */
  function updateMove(wo, schedule) {
    const form = document.getElementById("wo-move-form");
    if (!form) return;
    const select = form.elements.line, hint = form.querySelector("[data-field=move-hint]");
    const options = capable(wo, schedule).map((l) => l.line);
    if ([...select.options].map((o) => o.value).join() !== options.join()) {
      const keep = select.value;
      select.replaceChildren(...capable(wo, schedule).map((l) => el("option", { value: l.line },
                                                                    `${l.line} · ${l.name}`)));
      if (options.includes(keep)) select.value = keep;
    }
    const started = STARTED.has(wo.state);
    select.disabled = started || !options.length;
    form.querySelector("button").disabled = select.disabled;
    hint.textContent = started ? t("planner.cannot_move")
      : options.length ? "" : t("planner.no_capable_line", { op_type: wo.op_type });
  }

  /** Show ``wo``; ``fresh`` rebuilds the forms (a new selection), otherwise only the facts change. */
  function show(wo, schedule, fresh = false) {
    const box = panel();
    const same = current && current.id === wo.id && !fresh;
    current = wo;
    box.hidden = false;
    box.dataset.wo = wo.id;
    if (!same) {
      const close = el("button", { type: "button", class: "secondary close", "aria-label": t("common.close") }, "×");
      close.addEventListener("click", hide);
      box.replaceChildren(
        el("div", { class: "wo-panel-head" }, el("h3", {}, t("planner.wo_title", { id: wo.id })), close),
        facts(wo), el("div", { class: "wo-forms needs-steering" }, moveForm(wo, schedule), priorityForm(wo)));
    } else {
      box.querySelector(".wo-facts").replaceWith(facts(wo));
    }
    updateMove(wo, schedule);
  }

  function hide() {
    current = null;
    panel().hidden = true;
    panel().replaceChildren();
    hooks.close();
  }

  return { init(h) { hooks = { ...hooks, ...h }; }, show, hide };
})();
