// Dashboards: safety (per-policy quality, enforcement, actions over time), search and feed
// usage, and the system (backlog, stage errors, HTTP latency per route). Everything is
// re-read every 10 s while the page is open; only the figures are redrawn, so controls keep
// their focus and open data tables stay open.
import { api } from "../api.js";
import { barChart, lineChart } from "../charts.js";
import { announce, clear, el, emptyState, fmt, useStylesheet } from "../dom.js";
import { replaceParams } from "../router.js";

const REFRESH_MS = 10000;
const BUCKETS = [
  ["minute", "Per minute", "the last hour"],
  ["hour", "Per hour", "the last 48 hours"],
  ["day", "Per day", "the last 30 days"],
];
const ACTION_GROUPS = [
  ["Removed or disabled", ["remove", "disable"]],
  ["Restricted", ["demote", "age_restrict", "label"]],
  ["Sent to review", ["review"]],
  ["Allowed", ["allow"]],
];
const FEED_RATES = ["view", "like", "share", "comment", "follow", "skip", "not_interested", "report"];
const LATENCY_ROUTES_CHARTED = 6;

const SOURCES = {
  metrics: () => "/v1/safety/metrics",
  actions: (bucket) => `/v1/safety/actions?bucket=${bucket}`,
  usage: () => "/v1/usage/stats",
  search: () => "/v1/search/stats",
  feed: () => "/v1/recommend/stats",
  system: () => "/v1/system/stats",
};

// -- small views --------------------------------------------------------------------------

function explain(error) {
  if (error.status === 401 || error.status === 403) return `${error.message}. A reviewer key shows these figures (API key button).`;
  return error.message;
}

function unavailable(what, error) {
  return emptyState(`${what} are not available`, explain(error));
}

function tile(label, value, sub) {
  return el("div", { class: "panel stat" }, el("p", { class: "stat-label" }, label), el("p", { class: "stat-value" }, value), sub ? el("p", { class: "hint" }, sub) : null);
}

/** A proportion with its Wilson interval: "83.3%" over "61–94% · n = 12". */
function proportion(p) {
  if (!p || p.value === null || p.value === undefined) return [el("span", {}, "–"), el("div", { class: "hint" }, p ? `n = ${p.n}` : "")];
  return [el("span", {}, fmt.percent(p.value)), el("div", { class: "hint" }, `${fmt.percent(p.low, 0)}–${fmt.percent(p.high, 0)} · n = ${p.n}`)];
}

function table(label, headers, rows) {
  const head = el("tr", {}, headers.map(([text, cls]) => el("th", { scope: "col", class: cls }, text)));
  return el("div", { class: "table-scroll" }, el("table", { "aria-label": label }, el("thead", {}, head), el("tbody", {}, rows)));
}

function cell(content, cls) {
  return el("td", { class: cls }, content);
}

function chartWidth(slot) {
  return Math.max(280, slot.clientWidth || 600);
}

/** Replace a region's content, keeping which data tables were open and where focus was. */
function swap(slot, ...nodes) {
  const open = new Set([...slot.querySelectorAll("details[open]")].map((d) => d.dataset.key));
  const active = slot.contains(document.activeElement) ? document.activeElement.closest("[data-key]") : null;
  clear(slot).append(...nodes.flat().filter(Boolean));
  slot.querySelectorAll("details[data-key]").forEach((d) => (d.open = open.has(d.dataset.key)));
  if (active) {
    const again = slot.querySelector(`[data-key="${CSS.escape(active.dataset.key)}"] summary`);
    if (again) again.focus();
  }
}

// -- safety -------------------------------------------------------------------------------

