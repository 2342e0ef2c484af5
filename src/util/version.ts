// lvskeeper's version from package.json, found from both src/ (ts) and dist/src/ (compiled).
import * as fs from 'fs';
import * as path from 'path';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p)) {
      const j = JSON.parse(fs.readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (j.name === 'lvskeeper') return (cached = j.version ?? '0.0.0');
    }
    dir = path.dirname(dir);
  }
  return (cached = '0.0.0');
}
