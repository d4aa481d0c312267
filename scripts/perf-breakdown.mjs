#!/usr/bin/env node
// Where a server's CPU went, from a `perf record -g` of the whole process
// (`npm run bench -- --perf DIR`): every thread, the kernel included, sampled on CPU time. A V8 CPU
// profile samples the main thread on wall time, so when another thread or process runs on the
// server's core it charges that time to whatever the main thread was doing; perf does not.
// A sample counts towards the part of the nearest frame that names one: the kernel's work by the
// system call it serves, native work by what it is (crypto, GC, compiler, HTTP parser), and V8's
// builtins, the allocator and copies by the JavaScript that called them.
// `--within PART` ranks, for the samples of the parts whose names start with PART, the nearest
// JavaScript function on the stack rather than the leaf: what in pg or Express the time went to.
//   node scripts/perf-breakdown.mjs DIR/<phase>.perf.data [--top N] [--within PART]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { breakdownArguments, partOfScript } from './service-parts.mjs';

const { file, top, within } = breakdownArguments(
  'node scripts/perf-breakdown.mjs PHASE.perf.data [--top N] [--within PART]',
);

// The bench names each phase's samples as it ends (bench/phase-perf.ts): later phases' jit files
// replace the ones an earlier phase's data refers to.
const named = file.replace(/\.data$/, '.script.gz');
const script = existsSync(named)
  ? gunzipSync(readFileSync(named)).toString('utf8')
  : execFileSync('perf', ['script', '-F', 'comm,period,ip,sym,dso', '-i', file], {
      encoding: 'utf8',
      maxBuffer: 2 ** 30,
      stdio: ['ignore', 'pipe', 'ignore'],
    });

const CRYPTO =
  /node::crypto::|^(ecp_|__ecp_|bn_|BN_|EVP_|ossl_|OPENSSL_|CRYPTO_|EC_|ECDSA_|sha256_|SHA256|sha512_|HMAC|aesni_|gcm_)/;
const GC =
  /v8::internal::(Heap|Scavenger|ScavengerCollector|MarkCompactCollector|MinorMarkSweepCollector|Sweeper|ConcurrentMarking|IncrementalMarking|MarkingVisitor|MainMarkingVisitor|GCTracer|MemoryAllocator|ArrayBufferSweeper)|^(Builtin:|Builtins_)(RecordWrite|IndirectPointerBarrier)/;
const COMPILER =
  /v8::internal::(compiler::|maglev::|Compiler::|baseline::|Parser|PreParser|BytecodeGenerator|interpreter::BytecodeGenerator)/;
const KERNEL_BY_CALL = [
  ['kernel: socket send (loopback delivery included)', /tcp_sendmsg|sock_write_iter|__sys_sendto|do_writev|ksys_write/],
  ['kernel: socket receive', /tcp_recvmsg|sock_read_iter|__sys_recvfrom|ksys_read/],
  ['kernel: event loop wait', /do_epoll_wait|ep_poll|do_epoll_ctl/],
  [
    'kernel: page faults and memory maps',
    /exc_page_fault|do_mmap|__vm_munmap|do_madvise|__x64_sys_mprotect|__x64_sys_brk/,
  ],
  ['kernel: thread wake-ups (futex)', /futex_/],
  ['kernel: scheduler and timers', /schedule|finish_task_switch|hrtimer|tick_|__sysvec_apic_timer_interrupt/],
];

/** The part of the service one sample belongs to, from its thread and its frames (leaf first). */
function partOf(comm, frames) {
  if (comm.startsWith('libuv-worker')) {
    return frames.some((f) => CRYPTO.test(f.sym)) ? 'crypto (node:crypto, WebCrypto)' : 'libuv worker threads, other';
  }
  if (comm.startsWith('V8')) return frames.some((f) => COMPILER.test(f.sym)) ? 'JIT compiler' : 'garbage collector';
  if (comm !== 'MainThread') return `other threads (${comm})`;
  if (frames[0]?.kernel) {
    const kernelFrames = frames.filter((f) => f.kernel);
    return KERNEL_BY_CALL.find(([, p]) => kernelFrames.some((f) => p.test(f.sym)))?.[0] ?? 'kernel: other';
  }
  for (const f of frames) {
    if (GC.test(f.sym)) return 'garbage collector';
    if (COMPILER.test(f.sym)) return 'JIT compiler';
    if (CRYPTO.test(f.sym)) return 'crypto (node:crypto, WebCrypto)';
    if (/^JS:wasm-function|^(Builtin:|Builtins_)(Wasm|JSToWasm)/.test(f.sym)) return 'Cedar (wasm and bindings)';
    if (/llhttp|node::http_parser/.test(f.sym)) return 'Node HTTP and streams';
    if (f.url) return partOfScript(f.url) ?? 'other packages';
  }
  return 'V8 and Node native, no script above';
}

/** `JS:*'name file:///x.js:1:2+0x10` → the script's URL, without position or offset. */
function urlOf(sym) {
  if (!sym.startsWith('JS:')) return undefined;
  const m = / ((?:file:\/\/|node:|\/)\S*?)(?::\d+:\d+)?(?:\+0x[0-9a-f]+)?$/.exec(sym);
  return m ? m[1].replace(/^file:\/\//, '') : undefined;
}

const byPart = new Map();
const byLeaf = new Map();
let total = 0;
let samples = 0;
for (const block of script.split('\n\n')) {
  const lines = block.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) continue;
  const header = /^(.*?)\s+(\d+)\s*$/.exec(lines[0]);
  if (!header) continue;
  const [, comm, period] = header;
  const frames = lines.slice(1).map((line) => {
    const m = /^\s*[0-9a-f]+ (.*) \((.*)\)$/.exec(line);
    const sym = (m?.[1] ?? '').replace(/\+0x[0-9a-f]+$/, '');
    return { sym, kernel: m?.[2] === '[kernel.kallsyms]', url: urlOf(m?.[1] ?? '') };
  });
  const part = partOf(comm.trim(), frames);
  const weight = Number(period);
  total += weight;
  samples++;
  byPart.set(part, (byPart.get(part) ?? 0) + weight);
  if (within !== undefined && !part.startsWith(within)) continue;
  const frame = within === undefined ? frames[0] : (frames.find((f) => f.url) ?? frames[0]);
  const leaf = `${frame?.sym.replace(/ (?:file:\/\/)?\S*node_modules\//, ' ').replace(/ (?:file:\/\/)?\S*dist\/(?=apps\/|libs\/)/, ' ') || '?'}`;
  byLeaf.set(`${part}|${leaf}`, (byLeaf.get(`${part}|${leaf}`) ?? 0) + weight);
}
const pct = (t) => `${((100 * t) / total).toFixed(1)} %`;
console.log(`${samples} samples of the server's CPU time, all threads`);
console.log('| part | share of the server CPU |\n|---|---|');
for (const [part, t] of [...byPart].sort((a, b) => b[1] - a[1])) console.log(`| ${part} | ${pct(t)} |`);
if (top > 0) {
  console.log(
    within === undefined ? `\ntop ${top} leaf frames:` : `\ntop ${top} JavaScript frames within "${within}":`,
  );
  for (const [key, t] of [...byLeaf].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const [part, name] = key.split('|');
    console.log(`${pct(t).padStart(7)}  ${name}  [${part}]`);
  }
}
