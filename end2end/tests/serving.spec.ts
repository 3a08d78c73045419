import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { admin, agentWithReviewer, apiToken, hydrated, logIn } from "./helpers";
import { baseURL } from "../playwright.config";

// How Bosun travels to the browser: the bundle under content-hashed names,
// precompressed and cached for good; pages revalidated, signed-in pages not
// kept at all; dynamic answers compressed, server push not held back; and a
// click before the page has come alive is kept, not lost.

type Raw = { status: number; headers: IncomingHttpHeaders; body: Buffer };

/** A GET with exactly these request headers (a browser's API would add its
 *  own Accept-Encoding and undo the compression before we see it). */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(new URL(path, baseURL), { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end();
  });
}

/** The session cookie of a logged-in page, for raw requests. */
async function cookieOf(page: Page): Promise<string> {
  return (await page.context().cookies()).map((cookie) => `${cookie.name}=${cookie.value}`).join("; ");
}

/** The bundle's files as the login page names them. */
async function bundleOf(html: string): Promise<{ js: string; wasm: string; css: string }> {
  const find = (pattern: RegExp) => {
    const match = html.match(pattern);
    expect(match, `${pattern} in the page`).not.toBeNull();
    return match![1];
  };
  return {
    js: find(/<link rel="modulepreload" href="(\/pkg\/bosun\.[0-9a-f]{20}\.js)"/),
    wasm: find(/<link rel="preload" href="(\/pkg\/bosun\.[0-9a-f]{20}\.wasm)"/),
    css: find(/<link[^>]* rel="stylesheet" href="(\/pkg\/bosun\.[0-9a-f]{20}\.css)"/),
  };
}

test("the bundle has hashed names, is served precompressed by negotiation and cached for a year; pages are revalidated", async () => {
  const login = await rawGet("/login", { "Accept-Encoding": "br" });
  expect(login.status).toBe(200);
  // A page is compressed on the fly, and checked with the server each time.
  expect(login.headers["content-encoding"]).toBe("br");
  expect(login.headers["cache-control"]).toBe("no-cache");
  expect(login.headers["vary"]).toMatch(/accept-encoding/i);
  const html = brotliDecompressSync(login.body).toString();
  const bundle = await bundleOf(html);
  // The unhashed names of old are gone: nothing can serve a stale copy under them.
  expect((await rawGet("/pkg/bosun.wasm")).status).toBe(404);

  for (const [kind, path] of Object.entries(bundle)) {
    const plain = await rawGet(path);
    expect(plain.status, path).toBe(200);
    expect(plain.headers["content-encoding"], path).toBeUndefined();
    expect(plain.headers["cache-control"], path).toBe("public, max-age=31536000, immutable");
    expect(plain.headers["vary"], path).toMatch(/accept-encoding/i);
    expect(plain.headers["content-type"], path).toContain({ js: "javascript", wasm: "application/wasm", css: "text/css" }[kind]!);

    const brotli = await rawGet(path, { "Accept-Encoding": "gzip, deflate, br" });
    expect(brotli.headers["content-encoding"], path).toBe("br");
    expect(brotli.headers["cache-control"], path).toBe("public, max-age=31536000, immutable");
    expect(brotli.body.length, path).toBeLessThan(plain.body.length);
    expect(brotliDecompressSync(brotli.body).equals(plain.body), path).toBe(true);

    const gzip = await rawGet(path, { "Accept-Encoding": "gzip" });
    expect(gzip.headers["content-encoding"], path).toBe("gzip");
    expect(gunzipSync(gzip.body).equals(plain.body), path).toBe(true);
  }
  // The name is the content's: any other name is not there.
  expect((await rawGet(bundle.wasm.replace(/\.[0-9a-f]{20}\./, ".00000000000000000000."))).status).toBe(404);
});

/** The lazily loaded parts a page's head asks the browser to fetch with
 *  it, and the scripts it preloads as modules. */
function preloadsOf(html: string): { parts: string[]; modules: string[] } {
  const head = html.slice(0, html.indexOf("</head>"));
  const links = [...head.matchAll(/<link [^>]*>/g)].map(([tag]) => tag);
  const hrefOf = (tag: string) => tag.match(/ href="([^"]*)"/)?.[1] ?? "";
  return {
    parts: links.filter((tag) => / rel="preload"/.test(tag)).map(hrefOf).filter((href) => /^\/pkg\/(split|chunk)_/.test(href)),
    modules: links.filter((tag) => / rel="modulepreload"/.test(tag)).map(hrefOf),
  };
}

