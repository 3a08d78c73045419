import { expect, test, type Page } from "@playwright/test";
import { admin, hydrated, logIn, seedSecret, servedBodies } from "./helpers";

// The real OpenID provider scripts/test starts (end2end/oidc/provider.mjs).
const issuer = process.env.BOSUN_TEST_OIDC_ISSUER;

/** Signs in at the test provider's own page, as a person would. */
async function signInAtProvider(page: Page, email: string) {
  await expect(page).toHaveTitle("Sign in to Test Provider");
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("an admin sets up a provider, a user connects their account, a run gets their token, and people sign in with it", async ({ page, browser, request, baseURL }) => {
  expect(issuer, "BOSUN_TEST_OIDC_ISSUER is set by scripts/test").toBeTruthy();
  const served = servedBodies(page);
  const client = await (await request.post(`${issuer}/reg`, {
    data: { redirect_uris: [`${baseURL}/oauth/callback`] },
  })).json();
  seedSecret(client.client_secret);

  // Settings → Integrations: the provider, its endpoints discovered.
  await logIn(page, admin.email, admin.password);
  await page.goto("/settings/integrations");
  await hydrated(page);
  const form = page.getByRole("form", { name: "Provider" });
  await form.getByLabel("Name (what agents ask for)").fill("mail");
  await form.getByLabel("Display name").fill("Test Mail");
  await form.getByLabel("OpenID Connect issuer").fill(issuer!);
  await form.getByLabel("Client id").fill(client.client_id);
  await form.getByLabel("Client secret").fill(client.client_secret);
  await form.getByLabel("Scopes").fill("openid email");
  await form.getByLabel("People may sign in to Bosun with it").check();
  await form.getByRole("button", { name: "Add provider" }).click();
  const provider = page.getByTestId("provider-mail");
  await expect(provider).toContainText("Test Mail");
  await expect(provider).toContainText(client.client_id);

  // An agent that acts as its user, needing the mail account.
  await page.goto("/agents/new");
  await hydrated(page);
  await page.getByLabel("Name").fill("Mail assistant");
  await page.getByRole("radio", { name: /The user's own accounts/ }).check();
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Mail assistant" })).toBeVisible();
  const agentUrl = page.url();
  const needs = page.getByRole("region", { name: "Accounts it needs" });
  await needs.getByLabel("Provider").selectOption("mail");
  await needs.getByLabel("Scopes").fill("mail.read");
  await needs.getByRole("button", { name: "Add account" }).click();
  await expect(needs.getByTestId("need-mail")).toContainText("mail.read");

  // Without the account, the run does not start, and says where to connect.
  const runs = page.getByRole("region", { name: "Runs" });
  await runs.getByRole("button", { name: "Start run" }).click();
  await expect(runs.getByRole("alert")).toContainText("Test Mail");
  await expect(runs.getByRole("alert")).toContainText("Connections");

  // My account → Connections (linked from the error): through the
  // provider's own sign-in page.
  await runs.getByRole("link", { name: "Go to your connections" }).click();
  await expect(page).toHaveURL(/\/account#connections$/);
  await hydrated(page);
  const row = page.getByTestId("connection-mail");
  await expect(row.getByTestId("connection-status")).toHaveText("not connected");
  await row.getByRole("button", { name: "Connect Test Mail" }).click();
  await signInAtProvider(page, admin.email);
  await expect(page.getByRole("status").filter({ hasText: "Connected your mail account." })).toBeVisible();
  await hydrated(page);
  await expect(row.getByTestId("connection-status")).toHaveText("connected");
  await expect(row).toContainText("mail.read");

  // A run started from the agent page gets the starter's token.
  await page.goto(agentUrl);
  await hydrated(page);
  const keys = page.getByRole("region", { name: "Runtime keys" });
  await keys.getByLabel("Key name").fill("worker");
  await keys.getByRole("button", { name: "Create key" }).click();
  const key = (await keys.getByTestId("new-key").textContent())!.trim();
  await runs.getByRole("button", { name: "Start run" }).click();
  await expect(runs.getByTestId("run-status").first()).toHaveText("queued");
  const worker = { Authorization: `Bearer ${key}` };
  const claimed = (await (await request.get("/api/v1/runtime/runs/next?wait=5", { headers: worker })).json()).run;
  const issued = await request.post(`/api/v1/runtime/runs/${claimed.id}/credentials/mail`, { headers: worker });
  expect(issued.status()).toBe(200);
  const token = (await issued.json()).value as string;
  seedSecret(token);
  const me = await (await request.get(`${issuer}/me`, { headers: { Authorization: `Bearer ${token}` } })).json();
  expect(me.sub).toBe(admin.email);

  // The run's timeline names the hand-over, not the token.
  await page.goto(`/traces/${claimed.id}`);
  await hydrated(page);
  await expect(page.getByText(/received the mail token of .* \(scopes .*mail\.read/)).toBeVisible();
  expect(await page.content()).not.toContain(token);

  // Signing in with the provider, in a browser nobody is signed in to.
  const fresh = await browser.newContext({ baseURL });
  const visitor = await fresh.newPage();
  await visitor.goto("/login");
  await hydrated(visitor);
  await visitor.getByRole("button", { name: "Sign in with Test Mail" }).click();
  await signInAtProvider(visitor, admin.email);
  await expect(visitor.getByRole("navigation", { name: "Main" })).toBeVisible();
  await visitor.goto("/account");
  await expect(visitor.getByText(admin.email)).toBeVisible();
  await fresh.close();

  // Nothing this browser was served holds the client secret or the token.
  for (const secret of [client.client_secret, token]) {
    expect(served.some((body) => body.includes(secret))).toBe(false);
  }
});
