// Entry of the single-file CDN bundle: Lit included, both tags defined on load.
export * from './define.js';
