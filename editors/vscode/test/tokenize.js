// Tokenises every example .avt file of the repository with the real TextMate engine that VS
// Code uses (vscode-textmate + vscode-oniguruma) and checks the grammar against the Lark one:
//   - every word literal of dsl/grammar/avt.lark is in the grammar's keyword lists, and no other;
//   - every keyword in the examples gets a keyword.* scope, unless the grammar read it as a name
//     (a declared id such as `charge start`, or an account in `accounts { revenue 3020 }`);
//   - nothing but whitespace is left without a scope of its own.
// Run: npm install && npm test   (from editors/vscode). `--dump` prints every token as JSON.
"use strict";

const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const ROOT = path.resolve(__dirname, "..", "..", "..");
const GRAMMAR = path.join(__dirname, "..", "syntaxes", "avt.tmLanguage.json");

function larkKeywords() {
  const text = fs.readFileSync(path.join(ROOT, "dsl", "grammar", "avt.lark"), "utf8");
  const found = new Set();
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "");
    if (/^\s*[A-Z_][A-Z0-9_]*(\.\d+)?\s*:/.test(line)) continue; // a terminal's regex, not a rule
    for (const m of line.matchAll(/"([A-Za-z_][A-Za-z0-9_]*)"/g)) found.add(m[1]);
  }
  return found;
}

function grammarKeywords(grammar) {
  const found = new Set();
  for (const rule of grammar.repository.keyword.patterns) {
    const m = rule.match.match(/\(\?:([^)]*)\)/);
    for (const word of m[1].split("|")) found.add(word);
  }
  return found;
}

function walk(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.name.endsWith(".avt")) out.push([path.relative(ROOT, full), fs.readFileSync(full, "utf8")]);
  }
  return out;
}

function examples() {
  const found = [...walk(path.join(ROOT, "contracts_examples"), []), ...walk(path.join(ROOT, "runtime", "templates", "init"), [])];
  const docs = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).filter((n) => n.endsWith(".md")).sort().map((n) => `docs/${n}`)];
  for (const doc of docs) {
    if (doc === "docs/errors.md") continue; // reproducers of mistakes, on purpose
    const text = fs.readFileSync(path.join(ROOT, doc), "utf8");
    let i = 0;
    for (const m of text.matchAll(/```avt\n([\s\S]*?)```/g)) found.push([`${doc}#${++i}`, m[1]]);
  }
  return found;
}

async function main() {
  const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === "source.avt" ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, "utf8"), GRAMMAR) : null,
  });
  const grammar = await registry.loadGrammar("source.avt");
  const raw = JSON.parse(fs.readFileSync(GRAMMAR, "utf8"));
  const keywords = larkKeywords();
  const known = grammarKeywords(raw);
  const problems = [];
  const missing = [...keywords].filter((k) => !known.has(k)).sort();
  const extra = [...known].filter((k) => !keywords.has(k)).sort();
  if (missing.length) problems.push(`keywords of avt.lark missing from the TextMate grammar: ${missing.join(" ")}`);
  if (extra.length) problems.push(`keywords in the TextMate grammar that avt.lark does not have: ${extra.join(" ")}`);

  const dump = process.argv.includes("--dump");
  const tokensOut = [];
  let files = 0;
  let keywordTokens = 0;
  for (const [name, text] of examples()) {
    files += 1;
    let state = vsctm.INITIAL;
    text.split("\n").forEach((line, n) => {
      const result = grammar.tokenizeLine(line, state);
      state = result.ruleStack;
      for (const token of result.tokens) {
        const value = line.slice(token.startIndex, token.endIndex);
        const scopes = token.scopes.slice(1);
        if (dump) tokensOut.push([name, n + 1, token.startIndex, value, scopes]);
        const where = `${name}:${n + 1}:${token.startIndex + 1}`;
        if (value.trim() === "") continue;
        if (scopes.length === 0) problems.push(`${where}: \`${value}\` has no scope`);
        const inner = scopes[scopes.length - 1] || "";
        const isName = inner.startsWith("entity.name.") || inner.startsWith("variable.other.property.");
        const inText = scopes.some((s) => s.startsWith("string.") || s.startsWith("comment."));
        if (keywords.has(value) && !isName && !inText) {
          keywordTokens += 1;
          if (!inner.startsWith("keyword.")) problems.push(`${where}: keyword \`${value}\` scoped ${inner || "(none)"}`);
        }
        if (inner.startsWith("keyword.") && !keywords.has(value) && value !== "+") {
          problems.push(`${where}: \`${value}\` is scoped ${inner} but is no keyword of avt.lark`);
        }
      }
    });
  }
  if (dump) {
    process.stdout.write(JSON.stringify(tokensOut) + "\n");
    return;
  }
  for (const p of problems) console.error(p);
  console.log(`${files} files, ${keywordTokens} keywords checked, ${keywords.size} grammar keywords, ${problems.length} problems`);
  process.exitCode = problems.length ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 2;
});
