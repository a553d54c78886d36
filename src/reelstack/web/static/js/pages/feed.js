// Feed simulator (#/feed?user=<handle>): watch the For You feed as one user, one clip at a
// time, and send what you do as real events (impression, view with watch time, like, share,
// skip, not interested). The side panel (feed-panel.js) shows why the current clip was
// recommended and how the user's interests change after every event.
import { api } from "../api.js";
import { announce, clear, el, emptyState, guarded, useStylesheet } from "../dom.js";
import { hrefFor, navigate } from "../router.js";
import { mediaPlayer } from "../widgets.js";
import { interestsView, whyPanel } from "./feed-panel.js";

const PAGE_SIZE = 8;
const PREFETCH_WHEN_LEFT = 3; // clips still ahead when the next page is fetched
const INTERESTS_DELAY_MS = 250; // coalesces the view + impression sent on each move
const SETTLE_MS = 150; // without the scrollend event: quiet time that ends a scroll
const RECENT_KEY = "reelstack.feed.recent";
const RECENT_MAX = 8;

/** A random id; crypto.randomUUID needs a secure context, getRandomValues does not. */
function newId(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return `${prefix}-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

// -- the viewer -------------------------------------------------------------------------------

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
    list: "feed-recent-users",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    pattern: "[\\w.@\\-]{1,64}",
    title: "1–64 letters, digits, '_', '.', '-' or '@'",
    placeholder: "a handle, e.g. user0001",
  });
  input.value = current;
  const watch = (user) => navigate("feed", [], { user });
  const recent = recentUsers.list();
  const others = recent.filter((u) => u !== current).map((u) => el("a", { href: hrefFor("feed", [], { user: u }) }, u));
  const help = [
    "Events are sent as this user; a new handle becomes a user on its first event. A demo built by ",
    el("code", {}, "reelstack demo"),
    " has users user0000, user0001, …",
  ];
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
    others.length ? el("p", { class: "recent-users" }, "Recent: ", others) : null,
    current ? null : el("p", { class: "hint" }, help),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.reportValidity()) watch(input.value.trim());
  });
  return form;
}

// -- one clip ---------------------------------------------------------------------------------

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
    /** The time so far, restarting the count (a clip watched again counts again). */
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

function clipArticle(entry) {
  const { item, details, position } = entry;
  const playerOptions = { muted: true, loop: true, controls: false, preload: "auto", tabindex: -1 };
  const media = details.media ? mediaPlayer(details, playerOptions) : mediaPlayer({ ...details, media: null });
  const captionId = `clip-caption-${position}`;
  const attrs = { class: "clip", "aria-posinset": position + 1, "aria-setsize": -1, "aria-labelledby": captionId, tabindex: -1 };
  return el(
    "article",
    { ...attrs, dataset: { itemId: item.id } },
    el("div", { class: "clip-media" }, media),
    el(
      "div",
      { class: "clip-info" },
      el("p", { class: "clip-creator" }, `@${entry.creator}`),
      el("p", { class: "clip-caption", id: captionId }, item.caption || "(no caption)"),
      item.hashtags.length ? el("p", { class: "clip-tags" }, item.hashtags.map((t) => `#${t}`).join(" ")) : null,
      item.label ? el("span", { class: "chip warn" }, item.label) : null,
    ),
  );
}

// -- the page ---------------------------------------------------------------------------------

/** The reel, its buttons and the side panel; `on` maps each action to a handler. */
function playerLayout(user, on) {
  const button = (label, onclick, attrs = {}) => el("button", { type: "button", onclick, ...attrs }, label);
  const ui = {
    feed: el("div", { class: "reel", role: "feed", "aria-busy": "true", "aria-label": `For You feed of ${user}` }),
    position: el("p", { class: "hint position", "aria-live": "polite" }),
    like: button("♥ Like", on.like, { "aria-pressed": "false", "aria-keyshortcuts": "L" }),
    pause: button("Pause", on.pause, { "aria-pressed": "false", "aria-keyshortcuts": "P" }),
    mute: button("Mute", on.mute, { "aria-pressed": "true", "aria-keyshortcuts": "M" }),
    open: el("a", { class: "button ghost", href: "#" }, "Open post"),
    why: el("div", { id: "feed-why" }),
    interests: el("div", { id: "feed-interests" }),
  };
  const controls = el(
    "div",
    { class: "reel-controls", role: "group", "aria-label": "Clip actions" },
    button("↑ Previous", on.previous, { "aria-keyshortcuts": "ArrowUp K" }),
    button("↓ Next", on.next, { "aria-keyshortcuts": "ArrowDown J" }),
    ui.like,
    button("Share", on.share),
    button("Skip", on.skip),
    button("Not interested", on.notInterested, { class: "danger" }),
    ui.pause,
    ui.mute,
    ui.open,
  );
  const side = el("div", { class: "reel-side" }, controls, ui.position);
  ui.nodes = [
    el(
      "div",
      { class: "feed-layout" },
      el("section", { class: "reel-stage", "aria-label": "Player" }, ui.feed, side),
      el(
        "aside",
        { class: "feed-panel", "aria-label": "Recommendation details" },
        el("section", { class: "panel" }, el("h2", {}, "Why this clip"), ui.why),
        el("section", { class: "panel" }, el("h2", {}, "Interests, live"), ui.interests),
      ),
    ),
    el("p", { class: "hint keys" }, "Keys: ↓ or J next, ↑ or K previous, L like, P pause, M mute."),
  ];
  return ui;
}

