// The explorer app: header, tree, map and side panel, all driven by one view state kept in the URL hash.
import './style.css';
import { api, isStatic, loadStaticIndex, NO_CLUSTER, offersSubset, type Cluster, type ClusterDetail, type Comparison, type FacetInfo, type Meta, type Overlay, type Selector } from './api.ts';
import { barsChart, escapeHtml, formatCount, formatNumber, formatShare, histogramChart, shareBar, timelineChart } from './charts.ts';
import { categoricalColor, css, FEW_COLOR, rampColor, rampCss, type Rgb } from './colors.ts';
import { createMap, type Bounds, type ExplorerMap } from './map.ts';
import { hashToState, stateToHash, type ViewState } from './state.ts';

const $ = <T extends HTMLElement = HTMLElement>(selector: string, root: ParentNode = document): T => root.querySelector<T>(selector)!;

interface Model {
  meta: Meta;
  clusters: Cluster[];
  byId: Map<string, number>;
  children: Map<string | null, number[]>;
  /** Index of each cluster's top-level ancestor. */
  topOf: Int32Array;
  topLevel: number;
}

let model: Model;
let map: ExplorerMap | null = null;
/** x, y of every point, in the order every level's cluster indices follow. */
let positions: Float32Array = new Float32Array(0);
let state: ViewState = hashToState(location.hash);
let overlay: Overlay | null = null;
let overlayShare = new Map<string, Overlay['clusters'][number]>();
const pointLevels = new Map<number, Promise<Uint32Array>>();

function buildModel(meta: Meta, clusters: Cluster[]): Model {
  const byId = new Map(clusters.map((c, i) => [c.id, i]));
  const children = new Map<string | null, number[]>();
  clusters.forEach((c, i) => {
    const parent = c.parentId !== null && byId.has(c.parentId) ? c.parentId : null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent)!.push(i);
  });
  const topOf = new Int32Array(clusters.length);
  clusters.forEach((c, i) => {
    let current = i;
    for (let guard = 0; guard < 64; guard++) {
      const parent = clusters[current].parentId;
      const next = parent === null ? undefined : byId.get(parent);
      if (next === undefined) break;
      current = next;
    }
    topOf[i] = current;
  });
  const topLevel = clusters.reduce((max, c) => Math.max(max, c.level), 0);
  return { meta, clusters, byId, children, topOf, topLevel };
}

// ---- colours ------------------------------------------------------------------------------------

const topColorIndex = new Map<number, number>();
function clusterColor(index: number): Rgb {
  if (overlay) {
    const entry = overlayShare.get(model.clusters[index].id);
    if (!entry || entry.few) return FEW_COLOR;
    const [low, high] = overlayDomain();
    return rampColor((entry.share - low) / (high - low));
  }
  const top = model.topOf[index];
  if (!topColorIndex.has(top)) topColorIndex.set(top, topColorIndex.size);
  return categoricalColor(topColorIndex.get(top)!);
}

/** The ramp spans the lowest to the highest share shown, so close shares still differ in colour. */
let domainCache: [number, number] | null = null;
function overlayDomain(): [number, number] {
  if (domainCache === null) {
    const shares = [...overlayShare.values()].flatMap((e) => (e.few ? [] : [e.share]));
    const low = shares.length ? Math.min(...shares) : 0;
    const high = shares.length ? Math.max(...shares) : 1;
    domainCache = [low, high > low ? high : low + 1e-9];
  }
  return domainCache;
}

function isWithin(index: number, ancestorId: string): boolean {
  let current: number | undefined = index;
  for (let guard = 0; current !== undefined && guard < 64; guard++) {
    const cluster: Cluster = model.clusters[current];
    if (cluster.id === ancestorId) return true;
    current = cluster.parentId === null ? undefined : model.byId.get(cluster.parentId);
  }
  return false;
}

function updatePalette() {
  if (!map) return;
  const rgba = new Uint8Array(model.clusters.length * 4);
  model.clusters.forEach((_, i) => {
    const [r, g, b] = clusterColor(i);
    // Points stack a lot, so transparency alone does not dim them: outside the selection they are drawn
    // in a pale tint of their colour, which stays pale however many of them overlap.
    const dim = state.selected !== null && !isWithin(i, state.selected);
    const tint = (c: number) => Math.round(c * 0.3 + MAP_BACKGROUND * 0.7);
    rgba.set(dim ? [tint(r), tint(g), tint(b), 170] : [r, g, b, 255], i * 4);
  });
  map.setPalette(rgba);
  map.setLabelColor((i) => css(clusterColor(i)));
}

