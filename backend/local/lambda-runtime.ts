/**
 * A Lambda-like runtime for handlers imported into this process: a context object, a timeout, and
 * per-invocation trace context so Powertools and the X-Ray SDK behave as in Lambda.
 *
 * In Lambda the runtime interface client sets the trace header of each invocation in
 * `@aws/lambda-invoke-store`. Powertools 2.36 and aws-xray-sdk-core 3.12 read it there before they
 * fall back to `_X_AMZN_TRACE_ID`. The X-Ray SDK hangs the handler's subsegments under a facade
 * segment whose id is the `Parent` of that header, and Lambda itself sends the function's segment.
 * This module does the same locally, with one facade per invocation in its own X-Ray context, so two
 * invocations running at once each keep their own trace id.
 *
 * All handlers share one process, like invocations multiplexed on a Lambda Managed Instance, so the
 * runtime sets `AWS_LAMBDA_MAX_CONCURRENCY`: Powertools then keeps the Logger's keys, the stored
 * metrics and the Tracer's active segment per invocation in the invoke store.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

import type { InvokeStoreBase } from '@aws/lambda-invoke-store';

import type { Context } from 'aws-lambda';

import { formatTraceHeader, newSegmentId, newTraceId } from './trace-ids.js';
import type { SegmentDocument } from './xray-daemon.js';

/** The invocation a piece of asynchronous work belongs to. */
export interface InvocationInfo {
  readonly functionName: string;
  readonly requestId: string;
  readonly traceId: string;
  /** Id of the function's segment, the parent of the handler's subsegments. */
  readonly segmentId: string;
}

/** The invocation whose code is running now; log capture reads it to attribute output. */
export const invocationStorage = new AsyncLocalStorage<InvocationInfo>();

export type LambdaHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

export interface LocalFunctionOptions<TEvent, TResult> {
  /** Function name, as in `AWS_LAMBDA_FUNCTION_NAME`. */
  readonly name: string;
  readonly handler: LambdaHandler<TEvent, TResult>;
  /** @default 1024 */
  readonly memoryMb?: number;
  /** @default 30 */
  readonly timeoutSeconds?: number;
  readonly region?: string;
  /** Receives the function's segment after each invocation. */
  readonly traceSink?: (segment: SegmentDocument) => void;
}

export interface InvokeOptions {
  /** Trace to join; a new trace id is created when absent. */
  readonly traceId?: string;
  /** Segment the function's segment hangs under, such as the API stage's segment. */
  readonly parentSegmentId?: string;
}

export interface InvocationResult<TResult> {
  readonly requestId: string;
  readonly traceId: string;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly result?: TResult;
  /** The handler's error or the timeout error; undefined on success. */
  readonly error?: Error;
}

const LOCAL_ACCOUNT_ID = '000000000000';

/**
 * Environment variables that make Powertools 2.36 and aws-xray-sdk-core 3.12 behave as in Lambda.
 * Set them before either is imported: both read them when they load.
 */
export function lambdaEnvironment(): Record<string, string> {
  return {
    // Powertools Tracer turns itself on only when AWS_EXECUTION_ENV is set; the X-Ray SDK takes
    // its Lambda mode (facade segment, streamed subsegments) from LAMBDA_TASK_ROOT.
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    LAMBDA_TASK_ROOT: process.cwd(),
    _HANDLER: 'index.handler',
    AWS_LAMBDA_MAX_CONCURRENCY: '16',
    // Work outside any invocation, such as a test's own fetch, has no segment; that is expected here.
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  };
}

/** Thrown in place of a result when a handler runs longer than its timeout. */
export class InvocationTimeoutError extends Error {
  constructor(functionName: string, timeoutSeconds: number) {
    super(`${functionName} timed out after ${timeoutSeconds} seconds`);
    this.name = 'InvocationTimeoutError';
  }
}

type RunInTraceContext = <T>(header: string, requestId: string, traceId: string, segmentId: string, work: () => T) => T;

let traceContextRunner: RunInTraceContext | undefined;

