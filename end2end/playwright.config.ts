import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The server under test: the real `bosun` binary on SQLite in a fresh data
// directory, with a first admin created from the environment.
// Below Linux's ephemeral range (32768–60999), so that no outgoing
// connection of the machine holds the port (or the SMTP server's, next to it).
const port = Number(process.env.BOSUN_E2E_PORT ?? 28123);
export const baseURL = `http://127.0.0.1:${port}`;
export const admin = { email: "admin@example.com", password: "e2e admin password" };

// One data directory for the run: set by the runner, inherited by the
// workers (which load this file again), so tests can leave notes beside the
// server's files for the leak scan at the end (leak-scan.ts).
process.env.BOSUN_E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), "bosun-e2e-"));
export const dataDir = process.env.BOSUN_E2E_DATA_DIR;
const bosun = process.env.BOSUN_BIN ?? "../target/debug/bosun";

// A real SMTP server (Python's aiosmtpd, which scripts/test installs and
// names in BOSUN_TEST_SMTP_PYTHON) keeps every email Bosun sends in a
// maildir beside the server's files.
const smtpPort = port + 1;
export const maildir = join(dataDir, "mail");
const smtpPython = process.env.BOSUN_TEST_SMTP_PYTHON;
if (!smtpPython) {
  throw new Error("BOSUN_TEST_SMTP_PYTHON must name a Python with aiosmtpd (scripts/test sets it up)");
}

export default defineConfig({
  testDir: "./tests",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  globalTeardown: "./leak-scan.ts",
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [{
    command: `"${smtpPython}" -m aiosmtpd -n -l 127.0.0.1:${smtpPort} -c aiosmtpd.handlers.Mailbox "${maildir}"`,
    port: smtpPort,
    reuseExistingServer: false,
    timeout: 30_000,
  }, {
    // The server's log is kept (as well as shown) for the leak scan.
    command: `bash -c 'exec "${bosun}" serve > >(tee -a "${dataDir}/server.log") 2>&1'`,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      BOSUN_LISTEN: `127.0.0.1:${port}`,
      BOSUN_DATA_DIR: dataDir,
      LEPTOS_SITE_ROOT: process.env.BOSUN_SITE_ROOT ?? "../target/site",
      BOSUN_ADMIN_EMAIL: admin.email,
      BOSUN_ADMIN_PASSWORD: admin.password,
      DATABASE_URL: "",
      // The test OpenID provider listens on loopback, which Bosun refuses
      // to contact unless told otherwise.
      BOSUN_ALLOW_PRIVATE_URLS: "1",
      BOSUN_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      BOSUN_MAIL_FROM: "Bosun <bosun@example.com>",
    },
  }],
});
