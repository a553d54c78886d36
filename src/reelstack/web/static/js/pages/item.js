// Item page (#/item/<id>): the post's media and keyframes, everything understanding stored
// about it, the moderation decision in force with its reasons, the audit trail, related posts.
import { api, mediaSrc } from "../api.js";
import { el, emptyState, facts, fmt, useStylesheet } from "../dom.js";
import { hrefFor } from "../router.js";
import { itemCard, mediaPlayer } from "../widgets.js";

const RELATED = 8;
const CONCEPTS = 8;
const ACTION_TONE = { allow: "ok", label: "warn", demote: "warn", age_restrict: "warn", review: "warn", remove: "bad", disable: "bad" };
const SOURCE_NAMES = { content: "similar content", coengagement: "watched together", creator: "same creator" };
const itemPath = (id, rest = "") => `/v1/items/${encodeURIComponent(id)}${rest}`;

function actionChip(action) {
  return el("span", { class: `chip ${ACTION_TONE[action] || ""}` }, action.replace(/_/g, " "));
}

function section(title, ...body) {
  return el("section", { class: "panel item-section", "aria-label": title }, el("h2", {}, title), ...body);
}

function table(headers, rows, numeric = []) {
  return el(
    "div",
    { class: "table-scroll" },
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, headers.map((h, n) => el("th", { class: numeric.includes(n) ? "num" : null, scope: "col" }, h)))),
      el("tbody", {}, rows.map((row) => el("tr", {}, row.map((cell, n) => el("td", { class: numeric.includes(n) ? "num" : null }, cell))))),
    ),
  );
}

const seconds = (s) => (s === undefined || s === null ? "–" : `${Number(s).toFixed(1)} s`);

// -- the post ---------------------------------------------------------------------------------

function postHeader(item) {
  const handle = item.creator.handle;
  return el(
    "header",
    { class: "item-header" },
    el("p", { class: "creator" }, el("a", { href: hrefFor("search", [], { q: `@${handle}` }) }, `@${handle}`), ` · ${item.creator.display_name}`),
    el("h1", { class: "item-caption" }, item.caption || "(no caption)"),
    item.hashtags.length
      ? el("p", { class: "tags" }, item.hashtags.map((tag) => el("a", { href: hrefFor("search", [], { q: `#${tag}` }) }, `#${tag}`)))
      : null,
    item.moderation ? el("p", { class: "row" }, "In force: ", actionChip(item.moderation.action)) : null,
  );
}

function postFacts(item) {
  const media = item.media;
  return facts([
    ["Kind", media ? `${item.kind} · ${media.format}` : item.kind],
    ["Language", item.language],
    ["Duration", media && media.duration_s ? seconds(media.duration_s) : null],
    ["Frame", media ? `${media.width}×${media.height}${media.fps ? ` · ${fmt.number(media.fps, 1)} fps` : ""}` : null],
    ["Audio", media && media.kind === "video" ? (media.has_audio ? "yes" : "none") : null],
    ["Size", media ? `${fmt.number(media.size_bytes / 1024, 0)} KB` : null],
    ["Posted", fmt.date(item.created_at)],
    ["Ingested", fmt.date(item.ingested_at)],
    ["External id", item.external_id],
    ["Item id", item.id],
  ]);
}

function keyframeStrip(item, keyframes, player) {
  if (!keyframes || keyframes.error || !keyframes.frames) return null;
  const strip = el("ol", { class: "keyframes", "aria-label": "Keyframes" });
  keyframes.frames.forEach((frame, n) => {
    const img = el("img", { alt: "", loading: "lazy", width: frame.width, height: frame.height });
    mediaSrc(itemPath(item.id, `/keyframes/${n}`)).then((src) => (img.src = src));
    const seek = () => {
      if (player.tagName !== "VIDEO") return;
      player.currentTime = frame.ts;
      player.focus();
    };
    const label = `Keyframe ${n + 1} at ${seconds(frame.ts)} (${frame.reason})`;
    strip.append(el("li", {}, el("button", { type: "button", class: "keyframe", "aria-label": label, title: label, onclick: seek }, img, el("span", {}, seconds(frame.ts)))));
  });
  return strip;
}

// -- moderation -------------------------------------------------------------------------------

/** One row per policy that acted, its evidence on a full-width row under it (narrow screens). */
function reasonsTable(reasons) {
  if (!reasons || !reasons.length) return el("p", { class: "hint" }, "No detector or rule acted on this post.");
  const head = ["Policy", "Action", "Detector or rule", "Score", "Threshold"];
  const rows = reasons.flatMap((r) => [
    el(
      "tr",
      { class: "reason" },
      [r.policy_id || "–", r.action ? actionChip(r.action) : "–", r.detector || r.rule || "–"].map((cell) => el("td", {}, cell)),
      el("td", { class: "num" }, fmt.score(r.score)),
      el("td", { class: "num" }, fmt.score(r.threshold)),
    ),
    r.evidence ? el("tr", { class: "evidence" }, el("td", { colspan: head.length }, el("span", { class: "hint" }, "Evidence: "), r.evidence)) : null,
  ]);
  return el(
    "div",
    { class: "table-scroll" },
    el(
      "table",
      { class: "reasons" },
      el("thead", {}, el("tr", {}, head.map((h, n) => el("th", { scope: "col", class: n > 2 ? "num" : null }, h)))),
      el("tbody", {}, rows),
    ),
  );
}

