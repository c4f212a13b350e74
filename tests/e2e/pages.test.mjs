// The pages in Debian's Chromium against the real binary (servers from scripts/e2e-browser).
// Every test gets its own browser context and its own file names, so none depends on another.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import {
  apiList, apiPut, apiStatus, assertNoPageIssues, env, eventually, fileLink, gotoFiles, launchBrowser,
  makeFile, openPage, screenshotPath, uniquePrefix, waitForUpload,
} from "./helpers.mjs";

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const KIB = 1024;
// What Chromium logs for a 4xx answer to the page's own XHR/fetch, where a test provokes one.
const failedLoad = (status) => new RegExp(`Failed to load resource: the server responded with a status of ${status}`);

// One test with its own page; on failure a screenshot of the page as it was goes beside the others.
function browserTest(name, fn, { allowConsole = [] } = {}) {
  test(name, { timeout: 90_000 }, async (t) => {
    const session = await openPage(browser);
    try {
      await fn({ ...session, t });
      assertNoPageIssues(session.issues, allowConsole);
    } catch (err) {
      const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").slice(0, 50);
      await session.page.screenshot({ path: screenshotPath(`FAILED-${slug}`), fullPage: true }).catch(() => {});
      if (session.issues.console.length) t.diagnostic(`console errors: ${session.issues.console.join(" | ")}`);
      throw err;
    } finally {
      await session.context.close();
    }
  });
}

browserTest("uploads two files at once through the file input, with progress to 100 and both listed", async ({ page, t }) => {
  const prefix = uniquePrefix("multi");
  const files = [makeFile(`${prefix}a report.bin`, 300 * KIB), makeFile(`${prefix}b résumé.txt`, 450 * KIB, "text/plain")];
  await gotoFiles(page, env.main);
  // Every value the bars take, to tell in the log that the upload progress events arrived.
  await page.evaluate(() => {
    window.__progressSeen = {};
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.target.localName !== "progress") continue;
        const label = r.target.getAttribute("aria-label");
        (window.__progressSeen[label] ||= []).push(r.target.value);
      }
    }).observe(document.getElementById("uploads"), { subtree: true, attributes: true, attributeFilter: ["value"] });
  });

  await page.setInputFiles("#file-input", files);

  for (const file of files) {
    const state = await waitForUpload(page, file.name, "done");
    assert.equal(state.progress, 100, `progress of ${file.name}`);
  }
  assert.equal(await page.locator("#uploads li").count(), 2);
  // At least one upload progress event (XHR fires one when the body is sent) before the final 100.
  const seen = await page.evaluate(() => window.__progressSeen);
  t.diagnostic(`progress values seen: ${JSON.stringify(seen)}`);
  for (const file of files) {
    const values = seen[`Upload progress of ${file.name}`] || [];
    assert.ok(values.length >= 2, `progress events for ${file.name}: ${values}`);
    assert.deepEqual(values, [...values].sort((a, b) => a - b), "progress never goes back");
    assert.ok(values.every((v) => v >= 0 && v <= 100));
  }
  assert.equal((await page.locator("#error").textContent()).trim(), "");
  for (const file of files) await fileLink(page, file.name).waitFor();

  const stored = await apiList(env.main, prefix);
  assert.deepEqual(stored.map((f) => [f.name, f.size]).sort(), files.map((f) => [f.name, f.buffer.length]).sort());
  assert.equal(stored.find((f) => f.name === files[1].name).content_type, "text/plain");
  await page.screenshot({ path: screenshotPath("files-after-uploads"), fullPage: true });
});

browserTest("drops two files on the drop zone; both upload and are listed", async ({ page }) => {
  const prefix = uniquePrefix("drop");
  const files = [makeFile(`${prefix}one.bin`, 120 * KIB), makeFile(`${prefix}two.bin`, 80 * KIB)];
  await gotoFiles(page, env.main);
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name, { type: f.mimeType }));
    }
    return dt;
  }, files.map((f) => ({ name: f.name, mimeType: f.mimeType, base64: f.buffer.toString("base64") })));

  await page.dispatchEvent("#drop", "dragenter", { dataTransfer });
  await page.dispatchEvent("#drop", "dragover", { dataTransfer });
  assert.ok(await page.locator("#drop").evaluate((el) => el.classList.contains("over")), "the zone shows the drag");
  await page.dispatchEvent("#drop", "drop", { dataTransfer });
  assert.ok(!(await page.locator("#drop").evaluate((el) => el.classList.contains("over"))));

  for (const file of files) assert.equal((await waitForUpload(page, file.name, "done")).progress, 100);
  for (const file of files) await fileLink(page, file.name).waitFor();
  const stored = await apiList(env.main, prefix);
  assert.deepEqual(stored.map((f) => [f.name, f.size]), files.map((f) => [f.name, f.buffer.length]));
});

