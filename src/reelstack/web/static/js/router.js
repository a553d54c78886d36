// Hash routes: "#/search?q=cat" -> page "search", params {q: "cat"}; "#/item/ID" -> page
// "item", path ["ID"]. Hash routing keeps the console one static file served at "/".

export function parseHash(hash = location.hash) {
  const [route, query = ""] = hash.replace(/^#\/?/, "").split("?");
  const [page = "", ...path] = route.split("/").filter(Boolean).map(decodeURIComponent);
  return { page, path, params: Object.fromEntries(new URLSearchParams(query)) };
}

export function hrefFor(page, path = [], params = {}) {
  const query = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ""),
  ).toString();
  const route = [page, ...path.map(encodeURIComponent)].join("/");
  return `#/${route}${query ? `?${query}` : ""}`;
}

/** Go to another page (adds a history entry and renders it). */
export function navigate(page, path = [], params = {}) {
  location.hash = hrefFor(page, path, params);
}

/** Record the current page's state in the URL without re-rendering (shareable, back-safe). */
export function replaceParams(params) {
  const { page, path } = parseHash();
  history.replaceState(null, "", hrefFor(page, path, params));
}
