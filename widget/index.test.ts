/// <reference types="mocha" />
import { expect } from 'chai';

describe('widget/index.ts', () => {
  it('exports the classes without defining tags', async () => {
    // No other module of this test file defines the tags, and each test file runs in its own page.
    const module = await import('./index.js');

    expect(typeof module.DrinkUploader).to.equal('function');
    expect(typeof module.DrinkViewer).to.equal('function');
    expect(customElements.get('drink-uploader')).to.equal(undefined);
    expect(customElements.get('drink-viewer')).to.equal(undefined);
  });

  it('defines both tags through define.ts', async () => {
    const module = await import('./define.js');

    expect(customElements.get('drink-uploader')).to.equal(module.DrinkUploader);
    expect(customElements.get('drink-viewer')).to.equal(module.DrinkViewer);
  });
});
