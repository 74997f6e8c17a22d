/// <reference types="mocha" />
import { fixture, html, waitUntil } from '@open-wc/testing-helpers';
import { emulateMedia, sendKeys, setViewport } from '@web/test-runner-commands';
import { expect } from 'chai';
import '../define.js';
import type { DrinkViewer } from './drink-viewer.component.js';
import { expectAccessible, nextEvent, recordEvents } from '../testing/helpers.js';
import type { Photo } from '../../backend/shared/api.js';

function part(element: DrinkViewer, selector: string): HTMLElement | null {
  return element.shadowRoot!.querySelector<HTMLElement>(selector);
}

function messageText(element: DrinkViewer): string {
  return part(element, '[part="message"]')?.textContent?.trim() ?? '';
}

/** Waits until the viewer has left its loading state. */
async function settled(element: DrinkViewer): Promise<void> {
  await element.updateComplete;
  await waitUntil(() => !part(element, '[part="base"]')!.classList.contains('view-loading'), 'still loading', { timeout: 5000 });
}

describe('<drink-viewer>', () => {
  afterEach(async () => {
    await setViewport({ width: 800, height: 600 });
    await emulateMedia({ colorScheme: 'light' });
  });

  it('prompts for a bar when nothing is preset', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api"></drink-viewer>`);

    expect(messageText(element)).to.equal('Enter a bar to see its drinks, or a bar and a drink to see its photo.');
    expect(part(element, '#bar')).to.not.equal(null);
    expect(part(element, '#drink')).to.not.equal(null);
    await expectAccessible(element);
  });

  it('shows the loading state', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api" bar-name="The Crown" drink-name="Negroni"></drink-viewer>`);

    expect(messageText(element)).to.equal('Loading…');
    expect(part(element, '[part="base"]')!.getAttribute('aria-busy')).to.equal('true');
    expect(part(element, '[role="status"]')!.textContent).to.equal('Loading…');
    await expectAccessible(element);
  });

  it('shows a responsive newest photo', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api" bar-name="the crown" drink-name="negroni"></drink-viewer>`);
    await settled(element);

    const image = part(element, '[part="image"]') as HTMLImageElement;
    expect(image.getAttribute('loading')).to.equal('lazy');
    expect(image.getAttribute('width')).to.equal('1200');
    expect(image.getAttribute('height')).to.equal('900');
    expect(image.getAttribute('srcset')).to.equal('/fake-img/n2-320x240.svg 320w, /fake-img/n2-1200x900.svg 1200w');
    expect(image.getAttribute('sizes')).to.equal('(min-width: 42rem) 40rem, 100vw');
    expect(image.alt).to.equal('Photo of Negroni at The Crown');
    const source = part(element, 'source')!;
    expect(source.getAttribute('type')).to.equal('image/webp');
    expect(source.getAttribute('srcset')).to.contain('?webp 320w');
    expect(part(element, '[part="input"]')).to.equal(null);
    await expectAccessible(element);
  });

  it('shows the caption and metadata', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api" bar-name="The Crown" drink-name="Negroni" lang="en-GB"></drink-viewer>`);
    await settled(element);

    const caption = part(element, '[part="caption"]')!.textContent!.replace(/\s+/g, ' ');
    expect(caption).to.contain('Negroni at The Crown');
    expect(caption).to.contain('Added 20 Nov 2026');
    expect(caption).to.contain('Taken 20 Nov 2026');
    expect(caption).to.contain('Camera: Apple iPhone 15');
  });

  it('fires drink-show with the photo', async () => {
    const shown = nextEvent(document, 'drink-show');
    await fixture<DrinkViewer>(html`<drink-viewer api="/api" bar-name="The Crown" drink-name="Negroni"></drink-viewer>`);

    const event = await shown;
    expect(event.detail.barName).to.equal('The Crown');
    expect(event.detail.drinkName).to.equal('Negroni');
    expect(event.detail.photo.uploadId).to.equal('n2');
    expect(event.composed).to.equal(true);
  });

  it('switches to an earlier photo', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api" bar-name="The Crown" drink-name="Negroni"></drink-viewer>`);
    await settled(element);
    const buttons = element.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part="thumbnails"] button');
    expect(buttons.length).to.equal(2);
    expect(buttons[0]!.getAttribute('aria-pressed')).to.equal('true');

    buttons[1]!.click();
    await element.updateComplete;

    expect(buttons[1]!.getAttribute('aria-pressed')).to.equal('true');
    expect((part(element, '[part="image"]') as HTMLImageElement).getAttribute('width')).to.equal('800');
    await expectAccessible(element);
  });

  it('lists the drinks of a preset bar', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api" bar-name="The Crown"></drink-viewer>`);
    await settled(element);

    const items = [...element.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part="item"]')];
    expect(items.map((item) => item.dataset['drink'])).to.deep.equal(['Negroni', 'Mojito']);
    expect(items[0]!.querySelector('img')!.getAttribute('src')).to.equal('/fake-img/n2-320x240.svg');
    expect(part(element, '[part="heading"]')!.textContent).to.equal('Drinks at The Crown');
    await expectAccessible(element);
  });

  it('opens a drink and goes back', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api" bar-name="The Crown"></drink-viewer>`);
    await settled(element);

    (part(element, '[data-drink="Mojito"]') as HTMLButtonElement).click();
    await waitUntil(() => part(element, '[part="image"]'), 'the drink did not open');
    await waitUntil(() => element.shadowRoot!.activeElement?.id === 'heading', 'focus did not move to the heading');
    expect(part(element, '#heading')!.textContent).to.equal('Mojito at The Crown');

    part(element, '.back')!.click();
    await waitUntil(() => (element.shadowRoot!.activeElement as HTMLElement | null)?.dataset['drink'] === 'Mojito', 'focus did not return to the list');
  });

  it('shows the empty state', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api" bar-name="Empty Tavern"></drink-viewer>`);
    await settled(element);

    expect(messageText(element)).to.equal('No drinks at Empty Tavern yet.');
    await expectAccessible(element);
  });

  it('shows not found for an unknown drink', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api" bar-name="The Crown" drink-name="Zombie"></drink-viewer>`);
    await settled(element);

    expect(messageText(element)).to.equal('No photo of Zombie at The Crown yet.');
    expect(part(element, '[part="base"]')!.classList.contains('view-not-found')).to.equal(true);
    await expectAccessible(element);
  });

  it('shows the API message when loading fails', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api" bar-name="Error Bar" drink-name="Negroni"></drink-viewer>`);
    const events = recordEvents(element, ['drink-error']);
    await settled(element);

    expect(messageText(element)).to.equal('The server failed to read the drink. Try again later.');
    expect(part(element, '.message')!.classList.contains('error')).to.equal(true);
    expect(element.shadowRoot!.querySelector('button')!.textContent).to.equal('Try again');
    expect(events.length).to.equal(1);
    await expectAccessible(element);
  });

  it('shows a network failure in words', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="http://127.0.0.1:9/api" bar-name="The Crown" drink-name="Negroni"></drink-viewer>`);
    await settled(element);

    expect(messageText(element)).to.equal('The server could not be reached. Check the connection and try again.');
  });

  it('loads what the visitor types', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api"></drink-viewer>`);
    part(element, '#bar')!.focus();

    await sendKeys({ type: 'The Crown' });
    await sendKeys({ press: 'Tab' });
    await sendKeys({ type: 'Mojito' });
    await sendKeys({ press: 'Enter' });
    await settled(element);

    expect(part(element, '#heading')!.textContent).to.equal('Mojito at The Crown');
  });

  it('lists drinks of a typed bar', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api"></drink-viewer>`);
    part(element, '#bar')!.focus();

    await sendKeys({ type: 'The Crown' });
    await sendKeys({ press: 'Enter' });
    await settled(element);

    expect(element.shadowRoot!.querySelectorAll('[part="item"]').length).to.equal(2);
  });

  it('suggests bars in a datalist', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api"></drink-viewer>`);
    part(element, '#bar')!.focus();

    await sendKeys({ type: 'the' });
    await waitUntil(() => element.shadowRoot!.querySelectorAll('#bar-list option').length > 0, 'no suggestions', { timeout: 3000 });

    const options = [...element.shadowRoot!.querySelectorAll<HTMLOptionElement>('#bar-list option')].map((option) => option.value);
    expect(options).to.include('The Crown');
    expect(part(element, '#bar')!.getAttribute('list')).to.equal('bar-list');
  });

  it('reloads when an uploader indexes its drink', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api" bar-name="The Crown" drink-name="Negroni"></drink-viewer>`);
    await settled(element);
    const shown = recordEvents(element, ['drink-show']);

    const photo = {} as Photo;
    document.body.dispatchEvent(new CustomEvent('drink-indexed', { bubbles: true, composed: true, detail: { uploadId: 'x', barName: 'the crown', drinkName: 'NEGRONI', photo } }));
    document.body.dispatchEvent(new CustomEvent('drink-indexed', { bubbles: true, composed: true, detail: { uploadId: 'y', barName: 'The Crown', drinkName: 'Mojito', photo } }));
    expect(part(element, '[part="image"]'), 'the photo stays during the reload').to.not.equal(null);
    await waitUntil(() => shown.length > 0, 'the viewer did not reload', { timeout: 3000 });
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(shown.length).to.equal(1);
  });

  it('uses replaced strings', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api" bar-name="Empty Tavern" .strings=${{ empty: 'Noch keine Getränke in {bar}.' }}></drink-viewer>`);
    await settled(element);

    expect(messageText(element)).to.equal('Noch keine Getränke in Empty Tavern.');
  });

  it('ignores an invalid strings attribute', async () => {
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api" strings="{oops"></drink-viewer>`);

    expect(messageText(element)).to.equal('Enter a bar to see its drinks, or a bar and a drink to see its photo.');
  });

  it('stays accessible in dark mode at 320 px', async () => {
    await setViewport({ width: 320, height: 640 });
    await emulateMedia({ colorScheme: 'dark' });
    const element = await fixture<DrinkViewer>(html`<drink-viewer api="/api" bar-name="The Crown" drink-name="Negroni"></drink-viewer>`);
    await settled(element);

    expect(element.getBoundingClientRect().width).to.be.at.most(320);
    expect(getComputedStyle(part(element, '[part="base"]')!).backgroundColor).to.equal('rgb(29, 27, 25)');
    await expectAccessible(element);
  });
});