const MAP_BACKGROUND = 249;

// ---- points at the level the map shows -----------------------------------------------------------

function pointsAt(level: number): Promise<Uint32Array> {
  let pending = pointLevels.get(level);
  if (!pending) {
    pending = api.points(level).then((points) => points.clusters);
    pointLevels.set(level, pending);
  }
  return pending;
}

/** Colour by the clusters of the level shown, or of the selected cluster's level when that is broader. */
function wantedIndexLevel(): number {
  const shown = map ? map.displayLevel() : model.topLevel;
  const selected = state.selected === null ? undefined : model.byId.get(state.selected);
  return selected === undefined ? shown : Math.min(shown, model.clusters[selected].level);
}

/**
 * Where a cluster's points lie: the 5th to 95th percentile of their x and of their y, padded. A cluster
 * can be scattered over the map, so its centroid may be empty space; this box holds most of its points.
 */
async function clusterBounds(index: number): Promise<Bounds | null> {
  // At the cluster's own level every point of it (hidden children's included) carries its index.
  const indices = await pointsAt(model.clusters[index].level);
  const xs: number[] = [], ys: number[] = [];
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] !== index) continue;
    xs.push(positions[2 * i]);
    ys.push(positions[2 * i + 1]);
  }
  if (xs.length === 0) return null;
  const range = (values: number[]): [number, number] => {
    values.sort((a, b) => a - b);
    const at = (q: number) => values[Math.min(values.length - 1, Math.max(0, Math.round(q * (values.length - 1))))];
    const [low, high] = [at(0.05), at(0.95)];
    const pad = Math.max((high - low) * 0.15, 1e-6);
    return [low - pad, high + pad];
  };
  const [x0, x1] = range(xs), [y0, y1] = range(ys);
  return [x0, y0, x1, y1];
}

let flightsPending = 0;
async function flyToCluster(index: number) {
  flightsPending++;
  try {
    const bounds = await clusterBounds(index);
    if (bounds && state.selected === model.clusters[index].id) map?.fitBounds(bounds);
  } finally {
    flightsPending--;
  }
}

declare global {
  interface Window {
    /** For the browser tests: what the map shows, in the points' coordinates. */
    CLIO_EXPLORER?: { viewBounds: () => Bounds | null; isFlying: () => boolean };
  }
}
window.CLIO_EXPLORER = { viewBounds: () => map?.viewBounds() ?? null, isFlying: () => flightsPending > 0 || (map?.isFlying() ?? false) };

let indexRequest = 0;
async function syncIndexLevel() {
  const level = wantedIndexLevel();
  const request = ++indexRequest;
  const indices = await pointsAt(level);
  if (request === indexRequest) map?.setIndices(level, indices);
}

// ---- URL ------------------------------------------------------------------------------------------

let urlTimer = 0;
function saveState(immediately = false) {
  window.clearTimeout(urlTimer);
  const write = () => history.replaceState(null, '', `${location.pathname}${location.search}${stateToHash(state)}`);
  if (immediately) write();
  else urlTimer = window.setTimeout(write, 250);
}

// ---- header ---------------------------------------------------------------------------------------

const MODE_LABEL: Record<Meta['mode'], string> = { keyword: 'Keyword mode', llm: 'LLM mode' };

function modeNote(meta: Meta): { summary: string; cannot: string[] } {
  return meta.modeNote ?? { summary: meta.mode === 'llm' ? 'A language model wrote cluster names, summaries and some facets.' : 'No language model was used.', cannot: [] };
}

