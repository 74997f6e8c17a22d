import { fileURLToPath } from 'node:url';

import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

import { bucketCorsRules } from '../shared/bucket-cors.js';
import { ORIGINALS_PREFIX, REJECTED_PREFIX, RENDITIONS_PREFIX } from '../shared/object-keys.js';
import { DrinkPhotosMonitoring, PIPELINE_METRICS } from './monitoring.js';
import { findPropProblems } from './validate-props.js';

/** Default largest upload: 20 MiB, enough for a 12-megapixel JPEG from a phone camera. */
export const DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** Default renditions, by name, with their longest edge in pixels. */
export const DEFAULT_RENDITION_SIZES: Readonly<Record<string, number>> = { thumb: 320, display: 1600 };

/** Default reserved concurrency of process-photo. */
export const DEFAULT_RESERVED_CONCURRENCY = 10;

/** Lifetime of a presigned POST, passed to presign as `UPLOAD_EXPIRY_SECONDS`. */
const UPLOAD_EXPIRY = Duration.minutes(5);

/** Days a rejected original stays under `rejected/` for inspection before S3 deletes it. */
const REJECTED_RETENTION = Duration.days(30);

/** Stage throttling in requests per second across all clients. A widget makes a few requests per upload. */
const API_RATE_LIMIT = 50;
const API_BURST_LIMIT = 100;

const API_STAGE_NAME = 'v1';
const SERVICE_NAME = 'drink-widgets';

/** Repository root and esbuild working directory, which must contain every entry file. */
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FUNCTIONS_DIR = fileURLToPath(new URL('../functions/', import.meta.url));

/**
 * Lockfile of the packages that process-photo loads from `node_modules` instead of its bundle. The
 * project's own lockfile cannot serve: the asset build writes a `package.json` with these packages
 * only, and `npm ci` rejects a lockfile that lists other dependencies.
 */
const PROCESS_PHOTO_LOCKFILE = fileURLToPath(new URL('./process-photo-deps/package-lock.json', import.meta.url));

/** Properties of `DrinkPhotos`. */
export interface DrinkPhotosProps {
  /**
   * Origins of the sites that embed the widgets, such as `https://bar.example.com`. They are the
   * only origins the bucket's CORS rules, the API's CORS headers and the handlers' `ALLOWED_ORIGINS`
   * admit, and `['*']` admits any origin.
   */
  readonly allowedOrigins: readonly string[];

  /**
   * Largest file, in bytes, that a presigned POST accepts and the `POST /uploads` request
   * validator lets through.
   *
   * @default 20971520 (20 MiB)
   */
  readonly maxUploadBytes?: number;

  /**
   * Renditions that process-photo writes for each photo, by name, with their longest edge in
   * pixels. Must contain `display`, the rendition the API serves. Passed to process-photo as the
   * JSON object `RENDITION_SIZES`.
   *
   * NOTE: process-photo still writes the sizes built into `backend/shared/image.ts` and does not
   * read `RENDITION_SIZES` yet, so only the default takes effect.
   *
   * @default { thumb: 320, display: 1600 }
   */
  readonly renditionSizes?: Readonly<Record<string, number>>;

  /**
   * E-mail address subscribed to the alarm topic. AWS sends a confirmation message first, and no
   * alarm reaches the address until the link in it is followed.
   *
   * @default - no subscription; subscribe to `alarmTopic` yourself
   */
  readonly alarmEmail?: string;

  /**
   * Removal policy of the bucket, the table, the failure queue and the log groups, applied when they
   * leave the stack. With `RemovalPolicy.DESTROY` the table loses its deletion protection and the bucket is
   * emptied before it is deleted. Applies only to resources this construct creates.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * An existing bucket for originals and renditions. The construct then sets none of the bucket's
   * own settings: give it the CORS rules of `bucketCorsRules()` in `backend/shared/bucket-cors.ts`,
   * block public access, enforce TLS and set the lifecycle rules yourself. The construct still adds
   * the event notification and the grants.
   *
   * @default - a new bucket with public access blocked, S3-managed encryption, TLS enforced, the
   *   shared CORS rules, lifecycle rules and server access logs
   */
  readonly bucket?: s3.IBucket;

