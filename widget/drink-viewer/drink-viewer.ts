import { DrinkViewer } from './drink-viewer.component.js';

export { DrinkViewer };

if (!customElements.get('drink-viewer')) customElements.define('drink-viewer', DrinkViewer);

declare global {
  interface HTMLElementTagNameMap {
    'drink-viewer': DrinkViewer;
  }
}
