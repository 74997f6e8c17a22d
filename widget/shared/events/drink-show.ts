import type { Photo } from '../../../backend/shared/api.js';

/** Detail of `drink-show`, fired by the viewer each time it shows a drink's newest photo. */
export interface DrinkShowDetail {
  readonly barName: string;
  readonly drinkName: string;
  readonly photo: Photo;
}

export type DrinkShowEvent = CustomEvent<DrinkShowDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'drink-show': DrinkShowEvent;
  }
}
