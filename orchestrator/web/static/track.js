/* The order tracker: renders the order from its JSON, then keeps it live from the order's event stream.
   Milestones re-read GET /api/orders/{id} (throttled); line state and progress update the panel directly. */
"use strict";
(() => {
  const data = JSON.parse(document.getElementById("track-data").textContent);
  const { t, el } = C2M;
  const $ = (id) => document.getElementById(id);
  const orderUrl = `/api/orders/${encodeURIComponent(data.order.id)}`;
  const TRAIL = new Set(data.trail_kinds);
  const REFRESH = new Set([...data.trail_kinds, "compensation"]);
  const RANK = { planned: 0, released: 1, running: 2, held: 2, completed: 3, aborted: 3, withdrawn: 3 };
  const EVENT_STATE = { work_order_started: "running", work_order_resumed: "running", work_order_held: "held",
                        work_order_completed: "completed", work_order_aborted: "aborted" };

  let order = data.order;
  // May the signed-in key cancel or change this order? null until GET /api/me answered. The tracking link
  // alone only reads: the order's customer (their key on this device) or staff who may act on it can.
  let mayAct = null;
  const live = {};        // work order id -> {produced, defective, state} learnt from the stream
  const lineState = {};   // line id -> {name, stop, job} from line_state events
  const delays = new Map(); // event id -> delay event
  const shown = new Set();  // event ids listed in the history

  const time = (iso) => iso ? el("time", { datetime: iso }, C2M.fmtDateTime(iso)) : "";
  const at = (iso) => (iso ? Date.parse(iso) : NaN);
  const starts = (w) => at(w.actual_start || w.planned_start) || Infinity;
  const stageName = (stage) => t(`track.stage.${stage}`);

  // --- the order as it stands ------------------------------------------------------------------------

  /** The latest attempt of each operation, with what the stream has said since the last read. */
  function workOrders() {
    const latest = new Map();
    for (const w of order.work_orders) {
      const prev = latest.get(w.op_id);
      if (!prev || w.attempt >= prev.attempt) latest.set(w.op_id, w);
    }
    return [...latest.values()].map((w) => {
      const l = live[w.id] || {};
      const state = l.state && RANK[l.state] >= RANK[w.state] ? l.state : w.state;
      return { ...w, state, actual_start: w.actual_start || l.start, actual_end: w.actual_end || l.end,
               produced: Math.max(w.produced, l.produced ?? 0),
               defective: Math.max(w.defective, l.defective ?? 0) };
    }).sort((a, b) => (starts(a) - starts(b)) || 0);
  }

  /** The work order the customer watches: the one on a line, else the next, else the last finished. */
  function focus(wos) {
    return wos.find((w) => w.state === "running" || w.state === "held")
      || wos.find((w) => w.state === "planned" || w.state === "released")
      || [...wos].reverse().find((w) => w.state === "completed") || null;
  }

  /** The milestone timeline; the same rules as ``timeline`` in orchestrator/web/routes/track.py. */
  function timeline() {
    const reached = {};
    let hold = null;
    for (const m of order.milestones) {
      if (m.kind === "stage" && m.payload.stage) reached[m.payload.stage] = m.plant_time;
      else if (m.kind === "held") hold = m.plant_time;
      else if (m.kind === "released") hold = null;
    }
    const status = order.status;
    const path = data.happy_path.filter((s) => !data.optional.includes(s) || s in reached || s === status);
    if (!path.includes(status)) {
      return [...path.filter((s) => s in reached).map((s) => ({ stage: s, state: "done", at: reached[s] })),
              { stage: status, state: "end", at: reached[status] }];
    }
    const here = path.indexOf(status);
    const steps = [];
    path.forEach((stage, i) => {
      const state = i < here || status === "delivered" ? "done" : i === here ? "current" : "pending";
      steps.push({ stage, state, at: i <= here ? reached[stage] : null });
      if (i === here && hold) steps.push({ stage: "on_hold", state: "hold", at: hold });
    });
    return steps;
  }

  // --- rendering -------------------------------------------------------------------------------------

  function renderOrder() {
    const badge = $("status-badge");
    badge.className = `badge state-${order.status}`;
    badge.dataset.status = order.status;
    badge.textContent = stageName(order.status);
    const steps = timeline();
    $("timeline").replaceChildren(...steps.map((s) => el("li",
      { class: s.state, dataset: { stage: s.stage, state: s.state } },
      el("span", { class: "step-name" }, stageName(s.stage)), " ", time(s.at))));
    renderBanner(steps.some((s) => s.state === "hold"));
    $("promised").textContent = C2M.fmtDateTime(order.promised_date);
    $("eta").setAttribute("datetime", order.eta || order.promised_date);
    $("eta").textContent = C2M.fmtDateTime(order.eta || order.promised_date);
    $("eta-box").classList.toggle("late", Boolean(order.eta && at(order.eta) > at(order.promised_date)));
    for (const m of order.milestones) if (m.kind === "delay") delays.set(m.id, m);
    renderDelays();
    renderProduct();
    renderLive();
  }

  function renderBanner(held) {
    const s = order.status;
    let banner = null;
    if (s === "delivered") banner = ["ok", s, t("track.banner.delivered_text")];
    else if (["cancelled", "rejected", "failed"].includes(s)) banner = ["bad", s, order.status_reason];
    else if (s === "awaiting_approval") banner = ["", s, t("track.banner.awaiting_approval_text")];
    else if (held) banner = ["", "on_hold", t("track.banner.on_hold_text")];
    if (!banner) { $("banner").replaceChildren(); return; }
    const [look, name, text] = banner;
    $("banner").replaceChildren(el("div", { class: `notice ${look} banner`, dataset: { banner: name } },
      el("strong", {}, t(`track.banner.${name}`)), text ? el("p", {}, text) : null));
  }

  function renderDelays() {
    const items = [...delays.values()].sort((a, b) => a.id - b.id).map((d) => el("div",
      { class: "notice delay", dataset: { eventId: d.id } },
      el("strong", {}, t("track.delay_title")), el("p", {}, t("track.delay_apology")),
      el("p", {}, t("track.delay_new_date"), " ", time(d.payload.new_date), " · ",
        t("track.delay_late_by", { hours: C2M.fmtNumber(d.payload.late_by_hours || 0) }))));
    $("notices").replaceChildren(...items);
  }

  let shownOptions = JSON.stringify(order.options);
  function renderProduct() {
    $("quantity").textContent = String(order.quantity);
    $("price").textContent = C2M.fmtMoney(order.price_total, order.currency);
    if (JSON.stringify(order.options) === shownOptions) return;
    shownOptions = JSON.stringify(order.options);
    $("options").replaceChildren(...Object.entries(order.options).map(([id, value]) =>
      el("div", {}, el("dt", {}, data.options[id]?.label || id), el("dd", {}, optionText(data.options[id], value)))));
    const colour = data.colours[order.options[data.colour_option]];
    if (colour) $("product-svg").style.setProperty("--product-colour", colour);
  }

  function optionText(spec, value) {
    if (!spec) return String(value);
    if (typeof value === "boolean") return value ? t("track.yes") : t("track.no");
    if (Array.isArray(value)) return value.map((v) => spec.choices[v] || v).join(", ") || t("common.none");
    if (typeof value === "string" && spec.choices[value]) return spec.choices[value];
    return spec.unit ? `${value} ${spec.unit}` : String(value);
  }

  /** What moves while the order is made: the production panel, the line view, the work orders, actions. */
  function renderLive() {
    const wos = workOrders();
    const current = focus(wos);
    renderProduction(current, wos);
    C2MLineView.render($("line-view"), current, current && data.lines[current.line],
                       current && lineStateOf(current));
    $("work-order-rows").replaceChildren(...(wos.length ? wos.map((w) => el("tr", { dataset: { workOrder: w.id } },
      el("td", { class: "op" }, w.name || w.op_id),
      el("td", { class: "line", title: data.lines[w.line]?.name }, w.line),
      el("td", { class: "state" }, el("span", { class: `badge state-${w.state}` }, t(`track.wo.${w.state}`))),
      el("td", { class: "window" }, ...windowOf(w)))) :
      [el("tr", {}, el("td", { colspan: 4, class: "muted" }, t("track.no_work_orders")))]));
    renderActions(wos);
  }

  function windowOf(w) {
    if (w.actual_start && w.actual_end) return [time(w.actual_start), " – ", time(w.actual_end)];
    if (w.actual_start) return [`${t("track.since")} `, time(w.actual_start)];
    if (!w.planned_start) return ["—"];
    return [`${t("track.planned")} `, time(w.planned_start), " – ", time(w.planned_end)];
  }

  function lineStateOf(w) {
    const known = lineState[w.line];
    if (known && known.name && (!known.job || known.job === w.id)) return known;
    const line = data.lines[w.line];
    return line && line.job === w.id && line.state_name ? { name: line.state_name, stop: line.stop_message } : null;
  }

  function renderProduction(w, wos) {
    const body = $("production-body");
    if (!w) { body.replaceChildren(el("p", { class: "muted" }, t("track.production_not_yet"))); return; }
    const line = data.lines[w.line] || { name: w.line };
    const state = lineStateOf(w);
    const onLine = w.state === "running" || w.state === "held";
    const fact = (label, ...value) => el("div", {}, el("dt", {}, label), el("dd", {}, ...value));
    const stop = w.state === "held" ? (state && state.stop) || w.stop_reason || live[w.id]?.reason : null;
    body.replaceChildren(el("div", { class: "prod", dataset: { workOrder: w.id, line: w.line, state: w.state,
                                                              produced: w.produced, planned: w.quantity } },
      el("p", { class: "prod-op" }, w.name || w.op_id, " ",
        el("span", { class: `badge state-${w.state}` }, t(`track.wo.${w.state}`))),
      el("dl", { class: "prod-facts" },
        fact(t("track.wo_line"),
          el("span", { id: "prod-line" }, line.name === w.line ? w.line : `${line.name} (${w.line})`)),
        fact(t("track.line_state"), state ? el("span", { id: "line-state", dataset: { state: state.name },
          class: `badge state-${state.name.toLowerCase()}` }, t(`track.packml.${state.name.toLowerCase()}`)) : "—"),
        fact(t("track.units"),
          el("span", { id: "prod-counts" }, t("track.produced_of", { produced: w.produced, planned: w.quantity }))),
        fact(t("track.defective"), el("span", { id: "prod-defective" }, String(w.defective)))),
      el("progress", { max: Math.max(1, w.quantity), value: Math.min(w.produced, w.quantity) }),
      stop ? el("p", { class: "notice bad stop" }, t("track.stop_reason", { reason: stop })) : null,
      w.state === "completed" && wos.every((o) => o.state === "completed") ?
        el("p", { class: "notice ok all-done" }, t("track.all_done", { n: wos.length })) : null,
      !onLine && w.state !== "completed" && w.planned_start ?
        el("p", { class: "muted" }, t("track.starts_at"), " ", time(w.planned_start)) : null));
  }

  function renderActions(wos) {
    const s = order.status;
    const terminal = ["delivered", "cancelled", "rejected", "failed"].includes(s);
    const canCancel = !data.no_cancel.includes(s);
    const canChange = data.changeable.includes(s) && !wos.some((w) => data.started_states.includes(w.state));
    $("actions").hidden = terminal;
    $("actions-sign-in").hidden = mayAct !== false || (!canCancel && !canChange);
    $("cancel-button").hidden = !canCancel || mayAct === false;
    $("cancel-closed").hidden = canCancel;
    $("change-box").hidden = !canChange || mayAct === false || !$("change-form").querySelector("[data-option]");
    $("change-closed").hidden = canChange || !canCancel;
  }

  // --- history -----------------------------------------------------------------------------------------

  function historyText(kind, p) {
    const op = (p.work_order_id && order.work_orders.find((w) => w.id === p.work_order_id)?.name) || p.op_id || "";
    const values = { ...p, op, line: p.line || "", stage: p.stage ? stageName(p.stage) : "",
                     reason: p.reason || p.comment || "", new_date: p.new_date ? C2M.fmtDateTime(p.new_date) : "" };
    if (kind === "approval_decided") return t(p.approved ? "track.event.approved" : "track.event.rejected", values);
    const text = t(`track.event.${kind}`, values);
    return kind === "stage" && values.reason ? `${text}: ${values.reason}` : text;
  }

  /** List one event in the history. Only the first render and the stream add here (never a re-read), so
      the history shows exactly what the stream delivered: nothing missing, nothing twice. */
  function addHistory(id, kind, plantTime, payload) {
    if (!id || shown.has(id) || !TRAIL.has(kind)) return;
    shown.add(id);
    const item = el("li", { dataset: { eventId: id, kind } }, time(plantTime), " ",
                    el("span", {}, historyText(kind, payload)));
    const list = $("history");
    const after = [...list.children].find((li) => Number(li.dataset.eventId) < id);
    list.insertBefore(item, after || null); // newest first, in id order even if an older one comes late
  }

  // --- live ------------------------------------------------------------------------------------------

  /** A milestone from the stream changes the order at once; the re-read that follows confirms it. */
  function apply(id, kind, ev) {
    if (order.milestones.some((m) => m.id === id)) return;
    const p = ev.payload || {};
    const milestones = [...order.milestones, { id, kind, plant_time: ev.plant_time, payload: p }];
    order = { ...order, milestones, ...(kind === "stage" && p.stage ? { status: p.stage } : {}),
              ...(kind === "delay" && p.new_date ? { eta: p.new_date } : {}) };
    renderOrder();
  }

  /** A re-read may have started before the newest milestones: keep those the stream has shown since. */
  function merge(fresh) {
    const last = Math.max(0, ...fresh.milestones.map((m) => m.id));
    const newer = order.milestones.filter((m) => m.id > last);
    const stage = newer.filter((m) => m.kind === "stage" && m.payload.stage).pop();
    // The API gives operation names in the catalog's English; show the page language's where known.
    const names = data.operation_names || {};
    const workOrders = fresh.work_orders.map((w) => (names[w.name] ? { ...w, name: names[w.name] } : w));
    return { ...fresh, work_orders: workOrders, milestones: [...fresh.milestones, ...newer],
             ...(stage ? { status: stage.payload.stage } : {}) };
  }

  let fetching = false;
  let again = false;
  /** Re-read the order; calls during a read coalesce into one more read afterwards. */
  async function refresh() {
    if (fetching) { again = true; return; }
    fetching = true;
    try {
      order = merge(await C2M.api(orderUrl, { tracking: true }));
      renderOrder();
    } catch (err) {
      if (!err.handled) C2M.toast(t("track.refresh_failed", { message: err.message }), true);
    } finally {
      fetching = false;
      if (again) { again = false; setTimeout(refresh, 200); }
    }
  }

  function onEvent(kind, ev, id) {
    const p = ev.payload || {};
    addHistory(id, kind, ev.plant_time, p);
    if (kind === "line_state" && ev.line) {
      lineState[ev.line] = { name: p.state_name || "", stop: p.stop_reason_message, job: p.work_order_id };
      renderLive();
    } else if (kind === "line_progress" && p.work_order_id) {
      live[p.work_order_id] = { ...live[p.work_order_id], produced: p.produced, defective: p.defective };
      renderLive();
    } else if (EVENT_STATE[kind] && p.work_order_id) {
      const known = live[p.work_order_id] || {};
      const ended = kind === "work_order_completed" || kind === "work_order_aborted";
      live[p.work_order_id] = { ...known, state: EVENT_STATE[kind], reason: p.reason, produced: p.produced,
                                defective: p.defective, end: ended ? p.at : null,
                                start: known.start || (kind === "work_order_started" ? p.at : null) };
      renderLive();
    } else if (kind === "stage" || kind === "delay" || kind === "held" || kind === "released") {
      apply(id, kind, ev);
    }
    if (REFRESH.has(kind)) refresh();
  }

  // --- actions -----------------------------------------------------------------------------------------

  /** The API's refusal in words: its message, or each field problem of a 422. */
  function problem(err) {
    if (!Array.isArray(err.detail)) return err.message;
    return err.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
  }

  const dialog = $("cancel-dialog");
  $("cancel-button").addEventListener("click", () => { dialog.returnValue = ""; dialog.showModal(); });
  dialog.addEventListener("close", async () => {
    if (dialog.returnValue !== "confirm") return;
    const reason = $("cancel-reason").value.trim();
    $("cancel-button").disabled = true;
    try {
      await C2M.api(`${orderUrl}/cancel`, { method: "POST", body: reason ? { reason } : {} });
      C2M.toast(t("track.cancel_requested"));
      refresh();
    } catch (err) {
      if (!err.handled) C2M.toast(t("track.cancel_refused", { message: problem(err) }), true);
    } finally {
      $("cancel-button").disabled = false;
    }
  });

  $("change-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const options = {};
    for (const field of form.querySelectorAll("[data-option]")) {
      const id = field.dataset.option;
      const input = field.querySelector("select, input");
      const type = field.dataset.type;
      if (type === "boolean") options[id] = input.checked;
      else if (type === "multi_choice") options[id] = [...field.querySelectorAll(":checked")].map((i) => i.value);
      else if (input.value !== "") options[id] = type === "number" ? Number(input.value) : input.value;
    }
    const quantity = Number($("change-quantity").value);
    const error = $("change-error");
    const button = $("change-submit");
    error.hidden = true;
    if (!Number.isInteger(quantity) || quantity < 1) {
      error.textContent = t("track.quantity_invalid");
      error.hidden = false;
      return;
    }
    button.disabled = true;
    button.textContent = t("track.change_saving");
    try {
      await C2M.api(`${orderUrl}/changes`, { method: "POST", body: { options, quantity } });
      C2M.toast(t("track.change_saved"));
      refresh();
    } catch (err) {
      error.textContent = t("track.change_refused", { message: problem(err) });
      error.hidden = false;
    } finally {
      button.disabled = false;
      button.textContent = t("track.change_save");
    }
  });

  // --- start -------------------------------------------------------------------------------------------

  $("actions-sign-in-button").addEventListener("click", () => document.dispatchEvent(new CustomEvent("c2m:sign-in")));
  for (const m of order.milestones) addHistory(m.id, m.kind, m.plant_time, m.payload);
  renderOrder();
  C2M.me().then((me) => {
    mayAct = Boolean(me && ((me.role === "customer" && me.customer_id === order.customer_id)
                            || C2M.may(me, "cancel or change any order")));
    renderLive();
  });
  const kinds = [...new Set([...C2M.ALL_KINDS, ...data.trail_kinds])];
  let stream = null;
  let resumeAfter = data.after;
  const follow = () => {
    stream = stream || C2M.stream(`${orderUrl}/events?after=${resumeAfter}`, onEvent, kinds, { tracking: true });
  };
  const track = {
    order: () => order,
    lastEventId: () => Math.max(resumeAfter, stream ? stream.lastId() : 0),
    /** Close the stream (a hidden page holds no connection open); ``resume`` continues after the last event. */
    pause() { resumeAfter = track.lastEventId(); if (stream) stream.close(); stream = null; },
    resume: follow,
  };
  document.addEventListener("visibilitychange", () => (document.hidden ? track.pause() : track.resume()));
  follow();
  window.C2MTrack = track;
})();
