// Feed simulator (#/feed?user=<handle>): watch the For You feed as one user, one clip at a
// time, and send what you do as real events (impression, view with watch time, like, share,
// skip, not interested). The side panel shows why the current clip was recommended and how
// the user's interests change after every event.
import { api } from "../api.js";
import { announce, clear, el, emptyState, facts, fmt, guarded, useStylesheet } from "../dom.js";
import { hrefFor, navigate } from "../router.js";
import { mediaPlayer } from "../widgets.js";

const PAGE_SIZE = 8;
const PREFETCH_WHEN_LEFT = 3; // clips still ahead when the next page is fetched
const INTERESTS_DELAY_MS = 250;
const RECENT_KEY = "reelstack.feed.recent";
const RECENT_MAX = 8;
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

/** A random id; crypto.randomUUID needs a secure context, getRandomValues does not. */
function newId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return `${prefix}-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

// -- users ------------------------------------------------------------------------------------

const recentUsers = {
  list: () => {
    try {
      const stored = JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
      return Array.isArray(stored) ? stored.filter((u) => typeof u === "string") : [];
    } catch {
      return [];
    }
  },
  remember: (user) => {
    const list = [user, ...recentUsers.list().filter((u) => u !== user)].slice(0, RECENT_MAX);
    localStorage.setItem(RECENT_KEY, JSON.stringify(list));
  },
};

function userPicker(current) {
  const input = el("input", {
    id: "feed-user",
    type: "text",
    name: "user",
    value: current || "",
    list: "feed-recent-users",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    pattern: "[\\w.@\\-]{1,64}",
    title: "1–64 letters, digits, '_', '.', '-' or '@'",
    placeholder: "a handle, e.g. user0001",
  });
  const recent = recentUsers.list();
  const watch = (user) => navigate("feed", [], { user });
  const others = recent.filter((u) => u !== current);
  const form = el(
    "form",
    { class: "feed-picker", "aria-label": "Viewer" },
    el(
      "div",
      { class: "picker-row" },
      el("label", { for: "feed-user" }, "Watch as"),
      input,
      el("button", { type: "submit", class: "primary" }, "Watch"),
      el("button", { type: "button", class: "ghost", onclick: () => watch(newId("viewer")) }, "New user"),
    ),
    el("datalist", { id: "feed-recent-users" }, recent.map((u) => el("option", { value: u }))),
    others.length ? el("p", { class: "recent-users" }, "Recent: ", others.map((u) => el("a", { href: hrefFor("feed", [], { user: u }) }, u))) : null,
    current
      ? null
      : el("p", { class: "hint" }, "Events are sent as this user; a new handle becomes a user on its first event. A demo built by ", el("code", {}, "reelstack demo"), " has users user0000, user0001, …"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.reportValidity()) watch(input.value.trim());
  });
  return form;
}

// -- watch time -------------------------------------------------------------------------------

/** Milliseconds a clip was actually watched: counted while it is current and playing. */
function watchClock() {
  let total = 0;
  let since = null;
  return {
    start: () => (since = since ?? performance.now()),
    stop: () => {
      if (since !== null) total += performance.now() - since;
      since = null;
    },
    take: () => {
      const running = since !== null;
      if (running) total += performance.now() - since;
      const ms = Math.round(total);
      total = 0;
      since = running ? performance.now() : null;
      return ms;
    },
  };
}

// -- one clip ---------------------------------------------------------------------------------

function clipArticle(entry, index) {
  const { item, details } = entry;
  const creator = details.creator ? details.creator.handle : item.creator_id;
  const media = details.media ? mediaPlayer(details, { muted: true, loop: true, controls: false, preload: "auto", tabindex: -1 }) : mediaPlayer({ ...details, media: null });
  const captionId = `clip-caption-${index}`;
  return el(
    "article",
    { class: "clip", "aria-posinset": index + 1, "aria-setsize": -1, "aria-labelledby": captionId, tabindex: -1, dataset: { itemId: item.id, index } },
    el("div", { class: "clip-media" }, media),
    el(
      "div",
      { class: "clip-info" },
      el("p", { class: "clip-creator" }, `@${creator}`),
      el("p", { class: "clip-caption", id: captionId }, item.caption || "(no caption)"),
      item.hashtags.length ? el("p", { class: "clip-tags" }, item.hashtags.map((t) => `#${t}`).join(" ")) : null,
      item.label ? el("span", { class: "chip warn" }, item.label) : null,
    ),
  );
}

// -- the side panel ---------------------------------------------------------------------------

