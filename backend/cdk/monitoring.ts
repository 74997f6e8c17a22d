import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Custom metrics that the handlers publish through Powertools Metrics, counts unless noted.
 * The dashboard finds them with a SEARCH expression, so the dimensions the handlers add (Powertools
 * adds `service`) do not matter, but the namespace and names must match the handlers.
 */
export const PIPELINE_METRICS = {
  namespace: 'DrinkWidgets',
  uploadsRequested: 'UploadsRequested',
  photosIndexed: 'PhotosIndexed',
  photosRejected: 'PhotosRejected',
  /** Milliseconds from the upload to the photo's index entry, one value per indexed photo. */
  uploadToIndexedTime: 'UploadToIndexedTime',
} as const;

/** Period of every alarm and dashboard graph. */
const PERIOD = Duration.minutes(5);

/** The pipeline's Lambda functions, by role. */
export interface PipelineFunctions {
  readonly presign: lambda.IFunction;
  readonly processPhoto: lambda.IFunction;
  readonly query: lambda.IFunction;
}

/** Properties of `DrinkPhotosMonitoring`. */
export interface DrinkPhotosMonitoringProps {
  /** The REST API whose errors and latency are watched. */
  readonly api: apigateway.RestApi;
  /** The functions whose errors and throttles are watched. */
  readonly functions: PipelineFunctions;
  /** On-failure destination of process-photo, so any message in it is an S3 event that was never processed. */
  readonly failureQueue: sqs.IQueue;
  /** The topic every alarm notifies when it goes into ALARM and back to OK. */
  readonly alarmTopic: sns.ITopic;
  /** The p99 API latency above which the latency alarm fires. */
  readonly latencyThreshold: Duration;
  /** Share of API requests, in percent, with a 5xx response above which the 5xx alarm fires. */
  readonly serverErrorRatePercent: number;
  /** Name of the CloudWatch dashboard. */
  readonly dashboardName?: string;
}

