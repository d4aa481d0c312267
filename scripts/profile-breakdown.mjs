#!/usr/bin/env node
// Where a server's CPU went, from a V8 CPU profile (`npm run bench -- --cpu-prof DIR`): self time
// grouped into the parts a ceremony is made of, as shares of the busy (non-idle) time. Shares
// within one profile hold up on a noisy machine where absolute timings do not.
//   node scripts/profile-breakdown.mjs DIR/CPU.*.cpuprofile [--top N]
import { readFileSync } from 'node:fs';
import { breakdownArguments, partOfScript } from './service-parts.mjs';

const { file, top } = breakdownArguments('node scripts/profile-breakdown.mjs PROFILE.cpuprofile [--top N]');
const profile = JSON.parse(readFileSync(file, 'utf8'));

/** The part of the service a frame belongs to; the first rule that matches wins. */
const PARTS = [
  ['idle', (f) => f.functionName === '(idle)' && !f.url],
  [
    'kernel: socket writes',
    (f) => !f.url && /^(writev|writeBuffer|writeUtf8String|writeLatin1String)$/.test(f.functionName),
  ],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
  [
    // A crypto job's native work (run, init) is reported under its own name, called from node:crypto.
    'crypto (node:crypto, WebCrypto)',
    (f, caller) =>
      /^node:internal\/crypto\//.test(f.url) || (!f.url && /^node:internal\/crypto\//.test(caller?.url ?? '')),
  ],
  ['script', (f) => f.url !== '' && partOfScript(f.url) !== undefined],
  ['other native and builtins', (f) => !f.url],
  ['other packages', () => true],
];

const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
const selfByNode = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const byPart = new Map();
const byFunction = new Map();
for (const node of profile.nodes) {
  const t = selfByNode.get(node.id) ?? 0;
  if (t === 0) continue;
  const f = node.callFrame;
  const rule = PARTS.find(([, test]) => test(f, parentOf.get(node.id)?.callFrame))[0];
  const part = rule === 'script' ? partOfScript(f.url) : rule;
  byPart.set(part, (byPart.get(part) ?? 0) + t);
  const name = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^.*dist\//, '')}`;
  byFunction.set(`${part}|${name}`, (byFunction.get(`${part}|${name}`) ?? 0) + t);
}
const idle = byPart.get('idle') ?? 0;
byPart.delete('idle');
const busy = [...byPart.values()].reduce((a, b) => a + b, 0);
const pct = (t) => `${((100 * t) / busy).toFixed(1)} %`;
console.log(`busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`);
console.log('| part | share of busy CPU |\n|---|---|');
for (const [part, t] of [...byPart].sort((a, b) => b[1] - a[1])) console.log(`| ${part} | ${pct(t)} |`);
if (top > 0) {
  console.log(`\ntop ${top} functions by self time:`);
  for (const [key, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const [part, name] = key.split('|');
    console.log(`${pct(t).padStart(7)}  ${name}  [${part}]`);
  }
}
