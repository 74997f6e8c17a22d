import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { App, CfnElement, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks } from 'cdk-nag';

import { bucketCorsRules } from '../shared/bucket-cors.js';
import { readAppSettings } from './context.js';
import { DrinkPhotos, type DrinkPhotosProps } from './drink-photos.js';
import { DrinkWidgetsStack } from './stack.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

const ORIGIN = 'https://bar.example.com';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

/**
 * Creates an app with the feature flags of `cdk.json` that skips asset bundling, so a template is
 * built in seconds without esbuild or npm.
 */
function newApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
}

function buildStack(photos: DrinkPhotosProps) {
  const app = newApp();
  const stack = new DrinkWidgetsStack(app, 'Test', {
    photos,
    widgetScriptUrl: 'https://cdn.example.com/drink-widgets.js',
  });
  const template = Template.fromStack(stack);

  return { stack, photos: stack.photos, template, resources: template.toJSON().Resources as Resources };
}

// Each stack is synthesized once and shared by the tests below.
const main = buildStack({ allowedOrigins: [ORIGIN], alarmEmail: 'ops@example.com' });
const variant = buildStack({
  allowedOrigins: [ORIGIN, 'http://localhost:5173'],
  removalPolicy: RemovalPolicy.DESTROY,
  enableCdn: true,
  maxUploadBytes: 10 * 1024 * 1024,
});

const existing = (() => {
  const app = newApp();
  const stack = new Stack(app, 'Existing');
  const photos = new DrinkPhotos(stack, 'Photos', {
    allowedOrigins: [ORIGIN],
    bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'existing-photos'),
    table: dynamodb.Table.fromTableAttributes(stack, 'Table', { tableName: 'existing-table', globalIndexes: ['byTime'] }),
  });

  return { stack, photos, template: Template.fromStack(stack) };
})();

function logicalId(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** Collects the statements of every IAM policy attached to the given role. */
function statementsOfRole(built: typeof main, role: IConstruct): Record<string, unknown>[] {
  const roleId = logicalId(built.stack, role);

  return Object.values(built.resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((resource) => JSON.stringify(resource.Properties?.Roles).includes(`"${roleId}"`))
    .flatMap((resource) => (resource.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** Returns the key prefixes of the photo bucket that S3 statements of a role apply to. */
function bucketPrefixesOfRole(built: typeof main, role: IConstruct): string[] {
  const bucketId = logicalId(built.stack, built.photos.bucket);
  const prefixes = new Set<string>();
  for (const statement of statementsOfRole(built, role)) {
    for (const resource of asArray(statement.Resource)) {
      const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
      if (!join || !JSON.stringify(join).includes(bucketId)) continue;
      prefixes.add(String(join[1].at(-1)));
    }
  }

  return [...prefixes].sort();
}

function functionsOf(built: typeof main) {
  return [built.photos.presignFunction, built.photos.processPhotoFunction, built.photos.queryFunction];
}

function runNag(stack: Stack) {
  return new AwsSolutionsChecks().validateScope(stack).violations.map(
    (violation) => `${violation.ruleName} at ${violation.violatingResources.map((resource) => resource.constructPath).join(', ')}`,
  );
}

describe('DrinkPhotos bucket', () => {
  it('blocks public access and encrypts objects', () => {
    main.template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'photos/' }),
    });
  });

  it('denies requests without TLS', () => {
    main.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalId(main.stack, main.photos.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('uses the shared CORS rules', () => {
    const expected = bucketCorsRules([ORIGIN]).map((rule) => ({
      AllowedMethods: [...rule.allowedMethods],
      AllowedOrigins: [...rule.allowedOrigins],
      AllowedHeaders: [...rule.allowedHeaders],
      ExposedHeaders: [...rule.exposedHeaders],
      MaxAge: rule.maxAgeSeconds,
    }));
    const bucket = main.resources[logicalId(main.stack, main.photos.bucket)];

    assert.deepEqual((bucket.Properties?.CorsConfiguration as { CorsRules: unknown }).CorsRules, expected);
  });

  it('expires rejected originals and keeps the others', () => {
    const bucket = main.resources[logicalId(main.stack, main.photos.bucket)];
    const rules = (bucket.Properties?.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules;

    assert.deepEqual(
      rules.find((rule) => rule.Id === 'AbortIncompleteMultipartUploads')?.AbortIncompleteMultipartUpload,
      { DaysAfterInitiation: 1 },
    );
    const rejected = rules.find((rule) => rule.Id === 'ExpireRejectedOriginals');
    assert.equal(rejected?.Prefix, 'rejected/');
    assert.equal(rejected?.ExpirationInDays, 30);
    assert.equal(rules.filter((rule) => rule.ExpirationInDays !== undefined).length, 1);
  });

  it('notifies process-photo of new originals', () => {
    main.template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'photos/' }] } },
            LambdaFunctionArn: { 'Fn::GetAtt': [logicalId(main.stack, main.photos.processPhotoFunction), 'Arn'] },
          },
        ],
      },
    });
  });
});

