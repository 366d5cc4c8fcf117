import { hash, verify } from '@node-rs/argon2';

// argon2id with the library's defaults (19 MiB, t=2), as OWASP recommends for interactive logins.
export const hashSecret = (secret: string): Promise<string> => hash(secret);

export async function verifySecret(hashed: string, secret: string): Promise<boolean> {
  try {
    return await verify(hashed, secret);
  } catch {
    return false; // a malformed stored hash never authenticates
  }
}

/** A hash of nothing, verified against when a user does not exist, so timing does not tell. */
let dummy: Promise<string> | undefined;
export const dummyHash = (): Promise<string> => (dummy ??= hashSecret('fairbeam-no-such-user'));
