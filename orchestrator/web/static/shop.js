/* The configurator page: live re-quote as options change, each error beside its option, the product
   rendering following the options, and placing the order (once, however often the button is pressed). */
"use strict";
(() => {
  const data = JSON.parse(document.getElementById("shop-data").textContent);
  const product = data.product;
  const options = product.options;
  const optionIds = new Set(options.map((o) => o.id));
  const QUANTITY = "/quantity";
  const DEBOUNCE_MS = 250;
  const { t, el } = C2M;
  const $ = (id) => document.getElementById(id);
  const form = $("configurator");
  const placeButton = $("place-order");

  const state = {
    version: 0, // bumps on every change of the configuration
    quoted: -1, // the version the shown quote (or its errors) answers
    valid: false,
    inFlight: false,
    again: false, // a change arrived while a quote was in flight
    placing: false,
    blocked: ["shop.place_blocked", {}], // why the order cannot be placed yet
  };
  let timer = null;
  let idempotencyKey = newKey();
  // Options the customer has changed: a required option not yet filled in is not flagged red before then.
  const touched = new Set();

  /** One key per filled-in form: a double click or a retry of the same order is recognised by the API. */
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Outside a secure context randomUUID is missing; 16 random bytes in hex serve as well.
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  const fieldOf = (id) => form.querySelector(`.field[data-option="${CSS.escape(id)}"]`);

  /** An option's value from its inputs: {value}, {} when not given, or {problem} for what the API cannot read. */
  function readOption(o) {
    const box = fieldOf(o.id);
    if (o.type === "choice") {
      const select = box.querySelector("select");
      const value = select ? select.value : (box.querySelector("input[type=radio]:checked") || {}).value;
      return value ? { value } : {};
    }
    if (o.type === "multi_choice") {
      return { value: Array.from(box.querySelectorAll("input[type=checkbox]:checked"), (i) => i.value) };
    }
    if (o.type === "boolean") return { value: box.querySelector("input[type=checkbox]").checked };
    const input = box.querySelector("input");
    if (o.type === "number") {
      if (input.validity.badInput) return { problem: t("shop.not_a_number") };
      if (input.value.trim() === "") {
        // Left empty: the API would silently use the default, which the customer no longer sees.
        return o.default === null ? {} : { problem: t("shop.value_needed") };
      }
      return { value: Number(input.value) };
    }
    return { value: input.value };
  }

  /** The configuration as the quote and order APIs take it, plus problems found before asking. */
  function collect() {
    const values = {};
    const problems = {};
    for (const o of options) {
      const read = readOption(o);
      if (read.problem) problems[o.id] = read.problem;
      else if (read.value !== undefined) values[o.id] = read.value;
    }
    const input = $("quantity");
    let quantity;
    if (input.validity.badInput || input.value.trim() === "") problems[QUANTITY] = t("shop.quantity_needed");
    else {
      const n = Number(input.value);
      quantity = Number.isInteger(n) ? n : input.value; // the API explains what is wrong with a fraction
    }
    return { values, quantity, problems };
  }

  // --- the product rendering -------------------------------------------------------------------------

  function shows(condition, values) {
    const [name, wanted] = condition.split("=");
    const value = values[name];
    if (wanted === undefined) return Boolean(value);
    const chosen = Array.isArray(value) ? value : [value];
    const accepted = wanted.split("|");
    return chosen.some((v) => accepted.includes(String(v)));
  }

  const colourOf = (option, values) => (data.palettes[option] || {})[values[option]] || data.neutral;

  function paint(values) {
    const art = document.querySelector(".art-card .product-art");
    if (!art) return;
    art.querySelectorAll("[data-show]").forEach((n) => n.classList.toggle("off", !shows(n.dataset.show, values)));
    art.querySelectorAll("[data-fill]").forEach((n) => n.setAttribute("fill", colourOf(n.dataset.fill, values)));
    art.querySelectorAll("[data-stroke]").forEach((n) => n.setAttribute("stroke", colourOf(n.dataset.stroke, values)));
    art.querySelectorAll("[data-text]").forEach((n) => { n.textContent = values[n.dataset.text] ?? ""; });
  }

  // --- errors ------------------------------------------------------------------------------------------

  function setFieldError(box, messages) {
    const slot = box.querySelector(".field-error");
    box.classList.toggle("invalid", messages.length > 0);
    slot.replaceChildren(...messages.map((m) => el("div", {}, m)));
    slot.hidden = messages.length === 0;
    box.querySelectorAll("input, select, textarea").forEach((i) => {
      if (messages.length) i.setAttribute("aria-invalid", "true");
      else i.removeAttribute("aria-invalid");
    });
  }

  /** Each error beside its option (or the quantity); the rest in the summary at the top. */
  function showErrors(errors) {
    const byField = new Map();
    const orphans = [];
    for (const e of errors) {
      const key = e.option === QUANTITY || optionIds.has(e.option) ? e.option : null;
      if (key === null) orphans.push(e);
      else byField.set(key, [...(byField.get(key) || []), e.message]);
    }
    form.querySelectorAll(".field[data-option]").forEach((box) => setFieldError(box, byField.get(box.dataset.option) || []));
    const summary = $("errors-summary");
    summary.querySelector("ul").replaceChildren(...orphans.map((e) => el("li", {}, e.message)));
    summary.hidden = orphans.length === 0;
  }

  // --- the quote ---------------------------------------------------------------------------------------

  function setBusy(busy) {
    const card = $("quote");
    card.classList.toggle("updating", busy);
    card.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function updateButton() {
    const current = state.quoted === state.version && !state.inFlight;
    placeButton.disabled = state.placing || !state.valid || !current;
    const [hint, values] = state.placing ? ["shop.placing"] : !current ? ["shop.quoting"]
      : state.valid ? ["shop.place_hint"] : state.blocked;
    $("place-hint").textContent = t(hint, values);
  }

  function changed(ev) {
    const box = ev && ev.target && ev.target.closest && ev.target.closest(".field[data-option]");
    if (box) touched.add(box.dataset.option);
    state.version += 1;
    paint(collect().values);
    setBusy(true);
    updateButton();
    clearTimeout(timer);
    timer = setTimeout(requote, DEBOUNCE_MS);
  }

  /** Ask for a quote; one request at a time, and an answer to an older configuration is dropped. */
  async function requote() {
    if (state.inFlight) {
      state.again = true;
      return;
    }
    state.inFlight = true;
    const asked = state.version;
    const { values, quantity, problems } = collect();
    let answer = null;
    let failure = null;
    try {
      answer = await C2M.api(`/api/products/${encodeURIComponent(product.sku)}/quote?lang=${encodeURIComponent(C2M.lang)}`,
        { method: "POST", body: { options: values, quantity } });
    } catch (err) {
      failure = err;
    }
    state.inFlight = false;
    if (state.again) {
      state.again = false;
      requote();
      return;
    }
    if (asked !== state.version) return; // stale: the newer change has its own timer
    state.quoted = asked;
    showQuote(answer, failure, problems);
  }

  function showQuote(answer, failure, problems) {
    const local = Object.entries(problems).map(([option, message]) => ({ option, message }));
    const rejected = failure && failure.status === 422 && failure.detail && Array.isArray(failure.detail.errors);
    // A value the page could not read was left out of the request: its own message says more.
    const remote = rejected ? failure.detail.errors.filter((e) => !(e.option in problems)) : [];
    const untouched = (e) => e.code === "missing_value" && !touched.has(e.option);
    const toFill = remote.filter(untouched).length;
    showErrors([...local, ...remote.filter((e) => !untouched(e))]);
    state.valid = Boolean(answer) && local.length === 0;
    const status = $("quote-state");
    if (state.valid) {
      status.hidden = true;
      renderQuote(answer);
    } else {
      $("quote-body").hidden = true;
      status.hidden = false;
      if (failure && !rejected) {
        status.replaceChildren(el("span", {}, t("shop.quote_failed", { message: failure.message }), " "),
          el("button", { type: "button", class: "secondary", onclick: () => changed() }, t("common.retry")));
      } else {
        const shown = local.length + remote.length - toFill;
        state.blocked = shown ? ["shop.place_blocked", {}] : ["shop.fill_required", { count: toFill }];
        status.textContent = shown ? t("shop.fix_to_quote") : t(...state.blocked);
      }
    }
    setBusy(false);
    updateButton();
  }

  /** Breakdown lines in the reader's language where the page knows them; option lines as the catalog says. */
  function lineLabel(line, quantity) {
    if (line.code === "base") return t("shop.base_price");
    if (line.code !== "discount") return line.label;
    const reached = product.quantity_breaks.filter((b) => quantity >= b.min_quantity).pop();
    return reached ? t("shop.discount", { percent: C2M.fmtNumber(reached.discount_percent, 2), min: reached.min_quantity })
      : line.label;
  }

  function renderQuote(q) {
    const currency = q.price.currency;
    const money = (amount) => C2M.fmtMoney(amount, currency);
    $("price-unit").textContent = money(q.price.unit);
    $("price-total").textContent = money(q.price.total);
    $("price-quantity").textContent = t("shop.for_units", { count: q.quantity });
    $("breakdown").tBodies[0].replaceChildren(...q.price.breakdown.map((line) => el("tr",
      { class: line.code === "discount" ? "discount" : null, dataset: { code: line.code } },
      el("td", {}, lineLabel(line, q.quantity)),
      el("td", { class: "amount" }, money(line.amount)))));
    // The promised date is a calendar date: format it as such, whatever the reader's time zone.
    $("promised-date").textContent = C2M.fmtDate(q.promised_date, { dateStyle: "full", timeZone: "UTC" });
    const why = q.promise_reasoning;
    const toBuy = why.material.filter((m) => !m.covered_by_stock).length;
    $("promise-facts").replaceChildren(
      el("li", {}, toBuy ? t("shop.material_to_buy", { count: toBuy, when: C2M.fmtDateTime(why.material_ready_at) })
        : t("shop.material_in_stock")),
      el("li", {}, t("shop.production", { start: C2M.fmtDateTime(why.production_start),
        finish: C2M.fmtDateTime(why.production_finish) })),
      el("li", {}, t("shop.lines", { lines: why.capacity.map((c) => c.line).join(", ") || t("common.none") })),
    );
    $("promise-summary").textContent = why.summary;
    const reasons = [];
    if (Number(q.price.total) > data.approval.value_threshold) {
      reasons.push(t("shop.approval_value", { threshold: money(data.approval.value_threshold) }));
    }
    if (q.quantity > data.approval.max_quantity) {
      reasons.push(t("shop.approval_quantity", { max: data.approval.max_quantity }));
    }
    $("approval-note").textContent = reasons.join(" ");
    $("approval-note").hidden = reasons.length === 0;
    $("quote-body").hidden = false;
  }

  // --- placing the order ---------------------------------------------------------------------------

  const CUSTOMER_FIELDS = { name: "field-customer-name", email: "field-customer-email",
    special_requests: "field-special-requests", consent: "field-consent" };
  const consentBox = $("consent-personal"); // present when the product has personal options

  function showCustomerErrors(problems) {
    for (const [key, id] of Object.entries(CUSTOMER_FIELDS)) {
      if ($(id)) setFieldError($(id), problems[key] ? [problems[key]] : []);
    }
  }

  function customerProblems() {
    const problems = {};
    const email = $("customer-email").value.trim();
    if (!$("customer-name").value.trim()) problems.name = t("shop.name_needed");
    if (!email) problems.email = t("shop.email_needed");
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) problems.email = t("shop.email_invalid");
    if (consentBox && !consentBox.checked) problems.consent = t("shop.consent_needed");
    return problems;
  }

  /** The API refused the order: configuration errors beside their options, field errors beside fields. */
  function placeRejected(detail) {
    if (detail && Array.isArray(detail.errors) && detail.errors.every((e) => e.code === "consent_required")) {
      showCustomerErrors({ consent: t("shop.consent_needed") });
      return;
    }
    if (detail && Array.isArray(detail.errors)) {
      showErrors(detail.errors);
      state.valid = false;
      state.blocked = ["shop.place_blocked", {}];
      return;
    }
    const customer = {};
    const other = [];
    for (const e of Array.isArray(detail) ? detail : []) {
      const loc = (e.loc || []).filter((part) => part !== "body");
      const key = loc[0] === "customer" ? loc[1] : loc[0];
      if (key in CUSTOMER_FIELDS) customer[key] = e.msg;
      else if (key === "quantity") other.push({ option: QUANTITY, message: e.msg });
      else other.push({ option: loc.join("."), message: `${loc.join(".")}: ${e.msg}` });
    }
    showCustomerErrors(customer);
    if (other.length) showErrors(other);
    if (!Object.keys(customer).length && !other.length) placeFailed(new Error(String(detail)));
  }

  function placeFailed(err) {
    const box = $("place-problem");
    const message = err.status ? err.message : t("shop.offline");
    box.replaceChildren(el("p", {}, t("shop.place_failed", { message })),
      el("button", { type: "button", class: "secondary", id: "place-retry", onclick: place }, t("common.retry")));
    box.hidden = false;
  }

  /** The customer's details as the form has them. */
  const details = () => ({ name: $("customer-name").value.trim(), email: $("customer-email").value.trim() });

  /** Ordering needs a customer's key. Without one on this device, offer a guest account (or signing in). */
  async function place() {
    if (state.placing || placeButton.disabled) return;
    const problems = customerProblems();
    showCustomerErrors(problems);
    if (Object.keys(problems).length) {
      $(CUSTOMER_FIELDS[Object.keys(problems)[0]]).querySelector("input, textarea").focus();
      return;
    }
    if (!C2M.key()) {
      $("guest-offer").hidden = false;
      $("guest-continue").focus();
      return;
    }
    await send();
  }

  /** "Continue as guest": open a customer account with the name and e-mail given, keep its key, order. */
  async function continueAsGuest() {
    if (state.placing || placeButton.disabled) return;
    const problems = customerProblems();
    showCustomerErrors(problems);
    if (Object.keys(problems).length) return;
    state.placing = true; // set before the first await: a second click finds the order under way
    updateButton();
    $("guest-continue").disabled = true;
    try {
      const account = await C2M.api("/api/customers", { method: "POST", body: details(), key: "" });
      C2M.setKey(account.token);
      $("guest-offer").hidden = true;
    } catch (err) {
      state.placing = false;
      placeFailed(err);
      updateButton();
      return;
    } finally {
      $("guest-continue").disabled = false;
    }
    state.placing = false;
    await send();
  }

  async function send() {
    if (state.placing) return;
    state.placing = true; // set before the first await: a second click finds the order under way
    updateButton();
    $("place-problem").hidden = true;
    const { values, quantity } = collect();
    const special = $("special-requests").value.trim();
    const body = { sku: product.sku, options: values, quantity, customer: details(),
                   special_requests: special || null };
    if (consentBox && consentBox.checked) body.consent = { personal_data: true };
    try {
      const order = await C2M.api("/api/orders", { method: "POST", body, headers: { "Idempotency-Key": idempotencyKey } });
      // Stay on this site whatever public address the API reports: keep only path and query.
      const target = new URL(order.tracking_url, location.href);
      location.assign(target.pathname + target.search);
    } catch (err) {
      state.placing = false;
      if (err.status === 422) placeRejected(err.detail);
      else placeFailed(err);
      updateButton();
    }
  }

  // --- wiring ------------------------------------------------------------------------------------------

  form.addEventListener("submit", (ev) => ev.preventDefault()); // Enter in a field must not order
  form.querySelector(".config").addEventListener("input", changed);
  placeButton.addEventListener("click", place);
  $("guest-continue").addEventListener("click", continueAsGuest);
  $("guest-sign-in").addEventListener("click", () => document.dispatchEvent(new CustomEvent("c2m:sign-in")));
  $("customer").addEventListener("input", (ev) => {
    const box = ev.target.closest(".field");
    if (box) setFieldError(box, []);
    $("special-note").hidden = !$("special-requests").value.trim();
  });
  window.addEventListener("pageshow", (ev) => {
    if (!ev.persisted) return;
    // Back from the tracker: this is a new form, so a new order gets a new key.
    state.placing = false;
    idempotencyKey = newKey();
    updateButton();
  });
  changed();
})();