function decisionPanel(moderation) {
  if (!moderation) return section("Moderation", el("p", { class: "hint" }, "No decision yet: the post has not been moderated."));
  return section(
    "Moderation decision in force",
    el("p", { class: "row decision" }, actionChip(moderation.action), moderation.policy_id ? `policy ${moderation.policy_id}` : "no policy", el("span", { class: "hint" }, `${moderation.source} · ${fmt.date(moderation.decided_at)}`)),
    reasonsTable(moderation.reasons),
  );
}

function auditEntry(record) {
  const d = record.details || {};
  const scores = (d.scores || []).map((s) => [s.policy_id, s.detector, fmt.score(s.score), s.evidence || ""]);
  return el(
    "li",
    { class: "audit-entry" },
    el("p", { class: "row" }, el("strong", {}, record.action), el("span", { class: "hint" }, `${fmt.date(record.ts)} · ${record.actor}`)),
    facts([
      ["Policy", d.policy_id ? `${d.policy_id}${d.policy_version ? ` v${d.policy_version}` : ""}` : null],
      ["Rule", d.rule],
      ["Action", d.action],
      ["Reviewer note", d.note],
      ["Decision", d.decision_id],
    ]),
    d.reasons && d.reasons.length ? reasonsTable(d.reasons) : null,
    scores.length ? el("details", {}, el("summary", {}, `All detector scores (${scores.length})`), table(["Policy", "Detector", "Score", "Evidence"], scores, [2])) : null,
  );
}

async function historyPanel(itemId) {
  const panel = section("Moderation history");
  try {
    const page = await api.get("/v1/audit", { subject_id: itemId, limit: 100 });
    if (!page.records.length) panel.append(el("p", { class: "hint" }, "No audit records for this post."));
    else panel.append(el("ol", { class: "audit" }, [...page.records].reverse().map(auditEntry)));
  } catch (error) {
    const hint = error.status === 401 || error.status === 403 ? " The audit log needs a reviewer key (API key, top right)." : "";
    panel.append(el("p", { class: "error" }, `${error.message}.${hint}`));
  }
  return panel;
}

// -- understanding ----------------------------------------------------------------------------

function failed(stage) {
  return stage && stage.value && stage.value.error ? el("p", { class: "error" }, `failed: ${stage.value.error}`) : null;
}

function conceptsPanel(visual) {
  if (!visual) return null;
  const concepts = (visual.value.concepts || []).slice(0, CONCEPTS);
  return section(
    "Visual concepts",
    failed(visual),
    el(
      "ul",
      { class: "concepts" },
      concepts.map((c) =>
        el("li", {}, el("span", {}, c.name), el("meter", { min: 0, max: 1, value: c.score, "aria-label": `${c.name} confidence` }), el("span", { class: "num" }, fmt.percent(c.score, 0))),
      ),
    ),
  );
}

function ocrPanel(ocr) {
  if (!ocr) return null;
  const v = ocr.value;
  const lines = (v.lines || []).map((l) => [l.text, fmt.percent(l.confidence, 0), `${seconds(l.ts_first)} – ${seconds(l.ts_last)}`, l.engine || ""]);
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
  return section(
    "Speech",
    failed(asr),
    v.text ? el("blockquote", { class: "quote" }, v.text) : el("p", { class: "hint" }, v.reason ? `No speech: ${v.reason}.` : "No speech."),
    facts([
      ["Language", v.language ? `${v.language} · ${fmt.percent(v.language_probability, 0)}` : null],
      ["Truncated", v.truncated ? "yes" : null],
    ]),
    segments.length ? el("details", {}, el("summary", {}, `Segments (${segments.length})`), table(["Time", "Text"], segments)) : null,
  );
}

function textPanel(text) {
  if (!text) return null;
  const v = text.value;
  const fields = Object.entries(v.fields || {}).map(([name, f]) => [name, `${f.language} · ${fmt.percent(f.confidence, 0)}`, (f.tokens || []).join(" · ")]);
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
    facts([["MD5", v.md5 ? el("code", { class: "hash" }, v.md5) : null], ["PDQ frames", v.frames]]),
    pdq.length ? el("details", {}, el("summary", {}, `PDQ per keyframe (${pdq.length})`), table(["Time", "PDQ", "Quality"], pdq, [2])) : null,
  );
}

const dims = (vector) => (vector && vector.shape ? vector.shape.join(" × ") : null);