function safetyTiles(metrics) {
  const overall = metrics.overall || {};
  const overturn = overall.appeal_overturn_rate || {};
  return el(
    "div",
    { class: "tiles stats" },
    tile("Enforcement decisions", fmt.number(overall.enforcement_decisions), "remove, disable, demote, age-restrict, label"),
    tile("Automated share", fmt.percent(overall.automated_share), "of enforcement decisions"),
    tile("Appeals overturned", overturn.value === null || overturn.value === undefined ? "–" : fmt.percent(overturn.value), `n = ${overturn.n ?? 0} decided appeals`),
    tile("Labelled cases", fmt.number(metrics.labelled_cases), `${fmt.number(metrics.random_sample)} from the random sample`),
  );
}

function bucketLabels(series, bucket) {
  const dates = series.map((s) => new Date(s.start));
  const short = dates.map((d) =>
    bucket === "day" ? d.toLocaleDateString(undefined, { month: "short", day: "numeric" }) : d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
  );
  const long = dates.map((d) => (bucket === "day" ? d.toLocaleDateString() : d.toLocaleString()));
  return { short, long };
}

function actionsChart(timeline, bucket, width) {
  const groups = ACTION_GROUPS.map(([name, actions]) => ({
    name,
    values: timeline.series.map((s) => actions.reduce((n, a) => n + (s.counts[a] || 0), 0)),
  }));
  const total = timeline.series.reduce((n, s) => n + s.total, 0);
  const manual = timeline.series.reduce((n, s) => n + s.manual, 0);
  const span = BUCKETS.find(([b]) => b === bucket)[2];
  const { short, long } = bucketLabels(timeline.series, bucket);
  const busiest = timeline.series.reduce((best, s, i) => (s.total > timeline.series[best].total ? i : best), 0);
  const summary = total
    ? `${total} decisions over ${span}, ${manual} by reviewers; the busiest ${bucket} began ${long[busiest]} (${timeline.series[busiest].total}).`
    : `No decisions over ${span}.`;
  return lineChart({ title: `Moderation decisions ${BUCKETS.find(([b]) => b === bucket)[1].toLowerCase()}`, summary, labels: short, longLabels: long, series: groups, width, format: (v) => fmt.number(v), xHeader: "From" });
}

function enforcementChart(metrics, width) {
  const rows = (metrics.policies || []).filter((p) => p.decisions.automated + p.decisions.manual > 0);
  if (!rows.length) return emptyState("No enforcement yet", "Automated and reviewer decisions per policy appear here.");
  return barChart({
    title: "Enforcement decisions per policy",
    summary: rows.map((p) => `${p.policy_id}: ${p.decisions.automated} automated, ${p.decisions.manual} by reviewers`).join("; "),
    labels: rows.map((p) => p.policy_id),
    series: [
      { name: "Automated", values: rows.map((p) => p.decisions.automated) },
      { name: "Reviewers", values: rows.map((p) => p.decisions.manual) },
    ],
    width,
    format: (v) => fmt.number(v),
    labelHeader: "Policy",
  });
}

function timeToAction(spread) {
  return spread && spread.n ? [el("span", {}, fmt.seconds(spread.median)), el("div", { class: "hint" }, `p90 ${fmt.seconds(spread.p90)} · n = ${spread.n}`)] : "–";
}

function policyTable(metrics) {
  const headers = [
    ["Policy"],
    ["Precision", "num"],
    ["Recall", "num"],
    ["Prevalence", "num"],
    ["Automated share", "num"],
    ["Time to action, automated", "num"],
    ["Time to action, reviewers", "num"],
    ["Appeals overturned", "num"],
    ["Within SLA", "num"],
  ];
  const rows = (metrics.policies || []).map((p) =>
    el(
      "tr",
      { dataset: { policy: p.policy_id } },
      el("th", { scope: "row" }, p.policy_id),
      cell(proportion(p.reviewed.precision), "num"),
      cell(proportion(p.reviewed.recall), "num"),
      cell(proportion(p.prevalence), "num"),
      cell([el("span", {}, fmt.percent(p.decisions.automated_share)), el("div", { class: "hint" }, `${p.decisions.automated} auto · ${p.decisions.manual} manual`)], "num"),
      cell(timeToAction(p.time_to_action_s.automated), "num"),
      cell(timeToAction(p.time_to_action_s.manual), "num"),
      cell(proportion(p.appeals.overturn_rate), "num"),
      cell(p.sla.decided ? `${p.sla.within_sla} of ${p.sla.decided}` : "–", "num"),
    ),
  );
  return table("Safety metrics per policy family", headers, rows);
}

