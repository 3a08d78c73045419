import { expect, test } from "@playwright/test";
import { admin, apiToken, hydrated, logIn } from "./helpers";

test("the new agent form names the mode it starts in and what each mode means; a run's input comes with an example", async ({ page, request }) => {
  await logIn(page, admin.email, admin.password);
  const auth = { Authorization: `Bearer ${await apiToken(page)}` };
  // Other tests may change the workspace's default: read it, whatever it is.
  const workspace = await (await request.get("/api/v1/workspace", { headers: auth })).json();
  const labels: Record<string, string> = { restricted: "Restricted", read_write: "Read & write", open: "Open", locked: "Locked" };
  const defaultMode: string = workspace.default_execution_mode;

  await page.goto("/agents/new");
  await hydrated(page);
  const mode = page.getByLabel("Execution mode");
  await expect(mode).toHaveValue(defaultMode);
  await expect(mode.locator("option:checked")).toHaveText(`${labels[defaultMode]} (the workspace's default)`);
  await expect(mode.locator("option", { hasText: "(the workspace's default)" })).toHaveCount(1);
  await expect(page.getByTestId("mode-hint")).not.toBeEmpty();
  await page.getByText("What each mode means").click();
  for (const label of Object.values(labels)) {
    await expect(page.locator("dl.modes dt", { hasText: label })).toHaveCount(1);
  }
  await expect(page.locator("dl.modes")).toContainText("Nothing runs unless a rule allows it.");

  // Created as it was shown.
  const name = `Defaulted ${Date.now()}`;
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await hydrated(page);
  const agentId = page.url().split("/agents/")[1];
  const agent = await (await request.get(`/api/v1/agents/${agentId}`, { headers: auth })).json();
  expect(agent.execution_mode).toBe(defaultMode);

  // The run input starts empty, with guidance and an example; empty starts a run with {}.
  const input = page.getByLabel("Input (JSON)");
  await expect(input).toHaveValue("");
  await expect(input).toHaveAttribute("placeholder", /"task"/);
  await expect(page.locator("#run-input-hint")).toContainText("For example:");
  await page.getByRole("button", { name: "Start run" }).click();
  await expect(page.getByTestId("run-status").first()).toHaveText("queued");
  const runs = await (await request.get(`/api/v1/agents/${agentId}/runs`, { headers: auth })).json();
  expect(runs.items[0].input).toEqual({});
});
