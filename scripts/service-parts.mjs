// The parts of the service a script belongs to, by its URL: shared by the profile breakdowns so a
// V8 profile and a perf profile name the same parts. The first rule that matches wins.
const SCRIPT_PARTS = [
  ['WebAuthn library', /node_modules\/(@simplewebauthn|@levischuck|@peculiar|@hexagon)\//],
  ['JWT library (jose)', /node_modules\/jose\//],
  ['Cedar (wasm and bindings)', /^wasm:\/\/|node_modules\/@cedar-policy\//],
  ['policy module', /dist\/libs\/policy\//],
  ['TypeORM', /node_modules\/typeorm\//],
  ['pg driver', /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+|packet-reader)\//],
  ['SQLite driver', /node_modules\/better-sqlite3\//],
  ['persistence module', /dist\/libs\/persistence\//],
  ['validation (class-validator/transformer)', /node_modules\/class-(validator|transformer)\//],
  [
    'logging (pino)',
    /node_modules\/(pino|pino-http|pino-std-serializers|@pinojs|sonic-boom|fast-redact|thread-stream)\//,
  ],
  ['metrics (prom-client)', /node_modules\/(prom-client|tdigest|bintrees)\//],
  ['Nest', /node_modules\/@nestjs\//],
  [
    'Express and middleware',
    /node_modules\/(express|router|body-parser|helmet|cors|qs|raw-body|finalhandler|send|on-finished|type-is|content-type|iconv-lite|path-to-regexp|accepts|negotiator|mime-types)\//,
  ],
  ['crypto (node:crypto, WebCrypto)', /^node:internal\/crypto\//],
  ['Node HTTP and streams', /^node:(_http|http|net|stream|internal\/(streams|http|stream_base))/],
  ['service code', /dist\/(libs|apps)\//],
  ['Node runtime (events, timers, async)', /^node:/],
];

/** The part a script belongs to, or undefined for a package none of the rules names. */
export function partOfScript(url) {
  return SCRIPT_PARTS.find(([, pattern]) => pattern.test(url))?.[0];
}

/**
 * The profile file, `--top N` (0 without it) and `--within PART` (undefined without it) a breakdown
 * script is run with; exits 2 without a file.
 */
export function breakdownArguments(usage) {
  const [file, ...rest] = process.argv.slice(2);
  if (!file) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  const valueOf = (name) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  return { file, top: Number(valueOf('--top') ?? 0), within: valueOf('--within') };
}
