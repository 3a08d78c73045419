import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { admin, apiToken, hydrated, logIn } from "./helpers";

/** An agent of the admin's (restricted: reads allowed, the shell asks)
 *  with a runtime key, driven over the API as its worker would. */
async function agentWithKey(page: Page, request: APIRequestContext, name: string, keyName: string) {
  const auth = { Authorization: `Bearer ${await apiToken(page)}` };
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name, tools: ["read_file", "system_shell"], execution_mode: "restricted" },
  })).json();
  const key = (await (await request.post(`/api/v1/agents/${agent.id}/keys`, {
    headers: auth, data: { name: keyName },
  })).json()).key;
  const worker = { Authorization: `Bearer ${key}` };
  const me = await (await request.get("/api/v1/me", { headers: auth })).json();
  return {
    agent,
    me,
    /** A run the admin starts (queued). */
    startAsAdmin: async () => (await (await request.post(`/api/v1/agents/${agent.id}/runs`, {
      headers: auth, data: { input: { task: "e2e" } },
    })).json()).id as string,
    /** A run the key starts itself, as a schedule would (queued). */
    startAsKey: async () => (await (await request.post(`/api/v1/agents/${agent.id}/runs`, {
      headers: worker, data: { input: { schedule: "nightly" } },
    })).json()).id as string,
    /** Claims the agent's oldest queued run. */
    claim: async () => (await (await request.get("/api/v1/runtime/runs/next?wait=5", { headers: worker })).json()).run.id as string,
    ask: async (run: string, tool: string, input: string) => (await (await request.post(`/api/v1/runtime/runs/${run}/tool-calls`, {
      headers: worker, data: { tool, input },
    })).json()).decision as string,
    finish: async (run: string, status: string) => expect((await request.post(`/api/v1/runtime/runs/${run}/finish`, {
      headers: worker, data: { status },
    })).status()).toBe(200),
  };
}

test("the runs view names who started each run — a person, or a runtime key by name — and filters by agent and status", async ({ page, request }) => {
  await logIn(page, admin.email, admin.password);
  const stamp = Date.now();
  const { agent, me, startAsAdmin, startAsKey, claim, ask, finish } =
    await agentWithKey(page, request, `Runs view ${stamp}`, `nightly-${stamp}`);
  const byPerson = await startAsAdmin();
  expect(await claim()).toBe(byPerson);
  expect(await ask(byPerson, "read_file", "/srv/e2e/a.txt")).toBe("allow");
  expect(await ask(byPerson, "system_shell", "make e2e-runs-view")).toBe("pending");
  await finish(byPerson, "succeeded");
  const byKey = await startAsKey();

  await page.goto("/traces");
  await hydrated(page);
  await page.getByRole("navigation", { name: "Trace views" }).getByRole("link", { name: "Runs" }).click();
  await expect(page).toHaveURL(/\/traces\?view=runs$/);
  const runs = page.getByRole("table", { name: "Runs" });
  const keyRow = runs.locator(`tr[data-run-id="${byKey}"]`);
  await expect(keyRow).toContainText(`runtime key “nightly-${stamp}” (of ${me.name})`);
  await expect(keyRow).toContainText("the agent itself (service account)");
  await expect(keyRow).toContainText("queued");
  await expect(keyRow).not.toContainText("key:");
  const personRow = runs.locator(`tr[data-run-id="${byPerson}"]`);
  await expect(personRow.getByRole("cell").nth(1)).toHaveText(agent.name);
  await expect(personRow.getByRole("cell").nth(2)).toHaveText(me.name);
  await expect(personRow.getByRole("cell").nth(3)).toHaveText(me.name);
  await expect(personRow.getByRole("cell").nth(4)).toHaveText("succeeded");
  await expect(personRow.getByRole("cell").nth(7)).toHaveText("2");
  await expect(personRow.getByRole("cell").nth(8)).toHaveText("1 allow 1 ask 0 deny");

  // Filter by agent and status: only this agent's finished run is left,
  // and the URL names just those filters.
  const filters = page.getByRole("search", { name: "Filter runs" });
  await filters.getByLabel("Agent").selectOption(agent.id);
  await filters.getByLabel("Status").selectOption("succeeded");
  await filters.getByRole("button", { name: "Show runs" }).click();
  await expect(page).toHaveURL(new RegExp(`/traces\\?view=runs&agent=${agent.id}&status=succeeded$`));
  await expect(runs.locator("tbody tr")).toHaveCount(1);
  await expect(runs.locator(`tr[data-run-id="${byPerson}"]`)).toBeVisible();

  // The run's link opens its timeline.
  await runs.getByRole("link", { name: `Run ${byPerson}` }).click();
  await expect(page).toHaveURL(new RegExp(`/traces/${byPerson}$`));
  await expect(page.getByRole("list", { name: "Timeline" })).toContainText("asks to read_file: /srv/e2e/a.txt");
});

