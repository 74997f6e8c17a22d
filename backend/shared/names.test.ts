import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { findNameProblem, normalizeName, toLookupKey } from './names.js';

describe('normalizeName', () => {
  const cases: [string, string, string][] = [
    ['trims and collapses spaces', '  The   Crown  ', 'The Crown'],
    ['turns no-break spaces into spaces', 'Old\u00a0\u2003Fashioned', 'Old Fashioned'],
    ['composes combining accents', 'Cafe\u0301', 'Caf\u00e9'],
    ['keeps emoji', 'Mojito 🍹', 'Mojito 🍹'],
    ['keeps right-to-left text', 'عرق', 'عرق'],
    ['keeps an inner tab for rejection', 'Gin\tTonic', 'Gin\tTonic'],
  ];

  for (const [name, input, expected] of cases) {
    it(name, () => {
      assert.equal(normalizeName(input), expected);
    });
  }
});

describe('findNameProblem', () => {
  it('rejects an empty name', () => {
    assert.equal(findNameProblem(normalizeName('   ')), 'is empty');
  });

  it('accepts 100 characters and rejects 101', () => {
    assert.equal(findNameProblem('x'.repeat(100)), undefined);
    assert.equal(findNameProblem('x'.repeat(101)), 'is longer than 100 characters');
  });

  it('counts an emoji as one character', () => {
    assert.equal(findNameProblem('🍹'.repeat(100)), undefined);
  });

  it('rejects control characters', () => {
    for (const character of ['\u0000', '\u0007', '\n', '\u007f', '\u0085', '\u2028']) {
      assert.equal(findNameProblem(`Gin${character}Tonic`), 'contains a control character', JSON.stringify(character));
    }
  });
});

describe('toLookupKey', () => {
  it('folds case including sharp s', () => {
    assert.equal(toLookupKey('Straße'), toLookupKey('STRASSE'));
  });

  it('folds final sigma', () => {
    assert.equal(toLookupKey('ΟΔΟΣ'), toLookupKey('οδος'));
  });

  it('keeps accents apart', () => {
    assert.notEqual(toLookupKey('Café'), toLookupKey('Cafe'));
  });
});
