// Built by web/build.sh into the directory pactlogd serves (--web-root):
// relative asset URLs, so the page also works behind a path prefix.
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  build: {
    // ECharts and the bundled US atlas make one script of ~680 kB (230 kB
    // gzipped), over Vite's 500 kB warning: pactlogd serves it from memory
    // and browsers cache it for a year under its content hash.
    chunkSizeWarningLimit: 1000,
  },
});
