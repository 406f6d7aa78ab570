/* c2m pages: shared helpers (JSON API calls, live streams, locale formatting, messages). Plain JS. */
"use strict";
const C2M = (() => {
  const lang = document.body.dataset.lang || "en";
  const messages = JSON.parse(document.getElementById("c2m-messages")?.textContent || "{}");
  // Dates and money follow the reader: the browser's own locale when it speaks the page's language.
  const family = lang.split("-")[0];
  const locale = (navigator.languages || []).find((l) => l.split("-")[0] === family) || lang;

  function t(key, values) {
    let text = messages[key] || key;
    for (const [k, v] of Object.entries(values || {})) text = text.replaceAll(`{${k}}`, String(v));
    return text;
  }

  /** The access token: a tracker link's ?token=, else the one saved on this device. */
  function token() {
    return new URLSearchParams(location.search).get("token") || localStorage.getItem("c2m.token") || "";
  }

  /** Call the JSON API; a non-2xx answer throws an Error carrying status and the API's detail. */
  async function api(path, options = {}) {
    const headers = { Accept: "application/json", ...(options.headers || {}) };
    const tok = token();
    if (tok) headers.Authorization = `Bearer ${tok}`;
    let body = options.body;
    if (body !== undefined && typeof body !== "string") {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    const resp = await fetch(path, { method: options.method || "GET", headers, body });
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    if (!resp.ok) {
      let detail = data && data.detail !== undefined ? data.detail : data;
      // A rejected quote lists its problems beside `detail`: fold them in so every 422 reads the same.
      if (typeof detail === "string" && data && Array.isArray(data.errors)) {
        detail = { message: detail, errors: data.errors };
      }
      const message = typeof detail === "string" ? detail : (detail && detail.message) || `HTTP ${resp.status}`;
      const err = new Error(message);
      err.status = resp.status;
      err.detail = detail;
      throw err;
    }
    return data;
  }

  // Event kinds the system writes (SSE names each event by its kind; EventSource has no wildcard).
  const ALL_KINDS = [
    "stage", "delay", "held", "released", "hold_requested", "release_requested", "approval_decided",
    "approval_escalated", "configuration_changed", "compensation", "line_state", "line_progress", "line_fault",
    "line_recovered", "line_connection", "line_available", "line_unavailable", "work_order_started",
    "work_order_completed", "work_order_aborted", "work_order_held", "work_order_resumed",
    "work_order_reissued", "schedule_solved", "rescheduled", "unbooked", "booking_refused", "planner_command",
    "planner_command_refused", "planner_exception", "sourcing", "po_placed", "po_rejected", "po_unanswered",
    "po_refused", "po_cancelled", "po_switched", "po_expedite", "asn_received", "goods_received",
    "surplus_received", "adapter_message",
  ];

  /**
   * Follow a server-sent event stream: onEvent(kind, data, id) for each event, in order, once.
   * The browser resumes with Last-Event-ID after a drop; if the stream closes for good we reopen it
   * with ?after=<last id>. The header badge shows live / reconnecting.
   */
  function stream(url, onEvent, kinds = ALL_KINDS) {
    const badge = document.getElementById("live-status");
    let lastId = 0;
    let source = null;
    const show = (state) => {
      if (!badge) return;
      badge.hidden = false;
      badge.className = `live-status ${state}`;
      badge.textContent = t(`common.${state}`);
      badge.dataset.state = state;
    };
    const open = () => {
      const u = new URL(url, location.href);
      const tok = token();
      if (tok) u.searchParams.set("token", tok);
      if (lastId) u.searchParams.set("after", String(lastId));
      source = new EventSource(u);
      source.onopen = () => show("live");
      source.onerror = () => {
        show("reconnecting");
        if (source.readyState === EventSource.CLOSED) setTimeout(open, 2000);
      };
      const handle = (ev) => {
        const id = Number(ev.lastEventId || 0);
        if (id && id <= lastId) return; // already seen (never expected, but harmless)
        if (id) lastId = id;
        let data = {};
        try { data = JSON.parse(ev.data); } catch { /* a comment or malformed line */ }
        onEvent(ev.type, data, id);
      };
      for (const kind of kinds) source.addEventListener(kind, handle);
      source.addEventListener("message", handle);
    };
    open();
    return { close: () => source && source.close(), lastId: () => lastId };
  }

  const fmtDate = (iso, opts) => iso ? new Intl.DateTimeFormat(locale, opts || { dateStyle: "medium" })
    .format(new Date(iso)) : "—";
  const fmtDateTime = (iso) => fmtDate(iso, { dateStyle: "medium", timeStyle: "short" });
  const fmtMoney = (amount, currency) => amount === null || amount === undefined ? "—" :
    new Intl.NumberFormat(locale, { style: "currency", currency: currency || "EUR" }).format(Number(amount));
  const fmtNumber = (n, digits) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits ?? 1 })
    .format(Number(n));

  /** Format server-rendered values in the reader's locale: <time datetime data-fmt>, [data-money]. */
  function localise(root = document) {
    root.querySelectorAll("time[datetime]").forEach((el) => {
      el.textContent = el.dataset.fmt === "date" ? fmtDate(el.getAttribute("datetime"))
        : fmtDateTime(el.getAttribute("datetime"));
    });
    root.querySelectorAll("[data-money]").forEach((el) => {
      el.textContent = fmtMoney(el.dataset.money, el.dataset.currency);
    });
  }

  /** A tiny DOM builder: el("td", {class: "x"}, "text", child). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined && c !== false)
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }

  function toast(message, bad = false) {
    const node = el("div", { class: `toast${bad ? " bad" : ""}`, role: "status" }, message);
    document.body.append(node);
    setTimeout(() => node.remove(), 5000);
  }

  // Switching language keeps the rest of the address (a tracker link's token, a selected product).
  document.addEventListener("click", (ev) => {
    const link = ev.target.closest && ev.target.closest("[data-lang-switch]");
    if (!link) return;
    ev.preventDefault();
    const u = new URL(location.href);
    u.searchParams.set("lang", link.dataset.langSwitch);
    location.assign(u);
  });
  document.addEventListener("DOMContentLoaded", () => localise());
  return { lang, locale, t, token, api, stream, fmtDate, fmtDateTime, fmtMoney, fmtNumber, localise, el, toast,
           ALL_KINDS };
})();
