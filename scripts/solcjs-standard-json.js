#!/usr/bin/env node
// Solidity standard-JSON through solc-js (npm `solc`), for machines without a native solc.
//
//   node scripts/solcjs-standard-json.js [ROOT] < input.json > output.json
//   node scripts/solcjs-standard-json.js [ROOT] --version
//   node scripts/solcjs-standard-json.js [ROOT] --with-version < input.json
//       -> {"version": "<solc.version()>", "output": <standard-JSON output>}
//
// ROOT is the project folder holding contracts/ and node_modules/ (default: the folder
// above scripts/). Imports resolve as ROOT/<path>, then ROOT/node_modules/<path>.
// `--standard-json` is accepted and ignored, so the script can stand in for `solc`.
'use strict';

const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const positional = args.filter((a) => !a.startsWith('--'));
const root = path.resolve(positional[0] || path.join(__dirname, '..'));

let solc;
try {
  solc = require(path.join(root, 'node_modules', 'solc'));
} catch (err) {
  process.stderr.write(
    `solc-js not found in ${path.join(root, 'node_modules')}: run \`make setup\` (or \`npm ci\`)\n`,
  );
  process.exit(3);
}

if (args.includes('--version')) {
  process.stdout.write(solc.version() + '\n');
  process.exit(0);
}

function findImports(importPath) {
  for (const candidate of [path.join(root, importPath), path.join(root, 'node_modules', importPath)]) {
    try {
      return { contents: fs.readFileSync(candidate, 'utf8') };
    } catch (err) {
      // try the next location
    }
  }
  return { error: 'File not found: ' + importPath };
}

const input = fs.readFileSync(0, 'utf8');
const output = solc.compile(input, { import: findImports });
if (args.includes('--with-version')) {
  // one node start-up instead of two when the caller also needs the long version
  process.stdout.write('{"version":' + JSON.stringify(solc.version()) + ',"output":' + output + '}\n');
} else {
  process.stdout.write(output);
}
