import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The Herald that `npm run dashboard:dev` proxies API calls to; default a local `npm start`. */
const heraldUrl = process.env.HERALD_URL ?? 'http://127.0.0.1:8080';
const proxied = ['/v1', '/openapi.json', '/healthz', '/readyz', '/metrics'];

/**
 * The dashboard's build: `dashboard/` is the root, `dashboard/dist` the output that Herald serves
 * at `/` (src/http/routes/dashboard-routes.ts). The dev server proxies the API to `HERALD_URL`.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: heraldUrl, changeOrigin: true }])),
  },
});
