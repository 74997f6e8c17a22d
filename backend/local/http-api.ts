/**
 * The local stand-in for the API Gateway REST API: turns HTTP requests under the API's base path
 * into proxy events (payload format 1.0), invokes the handler of the matched resource and writes its
 * result back. For preflight requests, unknown resources, wrong methods and oversized bodies the
 * adapter responds itself, as the gateway would, with the `{ error, message }` body of the API.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

import type { ErrorResponse } from '../shared/api.js';
import type { InvocationResult } from './lambda-runtime.js';
import { formatTraceHeader, newSegmentId, newTraceId, parseTraceHeader } from './trace-ids.js';
import type { SegmentDocument } from './xray-daemon.js';

export type ApiFunctionName = 'presign' | 'query';

export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  /** Resource path template, as `event.resource` carries it. */
  readonly resource: string;
  readonly functionName: ApiFunctionName;
}

/** The API's resources and the function behind each, as in the CDK app. */
export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'POST', resource: '/uploads', functionName: 'presign' },
  { method: 'GET', resource: '/uploads/{uploadId}', functionName: 'query' },
  { method: 'GET', resource: '/bars', functionName: 'query' },
  { method: 'GET', resource: '/bars/{barName}/drinks', functionName: 'query' },
  { method: 'GET', resource: '/bars/{barName}/drinks/{drinkName}', functionName: 'query' },
];

/**
 * Builds the proxy event of `GET /uploads/{uploadId}`, for runtime code that reads an upload's
 * status through the query handler as the widgets do.
 */
export function uploadStatusEvent(uploadId: string, stage: string): APIGatewayProxyEvent {
  const path = `/uploads/${uploadId}`;

  return {
    resource: '/uploads/{uploadId}',
    path,
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { uploadId },
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { httpMethod: 'GET', path: `/${stage}${path}`, resourcePath: '/uploads/{uploadId}', stage, requestId: uploadId },
  } as unknown as APIGatewayProxyEvent;
}

/** API Gateway's limit on a request's payload. */
export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;

/** Headers a preflight allows: the defaults of the CDK's CORS options plus the trace header. */
const PREFLIGHT_ALLOWED_HEADERS = [
  'Content-Type',
  'X-Amz-Date',
  'Authorization',
  'X-Api-Key',
  'X-Amz-Security-Token',
  'X-Amz-User-Agent',
  'X-Amzn-Trace-Id',
].join(',');

const TEXT_CONTENT_TYPES = /^(text\/|application\/(json|[a-z.+-]*\+json|x-www-form-urlencoded|xml|javascript))/i;

export interface ResourceMatch {
  readonly resource: string;
  /** Decoded path parameters, or null when the resource has none, as in API Gateway. */
  readonly pathParameters: Record<string, string> | null;
  readonly routes: readonly ApiRoute[];
}

/** Thrown for a path segment that is not valid percent-encoding. */
export class InvalidPathError extends Error {
  constructor(segment: string) {
    super(`path segment ${JSON.stringify(segment)} is not valid percent-encoding`);
    this.name = 'InvalidPathError';
  }
}

/**
 * Finds the resource of a raw (still percent-encoded) path below the base path. Parameters match
 * one non-empty segment each and are percent-decoded; `+` stays a plus sign, as in a URL path.
 */
export function matchResource(rawPath: string, routes: readonly ApiRoute[] = API_ROUTES): ResourceMatch | undefined {
  const segments = rawPath.split('/').slice(1);
  const resources = [...new Set(routes.map((route) => route.resource))];

  for (const resource of resources) {
    const templateSegments = resource.split('/').slice(1);
    if (templateSegments.length !== segments.length) continue;

    const parameters: Record<string, string> = {};
    const matches = templateSegments.every((template, index) => {
      const segment = segments[index] as string;
      const parameter = /^\{(\w+)\}$/.exec(template);
      if (parameter === null) return template === segment;
      if (segment.length === 0) return false;

      parameters[parameter[1] as string] = decodeSegment(segment);

      return true;
    });
    if (!matches) continue;

    return {
      resource,
      pathParameters: Object.keys(parameters).length > 0 ? parameters : null,
      routes: routes.filter((route) => route.resource === resource),
    };
  }

  return undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidPathError(segment);
  }
}

