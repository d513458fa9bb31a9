import express, { type Router } from 'express';
import { PAGES_CSS, PAGES_JS } from './pages/assets.js';

/** Nothing but this page's own script, style and the API on the same origin. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · FindMe</title>
<link rel="icon" href="/auth/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/auth/pages.css">
<script src="/auth/pages.js" defer></script>
</head>
<body>
<main>
<h1>${title}</h1>
${body}
<p id="status" role="status" aria-live="polite"></p>
</main>
</body>
</html>
`;
}

/**
 * The address the link signs in is shown before the button: a link someone
 * sent to trick a person into their own account (login CSRF) names the
 * sender's address, not the person's.
 */
const SIGN_IN = (email: string) =>
  page(
    'Sign in to FindMe',
    `<p>This link signs you in once, to the FindMe account of <strong id="account">${escapeHtml(email)}</strong>.</p>
<p>Is this not your email address? Then close this page: the link was not sent to you.</p>
<form id="sign-in" data-flow="sign-in">
<button type="submit">Sign in as ${escapeHtml(email)}</button>
</form>`,
  );

const SIGN_IN_SPENT = page(
  'This sign-in link does not work',
  `<p>This sign-in link is invalid, expired or already used. Ask for a new one on FindMe's sign-in page.</p>
<p><a href="/login">Go to the sign-in page</a></p>`,
);

const UNSUBSCRIBE = (token: string) =>
  page(
    'Stop the new-photo emails',
    `<p>Press the button to stop the emails about new photos of you at this event.</p>
<form method="post" action="/unsubscribe?token=${encodeURIComponent(token)}">
<button type="submit">Stop these emails</button>
</form>`,
  );

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const RESET = page(
  'Choose a new password',
  `<form id="reset" data-flow="reset-password">
<label for="password">New password (at least 10 characters)</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="10" required>
<label for="confirm">The same again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="10" required>
<button type="submit">Save the new password</button>
</form>`,
);

/**
 * The pages the links in FindMe's emails open (PUBLIC_URL/sign-in?token=…,
 * PUBLIC_URL/reset-password?token=…): each completes its flow against the API
 * of the same origin. The token is used only when the person presses the
 * button, so a mail scanner fetching the link spends nothing.
 */
export function authPages(deps: {
  unsubscribe: (token: string) => Promise<string | null>;
  /** The address a live sign-in link signs in (the link is not spent); null when it does not work. */
  signInAddress: (token: string) => Promise<string | null>;
}): Router {
  const router = express.Router();
  const script = PAGES_JS;
  const style = PAGES_CSS;
  const html = (body: string) => (_req: express.Request, res: express.Response) => {
    res.set({ 'content-security-policy': CSP, 'referrer-policy': 'no-referrer', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).type('html').send(body);
  };
  router.get('/sign-in', async (req, res) => {
    const token = typeof req.query['token'] === 'string' ? req.query['token'] : '';
    const email = token ? await deps.signInAddress(token) : null;
    if (email === null) res.status(404);
    html(email === null ? SIGN_IN_SPENT : SIGN_IN(email))(req, res);
  });
  // New-photo emails' link: a form that posts back (a scanner fetching the link changes nothing);
  // mail clients' one-click unsubscribe (RFC 8058) posts to the same address.
  router.get('/unsubscribe', (req, res) => {
    const token = typeof req.query['token'] === 'string' ? req.query['token'] : '';
    html(UNSUBSCRIBE(token))(req, res);
  });
  router.post('/unsubscribe', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const token = typeof req.query['token'] === 'string' ? req.query['token'] : '';
    const eventName = token ? await deps.unsubscribe(token) : null;
    res.status(eventName === null ? 404 : 200);
    html(
      eventName === null
        ? page('This link does not work', '<p>This unsubscribe link is not valid. Turn the emails off from the event page in FindMe instead.</p>')
        : page('Unsubscribed', `<p>You will no longer get emails about new photos at ${escapeHtml(eventName)}. You can turn them on again in FindMe.</p>`),
    )(req, res);
  });
  router.get('/reset-password', html(RESET));
  router.get('/auth/pages.js', (_req, res) => void res.set({ 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }).type('js').send(script));
  router.get('/auth/pages.css', (_req, res) => void res.set({ 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }).type('css').send(style));
  router.get('/auth/icon.svg', (_req, res) => void res.set({ 'cache-control': 'public, max-age=86400' }).type('svg').send(ICON));
  return router;
}

/** A camera-lens ring: FindMe's mark until the web app brings its own. */
const ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="13" fill="#0b57d0"/><circle cx="16" cy="16" r="6" fill="#fff"/></svg>';