function renderHeader() {
  const { meta } = model;
  const note = modeNote(meta);
  const label = MODE_LABEL[meta.mode] ?? meta.mode;
  const noteText = [note.summary, ...note.cannot.map((c) => `– ${c}`)].join('\n');
  const dates = meta.corpus.firstDate ? ` · ${meta.corpus.firstDate.slice(0, 10)} – ${(meta.corpus.lastDate ?? '').slice(0, 10)}` : '';
  $('#run').innerHTML = `
    <span class="pill" title="analysis run">run ${escapeHtml(meta.runId)}</span>
    <span class="pill mode-${escapeHtml(meta.mode)}" title="${escapeHtml(noteText)}">${escapeHtml(label)} <span class="info">?</span></span>
    <span class="stat" data-field="corpus"><b>${formatCount(meta.corpus.conversations)}</b> conversations · <b>${formatCount(meta.corpus.clustered)}</b> in shown clusters${dates}</span>
    <span class="stat" title="A cluster is shown only when at least this many distinct users and conversations are in it; smaller ones are folded into &quot;other&quot;.">privacy: ≥ <b>${meta.privacy.minUsers}</b> users and ≥ <b>${meta.privacy.minConversations}</b> conversations per cluster${meta.privacy.userIdsPresent ? '' : ' (no user ids: each conversation counts as a user)'}</span>
    ${isStatic() ? '<span class="pill">static export</span>' : ''}`;
  $('#mode-note').innerHTML = `<details><summary><b>${escapeHtml(label)}</b>: ${escapeHtml(note.summary)}</summary>
    ${note.cannot.length ? `<p>What this mode cannot show:</p><ul>${note.cannot.map((c) => `<li>${escapeHtml(c)}</li>`).join('')}</ul>` : ''}</details>`;
  const banner = $('#traces-banner');
  banner.hidden = !meta.allowTraces;
  banner.textContent = meta.allowTraces
    ? 'Traces are ON: this server was started with --allow-traces and shows example conversations (raw text) to anyone who can open it.'
    : '';
}

// ---- tree -----------------------------------------------------------------------------------------

function numberFacets(): FacetInfo[] {
  return model.meta.facets.filter((f) => f.kind === 'number');
}

function sortKey(index: number): number {
  const cluster = model.clusters[index];
  if (state.sort.startsWith('stat:')) return cluster.stats?.[state.sort.slice(5)] ?? -Infinity;
  if (state.sort === 'overlay') {
    const entry = overlayShare.get(cluster.id);
    return entry && !entry.few ? entry.share : -Infinity;
  }
  return cluster.size;
}

function metricHtml(index: number): string {
  const cluster = model.clusters[index];
  if (state.sort.startsWith('stat:')) {
    const value = cluster.stats?.[state.sort.slice(5)];
    return `<span class="metric" title="mean ${escapeHtml(state.sort.slice(5))}">${value === undefined ? '–' : formatNumber(value)}</span>`;
  }
  if (overlay) {
    const entry = overlayShare.get(cluster.id);
    if (!entry || entry.few) return '<span class="metric muted" title="too few conversations to show a share">few</span>';
    return `<span class="metric" title="share of this cluster matching the overlay">${formatShare(entry.share)}</span>`;
  }
  return `<span class="metric" title="share of the corpus">${formatShare(cluster.share)}</span>`;
}

function renderTree() {
  const expanded = new Set(state.expanded);
  const rows: string[] = [];
  const visit = (parent: string | null, depth: number) => {
    const indices = [...(model.children.get(parent) ?? [])].sort((a, b) => sortKey(b) - sortKey(a) || model.clusters[b].size - model.clusters[a].size);
    for (const i of indices) {
      const cluster = model.clusters[i];
      const hasChildren = (model.children.get(cluster.id)?.length ?? 0) > 0;
      const open = hasChildren && expanded.has(cluster.id);
      rows.push(`<div class="tree-row${state.selected === cluster.id ? ' selected' : ''}" data-id="${escapeHtml(cluster.id)}" style="--depth:${depth}" role="treeitem" aria-expanded="${open}">
        <button class="caret" ${hasChildren ? '' : 'disabled'} aria-label="${open ? 'collapse' : 'expand'}">${hasChildren ? (open ? '▾' : '▸') : ''}</button>
        <span class="swatch" style="background:${css(clusterColor(i))}"></span>
        <span class="name" title="${escapeHtml(cluster.description || cluster.name)}">${escapeHtml(cluster.name)}</span>
        <span class="count">${formatCount(cluster.size)}</span>${metricHtml(i)}</div>`);
      if (open) visit(cluster.id, depth + 1);
    }
  };
  visit(null, 0);
  $('#tree').innerHTML = rows.join('') || '<p class="muted">No cluster passed the privacy thresholds.</p>';
  const sort = $<HTMLSelectElement>('#sort');
  sort.innerHTML = [
    `<option value="size">size</option>`,
    ...numberFacets().map((f) => `<option value="stat:${escapeHtml(f.name)}">mean ${escapeHtml(f.name)}</option>`),
    overlay ? `<option value="overlay">overlay share</option>` : '',
  ].join('');
  sort.value = state.sort;
  if (sort.value !== state.sort) sort.value = 'size';
}

function toggleExpanded(id: string) {
  const expanded = new Set(state.expanded);
  if (expanded.has(id)) expanded.delete(id);
  else expanded.add(id);
  state.expanded = [...expanded];
  renderTree();
  saveState(true);
}

