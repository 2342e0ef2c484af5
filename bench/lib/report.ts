// Writes a scenario's result as JSON under bench/results/ and an SVG chart next to it, and prints a table.
import * as fs from 'fs';
import * as path from 'path';
import { Sample, fmt, machineInfo } from './measure';

export interface Comparison {
  /** what was measured, e.g. "parse 65,024 instances" */
  name: string;
  ours: Sample;
  peer?: Sample;
  /** why the peer could not run, when it could not */
  peerMissing?: string;
}

export interface ScenarioResult {
  scenario: string;
  date: string;
  machine: Record<string, unknown>;
  versions: Record<string, string>;
  noise: string;
  comparisons: Comparison[];
  notes: string[];
  /** set when the scenario could not run at all, instead of numbers */
  skipped?: string;
}

export function newResult(scenario: string, versions: Record<string, string>): ScenarioResult {
  return { scenario, date: new Date().toISOString(), machine: machineInfo(), versions, noise: '', comparisons: [], notes: [] };
}

export function printTable(r: ScenarioResult): void {
  console.log(`\n## ${r.scenario} (${r.date})`);
  if (r.skipped) {
    console.log(`skipped: ${r.skipped}`);
    return;
  }
  console.log('| measurement | lvskeeper median (min-max) | peer median (min-max) | ours/peer |');
  console.log('| --- | --- | --- | --- |');
  for (const c of r.comparisons) {
    const o = `${fmt(c.ours.median)} ${c.ours.unit} (${fmt(c.ours.min)}-${fmt(c.ours.max)})`;
    const p = c.peer ? `${fmt(c.peer.median)} ${c.peer.unit} (${fmt(c.peer.min)}-${fmt(c.peer.max)}) ${c.peer.label}` : `n/a: ${c.peerMissing ?? 'no peer'}`;
    const ratio = c.peer ? fmt(c.ours.median / c.peer.median, 3) : 'n/a';
    console.log(`| ${c.name} | ${o} | ${p} | ${ratio} |`);
  }
  if (r.noise) console.log(`noise: ${r.noise}`);
  for (const n of r.notes) console.log(`note: ${n}`);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A horizontal bar chart: per comparison, ours and peer medians with min-max whiskers. */
export function renderSvg(r: ScenarioResult): string {
  const rows = r.comparisons.flatMap((c) => [
    { name: `${c.name} — lvskeeper`, s: c.ours, ours: true },
    ...(c.peer ? [{ name: `${c.name} — ${c.peer.label}`, s: c.peer, ours: false }] : []),
  ]);
  const W = 900;
  const left = 330;
  const rowH = 26;
  const H = 60 + rows.length * rowH + 20;
  const maxV = Math.max(1e-9, ...rows.map((x) => x.s.max));
  const x = (v: number): number => left + ((W - left - 80) * v) / maxV;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<text x="10" y="22" font-size="15" font-weight="bold">${esc(r.scenario)}</text>`);
  parts.push(`<text x="10" y="40" fill="#555">${esc(r.date.slice(0, 19))} · median with min–max · lower is better</text>`);
  rows.forEach((row, i) => {
    const y = 56 + i * rowH;
    parts.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(row.name)}</text>`);
    parts.push(`<rect x="${left}" y="${y + 3}" width="${Math.max(1, x(row.s.median) - left)}" height="16" fill="${row.ours ? '#2b7bb9' : '#bbbbbb'}"/>`);
    parts.push(`<line x1="${x(row.s.min)}" x2="${x(row.s.max)}" y1="${y + 11}" y2="${y + 11}" stroke="black"/>`);
    parts.push(`<text x="${x(row.s.max) + 6}" y="${y + 15}">${esc(fmt(row.s.median))} ${esc(row.s.unit)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

export function writeResult(r: ScenarioResult, dir = path.join(__dirname, '..', '..', '..', 'bench', 'results')): string {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, r.scenario);
  fs.writeFileSync(`${base}.json`, JSON.stringify(r, null, 2) + '\n');
  fs.writeFileSync(`${base}.svg`, renderSvg(r));
  printTable(r);
  return base;
}
