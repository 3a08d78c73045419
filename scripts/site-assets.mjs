#!/usr/bin/env node
// Turns the browser bundle as wasm-bindgen left it into the site Bosun
// serves: each file named after a hash of its content
// (`pkg/bosun.<hash>.js`, `.wasm`, `.css`), each precompressed beside
// itself with brotli (`.br`) and gzip (`.gz`) for the server to pick by the
// browser's Accept-Encoding, and the names listed in the site's `hash.txt`
// (Leptos's format), which the server reads to write them into the pages.
// Files of earlier builds are removed from `pkg/`. A file whose hashed name
// and compressed copies are already there is not compressed again, so an
// unchanged build costs nothing here.
//
//   node scripts/site-assets.mjs STAGING_DIR SITE_DIR [--best]
//
// STAGING_DIR holds bosun.js, bosun.wasm and bosun.css. `--best` spends
// the time on the smallest files (brotli 11, gzip 9), for the optimized
// build; without it (the debug build, tens of megabytes) brotli 5 and
// gzip 6 keep the step to seconds.
//
// Node's own zlib does the compressing: no package to install.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const [staging, site, ...flags] = process.argv.slice(2);
if (!staging || !site || flags.some((flag) => flag !== "--best")) {
  console.error("usage: node scripts/site-assets.mjs STAGING_DIR SITE_DIR [--best]");
  process.exit(2);
}
const best = flags.includes("--best");
const outputName = "bosun";
const kinds = ["js", "wasm", "css"];
if (existsSync(join(staging, "snippets"))) {
  // wasm-bindgen puts inline JavaScript there, imported by a fixed name;
  // nothing of Bosun's uses it, and hashed names would break the import.
  console.error(`${staging}/snippets: JavaScript snippets are not supported by this build`);
  process.exit(1);
}

const pkg = join(site, "pkg");
mkdirSync(pkg, { recursive: true });
const keep = new Set();
const hashes = [];
for (const kind of kinds) {
  const content = readFileSync(join(staging, `${outputName}.${kind}`));
  // 20 hex digits (80 bits): no two builds' files will ever share a name.
  const hash = createHash("sha256").update(content).digest("hex").slice(0, 20);
  const name = `${outputName}.${hash}.${kind}`;
  hashes.push(`${kind}: ${hash}`);
  keep.add(name);
  keep.add(`${name}.br`);
  keep.add(`${name}.gz`);
  const target = join(pkg, name);
  if ([target, `${target}.br`, `${target}.gz`].every((path) => existsSync(path))) continue;
  const brotli = brotliCompressSync(content, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: best ? 11 : 5,
      [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
      [constants.BROTLI_PARAM_MODE]: kind === "wasm" ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
    },
  });
  const gzip = gzipSync(content, { level: best ? 9 : 6 });
  // Written aside and renamed, so a server running meanwhile never
  // serves half a file.
  for (const [path, bytes] of [[target, content], [`${target}.br`, brotli], [`${target}.gz`, gzip]]) {
    writeFileSync(`${path}.tmp`, bytes);
    renameSync(`${path}.tmp`, path);
  }
  console.log(`    ${name}: ${content.length} B, brotli ${brotli.length} B, gzip ${gzip.length} B`);
}
for (const file of readdirSync(pkg)) {
  if (!keep.has(file)) rmSync(join(pkg, file), { recursive: true, force: true });
}
writeFileSync(join(site, "hash.txt.tmp"), `${hashes.join("\n")}\n`);
renameSync(join(site, "hash.txt.tmp"), join(site, "hash.txt"));
