import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** Node flags that let perf name JavaScript and wasm frames (a /tmp/perf-<pid>.map of JIT code). */
export const PERF_NODE_FLAGS = ['--perf-basic-prof', '--interpreted-frames-native-stack'];

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
 * into DIR/<phase>.perf.data; `node scripts/perf-breakdown.mjs` reads it.
 */
export class PhasePerf {
  private recording: ChildProcess | undefined;

  constructor(
    private readonly dir: string,
    private readonly pid: number,
  ) {}

  async start(name: string): Promise<void> {
    const file = join(this.dir, `${name}.perf.data`);
    this.recording = spawn('perf', ['record', '-q', '-F', '999', '-g', '-p', String(this.pid), '-o', file], {
      stdio: 'ignore',
    });
    // perf attaches asynchronously: the first half second of a phase goes unsampled.
    await new Promise((r) => setTimeout(r, 500));
  }

  async stop(): Promise<void> {
    const recording = this.recording;
    if (!recording) return;
    this.recording = undefined;
    const exited = new Promise((r) => recording.once('exit', r));
    recording.kill('SIGINT');
    await exited;
  }
}
