import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addMember, admin, apiToken, hydrated, logIn, seedSecret, servedBodies } from "./helpers";
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

/** A member who edits the agent, and so reviews its requests, logged in. */
async function reviewer(adminPage: Page, browser: Browser, request: APIRequestContext, agentId: string, auth: object, name: string) {
  // Its own address: other tests' members share the server.
  const email = `${name.split(" ")[0].toLowerCase()}.structured@example.com`;
  await addMember(adminPage, name, email, "a reviewer's password");
  const rhea = await (await browser.newContext()).newPage();
  await logIn(rhea, email, "a reviewer's password");
  const rheaId = (await (await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${await apiToken(rhea)}` } })).json()).id;
  expect((await request.post(`/api/v1/agents/${agentId}/grants`, {
    headers: auth, data: { user_id: rheaId, level: "edit" },
  })).status()).toBe(201);
  return rhea;
}

test("a structured file write is read on the inbox card, edited with its decision previewed, and the worker writes the edit", async ({ browser, request }) => {
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  const auth = { Authorization: `Bearer ${await apiToken(adminPage)}` };
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name: "Scribe", tools: ["write_file"], execution_mode: "restricted" },
  })).json();
  const key = (await (await request.post(`/api/v1/agents/${agent.id}/keys`, { headers: auth, data: { name: "e2e" } })).json()).key;
  const workdir = startWorker(key);
  mkdirSync(join(workdir, "docs"));
  mkdirSync(join(workdir, "secrets"));
  for (const [action, pattern] of [["allow", `${workdir}/docs/*`], ["deny", `${workdir}/secrets/*`]]) {
    expect((await request.post(`/api/v1/agents/${agent.id}/rules`, {
      headers: auth, data: { tool: "write_file", action, pattern },
    })).status()).toBe(201);
  }
  const rhea = await reviewer(adminPage, browser, request, agent.id, auth, "Rhea Reviewer");
  await rhea.goto("/inbox");
  await hydrated(rhea);

  // The agent's run asks to write a file outside docs/: the restricted mode asks.
  await adminPage.goto(`/agents/${agent.id}`);
  await hydrated(adminPage);
  const steps = [{ tool: "write_file", input: { path: "notes.txt", content: "line one\nline two\n" } }];
  await adminPage.getByLabel("Input (JSON)").fill(JSON.stringify({ steps }));
  await adminPage.getByRole("button", { name: "Start run" }).click();

  const card = rhea.locator("li.request").filter({ hasText: "notes.txt" });
  await expect(card).toBeVisible();
  await expect(card).toContainText("Writes notes.txt (2 lines)");
  await expect(card.getByTestId("content")).toHaveText("+ line one\n+ line two\n");
  await expect(card.getByTestId("working-dir")).toContainText(workdir);
  const why = card.getByTestId("why").getByRole("link");
  await expect(why).toHaveText("Asked by the agent's restricted mode (no rule matched)");
  await expect(why).toHaveAttribute("href", `/agents/${agent.id}/permissions`);
  const runLink = card.getByRole("link", { name: /^Run / });
  const runHref = await runLink.getAttribute("href");
  expect(runHref).toMatch(/^\/traces\//);

  // Edit: the JSON is checked and the rules' decision previewed before approving.
  await card.getByRole("button", { name: "Edit…" }).click();
  const edit = card.getByLabel("Run this instead (JSON)");
  await expect(edit).toHaveValue(/"path": "notes.txt"/);
  const preview = card.getByTestId("edit-preview");
  const approve = card.getByRole("button", { name: "Approve edited call" });
  await edit.fill(JSON.stringify({ path: "secrets/notes.txt", content: "final text\n" }));
  await expect(preview).toContainText("The rules would deny the edited call");
  await expect(approve).toBeDisabled();
  await edit.fill(JSON.stringify({ path: "docs/notes.txt" }));
  await expect(card).toContainText("input.content: is required");
  await expect(approve).toBeDisabled();
  await edit.fill(JSON.stringify({ path: "docs/notes.txt", content: "final text\n" }, null, 2));
  await expect(preview).toContainText("The rules would allow the edited call: agent rule #1");
  await approve.click();
  await expect(card).toHaveCount(0);

  await expect(adminPage.getByTestId("run-status").first()).toHaveText("succeeded", { timeout: 15_000 });
  expect(readFileSync(join(workdir, "docs", "notes.txt"), "utf8")).toBe("final text\n");
  expect(existsSync(join(workdir, "notes.txt"))).toBe(false);

  // The run's timeline shows the call as asked, laid out, and the edit on record.
  await rhea.goto(runHref!);
  await hydrated(rhea);
  const timeline = rhea.getByRole("list", { name: "Timeline" });
  await expect(timeline).toContainText("asks to write_file: notes.txt");
  await expect(timeline.getByTestId("content").first()).toHaveText("+ line one\n+ line two\n");
  await expect(timeline).toContainText("edit by Rhea Reviewer");
});

test("secrets in a structured request are masked on the card and never kept", async ({ browser, request }) => {
  const headerSecret = `Bearer e2e-${Date.now()}-hdr`;
  const issuedSecret = `ghp_e2e_${Date.now()}_issued`;
  seedSecret(headerSecret);
  seedSecret(issuedSecret);
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  const auth = { Authorization: `Bearer ${await apiToken(adminPage)}` };
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name: "Caller", tools: ["http_request"], execution_mode: "restricted" },
  })).json();
  expect((await request.put(`/api/v1/agents/${agent.id}/credentials/github`, {
    headers: auth, data: { service_account: "bot", value: issuedSecret },
  })).ok()).toBe(true);
  const rex = await reviewer(adminPage, browser, request, agent.id, auth, "Rex Reviewer");
  const keyAuth = { Authorization: `Bearer ${(await (await request.post(`/api/v1/agents/${agent.id}/keys`, { headers: auth, data: { name: "e2e" } })).json()).key}` };
  await request.post(`/api/v1/agents/${agent.id}/runs`, { headers: auth, data: { input: {} } });
  const run = (await (await request.get("/api/v1/runtime/runs/next?wait=5", { headers: keyAuth })).json()).run;
  const issued = await (await request.post(`/api/v1/runtime/runs/${run.id}/credentials/github`, { headers: keyAuth })).json();
  expect(issued.value).toBe(issuedSecret);
  const asked = await (await request.post(`/api/v1/runtime/runs/${run.id}/tool-calls`, {
    headers: keyAuth,
    data: {
      tool: "http_request",
      input: {
        url: "https://api.github.example/user/repos", method: "POST",
        headers: { Authorization: headerSecret, "X-GitHub-Token": issuedSecret, Accept: "application/json" },
        body: `{"name": "demo", "note": "${issuedSecret}"}`,
      },
    },
  })).json();
  expect(asked.decision).toBe("pending");

  const served = servedBodies(rex);
  await rex.goto("/inbox");
  await hydrated(rex);
  const card = rex.locator("li.request").filter({ hasText: "api.github.example" });
  await expect(card).toContainText("POST https://api.github.example/user/repos");
  const headers = card.getByRole("table", { name: "Headers" });
  await expect(headers.getByRole("row").filter({ hasText: "Authorization" })).toContainText("[redacted]");
  await expect(headers.getByRole("row").filter({ hasText: "Accept" })).toContainText("application/json");
  await expect(card.getByLabel("Body")).toContainText(`"note": "[redacted: github]"`);
  expect(served.length).toBeGreaterThan(0);
  for (const body of served) {
    expect(body).not.toContain(headerSecret);
    expect(body).not.toContain(issuedSecret);
  }
  expect(await rex.content()).not.toContain(issuedSecret);
});

test("an admin gives a custom tool an input schema and a subject on Settings → Tools, and a bad schema is refused by name", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  await page.goto("/settings/tools");
  await hydrated(page);
  const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Add tool" }) });
  await form.getByLabel("Name").fill("deploy_service");
  await form.getByLabel(/Subject of an object input/).fill("/service");
  await form.getByLabel(/Input schema/).fill('{"type": "nonsense"}');
  await form.getByRole("button", { name: "Add tool" }).click();
  await expect(form.getByRole("alert")).toContainText("input_schema: is not a valid JSON Schema");
  await form.getByLabel(/Input schema/).fill(JSON.stringify({ type: "object", properties: { service: { type: "string" } }, required: ["service"] }));
  await form.getByRole("button", { name: "Add tool" }).click();
  await expect(page.getByRole("row").filter({ hasText: "deploy_service" })).toContainText("objects by /service");
  await expect(page.getByRole("row").filter({ hasText: "write_file" })).toContainText("objects by /path");
});
