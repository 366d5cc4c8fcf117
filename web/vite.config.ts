import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const webDir = fileURLToPath(new URL('.', import.meta.url));

// The portal is built into dist/web, which `fairbeam serve` serves at / (with an index.html fallback
// for client-side routes). In development, `vite --config web/vite.config.ts` proxies the API to a
// locally running `fairbeam serve` on its default port.
export default defineConfig({
  root: webDir,
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
