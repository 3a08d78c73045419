import { expect, test } from "@playwright/test";
import { addMember, admin, hydrated, logIn } from "./helpers";

test("a member sees what the admins' pages are for, without their forms or an error", async ({ browser }) => {
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  await addMember(adminPage, "Nell Newcomer", "nell@example.com", "nell's password");
  const page = await (await browser.newContext()).newPage();
  await logIn(page, "nell@example.com", "nell's password");
  const errors = page.locator(".error, [role=alert]");

  await page.goto("/settings");
  await hydrated(page);
  await expect(page.getByText("Workspace settings are managed by its admins.")).toBeVisible();
  await expect(errors).toHaveCount(0);

  expect((await page.goto("/settings/integrations"))!.status()).toBe(200);
  await hydrated(page);
  const integrations = page.getByTestId("admins-manage");
  await expect(integrations).toContainText("OAuth providers people connect their own accounts at");
  await expect(integrations).toContainText("Only the workspace's admins change this.");
  await expect(integrations.getByRole("link", { name: "My account → Connections" })).toHaveAttribute("href", "/account#connections");
  await expect(page.getByRole("form", { name: "Provider" })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Webhooks" })).toHaveCount(0);
  await expect(page.locator("main input, main select, main textarea")).toHaveCount(0);
  await expect(errors).toHaveCount(0);

  expect((await page.goto("/settings/security"))!.status()).toBe(200);
  await hydrated(page);
  await expect(page.getByTestId("admins-manage")).toContainText("the enforced rules checked before every agent's own");
  await expect(page.getByRole("heading", { name: "Enforced rules" })).toHaveCount(0);
  await expect(page.locator("main form")).toHaveCount(0);
  await expect(errors).toHaveCount(0);

  expect((await page.goto("/settings/members"))!.status()).toBe(200);
  await hydrated(page);
  await expect(page.getByTestId("admins-manage")).toContainText("Members are the people of this workspace");
  await expect(page.getByRole("heading", { name: "Add a member" })).toHaveCount(0);
  await expect(page.getByRole("table")).toHaveCount(0);
  await expect(page.locator("main form")).toHaveCount(0);
  await expect(errors).toHaveCount(0);

  // The admin still has every form.
  await adminPage.goto("/settings/integrations");
  await hydrated(adminPage);
  await expect(adminPage.getByRole("form", { name: "Provider" })).toBeVisible();
  await expect(adminPage.getByTestId("admins-manage")).toHaveCount(0);
  await adminPage.goto("/settings/security");
  await hydrated(adminPage);
  await expect(adminPage.getByRole("region", { name: "Enforced rules" })).toBeVisible();
});