  /**
   * An existing table with partition key `pk` (string), sort key `sk` (string) and TTL attribute
   * `ttl`.
   *
   * @default - a new on-demand table with point-in-time recovery and, unless the removal policy is
   *   DESTROY, deletion protection
   */
  readonly table?: dynamodb.ITable;

  /**
   * How long the log groups of the functions and of the API's access logs keep their events.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Serves `renditions/` through a CloudFront distribution whose origin access control may read
   * that prefix only. Its URL reaches the query function as `RENDITIONS_CDN_URL`. Cannot be
   * combined with `bucket`.
   *
   * @default false
   */
  readonly enableCdn?: boolean;

  /**
   * Reserved concurrency of process-photo: the most photos processed at once, which caps the write
   * rate on the table and the account concurrency the pipeline can take from other functions.
   * S3 events over the cap are throttled and retried by Lambda for up to 6 hours. An account whose
   * concurrency quota is still the new-account value of 10 cannot reserve any; ask for a higher
   * quota first.
   *
   * @default 10
   */
  readonly reservedConcurrency?: number;
}

/**
 * The drink-photo pipeline. Browsers upload originals to its bucket through presigned POSTs from a
 * REST API, each new original triggers the process-photo function, and a DynamoDB table indexes the
 * photos. Alarms and a dashboard watch all of it.
 */
