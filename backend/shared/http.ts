/**
 * Responses of the HTTP handlers: JSON bodies, CORS headers on every response, preflights and
 * error bodies, plus robust reading of path parameters.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

import type { ErrorResponse } from './api.js';
import { config } from './config.js';
import { HttpError } from './errors.js';

/** Returns a header of the request, whatever the case of its name. */
export function readHeader(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }

  return undefined;
}

/**
 * Builds the CORS headers for a request from `origin`. An allowed origin is echoed, `*` is sent
 * when any origin is allowed, and nothing otherwise. `Vary: Origin` keeps caches from serving one
 * origin's response to another.
 */
export function corsHeaders(origin: string | undefined, allowedOrigins = config.allowedOrigins): Record<string, string> {
  if (allowedOrigins.includes('*')) return { 'Access-Control-Allow-Origin': '*' };

  const headers: Record<string, string> = { Vary: 'Origin' };
  if (origin !== undefined && allowedOrigins.includes(origin)) headers['Access-Control-Allow-Origin'] = origin;

  return headers;
}

export function jsonResponse(event: APIGatewayProxyEvent, statusCode: number, body: unknown): APIGatewayProxyResult {
  return {
    statusCode,
    headers: {
      ...corsHeaders(readHeader(event, 'origin')),
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
    },
    body: JSON.stringify(body),
  };
}

/** Builds the response to a CORS preflight (`OPTIONS`) that allows the methods `allowedMethods`. */
export function preflightResponse(event: APIGatewayProxyEvent, allowedMethods: string): APIGatewayProxyResult {
  return {
    statusCode: 204,
    headers: {
      ...corsHeaders(readHeader(event, 'origin')),
      'Access-Control-Allow-Methods': allowedMethods,
      'Access-Control-Allow-Headers': 'Content-Type',
      'Access-Control-Max-Age': '600',
    },
    body: '',
  };
}

/** Turns an `HttpError` into its response; anything else becomes a 500 without detail. */
export function errorResponse(event: APIGatewayProxyEvent, error: unknown): APIGatewayProxyResult {
  if (error instanceof HttpError) {
    const body: ErrorResponse = { error: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) };

    return jsonResponse(event, error.statusCode, body);
  }

  const body: ErrorResponse = { error: 'InternalError', message: 'The request failed on the server; try again later.' };

  return jsonResponse(event, 500, body);
}

/** Decodes percent-encoding once, or returns the value unchanged when it is not valid encoding. */
function decodeOnce(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Matches `event` to one of `templates` (for example `/bars/{barName}/drinks`): by
 * `event.resource` when API Gateway set it, else by the path, compared from the end because a
 * custom domain's base path mapping can prefix it.
 */
export function matchRoute<T extends string>(event: APIGatewayProxyEvent, templates: readonly T[]): T | undefined {
  const byResource = templates.find((template) => template === event.resource);
  if (byResource !== undefined) return byResource;

  const segments = (event.path ?? '').split('/');

  return templates.find((template) => {
    const parts = template.split('/');
    const offset = segments.length - parts.length;

    return offset >= 0 && parts.every((part, i) => i === 0 || (part.startsWith('{') ? (segments[i + offset] ?? '') !== '' : part === segments[i + offset]));
  });
}

/**
 * Reads the path parameter `name` of the route `template` as the client sent it, percent-decoded
 * exactly once.
 *
 * API Gateway REST APIs keep `event.path` percent-encoded, so the segment at the parameter's place
 * in the template is decoded from there. When the path does not line up with the template (a `%2F`
 * turned into `/` on the way), `pathParameters` is decoded instead.
 * NOTE: that fallback decodes a value API Gateway already decoded a second time, which changes a
 * name that contains a literal escape such as `%41`.
 */
export function readPathParameter(event: APIGatewayProxyEvent, template: string, name: string): string | undefined {
  const parts = template.split('/');
  const index = parts.indexOf(`{${name}}`);
  const segments = (event.path ?? '').split('/');
  const offset = segments.length - parts.length;
  // Index 0 is the empty string before the template's leading slash, which a base path replaces.
  if (index >= 0 && offset >= 0 && parts.every((part, i) => i === 0 || part.startsWith('{') || part === segments[i + offset])) {
    return decodeOnce(segments[index + offset] as string);
  }

  const raw = event.pathParameters?.[name];

  return raw === undefined || raw === null ? undefined : decodeOnce(raw);
}
