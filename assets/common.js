// Shared by the pages: the API base (BASE_PATH-aware), the write token kept in
// sessionStorage, and fetch/XHR helpers that turn problem+json into readable messages.
"use strict";

const anyport = (() => {
  const base = document.body.dataset.base || "";
  const TOKEN_KEY = "anyport.token";

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }
  function authHeaders() { const t = token(); return t ? { Authorization: `Bearer ${t}` } : {}; }

  // Asks for the write token once a write was refused (401), and keeps it for the session.
  function askForToken() {
    const dialog = document.getElementById("token-dialog");
    if (!dialog) return Promise.resolve(false);
    const input = dialog.querySelector("input");
    input.value = "";
    dialog.showModal();
    input.focus();
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => {
        if (dialog.returnValue === "save" && input.value.trim()) {
          sessionStorage.setItem(TOKEN_KEY, input.value.trim());
          resolve(true);
        } else {
          resolve(false);
        }
      }, { once: true });
    });
  }

  async function problemText(response) {
    try {
      const body = await response.json();
      return body.detail || body.title || `HTTP ${response.status}`;
    } catch { return `HTTP ${response.status}`; }
  }

  // fetch with the token; on 401 asks for it and tries once more.
  async function request(path, options = {}, retried = false) {
    const headers = { ...(options.headers || {}), ...authHeaders() };
    const response = await fetch(base + path, { ...options, headers });
    if (response.status === 401 && !retried && await askForToken()) {
      return request(path, options, true);
    }
    return response;
  }

  function encodeName(name) { return encodeURIComponent(name); }

  function formatBytes(n) {
    if (n < 1024) return `${n} B`;
    const units = ["KiB", "MiB", "GiB", "TiB"];
    let value = n, unit = -1;
    do { value /= 1024; unit += 1; } while (value >= 1024 && unit < units.length - 1);
    return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
  }

  function announce(text) {
    const live = document.getElementById("live");
    if (live) live.textContent = text;
  }

  return { base, token, authHeaders, askForToken, problemText, request, encodeName, formatBytes, announce };
})();
