// Search: a query box with suggestions as you type, results with the matched fields marked,
// facets that filter, the query analysis on demand. The query, filters and page size live in
// the URL (#/search?q=cat&f=language:en), so a search can be shared and Back returns to the
// previous one.
import { api } from "../api.js";
import { clear, el, emptyState, facts, fmt, guarded, useStylesheet } from "../dom.js";
import { hrefFor, navigate } from "../router.js";
import { itemCard } from "../widgets.js";
import { SUGGESTIONS, combobox, suggestionOptions } from "./search-suggest.js";

const PAGE_SIZE = 24;
const MAX_RESULTS = 96; // the API allows k <= 100
const FIELD_LABELS = { caption: "Caption", ocr: "On-screen text", transcript: "Speech" };
const DURATIONS = { short: "Under 15 s", medium: "15 s – 1 min", long: "Over 1 min" };
const DATES = { "24h": "Last 24 hours", "7d": "Last 7 days", "30d": "Last 30 days", older: "Older than 30 days" };
const OLDER_THAN_DAYS = 30;
const languageNames = new Intl.DisplayNames(["en"], { type: "language" });

/** The facets shown, in order; `single` ones take one value (the API keeps only the last). */
const FACETS = [
  { key: "language", title: "Language", label: languageLabel },
  { key: "creator", title: "Creator", label: (v) => `@${v}` },
  { key: "hashtag", title: "Hashtag", label: (v) => `#${v}` },
  { key: "duration", title: "Duration", label: (v) => DURATIONS[v] || v, single: true },
  { key: "date", title: "Posted", label: (v) => DATES[v] || v, single: true },
];

function languageLabel(code) {
  try {
    const name = languageNames.of(code);
    return name && name !== code ? `${name} (${code})` : code;
  } catch {
    return code; // "und" or a code Intl does not know
  }
}

// -- page state <-> URL -----------------------------------------------------------------------

/** "language:en|vi,hashtag:cat" -> {language: ["en", "vi"], hashtag: ["cat"]}. */
function parseFilters(text = "") {
  const filters = {};
  text.split(",").forEach((pair) => {
    const at = pair.indexOf(":");
    const values = at > 0 ? pair.slice(at + 1).split("|").filter(Boolean) : [];
    if (values.length) filters[pair.slice(0, at)] = values;
  });
  return filters;
}

function formatFilters(filters) {
  return Object.entries(filters)
    .filter(([, values]) => values.length)
    .map(([key, values]) => `${key}:${values.join("|")}`)
    .join(",");
}

/** The API's filter string: the "older" date bucket becomes "before 30 days ago". */
function apiFilters(filters) {
  if (!filters.date || filters.date[0] !== "older") return formatFilters(filters);
  const cutoff = new Date(Date.now() - OLDER_THAN_DAYS * 86400 * 1000).toISOString().slice(0, 10);
  return formatFilters({ ...filters, date: [`<${cutoff}`] });
}

function stateFrom(params) {
  const k = Math.min(MAX_RESULTS, Math.max(PAGE_SIZE, Number.parseInt(params.k, 10) || PAGE_SIZE));
  return { q: (params.q || "").trim(), filters: parseFilters(params.f), k, explain: params.explain === "1" };
}

function paramsOf(state) {
  return {
    q: state.q,
    f: formatFilters(state.filters),
    k: state.k > PAGE_SIZE ? state.k : undefined,
    explain: state.explain ? "1" : undefined,
  };
}

const hasFilters = (state) => Object.values(state.filters).some((values) => values.length);

// -- one result -------------------------------------------------------------------------------

