import { expect, test } from "@playwright/test";
import { addMember, admin, apiToken, hydrated, logIn } from "./helpers";

test("a Claude Code session: connected from the agent page, asked about in the inbox by Claude Code's tool name, listed as its session and its person", async ({ page, request, browser }) => {
  await logIn(page, admin.email, admin.password);
  const auth = { Authorization: `Bearer ${await apiToken(page)}` };
  const stamp = Date.now();
  // Restricted: the shell asks a reviewer.
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name: `Coder ${stamp}`, tools: ["system_shell"], execution_mode: "restricted" },
  })).json();

  // A developer who may run the agent connects her Claude Code to it; the
  // admin reviews (nobody approves their own session's requests).
  const dev = { name: `Dana Dev ${stamp}`, email: `dana-${stamp}@example.com`, password: "dana's password" };
  await addMember(page, dev.name, dev.email, dev.password);
  const devContext = await browser.newContext();
  await devContext.grantPermissions(["clipboard-read", "clipboard-write"]);
  const dana = await devContext.newPage();
  await logIn(dana, dev.email, dev.password);
  const danaId = (await (await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${await apiToken(dana)}` } })).json()).id;
  expect((await request.post(`/api/v1/agents/${agent.id}/grants`, {
    headers: auth, data: { user_id: danaId, level: "run" },
  })).status()).toBe(201);

  // The agent page makes the agent token and shows the hooks that use it.
  await dana.goto(`/agents/${agent.id}`);
  await hydrated(dana);
  const connect = dana.getByRole("region", { name: "Connect an agent" });
  await connect.getByRole("button", { name: "Create agent token" }).click();
  const token = (await connect.getByTestId("new-agent-token").textContent())!.trim();
  await connect.getByRole("button", { name: "Copy" }).click();
  await expect(connect.getByText("Copied.")).toBeVisible();
  expect(await dana.evaluate(() => navigator.clipboard.readText())).toBe(token);
  const hooks = dana.getByRole("region", { name: "Claude Code" }).getByLabel("Hooks for .claude/settings.json");
  await expect(hooks).toHaveValue(new RegExp(`/api/v1/hooks/claude-code/${agent.id}\\?wait=590`));
  await expect(hooks).toHaveValue(/"onFailure": "block"/);

  // Her Claude Code asks to run a command with the agent token; the hook
  // waits while the request is in the admin's inbox.
  const session = `e2e-session-${stamp}`;
  const hook = (event: object, wait = "") => request.post(`/api/v1/hooks/claude-code/${agent.id}${wait}`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { session_id: session, cwd: "/srv/e2e", ...event },
  });
  const waiting = hook({
    hook_event_name: "PreToolUse", tool_name: "Bash", tool_input: { command: `make e2e-${stamp}` }, tool_use_id: `toolu_${stamp}`,
  }, "?wait=60");

  await page.goto("/inbox");
  await hydrated(page);
  const card = page.locator("li.request").filter({ hasText: `make e2e-${stamp}` });
  await expect(card.getByTestId("tool")).toHaveText("Bash");
  await expect(card.getByTestId("judged-as")).toHaveText("system_shell");
  await expect(card).toHaveAttribute("aria-label", /wants Bash \(judged as system_shell\)/);
  await card.getByRole("button", { name: "Allow once" }).click();
  const answer = await (await waiting).json();
  expect(answer.hookSpecificOutput.permissionDecision).toBe("allow");
  expect((await hook({ hook_event_name: "SessionEnd", reason: "other" })).status()).toBe(200);

  // The agent's runs name the session, where it ran, and who ran it.
  await page.goto(`/agents/${agent.id}`);
  await hydrated(page);
  const row = page.locator("table.runs tbody tr").filter({ hasText: session });
  await expect(row).toContainText(`Claude Code session ${session} in /srv/e2e`);
  await expect(row.getByTestId("run-interactive")).toBeVisible();
  await expect(row.getByTestId("run-starter")).toHaveText(dev.name);
  await expect(row.getByTestId("run-status")).toHaveText("succeeded");
  await devContext.close();
});