// -- search, feed, system -----------------------------------------------------------------

function searchView(usage, stats) {
  const s = usage.search;
  const tiles = el(
    "div",
    { class: "tiles stats" },
    tile("Queries", fmt.number(s.queries), stats ? `${fmt.number(stats.documents)} posts indexed` : null),
    tile("Zero-result rate", fmt.percent(s.zero_result_rate), `${fmt.number(s.zero_results)} ${s.zero_results === 1 ? "query" : "queries"} found nothing`),
    tile("Click-through rate", fmt.percent(s.ctr), `${fmt.number(s.searches_with_click)} searches with a click`),
    tile("Clicks per search", fmt.number(s.clicks_per_search, 2), s.mean_click_position ? `mean position ${fmt.number(s.mean_click_position, 1)}` : "no clicks yet"),
  );
  const zero = s.top_zero_result_queries.length
    ? table("Queries that found nothing", [["Query"], ["Times", "num"]], s.top_zero_result_queries.map((q) => el("tr", {}, el("th", { scope: "row" }, q.query), cell(fmt.number(q.count), "num"))))
    : el("p", { class: "hint" }, "No query came back empty yet.");
  return [tiles, el("h3", {}, "Queries that found nothing"), zero];
}

function feedView(usage, stats, width) {
  const f = usage.feed;
  const tiles = el(
    "div",
    { class: "tiles stats" },
    tile("Impressions", fmt.number(f.events.impression), stats ? `${fmt.number(stats.users)} users · ${fmt.number(stats.events_applied)} events applied` : null),
    tile("Engagement per impression", fmt.percent(f.engagement_per_impression), "likes, shares, comments, follows"),
    tile("Completion rate", fmt.percent(f.completion_rate), f.mean_watch_s === null ? "no views yet" : `mean watch ${fmt.number(f.mean_watch_s, 1)} s`),
    tile("Ranker", stats && stats.ranker ? stats.ranker.kind : "–", stats && stats.ranker ? stats.ranker.version || stats.ranker.note || "" : null),
  );
  const rates = barChart({
    title: "Feed events per impression",
    summary: FEED_RATES.map((t) => `${t.replace("_", " ")} ${fmt.percent(f.per_impression[t])}`).join(", "),
    labels: FEED_RATES.map((t) => t.replace("_", " ")),
    series: [{ name: "Per impression", values: FEED_RATES.map((t) => f.per_impression[t] || 0) }],
    width,
    format: (v) => fmt.percent(v, 0),
    labelHeader: "Event",
  });
  return [tiles, el("div", { class: "panel" }, rates)];
}

function stageErrors(understand) {
  if (!understand.stage_errors.length) return el("p", { class: "hint" }, "No stage errors since the server started.");
  const rows = understand.stage_errors.map((e) => el("tr", {}, el("th", { scope: "row" }, e.stage), cell(fmt.number(e.items), "num"), cell(e.example, "example")));
  return table("Understanding stage errors", [["Stage"], ["Posts", "num"], ["Latest error"]], rows);
}

function systemTiles(system) {
  const u = system.understand;
  const worker = !u.worker ? "worker off" : u.idle ? "worker idle" : "worker busy";
  return el(
    "div",
    { class: "tiles stats" },
    tile("Posts", fmt.number(system.store.items), `${fmt.number(system.store.events)} events`),
    tile("Ingest backlog", fmt.number(u.backlog), `${worker} · ${fmt.number(u.processed)} processed since start`),
    tile("Posts with stage errors", fmt.number(u.items_with_errors), "since the server started"),
    tile("Uptime", fmt.seconds(system.uptime_s), null),
  );
}

