// The one place that knows where the explorer's data comes from: the JSON API of `clio serve`, or the
// files of a static export (window.CLIO_STATIC, layout in src/server/export.ts). A static export maps
// each API path and query to a file under data/ in data/files.json. Opened from disk (file://) Chromium
// refuses fetch, so the export also ships every file inside data/static.js as window.CLIO_STATIC_FILES
// (JSON values, points as base64); when that is present nothing is fetched.

export type {
  ClusterDetail,
  FacetInfo,
  SearchHit,
  ExplorerCluster as Cluster,
  ExplorerMeta as Meta,
  CompareResult as Comparison,
  OverlayResult as Overlay,
  FacetFilter as Selector,
} from '../../src/server/api-types.ts';
import type { ClusterDetail, CompareResult as Comparison, ExplorerCluster as Cluster, ExplorerMeta as Meta, FacetInfo, FacetFilter as Selector, OverlayResult as Overlay, SearchHit } from '../../src/server/api-types.ts';

/** One facet's breakdown inside a cluster. */
export type FacetBreakdown = ClusterDetail['facets'][number];

export interface Points {
  count: number;
  /** x0, y0, x1, y1, ... */
  positions: Float32Array;
  /** Index into the clusters array per point; NO_CLUSTER for other/hidden. */
  clusters: Uint32Array;
}
export const NO_CLUSTER = 0xffffffff;

declare global {
  interface Window {
    /** Set by a static export: where its data files are, relative to index.html. */
    CLIO_STATIC?: { data: string };
    /** Set by a static export's data/static.js: every data file by its name under data/. */
    CLIO_STATIC_FILES?: Record<string, unknown>;
  }
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export const isStatic = (): boolean => window.CLIO_STATIC !== undefined;
const dataRoot = (): string => window.CLIO_STATIC?.data ?? 'data/';

async function getResponse(url: string): Promise<Response> {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) {
    let reason = response.statusText;
    try {
      const body = (await response.json()) as { error?: string };
      if (body.error) reason = body.error;
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(`${url}: ${response.status} ${reason}`, response.status);
  }
  return response;
}

let fileIndex: Promise<Record<string, string>> | undefined;
function staticFileIndex(): Promise<Record<string, string>> {
  const embedded = window.CLIO_STATIC_FILES?.['files.json'];
  if (embedded) return Promise.resolve(embedded as Record<string, string>);
  fileIndex ??= getResponse(`${dataRoot()}files.json`).then((r) => r.json() as Promise<Record<string, string>>);
  return fileIndex;
}

/** The export's file for an API path and query, as JSON or (for .bin files) bytes. */
async function staticFile(apiPath: string, as: 'json' | 'bytes'): Promise<unknown> {
  const file = (await staticFileIndex())[`/${apiPath}`];
  if (file === undefined) throw new ApiError(`not part of this static export (${apiPath}): it holds only what passed the privacy thresholds, and for number facets only the suggested ranges`, 404);
  const embedded = window.CLIO_STATIC_FILES;
  if (embedded) {
    if (!(file in embedded)) throw new ApiError(`data/static.js lacks ${file}`, 404);
    return as === 'bytes' ? base64ToBuffer(String(embedded[file])) : embedded[file];
  }
  const response = await getResponse(`${dataRoot()}${file}`);
  return as === 'bytes' ? response.arrayBuffer() : response.json();
}

async function getJson<T>(apiPath: string): Promise<T> {
  if (isStatic()) return (await staticFile(apiPath, 'json')) as T;
  return (await (await getResponse(apiPath)).json()) as T;
}

const segment = (s: string): string => encodeURIComponent(s);

/** The query the server reads and the static export keys its files by (src/server/export.ts queryString). */
function selectorQuery(selector: Selector): string {
  const params = new URLSearchParams({ facet: selector.facet });
  if ('value' in selector) params.set('value', selector.value);
  else {
    if (selector.min !== undefined) params.set('min', String(selector.min));
    if (selector.max !== undefined) params.set('max', String(selector.max));
  }
  return params.toString();
}

let staticSubsets: Set<string> | null = null;
/** In a static export, reads which subsets it holds overlays for (see offersSubset). */
export async function loadStaticIndex(): Promise<void> {
  if (isStatic()) staticSubsets = new Set(Object.keys(await staticFileIndex()).filter((key) => key.startsWith('/api/overlay?')));
}
/** Whether an overlay and comparison can be had for a subset: always from a server; from a static export only those it wrote. */
export const offersSubset = (selector: Selector): boolean => staticSubsets === null || staticSubsets.has(`/api/overlay?${selectorQuery(selector)}`);

export const api = {
  meta: () => getJson<Meta>('api/meta'),
  clusters: async () => (await getJson<{ clusters: Cluster[] }>('api/clusters')).clusters,
  cluster: (id: string) => getJson<ClusterDetail>(`api/clusters/${segment(id)}`),
  overlay: (selector: Selector) => getJson<Overlay>(`api/overlay?${selectorQuery(selector)}`),
  compare: (selector: Selector) => getJson<Comparison>(`api/compare?${selectorQuery(selector)}`),
  search: (q: string) => getJson<{ clusters: SearchHit[] }>(`api/search?q=${encodeURIComponent(q)}`),
  traces: (id: string) => getJson<unknown>(`api/traces/${segment(id)}`),
  points: async (level: number): Promise<Points> => {
    const path = `api/points?level=${level}`;
    const buffer = isStatic() ? ((await staticFile(path, 'bytes')) as ArrayBuffer) : await (await getResponse(path)).arrayBuffer();
    return decodePoints(buffer);
  },
};

function base64ToBuffer(base64: string): ArrayBuffer {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

export function decodePoints(buffer: ArrayBuffer): Points {
  const count = new DataView(buffer).getUint32(0, true);
  if (buffer.byteLength !== 4 + count * 12) throw new ApiError(`points: expected ${4 + count * 12} bytes, got ${buffer.byteLength}`, 500);
  // Offsets are multiples of 4, so typed-array views need no copy.
  return {
    count,
    positions: new Float32Array(buffer, 4, count * 2),
    clusters: new Uint32Array(buffer, 4 + count * 8, count),
  };
}
