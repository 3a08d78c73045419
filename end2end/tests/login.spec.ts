import { expect, test } from "@playwright/test";
import { admin, hydrated, logIn } from "./helpers";

test("a visitor is sent to the login page", async ({ page }) => {
  await page.goto("/inbox");
  await expect(page).toHaveURL(/\/login\?next=%2Finbox$/);
  await expect(page).toHaveTitle("Log in · Bosun");
});

test("an admin logs in, sees the shell, and logs out", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const section of ["Agents", "Inbox", "Traces", "Settings"]) {
    await expect(nav.getByRole("link", { name: section })).toBeVisible();
  }
  await expect(page.getByRole("heading", { level: 1, name: "Agents" })).toBeVisible();

  await nav.getByRole("link", { name: "Inbox" }).click();
  await expect(page).toHaveURL(/\/inbox$/);
  await expect(page).toHaveTitle("Inbox · Bosun");
  // Other specs may have left requests waiting: the page, not its content.
  await expect(page.getByRole("heading", { level: 1, name: "Inbox" })).toBeVisible();

  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/agents");
  await expect(page).toHaveURL(/\/login/);
});

test("a wrong password shows an error and keeps the visitor out", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toHaveText("wrong email or password");
  await expect(page).toHaveURL(/\/login$/);
});

test("after login the visitor lands where they were going", async ({ page }) => {
  await page.goto("/traces");
  await expect(page).toHaveURL(/\/login\?next=%2Ftraces$/);
  await hydrated(page);
  await page.getByLabel("Email").fill(admin.email);
  await page.getByLabel("Password").fill(admin.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Traces" })).toBeVisible();
});
