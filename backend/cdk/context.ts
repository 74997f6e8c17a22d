import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';

import type { DrinkPhotosProps } from './drink-photos.js';
import { findPropProblems } from './validate-props.js';

/** Settings of the drink-widgets app, read from CDK context (`-c key=value` or `cdk.json`). */
export interface AppSettings {
  readonly stackName: string;
  /** URL of the widget bundle that the printed embed snippet loads. */
  readonly widgetScriptUrl: string;
  readonly photos: DrinkPhotosProps;
}

/**
 * Default script URL of the embed snippet: the CDN bundle that `vite build` writes to
 * `dist/cdn/drink-widgets.js`, as jsDelivr serves it from the npm package of this version.
 * NOTE: it resolves only once that version is published to npm; until then pass
 * `-c widgetScriptUrl=...` with a URL where you host the bundle.
 */
export function defaultWidgetScriptUrl(version: string): string {
  return `https://cdn.jsdelivr.net/npm/drink-widgets@${version}/dist/cdn/drink-widgets.js`;
}

/** Context keys the app reads, with what each sets, for the error message on a missing key. */
const USAGE = [
  'allowedOrigins      comma-separated origins of the sites that embed the widgets (required)',
  'alarmEmail          e-mail address subscribed to the alarms',
  'removalPolicy       retain (default) or destroy: what happens to the data when the stack is deleted',
  'logRetentionDays    days the log groups keep events, one of CloudWatch Logs\' values (default 30)',
  'maxUploadBytes      largest upload in bytes (default 20971520)',
  'reservedConcurrency most photos processed at once (default 10)',
  'enableCdn           true to serve renditions through CloudFront (default false)',
  'widgetScriptUrl     URL of the widget bundle in the printed snippet',
  'stackName           CloudFormation stack name (default DrinkWidgets)',
].join('\n  ');

/**
 * Reads the app's settings from CDK context and throws one error that lists every missing or
 * invalid value.
 */
export function readAppSettings(node: Node, packageVersion: string): AppSettings {
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value).trim();
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value.join(',');
    problems.push(`context '${key}' must be a string, got ${JSON.stringify(value)}`);

    return undefined;
  };
  const integer = (key: string): number | undefined => {
    const raw = text(key);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isSafeInteger(value)) {
      problems.push(`context '${key}' must be an integer, got '${raw}'`);
      return undefined;
    }

    return value;
  };

  const origins = text('allowedOrigins');
  if (origins === undefined) {
    problems.push("context 'allowedOrigins' is missing: pass -c allowedOrigins=https://your-site.example");
  }
  const allowedOrigins = (origins ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0);

  const removalPolicy = readRemovalPolicy(text('removalPolicy'), problems);
  const logRetention = readLogRetention(integer('logRetentionDays'), problems);
  const enableCdn = readBoolean('enableCdn', text('enableCdn'), problems);

  const photos: DrinkPhotosProps = {
    allowedOrigins,
    alarmEmail: text('alarmEmail'),
    removalPolicy,
    logRetention,
    maxUploadBytes: integer('maxUploadBytes'),
    reservedConcurrency: integer('reservedConcurrency'),
    enableCdn,
  };

  // The construct checks its props again, but only after every context problem is fixed. Checking
  // here too lists all problems of one synth in a single message.
  if (origins !== undefined) problems.push(...findPropProblems({ ...photos, hasExistingBucket: false }));

  if (problems.length > 0) {
    throw new InvalidContextError(`Invalid CDK context:\n- ${problems.join('\n- ')}\n\nContext keys:\n  ${USAGE}`);
  }

  return {
    stackName: text('stackName') ?? 'DrinkWidgets',
    widgetScriptUrl: text('widgetScriptUrl') ?? defaultWidgetScriptUrl(packageVersion),
    photos,
  };
}

/** The CDK context given to the app is missing a value or has an invalid one; the message lists each. */
export class InvalidContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidContextError';
  }
}

function readRemovalPolicy(raw: string | undefined, problems: string[]): RemovalPolicy | undefined {
  if (raw === undefined) return undefined;

  switch (raw.toLowerCase()) {
    case 'retain':
      return RemovalPolicy.RETAIN;
    case 'destroy':
      return RemovalPolicy.DESTROY;
    default:
      problems.push(`context 'removalPolicy' must be 'retain' or 'destroy', got '${raw}'`);
      return undefined;
  }
}

function readLogRetention(days: number | undefined, problems: string[]): logs.RetentionDays | undefined {
  if (days === undefined) return undefined;

  const allowed = Object.values(logs.RetentionDays).filter((value): value is number => typeof value === 'number');
  if (!allowed.includes(days)) {
    problems.push(`context 'logRetentionDays' must be one of ${allowed.join(', ')}, got ${days}`);
    return undefined;
  }

  return days as logs.RetentionDays;
}

function readBoolean(key: string, raw: string | undefined, problems: string[]): boolean | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  problems.push(`context '${key}' must be 'true' or 'false', got '${raw}'`);

  return undefined;
}
