/**
 * CORS rules of the photo bucket, shared by the CDK construct and the embedded default so that
 * browsers meet the same rules locally as in AWS.
 */

/** One CORS rule, in the shape of aws-cdk-lib's `s3.CorsRule` with plain strings for methods. */
export interface BucketCorsRule {
  readonly allowedMethods: ReadonlyArray<'GET' | 'HEAD' | 'POST'>;
  readonly allowedOrigins: readonly string[];
  readonly allowedHeaders: readonly string[];
  readonly exposedHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

/**
 * Builds the bucket's CORS rules: POST for the presigned uploads and GET or HEAD for the renditions
 * served through presigned GETs, from the given origins only.
 */
export function bucketCorsRules(allowedOrigins: readonly string[]): BucketCorsRule[] {
  return [
    {
      allowedMethods: ['POST', 'GET', 'HEAD'],
      allowedOrigins: [...allowedOrigins],
      allowedHeaders: ['*'],
      // The uploader reads ETag to confirm what S3 stored.
      exposedHeaders: ['ETag'],
      maxAgeSeconds: 3000,
    },
  ];
}

/** Writes the rules as the `CORSConfiguration` XML document that S3's PutBucketCors API takes. */
export function bucketCorsXml(rules: readonly BucketCorsRule[]): string {
  const element = (name: string, values: readonly (string | number)[]) =>
    values.map((value) => `<${name}>${escapeXml(String(value))}</${name}>`).join('');

  const body = rules
    .map(
      (rule) =>
        '<CORSRule>' +
        element('AllowedOrigin', rule.allowedOrigins) +
        element('AllowedMethod', rule.allowedMethods) +
        element('AllowedHeader', rule.allowedHeaders) +
        element('ExposeHeader', rule.exposedHeaders) +
        element('MaxAgeSeconds', [rule.maxAgeSeconds]) +
        '</CORSRule>',
    )
    .join('');

  return `<CORSConfiguration>${body}</CORSConfiguration>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
