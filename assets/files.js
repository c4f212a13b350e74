// The file manager: several files at once (picker or drag and drop), a progress bar per
// file, the list with pages and folders (names with `/`), download and delete. Uploads go
// into the folder on view. On S3 the bytes go straight to the bucket through a presigned URL
// from `upload-url`.
"use strict";

(() => {
  const api = anyport;
  const storage = document.body.dataset.storage;
  const input = document.getElementById("file-input");
  const drop = document.getElementById("drop");
  const uploads = document.getElementById("uploads");
  const rows = document.getElementById("file-rows");
  const next = document.getElementById("next-page");
  const first = document.getElementById("first-page");
  const error = document.getElementById("error");
  const trail = document.getElementById("folder-path");
  const PAGE = 20;
  let cursor = null;
  let folder = ""; // the prefix on view: "" or "a/b/"

  function showError(text) { error.textContent = text; if (text) api.announce(text); }

  // One XHR PUT with progress; resolves with { status, body }.
  function put(url, file, headers, onProgress) {
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
      xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); });
      xhr.addEventListener("load", () => resolve({ status: xhr.status, body: xhr.responseText }));
      xhr.addEventListener("error", () => resolve({ status: 0, body: "" }));
      xhr.send(file);
    });
  }

  function detail(body, status) {
    try { const p = JSON.parse(body); return p.detail || p.title; } catch { return status ? `HTTP ${status}` : "network error"; }
  }

  async function uploadOne(file, bar, status) {
    const type = file.type || "application/octet-stream";
    const name = folder + file.name;
    const progress = (fraction) => { bar.value = Math.round(fraction * 100); };
    for (let attempt = 0; attempt < 2; attempt++) {
      let result;
      if (storage === "s3") {
        const target = await api.request(`/api/v1/files/${api.encodeName(name)}/upload-url`, {
          method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ content_type: type, size: file.size }),
        });
        if (!target.ok) return { ok: false, message: await api.problemText(target) };
        const signed = await target.json();
        result = await put(signed.url, file, signed.headers, progress);
      } else {
        const url = `${api.base}/api/v1/files/${api.encodeName(name)}`;
        result = await put(url, file, { "Content-Type": type, ...api.authHeaders() }, progress);
      }
      if (result.status === 401 && attempt === 0 && await api.askForToken()) continue;
      if (result.status >= 200 && result.status < 300) { bar.value = 100; return { ok: true }; }
      if (result.status === 413) return { ok: false, message: `Too large: ${detail(result.body, 413)}` };
      if (result.status === 401) {
        return { ok: false, message: api.token() ? "The write token was refused." : "A write token is needed to upload." };
      }
      return { ok: false, message: detail(result.body, result.status) };
    }
    return { ok: false, message: "A write token is needed to upload." };
  }

  async function uploadAll(files) {
    showError("");
    for (const file of files) {
      const li = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = file.name;
      const bar = document.createElement("progress");
      bar.max = 100; bar.value = 0;
      bar.setAttribute("aria-label", `Upload progress of ${file.name}`);
      const status = document.createElement("span");
      status.textContent = "…";
      li.append(name, bar, status);
      uploads.append(li);
      const result = await uploadOne(file, bar, status);
      if (!result.ok) bar.value = 0; // a refused upload stored nothing, whatever was sent
      status.textContent = result.ok ? "done" : "failed";
      status.className = result.ok ? "status-ok" : "status-bad";
      if (result.ok) {
        api.announce(`${file.name} uploaded`);
      } else {
        showError(`${file.name}: ${result.message}`);
      }
      await load(null);
    }
  }

  async function remove(name) {
    const response = await api.request(`/api/v1/files/${api.encodeName(name)}`, { method: "DELETE" });
    if (response.ok) { api.announce(`${name} deleted`); await load(null); }
    else showError(`${name}: ${await api.problemText(response)}`);
  }

  function row(file) {
    const tr = document.createElement("tr");
    const link = document.createElement("a");
    link.href = `${api.base}/api/v1/files/${api.encodeName(file.name)}`;
    link.textContent = file.name.slice(folder.length);
    link.setAttribute("download", file.name.split("/").pop());
    const cells = [link, api.formatBytes(file.size), file.content_type, new Date(file.uploaded_at).toLocaleString()];
    for (const value of cells) {
      const td = document.createElement("td");
      td.append(value);
      tr.append(td);
    }
    const actions = document.createElement("td");
    const del = document.createElement("button");
    del.className = "danger";
    del.textContent = "Delete";
    del.setAttribute("aria-label", `Delete ${file.name}`);
    del.addEventListener("click", () => remove(file.name));
    actions.append(del);
    tr.append(actions);
    return tr;
  }

  function open(prefix) { folder = prefix; load(null); }

  function folderRow(prefix) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = 5;
    const button = document.createElement("button");
    button.className = "link folder";
    button.textContent = `📁 ${prefix.slice(folder.length)}`;
    button.setAttribute("aria-label", `Open folder ${prefix}`);
    button.addEventListener("click", () => open(prefix));
    td.append(button);
    tr.append(td);
    return tr;
  }

  // "All files / reports / 2024": each step opens that folder.
  function showTrail() {
    const steps = [["All files", ""]];
    let prefix = "";
    for (const part of folder.split("/").filter(Boolean)) {
      prefix += `${part}/`;
      steps.push([part, prefix]);
    }
    trail.replaceChildren();
    steps.forEach(([label, prefix], i) => {
      if (i > 0) trail.append(" / ");
      if (i === steps.length - 1) {
        const here = document.createElement("strong");
        here.textContent = label;
        here.setAttribute("aria-current", "location");
        trail.append(here);
      } else {
        const button = document.createElement("button");
        button.className = "link";
        button.textContent = label;
        button.addEventListener("click", () => open(prefix));
        trail.append(button);
      }
    });
  }

  async function load(from) {
    const query = new URLSearchParams({ limit: String(PAGE), delimiter: "/", prefix: folder });
    if (from) query.set("cursor", from);
    const response = await api.request(`/api/v1/files?${query}`);
    if (!response.ok) { showError(await api.problemText(response)); return; }
    const page = await response.json();
    showTrail();
    rows.replaceChildren(...page.folders.map(folderRow), ...page.items.map(row));
    if (page.items.length === 0 && page.folders.length === 0) {
      const tr = document.createElement("tr");
      const td = document.createElement("td");
      td.colSpan = 5; td.className = "muted"; td.textContent = "No files yet.";
      tr.append(td); rows.append(tr);
    }
    cursor = page.next_cursor;
    next.disabled = !cursor;
    first.disabled = !from;
  }

  input.addEventListener("change", () => { uploadAll([...input.files]); input.value = ""; });
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  for (const type of ["dragleave", "drop"]) {
    drop.addEventListener(type, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (e) => { e.preventDefault(); uploadAll([...e.dataTransfer.files]); });
  next.addEventListener("click", () => load(cursor));
  first.addEventListener("click", () => load(null));
  load(null);
})();
