import type { Photo } from '../../../backend/shared/api.js';

/** Detail of `drink-indexed`, fired when the pipeline has processed the photo and it is visible. */
export interface DrinkIndexedDetail {
  readonly uploadId: string;
  readonly barName: string;
  readonly drinkName: string;
  readonly photo: Photo;
}

export type DrinkIndexedEvent = CustomEvent<DrinkIndexedDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'drink-indexed': DrinkIndexedEvent;
  }
}