describe('DrinkPhotos table', () => {
  it('has pk, sk, ttl, on-demand billing and PITR', () => {
    main.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      DeletionProtectionEnabled: true,
    });
    main.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });

  it('drops deletion protection under DESTROY', () => {
    variant.template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    variant.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });
});

describe('DrinkPhotos functions', () => {
  it('run nodejs22.x on arm64 with active tracing', () => {
    for (const fn of functionsOf(main)) {
      const properties = main.resources[logicalId(main.stack, fn)].Properties ?? {};

      assert.equal(properties.Runtime, 'nodejs22.x', fn.node.id);
      assert.deepEqual(properties.Architectures, ['arm64'], fn.node.id);
      assert.deepEqual(properties.TracingConfig, { Mode: 'Active' }, fn.node.id);
      assert.equal(properties.Handler, 'index.handler', fn.node.id);
    }
  });

  it('get the documented environment variables', () => {
    const environment = (fn: IConstruct) =>
      (main.resources[logicalId(main.stack, fn)].Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
    const presign = environment(main.photos.presignFunction);
    const query = environment(main.photos.queryFunction);
    const processPhoto = environment(main.photos.processPhotoFunction);

    for (const variables of [presign, query, processPhoto]) {
      assert.deepEqual(variables.BUCKET_NAME, { Ref: logicalId(main.stack, main.photos.bucket) });
      assert.deepEqual(variables.TABLE_NAME, { Ref: logicalId(main.stack, main.photos.table) });
      assert.equal(variables.POWERTOOLS_SERVICE_NAME, 'drink-widgets');
      assert.equal(variables.POWERTOOLS_LOG_LEVEL, 'INFO');
      assert.equal(variables.POWERTOOLS_METRICS_NAMESPACE, 'DrinkWidgets');
    }
    assert.equal(presign.ALLOWED_ORIGINS, ORIGIN);
    assert.equal(query.ALLOWED_ORIGINS, ORIGIN);
    assert.equal(presign.MAX_UPLOAD_BYTES, String(20 * 1024 * 1024));
    assert.equal(presign.UPLOAD_EXPIRY_SECONDS, '300');
    assert.equal(processPhoto.RENDITION_SIZES, JSON.stringify({ thumb: 320, display: 1600 }));
  });

  it('size process-photo for 12-megapixel photos', () => {
    main.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.absent(),
      MemorySize: 1769,
      Timeout: 60,
      ReservedConcurrentExecutions: 10,
      Environment: { Variables: Match.objectLike({ RENDITION_SIZES: Match.anyValue() }) },
    });
  });

  it('retry twice, then fail to a queue', () => {
    const queueId = logicalId(main.stack, main.photos.failureQueue);

    main.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(main.stack, main.photos.processPhotoFunction) },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    main.template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    main.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('log to their own groups with retention', () => {
    for (const fn of functionsOf(main)) {
      const loggingConfig = main.resources[logicalId(main.stack, fn)].Properties?.LoggingConfig as { LogGroup: { Ref: string } };
      const logGroup = main.resources[loggingConfig.LogGroup.Ref];

      assert.equal(logGroup.Type, 'AWS::Logs::LogGroup', fn.node.id);
      assert.equal(logGroup.Properties?.RetentionInDays, 30, fn.node.id);
    }
    main.template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 4);
  });
});

