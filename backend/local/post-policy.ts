/**
 * Checks of a browser's POST upload against its presigned POST policy, as S3 makes them: the
 * Signature Version 4 signature of the policy, its expiration, every condition, and that every
 * form field is covered by a condition. s3rver 3.7 checks none of this, so the embedded runtime
 * runs these checks in front of it.
 *
 * Source: "Creating a POST policy" and "Authenticating Requests in Browser-Based Uploads Using POST
 * (AWS Signature Version 4)" in the Amazon S3 API Reference.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type PolicyCheck =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: number; readonly code: string; readonly message: string };

export interface PolicyCheckInput {
  /** Form fields other than the file, by name as sent. */
  readonly fields: ReadonlyMap<string, string>;
  /** Bytes of the file field. */
  readonly fileSize: number;
  readonly bucket: string;
  /** Secret access key of each access key id that may sign. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly now?: Date;
}

type Condition = Record<string, unknown> | unknown[];

/** Fields that S3 exempts from the rule that every field needs a condition. */
const EXEMPT_FIELDS = new Set(['policy', 'x-amz-signature', 'file']);

function denied(message: string, code = 'AccessDenied', status = 403): PolicyCheck {
  return { ok: false, status, code, message };
}

/** Derives the Signature Version 4 signing key of one day, region and service. */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** Checks one POST upload; see the module comment. Field names compare case-insensitively. */
export function checkPostPolicy(input: PolicyCheckInput): PolicyCheck {
  const fields = new Map([...input.fields].map(([name, value]) => [name.toLowerCase(), value]));
  fields.set('bucket', input.bucket);

  const policy = fields.get('policy');
  if (policy === undefined) return denied('Bucket POST must contain a field named policy');

  const signatureCheck = checkSignature(fields, policy, input.secrets);
  if (!signatureCheck.ok) return signatureCheck;

  let document: { expiration?: unknown; conditions?: unknown };
  try {
    document = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as typeof document;
  } catch {
    return denied('Invalid Policy: Invalid JSON.', 'InvalidPolicyDocument', 400);
  }
  if (typeof document.expiration !== 'string' || !Array.isArray(document.conditions)) {
    return denied('Invalid Policy: expiration and conditions are required.', 'InvalidPolicyDocument', 400);
  }
  if (Date.parse(document.expiration) <= (input.now ?? new Date()).getTime()) {
    return denied('Invalid according to Policy: Policy expired.');
  }

  const covered = new Set<string>(['bucket']);
  for (const condition of document.conditions as Condition[]) {
    const result = checkCondition(condition, fields, input.fileSize, covered);
    if (!result.ok) return result;
  }

  const extra = [...fields.keys()].filter((name) => !covered.has(name) && !EXEMPT_FIELDS.has(name) && !name.startsWith('x-ignore-'));
  if (extra.length > 0) return denied(`Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);

  return { ok: true };
}

function checkSignature(fields: Map<string, string>, policy: string, secrets: Readonly<Record<string, string>>): PolicyCheck {
  if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') {
    return denied('only the x-amz-algorithm AWS4-HMAC-SHA256 is supported', 'InvalidArgument', 400);
  }

  const [accessKeyId, date, region, service, terminator] = (fields.get('x-amz-credential') ?? '').split('/');
  const secret = accessKeyId === undefined ? undefined : secrets[accessKeyId];
  if (!date || !region || !service || terminator !== 'aws4_request') {
    return denied('x-amz-credential is malformed; expected <key id>/<yyyymmdd>/<region>/s3/aws4_request', 'InvalidArgument', 400);
  }
  if (secret === undefined) return denied(`the access key id ${accessKeyId} does not exist`, 'InvalidAccessKeyId');

  const expected = createHmac('sha256', signingKey(secret, date, region, service)).update(policy).digest();
  const provided = Buffer.from(fields.get('x-amz-signature') ?? '', 'hex');
  if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
    return denied('The request signature we calculated does not match the signature you provided.', 'SignatureDoesNotMatch');
  }

  return { ok: true };
}

function checkCondition(condition: Condition, fields: Map<string, string>, fileSize: number, covered: Set<string>): PolicyCheck {
  const failed = () => denied(`Invalid according to Policy: Policy Condition failed: ${JSON.stringify(condition)}`);

  if (!Array.isArray(condition)) {
    for (const [name, value] of Object.entries(condition)) {
      const field = name.toLowerCase();
      covered.add(field);
      if (fields.get(field) !== value) return failed();
    }
    return { ok: true };
  }

  const [operator, subject, operand] = condition as [unknown, unknown, unknown];
  if (operator === 'content-length-range') {
    const [min, max] = [Number(subject), Number(operand)];
    if (fileSize > max) return denied('Your proposed upload exceeds the maximum allowed size', 'EntityTooLarge', 400);
    if (fileSize < min) return denied('Your proposed upload is smaller than the minimum allowed size', 'EntityTooSmall', 400);
    return { ok: true };
  }

  if ((operator !== 'eq' && operator !== 'starts-with') || typeof subject !== 'string' || !subject.startsWith('$') || typeof operand !== 'string') {
    return denied(`Invalid Policy: Invalid condition ${JSON.stringify(condition)}`, 'InvalidPolicyDocument', 400);
  }

  const field = subject.slice(1).toLowerCase();
  covered.add(field);
  const value = fields.get(field) ?? '';
  const matches = operator === 'eq' ? value === operand : value.startsWith(operand);

  return matches ? { ok: true } : failed();
}

/** Formats a check failure as S3's XML error document. */
export function policyErrorXml(check: Extract<PolicyCheck, { ok: false }>, requestId: string): string {
  const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${escape(check.code)}</Code><Message>${escape(check.message)}</Message><RequestId>${requestId}</RequestId></Error>`
  );
}
