import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ApiClient } from './api-client.js';

/**
 * Fetches bar and drink names for the `<datalist>` of the name inputs, 200 ms after the last
 * keystroke. Suggestions are a convenience, so a failed request leaves the list as it was.
 */
export class SuggestionsController implements ReactiveController {
  bars: readonly string[] = [];
  drinks: readonly string[] = [];
  private timer?: ReturnType<typeof setTimeout>;
  private controller?: AbortController;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly client: () => ApiClient | undefined,
  ) {
    host.addController(this);
  }

  hostDisconnected(): void {
    clearTimeout(this.timer);
    this.controller?.abort();
  }

  /** Schedules a look-up of bars starting with `prefix`, or of that bar's drinks when `barName` is set. */
  request(prefix: string, barName?: string): void {
    clearTimeout(this.timer);
    const client = this.client();
    if (!client || (barName !== undefined && !barName.trim())) return;

    this.timer = setTimeout(async () => {
      this.controller?.abort();
      const controller = new AbortController();
      this.controller = controller;
      try {
        if (barName === undefined) {
          const { bars } = await client.listBars(prefix.trim(), controller.signal);
          this.bars = bars.map((bar) => bar.barName);
        } else {
          const { drinks } = await client.listDrinks(barName.trim(), prefix.trim(), controller.signal);
          this.drinks = drinks.map((drink) => drink.drinkName);
        }
        this.host.requestUpdate();
      } catch {
        // Keep the previous suggestions.
      }
    }, 200);
  }
}
