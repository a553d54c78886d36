// Widgets more than one page shows: a post card (thumbnail, caption, creator), a media player.
import { mediaSrc } from "./api.js";
import { el } from "./dom.js";
import { hrefFor } from "./router.js";

/** A 9:16 keyframe thumbnail (falls back to the caption when the post has no media). */
export function thumbnail(item) {
  const box = el("div", { class: "thumb" });
  if (!item.media) {
    box.append(el("p", { class: "thumb-text" }, item.caption || item.id));
    return box;
  }
  const img = el("img", { alt: "", loading: "lazy", decoding: "async" });
  const fallback = () => {
    img.remove();
    box.append(el("p", { class: "thumb-text" }, item.caption || item.id));
  };
  img.addEventListener("error", fallback, { once: true });
  const route = item.media.kind === "image" ? item.media.url : `/v1/items/${encodeURIComponent(item.id)}/thumbnail`;
  mediaSrc(route).then((src) => (img.src = src), fallback);
  box.append(img);
  return box;
}

/** A card linking to the item page; `extra` nodes (scores, highlights) go under the caption. */
export function itemCard(item, ...extra) {
  const creator = item.creator ? item.creator.handle || item.creator.name || item.creator.id : item.creator_id;
  return el(
    "a",
    { class: "card", href: hrefFor("item", [item.id]), dataset: { itemId: item.id } },
    thumbnail(item),
    el(
      "div",
      { class: "card-body" },
      creator ? el("div", { class: "creator" }, `@${creator}`) : null,
      el("div", { class: "caption" }, item.caption || ""),
      item.hashtags && item.hashtags.length ? el("div", { class: "tags" }, item.hashtags.map((t) => `#${t}`).join(" ")) : null,
      ...extra,
    ),
  );
}

/** A <video> (or <img>) for an item's stored media; `options` are attributes such as muted. */
export function mediaPlayer(item, options = {}) {
  if (!item.media) return el("div", { class: "player player-text" }, item.caption || "");
  const url = item.media.url || `/v1/items/${encodeURIComponent(item.id)}/media`;
  const node =
    item.media.kind === "image"
      ? el("img", { class: "player", alt: item.caption || "image post" })
      : el("video", { class: "player", playsinline: true, preload: "metadata", controls: true, ...options });
  mediaSrc(url).then((src) => (node.src = src));
  return node;
}