const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#39;": "'" };
const unescape = (text) => text.replace(/&(?:amp|lt|gt|quot|#x27|#39);/g, (entity) => ENTITIES[entity]);

/** The API's snippet (HTML-escaped text, matches in <em>) as text nodes and <mark>s. */
function marked(snippet) {
  return snippet
    .split(/<em>(.*?)<\/em>/s)
    .map((part, index) => (index % 2 ? el("mark", {}, unescape(part)) : unescape(part)));
}

/** Which fields and retrievers matched: caption / on-screen text / speech / visual. */
function matchChips(result) {
  const chips = result.highlights.map((h) => FIELD_LABELS[h.field] || h.field);
  if (result.matched_by.includes("crossmodal")) chips.push("Visual");
  if (result.matched_by.includes("dense")) chips.push("Meaning");
  if (result.matched_by.includes("exact")) chips.push("Tag or creator");
  return el("ul", { class: "matches", "aria-label": "Matched" }, chips.map((name) => el("li", { class: "chip" }, name)));
}

/** On-screen text and speech snippets (the caption is marked in place on the card). */
function snippets(result) {
  const others = result.highlights.filter((h) => h.field !== "caption");
  if (!others.length) return null;
  const rows = others.flatMap((h) => [el("dt", {}, FIELD_LABELS[h.field] || h.field), el("dd", {}, marked(h.snippet))]);
  return el("dl", { class: "snippets" }, rows);
}

function scoreLine(explain) {
  if (!explain) return null;
  const parts = Object.entries(explain.retrievers || {}).map(([name, r]) => `${name} ${fmt.score(r.score)} (#${r.rank})`);
  parts.push(`fused ${fmt.score(explain.fused_score)}`);
  if (explain.second_phase) parts.push(`ranker ${fmt.score(explain.second_phase.score ?? explain.second_phase)}`);
  return el("p", { class: "scores" }, parts.join(" · "));
}

function asItem(result) {
  const id = result.item_id;
  const hasMedia = result.kind && result.kind !== "text";
  return {
    id,
    caption: result.caption,
    hashtags: result.hashtags,
    creator: result.creator ? { handle: result.creator } : null,
    media: hasMedia ? { kind: result.kind, url: `/v1/items/${encodeURIComponent(id)}/media` } : null,
  };
}

/** A result card; a plain click is logged (POST /v1/search/click) before the item page opens. */
function resultCard(result, searchId, explain) {
  const label = result.label ? el("span", { class: "chip warn" }, result.label) : null;
  const card = itemCard(asItem(result), matchChips(result), snippets(result), label, explain ? scoreLine(result.explain) : null);
  const caption = result.highlights.find((h) => h.field === "caption");
  if (caption) clear(card.querySelector(".caption")).append(...marked(caption.snippet));
  card.addEventListener("click", async (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return; // a new tab: no log
    event.preventDefault();
    const body = { search_id: searchId, item_id: result.item_id, position: result.rank };
    await guarded(() => api.post("/v1/search/click", body), "Logging the click");
    navigate("item", [result.item_id]);
  });
  return el("li", {}, card);
}

// -- facets, notices, analysis ----------------------------------------------------------------

function facetButton(facet, value, count, pressed, toggle) {
  return el(
    "button",
    {
      type: "button",
      class: "facet-value",
      "aria-pressed": String(pressed),
      dataset: { facet: facet.key, value },
      onclick: () => toggle(facet, value),
    },
    el("span", { class: "facet-label" }, facet.label(value)),
    count === null ? null : el("span", { class: "count" }, fmt.number(count)),
  );
}

/** One facet's values with counts; chosen values stay listed even when the counts lack them. */
function facetGroup(facet, counts, state, toggle) {
  const chosen = state.filters[facet.key] || [];
  const counted = counts.map((c) => c.value);
  const rows = [...chosen.filter((v) => !counted.includes(v)).map((value) => ({ value, count: null })), ...counts];
  if (!rows.length) return null;
  const buttons = rows.map(({ value, count }) => el("li", {}, facetButton(facet, value, count, chosen.includes(value), toggle)));
  return el("fieldset", { class: "facet" }, el("legend", {}, facet.title), el("ul", {}, buttons));
}

function activeFilterChips(state, toggle) {
  return FACETS.flatMap((facet) =>
    (state.filters[facet.key] || []).map((value) =>
      el(
        "button",
        {
          type: "button",
          class: "chip active-filter",
          "aria-label": `Remove filter ${facet.title} ${facet.label(value)}`,
          onclick: () => toggle(facet, value),
        },
        `${facet.title}: ${facet.label(value)}`,
        el("span", { "aria-hidden": "true" }, " ×"),
      ),
    ),
  );
}

function analysisFacts(qa) {
  const spelling = Object.entries(qa.spelling.corrections).map(([from, to]) => `${from} → ${to}`);
  return facts([
    ["Language", `${languageLabel(qa.language)} · ${fmt.percent(qa.language_confidence, 0)} sure`],
    ["Normalised", qa.normalized],
    ["Segmentation", qa.tokens.join(" · ")],
    ["Search terms", qa.terms.join(" · ")],
    ["Spelling", spelling.join(", ") || "no corrections"],
    ["Hashtags", qa.hashtags.map((t) => `#${t}`).join(" ")],
    ["Mentions", qa.mentions.map((m) => `@${m}`).join(" ")],
    ["Entities", qa.entities.map((e) => `${e.text} (${e.label})`).join(", ")],
    ["Notes", qa.notes.join("; ")],
    ["Truncated", qa.truncated ? "yes: the query was cut to the maximum length" : ""],
  ]);
}

/** "Did you mean": a spelling the search already used, or a close popular query for nothing found. */
function correctionNotices(qa, linkTo) {
  const notices = [];
  const corrected = qa.spelling.corrected;
  if (corrected && corrected !== qa.normalized) {
    notices.push(el("p", { class: "notice" }, "Did you mean ", linkTo(corrected), "? Showing results for it."));
  }
  if (qa.did_you_mean) notices.push(el("p", { class: "notice" }, "Did you mean ", linkTo(qa.did_you_mean), "?"));
  if (qa.recovery && qa.recovery.type === "relaxed") {
    notices.push(el("p", { class: "notice" }, "No exact matches: showing posts with words spelled closely."));
  }
  return notices;
}

function tryList(queries) {
  if (!queries.length) return null;
  const links = queries.map((q) => el("li", {}, el("a", { class: "button", href: hrefFor("search", [], { q }) }, q)));
  return el("ul", { class: "try-list", "aria-label": "Suggested searches" }, links);
}

function summaryText(response, q) {
  const { total, results } = response;
  if (!results.length) return `No posts for “${q}”`;
  const shown = total > results.length ? `, top ${results.length} shown` : "";
  return `${fmt.number(total)} post${total === 1 ? "" : "s"} for “${q}”${shown}`;
}

// -- the page ---------------------------------------------------------------------------------

function searchForm(q) {
  const input = el("input", {
    id: "search-q",
    type: "search",
    name: "q",
    placeholder: "Posts, hashtags, creators — any language",
    role: "combobox",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": "search-suggestions",
    autocomplete: "off",
    spellcheck: "false",
    enterkeyhint: "search",
  });
  input.value = q;
  const list = el("ul", { id: "search-suggestions", role: "listbox", "aria-label": "Suggestions", hidden: true });
  const form = el(
    "form",
    { class: "search-form", role: "search" },
    el("label", { for: "search-q", class: "search-label" }, "Search posts"),
    el("div", { class: "search-box" }, input, list),
    el("button", { type: "submit", class: "primary" }, "Search"),
  );
  return { form, input, list };
}

/** Every node the page updates, built once. */
function layout(state) {
  const toggle = (label, attrs) => el("button", { type: "button", class: "ghost", ...attrs }, label);
  const ui = {
    ...searchForm(state.q),
    summary: el("p", { class: "summary", id: "search-summary", role: "status" }),
    notices: el("div", { class: "notices", "aria-live": "polite" }),
    analysisButton: toggle("Query analysis", { "aria-expanded": "false", "aria-controls": "query-analysis", hidden: true }),
    scoresButton: toggle("Scores", { "aria-pressed": String(state.explain) }),
    filterToggle: toggle("Filters", { class: "ghost filter-toggle", "aria-expanded": "false", "aria-controls": "search-facets" }),
    analysis: el("section", { id: "query-analysis", class: "panel analysis", "aria-label": "Query analysis", hidden: true }),
    facets: el("div", { id: "search-facets", class: "facets" }),
    active: el("div", { class: "active-filters", "aria-label": "Active filters" }),
    results: el("ul", { class: "grid results", "aria-labelledby": "search-summary" }),
    more: el("button", { type: "button", class: "ghost more", hidden: true }, "Show more"),
  };
  ui.nodes = [
    el("h1", {}, "Search"),
    ui.form,
    el("div", { class: "search-tools row" }, ui.summary, ui.analysisButton, ui.scoresButton, ui.filterToggle),
    ui.notices,
    ui.analysis,
    el(
      "div",
      { class: "columns sidebar-left search-layout" },
      el("aside", { class: "panel facets-panel", "aria-label": "Filters" }, el("h2", {}, "Filters"), ui.facets),
      el("section", { "aria-label": "Results" }, ui.active, ui.results, ui.more),
    ),
  ];
  return ui;
}

function flip(button, attribute) {
  const on = button.getAttribute(attribute) !== "true";
  button.setAttribute(attribute, String(on));
  return on;
}

export async function render(view, route) {
  useStylesheet("search");
  let state = stateFrom(route.params);
  let controller = null;
  const leaving = new AbortController(); // aborts page-level requests when the page is left
  const ui = layout(state);
  view.append(...ui.nodes);

  /** A new search state: a history entry (Back returns to it), then the results. */
  const go = (changes) => {
    state = { ...state, k: PAGE_SIZE, ...changes };
    history.pushState(null, "", hrefFor("search", [], paramsOf(state)));
    run();
  };
  const toggleFilter = (facet, value) => {
    const chosen = state.filters[facet.key] || [];
    const single = facet.single ? [value] : [...chosen, value];
    const values = chosen.includes(value) ? chosen.filter((v) => v !== value) : single;
    go({ filters: { ...state.filters, [facet.key]: values } });
  };
  const linkTo = (q) => el("a", { href: hrefFor("search", [], paramsOf({ ...state, q, k: PAGE_SIZE })) }, el("strong", {}, q));
  const box = combobox(ui.input, ui.list, (text) => {
    ui.input.value = text;
    go({ q: text.trim() });
  });

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.close();
    const q = ui.input.value.trim();
    if (q) go({ q });
  });
  ui.analysisButton.addEventListener("click", () => (ui.analysis.hidden = !flip(ui.analysisButton, "aria-expanded")));
  ui.filterToggle.addEventListener("click", () => ui.facets.classList.toggle("open", flip(ui.filterToggle, "aria-expanded")));
  ui.scoresButton.addEventListener("click", () => go({ explain: !state.explain, k: state.k }));
  ui.more.addEventListener("click", () => go({ k: Math.min(MAX_RESULTS, state.k + PAGE_SIZE) }));

  async function run() {
    if (controller) controller.abort();
    controller = new AbortController();
    ui.scoresButton.setAttribute("aria-pressed", String(state.explain));
    ui.input.value = state.q;
    if (!state.q) return landing();
    const { signal } = controller;
    const params = { q: state.q, k: state.k, filters: apiFilters(state.filters), explain: state.explain || undefined };
    ui.results.setAttribute("aria-busy", "true");
    try {
      const response = await api.get("/v1/search", params, { signal });
      show(response);
      if (!response.results.length) await recover(signal);
    } catch (error) {
      if (error.name !== "AbortError") failed(error);
    } finally {
      ui.results.removeAttribute("aria-busy");
    }
    return undefined;
  }

  function show(response) {
    const focused = { ...(document.activeElement && document.activeElement.dataset) };
    const qa = response.query_analysis;
    ui.summary.textContent = summaryText(response, state.q);
    clear(ui.results).append(...response.results.map((r) => resultCard(r, response.search_id, state.explain)));
    ui.more.hidden = response.total <= response.results.length || state.k >= MAX_RESULTS;
    clear(ui.notices).append(...correctionNotices(qa, linkTo));
    ui.analysisButton.hidden = false;
    clear(ui.analysis).append(el("h2", {}, "How the query was read"), analysisFacts(qa));
    const groups = FACETS.map((f) => facetGroup(f, response.facets[f.key] || [], state, toggleFilter)).filter(Boolean);
    clear(ui.facets).append(...(groups.length ? groups : [el("p", { class: "hint" }, "Nothing to filter by.")]));
    showActiveFilters();
    if (focused.facet) {
      // the facet list was rebuilt: keep the keyboard where it was
      const selector = `[data-facet="${CSS.escape(focused.facet)}"][data-value="${CSS.escape(focused.value)}"]`;
      const again = ui.facets.querySelector(selector);
      if (again) again.focus();
    }
  }

  function showActiveFilters() {
    const chips = activeFilterChips(state, toggleFilter);
    const clearAll = el("button", { type: "button", class: "ghost", onclick: () => go({ filters: {} }) }, "Clear filters");
    clear(ui.active).append(...(chips.length ? [...chips, clearAll] : []));
    ui.filterToggle.textContent = chips.length ? `Filters (${chips.length})` : "Filters";
  }

  /** Nothing found: offer what suggestions know (a spelling fix, close popular queries, trending). */
  async function recover(signal) {
    const data = await guarded(() => api.get("/v1/suggest", { q: state.q, limit: SUGGESTIONS }, { signal }), "Suggestions");
    const options = data ? suggestionOptions(data, { trending: true }).map((o) => o.text) : [];
    const tries = [data && data.recovery && data.recovery.query, ...options];
    const unique = [...new Set(tries.filter((q) => q && q !== state.q))].slice(0, SUGGESTIONS);
    const filtered = hasFilters(state);
    const title = `Nothing matches “${state.q}”${filtered ? " with these filters" : ""}.`;
    const withoutFilters = filtered
      ? el("button", { type: "button", class: "primary", onclick: () => go({ filters: {} }) }, "Search without filters")
      : null;
    ui.results.append(
      el(
        "li",
        { class: "no-results" },
        emptyState(title, unique.length ? "Try one of these:" : "Try other words, or fewer filters."),
        tryList(unique),
        withoutFilters,
      ),
    );
  }

  async function landing() {
    ui.summary.textContent = "";
    ui.analysisButton.hidden = true;
    ui.analysis.hidden = true;
    ui.more.hidden = true;
    clear(ui.notices);
    clear(ui.facets).append(el("p", { class: "hint" }, "Search to see filters."));
    showActiveFilters();
    const data = await guarded(() => api.get("/v1/suggest", { q: "", limit: SUGGESTIONS }, { signal: leaving.signal }), "Trending searches");
    const trending = data ? data.trending.map((t) => t.query) : [];
    const hint = trending.length ? "Trending searches:" : "Try “cat”, “#food” or a creator’s @handle.";
    const intro = emptyState("Search posts by what they say, show or are tagged with.", hint);
    clear(ui.results).append(el("li", { class: "no-results" }, intro, tryList(trending)));
  }

  function failed(error) {
    ui.summary.textContent = "The search failed.";
    clear(ui.results).append(el("li", { class: "no-results" }, emptyState("The search failed.", error.message)));
  }

  await run();
  if (!state.q) ui.input.focus();
  return () => {
    leaving.abort();
    if (controller) controller.abort();
    box.destroy();
  };
}
