// The console shell: routes the hash to one page module at a time, keeps the nav and the
// API-key dialog. Each page exports render(view, route) and may return a cleanup function.
import { api, apiKey } from "./api.js";
import { announce, clear, el } from "./dom.js";
import { parseHash } from "./router.js";

const PAGES = {
  search: { title: "Search", load: () => import("./pages/search.js") },
  feed: { title: "For You", load: () => import("./pages/feed.js") },
  review: { title: "Review", load: () => import("./pages/review.js") },
  dashboards: { title: "Dashboards", load: () => import("./pages/dashboards.js") },
  item: { title: "Item", load: () => import("./pages/item.js") },
  library: { title: "Library", load: () => import("./pages/library.js") },
};
const DEFAULT_PAGE = "search";
const view = document.getElementById("view");
let cleanup = null;
let rendering = 0;

function markNav(page) {
  document.querySelectorAll("#nav a[data-page]").forEach((link) => {
    if (link.dataset.page === page) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  });
}

async function render() {
  const route = parseHash();
  if (!PAGES[route.page]) route.page = DEFAULT_PAGE;
  const page = PAGES[route.page];
  const ticket = ++rendering;
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
  markNav(route.page);
  document.title = `${page.title} · ReelStack`;
  announce("");
  clear(view).append(el("p", { class: "hint" }, "Loading…"));
  try {
    const module = await page.load();
    if (ticket !== rendering) return;
    clear(view);
    view.dataset.page = route.page;
    cleanup = await module.render(view, route);
  } catch (error) {
    clear(view).append(el("p", { class: "error" }, `This page failed to load: ${error.message}`));
  }
}

function keyDialog() {
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  const who = document.getElementById("key-whoami");
  const showWho = () =>
    api.get("/v1/whoami").then(
      (me) => (who.textContent = `Signed in as ${me.name} (${me.role}).`),
      (error) => (who.textContent = error.message),
    );
  document.getElementById("key-button").addEventListener("click", () => {
    input.value = apiKey.get();
    showWho();
    dialog.showModal();
  });
  dialog.addEventListener("close", () => {
    if (dialog.returnValue === "save") apiKey.set(input.value.trim());
    if (dialog.returnValue === "clear") apiKey.set("");
    if (dialog.returnValue === "save" || dialog.returnValue === "clear") render();
  });
}

window.addEventListener("hashchange", render);
keyDialog();
render();
