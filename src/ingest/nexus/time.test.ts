import { describe, expect, it } from 'vitest';
import { normaliseNexusTime } from './time.ts';

describe('normaliseNexusTime', () => {
  it('converts ISO times with a zone to UTC', () => {
    expect(normaliseNexusTime('2016-06-23T16:00:20-06:00')).toBe('2016-06-23T22:00:20.000Z');
    expect(normaliseNexusTime('2021-03-16T15:06:05+01:00')).toBe('2021-03-16T14:06:05.000Z');
    expect(normaliseNexusTime('2020-01-01T00:00:00Z')).toBe('2020-01-01T00:00:00.000Z');
  });

  it('accepts a space separator and a zone without colon', () => {
    expect(normaliseNexusTime('2009-02-12 14:58:04-0600')).toBe('2009-02-12T20:58:04.000Z');
  });

  it('reads zone-less times as UTC, as NeXus prescribes', () => {
    expect(normaliseNexusTime('2005-05-27 05:44:13')).toBe('2005-05-27T05:44:13.000Z');
    expect(normaliseNexusTime('2021-03-29T15:51:40.255475')).toBe('2021-03-29T15:51:40.255Z');
  });

  it('keeps unparsable text as written and drops blanks', () => {
    expect(normaliseNexusTime('yesterday at noon')).toBe('yesterday at noon');
    expect(normaliseNexusTime('2021-13-45T99:00:00')).toBe('2021-13-45T99:00:00');
    expect(normaliseNexusTime('  ')).toBeUndefined();
    expect(normaliseNexusTime(undefined)).toBeUndefined();
  });
});
