import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { onStop } from './stop-hooks.js';

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
  if (!['127.0.0.1', 'localhost', '::1'].includes(new URL(url).hostname)) return undefined;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    const postmaster = Number(readFileSync(join(rows[0].data_directory, 'postmaster.pid'), 'utf8').split('\n')[0]);
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
  } finally {
    await client.end();
  }
}