// ---- selection and the cluster panel -------------------------------------------------------------

async function select(id: string | null, options: { fly?: boolean } = {}) {
  state.selected = id;
  if (id !== null) {
    // Open the path down to it in the tree.
    const expanded = new Set(state.expanded);
    let parent = model.clusters[model.byId.get(id) ?? -1]?.parentId ?? null;
    while (parent !== null && model.byId.has(parent)) {
      expanded.add(parent);
      parent = model.clusters[model.byId.get(parent)!].parentId;
    }
    state.expanded = [...expanded];
  }
  saveState(true);
  renderTree();
  updatePalette();
  void syncIndexLevel();
  const index = id === null ? undefined : model.byId.get(id);
  if (options.fly && index !== undefined) void flyToCluster(index);
  showTab('cluster');
  await renderPanel();
  $(`.tree-row.selected`)?.scrollIntoView({ block: 'nearest' });
}

let panelRequest = 0;
async function renderPanel() {
  const panel = $('#cluster-panel');
  const request = ++panelRequest;
  if (state.selected === null) {
    panel.innerHTML = overviewHtml();
    return;
  }
  panel.innerHTML = '<p class="muted">Loading…</p>';
  let detail: ClusterDetail;
  try {
    detail = await api.cluster(state.selected);
  } catch (error) {
    if (request === panelRequest) panel.innerHTML = `<p class="error">Could not load this cluster: ${escapeHtml(String((error as Error).message))}</p>`;
    return;
  }
  if (request !== panelRequest) return;
  panel.innerHTML = clusterHtml(detail);
}

function overviewHtml(): string {
  const tops = (model.children.get(null) ?? []).map((i) => model.clusters[i]);
  const levels = new Map<number, number>();
  for (const c of model.clusters) levels.set(c.level, (levels.get(c.level) ?? 0) + 1);
  const levelText = [...levels.entries()].sort((a, b) => b[0] - a[0]).map(([level, n]) => `${n} at level ${level}`).join(', ');
  return `<h2>Overview</h2>
    <p class="muted">Select a cluster on the map, in the tree or by search to see what it is made of.</p>
    <dl class="numbers"><div><dt>conversations</dt><dd>${formatCount(model.meta.corpus.conversations)}</dd></div>
    <div><dt>in shown clusters</dt><dd>${formatCount(model.meta.corpus.clustered)}</dd></div>
    <div><dt>clusters shown</dt><dd>${formatCount(model.clusters.length)}</dd></div></dl>
    <p class="muted small">${levelText} (higher level = broader).</p>
    <h3>Top-level clusters</h3>${barsChart(tops.map((c) => ({ value: c.name, count: c.size })), { total: model.meta.corpus.conversations, maxRows: 12 })}`;
}

function clusterHtml(detail: ClusterDetail): string {
  const { cluster } = detail;
  const index = model.byId.get(cluster.id);
  const color = index === undefined ? '#5b6cf0' : css(categoricalColor(topColorIndex.get(model.topOf[index]) ?? 0));
  const path = detail.path
    .map((p) => (p.id === cluster.id ? `<span>${escapeHtml(p.name)}</span>` : `<a href="#" data-select="${escapeHtml(p.id)}">${escapeHtml(p.name)}</a>`))
    .join(' › ');
  const children = detail.children
    .slice()
    .sort((a, b) => b.size - a.size)
    .map((c) => `<li><a href="#" data-select="${escapeHtml(c.id)}">${escapeHtml(c.name)}</a><span class="count">${formatCount(c.size)}</span><span class="metric">${formatShare(c.shareOfParent)}</span></li>`)
    .join('');
  const other = detail.other.clusters > 0 || detail.other.conversations > 0
    ? `<li class="other muted" data-field="other">other (${formatCount(detail.other.clusters)} hidden cluster${detail.other.clusters === 1 ? '' : 's'}, ${formatCount(detail.other.conversations)} conversations)</li>`
    : '';
  const facets = detail.facets
    .map((facet) => {
      const chart = facet.categories ? barsChart(facet.categories, { total: cluster.size, color }) : facet.histogram ? histogramChart(facet.histogram, { color }) : '';
      return chart ? `<section class="facet" data-facet="${escapeHtml(facet.name)}"><h4>${escapeHtml(facet.name)}</h4>${chart}</section>` : '';
    })
    .join('');
  const timeline = detail.timeline.length > 1 ? `<h3>Over time</h3>${timelineChart(detail.timeline, { color })}` : '';
  const traces = model.meta.allowTraces ? `<h3>Example conversations</h3><button class="traces-button" data-traces="${escapeHtml(cluster.id)}">Show raw examples (traces are on)</button><div id="traces"></div>` : '';
  return `<nav class="path">${path}</nav>
    <h2 data-field="name"><span class="swatch" style="background:${color}"></span>${escapeHtml(cluster.name)}</h2>
    <p class="description" data-field="description">${escapeHtml(cluster.description)}</p>
    <dl class="numbers">
      <div><dt>conversations</dt><dd data-field="size">${formatCount(cluster.size)}</dd></div>
      <div><dt>of corpus</dt><dd data-field="share">${formatShare(cluster.share)}</dd></div>
      <div><dt>of parent</dt><dd data-field="shareOfParent">${cluster.parentId === null ? '–' : formatShare(cluster.shareOfParent)}</dd></div>
      <div><dt>level</dt><dd data-field="level">${cluster.level}</dd></div>
    </dl>
    ${children || other ? `<h3>Children</h3><ul class="children">${children}${other}</ul>` : ''}
    ${timeline}
    ${facets ? `<h3>Breakdown</h3>${facets}` : ''}
    ${traces}`;
}

