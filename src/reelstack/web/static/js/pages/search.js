// Search: a query box with suggestions as you type (an ARIA combobox), results with the
// matched fields marked, facets that filter, the query analysis on demand. The query, filters
// and page size live in the URL (#/search?q=cat&f=language:en), so a search can be shared and
// Back returns to the previous one.
import { api } from "../api.js";
import { announce, clear, el, emptyState, facts, fmt, guarded, useStylesheet } from "../dom.js";
import { hrefFor, navigate } from "../router.js";
import { itemCard } from "../widgets.js";

const PAGE_SIZE = 24;
const MAX_RESULTS = 96; // the API allows k <= 100
const SUGGEST_DELAY_MS = 150;
const SUGGESTIONS = 8;
const FIELD_LABELS = { caption: "Caption", ocr: "On-screen text", transcript: "Speech" };
const DURATIONS = { short: "Under 15 s", medium: "15 s – 1 min", long: "Over 1 min" };
const DATES = { "24h": "Last 24 hours", "7d": "Last 7 days", "30d": "Last 30 days", older: "Older than 30 days" };
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
    return code;
  }
}

// -- page state <-> URL -----------------------------------------------------------------------

/** "language:en|vi,hashtag:cat" -> {language: ["en", "vi"], hashtag: ["cat"]}. */
function parseFilters(text = "") {
  const filters = {};
  text.split(",").forEach((pair) => {
    const at = pair.indexOf(":");
    if (at < 1) return;
    const values = pair.slice(at + 1).split("|").filter(Boolean);
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

/** The API's filter string: date buckets become ranges ("older" is before 30 days ago). */
function apiFilters(filters) {
  const sent = { ...filters };
  if (sent.date && sent.date[0] === "older") {
    const cutoff = new Date(Date.now() - 30 * 86400 * 1000).toISOString().slice(0, 10);
    sent.date = [`<${cutoff}`];
  }
  return formatFilters(sent);
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

// -- highlights -------------------------------------------------------------------------------

const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#39;": "'" };
const unescape = (text) => text.replace(/&(?:amp|lt|gt|quot|#x27|#39);/g, (entity) => ENTITIES[entity]);

/** The API's snippet ("HTML-escaped text, matches in <em>") as text nodes and <mark>s. */
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
  return el(
    "ul",
    { class: "matches", "aria-label": "Matched" },
    chips.map((name) => el("li", { class: "chip" }, name)),
  );
}

function snippets(result) {
  const others = result.highlights.filter((h) => h.field !== "caption");
  if (!others.length) return null;
  return el(
    "dl",
    { class: "snippets" },
    others.flatMap((h) => [el("dt", {}, FIELD_LABELS[h.field] || h.field), el("dd", {}, marked(h.snippet))]),
  );
}

function scoreLine(explain) {
  if (!explain) return null;
  const parts = Object.entries(explain.retrievers || {}).map(([name, r]) => `${name} ${fmt.score(r.score)} (#${r.rank})`);
  parts.push(`fused ${fmt.score(explain.fused_score)}`);
  if (explain.second_phase) parts.push(`ranker ${fmt.score(explain.second_phase.score ?? explain.second_phase)}`);
  return el("p", { class: "scores" }, parts.join(" · "));
}

// -- results ----------------------------------------------------------------------------------

function asItem(result) {
  const media = result.kind && result.kind !== "text" ? { kind: result.kind, url: `/v1/items/${encodeURIComponent(result.item_id)}/media` } : null;
  return { id: result.item_id, caption: result.caption, hashtags: result.hashtags, creator: result.creator ? { handle: result.creator } : null, media };
}

function resultCard(result, searchId, explain) {
  const label = result.label ? el("span", { class: "chip warn" }, result.label) : null;
  const card = itemCard(asItem(result), matchChips(result), snippets(result), label, explain ? scoreLine(result.explain) : null);
  const caption = result.highlights.find((h) => h.field === "caption");
  if (caption) clear(card.querySelector(".caption")).append(...marked(caption.snippet));
  card.addEventListener("click", async (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return; // new tab: no log
    event.preventDefault();
    const body = { search_id: searchId, item_id: result.item_id, position: result.rank };
    await guarded(() => api.post("/v1/search/click", body), "Logging the click");
    navigate("item", [result.item_id]);
  });
  return el("li", {}, card);
}

function facetGroup(facet, counts, state, toggle) {
  const chosen = state.filters[facet.key] || [];
  const values = counts.map((c) => c.value);
  const rows = [...chosen.filter((v) => !values.includes(v)).map((value) => ({ value, count: null })), ...counts];
  if (!rows.length) return null;
  return el(
    "fieldset",
    { class: "facet" },
    el("legend", {}, facet.title),
    el(
      "ul",
      {},
      rows.map(({ value, count }) =>
        el(
          "li",
          {},
          el(
            "button",
            {
              type: "button",
              class: "facet-value",
              "aria-pressed": chosen.includes(value) ? "true" : "false",
              dataset: { facet: facet.key, value },
              onclick: () => toggle(facet, value),
            },
            el("span", { class: "facet-label" }, facet.label(value)),
            count === null ? null : el("span", { class: "count" }, fmt.number(count)),
          ),
        ),
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

// -- suggestions (ARIA 1.2 combobox with a listbox popup) -------------------------------------

function suggestionOptions(data) {
  const seen = new Set();
  const options = [
    ...data.completions.map((c) => ({ text: c.text, source: c.source })),
    ...data.related.map((text) => ({ text, source: "related" })),
    ...(data.query.trim() ? [] : data.trending.map((t) => ({ text: t.query, source: "trending" }))),
  ];
  return options.filter((o) => !seen.has(o.text) && seen.add(o.text)).slice(0, SUGGESTIONS);
}

function combobox(input, list, choose) {
  let options = [];
  let active = -1;
  let timer = 0;
  let inflight = null;

  const setActive = (index) => {
    active = index;
    [...list.children].forEach((node, n) => node.setAttribute("aria-selected", n === index ? "true" : "false"));
    const node = list.children[index];
    if (node) {
      input.setAttribute("aria-activedescendant", node.id);
      node.scrollIntoView({ block: "nearest" });
    } else input.removeAttribute("aria-activedescendant");
  };
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    setActive(-1);
  };
  const show = (found) => {
    options = found;
    clear(list).append(
      ...options.map((option, n) =>
        el(
          "li",
          { id: `suggestion-${n}`, role: "option", "aria-selected": "false", onmousedown: (e) => e.preventDefault(), onclick: () => pick(n) },
          el("span", { class: "suggestion-text" }, option.text),
          el("span", { class: "suggestion-source" }, option.source),
        ),
      ),
    );
    list.hidden = !options.length;
    input.setAttribute("aria-expanded", options.length ? "true" : "false");
    setActive(-1);
  };
  const pick = (index) => {
    const option = options[index];
    close();
    if (option) choose(option.text);
  };
  const fetchNow = async () => {
    if (inflight) inflight.abort();
    inflight = new AbortController();
    const typed = input.value;
    const data = await guarded(() => api.get("/v1/suggest", { q: typed, limit: SUGGESTIONS }, { signal: inflight.signal }), "Suggestions");
    if (data && input.value === typed && document.activeElement === input) show(suggestionOptions(data));
  };
  const fetchSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(fetchNow, SUGGEST_DELAY_MS);
  };

  input.addEventListener("input", fetchSoon);
  input.addEventListener("focus", fetchSoon);
  input.addEventListener("blur", () => {
    clearTimeout(timer);
    close();
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) return fetchNow();
      const last = options.length - 1;
      if (event.key === "ArrowDown") return setActive(active >= last ? 0 : active + 1);
      return setActive(active <= 0 ? last : active - 1);
    }
    if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      return pick(active);
    }
    if (event.key === "Escape") {
      if (open) {
        event.preventDefault();
        return close();
      }
      input.value = "";
    }
    return undefined;
  });
  return {
    close,
    destroy: () => {
      clearTimeout(timer);
      if (inflight) inflight.abort();
    },
  };
}

// -- the page ---------------------------------------------------------------------------------

function searchForm(state) {
  const input = el("input", {
    id: "search-q",
    type: "search",
    name: "q",
    value: state.q,
    placeholder: "Posts, hashtags, creators — any language",
    role: "combobox",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": "search-suggestions",
    autocomplete: "off",
    spellcheck: "false",
    enterkeyhint: "search",
  });
  input.value = state.q;
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

export async function render(view, route) {
  useStylesheet("search");
  let state = stateFrom(route.params);
  let controller = null;
  const { form, input, list } = searchForm(state);
  const notices = el("div", { class: "notices", "aria-live": "polite" });
  const analysisButton = el("button", { type: "button", class: "ghost", "aria-expanded": "false", "aria-controls": "query-analysis", hidden: true }, "Query analysis");
  const scoresButton = el("button", { type: "button", class: "ghost", "aria-pressed": state.explain ? "true" : "false" }, "Scores");
  const analysis = el("section", { id: "query-analysis", class: "panel analysis", "aria-label": "Query analysis", hidden: true });
  const summary = el("p", { class: "summary", id: "search-summary", role: "status" });
  const active = el("div", { class: "active-filters", "aria-label": "Active filters" });
  const filterToggle = el("button", { type: "button", class: "ghost filter-toggle", "aria-expanded": "false", "aria-controls": "search-facets" }, "Filters");
  const facetsPanel = el("div", { id: "search-facets", class: "facets" });
  const results = el("ul", { class: "grid results", "aria-labelledby": "search-summary" });
  const more = el("button", { type: "button", class: "ghost more", hidden: true }, "Show more");

  /** A new search state: a history entry (Back returns to it), then the results. */
  const go = (next) => {
    state = next;
    history.pushState(null, "", hrefFor("search", [], paramsOf(state)));
    run();
  };
  const toggleFilter = (facet, value) => {
    const chosen = state.filters[facet.key] || [];
    const values = chosen.includes(value) ? chosen.filter((v) => v !== value) : facet.single ? [value] : [...chosen, value];
    go({ ...state, k: PAGE_SIZE, filters: { ...state.filters, [facet.key]: values } });
  };
  const box = combobox(input, list, (text) => {
    input.value = text;
    go({ ...state, q: text.trim(), k: PAGE_SIZE });
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    box.close();
    const q = input.value.trim();
    if (q) go({ ...state, q, k: PAGE_SIZE });
  });
  analysisButton.addEventListener("click", () => {
    const open = analysisButton.getAttribute("aria-expanded") !== "true";
    analysisButton.setAttribute("aria-expanded", String(open));
    analysis.hidden = !open;
  });
  scoresButton.addEventListener("click", () => go({ ...state, explain: !state.explain }));
  filterToggle.addEventListener("click", () => {
    const open = filterToggle.getAttribute("aria-expanded") !== "true";
    filterToggle.setAttribute("aria-expanded", String(open));
    facetsPanel.classList.toggle("open", open);
  });
  more.addEventListener("click", () => go({ ...state, k: Math.min(MAX_RESULTS, state.k + PAGE_SIZE) }));

  view.append(
    el("h1", {}, "Search"),
    form,
    el("div", { class: "search-tools row" }, summary, analysisButton, scoresButton, filterToggle),
    notices,
    analysis,
    el(
      "div",
      { class: "columns sidebar-left search-layout" },
      el("aside", { class: "panel facets-panel", "aria-label": "Filters" }, el("h2", {}, "Filters"), facetsPanel),
      el("section", { "aria-label": "Results" }, active, results, more),
    ),
  );

  async function run() {
    if (controller) controller.abort();
    controller = new AbortController();
    scoresButton.setAttribute("aria-pressed", state.explain ? "true" : "false");
    input.value = state.q;
    if (!state.q) return landing();
    results.setAttribute("aria-busy", "true");
    const params = { q: state.q, k: state.k, filters: apiFilters(state.filters), explain: state.explain || undefined };
    const signal = controller.signal;
    try {
      const response = await api.get("/v1/search", params, { signal });
      show(response);
      if (!response.results.length) await recover(signal);
    } catch (error) {
      if (error.name === "AbortError") return;
      failed(error);
    } finally {
      results.removeAttribute("aria-busy");
    }
  }

  function show(response) {
    const focused = document.activeElement && document.activeElement.dataset ? { ...document.activeElement.dataset } : {};
    const qa = response.query_analysis;
    summary.textContent = response.results.length
      ? `${fmt.number(response.total)} post${response.total === 1 ? "" : "s"} for “${state.q}”${response.total > response.results.length ? `, top ${response.results.length} shown` : ""}`
      : `No posts for “${state.q}”`;
    clear(results).append(...response.results.map((r) => resultCard(r, response.search_id, state.explain)));
    more.hidden = response.total <= response.results.length || state.k >= MAX_RESULTS;
    clear(notices).append(...correctionNotices(qa));
    analysisButton.hidden = false;
    clear(analysis).append(el("h2", {}, "How the query was read"), analysisFacts(qa));
    renderFacets(response.facets);
    renderActive();
    if (focused.facet) facetsPanel.querySelector(`[data-facet="${CSS.escape(focused.facet)}"][data-value="${CSS.escape(focused.value)}"]`)?.focus();
  }

  function correctionNotices(qa) {
    const out = [];
    const corrected = qa.spelling.corrected;
    if (corrected && corrected !== qa.normalized) {
      out.push(el("p", { class: "notice" }, "Did you mean ", searchLink(corrected), "? Showing results for it."));
    }
    if (qa.did_you_mean) out.push(el("p", { class: "notice" }, "Did you mean ", searchLink(qa.did_you_mean), "?"));
    if (qa.recovery && qa.recovery.type === "relaxed") out.push(el("p", { class: "notice" }, "No exact matches: showing posts with words spelled closely."));
    return out;
  }

  function searchLink(q) {
    return el("a", { href: hrefFor("search", [], { ...paramsOf({ ...state, q, k: PAGE_SIZE }) }) }, el("strong", {}, q));
  }

  function renderFacets(facets) {
    const groups = FACETS.map((facet) => facetGroup(facet, facets[facet.key] || [], state, toggleFilter)).filter(Boolean);
    clear(facetsPanel).append(...(groups.length ? groups : [el("p", { class: "hint" }, "Nothing to filter by.")]));
  }

  function renderActive() {
    const chips = FACETS.flatMap((facet) =>
      (state.filters[facet.key] || []).map((value) =>
        el(
          "button",
          { type: "button", class: "chip active-filter", "aria-label": `Remove filter ${facet.title} ${facet.label(value)}`, onclick: () => toggleFilter(facet, value) },
          `${facet.title}: ${facet.label(value)}`,
          el("span", { "aria-hidden": "true" }, " ×"),
        ),
      ),
    );
    const clearAll = el("button", { type: "button", class: "ghost", onclick: () => go({ ...state, filters: {}, k: PAGE_SIZE }) }, "Clear filters");
    clear(active).append(...(chips.length ? [...chips, clearAll] : []));
    filterToggle.textContent = chips.length ? `Filters (${chips.length})` : "Filters";
  }

  /** No results: offer what suggestions know (a spelling fix, a close popular query, completions). */
  async function recover(signal) {
    const data = await guarded(() => api.get("/v1/suggest", { q: state.q, limit: SUGGESTIONS }, { signal }), "Suggestions");
    const tries = [];
    if (data && data.recovery) tries.push(data.recovery.query);
    if (data) suggestionOptions({ ...data, query: "" }).forEach((o) => tries.push(o.text));
    const unique = [...new Set(tries)].filter((q) => q !== state.q).slice(0, SUGGESTIONS);
    const hasFilters = Object.values(state.filters).some((v) => v.length);
    results.append(
      el(
        "li",
        { class: "no-results" },
        emptyState(`Nothing matches “${state.q}”${hasFilters ? " with these filters" : ""}.`, unique.length ? "Try one of these:" : "Try other words, or fewer filters."),
        tryList(unique),
        hasFilters ? el("button", { type: "button", class: "primary", onclick: () => go({ ...state, filters: {}, k: PAGE_SIZE }) }, "Search without filters") : null,
      ),
    );
  }

  function tryList(queries) {
    if (!queries.length) return null;
    return el(
      "ul",
      { class: "try-list", "aria-label": "Suggested searches" },
      queries.map((q) => el("li", {}, el("a", { class: "button", href: hrefFor("search", [], { q }) }, q))),
    );
  }

  async function landing() {
    summary.textContent = "";
    analysisButton.hidden = true;
    analysis.hidden = true;
    clear(notices);
    clear(facetsPanel).append(el("p", { class: "hint" }, "Search to see filters."));
    renderActive();
    more.hidden = true;
    const data = await guarded(() => api.get("/v1/suggest", { q: "", limit: SUGGESTIONS }), "Trending searches");
    const trending = data ? data.trending.map((t) => t.query) : [];
    clear(results).append(
      el(
        "li",
        { class: "no-results" },
        emptyState("Search posts by what they say, show or are tagged with.", trending.length ? "Trending searches:" : "Try “cat”, “#food” or a creator’s @handle."),
        tryList(trending),
      ),
    );
  }

  function failed(error) {
    summary.textContent = "";
    clear(results).append(el("li", { class: "no-results" }, emptyState("The search failed.", error.message)));
    announce(`Search failed: ${error.message}`, "error");
  }

  await run();
  if (!state.q) input.focus();
  return () => {
    if (controller) controller.abort();
    box.destroy();
  };
}
