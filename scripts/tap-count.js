#!/usr/bin/env node
// Counts leaf test points in TAP streams (files given as arguments, or stdin) and prints
// "N passed, N failed[, N skipped]". A subtest that failed without any failing leaf (a crash,
// a timeout, a plan error) counts as one failure. Exit status 1 when anything failed.
'use strict';
const fs = require('fs');
const { Parser } = require('tap-parser');

function count(text) {
  const totals = { pass: 0, fail: 0, skip: 0 };
  const watch = (p) => {
    let lastChild = null;
    const counts = { fail: 0 };
    p.on('child', (c) => { lastChild = watch(c); });
    p.on('assert', (a) => {
      const child = lastChild; lastChild = null;
      if (child) { // summary line of a subtest
        if (!a.ok && !a.todo && child.fail === 0) { totals.fail++; counts.fail++; }
        counts.fail += child.fail;
        return;
      }
      if (a.skip || a.todo) totals.skip++;
      else if (a.ok) totals.pass++;
      else { totals.fail++; counts.fail++; }
    });
    return counts;
  };
  const p = new Parser();
  const root = watch(p);
  let bailed = false;
  p.on('bailout', () => { bailed = true; });
  p.end(text);
  if (bailed && root.fail === 0) totals.fail++;
  return totals;
}

const inputs = process.argv.slice(2);
const texts = inputs.length ? inputs.map((f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null)) : [fs.readFileSync(0, 'utf8')];
const sum = { pass: 0, fail: 0, skip: 0 };
texts.forEach((t, i) => {
  if (t === null) { console.error(`tap-count: ${inputs[i]} missing: counted as one failure`); sum.fail++; return; }
  const c = count(t);
  sum.pass += c.pass; sum.fail += c.fail; sum.skip += c.skip;
});
console.log(`${sum.pass} passed, ${sum.fail} failed` + (sum.skip ? `, ${sum.skip} skipped` : ''));
process.exit(sum.fail ? 1 : 0);
