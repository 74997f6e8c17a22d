/** Detail of `drink-upload-start`, fired when the uploader requests a presigned POST. */
export interface DrinkUploadStartDetail {
  readonly barName: string;
  readonly drinkName: string;
  /** MIME type of the file about to be sent, after any resizing. */
  readonly contentType: string;
  /** Size in bytes of the file about to be sent, after any resizing. */
  readonly size: number;
}

export type DrinkUploadStartEvent = CustomEvent<DrinkUploadStartDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'drink-upload-start': DrinkUploadStartEvent;
  }
}
