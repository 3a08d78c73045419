import { expect, test } from "@playwright/test";
import { admin, hydrated, logIn } from "./helpers";

// Server rendering and the browser must build the same page: a mismatch
// kills the browser bundle and leaves a page whose links and buttons do
// nothing. It showed up only some of the time, so every page is loaded a
// few times over.
test("every signed-in page loads and hydrates without a browser error", async ({ page }) => {
  test.setTimeout(120_000);
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`${page.url()}: ${message.text().slice(0, 300)}`);
  });
  page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));

  await logIn(page, admin.email, admin.password);
  await page.goto("/agents/new");
  await hydrated(page);
  await page.getByLabel("Name").fill("Hydration check");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Hydration check" })).toBeVisible();
  const agent = new URL(page.url()).pathname;

  const pages = ["/", "/agents?view=shared", agent, `${agent}/permissions`, "/inbox", "/traces", "/traces?decision=deny&q=rm",
    "/settings", "/settings/members", "/settings/tools", "/settings/security", "/settings/integrations",
    "/account"];
  for (let round = 0; round < 4; round++) {
    for (const path of pages) {
      await page.goto(path);
      await hydrated(page);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    }
  }
  expect(errors).toEqual([]);
});
