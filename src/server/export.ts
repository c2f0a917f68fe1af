// `clio serve --export DIR`: the explorer as a static folder that works from disk, with every API
// answer it can need written as files. Traces are never exported. Layout:
//
//   DIR/                           the built web app (dist/web), index.html with two scripts injected into <head>:
//                                  <script>window.CLIO_STATIC={data:"data/"}</script><script src="data/static.js"></script>
//   DIR/data/meta.json             GET /api/meta (allowTraces always false)
//   DIR/data/clusters.json         GET /api/clusters
//   DIR/data/cluster/<i>.json      GET /api/clusters/<id>, i = the cluster's index in clusters.json
//   DIR/data/points-<L>.bin        GET /api/points?level=L, for L = 0 .. meta.levels - 1
//   DIR/data/overlay/<f>-v<j>.json GET /api/overlay?facet=F&value=V: f = index of F in meta.facets, j = index of V
//                                  in that facet's values ('other' is not exported)
//   DIR/data/overlay/<f>-b<j>.json GET /api/overlay?facet=F&min=A&max=B: j = index in that facet's bands (a band
//                                  without max is exported without it)
//   DIR/data/compare/...           GET /api/compare, named like overlay/
//   DIR/data/files.json            { "<API path and query>": "<file under data/>" } for every file above; the query
//                                  is URLSearchParams in the order facet, value | min, max (e.g.
//                                  "/api/overlay?facet=language&value=en", "/api/compare?facet=turns&min=2&max=4")
//   DIR/data/static.js             window.CLIO_STATIC_FILES = { "<file under data/>": JSON value, or base64 string
//                                  for .bin }: the same data as a classic script, because browsers refuse fetch()
//                                  on file:// pages
// Subsets too small to show (fewer users than the threshold) have no file; search runs in the app over
// clusters.json.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { latestReportableRun } from '../report/index.ts';
import type { Workspace } from '../store/workspace.ts';
import { DEFAULT_STATIC_DIR } from './app.ts';
import { loadExplorerData, RequestError, type FacetFilter } from './data.ts';

export interface ExportOptions {
  ws: Workspace;
  outDir: string;
  runId?: string;
  staticDir?: string;
}

export const STATIC_MARKER = '<script>window.CLIO_STATIC={data:"data/"}</script><script src="data/static.js"></script>';

export async function exportExplorer(options: ExportOptions): Promise<{ outDir: string; files: number; bytes: number }> {
  const staticDir = resolve(options.staticDir ?? DEFAULT_STATIC_DIR);
  const indexHtml = join(staticDir, 'index.html');
  if (!existsSync(indexHtml)) throw new Error(`the web app is not built (no ${indexHtml}); run \`npm run build:web\` first`);
  const outDir = resolve(options.outDir);
  const data = await loadExplorerData(options.ws, options.runId ?? (await latestReportableRun(options.ws)));

  mkdirSync(outDir, { recursive: true });
  cpSync(staticDir, outDir, { recursive: true, dereference: true });
  const html = readFileSync(indexHtml, 'utf8');
  const withMarker = /<head[^>]*>/i.test(html) ? html.replace(/<head[^>]*>/i, (head) => `${head}${STATIC_MARKER}`) : `${STATIC_MARKER}${html}`;
  writeFileSync(join(outDir, 'index.html'), withMarker);

  const files: Record<string, string> = {};
  const contents: Record<string, unknown> = {};
  let bytes = 0;
  const write = (apiPath: string, file: string, value: unknown) => {
    const body = value instanceof Uint8Array ? value : `${JSON.stringify(value)}\n`;
    const path = join(outDir, 'data', file);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, body);
    bytes += body.length;
    files[apiPath] = file;
    contents[file] = value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
  };

  const meta = data.meta(false);
  write('/api/meta', 'meta.json', meta);
  write('/api/clusters', 'clusters.json', { clusters: data.clusters });
  for (const [index, cluster] of data.clusters.entries()) {
    write(`/api/clusters/${encodeURIComponent(cluster.id)}`, `cluster/${index}.json`, await data.cluster(cluster.id));
  }
  for (let level = 0; level < meta.levels; level++) write(`/api/points?level=${level}`, `points-${level}.bin`, await data.points(level));

  for (const [f, facet] of meta.facets.entries()) {
    const subsets: { filter: FacetFilter; name: string }[] = [];
    for (const [j, { value }] of (facet.values ?? []).entries()) if (value !== 'other') subsets.push({ filter: { facet: facet.name, value }, name: `${f}-v${j}` });
    for (const [j, band] of (facet.bands ?? []).entries()) subsets.push({ filter: { facet: facet.name, ...band }, name: `${f}-b${j}` });
    for (const { filter, name } of subsets) {
      const query = queryString(filter);
      try {
        write(`/api/overlay?${query}`, `overlay/${name}.json`, await data.overlay(filter));
        write(`/api/compare?${query}`, `compare/${name}.json`, await data.compare(filter));
      } catch (error) {
        if (!(error instanceof RequestError)) throw error;
      }
    }
  }
  writeFileSync(join(outDir, 'data', 'files.json'), `${JSON.stringify(files)}\n`);
  contents['files.json'] = files;
  const script = `window.CLIO_STATIC_FILES=${JSON.stringify(contents).replace(/</g, '\\u003c')};\n`;
  writeFileSync(join(outDir, 'data', 'static.js'), script);
  return { outDir, files: Object.keys(files).length, bytes: bytes + script.length };
}

/** The canonical query of a subset, as keyed in files.json. */
export function queryString(filter: FacetFilter): string {
  const params = new URLSearchParams({ facet: filter.facet });
  if ('value' in filter) params.set('value', filter.value);
  else {
    if (filter.min !== undefined) params.set('min', String(filter.min));
    if (filter.max !== undefined) params.set('max', String(filter.max));
  }
  return params.toString();
}