export interface ProxyEventInput {
  readonly method: string;
  /** Path below the base path, still percent-encoded. */
  readonly path: string;
  readonly search: string;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly match: ResourceMatch;
  readonly sourceIp: string;
  readonly stage: string;
  readonly requestId: string;
  readonly traceHeader: string;
  readonly now?: Date;
}

/** Builds the proxy event (payload format 1.0) the REST API sends to a Lambda proxy integration. */
export function buildProxyEvent(input: ProxyEventInput): APIGatewayProxyEvent {
  const now = input.now ?? new Date();
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let index = 0; index + 1 < input.rawHeaders.length; index += 2) {
    const name = input.rawHeaders[index] as string;
    const value = input.rawHeaders[index + 1] as string;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const host = headers.Host ?? headers.host ?? 'localhost';
  const gatewayHeaders = {
    'X-Amzn-Trace-Id': input.traceHeader,
    'X-Forwarded-For': input.sourceIp,
    'X-Forwarded-Port': host.split(':')[1] ?? '80',
    'X-Forwarded-Proto': 'http',
  };
  for (const [name, value] of Object.entries(gatewayHeaders)) {
    headers[name] = value;
    multiValueHeaders[name] = [value];
  }

  const query = new URLSearchParams(input.search);
  const queryStringParameters: Record<string, string> = {};
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [name, value] of query) {
    queryStringParameters[name] = value;
    (multiValueQueryStringParameters[name] ??= []).push(value);
  }
  const hasQuery = Object.keys(queryStringParameters).length > 0;

  const contentType = headers['Content-Type'] ?? headers['content-type'] ?? '';
  const isText = input.body.length === 0 || TEXT_CONTENT_TYPES.test(contentType);

  return {
    resource: input.match.resource,
    path: input.path,
    httpMethod: input.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? queryStringParameters : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQueryStringParameters : null,
    pathParameters: input.match.pathParameters,
    stageVariables: null,
    body: input.body.length === 0 ? null : input.body.toString(isText ? 'utf8' : 'base64'),
    isBase64Encoded: !isText,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      domainName: host.split(':')[0] ?? host,
      domainPrefix: 'local',
      extendedRequestId: input.requestId.replaceAll('-', '').slice(0, 16),
      httpMethod: input.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: input.sourceIp,
        user: null,
        userAgent: headers['User-Agent'] ?? headers['user-agent'] ?? null,
        userArn: null,
      },
      path: `/${input.stage}${input.path}`,
      protocol: 'HTTP/1.1',
      requestId: input.requestId,
      requestTime: formatRequestTime(now),
      requestTimeEpoch: now.getTime(),
      resourceId: input.match.resource.replace(/\W/g, '').slice(0, 10) || 'root',
      resourcePath: input.match.resource,
      stage: input.stage,
    },
  };
}

