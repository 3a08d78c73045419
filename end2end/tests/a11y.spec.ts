import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Browser, type Page } from "@playwright/test";
import { addMember, admin, apiToken, hydrated, logIn, seedSecret } from "./helpers";

// Every page, as an admin and as a member, at a laptop's and a phone's
// width: the accessibility scan finds no serious or critical violation, the
// page never scrolls sideways, and a screenshot of each is kept in
// test-results/ to look at.

const WIDTHS = [
  { name: "1280", width: 1280, height: 800 },
  { name: "375", width: 375, height: 812 },
];

type Fixture = { adminAgent: string; adminRun: string; memberRun: string; adminAuth: Record<string, string> };
let fixture: Fixture;

// A worker started again after a failure sets everything up anew, with a
// member of its own.
const member = { name: "Ally Member", email: `ally-${Date.now()}@example.com`, password: "ally's password" };

/** A runtime key's view of a run: claimed, then asking for a command the
 *  agent's restricted mode sends to the inbox, and a read it allows. */
async function runThatWaits(request: APIRequestContext, agentId: string, key: string, starter: Record<string, string>) {
  const started = await request.post(`/api/v1/agents/${agentId}/runs`, { headers: starter, data: { input: { task: "tidy up" } } });
  expect(started.status()).toBe(201);
  const run = (await started.json()).id as string;
  const runtime = { Authorization: `Bearer ${key}` };
  // Runs of this agent only: the key is the agent's.
  for (let claimed = ""; claimed !== run;) {
    const next = await request.get("/api/v1/runtime/runs/next?wait=5", { headers: runtime });
    expect(next.status()).toBe(200);
    claimed = (await next.json()).run.id;
  }
  const read = await request.post(`/api/v1/runtime/runs/${run}/tool-calls`, {
    headers: runtime, data: { tool: "read_file", input: "/srv/app/README.md" },
  });
  expect((await read.json()).decision).toBe("allow");
  const asked = await request.post(`/api/v1/runtime/runs/${run}/tool-calls`, {
    headers: runtime, data: { tool: "system_shell", input: "rm -rf /srv/app/build && npm run build --workspace=packages/a-rather-long-package-name" },
  });
  expect((await asked.json()).decision).toBe("pending");
  return run;
}

async function setUp(browser: Browser, request: APIRequestContext): Promise<Fixture> {
  const adminPage = await (await browser.newContext()).newPage();
  await logIn(adminPage, admin.email, admin.password);
  await addMember(adminPage, member.name, member.email, member.password);
  const auth = { Authorization: `Bearer ${await apiToken(adminPage)}` };
  const agent = await (await request.post("/api/v1/agents", {
    headers: auth,
    data: { name: "Scanned agent", description: "Every page of it is scanned", tools: ["system_shell", "read_file"], execution_mode: "restricted" },
  })).json();
  const key = (await (await request.post(`/api/v1/agents/${agent.id}/keys`, { headers: auth, data: { name: "scan worker" } })).json()).key;
  const secret = `scan-secret-${Date.now()}`;
  seedSecret(secret);
  expect((await request.put(`/api/v1/agents/${agent.id}/credentials/github`, {
    headers: auth, data: { service_account: "scan-bot", value: secret },
  })).status()).toBe(200);
  expect((await request.post(`/api/v1/agents/${agent.id}/rules`, {
    headers: auth, data: { tool: "system_shell", action: "allow", pattern: "npm test *", note: "tests are harmless" },
  })).status()).toBe(201);

  const memberPage = await (await browser.newContext()).newPage();
  await logIn(memberPage, member.email, member.password);
  const memberAuth = { Authorization: `Bearer ${await apiToken(memberPage)}` };
  const memberId = (await (await request.get("/api/v1/me", { headers: memberAuth })).json()).id;
  expect((await request.post(`/api/v1/agents/${agent.id}/grants`, {
    headers: auth, data: { user_id: memberId, level: "run" },
  })).status()).toBe(201);

  const adminRun = await runThatWaits(request, agent.id, key, auth);
  const memberRun = await runThatWaits(request, agent.id, key, memberAuth);
  await adminPage.context().close();
  await memberPage.context().close();
  return { adminAgent: agent.id, adminRun, memberRun, adminAuth: auth };
}

