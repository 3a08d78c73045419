import { expect, test, type Page } from "@playwright/test";
import { addRule, admin, apiToken, createAgent, hydrated, logIn, seedSecret } from "./helpers";

/** Deletes a rule of a list, confirming. */
async function deleteRule(page: Page, list: string, pattern: string) {
  const section = page.getByRole("region", { name: list });
  const rule = section.locator("li.rule").filter({ hasText: pattern });
  await rule.getByRole("button", { name: /^Delete rule \d+$/ }).click();
  await rule.getByRole("button", { name: "Delete rule", exact: true }).click();
  await expect(rule).toHaveCount(0);
}

test("a new enforced rule starts as a denial of no tool, says what it overrides, and Security tests calls like an agent's page", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  await page.goto("/settings/security");
  await hydrated(page);
  await addRule(page, "Workspace rules", "system_shell", "allow", "e2e-build *");

  const enforced = page.getByRole("region", { name: "Enforced rules" });
  await enforced.getByRole("button", { name: "Add rule" }).click();
  await expect(enforced.getByLabel("Action")).toHaveValue("deny");
  await expect(enforced.getByLabel("Tool")).toHaveValue("");
  const save = enforced.getByRole("button", { name: "Save rule" });
  await expect(save).toBeDisabled();
  await expect(enforced.getByText("Choose the tool this rule is for (or * for every tool) to save it.")).toBeVisible();

  // Every tool only when picked, and the draft says which rules it takes over.
  await enforced.getByLabel("Tool").selectOption("*");
  await expect(save).toBeEnabled();
  const overrides = enforced.getByRole("note").filter({ hasText: "(allow system_shell e2e-build *)" });
  await expect(overrides).toHaveText(/^Overrides workspace rule #\d+ \(allow system_shell e2e-build \*\): this rule decides first/);
  await enforced.getByLabel("Tool").selectOption("system_shell");
  await expect(overrides).toHaveCount(1);
  await enforced.getByLabel("Pattern").fill("e2e-build rm *");
  await expect(overrides).toHaveCount(0);
  await save.click();
  const guard = enforced.locator("li.rule").filter({ hasText: "e2e-build rm *" });
  await expect(guard).toContainText("deny");

  // The same live test panel as an agent's Permissions page, in a mode of one's choice.
  const panel = page.getByRole("region", { name: "Test a call" });
  await panel.getByLabel("Tool").selectOption("system_shell");
  await panel.getByLabel("Input").fill("e2e-build rm -rf /");
  await expect(panel.getByTestId("decision")).toHaveText("deny");
  await expect(panel.getByTestId("reason")).toContainText("(deny system_shell e2e-build rm *)");
  await expect(guard).toHaveClass(/decided/);
  await panel.getByLabel("Input").fill("e2e-build test");
  await expect(panel.getByTestId("decision")).toHaveText("allow");
  await panel.getByLabel("Input").fill("make e2e");
  await panel.getByLabel("Mode").selectOption("locked");
  await expect(panel.getByTestId("decision")).toHaveText("deny");
  await expect(panel.getByTestId("reason")).toContainText("the locked mode decides");
  await panel.getByLabel("Mode").selectOption("open");
  await expect(panel.getByTestId("decision")).toHaveText("allow");

  // Deleting asks first, naming the rule; Cancel keeps it.
  const position = (await guard.locator(".position").textContent())!;
  await guard.getByRole("button", { name: /^Delete rule \d+$/ }).click();
  const question = guard.getByRole("group", { name: `Delete rule ${position} (deny system_shell e2e-build rm *)? Calls are judged without it at once.` });
  await expect(question.getByRole("button", { name: "Cancel" })).toBeFocused();
  await question.getByRole("button", { name: "Cancel" }).click();
  await expect(guard).toBeVisible();

  // Deleted, then undone: back in its place, deciding again.
  await guard.getByRole("button", { name: /^Delete rule \d+$/ }).click();
  await guard.getByRole("button", { name: "Delete rule", exact: true }).click();
  await expect(guard).toHaveCount(0);
  const undone = enforced.getByRole("status");
  await expect(undone).toContainText(`Deleted rule ${position} (deny system_shell e2e-build rm *).`);
  await panel.getByLabel("Tool").selectOption("system_shell");
  await panel.getByLabel("Mode").selectOption("open");
  await panel.getByLabel("Input").fill("e2e-build rm -rf /srv");
  await expect(panel.getByTestId("decision")).toHaveText("allow");
  await undone.getByRole("button", { name: "Undo" }).click();
  await expect(guard).toBeVisible();
  await expect(guard.locator(".position")).toHaveText(position);
  await expect(enforced.getByRole("status")).toHaveCount(0);
  await panel.getByLabel("Tool").selectOption("system_shell");
  await panel.getByLabel("Input").fill("e2e-build rm -rf /srv");
  await expect(panel.getByTestId("decision")).toHaveText("deny");
  await page.reload();
  await hydrated(page);
  await expect(guard.locator(".position")).toHaveText(position);

  await deleteRule(page, "Enforced rules", "e2e-build rm *");
  await deleteRule(page, "Workspace rules", "e2e-build *");
});

