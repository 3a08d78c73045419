import { expect, test } from "@playwright/test";
import { admin, createAgent, hydrated, logIn, seedSecret, servedBodies } from "./helpers";

// An admin registers a remote MCP server under Settings → Integrations with
// a header secret, which no page shows again; on an agent's page its
// editor lets the agent use it and reads where MCP clients connect.
test("an admin registers a remote MCP server and an agent's page shows where clients reach it", async ({ browser }) => {
  const name = `docs_${Date.now()}`;
  const secret = `mcp-header-secret-${Date.now()}`;
  seedSecret(secret);
  const page = await (await browser.newContext()).newPage();
  const served = servedBodies(page);
  await logIn(page, admin.email, admin.password);
  await page.goto("/settings/integrations");
  await hydrated(page);
  const form = page.getByRole("form", { name: "Remote MCP server" });
  await form.getByLabel(/^Name/).fill(name);
  await form.getByLabel("Streamable HTTP URL").fill("https://mcp.example.com/v1/mcp");
  await form.getByLabel("Header", { exact: true }).fill("X-Api-Key");
  await form.getByLabel(/^Value/).fill(secret);
  await form.getByRole("button", { name: "Add server" }).click();
  const row = page.getByTestId(`mcp-server-${name}`);
  await expect(row).toContainText("https://mcp.example.com/v1/mcp");
  await expect(row).toContainText("secret in the X-Api-Key header");

  await createAgent(page, `Remote MCP ${Date.now()}`);
  const agentId = page.url().split("/agents/")[1];
  const panel = page.getByRole("region", { name: "Remote MCP servers" });
  await panel.getByLabel(/Use a registered server/).selectOption(name);
  await panel.getByRole("button", { name: "Use it" }).click();
  await expect(panel.getByRole("table")).toContainText(`/mcp/${agentId}/${name}`);
  await expect(panel.getByRole("table")).toContainText("secret in the X-Api-Key header");

  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("region", { name: "Remote MCP servers" }).getByRole("table")).toContainText(name);
  expect(served.join("\n")).not.toContain(secret);
});
