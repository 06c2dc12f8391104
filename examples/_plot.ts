/**
 * A tiny dependency-free PNG writer for the examples: an RGB canvas with lines, rectangles
 * and 5x7 bitmap text, a line chart, an image grid, and PNG encoding (zlib through
 * `CompressionStream("deflate")`, CRC-32 per chunk).
 *
 * ```ts
 * import { Canvas, encodePNG, lineChart } from "./_plot.ts";
 * const c = new Canvas(400, 300);
 * lineChart(c, { x: 0, y: 0, w: 400, h: 300 }, {
 *   title: "loss",
 *   series: [{ name: "train", values: [1, 0.5, 0.3], color: [31, 119, 180] }],
 * });
 * await Deno.writeFile("out.png", await encodePNG(c));
 * ```
 * @module
 */

/** An RGB colour, 0..255 per channel. */
export type RGB = readonly [number, number, number];

/** A rectangle on a canvas, in pixels. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Colours of the default palette (matplotlib's "tab10"). */
export const PALETTE: readonly RGB[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
];

const WHITE: RGB = [255, 255, 255];
const BLACK: RGB = [0, 0, 0];
const GRID: RGB = [225, 225, 225];

// 5x7 glyphs, one string of 7 rows x 5 columns each ('#' = ink). Lower case is drawn as
// upper case; unknown characters as '?'.
const GLYPHS: Record<string, string> = {
  "A": ".###.#...##...#######...##...##...#",
  "B": "####.#...##...#####.#...##...#####.",
  "C": ".###.#...##....#....#....#...#.###.",
  "D": "###..#..#.#...##...##...##..#.###..",
  "E": "######....#....####.#....#....#####",
  "F": "######....#....####.#....#....#....",
  "G": ".###.#...##....#.####...##...#.####",
  "H": "#...##...##...#######...##...##...#",
  "I": ".###...#....#....#....#....#...###.",
  "J": "..###...#....#....#....#.#..#..##..",
  "K": "#...##..#.#.#..##...#.#..#..#.#...#",
  "L": "#....#....#....#....#....#....#####",
  "M": "#...###.###.#.##.#.##...##...##...#",
  "N": "#...##...###..##.#.##..###...##...#",
  "O": ".###.#...##...##...##...##...#.###.",
  "P": "####.#...##...#####.#....#....#....",
  "Q": ".###.#...##...##...##.#.##..#..##.#",
  "R": "####.#...##...#####.#.#..#..#.#...#",
  "S": ".#####....#.....###.....#....#####.",
  "T": "#####..#....#....#....#....#....#..",
  "U": "#...##...##...##...##...##...#.###.",
  "V": "#...##...##...##...##...#.#.#...#..",
  "W": "#...##...##...##.#.##.#.##.#.#.#.#.",
  "X": "#...##...#.#.#...#...#.#.#...##...#",
  "Y": "#...##...#.#.#...#....#....#....#..",
  "Z": "#####....#...#...#...#...#....#####",
  "0": ".###.#...##..###.#.###..##...#.###.",
  "1": "..#...##....#....#....#....#...###.",
  "2": ".###.#...#....#...#...#...#...#####",
  "3": "#####...#...#.....#.....##...#.###.",
  "4": "...#...##..#.#.#..#.#####...#....#.",
  "5": "######....####.....#....##...#.###.",
  "6": "..##..#...#....####.#...##...#.###.",
  "7": "#####....#...#...#...#....#....#...",
  "8": ".###.#...##...#.###.#...##...#.###.",
  "9": ".###.#...##...#.####....#...#..##..",
  " ": "...................................",
  ".": "..........................##...##..",
  ",": ".....................##....#...#...",
  "-": "...............#####...............",
  "+": "......#....#..#####..#....#........",
  "=": "..........#####.....#####..........",
  ":": ".......##...##.........##...##.....",
  "/": ".........#...#...#...#...#.........",
  "%": "##...##..#...#...#...#...#..##...##",
  "(": "...#...#...#....#....#.....#.....#.",
  ")": ".#.....#.....#....#....#...#...#...",
  "_": "..............................#####",
  "'": "..#....#....#......................",
  "?": ".###.#...#....#...#...#.........#..",
};

