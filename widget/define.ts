// Defines `<drink-uploader>` and `<drink-viewer>`, unless a tag is already taken, and exports the
// classes.
export * from './index.js';
export { DrinkUploader } from './drink-uploader/drink-uploader.js';
export { DrinkViewer } from './drink-viewer/drink-viewer.js';