function meterRow(name, value, max) {
  return el(
    "li",
    { class: "meter-row" },
    el("span", { class: "meter-name" }, name),
    el("meter", { min: 0, max: max || 1, value: Math.max(0, value), "aria-label": name }),
    el("span", { class: "meter-value" }, fmt.score(value)),
  );
}

function whyPanel(entry, page) {
  if (!entry) return el("p", { class: "hint" }, "Nothing on screen yet.");
  const why = entry.item.why;
  const sources = why ? Object.entries(why.sources) : [];
  const heads = why && why.heads ? Object.entries(why.heads) : [];
  const adjustments = why ? Object.entries(why.adjustments).filter(([, v]) => v !== 1 && v !== 0) : [];
  return el(
    "div",
    { class: "why" },
    el(
      "p",
      { class: "row" },
      el("span", { class: `chip ${why && why.slot === "exploration" ? "warn" : "ok"}` }, why ? why.slot : "no explanation"),
      el("span", { class: "hint" }, `page ${page.number} · ${page.ranker.kind} ranker${page.ranker.version ? ` ${page.ranker.version}` : ""} · score ${fmt.score(entry.item.score)}`),
    ),
    sources.length
      ? el(
          "ul",
          { class: "sources", "aria-label": "Recall sources" },
          sources.map(([name, score]) => el("li", { class: "chip", title: name }, `${sourceName(name)} ${fmt.score(score)}`)),
        )
      : null,
    heads.length ? el("h3", {}, "Predicted") : null,
    heads.length ? el("ul", { class: "meters" }, heads.map(([name, value]) => meterRow(name, value, 1))) : null,
    facts([
      ["Value", why && why.value !== null && why.value !== undefined ? fmt.score(why.value) : null],
      ["Adjusted", adjustments.map(([name, v]) => `${name.replace(/_/g, " ")} ${fmt.score(v)}`).join(", ")],
    ]),
    recallLine(page.recall),
    page.ranker.note ? el("p", { class: "hint" }, page.ranker.note) : null,
  );
}

/** Where this page's candidates came from (sources that found nothing left out). */
function recallLine(recall) {
  const found = Object.entries(recall || {}).filter(([, count]) => count > 0);
  if (!found.length) return null;
  return el("p", { class: "recall" }, `Page candidates from: ${found.map(([name, count]) => `${sourceName(name)} (${count})`).join(", ")}`);
}

function weightList(title, entries, previous, prefix = "") {
  if (!entries.length) return null;
  const max = Math.max(...entries.map((e) => e.weight));
  const before = new Map((previous || []).map((e) => [e.value, e.weight]));
  return el(
    "div",
    { class: "interest-group" },
    el("h3", {}, title),
    el(
      "ul",
      { class: "meters" },
      entries.map((e) => {
        const row = meterRow(`${prefix}${e.value}`, e.weight, max);
        const rose = !before.has(e.value) || before.get(e.value) < e.weight - 1e-3;
        if (previous && rose) row.classList.add("rose");
        return row;
      }),
    ),
  );
}

function interestsView(now, before) {
  if (now.new && !now.events) return emptyState("Nothing learned yet.", "Watch, like or skip a few clips: the interests show up here after each event.");
  return el(
    "div",
    { class: "interests" },
    facts([
      ["Events", fmt.number(now.events)],
      ["Plays", fmt.number(now.plays)],
      ["Likes", fmt.number(now.likes)],
      ["Hidden", fmt.number(now.hidden)],
    ]),
    weightList("Hashtags", now.hashtags, before && before.hashtags, "#"),
    weightList("Visual concepts", now.concepts || [], before && before.concepts),
    weightList("Creators", now.creators, before && before.creators, "@"),
    weightList("Languages", now.languages, before && before.languages),
  );
}

// -- the page ---------------------------------------------------------------------------------

export async function render(view, route) {
  useStylesheet("feed");
  const user = (route.params.user || "").trim();
  view.append(el("h1", {}, "For You"), userPicker(user));
  if (!user) {
    view.append(emptyState("Pick a viewer to start.", "Type a handle, pick a recent one, or make a new user: a new user starts from trending and fresh posts."));
    return undefined;
  }
  recentUsers.remember(user);
  return playFeed(view, user);
}