/**
 * Loads `@aws/lambda-invoke-store` and aws-xray-sdk-core for per-invocation trace context. Call it
 * after the Lambda environment variables are set and before the handlers are imported, because the
 * X-Ray SDK reads `LAMBDA_TASK_ROOT` and `AWS_XRAY_DAEMON_ADDRESS` when it loads.
 */
export async function installTraceContext(daemonAddress: string): Promise<void> {
  if (traceContextRunner !== undefined) return;

  const { InvokeStoreBase } = await import('@aws/lambda-invoke-store');
  const invokeStore = await getMultiInvokeStore();

  const xrayModule = await import('aws-xray-sdk-core');
  const xray = xrayModule.default;
  xray.setDaemonAddress(daemonAddress);
  // Lambda streams each subsegment as soon as it closes; the facade below is never sent.
  xray.setStreamingThreshold(0);

  traceContextRunner = (header, requestId, traceId, segmentId, work) => {
    const storeContext = {
      [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId,
      [InvokeStoreBase.PROTECTED_KEYS.X_RAY_TRACE_ID]: header,
    };

    return invokeStore.run(mirrorActiveSegment(storeContext, xray), () =>
      xray.getNamespace().runAndReturn(() => {
        xray.setSegment(createFacadeSegment(xray.Segment, traceId, segmentId));

        return work();
      }),
    );
  };
}

/**
 * Returns the process-wide invoke store (`globalThis.awslambda.InvokeStore`), which Powertools and
 * the X-Ray SDK read, as the multi-invocation kind that keeps each invocation's values in an
 * AsyncLocalStorage. The AWS SDK creates the store on its first request, as the single-invocation
 * kind unless `AWS_LAMBDA_MAX_CONCURRENCY` was set by then. The package caches that instance, so a
 * single store found here is replaced by one built on the package's base class. The AWS SDK
 * keeps its reference to the old store, read only when `AWS_LAMBDA_FUNCTION_NAME` is set, which
 * the local runtime leaves unset.
 */
async function getMultiInvokeStore(): Promise<InvokeStoreBase> {
  const { InvokeStore, InvokeStoreBase: Base } = await import('@aws/lambda-invoke-store');
  const global = globalThis as { awslambda?: { InvokeStore?: InvokeStoreBase } };
  const existing = global.awslambda?.InvokeStore ?? (await InvokeStore.getInstanceAsync(true));
  if ('als' in existing) return existing;

  class MultiInvokeStore extends Base {
    readonly als = new AsyncLocalStorage<Record<string | symbol, unknown>>();

    getContext() {
      return this.als.getStore();
    }

    hasContext() {
      return this.als.getStore() !== undefined;
    }

    get<T = unknown>(key: string | symbol): T | undefined {
      return this.als.getStore()?.[key] as T | undefined;
    }

    set<T = unknown>(key: string | symbol, value: T): void {
      if (this.isProtectedKey(key)) throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);

      const store = this.als.getStore();
      if (store === undefined) throw new Error('No context available');
      store[key] = value;
    }

    run<T>(context: Record<string | symbol, unknown>, fn: () => T): T {
      return this.als.run(context, fn);
    }
  }

  const store = new MultiInvokeStore();
  (global.awslambda ??= {}).InvokeStore = store;

  return store;
}

/**
 * Wraps an invoke store context so that a segment Powertools stores in it also becomes the active
 * segment of the invocation's X-Ray context. With `AWS_LAMBDA_MAX_CONCURRENCY` set, Powertools
 * Tracer keeps its active segment only in the invoke store, but the X-Ray SDK's AWS client patch
 * reads the X-Ray context. Without the mirror, SDK calls would hang under the facade instead of
 * under the handler's subsegment that made them.
 */
function mirrorActiveSegment(
  context: Record<symbol, unknown>,
  xray: { Segment: abstract new (...args: never[]) => object; Subsegment: abstract new (...args: never[]) => object; setSegment(segment: never): void },
): Record<symbol, unknown> {
  return new Proxy(context, {
    set(target, key, value: unknown) {
      target[key as symbol] = value;
      if (value instanceof xray.Segment || value instanceof xray.Subsegment) xray.setSegment(value as never);

      return true;
    },
  });
}

