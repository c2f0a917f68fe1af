// The whole view lives in the URL hash, so reloading or sharing the URL restores it. The query string is
// left to the server (?token=); the hash never reaches it.
import type { Selector } from './api.ts';

export interface Camera {
  x: number;
  y: number;
  /** 1 = the whole map fits the view. */
  zoom: number;
}

export interface ViewState {
  selected: string | null;
  expanded: string[];
  overlay: Selector | null;
  compare: Selector | null;
  /** 'size', 'stat:<number facet>' or 'overlay'. */
  sort: string;
  camera: Camera | null;
}

export const emptyState = (): ViewState => ({ selected: null, expanded: [], overlay: null, compare: null, sort: 'size', camera: null });

const encodeSelector = (s: Selector): string => ('value' in s ? `${s.facet}=${s.value}` : `${s.facet}~${s.min ?? ''}..${s.max ?? ''}`);

function decodeSelector(text: string | null): Selector | null {
  if (!text) return null;
  const range = /^(.+)~(-?[\d.e+-]*)\.\.(-?[\d.e+-]*)$/.exec(text);
  if (range) {
    // An empty bound is open (the last suggested range of a number facet has no maximum).
    const [min, max] = [range[2], range[3]].map((bound) => (bound === '' ? undefined : Number(bound)));
    if ((min === undefined && max === undefined) || [min, max].some((b) => b !== undefined && !Number.isFinite(b))) return null;
    return { facet: range[1], ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
  }
  const eq = text.indexOf('=');
  return eq > 0 ? { facet: text.slice(0, eq), value: text.slice(eq + 1) } : null;
}

export function stateToHash(state: ViewState): string {
  const params = new URLSearchParams();
  if (state.selected) params.set('c', state.selected);
  if (state.expanded.length) params.set('open', state.expanded.join(','));
  if (state.overlay) params.set('overlay', encodeSelector(state.overlay));
  if (state.compare) params.set('compare', encodeSelector(state.compare));
  if (state.sort !== 'size') params.set('sort', state.sort);
  if (state.camera) params.set('cam', [state.camera.x.toPrecision(6), state.camera.y.toPrecision(6), state.camera.zoom.toPrecision(4)].join(','));
  const text = params.toString();
  return text ? `#${text}` : '';
}

export function hashToState(hash: string): ViewState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const camera = (params.get('cam') ?? '').split(',').map(Number);
  return {
    selected: params.get('c'),
    expanded: (params.get('open') ?? '').split(',').filter(Boolean),
    overlay: decodeSelector(params.get('overlay')),
    compare: decodeSelector(params.get('compare')),
    sort: params.get('sort') ?? 'size',
    camera: camera.length === 3 && camera.every(Number.isFinite) && camera[2] > 0 ? { x: camera[0], y: camera[1], zoom: camera[2] } : null,
  };
}
