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

  // --- who is calling ------------------------------------------------------------------------------
  // An API key (c2m_…) says who calls: kept on this device, sent as `Authorization: Bearer` (and as
  // ?access_token= on streams, which cannot send headers). A tracker link's ?token= is no key: it reads one
  // order, so it goes only on that order's own calls, as ?token=, never as a bearer header.
  const KEY_STORE = "c2m.key";
  const saved = {
    get() { try { return localStorage.getItem(KEY_STORE) || ""; } catch { return ""; } },
    set(value) {
      try { if (value) localStorage.setItem(KEY_STORE, value); else localStorage.removeItem(KEY_STORE); }
      catch { /* storage switched off: the key lasts as long as the page */ }
    },
  };

  /** A key handed over in the address's fragment (#key=…, which browsers never send) is kept on this device
      and removed from the address bar, so it is neither bookmarked nor shared with the link. */
  (function adoptFragmentKey() {
    const params = new URLSearchParams(location.hash.slice(1));
    const given = (params.get("key") || "").trim();
    if (!given) return;
    saved.set(given);
    params.delete("key");
    const rest = params.toString();
    history.replaceState(history.state, "", `${location.pathname}${location.search}${rest ? `#${rest}` : ""}`);
  })();

  const key = () => saved.get();
  const trackingToken = () => new URLSearchParams(location.search).get("token") || "";
  let mePromise = null;

  /** Keep ``value`` as this device's key ("" forgets it); who it is is asked again. */
  function setKey(value) {
    saved.set(value);
    mePromise = null;
  }

  function withParam(path, name, value) {
    const u = new URL(path, location.href);
    u.searchParams.set(name, value);
    return u.origin === location.origin ? u.pathname + u.search : u.href;
  }

  /** Tell the page's sign-in control: "c2m:unauthorized" (no valid key) or "c2m:forbidden" (role lacks it). */
  function announce(status, message) {
    const name = status === 401 ? "c2m:unauthorized" : "c2m:forbidden";
    document.dispatchEvent(new CustomEvent(name, { detail: { message } }));
  }

  /**
   * Call the JSON API; a non-2xx answer throws an Error carrying status and the API's detail.
   * Options: method, body, headers; ``tracking`` adds the page's tracking token (the tracker's order calls);
   * ``key`` overrides the saved key ("" for none); ``quiet`` keeps a 401/403 from being announced.
   * An announced refusal is marked ``err.handled``: the page need not report it again.
   */
  async function api(path, options = {}) {
    const headers = { Accept: "application/json", ...(options.headers || {}) };
    const sent = options.key !== undefined ? options.key : key();
    if (sent) headers.Authorization = `Bearer ${sent}`;
    const tracking = options.tracking ? trackingToken() : "";
    let body = options.body;
    if (body !== undefined && typeof body !== "string") {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(body);
    }
    const resp = await fetch(tracking ? withParam(path, "token", tracking) : path,
                             { method: options.method || "GET", headers, body });
    const text = await resp.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = text; }
    if (!resp.ok) {
      // A saved key that no longer works must not hide what the tracking link may read.
      if (resp.status === 401 && sent && tracking) return api(path, { ...options, key: "" });
      let detail = data && data.detail !== undefined ? data.detail : data;
      // A rejected quote lists its problems beside `detail`: fold them in so every 422 reads the same.
      if (typeof detail === "string" && data && Array.isArray(data.errors)) {
        detail = { message: detail, errors: data.errors };
      }
      const message = typeof detail === "string" ? detail : (detail && detail.message) || `HTTP ${resp.status}`;
      const err = new Error(message);
      err.status = resp.status;
      err.detail = detail;
      if ((resp.status === 401 || resp.status === 403) && !options.quiet) {
        announce(resp.status, message);
        err.handled = true;
      }
      throw err;
    }
    return data;
  }

  /** Who the saved key is (GET /api/me: name, role, permissions), or null without a valid key. Asked once. */
  function me() {
    if (!mePromise) {
      mePromise = !key() ? Promise.resolve(null) : api("/api/me", { quiet: true }).catch((err) => {
        if (err.status === 401) document.dispatchEvent(new CustomEvent("c2m:key-invalid"));
        return null;
      });
    }
    return mePromise;
  }

  const may = (who, permission) => Boolean(who && who.permissions && who.permissions.includes(permission));

  // Event kinds the system writes (SSE names each event by its kind; EventSource has no wildcard).
  const ALL_KINDS = [
    "stage", "delay", "held", "released", "hold_requested", "release_requested", "approval_decided",
    "approval_escalated", "configuration_changed", "compensation", "line_state", "line_progress", "line_fault",
    "line_recovered", "line_connection", "line_available", "line_unavailable", "work_order_started",
    "work_order_completed", "work_order_aborted", "work_order_held", "work_order_resumed",
    "work_order_reissued", "schedule_solved", "rescheduled", "unbooked", "booking_refused", "planner_command",
    "planner_command_refused", "planner_exception", "sourcing", "po_placed", "po_rejected", "po_unanswered",
    "po_refused", "po_cancelled", "po_switched", "po_expedite", "asn_received", "goods_received",
    "surplus_received", "materials_issued", "adapter_message", "simulation_progress", "simulation_finished",
  ];

  /**
   * Follow a server-sent event stream: onEvent(kind, data, id) for each event, in order, once.
   * The browser resumes with Last-Event-ID after a drop; if the stream closes for good we reopen it
   * with ?after=<last id>, unless the server refused it (401/403: announced like a refused call).
   * ``options.tracking``: the tracker's order stream, authorised by the page's tracking token; other streams
   * carry the saved key as ?access_token=. The header badge shows live / reconnecting.
   */
  function stream(url, onEvent, kinds = ALL_KINDS, options = {}) {
    const badge = document.getElementById("live-status");
    let lastId = 0;
    let source = null;
    let stopped = false;
    const show = (state) => {
      if (!badge) return;
      badge.hidden = false;
      badge.className = `live-status ${state}`;
      badge.textContent = t(`common.${state}`);
      badge.dataset.state = state;
    };
    const address = () => {
      const u = new URL(url, location.href);
      const tracking = options.tracking ? trackingToken() : "";
      if (tracking) u.searchParams.set("token", tracking);
      else if (key()) u.searchParams.set("access_token", key());
      if (lastId) u.searchParams.set("after", String(lastId));
      return u;
    };
    /** EventSource hides why it closed: ask once (headers only) before trying again. */
    const retry = async (u) => {
      const ctl = new AbortController();
      let status = 0;
      try { status = (await fetch(u, { signal: ctl.signal, headers: { Accept: "text/event-stream" } })).status; }
      catch { /* the server is away: try again later */ }
      finally { ctl.abort(); }
      if (stopped) return;
      if (status === 401 || status === 403) {
        if (badge) badge.hidden = true;
        announce(status, `${status}`);
        return;
      }
      setTimeout(() => { if (!stopped) open(); }, 2000);
    };
    const open = () => {
      const u = address();
      source = new EventSource(u);
      source.onopen = () => show("live");
      source.onerror = () => {
        show("reconnecting");
        if (source.readyState === EventSource.CLOSED) retry(u);
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
    return { close: () => { stopped = true; if (source) source.close(); }, lastId: () => lastId };
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
  // A link to an order's tracker from a staff page: the tracker opens with the order's tracking link, which
  // the API gives to whoever may read the order (a bare /track/<id> shows "not found").
  document.addEventListener("click", async (ev) => {
    const link = ev.target.closest && ev.target.closest("a[data-track-order]");
    if (!link || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    try {
      const order = await api(`/api/orders/${encodeURIComponent(link.dataset.trackOrder)}`);
      const target = new URL(order.tracking_url, location.href);
      location.assign(target.pathname + target.search);
    } catch (err) {
      if (!err.handled) toast(t("common.error", { message: err.message }), true);
    }
  });
  document.addEventListener("DOMContentLoaded", () => localise());
  return { lang, locale, t, key, setKey, trackingToken, me, may, api, stream, fmtDate, fmtDateTime, fmtMoney,
           fmtNumber, localise, el, toast, ALL_KINDS };
})();
