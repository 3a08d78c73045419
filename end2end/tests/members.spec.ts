import { expect, test } from "@playwright/test";
import { addMember, admin, logIn } from "./helpers";

test("a deactivated user is thrown out at their next step", async ({ browser }) => {
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  await addMember(adminPage, "Dana", "dana@example.com", "dana's password");
  const row = adminPage.getByRole("row").filter({ hasText: "dana@example.com" });
  await expect(row).toContainText("active");

  const danaPage = await (await browser.newContext()).newPage();
  await logIn(danaPage, "dana@example.com", "dana's password");
  await expect(danaPage.locator(".whoami")).toHaveText("Dana");

  await row.getByRole("button", { name: "Deactivate dana@example.com" }).click();
  await expect(row).toContainText("deactivated");

  await danaPage.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inbox" }).click();
  await expect(danaPage).toHaveURL(/\/login/);
  await danaPage.getByLabel("Email").fill("dana@example.com");
  await danaPage.getByLabel("Password").fill("dana's password");
  await danaPage.getByRole("button", { name: "Log in" }).click();
  // The right password of a deactivated account is answered as a wrong one.
  await expect(danaPage.getByRole("alert")).toHaveText("wrong email or password");
});

test("a personal access token is shown once and works against the API", async ({ page, request }) => {
  await logIn(page, admin.email, admin.password);
  await page.getByRole("link", { name: "admin" }).click();
  await page.getByLabel("Token name").fill("e2e");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())!.trim();
  expect(token).toMatch(/^bosun_pat_/);

  const me = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${token}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).email).toBe(admin.email);

  await page.reload();
  await expect(page.getByRole("cell", { name: "e2e", exact: true })).toBeVisible();
  await expect(page.getByTestId("new-token")).toHaveCount(0);
});
