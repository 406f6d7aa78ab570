/* The planner console's exceptions queue: what needs the planner, said in the reader's language, with the
   actions for each kind (approve/reject with a comment, hold/release, clear a demo fault, reschedule). */
"use strict";
const PlannerExceptions = (() => {
  const { el, t } = C2M;
  const $ = (sel, root = document) => root.querySelector(sel);
  let hooks = { act: async () => {}, clearFault: async () => {}, reschedule: async () => {},
                stateLabel: (name) => name, demo: false };

  // A row is rebuilt when its actions change (e.g. a delayed order put on hold now offers release).
  const keyOf = (e) => [e.kind, e.order_id, e.line, e.po_id, ...e.actions].filter(Boolean).join(":");

  function summary(e) {
    const d = e.details || {};
    const when = (iso) => (iso ? C2M.fmtDateTime(iso) : "—");
    if (e.kind === "approval") {
      const reasons = (d.reasons || []).map((r) => t(`planner.reason.${r}`, { text: d.special_requests || "",
        threshold: C2M.fmtMoney(d.value_threshold, d.currency), max: d.max_quantity }));
      const value = C2M.fmtMoney(d.value, d.currency);
      return [t("planner.approval_summary", { quantity: d.quantity, sku: d.sku, value }),
              ...reasons.map((r) => el("span", { class: "reason" }, r)),
              d.escalated ? el("span", { class: "badge warn" }, t("planner.escalated")) : null];
    }
    if (e.kind === "on_hold") return [t("planner.on_hold_summary", { stage: t(`planner.stage.${d.stage}`) })];
    if (e.kind === "delayed_order") {
      return [d.still_late ? t("planner.delayed_summary", { eta: when(d.eta), promised: when(d.promised_date),
        hours: C2M.fmtNumber(d.late_by_hours || 0, 1) })
        : t("planner.delayed_recovered", { eta: when(d.eta), promised: when(d.promised_date) })];
    }
    if (e.kind === "line_fault") {
      const name = `${e.line} ${d.name || ""}`.trim();
      if (d.stop_reason && d.state_name) {
        const state = hooks.stateLabel(d.state_name);
        return [t("planner.line_fault_summary", { name, state, reason: d.reason || "" })];
      }
      if (d.fault_until) {
        return [t("planner.line_planned_out", { name, until: when(d.fault_until), reason: d.reason || "" })];
      }
      return [t("planner.line_link_lost", { name })];
    }
    if (e.kind === "late_supplier") {
      return [t("planner.late_supplier_summary", { supplier: e.supplier, quantity: C2M.fmtNumber(d.quantity, 2),
        unit: d.unit, item: d.item, po: e.po_id, promised: when(d.promised_delivery) })];
    }
    return [e.summary];
  }

  function actions(e) {
    const out = [], order = e.order_id;
    const orderCall = (name, body) => () => C2M.api(`/api/orders/${encodeURIComponent(order)}/${name}`,
                                                    { method: "POST", body });
    if (e.actions.includes("approve")) {
      const comment = el("input", { name: "comment", maxlength: 2000, "aria-label": t("planner.comment"),
                                    placeholder: t("planner.comment_placeholder") });
      const error = el("div", { class: "field-error", hidden: true });
      const field = el("div", { class: "field comment needs-steering" }, comment, error);
      const approve = el("button", { type: "button", class: "needs-steering", "data-action": "approve" },
                         t("planner.approve"));
      const reject = el("button", { type: "button", class: "danger needs-steering", "data-action": "reject" },
                        t("planner.reject"));
      approve.addEventListener("click", () => hooks.act(approve,
                                                        orderCall("approve", { comment: comment.value.trim() }),
                                                  t("planner.approved", { order })));
      reject.addEventListener("click", () => {
        const text = comment.value.trim();
        field.classList.toggle("invalid", !text);
        error.hidden = !!text;
        error.textContent = text ? "" : t("planner.reject_needs_comment");
        if (text) hooks.act(reject, orderCall("reject", { comment: text }), t("planner.rejected", { order }));
        else comment.focus();
      });
      out.push(field, approve, reject);
    }
    for (const name of ["hold", "release"]) if (e.actions.includes(name)) {
      const b = el("button", { type: "button", class: "secondary needs-steering", "data-action": name },
                   t(`planner.${name}`));
      const done = t(`planner.${name === "hold" ? "held" : "released"}`, { order });
      b.addEventListener("click", () => hooks.act(b, orderCall(name), done));
      out.push(b);
    }
    if (e.actions.includes("clear_fault") && hooks.demo) {
      const b = el("button", { type: "button", class: "secondary needs-fault-injection",
                               "data-action": "clear_fault" }, t("planner.clear_fault"));
      const done = t("planner.fault_cleared", { line: e.line });
      b.addEventListener("click", () => hooks.act(b, () => hooks.clearFault(e.line), done));
      out.push(b);
    }
    if (e.actions.includes("reschedule")) {
      const b = el("button", { type: "button", class: "secondary needs-steering", "data-action": "reschedule" },
                   t("planner.reschedule"));
      b.addEventListener("click", () => hooks.act(b, hooks.reschedule, t("planner.rescheduled")));
      out.push(b);
    }
    return out;
  }

  function exceptionItem(e) {
    const tracker = e.tracking_url || (e.order_id ? `/track/${encodeURIComponent(e.order_id)}` : null);
    return el("li", { class: `exception kind-${e.kind}`, "data-key": keyOf(e), "data-kind": e.kind,
                      "data-order": e.order_id, "data-line": e.line },
      el("div", { class: "exc-head" },
        el("span", { class: `badge kind kind-${e.kind}` }, t(`planner.kind.${e.kind}`)),
        tracker ? el("a", { href: tracker, title: t("planner.open_tracker"),
                            "data-track-order": e.tracking_url ? null : e.order_id }, e.order_id)
          : el("strong", {}, e.line),
        e.supplier ? el("span", {}, e.supplier) : null,
        el("span", { class: "muted since", "data-since": e.since })),
      el("p", { class: "exc-summary" }),
      el("div", { class: "actions" }, actions(e)));
  }

  /** Show ``items`` (oldest first). Rows are kept, not rebuilt, so a comment being typed survives a refresh. */
  function render(items) {
    const list = $("#exceptions"), present = new Map([...list.children].map((li) => [li.dataset.key, li]));
    items.forEach((e, i) => {
      const li = present.get(keyOf(e)) || exceptionItem(e);
      present.delete(keyOf(e));
      $(".exc-summary", li).replaceChildren(...summary(e).filter(Boolean));
      $(".since", li).textContent = t("planner.since", { time: C2M.fmtDateTime(e.since) });
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    });
    for (const gone of present.values()) gone.remove();
    const count = $("#exceptions-count");
    count.textContent = String(items.length);
    count.className = `badge${items.length ? " bad" : " ok"}`;
    $("#exceptions-empty").textContent = t("planner.no_exceptions");
    $("#exceptions-empty").hidden = items.length > 0;
  }

  return { init(h) { hooks = { ...hooks, ...h }; }, render };
})();
