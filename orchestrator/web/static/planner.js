/* The planner console: key figures, the live line board, the exceptions queue and the Gantt's work-order
   panel. Data from the JSON API, kept live by the plant event stream. Plain JS, no markup from strings. */
"use strict";
(() => {
  const config = JSON.parse(document.getElementById("planner-config").textContent);
  const { el, t } = C2M;
  const $ = (sel, root = document) => root.querySelector(sel);
  let clockBase = { plant: Date.parse(config.plant_time), wall: Date.now() };
  let schedule = null;

  /** Plant time now (ms): the server's plant time, moved on at the plant clock's pace. */
  const plantNow = () => clockBase.plant + (Date.now() - clockBase.wall) * config.time_scale;
  const syncClock = (iso) => { if (iso) clockBase = { plant: Date.parse(iso), wall: Date.now() }; };
  const hours = (h) => h === null || h === undefined ? "—"
    : Math.abs(h) >= 72 ? t("planner.days", { n: C2M.fmtNumber(h / 24, 1) })
      : t("planner.hours", { n: C2M.fmtNumber(h, 1) });
  const stateKey = (name) => (name || "unknown").toLowerCase();
  const stateLabel = (name) => (name ? t(`planner.state.${stateKey(name)}`).replace(/^planner\.state\..*/, name)
    : t("planner.state.unknown"));
  // A refusal for want of a key or a role is already on the page (sign-in notice, toast naming the role).
  const fail = (err) => { if (!err.handled) C2M.toast(t("common.error", { message: err.message }), true); };

  /** Run ``fn`` at most once per ``wait`` ms; a call during the pause runs once when it ends. */
  function throttle(fn, wait) {
    let last = 0, timer = null;
    return () => {
      if (timer) return;
      const due = Math.max(last + wait - Date.now(), 0);
      timer = setTimeout(async () => {
        timer = null; last = Date.now();
        try { await fn(); } catch (err) { console.warn(err); }
      }, due);
    };
  }

  // --- key figures -------------------------------------------------------------------------------
  function kpi(name, value, sub) {
    const card = $(`[data-kpi="${name}"]`);
    $(".value", card).textContent = value;
    $(".sub", card).replaceChildren(...[].concat(sub));
  }

  async function loadKpis() {
    const k = await C2M.api("/api/planner/kpis");
    syncClock(k.plant_time);
    const stages = k.orders_by_stage;
    kpi("in_flight", C2M.fmtNumber(k.orders_in_flight, 0), t("planner.kpi_in_flight_sub",
      { approval: stages.awaiting_approval || 0, production: stages.in_production || 0 }));
    kpi("on_time", k.on_time_rate === null ? "—" : `${C2M.fmtNumber(k.on_time_rate * 100, 0)} %`,
      k.delivered ? t("planner.kpi_on_time_sub", { on_time: k.delivered_on_time, delivered: k.delivered,
                                                  days: C2M.fmtNumber(k.window_days, 0) })
        : t("planner.kpi_on_time_none", { days: C2M.fmtNumber(k.window_days, 0) }));
    kpi("lead", hours(k.average_lead_hours), k.average_lead_hours === null ? ""
      : t("planner.kpi_lead_sub", { promised: hours(k.average_promised_lead_hours) }));
    const units = k.wip.reduce((n, w) => n + w.remaining_units, 0);
    kpi("wip", C2M.fmtNumber(k.wip.reduce((n, w) => n + w.work_orders, 0), 0), [
      el("div", {}, t("planner.kpi_wip_sub", { units: C2M.fmtNumber(units, 0) })),
      el("ul", { class: "wip-lines" }, k.wip.filter((w) => w.work_orders).map((w) => el("li", {},
        el("strong", {}, w.line), " ", t("planner.kpi_wip_line", { count: w.work_orders, units: w.units })))),
    ]);
    $("#stage-counts").replaceChildren(...Object.entries(stages).map(([stage, n]) => el("li", {},
      el("span", { class: `badge state-${stage}` }, t(`planner.stage.${stage}`)), " ", C2M.fmtNumber(n, 0))));
  }

  // --- the line board ----------------------------------------------------------------------------
  const lines = new Map(); // line id -> its last known status (from GET /api/lines, then events)

  function drawLine(id) {
    const s = lines.get(id), card = $(`.line-card[data-line="${id}"]`);
    if (!s || !card) return;
    const field = (name) => $(`[data-field="${name}"]`, card);
    const state = field("state");
    state.className = `badge state-${stateKey(s.state_name)}`;
    state.dataset.state = s.state_name || "";
    state.textContent = stateLabel(s.state_name);
    field("speed").textContent = s.mach_speed === null || s.mach_speed === undefined ? "—"
      : t("planner.speed_value", { cur: C2M.fmtNumber(s.cur_mach_speed || 0, 1), set: C2M.fmtNumber(s.mach_speed, 1) });
    const job = s.job_order_id;
    // A c2m job id is <order>.<operation>.<attempt>; another system's job is shown as it is.
    const [orderId, op] = job ? job.split(".") : [];
    field("job").replaceChildren(...(!job ? [t("planner.no_job")] : op === undefined ? [job]
      : [el("a", { href: `/track/${encodeURIComponent(orderId)}`, "data-track-order": orderId }, orderId),
         el("span", { class: "op" }, op)]));
    field("job").title = job || "";
    const planned = s.planned_quantity || 0;
    field("counts").textContent = job ? t("planner.counts_value", { produced: s.produced_quantity ?? 0,
      defective: s.defective_quantity ?? 0, planned }) : "—";
    const progress = field("progress");
    progress.max = Math.max(planned, 1);
    progress.value = job ? Math.min(s.produced_quantity || 0, planned) : 0;
    const connection = field("connection");
    connection.className = `badge state-${s.connection}`;
    connection.textContent = t(`planner.connection.${s.connection}`);
    const stop = field("stop");
    stop.hidden = !s.stop_message && !s.stop_reason;
    stop.textContent = stop.hidden ? "" : t("planner.stop_reason", { reason: s.stop_message || `#${s.stop_reason}` });
    const until = field("unavailable");
    until.hidden = !s.unavailable_until;
    until.textContent = s.unavailable_until
      ? t("planner.unavailable_until", { time: C2M.fmtDateTime(s.unavailable_until) }) : "";
    card.classList.toggle("faulted", !stop.hidden || !!s.unavailable_until);
  }

  async function loadLines() {
    const data = await C2M.api(`/api/lines?lang=${encodeURIComponent(C2M.lang)}`);
    syncClock(data.plant_time);
    for (const s of data.lines) { lines.set(s.line, s); drawLine(s.line); }
  }

  /** Apply a line event to the board at once (the periodic re-read then confirms it). */
  function lineEvent(kind, data) {
    const s = lines.get(data.line);
    if (!s) return;
    const p = data.payload || {};
    if (kind === "line_state" || kind === "line_fault" || kind === "line_recovered") {
      if (p.state_name) { s.state = p.state; s.state_name = p.state_name; }
      if ("stop_reason" in p) s.stop_reason = p.stop_reason;
      if (kind === "line_state") s.stop_message = p.stop_reason_message || null;
      else if (kind === "line_fault") s.stop_message = p.reason || s.stop_message;
      else { s.stop_message = null; s.stop_reason = 0; }
      if ("work_order_id" in p) s.job_order_id = p.work_order_id || null;
    } else if (kind === "line_progress") {
      s.job_order_id = p.work_order_id || s.job_order_id;
      s.produced_quantity = p.produced; s.defective_quantity = p.defective;
      if (p.planned_quantity) s.planned_quantity = p.planned_quantity;
    } else if (kind === "line_connection" && p.status) {
      s.connection = p.status;
    }
    drawLine(data.line);
  }

  // --- the exceptions queue ----------------------------------------------------------------------
  async function act(button, call, done) {
    button.disabled = true;
    try { await call(); C2M.toast(done); refreshExceptions(); refreshKpis(); } catch (err) { fail(err); }
    finally { button.disabled = false; }
  }

  async function loadExceptions() {
    const data = await C2M.api("/api/planner/exceptions");
    syncClock(data.plant_time);
    PlannerExceptions.render(data.items);
  }

  // --- commands ----------------------------------------------------------------------------------
  const reschedule = () => C2M.api("/api/schedule/reschedule", { method: "POST", body: { reason: "planner console" } });
  const clearFault = (line) => C2M.api(`/api/demo/lines/${encodeURIComponent(line)}/clear`, { method: "POST" });

  document.querySelectorAll(".inject-form").forEach((form) => {
    const line = form.dataset.line;
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const body = { mode: form.elements.mode.value, reason: form.elements.reason.value.trim(),
                     duration_hours: Number(form.elements.duration_hours.value || 0) };
      act($("button[type=submit]", form), () => C2M.api(`/api/demo/lines/${encodeURIComponent(line)}/fault`,
        { method: "POST", body }), t("planner.fault_injected", { line }));
    });
    const clear = $("[data-clear-line]", form);
    clear.addEventListener("click", () => act(clear, () => clearFault(line), t("planner.fault_cleared", { line })));
  });
  PlannerExceptions.init({ act, clearFault, reschedule, stateLabel, demo: config.demo });
  const rescheduleButton = $("#reschedule");
  rescheduleButton.addEventListener("click", () => act(rescheduleButton, reschedule, t("planner.rescheduled")));

  // --- the Gantt and its work-order panel --------------------------------------------------------
  async function loadSchedule() {
    schedule = await C2M.api(`/api/schedule?hours_back=12&lang=${encodeURIComponent(C2M.lang)}`);
    syncClock(schedule.plant_time);
    drawSchedule();
  }

  function drawSchedule() {
    if (!schedule) return;
    const empty = schedule.lines.every((l) => !l.work_orders.length);
    $("#gantt-empty").hidden = !empty;
    PlannerGantt.render(schedule, plantNow(), $("#gantt-labels"), $("#gantt-scroll"));
    const chosen = PlannerGantt.selected();
    if (chosen) {
      const wo = schedule.lines.flatMap((l) => l.work_orders).find((w) => w.id === chosen);
      if (wo) PlannerWorkOrder.show(wo, schedule); // keeps the panel's form fields as they are
    }
  }

  PlannerGantt.onSelect((wo) => {
    PlannerGantt.select(wo.id);
    drawSchedule();
    PlannerWorkOrder.show(wo, schedule, true);
  });
  PlannerWorkOrder.init({
    act, close: () => { PlannerGantt.select(null); drawSchedule(); },
    // The scheduler applies commands in its next batch: look again shortly even if no event says so.
    after: () => { setTimeout(refreshSchedule, 1500); setTimeout(refreshSchedule, 4000); },
  });

  // --- live updates ------------------------------------------------------------------------------
  const refreshSchedule = throttle(loadSchedule, 1000);
  const refreshLines = throttle(loadLines, 2000);
  const refreshExceptions = throttle(loadExceptions, 1000);
  const refreshKpis = throttle(loadKpis, 3000);
  const SCHEDULE_KINDS = new Set(["schedule_solved", "rescheduled", "work_order_started", "work_order_completed",
                                  "work_order_aborted", "work_order_held", "work_order_resumed",
                                  "work_order_reissued"]);
  const EXCEPTION_KINDS = new Set(["stage", "delay", "held", "released", "hold_requested", "release_requested",
                                   "approval_decided", "approval_escalated",
                                   "line_state", "line_fault", "line_recovered", "line_connection", "goods_received",
                                   "planner_exception", "asn_received", "po_placed", "po_cancelled", "po_switched"]);
  C2M.stream("/api/plant/events", (kind, data) => {
    if (kind.startsWith("line_")) { lineEvent(kind, data); refreshLines(); }
    if (SCHEDULE_KINDS.has(kind)) { refreshSchedule(); refreshLines(); refreshKpis(); }
    if (EXCEPTION_KINDS.has(kind)) { refreshExceptions(); refreshKpis(); }
    if (kind.startsWith("simulation_")) PlannerWhatIf.event(kind, data);
  });
  PlannerWhatIf.init({ lines: config.lines }).catch(fail);

  const clock = $("#plant-clock");
  setInterval(() => {
    const now = plantNow();
    clock.textContent = C2M.fmtDateTime(new Date(now).toISOString());
    PlannerGantt.tick(now);
  }, 1000);
  setInterval(refreshKpis, 10000);
  setInterval(refreshSchedule, 30000);
  setInterval(refreshLines, 15000);
  clock.textContent = C2M.fmtDateTime(new Date(plantNow()).toISOString());
  Promise.all([loadKpis(), loadLines(), loadExceptions(), loadSchedule()]).catch(fail);
  // Signed in with a role that only reads (an integrator): say why the steering controls are not offered.
  C2M.me().then((me) => {
    if (!me || C2M.may(me, "steer the plant schedule")) return;
    const note = $("#read-only");
    note.textContent = t("planner.read_only", { role: t(`common.role.${me.role}`) });
    note.hidden = false;
  });
})();
