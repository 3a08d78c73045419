import { expect, test } from "@playwright/test";
import { admin, apiToken, hydrated, logIn } from "./helpers";

test("moving a rule with the keyboard keeps focus on it, so repeated moves work", async ({ page, request }) => {
  await logIn(page, admin.email, admin.password);
  const auth = { Authorization: `Bearer ${await apiToken(page)}` };
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name: "Reordered", tools: ["system_shell"] },
  })).json();
  for (const pattern of ["git status", "npm test", "make lint"]) {
    expect((await request.post(`/api/v1/agents/${agent.id}/rules`, {
      headers: auth, data: { tool: "system_shell", action: "allow", pattern },
    })).status()).toBe(201);
  }
  await page.goto(`/agents/${agent.id}/permissions`);
  await hydrated(page);
  const list = page.getByRole("region", { name: "2. This agent's rules" });
  const moved = list.locator("li.rule").filter({ hasText: "git status" });

  await list.getByRole("button", { name: "Move rule 1 down" }).focus();
  await page.keyboard.press("Enter");
  await expect(list.locator("li.rule").nth(1)).toContainText("git status");
  await expect(moved.getByRole("button", { name: "Move rule 2 down" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(list.locator("li.rule").nth(2)).toContainText("git status");
  // At the bottom its down button is disabled: focus is on its up button.
  await expect(moved.getByRole("button", { name: "Move rule 3 up" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(list.locator("li.rule").nth(1)).toContainText("git status");
  await expect(moved.getByRole("button", { name: "Move rule 2 up" })).toBeFocused();

  const rules = await (await request.get(`/api/v1/agents/${agent.id}/rules`, { headers: auth })).json();
  expect(rules.items.map((r: { pattern: string }) => r.pattern)).toEqual(["npm test", "git status", "make lint"]);
});
