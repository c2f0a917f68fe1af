// Builds the explorer (web/) into dist/web/. One classic script (IIFE, no type="module"), relative
// paths, no code splitting: the same build works served by `clio serve` and opened from disk as a
// static export, where Chromium refuses module scripts over file://.
import { defineConfig, type Plugin } from 'vite';

const classicScript: Plugin = {
  name: 'clio-classic-script',
  apply: 'build',
  transformIndexHtml: {
    order: 'post',
    handler: (html) => html.replace(/<script type="module" crossorigin src=/g, '<script defer src=').replace(/ crossorigin/g, ''),
  },
};

export default defineConfig({
  root: 'web',
  base: './',
  plugins: [classicScript],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: false,
    assetsInlineLimit: 0,
    rollupOptions: { output: { format: 'iife', inlineDynamicImports: true } },
  },
  server: { host: '127.0.0.1' },
});