// The runs end with the file, so that their requests leave the inbox of the
// specs that come after.
test.afterAll(async ({ request }) => {
  if (!fixture) return;
  for (const run of [fixture.adminRun, fixture.memberRun]) {
    const cancelled = await request.post(`/api/v1/agents/${fixture.adminAgent}/runs/${run}/cancel`, { headers: fixture.adminAuth });
    expect(cancelled.status()).toBe(200);
  }
});

/** The pages an admin uses; each is `[name, path]`. */
function adminPages(f: Fixture): [string, string][] {
  return [
    ["agents", "/agents"],
    ["agents-all", "/agents?view=all"],
    ["new-agent", "/agents/new"],
    ["agent", `/agents/${f.adminAgent}`],
    ["agent-permissions", `/agents/${f.adminAgent}/permissions`],
    ["inbox", "/inbox"],
    ["traces", "/traces"],
    ["run", `/traces/${f.adminRun}`],
    ["settings", "/settings"],
    ["settings-members", "/settings/members"],
    ["settings-tools", "/settings/tools"],
    ["settings-security", "/settings/security"],
    ["settings-integrations", "/settings/integrations"],
    ["account", "/account"],
    ["not-found", "/no-such-page"],
  ];
}

/** The pages a member uses (those an admin only sees are theirs too: they
 *  must say so accessibly). */
function memberPages(f: Fixture): [string, string][] {
  return [
    ["agents", "/agents"],
    ["agent", `/agents/${f.adminAgent}`],
    ["agent-permissions", `/agents/${f.adminAgent}/permissions`],
    ["inbox", "/inbox"],
    ["traces", "/traces"],
    ["run", `/traces/${f.memberRun}`],
    ["settings", "/settings"],
    ["settings-integrations", "/settings/integrations"],
    ["account", "/account"],
    ["not-found", "/no-such-page"],
  ];
}

/** What a person fixing the page needs: each violation's rule, impact,
 *  help and the elements it found. */
function describe(where: string, violations: Awaited<ReturnType<AxeBuilder["analyze"]>>["violations"]): string {
  return violations
    .map((v) => `${where}: [${v.impact}] ${v.id} — ${v.help} (${v.helpUrl})\n${v.nodes
      .map((n) => `    ${n.target.join(" ")}\n      ${n.failureSummary?.replace(/\n/g, "\n      ")}`)
      .join("\n")}`)
    .join("\n");
}

/** Scans the page that is open, keeps its screenshot, and returns what is
 *  wrong with it (nothing, for a good page). */