export async function render(view, route) {
  useStylesheet("feed");
  const user = (route.params.user || "").trim();
  view.append(el("h1", {}, "For You"), userPicker(user));
  if (!user) {
    const hint = "Type a handle, pick a recent one, or make a new user: a new user starts from trending and fresh posts.";
    view.append(emptyState("Pick a viewer to start.", hint));
    return undefined;
  }
  recentUsers.remember(user);
  return playFeed(view, user);
}

function playFeed(view, user) {
  const entries = []; // {item, details, page, position, creator, node, video, watch, shown, liked}
  let cursor = null;
  let pages = 0;
  let loading = null;
  let current = -1;
  let muted = true;
  let lastInterests = null;
  let interestsTimer = 0;
  let settleTimer = 0;
  const aborter = new AbortController();
  const ui = playerLayout(user, {
    previous: () => move(-1),
    next: () => move(1),
    like: () => act("like"),
    share: () => act("share"),
    skip: () => act("skip", { advance: true }),
    notInterested: () => act("not_interested", { advance: true }),
    pause: () => togglePause(),
    mute: () => setMuted(!muted),
  });
  view.append(...ui.nodes);

  // -- events: each one a real POST /v1/events, then the interests are read again --

  function send(type, entry, extra = {}) {
    const context = { surface: "feed", position: entry.position, request_id: entry.page.requestId };
    const event = { event_id: newId("web"), type, user, item: entry.item.id, ts: Date.now() / 1000, context, ...extra };
    return guarded(() => api.post("/v1/events", { events: [event] }), `Sending ${type}`).then((result) => {
      if (result && result.errors.length) announce(`${type} refused: ${result.errors[0].error}`, "error");
      refreshInterestsSoon();
      return result;
    });
  }

  function sendView(entry) {
    const duration = entry.details.media && entry.details.media.duration_s;
    const durationMs = duration ? Math.round(duration * 1000) : undefined; // else the server knows it
    return send("view", entry, { watch_ms: entry.watch.take(), duration_ms: durationMs });
  }

  async function act(type, { advance = false } = {}) {
    const entry = entries[current];
    if (!entry) return;
    if (type === "like" && entry.liked) {
      announce("Already liked.");
      return;
    }
    if (!(await send(type, entry))) return;
    if (type === "like") {
      entry.liked = true;
      ui.like.setAttribute("aria-pressed", "true");
    }
    if (type === "not_interested") entry.node.classList.add("dismissed");
    announce(`${type.replace(/_/g, " ")} sent for @${entry.creator}'s clip`);
    if (advance) move(1);
  }

  function refreshInterestsSoon() {
    clearTimeout(interestsTimer);
    if (!aborter.signal.aborted) interestsTimer = setTimeout(refreshInterests, INTERESTS_DELAY_MS);
  }

  async function refreshInterests() {
    const path = `/v1/users/${encodeURIComponent(user)}/interests`;
    const now = await guarded(() => api.get(path, {}, { signal: aborter.signal }), "Reading interests");
    if (!now) return;
    clear(ui.interests).append(interestsView(now, lastInterests));
    lastInterests = now;
  }

  // -- playing --

  function showPosition() {
    const end = cursor ? "" : " · that is everything for now";
    ui.position.textContent = `Clip ${current + 1} of ${entries.length}${end}`;
  }

  function setMuted(value) {
    muted = value;
    ui.mute.setAttribute("aria-pressed", String(muted));
    entries.forEach((e) => e.video && (e.video.muted = muted));
  }

  function togglePause() {
    const video = entries[current] && entries[current].video;
    if (!video) return;
    if (video.paused) video.play().catch(() => undefined);
    else video.pause();
  }

  function leave(entry) {
    entry.node.removeAttribute("aria-current");
    if (entry.video) entry.video.pause();
    entry.watch.stop();
    sendView(entry);
  }

  function becomeCurrent(index) {
    const entry = entries[index];
    if (index === current || !entry) return;
    if (entries[current]) leave(entries[current]);
    current = index;
    entry.node.setAttribute("aria-current", "true");
    ui.like.setAttribute("aria-pressed", String(entry.liked));
    ui.pause.disabled = !entry.video;
    ui.pause.setAttribute("aria-pressed", "false");
    ui.open.href = hrefFor("item", [entry.item.id]);
    showPosition();
    clear(ui.why).append(whyPanel(entry.item, entry.page));
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
    if (!entries[target]) return undefined;
    // scroll the reel only: scrollIntoView would also move the window under the sticky top bar
    const behavior = matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
    ui.feed.scrollTo({ top: entries[target].node.offsetTop, behavior });
    becomeCurrent(target);
    return undefined;
  }

  /** After a scroll comes to rest (snapped to one clip), that clip is the current one. */
  function settle() {
    if (ui.feed.clientHeight) becomeCurrent(Math.round(ui.feed.scrollTop / ui.feed.clientHeight));
  }
  if ("onscrollend" in window) ui.feed.addEventListener("scrollend", settle);
  else {
    ui.feed.addEventListener("scroll", () => {
      clearTimeout(settleTimer);
      settleTimer = setTimeout(settle, SETTLE_MS);
    });
  }

  // -- pages --

  function addEntry(item, details, page) {
    const creator = details.creator ? details.creator.handle : item.creator_id;
    const entry = { item, details, page, creator, position: entries.length, watch: watchClock(), shown: false, liked: false };
    entry.node = clipArticle(entry);
    entry.video = entry.node.querySelector("video");
    const isCurrent = () => entries[current] === entry;
    if (entry.video) {
      entry.video.muted = muted;
      entry.video.addEventListener("playing", () => isCurrent() && entry.watch.start());
      entry.video.addEventListener("play", () => isCurrent() && ui.pause.setAttribute("aria-pressed", "false"));
      entry.video.addEventListener("pause", () => {
        entry.watch.stop();
        if (isCurrent()) ui.pause.setAttribute("aria-pressed", "true");
      });
      entry.video.addEventListener("click", togglePause);
    }
    entries.push(entry);
    ui.feed.append(entry.node);
  }

  function loadPage() {
    if (loading) return loading;
    if (pages && !cursor) return Promise.resolve();
    ui.feed.setAttribute("aria-busy", "true");
    loading = fetchPage().finally(() => {
      loading = null;
      ui.feed.setAttribute("aria-busy", "false");
    });
    return loading;
  }

  async function fetchPage() {
    const params = { user, k: PAGE_SIZE, explain: true, cursor };
    const response = await guarded(() => api.get("/v1/feed", params, { signal: aborter.signal }), "Loading the feed");
    if (!response) return;
    // the feed response has no request id: one is minted per page so events name their request
    const page = { number: response.page, ranker: response.ranker, recall: response.recall, requestId: newId("feed") };
    cursor = response.cursor;
    pages += 1;
    ui.feed.dataset.pages = String(pages);
    // feed items carry no media: read each post for its player and creator
    const read = (item) => api.get(`/v1/items/${encodeURIComponent(item.id)}`).catch(() => ({ ...item, media: null }));
    const details = await Promise.all(response.items.map(read));
    response.items.forEach((item, n) => addEntry(item, details[n], page));
    if (!entries.length) ui.feed.append(emptyState("Nothing to show.", "The store has no posts this user may see."));
    if (current >= 0) showPosition();
  }

  // -- keys and cleanup --

  const KEYS = {
    ArrowDown: () => move(1),
    j: () => move(1),
    ArrowUp: () => move(-1),
    k: () => move(-1),
    l: () => act("like"),
    p: () => togglePause(),
    m: () => setMuted(!muted),
  };
  function onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable], dialog")) return;
    const action = KEYS[event.key.length === 1 ? event.key.toLowerCase() : event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }
  document.addEventListener("keydown", onKey);

  refreshInterests();
  loadPage().then(() => {
    if (entries.length && current < 0) becomeCurrent(0);
  });
  return () => {
    document.removeEventListener("keydown", onKey);
    clearTimeout(settleTimer);
    const entry = entries[current];
    if (entry && entry.video) entry.video.pause();
    if (entry) entry.watch.stop();
    aborter.abort();
    clearTimeout(interestsTimer);
    if (entry) sendView(entry); // the last clip's watch time still counts
  };
}
