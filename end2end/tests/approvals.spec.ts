import { expect, test, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addMember, admin, apiToken, hydrated, logIn } from "./helpers";
import { baseURL } from "../playwright.config";

let worker: ChildProcess | undefined;
test.afterEach(() => worker?.kill());

/** The reference worker, claiming the agent's runs in a fresh directory. */
function startWorker(key: string): string {
  const workdir = mkdtempSync(join(tmpdir(), "bosun-worker-"));
  worker = spawn(process.env.BOSUN_BIN ?? "../target/debug/bosun", ["worker", "--url", baseURL, "--key", key, "--workdir", workdir], {
    stdio: "inherit",
  });
  return workdir;
}

async function startRun(page: Page, agentId: string, steps: object[]) {
  await page.goto(`/agents/${agentId}`);
  await hydrated(page);
  await page.getByLabel("Input (JSON)").fill(JSON.stringify({ steps }));
  await page.getByRole("button", { name: "Start run" }).click();
}

test("a paused deletion is approved, edited or denied from the inbox while the worker waits, and the trace tells it", async ({ browser, request }) => {
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  await addMember(adminPage, "Rhea Reviewer", "rhea@example.com", "rhea's password");
  const token = await apiToken(adminPage);
  const auth = { Authorization: `Bearer ${token}` };
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name: "Janitor", tools: ["delete_file", "list_directory"], execution_mode: "restricted" },
  })).json();
  expect((await request.post(`/api/v1/agents/${agent.id}/rules`, {
    headers: auth, data: { tool: "delete_file", action: "ask", pattern: "*" },
  })).status()).toBe(201);
  const rhea = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await logIn(rhea, "rhea@example.com", "rhea's password");
  const rheaToken = await apiToken(rhea);
  const rheaId = (await (await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${rheaToken}` } })).json()).id;
  expect((await request.post(`/api/v1/agents/${agent.id}/grants`, {
    headers: auth, data: { user_id: rheaId, level: "edit" },
  })).status()).toBe(201);
  const key = (await (await request.post(`/api/v1/agents/${agent.id}/keys`, { headers: auth, data: { name: "e2e" } })).json()).key;
  const workdir = startWorker(key);
  for (const file of ["old.log", "a.log", "b.log", "keep.txt"]) writeFileSync(join(workdir, file), "x");

  // Rhea's inbox is open before anything is asked.
  await rhea.goto("/inbox");
  await hydrated(rhea);
  await expect(rhea.getByText("Nothing waits for you")).toBeVisible();

  // Allow once.
  await startRun(adminPage, agent.id, [{ tool: "delete_file", input: "old.log" }]);
  const card = rhea.locator("li.request").filter({ hasText: "old.log" });
  await expect(card).toBeVisible();
  await expect(card.getByTestId("risk")).toHaveText("dangerous");
  await expect(card).toContainText("Started by admin, on their behalf");
  await expect(rhea.getByRole("navigation", { name: "Main" }).getByLabel("1 waiting")).toBeVisible();
  await card.getByRole("button", { name: "Allow once" }).click();
  await expect(card).toHaveCount(0);
  await expect(adminPage.getByTestId("run-status").first()).toHaveText("succeeded", { timeout: 15_000 });
  expect(existsSync(join(workdir, "old.log"))).toBe(false);

  // Edit: approve a different file instead, with the keyboard.
  await startRun(adminPage, agent.id, [{ tool: "delete_file", input: "a.log" }]);
  const editCard = rhea.locator("li.request").filter({ hasText: "a.log" });
  await editCard.focus();
  await rhea.keyboard.press("e");
  await editCard.getByLabel("Run this instead").fill("b.log");
  await editCard.getByRole("button", { name: "Approve edited call" }).click();
  await expect(editCard).toHaveCount(0);
  await expect(adminPage.getByTestId("run-status").first()).toHaveText("succeeded", { timeout: 15_000 });
  expect(existsSync(join(workdir, "a.log"))).toBe(true);
  expect(existsSync(join(workdir, "b.log"))).toBe(false);

  // Deny with a message: the worker stops, the file stays.
  await startRun(adminPage, agent.id, [{ tool: "delete_file", input: "keep.txt" }]);
  const denyCard = rhea.locator("li.request").filter({ hasText: "keep.txt" });
  await denyCard.getByRole("button", { name: "Deny…" }).click();
  await denyCard.getByLabel("Message to the agent").fill("keep that one");
  await denyCard.getByRole("button", { name: "Deny", exact: true }).click();
  await expect(adminPage.getByTestId("run-status").first()).toHaveText("failed", { timeout: 15_000 });
  expect(existsSync(join(workdir, "keep.txt"))).toBe(true);

  // Every decision is on record: the inbox keeps the decided requests.
  const decided = await (await request.get("/api/v1/approvals?status=approved", { headers: { Authorization: `Bearer ${rheaToken}` } })).json();
  expect(decided.items.map((a: { decision: string }) => a.decision).sort()).toEqual(["allow_once", "edit"]);
  const denied = await (await request.get("/api/v1/approvals?status=denied", { headers: { Authorization: `Bearer ${rheaToken}` } })).json();
  expect(denied.items[0].message).toBe("keep that one");

  // The trace: a search by tool finds these runs; a run's timeline shows
  // the rule that paused it and the reviewer's answer; the export holds
  // the same events as the search.
  await rhea.goto("/traces");
  await hydrated(rhea);
  await rhea.getByLabel("Tool").fill("delete_file");
  await rhea.getByRole("button", { name: "Search" }).click();
  await expect(rhea).toHaveURL(/tool=delete_file/);
  const steps = rhea.getByRole("table", { name: "Steps" });
  const resolved = steps.getByRole("row").filter({ hasText: "approval.resolved" }).filter({ hasText: "keep that one" });
  await expect(resolved).toHaveCount(1);
  await resolved.getByRole("link").click();
  const timeline = rhea.getByRole("list", { name: "Timeline" });
  await expect(timeline).toContainText("asks to delete_file: keep.txt");
  await expect(timeline).toContainText("ask by rule ask delete_file *");
  await expect(timeline).toContainText("deny by Rhea Reviewer: “keep that one”");
  await expect(timeline).toContainText("finished: failed");

  await rhea.goto("/traces?tool=delete_file");
  await hydrated(rhea);
  const download = rhea.waitForEvent("download");
  await rhea.getByRole("link", { name: "JSON", exact: true }).click();
  const exported = JSON.parse(readFileSync((await (await download).path())!, "utf8"));
  const searched = await (await request.get("/api/v1/traces?tool=delete_file&limit=200", {
    headers: { Authorization: `Bearer ${rheaToken}` },
  })).json();
  const seqs = (events: { seq: number }[]) => events.map((e) => e.seq).sort((a, b) => a - b);
  expect(exported.events.length).toBeGreaterThan(0);
  expect(seqs(exported.events)).toEqual(seqs(searched.items));
  expect(exported.events.every((e: { hash: string; data: { tool: string } }) => e.hash.length === 64 && e.data.tool === "delete_file")).toBe(true);
});

test("Always allow offers the request's own words, shows what else it allows and which admin rule it overrides, and asks before overriding it", async ({ browser, request }) => {
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  await addMember(adminPage, "Mia Member", "mia@example.com", "mia's password");
  const auth = { Authorization: `Bearer ${await apiToken(adminPage)}` };
  const adminRule = await (await request.post("/api/v1/rules", {
    headers: auth, data: { tool: "system_shell", action: "ask", pattern: "git push *" },
  })).json();
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name: "Pusher", tools: ["system_shell"], execution_mode: "restricted" },
  })).json();
  const mia = await (await browser.newContext()).newPage();
  await logIn(mia, "mia@example.com", "mia's password");
  const miaAuth = { Authorization: `Bearer ${await apiToken(mia)}` };
  const miaId = (await (await request.get("/api/v1/me", { headers: miaAuth })).json()).id;
  expect((await request.post(`/api/v1/agents/${agent.id}/grants`, {
    headers: auth, data: { user_id: miaId, level: "edit" },
  })).status()).toBe(201);

  // The agent's worker, played over the runtime API (nothing is pushed).
  const keyAuth = { Authorization: `Bearer ${(await (await request.post(`/api/v1/agents/${agent.id}/keys`, { headers: auth, data: { name: "e2e" } })).json()).key}` };
  await request.post(`/api/v1/agents/${agent.id}/runs`, { headers: auth, data: { input: {} } });
  const run = (await (await request.get("/api/v1/runtime/runs/next?wait=5", { headers: keyAuth })).json()).run;
  const ask = async (command: string) => (await request.post(`/api/v1/runtime/runs/${run.id}/tool-calls`, {
    headers: keyAuth, data: { tool: "system_shell", input: command },
  })).json();
  const first = await ask("git push origin main");
  expect(first.decision).toBe("pending");
  expect((await request.post(`/api/v1/approvals/${first.approval_id}/decision`, {
    headers: miaAuth, data: { decision: "allow_once" },
  })).status()).toBe(200);
  const second = await ask("git push origin main");

  await mia.goto("/inbox");
  await hydrated(mia);
  const card = mia.locator(`li.request[data-approval-id="${second.approval_id}"]`);
  await card.getByRole("button", { name: "Always allow…" }).click();
  const panel = card.getByRole("form", { name: "Always allow" });
  // The request's own words, not `git *`; a member is offered the agent's list only.
  await expect(panel.getByLabel("Pattern")).toHaveValue("git push origin main");
  await expect(panel.getByLabel("Add the rule to").locator("option")).toHaveText(["this agent's rules"]);
  await expect(panel.getByRole("list", { name: "Also allowed" })).toHaveText("git push origin main");
  const overrides = panel.getByRole("alert", { name: "Overrides" });
  await expect(overrides).toContainText("workspace rule #1: ask system_shell `git push *`");
  const add = panel.getByRole("button", { name: "Allow and add rule" });
  await expect(add).toBeDisabled();
  await overrides.getByLabel("Add it anyway, overriding these rules").check();
  await add.click();
  await expect(card).toHaveCount(0);

  // The rule allows that push and nothing else; the admin's rule still asks for the rest.
  const rules = await (await request.get(`/api/v1/agents/${agent.id}/rules`, { headers: auth })).json();
  expect(rules.items.map((r: { pattern: string }) => r.pattern)).toEqual(["git push origin main"]);
  expect((await ask("git push origin main")).decision).toBe("allow");
  const other = await ask("git push origin main --force");
  expect(other.decision).toBe("pending");
  expect(other.reason).toMatchObject({ kind: "rule", layer: "workspace", rule_id: adminRule.id });
});
