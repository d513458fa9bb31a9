import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

/** Where `npm run build:web` puts the web app (web/dist, beside the compiled server). */
export const WEB_APP_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** Paths the API and its own pages answer: never the web app's history fallback. */
const SERVER_PATHS = /^\/(graphql|healthz|metrics|storage|archives|auth|assets|sign-in|reset-password|unsubscribe)(\/|$)/;

/**
 * The Content-Security-Policy of the web app: its own scripts and styles only,
 * the API and its WebSocket on the same origin ('self' covers ws: in CSP 3),
 * and the object store's origin for thumbnails, uploads and downloads when it
 * is not this server (S3). Nothing inline, no frames, no plugins.
 */
export function webAppCsp(storeOrigins: string[]): string {
  const store = storeOrigins.length > 0 ? ` ${storeOrigins.join(' ')}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' blob: data:${store}`,
    "media-src 'self' blob:",
    `connect-src 'self'${store}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Serves the built web app: hashed assets under /assets cached for a year as
 * immutable, and index.html (never cached) for every other GET that asks for
 * HTML, so client routes such as /e/7K3P-9QXZ survive a reload. When the app
 * was not built, `/` says how to build it instead of a bare 404.
 */
export function webAppRoutes(options: { storeOrigins: () => Promise<string[]>; dir?: string }): Router {
  const dir = options.dir ?? WEB_APP_DIR;
  const router = express.Router();
  // Read at the first page served, once the server listens (its public URL may name the port then).
  let csp: Promise<string> | null = null;
  const security = {
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'permissions-policy': 'camera=(self), microphone=(), geolocation=()',
  };
  const indexFile = `${dir}index.html`;
  const built = existsSync(indexFile);
  const index = built ? readFileSync(indexFile) : null;

  router.use(
    '/assets',
    express.static(`${dir}assets`, {
      immutable: true,
      maxAge: '365d',
      index: false,
      fallthrough: false,
      setHeaders: (res) => res.setHeader('x-content-type-options', 'nosniff'),
    }),
  );
  for (const file of ['favicon.svg', 'robots.txt'].filter((name) => existsSync(`${dir}${name}`))) {
    router.get(`/${file}`, (_req, res) => {
      res.set({ 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff' }).sendFile(`${dir}${file}`);
    });
  }
  // A middleware, not a GET route on every path: Express would then answer every OPTIONS
  // request itself (Allow: GET, HEAD), and /graphql's CORS preflight would never reach cors().
  router.use(async (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || SERVER_PATHS.test(req.path) || !req.accepts('html')) return next();
    csp ??= options.storeOrigins().then(webAppCsp, (err: unknown) => {
      csp = null; // asked again at the next page
      throw err;
    });
    res.set({ ...security, 'content-security-policy': await csp, 'cache-control': 'no-cache' });
    if (!index) {
      res.status(503).type('text').send('The FindMe web app is not built in this installation: run `npm run build:web`, then start the server again. The API is at /graphql.');
      return;
    }
    res.type('html').send(index);
  });
  return router;
}
