import * as fs from 'fs';
import { miniTree } from './mini-tree';
import { buildConfig } from '../../../src/config/build';
const f = process.argv[2]!;
const { config } = buildConfig(miniTree(fs.readFileSync(f, 'utf8'), f));
console.log(JSON.stringify(config, (k, v) => (k === 'loc' ? `${v.line}:${v.col}` : v), 1));
