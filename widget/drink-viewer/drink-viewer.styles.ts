import { css } from 'lit';
import { baseStyles } from '../shared/styles.js';

export const styles = [
  baseStyles,
  css`
    form.fields {
      align-items: end;
    }
    .heading {
      margin: 0;
      font-size: 1.25rem;
      font-weight: 700;
    }
    .heading.small {
      font-size: 1rem;
    }
    .heading:focus {
      outline: none;
    }
    ul {
      margin: 0;
      padding: 0;
      list-style: none;
    }
    .list {
      display: grid;
      gap: 0.5rem;
    }
    .item {
      display: flex;
      align-items: center;
      gap: 0.75rem;
      width: 100%;
      padding: 0.5rem;
      text-align: start;
      font-weight: 400;
      color: var(--_text);
      background: var(--_surface);
      border-color: var(--_border);
    }
    .item img,
    .no-thumbnail {
      flex: none;
      width: 4rem;
      height: 4rem;
      object-fit: cover;
      border-radius: calc(var(--_radius) / 2);
      background: var(--_border);
    }
    .item-text {
      display: grid;
    }
    .item-name {
      font-weight: 600;
    }
    .back {
      justify-self: start;
    }
    .figure {
      display: grid;
      gap: 0.5rem;
      margin: 0;
    }
    .image {
      display: block;
      width: 100%;
      height: auto;
      border-radius: var(--_radius);
      background: var(--_surface);
    }
    .caption {
      display: grid;
      gap: 0.25rem;
    }
    .metadata {
      display: flex;
      flex-wrap: wrap;
      gap: 0 1rem;
      font-size: 0.875rem;
    }
    .thumbnails {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
    }
    .thumb-button {
      padding: 0;
      min-height: 0;
      background: none;
      border: 2px solid transparent;
      line-height: 0;
    }
    .thumb-button[aria-pressed='true'] {
      border-color: var(--_accent);
    }
    .thumb-button img {
      width: 4.5rem;
      height: 4.5rem;
      object-fit: cover;
      border-radius: calc(var(--_radius) / 2);
    }
  `,
];
