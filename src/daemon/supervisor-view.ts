// What the parent shows of its children: /state and the dumps merge each child's part; /metrics concatenates
// the children's Prometheus texts after the parent's own, a child that did not answer in time being reported.
import type { Answer, ChildInfo } from './supervisor';
import { ROLE_NAME } from './ipc';

export interface ParentView {
  pid: number;
  generation: number;
  loadedAt: string;
  file: string;
}

/**
 * `{ generation, loadedAt, file, pid, subsystems: { vrrp, checkers }, children: { vrrp: { pid, up, restarts, … } } }`:
 * the shape of the single-process daemon's state, plus the children; a child without an answer has `error`.
 */
export function mergeState(parent: ParentView, info: Record<string, ChildInfo>, answers: ReadonlyArray<Answer<'state' | 'stats'>>): Record<string, unknown> {
  const subsystems: Record<string, unknown> = {};
  const children: Record<string, unknown> = {};
  for (const a of answers) {
    const name = ROLE_NAME[a.role];
    const base = info[name] ?? { pid: a.pid };
    if (a.result) {
      Object.assign(subsystems, a.result.subsystems);
      children[name] = { ...base, generation: a.result.generation, loadedAt: a.result.loadedAt };
    } else {
      children[name] = { ...base, error: a.error?.message ?? 'no answer' };
    }
  }
  return { generation: parent.generation, loadedAt: parent.loadedAt, file: parent.file, pid: parent.pid, subsystems, children };
}

/** The family a metrics line belongs to: `# HELP x` / `# TYPE x` name it; samples follow their TYPE line. */
function familyOf(line: string): string | undefined {
  const m = /^# (?:HELP|TYPE) (\S+)/.exec(line);
  return m ? m[1] : undefined;
}

/**
 * Concatenates Prometheus text expositions: the parent's first, then each child's in keepalived's order. A family
 * already exported by an earlier text is dropped from a later one (the text format forbids repeating a family).
 * A child that gave no text leaves a comment saying why (lvskeeper_child_scrape_ok says it too).
 */
export function mergeMetrics(parentText: string, answers: Answer<'metrics'>[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  const add = (text: string): void => {
    const mine = new Set<string>();
    let skip = false;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const fam = familyOf(line);
      if (fam !== undefined) {
        skip = seen.has(fam); // seen holds the earlier texts' families only
        mine.add(fam);
      }
      if (!skip) out.push(line);
    }
    for (const f of mine) seen.add(f);
  };
  add(parentText);
  for (const a of answers) {
    if (a.result !== undefined) add(a.result);
    else out.push(`# lvskeeper: the ${ROLE_NAME[a.role]} child (pid ${a.pid ?? '-'}) gave no metrics: ${(a.error?.message ?? 'no answer').replace(/\n/g, ' ')}`);
  }
  return out.join('\n') + '\n';
}
