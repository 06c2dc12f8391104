/**
 * `deno task im2rec`: MXNet's tools/im2rec.py. Two steps, as there:
 *
 *   deno task im2rec PREFIX ROOT --list [--recursive] [--train-ratio R] [--test-ratio R]
 *                    [--shuffle] [--exts .jpg .jpeg .png] [--chunks N]
 *     writes PREFIX.lst (or PREFIX_train/_val/_test.lst) from the images under ROOT:
 *     lines `index\tlabel\tpath`; with --recursive each sub-folder is a class (labels in
 *     sorted folder order), otherwise every image has label 0.
 *
 *   deno task im2rec PREFIX ROOT [--pass-through] [--resize N] [--center-crop]
 *                    [--quality Q] [--encoding .jpg|.png] [--color 1|0|-1] [--pack-label]
 *     packs every PREFIX*.lst into a .rec + .idx beside it: each image read from ROOT,
 *     optionally centre-cropped to a square and resized (shorter side N), re-encoded
 *     (or copied unchanged with --pass-through) after an IRHeader(0, label, index, 0).
 *
 * Runs on one thread; a progress line goes to stderr.
 * @module
 */
import * as mx from "../mod.ts";

/** Options of {@link makeList}. */
export interface ListOptions {
  /** Each sub-folder of the root is a class. */
  recursive?: boolean;
  /** Fraction of each chunk for training (1). */
  trainRatio?: number;
  /** Fraction of each chunk for testing (0). */
  testRatio?: number;
  /** Shuffle the list (with a fixed seed, as im2rec's `random.seed(100)`). */
  shuffle?: boolean;
  /** File extensions counted as images. */
  exts?: string[];
  /** Split the list into this many chunks (1). */
  chunks?: number;
}

/** One line of a list: index, relative path, labels. */
export type ListItem = [number, string, ...number[]];

/** The images under `root` as im2rec's `list_image` finds them (sorted walk). */
export function listImages(root: string, recursive: boolean, exts: string[]): ListItem[] {
  const isImage = (name: string) => exts.some((e) => name.toLowerCase().endsWith(e.toLowerCase()));
  const sorted = (dir: string) =>
    [...Deno.readDirSync(dir)].sort((a, b) => (a.name < b.name ? -1 : 1));
  const out: ListItem[] = [];
  if (!recursive) {
    for (const e of sorted(root)) {
      if (e.isFile && isImage(e.name)) out.push([out.length, e.name, 0]);
    }
    return out;
  }
  // os.walk order: a folder's files, then its sub-folders (sorted), depth first; each folder
  // holding images becomes a class when its first image is met.
  const classes = new Map<string, number>();
  const walk = (rel: string) => {
    const entries = sorted(rel === "" ? root : `${root}/${rel}`);
    for (const e of entries) {
      if (!e.isFile || !isImage(e.name)) continue;
      if (!classes.has(rel)) classes.set(rel, classes.size);
      out.push([out.length, rel === "" ? e.name : `${rel}/${e.name}`, classes.get(rel)!]);
    }
    for (const e of entries) if (e.isDirectory) walk(rel === "" ? e.name : `${rel}/${e.name}`);
  };
  walk("");
  return out;
}

/** A list file's text: `index\tlabel(s)\tpath`, labels written as Python's `%f`. */
export function formatList(items: readonly ListItem[]): string {
  return items.map(([i, path, ...labels]) =>
    `${i}\t${labels.map((l) => `${l.toFixed(6)}\t`).join("")}${path}\n`
  ).join("");
}

/**
 * A shuffle with a fixed seed, so a list is reproducible (im2rec.py seeds Python's `random`
 * with 100; the order here is not Python's).
 */
