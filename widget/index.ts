// The component classes without defining their tags, so importing this module has no side effects
// and runs outside a browser. Import `./define.js` (or call `customElements.define`) to use them.
export { DrinkUploader } from './drink-uploader/drink-uploader.component.js';
export { DrinkViewer } from './drink-viewer/drink-viewer.component.js';
export { ApiClient, ApiError } from './shared/api-client.js';
export { defaultStrings } from './shared/strings.js';
export type { DrinkStrings } from './shared/strings.js';
export type * from './shared/events/index.js';
export type * from '../backend/shared/api.js';
