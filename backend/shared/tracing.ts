/**
 * The only module that talks to AWS X-Ray, through the Powertools Tracer.
 *
 * The X-Ray SDKs reach end of support in February 2027; moving to OpenTelemetry should change
 * this file and nothing else. Where `AWS_EXECUTION_ENV` is unset, as in the unit tests, the Tracer
 * disables itself and every function here becomes a no-op that still runs the wrapped work. The
 * embedded default sets it and emulates Lambda's trace context, so traces show there too.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'drink-widgets' });

/** Annotation values X-Ray can index and filter on. */
export type Annotations = Readonly<Record<string, string | number | boolean | undefined>>;

/** Wraps an AWS SDK v3 client so each of its calls becomes a subsegment. */
export function captureClient<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}

/** Adds annotations to the current subsegment; undefined values are skipped. */
export function annotate(annotations: Annotations): void {
  for (const [key, value] of Object.entries(annotations)) {
    if (value !== undefined) tracer.putAnnotation(key, value);
  }
}

/**
 * Runs `work` inside a new subsegment named `name`, records an error thrown by it on that
 * subsegment and rethrows it. Without a current segment the work runs untraced.
 */
export async function inSubsegment<T>(name: string, work: () => Promise<T>): Promise<T> {
  const parent = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
  if (parent === undefined) return work();

  const subsegment = parent.addNewSubsegment(name);
  tracer.setSegment(subsegment);
  try {
    return await work();
  } catch (error) {
    if (error instanceof Error) tracer.addErrorAsMetadata(error);
    throw error;
  } finally {
    subsegment.close();
    tracer.setSegment(parent);
  }
}

/**
 * Runs one handler invocation inside a `## <name>` subsegment with the ColdStart and Service
 * annotations, as the Powertools middleware does.
 */
export async function traceInvocation<T>(name: string, work: () => Promise<T>): Promise<T> {
  return inSubsegment(`## ${name}`, async () => {
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();

    return work();
  });
}

/**
 * Returns the root trace id of the current invocation (`1-5759e988-bd862e3fe1be46a994272793`), or
 * the one in an `X-Amzn-Trace-Id` request header when the runtime provides none.
 */
export function currentTraceId(traceHeader?: string): string | undefined {
  return tracer.getRootXrayTraceId() ?? parseRootTraceId(traceHeader);
}

/** Reads `Root=` from an X-Ray trace header such as `Root=1-…;Parent=…;Sampled=1`. */
export function parseRootTraceId(traceHeader: string | undefined): string | undefined {
  const match = /(?:^|;)\s*Root=(1-[0-9a-f]{8}-[0-9a-f]{24})/i.exec(traceHeader ?? '');

  return match?.[1];
}
