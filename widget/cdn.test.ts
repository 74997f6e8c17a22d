/// <reference types="mocha" />
import { fixture, html, waitUntil } from '@open-wc/testing-helpers';
import { expect } from 'chai';

// The built CDN file, as a page loads it. `npm test` builds before the browser tests; a run of
// `npm run test:browser` alone needs `npm run build` first.
const BUNDLE = '/dist/cdn/drink-widgets.js';

describe('CDN bundle', () => {
  it('defines both tags on load', async () => {
    const response = await fetch(BUNDLE, { method: 'HEAD' });
    if (!response.ok) throw new Error(`${BUNDLE} is missing (HTTP ${response.status}). Run "npm run build" first.`);

    await import(/* @vite-ignore */ BUNDLE);

    expect(customElements.get('drink-uploader')).to.not.equal(undefined);
    expect(customElements.get('drink-viewer')).to.not.equal(undefined);
  });

  it('renders a viewer from the bundle', async () => {
    const element = await fixture(html`<drink-viewer api="/api" bar-name="The Crown" drink-name="Negroni"></drink-viewer>`);

    await waitUntil(() => element.shadowRoot?.querySelector('[part="image"]'), 'the bundled viewer showed no photo', { timeout: 5000 });
  });
});
