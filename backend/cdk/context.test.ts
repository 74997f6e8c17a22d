import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { App, RemovalPolicy } from 'aws-cdk-lib';

import { InvalidContextError, readAppSettings } from './context.js';

function settingsFor(context: Record<string, string>) {
  return readAppSettings(new App({ context }).node, '1.2.3');
}

describe('readAppSettings', () => {
  it('reads a valid context', () => {
    const settings = settingsFor({ allowedOrigins: 'https://a.example, https://b.example', removalPolicy: 'destroy' });

    assert.deepEqual(settings.photos.allowedOrigins, ['https://a.example', 'https://b.example']);
    assert.equal(settings.photos.removalPolicy, RemovalPolicy.DESTROY);
    assert.equal(settings.stackName, 'DrinkWidgets');
  });

  it('rejects a missing allowedOrigins', () => {
    assert.throws(() => settingsFor({}), InvalidContextError);
    assert.throws(() => settingsFor({}), /'allowedOrigins' is missing/);
  });

  it('lists context and prop problems together', () => {
    const read = () => settingsFor({ allowedOrigins: 'https://a.example/', logRetentionDays: '4' });

    assert.throws(read, /'logRetentionDays' must be one of/);
    assert.throws(read, /'https:\/\/a\.example\/' is not an origin/);
  });
});
