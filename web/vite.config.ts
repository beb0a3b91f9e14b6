import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The dashboard: web/ → web/dist, served as static files at / by the API server (src/server/app.ts).
 * Everything it needs is bundled; nothing is fetched from a CDN at run time.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npx vite --config web/vite.config.ts` during development, with a serving demo on :8080.
    proxy: { '/v1': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