function embeddingsPanel(features) {
  const embed = features.embed && features.embed.value;
  const cross = features.crossmodal && features.crossmodal.value;
  const visual = features.visual && features.visual.value;
  const rows = [
    embed && !embed.error ? ["Text", dims(embed.vector), `${(embed.fields || []).join(", ")} · ${embed.chunks} chunk(s)`] : null,
    cross && !cross.error ? ["Cross-modal", dims(cross.vector), `${cross.backend} in ${cross.space}; per frame ${dims(cross.per_frame) || "–"}`] : null,
    visual && !visual.error ? ["Visual (pooled)", dims(visual.pooled), `per frame ${dims(visual.per_frame) || "–"}; class probabilities ${dims(visual.probs) || "–"}`] : null,
  ].filter(Boolean);
  if (!rows.length) return null;
  return section("Embeddings", table(["Vector", "Dimensions", "From"], rows));
}

function stagesPanel(features) {
  const stages = Object.entries(features).map(([stage, f]) =>
    el(
      "li",
      {},
      el(
        "p",
        { class: "row" },
        el("strong", {}, stage),
        f.value && f.value.error ? el("span", { class: "chip bad" }, "failed") : el("span", { class: "chip ok" }, "done"),
        el("span", { class: "hint" }, fmt.date(f.created_at)),
      ),
      el("code", { class: "version" }, f.model_version),
    ),
  );
  return section("Stages and model versions", el("ul", { class: "stages" }, stages));
}

async function understandingPanels(item) {
  let features;
  try {
    features = (await api.get(itemPath(item.id, "/features"))).features;
  } catch (error) {
    return { features: {}, panels: [section("Understanding", el("p", { class: "error" }, error.message))] };
  }
  if (!Object.keys(features).length) {
    return { features, panels: [section("Understanding", el("p", { class: "hint" }, "Not understood yet: the worker has not processed this post."))] };
  }
  const panels = [
    conceptsPanel(features.visual),
    ocrPanel(features.ocr),
    asrPanel(features.asr),
    textPanel(features.text),
    embeddingsPanel(features),
    hashesPanel(features.hashes),
    stagesPanel(features),
  ].filter(Boolean);
  return { features, panels };
}

// -- related ----------------------------------------------------------------------------------

async function relatedPanel(itemId) {
  const panel = el("section", { class: "related", "aria-labelledby": "related-title" }, el("h2", { id: "related-title" }, "Related posts"));
  let related;
  try {
    related = await api.get(itemPath(itemId, "/related"), { k: RELATED, explain: true });
  } catch (error) {
    panel.append(el("p", { class: "error" }, error.message));
    return panel;
  }
  if (!related.items.length) {
    panel.append(el("p", { class: "hint" }, "Nothing related yet."));
    return panel;
  }
  const details = await Promise.all(related.items.map((r) => api.get(itemPath(r.id)).catch(() => ({ ...r, media: null }))));
  const why = (r) => Object.keys((r.why && r.why.sources) || {}).map((s) => SOURCE_NAMES[s] || s);
  panel.append(
    el(
      "ul",
      { class: "grid" },
      related.items.map((r, n) => el("li", {}, itemCard(details[n], el("p", { class: "why" }, why(r).join(" · "))))),
    ),
  );
  return panel;
}

// -- the page ---------------------------------------------------------------------------------

function notFound(id, error) {
  return el(
    "div",
    { class: "panel" },
    el("h1", {}, error.status === 404 ? "Post not found" : "This post could not be loaded"),
    emptyState(error.message, error.status === 404 ? `There is no post “${id}”. It may have been deleted, or the link is wrong.` : null),
    el("p", { class: "row not-found-links" }, el("a", { class: "button", href: hrefFor("search") }, "Search posts"), el("a", { class: "button", href: hrefFor("library") }, "Open the library")),
  );
}

export async function render(view, route) {
  useStylesheet("item");
  const id = route.path[0];
  if (!id) {
    view.append(notFound("", { status: 404, message: "No post id in the address." }));
    return;
  }
  let item;
  try {
    item = await api.get(itemPath(id));
  } catch (error) {
    view.append(notFound(id, error));
    return;
  }
  document.title = `${item.caption.slice(0, 40) || item.id} · ReelStack`;
  const player = mediaPlayer(item, { muted: true });
  const playerColumn = el("div", { class: "item-media" }, player);
  const main = el("div", { class: "item-main" }, postHeader(item), section("Post", postFacts(item)), decisionPanel(item.moderation));
  view.append(el("div", { class: "item-layout" }, playerColumn, main));

  const [understanding, history, related] = await Promise.all([understandingPanels(item), historyPanel(item.id), relatedPanel(item.id)]);
  const strip = keyframeStrip(item, understanding.features.keyframes && understanding.features.keyframes.value, player);
  if (strip) playerColumn.append(strip);
  main.append(history, el("h2", { class: "group-title" }, "What ReelStack understood"), ...understanding.panels);
  view.append(related);
  return () => {
    if (player.tagName === "VIDEO") player.pause();
  };
}
