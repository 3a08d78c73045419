import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { admin, apiToken, hydrated, logIn } from "./helpers";

/** Downloads the current search in one format, as text. */
async function download(page: Page, format: string): Promise<string> {
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: format, exact: true }).click(),
  ]);
  return readFileSync((await file.path())!, "utf8");
}

/** The events an OTLP export names, by the seq of its span events. */
function otlpSeqs(otlp: any): number[] {
  return otlp.resourceSpans[0].scopeSpans[0].spans
    .flatMap((span: any) => span.events)
    .flatMap((event: any) => event.attributes)
    .filter((attribute: any) => attribute.key === "bosun.event.seq")
    .map((attribute: any) => Number(attribute.value.intValue));
}

test("Traces → Decision = Deny downloads the same steps the search shows, in every format", async ({ page, request }) => {
  await logIn(page, admin.email, admin.password);
  const auth = { Authorization: `Bearer ${await apiToken(page)}` };
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth, data: { name: "Exporter", tools: ["system_shell"], execution_mode: "open" },
  })).json();
  expect((await request.post(`/api/v1/agents/${agent.id}/rules`, {
    headers: auth, data: { tool: "system_shell", action: "deny", pattern: "e2e-export-danger *" },
  })).status()).toBe(201);
  const key = (await (await request.post(`/api/v1/agents/${agent.id}/keys`, { headers: auth, data: { name: "e2e" } })).json()).key;
  const worker = { Authorization: `Bearer ${key}` };
  await request.post(`/api/v1/agents/${agent.id}/runs`, { headers: auth, data: { input: {} } });
  const run = (await (await request.get("/api/v1/runtime/runs/next?wait=5", { headers: worker })).json()).run;
  const ask = async (command: string) => (await request.post(`/api/v1/runtime/runs/${run.id}/tool-calls`, {
    headers: worker, data: { tool: "system_shell", input: command },
  })).json();
  expect((await ask("e2e-export-safe one")).decision).toBe("allow");
  expect((await ask("e2e-export-danger two")).decision).toBe("deny");
  expect((await ask("e2e-export-danger three")).decision).toBe("deny");
  await request.post(`/api/v1/runtime/runs/${run.id}/finish`, { headers: worker, data: { status: "succeeded" } });

  await page.goto(`/traces?agent=${agent.id}&decision=deny`);
  await hydrated(page);
  const shown = await page.getByRole("table", { name: "Steps" }).locator("tbody tr").count();
  expect(shown).toBe(2);

  const json = JSON.parse(await download(page, "JSON")).events.map((event: any) => event.seq).sort();
  const jsonl = (await download(page, "JSON Lines")).trim().split("\n").map((line) => JSON.parse(line).seq).sort();
  const otlp = JSON.parse(await download(page, "OTLP"));
  expect(json).toHaveLength(shown);
  expect(jsonl).toEqual(json);
  expect(otlpSeqs(otlp).sort()).toEqual(json);

  // Each denied call is a span of its own, with the decision and an error status.
  const spans = otlp.resourceSpans[0].scopeSpans[0].spans;
  const denied = spans.filter((span: any) => span.name === "execute_tool system_shell");
  expect(denied).toHaveLength(2);
  for (const span of denied) {
    expect(span.attributes).toContainEqual({ key: "bosun.decision", value: { stringValue: "deny" } });
    expect(span.status.code).toBe(2);
  }
});
