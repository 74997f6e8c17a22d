import { DrinkUploader } from './drink-uploader.component.js';

export { DrinkUploader };

if (!customElements.get('drink-uploader')) customElements.define('drink-uploader', DrinkUploader);

declare global {
  interface HTMLElementTagNameMap {
    'drink-uploader': DrinkUploader;
  }
}