async function showTraces(id: string) {
  const target = $('#traces');
  try {
    const body = await api.traces(id);
    const items = ((body as { traces?: { firstUserMessage?: string; turns?: number }[] }).traces ?? []);
    target.innerHTML =
      items.map((t) => `<div class="trace"><span class="muted small">${t.turns ?? '?'} turns · first user message, PII-scrubbed</span><br>${escapeHtml(t.firstUserMessage ?? '')}</div>`).join('') ||
      '<p class="muted">No examples.</p>';
  } catch (error) {
    target.innerHTML = `<p class="error">${escapeHtml((error as Error).message)}</p>`;
  }
}

// ---- selector pickers (overlay and compare) ------------------------------------------------------

/** Facets a subset can be picked from: category values, and number ranges (the suggested ones, or any range against a server). */
function pickableFacets(): FacetInfo[] {
  return model.meta.facets.filter((f) => (f.kind === 'category' ? categoryChoices(f).length > 0 : f.kind === 'number' && (!isStatic() || bandChoices(f).length > 0)));
}

const categoryChoices = (facet: FacetInfo) => (facet.values ?? []).filter((v) => v.value !== 'other' && offersSubset({ facet: facet.name, value: v.value }));
const bandChoices = (facet: FacetInfo) => (facet.bands ?? []).map((band) => ({ facet: facet.name, ...band })).filter(offersSubset);

function pickerHtml(prefix: string, current: Selector | null): string {
  const facetOptions = pickableFacets().map((f) => `<option value="${escapeHtml(f.name)}"${current?.facet === f.name ? ' selected' : ''}>${escapeHtml(f.name)}</option>`).join('');
  return `<select id="${prefix}-facet" aria-label="facet"><option value="">${prefix === 'overlay' ? 'top-level cluster' : 'choose a facet'}</option>${facetOptions}</select>
    <span id="${prefix}-value" class="picker"></span>`;
}

const sameRange = (a: Selector | null, b: Selector) => a !== null && !('value' in a) && !('value' in b) && a.facet === b.facet && a.min === b.min && a.max === b.max;

function fillValueControl(prefix: string, facetName: string, current: Selector | null, onPick: (selector: Selector) => void) {
  const holder = $(`#${prefix}-value`);
  const facet = model.meta.facets.find((f) => f.name === facetName);
  if (!facet) {
    holder.innerHTML = '';
    return;
  }
  if (facet.kind === 'category') {
    holder.innerHTML = `<select aria-label="value"><option value="">value…</option>${categoryChoices(facet)
      .map((v) => `<option value="${escapeHtml(v.value)}"${current && 'value' in current && current.value === v.value ? ' selected' : ''}>${escapeHtml(v.value)} (${formatCount(v.count)})</option>`)
      .join('')}</select>`;
    $<HTMLSelectElement>('select', holder).addEventListener('change', (event) => {
      const value = (event.target as HTMLSelectElement).value;
      if (value) onPick({ facet: facet.name, value });
    });
    return;
  }
  // Number facet: the suggested ranges (deciles of the corpus), plus any range when a server answers.
  const bands = bandChoices(facet);
  const bandSelect = `<select aria-label="range" data-role="bands"><option value="">range…</option>${bands
    .map((band, i) => `<option value="${i}"${sameRange(current, band) ? ' selected' : ''}>${escapeHtml(describeRange(band))}</option>`)
    .join('')}</select>`;
  const custom = current && !('value' in current) && current.facet === facet.name && !bands.some((b) => sameRange(current, b)) ? current : null;
  const free = isStatic()
    ? ''
    : `<span class="free-range">or from <input type="number" step="any" aria-label="from" value="${custom?.min ?? facet.min ?? ''}"> to under <input type="number" step="any" aria-label="to" value="${custom?.max ?? facet.max ?? ''}"> <button>apply</button></span>`;
  holder.innerHTML = bandSelect + free;
  $<HTMLSelectElement>('select', holder).addEventListener('change', (event) => {
    const value = (event.target as HTMLSelectElement).value;
    if (value !== '') onPick(bands[Number(value)]);
  });
  if (!free) return;
  $('button', holder).addEventListener('click', () => {
    const [from, to] = [...holder.querySelectorAll('input')].map((input) => Number(input.value));
    if (Number.isFinite(from) && Number.isFinite(to) && from !== to) onPick({ facet: facet.name, min: Math.min(from, to), max: Math.max(from, to) });
  });
}

