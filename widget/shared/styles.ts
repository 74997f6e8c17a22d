import { css } from 'lit';

/**
 * Design tokens and the controls both components share. Each public `--drink-*` property may be
 * set on the element or any ancestor; the private `--_*` copies hold the light or dark default.
 */
export const baseStyles = css`
  :host {
    --_bg: var(--drink-color-background, #fff);
    --_surface: var(--drink-color-surface, #f6f4f1);
    --_text: var(--drink-color-text, #1f1d1a);
    --_muted: var(--drink-color-muted, #5d5750);
    --_border: var(--drink-color-border, #cfc8bf);
    --_accent: var(--drink-color-accent, #9c3d12);
    --_on-accent: var(--drink-color-on-accent, #fff);
    --_danger: var(--drink-color-danger, #b3261e);
    --_success: var(--drink-color-success, #1d6b33);
    --_radius: var(--drink-radius, 0.5rem);
    --_gap: var(--drink-spacing, 1rem);
    --_focus: var(--drink-focus-ring, 0 0 0 3px color-mix(in srgb, var(--_accent) 45%, transparent));
    display: block;
    box-sizing: border-box;
    max-width: var(--drink-max-width, 40rem);
    color: var(--_text);
    font: var(--drink-font, 1rem/1.5 system-ui, sans-serif);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_bg: var(--drink-color-background, #1d1b19);
      --_surface: var(--drink-color-surface, #292623);
      --_text: var(--drink-color-text, #f1ece6);
      --_muted: var(--drink-color-muted, #b9b0a6);
      --_border: var(--drink-color-border, #59524b);
      --_accent: var(--drink-color-accent, #f0a36f);
      --_on-accent: var(--drink-color-on-accent, #1d1b19);
      --_danger: var(--drink-color-danger, #ffb4ab);
      --_success: var(--drink-color-success, #8fd6a0);
    }
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  [part~='base'] {
    display: grid;
    gap: var(--_gap);
    padding: var(--_gap);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  label {
    display: grid;
    gap: 0.25rem;
    font-weight: 600;
  }
  input {
    font: inherit;
    font-weight: 400;
    width: 100%;
    min-height: 2.75rem;
    padding: 0.5rem 0.75rem;
    color: var(--_text);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  button {
    font: inherit;
    font-weight: 600;
    min-height: 2.75rem;
    padding: 0.5rem 1rem;
    color: var(--_on-accent);
    background: var(--_accent);
    border: 1px solid var(--_accent);
    border-radius: var(--_radius);
    cursor: pointer;
  }
  button.secondary {
    color: var(--_accent);
    background: transparent;
  }
  :is(button, input):disabled {
    cursor: not-allowed;
    opacity: 0.55;
  }
  :is(input, button, [tabindex]):focus-visible {
    outline: 2px solid transparent;
    box-shadow: var(--_focus);
  }
  .fields {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr));
    gap: var(--_gap);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
  }
  .message {
    margin: 0;
  }
  .error {
    color: var(--_danger);
  }
  .muted {
    color: var(--_muted);
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;