describe('DrinkPhotos IAM', () => {
  it('writes no wildcard action', () => {
    const actions = Object.values(main.resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap((resource) => (resource.Properties?.PolicyDocument as { Statement: { Action: unknown }[] }).Statement)
      .flatMap((statement) => asArray(statement.Action).map(String));

    assert.ok(actions.length > 0);
    for (const action of actions) {
      assert.notEqual(action, '*');
      assert.doesNotMatch(action, /^[a-z0-9-]+:\*$/, `action ${action} allows a whole service`);
    }
  });

  it('uses * resources only for X-Ray', () => {
    for (const fn of functionsOf(main)) {
      for (const statement of statementsOfRole(main, fn.role!)) {
        if (!asArray(statement.Resource).includes('*')) continue;

        assert.deepEqual(asArray(statement.Action).sort(), ['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      }
    }
  });

  it('scopes presign to putting originals', () => {
    const statements = statementsOfRole(main, main.photos.presignFunction.role!);
    const s3Actions = statements.flatMap((statement) => asArray(statement.Action)).filter((action) => String(action).startsWith('s3:'));

    assert.deepEqual(bucketPrefixesOfRole(main, main.photos.presignFunction.role!), ['/photos/*']);
    assert.ok(s3Actions.includes('s3:PutObject'));
    assert.ok(!s3Actions.some((action) => String(action).startsWith('s3:Get') || String(action).startsWith('s3:Delete')));
  });

  it('scopes process-photo to its three prefixes', () => {
    assert.deepEqual(bucketPrefixesOfRole(main, main.photos.processPhotoFunction.role!), [
      '/photos/*',
      '/rejected/*',
      '/renditions/*',
    ]);
    const deletes = statementsOfRole(main, main.photos.processPhotoFunction.role!).filter((statement) =>
      asArray(statement.Action).some((action) => String(action).startsWith('s3:DeleteObject')),
    );
    assert.equal(deletes.length, 1);
    assert.match(JSON.stringify(deletes[0].Resource), /"\/photos\/\*"/);
  });

  it('scopes query to reading renditions and the table', () => {
    const statements = statementsOfRole(main, main.photos.queryFunction.role!);
    const actions = statements.flatMap((statement) => asArray(statement.Action).map(String));

    assert.deepEqual(bucketPrefixesOfRole(main, main.photos.queryFunction.role!), ['/renditions/*']);
    assert.ok(actions.includes('dynamodb:Query'));
    assert.ok(!actions.some((action) => action.startsWith('dynamodb:Put') || action.startsWith('s3:Put')));
  });
});

describe('DrinkPhotos API', () => {
  it('traces, throttles and writes JSON access logs', () => {
    main.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }),
      ]),
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('^\\{.*"requestId":"\\$context.requestId".*\\}$'),
      },
    });
    const stage = Object.values(main.resources).find((resource) => resource.Type === 'AWS::ApiGateway::Stage');
    const format = JSON.parse(String((stage?.Properties?.AccessLogSetting as { Format: string }).Format)) as Record<string, string>;
    assert.equal(format.xrayTraceId, '$context.xrayTraceId');
    assert.equal(format.status, '$context.status');
    const destination = JSON.stringify((stage?.Properties?.AccessLogSetting as { DestinationArn: unknown }).DestinationArn);
    assert.ok(destination.includes(logicalId(main.stack, main.photos.accessLogGroup)), destination);
  });

  it('validates the POST /uploads body against a model', () => {
    main.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true });
    main.template.hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      Schema: Match.objectLike({
        required: ['barName', 'drinkName', 'contentType', 'contentLength'],
        properties: Match.objectLike({ contentLength: { type: 'integer', minimum: 1, maximum: 20 * 1024 * 1024 } }),
      }),
    });
    main.template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestValidatorId: Match.anyValue(),
      RequestModels: { 'application/json': Match.anyValue() },
    });
  });

  it('routes every path to its function', () => {
    const methods = Object.values(main.resources)
      .filter((resource) => resource.Type === 'AWS::ApiGateway::Method' && resource.Properties?.HttpMethod !== 'OPTIONS')
      .map((resource) => JSON.stringify(resource.Properties?.Integration));
    const presignArn = logicalId(main.stack, main.photos.presignFunction);
    const queryArn = logicalId(main.stack, main.photos.queryFunction);

    assert.equal(methods.length, 5);
    assert.equal(methods.filter((integration) => integration.includes(presignArn)).length, 1);
    assert.equal(methods.filter((integration) => integration.includes(queryArn)).length, 4);
    for (const path of ['uploads', '{uploadId}', 'bars', '{barName}', 'drinks', '{drinkName}']) {
      main.template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: path });
    }
  });

  it('answers CORS preflight for the allowed origin', () => {
    main.template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'OPTIONS',
      Integration: Match.objectLike({
        IntegrationResponses: [
          Match.objectLike({
            ResponseParameters: Match.objectLike({ 'method.response.header.Access-Control-Allow-Origin': `'${ORIGIN}'` }),
          }),
        ],
      }),
    });
  });

  it('adds CORS headers to gateway error responses', () => {
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      main.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseParameters: { 'gatewayresponse.header.Access-Control-Allow-Origin': `'${ORIGIN}'` },
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"error"') },
      });
    }
    variant.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'DEFAULT_4XX',
      ResponseParameters: {
        'gatewayresponse.header.Access-Control-Allow-Origin': 'method.request.header.Origin',
        'gatewayresponse.header.Vary': "'Origin'",
      },
    });
  });

  it('prints the API URL and the embed snippet', () => {
    const outputs = main.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const snippet = JSON.stringify(outputs.EmbedSnippet.Value);

    assert.match(JSON.stringify(outputs.ApiUrl.Value), /execute-api/);
    assert.match(snippet, /<script type=\\"module\\" src=\\"https:\/\/cdn\.example\.com\/drink-widgets\.js\\"><\/script>/);
    assert.match(snippet, /<drink-uploader api=\\"https:\/\/.*\/v1\\"><\/drink-uploader>/);
     assert.deepEqual(Object.keys(outputs).filter((key) => key.includes('Endpoint')), []);
  });
});

