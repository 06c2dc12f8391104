#!/usr/bin/env python3
"""An independent reader and writer of dmlc-core's RecordIO format (MXNet's .rec files),
written from the format description, standard library only. The TypeScript tests use it
to check that files written by mxts parse here byte for byte, and that both writers agree.

Format: each chunk is  u32 magic 0xced7230a | u32 lrec | data | zero padding to 4 bytes,
little-endian, with lrec = cflag << 29 | length. A record whose data holds the magic at an
offset that is a multiple of 4 is cut there (the magic itself is dropped): chunks with
cflag 1 (first), 2 (middle), 3 (last); cflag 0 is a whole record.

Usage:
  dmlc_recordio.py read FILE.rec        prints JSON [{"offset": n, "hex": "..."}, ...]
  dmlc_recordio.py write FILE.rec       reads JSON ["hex", ...] on stdin, writes FILE.rec
Exit status 1 with a message on stderr when FILE.rec is not valid.
"""
import json
import struct
import sys

MAGIC = 0xCED7230A
MAGIC_BYTES = struct.pack("<I", MAGIC)


def padded(n):
    return (n + 3) // 4 * 4


def read_records(blob):
    """Yields (offset, bytes) for each record; raises ValueError on anything malformed."""
    pos = 0
    while pos < len(blob):
        start = pos
        pieces = []
        while True:
            if len(blob) - pos < 8:
                raise ValueError("truncated chunk header at %d" % pos)
            magic, lrec = struct.unpack_from("<II", blob, pos)
            if magic != MAGIC:
                raise ValueError("bad magic 0x%08x at %d" % (magic, pos))
            cflag, length = lrec >> 29, lrec & ((1 << 29) - 1)
            allowed = (0, 1) if not pieces else (2, 3)
            if cflag not in allowed:
                raise ValueError("cflag %d at %d, expected one of %s" % (cflag, pos, allowed))
            end = pos + 8 + length
            if padded(end) > len(blob):
                raise ValueError("chunk at %d runs past the end" % pos)
            if any(blob[end:padded(end)]):
                raise ValueError("non-zero padding after chunk at %d" % pos)
            pieces.append(blob[pos + 8:end])
            pos = padded(end)
            if cflag in (0, 3):
                break
        yield start, MAGIC_BYTES.join(pieces)


def write_record(out, data):
    """Appends one record to bytearray `out`, split where the magic sits at aligned offsets."""
    cuts = [i for i in range(0, len(data) - 3, 4) if data[i:i + 4] == MAGIC_BYTES]
    starts = [0] + [c + 4 for c in cuts]
    ends = cuts + [len(data)]
    for k, (a, b) in enumerate(zip(starts, ends)):
        if not cuts:
            cflag = 0
        elif k == 0:
            cflag = 1
        elif k == len(cuts):
            cflag = 3
        else:
            cflag = 2
        out += struct.pack("<II", MAGIC, (cflag << 29) | (b - a))
        out += data[a:b]
        out += b"\0" * (padded(b - a) - (b - a))


def main(argv):
    if len(argv) != 3 or argv[1] not in ("read", "write"):
        sys.stderr.write(__doc__)
        return 2
    if argv[1] == "read":
        with open(argv[2], "rb") as f:
            blob = f.read()
        try:
            recs = [{"offset": o, "hex": d.hex()} for o, d in read_records(blob)]
        except ValueError as e:
            sys.stderr.write("invalid RecordIO file %s: %s\n" % (argv[2], e))
            return 1
        json.dump(recs, sys.stdout)
        return 0
    out = bytearray()
    for h in json.load(sys.stdin):
        write_record(out, bytes.fromhex(h))
    with open(argv[2], "wb") as f:
        f.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
