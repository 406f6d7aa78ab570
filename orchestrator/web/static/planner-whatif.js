/* The planner console's "What if…" panel: pick changes, run a what-if simulation (POST /api/simulations),
   follow its progress on the plant event stream, then show the baseline and the variant side by side with
   their plots. Plain JS, no markup from strings. */
"use strict";
const PlannerWhatIf = (() => {
  const { el, t } = C2M;
  const $ = (sel, root = document) => root.querySelector(sel);
  let lines = [];
  let current = null; // the simulation followed now: {id, url}
  let poller = null;
  const changes = []; // the variant's changes, as the API takes them

  // --- the change form ---------------------------------------------------------------------------
  const KINDS = ["remove_line", "add_shift", "supplier_lead_time", "rush_order"];

  function select(name, values, label) {
    return el("select", { name, "aria-label": label }, values.map(([v, text]) => el("option", { value: v }, text)));
  }

  function field(label, control) {
    return el("label", { class: "field" }, el("span", {}, label), control);
  }

  function kindFields(kind, suppliers, products) {
    const lineSelect = () => field(t("planner.whatif.line"),
      select("line", lines.map((l) => [l.id, `${l.id} · ${l.name}`]), t("planner.whatif.line")));
    if (kind === "remove_line") return [lineSelect()];
    if (kind === "add_shift") {
      return [lineSelect(),
        field(t("planner.whatif.shift_name"), el("input", { name: "name", value: "extra", maxlength: 40, required: true })),
        field(t("planner.whatif.start"), el("input", { name: "start", type: "time", value: "06:00", required: true })),
        field(t("planner.whatif.end"), el("input", { name: "end", type: "time", value: "14:00", required: true })),
        field(t("planner.whatif.days"), select("days", [["all", t("planner.whatif.days_all")],
          ["mon-fri", t("planner.whatif.days_weekdays")], ["sat-sun", t("planner.whatif.days_weekend")]],
        t("planner.whatif.days")))];
    }
    if (kind === "supplier_lead_time") {
      return [field(t("planner.whatif.supplier"), select("supplier", suppliers.map((s) => [s.id, s.name]),
                                                          t("planner.whatif.supplier"))),
        field(t("planner.whatif.factor"), el("input", { name: "factor", type: "number", min: "0.1", max: "20",
                                                        step: "0.1", value: "2", required: true }))];
    }
    return [field(t("planner.whatif.product"), select("sku", products.map((p) => [p.sku, p.name]),
                                                      t("planner.whatif.product"))),
      field(t("planner.whatif.quantity"), el("input", { name: "quantity", type: "number", min: "1", max: "10000",
                                                        value: "10", required: true })),
      field(t("planner.whatif.at_day"), el("input", { name: "at_day", type: "number", min: "0", max: "365",
                                                      step: "0.5", value: "1", required: true }))];
  }

  function readChange(kind, form) {
    const v = (name) => form.elements[name].value;
    if (kind === "remove_line") return { kind, line: v("line") };
    if (kind === "add_shift") return { kind, line: v("line"), name: v("name"), start: v("start"), end: v("end"),
                                       days: v("days") };
    if (kind === "supplier_lead_time") return { kind, supplier: v("supplier"), factor: Number(v("factor")) };
    return { kind, sku: v("sku"), quantity: Number(v("quantity")), at_day: Number(v("at_day")) };
  }

  function describe(c) {
    return t(`planner.whatif.says.${c.kind}`, { line: c.line, name: c.name, start: c.start, end: c.end,
      days: c.days, supplier: c.supplier, factor: c.factor, sku: c.sku, quantity: c.quantity, day: c.at_day });
  }

  function drawChanges() {
    const list = $("#whatif-changes");
    list.replaceChildren(...changes.map((c, n) => el("li", {}, describe(c), " ",
      el("button", { type: "button", class: "link-button remove-change", "aria-label": t("planner.whatif.remove_change"),
                     onclick: () => { changes.splice(n, 1); drawChanges(); } }, "×"))));
    $("#whatif-no-changes").hidden = changes.length > 0;
  }

  // --- running -------------------------------------------------------------------------------------
  function showProgress(share, step) {
    $("#whatif-progress").hidden = false;
    $("#whatif-progress progress").value = share;
    $("#whatif-step").textContent = t("planner.whatif.progress", { pct: C2M.fmtNumber(share * 100, 0), step });
  }

  async function run(button) {
    const form = $("#whatif-form");
    const body = { scenario: form.elements.base.value, changes: [...changes],
                   policies: form.elements.stock_driven.checked ? ["c2m", "baseline"] : ["c2m"] };
    const orders = Number(form.elements.orders.value);
    if (orders) body.orders = orders;
    $("#whatif-error").hidden = true;
    button.disabled = true;
    try {
      const sim = await C2M.api("/api/simulations", { method: "POST", body });
      follow(sim);
    } catch (err) {
      if (!err.handled) {
        const where = err.detail && err.detail.where ? `${err.detail.where}: ` : "";
        $("#whatif-error").textContent = `${where}${err.message}`;
        $("#whatif-error").hidden = false;
      }
    } finally {
      button.disabled = false;
    }
  }

  function follow(sim) {
    current = { id: sim.id, url: sim.url };
    $("#whatif-result").replaceChildren();
    showProgress(sim.progress || 0, sim.step || "");
    clearInterval(poller);
    // Events bring progress at once; a slow poll makes sure the end is seen even if the stream was away.
    poller = setInterval(() => refresh().catch(() => {}), 5000);
  }

  async function refresh() {
    if (!current) return;
    const sim = await C2M.api(current.url);
    if (sim.status === "done" || sim.status === "failed") {
      clearInterval(poller);
      poller = null;
      $("#whatif-progress").hidden = true;
      render(sim);
    } else {
      showProgress(sim.progress, sim.step);
    }
  }

  /** A simulation event from the plant stream (planner.js forwards them). */
  function event(kind, data) {
    const p = data.payload || {};
    if (!current || p.simulation !== current.id) return;
    if (kind === "simulation_progress") showProgress(p.progress || 0, p.step || "");
    else refresh().catch(() => {});
  }

  // --- the report ----------------------------------------------------------------------------------
  const pct = (x) => x === null || x === undefined ? "—" : `${C2M.fmtNumber(x * 100, 1)} %`;
  const days = (x) => x === null || x === undefined ? "—" : t("planner.days", { n: C2M.fmtNumber(x, 1) });

  function rows(f) {
    const lineIds = [...new Set([...Object.keys(f.baseline.utilisation), ...Object.keys(f.variant.utilisation)])];
    return [
      ["on_time", (s) => s.on_time_share, pct, true],
      ["promised_p50", (s) => s.promised_lead_days.p50, days, false],
      ["promised_p90", (s) => s.promised_lead_days.p90, days, false],
      ["actual_p50", (s) => s.actual_lead_days.p50, days, false],
      ["actual_p90", (s) => s.actual_lead_days.p90, days, false],
      ["announced", (s) => s.slips_announced_share, pct, true],
      ...lineIds.map((line) => [`line:${line}`, (s) => s.utilisation[line], pct, null]),
    ];
  }

  function table(policy, f) {
    const head = el("tr", {}, el("th", {}, ""), el("th", { scope: "col" }, t("planner.whatif.baseline")),
                    el("th", { scope: "col" }, t("planner.whatif.variant")));
    const body = rows(f).map(([name, get, fmt, higherIsBetter]) => {
      const a = get(f.baseline), b = get(f.variant);
      let cls = "";
      // Marked only where the shown figures differ: a change below the rounding is no change to a reader.
      if (higherIsBetter !== null && a !== undefined && b !== undefined && a !== null && b !== null
          && fmt(a) !== fmt(b)) {
        cls = (b > a) === higherIsBetter ? "better" : "worse";
      }
      const label = name.startsWith("line:") ? t("planner.whatif.row.load", { line: name.slice(5) })
        : t(`planner.whatif.row.${name}`);
      return el("tr", { dataset: { row: name } }, el("th", { scope: "row" }, label),
                el("td", { dataset: { side: "baseline" } }, fmt(a)),
                el("td", { class: cls, dataset: { side: "variant" } }, fmt(b)));
    });
    return el("table", { class: "whatif-table", dataset: { policy } },
      el("caption", {}, t(`planner.whatif.policy.${policy}`)), el("thead", {}, head), el("tbody", {}, body));
  }

  async function plot(p) {
    const img = el("img", { alt: t("planner.whatif.plot", { name: p.name }), loading: "lazy" });
    try {
      const headers = C2M.key() ? { Authorization: `Bearer ${C2M.key()}` } : {};
      const resp = await fetch(p.url, { headers });
      if (resp.ok) img.src = URL.createObjectURL(await resp.blob());
    } catch { /* the table still says it all */ }
    return el("figure", { class: "whatif-plot" }, img, el("figcaption", { class: "muted small" }, p.name));
  }

  async function render(sim) {
    const out = $("#whatif-result");
    if (sim.status === "failed") {
      out.replaceChildren(el("p", { class: "notice bad", role: "alert" }, t("planner.whatif.failed",
                                                                            { error: sim.error || "" })));
      return;
    }
    const report = sim.report;
    const said = (sim.request.changes || []).map(describe);
    const parts = [
      el("p", { class: "muted small" }, t("planner.whatif.summary", { scenario: report.scenario,
        orders: report.figures[report.policies[0]].baseline.orders, seed: report.seed }),
        " ", said.length ? t("planner.whatif.changed", { changes: said.join("; ") }) : t("planner.whatif.unchanged")),
      el("div", { class: "whatif-tables" }, report.policies.map((p) => table(p, report.figures[p]))),
    ];
    if (report.notes && report.notes.length) {
      parts.push(el("ul", { class: "muted small whatif-notes" }, report.notes.map((n) => el("li", {}, n))));
    }
    parts.push(el("div", { class: "whatif-plots" }, await Promise.all(sim.plots.map(plot))));
    out.replaceChildren(...parts);
    out.dataset.simulation = sim.id;
  }

  // --- setup ---------------------------------------------------------------------------------------
  async function init(options) {
    lines = options.lines;
    const [suppliers, products] = await Promise.all([
      C2M.api("/api/suppliers", { quiet: true }).catch(() => []),
      C2M.api("/api/products").catch(() => []),
    ]);
    const kind = $("#whatif-kind");
    kind.replaceChildren(...KINDS.map((k) => el("option", { value: k }, t(`planner.whatif.kind.${k}`))));
    const fields = $("#whatif-kind-fields");
    const redraw = () => fields.replaceChildren(...kindFields(kind.value, suppliers, products));
    kind.addEventListener("change", redraw);
    redraw();
    $("#whatif-add").addEventListener("click", () => {
      const form = $("#whatif-form");
      if (!form.reportValidity()) return;
      changes.push(readChange(kind.value, form));
      drawChanges();
    });
    $("#whatif-form").addEventListener("submit", (ev) => { ev.preventDefault(); run($("#whatif-run")); });
    drawChanges();
    // The latest simulation of this planner, so a reload shows it again (or keeps following it).
    const recent = await C2M.api("/api/simulations?limit=1", { quiet: true }).catch(() => []);
    if (recent.length) {
      const sim = await C2M.api(recent[0].url, { quiet: true }).catch(() => null);
      if (sim && (sim.status === "done" || sim.status === "failed")) { current = { id: sim.id, url: sim.url }; render(sim); }
      else if (sim) follow(sim);
    }
  }

  return { init, event };
})();
