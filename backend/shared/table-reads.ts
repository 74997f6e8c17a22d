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

/**
 * Decodes a page token, checking that it continues a query of partition `pk` whose sort keys start
 * with `skPrefix`. A token of another list would make DynamoDB fail the query instead.
 */
function decodeToken(token: string | undefined, pk: string, skPrefix: string): Record<string, unknown> | undefined {
  if (token === undefined || token === '') return undefined;

  try {
    const key: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof key === 'object' && key !== null && (key as { pk?: unknown }).pk === pk && String((key as { sk?: unknown }).sk).startsWith(skPrefix)) {
      return key as Record<string, unknown>;
    }
  } catch {
    // Falls through to the error below, which names the parameter.
  }
  throw new HttpError(400, 'InvalidParameter', 'nextToken is not a token this list returned; repeat the request without it', 'nextToken');
}

/** A condition on the sort key, for example `begins_with(#sk, :prefix)` with its values. */
interface SortKeyRange {
  readonly expression: string;
  readonly values: Record<string, string>;
  /** Prefix that every sort key in the range starts with. */
  readonly prefix: string;
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
      ExclusiveStartKey: decodeToken(token, pk, range?.prefix ?? ''),
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
  return queryPage(pk, { expression: '#sk BETWEEN :from AND :to', values: { ':from': prefix, ':to': `${prefix}${drink.latestOrder}` }, prefix }, limit, token, true);
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
