import { describe, expect, it } from 'vitest';
import { formatBytes, parseSize } from './size.ts';

describe('parseSize', () => {
  it('reads binary and decimal units', () => {
    expect(parseSize('32GiB')).toBe(32 * 2 ** 30);
    expect(parseSize('64 MiB')).toBe(64 * 2 ** 20);
    expect(parseSize('1.5kb')).toBe(1500);
    expect(parseSize('4096')).toBe(4096);
  });

  it('rejects nonsense with an example of what works', () => {
    expect(() => parseSize('lots')).toThrow(/invalid size "lots" \(examples/);
    expect(() => parseSize('0')).toThrow(/positive/);
    expect(() => parseSize('3 parsecs')).toThrow(/invalid size/);
  });
});

it('formats bytes for people', () => {
  expect(formatBytes(512)).toBe('512 B');
  expect(formatBytes(1536)).toBe('1.5 KiB');
  expect(formatBytes(3 * 2 ** 30)).toBe('3.0 GiB');
});