test("revoking a runtime key asks first, naming the key, and only then stops its worker", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  await createAgent(page, "Nightly bot");
  const keys = page.getByRole("region", { name: "Runtime keys" });
  await keys.getByLabel("Key name").fill("nightly");
  await keys.getByRole("button", { name: "Create key" }).click();
  const key = (await keys.getByTestId("new-key").textContent())!.trim();
  seedSecret(key);
  const claim = async () =>
    (await page.request.get("/api/v1/runtime/runs/next?wait=0", { headers: { Authorization: `Bearer ${key}` } })).status();
  expect(await claim()).toBe(204);

  const item = keys.getByTestId("runtime-key").filter({ hasText: "nightly" });
  await item.getByRole("button", { name: "Revoke key nightly" }).click();
  const question = item.getByRole("group", { name: /^Revoke the key nightly\? Its worker is refused at once/ });
  await question.getByRole("button", { name: "Cancel" }).click();
  expect(await claim()).toBe(204);

  await item.getByRole("button", { name: "Revoke key nightly" }).click();
  await question.getByRole("button", { name: "Revoke nightly" }).click();
  await expect(item).toHaveCount(0);
  expect(await claim()).toBe(401);
});

test("an agent's test panel offers only its tools and answers as the server's dry run does", async ({ page, request }) => {
  await logIn(page, admin.email, admin.password);
  const auth = { Authorization: `Bearer ${await apiToken(page)}` };
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name: "Reader", tools: ["read_file"], execution_mode: "restricted" },
  })).json();
  await page.goto(`/agents/${agent.id}/permissions`);
  await hydrated(page);
  const panel = page.getByRole("region", { name: "Test a call" });
  expect(await panel.getByLabel("Tool").locator("option").allTextContents()).toEqual(["read_file"]);
  const dir = panel.getByLabel("Working directory");
  await expect(dir).toHaveAttribute("placeholder", "none: relative paths are refused");
  for (const [input, workingDir] of [["notes.txt", ""], ["notes.txt", "/srv"], ["/etc/hosts", ""]]) {
    await panel.getByLabel("Input").fill(input);
    await dir.fill(workingDir);
    const server = await (await request.post(`/api/v1/agents/${agent.id}/evaluate`, {
      headers: auth, data: { tool: "read_file", input, ...(workingDir ? { working_dir: workingDir } : {}) },
    })).json();
    await expect(panel.getByTestId("decision")).toHaveText(server.decision);
    await expect(panel.getByTestId("reason")).toHaveAttribute("data-kind", server.reason.kind);
  }
});

test("Security shows the workspace's settings as stored, and the default mode saved there is the one the new agent form names", async ({ page, request }) => {
  await logIn(page, admin.email, admin.password);
  const auth = { Authorization: `Bearer ${await apiToken(page)}` };
  const before = await (await request.get("/api/v1/workspace", { headers: auth })).json();
  const stored = { default_execution_mode: "open", approval_ttl_seconds: 7200, self_approval: true };
  expect((await request.patch("/api/v1/workspace", { headers: auth, data: stored })).status()).toBe(200);
  try {
    await page.goto("/settings/security");
    await hydrated(page);
    const defaults = page.getByRole("region", { name: "Default execution mode" });
    await expect(defaults.getByLabel("New agents start in")).toHaveValue("open");
    const approvals = page.getByRole("region", { name: "Approvals" });
    await expect(approvals.getByLabel("Requests expire after (seconds)")).toHaveValue("7200");
    await expect(approvals.getByRole("checkbox")).toBeChecked();

    await defaults.getByLabel("New agents start in").selectOption("locked");
    await defaults.getByRole("button", { name: "Save" }).click();
    await expect.poll(async () =>
      (await (await request.get("/api/v1/workspace", { headers: auth })).json()).default_execution_mode,
    ).toBe("locked");
    await expect(defaults.getByLabel("New agents start in")).toHaveValue("locked");

    await page.goto("/agents/new");
    await hydrated(page);
    const mode = page.getByLabel("Execution mode");
    await expect(mode).toHaveValue("locked");
    await expect(mode.locator("option:checked")).toHaveText("Locked (the workspace's default)");
  } finally {
    // Other tests read the workspace's settings, whatever they are: put them back.
    expect((await request.patch("/api/v1/workspace", { headers: auth, data: before })).status()).toBe(200);
  }
});
