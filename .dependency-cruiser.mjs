// The architecture of src/, checked by `npm run check:architecture` (dependency-cruiser).
//
// src/ is cut by concern into rooms (DESIGN.md, "Layout"), stacked in layers. A module may import
// its own room and any room of a lower layer, never a higher layer nor another room of its own
// layer: the lower a room, the fewer reasons it has to change, and each layer can be read, tested
// and loaded without those above it.
//
//   base      errors.ts clock.ts logger.ts listen.ts: leaf utilities every room may use
//   protocol  formats on the wire and in Redis (envelope, log, partition hash, control, registry)
//   redis     keys, scripts, connection          tracing   OpenTelemetry glue for client and runtime
//   actor     the Actor base class, registry, argument checks
//   runtime   the worker: leases, claim, turn, commit, merge, timers
//   client    connect(), refs, tell/ask, admin; starts a worker only through troupe.work()
//   metrics   prometheus metrics of a worker  http      the HTTP ingress
//   dashboard the web dashboard (its server; the page itself is in dashboard/public, not imported)
//   cli       the `troupe` command line
//   index.ts  the public surface
//
// Two more rules: no import cycles (a cycle makes two modules one, and its load order fragile),
// and the runtime is loaded only when a worker starts (troupe.work() and the CLI's worker command
// import it dynamically), so a process that only sends never loads it: outside src/runtime/, an
// import of it is `import type` or a dynamic `import()`.
//
// A new top-level file or folder under src/ must be placed in a layer below, or the check fails.

/** Bottom first. A string ending in .ts is a top-level file; any other is a folder. */
const layers = [
  ['errors.ts', 'clock.ts', 'logger.ts', 'listen.ts'],
  ['protocol'],
  ['redis', 'tracing'],
  ['actor'],
  ['runtime'],
  ['client'],
  ['metrics', 'http'],
  ['dashboard'],
  ['cli'],
  ['index.ts'],
];

const pathOf = (room) => (room.endsWith('.ts') ? `^src/${room.replace('.', '\\.')}$` : `^src/${room}/`);
const BASE = 0;

const layerRules = layers
  .flatMap((rooms, level) =>
    rooms.map((room) => {
      const above = layers.slice(level + 1).flat();
      // base files may use one another (listen.ts throws a ConfigError); other rooms of a layer may not
      const peers = level === BASE ? [] : rooms.filter((r) => r !== room);
      const forbidden = [...above, ...peers];
      return {
        name: `layer-${room.replace('.ts', '')}`,
        severity: 'error',
        comment:
          `src/${room} may import only lower layers (see the top of .dependency-cruiser.mjs). ` +
          'Move what both sides need down to the lower room (a type, a format, a helper), or pass it in.',
        from: { path: pathOf(room) },
        to: { path: forbidden.map(pathOf) },
      };
    }),
  )
  .filter((rule) => rule.to.path.length > 0);

const placed = layers.flat().map(pathOf);

export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycle: move the shared part into a module both import, one layer down if need be.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'runtime-loads-lazily',
      severity: 'error',
      comment:
        'src/runtime/ is loaded only when a worker starts, so a process that only sends never loads it. ' +
        'Use `import type`, an `await import()` where the worker starts, or move the value down (protocol/ for formats).',
      from: { path: '^src/', pathNot: '^src/runtime/' },
      to: { path: '^src/runtime/', dependencyTypesNot: ['type-only', 'dynamic-import'] },
    },
    {
      name: 'unplaced-room',
      severity: 'error',
      comment: 'A file or folder of src/ that is in no layer: add it to `layers` in .dependency-cruiser.mjs.',
      from: { path: '^src/', pathNot: placed },
      to: {},
    },
    {
      name: 'import-of-unplaced-room',
      severity: 'error',
      comment: 'A file or folder of src/ that is in no layer: add it to `layers` in .dependency-cruiser.mjs.',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: placed },
    },
    ...layerRules,
  ],
  options: {
    includeOnly: '^src/',
    doNotFollow: { path: 'node_modules' },
    // type-only imports count for layering (a type from above still couples the layers), and the
    // runtime-loads-lazily rule tells them apart from imports that load code
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
