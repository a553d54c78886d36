// Placeholder until the dashboards page lands.
import { el } from "../dom.js";

export function render(view) {
  view.append(el("h1", {}, "dashboards"), el("p", { class: "hint" }, "Coming soon."));
}
