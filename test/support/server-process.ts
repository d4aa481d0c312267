import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export const API_MAIN = new URL('../../apps/api/src/main.js', import.meta.url).pathname;

/** A port nothing listens on right now (for a server started in a child process). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export interface ServerProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts the built API with exactly `env` (plus PATH) and resolves once it logs that it listens. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [API_MAIN], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: string) => {
      out += chunk;
      if (out.includes('"msg":"listening"')) setTimeout(resolve, 50); // the quick start is printed right after
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: string) => (out += chunk));
    child.once('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)));
  });
  return {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}
