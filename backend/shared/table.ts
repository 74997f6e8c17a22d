/**
 * Item layout of the table: partition and sort keys of every item. `table-writes.ts` and
 * `table-reads.ts` hold the requests.
 *
 * | item | pk | sk |
 * |---|---|---|
 * | upload status | `UPLOAD#<uploadId>` | `UPLOAD` |
 * | bar name (first form used) | `BAR#<bar key>` | `NAME` |
 * | drink name (first form used) | `BAR#<bar key>` | `NAME#<drink key>` |
 * | drink, pointing at its newest photo | `BAR#<bar key>` | `DRINK#<drink key>` |
 * | photo | `BAR#<bar key>` | `PHOTO#<drink key>#<order>#<uploadId>` |
 * | bar in the bars list | `BARS` | `<bar key>` |
 *
 * A bar or drink key is the lookup key of the name (see `names.ts`) with `%` written as `%25` and
 * `#` as `%23`. So `#` only separates key parts, and a prefix of a name is a prefix of its key.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

import { toLookupKey } from './names.js';

export const BARS_PARTITION = 'BARS';

export function toKeyPart(name: string): string {
  return toLookupKey(name).replaceAll('%', '%25').replaceAll('#', '%23');
}

export const keys = {
  upload: (uploadId: string) => ({ pk: `UPLOAD#${uploadId}`, sk: 'UPLOAD' }),
  barName: (barName: string) => ({ pk: `BAR#${toKeyPart(barName)}`, sk: 'NAME' }),
  drinkName: (barName: string, drinkName: string) => ({ pk: `BAR#${toKeyPart(barName)}`, sk: `NAME#${toKeyPart(drinkName)}` }),
  drink: (barName: string, drinkName: string) => ({ pk: `BAR#${toKeyPart(barName)}`, sk: `DRINK#${toKeyPart(drinkName)}` }),
  photo: (barName: string, drinkName: string, order: string, uploadId: string) => ({
    pk: `BAR#${toKeyPart(barName)}`,
    sk: `PHOTO#${toKeyPart(drinkName)}#${order}#${uploadId}`,
  }),
  barInList: (barName: string) => ({ pk: BARS_PARTITION, sk: toKeyPart(barName) }),
};

/**
 * Builds the sort token of a photo from its S3 event: the event time (comparable across object
 * keys), then the sequencer left-padded to 32 hex digits (S3 orders events of one key by it). Two
 * tokens compare as strings.
 */
export function toPhotoOrder(eventTime: string, sequencer: string): string {
  const time = new Date(eventTime);
  if (Number.isNaN(time.getTime())) throw new Error(`S3 event time ${JSON.stringify(eventTime)} is not an ISO 8601 time`);

  return `${time.toISOString()}#${sequencer.toUpperCase().padStart(32, '0')}`;
}

export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException;
}
