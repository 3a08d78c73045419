import { expect, test } from "@playwright/test";
import { admin, hydrated, logIn, seedSecret, servedBodies } from "./helpers";

const SECRET = "ghp_e2e-Secret-Value-42";
seedSecret(SECRET);
seedSecret(`${SECRET}-2`);

test("an editor stores a secret that no page ever shows again, rotates and deletes it, and switches the model only on confirmation", async ({ page }) => {
  const served = servedBodies(page);
  await logIn(page, admin.email, admin.password);
  await page.goto("/agents/new");
  await hydrated(page);
  await page.getByLabel("Name").fill("Releaser");
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Releaser" })).toBeVisible();

  const panel = page.getByRole("region", { name: "Credentials" });
  await panel.getByLabel("Secret name").fill("github_token");
  await panel.getByLabel("Service account").fill("release-bot");
  await panel.getByLabel("Value").fill(SECRET);
  await panel.getByRole("button", { name: "Store secret" }).click();
  await expect(panel.getByRole("status")).toHaveText("Stored. The value will not be shown again.");
  await expect(panel.getByLabel("Value")).toHaveValue("");
  const row = panel.getByRole("table", { name: "Secrets" }).getByRole("row").filter({ hasText: "github_token" });
  await expect(row).toContainText("release-bot");
  await expect(row.getByRole("cell").nth(2)).toHaveText("1");

  // A new value is a new version.
  await panel.getByLabel("Value").fill(`${SECRET}-2`);
  await panel.getByRole("button", { name: "Store secret" }).click();
  await expect(row.getByRole("cell").nth(2)).toHaveText("2");

  // The name of a stored secret rotates it, for the same service account only.
  const account = panel.getByLabel("Service account");
  await expect(account).toHaveValue("release-bot");
  await expect(account).not.toBeEditable();
  await expect(panel.getByText(
    "Stores version 3 of github_token for the service account release-bot. To act as another account, use another name.",
  )).toBeVisible();
  await panel.getByLabel("Secret name").fill("slack_bot");
  await expect(account).toBeEditable();

  await page.reload();
  await hydrated(page);
  await expect(row).toBeVisible();
  expect(await page.content()).not.toContain(SECRET);
  expect(served.some((body) => body.includes(SECRET))).toBe(false);

  // Deleting asks first, naming the secret and its versions.
  await row.getByRole("button", { name: "Delete secret github_token" }).click();
  const question = row.getByRole("group", {
    name: "Delete the secret github_token and all 2 of its versions? Runs can no longer ask for it.",
  });
  await question.getByRole("button", { name: "Cancel" }).click();
  await expect(row.getByRole("cell").nth(2)).toHaveText("2");
  await row.getByRole("button", { name: "Delete secret github_token" }).click();
  await question.getByRole("button", { name: "Delete github_token" }).click();
  await expect(panel.getByText("No secrets yet.")).toBeVisible();

  // Switching how the agent authenticates asks first; declining keeps it.
  const userModel = page.getByRole("radio", { name: /The user's own accounts/ });
  await userModel.check();
  page.once("dialog", (dialog) => dialog.dismiss());
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("radio", { name: /Fixed service account/ })).toBeChecked();
  await page.getByRole("radio", { name: /The user's own accounts/ }).check();
  page.once("dialog", (dialog) => {
    expect(dialog.message()).toContain("act as whoever starts them");
    return dialog.accept();
  });
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("radio", { name: /The user's own accounts/ })).toBeChecked();
});
