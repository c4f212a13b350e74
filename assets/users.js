// The users page: list (with pages), create, deactivate/activate.
"use strict";

(() => {
  const api = anyport;
  const form = document.getElementById("new-user");
  const email = document.getElementById("email");
  const rows = document.getElementById("user-rows");
  const next = document.getElementById("next-page");
  const first = document.getElementById("first-page");
  const error = document.getElementById("error");
  let cursor = null;

  function showError(text) { error.textContent = text; if (text) api.announce(text); }

  async function setActive(user, active) {
    const response = await api.request(`/api/v1/users/${user.id}`, {
      method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ active }),
    });
    if (response.ok) { api.announce(`${user.email} ${active ? "activated" : "deactivated"}`); await load(null); }
    else showError(await api.problemText(response));
  }

  function row(user) {
    const tr = document.createElement("tr");
    for (const value of [String(user.id), user.email, user.active ? "active" : "inactive", new Date(user.created_at).toLocaleString()]) {
      const td = document.createElement("td");
      td.textContent = value;
      tr.append(td);
    }
    const td = document.createElement("td");
    const toggle = document.createElement("button");
    toggle.className = "secondary";
    toggle.textContent = user.active ? "Deactivate" : "Activate";
    toggle.setAttribute("aria-label", `${toggle.textContent} ${user.email}`);
    toggle.addEventListener("click", () => setActive(user, !user.active));
    td.append(toggle);
    tr.append(td);
    return tr;
  }

  async function load(from) {
    const query = new URLSearchParams({ limit: "20" });
    if (from) query.set("cursor", from);
    const response = await api.request(`/api/v1/users?${query}`);
    if (!response.ok) { showError(await api.problemText(response)); return; }
    const page = await response.json();
    rows.replaceChildren(...page.items.map(row));
    cursor = page.next_cursor;
    next.disabled = !cursor;
    first.disabled = !from;
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    showError("");
    const response = await api.request("/api/v1/users", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email: email.value }),
    });
    if (response.ok) { api.announce(`${email.value} created`); email.value = ""; await load(null); }
    else { showError(await api.problemText(response)); email.focus(); }
  });
  next.addEventListener("click", () => load(cursor));
  first.addEventListener("click", () => load(null));
  load(null);
})();