async function check(page: Page, where: string, width: number): Promise<string[]> {
  const problems: string[] = [];
  await page.screenshot({ path: test.info().outputPath(`${where}.png`), fullPage: true });
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (serious.length > 0) problems.push(describe(where, serious));
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth);
  if (sideways > width) {
    // The culprits: what reaches past the screen's edge without a box
    // that scrolls or clips it.
    const wide = await page.evaluate((limit) => [...document.querySelectorAll("body *")]
      .filter((e) => {
        if (e.getBoundingClientRect().right <= limit) return false;
        for (let up = e.parentElement; up && up !== document.body; up = up.parentElement) {
          if (getComputedStyle(up).overflowX !== "visible") return false;
        }
        return true;
      })
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${e.className ? `.${String(e.className).replace(/ /g, ".")}` : ""}`), width);
    problems.push(`${where}: the page scrolls sideways (${sideways} px wide at ${width} px): ${wide.join(", ")}`);
  }
  return problems;
}

async function visitAll(page: Page, pages: [string, string][], who: string, width: number): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, path] of pages) {
    await page.goto(path);
    await hydrated(page);
    await expect(page.locator(".loading")).toHaveCount(0);
    problems.push(...await check(page, `${who}-${name}-${width}`, width));
  }
  return problems;
}

test.describe("every page", () => {
  test.describe.configure({ timeout: 240_000 });

  test.beforeAll(async ({ browser, request }) => {
    fixture = await setUp(browser, request);
  });

  for (const { name, width, height } of WIDTHS) {
    test(`at ${name} px, logged out: no serious accessibility violation and no sideways scrolling`, async ({ browser }) => {
      const page = await (await browser.newContext({ viewport: { width, height } })).newPage();
      const problems = await visitAll(page, [
        ["login", "/login"],
        ["set-password", "/set-password"],
        ["set-password-link", "/set-password#bosun_pwl_not-a-real-link"],
      ], "visitor", width);
      expect(problems, problems.join("\n")).toEqual([]);
    });

    test(`at ${name} px, as an admin: no serious accessibility violation and no sideways scrolling`, async ({ browser }) => {
      const page = await (await browser.newContext({ viewport: { width, height } })).newPage();
      await logIn(page, admin.email, admin.password);
      const problems = await visitAll(page, adminPages(fixture), "admin", width);

      // The panels that open in place are scanned open.
      await page.goto(`/agents/${fixture.adminAgent}`);
      await hydrated(page);
      await page.getByRole("button", { name: "Share…" }).click();
      await expect(page.getByRole("dialog", { name: /^Share / })).toBeVisible();
      problems.push(...await check(page, `admin-agent-sharing-${width}`, width));
      await page.goto("/inbox");
      await hydrated(page);
      await page.getByRole("button", { name: "Always allow…" }).first().click();
      await expect(page.getByRole("button", { name: "Allow and add rule" })).toBeVisible();
      problems.push(...await check(page, `admin-inbox-always-${width}`, width));
      await page.getByRole("button", { name: "Edit…" }).first().click();
      await expect(page.getByRole("button", { name: "Approve edited call" })).toBeVisible();
      problems.push(...await check(page, `admin-inbox-edit-${width}`, width));
      expect(problems, problems.join("\n")).toEqual([]);
    });

    test(`at ${name} px, as a member: no serious accessibility violation and no sideways scrolling`, async ({ browser }) => {
      const page = await (await browser.newContext({ viewport: { width, height } })).newPage();
      await logIn(page, member.email, member.password);
      const problems = await visitAll(page, memberPages(fixture), "member", width);
      expect(problems, problems.join("\n")).toEqual([]);
    });
  }
});

test.describe("at 375 px", () => {
  test.use({ viewport: { width: 375, height: 812 } });

  test.beforeAll(async ({ browser, request }) => {
    fixture ??= await setUp(browser, request);
  });

  test("the navigation folds behind a menu button that works from the keyboard", async ({ page }) => {
    await logIn(page, admin.email, admin.password);
    const nav = page.getByRole("navigation", { name: "Main" });
    const menu = page.getByRole("button", { name: "Menu" });
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(nav.getByRole("link", { name: "Traces" })).toBeHidden();
    await expect(page.getByRole("button", { name: "Log out" })).toBeHidden();
    // A reviewer sees that requests wait without opening it.
    await expect(menu.getByLabel(/^\d+ waiting$/)).toBeVisible();

    // Tab from the top of the page: the brand, then the menu.
    await page.locator("body").focus();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await expect(menu).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    await expect(nav.getByRole("link", { name: "Traces" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();
    const open = await check(page, "admin-menu-open-375", 375);
    expect(open, open.join("\n")).toEqual([]);

    // Escape folds it and leaves focus on the button.
    await page.keyboard.press("Tab");
    await page.keyboard.press("Escape");
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(menu).toBeFocused();

    // Following a link goes there and folds the menu again.
    await page.keyboard.press("Space");
    await expect(nav.getByRole("link", { name: "Traces" })).toBeVisible();
    await nav.getByRole("link", { name: "Traces" }).focus();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/traces$/);
    await expect(page.getByRole("heading", { level: 1, name: "Traces" })).toBeVisible();
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expect(nav.getByRole("link", { name: "Traces" })).toBeHidden();
  });

  test("at 1280 px the navigation is always shown and there is no menu button", async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await logIn(page, admin.email, admin.password);
    await expect(page.getByRole("button", { name: "Menu" })).toBeHidden();
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Traces" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Log out" })).toBeVisible();
  });

  test("the inbox's decisions are on the first screen, below a folded navigation", async ({ page }) => {
    await logIn(page, admin.email, admin.password);
    await page.goto("/inbox");
    await hydrated(page);
    const request = page.locator("li.request").filter({ hasText: "npm run build" }).first();
    for (const name of ["Allow once", "Deny…"]) {
      const button = request.getByRole("button", { name });
      await expect(button).toBeVisible();
      const box = (await button.boundingBox())!;
      expect(box.y + box.height, `${name} ends within the first 812 px`).toBeLessThanOrEqual(812);
      expect(box.x + box.width).toBeLessThanOrEqual(375);
    }
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
  });

  for (const [what, path, table] of [
    ["the traces", "/traces", "Steps"],
    ["the members", "/settings/members", "Members"],
  ]) {
    test(`${what}' table keeps its headers and scrolls in its own box, not the page`, async ({ page }) => {
      await logIn(page, admin.email, admin.password);
      await page.goto(path);
      await hydrated(page);
      const grid = page.getByRole("table", { name: table });
      await expect(grid.getByRole("columnheader").first()).toBeVisible();
      // The headers head their columns, inside the table's box (not moved
      // off the screen), the first of them on the screen.
      const headers = await grid.evaluate((table) => {
        const t = table.getBoundingClientRect();
        return [...table.querySelectorAll("th")].map((th) => {
          const h = th.getBoundingClientRect();
          return { text: th.textContent, inside: h.left >= t.left && h.top >= t.top && h.bottom <= t.bottom, left: h.left };
        });
      });
      expect(headers.filter((h) => !h.inside), "headers outside the table").toEqual([]);
      expect(headers[0].left).toBeGreaterThanOrEqual(0);
      const box = await grid.evaluate((e) => {
        const r = e.getBoundingClientRect();
        return { left: r.left, right: r.right, scrollWidth: e.scrollWidth, clientWidth: e.clientWidth };
      });
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.right).toBeLessThanOrEqual(375);
      if (box.scrollWidth > box.clientWidth) {
        // What does not fit is reached by scrolling the table itself.
        await grid.evaluate((e) => e.scrollBy(100, 0));
        expect(await grid.evaluate((e) => e.scrollLeft)).toBeGreaterThan(0);
      }
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    });
  }
});

