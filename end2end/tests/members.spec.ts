import { expect, test } from "@playwright/test";
import { addMember, admin, hydrated, logIn } from "./helpers";

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
  const question = row.getByRole("group", { name: /^Deactivate Dana \(dana@example\.com\)\?/ });
  await expect(question).toContainText("signed out everywhere");
  await expect(question.getByRole("button", { name: "Cancel" })).toBeFocused();
  await question.getByRole("button", { name: "Deactivate Dana" }).click();
  await expect(row).toContainText("deactivated");
  await expect(adminPage.getByRole("status")).toHaveText("Dana is deactivated and signed out everywhere.");

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

test("members: each message is the latest action's, in people's words, and a successful add empties the form", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  await page.goto("/settings/members");
  await hydrated(page);
  const name = page.getByLabel("Name");
  const email = page.getByLabel("Email");
  const password = page.getByLabel("Initial password");

  // A refused add says what is wrong, without field names, and keeps what was typed.
  await name.fill("Erin");
  await email.fill(admin.email);
  await password.fill("erin's password");
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByRole("alert")).toHaveText("a member with this email already exists");
  await expect(name).toHaveValue("Erin");

  // A successful add says so, empties the form, and the earlier error is gone.
  await email.fill("erin@example.com");
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByRole("status")).toHaveText("Added Erin (erin@example.com). They can log in now.");
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(name).toHaveValue("");
  await expect(email).toHaveValue("");
  await expect(password).toHaveValue("");
  const row = page.getByRole("row").filter({ hasText: "erin@example.com" });
  await expect(row).toContainText("active");

  // Deactivating oneself is refused in words, not field names …
  const me = page.getByRole("row").filter({ hasText: admin.email });
  await me.getByRole("button", { name: `Deactivate ${admin.email}` }).click();
  await me.getByRole("button", { name: /^Deactivate / }).last().click();
  await expect(page.getByRole("alert")).toHaveText("You cannot deactivate yourself.");
  await expect(page.getByText("user_id")).toHaveCount(0);

  // … and the next success replaces the error.
  await row.getByRole("button", { name: "Make admin" }).click();
  await expect(page.getByRole("status")).toHaveText("Erin is now an admin.");
  await expect(page.getByRole("alert")).toHaveCount(0);

  // Cancelling a deactivation changes nothing.
  await row.getByRole("button", { name: "Deactivate erin@example.com" }).click();
  await row.getByRole("button", { name: "Cancel" }).click();
  await expect(row).toContainText("active");
  await expect(row).not.toContainText("deactivated");
  await expect(row.getByRole("button", { name: "Deactivate erin@example.com" })).toBeVisible();
});

test("every page has the site icon, and nothing it asks for is missing", async ({ page }) => {
  const missing: string[] = [];
  page.on("response", (response) => {
    if (response.status() === 404) missing.push(response.url());
  });
  await logIn(page, admin.email, admin.password);
  for (const path of ["/agents", "/inbox", "/traces", "/settings", "/settings/members", "/account"]) {
    await page.goto(path);
    await hydrated(page);
  }
  const icon = await page.locator('link[rel="icon"][type="image/svg+xml"]').getAttribute("href");
  expect(icon).toBe("/favicon.svg");
  const served = await page.request.get(icon!);
  expect(served.status()).toBe(200);
  expect(served.headers()["content-type"]).toBe("image/svg+xml");
  expect((await page.request.get("/favicon.ico")).status()).toBe(200);
  expect(missing).toEqual([]);
});
