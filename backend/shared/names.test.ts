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

  it('rejects an unpaired surrogate', () => {
    assert.equal(findNameProblem('Bar \ud800'), 'contains an unpaired surrogate');
    assert.equal(findNameProblem('Bar \udc00x'), 'contains an unpaired surrogate');
    assert.equal(findNameProblem('Bar \ud83c\udf79'), undefined);
  });

  it('rejects dot segments', () => {
    assert.equal(findNameProblem('.'), 'is "." or "..", which a URL path cannot carry');
    assert.equal(findNameProblem('..'), 'is "." or "..", which a URL path cannot carry');
    assert.equal(findNameProblem('...'), undefined);
    assert.equal(findNameProblem('../x'), undefined);
  });
});

describe('findNameProblem with format characters', () => {
  const FORMAT_PROBLEM = 'contains an invisible format character, such as a zero-width space or a text direction control';

  it('rejects invisible and bidi characters', () => {
    for (const character of ['\u200b', '\u200c', '\u200d', '\u200e', '\u202e', '\u2066', '\u2069', '\u00ad', '\u2060']) {
      assert.equal(findNameProblem(`Bar${character}Basso`), FORMAT_PROBLEM, JSON.stringify(character));
    }
  });

  it('rejects a name of only invisible characters', () => {
    assert.equal(findNameProblem(normalizeName('\u200d')), FORMAT_PROBLEM);
    assert.equal(findNameProblem(normalizeName('\u200b\u200b')), FORMAT_PROBLEM);
  });

  it('rejects a right-to-left override', () => {
    assert.equal(findNameProblem('Bar \u202egnp.exe\u202c'), FORMAT_PROBLEM);
  });

  it('accepts emoji joined by zero-width joiners', () => {
    assert.equal(findNameProblem('Chef 👩‍🍳'), undefined);
    assert.equal(findNameProblem('Pride 🏳️‍🌈 Bar'), undefined);
    assert.equal(findNameProblem('Family 👨🏽‍👩🏽‍👧🏽'), undefined);
    assert.equal(findNameProblem('Scotch 🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}'), undefined);
  });

  it('rejects a joiner next to a letter', () => {
    assert.equal(findNameProblem('a\u200d👩'), FORMAT_PROBLEM);
    assert.equal(findNameProblem('👩\u200d'), FORMAT_PROBLEM);
  });
});

describe('toLookupKey', () => {
  it('folds case including sharp s', () => {
    assert.equal(toLookupKey('Straße'), toLookupKey('STRASSE'));
  });

  it('folds capital sharp s', () => {
    assert.equal(toLookupKey('STRAẞE Bar'), toLookupKey('Straße Bar'));
    assert.equal(toLookupKey('GROẞ Bar'), toLookupKey('GROSS Bar'));
    assert.equal(toLookupKey('ẞ'), 'ss');
  });

  it('folds fullwidth and other compatibility forms', () => {
    assert.equal(toLookupKey('ＢＡＲ Full'), toLookupKey('BAR Full'));
    assert.equal(toLookupKey('ﬁzz'), toLookupKey('Fizz'));
    assert.equal(toLookupKey('Bar²'), toLookupKey('bar2'));
  });

  it('keeps the display form', () => {
    assert.equal(normalizeName('ＢＡＲ Full'), 'ＢＡＲ Full');
  });

  it('folds dotless i but not dotted capital I', () => {
    assert.equal(toLookupKey('Kırmızı'), toLookupKey('Kirmizi'));
    assert.notEqual(toLookupKey('İSTANBUL'), toLookupKey('istanbul'));
  });

  it('folds final sigma', () => {
    assert.equal(toLookupKey('ΟΔΟΣ'), toLookupKey('οδος'));
  });

  it('keeps accents apart', () => {
    assert.notEqual(toLookupKey('Café'), toLookupKey('Cafe'));
  });
});
