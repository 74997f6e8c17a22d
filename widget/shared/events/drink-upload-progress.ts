/** Detail of `drink-upload-progress`, taken from the `progress` events of the request upload. */
export interface DrinkUploadProgressDetail {
  /** Bytes of the request body sent so far. */
  readonly loaded: number;
  /** Size in bytes of the whole request body, including the form fields. */
  readonly total: number;
}

export type DrinkUploadProgressEvent = CustomEvent<DrinkUploadProgressDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'drink-upload-progress': DrinkUploadProgressEvent;
  }
}
