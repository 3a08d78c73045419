import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addMember, admin, apiToken, hydrated, logIn } from "./helpers";
import { baseURL } from "../playwright.config";

let worker: ChildProcess | undefined;
test.afterEach(() => worker?.kill());

/** The reference worker, claiming the agent's runs in a fresh directory. */
function startWorker(key: string): string {
  const workdir = realpathSync(mkdtempSync(join(tmpdir(), "bosun-worker-")));
  worker = spawn(process.env.BOSUN_BIN ?? "../target/debug/bosun", ["worker", "--url", baseURL, "--key", key, "--workdir", workdir], {
    stdio: "inherit",
  });
  return workdir;
}

/** An agent the admin owns, which a reviewer (Runa) may edit, with its worker running. */
async function agentWithWorker(browser: import("@playwright/test").Browser, request: APIRequestContext, name: string, tools: string[]) {
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  const auth = { Authorization: `Bearer ${await apiToken(adminPage)}` };
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name, tools, execution_mode: "restricted" },
  })).json();
  const runa = await (await browser.newContext()).newPage();
  await logIn(runa, "runa@example.com", "runa's password");
  const runaId = (await (await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${await apiToken(runa)}` } })).json()).id;
  expect((await request.post(`/api/v1/agents/${agent.id}/grants`, {
    headers: auth, data: { user_id: runaId, level: "edit" },
  })).status()).toBe(201);
  const key = (await (await request.post(`/api/v1/agents/${agent.id}/keys`, { headers: auth, data: { name: "e2e" } })).json()).key;
  const workdir = startWorker(key);
  return { adminPage, runa, agent, workdir };
}

async function startRun(page: Page, agentId: string, steps: object[]) {
  await page.goto(`/agents/${agentId}`);
  await hydrated(page);
  await page.getByLabel("Input (JSON)").fill(JSON.stringify({ steps }));
  await page.getByRole("button", { name: "Start run" }).click();
}

test.beforeAll(async ({ browser }) => {
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  await addMember(adminPage, "Runa Reviewer", "runa@example.com", "runa's password");
});

test("a request allowed for its run lets the run's second, same request through without asking", async ({ browser, request }) => {
  const { adminPage, runa, agent, workdir } = await agentWithWorker(browser, request, "Stamper", ["system_shell"]);
  await runa.goto("/inbox");
  await hydrated(runa);

  // The same file twice, written two ways: the second is the first as the rules read it.
  await startRun(adminPage, agent.id, [
    { tool: "system_shell", input: "touch ./stamp" },
    { tool: "system_shell", input: `touch ${workdir}/stamp` },
  ]);
  const card = runa.locator("li.request").filter({ hasText: "touch ./stamp" });
  await expect(card).toBeVisible();
  await card.getByRole("button", { name: "Allow for this run" }).click();
  await expect(card).toHaveCount(0);
  await expect(adminPage.getByTestId("run-status").first()).toHaveText("succeeded", { timeout: 15_000 });
  await expect(runa.locator("li.request")).toHaveCount(0);
  expect(existsSync(join(workdir, "stamp"))).toBe(true);

  // The run's page says what was allowed for it and by whom; its timeline
  // says the second call went through on that allowance.
  await adminPage.getByRole("link", { name: /^Trace of run/ }).first().click();
  await hydrated(adminPage);
  await expect(adminPage.getByTestId("run-status")).toHaveText("succeeded");
  const allowance = adminPage.getByTestId("run-allowance");
  await expect(allowance).toHaveCount(1);
  await expect(allowance).toContainText(`touch ${workdir}/stamp`);
  await expect(allowance).toContainText("by Runa Reviewer");
  const timeline = adminPage.getByRole("list", { name: "Timeline" });
  await expect(timeline).toContainText("allow_for_run by Runa Reviewer");
  await expect(timeline).toContainText("allow as allowed for this run by Runa Reviewer");
  await expect(timeline).toContainText("finished: succeeded");
});

test("a run waiting for a reviewer is cancelled from its page: the agent is told no and the request leaves the inbox", async ({ browser, request }) => {
  // A shell command: earlier tests leave an enforced rule denying every deletion by delete_file.
  const { adminPage, runa, agent, workdir } = await agentWithWorker(browser, request, "Sweeper", ["system_shell"]);
  writeFileSync(join(workdir, "old.log"), "x");
  await runa.goto("/inbox");
  await hydrated(runa);

  await startRun(adminPage, agent.id, [{ tool: "system_shell", input: "rm old.log" }, { tool: "system_shell", input: "rm older.log" }]);
  const card = runa.locator("li.request").filter({ hasText: "rm old.log" });
  await expect(card).toBeVisible();

  await adminPage.getByRole("link", { name: /^Trace of run/ }).first().click();
  await hydrated(adminPage);
  await expect(adminPage.getByTestId("run-status")).toHaveText("running");
  // Runa decides, and so does any admin but the run's starter (other specs add some).
  await expect(adminPage.getByTestId("waiting")).toHaveText(
    /^waiting for approval of system_shell: rm old\.log — can be decided by (.+, )?Runa Reviewer(, .+)?$/,
  );
  await expect(adminPage.getByTestId("waiting")).not.toContainText("admin");
  await adminPage.getByRole("button", { name: "Cancel run…" }).click();
  await adminPage.getByRole("button", { name: "Yes, cancel the run" }).click();
  await expect(adminPage.getByTestId("run-status")).toHaveText("cancelled");
  await expect(adminPage.getByTestId("waiting")).toHaveCount(0);
  await expect(adminPage.getByRole("button", { name: "Cancel run…" })).toHaveCount(0);
  const timeline = adminPage.getByRole("list", { name: "Timeline" });
  await expect(timeline).toContainText("cancelled by admin: “run cancelled by admin”");
  await expect(timeline).toContainText("finished: cancelled");

  // The reviewer's inbox lets go of it at once; nothing was deleted, the
  // run asked for nothing more, and the worker itself carries on.
  await expect(card).toHaveCount(0);
  await expect(runa.getByText("Nothing waits for you")).toBeVisible();
  expect(existsSync(join(workdir, "old.log"))).toBe(true);
  await expect(timeline).not.toContainText("asks to system_shell: rm older.log");
  expect(worker?.exitCode).toBeNull();
});