/** Width in pixels of `text` drawn at `scale` (6 px per character at scale 1). */
export function textWidth(text: string, scale = 1): number {
  return text.length === 0 ? 0 : (text.length * 6 - 1) * scale;
}

/** An RGB image in memory (row-major, 3 bytes per pixel), white when created. */
export class Canvas {
  /** Pixels, `(y * width + x) * 3`. */
  readonly rgb: Uint8Array;

  /** Creates a `width` x `height` canvas filled with `background`. */
  constructor(readonly width: number, readonly height: number, background: RGB = WHITE) {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new RangeError(`Canvas: size must be positive integers, got ${width}x${height}`);
    }
    this.rgb = new Uint8Array(width * height * 3);
    this.fillRect({ x: 0, y: 0, w: width, h: height }, background);
  }

  /** Sets one pixel (ignored outside the canvas); `alpha` blends over what is there. */
  set(x: number, y: number, c: RGB, alpha = 1): void {
    x = Math.round(x), y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    for (let k = 0; k < 3; k++) {
      this.rgb[i + k] = Math.round(this.rgb[i + k] * (1 - alpha) + c[k] * alpha);
    }
  }

  /** Fills a rectangle. */
  fillRect(r: Rect, c: RGB): void {
    for (let y = Math.max(0, r.y); y < Math.min(this.height, r.y + r.h); y++) {
      for (let x = Math.max(0, r.x); x < Math.min(this.width, r.x + r.w); x++) this.set(x, y, c);
    }
  }

  /** Outlines a rectangle with a 1-pixel border. */
  strokeRect(r: Rect, c: RGB): void {
    this.line(r.x, r.y, r.x + r.w - 1, r.y, c);
    this.line(r.x, r.y + r.h - 1, r.x + r.w - 1, r.y + r.h - 1, c);
    this.line(r.x, r.y, r.x, r.y + r.h - 1, c);
    this.line(r.x + r.w - 1, r.y, r.x + r.w - 1, r.y + r.h - 1, c);
  }

  /** A straight line `width` pixels thick (a square brush stepped along it). */
  line(x0: number, y0: number, x1: number, y1: number, c: RGB, width = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const lo = -Math.floor((width - 1) / 2), hi = lo + width - 1;
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps, y = y0 + ((y1 - y0) * s) / steps;
      for (let dy = lo; dy <= hi; dy++) {
        for (let dx = lo; dx <= hi; dx++) this.set(x + dx, y + dy, c);
      }
    }
  }

  /** A filled disc (plot markers). */
  dot(cx: number, cy: number, radius: number, c: RGB): void {
    for (let dy = -radius; dy <= radius; dy++) {
      for (let dx = -radius; dx <= radius; dx++) {
        if (dx * dx + dy * dy <= radius * radius + radius) this.set(cx + dx, cy + dy, c);
      }
    }
  }

  /** Draws `text` with its top-left corner at (x, y); each font pixel is `scale` pixels. */
  text(x: number, y: number, text: string, c: RGB = BLACK, scale = 1): void {
    x = Math.round(x), y = Math.round(y);
    for (const [i, ch] of [...text].entries()) {
      const g = GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()] ?? GLYPHS["?"];
      for (let row = 0; row < 7; row++) {
        for (let col = 0; col < 5; col++) {
          if (g[row * 5 + col] !== "#") continue;
          this.fillRect(
            { x: x + (i * 6 + col) * scale, y: y + row * scale, w: scale, h: scale },
            c,
          );
        }
      }
    }
  }

  /** Draws `text` rotated 90 degrees counter-clockwise (reads bottom to top) from (x, y) up. */
  textUp(x: number, y: number, text: string, c: RGB = BLACK, scale = 1): void {
    const w = textWidth(text, scale), h = 7 * scale;
    const tmp = new Canvas(Math.max(1, w), h);
    tmp.text(0, 0, text, c, scale);
    for (let ty = 0; ty < h; ty++) {
      for (let tx = 0; tx < w; tx++) {
        const i = (ty * tmp.width + tx) * 3;
        const px: RGB = [tmp.rgb[i], tmp.rgb[i + 1], tmp.rgb[i + 2]];
        if (px[0] === 255 && px[1] === 255 && px[2] === 255) continue;
        this.set(x + ty, y - tx, px);
      }
    }
  }

  /**
   * Draws a grey-scale image (`pixels` row-major, values in [0, 1] or 0..255 when
   * `max` is 255) at (x, y), each source pixel `scale` x `scale`, dark ink on white.
   */
  image(
    x: number,
    y: number,
    pixels: ArrayLike<number>,
    w: number,
    h: number,
    opts: { scale?: number; max?: number; invert?: boolean } = {},
  ): void {
    const scale = opts.scale ?? 1, max = opts.max ?? 1, invert = opts.invert ?? true;
    for (let r = 0; r < h; r++) {
      for (let q = 0; q < w; q++) {
        const v = Math.min(1, Math.max(0, pixels[r * w + q] / max));
        const g = Math.round(255 * (invert ? 1 - v : v));
        this.fillRect({ x: x + q * scale, y: y + r * scale, w: scale, h: scale }, [g, g, g]);
      }
    }
  }
}