/** `min <= value < max`, said the way the filter applies it. */
function describeRange(s: { facet: string; min?: number; max?: number }): string {
  if (s.min !== undefined && s.max !== undefined) return `${formatNumber(s.min)} ≤ ${s.facet} < ${formatNumber(s.max)}`;
  if (s.min !== undefined) return `${s.facet} ≥ ${formatNumber(s.min)}`;
  return `${s.facet} < ${formatNumber(s.max ?? Infinity)}`;
}

const describeSelector = (s: Selector): string => ('value' in s ? `${s.facet} = ${s.value}` : describeRange(s));

function renderOverlayControls() {
  $('#overlay-picker').innerHTML = pickerHtml('overlay', state.overlay);
  const facetSelect = $<HTMLSelectElement>('#overlay-facet');
  const refill = () => fillValueControl('overlay', facetSelect.value, state.overlay, (selector) => void setOverlay(selector));
  facetSelect.addEventListener('change', () => {
    if (!facetSelect.value) void setOverlay(null);
    else refill();
  });
  refill();
}

async function setOverlay(selector: Selector | null) {
  state.overlay = selector;
  if (!selector && state.sort === 'overlay') state.sort = 'size';
  saveState(true);
  const legend = $('#legend');
  if (!selector) {
    overlay = null;
    overlayShare = new Map();
  } else {
    try {
      overlay = await api.overlay(selector);
    } catch (error) {
      legend.innerHTML = `<span class="error">${escapeHtml((error as Error).message)}</span>`;
      return;
    }
    overlayShare = new Map(overlay.clusters.map((c) => [c.id, c]));
  }
  domainCache = null;
  legend.innerHTML = overlay && selector
    ? `<b>${escapeHtml(describeSelector(selector))}</b>: ${formatCount(overlay.matching)} conversations, ${formatShare(overlay.share)} overall.
       <span class="scale">Share per cluster ${formatShare(overlayDomain()[0])} <span class="ramp" style="background:${rampCss()}"></span> ${formatShare(overlayDomain()[1])}</span>
       <span class="scale"><span class="swatch" style="background:${css(FEW_COLOR)}"></span> too few to show</span>`
    : 'Colour: top-level cluster. Pick a facet to colour clusters by the share of a value.';
  legend.dataset.overlay = selector ? describeSelector(selector) : '';
  renderTree();
  updatePalette();
}

// ---- compare ----------------------------------------------------------------------------------------

function renderCompareControls() {
  $('#compare-picker').innerHTML = pickerHtml('compare', state.compare);
  const facetSelect = $<HTMLSelectElement>('#compare-facet');
  const refill = () => fillValueControl('compare', facetSelect.value, state.compare, (selector) => void runCompare(selector));
  facetSelect.addEventListener('change', refill);
  refill();
}

