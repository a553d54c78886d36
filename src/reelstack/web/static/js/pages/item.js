// Placeholder until the item page lands.
import { el } from "../dom.js";

export function render(view) {
  view.append(el("h1", {}, "item"), el("p", { class: "hint" }, "Coming soon."));
}