test("a checkbox sits at the start of the line of its words, at both widths", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 812 });
    await page.goto("/settings/security");
    await hydrated(page);
    const checkbox = page.getByRole("checkbox", { name: /Reviewers may decide requests of runs they started/ });
    const layout = await checkbox.evaluate((box) => {
      const label = box.closest("label")!;
      const words = [...label.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())!;
      const range = document.createRange();
      range.selectNodeContents(words);
      const [b, l, w] = [box.getBoundingClientRect(), label.getBoundingClientRect(), range.getClientRects()[0]];
      return { boxLeft: b.left - l.left, boxBottom: b.bottom, boxRight: b.right, wordsTop: w.top, wordsLeft: w.left };
    });
    expect(layout.boxLeft, `at ${width} px`).toBeLessThanOrEqual(6);
    expect(layout.wordsLeft, `at ${width} px`).toBeGreaterThan(layout.boxRight);
    expect(layout.wordsTop, `at ${width} px`).toBeLessThan(layout.boxBottom);
  }
});

test("the keyboard's focus is drawn at least 3:1 against the page and the header", async ({ page }) => {
  await logIn(page, admin.email, admin.password);
  await page.goto("/agents/new");
  await hydrated(page);
  /** The focused element's outline against the background behind it. */
  const ring = () => page.evaluate(() => {
    const luminance = (color: string) => {
      const [r, g, b] = color.match(/[\d.]+/g)!.slice(0, 3).map((c) => {
        const v = Number(c) / 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const focused = document.activeElement!;
    let behind = focused.parentElement!;
    while (getComputedStyle(behind).backgroundColor === "rgba(0, 0, 0, 0)") behind = behind.parentElement!;
    const style = getComputedStyle(focused);
    const [a, b] = [luminance(style.outlineColor), luminance(getComputedStyle(behind).backgroundColor)];
    return { width: parseFloat(style.outlineWidth), style: style.outlineStyle, contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
  });
  for (const target of [page.getByLabel("Name"), page.getByLabel("Instructions (the agent's system prompt)"), page.getByRole("button", { name: "Create agent" }), page.getByRole("link", { name: "Traces" })]) {
    await target.focus();
    // Focus from the keyboard, as :focus-visible means it.
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    await expect(target).toBeFocused();
    const drawn = await ring();
    expect(drawn.style).toBe("solid");
    expect(drawn.width).toBeGreaterThanOrEqual(2);
    expect(drawn.contrast).toBeGreaterThanOrEqual(3);
  }
});
