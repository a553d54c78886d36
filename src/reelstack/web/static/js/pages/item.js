// Item page (#/item/<id>): the post's media and keyframes, the moderation decision in force
// with its reasons, the audit trail, everything understanding stored (item-features.js) and
// related posts.
import { api, mediaSrc } from "../api.js";
import { el, emptyState, facts, fmt, useStylesheet } from "../dom.js";
import { hrefFor } from "../router.js";
import { itemCard, mediaPlayer } from "../widgets.js";
import { seconds, section, table, understandingPanels } from "./item-features.js";

const RELATED = 8;
const ACTION_TONE = {
  allow: "ok",
  label: "warn",
  demote: "warn",
  age_restrict: "warn",
  review: "warn",
  remove: "bad",
  disable: "bad",
};
const SOURCE_NAMES = { content: "similar content", coengagement: "watched together", creator: "same creator" };
const itemPath = (id, rest = "") => `/v1/items/${encodeURIComponent(id)}${rest}`;

function actionChip(action) {
  return el("span", { class: `chip ${ACTION_TONE[action] || ""}` }, action.replace(/_/g, " "));
}

// -- the post ---------------------------------------------------------------------------------

function postHeader(item) {
  const handle = item.creator.handle;
  const searchLink = (q, text) => el("a", { href: hrefFor("search", [], { q }) }, text);
  return el(
    "header",
    { class: "item-header" },
    el("p", { class: "creator" }, searchLink(`@${handle}`, `@${handle}`), ` · ${item.creator.display_name}`),
    el("h1", { class: "item-caption" }, item.caption || "(no caption)"),
    item.hashtags.length ? el("p", { class: "tags" }, item.hashtags.map((tag) => searchLink(`#${tag}`, `#${tag}`))) : null,
    item.moderation ? el("p", { class: "row" }, "In force: ", actionChip(item.moderation.action)) : null,
  );
}

function postFacts(item) {
  const media = item.media || {};
  const fps = media.fps ? ` · ${fmt.number(media.fps, 1)} fps` : "";
  return facts([
    ["Kind", media.format ? `${item.kind} · ${media.format}` : item.kind],
    ["Language", item.language],
    ["Duration", media.duration_s ? seconds(media.duration_s) : null],
    ["Frame", media.width ? `${media.width}×${media.height}${fps}` : null],
    ["Audio", media.kind === "video" ? (media.has_audio ? "yes" : "none") : null],
    ["Size", media.size_bytes ? `${fmt.number(media.size_bytes / 1024, 0)} KB` : null],
    ["Posted", fmt.date(item.created_at)],
    ["Ingested", fmt.date(item.ingested_at)],
    ["External id", item.external_id],
    ["Item id", item.id],
  ]);
}

/** Keyframe buttons that seek the video to their time. */
function keyframeStrip(itemId, keyframes, player) {
  if (!keyframes || keyframes.error || !keyframes.frames) return null;
  const buttons = keyframes.frames.map((frame, n) => {
    const img = el("img", { alt: "", loading: "lazy", width: frame.width, height: frame.height });
    mediaSrc(itemPath(itemId, `/keyframes/${n}`)).then((src) => (img.src = src));
    const seek = () => {
      if (player.tagName !== "VIDEO") return;
      player.currentTime = frame.ts;
      player.focus();
    };
    const label = `Keyframe ${n + 1} at ${seconds(frame.ts)} (${frame.reason})`;
    const attrs = { type: "button", class: "keyframe", "aria-label": label, title: label, onclick: seek };
    return el("li", {}, el("button", attrs, img, el("span", {}, seconds(frame.ts))));
  });
  return el("ol", { class: "keyframes", "aria-label": "Keyframes" }, buttons);
}

// -- moderation -------------------------------------------------------------------------------

function reasonRows(reason, columns) {
  const action = reason.action ? actionChip(reason.action) : "–";
  const cells = [reason.policy_id || "–", action, reason.detector || reason.rule || "–"];
  const row = el(
    "tr",
    { class: "reason" },
    cells.map((cell) => el("td", {}, cell)),
    el("td", { class: "num" }, fmt.score(reason.score)),
    el("td", { class: "num" }, fmt.score(reason.threshold)),
  );
  if (!reason.evidence) return [row];
  const evidence = el("td", { colspan: columns }, el("span", { class: "hint" }, "Evidence: "), reason.evidence);
  return [row, el("tr", { class: "evidence" }, evidence)];
}

/** One row per policy that acted, its evidence on a full-width row under it (narrow screens). */
function reasonsTable(reasons) {
  if (!reasons || !reasons.length) return el("p", { class: "hint" }, "No detector or rule acted on this post.");
  const head = ["Policy", "Action", "Detector or rule", "Score", "Threshold"];
  const headRow = el("tr", {}, head.map((h, n) => el("th", { scope: "col", class: n > 2 ? "num" : null }, h)));
  const rows = reasons.flatMap((r) => reasonRows(r, head.length));
  return el("div", { class: "table-scroll" }, el("table", { class: "reasons" }, el("thead", {}, headRow), el("tbody", {}, rows)));
}

