// Library: every post in the store, newest first, paged through GET /v1/items.
import { api } from "../api.js";
import { announce, el, guarded } from "../dom.js";
import { itemCard } from "../widgets.js";

export async function render(view) {
  const grid = el("ul", { class: "grid", "aria-label": "Posts" });
  const more = el("button", { type: "button", class: "primary", hidden: true }, "Load more");
  let cursor = null;
  let shown = 0;

  async function loadPage() {
    const page = await guarded(() => api.get("/v1/items", { limit: 60, cursor }), "Loading posts");
    if (!page) return;
    page.items.forEach((item) => grid.append(el("li", {}, itemCard(item))));
    shown += page.items.length;
    cursor = page.next_cursor;
    more.hidden = !cursor;
    announce(`${shown} posts shown`);
  }

  more.addEventListener("click", loadPage);
  view.append(
    el("h1", {}, "Library"),
    el("p", { class: "hint" }, "Every post in the store. Open one to see what ReelStack understood about it."),
    grid,
    more,
  );
  await loadPage();
}
