import { expect, test, type Page } from "@playwright/test";
import { addMember, admin, createAgent, hydrated, logIn } from "./helpers";

/** Asks the server to change the agent, as a crafted request from the page would. */
async function forcedEdit(page: Page, agentId: string): Promise<number> {
  return page.evaluate(async (id) => {
    const body = new URLSearchParams({
      id,
      "form[name]": "Hijacked",
      "form[execution_mode]": "open",
      "form[credential_model]": "fixed",
    });
    const response = await fetch("/fn/agents/update", { method: "POST", body });
    return response.status;
  }, agentId);
}

test("an owner shares an agent run-only, raises it to edit, then revokes it", async ({ browser }) => {
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  await addMember(adminPage, "Olivia Owner", "olivia@example.com", "olivia's password");
  await addMember(adminPage, "Sam Second", "sam@example.com", "sam's password");

  // Olivia creates an agent.
  const olivia = await (await browser.newContext()).newPage();
  await logIn(olivia, "olivia@example.com", "olivia's password");
  await hydrated(olivia);
  await olivia.getByRole("link", { name: "New agent" }).click();
  await hydrated(olivia);
  await olivia.getByLabel("Name").fill("Release bot");
  await olivia.getByLabel("Description").fill("Cuts releases");
  await olivia.getByRole("checkbox", { name: /read_file/ }).check();
  await olivia.getByRole("button", { name: "Create agent" }).click();
  await expect(olivia.getByRole("heading", { level: 1, name: "Release bot" })).toBeVisible();
  const agentId = olivia.url().split("/agents/")[1];

  // … and shares it with Sam at Run.
  await olivia.getByRole("button", { name: "Share…" }).click();
  const dialog = olivia.getByRole("dialog", { name: "Share Release bot" });
  await dialog.getByLabel("Find a member").fill("sam");
  await expect(dialog.getByLabel("Share with").locator("option", { hasText: "sam@example.com" })).toHaveCount(1);
  await dialog.getByLabel("Share with").selectOption({ label: "Sam Second (sam@example.com)" });
  await dialog.getByLabel("Access").selectOption("run");
  await dialog.getByRole("button", { name: "Share" }).click();
  const samRow = dialog.getByRole("row").filter({ hasText: "sam@example.com" });
  await expect(samRow).toContainText("Run");
  await expect(samRow).toContainText("Own grant");

  // Sam sees it, read-only, and a forced edit is refused.
  const sam = await (await browser.newContext()).newPage();
  await logIn(sam, "sam@example.com", "sam's password");
  await sam.goto("/agents?view=shared");
  await hydrated(sam);
  await sam.getByRole("link", { name: "Release bot" }).click();
  await hydrated(sam);
  await expect(sam.getByRole("note")).toContainText("Run access (shared with you)");
  await expect(sam.getByRole("button", { name: "Save changes" })).toHaveCount(0);
  await expect(sam.getByRole("button", { name: "Share…" })).toHaveCount(0);
  await expect(sam.getByRole("button", { name: "Delete agent…" })).toHaveCount(0);
  expect(await forcedEdit(sam, agentId)).toBe(403);

  // Olivia raises Sam to Edit; Sam edits.
  await samRow.getByLabel("Access for Sam Second (sam@example.com)", { exact: true }).selectOption("edit");
  await expect(samRow).toContainText("Edit");
  await sam.reload();
  await hydrated(sam);
  await sam.getByLabel("Description").fill("Cuts releases every Friday");
  await sam.getByRole("button", { name: "Save changes" }).click();
  await expect(sam.getByRole("status")).toHaveText("Saved.");
  await olivia.reload();
  await expect(olivia.getByText("Cuts releases every Friday")).toBeVisible();
  await hydrated(olivia);

  // Olivia revokes, once she confirms; Sam's very next request is refused.
  await olivia.getByRole("button", { name: "Share…" }).click();
  const sharing = olivia.getByRole("dialog", { name: "Share Release bot" });
  await sharing.getByRole("button", { name: "Revoke access for Sam Second (sam@example.com)" }).click();
  const question = sharing.getByRole("group", { name: /^Revoke the Edit access of Sam Second \(sam@example\.com\)\?/ });
  await question.getByRole("button", { name: "Cancel" }).click();
  await expect(sharing.getByRole("row").filter({ hasText: "sam@example.com" })).toContainText("Edit");
  await sharing.getByRole("button", { name: "Revoke access for Sam Second (sam@example.com)" }).click();
  await question.getByRole("button", { name: "Revoke access" }).click();
  await expect(olivia.getByRole("row").filter({ hasText: "sam@example.com" })).toHaveCount(0);
  await sam.getByLabel("Description").fill("One more change");
  await sam.getByRole("button", { name: "Save changes" }).click();
  await expect(sam.getByRole("alert")).toHaveText("agent not found");
  await sam.reload();
  await expect(sam.getByRole("alert")).toHaveText("agent not found");
});

test("the member search matches names and the part before the @, and a picked person is who gets the share", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  await addMember(page, "Bob Builder", "bob@example.com", "bob's password");
  await addMember(page, "Dora Diaz", "dora@example.com", "dora's password");
  await createAgent(page, "Search bot");

  await page.getByRole("button", { name: "Share…" }).click();
  const dialog = page.getByRole("dialog", { name: "Share Search bot" });
  const target = dialog.getByLabel("Share with");
  const search = dialog.getByLabel("Find a member");
  // Every member's email ends in example.com: the domain is no match.
  await search.fill("exa");
  await expect(dialog.getByText("No member matches “exa”.")).toBeVisible();
  await expect(target.locator("option", { hasText: "@example.com" })).toHaveCount(0);
  await search.fill("bo");
  await expect(target.locator("option", { hasText: "bob@example.com" })).toHaveCount(1);
  await expect(target.locator("option", { hasText: "dora@example.com" })).toHaveCount(0);
  await search.fill("dora@example.com");
  await expect(target.locator("option", { hasText: "dora@example.com" })).toHaveCount(1);

  // Nobody is chosen until someone is: Share alone shares with no one.
  await search.fill("bo");
  await expect(target.locator("option:checked")).toHaveText("Choose who…");
  await dialog.getByRole("button", { name: "Share" }).click();
  await expect(dialog.getByRole("alert")).toHaveText("Choose who to share with.");
  await expect(dialog.getByRole("row").filter({ hasText: "Everyone in the workspace" })).toHaveCount(0);

  // A picked person stays picked while the search is refined, and gets the share.
  await target.selectOption({ label: "Bob Builder (bob@example.com)" });
  await search.fill("bob");
  await expect(target.locator("option:checked")).toHaveText("Bob Builder (bob@example.com)");
  await dialog.locator("form").getByLabel("Access").selectOption("clone");
  await dialog.getByRole("button", { name: "Share" }).click();
  const bobRow = dialog.getByRole("row").filter({ hasText: "bob@example.com" });
  await expect(bobRow).toContainText("Clone");
  await expect(bobRow).toContainText("Own grant");
  await expect(dialog.getByRole("row").filter({ hasText: "Everyone in the workspace" })).toHaveCount(0);
  await expect(dialog.getByRole("alert")).toHaveCount(0);

  // The whole workspace only when picked as such.
  await target.selectOption({ label: "Everyone in the workspace" });
  await dialog.locator("form").getByLabel("Access").selectOption("run");
  await dialog.getByRole("button", { name: "Share" }).click();
  await expect(dialog.getByRole("row").filter({ hasText: "Everyone in the workspace" })).toContainText("Workspace grant");
});