/**
 * Builds a facade segment like the one aws-xray-sdk-core creates in Lambda, but bound to one
 * invocation: it never resolves trace data again, is never sent, and only parents subsegments.
 */
function createFacadeSegment<T extends object>(
  SegmentClass: new (name: string, rootId?: string | null, parentId?: string | null) => T,
  traceId: string,
  segmentId: string,
): T {
  const segment = new SegmentClass('facade', traceId);
  const noop = () => undefined;

  return Object.assign(segment, {
    id: segmentId,
    trace_id: traceId,
    facade: true,
    in_progress: false,
    counter: 1,
    resolveLambdaTraceData: noop,
    isClosed: () => true,
    close: noop,
    flush: noop,
    incrementCounter: noop,
    decrementCounter: noop,
  });
}

/** One function: its handler, configuration and cold-start state. */
export class LocalFunction<TEvent, TResult> {
  readonly name: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly arn: string;
  readonly #handler: LambdaHandler<TEvent, TResult>;
  readonly #traceSink?: (segment: SegmentDocument) => void;
  #coldStart = true;

  constructor(options: LocalFunctionOptions<TEvent, TResult>) {
    this.name = options.name;
    this.memoryMb = options.memoryMb ?? 1024;
    this.timeoutSeconds = options.timeoutSeconds ?? 30;
    this.arn = `arn:aws:lambda:${options.region ?? 'us-east-1'}:${LOCAL_ACCOUNT_ID}:function:${options.name}`;
    this.#handler = options.handler;
    this.#traceSink = options.traceSink;
  }

  /** Runs the handler once. A handler error or a timeout comes back in `error` instead of a rejection. */
  async invoke(event: TEvent, options: InvokeOptions = {}): Promise<InvocationResult<TResult>> {
    const requestId = randomUUID();
    const traceId = options.traceId ?? newTraceId();
    const segmentId = newSegmentId();
    const startedAt = Date.now();
    const deadline = startedAt + this.timeoutSeconds * 1000;
    const context = this.#createContext(requestId, deadline);
    const info: InvocationInfo = { functionName: this.name, requestId, traceId, segmentId };
    const coldStart = this.#coldStart;
    this.#coldStart = false;

    let result: TResult | undefined;
    let error: Error | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const run = () => invocationStorage.run(info, () => this.#handler(event, context));
      const header = formatTraceHeader(traceId, segmentId);
      const running = traceContextRunner ? traceContextRunner(header, requestId, traceId, segmentId, run) : run();
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new InvocationTimeoutError(this.name, this.timeoutSeconds)), deadline - startedAt);
      });
      result = await Promise.race([running, timeout]);
    } catch (thrown) {
      error = thrown instanceof Error ? thrown : new Error(String(thrown));
    } finally {
      clearTimeout(timer);
    }

    const endedAt = Date.now();
    this.#traceSink?.(this.#functionSegment(info, startedAt, endedAt, coldStart, options.parentSegmentId, error));

    return { requestId, traceId, startedAt, durationMs: endedAt - startedAt, result, error };
  }

  #createContext(requestId: string, deadline: number): Context {
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');

    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: this.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.arn,
      memoryLimitInMB: String(this.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${this.name}`,
      logStreamName: `${day}/[$LATEST]${requestId.replaceAll('-', '')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  /** The `AWS::Lambda::Function` segment that Lambda sends for each traced invocation. */
  #functionSegment(
    info: InvocationInfo,
    startedAt: number,
    endedAt: number,
    coldStart: boolean,
    parentSegmentId: string | undefined,
    error: Error | undefined,
  ): SegmentDocument {
    return {
      name: this.name,
      id: info.segmentId,
      trace_id: info.traceId,
      ...(parentSegmentId ? { parent_id: parentSegmentId } : {}),
      start_time: startedAt / 1000,
      end_time: endedAt / 1000,
      origin: 'AWS::Lambda::Function',
      resource_arn: this.arn,
      aws: { request_id: info.requestId, function_arn: this.arn, cold_start: coldStart },
      ...(error
        ? { fault: true, cause: { exceptions: [{ id: newSegmentId(), type: error.name, message: error.message }] } }
        : {}),
    };
  }
}
