// Placeholder until the review page lands.
import { el } from "../dom.js";

export function render(view) {
  view.append(el("h1", {}, "review"), el("p", { class: "hint" }, "Coming soon."));
}