describe('DrinkPhotos monitoring', () => {
  it('has five alarms that notify the topic', () => {
    const topicId = logicalId(main.stack, main.photos.alarmTopic);
    const alarms = Object.values(main.resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');

    assert.equal(alarms.length, 5);
    for (const alarm of alarms) {
      assert.deepEqual(alarm.Properties?.AlarmActions, [{ Ref: topicId }]);
    }
  });

  it('cover errors, failures, 5xx, latency, throttles', () => {
    const processPhotoId = logicalId(main.stack, main.photos.processPhotoFunction);

    main.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: processPhotoId } }],
    });
    main.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ApproximateNumberOfMessagesVisible' });
    main.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Latency', ExtendedStatistic: 'p99', Threshold: 2000 });
    main.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'IF(requests > 0, 100 * errors / requests, 0)' })]),
    });
    main.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'presign + processPhoto + query' })]),
    });
  });

  it('subscribes the alarm e-mail', () => {
    main.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    variant.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('has a dashboard with the pipeline metrics', () => {
    const dashboard = Object.values(main.resources).find((resource) => resource.Type === 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard?.Properties?.DashboardBody);

    for (const text of ['UploadsRequested', 'PhotosIndexed', 'PhotosRejected', 'UploadToIndexedTime', 'DrinkWidgets', 'Latency', 'Errors']) {
      assert.ok(body.includes(text), `dashboard lacks ${text}`);
    }
  });
});

describe('DrinkPhotos CDN', () => {
  it('lets CloudFront read renditions only', () => {
    variant.template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    variant.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: [Match.objectLike({ OriginPath: '/renditions', OriginAccessControlId: Match.anyValue() })],
      }),
    });
    variant.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [Match.anyValue(), '/renditions/*']] },
          }),
        ]),
      },
    });
    main.template.resourceCountIs('AWS::CloudFront::Distribution', 0);
  });
});

describe('DrinkPhotos cdk-nag', () => {
  it('finds nothing unacknowledged in the default stack', () => {
    assert.deepEqual(runNag(main.stack), []);
  });

  it('finds nothing unacknowledged with DESTROY and CDN', () => {
    assert.deepEqual(runNag(variant.stack), []);
  });

  it('gives every acknowledgement a reason', () => {
    const acknowledgements = main.stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));

    assert.ok(acknowledgements.length > 0);
    for (const [id, reason] of acknowledgements) {
      assert.ok(reason.length >= 40, `acknowledgement ${id} needs a reason`);
    }
  });
});

describe('DrinkPhotos with existing storage', () => {
  it('creates no bucket or table', () => {
    existing.template.resourceCountIs('AWS::S3::Bucket', 0);
    existing.template.resourceCountIs('AWS::DynamoDB::Table', 0);
    assert.equal(existing.photos.accessLogsBucket, undefined);
  });

  it('still notifies process-photo', () => {
    existing.template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'existing-photos',
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [Match.objectLike({ Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'photos/' }] } } })],
      },
    });
  });

  it('finds nothing unacknowledged', () => {
    assert.deepEqual(runNag(existing.stack), []);
  });
});

