import { css } from 'lit';
import { baseStyles } from '../shared/styles.js';

export const styles = [
  baseStyles,
  css`
    .target {
      margin: 0;
      font-weight: 600;
    }
    .dropzone {
      display: grid;
      justify-items: center;
      gap: 0.5rem;
      padding: calc(var(--_gap) * 1.5) var(--_gap);
      text-align: center;
      background: var(--_surface);
      border: 2px dashed var(--_border);
      border-radius: var(--_radius);
    }
    .dropzone p {
      margin: 0;
    }
    .dropzone.dragging {
      border-color: var(--_accent);
      background: color-mix(in srgb, var(--_accent) 10%, var(--_surface));
    }
    .actions {
      justify-content: center;
    }
    .preview {
      display: block;
      justify-self: center;
      max-width: 100%;
      max-height: 20rem;
      margin: 0;
      object-fit: contain;
      border-radius: var(--_radius);
    }
    progress {
      width: 100%;
      height: 0.75rem;
      accent-color: var(--_accent);
    }
    .success {
      color: var(--_success);
      font-weight: 600;
    }
    .message:focus {
      outline: none;
    }
  `,
];
