// The feed simulator's side panel: why the clip on screen was recommended (recall sources,
// predicted heads, value, adjustments, where the page's candidates came from) and the user's
// interests as GET /v1/users/{user}/interests reports them, marking what rose since last read.
import { el, emptyState, facts, fmt } from "../dom.js";

const SOURCE_NAMES = {
  coengagement: "watched together",
  content: "similar to what you engaged with",
  following: "a creator you follow",
  trending: "trending",
  fresh: "fresh",
  popular: "popular",
  regional: "popular in your region",
  backfill: "backfill",
};
const sourceName = (name) => SOURCE_NAMES[name] || name;

function meterRow(name, value, max) {
  return el(
    "li",
    { class: "meter-row" },
    el("span", { class: "meter-name" }, name),
    el("meter", { min: 0, max: max || 1, value: Math.max(0, value), "aria-label": name }),
    el("span", { class: "meter-value" }, fmt.score(value)),
  );
}

/** Where this page's candidates came from (sources that found nothing left out). */
function recallLine(recall) {
  const found = Object.entries(recall || {}).filter(([, count]) => count > 0);
  if (!found.length) return null;
  const parts = found.map(([name, count]) => `${sourceName(name)} (${count})`);
  return el("p", { class: "recall" }, `Page candidates from: ${parts.join(", ")}`);
}

function pageLine(item, page) {
  const ranker = `${page.ranker.kind} ranker${page.ranker.version ? ` ${page.ranker.version}` : ""}`;
  return el("span", { class: "hint" }, `page ${page.number} · ${ranker} · score ${fmt.score(item.score)}`);
}

/** Why `item` (a feed item with `why`) is on `page` ({number, ranker, recall}). */
export function whyPanel(item, page) {
  const why = item.why;
  if (!why) return el("div", { class: "why" }, el("p", { class: "row" }, pageLine(item, page)), recallLine(page.recall));
  const sources = Object.entries(why.sources);
  const heads = Object.entries(why.heads || {});
  const adjusted = Object.entries(why.adjustments).filter(([, v]) => v !== 1 && v !== 0); // 1 and 0: no effect
  const slot = el("span", { class: `chip ${why.slot === "exploration" ? "warn" : "ok"}` }, why.slot);
  const sourceChip = ([name, score]) => el("li", { class: "chip", title: name }, `${sourceName(name)} ${fmt.score(score)}`);
  const sourceChips = sources.map(sourceChip);
  return el(
    "div",
    { class: "why" },
    el("p", { class: "row" }, slot, pageLine(item, page)),
    sources.length ? el("ul", { class: "sources", "aria-label": "Recall sources" }, sourceChips) : null,
    heads.length ? el("h3", {}, "Predicted") : null,
    heads.length ? el("ul", { class: "meters" }, heads.map(([name, value]) => meterRow(name, value, 1))) : null,
    facts([
      ["Value", why.value === null || why.value === undefined ? null : fmt.score(why.value)],
      ["Adjusted", adjusted.map(([name, v]) => `${name.replace(/_/g, " ")} ${fmt.score(v)}`).join(", ")],
    ]),
    recallLine(page.recall),
    page.ranker.note ? el("p", { class: "hint" }, page.ranker.note) : null,
  );
}

/** Weights as meters; rows new or heavier than in `previous` are marked as risen. */
function weightList(title, entries, previous, prefix = "") {
  if (!entries || !entries.length) return null;
  const max = Math.max(...entries.map((e) => e.weight));
  const before = new Map((previous || []).map((e) => [e.value, e.weight]));
  const rows = entries.map((e) => {
    const row = meterRow(`${prefix}${e.value}`, e.weight, max);
    const rose = !before.has(e.value) || before.get(e.value) < e.weight - 1e-3;
    if (previous && rose) row.classList.add("rose");
    return row;
  });
  return el("div", { class: "interest-group" }, el("h3", {}, title), el("ul", { class: "meters" }, rows));
}

/** The interests now, compared with the reading before (null the first time). */
export function interestsView(now, before) {
  if (now.new && !now.events) {
    return emptyState("Nothing learned yet.", "Watch, like or skip a few clips: the interests show up here after each event.");
  }
  const was = before || {};
  return el(
    "div",
    { class: "interests" },
    facts([
      ["Events", fmt.number(now.events)],
      ["Plays", fmt.number(now.plays)],
      ["Likes", fmt.number(now.likes)],
      ["Hidden", fmt.number(now.hidden)],
    ]),
    weightList("Hashtags", now.hashtags, was.hashtags, "#"),
    weightList("Visual concepts", now.concepts, was.concepts),
    weightList("Creators", now.creators, was.creators, "@"),
    weightList("Languages", now.languages, was.languages),
  );
}
