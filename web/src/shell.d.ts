// Filled in by build.mjs (esbuild `define`) when it builds the service worker.
declare const __SHELL_FILES__: readonly string[];
declare const __SHELL_VERSION__: string;