describe('DrinkPhotos validation', () => {
  const build = (props: Partial<DrinkPhotosProps>) => () =>
    new DrinkPhotos(new Stack(newApp(), 'Validation'), 'Photos', { allowedOrigins: [ORIGIN], ...props });

  it('rejects empty allowedOrigins', () => {
    assert.throws(build({ allowedOrigins: [] }), /'allowedOrigins' must list at least one origin/);
  });

  it('rejects an origin with a path', () => {
    assert.throws(build({ allowedOrigins: ['https://bar.example.com/'] }), /'allowedOrigins' entry 'https:\/\/bar.example.com\/' is not an origin/);
  });

  it('rejects an origin that is no URL', () => {
    assert.throws(build({ allowedOrigins: ['bar.example.com'] }), /'allowedOrigins' entry 'bar.example.com' is not a valid URL/);
  });

  it('rejects an origin with another scheme', () => {
    assert.throws(build({ allowedOrigins: ['ftp://bar.example.com'] }), /'allowedOrigins' entry 'ftp:\/\/bar.example.com' must use the http or https scheme/);
  });

  it('rejects * beside other origins', () => {
    assert.throws(build({ allowedOrigins: ['*', ORIGIN] }), /'allowedOrigins' may contain '\*' only as its single entry/);
  });

  it('rejects maxUploadBytes out of range', () => {
    for (const maxUploadBytes of [0, 1.5, 6 * 1024 ** 3]) {
      assert.throws(build({ maxUploadBytes }), /'maxUploadBytes' must be an integer from 1 to 5368709120/, String(maxUploadBytes));
    }
  });

  it('rejects renditionSizes without display', () => {
    assert.throws(build({ renditionSizes: { thumb: 320 } }), /'renditionSizes' must contain a 'display' size/);
  });

  it('rejects a bad rendition name', () => {
    assert.throws(build({ renditionSizes: { display: 1600, 'Big/One': 2000 } }), /'renditionSizes' name 'Big\/One' is invalid/);
  });

  it('rejects a rendition size out of range', () => {
    assert.throws(build({ renditionSizes: { display: 9000 } }), /'renditionSizes' size 'display' must be an integer number of pixels from 16 to 8192, got 9000/);
  });

  it('rejects an invalid alarmEmail', () => {
    assert.throws(build({ alarmEmail: 'ops at example.com' }), /'alarmEmail' must be an e-mail address/);
  });

  it('rejects reservedConcurrency out of range', () => {
    assert.throws(build({ reservedConcurrency: 0 }), /'reservedConcurrency' must be an integer from 1 to 1000, got 0/);
  });

  it('rejects enableCdn with an existing bucket', () => {
    const stack = new Stack(newApp(), 'Existing');
    const bucket = s3.Bucket.fromBucketName(stack, 'Existing', 'existing-bucket');

    assert.throws(
      () => new DrinkPhotos(stack, 'Photos', { allowedOrigins: [ORIGIN], bucket, enableCdn: true }),
      /'enableCdn' cannot be combined with 'bucket'/,
    );
  });

  it('reports every problem in one error', () => {
    assert.throws(build({ allowedOrigins: [], maxUploadBytes: -1, alarmEmail: 'x' }), (error: Error) => {
      assert.match(error.message, /'allowedOrigins'/);
      assert.match(error.message, /'maxUploadBytes'/);
      assert.match(error.message, /'alarmEmail'/);
      return true;
    });
  });
});

describe('app context', () => {
  const settings = (context: Record<string, unknown>) => readAppSettings(newApp(context).node, '1.2.3');

  it('reads origins, e-mail and options', () => {
    const read = settings({
      allowedOrigins: `${ORIGIN}, http://localhost:5173`,
      alarmEmail: 'ops@example.com',
      removalPolicy: 'destroy',
      logRetentionDays: '14',
      enableCdn: 'true',
    });

    assert.deepEqual(read.photos.allowedOrigins, [ORIGIN, 'http://localhost:5173']);
    assert.equal(read.photos.alarmEmail, 'ops@example.com');
    assert.equal(read.photos.removalPolicy, RemovalPolicy.DESTROY);
    assert.equal(read.photos.logRetention, 14);
    assert.equal(read.photos.enableCdn, true);
    assert.equal(read.stackName, 'DrinkWidgets');
    assert.match(read.widgetScriptUrl, /drink-widgets@1\.2\.3/);
  });

  it('names a missing allowedOrigins', () => {
    assert.throws(() => settings({}), /context 'allowedOrigins' is missing: pass -c allowedOrigins=/);
  });

  it('lists every invalid value', () => {
    assert.throws(
      () => settings({ allowedOrigins: ORIGIN, removalPolicy: 'keep', logRetentionDays: '31', enableCdn: 'yes' }),
      (error: Error) => {
        assert.match(error.message, /context 'removalPolicy' must be 'retain' or 'destroy', got 'keep'/);
        assert.match(error.message, /context 'logRetentionDays' must be one of .*, got 31/);
        assert.match(error.message, /context 'enableCdn' must be 'true' or 'false', got 'yes'/);
        return true;
      },
    );
  });
});

describe('process-photo dependencies', () => {
  it('pin the sharp version of the project lockfile', () => {
    const version = (path: string) =>
      (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { packages: Record<string, { version: string }> })
        .packages['node_modules/sharp'].version;

    assert.equal(version('./process-photo-deps/package-lock.json'), version('../../package-lock.json'));
  });
});