function seededShuffle<T>(items: T[], seed: number): void {
  let s = seed;
  for (let i = items.length - 1; i > 0; i--) {
    s = (s * 16807) % 2147483647;
    const j = s % (i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/** im2rec's `--list` step; returns the files written. */
export function makeList(prefix: string, root: string, opts: ListOptions = {}): string[] {
  const items = listImages(root, opts.recursive ?? false, opts.exts ?? [".jpeg", ".jpg", ".png"]);
  if (opts.shuffle) seededShuffle(items, 100);
  const trainRatio = opts.trainRatio ?? 1, testRatio = opts.testRatio ?? 0;
  const chunks = opts.chunks ?? 1;
  const chunkSize = Math.floor((items.length + chunks - 1) / chunks);
  const written: string[] = [];
  const write = (path: string, part: ListItem[]) => {
    Deno.writeTextFileSync(path, formatList(part));
    written.push(path);
  };
  for (let c = 0; c < chunks; c++) {
    const chunk = items.slice(c * chunkSize, (c + 1) * chunkSize);
    const tag = chunks > 1 ? `_${c}` : "";
    const sep = Math.floor(chunkSize * trainRatio), sepTest = Math.floor(chunkSize * testRatio);
    if (trainRatio === 1) {
      write(`${prefix}${tag}.lst`, chunk);
      continue;
    }
    if (testRatio) write(`${prefix}${tag}_test.lst`, chunk.slice(0, sepTest));
    if (trainRatio + testRatio < 1) write(`${prefix}${tag}_val.lst`, chunk.slice(sepTest + sep));
    write(`${prefix}${tag}_train.lst`, chunk.slice(sepTest, sepTest + sep));
  }
  return written;
}

/** Reads a list file into items (labels as numbers). */
export function readList(path: string): ListItem[] {
  return Deno.readTextFileSync(path).split("\n").filter((l) => l.trim() !== "").map((line, n) => {
    const f = line.trim().split("\t");
    const labels = f.slice(1, -1).map(Number);
    if (f.length < 3 || !Number.isInteger(Number(f[0])) || labels.some(Number.isNaN)) {
      throw new mx.FormatError(`im2rec: ${path} line ${n + 1} is not "index\\tlabel(s)\\tpath"`);
    }
    return [Number(f[0]), f[f.length - 1], ...labels] as ListItem;
  });
}

/** Options of {@link packList}. */
export interface PackOptions {
  /** Copy the image files' bytes unchanged. */
  passThrough?: boolean;
  /** Resize the shorter side to this (0: no). */
  resize?: number;
  /** Crop the centre square first. */
  centerCrop?: boolean;
  /** JPEG quality (95). */
  quality?: number;
  /** ".jpg" (default) or ".png". */
  encoding?: string;
  /** 1 colour (default), 0 gray, -1 as stored. */
  color?: 1 | 0 | -1;
  /** Store every label of a line (flag = count) instead of the first. */
  packLabel?: boolean;
  /** Called after each image with (done, total). */
  progress?: (done: number, total: number) => void;
}

/** One record: IRHeader and the image, re-encoded unless `passThrough`. */
function encodeItem(item: ListItem, root: string, opts: PackOptions): Uint8Array {
  const [index, path, ...labels] = item;
  const header = {
    flag: 0,
    label: opts.packLabel ? labels : labels[0],
    id: index,
    id2: 0,
  };
  const bytes = Deno.readFileSync(`${root}/${path}`);
  if (opts.passThrough) return mx.recordio.pack(header, bytes);
  // Decoded as OpenCV would (BGR), since packImg takes BGR.
  const [, decoded] = mx.recordio.unpackImg(mx.recordio.pack(header, bytes), opts.color ?? 1);
  let img: mx.NDArray = decoded;
  const replace = (next: mx.NDArray) => {
    if (next !== img) img.dispose();
    img = next;
  };
  if (opts.centerCrop) {
    const [h, w] = img.shape;
    const side = Math.min(h, w);
    replace(mx.image.fixedCrop(img, (w - side) >> 1, (h - side) >> 1, side, side));
  }
  if (opts.resize && opts.resize > 0) {
    const [h, w] = img.shape;
    const [nh, nw] = h > w
      ? [Math.floor((opts.resize * h) / w), opts.resize]
      : [opts.resize, Math.floor((opts.resize * w) / h)];
    replace(mx.image.imresize(img, nw, nh, 1));
  }
  try {
    return mx.recordio.packImg(header, img, {
      quality: opts.quality ?? 95,
      imgFmt: opts.encoding ?? ".jpg",
    });
  } finally {
    img.dispose();
  }
}

/** Packs list `lst` (PREFIX.lst) into PREFIX.rec + PREFIX.idx; returns the .rec path. */
export function packList(lst: string, root: string, opts: PackOptions = {}): string {
  const base = lst.replace(/\.lst$/, "");
  const items = readList(lst);
  const out = new mx.recordio.MXIndexedRecordIO(`${base}.idx`, `${base}.rec`, "w");
  try {
    items.forEach((item, n) => {
      out.writeIdx(item[0], encodeItem(item, root, opts));
      opts.progress?.(n + 1, items.length);
    });
  } finally {
    out.close();
  }
  return `${base}.rec`;
}

/** The list files a pack run reads: PREFIX.lst, or every PREFIX*.lst beside it. */
export function listFilesFor(prefix: string): string[] {
  if (prefix.endsWith(".lst")) return [prefix];
  const slash = prefix.lastIndexOf("/");
  const dir = slash < 0 ? "." : prefix.slice(0, slash) || "/";
  const stem = prefix.slice(slash + 1);
  return [...Deno.readDirSync(dir)]
    .filter((e) => e.isFile && e.name.startsWith(stem) && e.name.endsWith(".lst"))
    .map((e) => (slash < 0 ? e.name : `${dir}/${e.name}`))
    .sort();
}

const USAGE = "usage: deno task im2rec PREFIX ROOT [--list [--recursive] [--train-ratio R] " +
  "[--test-ratio R] [--shuffle] [--exts .jpg ...] [--chunks N]] | [--pass-through] [--resize N] " +
  "[--center-crop] [--quality Q] [--encoding .jpg|.png] [--color 1|0|-1] [--pack-label]";

/** Parses the command line (im2rec.py's flags, dashes as there). */
export function parseArgs(argv: string[]): {
  prefix: string;
  root: string;
  list: boolean;
  listOpts: ListOptions;
  packOpts: PackOptions;
} {
  const positional: string[] = [];
  const listOpts: ListOptions = {}, packOpts: PackOptions = {};
  let list = false;
  const num = (i: number, flag: string): number => {
    const v = Number(argv[i]);
    if (argv[i] === undefined || Number.isNaN(v)) {
      throw new mx.ParamError(`im2rec: ${flag} needs a number`);
    }
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case "--list":
        list = true;
        break;
      case "--recursive":
        listOpts.recursive = true;
        break;
      case "--shuffle":
        listOpts.shuffle = true;
        break;
      case "--train-ratio":
        listOpts.trainRatio = num(++i, a);
        break;
      case "--test-ratio":
        listOpts.testRatio = num(++i, a);
        break;
      case "--chunks":
        listOpts.chunks = num(++i, a);
        break;
      case "--exts":
        listOpts.exts = [];
        while (argv[i + 1]?.startsWith(".")) listOpts.exts.push(argv[++i]);
        break;
      case "--pass-through":
        packOpts.passThrough = true;
        break;
      case "--center-crop":
        packOpts.centerCrop = true;
        break;
      case "--pack-label":
        packOpts.packLabel = true;
        break;
      case "--resize":
        packOpts.resize = num(++i, a);
        break;
      case "--quality":
        packOpts.quality = num(++i, a);
        break;
      case "--color":
        packOpts.color = num(++i, a) as 1 | 0 | -1;
        break;
      case "--encoding":
        packOpts.encoding = argv[++i];
        break;
      default:
        if (a.startsWith("--")) throw new mx.ParamError(`im2rec: unknown flag ${a}\n${USAGE}`);
        positional.push(a);
    }
  }
  if (positional.length !== 2) {
    throw new mx.ParamError(`im2rec: expected PREFIX and ROOT\n${USAGE}`);
  }
  return { prefix: positional[0], root: positional[1], list, listOpts, packOpts };
}

if (import.meta.main) {
  const args = parseArgs(Deno.args);
  if (args.list) {
    for (const f of makeList(args.prefix, args.root, args.listOpts)) console.log(`wrote ${f}`);
  } else {
    const encoder = new TextEncoder();
    for (const lst of listFilesFor(args.prefix)) {
      const start = performance.now();
      const rec = packList(lst, args.root, {
        ...args.packOpts,
        progress: (done, total) => {
          const width = 30, filled = Math.round((done / total) * width);
          const bar = "#".repeat(filled) + ".".repeat(width - filled);
          Deno.stderr.writeSync(encoder.encode(`\r${lst} [${bar}] ${done}/${total}`));
        },
      });
      const s = ((performance.now() - start) / 1000).toFixed(1);
      Deno.stderr.writeSync(encoder.encode(`\nwrote ${rec} in ${s} s\n`));
    }
  }
}
