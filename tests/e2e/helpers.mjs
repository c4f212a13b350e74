// Shared by the browser tests: the servers started by scripts/e2e-browser (from E2E_* variables),
// Debian's Chromium through playwright-core, a page that records console errors, uncaught
// exceptions and CSP violations, and small polling/API helpers.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through scripts/e2e-browser`);
  return value;
}

export const env = {
  main: required("E2E_URL_MAIN"),
  small: required("E2E_URL_SMALL"),
  token: required("E2E_URL_TOKEN"),
  prefix: required("E2E_URL_PREFIX"),
  apiToken: required("E2E_TOKEN"),
  smallLimit: Number(required("E2E_SMALL_LIMIT")),
  version: required("E2E_VERSION"),
  chromium: process.env.E2E_CHROMIUM || "/usr/bin/chromium",
  screenshots: process.env.E2E_SCREENSHOTS || path.resolve(here, "../../artifacts/screenshots"),
};

// Playwright gives every launch a fresh temporary --user-data-dir of its own (and removes it).
export function launchBrowser() {
  return chromium.launch({
    executablePath: env.chromium,
    headless: true,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

export function screenshotPath(name) {
  mkdirSync(env.screenshots, { recursive: true });
  return path.join(env.screenshots, `${name}.png`);
}

// A fresh context (cookies, sessionStorage, downloads) per test, with what went wrong in the page.
export async function openPage(browser) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 760 } });
  context.setDefaultTimeout(15_000);
  const issues = { console: [], pageErrors: [], csp: [] };
  await context.exposeBinding("__e2eCspViolation", (_source, v) => { issues.csp.push(v); });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__e2eCspViolation({
        directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample,
      });
    });
  });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") issues.console.push(`${m.text()} (${m.location().url || "?"})`);
  });
  page.on("pageerror", (e) => issues.pageErrors.push(String(e.stack || e)));
  return { context, page, issues };
}

// Asserts the page had no uncaught exception, no CSP violation and no console error other than
// the ones the test expects (allowed: regexps, e.g. the browser's "Failed to load resource: 413").
export function assertNoPageIssues(issues, allowed = []) {
  assert.deepEqual(issues.pageErrors, [], "uncaught exceptions in the page");
  assert.deepEqual(issues.csp, [], "Content-Security-Policy violations");
  const unexpected = issues.console.filter((text) => !allowed.some((re) => re.test(text)));
  assert.deepEqual(unexpected, [], "console errors");
}

// Retries fn (which throws while the condition does not hold) until it passes or time runs out.
export async function eventually(fn, { timeout = 15_000, interval = 100 } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, interval));
    }
  }
}

// A file for setInputFiles: random bytes (all 256 values occur) of the given size.
export function makeFile(name, size, mimeType = "application/octet-stream") {
  return { name, mimeType, buffer: randomBytes(size) };
}

// A name prefix unique to one test, so tests sharing a server never see each other's files.
export function uniquePrefix(tag) {
  return `${tag}-${Date.now().toString(36)}${randomBytes(3).toString("hex")}-`;
}

export async function apiList(base, prefix = "") {
  const query = new URLSearchParams({ limit: "100" });
  if (prefix) query.set("prefix", prefix);
  const response = await fetch(`${base}/api/v1/files?${query}`);
  assert.equal(response.status, 200, `GET ${base}/api/v1/files`);
  return (await response.json()).items;
}

export async function apiPut(base, file, token) {
  const headers = { "Content-Type": file.mimeType };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${base}/api/v1/files/${encodeURIComponent(file.name)}`, {
    method: "PUT", headers, body: file.buffer,
  });
  assert.equal(response.status, 201, `PUT ${file.name}: ${await response.text()}`);
}

export async function apiStatus(base, pathAndQuery) {
  const response = await fetch(base + pathAndQuery);
  await response.arrayBuffer();
  return response.status;
}

// The files page is ready once its script has filled the table (rows, or "No files yet.").
export async function gotoFiles(page, base) {
  const response = await page.goto(`${base}/files`);
  assert.equal(response.status(), 200);
  await page.locator("#file-rows tr").first().waitFor();
}

export function uploadItem(page, name) {
  return page.locator("#uploads li").filter({ has: page.getByText(name, { exact: true }) });
}

export async function uploadState(page, name) {
  const item = uploadItem(page, name);
  const bar = page.getByRole("progressbar", { name: `Upload progress of ${name}`, exact: true });
  return {
    progress: await bar.evaluate((el) => el.value),
    status: (await item.locator("span").last().textContent()).trim(),
  };
}

export async function waitForUpload(page, name, status = "done") {
  await eventually(async () => assert.equal((await uploadState(page, name)).status, status, `status of ${name}`));
  return uploadState(page, name);
}

export function fileLink(page, name) {
  return page.locator("#file-rows").getByRole("link", { name, exact: true });
}
