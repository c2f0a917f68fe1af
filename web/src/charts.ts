// Small chart functions that return SVG markup as strings: no state, no DOM access, so the HTML report
// can use them too. Every label is escaped; sizes are in CSS pixels and the SVG scales to its container.

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const formatCount = (n: number): string => n.toLocaleString('en-US');

export const formatShare = (share: number): string => {
  const percent = share * 100;
  if (percent === 0) return '0%';
  if (percent < 0.1) return '<0.1%';
  return `${percent < 10 ? percent.toFixed(1) : percent.toFixed(0)}%`;
};

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  if (abs >= 100 || Number.isInteger(n)) return n.toFixed(0);
  return n.toFixed(abs >= 10 ? 1 : 2);
}

export interface BarsOptions {
  /** Shares are computed against this; defaults to the sum of the values. */
  total?: number;
  width?: number;
  color?: string;
  /** Rows beyond this are summed into one "other" row. */
  maxRows?: number;
}

/** Horizontal bars, one row per category: label, bar, count and share. */
export function barsChart(items: { value: string; count: number }[], options: BarsOptions = {}): string {
  const { width = 320, color = '#5b6cf0', maxRows = 8 } = options;
  if (items.length === 0) return '<p class="chart-empty">no values</p>';
  const sorted = [...items].sort((a, b) => b.count - a.count);
  const rows = sorted.slice(0, maxRows);
  const rest = sorted.slice(maxRows).reduce((sum, item) => sum + item.count, 0);
  if (rest > 0) rows.push({ value: `${sorted.length - maxRows} more`, count: rest });
  const total = options.total ?? sorted.reduce((sum, item) => sum + item.count, 0);
  const rowHeight = 20;
  const labelWidth = Math.round(width * 0.4);
  const labelChars = Math.floor((labelWidth - 8) / 6.2);
  const numberWidth = 84;
  const barSpace = width - labelWidth - numberWidth;
  const max = Math.max(...rows.map((r) => r.count), 1);
  const body = rows
    .map((row, i) => {
      const y = i * rowHeight;
      const barWidth = Math.max(1, (row.count / max) * barSpace);
      const share = total > 0 ? row.count / total : 0;
      return `<g transform="translate(0,${y})"><title>${escapeHtml(row.value)}: ${formatCount(row.count)} (${formatShare(share)})</title>
<text x="${labelWidth - 6}" y="14" text-anchor="end" class="chart-label">${escapeHtml(truncate(row.value, labelChars))}</text>
<rect x="${labelWidth}" y="4" width="${barWidth.toFixed(1)}" height="${rowHeight - 7}" rx="2" fill="${color}"/>
<text x="${width}" y="14" text-anchor="end" class="chart-value">${formatCount(row.count)} · ${formatShare(share)}</text></g>`;
    })
    .join('');
  const height = rows.length * rowHeight;
  return `<svg class="chart chart-bars" viewBox="0 0 ${width} ${height}" width="100%" role="img">${body}</svg>`;
}

/** Vertical histogram of number bins, with the range under it. */
export function histogramChart(bins: { from: number; to: number; count: number }[], options: { width?: number; height?: number; color?: string } = {}): string {
  const { width = 320, height = 90, color = '#5b6cf0' } = options;
  if (bins.length === 0) return '<p class="chart-empty">no values</p>';
  const plotHeight = height - 18;
  const max = Math.max(...bins.map((b) => b.count), 1);
  const step = width / bins.length;
  const total = bins.reduce((sum, b) => sum + b.count, 0);
  const bars = bins
    .map((bin, i) => {
      const h = (bin.count / max) * (plotHeight - 2);
      return `<rect x="${(i * step + 1).toFixed(1)}" y="${(plotHeight - h).toFixed(1)}" width="${Math.max(1, step - 2).toFixed(1)}" height="${Math.max(h, bin.count > 0 ? 1 : 0).toFixed(1)}" fill="${color}"><title>${formatNumber(bin.from)}–${formatNumber(bin.to)}: ${formatCount(bin.count)} (${formatShare(total ? bin.count / total : 0)})</title></rect>`;
    })
    .join('');
  const axis = `<line x1="0" x2="${width}" y1="${plotHeight + 0.5}" y2="${plotHeight + 0.5}" class="chart-axis"/>
<text x="0" y="${height - 3}" class="chart-label">${formatNumber(bins[0].from)}</text>
<text x="${width}" y="${height - 3}" text-anchor="end" class="chart-label">${formatNumber(bins[bins.length - 1].to)}</text>`;
  return `<svg class="chart chart-histogram" viewBox="0 0 ${width} ${height}" width="100%" role="img">${bars}${axis}</svg>`;
}

/** Conversations per period as an area with a line; periods are labels (e.g. 2023-04) in order. */
export function timelineChart(periods: { period: string; count: number }[], options: { width?: number; height?: number; color?: string } = {}): string {
  const { width = 320, height = 80, color = '#5b6cf0' } = options;
  if (periods.length === 0) return '<p class="chart-empty">no dates</p>';
  const plotHeight = height - 18;
  const max = Math.max(...periods.map((p) => p.count), 1);
  const x = (i: number) => (periods.length === 1 ? width / 2 : (i / (periods.length - 1)) * width);
  const y = (count: number) => plotHeight - (count / max) * (plotHeight - 4);
  const line = periods.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.count).toFixed(1)}`).join('');
  const area = `${line}L${x(periods.length - 1).toFixed(1)},${plotHeight}L${x(0).toFixed(1)},${plotHeight}Z`;
  const dots = periods
    .map((p, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(p.count).toFixed(1)}" r="${periods.length > 40 ? 0 : 2}" fill="${color}"><title>${escapeHtml(p.period)}: ${formatCount(p.count)}</title></circle>`)
    .join('');
  const labels = `<text x="0" y="${height - 3}" class="chart-label">${escapeHtml(periods[0].period)}</text>
<text x="${width}" y="${height - 3}" text-anchor="end" class="chart-label">${escapeHtml(periods[periods.length - 1].period)}</text>`;
  return `<svg class="chart chart-timeline" viewBox="0 0 ${width} ${height}" width="100%" role="img">
<path d="${area}" fill="${color}" fill-opacity="0.18"/><path d="${line}" fill="none" stroke="${color}" stroke-width="1.5"/>${dots}
<line x1="0" x2="${width}" y1="${plotHeight + 0.5}" y2="${plotHeight + 0.5}" class="chart-axis"/>${labels}</svg>`;
}

/** A thin inline bar for a share (0..1) next to a number in a table or tree row. */
export function shareBar(share: number, color = '#5b6cf0'): string {
  const width = Math.max(0, Math.min(1, share)) * 100;
  return `<span class="share-bar"><span style="width:${width.toFixed(1)}%;background:${color}"></span></span>`;
}

const truncate = (text: string, length: number): string => (text.length > length ? `${text.slice(0, length - 1)}…` : text);