/** A signed-in page as the server sends it (brotli undone). */
async function pageHtml(path: string, cookie: string): Promise<string> {
  const response = await rawGet(path, { Cookie: cookie, "Accept-Encoding": "br" });
  expect(response.status, path).toBe(200);
  return brotliDecompressSync(response.body).toString();
}

test("the lazily loaded parts and their loader have hashed names, are served precompressed and cached for a year, and a lazy page preloads its own", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  const cookie = await cookieOf(page);
  const security = await pageHtml("/settings/security", cookie);
  const { js } = await bundleOf(security);
  // The main script imports the parts' loader, which names the parts.
  const main = (await rawGet(js)).body.toString();
  const loaderMatch = main.match(/from "\.\/(__wasm_split\.[0-9a-f]{20}\.js)"/);
  expect(loaderMatch, "the loader's import in the main script").not.toBeNull();
  const loader = `/pkg/${loaderMatch![1]}`;
  const loaderBody = (await rawGet(loader)).body.toString();
  const parts = [...loaderBody.matchAll(/"\.\/((?:split|chunk)_\w+\.[0-9a-f]{20}\.wasm)"/g)].map((match) => `/pkg/${match[1]}`);
  expect(parts.length).toBeGreaterThan(1);
  // The loader reaches the running module through the main script, by its hashed name.
  expect(loaderBody).toContain(`from "./${js.replace("/pkg/", "")}"`);

  for (const path of [loader, ...parts]) {
    const plain = await rawGet(path);
    expect(plain.status, path).toBe(200);
    expect(plain.headers["cache-control"], path).toBe("public, max-age=31536000, immutable");
    expect(plain.headers["content-type"], path).toContain(path.endsWith(".js") ? "javascript" : "application/wasm");
    const brotli = await rawGet(path, { "Accept-Encoding": "br" });
    expect(brotli.headers["content-encoding"], path).toBe("br");
    expect(brotliDecompressSync(brotli.body).equals(plain.body), path).toBe(true);
    // A name that is not the content's is not there.
    expect((await rawGet(path.replace(/\.[0-9a-f]{20}\./, ".00000000000000000000."))).status, path).toBe(404);
  }

  // A lazily loaded page asks for its parts with the page, beside the main
  // bundle, rather than after the main bundle has run.
  const preloads = preloadsOf(security);
  expect(preloads.parts.length).toBeGreaterThan(0);
  for (const path of preloads.parts) expect(parts).toContain(path);
  expect(preloads.parts.filter((path) => path.startsWith("/pkg/split_"))).toEqual([
    expect.stringMatching(/^\/pkg\/split___security_route_view_\d+\.[0-9a-f]{20}\.wasm$/),
  ]);
  expect(preloads.modules).toContain(loader);
  // The inbox, the agents and an agent's pages are in the main part: they
  // ask for no part.
  for (const path of ["/inbox", "/agents", "/agents/new"]) {
    expect(await pageHtml(path, cookie), path).not.toMatch(/\/pkg\/(split|chunk)_|__wasm_split/);
  }
});

test("each lazily loaded page names its own parts, however many pages are served at once", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  const cookie = await cookieOf(page);
  const pages: Record<string, string> = {
    "/settings/security": "security",
    "/traces": "traces",
    "/settings": "settings",
    "/settings/members": "members",
    "/settings/tools": "tools",
    "/settings/integrations": "integrations",
    "/account": "account",
  };
  // Many at once, so that several render side by side on each of the
  // server's page threads, lazily loaded or not.
  const paths = Array.from({ length: 6 }, () => [...Object.keys(pages), "/inbox"]).flat();
  const served = await Promise.all(paths.map(async (path) => ({ path, html: await pageHtml(path, cookie) })));
  for (const { path, html } of served) {
    const { parts, modules } = preloadsOf(html);
    const own = parts.filter((part) => part.startsWith("/pkg/split_"));
    if (path === "/inbox") {
      expect(parts, path).toEqual([]);
      expect(modules.filter((module) => module.includes("__wasm_split")), path).toEqual([]);
      continue;
    }
    expect(own, path).toEqual([expect.stringMatching(new RegExp(`^/pkg/split___${pages[path]}_route_view_`))]);
    expect(new Set(parts).size, `${path}: each part once`).toBe(parts.length);
    expect(modules.filter((module) => module.includes("__wasm_split")), path).toHaveLength(1);
  }
});