/** Alarms on the photo pipeline and a CloudWatch dashboard with its main graphs. */
export class DrinkPhotosMonitoring extends Construct {
  /** Fires when process-photo fails an invocation (each retry counts). */
  public readonly processPhotoErrorsAlarm: cloudwatch.Alarm;
  /** Fires when an S3 event ends up in the failure queue after every retry failed. */
  public readonly failedEventsAlarm: cloudwatch.Alarm;
  /** Fires when the share of 5xx responses of the API passes the threshold. */
  public readonly apiServerErrorRateAlarm: cloudwatch.Alarm;
  /** Fires when the API's p99 latency passes the threshold. */
  public readonly apiLatencyAlarm: cloudwatch.Alarm;
  /** Fires when Lambda throttles any of the three functions. */
  public readonly throttlesAlarm: cloudwatch.Alarm;
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DrinkPhotosMonitoringProps) {
    super(scope, id);
    const { api, functions, failureQueue } = props;

    // Alarms
    this.processPhotoErrorsAlarm = new cloudwatch.Alarm(this, 'ProcessPhotoErrors', {
      alarmDescription: 'process-photo failed at least one invocation; Lambda retries it twice before the event goes to the failure queue.',
      metric: functions.processPhoto.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.failedEventsAlarm = new cloudwatch.Alarm(this, 'FailedEvents', {
      alarmDescription: 'An S3 event failed every attempt of process-photo and waits in the failure queue; the photo is neither indexed nor rejected.',
      metric: failureQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const serverErrorRate = new cloudwatch.MathExpression({
      label: '5xx responses (%)',
      expression: 'IF(requests > 0, 100 * errors / requests, 0)',
      usingMetrics: {
        errors: api.metricServerError({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        requests: api.metricCount({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      },
      period: PERIOD,
    });
    this.apiServerErrorRateAlarm = new cloudwatch.Alarm(this, 'ApiServerErrorRate', {
      alarmDescription: `More than ${props.serverErrorRatePercent}% of API requests got a 5xx response in two of three 5-minute periods.`,
      metric: serverErrorRate,
      threshold: props.serverErrorRatePercent,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.apiLatencyAlarm = new cloudwatch.Alarm(this, 'ApiLatencyP99', {
      alarmDescription: `The API's p99 latency was above ${props.latencyThreshold.toMilliseconds()} ms in two of three 5-minute periods.`,
      metric: api.metricLatency({ period: PERIOD, statistic: cloudwatch.Stats.p(99) }),
      threshold: props.latencyThreshold.toMilliseconds(),
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const throttles = new cloudwatch.MathExpression({
      label: 'Throttled invocations',
      expression: 'presign + processPhoto + query',
      usingMetrics: {
        presign: functions.presign.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        processPhoto: functions.processPhoto.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
        query: functions.query.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM }),
      },
      period: PERIOD,
    });
    this.throttlesAlarm = new cloudwatch.Alarm(this, 'Throttles', {
      alarmDescription: 'Lambda throttled at least one invocation of presign, process-photo or query; throttled S3 events are retried for up to 6 hours.',
      metric: throttles,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const action = new cloudwatchActions.SnsAction(props.alarmTopic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }

    // Dashboard
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Uploads requested',
        left: [searchPipelineMetric(PIPELINE_METRICS.uploadsRequested, 'Presigned POSTs issued')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Photos indexed and rejected',
        left: [
          searchPipelineMetric(PIPELINE_METRICS.photosIndexed, 'Indexed'),
          searchPipelineMetric(PIPELINE_METRICS.photosRejected, 'Rejected'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failed S3 events (failure queue)',
        left: [failureQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: cloudwatch.Stats.MAXIMUM })],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        left: [
          api.metricLatency({ period: PERIOD, statistic: cloudwatch.Stats.p(50), label: 'p50' }),
          api.metricLatency({ period: PERIOD, statistic: cloudwatch.Stats.p(99), label: 'p99' }),
        ],
        leftAnnotations: [{ value: props.latencyThreshold.toMilliseconds(), label: 'p99 alarm' }],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'API requests and errors',
        left: [
          api.metricCount({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: 'Requests' }),
          api.metricClientError({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: '4xx' }),
          api.metricServerError({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label: '5xx' }),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'process-photo duration (ms)',
        left: [
          functions.processPhoto.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(50), label: 'p50' }),
          functions.processPhoto.metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(99), label: 'p99' }),
        ],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Upload to indexed (ms)',
        left: [
          searchPipelineTime(PIPELINE_METRICS.uploadToIndexedTime, 'p50'),
          searchPipelineTime(PIPELINE_METRICS.uploadToIndexedTime, 'p99'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: functionMetrics(functions, (fn, label) => fn.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda throttles',
        left: functionMetrics(functions, (fn, label) => fn.metricThrottles({ period: PERIOD, statistic: cloudwatch.Stats.SUM, label })),
        width: 8,
      }),
    );
  }

  /** Every alarm of the pipeline. */
  public get alarms(): cloudwatch.Alarm[] {
    return [
      this.processPhotoErrorsAlarm,
      this.failedEventsAlarm,
      this.apiServerErrorRateAlarm,
      this.apiLatencyAlarm,
      this.throttlesAlarm,
    ];
  }
}

/**
 * Sums one custom metric over every dimension set it is published with. NOTE: a handler that
 * publishes the same count under two dimension sets would be counted twice.
 */
function searchPipelineMetric(metricName: string, label: string): cloudwatch.IMetric {
  return new cloudwatch.MathExpression({
    label,
    expression: `SUM(SEARCH('Namespace="${PIPELINE_METRICS.namespace}" MetricName="${metricName}"', 'Sum', ${PERIOD.toSeconds()}))`,
    usingMetrics: {},
    period: PERIOD,
  });
}

/**
 * Finds a timing metric at one percentile. Percentiles of several series cannot be added, so this
 * graphs each dimension set the handlers publish it with as its own line.
 */
function searchPipelineTime(metricName: string, percentile: string): cloudwatch.IMetric {
  return new cloudwatch.MathExpression({
    label: percentile,
    expression: `SEARCH('Namespace="${PIPELINE_METRICS.namespace}" MetricName="${metricName}"', '${percentile}', ${PERIOD.toSeconds()})`,
    usingMetrics: {},
    period: PERIOD,
  });
}

function functionMetrics(
  functions: PipelineFunctions,
  metric: (fn: lambda.IFunction, label: string) => cloudwatch.IMetric,
): cloudwatch.IMetric[] {
  return [
    metric(functions.presign, 'presign'),
    metric(functions.processPhoto, 'process-photo'),
    metric(functions.query, 'query'),
  ];
}
