// Runs ruff's WebAssembly build (npm @astral-sh/ruff-wasm-nodejs) with the ASYNC and RUF006
// rules over every *.py file under a folder, in one process, the way the benchmark compares
// it with looplint. Usage: node ruff_wasm.js DIR [MODULE_DIR]
// Prints one line: files, diagnostics.
'use strict';
const fs = require('fs');
const path = require('path');
const moduleDir = process.argv[3] || path.join(__dirname, '.ruff', 'node_modules', '@astral-sh', 'ruff-wasm-nodejs');
const { Workspace, PositionEncoding } = require(moduleDir);

const skip = new Set(['.git', '__pycache__', '.venv', 'venv', 'node_modules', 'build', '.tox', '.looplint_cache']);
function* walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) { if (!skip.has(e.name)) yield* walk(path.join(dir, e.name)); }
    else if (e.isFile() && (e.name.endsWith('.py') || e.name.endsWith('.pyi'))) yield path.join(dir, e.name);
  }
}

const ws = new Workspace({ lint: { select: ['ASYNC', 'RUF006'] } }, PositionEncoding.Utf16);
let files = 0, diagnostics = 0;
for (const f of walk(process.argv[2])) {
  files++;
  try { diagnostics += ws.check(fs.readFileSync(f, 'utf8')).length; } catch (e) { /* unparsable: ruff reports it */ }
}
console.log(`ruff-wasm files=${files} diagnostics=${diagnostics}`);
