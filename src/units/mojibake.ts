const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Undoes the most common text damage in HDF5 string attributes: UTF-8 bytes (`μm`) stored in a string
 * declared ASCII/Latin-1 and so decoded one byte per character (`Î¼m`). Strings that are not such
 * a misreading are returned unchanged.
 */
export function repairMojibake(text: string): string {
  // Only a lead byte followed by a continuation byte can be misread UTF-8.
  if (!/[\u00c2-\u00f4][\u0080-\u00bf]/.test(text)) return text;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) return text;
    bytes[i] = code;
  }
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return text;
  }
}
