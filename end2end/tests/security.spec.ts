import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { addMember, admin, hydrated, logIn, seedSecret } from "./helpers";
import { baseURL } from "../playwright.config";

// Stored text must stay text. Hostile text goes into every field a person or
// an agent can fill, then every page that shows it is loaded: the test fails
// if any of it runs (each payload calls `__pwned()`, which the test exposes
// and counts) or if the browser reports any Content-Security-Policy
// violation — Bosun's own scripts included, which must all run under the
// policy (the pages still hydrate).

/** Fits fields of at most 100 characters (names, labels). */
const short = (field: string) =>
  `${field}</title><script>__pwned()</script>"><img src=x onerror=__pwned()>`;

/** For free text. */
const long = (field: string) =>
  `${short(field)} '><svg onload=__pwned()> javascript:__pwned() {{constructor.constructor('__pwned()')()}} ` +
  `</textarea><iframe src="javascript:__pwned()"></iframe><a href="javascript:__pwned()">x</a>`;

type Watch = { pwned: string[]; violations: string[] };

/** Counts injected script runs and CSP violations on `page`. */
async function watch(page: Page): Promise<Watch> {
  const seen: Watch = { pwned: [], violations: [] };
  await page.exposeFunction("__pwned", () => seen.pwned.push(page.url()));
  await page.exposeFunction("__cspViolation", (what: string) => seen.violations.push(`${page.url()}: ${what}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { __cspViolation: (what: string) => void }).__cspViolation;
      report(`${event.violatedDirective} blocked ${event.blockedURI} at ${event.sourceFile}:${event.lineNumber}`);
    });
  });
  page.on("console", (message) => {
    if (/Content[ -]Security[ -]Policy/i.test(message.text())) seen.violations.push(`${page.url()}: ${message.text()}`);
  });
  return seen;
}

/** A personal access token named `name`, made on My account. */
async function tokenNamed(page: Page, name: string): Promise<string> {
  await page.goto("/account");
  await hydrated(page);
  await page.getByLabel("Token name").fill(name);
  await page.getByRole("button", { name: "Create token" }).click();
  return (await page.getByTestId("new-token").textContent())!.trim();
}

async function post(request: APIRequestContext, token: string, path: string, data: object) {
  const response = await request.post(path, { headers: { Authorization: `Bearer ${token}` }, data });
  expect(response.status(), `POST ${path}: ${await response.text()}`).toBeLessThan(300);
  return response.status() === 204 ? null : response.json();
}

/** Loads each page, waits until the bundle has taken over, and checks that
 *  nothing injected ran and nothing was blocked. */
async function sweep(page: Page, seen: Watch, paths: string[]) {
  for (const path of paths) {
    await page.goto(path);
    await hydrated(page);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    // Live updates and anything late get a moment to misbehave.
    await page.waitForTimeout(300);
    expect(seen.pwned, `injected script ran on ${path}`).toEqual([]);
    expect(seen.violations, `CSP violations on ${path}`).toEqual([]);
  }
}

test("hostile text in every field stays text on every page, under a CSP nobody violates", async ({ browser, request }) => {
  test.setTimeout(180_000);
  const adminPage = await (await browser.newContext()).newPage();
  const adminSeen = await watch(adminPage);
  await logIn(adminPage, admin.email, admin.password);
  const token = await tokenNamed(adminPage, short("token"));

  // A member, named with hostile text, who edits the agent and reviews.
  const memberName = short("member");
  await addMember(adminPage, memberName, "mallory@example.com", "mallory's password");
  const memberPage = await (await browser.newContext()).newPage();
  const memberSeen = await watch(memberPage);
  await logIn(memberPage, "mallory@example.com", "mallory's password");
  const memberToken = await tokenNamed(memberPage, short("member token"));

  const agent = await post(request, token, "/api/v1/agents", {
    name: short("agent"),
    description: long("description"),
    instructions: long("instructions"),
    tools: ["system_shell", "read_file"],
    execution_mode: "restricted",
  });
  const memberId = (await (await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${memberToken}` } })).json()).id;
  await post(request, token, `/api/v1/agents/${agent.id}/grants`, { user_id: memberId, level: "edit" });
  await post(request, token, `/api/v1/agents/${agent.id}/rules`, {
    tool: "read_file", action: "ask", pattern: "/srv/*", note: long("agent rule note"),
  });
  await post(request, token, "/api/v1/rules", {
    tool: "read_file", action: "deny", pattern: "/etc/shadow", note: long("enforced rule note"), enforced: true,
  });
  await post(request, token, "/api/v1/rules", {
    tool: "system_shell", action: "ask", pattern: "sudo *", note: long("workspace rule note"),
  });
  // The tool stays in the catalog for the specs after this one: its
  // description must not read like a form label ("Description") they use.
  await post(request, token, "/api/v1/tools", {
    name: "hostile_tool", description: long("tool blurb"), argument_kind: "text", default_risk: "caution", category: "read",
  });
  const clientSecret = `hostile-provider-secret-${Date.now()}`;
  seedSecret(clientSecret);
  await post(request, token, "/api/v1/oauth/providers", {
    name: "hostile", display_name: short("provider"), client_id: short("client"), client_secret: clientSecret,
    authorize_url: "https://provider.example/authorize", token_url: "https://provider.example/token", scopes: "openid",
  });

  // A run with hostile input, a free-form event, and tool calls: one denied
  // with a hostile message, one left waiting in the inbox.
  const key = (await post(request, token, `/api/v1/agents/${agent.id}/keys`, { name: short("key") })).key;
  const run = await post(request, token, `/api/v1/agents/${agent.id}/runs`, { input: { task: long("run input") } });
  const claimed = await request.get("/api/v1/runtime/runs/next?wait=5", { headers: { Authorization: `Bearer ${key}` } });
  expect(claimed.status()).toBe(200);
  await post(request, key, `/api/v1/runtime/runs/${run.id}/events`, { kind: short("event"), note: long("event") });
  const denied = await post(request, key, `/api/v1/runtime/runs/${run.id}/tool-calls`, {
    tool: "system_shell", input: `echo '${long("denied tool input")}'`,
  });
  expect(denied.decision).toBe("pending");
  await post(request, memberToken, `/api/v1/approvals/${denied.approval_id}/decision`, {
    decision: "deny", message: long("approval message"),
  });
  const waiting = await post(request, key, `/api/v1/runtime/runs/${run.id}/tool-calls`, {
    tool: "system_shell", input: `echo '${long("waiting tool input")}'`,
  });
  expect(waiting.decision).toBe("pending");

  const agentPage = `/agents/${agent.id}`;
  await sweep(adminPage, adminSeen, [
    "/", "/agents", "/agents?view=mine", agentPage, `${agentPage}/permissions`, "/inbox", "/traces",
    `/traces?q=${encodeURIComponent(short("search"))}`, `/traces/${run.id}`, "/settings", "/settings/members",
    "/settings/tools", "/settings/security", "/settings/integrations", "/account",
  ]);
  await sweep(memberPage, memberSeen, ["/inbox", "/agents", agentPage, `${agentPage}/permissions`, `/traces/${run.id}`, "/account"]);

  // The text did arrive, as text.
  await memberPage.goto("/inbox");
  await hydrated(memberPage);
  await expect(memberPage.locator("li.request").filter({ hasText: "waiting tool input</title><script>" })).toBeVisible();
  await adminPage.goto(agentPage);
  await hydrated(adminPage);
  await expect(adminPage.getByRole("heading", { level: 1 })).toHaveText(short("agent"));
  expect(await adminPage.title()).toBe(`${short("agent")} · Bosun`);
  await adminPage.goto("/settings/members");
  await expect(adminPage.getByRole("row").filter({ hasText: memberName })).toBeVisible();
  await adminPage.goto(`/traces/${run.id}`);
  await expect(adminPage.getByText("approval message</title>", { exact: false }).first()).toBeVisible();

  expect(adminSeen.pwned).toEqual([]);
  expect(memberSeen.pwned).toEqual([]);
  expect([...adminSeen.violations, ...memberSeen.violations]).toEqual([]);
});

