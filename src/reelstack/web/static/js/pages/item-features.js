// What understanding stored about one post (GET /v1/items/{id}/features), one panel per
// stage: visual concepts, on-screen text, speech, language and segmentation, embeddings,
// hashes, and every stage's model version. Also the panel and table blocks the item page uses.
import { api } from "../api.js";
import { el, facts, fmt } from "../dom.js";

const CONCEPTS = 8;

export const seconds = (s) => (s === undefined || s === null ? "–" : `${Number(s).toFixed(1)} s`);

export function section(title, ...body) {
  return el("section", { class: "panel item-section", "aria-label": title }, el("h2", {}, title), ...body);
}

/** A scrollable table; `numeric` lists the columns aligned right. */
export function table(headers, rows, numeric = []) {
  const cls = (n) => (numeric.includes(n) ? "num" : null);
  const head = el("tr", {}, headers.map((h, n) => el("th", { class: cls(n), scope: "col" }, h)));
  const body = rows.map((row) => el("tr", {}, row.map((cell, n) => el("td", { class: cls(n) }, cell))));
  return el("div", { class: "table-scroll" }, el("table", {}, el("thead", {}, head), el("tbody", {}, body)));
}

const disclosure = (summary, ...body) => el("details", {}, el("summary", {}, summary), ...body);

function failed(stage) {
  const error = stage && stage.value && stage.value.error;
  return error ? el("p", { class: "error" }, `failed: ${error}`) : null;
}

function conceptsPanel(visual) {
  if (!visual) return null;
  const rows = (visual.value.concepts || []).slice(0, CONCEPTS).map((c) =>
    el(
      "li",
      {},
      el("span", {}, c.name),
      el("meter", { min: 0, max: 1, value: c.score, "aria-label": `${c.name} confidence` }),
      el("span", { class: "num" }, fmt.percent(c.score, 0)),
    ),
  );
  return section("Visual concepts", failed(visual), el("ul", { class: "concepts" }, rows));
}

function ocrPanel(ocr) {
  if (!ocr) return null;
  const v = ocr.value;
  const seen = (l) => `${seconds(l.ts_first)} – ${seconds(l.ts_last)}`;
  const lines = (v.lines || []).map((l) => [l.text, fmt.percent(l.confidence, 0), seen(l), l.engine || ""]);
  return section(
    "On-screen text",
    failed(ocr),
    v.text ? el("blockquote", { class: "quote" }, v.text) : el("p", { class: "hint" }, "No text found on screen."),
    lines.length ? table(["Line", "Confidence", "Seen", "Engine"], lines, [1]) : null,
  );
}

function asrPanel(asr) {
  if (!asr) return null;
  const v = asr.value;
  const segments = (v.segments || []).map((s) => [`${seconds(s.start)} – ${seconds(s.end)}`, s.text]);
  const silence = el("p", { class: "hint" }, v.reason ? `No speech: ${v.reason}.` : "No speech.");
  return section(
    "Speech",
    failed(asr),
    v.text ? el("blockquote", { class: "quote" }, v.text) : silence,
    facts([
      ["Language", v.language ? `${v.language} · ${fmt.percent(v.language_probability, 0)}` : null],
      ["Truncated", v.truncated ? "yes" : null],
    ]),
    segments.length ? disclosure(`Segments (${segments.length})`, table(["Time", "Text"], segments)) : null,
  );
}

function textPanel(text) {
  if (!text) return null;
  const v = text.value;
  const fields = Object.entries(v.fields || {}).map(([name, f]) => [
    name,
    `${f.language} · ${fmt.percent(f.confidence, 0)}`,
    (f.tokens || []).join(" · "),
  ]);
  return section(
    "Language and text",
    failed(text),
    facts([
      ["Language", v.language],
      ["Hashtags", (v.hashtags || []).map((t) => `#${t}`).join(" ")],
      ["Mentions", (v.mentions || []).map((m) => `@${m}`).join(" ")],
      ["Links", (v.urls || []).join(" ")],
      ["Entities", (v.entities || []).map((e) => `${e.text} (${e.label}, ${e.field})`).join("; ")],
    ]),
    fields.length ? table(["Field", "Language", "Segmentation"], fields) : null,
  );
}

function hashesPanel(hashes) {
  if (!hashes) return null;
  const v = hashes.value;
  const pdq = (v.pdq || []).map((h) => [seconds(h.ts), el("code", { class: "hash" }, h.hash), String(h.quality)]);
  return section(
    "Hashes",
    failed(hashes),
    facts([
      ["MD5", v.md5 ? el("code", { class: "hash" }, v.md5) : null],
      ["PDQ frames", v.frames],
    ]),
    pdq.length ? disclosure(`PDQ per keyframe (${pdq.length})`, table(["Time", "PDQ", "Quality"], pdq, [2])) : null,
  );
}

const dims = (vector) => (vector && vector.shape ? vector.shape.join(" × ") : "–");
const ok = (feature) => feature && !feature.value.error && feature.value;

function embeddingsPanel(features) {
  const embed = ok(features.embed);
  const cross = ok(features.crossmodal);
  const visual = ok(features.visual);
  const rows = [
    embed && ["Text", dims(embed.vector), `${(embed.fields || []).join(", ")} · ${embed.chunks} chunk(s)`],
    cross && ["Cross-modal", dims(cross.vector), `${cross.backend} in ${cross.space}; per frame ${dims(cross.per_frame)}`],
    visual && ["Visual (pooled)", dims(visual.pooled), `per frame ${dims(visual.per_frame)}; classes ${dims(visual.probs)}`],
  ].filter(Boolean);
  return rows.length ? section("Embeddings", table(["Vector", "Dimensions", "From"], rows)) : null;
}

function stagesPanel(features) {
  const stages = Object.entries(features).map(([stage, f]) => {
    const error = f.value && f.value.error;
    const status = el("span", { class: `chip ${error ? "bad" : "ok"}` }, error ? "failed" : "done");
    return el(
      "li",
      {},
      el("p", { class: "row" }, el("strong", {}, stage), status, el("span", { class: "hint" }, fmt.date(f.created_at))),
      el("code", { class: "version" }, f.model_version),
    );
  });
  return section("Stages and model versions", el("ul", { class: "stages" }, stages));
}

/** {features, panels}: the stored features by stage and a panel for each kind present. */
export async function understandingPanels(itemId) {
  let features;
  try {
    features = (await api.get(`/v1/items/${encodeURIComponent(itemId)}/features`)).features;
  } catch (error) {
    return { features: {}, panels: [section("Understanding", el("p", { class: "error" }, error.message))] };
  }
  if (!Object.keys(features).length) {
    const hint = el("p", { class: "hint" }, "Not understood yet: the worker has not processed this post.");
    return { features, panels: [section("Understanding", hint)] };
  }
  const panels = [
    conceptsPanel(features.visual),
    ocrPanel(features.ocr),
    asrPanel(features.asr),
    textPanel(features.text),
    embeddingsPanel(features),
    hashesPanel(features.hashes),
    stagesPanel(features),
  ];
  return { features, panels: panels.filter(Boolean) };
}