async function runCompare(selector: Selector | null) {
  state.compare = selector;
  saveState(true);
  const out = $('#compare-result');
  if (!selector) {
    out.innerHTML = '<p class="muted">Pick a subset (a facet value) to rank clusters by how over-represented it is in them.</p>';
    return;
  }
  out.innerHTML = '<p class="muted">Comparing…</p>';
  let result: Comparison;
  try {
    result = await api.compare(selector);
  } catch (error) {
    out.innerHTML = `<p class="error">${escapeHtml((error as Error).message)}</p>`;
    return;
  }
  const ranked = distinctGroups(result.clusters);
  const merged = result.clusters.length - ranked.length;
  const maxRatio = Math.max(1, ...ranked.map((c) => c.ratio));
  const rows = ranked
    .sort((a, b) => b.ratio - a.ratio)
    .map(
      (c, rank) => `<tr data-id="${escapeHtml(c.id)}"${c.alsoLevels.length ? ` data-also="${c.alsoLevels.join(',')}"` : ''}><td class="rank">${rank + 1}</td><td><a href="#" data-select="${escapeHtml(c.id)}">${escapeHtml(c.name)}</a> <span class="muted small" title="${c.alsoLevels.length ? `the same conversations form its parent at level ${c.alsoLevels.join(' and ')}` : `level ${c.level}`}">L${[c.level, ...c.alsoLevels].join('=L')}</span></td>
        <td class="num">${formatCount(c.subsetCount)}</td><td class="num">${formatCount(c.size)}</td><td class="num">${formatShare(c.size ? c.subsetCount / c.size : 0)}</td>
        <td class="num ratio">${c.ratio.toFixed(2)}×${shareBar(c.ratio / maxRatio, c.ratio >= 1 ? '#c2410c' : '#94a3b8')}</td></tr>`,
    )
    .join('');
  out.innerHTML = `<p class="compare-summary"><b>${escapeHtml(describeSelector(selector))}</b>: ${formatCount(result.subset.size)} conversations, ${formatShare(result.subset.share)} of the corpus.
    Ratio = the subset's share inside a cluster ÷ its share overall (above 1: over-represented).</p>
    <table class="compare"><thead><tr><th>#</th><th>cluster</th><th class="num">in subset</th><th class="num">size</th><th class="num">share</th><th class="num">ratio</th></tr></thead><tbody>${rows}</tbody></table>
    <p class="muted small" data-field="hidden">${formatCount(result.hidden)} cluster${result.hidden === 1 ? '' : 's'} not ranked: too few conversations of the subset to give a ratio.${
      merged ? ` ${formatCount(merged)} parent${merged === 1 ? '' : 's'} holding exactly one shown child with the same conversations ${merged === 1 ? 'is' : 'are'} listed once, as that child (L0=L1).` : ''
    }</p>`;
}

type RankedCluster = Comparison['clusters'][number];

/**
 * A parent whose only shown child holds all of its conversations is the same group twice (same counts,
 * same ratio): keep the finest cluster and note the levels it also stands for.
 */
function distinctGroups(clusters: RankedCluster[]): (RankedCluster & { alsoLevels: number[] })[] {
  const ranked = new Map(clusters.map((c) => [c.id, c]));
  const onlyChildSameMembers = (id: string): string | null => {
    const index = model.byId.get(id);
    const kids = model.children.get(id) ?? [];
    if (index === undefined || kids.length !== 1) return null;
    const child = model.clusters[kids[0]];
    return child.size === model.clusters[index].size && ranked.has(child.id) ? child.id : null;
  };
  const kept = clusters.filter((c) => onlyChildSameMembers(c.id) === null);
  return kept.map((c) => {
    const alsoLevels: number[] = [];
    let current = c.id;
    let parent = model.clusters[model.byId.get(current) ?? -1]?.parentId ?? null;
    while (parent !== null && onlyChildSameMembers(parent) === current) {
      alsoLevels.push(ranked.get(parent)!.level);
      current = parent;
      parent = model.clusters[model.byId.get(parent)!].parentId;
    }
    return { ...c, alsoLevels };
  });
}

// ---- tabs and search --------------------------------------------------------------------------------

function showTab(tab: 'cluster' | 'compare') {
  for (const button of document.querySelectorAll<HTMLButtonElement>('.tabs button')) button.classList.toggle('active', button.dataset.tab === tab);
  $('#cluster-panel').hidden = tab !== 'cluster';
  $('#compare-panel').hidden = tab !== 'compare';
}

let searchTimer = 0;
async function search(q: string) {
  const results = $('#search-results');
  if (q.trim().length < 2) {
    results.hidden = true;
    return;
  }
  let hits: { id: string; name: string; level: number; description: string }[];
  if (isStatic()) {
    // The same rule as the server's /api/search, over the clusters the export holds.
    const needle = q.trim().toLowerCase();
    hits = model.clusters.filter((c) => c.name.toLowerCase().includes(needle) || c.description.toLowerCase().includes(needle)).slice(0, 50);
  } else {
    hits = (await api.search(q)).clusters;
  }
  results.innerHTML = hits.length
    ? hits.map((h) => `<li><a href="#" data-select="${escapeHtml(h.id)}" data-fly="1"><b>${escapeHtml(h.name)}</b> <span class="muted small">level ${h.level}</span><br><span class="muted small">${escapeHtml(h.description.slice(0, 140))}</span></a></li>`).join('')
    : '<li class="muted">no cluster matches</li>';
  results.hidden = false;
}

