/**
 * The seed document's one-variable linear regression with `mx.model.FeedForward`:
 * y = 5x + noise, a FullyConnected layer with one hidden unit and a
 * LinearRegressionOutput, SGD with `numpyBatchSize: 1`. Writes a plot of the data and
 * the fitted line to examples/out/linear_regression.svg and .png.
 *
 *   deno run -A examples/linear_regression.ts
 * @module
 */
import * as mx from "../mod.ts";
import { Canvas, lineChart, writePNG } from "./_plot.ts";

const OUT = new URL("./out/", import.meta.url);

/** A small SVG scatter plot of (x, y) with the line y = w x + b. */
export function svgPlot(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  w: number,
  b: number,
): string {
  const W = 480, H = 320, L = 50, R = 20, T = 30, B = 40;
  const xs = Array.from(x), ys = Array.from(y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys) - 0.5, Math.max(...ys) + 0.5];
  const px = (v: number) => (L + ((v - x0) / (x1 - x0)) * (W - L - R)).toFixed(1);
  const py = (v: number) => (H - B - ((v - y0) / (y1 - y0)) * (H - T - B)).toFixed(1);
  const dots = xs.map((v, i) => `<circle cx="${px(v)}" cy="${py(ys[i])}" r="2.5"/>`).join("");
  const ticks = [-1, -0.5, 0, 0.5, 1].map((t) =>
    `<text x="${px(t)}" y="${H - B + 16}" text-anchor="middle">${t}</text>`
  ).join("");
  const yt = [-5, 0, 5].map((t) =>
    `<text x="${L - 6}" y="${py(t)}" text-anchor="end" dominant-baseline="middle">${t}</text>`
  ).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" ` +
    `font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">` +
    `y = 5x + noise: fitted y = ${w.toFixed(3)}x ${b < 0 ? "-" : "+"} ${
      Math.abs(b).toFixed(3)
    }</text>
<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="black"/>
${ticks}${yt}
<g fill="#1f77b4">${dots}</g>
<line x1="${px(x0)}" y1="${py(w * x0 + b)}" x2="${px(x1)}" y2="${py(w * x1 + b)}" ` +
    `stroke="#d62728" stroke-width="2"/>
<text x="${W / 2}" y="${H - 6}" text-anchor="middle">x</text>
</svg>
`;
}

async function main(): Promise<void> {
  mx.random.seed(0);
  // X_data = np.linspace(-1, 1, 100); y_data = 5 * X_data + np.random.normal(0, 0.5, 100)
  const xData = await mx.nd.linspace(-1, 1, 100).data(); // Float32Array: a float32 array
  const noise = await mx.random.normal(0, 0.5, [100]).data();
  const yData = xData.map((x, i) => 5 * x + noise[i]);

  const X = mx.sym.Variable("data");
  const Y = mx.sym.Variable("softmax_label");
  const Y_ = mx.sym.FullyConnected({ data: X, numHidden: 1, name: "pre" });
  const loss = mx.sym.LinearRegressionOutput({ data: Y_, label: Y, name: "loss" });
  const model = new mx.model.FeedForward({
    ctx: mx.cpu(),
    symbol: loss,
    numEpoch: 100,
    learningRate: 0.001,
    numpyBatchSize: 1,
  });
  const t0 = performance.now();
  await model.fit({ X: xData, y: yData, logger: null });
  const w = await model.argParams!.pre_weight.asScalar();
  const b = await model.argParams!.pre_bias.asScalar();
  const pred = await (await model.predict(xData)).data() as Float32Array;
  const mse = pred.reduce((s, p, i) => s + (p - yData[i]) ** 2, 0) / pred.length;
  console.log(
    `FeedForward, 100 epochs of 100 samples (batch 1): w = ${w.toFixed(3)} (true 5), ` +
      `b = ${b.toFixed(3)} (true 0), mse ${mse.toFixed(3)} (noise variance 0.25), ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  model.dispose();

  await Deno.mkdir(OUT, { recursive: true });
  await Deno.writeTextFile(new URL("linear_regression.svg", OUT), svgPlot(xData, yData, w, b));
  const c = new Canvas(480, 320);
  const xs = Array.from(xData);
  lineChart(c, { x: 0, y: 0, w: 480, h: 320 }, {
    title: "y = 5x + noise",
    xLabel: "x",
    yLabel: "y",
    series: [
      { name: "data", xs, values: Array.from(yData), scatter: true },
      {
        name: `fit ${w.toFixed(2)}x${b < 0 ? "-" : "+"}${Math.abs(b).toFixed(2)}`,
        xs: [xs[0], xs[99]],
        values: [w * xs[0] + b, w * xs[99] + b],
        markers: false,
      },
    ],
  });
  await writePNG(new URL("linear_regression.png", OUT), c);
  console.log("Wrote examples/out/linear_regression.svg and examples/out/linear_regression.png");
}

if (import.meta.main) await main();
