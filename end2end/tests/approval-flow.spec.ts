import { expect, test, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addMember, admin, apiToken, hydrated, logIn, seedSecret } from "./helpers";
import { baseURL, maildir } from "../playwright.config";

// The whole approval flow as a team meets it: a structured file write read,
// edited and previewed on the inbox card; a call allowed for the rest of its
// run; a waiting run cancelled from its page; and the people concerned told
// where they are, by a signed webhook and by email.

let worker: ChildProcess | undefined;
let receiver: Server | undefined;
test.afterEach(() => {
  worker?.kill();
  receiver?.close();
});

type Received = { headers: IncomingHttpHeaders; body: string };

/** A real HTTP receiver on loopback that records every post. */
async function startReceiver(): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver!.listen(0, "127.0.0.1", resolve));
  return { port: (receiver.address() as AddressInfo).port, received };
}

/** The emails the SMTP server received, quoted-printable undone. */
function emails(): string[] {
  const inbox = join(maildir, "new");
  if (!existsSync(inbox)) return [];
  return readdirSync(inbox).map((name) =>
    readFileSync(join(inbox, name), "utf8")
      .replace(/=\r?\n/g, "")
      .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
  );
}

/** Waits for the email about the request whose input is `path`: sent
 *  while the request waits, before anyone decides it. */
async function emailed(path: string) {
  await expect.poll(() => emails().filter((mail) => mail.includes("Flow Scribe") && mail.includes(`Input: ${path}`)).length, {
    timeout: 20_000,
  }).toBe(1);
}

async function startRun(page: Page, agentId: string, steps: object[]) {
  await page.goto(`/agents/${agentId}`);
  await hydrated(page);
  await page.getByLabel("Input (JSON)").fill(JSON.stringify({ steps }));
  await page.getByRole("button", { name: "Start run" }).click();
}