/** Formats a time as API Gateway's `requestTime`, for example `04/Dec/2026:19:45:07 +0000`. */
function formatRequestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (value: number) => String(value).padStart(2, '0');

  return (
    `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** CORS headers the gateway adds to the responses it makes itself. */
export function gatewayCorsHeaders(origin: string | undefined, allowedOrigins: readonly string[]): Record<string, string> {
  if (allowedOrigins.includes('*')) return { 'Access-Control-Allow-Origin': '*' };
  if (origin !== undefined && allowedOrigins.includes(origin)) {
    return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
  }

  return { Vary: 'Origin' };
}

/** A completed API call, reported after the response is written. */
export interface ApiCallReport {
  readonly method: string;
  readonly path: string;
  readonly resource?: string;
  readonly statusCode: number;
  readonly traceId: string;
  readonly functionName?: ApiFunctionName;
  readonly event?: APIGatewayProxyEvent;
  readonly invocation?: InvocationResult<APIGatewayProxyResult>;
}

export interface HttpApiOptions {
  readonly invoke: (
    functionName: ApiFunctionName,
    event: APIGatewayProxyEvent,
    trace: { traceId: string; parentSegmentId: string },
  ) => Promise<InvocationResult<APIGatewayProxyResult>>;
  readonly allowedOrigins: readonly string[];
  /** @default 'local' */
  readonly stage?: string;
  /** @default MAX_REQUEST_BODY_BYTES */
  readonly maxBodyBytes?: number;
  readonly routes?: readonly ApiRoute[];
  /** Receives the stage's segment of every call. */
  readonly traceSink?: (segment: SegmentDocument) => void;
  readonly onCall?: (report: ApiCallReport) => void;
}

/**
 * Creates the request listener of the API. It takes the path below the API's base path, because
 * the local server mounts the API under `/api` while the deployed stage has its own host.
 */
export function createHttpApi(options: HttpApiOptions) {
  const stage = options.stage ?? 'local';
  const maxBodyBytes = options.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES;
  const routes = options.routes ?? API_ROUTES;

  return async function handleApiRequest(request: IncomingMessage, response: ServerResponse, apiPath: string, search: string) {
    const startedAt = Date.now();
    const method = (request.method ?? 'GET').toUpperCase();
    const origin = request.headers.origin;
    const cors = gatewayCorsHeaders(origin, options.allowedOrigins);
    const incoming = parseTraceHeader(headerValue(request, 'x-amzn-trace-id'));
    const traceId = incoming?.root ?? newTraceId(startedAt);
    const stageSegmentId = newSegmentId();
    const requestId = randomUUID();
    const traceHeaders = { 'X-Amzn-Trace-Id': `Root=${traceId};Sampled=1`, 'x-amzn-RequestId': requestId };

    const finish = (statusCode: number, report: Partial<ApiCallReport> = {}) => {
      options.traceSink?.(stageSegment(stage, stageSegmentId, traceId, incoming?.parent, request, method, apiPath, statusCode, startedAt));
      options.onCall?.({ method, path: apiPath, statusCode, traceId, ...report });
    };
    const sendError = (statusCode: number, body: ErrorResponse, extra: Record<string, string> = {}) => {
      writeJson(response, statusCode, body, { ...cors, ...traceHeaders, ...extra });
      finish(statusCode);
    };

    let match: ResourceMatch | undefined;
    try {
      match = matchResource(apiPath, routes);
    } catch (error) {
      if (!(error instanceof InvalidPathError)) throw error;
      request.resume();
      sendError(400, { error: 'InvalidPath', message: `${error.message}; encode the path with encodeURIComponent` });
      return;
    }
    if (match === undefined) {
      request.resume();
      sendError(404, { error: 'NotFound', message: `no resource matches ${method} ${apiPath}; see backend/openapi.yaml for the API's paths` });
      return;
    }

    const allowedMethods = [...match.routes.map((route) => route.method), 'OPTIONS'].join(',');
    if (method === 'OPTIONS') {
      request.resume();
      response.writeHead(204, {
        ...cors,
        ...traceHeaders,
        'Access-Control-Allow-Methods': allowedMethods,
        'Access-Control-Allow-Headers': PREFLIGHT_ALLOWED_HEADERS,
        'Access-Control-Max-Age': '600',
      });
      response.end();
      finish(204, { resource: match.resource });
      return;
    }

    const route = match.routes.find((candidate) => candidate.method === method);
    if (route === undefined) {
      request.resume();
      sendError(
        405,
        { error: 'MethodNotAllowed', message: `${method} is not allowed on ${match.resource}; use ${allowedMethods}` },
        { Allow: allowedMethods },
      );
      return;
    }

    const body = await readBody(request, maxBodyBytes);
    if (body === undefined) {
      sendError(413, {
        error: 'PayloadTooLarge',
        message: `the request body is larger than ${maxBodyBytes} bytes; upload photos to S3 with the presigned POST instead`,
      });
      return;
    }

    const event = buildProxyEvent({
      method,
      path: apiPath,
      search,
      rawHeaders: request.rawHeaders,
      body,
      match,
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      stage,
      requestId,
      traceHeader: formatTraceHeader(traceId, stageSegmentId),
    });
    const invocation = await options.invoke(route.functionName, event, { traceId, parentSegmentId: stageSegmentId });
    const result = invocation.result;
    const report = { resource: match.resource, functionName: route.functionName, event, invocation };

    if (invocation.error !== undefined || !isProxyResult(result)) {
      // API Gateway returns 502 when the function fails or returns anything other than a proxy result.
      writeJson(response, 502, { error: 'BadGateway', message: 'Internal server error' }, { ...cors, ...traceHeaders });
      finish(502, report);
      return;
    }

    writeProxyResult(response, result, traceHeaders);
    finish(result.statusCode, report);
  };
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];

  return Array.isArray(value) ? value[0] : value;
}

