/**
 * Work the bench must undo however it ends: on exit, and on SIGINT, SIGTERM or SIGHUP, when
 * Node would otherwise die without running 'exit' listeners. Each hook runs once; after a
 * signal the process then dies of that signal, as it would have.
 */
const hooks: (() => void)[] = [];
let installed = false;

function runHooks(): void {
  for (const hook of hooks.splice(0)) {
    try {
      hook();
    } catch {
      /* the others still run */
    }
  }
}

export function onStop(hook: () => void): void {
  hooks.push(hook);
  if (installed) return;
  installed = true;
  process.once('exit', runHooks);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      runHooks();
      process.kill(process.pid, signal);
    });
  }
}
