import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const previewDir = fileURLToPath(new URL('.', import.meta.url));

// The HDF5 preview is its own small page, loaded in an iframe by the dataset page. @h5web/app 16 needs
// React 18 (its 3D renderer, @react-three/fiber 8, does not run on React 19), while the portal is on
// React 19; so this build alone maps react/react-dom to the React 18 copies installed under the
// aliases react18/react-dom18. Built into dist/web/preview after the portal (whose build empties dist/web).
export default defineConfig({
  root: previewDir,
  base: '/preview/',
  plugins: [react()],
  resolve: {
    alias: [
      { find: /^react$/, replacement: 'react18' },
      { find: /^react\/(.*)$/, replacement: 'react18/$1' },
      { find: /^react-dom$/, replacement: 'react-dom18' },
      { find: /^react-dom\/(.*)$/, replacement: 'react-dom18/$1' },
    ],
    dedupe: ['react18', 'react-dom18'],
  },
  build: {
    outDir: fileURLToPath(new URL('../../dist/web/preview', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
  },
});
