/* The sign-in control in the top bar: who is signed in (GET /api/me, name and role) with "sign out", or a
   form to paste an API key. A call refused for want of a key brings the form into a notice at the top of
   the page; a call the role may not make is named in a toast. The body carries ``may-<permission>``
   classes, so pages hide the controls the role cannot use. Plain JS. */
"use strict";
(() => {
  const { t } = C2M;
  const $ = (id) => document.getElementById(id);
  const details = $("sign-in");
  const form = $("sign-in-form");
  if (!form) return;
  const slug = (text) => text.toLowerCase().replace(/[^a-z0-9]+/g, "-");

  function showError(message) {
    const box = $("sign-in-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  async function signIn(ev) {
    ev.preventDefault();
    const given = form.elements.key.value.trim();
    if (!given) { showError(t("common.key_needed")); return; }
    const button = $("sign-in-submit");
    button.disabled = true;
    try {
      await C2M.api("/api/me", { key: given, quiet: true });
    } catch (err) {
      showError(err.status === 401 ? t("common.key_invalid") : t("common.error", { message: err.message }));
      button.disabled = false;
      return;
    }
    C2M.setKey(given);
    location.reload(); // the page asks again, now with the key
  }

  /** The form where it is wanted: at the top of the page, under what went wrong. */
  function openForm(inNotice) {
    const notice = $("auth-notice");
    if (inNotice && notice) {
      notice.hidden = false;
      if (form.parentElement !== notice) notice.append(form);
      details.hidden = true;
    } else if (form.parentElement === details) {
      details.hidden = false;
      details.open = true;
    }
    form.elements.key.focus({ preventScroll: inNotice });
  }

  function showWho(me) {
    if (!me) return;
    $("account-who").textContent = t("common.signed_in_as", { name: me.name, role: t(`common.role.${me.role}`) });
    $("account-who").hidden = false;
    $("sign-out").hidden = false;
    details.hidden = true;
    document.body.classList.add("signed-in", `role-${me.role}`, ...me.permissions.map((p) => `may-${slug(p)}`));
    document.body.dataset.role = me.role;
  }

  // One toast per refusal, however many calls of the page were refused at once.
  const told = new Set();
  function forbidden(ev) {
    const message = ev.detail.message;
    if (told.has(message)) return;
    told.add(message);
    setTimeout(() => told.delete(message), 5000);
    C2M.toast(/^\d+$/.test(message) ? t("common.forbidden_page") : t("common.forbidden", { message }), true);
  }

  form.addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => { C2M.setKey(""); location.reload(); });
  document.addEventListener("c2m:unauthorized", () => openForm(true));
  document.addEventListener("c2m:sign-in", () => openForm(false));
  document.addEventListener("c2m:forbidden", forbidden);
  document.addEventListener("c2m:key-invalid", () => {
    C2M.setKey(""); // a revoked or mistyped key is of no use; the page goes on without it
    showError(t("common.saved_key_invalid"));
    details.open = true;
  });
  C2M.me().then(showWho);
})();
