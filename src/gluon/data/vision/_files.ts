/**
 * Finding and reading the standard files of MNIST, Fashion-MNIST, CIFAR-10 and CIFAR-100.
 * Nothing is downloaded: a missing dataset is an error naming where it was looked for and
 * what provides it. The decoded images live in a SharedArrayBuffer so DataLoader workers
 * read them without a copy.
 * @module
 */
import { FormatError, MXNetError } from "../../../core/errors.ts";
import { readFileSyncChecked } from "../../../core/files.ts";
import { decodeIdx } from "../../../io/idx.ts";
import { HostArray } from "../_host.ts";
import { gunzipSync, isGzip } from "../_inflate.ts";
import { env } from "../../../core/env.ts";

/** Decoded images (N, H, W, C) uint8 and labels (N) int32. */
export interface ImageSet {
  readonly images: HostArray;
  readonly labels: HostArray;
}

/** MXNet's data directory: `$MXNET_HOME`, else `~/.mxnet`. */
export function mxnetHome(): string {
  const home = env("MXNET_HOME");
  if (home) return home;
  return `${env("HOME") ?? env("USERPROFILE") ?? "."}/.mxnet`;
}

/** MXNet's default root of dataset `name`: `<data dir>/datasets/<name>`. */
export function defaultRoot(name: string): string {
  return `${mxnetHome()}/datasets/${name}`;
}

/** Where Debian's `dataset-fashion-mnist` installs the four files. */
export const DEBIAN_FASHION_MNIST = "/usr/share/datasets/fashion-mnist";

