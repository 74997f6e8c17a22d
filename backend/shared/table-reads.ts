/** Reads from the table: single items and pages of queries. */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';

import { documentClient } from './clients.js';
import { config } from './config.js';
import { HttpError } from './errors.js';
import { BARS_PARTITION, keys, toKeyPart } from './table.js';
import type { BarItem, DrinkItem, PhotoRecord, UploadItem } from './types.js';

export async function getUpload(uploadId: string): Promise<UploadItem | undefined> {
  const result = await documentClient.send(new GetCommand({ TableName: config.tableName, Key: keys.upload(uploadId) }));

  return result.Item as UploadItem | undefined;
}

export async function getDrink(barName: string, drinkName: string): Promise<DrinkItem | undefined> {
  const result = await documentClient.send(new GetCommand({ TableName: config.tableName, Key: keys.drink(barName, drinkName) }));

  return result.Item as DrinkItem | undefined;
}

/** One page of a query, with the token of the next page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextToken?: string;
}

function encodeToken(lastKey: Record<string, unknown> | undefined): string | undefined {
  return lastKey === undefined ? undefined : Buffer.from(JSON.stringify(lastKey)).toString('base64url');
}

/** Maximum length of a DynamoDB sort key, in UTF-8 bytes. */
const MAX_SORT_KEY_BYTES = 1024;

/** Returns true for a sort key DynamoDB takes as a string: non-empty, with no unpaired surrogate, short enough. */
function isSortKeyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && !/\p{Surrogate}/u.test(value) && Buffer.byteLength(value) <= MAX_SORT_KEY_BYTES;
}

/**
 * Decodes a page token, checking that it is exactly a key `{ pk, sk }` that continues a query of
 * partition `pk` within `range`. Any other token would make DynamoDB fail the query with a 500
 * instead of a 400 that names the parameter.
 */
function decodeToken(token: string | undefined, pk: string, range: SortKeyRange | undefined): Record<string, string> | undefined {
  if (token === undefined || token === '') return undefined;

  let key: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('not base64url');
    key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const fields = typeof key === 'object' && key !== null && !Array.isArray(key) ? (key as Record<string, unknown>) : {};
  const names = Object.keys(fields).sort();
  const { sk } = fields;
  const isKey = names.length === 2 && names[0] === 'pk' && names[1] === 'sk' && fields.pk === pk && isSortKeyString(sk);
  const inRange = isKey && sk.startsWith(range?.prefix ?? '') && (range?.upperBound === undefined || sk <= range.upperBound);
  if (!inRange) {
    throw new HttpError(400, 'InvalidParameter', 'nextToken is not a token this list returned; repeat the request without it', 'nextToken');
  }

  return { pk, sk };
}

/** A condition on the sort key, for example `begins_with(#sk, :prefix)` with its values. */
interface SortKeyRange {
  readonly expression: string;
  readonly values: Record<string, string>;
  /** Prefix that every sort key in the range starts with. */
  readonly prefix: string;
  /** Largest sort key in the range, when the condition sets one. */
  readonly upperBound?: string;
}

async function queryPage<T>(pk: string, range: SortKeyRange | undefined, limit: number, token: string | undefined, newestFirst: boolean): Promise<Page<T>> {
  const result = await documentClient.send(
    new QueryCommand({
      TableName: config.tableName,
      KeyConditionExpression: range ? `#pk = :pk AND ${range.expression}` : '#pk = :pk',
      ExpressionAttributeNames: range ? { '#pk': 'pk', '#sk': 'sk' } : { '#pk': 'pk' },
      ExpressionAttributeValues: { ':pk': pk, ...range?.values },
      Limit: limit,
      ScanIndexForward: !newestFirst,
      ExclusiveStartKey: decodeToken(token, pk, range),
    }),
  );
  const nextToken = encodeToken(result.LastEvaluatedKey);

  return { items: (result.Items ?? []) as T[], ...(nextToken ? { nextToken } : {}) };
}

/** Lists the photos of a drink older than its latest one, newest first. */
export async function listEarlierPhotos(drink: DrinkItem, limit: number, token?: string): Promise<Page<{ photo: PhotoRecord }>> {
  const { pk } = keys.drink(drink.barName, drink.drinkName);
  const prefix = `PHOTO#${toKeyPart(drink.drinkName)}#`;

  // Every earlier photo's sort key lies between the bare prefix and the latest photo's order. The
  // latest photo itself, `<prefix><order>#<uploadId>`, sorts just above that bound.
  const upperBound = `${prefix}${drink.latestOrder}`;

  return queryPage(pk, { expression: '#sk BETWEEN :from AND :to', values: { ':from': prefix, ':to': upperBound }, prefix, upperBound }, limit, token, true);
}

export async function listDrinks(barName: string, prefix: string, limit: number, token?: string): Promise<Page<DrinkItem>> {
  const { pk } = keys.drink(barName, 'x');
  const skPrefix = prefix === '' ? 'DRINK#' : `DRINK#${toKeyPart(prefix)}`;

  return queryPage(pk, { expression: 'begins_with(#sk, :prefix)', values: { ':prefix': skPrefix }, prefix: skPrefix }, limit, token, false);
}

export async function listBars(prefix: string, limit: number, token?: string): Promise<Page<BarItem>> {
  if (prefix === '') return queryPage(BARS_PARTITION, undefined, limit, token, false);

  return queryPage(BARS_PARTITION, { expression: 'begins_with(#sk, :prefix)', values: { ':prefix': toKeyPart(prefix) }, prefix: toKeyPart(prefix) }, limit, token, false);
}

/** Returns the bars-list item of a bar, which exists once the bar has an indexed photo. */
export async function getBar(barName: string): Promise<BarItem | undefined> {
  const result = await documentClient.send(new GetCommand({ TableName: config.tableName, Key: keys.barInList(barName) }));

  return result.Item as BarItem | undefined;
}
