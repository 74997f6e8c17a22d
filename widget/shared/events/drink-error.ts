/** Detail of `drink-error`, fired for a failed check, request or upload. */
export interface DrinkErrorDetail {
  /** The message shown in the component, from the API when it sent one. */
  readonly message: string;
}

export type DrinkErrorEvent = CustomEvent<DrinkErrorDetail>;

declare global {
  interface GlobalEventHandlersEventMap {
    'drink-error': DrinkErrorEvent;
  }
}