/** `~/x` -> `$HOME/x`, as Python's `os.path.expanduser`. */
export function expandUser(path: string): string {
  return path.startsWith("~/") || path === "~" ? `${env("HOME") ?? "~"}${path.slice(1)}` : path;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** `data` in shared memory: itself if it is there already, else a copy (none where unavailable). */
export function sharedCopy<T extends Uint8Array | Int32Array>(data: T): T {
  if (typeof SharedArrayBuffer === "undefined" || data.buffer instanceof SharedArrayBuffer) {
    return data;
  }
  const Ctor = data.constructor as { new (b: SharedArrayBuffer): T };
  const out = new Ctor(new SharedArrayBuffer(data.byteLength));
  out.set(data as ArrayLike<number> as never);
  return out;
}

/** Decoded sets by file paths and modification times, while some dataset holds them. */
const cache = new Map<string, WeakRef<ImageSet>>();

/** `read()`, or the set decoded earlier from the same unchanged files. */
function cached(paths: readonly string[], extra: string, read: () => ImageSet): ImageSet {
  const key = paths.map((p) => `${p}@${Deno.statSync(p).mtime?.getTime()}`).join("|") + extra;
  const hit = cache.get(key)?.deref();
  if (hit) return hit;
  const set = read();
  cache.set(key, new WeakRef(set));
  return set;
}

/** The first directory of `dirs` holding every file of `names` (each as given or +".gz"). */
function locate(dirs: readonly string[], names: readonly string[]): string[] | undefined {
  for (const d of dirs) {
    const found = names.map((n) => [`${d}/${n}`, `${d}/${n}.gz`].find(isFile));
    if (found.every((f) => f !== undefined)) return found as string[];
  }
  return undefined;
}

/** What provides each dataset, for the "not found" message. */
const HOW_TO_GET: Record<string, string> = {
  MNIST: "download them from http://yann.lecun.com/exdb/mnist/ (or a mirror) into the root " +
    "folder (no Debian package ships MNIST)",
  FashionMNIST: "install Debian's package (apt-get install dataset-fashion-mnist, which puts " +
    `them in ${DEBIAN_FASHION_MNIST}) or download them from ` +
    "https://github.com/zalandoresearch/fashion-mnist (data/fashion/) into the root folder",
  CIFAR10: "extract cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html " +
    "into the root folder (no Debian package ships CIFAR)",
  CIFAR100: "extract cifar-100-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html " +
    "into the root folder (no Debian package ships CIFAR)",
};

function notFound(name: string, files: readonly string[], dirs: readonly string[]): MXNetError {
  return new MXNetError(
    `${name}: dataset files not found (${files.join(", ")}, plain or .gz); looked in ` +
      `${dirs.join(", ")}. Nothing is downloaded: ${HOW_TO_GET[name]}, or pass root.`,
  );
}

/** A file's bytes, gunzipped when compressed, straight into shared memory when possible. */
function readMaybeGzipSync(path: string): Uint8Array {
  const raw = readFileSyncChecked(path, "gluon.data.vision");
  return isGzip(raw) ? gunzipSync(raw, path, true) : raw;
}

/** The MNIST-format file names of a split. */
export function mnistFiles(train: boolean): [string, string] {
  const p = train ? "train" : "t10k";
  return [`${p}-images-idx3-ubyte`, `${p}-labels-idx1-ubyte`];
}

/** Reads an MNIST-format split from the first of `dirs` that holds it. */
export function readMnist(name: string, dirs: readonly string[], train: boolean): ImageSet {
  const names = mnistFiles(train);
  const found = locate(dirs, names);
  if (!found) throw notFound(name, names.map((n) => `${n}.gz`), dirs);
  return cached(found, "", () => decodeMnist(found[0], found[1]));
}

function decodeMnist(imgPath: string, labPath: string): ImageSet {
  const img = decodeIdx(readMaybeGzipSync(imgPath), imgPath);
  const lab = decodeIdx(readMaybeGzipSync(labPath), labPath);
  if (img.shape.length !== 3) {
    throw new FormatError(
      `${imgPath}: expected images of shape [n, rows, cols], got [${img.shape}]`,
    );
  }
  if (lab.shape.length !== 1 || lab.shape[0] !== img.shape[0]) {
    throw new FormatError(
      `${labPath}: expected ${img.shape[0]} labels (one per image), got shape [${lab.shape}]`,
    );
  }
  const [n, rows, cols] = img.shape;
  return {
    images: new HostArray(sharedCopy(img.data), [n, rows, cols, 1], "uint8"),
    labels: new HostArray(sharedCopy(Int32Array.from(lab.data)), [n], "int32"),
  };
}

/** CIFAR's binary batch files of a split and the sub-folder the official archive uses. */
export function cifarFiles(fine: boolean | null, train: boolean): { files: string[]; sub: string } {
  if (fine === null) {
    return {
      files: train ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ["test_batch.bin"],
      sub: "cifar-10-batches-bin",
    };
  }
  return { files: [train ? "train.bin" : "test.bin"], sub: "cifar-100-binary" };
}

/**
 * Reads CIFAR binary batches: records of `labelBytes` label bytes then 3072 pixels in
 * (3, 32, 32) order, turned into (32, 32, 3) as MXNet does. CIFAR-100 records hold the
 * coarse label then the fine one; `labelIndex` picks.
 */
export function readCifar(
  name: string,
  dirs: readonly string[],
  files: readonly string[],
  labelBytes: number,
  labelIndex: number,
): ImageSet {
  const found = locate(dirs, files);
  if (!found) throw notFound(name, files, dirs);
  return cached(found, `#${labelIndex}`, () => decodeCifar(found, labelBytes, labelIndex));
}

function decodeCifar(found: readonly string[], labelBytes: number, labelIndex: number): ImageSet {
  const record = labelBytes + 3072;
  const blobs = found.map((path) => {
    const b = readMaybeGzipSync(path);
    if (b.length === 0 || b.length % record !== 0) {
      throw new FormatError(
        `${path}: ${b.length} bytes is not a whole number of ${record}-byte CIFAR records`,
        b.length - (b.length % record),
      );
    }
    return b;
  });
  const n = blobs.reduce((s, b) => s + b.length / record, 0);
  const images = sharedCopy(new Uint8Array(n * 3072));
  const labels = sharedCopy(new Int32Array(n));
  let k = 0;
  for (const b of blobs) {
    for (let r = 0; r < b.length; r += record, k++) {
      labels[k] = b[r + labelIndex];
      const src = r + labelBytes, dst = k * 3072;
      for (let p = 0; p < 1024; p++) {
        images[dst + 3 * p] = b[src + p];
        images[dst + 3 * p + 1] = b[src + 1024 + p];
        images[dst + 3 * p + 2] = b[src + 2048 + p];
      }
    }
  }
  return {
    images: new HostArray(images, [n, 32, 32, 3], "uint8"),
    labels: new HostArray(labels, [n], "int32"),
  };
}
