// The one place that knows where the explorer's data comes from: the JSON API of `clio serve`, or the
// files of a static export (window.CLIO_STATIC). Opened from disk (file://) Chromium refuses fetch, so
// a static export may also ship each file as `<path>.js` calling window.clioStaticData(path, value)
// (points as a base64 string); loadScriptData below picks those up.

export interface FacetInfo {
  name: string;
  kind: 'category' | 'number' | 'text';
  source: string;
  values?: { value: string; count: number }[];
  min?: number;
  max?: number;
}

export interface Meta {
  runId: string;
  runs: unknown[];
  mode: 'keyword' | 'llm';
  allowTraces: boolean;
  privacy: { minUsers: number; minConversations: number; userIdsPresent: boolean };
  corpus: { conversations: number; clustered: number; firstDate: string | null; lastDate: string | null };
  levels: number;
  facets: FacetInfo[];
}

export interface Cluster {
  id: string;
  level: number;
  parentId: string | null;
  name: string;
  description: string;
  size: number;
  share: number;
  shareOfParent: number;
  x: number;
  y: number;
  childCount: number;
  stats: Record<string, number>;
}

export interface FacetBreakdown {
  name: string;
  kind: string;
  categories?: { value: string; count: number }[];
  histogram?: { from: number; to: number; count: number }[];
}

export interface ClusterDetail {
  cluster: Cluster;
  children: Cluster[];
  other: { clusters: number; conversations: number };
  facets: FacetBreakdown[];
  timeline: { period: string; count: number }[];
  path: { id: string; name: string }[];
}

export interface Points {
  count: number;
  /** x0, y0, x1, y1, ... */
  positions: Float32Array;
  /** Index into the clusters array per point; NO_CLUSTER for other/hidden. */
  clusters: Uint32Array;
}
export const NO_CLUSTER = 0xffffffff;

/** A subset of conversations chosen by one facet: a category value or a number range. */
export type Selector = { facet: string; value: string } | { facet: string; min: number; max: number };

export interface Overlay {
  facet: string;
  matching: number;
  share: number;
  clusters: { id: string; count?: number; share: number; few?: boolean }[];
}

export interface Comparison {
  subset: { size: number; share: number };
  clusters: { id: string; name: string; level: number; subsetCount: number; size: number; ratio: number }[];
  hidden: number;
}

export interface SearchHit {
  id: string;
  name: string;
  level: number;
  description: string;
}

declare global {
  interface Window {
    CLIO_STATIC?: boolean | string;
    clioStaticData?: (path: string, value: unknown) => void;
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

export const isStatic = (): boolean => Boolean(window.CLIO_STATIC);
const staticRoot = (): string => (typeof window.CLIO_STATIC === 'string' ? window.CLIO_STATIC : 'data/');

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

const scriptData = new Map<string, Promise<unknown>>();
function loadScriptData(path: string): Promise<unknown> {
  let pending = scriptData.get(path);
  if (!pending) {
    pending = new Promise((resolve, reject) => {
      const previous = window.clioStaticData;
      window.clioStaticData = (loaded, value) => (loaded === path ? resolve(value) : previous?.(loaded, value));
      const script = document.createElement('script');
      script.src = `${staticRoot()}${path}.js`;
      script.onerror = () => reject(new ApiError(`${path} is not part of this export`, 404));
      document.head.append(script);
    });
    scriptData.set(path, pending);
  }
  return pending;
}

async function getStaticJson<T>(path: string): Promise<T> {
  if (location.protocol === 'file:') return (await loadScriptData(path)) as T;
  return (await (await getResponse(staticRoot() + path)).json()) as T;
}

async function getJson<T>(apiPath: string, staticPath: string | null): Promise<T> {
  if (!isStatic()) return (await (await getResponse(apiPath)).json()) as T;
  if (staticPath === null) throw new ApiError('not available in a static export', 404);
  return getStaticJson<T>(staticPath);
}

const segment = (s: string): string => encodeURIComponent(s);

function selectorQuery(selector: Selector): string {
  const params = new URLSearchParams({ facet: selector.facet });
  if ('value' in selector) params.set('value', selector.value);
  else {
    params.set('min', String(selector.min));
    params.set('max', String(selector.max));
  }
  return params.toString();
}

/** Static exports hold precomputed overlays and comparisons for category values only. */
const selectorFile = (kind: 'overlay' | 'compare', selector: Selector): string | null =>
  'value' in selector ? `${kind}/${segment(selector.facet)}/${segment(selector.value)}.json` : null;

export const api = {
  meta: () => getJson<Meta>('api/meta', 'meta.json'),
  clusters: async () => (await getJson<{ clusters: Cluster[] }>('api/clusters', 'clusters.json')).clusters,
  cluster: (id: string) => getJson<ClusterDetail>(`api/clusters/${segment(id)}`, `clusters/${segment(id)}.json`),
  overlay: (selector: Selector) => getJson<Overlay>(`api/overlay?${selectorQuery(selector)}`, selectorFile('overlay', selector)),
  compare: (selector: Selector) => getJson<Comparison>(`api/compare?${selectorQuery(selector)}`, selectorFile('compare', selector)),
  search: (q: string) => getJson<{ clusters: SearchHit[] }>(`api/search?q=${encodeURIComponent(q)}`, null),
  traces: (id: string) => getJson<unknown>(`api/traces/${segment(id)}`, null),
  points: async (level: number): Promise<Points> => {
    let buffer: ArrayBuffer;
    if (!isStatic()) buffer = await (await getResponse(`api/points?level=${level}`)).arrayBuffer();
    else if (location.protocol === 'file:') buffer = base64ToBuffer(String(await loadScriptData(`points-${level}.bin`)));
    else buffer = await (await getResponse(`${staticRoot()}points-${level}.bin`)).arrayBuffer();
    return decodePoints(buffer);
  },
};

function base64ToBuffer(base64: string): ArrayBuffer {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
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
