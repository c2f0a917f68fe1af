// The map: every conversation as one point, drawn by WebGL2 in a single call from typed arrays. Each
// point carries the index of its cluster (at one level of the hierarchy); a palette texture maps cluster
// index to colour, so recolouring (overlay, selection) only rewrites the small texture. Labels are HTML
// over the canvas: top-level names always, finer levels as the zoom grows.
// Level of detail: the GPU buffers hold the points in a fixed random order, so while the view moves a
// frame draws only the first INTERACTIVE_POINTS of them (an unbiased sample) and all of them once the
// view has been still for SETTLE_MS. Without a GPU (SwiftShader) a million points take seconds a frame.
// Frames are drawn only when something changed, at most one per animation frame.
import { NO_CLUSTER, type Cluster } from './api.ts';
import type { Camera } from './state.ts';

export interface MapLabel {
  index: number;
  cluster: Cluster;
  color: string;
}

export interface MapOptions {
  container: HTMLElement;
  positions: Float32Array;
  clusters: Cluster[];
  /** The level shown as labels (and hovered or clicked) changed with the zoom. */
  onLevel: (level: number) => void;
  onHover: (clusterIndex: number | null, clientX: number, clientY: number) => void;
  onSelect: (clusterIndex: number | null) => void;
  onCamera: (camera: Camera) => void;
}

export interface ExplorerMap {
  setIndices: (level: number, indices: Uint32Array) => void;
  /** RGBA per cluster index, 4 bytes each. */
  setPalette: (rgba: Uint8Array) => void;
  setLabelColor: (colorOf: (clusterIndex: number) => string) => void;
  setCamera: (camera: Camera) => void;
  camera: () => Camera;
  displayLevel: () => number;
  /** Animates the camera so the world rectangle [minX, minY, maxX, maxY] fills the view. */
  fitBounds: (bounds: Bounds) => void;
  /** The world rectangle the view shows now, [minX, minY, maxX, maxY]. */
  viewBounds: () => Bounds;
  isFlying: () => boolean;
  resize: () => void;
}

export type Bounds = [number, number, number, number];

declare global {
  interface Window {
    /** When a page (the bench) sets it to an array, every drawn frame is logged: its animation-frame time and point count. */
    CLIO_FRAME_LOG?: { time: number; points: number }[];
  }
}

const ZOOM_PER_LEVEL = 2.5;
const INTERACTIVE_POINTS = 100_000;
const SETTLE_MS = 150;
const PALETTE_WIDTH = 2048;
const MIN_ZOOM = 0.5;
const MAX_ZOOM = 4000;
/** A cluster packed into one spot is not blown up past this when the view fits it. */
const MAX_FIT_ZOOM = 60;

