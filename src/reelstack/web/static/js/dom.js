// Small DOM helpers shared by every page: build elements without innerHTML (no injection),
// format numbers and times the same way everywhere.

/** el("a", {href: "#/x", class: "c"}, "text", childNode, ...) -> HTMLElement. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([name, value]) => {
    if (value === undefined || value === null || value === false) return;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  });
  children.flat().forEach((child) => {
    if (child === undefined || child === null || child === false) return;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  });
  return node;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

const statusLine = () => document.getElementById("status");

/** Say something in the polite live region (screen readers and the status line). */
export function announce(text, tone = "info") {
  const line = statusLine();
  line.textContent = text;
  line.dataset.tone = tone;
}

/** Run an async action, showing its error's reason in the status line instead of failing silently. */
export async function guarded(action, what = "request") {
  try {
    return await action();
  } catch (error) {
    if (error.name === "AbortError") return undefined;
    announce(`${what} failed: ${error.message}`, "error");
    return undefined;
  }
}

export const fmt = {
  number: (n, digits = 0) =>
    n === undefined || n === null || Number.isNaN(n) ? "–" : Number(n).toLocaleString(undefined, { maximumFractionDigits: digits }),
  percent: (x, digits = 1) => (x === undefined || x === null ? "–" : `${(100 * x).toFixed(digits)}%`),
  score: (x) => (x === undefined || x === null ? "–" : Number(x).toFixed(3)),
  seconds: (s) => {
    if (s === undefined || s === null) return "–";
    if (s < 60) return `${Math.round(s)} s`;
    if (s < 3600) return `${Math.round(s / 60)} min`;
    if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
    return `${(s / 86400).toFixed(1)} d`;
  },
  date: (value) => {
    if (value === undefined || value === null) return "–";
    const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
  },
};

/** A small "label: value" list (features, scores, analysis). */
export function facts(entries) {
  const list = el("dl", { class: "facts" });
  entries.forEach(([label, value]) => {
    if (value === undefined || value === null || value === "") return;
    list.append(el("dt", {}, label), el("dd", {}, value));
  });
  return list;
}

/** Empty-state panel with a reason and what to do next. */
export function emptyState(title, hint) {
  return el("div", { class: "empty" }, el("p", { class: "empty-title" }, title), hint ? el("p", { class: "hint" }, hint) : null);
}

/** Load a page's own stylesheet once (pages keep their CSS beside them in /static/css/). */
export function useStylesheet(name) {
  const href = `/static/css/${name}.css`;
  if (document.querySelector(`link[href="${href}"]`)) return;
  document.head.append(el("link", { rel: "stylesheet", href }));
}
