import { defineConfig } from 'vite';

// Plain Preact with the automatic JSX runtime; no inline scripts or styles in the output, so the
// server's strict Content-Security-Policy (script-src 'self'; style-src 'self') holds.
export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' } },
});
