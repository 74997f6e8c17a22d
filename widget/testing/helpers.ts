/// <reference types="mocha" />
// Helpers shared by the browser tests: accessibility checks, events, generated images, the fake API.
import 'axe-core/axe.min.js';
import { expect } from 'chai';
import type { AxeResults } from 'axe-core';

const axe = (globalThis as unknown as { axe: typeof import('axe-core') }).axe;

/** Runs axe-core on `element`, shadow roots included, and fails with each violation listed. */
export async function expectAccessible(element: Element): Promise<void> {
  const results: AxeResults = await axe.run(element, { resultTypes: ['violations'] });
  const violations = results.violations.map(
    (violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join('; ')})`,
  );
  expect(violations, 'axe-core violations').to.deep.equal([]);
}

/** Resolves with the next event `name` on `target`, or rejects after `timeout` ms. */
export function nextEvent<K extends keyof GlobalEventHandlersEventMap>(
  target: EventTarget,
  name: K,
  timeout = 5000,
): Promise<GlobalEventHandlersEventMap[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} event within ${timeout} ms`)), timeout);
    target.addEventListener(name, (event) => {
      clearTimeout(timer);
      resolve(event as GlobalEventHandlersEventMap[K]);
    }, { once: true });
  });
}

/** Records every event of the given names fired on `target`, in order. */
export function recordEvents(target: EventTarget, names: readonly string[]): CustomEvent[] {
  const events: CustomEvent[] = [];
  for (const name of names) target.addEventListener(name, (event) => events.push(event as CustomEvent));
  return events;
}

/** Draws a noisy test pattern on a canvas and encodes it, so the file is a real, decodable image. */
export async function makeImage(width: number, height: number, type = 'image/png', name = 'drink.png'): Promise<File> {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d')!;
  const gradient = context.createLinearGradient(0, 0, width, height);
  gradient.addColorStop(0, '#c0392b');
  gradient.addColorStop(1, '#f1c40f');
  context.fillStyle = gradient;
  context.fillRect(0, 0, width, height);
  // Noise makes PNGs large, so a downscale is clearly smaller than the original.
  for (let i = 0; i < 2000; i++) {
    context.fillStyle = `hsl(${(i * 37) % 360} 70% 50%)`;
    context.fillRect((i * 7919) % width, (i * 104729) % height, 9, 9);
  }
  const blob = await new Promise<Blob>((resolve) => canvas.toBlob((result) => resolve(result!), type, 0.9));
  return new File([blob], name, { type: blob.type });
}

/** Puts `file` into a DataTransfer, as a drop or a paste carries it. */
export function transferOf(file: File): DataTransfer {
  const transfer = new DataTransfer();
  transfer.items.add(file);
  return transfer;
}

/** Summary of the presigned POST that the fake storage endpoint received for one upload. */
export interface StorageUpload {
  uploadId?: string;
  fieldNames: string[];
  fileType?: string;
  fileSize: number;
  width?: number;
  height?: number;
}

export async function storageUpload(uploadId: string): Promise<StorageUpload> {
  const response = await fetch(`/api/_storage/${encodeURIComponent(uploadId)}`);
  return (await response.json()) as StorageUpload;
}

/** Returns a name no other test uses, so parallel test files do not see each other's uploads. */
export function uniqueName(prefix: string): string {
  return `${prefix} ${Math.random().toString(36).slice(2, 8)}`;
}