function latencyView(system, width) {
  const routes = system.http.routes;
  if (!routes.length) return emptyState("No requests yet", "Latency per route appears after the first requests.");
  const charted = routes.slice(0, LATENCY_ROUTES_CHARTED);
  // Routes are templates; "unmatched" is what no API route serves (console files, 404s).
  const label = (r) => (r.route === "unmatched" ? `${r.method} static files and unknown paths` : `${r.method} ${r.route}`);
  const ms = (v) => `${fmt.number(v, v < 10 ? 1 : 0)} ms`;
  const chart = barChart({
    title: "Latency of the busiest routes",
    summary: charted.map((r) => `${label(r)}: p50 ${ms(r.p50_ms)}, p95 ${ms(r.p95_ms)}, p99 ${ms(r.p99_ms)}`).join("; "),
    labels: charted.map(label),
    series: ["p50", "p95", "p99"].map((q) => ({ name: q, values: charted.map((r) => r[`${q}_ms`]) })),
    width,
    format: ms,
    labelHeader: "Route",
  });
  const rows = routes.map((r) =>
    el("tr", {}, el("th", { scope: "row" }, label(r)), cell(fmt.number(r.count), "num"), cell(ms(r.p50_ms), "num"), cell(ms(r.p95_ms), "num"), cell(ms(r.p99_ms), "num"), cell(fmt.number(r.errors_5xx), "num")),
  );
  const headers = [["Route"], ["Requests", "num"], ["p50", "num"], ["p95", "num"], ["p99", "num"], ["5xx", "num"]];
  return [chart, el("h3", {}, `Every route (last ${fmt.number(system.http.window_per_route)} requests each)`), table("HTTP latency per route", headers, rows)];
}

// -- the page -----------------------------------------------------------------------------

function region(title, id, intro) {
  const body = el("div", { class: "region-body" });
  const node = el("section", { class: "dash-section", "aria-labelledby": id }, el("h2", { id }, title), intro ? el("p", { class: "hint" }, intro) : null, body);
  return { node, body };
}

function slot(label) {
  return el("div", { class: "panel chart-slot", "aria-label": label, role: "group" });
}

