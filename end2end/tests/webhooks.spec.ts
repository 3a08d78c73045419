import { expect, test } from "@playwright/test";
import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { admin, apiToken, hydrated, logIn, seedSecret, servedBodies } from "./helpers";

type Received = { headers: IncomingHttpHeaders; body: string };

/** A real HTTP receiver on loopback that records every post. */
async function startReceiver(): Promise<{ server: Server; port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, received };
}

let receiver: Server | undefined;
test.afterEach(() => receiver?.close());

test("an admin adds a webhook under Settings → Integrations and sees what was delivered to it", async ({ browser, request }) => {
  const hook = await startReceiver();
  receiver = hook.server;
  const pathSecret = `path-secret-${Date.now()}`;
  seedSecret(pathSecret);

  const page = await (await browser.newContext()).newPage();
  const served = servedBodies(page);
  await logIn(page, admin.email, admin.password);
  const token = await apiToken(page);
  await page.goto("/settings/integrations");
  await hydrated(page);
  const form = page.getByRole("form", { name: "Webhook" });
  await form.getByLabel("URL").fill(`http://127.0.0.1:${hook.port}/hooks/${pathSecret}`);
  await expect(form.getByRole("checkbox", { name: /approval\.requested/ })).toBeChecked();
  await form.getByRole("checkbox", { name: /run\.finished/ }).check();
  await form.getByRole("button", { name: "Add webhook" }).click();
  const secret = (await page.getByTestId("webhook-secret").textContent())!.trim();
  expect(secret.length).toBeGreaterThanOrEqual(32);
  seedSecret(secret);
  // From here on, nothing Bosun serves may repeat the secret.
  const servedAfter = servedBodies(page);
  // The URL, whose path is a secret here, does not stay in the form.
  await expect(form.getByLabel("URL")).toHaveValue("");
  // Other specs may have added webhooks of their own.
  const row = page.getByTestId("webhook").filter({ hasText: `:${hook.port}/` });
  await expect(row).toContainText(`http://127.0.0.1:${hook.port}/…`);
  await expect(row).toContainText("approval.requested run.finished");

  // An agent's call waits for approval (the restricted mode asks before
  // an email; earlier specs leave no rule for it); the receiver hears of
  // it, signed.
  const auth = { Authorization: `Bearer ${token}` };
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name: "Notifier", tools: ["send_email"], execution_mode: "restricted" },
  })).json();
  const key = (await (await request.post(`/api/v1/agents/${agent.id}/keys`, { headers: auth, data: { name: "e2e" } })).json()).key;
  const run = await (await request.post(`/api/v1/agents/${agent.id}/runs`, { headers: auth, data: { input: {} } })).json();
  const worker = { Authorization: `Bearer ${key}` };
  expect((await request.get("/api/v1/runtime/runs/next?wait=2", { headers: worker })).status()).toBe(200);
  const asked = await (await request.post(`/api/v1/runtime/runs/${run.id}/tool-calls`, {
    headers: worker, data: { tool: "send_email", input: "ops@example.com" },
  })).json();
  expect(asked.decision).toBe("pending");

  await expect.poll(() => hook.received.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
  const delivery = hook.received[0];
  const body = JSON.parse(delivery.body);
  expect(body.event).toBe("approval.requested");
  expect(body.url).toContain(`/inbox?request=${asked.approval_id}`);
  expect(body.data.input).toBe("ops@example.com");
  const timestamp = delivery.headers["x-bosun-timestamp"] as string;
  const expected = createHmac("sha256", secret).update(`${timestamp}.${delivery.body}`).digest("hex");
  expect(delivery.headers["x-bosun-signature"]).toBe(`sha256=${expected}`);
  expect(delivery.body).not.toContain(secret);

  // The delivery log shows it delivered at the first attempt.
  await page.getByRole("button", { name: `Deliveries to http://127.0.0.1:${hook.port}/…` }).click();
  const log = page.getByTestId("deliveries");
  const delivered = log.getByTestId("delivery").filter({ hasText: "approval.requested" }).filter({ hasText: "delivered" });
  await expect(async () => {
    await log.getByRole("button", { name: "Refresh" }).click();
    await expect(delivered).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(delivered).toContainText("HTTP 204");

  // The URL's path never came back to the browser, nor the secret after
  // it was shown once.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId("webhook-secret")).toHaveCount(0);
  for (const text of served) expect(text).not.toContain(pathSecret);
  expect(servedAfter.length).toBeGreaterThan(0);
  for (const text of servedAfter) expect(text).not.toContain(secret);
});

test("a person turns request emails off under My account", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  await page.goto("/account");
  await hydrated(page);
  const emails = page.getByRole("checkbox", { name: "Email me when a request waits for my decision" });
  await expect(emails).toBeChecked();
  await emails.uncheck();
  await page.getByRole("region", { name: "Notifications" }).getByRole("button", { name: "Save" }).click();
  await page.reload();
  await hydrated(page);
  await expect(emails).not.toBeChecked();
  await emails.check();
  await page.getByRole("region", { name: "Notifications" }).getByRole("button", { name: "Save" }).click();
  await page.reload();
  await expect(emails).toBeChecked();
});