browserTest("downloads an uploaded file through its link, byte for byte", async ({ page }) => {
  const file = makeFile(`${uniquePrefix("download")}data ü.bin`, 256 * KIB);
  await gotoFiles(page, env.main);
  await page.setInputFiles("#file-input", [file]);
  await waitForUpload(page, file.name, "done");
  const link = fileLink(page, file.name);
  assert.equal(await link.getAttribute("download"), file.name);

  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  assert.equal(await download.failure(), null);
  assert.equal(download.suggestedFilename(), file.name);
  const bytes = await readFile(await download.path());
  assert.equal(bytes.length, file.buffer.length);
  assert.ok(bytes.equals(file.buffer), "downloaded bytes differ from the uploaded ones");
});

browserTest("opens folders: names with / are listed as folders, and an upload lands in the folder on view", async ({ page }) => {
  // "0…" sorts before the other tests' names, so the folder is on the first page.
  const top = `${uniquePrefix("0folders")}/`;
  await apiPut(env.main, makeFile(`${top}2024/q1.bin`, 5 * KIB));
  await gotoFiles(page, env.main);
  await page.getByRole("button", { name: `Open folder ${top}`, exact: true }).click();
  await page.getByRole("button", { name: `Open folder ${top}2024/`, exact: true }).click();
  await fileLink(page, "q1.bin").waitFor();
  await page.setInputFiles("#file-input", [makeFile("added.bin", 3 * KIB)]);
  await waitForUpload(page, "added.bin", "done");
  await fileLink(page, "added.bin").waitFor();
  const stored = (await apiList(env.main, `${top}2024/`)).map((f) => f.name).sort();
  assert.deepEqual(stored, [`${top}2024/added.bin`, `${top}2024/q1.bin`]);
  await page.screenshot({ path: screenshotPath("files-in-a-folder"), fullPage: true });
  await page.getByRole("button", { name: "All files", exact: true }).click();
  await page.getByRole("button", { name: `Open folder ${top}`, exact: true }).waitFor();
});

browserTest("deletes a file with its Delete button; it leaves the list and the API", async ({ page }) => {
  const prefix = uniquePrefix("delete");
  const gone = makeFile(`${prefix}gone.bin`, 10 * KIB);
  const kept = makeFile(`${prefix}kept.bin`, 10 * KIB);
  await apiPut(env.main, gone);
  await apiPut(env.main, kept);
  await gotoFiles(page, env.main);
  await fileLink(page, gone.name).waitFor();

  await page.getByRole("button", { name: `Delete ${gone.name}`, exact: true }).click();

  await fileLink(page, gone.name).waitFor({ state: "detached" });
  await fileLink(page, kept.name).waitFor();
  assert.deepEqual((await apiList(env.main, prefix)).map((f) => f.name), [kept.name]);
  assert.equal(await apiStatus(env.main, `/api/v1/files/${encodeURIComponent(gone.name)}`), 404);
});

browserTest("keyboard: the file input and the Delete buttons are reached with Tab and work", async ({ page }) => {
  const prefix = uniquePrefix("kbd");
  const existing = makeFile(`${prefix}existing.bin`, 4 * KIB);
  await apiPut(env.main, existing);
  await gotoFiles(page, env.main);
  await fileLink(page, existing.name).waitFor();
  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    return el ? el.id || el.getAttribute("aria-label") || el.textContent.trim().slice(0, 40) : "";
  });
  // Tab until `wanted` has focus; returns what was focused on the way.
  async function tabTo(wanted, max = 60) {
    const seen = [];
    for (let i = 0; i < max; i++) {
      await page.keyboard.press("Tab");
      seen.push(await focused());
      if (seen.at(-1) === wanted) return seen;
    }
    assert.fail(`${wanted} not reached with Tab; focus went: ${seen.join(" → ")}`);
  }

  const beforeInput = await tabTo("file-input");
  assert.equal(beforeInput[0], "Skip to content", "the skip link comes first");
  // Space on the focused input opens the file chooser.
  const upload = makeFile(`${prefix}typed.bin`, 64 * KIB);
  const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.keyboard.press("Space")]);
  assert.ok(chooser.isMultiple());
  await chooser.setFiles([upload]);
  await waitForUpload(page, upload.name, "done");
  await fileLink(page, upload.name).waitFor();

  await page.locator("#file-input").focus();
  await tabTo(`Delete ${existing.name}`);
  await page.keyboard.press("Enter");
  await fileLink(page, existing.name).waitFor({ state: "detached" });
  assert.deepEqual((await apiList(env.main, prefix)).map((f) => f.name), [upload.name]);
});