test("the login page keeps a hostile error as text and never follows next off the site", async ({ browser }) => {
  // The login page hands `next` (decoded) to the login call; a tab or a line
  // break in it would be dropped by the browser, turning `/\t/evil.example`
  // into `//evil.example`.
  for (const next of ["javascript:__pwned()", "/\t/evil.example", "/%09/evil.example", "//evil.example", "/\\evil.example"]) {
    const page = await (await browser.newContext()).newPage();
    const seen = await watch(page);
    const error = encodeURIComponent(long("login error"));
    await sweep(page, seen, [`/login?error=${error}&next=${encodeURIComponent(next)}`]);
    await expect(page.getByText("login error</title><script>", { exact: false })).toBeVisible();
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    const landed = new URL(page.url());
    expect(`${landed.host}${landed.pathname}`, `next=${JSON.stringify(next)}`).toBe(`${new URL(baseURL).host}/`);
    expect(seen.pwned).toEqual([]);
    expect(seen.violations).toEqual([]);
    await page.context().close();
  }
});

test("server push still reaches an open inbox under the CSP", async ({ browser, request }) => {
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  await addMember(adminPage, "Rita Reviewer", "rita@example.com", "rita's password");
  const token = await tokenNamed(adminPage, "push check");
  const page = await (await browser.newContext()).newPage();
  const seen = await watch(page);
  await logIn(page, "rita@example.com", "rita's password");
  const ritaToken = await tokenNamed(page, "push check");
  const ritaId = (await (await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${ritaToken}` } })).json()).id;
  const agent = await post(request, token, "/api/v1/agents", { name: "Push check", tools: ["system_shell"] });
  await post(request, token, `/api/v1/agents/${agent.id}/grants`, { user_id: ritaId, level: "edit" });
  const key = (await post(request, token, `/api/v1/agents/${agent.id}/keys`, { name: "push check" })).key;
  const run = await post(request, token, `/api/v1/agents/${agent.id}/runs`, { input: {} });
  await page.goto("/inbox");
  await hydrated(page);
  expect((await request.get("/api/v1/runtime/runs/next?wait=5", { headers: { Authorization: `Bearer ${key}` } })).status()).toBe(200);
  await post(request, key, `/api/v1/runtime/runs/${run.id}/tool-calls`, { tool: "system_shell", input: "echo pushed-live" });
  await expect(page.locator("li.request").filter({ hasText: "echo pushed-live" })).toBeVisible();
  expect(seen.pwned).toEqual([]);
  expect(seen.violations).toEqual([]);
});

test("the policy blocks an inline script Bosun did not write, and the browser reports it", async ({ page }) => {
  // Proves the watch above can see a violation at all, and that markup which
  // did slip into a page could not run.
  const seen = await watch(page);
  await logIn(page, admin.email, admin.password);
  await page.evaluate(() => {
    const script = document.createElement("script");
    script.textContent = "__pwned()";
    document.body.append(script);
  });
  await expect.poll(() => seen.violations.length).toBeGreaterThan(0);
  expect(seen.violations.join("\n")).toContain("script-src");
  expect(seen.pwned).toEqual([]);
});
