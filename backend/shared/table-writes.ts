/** Writes to the table: names, upload status records and the index of a photo. */
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

import { documentClient } from './clients.js';
import { config } from './config.js';
import { getUpload } from './table-reads.js';
import { isConditionFailure, keys } from './table.js';
import type { PhotoRecord, UploadItem } from './types.js';

/** Status items of indexed or rejected uploads stay readable this long, in seconds. */
const FINISHED_UPLOAD_TTL_SECONDS = 30 * 24 * 3600;

/** Stores a name unless its lookup key has one already, and returns the name stored first. */
async function reserveName(key: { pk: string; sk: string }, name: string): Promise<string> {
  const result = await documentClient.send(
    new UpdateCommand({
      TableName: config.tableName,
      Key: key,
      UpdateExpression: 'SET #name = if_not_exists(#name, :name), #type = :type',
      ExpressionAttributeNames: { '#name': 'name', '#type': 'type' },
      ExpressionAttributeValues: { ':name': name, ':type': 'name' },
      ReturnValues: 'ALL_NEW',
    }),
  );

  return String(result.Attributes?.name ?? name);
}

/** Returns the bar and drink names in the form first used for their lookup keys. */
export async function reserveNames(barName: string, drinkName: string): Promise<{ barName: string; drinkName: string }> {
  const bar = await reserveName(keys.barName(barName), barName);
  const drink = await reserveName(keys.drinkName(bar, drinkName), drinkName);

  return { barName: bar, drinkName: drink };
}

export async function putPendingUpload(item: Omit<UploadItem, 'pk' | 'sk' | 'type' | 'status'>): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: config.tableName,
      Item: { ...keys.upload(item.uploadId), type: 'upload', status: 'pending', ...item },
      // An upload id is a fresh UUID; a collision must fail instead of hiding another upload.
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    }),
  );
}

/** Outcome of `claimUpload`: the photo order to use, or the ETag that claimed the upload first. */
export type UploadClaim = { readonly claimed: true; readonly order: string } | { readonly claimed: false; readonly claimedETag?: string };

/**
 * Claims an upload id for the object with `eTag`, so that one presigned POST yields at most one
 * photo even when its form is sent again within its expiry. The first ETag wins, with a conditional
 * write on the status item. Events of the same ETag, such as repeated deliveries or a reconcile run,
 * share the order of the first event, so they write the same photo item.
 */
export async function claimUpload(uploadId: string, eTag: string, order: string): Promise<UploadClaim> {
  try {
    const result = await documentClient.send(
      new UpdateCommand({
        TableName: config.tableName,
        Key: keys.upload(uploadId),
        UpdateExpression: 'SET #claimedETag = :eTag, #claimedOrder = if_not_exists(#claimedOrder, :order), #type = :type',
        ConditionExpression: 'attribute_not_exists(#claimedETag) OR #claimedETag = :eTag',
        ExpressionAttributeNames: { '#claimedETag': 'claimedETag', '#claimedOrder': 'claimedOrder', '#type': 'type' },
        ExpressionAttributeValues: { ':eTag': eTag, ':order': order, ':type': 'upload' },
        ReturnValues: 'ALL_NEW',
      }),
    );

    return { claimed: true, order: String(result.Attributes?.claimedOrder ?? order) };
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }

  const current = await getUpload(uploadId);

  return { claimed: false, ...(current?.claimedETag ? { claimedETag: current.claimedETag } : {}) };
}

/** Records why an upload was rejected, unless it was indexed already. */
export async function markRejected(uploadId: string, reasonCode: string, reason: string): Promise<void> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: config.tableName,
        Key: keys.upload(uploadId),
        UpdateExpression: 'SET #status = :rejected, #reason = :reason, #reasonCode = :reasonCode, #ttl = :ttl, #type = :type',
        ConditionExpression: 'attribute_not_exists(#status) OR #status <> :indexed',
        ExpressionAttributeNames: { '#status': 'status', '#reason': 'reason', '#reasonCode': 'reasonCode', '#ttl': 'ttl', '#type': 'type' },
        ExpressionAttributeValues: {
          ':rejected': 'rejected',
          ':indexed': 'indexed',
          ':reason': reason,
          ':reasonCode': reasonCode,
          ':ttl': Math.floor(Date.now() / 1000) + FINISHED_UPLOAD_TTL_SECONDS,
          ':type': 'upload',
        },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}

/**
 * Indexes a photo with single-item conditional writes, each safe to repeat. The order leaves the
 * index readable after any of them fails: photo item, drink item (only when this photo is newer
 * than the one it points at), bar in the bars list, upload status last.
 * Returns whether the drink item now points at this photo.
 */
export async function indexPhoto(barName: string, drinkName: string, photo: PhotoRecord): Promise<boolean> {
  const names = { barName, drinkName };

  try {
    await documentClient.send(
      new PutCommand({
        TableName: config.tableName,
        Item: { ...keys.photo(barName, drinkName, photo.order, photo.uploadId), type: 'photo', ...names, photo },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'pk' },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }

  let isLatest = true;
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: config.tableName,
        Key: keys.drink(barName, drinkName),
        UpdateExpression:
          'SET #latest = :photo, #latestOrder = :order, #updatedAt = :updatedAt, #type = :type, ' +
          '#barName = if_not_exists(#barName, :barName), #drinkName = if_not_exists(#drinkName, :drinkName)',
        ConditionExpression: 'attribute_not_exists(#latestOrder) OR #latestOrder < :order',
        ExpressionAttributeNames: {
          '#latest': 'latest',
          '#latestOrder': 'latestOrder',
          '#updatedAt': 'updatedAt',
          '#type': 'type',
          '#barName': 'barName',
          '#drinkName': 'drinkName',
        },
        ExpressionAttributeValues: { ':photo': photo, ':order': photo.order, ':updatedAt': photo.uploadedAt, ':type': 'drink', ...prefixed(names) },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    isLatest = false;
  }

  await documentClient.send(
    new UpdateCommand({
      TableName: config.tableName,
      Key: keys.barInList(barName),
      UpdateExpression: 'SET #barName = if_not_exists(#barName, :barName), #type = :type',
      ExpressionAttributeNames: { '#barName': 'barName', '#type': 'type' },
      ExpressionAttributeValues: { ':barName': barName, ':type': 'bar' },
    }),
  );

  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: config.tableName,
        Key: keys.upload(photo.uploadId),
        UpdateExpression:
          'SET #status = :indexed, #photo = :photo, #ttl = :ttl, #type = :type, ' +
          '#barName = if_not_exists(#barName, :barName), #drinkName = if_not_exists(#drinkName, :drinkName) REMOVE #reason, #reasonCode',
        // A repeated event must not overwrite the indexing time of the first one.
        ConditionExpression: 'attribute_not_exists(#status) OR #status <> :indexed',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#photo': 'photo',
          '#ttl': 'ttl',
          '#type': 'type',
          '#barName': 'barName',
          '#drinkName': 'drinkName',
          '#reason': 'reason',
          '#reasonCode': 'reasonCode',
        },
        ExpressionAttributeValues: {
          ':indexed': 'indexed',
          ':photo': photo,
          ':ttl': Math.floor(Date.now() / 1000) + FINISHED_UPLOAD_TTL_SECONDS,
          ':type': 'upload',
          ...prefixed(names),
        },
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }

  return isLatest;
}

function prefixed(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [`:${name}`, value]));
}