browserTest("a file over MAX_UPLOAD_BYTES fails with 'Too large' and nothing is stored", async ({ page, t }) => {
  const file = makeFile(`${uniquePrefix("big")}big.bin`, 300 * KIB);
  assert.ok(file.buffer.length > env.smallLimit);
  await gotoFiles(page, env.small);
  await page.getByText(`up to ${env.smallLimit} bytes each`).waitFor();

  await page.setInputFiles("#file-input", [file]);

  const state = await waitForUpload(page, file.name, "failed");
  assert.equal(state.progress, 0, "a refused upload does not show a full bar");
  const error = (await page.locator("#error").textContent()).trim();
  assert.match(error, /Too large/);
  assert.ok(error.startsWith(`${file.name}: Too large`), `p#error: ${error}`);
  assert.equal(await page.locator("#error").getAttribute("role"), "alert");
  assert.deepEqual(await apiList(env.small), [], "nothing may be stored");
  assert.equal(await apiStatus(env.small, `/api/v1/files/${encodeURIComponent(file.name)}`), 404);
  await page.screenshot({ path: screenshotPath("files-413-too-large"), fullPage: true });
}, { allowConsole: [failedLoad(413)] });

browserTest("with API_TOKEN the upload asks for the token, keeps it in sessionStorage and succeeds", async ({ page }) => {
  const prefix = uniquePrefix("token");
  const first = makeFile(`${prefix}first.bin`, 200 * KIB);
  const second = makeFile(`${prefix}second.bin`, 20 * KIB);
  await gotoFiles(page, env.token);
  const dialog = page.locator("#token-dialog");
  assert.equal(await dialog.isVisible(), false);

  await page.setInputFiles("#file-input", [first]);

  await dialog.waitFor({ state: "visible" });
  assert.equal(await page.evaluate(() => document.activeElement?.id), "token-input", "the token field has focus");
  await page.locator("#token-input").fill(env.apiToken);
  await page.screenshot({ path: screenshotPath("files-token-dialog"), fullPage: true });
  await dialog.locator("button[value=save]").click();

  const state = await waitForUpload(page, first.name, "done");
  assert.equal(state.progress, 100);
  await dialog.waitFor({ state: "hidden" });
  assert.equal(await page.evaluate(() => sessionStorage.getItem("anyport.token")), env.apiToken);
  await fileLink(page, first.name).waitFor();
  assert.deepEqual((await apiList(env.token, prefix)).map((f) => f.name), [first.name]);

  // The kept token serves the next writes without asking again.
  await page.evaluate(() => {
    window.__dialogOpened = 0;
    document.getElementById("token-dialog").addEventListener("toggle", () => { window.__dialogOpened += 1; });
  });
  await page.setInputFiles("#file-input", [second]);
  await waitForUpload(page, second.name, "done");
  await page.getByRole("button", { name: `Delete ${first.name}`, exact: true }).click();
  await fileLink(page, first.name).waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => window.__dialogOpened), 0, "the dialog opened again");
  assert.deepEqual((await apiList(env.token, prefix)).map((f) => f.name), [second.name]);
}, { allowConsole: [failedLoad(401)] });

browserTest("users page: create a user, see it listed, deactivate it", async ({ page }) => {
  const email = `${uniquePrefix("user")}person@example.com`;
  const response = await page.goto(`${env.main}/users`);
  assert.equal(response.status(), 200);

  await page.locator("#email").fill(email);
  await page.locator("#new-user").getByRole("button", { name: "Create" }).click();

  const row = page.locator("#user-rows tr").filter({ has: page.getByRole("cell", { name: email, exact: true }) });
  await row.waitFor();
  assert.equal(await page.locator("#email").inputValue(), "", "the form is cleared");
  assert.equal((await row.locator("td").nth(2).textContent()).trim(), "active");
  await row.getByRole("button", { name: `Deactivate ${email}`, exact: true }).click();
  await eventually(async () => assert.equal((await row.locator("td").nth(2).textContent()).trim(), "inactive"));
  await row.getByRole("button", { name: `Activate ${email}`, exact: true }).waitFor();

  const id = (await row.locator("td").first().textContent()).trim();
  const user = await (await fetch(`${env.main}/api/v1/users/${id}`)).json();
  assert.equal(user.email, email);
  assert.equal(user.active, false);
  await page.screenshot({ path: screenshotPath("users"), fullPage: true });
});