/** "Nice" tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw * 0.7) ?? 10 * p;
  const out: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    out.push(k === 0 ? 0 : Number((k * step).toPrecision(12)));
  }
  return out;
}

function formatTick(v: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(v) || 1;
  const digits = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return v.toFixed(digits);
}

/** One line of a chart. */
export interface Series {
  /** Legend label. */
  name: string;
  /** y values; x is `xs[i]` or, without xs, i + 1 (epochs count from 1). */
  values: readonly number[];
  /** x values (same length as values). */
  xs?: readonly number[];
  /** Line colour (next palette colour when omitted). */
  color?: RGB;
  /** Draw a marker on each point (true). */
  markers?: boolean;
  /** Draw only markers, no connecting line (false). */
  scatter?: boolean;
}

/** Options of {@link lineChart}. */
export interface ChartOptions {
  /** Title above the plot. */
  title?: string;
  /** x-axis label. */
  xLabel?: string;
  /** y-axis label. */
  yLabel?: string;
  /** The lines. */
  series: readonly Series[];
  /** Fixed y range (default: the data's range, padded). */
  yRange?: readonly [number, number];
  /** Integer x ticks only (epochs). */
  integerX?: boolean;
}

/**
 * Training curves per epoch: accuracy and cross-entropy loss charts side by side (what the
 * demo and the d2l examples plot).
 */
export function epochCurves(
  title: string,
  accuracy: readonly Series[],
  loss: readonly Series[],
): Canvas {
  const acc = new Canvas(480, 320), lossChart = new Canvas(480, 320);
  const area = { x: 0, y: 0, w: 480, h: 320 };
  const common = { xLabel: "epoch", integerX: true };
  lineChart(acc, area, {
    ...common,
    title: `${title}: accuracy`,
    yLabel: "accuracy",
    series: accuracy,
  });
  lineChart(lossChart, area, {
    ...common,
    title: `${title}: loss`,
    yLabel: "cross-entropy",
    series: loss,
  });
  return hstack([acc, lossChart]);
}