export async function render(view, route) {
  useStylesheet("dashboards");
  let bucket = BUCKETS.some(([b]) => b === route.params.bucket) ? route.params.bucket : "hour";
  let paused = false;
  let timer = null;
  let controller = null;
  let last = null;

  const updated = el("p", { class: "hint", id: "dash-updated" }, "Loading…");
  const pause = el("button", { type: "button", class: "ghost", "aria-pressed": "false" }, "Pause auto-refresh");
  const now = el("button", { type: "button", class: "ghost" }, "Refresh now");
  const safety = region("Safety", "dash-safety", "Per policy family: quality of automated decisions against reviewers' labels, prevalence from the random sample (95% Wilson intervals), enforcement and speed.");
  const search = region("Search", "dash-search", "From the search and click events in the log.");
  const feed = region("For You feed", "dash-feed", "From the events the apps send: impressions, views with watch time, likes, skips…");
  const system = region("System", "dash-system", "This server since it started.");
  const slots = {
    safetyTiles: el("div"),
    actions: el("div", { class: "chart-slot" }),
    enforcement: slot("Enforcement per policy"),
    policies: el("div", { class: "panel" }),
    search: el("div"),
    feed: el("div", { class: "feed-body" }),
    systemTiles: el("div"),
    stages: el("div", { class: "panel" }),
    latency: el("div", { class: "panel" }),
  };
  const bucketButtons = BUCKETS.map(([value, label]) =>
    el("button", { type: "button", class: "ghost", "aria-pressed": String(value === bucket), onclick: () => setBucket(value) }, label),
  );
  const actionsBox = el("div", { class: "stack" }, el("div", { class: "row bucket-picker", role: "group", "aria-label": "Time buckets" }, bucketButtons), slots.actions);

  safety.body.append(slots.safetyTiles, el("div", { class: "columns halves" }, el("div", { class: "panel" }, actionsBox), slots.enforcement), slots.policies);
  search.body.append(slots.search);
  feed.body.append(slots.feed);
  const systemDetails = el("div", {}, el("h3", {}, "Understanding stage errors"), slots.stages, el("h3", {}, "HTTP latency"), slots.latency);
  system.body.append(slots.systemTiles, systemDetails);
  view.append(
    el("div", { class: "dash-title" }, el("h1", {}, "Dashboards"), el("div", { class: "row" }, updated, now, pause)),
    safety.node,
    search.node,
    feed.node,
    system.node,
  );

  function draw() {
    if (!last) return;
    const { metrics, actions, usage, search: searchStats, feed: feedStats, system: sys } = last;
    slots.enforcement.hidden = slots.policies.hidden = Boolean(metrics.error);
    if (metrics.error) {
      swap(slots.safetyTiles, unavailable("Safety metrics", metrics.error));
    } else {
      swap(slots.safetyTiles, safetyTiles(metrics.value));
      swap(slots.enforcement, enforcementChart(metrics.value, chartWidth(slots.enforcement) - 32));
      swap(slots.policies, el("h3", {}, "Per policy family"), policyTable(metrics.value));
    }
    swap(slots.actions, actions.error ? unavailable("Decisions over time", actions.error) : actionsChart(actions.value, bucket, chartWidth(slots.actions)));
    swap(slots.search, usage.error ? unavailable("Search figures", usage.error) : searchView(usage.value, searchStats.value));
    swap(slots.feed, usage.error ? unavailable("Feed figures", usage.error) : feedView(usage.value, feedStats.value, Math.min(720, chartWidth(slots.feed) - 32)));
    systemDetails.hidden = Boolean(sys.error);
    if (sys.error) {
      swap(slots.systemTiles, unavailable("System figures", sys.error));
    } else {
      swap(slots.systemTiles, systemTiles(sys.value));
      swap(slots.stages, stageErrors(sys.value.understand));
      swap(slots.latency, latencyView(sys.value, chartWidth(slots.latency) - 32));
    }
  }

  async function refresh() {
    clearTimeout(timer);
    if (controller) controller.abort();
    controller = new AbortController();
    const signal = controller.signal;
    const names = Object.keys(SOURCES);
    const settled = await Promise.allSettled(names.map((name) => api.get(SOURCES[name](bucket), {}, { signal })));
    if (signal.aborted) return;
    last = Object.fromEntries(names.map((name, i) => [name, settled[i].status === "fulfilled" ? { value: settled[i].value } : { error: settled[i].reason }]));
    draw();
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}${paused ? " · auto-refresh paused" : " · refreshes every 10 s"}`;
    if (!paused) timer = setTimeout(refresh, REFRESH_MS);
  }

  function setBucket(value) {
    bucket = value;
    bucketButtons.forEach((b, i) => b.setAttribute("aria-pressed", String(BUCKETS[i][0] === value)));
    replaceParams({ bucket: value });
    refresh();
  }

  pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    pause.textContent = paused ? "Resume auto-refresh" : "Pause auto-refresh";
    announce(paused ? "Auto-refresh paused." : "Auto-refresh resumed.");
    if (paused) clearTimeout(timer);
    else refresh();
  });
  now.addEventListener("click", () => refresh());
  let resizing = 0;
  const onResize = () => {
    cancelAnimationFrame(resizing);
    resizing = requestAnimationFrame(draw);
  };
  window.addEventListener("resize", onResize);

  await refresh();
  return () => {
    clearTimeout(timer);
    if (controller) controller.abort();
    cancelAnimationFrame(resizing);
    window.removeEventListener("resize", onResize);
  };
}
