import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { onStop } from './stop-hooks.js';
import { processCpuMs } from './proc-cpu.js';

/** The CPU mask of a process, as taskset prints it (hex). */
function maskOf(pid: number): string {
  return /mask:\s*([0-9a-f]+)/i.exec(execFileSync('taskset', ['-p', String(pid)], { encoding: 'utf8' }))![1];
}

function processesOf(postmaster: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    /* no children */
  }
  return [postmaster, ...children];
}

/** A process's CPU ms (see processCpuMs), or 0 for a backend that exited meanwhile: its time is now the postmaster's children's. */
function cpuMsOf(pid: number, reaped: boolean): number {
  try {
    return processCpuMs(pid, reaped);
  } catch {
    return 0;
  }
}

function place(pids: number[], mask: string): void {
  for (const pid of pids) {
    try {
      execFileSync('taskset', ['-a', '-p', mask, String(pid)], { stdio: 'ignore' });
    } catch {
      /* a backend that exited meanwhile */
    }
  }
}

/**
 * Moves a PostgreSQL server on this machine onto `cpu` for the run: the postmaster and every
 * process it has forked, and so every backend it forks later (a fork inherits the CPUs). Pinned
 * to the server's core, a backend that wakes to answer a statement preempts the server there:
 * its time is not the server's in /proc, but a wall-clock profile charges it to whatever the
 * server was doing, and the switches cost the server caches. A deployed server's database runs
 * on another machine. Returns what puts it back, or undefined when the database is not local or
 * this user may not move it.
 */
export async function movePostgresTo(url: string, cpu: number): Promise<(() => void) | undefined> {
  const postmaster = await localPostmaster(url);
  if (postmaster === undefined) return undefined;
  try {
    const original = maskOf(postmaster);
    place(processesOf(postmaster), (1 << cpu).toString(16));
    if (maskOf(postmaster) !== (1 << cpu).toString(16)) return undefined;
    let restored = false;
    const restore = () => {
      if (restored) return;
      restored = true;
      place(processesOf(postmaster), original);
    };
    onStop(restore);
    return restore;
  } catch {
    return undefined;
  }
}

/** The postmaster of a PostgreSQL server on this machine, or undefined when it is not local or not readable. */
async function localPostmaster(url: string): Promise<number | undefined> {
  if (!['127.0.0.1', 'localhost', '::1'].includes(new URL(url).hostname)) return undefined;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    return Number(readFileSync(join(rows[0].data_directory, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}

/**
 * What reads the CPU ms a local PostgreSQL server has used so far: every process it runs (the
 * backends, the WAL writer, the checkpointer, autovacuum), and those that have exited, whose time
 * the postmaster holds once it has reaped them. Undefined when the server is not local.
 */
export async function postgresCpu(url: string): Promise<(() => number) | undefined> {
  const postmaster = await localPostmaster(url);
  if (postmaster === undefined) return undefined;
  return () => {
    let ms = cpuMsOf(postmaster, true);
    for (const pid of processesOf(postmaster)) if (pid !== postmaster) ms += cpuMsOf(pid, false);
    return ms;
  };
}
