/**
 * CloudWatch metrics of the pipeline, written as Embedded Metric Format lines by Powertools
 * Metrics in the namespace `DrinkWidgets`. Each handler calls `publishMetrics` before it returns.
 */
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';

const metrics = new Metrics({
  namespace: 'DrinkWidgets',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'drink-widgets',
});

/** Counts one presigned POST handed out. */
export function recordUploadRequested(): void {
  metrics.addMetric('UploadsRequested', MetricUnit.Count, 1);
}

/** Records one photo indexed, with the time from upload to index and the original's size. */
export function recordPhotoIndexed(uploadToIndexedMs: number, photoBytes: number): void {
  metrics.addMetric('PhotosIndexed', MetricUnit.Count, 1);
  metrics.addMetric('UploadToIndexedTime', MetricUnit.Milliseconds, uploadToIndexedMs);
  metrics.addMetric('PhotoBytes', MetricUnit.Bytes, photoBytes);
}

/** Counts one photo rejected, under the dimension `Reason` (for example `TypeMismatch`). */
export function recordPhotoRejected(reason: string): void {
  // A single-metric line keeps the Reason dimension off the other metrics of the invocation.
  const single = metrics.singleMetric();
  single.addDimension('Reason', reason);
  single.addMetric('PhotosRejected', MetricUnit.Count, 1);
}

/** Records how long process-photo worked on one object, whatever the outcome. */
export function recordProcessingTime(milliseconds: number): void {
  metrics.addMetric('ProcessingTime', MetricUnit.Milliseconds, milliseconds);
}

/**
 * Writes the metrics stored during this invocation to standard output. An invocation that stored
 * none, such as a rejected request, writes nothing, where Powertools would log a warning.
 */
export function publishMetrics(): void {
  if (!metrics.hasStoredMetrics()) return;

  metrics.publishStoredMetrics();
}