test("signed-in pages are not kept by any cache, JSON is compressed, and the icons and manifest are served", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  const cookie = await cookieOf(page);
  const inbox = await rawGet("/inbox", { Cookie: cookie, "Accept-Encoding": "gzip" });
  expect(inbox.status).toBe(200);
  expect(inbox.headers["cache-control"]).toBe("private, no-store");
  expect(inbox.headers["content-encoding"]).toBe("gzip");
  expect(gunzipSync(inbox.body).toString()).toContain("Inbox");

  const token = await apiToken(page);
  // The catalog: JSON of some size (a few bytes would not be worth it).
  const tools = await rawGet("/api/v1/tools", { Authorization: `Bearer ${token}`, "Accept-Encoding": "br" });
  expect(tools.status).toBe(200);
  expect(tools.headers["content-encoding"]).toBe("br");
  expect(JSON.stringify(JSON.parse(brotliDecompressSync(tools.body).toString()))).toContain("system_shell");

  for (const [path, type] of [
    ["/favicon.svg", "image/svg+xml"], ["/favicon.ico", "image/x-icon"],
    ["/icon-192.png", "image/png"], ["/manifest.webmanifest", "application/manifest+json"],
  ]) {
    const response = await page.request.get(path);
    expect(response.status(), path).toBe(200);
    expect(response.headers()["content-type"], path).toBe(type);
  }
  await page.goto("/inbox");
  await expect(page.locator('link[rel="manifest"]')).toHaveAttribute("href", "/manifest.webmanifest");
  await expect(page.locator('link[rel="icon"][href="/favicon.ico"]')).toHaveCount(1);
});

/** Holds the browser bundle's WebAssembly back until `release` is
 *  called, so that the page stays as the server sent it. */
async function holdBundle(page: Page): Promise<() => void> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/pkg\/bosun\.[0-9a-f]+\.wasm$/, async (route) => {
    await released;
    await route.continue();
  });
  return release;
}

/** A reviewer's page and an agent's run asking for shell commands. */
async function pausedRuns(browser: Browser, request: APIRequestContext) {
  const stamp = Date.now();
  return agentWithReviewer(browser, request, `Early ${stamp}`, {
    name: `Early Clicker ${stamp}`, email: `early-${stamp}@example.com`, password: "early clicker's password",
  });
}

test("server push reaches the page at once with compression on", async ({ browser, request }) => {
  const { page, ask } = await pausedRuns(browser, request);
  // The stream itself: never compressed (an encoder would hold events back).
  const cookie = await cookieOf(page);
  const events = await new Promise<{ headers: IncomingHttpHeaders; first: Promise<string>; close: () => void }>((resolve, reject) => {
    const request = httpRequest(new URL("/events/inbox", baseURL), { headers: { Cookie: cookie, "Accept-Encoding": "gzip, br" } }, (response) => {
      const first = new Promise<string>((got) => response.on("data", (chunk: Buffer) => got(chunk.toString())));
      resolve({ headers: response.headers, first, close: () => request.destroy() });
    });
    request.on("error", reject);
    request.end();
  });
  try {
    expect(events.headers["content-type"]).toContain("text/event-stream");
    expect(events.headers["content-encoding"]).toBeUndefined();
    await ask("echo pushed");
    const started = Date.now();
    expect(await events.first).toContain("event: inbox");
    expect(Date.now() - started).toBeLessThan(3_000);
  } finally {
    events.close();
  }
  // And the page: an open inbox shows a new request without reloading.
  await page.goto("/inbox");
  await hydrated(page);
  await ask("echo live");
  await expect(page.locator("li.request").filter({ hasText: "echo live" })).toBeVisible({ timeout: 5_000 });
});

