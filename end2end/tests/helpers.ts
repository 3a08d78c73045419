import { expect, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { admin, baseURL, dataDir } from "../playwright.config";

export { admin } from "../playwright.config";

/** Where tests list the secrets they hand Bosun, for leak-scan.ts. */
export const SEEDED_SECRETS_FILE = "seeded-secrets.txt";

/** Records a secret a test handed to Bosun: the leak scan at the end of
 *  the run fails if it shows up in the server's log or database files. */
export function seedSecret(secret: string) {
  appendFileSync(join(dataDir, SEEDED_SECRETS_FILE), `${secret}\n`);
}

/** Waits until the browser bundle has taken over the page. */
export async function hydrated(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("data-hydrated", "true");
}

/** Every body Bosun serves this page from now on (pages, server
 *  functions, API calls), for tests that check a secret never comes back. */
export function servedBodies(page: Page): string[] {
  const served: string[] = [];
  page.on("response", async (response) => {
    if (response.url().startsWith(baseURL)) served.push(await response.text().catch(() => ""));
  });
  return served;
}

/** Logs in through the login form and waits for the signed-in shell. */
export async function logIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  // The page header, whose navigation a phone's width folds behind a menu.
  await expect(page.getByRole("banner")).toBeVisible();
  await hydrated(page);
}

/** An admin adds a member through Settings → Members. */
export async function addMember(adminPage: Page, name: string, email: string, password: string) {
  await adminPage.goto("/settings/members");
  await hydrated(adminPage);
  await adminPage.getByLabel("Name").fill(name);
  await adminPage.getByLabel("Email").fill(email);
  await adminPage.getByLabel("Initial password").fill(password);
  await adminPage.getByRole("button", { name: "Add member" }).click();
  await expect(adminPage.getByRole("row").filter({ hasText: email })).toBeVisible();
}

/** A personal access token for the logged-in user, made on My account. */
export async function apiToken(page: Page): Promise<string> {
  await page.goto("/account");
  await hydrated(page);
  await page.getByLabel("Token name").fill(`e2e-${Date.now()}`);
  await page.getByRole("button", { name: "Create token" }).click();
  return (await page.getByTestId("new-token").textContent())!.trim();
}

/** Adds a rule to one list of a rules page (by its region's name), choosing every field. */
export async function addRule(page: Page, list: string, tool: string, action: string, pattern: string) {
  const section = page.getByRole("region", { name: list });
  await section.getByRole("button", { name: "Add rule" }).click();
  await section.getByLabel("Tool").selectOption(tool);
  await section.getByLabel("Action").selectOption(action);
  await section.getByLabel("Pattern").fill(pattern);
  await section.getByRole("button", { name: "Save rule" }).click();
  await expect(section.locator("li.rule").filter({ hasText: pattern })).toBeVisible();
}

/** Creates an agent through the New agent form and waits on its page. */
export async function createAgent(page: Page, name: string) {
  await page.goto("/agents/new");
  await hydrated(page);
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await hydrated(page);
}

export type Auth = { Authorization: string };

/** An agent of the admin's that `reviewer` may edit (so decide for), with
 *  one run claimed by its worker (`keyAuth`), played over the runtime API;
 *  `ask` makes the worker ask for a shell command and answers the
 *  approval's id, `askCall` the tool call's id as well. */
export async function agentWithReviewer(browser: Browser, request: APIRequestContext, name: string, reviewer: { name: string; email: string; password: string }) {
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  await addMember(adminPage, reviewer.name, reviewer.email, reviewer.password);
  const auth: Auth = { Authorization: `Bearer ${await apiToken(adminPage)}` };
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name, tools: ["system_shell"], execution_mode: "restricted" },
  })).json();
  const page = await (await browser.newContext()).newPage();
  await logIn(page, reviewer.email, reviewer.password);
  const reviewerAuth: Auth = { Authorization: `Bearer ${await apiToken(page)}` };
  const reviewerId = (await (await request.get("/api/v1/me", { headers: reviewerAuth })).json()).id;
  expect((await request.post(`/api/v1/agents/${agent.id}/grants`, {
    headers: auth, data: { user_id: reviewerId, level: "edit" },
  })).status()).toBe(201);
  const keyAuth: Auth = {
    Authorization: `Bearer ${(await (await request.post(`/api/v1/agents/${agent.id}/keys`, { headers: auth, data: { name: "e2e" } })).json()).key}`,
  };
  expect((await request.post(`/api/v1/agents/${agent.id}/runs`, { headers: auth, data: { input: {} } })).status()).toBe(201);
  const run = (await (await request.get("/api/v1/runtime/runs/next?wait=5", { headers: keyAuth })).json()).run;
  expect(run.agent_id).toBe(agent.id);
  const askCall = async (command: string): Promise<{ id: string; approval_id: string }> => {
    const call = await (await request.post(`/api/v1/runtime/runs/${run.id}/tool-calls`, {
      headers: keyAuth, data: { tool: "system_shell", input: command },
    })).json();
    expect(call.decision).toBe("pending");
    return call;
  };
  const ask = async (command: string): Promise<string> => (await askCall(command)).approval_id;
  return { adminPage, auth, agent, page, reviewerAuth, keyAuth, ask, askCall };
}