test("a running run's timeline shows a new tool call and its status changes without reloading", async ({ page, request }) => {
  await logIn(page, admin.email, admin.password);
  const stamp = Date.now();
  const { startAsAdmin, claim, ask, finish } = await agentWithKey(page, request, `Live ${stamp}`, "live");
  const run = await startAsAdmin();
  expect(await claim()).toBe(run);

  await page.goto(`/traces/${run}`);
  await hydrated(page);
  const status = page.getByRole("region", { name: "Run status" }).getByTestId("run-status");
  await expect(status).toHaveText("running");
  // Anything that reloads the page loses this.
  await page.evaluate(() => { (window as any).sameDocument = true; });

  const timeline = page.getByRole("list", { name: "Timeline" });
  expect(await ask(run, "read_file", `/srv/e2e/live-${stamp}.txt`)).toBe("allow");
  await expect(timeline).toContainText(`asks to read_file: /srv/e2e/live-${stamp}.txt`);

  expect(await ask(run, "system_shell", `make live-${stamp}`)).toBe("pending");
  await expect(page.getByTestId("waiting")).toContainText(`waiting for approval of system_shell: make live-${stamp}`);
  await expect(timeline).toContainText("waits for a reviewer");

  await finish(run, "failed");
  await expect(status).toHaveText("failed");
  await expect(timeline).toContainText("finished: failed");
  expect(await page.evaluate(() => (window as any).sameDocument)).toBe(true);
});

/** Downloads one format of the run from its page, as text. */
async function download(page: Page, format: string): Promise<string> {
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: format, exact: true }).click(),
  ]);
  return readFileSync((await file.path())!, "utf8");
}

test("a run's page downloads that run alone, with its tool calls, decisions and events, in every format", async ({ page, request }) => {
  await logIn(page, admin.email, admin.password);
  const stamp = Date.now();
  const { startAsAdmin, claim, ask, finish } = await agentWithKey(page, request, `Export one ${stamp}`, "export");
  // Another run of the agent, which the export must leave out.
  const other = await startAsAdmin();
  expect(await claim()).toBe(other);
  expect(await ask(other, "read_file", "/srv/e2e/other.txt")).toBe("allow");
  await finish(other, "succeeded");
  const run = await startAsAdmin();
  expect(await claim()).toBe(run);
  expect(await ask(run, "read_file", `/srv/e2e/one-${stamp}.txt`)).toBe("allow");
  expect(await ask(run, "system_shell", `make one-${stamp}`)).toBe("pending");
  await finish(run, "succeeded");

  await page.goto(`/traces/${run}`);
  await hydrated(page);
  // The request the run left waiting is closed once the run is read.
  await expect(page.getByRole("list", { name: "Timeline" })).toContainText("the run ended (succeeded) before anyone decided");
  const steps = await page.getByRole("list", { name: "Timeline" }).locator(":scope > li").count();

  const lines = (await download(page, "JSON Lines")).trim().split("\n").map((line) => JSON.parse(line));
  expect(lines).toHaveLength(steps);
  expect(lines.every((event) => event.run_id === run)).toBe(true);
  const kinds = lines.map((event) => event.kind);
  for (const kind of ["run.started", "run.claimed", "tool_call.requested", "policy.decision", "approval.requested", "run.finished"]) {
    expect(kinds).toContain(kind);
  }
  expect(lines.filter((event) => event.kind === "policy.decision").map((event) => event.data.decision)).toEqual(["allow", "ask"]);
  expect(JSON.stringify(lines)).toContain(`/srv/e2e/one-${stamp}.txt`);
  expect(JSON.stringify(lines)).not.toContain("/srv/e2e/other.txt");

  const document = JSON.parse(await download(page, "JSON"));
  expect(document.events.map((event: any) => event.seq)).toEqual(lines.map((event) => event.seq));

  const otlp = JSON.parse(await download(page, "OTLP"));
  const spans = otlp.resourceSpans[0].scopeSpans[0].spans;
  expect(spans.filter((span: any) => span.name === "invoke_agent")).toHaveLength(1);
  expect(spans.map((span: any) => span.name).filter((name: string) => name.startsWith("execute_tool")).sort())
    .toEqual(["execute_tool read_file", "execute_tool system_shell"]);
  const seqs = spans.flatMap((span: any) => span.events)
    .flatMap((event: any) => event.attributes)
    .filter((attribute: any) => attribute.key === "bosun.event.seq")
    .map((attribute: any) => Number(attribute.value.intValue))
    .sort((a: number, b: number) => a - b);
  expect(seqs).toEqual(lines.map((event) => event.seq));
});

test("a search's URL leaves out the filters left empty, and such a URL still loads", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  await page.goto("/traces");
  await hydrated(page);
  const search = page.getByRole("search").first();
  await search.getByLabel("Decision").selectOption("deny");
  await search.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/traces\?decision=deny$/);
  await expect(search.getByLabel("Decision")).toHaveValue("deny");

  // A URL written with every parameter, most of them empty, still searches.
  await page.goto("/traces?agent=&user=&tool=&decision=deny&status=&q=&from=&to=");
  await hydrated(page);
  await expect(page.getByRole("search").first().getByLabel("Decision")).toHaveValue("deny");
  await expect(page.getByRole("alert")).toHaveCount(0);
  const rows = page.getByRole("table", { name: "Steps" }).locator("tbody tr");
  const empty = page.getByText("Nothing found");
  await expect(rows.first().or(empty)).toBeVisible();
  for (const decision of await rows.locator(".badge").allTextContents()) {
    expect(decision).toBe("deny");
  }
});
