import { gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** The guest route's budget: the JavaScript a phone loads before the join page shows. */
const GUEST_BUDGET_BYTES = 200 * 1024;

/**
 * Prints the initial JavaScript of the guest route (the entry chunk and every
 * chunk it imports statically; the photographer and admin pages load later)
 * gzipped, and fails the build past the budget.
 */
function guestBudget(): Plugin {
  return {
    name: 'findme-guest-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = new Map(Object.values(bundle).flatMap((c) => (c.type === 'chunk' ? [[c.fileName, c] as const] : [])));
      const entry = [...chunks.values()].find((c) => c.isEntry);
      if (!entry) throw new Error('no entry chunk');
      const initial = new Set<string>();
      const visit = (name: string) => {
        if (initial.has(name)) return;
        initial.add(name);
        for (const dep of chunks.get(name)?.imports ?? []) visit(dep);
      };
      visit(entry.fileName);
      const gzip = [...initial].reduce((sum, name) => sum + gzipSync(chunks.get(name)!.code, { level: 9 }).length, 0);
      const kb = (gzip / 1024).toFixed(1);
      console.log(`\nguest route initial JavaScript: ${kb} KB gzip in ${initial.size} file(s) (budget ${GUEST_BUDGET_BYTES / 1024} KB)\n`);
      if (gzip > GUEST_BUDGET_BYTES) this.error(`the guest route's initial JavaScript is ${kb} KB gzip, over its ${GUEST_BUDGET_BYTES / 1024} KB budget`);
    },
  };
}

const api = process.env['FINDME_API'] ?? 'http://localhost:4000';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), guestBudget()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: 5173,
    // `npm run dev`: the API, its WebSocket and its file routes from a running `findme serve`.
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: true },
      '/storage': { target: api, changeOrigin: true },
      '/archives': { target: api, changeOrigin: true },
      '/sign-in': { target: api, changeOrigin: true },
      '/reset-password': { target: api, changeOrigin: true },
      '/unsubscribe': { target: api, changeOrigin: true },
      '/auth': { target: api, changeOrigin: true },
    },
  },
});
