// Small SVG charts drawn in the browser: a line chart over time and a horizontal bar chart.
// Each is a <figure>: the SVG (role="img", named by its <title> and <desc>), a legend, and
// the same numbers as a table under "Data table" for screen readers and for copying.
// Colours come from console.css (.chart .series-0..3); sizes are SVG attributes, so a chart
// reads well with no other stylesheet (dashboards.css only lays out legends and figures).
import { el } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const CHAR_PX = 6.6; // average width of an 11px label character
let chartCount = 0;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  Object.entries(attrs).forEach(([name, value]) => {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  });
  children.flat().forEach((child) => child !== null && child !== undefined && node.append(child instanceof Node ? child : String(child)));
  return node;
}

/** 0 and a few round steps (1, 2 or 5 × 10^k) covering `max`. */
export function niceTicks(max, count = 4) {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let v = 0; v < max + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

function frame(spec, height) {
  const id = `chart-${++chartCount}`;
  const summary = spec.summary || "";
  const root = svg(
    "svg",
    {
      class: "chart",
      role: "img",
      viewBox: `0 0 ${spec.width} ${height}`,
      width: spec.width,
      height,
      style: `max-width:${spec.width}px`, // drawn for this width: never stretched (text stays 11px)
      "aria-labelledby": `${id}-title ${id}-desc`,
    },
    svg("title", { id: `${id}-title` }, spec.title),
    svg("desc", { id: `${id}-desc` }, summary),
  );
  return root;
}

function legend(series) {
  if (series.length < 2) return null;
  return el(
    "ul",
    { class: "chart-legend" },
    series.map((s, i) => {
      const attrs = { class: "chart", width: 12, height: 12, style: "width:12px;height:12px;display:inline-block", "aria-hidden": "true" };
      const swatch = svg("svg", attrs, svg("rect", { class: `series-${i % 4}`, width: 12, height: 12, rx: 2 }));
      return el("li", {}, swatch, s.name);
    }),
  );
}

function dataTable(spec, header) {
  const head = el("tr", {}, el("th", { scope: "col" }, header), spec.series.map((s) => el("th", { scope: "col", class: "num" }, s.name)));
  const rows = spec.longLabels.map((label, i) =>
    el("tr", {}, el("th", { scope: "row" }, label), spec.series.map((s) => el("td", { class: "num" }, spec.format(s.values[i])))),
  );
  return el(
    "details",
    { class: "chart-data", dataset: { key: `${spec.title}-data` } },
    el("summary", {}, "Data table"),
    el("div", { class: "table-scroll" }, el("table", {}, el("caption", {}, spec.title), el("thead", {}, head), el("tbody", {}, rows))),
  );
}

function figure(spec, chart, header) {
  return el("figure", { class: "chart-figure" }, el("figcaption", {}, spec.title), chart, legend(spec.series), dataTable(spec, header));
}

function withDefaults(spec) {
  return {
    format: (v) => String(v),
    ...spec,
    longLabels: spec.longLabels || spec.labels,
    width: Math.max(280, Math.round(spec.width || 640)),
  };
}

function yAxis(root, ticks, scaleY, left, right, format) {
  ticks.forEach((tick) => {
    const y = scaleY(tick);
    root.append(
      svg("line", { class: "axis", x1: left, x2: right, y1: y, y2: y, "stroke-width": 1, "stroke-dasharray": tick === 0 ? null : "2 4" }),
      svg("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, format(tick)),
    );
  });
}

/**
 * A line chart: `labels` along x (e.g. bucket start times; `longLabels` for tooltips and
 * the table), one line per `series` ({name, values}), y from 0. Options: title, summary,
 * format(value), width, xHeader.
 */
export function lineChart(input) {
  const spec = withDefaults(input);
  const height = 240;
  const all = spec.series.flatMap((s) => s.values);
  const ticks = niceTicks(Math.max(0, ...all));
  const top = ticks[ticks.length - 1] || 1;
  const left = 12 + Math.max(...ticks.map((t) => spec.format(t).length)) * CHAR_PX;
  const right = spec.width - 12;
  const bottom = height - 26;
  const n = spec.labels.length;
  const scaleX = (i) => (n <= 1 ? (left + right) / 2 : left + ((right - left) * i) / (n - 1));
  const scaleY = (v) => bottom - ((bottom - 12) * v) / top;
  const root = frame(spec, height);
  yAxis(root, ticks, scaleY, left, right, spec.format);
  const every = Math.max(1, Math.ceil(n / Math.max(2, Math.floor((right - left) / 90))));
  spec.labels.forEach((label, i) => {
    if (i % every === 0 || i === n - 1) {
      const anchor = i === 0 && n > 1 ? "start" : i === n - 1 && n > 1 ? "end" : "middle";
      root.append(svg("text", { x: scaleX(i), y: height - 8, "text-anchor": anchor }, label));
    }
  });
  spec.series.forEach((s, k) => {
    const points = s.values.map((v, i) => `${scaleX(i).toFixed(1)},${scaleY(v || 0).toFixed(1)}`).join(" ");
    const group = svg("g", { class: `series-${k % 4}` }, svg("polyline", { points, fill: "none", "stroke-width": 2, "stroke-linejoin": "round" }));
    s.values.forEach((v, i) => {
      group.append(svg("circle", { class: "point", cx: scaleX(i), cy: scaleY(v || 0), r: n > 60 ? 1.8 : 3, stroke: "none" }, svg("title", {}, `${spec.longLabels[i]} · ${s.name}: ${spec.format(v)}`)));
    });
    root.append(group);
  });
  return figure(spec, root, spec.xHeader || "When");
}

/**
 * A horizontal bar chart: one row per label, one bar per series ({name, values}) in it.
 * Options: title, summary, format(value), width, labelHeader.
 */
export function barChart(input) {
  const spec = withDefaults(input);
  const barHeight = 16;
  const rowHeight = spec.series.length * (barHeight + 3) + 12;
  const height = spec.labels.length * rowHeight + 30;
  const longest = Math.max(...spec.labels.map((l) => String(l).length));
  const left = Math.min(spec.width * 0.42, 12 + longest * CHAR_PX);
  const tickCount = Math.max(2, Math.min(5, Math.floor((spec.width - left - 60) / 80)));
  const ticks = niceTicks(Math.max(0, ...spec.series.flatMap((s) => s.values.map((v) => v || 0))), tickCount);
  const top = ticks[ticks.length - 1] || 1;
  const maxChars = Math.floor((left - 12) / CHAR_PX);
  const valueRoom = 8 + Math.max(...ticks.map((t) => spec.format(t).length)) * CHAR_PX;
  const right = spec.width - valueRoom;
  const scaleX = (v) => left + ((right - left) * v) / top;
  const root = frame(spec, height);
  ticks.forEach((tick) => {
    const x = scaleX(tick);
    root.append(svg("line", { class: "axis", x1: x, x2: x, y1: 4, y2: height - 22, "stroke-width": 1, "stroke-dasharray": tick === 0 ? null : "2 4" }));
    root.append(svg("text", { x, y: height - 6, "text-anchor": "middle" }, spec.format(tick)));
  });
  spec.labels.forEach((label, row) => {
    const y0 = 6 + row * rowHeight;
    const text = String(label);
    const shown = text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
    root.append(svg("text", { x: left - 8, y: y0 + (rowHeight - 12) / 2 + 4, "text-anchor": "end" }, shown, svg("title", {}, text)));
    spec.series.forEach((s, k) => {
      const value = s.values[row] || 0;
      const y = y0 + k * (barHeight + 3);
      const width = Math.max(value > 0 ? 1.5 : 0, scaleX(value) - left);
      root.append(
        svg(
          "g",
          { class: `series-${k % 4}` },
          svg("rect", { class: "bar", x: left, y, width, height: barHeight, rx: 2, stroke: "none" }, svg("title", {}, `${text} · ${s.name}: ${spec.format(s.values[row])}`)),
          svg("text", { x: left + width + 5, y: y + barHeight - 4, stroke: "none", class: "value" }, spec.format(s.values[row])),
        ),
      );
    });
  });
  return figure(spec, root, spec.labelHeader || "");
}
