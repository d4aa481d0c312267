// The layering, checked by `npm run lint` (dependency-cruiser). LIBRARIES says which library may
// import which: it is the library graph of the README, and a graph that is a DAG, so every rule
// below is one way of saying "the arrows point down".
/** @type {Record<string, string[]>} each library, and the libraries it may import */
const LIBRARIES = {
  errors: [],
  config: [],
  pagination: ['errors'],
  persistence: ['config', 'errors'],
  observability: ['config', 'errors'],
  auth: ['config', 'errors', 'observability', 'persistence'],
  audit: ['persistence'],
  policy: ['audit', 'auth', 'config', 'errors', 'observability', 'persistence'],
  tenancy: ['audit', 'auth', 'errors', 'observability', 'pagination', 'persistence'],
  'rate-limit': ['config', 'errors', 'observability'],
  mfa: ['audit', 'auth', 'config', 'errors', 'observability', 'persistence', 'policy', 'rate-limit', 'tenancy'],
  webhooks: ['audit', 'auth', 'config', 'errors', 'mfa', 'pagination', 'persistence', 'policy'],
  admin: ['audit', 'auth', 'config', 'errors', 'pagination', 'persistence', 'policy', 'tenancy'],
};
/** Libraries that hold business rules: no HTTP framework in them (controllers use Nest's decorators). */
const DOMAIN = ['audit', 'policy', 'tenancy', 'mfa', 'webhooks', 'admin'];
const NAMES = Object.keys(LIBRARIES).join('|');

module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycle',
      comment: 'A cycle between libraries (libs/<lib>/src) or between folders of one library.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^(libs|apps)/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycle',
      comment: 'Two files that import each other, directly or around a loop.',
      severity: 'error',
      from: { path: '^(libs|apps)/' },
      to: { circular: true },
    },
    {
      name: 'library-imports-app',
      comment: 'Apps are entry points; libraries never depend on them.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'library-imports-tests',
      comment: 'Only a spec may use the test support code.',
      severity: 'error',
      from: { path: '^(libs|apps)/' },
      to: { path: '^test/' },
    },
    {
      name: 'domain-imports-express',
      comment: 'Domain libraries speak Nest and the request type of libs/auth, never Express itself.',
      severity: 'error',
      from: { path: `^libs/(${DOMAIN.join('|')})/` },
      to: { path: 'node_modules/(express|@types/express)/' },
    },
    {
      name: 'persistence-imports-domain',
      comment: 'Persistence is below every domain library: entities and data access, no business rules.',
      severity: 'error',
      from: { path: '^libs/persistence/' },
      to: { path: `^libs/(?!persistence/|${LIBRARIES.persistence.join('/|')}/)` },
    },
    {
      name: 'bypasses-library-index',
      comment: "Another library is reached by its name ('#<lib>', package.json `imports`), which is its index.",
      severity: 'error',
      from: { path: '^libs/([^/]+)/' },
      to: { path: '^libs/[^/]+/', pathNot: ['^libs/$1/', '^libs/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'bypasses-library-index-outside',
      comment: "Apps, tests and benchmarks reach a library by its name ('#<lib>'), which is its index.",
      severity: 'error',
      from: { path: '^(apps|test|bench)/' },
      to: { path: '^libs/', pathNot: '^libs/[^/]+/src/index\\.ts$' },
    },
    {
      name: 'relative-cross-library-import',
      comment: "A relative path into another library; use '#<lib>'.",
      severity: 'error',
      from: { path: '^libs/([^/]+)/' },
      to: { path: '^libs/', pathNot: '^libs/$1/', dependencyTypes: ['local'], dependencyTypesNot: ['aliased'] },
    },
    {
      name: 'relative-library-import-outside',
      comment: "A relative path into a library from an app, a test or a benchmark; use '#<lib>'.",
      severity: 'error',
      from: { path: '^(apps|test|bench)/' },
      to: { path: '^libs/', dependencyTypes: ['local'], dependencyTypesNot: ['aliased'] },
    },
    ...Object.entries(LIBRARIES).map(([lib, allowed]) => ({
      name: `layering-${lib}`,
      comment: `libs/${lib} may import only: ${allowed.join(', ') || 'no other library'}.`,
      severity: 'error',
      from: { path: `^libs/${lib}/` },
      to: { path: `^libs/(${NAMES})/`, pathNot: `^libs/(${[lib, ...allowed].join('|')})/` },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Specs are left out: they may use test/support, which boots the app, and that loop through
    // test code says nothing about the layering.
    exclude: { path: ['^(dist|libs/sdk|apps/demo-web)/', '\\.spec\\.ts$'] },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      conditionNames: ['types', 'import', 'default'],
      exportsFields: ['exports'],
      extensions: ['.ts', '.js'],
    },
  },
};
