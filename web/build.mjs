// Builds web/dist: the app (app.js, app.css), the sign-in callback script, the service
// worker, the test crypto bundle, the static files and the PNG icons. Run with `node build.mjs`.

import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync, gzipSync } from "node:zlib";
import * as esbuild from "esbuild";

const DIST = "dist";
const JS_BUDGET = 200 * 1024; // gzipped: app.js + sw.js + callback.js

rmSync(DIST, { recursive: true, force: true });
mkdirSync(join(DIST, "test"), { recursive: true });
cpSync("static", DIST, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  target: ["es2022"],
  legalComments: "none",
  logLevel: "warning",
  jsx: "automatic",
  jsxImportSource: "preact",
};

// Split: what the app imports lazily (the console's chart library) is a chunk of its own,
// loaded when first used, so the professionals' first load stays as it was.
await esbuild.build({
  ...common,
  entryPoints: { app: "src/main.tsx" },
  outdir: DIST,
  format: "esm",
  splitting: true,
  chunkNames: "chunk-[name]-[hash]",
});
await esbuild.build({ ...common, entryPoints: { callback: "src/callback.ts" }, outdir: DIST, format: "iife" });
await esbuild.build({
  ...common,
  entryPoints: { crypto: "src/crypto/test-bundle.ts" },
  outdir: join(DIST, "test"),
  format: "iife",
});
await esbuild.build({ ...common, entryPoints: { app: "src/styles/app.css" }, outdir: DIST });

writeIcon(192);
writeIcon(512);

// The service worker caches the shell under a name derived from its contents, so a new build
// replaces the old cache instead of serving stale files.
const SHELL = ["index.html", "app.js", "app.css", "manifest.webmanifest", "icon.svg", "icon-192.png", "icon-512.png"];
const shellHash = createHash("sha256");
for (const file of SHELL) shellHash.update(readFileSync(join(DIST, file)));
await esbuild.build({
  ...common,
  entryPoints: { sw: "src/sw.ts" },
  outdir: DIST,
  format: "iife",
  define: {
    __SHELL_FILES__: JSON.stringify(SHELL),
    __SHELL_VERSION__: JSON.stringify(shellHash.digest("hex").slice(0, 16)),
  },
});

let shipped = 0;
for (const file of readdirSync(DIST).sort()) {
  if (!/\.(js|css|html)$/.test(file)) continue;
  const raw = readFileSync(join(DIST, file));
  const gzipped = gzipSync(raw, { level: 9 }).length;
  if (file.endsWith(".js")) shipped += gzipped;
  console.log(`${file.padEnd(16)} ${kb(raw.length).padStart(9)}  gzip ${kb(gzipped).padStart(8)}`);
}
console.log(`JavaScript shipped, gzipped: ${kb(shipped)} (budget ${kb(JS_BUDGET)})`);
if (shipped > JS_BUDGET) {
  console.error("over the JavaScript budget");
  process.exit(1);
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

// A square PNG icon drawn here rather than committed as a binary: the theme colour with a
// white ring, the same mark as static/icon.svg, with a margin that survives maskable crops.
function writeIcon(size) {
  const [r, g, b] = [0x3b, 0x0f, 0xb0];
  const centre = size / 2;
  const outer = size * 0.3;
  const inner = size * 0.18;
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x + 0.5 - centre, y + 0.5 - centre);
      const white = d <= outer && d >= inner;
      row.set(white ? [255, 255, 255] : [r, g, b], 1 + x * 3);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
  writeFileSync(join(DIST, `icon-${size}.png`), png);
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
