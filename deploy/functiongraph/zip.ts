/**
 * A small, deterministic ZIP writer (and the reader the tests and the deploy tool check it
 * with), for FunctionGraph's `code_type: "zip"` packages. The same files give the same
 * bytes: entries sorted by name, every timestamp 1980-01-01 00:00 (the format's epoch),
 * mode 0644 for every file, no extra fields, no comment, deflate at level 9. The bytes do
 * depend on the zlib that node:zlib bundles, so "same source" means the same Node version.
 *
 * Only what a function package needs: regular files, names in ASCII with `/` separators,
 * fewer than 65535 entries and less than 4 GiB (no ZIP64).
 */
import { crc32 as zlibCrc32, deflateRawSync, inflateRawSync, constants as zlibConstants } from 'node:zlib';

export interface ZipEntryInput {
  /** Path inside the archive, `/`-separated, no leading `/`, no `..`. */
  readonly name: string;
  readonly data: Uint8Array;
}

export interface ZipEntry {
  readonly name: string;
  readonly data: Buffer;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  /** Unix mode from the external attributes (0o100644 for what this writer makes). */
  readonly mode: number;
  /** MS-DOS date and time words as stored. */
  readonly dosDate: number;
  readonly dosTime: number;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const VERSION_NEEDED = 20;
/** Made by Unix (3), spec 2.0: the external attributes carry a Unix mode. */
const VERSION_MADE_BY = (3 << 8) | 20;
const DEFLATE = 8;
/** 1980-01-01 00:00:00, the earliest instant an MS-DOS timestamp can hold. */
export const FIXED_DOS_DATE = (0 << 9) | (1 << 5) | 1;
export const FIXED_DOS_TIME = 0;
export const FILE_MODE = 0o100644;
const MAX_16 = 0xffff;
const MAX_32 = 0xffffffff;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, as ZIP uses); the table version where node:zlib has no crc32 (Node before 20.15). */
export function crc32(data: Uint8Array): number {
  if (typeof zlibCrc32 === 'function') return zlibCrc32(data) >>> 0;
  return crc32Table(data);
}

export function crc32Table(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function checkName(name: string): void {
  const bad =
    name === '' ||
    name.startsWith('/') ||
    name.endsWith('/') ||
    name.includes('\\') ||
    !/^[\x20-\x7e]+$/.test(name) ||
    name.split('/').some((part) => part === '' || part === '.' || part === '..');
  if (bad) throw new RangeError(`zip entry name ${JSON.stringify(name)} must be a relative ASCII path with / separators`);
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The archive's bytes: entries sorted by name, fixed timestamps and attributes. */
export function createZip(entries: readonly ZipEntryInput[]): Buffer {
  const sorted = [...entries].sort((a, b) => compareNames(a.name, b.name));
  for (const [i, entry] of sorted.entries()) {
    checkName(entry.name);
    if (i > 0 && sorted[i - 1].name === entry.name) throw new RangeError(`zip entry ${entry.name} is given twice`);
  }
  if (sorted.length >= MAX_16) throw new RangeError('too many zip entries for a non-ZIP64 archive');

  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of sorted) {
    const name = Buffer.from(entry.name, 'ascii');
    const data = Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength);
    const compressed = deflateRawSync(data, { level: 9, memLevel: 9, strategy: zlibConstants.Z_DEFAULT_STRATEGY });
    const crc = crc32(data);
    if (data.length > MAX_32 || compressed.length > MAX_32 || offset > MAX_32)
      throw new RangeError('zip too large for a non-ZIP64 archive');

    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(DEFLATE, 8);
    local.writeUInt16LE(FIXED_DOS_TIME, 10);
    local.writeUInt16LE(FIXED_DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_HEADER, 0);
    central.writeUInt16LE(VERSION_MADE_BY, 4);
    central.writeUInt16LE(VERSION_NEEDED, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(DEFLATE, 10);
    central.writeUInt16LE(FIXED_DOS_TIME, 12);
    central.writeUInt16LE(FIXED_DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((FILE_MODE << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);

    locals.push(local, name, compressed);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, centralDirectory, end]);
}

/**
 * Every entry of an archive, from its central directory, each checked against its local
 * header, its sizes and its CRC. Throws on anything it cannot vouch for.
 */
export function readZip(zip: Uint8Array): ZipEntry[] {
  const buf = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  let endAt = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - MAX_16); i--) {
    if (buf.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      endAt = i;
      break;
    }
  }
  if (endAt < 0) throw new Error('not a zip archive: no end of central directory record');
  const count = buf.readUInt16LE(endAt + 10);
  const centralSize = buf.readUInt32LE(endAt + 12);
  let at = buf.readUInt32LE(endAt + 16);
  if (at + centralSize > endAt) throw new Error('zip central directory runs past its end record');

  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(at) !== CENTRAL_HEADER) throw new Error(`zip central directory entry ${n} has a bad signature`);
    const method = buf.readUInt16LE(at + 10);
    const dosTime = buf.readUInt16LE(at + 12);
    const dosDate = buf.readUInt16LE(at + 14);
    const crc = buf.readUInt32LE(at + 16);
    const compressedSize = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const mode = buf.readUInt32LE(at + 38) >>> 16;
    const localAt = buf.readUInt32LE(at + 42);
    const name = buf.toString('latin1', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;

    if (buf.readUInt32LE(localAt) !== LOCAL_HEADER) throw new Error(`zip entry ${name}: bad local header`);
    const localName = buf.toString('latin1', localAt + 30, localAt + 30 + buf.readUInt16LE(localAt + 26));
    if (localName !== name) throw new Error(`zip entry ${name}: local header names ${localName}`);
    const dataAt = localAt + 30 + buf.readUInt16LE(localAt + 26) + buf.readUInt16LE(localAt + 28);
    const raw = buf.subarray(dataAt, dataAt + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === DEFLATE) data = inflateRawSync(raw);
    else throw new Error(`zip entry ${name}: compression method ${method} is not supported`);
    if (data.length !== size) throw new Error(`zip entry ${name}: ${data.length} bytes, the directory says ${size}`);
    if (crc32(data) !== crc) throw new Error(`zip entry ${name}: CRC mismatch`);
    entries.push({ name, data, method, mode, dosDate, dosTime });
  }
  return entries;
}
