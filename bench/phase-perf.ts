import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

/**
 * Node flags that let perf name JavaScript and wasm frames: V8 writes every piece of code it
 * makes, with the time it made it, to DIR/jit-<pid>.dump, and `perf inject --jit` names each
 * sample by the code that was at its address at that moment. The timeless /tmp/perf-<pid>.map
 * of `--perf-basic-prof` cannot: V8 reuses the addresses of code it frees, so in a long run the
 * hottest optimised functions shared their ranges with other functions and samples went to the
 * wrong names (and parts). V8's own log goes into DIR too, not into the server's folder.
 */
export function perfNodeFlags(dir: string): string[] {
  return [
    '--perf-prof',
    `--perf-prof-path=${dir}`,
    '--interpreted-frames-native-stack',
    `--logfile=${join(dir, 'v8.log')}`,
    '--no-logfile-per-isolate',
  ];
}

export function perfAvailable(): boolean {
  try {
    execFileSync('perf', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * `perf record -g` of the whole server process (every thread, kernel included) for each phase,
 * into DIR/<phase>.perf.data with the JIT code injected (`perf inject --jit`, which writes a
 * jitted-<pid>-<n>.so per piece of code beside the dump), and its samples named, as `perf script`
 * prints them, in DIR/<phase>.perf.script.gz; `node scripts/perf-breakdown.mjs` reads that.
 */
export class PhasePerf {
  private recording: { child: ChildProcess; raw: string; file: string } | undefined;

  constructor(
    private readonly dir: string,
    private readonly pid: number,
  ) {}

  async start(name: string): Promise<void> {
    const file = join(this.dir, `${name}.perf.data`);
    const raw = join(this.dir, `${name}.raw.perf.data`);
    // -k 1: samples stamped with CLOCK_MONOTONIC, the clock of V8's jit dump, which inject needs.
    const child = spawn('perf', ['record', '-q', '-k', '1', '-F', '999', '-g', '-p', String(this.pid), '-o', raw], {
      stdio: 'ignore',
    });
    this.recording = { child, raw, file };
    // perf attaches asynchronously: the first half second of a phase goes unsampled.
    await new Promise((r) => setTimeout(r, 500));
  }

  async stop(): Promise<void> {
    const recording = this.recording;
    if (!recording) return;
    this.recording = undefined;
    const exited = new Promise((r) => recording.child.once('exit', r));
    recording.child.kill('SIGINT');
    await exited;
    execFileSync('perf', ['inject', '--jit', '-i', recording.raw, '-o', recording.file], { stdio: 'ignore' });
    rmSync(recording.raw, { force: true });
    // Named now: Debian's perf is built without libcrypto, so the ELF files inject writes get
    // random build ids, and the next phase's inject of the same dump rewrites them under the same
    // names; this phase's samples would then name nothing. perf-breakdown reads this file.
    const script = execFileSync('perf', ['script', '-F', 'comm,period,ip,sym,dso', '-i', recording.file], {
      maxBuffer: 2 ** 30,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    writeFileSync(recording.file.replace(/\.data$/, '.script.gz'), gzipSync(script));
  }
}
