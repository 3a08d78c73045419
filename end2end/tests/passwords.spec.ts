import { expect, type Page, test } from "@playwright/test";
import { addMember, admin, hydrated, logIn, seedSecret } from "./helpers";

async function changePassword(page: Page, current: string, next: string) {
  await page.goto("/account");
  await hydrated(page);
  await page.getByLabel("Current password").fill(current);
  await page.getByLabel("New password").fill(next);
  await page.getByRole("button", { name: "Change password" }).click();
}

async function cannotLogIn(page: Page, email: string, password: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toHaveText("wrong email or password");
}

test("the first admin changes the password they were given under My account; their other sessions end", async ({ browser }) => {
  const changed = "the admin's own passphrase";
  seedSecret(changed);
  const here = await (await browser.newContext()).newPage();
  const elsewhere = await (await browser.newContext()).newPage();
  await logIn(here, admin.email, admin.password);
  await logIn(elsewhere, admin.email, admin.password);

  // A wrong current password is refused in words, and nothing changes.
  await changePassword(here, "not the password", changed);
  await expect(here.getByRole("alert")).toHaveText("Current password is not your current password.");

  await here.getByLabel("Current password").fill(admin.password);
  await here.getByLabel("New password").fill(changed);
  await here.getByRole("button", { name: "Change password" }).click();
  await expect(here.getByRole("status")).toHaveText(
    "Your password is changed. You stay signed in here; your other sessions are signed out.",
  );
  await expect(here.getByRole("alert")).toHaveCount(0);
  await expect(here.getByLabel("Current password")).toHaveValue("");
  await expect(here.getByLabel("New password")).toHaveValue("");

  // This session carries on; the other one is over, and the old password with it.
  await here.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inbox" }).click();
  await expect(here).toHaveURL(/\/inbox/);
  await elsewhere.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inbox" }).click();
  await expect(elsewhere).toHaveURL(/\/login/);
  await cannotLogIn(elsewhere, admin.email, admin.password);
  await logIn(elsewhere, admin.email, changed);

  // The rest of the suite logs in with the first password.
  await changePassword(here, changed, admin.password);
  await expect(here.getByRole("status")).toContainText("Your password is changed.");
});

test("an admin sets a member's password, or makes a set-password link that works once", async ({ browser }) => {
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  await addMember(adminPage, "Frank", "frank@example.com", "frank's first password");
  const frank = await (await browser.newContext()).newPage();
  await logIn(frank, "frank@example.com", "frank's first password");

  // Setting it directly signs Frank out.
  const set = "frank's reset password";
  seedSecret(set);
  const section = adminPage.getByRole("region", { name: "Reset a member's password" });
  // An admin's own password is changed under My account, with the current one.
  await expect(section.getByRole("option", { name: new RegExp(admin.email) })).toHaveCount(0);
  await section.getByLabel("Member").selectOption({ label: "Frank (frank@example.com)" });
  await section.getByLabel("New password").fill(set);
  await section.getByRole("button", { name: "Set password" }).click();
  await expect(section.getByRole("status")).toContainText("The password is set, and they are signed out everywhere.");
  await expect(section.getByLabel("New password")).toHaveValue("");
  await frank.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inbox" }).click();
  await expect(frank).toHaveURL(/\/login/);
  await cannotLogIn(frank, "frank@example.com", "frank's first password");

  // A link, shown once, that Frank opens without being logged in.
  await section.getByRole("button", { name: "Make a set-password link" }).click();
  await expect(section.getByRole("status")).toContainText("It works once");
  const url = (await section.getByTestId("password-link").textContent())!.trim();
  expect(url).toMatch(/\/set-password#bosun_pwl_/);
  seedSecret(url.split("#")[1]);

  const chosen = "frank's chosen passphrase";
  seedSecret(chosen);
  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto(url);
  await hydrated(stranger);
  await expect(stranger.getByText("For frank@example.com")).toBeVisible();
  await stranger.getByLabel("New password").fill(chosen);
  await stranger.getByRole("button", { name: "Set password" }).click();
  await expect(stranger.getByRole("status")).toContainText("Your password is set.");
  await logIn(frank, "frank@example.com", chosen);

  // Used once, the link is no good.
  const again = await (await browser.newContext()).newPage();
  await again.goto(url);
  await hydrated(again);
  await expect(again.getByRole("alert")).toContainText("has been used, has expired or was replaced");
  await expect(again.getByLabel("New password")).toHaveCount(0);

  // Reloaded, the Members page shows no link.
  await adminPage.reload();
  await hydrated(adminPage);
  await expect(adminPage.getByTestId("password-link")).toHaveCount(0);
});
