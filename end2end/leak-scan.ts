// After every browser test: no secret a test handed to Bosun (recorded
// with `seedSecret`) may appear in the server's log, its SQLite database or
// the database's write-ahead log. Pages and API responses are checked by
// the tests themselves as they fetch them. And the server must not have
// panicked on any request, not even one whose page the browser had already
// left.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { admin, dataDir } from "./playwright.config";
import { SEEDED_SECRETS_FILE } from "./tests/helpers";

export default function leakScan() {
  const seeded = join(dataDir, SEEDED_SECRETS_FILE);
  const secrets = existsSync(seeded)
    ? readFileSync(seeded, "utf8").split("\n").filter((line) => line.length > 0)
    : [];
  // The first admin's password comes in by the environment; it too must
  // never be written out.
  secrets.push(admin.password);
  const leaks: string[] = [];
  for (const file of ["server.log", "bosun.db", "bosun.db-wal"]) {
    const path = join(dataDir, file);
    if (!existsSync(path)) continue;
    const bytes = readFileSync(path);
    for (const secret of secrets) {
      if (bytes.includes(secret)) leaks.push(`${file} holds a secret a test seeded (${secret.slice(0, 4)}…)`);
    }
    if (file === "server.log") {
      const panics = bytes.toString("utf8").split("\n").filter((line) => line.includes(" panicked at "));
      if (panics.length > 0) leaks.push(`the server panicked:\n${panics.join("\n")}`);
    }
  }
  if (leaks.length > 0) throw new Error(`leak scan:\n${leaks.join("\n")}`);
  console.log(`leak scan: ${secrets.length} seeded secrets, none in the server log or the database files; no panic`);
}