/** Reads the body; resolves undefined as soon as it grows past the limit. */
async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    request.resume();
    return undefined;
  }

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      request.resume();
      return undefined;
    }
    chunks.push(chunk);
  }

  return Buffer.concat(chunks);
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  if (typeof value !== 'object' || value === null) return false;

  const statusCode = (value as { statusCode?: unknown }).statusCode;

  return typeof statusCode === 'number' && Number.isInteger(statusCode) && statusCode >= 100 && statusCode <= 599;
}

/** Writes a proxy result: `multiValueHeaders` add to `headers`, and a base64 body is decoded. */
export function writeProxyResult(response: ServerResponse, result: APIGatewayProxyResult, extraHeaders: Record<string, string> = {}): void {
  const headers = new Map<string, { name: string; values: string[] }>();
  const add = (name: string, value: unknown) => {
    const key = name.toLowerCase();
    const entry = headers.get(key) ?? { name, values: [] };
    entry.values.push(String(value));
    headers.set(key, entry);
  };
  for (const [name, value] of Object.entries(extraHeaders)) add(name, value);
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    headers.delete(name.toLowerCase());
    add(name, value);
  }
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    for (const value of values) add(name, value);
  }

  const body = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
  response.statusCode = result.statusCode;
  for (const { name, values } of headers.values()) {
    response.setHeader(name, values.length === 1 ? (values[0] as string) : values);
  }
  if (!response.hasHeader('content-type') && body.length > 0) response.setHeader('Content-Type', 'application/json');
  response.setHeader('Content-Length', body.length);
  response.end(body);
}

function writeJson(response: ServerResponse, statusCode: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  response.writeHead(statusCode, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** The `AWS::ApiGateway::Stage` segment that API Gateway sends for a traced request. */
function stageSegment(
  stage: string,
  id: string,
  traceId: string,
  parentId: string | undefined,
  request: IncomingMessage,
  method: string,
  path: string,
  status: number,
  startedAt: number,
): SegmentDocument {
  return {
    name: `drink-widgets-api/${stage}`,
    id,
    trace_id: traceId,
    ...(parentId ? { parent_id: parentId } : {}),
    start_time: startedAt / 1000,
    end_time: Date.now() / 1000,
    origin: 'AWS::ApiGateway::Stage',
    http: {
      request: { method, url: path, client_ip: request.socket.remoteAddress, user_agent: request.headers['user-agent'] },
      response: { status },
    },
    ...(status >= 500 ? { fault: true } : status >= 400 ? { error: true } : {}),
  };
}
