// Byte builders for the unit tests: PNG files chunk by chunk, SVG text as bytes.
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, data, CRC. */
export function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), Buffer.from(data)]);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, tail]);
}

export function ihdr(width = 64, height = 64) {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = 8; // bit depth
  data[9] = 6; // RGBA
  return chunk('IHDR', data);
}

export function idat(size = 64) {
  return chunk('IDAT', deflateSync(Buffer.alloc(size)));
}

export function iend() {
  return chunk('IEND', Buffer.alloc(0));
}

/** iTXt: keyword NUL, compression flag and method, language NUL, translated keyword NUL, text. */
export function itxt(keyword, text) {
  return chunk(
    'iTXt',
    Buffer.concat([Buffer.from(`${keyword}\0\0\0\0\0`, 'latin1'), Buffer.from(text, 'utf8')]),
  );
}

export function textChunk(keyword, text) {
  return chunk('tEXt', Buffer.from(`${keyword}\0${text}`, 'latin1'));
}

export function ztxt(keyword, text) {
  return chunk(
    'zTXt',
    Buffer.concat([
      Buffer.from(`${keyword}\0\0`, 'latin1'),
      deflateSync(Buffer.from(text, 'latin1')),
    ]),
  );
}

/** A PNG made of the signature and these chunks. */
export function png(...chunks) {
  return new Uint8Array(Buffer.concat([SIGNATURE, ...chunks]));
}

export function bytes(text) {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

export const ASSERTION = JSON.stringify({
  '@context': 'https://w3id.org/openbadges/v2',
  id: 'https://issuer.example/a/1',
  type: 'Assertion',
});
