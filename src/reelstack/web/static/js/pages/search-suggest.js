// Suggestions as you type: an ARIA 1.2 combobox (the search box) with a listbox popup fed by
// GET /v1/suggest. ArrowDown/ArrowUp move through the options, Enter picks one, Escape
// closes the list; typing is debounced and a newer request aborts the older one.
import { api } from "../api.js";
import { clear, el, guarded } from "../dom.js";

export const SUGGESTIONS = 8;
const DELAY_MS = 150;

/** Completions, related searches and (for an empty box) trending queries, without repeats. */
export function suggestionOptions(data, { trending = !data.query.trim() } = {}) {
  const options = [
    ...data.completions.map((c) => ({ text: c.text, source: c.source })),
    ...data.related.map((text) => ({ text, source: "related" })),
    ...(trending ? data.trending.map((t) => ({ text: t.query, source: "trending" })) : []),
  ];
  const seen = new Set();
  return options.filter((o) => !seen.has(o.text) && seen.add(o.text)).slice(0, SUGGESTIONS);
}

function optionNode(option, n, pick) {
  return el(
    "li",
    {
      id: `suggestion-${n}`,
      role: "option",
      "aria-selected": "false",
      onmousedown: (event) => event.preventDefault(), // keep focus in the box
      onclick: () => pick(n),
    },
    el("span", { class: "suggestion-text" }, option.text),
    el("span", { class: "suggestion-source" }, option.source),
  );
}

/**
 * Wire `input` (role=combobox) to `list` (role=listbox); `choose(text)` runs when an option
 * is picked. Returns {close, destroy}.
 */
export function combobox(input, list, choose) {
  let options = [];
  let active = -1;
  let timer = 0;
  let inflight = null;

  const setActive = (index) => {
    active = index;
    [...list.children].forEach((node, n) => node.setAttribute("aria-selected", String(n === index)));
    const node = list.children[index];
    if (!node) return input.removeAttribute("aria-activedescendant");
    input.setAttribute("aria-activedescendant", node.id);
    return node.scrollIntoView({ block: "nearest" });
  };
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    setActive(-1);
  };
  const pick = (index) => {
    const option = options[index];
    close();
    if (option) choose(option.text);
  };
  const show = (found) => {
    options = found;
    clear(list).append(...options.map((option, n) => optionNode(option, n, pick)));
    list.hidden = !options.length;
    input.setAttribute("aria-expanded", String(options.length > 0));
    setActive(-1);
  };
  const fetchNow = async () => {
    if (inflight) inflight.abort();
    inflight = new AbortController();
    const typed = input.value;
    const params = { q: typed, limit: SUGGESTIONS };
    const data = await guarded(() => api.get("/v1/suggest", params, { signal: inflight.signal }), "Suggestions");
    if (data && input.value === typed && document.activeElement === input) show(suggestionOptions(data));
  };
  const fetchSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(fetchNow, DELAY_MS);
  };
  const onKey = (event) => {
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
    if (event.key === "Escape" && open) {
      event.preventDefault(); // the first Escape closes the list, the next clears the box
      return close();
    }
    return undefined;
  };

  input.addEventListener("input", fetchSoon);
  input.addEventListener("focus", fetchSoon);
  input.addEventListener("keydown", onKey);
  input.addEventListener("blur", () => {
    clearTimeout(timer);
    close();
  });
  return {
    close,
    destroy: () => {
      clearTimeout(timer);
      if (inflight) inflight.abort();
    },
  };
}
