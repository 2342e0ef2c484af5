// Integrity of test/fixtures/ipvs-golden (captured from ipvsadm 1.31 in the VM): every file is one well-formed netlink
// message whose header matches index.json, and every reply answers a request of the same command. Runs on any host.
import t from 'tap';
import * as fs from 'fs';
import * as path from 'path';

// From test/kernel (tap with ts) or dist/test/kernel (compiled): the repository root is the nearest package.json.
function repoRoot(dir: string): string {
  return fs.existsSync(path.join(dir, 'package.json')) || path.dirname(dir) === dir ? dir : repoRoot(path.dirname(dir));
}
const DIR = path.join(repoRoot(__dirname), 'test/fixtures/ipvs-golden');
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const GENL_ID_CTRL = 0x10;
const NLM_F_REQUEST = 0x1;

interface Entry {
  file: string;
  command: string;
  label: string;
  status: number;
  direction: 'req' | 'reply';
  message: string;
  nlmsgType: number;
  nlmsgFlags: number;
  nlmsgSeq: number;
  nlmsgPid: number;
  genlCmd?: number;
  errno?: number;
  length: number;
}

const readHex = (file: string): Buffer => Buffer.from(fs.readFileSync(path.join(DIR, file), 'utf8').replace(/\s+/g, ''), 'hex');

t.test('golden netlink fixtures are well-formed and indexed', { skip: fs.existsSync(DIR) ? false : `${DIR} is missing` }, async (t) => {
  const index = JSON.parse(fs.readFileSync(path.join(DIR, 'index.json'), 'utf8')) as { kernel: string; messages: Entry[] };
  const hexFiles = fs.readdirSync(DIR).filter((f) => f.endsWith('.hex')).sort();
  t.same(index.messages.map((m) => m.file).sort(), hexFiles, 'index.json lists exactly the .hex files');
  const readme = fs.readFileSync(path.join(DIR, 'README.md'), 'utf8');

  // One assertion for all files (a few hundred): the problems found, each as "file: what".
  const problems: string[] = [];
  const check = (ok: boolean, file: string, what: string): void => {
    if (!ok) problems.push(`${file}: ${what}`);
  };
  const requests = new Map<string, Entry>();
  for (const e of index.messages) {
    const b = readHex(e.file);
    check(b.length === e.length, e.file, `length is ${b.length}; should be ${e.length} (index.json)`);
    check(b.readUInt32LE(0) === b.length, e.file, `nlmsg_len is ${b.readUInt32LE(0)}; should be the size ${b.length}`);
    const header = [b.readUInt16LE(4), b.readUInt16LE(6), b.readUInt32LE(8), b.readUInt32LE(12)].join(',');
    const indexed = [e.nlmsgType, e.nlmsgFlags, e.nlmsgSeq, e.nlmsgPid].join(',');
    check(header === indexed, e.file, `header (type,flags,seq,pid) is ${header}; should be ${indexed}`);
    check(e.direction === (b.readUInt16LE(6) & NLM_F_REQUEST ? 'req' : 'reply'), e.file, 'direction disagrees with NLM_F_REQUEST');
    check(readme.includes(`\`${e.command}\``), e.file, 'its command is not in README.md');
    const key = `${e.label}/${e.nlmsgPid}/${e.nlmsgSeq}`;
    if (e.direction === 'req') {
      requests.set(key, e);
      continue;
    }
    check(requests.has(key), e.file, 'answers no earlier request of the same command (pid and seq)');
    if (e.nlmsgType === NLMSG_ERROR) {
      check(-b.readInt32LE(16) === e.errno, e.file, `errno is ${-b.readInt32LE(16)}; should be ${e.errno}`);
      // struct nlmsgerr: int error, then the request's nlmsghdr (seq at offset 8 of it).
      check(b.readUInt32LE(20 + 8) === e.nlmsgSeq, e.file, 'the echoed request header has another seq');
    } else if (e.nlmsgType !== NLMSG_DONE && e.nlmsgType !== GENL_ID_CTRL) {
      check(b[16] === e.genlCmd, e.file, `genl command is ${b[16]}; should be ${e.genlCmd}`);
    }
  }
  t.same(problems, [], `all ${index.messages.length} fixtures are consistent`);
  t.ok(index.messages.some((m) => m.message === 'new-service' && m.direction === 'req'), 'has a new-service request');
  t.ok(index.messages.some((m) => m.message.startsWith('error-')), 'has an error reply');
});
