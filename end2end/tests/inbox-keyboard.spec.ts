import { expect, test } from "@playwright/test";
import { addMember, agentWithReviewer, apiToken, hydrated, logIn } from "./helpers";

test("the inbox is worked with the keyboard: first request focused, j and k, ? and Esc, a decision moves focus on", async ({ browser, request }) => {
  const { page, reviewerAuth, ask } = await agentWithReviewer(browser, request, "Keyboard", {
    name: "Kim Keys", email: "kim@example.com", password: "kim's password",
  });
  const ids = [await ask("echo one"), await ask("echo two"), await ask("echo three")];
  const card = (id: string) => page.locator(`li.request[data-approval-id="${id}"]`);

  // Kim may decide only this agent's requests, so these are her inbox.
  await page.goto("/inbox");
  await hydrated(page);
  await expect(card(ids[0])).toBeFocused();
  await page.keyboard.press("j");
  await expect(card(ids[1])).toBeFocused();
  await page.keyboard.press("j");
  await expect(card(ids[2])).toBeFocused();
  await page.keyboard.press("j");
  await expect(card(ids[2])).toBeFocused();
  await page.keyboard.press("k");
  await expect(card(ids[1])).toBeFocused();

  // ? lists the shortcuts; Esc closes the list and focus comes back.
  await page.keyboard.press("?");
  const shortcuts = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(shortcuts).toBeVisible();
  await expect(shortcuts).toContainText("Next request");
  await page.keyboard.press("Escape");
  await expect(shortcuts).toBeHidden();
  await expect(card(ids[1])).toBeFocused();

  // D opens the denial with its field focused; typing j and k there types
  // them; Esc closes the panel, back on the card, and the text is kept.
  await page.keyboard.press("d");
  const message = card(ids[1]).getByLabel("Message to the agent");
  await expect(message).toBeFocused();
  await page.keyboard.type("just kidding");
  await expect(message).toHaveValue("just kidding");
  await expect(message).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(message).toHaveCount(0);
  await expect(card(ids[1])).toBeFocused();
  await page.keyboard.press("d");
  await expect(card(ids[1]).getByLabel("Message to the agent")).toHaveValue("just kidding");
  await page.keyboard.press("Escape");
  await expect(card(ids[1])).toBeFocused();

  // A allows the focused request: its card goes, the next one is focused.
  await page.keyboard.press("a");
  await expect(card(ids[1])).toHaveCount(0);
  await expect(card(ids[2])).toBeFocused();
  // The last one decided, focus goes back to the one before it.
  await page.keyboard.press("a");
  await expect(card(ids[2])).toHaveCount(0);
  await expect(card(ids[0])).toBeFocused();
  await page.keyboard.press("a");
  await expect(card(ids[0])).toHaveCount(0);
  const nothing = page.getByRole("region", { name: "Nothing waits for you" });
  await expect(nothing).toBeFocused();

  // They were allowed, by Kim.
  const approved = await (await request.get("/api/v1/approvals?status=approved", { headers: reviewerAuth })).json();
  for (const id of ids) {
    expect(approved.items.find((a: { id: string }) => a.id === id)).toMatchObject({ status: "approved", decision: "allow_once" });
  }
});

test("a panel opened just as the shortcuts close keeps the focus in its field", async ({ browser, request }) => {
  const { page, ask } = await agentWithReviewer(browser, request, "Quick keys", {
    name: "Quinn Quick", email: "quinn@example.com", password: "quinn's password",
  });
  const id = await ask("echo quick");
  const card = page.locator(`li.request[data-approval-id="${id}"]`);
  await page.goto("/inbox");
  await hydrated(page);
  await expect(card).toBeFocused();
  await page.keyboard.press("?");
  const shortcuts = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(shortcuts).toBeVisible();

  // The dialog's close event is a task of its own, after the browser has
  // given the focus back: a quick D can open the denial before it comes.
  await page.evaluate((id) => {
    document.querySelector<HTMLDialogElement>("dialog.shortcuts")!.close();
    document.querySelector(`li.request[data-approval-id="${id}"]`)!
      .dispatchEvent(new KeyboardEvent("keydown", { key: "d", bubbles: true, cancelable: true }));
  }, id);
  await expect(shortcuts).toBeHidden();
  const message = card.getByLabel("Message to the agent");
  await expect(message).toBeFocused();
  await page.keyboard.type("not now");
  await expect(message).toHaveValue("not now");
});