// ---- start ----------------------------------------------------------------------------------------------

function wireEvents() {
  document.addEventListener('click', (event) => {
    const target = event.target as HTMLElement;
    const link = target.closest<HTMLElement>('[data-select]');
    if (link) {
      event.preventDefault();
      $('#search-results').hidden = true;
      void select(link.dataset.select!, { fly: true });
      return;
    }
    const traces = target.closest<HTMLElement>('[data-traces]');
    if (traces) return void showTraces(traces.dataset.traces!);
    const row = target.closest<HTMLElement>('.tree-row');
    if (row) {
      if (target.closest('.caret')) toggleExpanded(row.dataset.id!);
      else void select(row.dataset.id!, { fly: true });
      return;
    }
    const tab = target.closest<HTMLElement>('.tabs button');
    if (tab) showTab(tab.dataset.tab as 'cluster' | 'compare');
    if (!target.closest('#search')) $('#search-results').hidden = true;
  });
  $<HTMLSelectElement>('#sort').addEventListener('change', (event) => {
    state.sort = (event.target as HTMLSelectElement).value;
    saveState(true);
    renderTree();
  });
  $<HTMLInputElement>('#search-input').addEventListener('input', (event) => {
    window.clearTimeout(searchTimer);
    const q = (event.target as HTMLInputElement).value;
    searchTimer = window.setTimeout(() => void search(q), 150);
  });
  $('#clear-selection').addEventListener('click', () => void select(null));
}

async function start() {
  // A token in the query string has become a cookie; keep it out of URLs people copy.
  const url = new URL(location.href);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    history.replaceState(null, '', url.toString());
  }
  const [meta, clusters] = await Promise.all([api.meta(), api.clusters(), loadStaticIndex()]);
  model = buildModel(meta, clusters);
  document.title = `Clio explorer · ${meta.runId}`;
  renderHeader();
  wireEvents();
  renderTree();

  const initialLevel = state.camera ? Math.max(0, model.topLevel - Math.floor(Math.log(Math.max(1, state.camera.zoom)) / Math.log(2.5) + 1e-9)) : model.topLevel;
  const firstPoints = await api.points(initialLevel);
  pointLevels.set(initialLevel, Promise.resolve(firstPoints.clusters));
  positions = firstPoints.positions;
  map = createMap({
    container: $('#map'),
    positions: firstPoints.positions,
    clusters: model.clusters,
    onLevel: () => void syncIndexLevel(),
    onHover: (index, x, y) => {
      const tip = $('#tooltip');
      if (index === null || index === NO_CLUSTER || !model.clusters[index]) {
        tip.hidden = true;
        $('#map').style.cursor = '';
        return;
      }
      const c = model.clusters[index];
      const entry = overlay ? overlayShare.get(c.id) : undefined;
      tip.innerHTML = `<b>${escapeHtml(c.name)}</b><br>${formatCount(c.size)} conversations · ${formatShare(c.share)} of corpus${entry ? ` · overlay ${entry.few ? 'too few' : formatShare(entry.share)}` : ''}<br><span class="muted small">level ${c.level} · click to select</span>`;
      tip.style.transform = `translate(${x + 14}px, ${y + 14}px)`;
      tip.hidden = false;
      $('#map').style.cursor = 'pointer';
    },
    onSelect: (index) => void select(index === null ? null : model.clusters[index].id),
    onCamera: (camera) => {
      state.camera = camera;
      saveState();
    },
  });
  map.setIndices(initialLevel, firstPoints.clusters);
  await applyState(state);
  // A hash typed or pasted into the address bar (replaceState above fires no hashchange).
  window.addEventListener('hashchange', () => void applyState(hashToState(location.hash)));
  document.body.dataset.ready = 'true';
}

async function applyState(next: ViewState) {
  state = next;
  if (state.camera) map?.setCamera(state.camera);
  renderOverlayControls();
  renderCompareControls();
  await setOverlay(state.overlay);
  await runCompare(state.compare);
  await select(state.selected);
  if (state.compare) showTab('compare');
}

start().catch((error: unknown) => {
  console.error(error);
  $('#app-error').hidden = false;
  $('#app-error').textContent = `The explorer could not start: ${(error as Error).message}`;
});
