import { defineConfig } from 'vite';

// The web UI, served by Switchboard under /app/. Preact's JSX through Vite's own transform (no Babel).
export default defineConfig({
  root: import.meta.dirname,
  base: '/app/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: true },
  logLevel: 'warn',
});
