import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { admin, apiToken, hydrated, logIn } from "./helpers";

type Rule = { tool: string; action: string; pattern: string | null };
type Scenario = { mode: string; enforced_rules: Rule[]; agent_rules: Rule[]; cases: { tool: string; input: string }[] };
const corpus = JSON.parse(readFileSync("../policy/tests/corpus/bypass.json", "utf8"));

// The same decision must come from the engine compiled to WebAssembly in the
// page and from the server's evaluate endpoint, for every case of the bypass
// corpus. (The scenario's guardrails go first in the agent's own list, so the
// test leaves the workspace's rules alone; the order, and so the decision, is
// the same.) A page input cannot hold NUL or a carriage return, so the few
// cases with those are checked on the server side only, by the engine's tests.
for (const name of ["narrow_allows", "guardrails", "must_allow"]) {
  test(`the browser and the server agree on the bypass corpus: ${name}`, async ({ page, request }) => {
    test.setTimeout(180_000);
    const scenario: Scenario = corpus[name];
    await logIn(page, admin.email, admin.password);
    const auth = { Authorization: `Bearer ${await apiToken(page)}` };
    // The agent has the tools the cases call: both sides deny any other
    // before reading a rule.
    const tools = [...new Set(scenario.cases.map((c) => c.tool))];
    const agent = await (await request.post("/api/v1/agents", {
      headers: auth, data: { name: `Corpus ${name}`, execution_mode: scenario.mode, tools },
    })).json();
    for (const rule of [...scenario.enforced_rules, ...scenario.agent_rules]) {
      const created = await request.post(`/api/v1/agents/${agent.id}/rules`, {
        headers: auth, data: { tool: rule.tool, action: rule.action, pattern: rule.pattern },
      });
      expect(created.status()).toBe(201);
    }
    await page.goto(`/agents/${agent.id}/permissions`);
    await hydrated(page);
    const panel = page.getByRole("region", { name: "Test a call" });
    await panel.getByLabel("Working directory").fill(corpus.working_dir);

    let compared = 0;
    for (const { tool, input } of scenario.cases) {
      if (input.includes("\0") || input.includes("\r")) continue;
      const server = await (await request.post(`/api/v1/agents/${agent.id}/evaluate`, {
        headers: auth, data: { tool, input, working_dir: corpus.working_dir },
      })).json();
      await panel.getByLabel("Tool").selectOption(tool);
      await panel.getByLabel("Input").fill(input);
      const where = `${tool} ${JSON.stringify(input)}`;
      await expect(panel.getByTestId("decision"), where).toHaveText(server.decision);
      await expect(panel.getByTestId("reason"), where).toHaveAttribute("data-kind", server.reason.kind);
      if (server.reason.kind === "rule") {
        await expect(panel.getByTestId("reason"), where).toHaveAttribute("data-position", String(server.reason.position));
      }
      await expect(panel.getByTestId("risk"), where).toHaveText(server.risk.level);
      compared += 1;
    }
    expect(compared).toBeGreaterThan(scenario.cases.length * 0.9);
  });
}