function decisionPanel(moderation) {
  if (!moderation) return section("Moderation", el("p", { class: "hint" }, "No decision yet: the post has not been moderated."));
  const when = el("span", { class: "hint" }, `${moderation.source} · ${fmt.date(moderation.decided_at)}`);
  const policy = moderation.policy_id ? `policy ${moderation.policy_id}` : "no policy";
  return section(
    "Moderation decision in force",
    el("p", { class: "row decision" }, actionChip(moderation.action), policy, when),
    reasonsTable(moderation.reasons),
  );
}

function auditEntry(record) {
  const d = record.details || {};
  const scores = (d.scores || []).map((s) => [s.policy_id, s.detector, fmt.score(s.score), s.evidence || ""]);
  const scoreTable = table(["Policy", "Detector", "Score", "Evidence"], scores, [2]);
  const by = record.actor;
  return el(
    "li",
    { class: "audit-entry" },
    el("p", { class: "row" }, el("strong", {}, record.action), el("span", { class: "hint" }, `${fmt.date(record.ts)} · ${by}`)),
    facts([
      ["Policy", d.policy_id ? `${d.policy_id}${d.policy_version ? ` v${d.policy_version}` : ""}` : null],
      ["Rule", d.rule],
      ["Action", d.action],
      ["Reviewer note", d.note],
      ["Decision", d.decision_id],
    ]),
    d.reasons && d.reasons.length ? reasonsTable(d.reasons) : null,
    scores.length ? el("details", {}, el("summary", {}, `All detector scores (${scores.length})`), scoreTable) : null,
  );
}

/** The audit records about this post, newest first (the audit log needs a reviewer key). */
async function historyPanel(itemId) {
  const panel = section("Moderation history");
  try {
    const page = await api.get("/v1/audit", { subject_id: itemId, limit: 100 });
    if (!page.records.length) panel.append(el("p", { class: "hint" }, "No audit records for this post."));
    else panel.append(el("ol", { class: "audit" }, [...page.records].reverse().map(auditEntry)));
  } catch (error) {
    const forbidden = error.status === 401 || error.status === 403;
    const hint = forbidden ? " The audit log needs a reviewer key (API key, top right)." : "";
    panel.append(el("p", { class: "error" }, `${error.message}.${hint}`));
  }
  return panel;
}

// -- related ----------------------------------------------------------------------------------

async function relatedPanel(itemId) {
  const title = el("h2", { id: "related-title" }, "Related posts");
  const panel = el("section", { class: "related", "aria-labelledby": "related-title" }, title);
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
  // the related list carries no media: read each post for its thumbnail and creator
  const details = await Promise.all(related.items.map((r) => api.get(itemPath(r.id)).catch(() => ({ ...r, media: null }))));
  const why = (r) => Object.keys((r.why && r.why.sources) || {}).map((s) => SOURCE_NAMES[s] || s);
  const cards = related.items.map((r, n) => el("li", {}, itemCard(details[n], el("p", { class: "why" }, why(r).join(" · ")))));
  panel.append(el("ul", { class: "grid" }, cards));
  return panel;
}

// -- the page ---------------------------------------------------------------------------------

function notFound(id, error) {
  const missing = error.status === 404;
  return el(
    "div",
    { class: "panel" },
    el("h1", {}, missing ? "Post not found" : "This post could not be loaded"),
    emptyState(error.message, missing && id ? `There is no post “${id}”: deleted, or the link is wrong.` : null),
    el(
      "p",
      { class: "row not-found-links" },
      el("a", { class: "button", href: hrefFor("search") }, "Search posts"),
      el("a", { class: "button", href: hrefFor("library") }, "Open the library"),
    ),
  );
}

export async function render(view, route) {
  useStylesheet("item");
  const id = route.path[0] || "";
  let item;
  try {
    if (!id) throw Object.assign(new Error("No post id in the address."), { status: 404 });
    item = await api.get(itemPath(id));
  } catch (error) {
    view.append(notFound(id, error));
    return undefined;
  }
  document.title = `${item.caption.slice(0, 40) || item.id} · ReelStack`;
  const player = mediaPlayer(item, { muted: true });
  const mediaColumn = el("div", { class: "item-media" }, player);
  const post = section("Post", postFacts(item));
  const main = el("div", { class: "item-main" }, postHeader(item), post, decisionPanel(item.moderation));
  view.append(el("div", { class: "item-layout" }, mediaColumn, main));

  const [understanding, history, related] = await Promise.all([
    understandingPanels(item.id),
    historyPanel(item.id),
    relatedPanel(item.id),
  ]);
  const keyframes = understanding.features.keyframes;
  const strip = keyframeStrip(item.id, keyframes && keyframes.value, player);
  if (strip) mediaColumn.append(strip);
  main.append(history, el("h2", { class: "group-title" }, "What ReelStack understood"), ...understanding.panels);
  view.append(related);
  return () => {
    if (player.tagName === "VIDEO") player.pause();
  };
}
