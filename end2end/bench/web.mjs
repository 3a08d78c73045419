// The web benchmark (run by scripts/bench-web against a server it started):
// what the browser bundle weighs on disk and on the wire, and how soon the
// inbox is interactive in Chromium on a throttled network, cold and warm.
//
// "Interactive" means: the browser bundle has hydrated the page (the
// `data-hydrated` marker on <html> is set) and the first request's
// "Allow once" button is on the page — the moment a click on it is handled
// by the page rather than held for later. It is timed from the start of
// the navigation (performance.now() in the page, recorded by a
// MutationObserver installed before the page's own scripts).
//
// Environment: BENCH_URL, BENCH_TOKEN (an admin's token), BENCH_EMAIL,
// BENCH_PASSWORD, BENCH_SITE (the site directory served), BENCH_RUNS
// (loads per setting, median reported; default 3).
import { chromium } from "@playwright/test";
import { request as httpRequest } from "node:http";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const base = process.env.BENCH_URL;
const token = process.env.BENCH_TOKEN;
const site = process.env.BENCH_SITE;
const runs = Number(process.env.BENCH_RUNS ?? 3);
const auth = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };

function raw(method, path, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const request = httpRequest(new URL(path, base), { method, headers }, (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
    });
    request.on("error", reject);
    if (body !== undefined) request.write(JSON.stringify(body));
    request.end();
  });
}
async function api(method, path, body) {
  const response = await raw(method, path, auth, body);
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.body}`);
  return JSON.parse(response.body.toString() || "null");
}

// One request waiting in the admin's inbox, so the inbox shows a decision
// to make (self-approval on, so the admin may decide their own run's).
await api("PATCH", "/api/v1/workspace", { self_approval: true });
const agent = await api("POST", "/api/v1/agents", { name: `Bench ${Date.now()}`, tools: ["system_shell"], execution_mode: "restricted" });
const key = (await api("POST", `/api/v1/agents/${agent.id}/keys`, { name: "bench" })).key;
await api("POST", `/api/v1/agents/${agent.id}/runs`, { input: {} });
const worker = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
const run = JSON.parse((await raw("GET", "/api/v1/runtime/runs/next?wait=5", worker)).body).run;
await raw("POST", `/api/v1/runtime/runs/${run.id}/tool-calls`, worker, { tool: "system_shell", input: "echo bench" });

// --- the bundle's bytes ------------------------------------------------------
// Every file of the bundle: the main parts the pages link, and the lazily
// loaded parts with their loader and manifest.
const assets = readdirSync(join(site, "pkg"))
  .filter((name) => !name.endsWith(".br") && !name.endsWith(".gz"))
  .sort()
  .map((name) => `/pkg/${name}`);
const table = [];
for (const path of assets) {
  const file = join(site, path);
  const size = (name) => { try { return statSync(name).size; } catch { return null; } };
  const sent = async (encoding) => {
    const response = await raw("GET", path, encoding ? { "Accept-Encoding": encoding } : {});
    return `${response.body.length}${response.headers["content-encoding"] ? ` (${response.headers["content-encoding"]})` : ""}`;
  };
  table.push({
    asset: path.replace("/pkg/", ""),
    "disk": size(file), "disk .br": size(`${file}.br`), "disk .gz": size(`${file}.gz`),
    "sent br": await sent("br"), "sent gzip": await sent("gzip"), "sent none": await sent(""),
  });
}
console.log("\nThe bundle (bytes):");
console.table(table);

// --- time to interactive -----------------------------------------------------
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const loginContext = await browser.newContext({ baseURL: base });
const loginPage = await loginContext.newPage();
await loginPage.goto("/login");
await loginPage.waitForSelector("html[data-hydrated]");
await loginPage.getByLabel("Email").fill(process.env.BENCH_EMAIL);
await loginPage.getByLabel("Password").fill(process.env.BENCH_PASSWORD);
await loginPage.getByRole("button", { name: "Log in" }).click();
await loginPage.getByRole("banner").waitFor();
const storageState = await loginContext.storageState();
await loginContext.close();

const recordInteractive = () => {
  new MutationObserver((_, observer) => {
    if (document.documentElement.hasAttribute("data-hydrated")) {
      window.__hydratedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
};

/** One load of the inbox; `cold` empties the browser's cache first. */
async function load(page, cdp, cold) {
  if (cold) await cdp.send("Network.clearBrowserCache");
  let transferred = 0;
  const urls = new Map();
  const bundle = {};
  const onResponse = (event) => urls.set(event.requestId, new URL(event.response.url).pathname);
  const onFinished = (event) => {
    transferred += event.encodedDataLength;
    const path = urls.get(event.requestId);
    if (path?.startsWith("/pkg/")) bundle[path.slice("/pkg/".length)] = event.encodedDataLength;
  };
  cdp.on("Network.responseReceived", onResponse);
  cdp.on("Network.loadingFinished", onFinished);
  if (cold) await page.goto("/inbox"); else await page.reload();
  await page.waitForFunction(() => window.__hydratedAt !== undefined, undefined, { timeout: 120_000 });
  await page.getByRole("button", { name: "Allow once" }).first().waitFor();
  // The button comes with the server's HTML, before the bundle: the
  // marker is the later of the two.
  const hydratedAt = await page.evaluate(() => window.__hydratedAt);
  await page.waitForLoadState("networkidle");
  cdp.off("Network.responseReceived", onResponse);
  cdp.off("Network.loadingFinished", onFinished);
  return { ms: Math.round(hydratedAt), transferred, bundle };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const results = [];
let coldBundle = {};
for (const mbit of [50, 10]) {
  const cold = [];
  const warm = [];
  let coldBytes = 0;
  let warmBytes = 0;
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ baseURL: base, storageState });
    await context.addInitScript(recordInteractive);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 20,
      downloadThroughput: (mbit * 1_000_000) / 8,
      uploadThroughput: (mbit * 1_000_000) / 8,
    });
    const first = await load(page, cdp, true);
    cold.push(first.ms);
    coldBytes = first.transferred;
    coldBundle = first.bundle;
    const again = await load(page, cdp, false);
    warm.push(again.ms);
    warmBytes = again.transferred;
    await context.close();
  }
  results.push({
    network: `${mbit} Mbit/s, 20 ms`,
    "cold: interactive (ms)": median(cold),
    "cold: transferred (B)": coldBytes,
    "warm reload: interactive (ms)": median(warm),
    "warm reload: transferred (B)": warmBytes,
  });
}
await browser.close();
// What a cold load of the inbox fetched of the bundle (bytes as sent, with
// the headers; the browser asks for brotli).
const scripts = Object.entries(coldBundle).filter(([name]) => /\.(js|wasm)$/.test(name));
console.log("\nA cold load of the inbox fetched from /pkg/ (bytes transferred):");
console.table(Object.fromEntries(Object.entries(coldBundle).map(([name, bytes]) => [name, { bytes }])));
console.log(`wasm and JavaScript: ${scripts.reduce((sum, [, bytes]) => sum + bytes, 0)} B in ${scripts.length} files`);
console.log(`\nThe inbox, time to interactive (median of ${runs}):`);
console.table(results);
