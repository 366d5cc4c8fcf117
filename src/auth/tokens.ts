import { createHash, randomBytes } from 'node:crypto';

export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Session tokens are 256 random bits: a plain sha256 is enough to store them without revealing them. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');