test("a file write is edited with its decision previewed, a call is allowed for its run, a waiting run is cancelled, and a webhook and an email tell of it", async ({ browser, request }) => {
  const hook = await startReceiver();
  const hookSecret = `whsec_flow_${Date.now()}_signing`;
  seedSecret(hookSecret);

  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  const auth = { Authorization: `Bearer ${await apiToken(adminPage)}` };
  const webhook = await request.post("/api/v1/webhooks", {
    headers: auth,
    data: { url: `http://127.0.0.1:${hook.port}/bosun`, events: ["approval.requested", "run.finished"], kind: "generic", secret: hookSecret },
  });
  expect(webhook.status()).toBe(201);
  const webhookId = (await webhook.json()).id;

  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name: "Flow Scribe", tools: ["write_file"], execution_mode: "restricted" },
  })).json();
  const key = (await (await request.post(`/api/v1/agents/${agent.id}/keys`, { headers: auth, data: { name: "e2e" } })).json()).key;
  const workdir = realpathSync(mkdtempSync(join(tmpdir(), "bosun-worker-")));
  mkdirSync(join(workdir, "docs"));
  worker = spawn(process.env.BOSUN_BIN ?? "../target/debug/bosun", ["worker", "--url", baseURL, "--key", key, "--workdir", workdir], {
    stdio: "inherit",
  });
  expect((await request.post(`/api/v1/agents/${agent.id}/rules`, {
    headers: auth, data: { tool: "write_file", action: "allow", pattern: `${workdir}/docs/*` },
  })).status()).toBe(201);

  // The reviewer edits the agent, so she decides its requests (the admin
  // starts the runs and, self-approval being off, does not).
  await addMember(adminPage, "Vera Flow", "vera.flow@example.com", "vera's password");
  const vera = await (await browser.newContext()).newPage();
  await logIn(vera, "vera.flow@example.com", "vera's password");
  const veraId = (await (await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${await apiToken(vera)}` } })).json()).id;
  expect((await request.post(`/api/v1/agents/${agent.id}/grants`, {
    headers: auth, data: { user_id: veraId, level: "edit" },
  })).status()).toBe(201);
  await vera.goto("/inbox");
  await hydrated(vera);

  // 1. A structured file write: the card shows the content; the edit is
  // previewed before it is approved, and the worker writes the edit.
  await startRun(adminPage, agent.id, [{ tool: "write_file", input: { path: "notes.txt", content: "draft\n" } }]);
  const write = vera.locator("li.request").filter({ hasText: "notes.txt" });
  await expect(write.getByTestId("content")).toHaveText("+ draft\n");
  await emailed("notes.txt");
  await write.getByRole("button", { name: "Edit…" }).click();
  await write.getByLabel("Run this instead (JSON)").fill(JSON.stringify({ path: "docs/notes.txt", content: "final\n" }));
  await expect(write.getByTestId("edit-preview")).toContainText("The rules would allow the edited call");
  await write.getByRole("button", { name: "Approve edited call" }).click();
  await expect(write).toHaveCount(0);
  await expect(adminPage.getByTestId("run-status").first()).toHaveText("succeeded", { timeout: 15_000 });
  expect(readFileSync(join(workdir, "docs", "notes.txt"), "utf8")).toBe("final\n");

  // 2. Allowed for the run: the run's second write of the same file goes
  // through without asking.
  await startRun(adminPage, agent.id, [
    { tool: "write_file", input: { path: "log.txt", content: "one\n" } },
    { tool: "write_file", input: { path: "./log.txt", content: "two\n" } },
  ]);
  const log = vera.locator("li.request").filter({ hasText: "log.txt" });
  await expect(log).toHaveCount(1);
  await emailed("log.txt");
  await log.getByRole("button", { name: "Allow for this run" }).click();
  await expect(adminPage.getByTestId("run-status").first()).toHaveText("succeeded", { timeout: 15_000 });
  expect(readFileSync(join(workdir, "log.txt"), "utf8")).toBe("two\n");
  await expect(vera.locator("li.request")).toHaveCount(0);

  // 3. A run waiting for a decision is cancelled from its page.
  await startRun(adminPage, agent.id, [{ tool: "write_file", input: { path: "wait.txt", content: "x" } }]);
  const waiting = vera.locator("li.request").filter({ hasText: "wait.txt" });
  await expect(waiting).toBeVisible();
  await emailed("wait.txt");
  await adminPage.getByRole("link", { name: /^Trace of run/ }).first().click();
  await hydrated(adminPage);
  await expect(adminPage.getByTestId("waiting")).toHaveText(
    /^waiting for approval of write_file: wait\.txt — can be decided by (.+, )?Vera Flow(, .+)?$/,
  );
  await adminPage.getByRole("button", { name: "Cancel run…" }).click();
  await adminPage.getByRole("button", { name: "Yes, cancel the run" }).click();
  await expect(adminPage.getByTestId("run-status")).toHaveText("cancelled");
  await expect(waiting).toHaveCount(0);
  expect(existsSync(join(workdir, "wait.txt"))).toBe(false);

  // The webhook heard of each request and of the cancelled run, signed
  // with its secret, which no body carries.
  const events = () =>
    hook.received.map((delivery) => ({ delivery, body: JSON.parse(delivery.body) }))
      .filter(({ body }) => body.data.agent?.name === "Flow Scribe");
  await expect.poll(() => events().filter(({ body }) => body.event === "run.finished" && body.data.status === "cancelled").length, {
    timeout: 20_000,
  }).toBe(1);
  const requested = events().filter(({ body }) => body.event === "approval.requested");
  expect(requested.map(({ body }) => body.data.input).sort()).toEqual(["log.txt", "notes.txt", "wait.txt"]);
  for (const { delivery } of events()) {
    const timestamp = delivery.headers["x-bosun-timestamp"] as string;
    const signature = createHmac("sha256", hookSecret).update(`${timestamp}.${delivery.body}`).digest("hex");
    expect(delivery.headers["x-bosun-signature"]).toBe(`sha256=${signature}`);
    expect(delivery.body).not.toContain(hookSecret);
  }

  // Each email went to the reviewer (and to no one who may not decide,
  // such as the admin who started the runs), naming the tool and linking
  // to the request.
  const sent = emails().filter((mail) => mail.includes("Flow Scribe"));
  expect(sent).toHaveLength(3);
  for (const mail of sent) {
    expect(mail).toMatch(/^To: vera\.flow@example\.com/m);
    expect(mail).not.toMatch(/^To: admin@example\.com/m);
    expect(mail).toContain("Tool: write_file");
    expect(mail).toContain(`${baseURL}/inbox?request=`);
  }

  expect((await request.delete(`/api/v1/webhooks/${webhookId}`, { headers: auth })).ok()).toBe(true);
});
