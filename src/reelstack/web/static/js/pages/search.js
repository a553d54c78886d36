// Placeholder until the search page lands.
import { el } from "../dom.js";

export function render(view) {
  view.append(el("h1", {}, "search"), el("p", { class: "hint" }, "Coming soon."));
}
