import { defineConfig } from 'vite';
import type { Plugin } from 'vite';

/**
 * Collapses each newline and the indentation after it into one space. In the minified chunk, the
 * only newlines left are inside template literals, which here hold Lit's HTML and CSS, where a run
 * of whitespace means the same as one space (the components use no `<pre>` or `white-space: pre`).
 */
function collapseTemplateWhitespace(): Plugin {
  return {
    name: 'collapse-template-whitespace',
    apply: 'build',
    enforce: 'post',
    // generateBundle runs after the minifier, unlike renderChunk, whose input still has comments.
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type === 'chunk') chunk.code = chunk.code.replace(/\n\s*/g, ' ').trimEnd() + '\n';
      }
    },
  };
}

/**
 * Minifies the CSS inside Lit's css`...` templates of the widget sources, which hold no
 * expressions: drops comments, the space around punctuation and each block's last semicolon.
 */
function minifyCssTemplates(): Plugin {
  const minify = (text: string): string =>
    text
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\s+/g, ' ')
      .replace(/\s*([{};,>])\s*/g, '$1')
      .replace(/([{;])\s*([\w-]+):\s+/g, '$1$2:')
      .replace(/;}/g, '}')
      .trim();
  return {
    name: 'minify-css-templates',
    apply: 'build',
    transform(code, id) {
      if (!id.includes('/widget/') || !id.endsWith('.styles.ts') && !id.endsWith('/styles.ts')) return null;
      return { code: code.replace(/\bcss`([^`$]*)`/g, (_match, text: string) => `css\`${minify(text)}\``), map: null };
    },
  };
}

// Builds the CDN file: one minified ES module with Lit inside that defines both tags on load.
export default defineConfig({
  plugins: [minifyCssTemplates(), collapseTemplateWhitespace()],
  build: {
    outDir: 'dist/cdn',
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    lib: {
      entry: 'widget/cdn.ts',
      formats: ['es'],
      fileName: () => 'drink-widgets.js',
    },
    // Library mode keeps whitespace in ES output, so the output minifier is switched on here.
    rolldownOptions: {
      output: { minify: true },
    },
  },
});