function playFeed(view, user) {
  const entries = []; // {item, details, page, watch, shown}
  const pages = [];
  let cursor = null;
  let loading = null;
  let current = -1;
  let muted = true;
  let lastInterests = null;
  let interestsTimer = 0;
  const aborter = new AbortController();

  const feed = el("div", { class: "reel", role: "feed", "aria-busy": "true", "aria-label": `For You feed of ${user}` });
  const position = el("p", { class: "hint position", "aria-live": "polite" });
  const button = (label, onclick, extra = {}) => el("button", { type: "button", onclick, ...extra }, label);
  const likeButton = button("♥ Like", () => act("like"), { "aria-pressed": "false", "aria-keyshortcuts": "L" });
  const muteButton = button("Mute", () => setMuted(!muted), { "aria-pressed": "true", "aria-keyshortcuts": "M" });
  const pauseButton = button("Pause", () => togglePause(), { "aria-pressed": "false", "aria-keyshortcuts": "P" });
  const openLink = el("a", { class: "button ghost", href: "#" }, "Open post");
  const controls = el(
    "div",
    { class: "reel-controls", role: "group", "aria-label": "Clip actions" },
    button("↑ Previous", () => move(-1), { "aria-keyshortcuts": "ArrowUp K" }),
    button("↓ Next", () => move(1), { "aria-keyshortcuts": "ArrowDown J" }),
    likeButton,
    button("Share", () => act("share")),
    button("Skip", () => act("skip", { advance: true })),
    button("Not interested", () => act("not_interested", { advance: true }), { class: "danger" }),
    pauseButton,
    muteButton,
    openLink,
  );
  const whyBox = el("div", { id: "feed-why" });
  const interestsBox = el("div", { id: "feed-interests" });
  view.append(
    el(
      "div",
      { class: "feed-layout" },
      el("section", { class: "reel-stage", "aria-label": "Player" }, feed, el("div", { class: "reel-side" }, controls, position)),
      el(
        "aside",
        { class: "feed-panel", "aria-label": "Recommendation details" },
        el("section", { class: "panel" }, el("h2", {}, "Why this clip"), whyBox),
        el("section", { class: "panel" }, el("h2", {}, "Interests, live"), interestsBox),
      ),
    ),
    el("p", { class: "hint keys" }, "Keys: ↓ or J next, ↑ or K previous, L like, P pause, M mute."),
  );

  // -- events --

  function send(type, entry, extra = {}) {
    const event = { event_id: newId("web"), type, user, item: entry.item.id, ts: Date.now() / 1000, context: { surface: "feed", position: entry.position, request_id: entry.page.requestId }, ...extra };
    return guarded(() => api.post("/v1/events", { events: [event] }), `Sending ${type}`).then((result) => {
      if (result && result.errors.length) announce(`${type} refused: ${result.errors[0].error}`, "error");
      refreshInterestsSoon();
      return result;
    });
  }

  function sendView(entry) {
    const watchMs = entry.watch.take();
    const durationMs = entry.details.media && entry.details.media.duration_s ? Math.round(entry.details.media.duration_s * 1000) : undefined;
    return send("view", entry, { watch_ms: watchMs, duration_ms: durationMs });
  }

  async function act(type, { advance = false } = {}) {
    const entry = entries[current];
    if (!entry) return;
    if (type === "like" && entry.liked) return announce("Already liked.");
    const result = await send(type, entry);
    if (!result) return;
    if (type === "like") {
      entry.liked = true;
      likeButton.setAttribute("aria-pressed", "true");
    }
    if (type === "not_interested") entry.node.classList.add("dismissed");
    announce(`${type.replace(/_/g, " ")} sent for @${entry.creator}'s clip`);
    if (advance) move(1);
  }

  // -- interests and why --

  function refreshInterestsSoon() {
    clearTimeout(interestsTimer);
    if (aborter.signal.aborted) return;
    interestsTimer = setTimeout(refreshInterests, INTERESTS_DELAY_MS);
  }

  async function refreshInterests() {
    const now = await guarded(() => api.get(`/v1/users/${encodeURIComponent(user)}/interests`, {}, { signal: aborter.signal }), "Reading interests");
    if (!now) return;
    clear(interestsBox).append(interestsView(now, lastInterests));
    lastInterests = now;
  }

  function showWhy(entry) {
    clear(whyBox).append(whyPanel(entry, entry.page));
  }

  // -- playing --

  function showPosition() {
    const end = cursor ? "" : " · that is everything for now";
    position.textContent = `Clip ${current + 1} of ${entries.length}${end}`;
  }

  function setMuted(value) {
    muted = value;
    muteButton.setAttribute("aria-pressed", String(muted));
    entries.forEach((e) => e.video && (e.video.muted = muted));
  }

  function togglePause() {
    const video = entries[current] && entries[current].video;
    if (!video) return;
    if (video.paused) video.play().catch(() => undefined);
    else video.pause();
  }

  function becomeCurrent(index) {
    if (index === current || !entries[index]) return;
    const previous = entries[current];
    if (previous) {
      previous.node.removeAttribute("aria-current");
      if (previous.video) previous.video.pause();
      previous.watch.stop();
      sendView(previous);
    }
    current = index;
    const entry = entries[index];
    entry.node.setAttribute("aria-current", "true");
    feed.dataset.currentItem = entry.item.id;
    likeButton.setAttribute("aria-pressed", entry.liked ? "true" : "false");
    pauseButton.disabled = !entry.video;
    pauseButton.setAttribute("aria-pressed", "false");
    openLink.href = hrefFor("item", [entry.item.id]);
    showPosition();
    showWhy(entry);
    if (!entry.shown) {
      entry.shown = true;
      send("impression", entry);
    }
    if (entry.video) entry.video.play().catch(() => entry.watch.start());
    else entry.watch.start();
    if (entries.length - index <= PREFETCH_WHEN_LEFT) loadPage();
  }

  function move(step) {
    const target = Math.min(entries.length - 1, Math.max(0, current + step));
    if (target === current && step > 0 && cursor) return loadPage().then(() => move(step));
    const node = entries[target] && entries[target].node;
    if (!node) return undefined;
    // scroll the feed only: scrollIntoView would also move the window under the sticky top bar
    feed.scrollTo({ top: node.offsetTop, behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
    becomeCurrent(target);
    return undefined;
  }

  /** After a scroll comes to rest (snapped to one clip), that clip is the current one. */
  function settle() {
    if (feed.clientHeight) becomeCurrent(Math.round(feed.scrollTop / feed.clientHeight));
  }
  let settleTimer = 0;
  const settleSoon = () => {
    clearTimeout(settleTimer);
    settleTimer = setTimeout(settle, 150);
  };
  feed.addEventListener("onscrollend" in window ? "scrollend" : "scroll", "onscrollend" in window ? settle : settleSoon);

  function addEntry(item, details, page) {
    const entry = { item, details, page, position: entries.length, watch: watchClock(), shown: false, liked: false, creator: details.creator ? details.creator.handle : item.creator_id };
    entry.node = clipArticle(entry, entry.position);
    entry.video = entry.node.querySelector("video");
    if (entry.video) {
      entry.video.muted = muted;
      entry.video.addEventListener("playing", () => entries[current] === entry && entry.watch.start());
      entry.video.addEventListener("pause", () => {
        entry.watch.stop();
        if (entries[current] === entry) pauseButton.setAttribute("aria-pressed", "true");
      });
      entry.video.addEventListener("play", () => entries[current] === entry && pauseButton.setAttribute("aria-pressed", "false"));
      entry.video.addEventListener("click", togglePause);
    }
    entries.push(entry);
    feed.append(entry.node);
  }

  function loadPage() {
    if (loading) return loading;
    if (pages.length && !cursor) return Promise.resolve();
    feed.setAttribute("aria-busy", "true");
    loading = fetchPage().finally(() => {
      loading = null;
      feed.setAttribute("aria-busy", "false");
    });
    return loading;
  }

  async function fetchPage() {
    const response = await guarded(() => api.get("/v1/feed", { user, k: PAGE_SIZE, explain: true, cursor }, { signal: aborter.signal }), "Loading the feed");
    if (!response) return;
    const page = { number: response.page, ranker: response.ranker, recall: response.recall, requestId: newId("feed"), items: response.items };
    pages.push(page);
    cursor = response.cursor;
    feed.dataset.pages = String(pages.length);
    feed.dataset.recall = Object.keys(response.recall || {}).join(" ");
    const details = await Promise.all(response.items.map((item) => api.get(`/v1/items/${encodeURIComponent(item.id)}`).catch(() => ({ ...item, media: null }))));
    response.items.forEach((item, n) => addEntry(item, details[n], page));
    if (!entries.length) feed.append(emptyState("Nothing to show.", "The store has no posts this user may see."));
    if (current >= 0) showPosition();
  }

  function onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable], dialog")) return;
    const keys = { ArrowDown: () => move(1), j: () => move(1), ArrowUp: () => move(-1), k: () => move(-1), l: () => act("like"), m: () => setMuted(!muted), p: togglePause };
    const action = keys[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }
  document.addEventListener("keydown", onKey);

  function cleanup() {
    document.removeEventListener("keydown", onKey);
    clearTimeout(settleTimer);
    const entry = entries[current];
    if (entry) {
      if (entry.video) entry.video.pause();
      entry.watch.stop();
    }
    aborter.abort();
    clearTimeout(interestsTimer);
    if (entry) sendView(entry); // the last clip's watch time still counts
  }

  refreshInterests();
  loadPage().then(() => {
    if (entries.length && current < 0) becomeCurrent(0);
  });
  return cleanup;
}
