// Serves the built web app. A request path is decoded once and refused (400) when it holds anything
// that could step outside the app folder: a '..' or '.' segment, a backslash, a NUL, a leftover '%'
// (double encoding), a drive letter; the resolved file must still lie inside the folder after symlinks.
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type { Context } from 'hono';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
};

export function contentType(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** The app-relative file a URL path names, or an error message when the path is not acceptable. */
export function safeRelativePath(rawPath: string): { path: string } | { error: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { error: 'malformed percent-encoding in path' };
  }
  if (/[\0\\%]/.test(decoded) || /[\u0000-\u001f]/.test(decoded)) return { error: 'path holds a forbidden character' };
  if (!decoded.startsWith('/') || decoded.startsWith('//')) return { error: 'path must be relative to the app' };
  const segments = decoded.slice(1).split('/');
  if (segments.some((s) => s === '..' || s === '.' || /^[a-zA-Z]:/.test(s))) return { error: 'path leaves the app folder' };
  const path = segments.filter(Boolean).join('/');
  return { path: path === '' ? 'index.html' : path };
}

export async function serveStaticFile(c: Context, staticDir: string): Promise<Response> {
  const checked = safeRelativePath(new URL(c.req.url).pathname);
  if ('error' in checked) return c.json({ error: checked.error }, 400);
  const root = resolve(staticDir);
  const file = await insideFile(root, checked.path);
  if (!file) {
    if (checked.path === 'index.html') return c.json({ error: `the web app is not built (no ${join(root, 'index.html')}); run \`npm run build:web\`` }, 404);
    return c.json({ error: `not found: ${c.req.path}` }, 404);
  }
  const body = await readFile(file);
  const headers = { 'Content-Type': contentType(file), 'Content-Length': String(body.byteLength), 'Cache-Control': 'no-cache' };
  return c.req.method === 'HEAD' ? c.body(null, 200, headers) : c.body(body, 200, headers);
}

/** The real path of a regular file inside `root`, or undefined. */
async function insideFile(root: string, relative: string): Promise<string | undefined> {
  try {
    const realRoot = await realpath(root);
    const real = await realpath(resolve(root, relative));
    if (!real.startsWith(realRoot + sep)) return undefined;
    return (await stat(real)).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}