/** Draws a line chart (axes, ticks, grid, lines, markers, legend) into `area` of `c`. */
export function lineChart(c: Canvas, area: Rect, opts: ChartOptions): void {
  const pts = opts.series.map((s) =>
    s.values.map((v, i) => [s.xs ? s.xs[i] : i + 1, v] as const).filter(([x, y]) =>
      Number.isFinite(x) && Number.isFinite(y)
    )
  );
  const all = pts.flat();
  const xsAll = all.map(([x]) => x), ysAll = all.map(([, y]) => y);
  let [x0, x1] = all.length ? [Math.min(...xsAll), Math.max(...xsAll)] : [0, 1];
  if (x1 === x0) x0 -= 0.5, x1 += 0.5;
  const xPad = (x1 - x0) * 0.03;
  x0 -= xPad, x1 += xPad;
  let [y0, y1] = opts.yRange ??
    (all.length ? [Math.min(...ysAll), Math.max(...ysAll)] as const : [0, 1] as const);
  if (!opts.yRange) {
    const pad = (y1 - y0) * 0.08 || Math.abs(y0) * 0.1 || 0.5;
    y0 -= pad, y1 += pad;
  }
  const yTicks = niceTicks(y0, y1, 5);
  const xTicks = opts.integerX
    ? niceTicks(x0, x1, Math.min(8, x1 - x0)).filter((v) => Number.isInteger(v))
    : niceTicks(x0, x1, 6);
  const yLabels = yTicks.map((t) => formatTick(t, yTicks));
  const left = area.x + 14 + Math.max(...yLabels.map((l) => textWidth(l))) + 6;
  const top = area.y + (opts.title ? 24 : 10);
  const right = area.x + area.w - 12;
  const bottom = area.y + area.h - (opts.xLabel ? 32 : 20);
  const plot: Rect = { x: left, y: top, w: right - left, h: bottom - top };
  const px = (x: number) => plot.x + ((x - x0) / (x1 - x0)) * (plot.w - 1);
  const py = (y: number) => plot.y + plot.h - 1 - ((y - y0) / (y1 - y0)) * (plot.h - 1);

  if (opts.title) {
    c.text(area.x + (area.w - textWidth(opts.title, 2)) / 2, area.y + 4, opts.title, BLACK, 2);
  }
  for (const [i, t] of yTicks.entries()) {
    const y = Math.round(py(t));
    if (y < plot.y || y > plot.y + plot.h - 1) continue;
    c.line(plot.x, y, plot.x + plot.w - 1, y, GRID);
    c.line(plot.x - 4, y, plot.x, y, BLACK);
    c.text(plot.x - 6 - textWidth(yLabels[i]), y - 3, yLabels[i]);
  }
  for (const t of xTicks) {
    const x = Math.round(px(t));
    if (x < plot.x || x > plot.x + plot.w - 1) continue;
    c.line(x, plot.y, x, plot.y + plot.h - 1, GRID);
    c.line(x, plot.y + plot.h - 1, x, plot.y + plot.h + 3, BLACK);
    const l = formatTick(t, xTicks);
    c.text(x - textWidth(l) / 2, plot.y + plot.h + 6, l);
  }
  c.strokeRect(plot, BLACK);
  if (opts.xLabel) {
    c.text(plot.x + (plot.w - textWidth(opts.xLabel)) / 2, bottom + 18, opts.xLabel);
  }
  if (opts.yLabel) {
    c.textUp(area.x + 3, plot.y + (plot.h + textWidth(opts.yLabel)) / 2, opts.yLabel);
  }
  for (const [k, s] of opts.series.entries()) {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    const p = pts[k];
    if (!s.scatter) {
      for (let i = 1; i < p.length; i++) {
        c.line(px(p[i - 1][0]), py(p[i - 1][1]), px(p[i][0]), py(p[i][1]), color, 2);
      }
    }
    if (s.markers ?? true) {
      for (const [x, y] of p) c.dot(px(x), py(y), s.scatter ? 2 : 3, color);
    }
  }
  // Legend in the corner with the least data under it.
  const lw = Math.max(...opts.series.map((s) => textWidth(s.name))) + 30;
  const lh = opts.series.length * 12 + 6;
  const corners: Rect[] = [
    { x: plot.x + plot.w - lw - 6, y: plot.y + 6, w: lw, h: lh },
    { x: plot.x + plot.w - lw - 6, y: plot.y + plot.h - lh - 6, w: lw, h: lh },
    { x: plot.x + 6, y: plot.y + 6, w: lw, h: lh },
    { x: plot.x + 6, y: plot.y + plot.h - lh - 6, w: lw, h: lh },
  ];
  // Points along every line, in pixels, to count what a legend box would hide.
  const trace = pts.flatMap((p) =>
    p.flatMap(([x, y], i) => {
      if (i === 0) return [[px(x), py(y)]];
      const [xa, ya] = p[i - 1];
      return Array.from({ length: 20 }, (_, k) => {
        const t = (k + 1) / 20;
        return [px(xa + (x - xa) * t), py(ya + (y - ya) * t)];
      });
    })
  );
  const inside = (r: Rect) =>
    trace.filter(([X, Y]) =>
      X >= r.x - 4 && X <= r.x + r.w + 4 && Y >= r.y - 4 && Y <= r.y + r.h + 4
    )
      .length;
  const box = corners.reduce((best, r) => inside(r) < inside(best) ? r : best);
  c.fillRect(box, WHITE);
  c.strokeRect(box, [160, 160, 160]);
  for (const [k, s] of opts.series.entries()) {
    const color = s.color ?? PALETTE[k % PALETTE.length];
    const y = box.y + 6 + k * 12;
    if (s.scatter) c.dot(box.x + 13, y + 3, 2, color);
    else c.line(box.x + 6, y + 3, box.x + 20, y + 3, color, 2);
    c.text(box.x + 25, y, s.name);
  }
}

