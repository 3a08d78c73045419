import { expect, test, type Page } from "@playwright/test";
import { addMember, addRule, admin, apiToken, hydrated, logIn } from "./helpers";

async function testCall(page: Page, tool: string, input: string) {
  const panel = page.getByRole("region", { name: "Test a call" });
  await panel.getByLabel("Tool").selectOption(tool);
  await panel.getByLabel("Input").fill(input);
  return panel;
}

test("enforced rules win over agent rules, order decides, bad patterns are not saved", async ({ browser, request }) => {
  // An admin sets a guardrail and shares an agent with an editor.
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  await addMember(adminPage, "Eddie Editor", "eddie@example.com", "eddie's password");
  await adminPage.goto("/settings/security");
  await hydrated(adminPage);
  await addRule(adminPage, "Enforced rules", "delete_file", "deny", "*");

  const token = await apiToken(adminPage);
  const auth = { Authorization: `Bearer ${token}` };
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name: "Cleaner", tools: ["delete_file", "system_shell"] },
  })).json();
  const eddie = await logInAndFindId(browser, "eddie@example.com", "eddie's password");
  const grant = await request.post(`/api/v1/agents/${agent.id}/grants`, {
    headers: auth, data: { user_id: eddie.id, level: "edit" },
  });
  expect(grant.status()).toBe(201);

  // The editor allows deletions under /tmp: the guardrail still decides.
  const page = eddie.page;
  await page.goto(`/agents/${agent.id}/permissions`);
  await hydrated(page);
  await addRule(page, "2. This agent's rules", "delete_file", "allow", "/tmp/*");
  const agentRule = page.getByRole("region", { name: "2. This agent's rules" }).locator("li.rule").first();
  await expect(agentRule.getByRole("note")).toContainText("Unreachable: enforced rule #1 (deny delete_file *)");
  let panel = await testCall(page, "delete_file", "/tmp/build/out.o");
  await expect(panel.getByTestId("decision")).toHaveText("deny");
  await expect(panel.getByTestId("reason")).toHaveText("enforced rule #1 (deny delete_file *)");
  await expect(panel.getByTestId("risk")).toHaveText("dangerous");
  await expect(page.getByRole("region", { name: "1. Enforced rules" }).locator("li.rule.decided")).toHaveCount(1);

  // Order matters: the first matching agent rule decides.
  await addRule(page, "2. This agent's rules", "system_shell", "allow", "npm *");
  await addRule(page, "2. This agent's rules", "system_shell", "deny", "npm publish *");
  panel = await testCall(page, "system_shell", "npm publish --tag next");
  await expect(panel.getByTestId("decision")).toHaveText("allow");
  await expect(panel.getByTestId("reason")).toHaveText("agent rule #2 (allow system_shell npm *)");
  await page.getByRole("button", { name: "Move rule 3 up" }).click();
  await expect(page.getByRole("region", { name: "2. This agent's rules" }).locator("li.rule").nth(1)).toContainText("npm publish *");
  panel = await testCall(page, "system_shell", "npm publish --tag next");
  await expect(panel.getByTestId("decision")).toHaveText("deny");
  await expect(panel.getByTestId("reason")).toHaveText("agent rule #2 (deny system_shell npm publish *)");

  // The server decides the same.
  const evaluated = await (await request.post(`/api/v1/agents/${agent.id}/evaluate`, {
    headers: auth, data: { tool: "system_shell", input: "npm publish --tag next" },
  })).json();
  expect(evaluated.decision).toBe("deny");
  expect(evaluated.reason).toMatchObject({ kind: "rule", layer: "agent", position: 2 });

  // An invalid pattern explains itself and cannot be saved.
  const section = page.getByRole("region", { name: "2. This agent's rules" });
  await section.getByRole("button", { name: "Add rule" }).click();
  await section.getByLabel("Pattern").fill("rm \\x");
  await expect(section.getByRole("alert")).toContainText("backslash at position 4");
  await expect(section.getByRole("button", { name: "Save rule" })).toBeDisabled();
  await page.reload();
  await expect(page.getByRole("region", { name: "2. This agent's rules" }).locator("li.rule")).toHaveCount(3);
  const refused = await request.post(`/api/v1/agents/${agent.id}/rules`, {
    headers: auth, data: { tool: "system_shell", action: "allow", pattern: "rm \\x" },
  });
  expect(refused.status()).toBe(400);
  expect((await refused.json()).error.message).toContain("pattern: backslash at position 4");
});

async function logInAndFindId(browser: import("@playwright/test").Browser, email: string, password: string) {
  const page = await (await browser.newContext()).newPage();
  await logIn(page, email, password);
  const token = await apiToken(page);
  const me = await page.request.get("/api/v1/me", { headers: { Authorization: `Bearer ${token}` } });
  return { page, id: (await me.json()).id as string };
}

test("the editor warns about an allow rule that lets through far more than it seems to, as the server's analysis does", async ({ page, request }) => {
  await logIn(page, admin.email, admin.password);
  const auth = { Authorization: `Bearer ${await apiToken(page)}` };
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name: "Shell user", tools: ["system_shell"] },
  })).json();
  await page.goto(`/agents/${agent.id}/permissions`);
  await hydrated(page);
  await addRule(page, "2. This agent's rules", "system_shell", "allow", "sudo *");
  const rule = page.getByRole("region", { name: "2. This agent's rules" }).locator("li.rule").first();
  await expect(rule.getByRole("note")).toContainText("allows too much: `sudo` runs the commands, code or files it is given");
  const evaluated = await (await request.post(`/api/v1/agents/${agent.id}/evaluate`, {
    headers: auth, data: { tool: "system_shell", input: "sudo ls" },
  })).json();
  expect(evaluated.warnings.map((w: { kind: string }) => w.kind)).toEqual(["broad_allow"]);
});
