import { Token } from 'aws-cdk-lib';

/** Largest object a single presigned POST can upload, set by S3 (5 GiB). */
export const MAX_SINGLE_UPLOAD_BYTES = 5 * 1024 ** 3;

/** Smallest and largest longest-edge size in pixels that a rendition may have. */
export const MIN_RENDITION_PIXELS = 16;
export const MAX_RENDITION_PIXELS = 8192;

/** Rendition names become object key segments (`renditions/<uploadId>/<name>.<format>`). */
const RENDITION_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** Default Lambda concurrency quota of an account, the upper bound of any reservation. */
const MAX_RESERVED_CONCURRENCY = 1000;

/** A deliberately loose check: one `@`, no spaces, a dot in the domain. SNS checks the rest. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The props that `findPropProblems` checks, in the shape `DrinkPhotosProps` gives them. */
export interface ValidatedProps {
  readonly allowedOrigins: readonly string[];
  readonly maxUploadBytes?: number;
  readonly renditionSizes?: Readonly<Record<string, number>>;
  readonly alarmEmail?: string;
  readonly reservedConcurrency?: number;
  readonly enableCdn?: boolean;
  readonly hasExistingBucket: boolean;
}

/**
 * Checks the props of `DrinkPhotos` and returns every problem found, each naming the prop in quotes
 * and the rule it breaks. Values that are unresolved tokens are not checked, because their value is
 * only known at deploy time.
 */
export function findPropProblems(props: ValidatedProps): string[] {
  return [
    ...findOriginProblems(props.allowedOrigins),
    ...findUploadSizeProblems(props.maxUploadBytes),
    ...findRenditionProblems(props.renditionSizes),
    ...findEmailProblems(props.alarmEmail),
    ...findConcurrencyProblems(props.reservedConcurrency),
    ...findCdnProblems(props.enableCdn, props.hasExistingBucket),
  ];
}

function findOriginProblems(origins: readonly string[]): string[] {
  if (origins.length === 0) {
    return ["'allowedOrigins' must list at least one origin, for example 'https://example.com'"];
  }

  const problems: string[] = [];
  if (origins.includes('*') && origins.length > 1) {
    problems.push("'allowedOrigins' may contain '*' only as its single entry, because '*' already allows every origin");
  }

  for (const origin of origins) {
    if (origin === '*' || Token.isUnresolved(origin)) continue;

    const problem = findOriginProblem(origin);
    if (problem) problems.push(`'allowedOrigins' entry '${origin}' ${problem}`);
  }

  return problems;
}

/** Returns why a string is not a browser origin (scheme, host and optional port), or undefined. */
function findOriginProblem(origin: string): string | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return "is not a valid URL; write an origin such as 'https://example.com'";
  }

  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return 'must use the http or https scheme';
  }
  // `URL.origin` drops the path, query, fragment, user info and a default port, so any difference
  // from the input means the entry is more than an origin.
  if (url.origin !== origin) {
    return `is not an origin: write it as '${url.origin}', without a path, query or trailing slash`;
  }

  return undefined;
}

function findUploadSizeProblems(maxUploadBytes: number | undefined): string[] {
  if (maxUploadBytes === undefined || Token.isUnresolved(maxUploadBytes)) return [];

  if (!Number.isInteger(maxUploadBytes) || maxUploadBytes < 1 || maxUploadBytes > MAX_SINGLE_UPLOAD_BYTES) {
    return [
      `'maxUploadBytes' must be an integer from 1 to ${MAX_SINGLE_UPLOAD_BYTES} (5 GiB, the largest object a presigned POST can upload), got ${maxUploadBytes}`,
    ];
  }

  return [];
}

function findRenditionProblems(sizes: Readonly<Record<string, number>> | undefined): string[] {
  if (sizes === undefined) return [];

  const problems: string[] = [];
  if (!('display' in sizes)) {
    problems.push("'renditionSizes' must contain a 'display' size, because the API serves each photo's display rendition");
  }

  for (const [name, pixels] of Object.entries(sizes)) {
    if (!RENDITION_NAME.test(name)) {
      problems.push(
        `'renditionSizes' name '${name}' is invalid: use 1 to 32 lowercase letters, digits or '-', starting with a letter`,
      );
    }
    if (!Number.isInteger(pixels) || pixels < MIN_RENDITION_PIXELS || pixels > MAX_RENDITION_PIXELS) {
      problems.push(
        `'renditionSizes' size '${name}' must be an integer number of pixels from ${MIN_RENDITION_PIXELS} to ${MAX_RENDITION_PIXELS}, got ${pixels}`,
      );
    }
  }

  return problems;
}

function findEmailProblems(alarmEmail: string | undefined): string[] {
  if (alarmEmail === undefined || Token.isUnresolved(alarmEmail)) return [];

  if (!EMAIL.test(alarmEmail)) {
    return [`'alarmEmail' must be an e-mail address such as 'ops@example.com', got '${alarmEmail}'`];
  }

  return [];
}

function findConcurrencyProblems(reservedConcurrency: number | undefined): string[] {
  if (reservedConcurrency === undefined || Token.isUnresolved(reservedConcurrency)) return [];

  if (!Number.isInteger(reservedConcurrency) || reservedConcurrency < 1 || reservedConcurrency > MAX_RESERVED_CONCURRENCY) {
    return [
      `'reservedConcurrency' must be an integer from 1 to ${MAX_RESERVED_CONCURRENCY}, got ${reservedConcurrency}`,
    ];
  }

  return [];
}

function findCdnProblems(enableCdn: boolean | undefined, hasExistingBucket: boolean): string[] {
  if (enableCdn && hasExistingBucket) {
    return [
      "'enableCdn' cannot be combined with 'bucket', because the construct cannot change the bucket policy of an existing bucket to admit CloudFront",
    ];
  }

  return [];
}
