/** Detail of `drink-uploaded`, fired when storage has accepted the file and processing begins. */
export interface DrinkUploadedDetail {
  readonly uploadId: string;
  readonly barName: string;
  readonly drinkName: string;
}

export type DrinkUploadedEvent = CustomEvent<DrinkUploadedDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'drink-uploaded': DrinkUploadedEvent;
  }
}