test("a click before the page has come alive waits visibly and takes effect once it has", async ({ browser, request }) => {
  const { page, keyAuth, askCall } = await pausedRuns(browser, request);
  const call = await askCall("echo clicked early");

  // The bundle is held back until the click has happened.
  const release = await holdBundle(page);
  await page.goto("/inbox", { waitUntil: "domcontentloaded" });
  const card = page.locator(`li.request[data-approval-id="${call.approval_id}"]`);
  const allow = card.getByRole("button", { name: "Allow once" });
  await allow.click();
  // Not alive yet: the page says it is loading, the button that it waits.
  await expect(page.locator("html")).not.toHaveAttribute("data-hydrated", "true");
  await expect(allow).toHaveAttribute("aria-busy", "true");
  expect(await page.evaluate(() => getComputedStyle(document.body, "::before").content)).not.toBe("none");
  const decision = await request.get(`/api/v1/runtime/tool-calls/${call.id}?wait=0`, { headers: keyAuth });
  expect((await decision.json()).decision).toBe("pending");

  release();
  await hydrated(page);
  // The click was played again: the request is decided and leaves the inbox.
  await expect(card).toHaveCount(0);
  const decided = await (await request.get(`/api/v1/runtime/tool-calls/${call.id}?wait=5`, { headers: keyAuth })).json();
  expect(decided.decision).toBe("allow");
});

test("a form submitted before the page has come alive does not put its fields in the address", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  const release = await holdBundle(page);
  await page.goto("/agents/new", { waitUntil: "domcontentloaded" });
  const name = `Early form ${Date.now()}`;
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Name").press("Enter");
  await expect(page.getByRole("button", { name: "Create agent" })).toHaveAttribute("aria-busy", "true");
  expect(new URL(page.url()).search).toBe("");
  release();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  expect(new URL(page.url()).search).toBe("");
});

test("a lazily loaded page holds a press until its own part has arrived and the page is alive", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  // The main bundle arrives; the lazily loaded parts (the workspace rules'
  // page is in some) are held back.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let heldParts = 0;
  await page.route(/\/pkg\/(split|chunk)_\w+\.[0-9a-f]+\.wasm$/, async (route) => {
    heldParts += 1;
    await released;
    await route.continue();
  });
  const mainWasm = page.waitForResponse(/\/pkg\/bosun\.[0-9a-f]+\.wasm$/);
  await page.goto("/settings/security", { waitUntil: "domcontentloaded" });
  await mainWasm;
  const enforced = page.getByRole("region", { name: "Enforced rules" });
  const add = enforced.getByRole("button", { name: "Add rule" });
  await add.click();
  // The main bundle is running, but the page is not alive until its part is.
  await expect.poll(() => heldParts).toBeGreaterThan(0);
  // Time for the main bundle to do all it would do without the part (a
  // marker set by an effect, say, would be set by now).
  await page.waitForTimeout(1_000);
  await expect(add).toHaveAttribute("aria-busy", "true");
  await expect(page.locator("html")).not.toHaveAttribute("data-hydrated", "true");
  await expect(enforced.getByRole("button", { name: "Save rule" })).toHaveCount(0);
  release();
  await hydrated(page);
  // The press was played again: the rule editor is open.
  await expect(enforced.getByRole("button", { name: "Save rule" })).toBeVisible();
  await expect(enforced.getByLabel("Action")).toHaveValue("deny");
});

test("logging in before the page has come alive goes through as a plain form", async ({ page }) => {
  const release = await holdBundle(page);
  await page.goto("/login", { waitUntil: "domcontentloaded" });
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Log in" }).click();
  // Sent by the browser itself, not held: the signed-in page comes
  // (its bundle held back too) with nothing in the address.
  await expect(page.getByRole("banner")).toBeVisible();
  expect(new URL(page.url()).search).toBe("");
  release();
  await hydrated(page);
});

test("a request made while the inbox is loading appears once the page listens, without a reload", async ({ browser, request }) => {
  const stamp = Date.now();
  const reviewer = { name: `Lia ${stamp}`, email: `lia-${stamp}@example.com`, password: "lia's password" };
  const { page, ask } = await agentWithReviewer(browser, request, `Late ${stamp}`, reviewer);
  // The page is rendered with an empty inbox; the request is made before
  // its push stream opens, so no push will ever tell of it.
  let opening!: () => void;
  const held = new Promise<void>((resolve) => (opening = resolve));
  await page.route("**/events/inbox", async (route) => {
    await held;
    await route.continue();
  });
  await page.goto("/inbox");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: "Nothing waits for you" })).toBeVisible();
  await ask(`rm -rf /tmp/late-${stamp}`);
  opening();
  await expect(page.locator("li.request").filter({ hasText: `late-${stamp}` })).toBeVisible();
});
