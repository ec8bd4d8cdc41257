/**
 * Bytes ↔ standard base64 (with padding), in slices so a 10 MB image never builds one huge
 * argument list.
 */

const SLICE = 0x8000;

/** @param {Uint8Array} bytes */
export function bytesToBase64(bytes) {
  let binary = '';
  for (let pos = 0; pos < bytes.length; pos += SLICE) {
    binary += String.fromCharCode(...bytes.subarray(pos, pos + SLICE));
  }
  return btoa(binary);
}

/** @param {string} text */
export function base64ToBytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let pos = 0; pos < binary.length; pos++) bytes[pos] = binary.charCodeAt(pos);
  return bytes;
}
