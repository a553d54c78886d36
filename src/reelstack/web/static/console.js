// The library view: pages through GET /v1/items and plays media on demand.
"use strict";
const grid = document.getElementById("grid");
const more = document.getElementById("more");
const statusLine = document.getElementById("status");
let cursor = null;
let shown = 0;

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, v));
  if (text) node.textContent = text;
  return node;
}

function preview(item) {
  const box = el("div", { class: "media" });
  if (!item.media) {
    box.append(el("p", { class: "text" }, item.caption));
  } else if (item.media.kind === "image") {
    box.append(el("img", { src: item.media.url, alt: item.caption || "image post", loading: "lazy" }));
  } else {
    box.append(el("video", { src: item.media.url + "#t=0.5", preload: "metadata", muted: "", playsinline: "", loop: "" }));
  }
  return box;
}

function card(item) {
  const li = el("li", { class: "card" });
  const button = el("button", { type: "button", "aria-label": `Play: ${item.caption || item.id}` });
  button.append(preview(item));
  const text = el("div", { class: "text" });
  text.append(el("div", { class: "creator" }, "@" + item.creator.handle));
  text.append(el("div", {}, item.caption));
  text.append(el("div", { class: "tags" }, item.hashtags.map((t) => "#" + t).join(" ")));
  button.append(text);
  button.addEventListener("click", () => {
    const video = li.querySelector("video");
    if (video) video.paused ? video.play() : video.pause();
  });
  li.append(button);
  return li;
}

async function loadPage() {
  const url = "/v1/items?limit=60" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) {
    statusLine.textContent = body.detail || "Could not load items";
    return;
  }
  body.items.forEach((item) => grid.append(card(item)));
  shown += body.items.length;
  cursor = body.next_cursor;
  more.hidden = !cursor;
  statusLine.textContent = `${shown} posts shown`;
}

more.addEventListener("click", loadPage);
loadPage();
