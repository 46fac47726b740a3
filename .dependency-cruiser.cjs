/** Layer rules of ARCHITECTURE.md §3: the domain is pure, handlers stay thin, infra reads no runtime code. */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'shared/domain imports no SDK and no adapter: only zod and itself',
      severity: 'error',
      from: { path: '^shared/domain/' },
      to: {
        pathNot: ['^shared/domain/', '^node_modules/zod/', '^shared/errors\\.ts$'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'use-cases-use-ports',
      comment: 'use cases depend on ports and the domain, never on adapters, the runtime or an SDK',
      severity: 'error',
      from: { path: '^shared/use-cases/' },
      to: { path: ['^shared/adapters/', '^shared/runtime/', '^node_modules/(?!zod/)'] },
    },
    {
      name: 'ports-are-interfaces',
      severity: 'error',
      from: { path: '^shared/ports/' },
      to: { path: ['^shared/adapters/', '^shared/runtime/', '^shared/use-cases/'] },
    },
    {
      name: 'shared-stands-alone',
      comment: 'shared/ is everything testable without AWS; it never reaches into the entry points',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: ['^functions/', '^infra/', '^local/', '^cli/', '^web/'] },
    },
    {
      name: 'functions-never-import-infra',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: ['^infra/', '^local/', '^cli/'] },
    },
    {
      name: 'infra-imports-no-runtime-code',
      comment: 'infra reads the ASL files and the function catalog, nothing that runs in Lambda',
      severity: 'error',
      from: { path: '^infra/' },
      to: { path: ['^shared/', '^functions/', '^local/', '^cli/', '^web/'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