export class DrinkPhotos extends Construct {
  /** The bucket of originals (`photos/`), renditions (`renditions/`) and rejected originals (`rejected/`). */
  public readonly bucket: s3.IBucket;
  /** Target of the photo bucket's server access logs, or undefined when the bucket was passed in. */
  public readonly accessLogsBucket?: s3.Bucket;
  /** The table of bars, drinks, photos and upload status items. */
  public readonly table: dynamodb.ITable;
  /** Handles `POST /uploads`: writes the status item and returns a presigned POST. */
  public readonly presignFunction: nodejs.NodejsFunction;
  /** Runs on each new original: checks it, writes renditions and indexes it, or moves it to `rejected/`. */
  public readonly processPhotoFunction: nodejs.NodejsFunction;
  /** Handles the `GET` routes and signs GETs of renditions. */
  public readonly queryFunction: nodejs.NodejsFunction;
  /** On-failure destination of process-photo: S3 events that failed every attempt. */
  public readonly failureQueue: sqs.Queue;
  public readonly api: apigateway.RestApi;
  /** Base URL of the API's stage, without a trailing slash, as the widgets' `api` attribute takes it. */
  public readonly apiUrl: string;
  /** Log group of the API's JSON access logs. */
  public readonly accessLogGroup: logs.LogGroup;
  /** Topic that every alarm notifies. */
  public readonly alarmTopic: sns.Topic;
  public readonly monitoring: DrinkPhotosMonitoring;
  /** CloudFront distribution of the renditions, or undefined unless `enableCdn` is set. */
  public readonly distribution?: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: DrinkPhotosProps) {
    super(scope, id);

    // Validate
    const problems = findPropProblems({ ...props, hasExistingBucket: props.bucket !== undefined });
    if (problems.length > 0) {
      throw new Error(`Invalid DrinkPhotos props:\n- ${problems.join('\n- ')}`);
    }

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const maxUploadBytes = props.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    const renditionSizes = props.renditionSizes ?? DEFAULT_RENDITION_SIZES;

    // Create: storage
    if (props.bucket) {
      this.bucket = props.bucket;
    } else {
      this.accessLogsBucket = this.createAccessLogsBucket(removalPolicy);
      this.bucket = this.createPhotoBucket(props.allowedOrigins, removalPolicy, this.accessLogsBucket);
    }
    this.table = props.table ?? this.createTable(removalPolicy);

    this.failureQueue = new sqs.Queue(this, 'FailedEvents', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the on-failure destination of process-photo, so it is the dead-letter queue itself.',
    });

    if (props.enableCdn) {
      this.distribution = this.createRenditionsDistribution(this.bucket);
    }

    // Create: functions
    const storageEnvironment = { BUCKET_NAME: this.bucket.bucketName, TABLE_NAME: this.table.tableName };
    const corsEnvironment = { ALLOWED_ORIGINS: props.allowedOrigins.join(',') };

    this.presignFunction = this.createFunction('Presign', {
      entryFile: 'presign.ts',
      memorySize: 256,
      timeout: Duration.seconds(10),
      logRetention,
      removalPolicy,
      environment: {
        ...storageEnvironment,
        ...corsEnvironment,
        MAX_UPLOAD_BYTES: String(maxUploadBytes),
        UPLOAD_EXPIRY_SECONDS: String(UPLOAD_EXPIRY.toSeconds()),
      },
    });

    // At 1769 MB Lambda gives a function the equivalent of one vCPU. sharp decodes a 12-megapixel
    // photo into about 36 MB of RGB pixels per copy and spends most of its time in the CPU.
    this.processPhotoFunction = this.createFunction('ProcessPhoto', {
      entryFile: 'process-photo.ts',
      memorySize: 1769,
      timeout: Duration.seconds(60),
      logRetention,
      removalPolicy,
      environment: {
        ...storageEnvironment,
        MAX_UPLOAD_BYTES: String(maxUploadBytes),
        RENDITION_SIZES: JSON.stringify(renditionSizes),
      },
      // sharp loads a native library, so esbuild cannot bundle it. It is installed into the asset's
      // node_modules instead, and the npm_config_* variables make npm pick the prebuilt binaries of
      // Lambda's platform (Linux, arm64, glibc) whatever machine runs the synth. A layer would do
      // the same with one more resource to version.
      nodeModules: ['sharp'],
      depsLockFilePath: PROCESS_PHOTO_LOCKFILE,
      bundlingEnvironment: {
        npm_config_os: 'linux',
        npm_config_cpu: 'arm64',
        npm_config_libc: 'glibc',
        // Takes the packages from npm's cache when it has them, so a repeated synth works offline.
        npm_config_prefer_offline: 'true',
      },
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.failureQueue),
      reservedConcurrentExecutions: props.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY,
    });

    this.queryFunction = this.createFunction('Query', {
      entryFile: 'query.ts',
      memorySize: 512,
      timeout: Duration.seconds(10),
      logRetention,
      removalPolicy,
      environment: {
        ...storageEnvironment,
        ...corsEnvironment,
        ...(this.distribution ? { RENDITIONS_CDN_URL: `https://${this.distribution.distributionDomainName}` } : {}),
      },
    });

    // Create: API
    this.accessLogGroup = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logRetention, removalPolicy });
    this.api = this.createApi(props.allowedOrigins, maxUploadBytes, this.accessLogGroup);
    const stack = Stack.of(this);
    this.apiUrl = `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${API_STAGE_NAME}`;

    // Create: alarm topic
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: 'drink-widgets alarms', enforceSSL: true });
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names and states only. CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer-managed key would cost more than the data it protects.',
    });

    // Wire: least-privilege grants, each scoped to the key prefix the function works on
    this.bucket.grantPut(this.presignFunction, `${ORIGINALS_PREFIX}*`);
    this.table.grantWriteData(this.presignFunction);

    this.bucket.grantRead(this.processPhotoFunction, `${ORIGINALS_PREFIX}*`);
    this.bucket.grantDelete(this.processPhotoFunction, `${ORIGINALS_PREFIX}*`);
    this.bucket.grantPut(this.processPhotoFunction, `${RENDITIONS_PREFIX}*`);
    this.bucket.grantPut(this.processPhotoFunction, `${REJECTED_PREFIX}*`);
    this.table.grantReadWriteData(this.processPhotoFunction);

    this.table.grantReadData(this.queryFunction);
    this.bucket.grantRead(this.queryFunction, `${RENDITIONS_PREFIX}*`);

    // Wire: new originals start process-photo. Renditions and rejected originals are written under
    // other prefixes, so process-photo never triggers itself.
    this.bucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.LambdaDestination(this.processPhotoFunction),
      { prefix: ORIGINALS_PREFIX },
    );

    this.acknowledgeNotificationsHandler();

    // Wire: alarms, their e-mail subscription and the dashboard
    this.monitoring = new DrinkPhotosMonitoring(this, 'Monitoring', {
      api: this.api,
      functions: { presign: this.presignFunction, processPhoto: this.processPhotoFunction, query: this.queryFunction },
      failureQueue: this.failureQueue,
      alarmTopic: this.alarmTopic,
      latencyThreshold: Duration.seconds(2),
      serverErrorRatePercent: 1,
    });
    if (props.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    this.acknowledgeGrantWildcards(props.table !== undefined);
  }

  private createAccessLogsBucket(removalPolicy: RemovalPolicy): s3.Bucket {
    // cdk-nag does not ask a log target bucket for access logs of its own.
    const bucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // S3 server access logging delivers only to buckets encrypted with S3-managed keys.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(90) }],
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
    return bucket;
  }

  private createPhotoBucket(
    allowedOrigins: readonly string[],
    removalPolicy: RemovalPolicy,
    accessLogsBucket: s3.IBucket,
  ): s3.Bucket {
    const cors: s3.CorsRule[] = bucketCorsRules(allowedOrigins).map((rule) => ({
      allowedMethods: rule.allowedMethods.map((method) => s3.HttpMethods[method]),
      allowedOrigins: [...rule.allowedOrigins],
      allowedHeaders: [...rule.allowedHeaders],
      exposedHeaders: [...rule.exposedHeaders],
      maxAge: rule.maxAgeSeconds,
    }));

    return new s3.Bucket(this, 'Photos', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      cors,
      // Originals under `photos/` and renditions have no expiration: they are the product.
      lifecycleRules: [
        { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'ExpireRejectedOriginals', prefix: REJECTED_PREFIX, expiration: REJECTED_RETENTION },
      ],
      serverAccessLogsBucket: accessLogsBucket,
      serverAccessLogsPrefix: 'photos/',
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
  }

  private createTable(removalPolicy: RemovalPolicy): dynamodb.Table {
    return new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      timeToLiveAttribute: 'ttl',
      removalPolicy,
    });
  }

  private createFunction(id: string, options: FunctionOptions): nodejs.NodejsFunction {
    const {
      entryFile,
      logRetention,
      removalPolicy,
      environment,
      bundlingEnvironment,
      nodeModules,
      depsLockFilePath,
      ...functionProps
    } = options;

    const logGroup = new logs.LogGroup(this, `${id}Logs`, { retention: logRetention, removalPolicy });
    // An own role instead of the default one, whose AWS-managed policy lets the function write to
    // every log group in the account.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the drink-widgets ${id} function`,
    });
    logGroup.grantWrite(role);

    const fn = new nodejs.NodejsFunction(this, `${id}Function`, {
      ...functionProps,
      entry: `${FUNCTIONS_DIR}${entryFile}`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: depsLockFilePath ?? `${PROJECT_ROOT}package-lock.json`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      environment: {
        ...environment,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: PIPELINE_METRICS.namespace,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Prefer the ESM builds of dependencies, which esbuild can tree-shake.
        mainFields: ['module', 'main'],
        esbuildArgs: { '--tree-shaking': 'true' },
        // Some dependencies still call `require`, which ESM output lacks.
        banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        // The SDK is bundled at the lockfile's versions instead of taken from the runtime, whose
        // SDK version AWS changes without notice.
        bundleAwsSDK: true,
        nodeModules,
        environment: bundlingEnvironment,
      },
    });

    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The handlers target Node.js 22, the runtime they are built and tested for. Moving to a newer runtime is a deliberate upgrade.',
    });

    return fn;
  }

  private createApi(
    allowedOrigins: readonly string[],
    maxUploadBytes: number,
    accessLogGroup: logs.ILogGroup,
  ): apigateway.RestApi {
    const api = new apigateway.RestApi(this, 'Api', {
      description: 'drink-widgets: presigned uploads and photo queries',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole: false,
      deployOptions: {
        stageName: API_STAGE_NAME,
        tracingEnabled: true,
        throttlingRateLimit: API_RATE_LIMIT,
        throttlingBurstLimit: API_BURST_LIMIT,
        accessLogDestination: new apigateway.LogGroupLogDestination(accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.custom(JSON.stringify(accessLogFields())),
      },
      // API Gateway returns preflight responses itself, with the headers of `preflightResponse` in
      // `backend/shared/http.ts`, so a preflight costs no Lambda invocation.
      defaultCorsPreflightOptions: {
        allowOrigins: [...allowedOrigins],
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Content-Type'],
        maxAge: Duration.minutes(10),
      },
    });

    // The stack prints `apiUrl` instead, without the trailing slash of this default output.
    api.node.tryRemoveChild('Endpoint');
    this.addErrorResponses(api, allowedOrigins, maxUploadBytes);

    const bodyValidator = api.addRequestValidator('BodyValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const parameterValidator = api.addRequestValidator('ParameterValidator', {
      validateRequestBody: false,
      validateRequestParameters: true,
    });
    const createUploadModel = api.addModel('CreateUploadRequest', {
      contentType: 'application/json',
      description: 'Body of POST /uploads',
      schema: createUploadSchema(maxUploadBytes),
    });

    const presign = new apigateway.LambdaIntegration(this.presignFunction, { allowTestInvoke: false });
    const query = new apigateway.LambdaIntegration(this.queryFunction, { allowTestInvoke: false });
    const pathParameters = (...names: string[]) =>
      Object.fromEntries(names.map((name) => [`method.request.path.${name}`, true]));

    const uploads = api.root.addResource('uploads');
    uploads.addMethod('POST', presign, {
      requestValidator: bodyValidator,
      requestModels: { 'application/json': createUploadModel },
    });
    uploads.addResource('{uploadId}').addMethod('GET', query, {
      requestValidator: parameterValidator,
      requestParameters: pathParameters('uploadId'),
    });

    const bars = api.root.addResource('bars');
    bars.addMethod('GET', query);
    const drinks = bars.addResource('{barName}').addResource('drinks');
    drinks.addMethod('GET', query, {
      requestValidator: parameterValidator,
      requestParameters: pathParameters('barName'),
    });
    drinks.addResource('{drinkName}').addMethod('GET', query, {
      requestValidator: parameterValidator,
      requestParameters: pathParameters('barName', 'drinkName'),
    });

    Validations.of(api).acknowledge(
      {
        id: 'AwsSolutions-APIG4',
        reason: 'The widgets run on public pages for anonymous visitors, so the API has no authorizer. Stage throttling, request validation and the limits of each presigned POST bound what a caller can do.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: 'Visitors who upload drink photos have no accounts, so there is no Cognito user pool to authorize against.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason: 'Stage throttling limits the request rate. A WAF web ACL adds a fixed monthly cost, and one can be associated with the stage later without a change here.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason: 'JSON access logs record every request. Execution logging needs the account-wide API Gateway CloudWatch role, which an application stack should not own.',
      },
    );

    return api;
  }

  /**
   * Gives API Gateway's own error responses (throttling, validation, missing routes) CORS headers,
   * so the browser lets the widget read them, and the `{ error, message }` shape of the handlers'
   * errors.
   */
  private addErrorResponses(api: apigateway.RestApi, allowedOrigins: readonly string[], maxUploadBytes: number): void {
    // A gateway response header takes one static value or a request value. With several allowed
    // origins, the request's Origin is sent back. NOTE: so for these error responses only, any origin
    // can read the error body, which contains no data of the product.
    const corsHeaders: Record<string, string> =
      allowedOrigins.length === 1
        ? { 'Access-Control-Allow-Origin': `'${allowedOrigins[0]}'` }
        : { 'Access-Control-Allow-Origin': 'method.request.header.Origin', Vary: "'Origin'" };
    const errorTemplate = '{"error":"$context.error.responseType","message":$context.error.messageString}';

    api.addGatewayResponse('Default4xx', {
      type: apigateway.ResponseType.DEFAULT_4XX,
      responseHeaders: corsHeaders,
      templates: { 'application/json': errorTemplate },
    });
    api.addGatewayResponse('Default5xx', {
      type: apigateway.ResponseType.DEFAULT_5XX,
      responseHeaders: corsHeaders,
      templates: { 'application/json': errorTemplate },
    });
    api.addGatewayResponse('BadRequestBody', {
      type: apigateway.ResponseType.BAD_REQUEST_BODY,
      statusCode: '400',
      responseHeaders: corsHeaders,
      templates: {
        'application/json': JSON.stringify({
          error: 'InvalidRequest',
          message: `The request body must be a JSON object with the strings barName, drinkName and contentType (an image MIME type) and the integer contentLength from 1 to ${maxUploadBytes}.`,
        }),
      },
    });
  }

  private createRenditionsDistribution(bucket: s3.IBucket): cloudfront.Distribution {
    const originAccessControl = new cloudfront.S3OriginAccessControl(this, 'RenditionsOriginAccess', {
      signing: cloudfront.Signing.SIGV4_ALWAYS,
    });
    // `S3BucketOrigin.withOriginAccessControl` would let CloudFront read every object, originals
    // included, so the origin and its bucket policy statement are built here for `renditions/` only.
    const distribution = new cloudfront.Distribution(this, 'RenditionsCdn', {
      comment: 'drink-widgets renditions',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withBucketDefaults(bucket, {
          originPath: `/${RENDITIONS_PREFIX.replace(/\/$/, '')}`,
          originAccessControlId: originAccessControl.originAccessControlId,
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      },
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    });
    bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudFrontToReadRenditions',
        principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects(`${RENDITIONS_PREFIX}*`)],
        conditions: { StringEquals: { 'AWS:SourceArn': distribution.distributionArn } },
      }),
    );

    Validations.of(distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'Drink photos are meant for visitors anywhere, so no geo restriction applies.' },
      { id: 'AwsSolutions-CFR2', reason: 'The distribution serves public, cacheable images only; a WAF web ACL can be associated later if abuse appears.' },
      { id: 'AwsSolutions-CFR3', reason: 'CloudFront standard logs need a bucket with ACLs enabled, and the buckets of this construct keep ACLs disabled. CloudFront metrics cover the distribution.' },
      { id: 'AwsSolutions-CFR4', reason: 'The distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the minimum TLS version. A custom domain with its own certificate can raise it.' },
    );

    return distribution;
  }

  /**
   * Acknowledges the managed policy of the function that aws-cdk-lib adds once per stack to apply
   * bucket notifications. aws-cdk-lib fixes the function's id.
   */
  private acknowledgeNotificationsHandler(): void {
    const handler = Stack.of(this).node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (!handler) return;

    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'aws-cdk-lib creates this function to apply the bucket notification at deploy time; its role and the AWS-managed policy that lets it write its logs are not configurable.',
    });
  }

  /**
   * Acknowledges the wildcards that the `grant*` methods and Lambda's X-Ray tracing write. Each
   * finding is listed by its exact id, so a new wildcard still fails the cdk-nag check.
   */
  private acknowledgeGrantWildcards(hasExistingTable: boolean): void {
    const bucketRef = this.nagArnReference(this.bucket.bucketArn);
    const tableRef = this.nagArnReference(this.table.tableArn);

    const xray = {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions.',
    };
    // grant*Data adds `index/*` only for a table with secondary indexes, which only a table passed
    // in through `table` can have.
    const tableIndexes = hasExistingTable
      ? [{
          id: `AwsSolutions-IAM5[Resource::${tableRef}/index/*]`,
          reason: 'The table grant covers the secondary indexes of the existing table too, written by grant*Data as the index/* resource.',
        }]
      : [];
    const readActions = [
      { id: 'AwsSolutions-IAM5[Action::s3:GetObject*]', reason: 'grantRead: s3:GetObject and its version, ACL and tagging variants, limited by the resource to one key prefix.' },
      { id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]', reason: 'grantRead: bucket metadata reads that the SDK needs, on this bucket only.' },
      { id: 'AwsSolutions-IAM5[Action::s3:List*]', reason: 'grantRead: listing this bucket, so a missing key returns 404 instead of 403.' },
    ];
    const putActions = [{ id: 'AwsSolutions-IAM5[Action::s3:Abort*]', reason: 'grantPut: aborting its own multipart uploads, limited by the resource to one key prefix.' }];
    const deleteActions = [{ id: 'AwsSolutions-IAM5[Action::s3:DeleteObject*]', reason: 'grantDelete: deleting originals, limited by the resource to the photos/ prefix.' }];
    const prefix = (keyPrefix: string, what: string) => ({
      id: `AwsSolutions-IAM5[Resource::${bucketRef}/${keyPrefix}*]`,
      reason: `The function may touch only ${what}, the objects under ${keyPrefix}.`,
    });

    const policies: [nodejs.NodejsFunction, { id: string; reason: string }[]][] = [
      [this.presignFunction, [xray, ...tableIndexes, ...putActions, prefix(ORIGINALS_PREFIX, 'originals')]],
      [
        this.processPhotoFunction,
        [
          xray,
          ...tableIndexes,
          ...readActions,
          ...putActions,
          ...deleteActions,
          prefix(ORIGINALS_PREFIX, 'originals'),
          prefix(RENDITIONS_PREFIX, 'renditions'),
          prefix(REJECTED_PREFIX, 'rejected originals'),
        ],
      ],
      [this.queryFunction, [xray, ...tableIndexes, ...readActions, prefix(RENDITIONS_PREFIX, 'renditions')]],
    ];
    for (const [fn, acknowledgments] of policies) {
      if (fn.role) Validations.of(fn.role).acknowledge(...acknowledgments);
    }
  }

  /**
   * Writes an ARN the way cdk-nag 3 names it in a finding id: `Fn::Join` parts joined, `Ref` as
   * `<Name>` and `Fn::GetAtt` as `<LogicalId.Attribute>`.
   */
  private nagArnReference(arn: string): string {
    const flatten = (node: unknown): string => {
      if (typeof node === 'string') return node;

      const value = node as { 'Fn::Join'?: [string, unknown[]]; 'Fn::GetAtt'?: [string, string]; Ref?: string };
      if (value['Fn::Join']) return value['Fn::Join'][1].map(flatten).join(value['Fn::Join'][0]);
      if (value['Fn::GetAtt']) return `<${value['Fn::GetAtt'][0]}.${value['Fn::GetAtt'][1]}>`;
      if (value.Ref) return `<${value.Ref}>`;

      return JSON.stringify(node);
    };

    return flatten(Stack.of(this).resolve(arn));
  }
}

