/** Records that exercise RecordIO's edge cases, shared by the recordio tests. */

/** The magic 0xced7230a as it sits in a little-endian file. */
export const MAGIC = [0x0a, 0x23, 0xd7, 0xce];

/** Records with the magic at aligned offsets (split), unaligned (not split), and edge cases. */
export function trickyRecords(): Uint8Array[] {
  return [
    new Uint8Array(0),
    Uint8Array.from([1]),
    Uint8Array.from(MAGIC), // only the magic: an empty first and an empty last piece
    Uint8Array.from([...MAGIC, ...MAGIC]),
    Uint8Array.from([1, 2, 3, 4, ...MAGIC, 5, 6, 7]), // one split, odd tail
    Uint8Array.from([9, ...MAGIC, 9, 9, 9]), // unaligned: kept whole
    Uint8Array.from([...MAGIC, 1, 2, 3, 4, ...MAGIC, 5, 6, 7, 8, ...MAGIC]), // first, middles, last
    Uint8Array.from({ length: 1001 }, (_, i) => (i * 7) & 0xff),
  ];
}