/** Options of {@link imageGrid}. */
export interface GridOptions {
  /** Grey-scale images, each `imageWidth * imageHeight` values in [0, 1]. */
  images: readonly ArrayLike<number>[];
  /** Source image size (28 x 28). */
  imageWidth?: number;
  imageHeight?: number;
  /** Images per row (8). */
  columns?: number;
  /** Pixel scale (3). */
  scale?: number;
  /** One caption per image, drawn under it (upper case, 5x7 font; "\n" starts a line). */
  captions?: readonly string[];
  /** Caption colour per image (e.g. green when right, red when wrong). */
  captionColors?: readonly RGB[];
  /** Title over the grid. */
  title?: string;
}

/** A canvas holding a grid of captioned images. */
export function imageGrid(opts: GridOptions): Canvas {
  const iw = opts.imageWidth ?? 28, ih = opts.imageHeight ?? 28, scale = opts.scale ?? 3;
  const cols = Math.min(opts.columns ?? 8, Math.max(1, opts.images.length));
  const rows = Math.ceil(opts.images.length / cols);
  const lines = (opts.captions ?? []).map((s) => s.split("\n"));
  const longest = Math.max(0, ...lines.flat().map((s) => textWidth(s)));
  const cellW = Math.max(iw * scale, longest) + 10;
  const captionH = opts.captions ? 10 * Math.max(1, ...lines.map((l) => l.length)) + 2 : 0;
  const cellH = ih * scale + captionH + 8;
  const titleH = opts.title ? 28 : 4;
  const c = new Canvas(cols * cellW + 8, rows * cellH + titleH + 4);
  if (opts.title) c.text((c.width - textWidth(opts.title, 2)) / 2, 8, opts.title, BLACK, 2);
  for (const [i, img] of opts.images.entries()) {
    const cx = 4 + (i % cols) * cellW, cy = titleH + Math.floor(i / cols) * cellH;
    const ix = cx + (cellW - iw * scale) / 2;
    c.image(Math.round(ix), cy + 2, img, iw, ih, { scale });
    c.strokeRect({ x: Math.round(ix) - 1, y: cy + 1, w: iw * scale + 2, h: ih * scale + 2 }, GRID);
    for (const [k, line] of (lines[i] ?? []).entries()) {
      c.text(
        cx + (cellW - textWidth(line)) / 2,
        cy + ih * scale + 6 + 10 * k,
        line,
        opts.captionColors?.[i] ?? BLACK,
      );
    }
  }
  return c;
}

/** Stacks canvases side by side (left to right) on a white background. */
export function hstack(parts: readonly Canvas[]): Canvas {
  const out = new Canvas(
    parts.reduce((s, p) => s + p.width, 0),
    Math.max(...parts.map((p) => p.height)),
  );
  let x0 = 0;
  for (const p of parts) {
    for (let y = 0; y < p.height; y++) {
      out.rgb.set(p.rgb.subarray(y * p.width * 3, (y + 1) * p.width * 3), (y * out.width + x0) * 3);
    }
    x0 += p.width;
  }
  return out;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309, as PNG uses) of `bytes`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t = crcTable ??= (() => {
    const tab = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      tab[n] = c >>> 0;
    }
    return tab;
  })();
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

async function zlib(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("deflate"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** The canvas as a PNG file (8-bit RGB, no interlace, filter 0 on every row). */
export async function encodePNG(c: Canvas): Promise<Uint8Array> {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, c.width);
  v.setUint32(4, c.height);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, filter, no interlace
  const stride = c.width * 3;
  const raw = new Uint8Array((stride + 1) * c.height);
  for (let y = 0; y < c.height; y++) {
    raw[y * (stride + 1)] = 0;
    raw.set(c.rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", await zlib(raw)),
    chunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) out.set(p, off), off += p.length;
  return out;
}

/** Encodes `c` and writes it to `path`. */
export async function writePNG(path: string | URL, c: Canvas): Promise<void> {
  await Deno.writeFile(path, await encodePNG(c));
}