browserTest("home shows the version and ready backends; pages load with no console error or CSP violation", async ({ page, issues }) => {
  const assetResponses = [];
  page.on("response", (r) => { if (new URL(r.url()).pathname.startsWith("/assets/")) assetResponses.push(r); });

  const home = await page.goto(`${env.main}/`);
  assert.equal(home.status(), 200);
  assert.match((await home.allHeaders())["content-security-policy"] || "", /script-src 'self'/);
  const facts = await page.locator("dl.facts").evaluate((dl) => {
    const out = {};
    for (const dt of dl.querySelectorAll("dt")) out[dt.textContent.trim()] = dt.nextElementSibling.textContent.trim();
    return out;
  });
  assert.equal(facts.Version, env.version);
  assert.match(facts.Database, /^SQLite — ready$/);
  assert.match(facts["File storage"], /^local — ready$/);
  assert.equal(await page.locator(".status-ok").count(), 2);
  assert.equal(await page.locator(".status-bad").count(), 0);
  await page.screenshot({ path: screenshotPath("home"), fullPage: true });

  // Each page and its scripts, with the strict CSP in force.
  await gotoFiles(page, env.main);
  const users = await page.goto(`${env.main}/users`);
  assert.match((await users.allHeaders())["content-security-policy"] || "", /default-src 'self'/);
  await page.locator("#user-rows").waitFor({ state: "attached" });
  await page.waitForLoadState("networkidle");
  for (const nav of ["Home", "Files", "Users"]) {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: nav, exact: true }).click();
    await page.waitForLoadState("networkidle");
  }
  assert.equal(await page.title(), "Users · anyport");
  assertNoPageIssues(issues);

  assert.ok(assetResponses.length >= 3, "the stylesheet and scripts were fetched");
  for (const r of assetResponses) {
    assert.equal(r.status(), 200, r.url());
    assert.match(r.headers()["cache-control"] || "", /immutable/, r.url());
  }
});

browserTest("under BASE_PATH=/prefix the files page loads, uploads and lists", async ({ page }) => {
  const file = makeFile(`${uniquePrefix("prefixed")}under prefix.bin`, 128 * KIB);
  assert.ok(env.prefix.endsWith("/prefix"));
  await gotoFiles(page, env.prefix);
  const basePath = new URL(env.prefix).pathname;
  assert.equal(await page.evaluate(() => document.body.dataset.base), basePath);
  // The stylesheet came through the prefix: the header has its border.
  assert.equal(await page.locator("header").evaluate((h) => getComputedStyle(h).borderBottomStyle), "solid");
  const navHrefs = await page.getByRole("navigation", { name: "Main" }).getByRole("link").evaluateAll(
    (links) => links.map((a) => a.getAttribute("href")));
  assert.ok(navHrefs.every((h) => h.startsWith(`${basePath}/`)), `nav links: ${navHrefs}`);

  await page.setInputFiles("#file-input", [file]);
  const state = await waitForUpload(page, file.name, "done");
  assert.equal(state.progress, 100);
  const link = fileLink(page, file.name);
  await link.waitFor();
  assert.equal(await link.getAttribute("href"), `${basePath}/api/v1/files/${encodeURIComponent(file.name)}`);
  const fetched = await page.request.get(new URL(await link.getAttribute("href"), env.prefix).href);
  assert.equal(fetched.status(), 200);
  assert.ok((await fetched.body()).equals(file.buffer));
  assert.deepEqual((await apiList(env.prefix)).map((f) => f.name), [file.name]);
  await page.screenshot({ path: screenshotPath("files-base-path"), fullPage: true });
});

// With no icon declared, Chromium asks every origin for /favicon.ico, gets 404 and logs
// "Failed to load resource" on the console: the pages declare an empty data: icon.
test("pages declare an icon, so the browser logs no /favicon.ico 404", async () => {
  const session = await openPage(browser);
  try {
    for (const url of [`${env.main}/`, `${env.main}/files`, `${env.main}/users`, `${env.prefix}/`]) {
      await session.page.goto(url);
      const icon = await session.page.locator('link[rel~="icon"]').getAttribute("href", { timeout: 1000 }).catch(() => null);
      assert.ok(icon !== null, `${url} declares no icon`);
    }
  } finally {
    await session.context.close();
  }
});
