// The explorer's HTTP app: the JSON/binary API over one analysed run (see data.ts for what may leave
// the workspace), the built web app from dist/web, an optional access token, and security headers.
// `createExplorerApp` returns a Hono app: tests call `app.request()`, `startExplorerServer` listens.
import { createHash, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { latestReportableRun } from '../report/index.ts';
import type { Workspace } from '../store/workspace.ts';
import { loadExplorerData, RequestError, type ExplorerData, type FacetFilter } from './data.ts';
import { serveStaticFile } from './static.ts';

export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));
export const TOKEN_COOKIE = 'clio_token';
export const TRACES_OFF = 'traces are off; start clio serve with --allow-traces';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface ExplorerAppOptions {
  ws: Workspace;
  /** Default: the run whose privacy thresholds were applied last. */
  runId?: string;
  allowTraces: boolean;
  /** When set, every request must carry it (Bearer header, cookie, or `?token=` which sets the cookie). */
  token?: string;
  /** The built web app (default: dist/web of this package). */
  staticDir?: string;
}

const Level = z.object({ level: z.string().regex(/^\d{1,3}$/, 'level must be a whole number').transform(Number).optional() });
const finite = z.string().max(40).transform(Number).pipe(z.number().finite());
const Filter = z
  .object({ facet: z.string().min(1).max(200), value: z.string().max(500).optional(), min: finite.optional(), max: finite.optional() })
  .refine((q) => (q.value !== undefined) !== (q.min !== undefined || q.max !== undefined), 'give either value (category facet) or min and/or max (number facet)')
  .refine((q) => q.min === undefined || q.max === undefined || q.min < q.max, 'min must be below max')
  .transform((q): FacetFilter => (q.value !== undefined ? { facet: q.facet, value: q.value } : { facet: q.facet, min: q.min, max: q.max }));
const Search = z.object({ q: z.string().trim().min(1, 'q must not be empty').max(200) });

export function createExplorerApp(options: ExplorerAppOptions): Hono {
  const app = new Hono();
  const staticDir = options.staticDir ?? DEFAULT_STATIC_DIR;
  let loaded: Promise<ExplorerData> | undefined;
  const data = () =>
    (loaded ??= (async () => loadExplorerData(options.ws, options.runId ?? (await latestReportableRun(options.ws))))().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));

  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    if (c.req.path.startsWith('/api/')) c.header('Cache-Control', 'no-store');
  });

  if (options.token !== undefined) {
    const expected = digest(options.token);
    const matches = (candidate: string | undefined) => candidate !== undefined && timingSafeEqual(digest(candidate), expected);
    app.use('*', async (c, next) => {
      const header = c.req.header('authorization');
      const bearer = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
      if (matches(bearer) || matches(getCookie(c, TOKEN_COOKIE))) return next();
      const fromQuery = c.req.query('token');
      if (matches(fromQuery)) {
        setCookie(c, TOKEN_COOKIE, fromQuery!, { httpOnly: true, sameSite: 'Strict', path: '/' });
        if (c.req.method === 'GET' && !c.req.path.startsWith('/api/')) {
          // Drop the token from the address bar (and history) once the cookie holds it.
          const url = new URL(c.req.url);
          url.searchParams.delete('token');
          return c.redirect(`${url.pathname}${url.search}`, 302);
        }
        return next();
      }
      return c.json({ error: 'missing or wrong access token: open the URL that clio serve printed, or send Authorization: Bearer TOKEN' }, 401);
    });
  }

  app.get('/api/meta', async (c) => c.json((await data()).meta(options.allowTraces)));
  app.get('/api/clusters', async (c) => c.json({ clusters: (await data()).clusters }));
  app.get('/api/clusters/:id', async (c) => c.json(await (await data()).cluster(c.req.param('id'))));
  app.get('/api/points', async (c) => {
    const { level } = parse(Level, c);
    const body = await (await data()).points(level ?? 0);
    return c.body(body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(body.byteLength) });
  });
  app.get('/api/overlay', async (c) => c.json(await (await data()).overlay(parse(Filter, c))));
  app.get('/api/compare', async (c) => c.json(await (await data()).compare(parse(Filter, c))));
  app.get('/api/search', async (c) => c.json({ clusters: (await data()).search(parse(Search, c).q) }));
  app.get('/api/traces/:id', async (c) => {
    if (!options.allowTraces) return c.json({ error: TRACES_OFF }, 403);
    return c.json({ traces: await (await data()).traces(c.req.param('id')) });
  });
  app.all('/api/*', (c) => c.json({ error: `no API endpoint ${c.req.method} ${c.req.path}` }, 404));
  app.on(['GET', 'HEAD'], '*', (c) => serveStaticFile(c, staticDir));
  app.notFound((c) => c.json({ error: `not found: ${c.req.method} ${c.req.path}` }, 404));

  app.onError((error, c) => {
    if (error instanceof RequestError) return c.json({ error: error.message }, error.status);
    console.error(`clio serve: ${c.req.method} ${c.req.path} failed:`, error);
    return c.json({ error: 'internal error (details are in the server log)' }, 500);
  });
  return app;
}

function parse<T>(schema: z.ZodType<T>, c: Context): T {
  const result = schema.safeParse(c.req.query());
  if (!result.success) throw new RequestError(400, z.prettifyError(result.error));
  return result.data;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
