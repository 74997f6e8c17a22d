/**
 * English defaults of every string the components show or announce.
 *
 * A page replaces any of them through the components' `strings` property (or a JSON `strings`
 * attribute); the object given is merged over these. Placeholders in braces, such as `{bar}`, are
 * filled in when the string is shown.
 */
export const defaultStrings = {
  barLabel: 'Bar',
  drinkLabel: 'Drink',
  barPlaceholder: 'e.g. The Crown',
  drinkPlaceholder: 'e.g. Negroni',
  target: '{drink} at {bar}',

  dropHint: 'Drag a photo here, paste one, or',
  chooseFile: 'Choose a photo',
  takePhoto: 'Take a photo',
  dropzoneLabel: 'Photo',
  previewAlt: 'Preview of the chosen photo',
  noPreview: 'No preview of {name} in this browser. It is sent as it is.',
  changeFile: 'Choose another',
  upload: 'Upload photo',
  cancel: 'Cancel',
  retry: 'Try again',
  addAnother: 'Add another photo',
  progressLabel: 'Upload progress',

  preparing: 'Preparing the photo…',
  ready: 'Photo ready: {name}, {size}.',
  uploading: 'Uploading… {percent}%',
  processing: 'Checking the photo…',
  indexed: 'Thank you! Your photo of {drink} at {bar} is live.',
  rejected: 'The photo was not accepted: {reason}',
  canceled: 'Upload canceled.',

  errorType: '{name} is not a supported image ({type}). Choose a JPEG, PNG, WebP, AVIF, HEIC or GIF file.',
  errorTooLarge: '{name} is {size}, more than the {max} limit. Choose a smaller photo.',
  errorEmpty: '{name} is empty. Choose another photo.',
  errorBarMissing: 'Enter the name of the bar.',
  errorDrinkMissing: 'Enter the name of the drink.',
  errorFileMissing: 'Choose a photo to upload.',
  errorNetwork: 'The server could not be reached. Check the connection and try again.',
  errorHttp: 'The request failed with HTTP status {status}. Try again.',
  errorStorage: 'Sending the photo failed with HTTP status {status}. Try again.',
  errorTimeout: 'The photo is still being checked after {seconds} seconds. Look for it again later.',

  show: 'Show',
  loading: 'Loading…',
  viewerPrompt: 'Enter a bar to see its drinks, or a bar and a drink to see its photo.',
  notFound: 'No photo of {drink} at {bar} yet.',
  empty: 'No drinks at {bar} yet.',
  drinksAt: 'Drinks at {bar}',
  backToList: 'All drinks at {bar}',
  photoAlt: 'Photo of {drink} at {bar}',
  uploadedOn: 'Added {date}',
  capturedOn: 'Taken {date}',
  camera: 'Camera: {camera}',
  earlierPhotos: 'Earlier photos',
  earlierPhotoLabel: 'Photo added {date}',
  updatedOn: 'Updated {date}',
};

export type DrinkStrings = { [K in keyof typeof defaultStrings]: string };

/**
 * Parses the JSON `strings` attribute. Invalid JSON leaves the defaults in place with a warning,
 * because a component must not throw at the page.
 */
export const stringsConverter = {
  fromAttribute(value: string | null): Partial<DrinkStrings> {
    try {
      return value ? (JSON.parse(value) as Partial<DrinkStrings>) : {};
    } catch {
      console.warn(`The strings attribute is not valid JSON, so the English strings are shown: ${value}`);
      return {};
    }
  },
};

/** Fills each `{key}` in `template` from `values`; unknown keys stay as they are. */
export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (match, key: string) => (key in values ? String(values[key]) : match));
}

/** Formats a byte count for people, in binary megabytes, kilobytes or bytes, as most file pickers do. */
export function formatBytes(bytes: number, locale?: string): string {
  let [value, unit] = [bytes, 'byte'];
  if (bytes >= 1024) [value, unit] = [bytes / 1024, 'kilobyte'];
  if (bytes >= 1048576) [value, unit] = [bytes / 1048576, 'megabyte'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, maximumFractionDigits: 1 }).format(value);
}

/** Formats an ISO 8601 time as a medium date, or returns the input if it is no valid time. */
export function formatDate(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(date);
}

/** Returns the language of the nearest element with a `lang` attribute, crossing shadow roots. */
export function localeOf(element: Element): string | undefined {
  let node: Node | null = element;
  while (node) {
    if (node instanceof Element && node.getAttribute('lang')) return node.getAttribute('lang') ?? undefined;
    node = node.parentNode ?? (node instanceof ShadowRoot ? node.host : null);
  }
  return undefined;
}
