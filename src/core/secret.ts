// The one rule for secrets (signing secrets, admin tokens): counted in UTF-8 bytes, as the
// HMAC keys made from them are, so "16" means the same for every secret the module takes.

/** The shortest secret accepted, in bytes. */
export const MIN_SECRET_BYTES = 16;

const encoder = new TextEncoder();

/** `secret` as the bytes it is used as: UTF-8 for a string. */
export function secretToBytes(secret: string | Uint8Array): Uint8Array {
  return typeof secret === "string" ? encoder.encode(secret) : secret;
}

/** Whether `secret` is long enough, counted in bytes. */
export function isLongEnoughSecret(secret: string | Uint8Array): boolean {
  return secretToBytes(secret).byteLength >= MIN_SECRET_BYTES;
}