test("an edit refused at approval keeps its text and says why on its own card", async ({ browser, request }) => {
  const { page, auth, agent, ask } = await agentWithReviewer(browser, request, "Refused edit", {
    name: "Ed Edits", email: "ed.edits@example.com", password: "ed's password",
  });
  const id = await ask("ls /srv");
  await page.goto("/inbox");
  await hydrated(page);
  const card = page.locator(`li.request[data-approval-id="${id}"]`);
  await card.getByRole("button", { name: "Edit…" }).click();
  const edit = card.getByLabel("Run this instead");
  await edit.fill("cat /srv/notes.txt");
  await expect(card.getByTestId("edit-preview")).toContainText("The rules would ask the edited call");

  // Meanwhile the agent's rules come to deny it: the approval is refused.
  expect((await request.post(`/api/v1/agents/${agent.id}/rules`, {
    headers: auth, data: { tool: "system_shell", action: "deny", pattern: "cat *" },
  })).status()).toBe(201);
  await card.getByRole("button", { name: "Approve edited call" }).click();
  const refusal = card.getByTestId("decision-error").getByRole("alert");
  await expect(refusal).toContainText("the rules deny the edited input");
  await expect(edit).toHaveValue("cat /srv/notes.txt");
  // Said on the card, not at the top of the page.
  await expect(page.locator("main > .error, main > [role=alert]")).toHaveCount(0);
  // Another edit goes through.
  await edit.fill("ls /srv/app");
  await expect(card.getByTestId("edit-preview")).toContainText("The rules would ask the edited call");
  await card.getByRole("button", { name: "Approve edited call" }).click();
  await expect(card).toHaveCount(0);
});

test("a reviewer halfway through a denial is told that someone else decided, with their own text kept", async ({ browser, request }) => {
  const { page, adminPage, auth, agent, ask } = await agentWithReviewer(browser, request, "Two reviewers", {
    name: "Dora Deny", email: "dora@example.com", password: "dora's password",
  });
  // A second editor of the agent, who may decide its requests too (the
  // admin started the run, so may not).
  await addMember(adminPage, "Otto Other", "otto@example.com", "otto's password");
  const otto = await (await browser.newContext()).newPage();
  await logIn(otto, "otto@example.com", "otto's password");
  const ottoId = (await (await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${await apiToken(otto)}` } })).json()).id;
  expect((await request.post(`/api/v1/agents/${agent.id}/grants`, {
    headers: auth, data: { user_id: ottoId, level: "edit" },
  })).status()).toBe(201);
  const id = await ask("echo shared");
  await page.goto("/inbox");
  await hydrated(page);
  const card = page.locator(`li.request[data-approval-id="${id}"]`);
  await card.getByRole("button", { name: "Deny…" }).click();
  await card.getByLabel("Message to the agent").fill("wait, check the branch first");

  // Otto, in another browser, denies it first.
  await otto.goto("/inbox");
  await hydrated(otto);
  const ottoCard = otto.locator(`li.request[data-approval-id="${id}"]`);
  await ottoCard.getByRole("button", { name: "Deny…" }).click();
  await ottoCard.getByLabel("Message to the agent").fill("not today");
  await ottoCard.getByRole("button", { name: "Deny", exact: true }).click();
  await expect(ottoCard).toHaveCount(0);

  const notice = card.getByTestId("decided-elsewhere");
  await expect(notice).toContainText("Decided by Otto Other: denied");
  await expect(notice).toContainText("Their message: not today");
  await expect(notice.getByLabel("Your unsent message (not sent)")).toHaveValue("wait, check the branch first");
  await expect(card.getByRole("button", { name: "Deny", exact: true })).toHaveCount(0);
  await notice.getByRole("button", { name: "Dismiss" }).click();
  await expect(card).toHaveCount(0);
});