/** Options of one pipeline function, beyond what every function shares. */
interface FunctionOptions extends Pick<
  nodejs.NodejsFunctionProps,
  'memorySize' | 'timeout' | 'retryAttempts' | 'maxEventAge' | 'onFailure' | 'reservedConcurrentExecutions' | 'depsLockFilePath'
> {
  /** File name of the handler in `backend/functions/`. */
  readonly entryFile: string;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly environment: Record<string, string>;
  /** Environment of the asset build (esbuild and `npm ci`), not of the function. */
  readonly bundlingEnvironment?: Record<string, string>;
  /** Packages installed into the asset's node_modules instead of being bundled. */
  readonly nodeModules?: string[];
}

/**
 * Fields of one JSON access log line. The X-Ray trace id links a line to its trace, and the two
 * latencies separate API Gateway's time from the function's.
 */
function accessLogFields(): Record<string, string> {
  const field = apigateway.AccessLogField;

  return {
    requestId: field.contextRequestId(),
    xrayTraceId: field.contextXrayTraceId(),
    requestTime: field.contextRequestTime(),
    ip: field.contextIdentitySourceIp(),
    userAgent: field.contextIdentityUserAgent(),
    httpMethod: field.contextHttpMethod(),
    resourcePath: field.contextResourcePath(),
    protocol: field.contextProtocol(),
    status: field.contextStatus(),
    responseLength: field.contextResponseLength(),
    responseLatency: field.contextResponseLatency(),
    integrationLatency: field.contextIntegrationLatency(),
    errorType: field.contextErrorResponseType(),
  };
}

/** JSON schema of `CreateUploadRequest` in `backend/shared/api.ts`. The presign handler checks the rules of the names. */
function createUploadSchema(maxUploadBytes: number): apigateway.JsonSchema {
  return {
    schema: apigateway.JsonSchemaVersion.DRAFT4,
    title: 'CreateUploadRequest',
    type: apigateway.JsonSchemaType.OBJECT,
    required: ['barName', 'drinkName', 'contentType', 'contentLength'],
    properties: {
      barName: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: 400 },
      drinkName: { type: apigateway.JsonSchemaType.STRING, minLength: 1, maxLength: 400 },
      contentType: { type: apigateway.JsonSchemaType.STRING, pattern: '^image/[A-Za-z0-9.+-]+$' },
      contentLength: { type: apigateway.JsonSchemaType.INTEGER, minimum: 1, maximum: maxUploadBytes },
    },
  };
}
