// `npm run bench`: every benchmark in turn, each printing its own figures. Pass names to run a subset:
//   npm run bench -- kmeans embed
const BENCHES: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  ingest: () => import('./ingest.ts'),
  language: () => import('./language.ts'),
  embed: () => import('./embed.ts'),
  kmeans: () => import('./kmeans.ts'),
  name: () => import('./name.ts'),
  map: () => import('./map.ts'),
  pipeline: () => import('./pipeline.ts'),
  explorer: () => import('./explorer.ts'),
  llm: () => import('./llm.ts'),
};

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in BENCHES));
if (unknown.length) {
  console.error(`unknown bench ${unknown.join(', ')}; choose from ${Object.keys(BENCHES).join(', ')}`);
  process.exit(1);
}
for (const name of requested.length ? requested : Object.keys(BENCHES)) {
  console.log(`\n=== ${name} ===`);
  const started = performance.now();
  await (await BENCHES[name]()).run();
  console.log(`(${name} bench took ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}
