/* The integrator page: keeps each adapter's state fresh (every few seconds, and at once when a line's
   connection changes on the plant stream) and shows an adapter's recent raw messages when its list is open. */
"use strict";
(() => {
  const { t, el } = C2M;
  const REFRESH_MS = 5000;
  const MESSAGES = 50;
  const cards = new Map();
  document.querySelectorAll("article.adapter").forEach((card) => {
    cards.set(`${card.dataset.kind}/${card.dataset.endpoint}`, card);
  });
  const rtf = new Intl.RelativeTimeFormat(C2M.locale, { numeric: "auto", style: "short" });
  const fmtClock = (iso) => C2M.fmtDate(iso, { dateStyle: "short", timeStyle: "medium" });
  const field = (root, name) => root.querySelector(`[data-field="${name}"]`);

  /** "12 sec. ago" in the reader's language. */
  function relative(iso) {
    const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
    const abs = Math.abs(seconds);
    if (abs < 60) return rtf.format(seconds, "second");
    if (abs < 3600) return rtf.format(Math.round(seconds / 60), "minute");
    if (abs < 86400) return rtf.format(Math.round(seconds / 3600), "hour");
    return rtf.format(Math.round(seconds / 86400), "day");
  }

  /** Relative and absolute: "12 sec. ago · 23/11/2026, 21:40:12". */
  function showTimes(root = document) {
    root.querySelectorAll("time[data-relative]").forEach((node) => {
      const iso = node.getAttribute("datetime");
      node.textContent = `${relative(iso)} · ${fmtClock(iso)}`;
    });
  }

  const when = (iso) => iso ? el("time", { datetime: iso, "data-relative": true }, "")
    : el("span", { class: "muted" }, t("integrations.never"));
  const latency = (ms) => ms === null || ms === undefined ? "—" : t("integrations.ms", { ms: C2M.fmtNumber(ms, 1) });

  function setBadge(badge, state) {
    if (!badge || badge.dataset.state === state) return;
    badge.className = `badge state-${state}`;
    badge.dataset.state = state;
    badge.textContent = t(`integrations.state_${state}`);
  }

  /** Show a newer last message time (from the state refresh or from the messages just loaded). */
  function showLast(card, iso) {
    const last = field(card, "last");
    const shownAt = last.querySelector("time")?.getAttribute("datetime") || null;
    if (iso && shownAt && Date.parse(iso) <= Date.parse(shownAt)) return;
    if (iso !== shownAt) {
      last.replaceChildren(when(iso));
      showTimes(last);
    }
  }

  function updateCard(card, adapter) {
    setBadge(field(card, "state"), adapter.state);
    showLast(card, adapter.last_message_at);
    field(card, "latency").textContent = latency(adapter.latency_ms);
    const problem = field(card, "problem");
    problem.hidden = !adapter.problem;
    field(card, "problem-text").textContent = adapter.problem ? t(`integrations.problem_${adapter.problem}`) : "";
    field(card, "detail").textContent = adapter.detail || "";
    field(card, "url").textContent = adapter.url;
  }

  function update(view) {
    const counts = { connected: 0, reconnecting: 0, down: 0 };
    for (const adapter of view.adapters) {
      counts[adapter.state] += 1;
      const card = cards.get(`${adapter.kind}/${adapter.endpoint}`);
      if (card) updateCard(card, adapter);
    }
    for (const [state, n] of Object.entries(counts)) {
      const node = document.querySelector(`[data-count="${state}"]`);
      if (node) node.textContent = C2M.fmtNumber(n, 0);
    }
    const temporal = document.getElementById("temporal");
    setBadge(field(temporal, "state"), view.temporal.state);
    field(temporal, "latency").textContent = latency(view.temporal.latency_ms);
    document.getElementById("temporal-ui").href = view.temporal.ui_url;
    document.getElementById("checked-at").setAttribute("datetime", view.checked_at);
    showTimes();
  }

  /** Pretty JSON when the body is JSON, else the text as it came. */
  function bodyText(body) {
    try { return JSON.stringify(JSON.parse(body), null, 2); } catch { return body; }
  }

  function messageItem(m, open) {
    const sent = m.direction === "sent";
    const arrow = el("span", { class: "arrow", title: t(`integrations.${m.direction}`),
                               "aria-label": t(`integrations.${m.direction}`) }, sent ? "→" : "←");
    const head = el("div", { class: "message-head" }, arrow,
      el("time", { datetime: m.at, class: "at" }, fmtClock(m.at)),
      m.ok ? null : el("span", { class: "badge state-down" }, t("integrations.failed")),
      el("span", { class: "summary" }, m.summary));
    const body = m.body ? el("details", { class: "body", open },
      el("summary", {}, t("integrations.body")), el("pre", {}, bodyText(m.body))) : null;
    return el("li", { class: `message ${m.direction}${m.ok ? "" : " failed"}`, "data-id": m.id }, head, body);
  }

  async function loadMessages(card) {
    const list = card.querySelector(".message-list");
    try {
      const messages = await C2M.api(`${card.dataset.messages}?limit=${MESSAGES}`);
      const newest = messages.length ? String(messages[0].id) : "";
      if (list.dataset.newest === newest && list.childElementCount === messages.length) return;
      // Bodies the reader opened stay open when the list is redrawn.
      const opened = new Set([...list.querySelectorAll("details.body[open]")].map((d) => d.closest("li").dataset.id));
      list.replaceChildren(...messages.map((m) => messageItem(m, opened.has(String(m.id)))));
      list.dataset.newest = newest;
      if (messages.length) showLast(card, messages[0].at);
      card.querySelector(".empty").hidden = messages.length > 0;
    } catch (err) {
      list.replaceChildren(el("li", { class: "notice bad" }, t("common.error", { message: err.message })));
    }
  }

  let timer = null;
  let running = false;
  async function refresh() {
    clearTimeout(timer);
    if (running) return;
    running = true;
    const error = document.getElementById("load-error");
    try {
      update(await C2M.api("/api/integrations"));
      error.hidden = true;
      await Promise.all([...document.querySelectorAll("article.adapter details.messages[open]")]
        .map((d) => loadMessages(d.closest("article"))));
    } catch (err) {
      if (err.status === 401 || err.status === 403) {
        running = false; // refused, not failing: the sign-in notice or the toast says why; asking again won't help
        return;
      }
      error.textContent = t("integrations.refresh_failed", { message: err.message });
      error.hidden = false;
    } finally {
      if (running) {
        running = false;
        timer = setTimeout(refresh, REFRESH_MS);
      }
    }
  }

  function start() {
    showTimes();
    document.querySelectorAll("details.messages").forEach((details) => {
      details.addEventListener("toggle", () => { if (details.open) loadMessages(details.closest("article")); });
    });
    timer = setTimeout(refresh, REFRESH_MS); // a page opened without a key learns so at once from the stream
    setInterval(() => showTimes(), 1000);
    // Only what happens from now on: the page was rendered after the newest event then.
    const after = document.getElementById("integrations").dataset.eventsAfter || "0";
    C2M.stream(`/api/plant/events?after=${encodeURIComponent(after)}`,
      (kind) => { if (kind === "line_connection") refresh(); }, ["line_connection"]);
  }
  // After c2m.js has localised the page (its DOMContentLoaded listener runs first).
  document.addEventListener("DOMContentLoaded", start);
})();
