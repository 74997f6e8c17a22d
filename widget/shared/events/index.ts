import type { DrinkErrorDetail } from './drink-error.js';
import type { DrinkIndexedDetail } from './drink-indexed.js';
import type { DrinkRejectedDetail } from './drink-rejected.js';
import type { DrinkShowDetail } from './drink-show.js';
import type { DrinkUploadProgressDetail } from './drink-upload-progress.js';
import type { DrinkUploadStartDetail } from './drink-upload-start.js';
import type { DrinkUploadedDetail } from './drink-uploaded.js';

export type * from './drink-error.js';
export type * from './drink-indexed.js';
export type * from './drink-rejected.js';
export type * from './drink-show.js';
export type * from './drink-upload-progress.js';
export type * from './drink-upload-start.js';
export type * from './drink-uploaded.js';

/** Detail type of each event the components fire, by event name. */
export interface DrinkEventDetailMap {
  'drink-upload-start': DrinkUploadStartDetail;
  'drink-upload-progress': DrinkUploadProgressDetail;
  'drink-uploaded': DrinkUploadedDetail;
  'drink-indexed': DrinkIndexedDetail;
  'drink-rejected': DrinkRejectedDetail;
  'drink-error': DrinkErrorDetail;
  'drink-show': DrinkShowDetail;
}

/** Dispatches a bubbling, composed custom event from `target`, so it leaves the shadow root. */
export function emit<K extends keyof DrinkEventDetailMap>(
  target: EventTarget,
  name: K,
  detail: DrinkEventDetailMap[K],
): void {
  target.dispatchEvent(new CustomEvent(name, { bubbles: true, composed: true, detail }));
}
