#!/usr/bin/env node
// Turns the browser bundle as wasm-split-cli and wasm-bindgen left it into
// the site Bosun serves: each file named after a hash of its content
// (`pkg/bosun.<hash>.js`, `.wasm`, `.css`, the lazily loaded parts
// `<part>.<hash>.wasm` and their loader `__wasm_split.<hash>.js`), each
// precompressed beside itself with brotli (`.br`) and gzip (`.gz`) for the
// server to pick by the browser's Accept-Encoding, and the names listed in
// the site's `hash.txt` (Leptos's format), which the server reads to write
// them into the pages. Beside them, `parts.<hash>.json` tells the server
// which parts a lazily loaded page needs, so that a page rendered on the
// server asks the browser to fetch them at once. Files of
// earlier builds are removed from `pkg/`. A file whose hashed name and
// compressed copies are already there is not compressed again, so an
// unchanged build costs nothing here.
//
//   node scripts/site-assets.mjs STAGING_DIR SITE_DIR [--best]
//
// STAGING_DIR holds bosun.js, bosun.wasm and bosun.css, and, from the
// splitter, __wasm_split.js with the parts (`split_<name>.wasm`,
// `chunk_<n>.wasm`) it loads. `--best` spends the time on the smallest
// files (brotli 11, gzip 9), for the optimized build; without it (the
// debug build, tens of megabytes) brotli 5 and gzip 6 keep the step to
// seconds.
//
// The main script and the parts' loader name each other (the main module
// imports the loaders; the loader imports the main script's `initSync` to
// reach the running module), so neither can be named after its own final
// content: both are named after one hash of the two as they were built,
// with the parts' names already in, which changes whenever either does.
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
const loaderName = "__wasm_split";
if (existsSync(join(staging, "snippets"))) {
  // wasm-bindgen puts inline JavaScript there, imported by a fixed name;
  // nothing of Bosun's uses it, and hashed names would break the import.
  console.error(`${staging}/snippets: JavaScript snippets are not supported by this build`);
  process.exit(1);
}

const fail = (problem) => {
  console.error(`site-assets: ${problem}`);
  process.exit(1);
};
/** 20 hex digits (80 bits): no two builds' files will ever share a name. */
const hashOf = (...contents) => {
  const hash = createHash("sha256");
  for (const content of contents) hash.update(content).update("\0");
  return hash.digest("hex").slice(0, 20);
};
/** `text` with every `from` replaced by `to`, where it holds `from`
 *  exactly `count` times, or at least once without a count (a build whose
 *  output changed shape must stop here, not ship a bundle that cannot
 *  load). */
const replaceChecked = (text, from, to, where, count) => {
  const found = text.split(from).length - 1;
  if (count === undefined ? found === 0 : found !== count) {
    fail(`${where}: expected ${count ?? "some"} × ${from}, found ${found}`);
  }
  return text.split(from).join(to);
};

const read = (name) => readFileSync(join(staging, name));
/** name in pkg/ → content */
const files = new Map();

// The lazily loaded parts, each named after its content.
const partStems = readdirSync(staging)
  .filter((name) => /^(split_\w+|chunk_\d+)\.wasm$/.test(name))
  .map((name) => name.slice(0, -".wasm".length))
  .sort();
const partNames = new Map();
for (const stem of partStems) {
  const content = read(`${stem}.wasm`);
  const name = `${stem}.${hashOf(content)}`;
  partNames.set(stem, name);
  files.set(`${name}.wasm`, content);
}

let mainJs = read(`${outputName}.js`).toString();
let loaderJs = read(`${loaderName}.js`).toString();
for (const [stem, name] of partNames) {
  loaderJs = replaceChecked(loaderJs, `"./${stem}.wasm"`, `"./${name}.wasm"`, `${loaderName}.js`, 1);
}
const scriptsHash = hashOf(mainJs, loaderJs);
const mainScript = `${outputName}.${scriptsHash}.js`;
const loaderScript = `${loaderName}.${scriptsHash}.js`;
// The main script imports the loader once per lazily loaded function; the
// module keeps the plain name as its imports' key, which the script's
// import object must match, so only the import statements change.
mainJs = replaceChecked(mainJs, `from "./${loaderName}.js"`, `from "./${loaderScript}"`, `${outputName}.js`);
loaderJs = replaceChecked(loaderJs, `from "./${outputName}.js"`, `from "./${mainScript}"`, `${loaderName}.js`, 1);
files.set(mainScript, Buffer.from(mainJs));
files.set(loaderScript, Buffer.from(loaderJs));

// Which parts each lazily loaded function needs (the shared chunks first,
// then its own part), as Leptos reads it to preload them with a page.
const chunkFiles = new Map(
  [...loaderJs.matchAll(/const (__chunk_\d+) = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([\w.]+)\.wasm"/g)]
    .map(([, variable, file]) => [variable, file]),
);
const manifest = {};
for (const [, split, fetcher, deps] of loaderJs.matchAll(
  /export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(([\s\S]*?), \[([\w, ]*)\]\)\);/g,
)) {
  const needs = deps.split(",").map((dep) => dep.trim()).filter(Boolean).map((dep) => {
    if (!chunkFiles.has(dep)) fail(`${loaderName}.js: ${split} needs ${dep}, which it does not define`);
    return chunkFiles.get(dep);
  });
  const own = fetcher.match(/new URL\("\.\/([\w.]+)\.wasm"/);
  if (own) needs.push(own[1]);
  manifest[split] = needs;
}
const listed = new Set(Object.values(manifest).flat());
for (const name of partNames.values()) {
  if (!listed.has(name)) fail(`${loaderName}.js: the part ${name} is loaded by nothing the manifest lists`);
}
const manifestContent = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
const manifestHash = hashOf(manifestContent);
files.set(`parts.${manifestHash}.json`, manifestContent);

const wasm = read(`${outputName}.wasm`);
const wasmHash = hashOf(wasm);
files.set(`${outputName}.${wasmHash}.wasm`, wasm);
const css = read(`${outputName}.css`);
const cssHash = hashOf(css);
files.set(`${outputName}.${cssHash}.css`, css);

const pkg = join(site, "pkg");
mkdirSync(pkg, { recursive: true });
const keep = new Set();
for (const [name, content] of files) {
  keep.add(name);
  keep.add(`${name}.br`);
  keep.add(`${name}.gz`);
  const target = join(pkg, name);
  if ([target, `${target}.br`, `${target}.gz`].every((path) => existsSync(path))) continue;
  const brotli = brotliCompressSync(content, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: best ? 11 : 5,
      [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
      [constants.BROTLI_PARAM_MODE]: name.endsWith(".wasm") ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
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
const hashes = [
  `js: ${scriptsHash}`,
  `wasm: ${wasmHash}`,
  `css: ${cssHash}`,
  `split: ${scriptsHash}`,
  // Not leptos's `manifest:`: the server reads the parts' list itself and
  // the pages name their parts (server/src/http/assets.rs says why).
  `parts: ${manifestHash}`,
];
writeFileSync(join(site, "hash.txt.tmp"), `${hashes.join("\n")}\n`);
renameSync(join(site, "hash.txt.tmp"), join(site, "hash.txt"));
