/**
 * Configuration of the handlers, read once per execution environment from environment variables.
 * Nothing here depends on whether the code runs in AWS or locally.
 */

export interface Config {
  readonly bucketName: string;
  readonly tableName: string;
  /** Origins echoed in `Access-Control-Allow-Origin`; `*` allows any. */
  readonly allowedOrigins: readonly string[];
  /** Largest original a presigned POST accepts, in bytes. */
  readonly maxUploadBytes: number;
  /** Lifetime of a presigned POST, in seconds. */
  readonly uploadExpirySeconds: number;
  /** Largest original process-photo decodes, in pixels (width × height). */
  readonly maxInputPixels: number;
  /** Lifetime of the presigned GET URLs of renditions, in seconds. */
  readonly downloadExpirySeconds: number;
}

function readRequired(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`environment variable ${name} is missing; set it to the name of the resource`);

  return value;
}

function readPositiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;

  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`environment variable ${name} is ${JSON.stringify(raw)}; set it to a positive integer`);
  }

  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const origins = (env.ALLOWED_ORIGINS ?? '*')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0);

  return {
    bucketName: readRequired(env, 'BUCKET_NAME'),
    tableName: readRequired(env, 'TABLE_NAME'),
    allowedOrigins: origins.length > 0 ? origins : ['*'],
    maxUploadBytes: readPositiveInteger(env, 'MAX_UPLOAD_BYTES', 20 * 1024 * 1024),
    uploadExpirySeconds: readPositiveInteger(env, 'UPLOAD_EXPIRY_SECONDS', 300),
    // 100 megapixels keeps a decoded RGBA frame under 400 MB. Phones save 12 to 50 MP photos by
    // default; their 200 MP modes exceed it and need a larger MAX_INPUT_PIXELS and more memory.
    maxInputPixels: readPositiveInteger(env, 'MAX_INPUT_PIXELS', 100_000_000),
    downloadExpirySeconds: readPositiveInteger(env, 'DOWNLOAD_EXPIRY_SECONDS', 3600),
  };
}

export const config = readConfig();
