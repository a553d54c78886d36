// Placeholder until the feed page lands.
import { el } from "../dom.js";

export function render(view) {
  view.append(el("h1", {}, "feed"), el("p", { class: "hint" }, "Coming soon."));
}
