/** Detail of `drink-rejected`, fired when the pipeline refuses the photo after upload. */
export interface DrinkRejectedDetail {
  readonly uploadId: string;
  /** Reason from the API, shown to the visitor as it is. */
  readonly reason: string;
}

export type DrinkRejectedEvent = CustomEvent<DrinkRejectedDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'drink-rejected': DrinkRejectedEvent;
  }
}