const VERTEX = `#version 300 es
precision highp float;
precision highp int;
in vec2 a_position;
in uint a_cluster;
uniform vec2 u_center;
uniform vec2 u_scale;
uniform float u_pointSize;
uniform float u_alpha;
uniform sampler2D u_palette;
out vec4 v_color;
void main() {
  gl_Position = vec4((a_position - u_center) * u_scale, 0.0, 1.0);
  gl_PointSize = u_pointSize;
  if (a_cluster == 0xFFFFFFFFu) {
    v_color = vec4(0.6, 0.6, 0.6, 0.25 * u_alpha);
  } else {
    int i = int(a_cluster);
    vec4 c = texelFetch(u_palette, ivec2(i % ${PALETTE_WIDTH}, i / ${PALETTE_WIDTH}), 0);
    v_color = vec4(c.rgb, c.a * u_alpha);
  }
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
in vec4 v_color;
uniform float u_round;
out vec4 color;
void main() {
  if (u_round > 0.5) {
    vec2 d = gl_PointCoord - 0.5;
    if (dot(d, d) > 0.25) discard;
  }
  color = vec4(v_color.rgb * v_color.a, v_color.a);
}`;

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type)!;
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(shader)}`);
  return shader;
}

export function createMap(options: MapOptions): ExplorerMap {
  const { container, positions, clusters } = options;
  const count = positions.length / 2;
  const canvas = document.createElement('canvas');
  canvas.className = 'map-canvas';
  const labelLayer = document.createElement('div');
  labelLayer.className = 'map-labels';
  container.append(canvas, labelLayer);

  const gl = canvas.getContext('webgl2', { antialias: false, premultipliedAlpha: true, alpha: false });
  if (!gl) throw new Error('this browser has no WebGL2; the map needs it');
  const program = gl.createProgram()!;
  gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
  gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
  gl.linkProgram(program);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`shader link: ${gl.getProgramInfoLog(program)}`);
  const uniform = (name: string) => gl.getUniformLocation(program, name);
  const u = { center: uniform('u_center'), scale: uniform('u_scale'), pointSize: uniform('u_pointSize'), alpha: uniform('u_alpha'), palette: uniform('u_palette'), round: uniform('u_round') };

  // Buffer slot k holds point order[k]: any prefix of the buffers is a uniform random sample.
  const order = shuffledOrder(count);
  const shuffledPositions = new Float32Array(count * 2);
  for (let k = 0; k < count; k++) {
    shuffledPositions[2 * k] = positions[2 * order[k]];
    shuffledPositions[2 * k + 1] = positions[2 * order[k] + 1];
  }
  const vao = gl.createVertexArray();
  gl.bindVertexArray(vao);
  const positionBuffer = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, positionBuffer);
  gl.bufferData(gl.ARRAY_BUFFER, shuffledPositions, gl.STATIC_DRAW);
  const positionLocation = gl.getAttribLocation(program, 'a_position');
  gl.enableVertexAttribArray(positionLocation);
  gl.vertexAttribPointer(positionLocation, 2, gl.FLOAT, false, 0, 0);
  const clusterLocation = gl.getAttribLocation(program, 'a_cluster');
  const indexBuffers = new Map<number, WebGLBuffer>();
  const indexArrays = new Map<number, Uint32Array>();
  let indexLevel = -1;

  const paletteTexture = gl.createTexture();
  gl.bindTexture(gl.TEXTURE_2D, paletteTexture);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
  const paletteRows = Math.max(1, Math.ceil(clusters.length / PALETTE_WIDTH));

  // Data bounds and a uniform grid over them for picking the point under the cursor.
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < count; i++) {
    const x = positions[2 * i], y = positions[2 * i + 1];
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (count === 0) [minX, minY, maxX, maxY] = [-1, -1, 1, 1];
  const spanX = Math.max(maxX - minX, 1e-9), spanY = Math.max(maxY - minY, 1e-9);
  const GRID = 256;
  const cellOf = (x: number, y: number) =>
    Math.min(GRID - 1, Math.max(0, Math.floor(((x - minX) / spanX) * GRID))) + GRID * Math.min(GRID - 1, Math.max(0, Math.floor(((y - minY) / spanY) * GRID)));
  const cellStart = new Uint32Array(GRID * GRID + 1);
  const cells = new Uint32Array(count);
  for (let i = 0; i < count; i++) cellStart[cellOf(positions[2 * i], positions[2 * i + 1]) + 1]++;
  for (let c = 0; c < GRID * GRID; c++) cellStart[c + 1] += cellStart[c];
  const fill = cellStart.slice(0, GRID * GRID);
  for (let i = 0; i < count; i++) cells[fill[cellOf(positions[2 * i], positions[2 * i + 1])]++] = i;

  const topLevel = clusters.reduce((max, c) => Math.max(max, c.level), 0);
  let camera: Camera = { x: (minX + maxX) / 2, y: (minY + maxY) / 2, zoom: 1 };
  let width = 1, height = 1, dpr = 1;
  let labelColor: (index: number) => string = () => '#222';
  let shownLevel = -1;

  const fitScale = () => Math.min(width / spanX, height / spanY) * 0.9;
  const pixelsPerUnit = () => fitScale() * camera.zoom;
  const toScreen = (x: number, y: number): [number, number] => [width / 2 + (x - camera.x) * pixelsPerUnit(), height / 2 - (y - camera.y) * pixelsPerUnit()];
  const toWorld = (sx: number, sy: number): [number, number] => [camera.x + (sx - width / 2) / pixelsPerUnit(), camera.y - (sy - height / 2) / pixelsPerUnit()];
  const levelForZoom = (zoom: number) => Math.max(0, topLevel - Math.floor(Math.log(Math.max(zoom, 1)) / Math.log(ZOOM_PER_LEVEL) + 1e-9));

  // Pointer: drag pans, wheel zooms about the cursor, a click without movement selects.
  let drag: { x: number; y: number; moved: boolean; camera: Camera } | null = null;
  let frameRequested = false;
  let firstFullFrame = false;
  const requestDraw = () => {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(draw);
  };
  // True from a camera move until the view has been still for SETTLE_MS and no drag is under way (a
  // full frame in the middle of a drag would stall it); then one full frame follows.
  let moving = false;
  let settleTimer = 0;
  const settleSoon = () => {
    window.clearTimeout(settleTimer);
    settleTimer = window.setTimeout(() => {
      if (drag?.moved) return;
      moving = false;
      requestDraw();
    }, SETTLE_MS);
  };
  const cameraMoved = () => {
    moving = true;
    settleSoon();
    requestDraw();
  };

  function draw(time: number) {
    frameRequested = false;
    const level = levelForZoom(camera.zoom);
    if (level !== shownLevel) {
      shownLevel = level;
      options.onLevel(level);
    }
    gl!.viewport(0, 0, canvas.width, canvas.height);
    gl!.clearColor(0.975, 0.978, 0.985, 1);
    gl!.clear(gl!.COLOR_BUFFER_BIT);
    if (indexLevel >= 0) {
      gl!.useProgram(program);
      gl!.bindVertexArray(vao);
      gl!.enable(gl!.BLEND);
      gl!.blendFunc(gl!.ONE, gl!.ONE_MINUS_SRC_ALPHA);
      const ppu = pixelsPerUnit();
      gl!.uniform2f(u.center, camera.x, camera.y);
      gl!.uniform2f(u.scale, (2 * ppu) / width, (2 * ppu) / height);
      const drawn = moving ? Math.min(count, INTERACTIVE_POINTS) : count;
      // Points grow with the zoom, from a size that keeps the points drawn readable at zoom 1 (a sample
      // is drawn with larger, more opaque points, so it looks about as dense as the whole).
      const base = Math.sqrt((width * height) / Math.max(drawn, 1)) * 0.35;
      const size = Math.min(12, Math.max(1.5, base * Math.sqrt(camera.zoom))) * dpr;
      gl!.uniform1f(u.pointSize, size);
      gl!.uniform1f(u.round, size >= 4 ? 1 : 0);
      gl!.uniform1f(u.alpha, drawn > 200_000 ? 0.45 : drawn > 20_000 ? 0.65 : 0.85);
      gl!.activeTexture(gl!.TEXTURE0);
      gl!.bindTexture(gl!.TEXTURE_2D, paletteTexture);
      gl!.uniform1i(u.palette, 0);
      gl!.drawArrays(gl!.POINTS, 0, drawn);
      window.CLIO_FRAME_LOG?.push({ time, points: drawn });
      if (!firstFullFrame && drawn === count) {
        firstFullFrame = true;
        // The frame is on screen by the next animation frame: that is what "first render" measures.
        requestAnimationFrame(() => performance.mark('clio:first-frame', { detail: { points: count } }));
      }
    }
    drawLabels(level);
  }

  // Broad levels first, then larger clusters: they win when labels would overlap.
  const labelOrder = clusters
    .map((cluster, index) => ({ cluster, index }))
    .filter(({ cluster }) => Number.isFinite(cluster.x) && Number.isFinite(cluster.y))
    .sort((a, b) => b.cluster.level - a.cluster.level || b.cluster.size - a.cluster.size);
  const labelPool: HTMLDivElement[] = [];
  function drawLabels(level: number) {
    const boxes: [number, number, number, number][] = [];
    let used = 0;
    for (const { cluster, index } of labelOrder) {
      if (used >= 120 || cluster.level < level) break;
      const [sx, sy] = toScreen(cluster.x!, cluster.y!); // labelOrder holds only clusters with a position
      if (sx < -50 || sy < -20 || sx > width + 50 || sy > height + 20) continue;
      const isTop = cluster.level === topLevel;
      const text = cluster.name.length > 42 ? `${cluster.name.slice(0, 40)}…` : cluster.name;
      const w = text.length * (isTop ? 7.4 : 6.2) + 12, h = isTop ? 22 : 18;
      // Top-level names must all show: they try a few positions around their centre before giving up.
      const offsets = isTop ? [0, -h, h, -2 * h, 2 * h] : [0];
      const overlaps = (b: [number, number, number, number]) => boxes.some((o) => b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]);
      let box: [number, number, number, number] | null = null;
      for (const dy of offsets) {
        // Kept inside the view when the centre is near its edge, so no name is cut off.
        const cx = Math.min(width - w / 2 - 2, Math.max(w / 2 + 2, sx));
        const candidate: [number, number, number, number] = [cx - w / 2, sy + dy - h / 2, cx + w / 2, sy + dy + h / 2];
        if (!overlaps(candidate)) {
          box = candidate;
          break;
        }
      }
      if (!box) continue;
      boxes.push(box);
      let element = labelPool[used];
      if (!element) {
        element = document.createElement('div');
        labelPool.push(element);
        labelLayer.append(element);
      }
      element.className = `map-label level-${isTop ? 'top' : 'fine'}`;
      element.textContent = text;
      element.title = cluster.name;
      element.dataset.cluster = cluster.id;
      element.style.transform = `translate(${box[0].toFixed(1)}px, ${box[1].toFixed(1)}px)`;
      element.style.setProperty('--label-color', labelColor(index));
      element.hidden = false;
      used++;
    }
    for (let i = used; i < labelPool.length; i++) labelPool[i].hidden = true;
  }

  function pick(sx: number, sy: number): number | null {
    const indices = indexArrays.get(indexLevel);
    if (!indices || count === 0) return null;
    const [wx, wy] = toWorld(sx, sy);
    const radius = 8 / pixelsPerUnit();
    const c0x = Math.max(0, Math.floor(((wx - radius - minX) / spanX) * GRID)), c1x = Math.min(GRID - 1, Math.floor(((wx + radius - minX) / spanX) * GRID));
    const c0y = Math.max(0, Math.floor(((wy - radius - minY) / spanY) * GRID)), c1y = Math.min(GRID - 1, Math.floor(((wy + radius - minY) / spanY) * GRID));
    let best = -1, bestDistance = radius * radius, checked = 0;
    for (let cy = c0y; cy <= c1y; cy++) {
      for (let cx = c0x; cx <= c1x; cx++) {
        const cell = cx + GRID * cy;
        for (let k = cellStart[cell]; k < cellStart[cell + 1] && checked < 50_000; k++, checked++) {
          const i = cells[k];
          const dx = positions[2 * i] - wx, dy = positions[2 * i + 1] - wy;
          const d = dx * dx + dy * dy;
          if (d < bestDistance) {
            bestDistance = d;
            best = i;
          }
        }
      }
    }
    if (best < 0 || indices[best] === NO_CLUSTER) return null;
    return indices[best];
  }


  let flight = 0;
  let flying = false;
  const stopFlight = () => {
    cancelAnimationFrame(flight);
    flying = false;
  };
  const changed = () => {
    cameraMoved();
    options.onCamera({ ...camera });
  };
  canvas.addEventListener('pointerdown', (event) => {
    canvas.setPointerCapture(event.pointerId);
    drag = { x: event.clientX, y: event.clientY, moved: false, camera: { ...camera } };
    stopFlight();
  });
  canvas.addEventListener('pointermove', (event) => {
    const rect = canvas.getBoundingClientRect();
    if (drag) {
      const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) {
        camera = { ...camera, x: drag.camera.x - dx / pixelsPerUnit(), y: drag.camera.y + dy / pixelsPerUnit() };
        changed();
        return;
      }
    }
    options.onHover(pick(event.clientX - rect.left, event.clientY - rect.top), event.clientX, event.clientY);
  });
  canvas.addEventListener('pointerleave', () => options.onHover(null, 0, 0));
  canvas.addEventListener('pointerup', (event) => {
    if (drag && !drag.moved) {
      const rect = canvas.getBoundingClientRect();
      options.onSelect(pick(event.clientX - rect.left, event.clientY - rect.top));
    }
    if (drag?.moved) settleSoon();
    drag = null;
  });
  canvas.addEventListener('pointercancel', () => {
    if (drag?.moved) settleSoon();
    drag = null;
  });
  canvas.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      const rect = canvas.getBoundingClientRect();
      const sx = event.clientX - rect.left, sy = event.clientY - rect.top;
      const [wx, wy] = toWorld(sx, sy);
      const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, camera.zoom * Math.exp(-event.deltaY * (event.deltaMode === 1 ? 0.05 : 0.0015))));
      camera = { ...camera, zoom };
      // Keep the point under the cursor where it is.
      const [ax, ay] = toWorld(sx, sy);
      camera = { ...camera, x: camera.x + wx - ax, y: camera.y + wy - ay };
      stopFlight();
      changed();
    },
    { passive: false },
  );

  function resize() {
    dpr = window.devicePixelRatio || 1;
    const rect = container.getBoundingClientRect();
    width = Math.max(1, rect.width);
    height = Math.max(1, rect.height);
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    requestDraw();
  }
  new ResizeObserver(resize).observe(container);
  resize();

  return {
    setIndices(level, indices) {
      let buffer = indexBuffers.get(level);
      if (!buffer) {
        const shuffled = new Uint32Array(count);
        for (let k = 0; k < count; k++) shuffled[k] = indices[order[k]];
        buffer = gl.createBuffer()!;
        gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
        gl.bufferData(gl.ARRAY_BUFFER, shuffled, gl.STATIC_DRAW);
        indexBuffers.set(level, buffer);
        indexArrays.set(level, indices);
      }
      if (level === indexLevel) return;
      indexLevel = level;
      gl.bindVertexArray(vao);
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.enableVertexAttribArray(clusterLocation);
      gl.vertexAttribIPointer(clusterLocation, 1, gl.UNSIGNED_INT, 0, 0);
      requestDraw();
    },
    setPalette(rgba) {
      const data = new Uint8Array(PALETTE_WIDTH * paletteRows * 4);
      data.set(rgba.subarray(0, data.length));
      gl.bindTexture(gl.TEXTURE_2D, paletteTexture);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, PALETTE_WIDTH, paletteRows, 0, gl.RGBA, gl.UNSIGNED_BYTE, data);
      requestDraw();
    },
    setLabelColor(colorOf) {
      labelColor = colorOf;
      requestDraw();
    },
    setCamera(next) {
      if (next.x === camera.x && next.y === camera.y && next.zoom === camera.zoom) return;
      camera = { ...next };
      requestDraw();
    },
    camera: () => ({ ...camera }),
    displayLevel: () => levelForZoom(camera.zoom),
    fitBounds([x0, y0, x1, y1]) {
      const from = { ...camera };
      const fitZoom = Math.min(width / Math.max(x1 - x0, 1e-9), height / Math.max(y1 - y0, 1e-9)) / fitScale();
      const to: Camera = { x: (x0 + x1) / 2, y: (y0 + y1) / 2, zoom: Math.min(MAX_FIT_ZOOM, Math.max(MIN_ZOOM, fitZoom)) };
      const started = performance.now();
      cancelAnimationFrame(flight);
      flying = true;
      const step = () => {
        const t = Math.min(1, (performance.now() - started) / 450);
        const e = t * t * (3 - 2 * t);
        camera = { x: from.x + (to.x - from.x) * e, y: from.y + (to.y - from.y) * e, zoom: from.zoom * Math.pow(to.zoom / from.zoom, e) };
        changed();
        if (t < 1) flight = requestAnimationFrame(step);
        else flying = false;
      };
      flight = requestAnimationFrame(step);
    },
    viewBounds() {
      const [x0, y1] = toWorld(0, 0);
      const [x1, y0] = toWorld(width, height);
      return [x0, y0, x1, y1];
    },
    isFlying: () => flying,
    resize,
  };
}

/** 0 .. count-1 in a fixed pseudo-random order (Fisher-Yates with a seeded xorshift: the same every load). */
function shuffledOrder(count: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  let seed = 0x9e3779b9;
  for (let i = count - 1; i > 0; i--) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const j = (seed >>> 0) % (i + 1);
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order;
}
