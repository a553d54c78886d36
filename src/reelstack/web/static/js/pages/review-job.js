// One review job on screen: the media behind wellness protections, keyframes, on-screen text
// and speech, why the post is here (automation, reports, an appeal beside the original
// decision), detector scores, and the decision form. The review page owns the flow.
import { mediaSrc } from "../api.js";
import { el, facts, fmt } from "../dom.js";
import { hrefFor } from "../router.js";
import { mediaPlayer } from "../widgets.js";

export const ACTIONS = [
  ["allow", "Allow"],
  ["label", "Label"],
  ["age_restrict", "Age-restrict"],
  ["demote", "Demote"],
  ["disable", "Disable"],
  ["remove", "Remove"],
];
export const OUTCOMES = [
  ["uphold", "Uphold the decision"],
  ["overturn", "Overturn (allow the post)"],
];
export const SEVERE = 3;
const WELLNESS_KEY = "reelstack.wellness";
const WELLNESS_DEFAULTS = { blur: true, grey: true, mute: true, always: false };

// -- wellness ---------------------------------------------------------------------------

export const wellness = {
  load() {
    try {
      return { ...WELLNESS_DEFAULTS, ...JSON.parse(localStorage.getItem(WELLNESS_KEY) || "{}") };
    } catch {
      return { ...WELLNESS_DEFAULTS };
    }
  },
  save(prefs) {
    localStorage.setItem(WELLNESS_KEY, JSON.stringify(prefs));
  },
  /** Whether the protections apply to this job: severe policies, or every job if asked. */
  applies(prefs, job) {
    return prefs.always || (job.severity || 0) >= SEVERE;
  },
};

const CHECKS = [
  ["blur", "Blur"],
  ["grey", "Greyscale"],
  ["mute", "Mute"],
  ["always", "For every job"],
];

/** The media column: player and keyframes in a frame the protections apply to. */
export function mediaColumn(job, item, features, isSevere) {
  const prefs = wellness.load();
  const video = mediaPlayer(item);
  // The muted attribute only sets the default when parsed from HTML: set the property too.
  if (video.tagName === "VIDEO") video.muted = prefs.mute && wellness.applies(prefs, job);
  const veil = el("p", { class: "veil-note", "aria-hidden": "true" }, "Hidden for your wellbeing · press V to reveal");
  const frame = el("div", { class: "media-frame" }, video, veil);
  const strip = keyframeStrip(item, features, video);
  const box = el("section", { class: "job-media", "aria-label": "Media" }, frame, strip);
  const reveal = el("button", { type: "button", class: "ghost", "aria-pressed": "false", "aria-keyshortcuts": "V" }, "Reveal media ", el("kbd", {}, "V"));
  const note = el("p", { class: "hint wellness-note" });
  let revealed = false;

  function apply() {
    const current = wellness.load();
    const on = wellness.applies(current, job) && !revealed;
    box.dataset.blur = on && current.blur ? "on" : "off";
    box.dataset.grey = on && current.grey ? "on" : "off";
    const hidden = box.dataset.blur === "on" || box.dataset.grey === "on";
    reveal.hidden = !wellness.applies(current, job) || !(current.blur || current.grey);
    reveal.setAttribute("aria-pressed", String(revealed));
    reveal.firstChild.textContent = revealed ? "Hide media again " : "Reveal media ";
    note.textContent = isSevere
      ? `Severe policy (severity ${job.severity}): protections ${hidden ? "on" : "off"}.`
      : wellness.applies(current, job)
        ? `Protections ${hidden ? "on" : "off"} for every job.`
        : "Protections apply to severe policies (severity ≥ 3).";
  }

  const checks = CHECKS.map(([key, label]) => {
    const input = el("input", { type: "checkbox", name: `wellness-${key}`, checked: wellness.load()[key] });
    input.addEventListener("change", () => {
      const next = { ...wellness.load(), [key]: input.checked };
      wellness.save(next);
      if (key === "mute" && video.tagName === "VIDEO") video.muted = input.checked && wellness.applies(next, job);
      apply();
    });
    return el("label", { class: "check" }, input, label);
  });
  reveal.addEventListener("click", () => {
    revealed = !revealed;
    apply();
  });
  apply();
  const controls = el("fieldset", { class: "wellness" }, el("legend", {}, "Wellness"), el("div", { class: "row" }, ...checks), note, reveal);
  return { node: el("div", { class: "media-column" }, box, controls), toggleReveal: () => reveal.hidden || reveal.click() };
}

function keyframeStrip(item, features, video) {
  const frames = featureValue(features, "keyframes")?.frames || [];
  if (!frames.length) return el("p", { class: "hint" }, "No keyframes (not processed yet, or a text post).");
  const list = el("ol", { class: "keyframes", "aria-label": "Keyframes" });
  frames.forEach((frame, index) => {
    const img = el("img", { alt: "", loading: "lazy", decoding: "async" });
    mediaSrc(`/v1/items/${encodeURIComponent(item.id)}/keyframes/${index}`).then((src) => (img.src = src), () => img.remove());
    const label = `${fmt.number(frame.ts, 1)} s`;
    const seek = () => {
      if (video.tagName !== "VIDEO") return;
      video.currentTime = frame.ts;
      video.focus();
    };
    const button = el("button", { type: "button", class: "keyframe", "aria-label": `Keyframe at ${label}: play from here` }, img, el("span", {}, label));
    button.addEventListener("click", seek);
    list.append(el("li", {}, button));
  });
  return list;
}

// -- evidence ---------------------------------------------------------------------------

function featureValue(features, stage) {
  const value = features && features[stage] ? features[stage].value : null;
  return value && !value.error ? value : null;
}

function featureError(features, stage) {
  const value = features && features[stage] ? features[stage].value : null;
  return value && value.error ? value.error : null;
}

function section(title, ...content) {
  return el("section", { class: "evidence" }, el("h3", {}, title), ...content);
}

function actionChip(action) {
  const tone = ["remove", "disable"].includes(action) ? "bad" : action === "allow" ? "ok" : "warn";
  return el("span", { class: `chip ${tone}` }, action || "–");
}

function postSection(job, item) {
  const creator = item.creator || {};
  return section(
    "Post",
    el("p", { class: "caption" }, item.caption || el("span", { class: "hint" }, "(no caption)")),
    facts([
      ["Creator", creator.handle ? `@${creator.handle} · ${fmt.number(creator.followers)} followers` : null],
      ["Hashtags", (item.hashtags || []).length ? item.hashtags.map((t) => `#${t}`).join(" ") : null],
      ["Language", job.language || item.language],
      ["Posted", fmt.date(item.created_at)],
      ["Post page", el("a", { href: hrefFor("item", [item.id]) }, item.id)],
    ]),
  );
}

function reasonLine(reason) {
  const parts = [reason.policy_id || "–", "→", reason.action || ""];
  if (reason.rule) parts.push(`rule ${reason.rule}`);
  if (reason.detector) parts.push(`· ${reason.detector} ${fmt.score(reason.score)}`);
  if (reason.threshold !== undefined && reason.threshold !== null) parts.push(`≥ ${fmt.score(reason.threshold)}`);
  return el("li", {}, parts.join(" "), reason.evidence ? el("q", {}, String(reason.evidence)) : null);
}

function decisionFacts(decision) {
  const reasons = decision.reasons?.reasons || [];
  return [
    facts([
      ["Action", actionChip(decision.action)],
      ["Policy", decision.policy_id || "–"],
      ["Taken by", decision.source === "manual" ? "a reviewer" : "automation"],
      ["Decision", decision.id],
    ]),
    reasons.length ? el("ul", { class: "reasons" }, reasons.map(reasonLine)) : null,
  ];
}

function whySection(job) {
  const details = job.details || {};
  if (job.source === "appeal") return null; // the appeal section says it
  const body = [];
  if (job.source === "moderation" && details.reason) {
    const r = details.reason;
    const scored = `${r.detector || "a detector"} scored ${fmt.score(r.score)} against a threshold of ${fmt.score(r.threshold)}`;
    body.push(el("p", {}, `Automation sent it to review: ${scored}`, r.evidence ? [" on ", el("q", {}, String(r.evidence))] : null, "."));
  } else if (job.source === "report") {
    body.push(el("p", {}, `Reported by ${fmt.number(details.reports || job.reports?.length || 1)} ${details.reports === 1 ? "person" : "people"}.`));
  } else if (job.source === "sample" || job.sampler) {
    body.push(el("p", {}, `Picked by the ${job.sampler || "random"} sampler for quality review: decide as you would any post.`));
  } else {
    body.push(el("p", {}, `Source: ${job.source}.`));
  }
  if (job.reports && job.reports.length) {
    body.push(el("ul", { class: "reports" }, job.reports.map(reportLine)));
  }
  if (details.priority) body.push(el("p", { class: "hint" }, priorityLine(details.priority)));
  return section("Why it is here", ...body);
}

function reportLine(report) {
  const who = `${report.reporter || "someone"}${report.policy_id ? ` (${report.policy_id})` : ""}: `;
  const words = report.reason ? el("q", {}, report.reason) : el("span", { class: "hint" }, "no reason given");
  return el("li", {}, who, words, el("span", { class: "hint" }, ` · ${fmt.date(report.at)}`));
}

function priorityLine(p) {
  const reports = p.reports > 1 ? ` × reports (${p.reports})` : "";
  return `Priority ${fmt.number(p.priority, 2)} = severity ${p.severity} × reach ${fmt.number(p.reach, 2)} × uncertainty ${fmt.number(p.uncertainty, 2)}${reports}`;
}

function appealSection(job) {
  if (job.source !== "appeal") return null;
  const details = job.details || {};
  const original = details.original || {};
  const appealed = job.decision_in_force && job.decision_in_force.id === details.decision_id ? job.decision_in_force : null;
  return el(
    "section",
    { class: "evidence appeal", "aria-label": "Appeal and the original decision" },
    el(
      "div",
      { class: "appeal-side" },
      el("h3", {}, "The appeal"),
      facts([
        ["Creator", details.creator],
        ["Their reason", details.reason ? el("q", {}, details.reason) : "(none given)"],
      ]),
    ),
    el(
      "div",
      { class: "appeal-side" },
      el("h3", {}, "Original decision"),
      appealed
        ? decisionFacts(appealed)
        : facts([
            ["Action", actionChip(original.action)],
            ["Policy", original.policy_id || "–"],
            ["Taken by", original.reviewer ? `reviewer ${original.reviewer}` : original.source || "–"],
            ["Decision", details.decision_id],
          ]),
    ),
  );
}

function scoreRows(job) {
  const scores = job.decision_in_force?.reasons?.scores || [];
  const rows = scores.length
    ? scores.map((s) => ({ policy: s.policy_id, detector: s.detector, score: s.score, evidence: s.evidence }))
    : Object.entries(job.details?.auto?.scores || {}).map(([policy, score]) => ({ policy, score }));
  return rows.filter((r) => typeof r.score === "number").sort((a, b) => b.score - a.score);
}

function scoreTable(rows) {
  const th = (text, cls) => el("th", { scope: "col", class: cls }, text);
  const row = (r) => {
    const bar = el("span", { class: "bar", style: `--score:${Math.max(0, Math.min(1, r.score))}`, "aria-hidden": "true" });
    return el(
      "tr",
      {},
      el("td", {}, r.policy, r.evidence ? el("div", { class: "hint evidence-text" }, String(r.evidence)) : null),
      el("td", {}, r.detector || "–"),
      el("td", { class: "num" }, bar, fmt.score(r.score)),
    );
  };
  return el(
    "table",
    { class: "scores", "aria-label": "Detector scores, highest first" },
    el("thead", {}, el("tr", {}, th("Policy"), th("Detector"), th("Score", "num"))),
    el("tbody", {}, rows.map(row)),
  );
}

function scoresSection(job) {
  const rows = scoreRows(job);
  const decision = job.source === "appeal" ? null : job.decision_in_force;
  const body = [];
  if (decision) body.push(el("h4", {}, "Decision in force"), ...decisionFacts(decision));
  body.push(rows.length ? scoreTable(rows) : el("p", { class: "hint" }, "No detector scored this post."));
  return section("Detectors", ...body);
}

/** Timed lines (on-screen text, speech): "3.1 s  the words". */
function timedList(entries) {
  return el("ul", { class: "timed" }, entries.map(([ts, text]) => el("li", {}, el("span", { class: "ts" }, `${fmt.number(ts, 1)} s`), text)));
}

function ocrPart(features) {
  const ocr = featureValue(features, "ocr");
  const lines = ocr ? ocr.lines || [] : [];
  if (lines.length) return timedList(lines.map((l) => [l.ts_first, l.text]));
  const error = featureError(features, "ocr");
  return el("p", { class: "hint" }, error ? `OCR failed: ${error}` : ocr?.text || "None found.");
}

function speechPart(features) {
  const asr = featureValue(features, "asr");
  const segments = asr ? asr.segments || [] : [];
  if (segments.length) return timedList(segments.map((s) => [s.start, s.text]));
  const error = featureError(features, "asr");
  const silent = asr?.silent ? `Silent (${asr.reason || "no speech"}).` : "No transcript.";
  return el("p", { class: "hint" }, error ? `Speech recognition failed: ${error}` : silent);
}

function conceptsPart(features) {
  const concepts = featureValue(features, "visual")?.concepts || [];
  if (!concepts.length) return null;
  const chips = concepts.slice(0, 6).map((c) => el("span", { class: "chip" }, `${c.name} ${fmt.percent(c.score, 0)}`));
  return [el("h4", {}, "What it shows"), el("p", { class: "concepts" }, chips)];
}

function textSection(features) {
  return section(
    "Text and speech",
    el("h4", {}, "On-screen text"),
    ocrPart(features),
    el("h4", {}, "Speech"),
    speechPart(features),
    conceptsPart(features),
  );
}

/** The evidence column for a job. */
export function evidenceColumn(job, item, features) {
  return el("div", { class: "evidence-column" }, appealSection(job), postSection(job, item), whySection(job), scoresSection(job), textSection(features));
}

// -- the decision form ------------------------------------------------------------------

function radios(name, choices, legend) {
  const inputs = choices.map(([value, label], index) => {
    const input = el("input", { type: "radio", name, value, "aria-keyshortcuts": String(index + 1) });
    return el("label", { class: "choice" }, input, el("span", {}, label), el("kbd", { "aria-hidden": "true" }, String(index + 1)));
  });
  return el("fieldset", { class: "choices" }, el("legend", {}, legend), ...inputs);
}

function policyOptions(policySet, selected) {
  const select = el("select", { id: "review-policy", name: "policy", "aria-keyshortcuts": "P" });
  select.append(el("option", { value: "" }, "Choose a policy…"));
  const add = (policy, group) => {
    group.append(el("option", { value: policy.id, selected: policy.id === selected }, `${policy.id} — ${policy.name} (severity ${policy.severity})`));
    (policy.children || []).forEach((child) => add(child, group));
  };
  (policySet?.policies || []).forEach((family) => {
    const group = el("optgroup", { label: family.name });
    add(family, group);
    select.append(group);
  });
  if (selected && !select.querySelector(`option[value="${CSS.escape(selected)}"]`)) {
    select.append(el("option", { value: selected, selected: true }, selected));
  }
  return select;
}

/**
 * The decision form: action (or appeal outcome), policy, reason, Decide and Skip.
 * `onDecide(body)` and `onSkip(reason)` return promises; errors are shown by the caller.
 */
export function decisionForm(job, policySet, { onDecide, onSkip }) {
  const appeal = job.source === "appeal";
  const choices = appeal ? radios("outcome", OUTCOMES, "Outcome") : radios("action", ACTIONS, "Action");
  const policy = appeal ? null : policyOptions(policySet, job.policy_id);
  const reason = el("textarea", {
    id: "review-reason",
    name: "reason",
    rows: 3,
    maxlength: 4000,
    "aria-keyshortcuts": "R",
    placeholder: "What you saw — it goes into the statement of reasons",
  });
  const error = el("p", { class: "form-error", role: "alert" });
  const decide = el("button", { type: "submit", class: "primary", "aria-keyshortcuts": "Control+Enter" }, "Decide ", el("kbd", {}, "Ctrl+Enter"));
  const skip = el("button", { type: "button", class: "ghost", "aria-keyshortcuts": "S" }, "Skip ", el("kbd", {}, "S"));
  const form = el(
    "form",
    { class: "panel decision-form", "aria-labelledby": "decision-title", novalidate: true },
    el("h2", { id: "decision-title" }, appeal ? "Decide the appeal" : "Decision"),
    choices,
    appeal ? el("p", { class: "hint" }, `Policy: ${job.policy_id || "–"} (the appealed decision's).`) : el("label", {}, "Policy ", policy),
    el("label", {}, "Reason ", reason),
    error,
    el("div", { class: "row" }, decide, skip),
  );

  const busy = async (action) => {
    decide.disabled = skip.disabled = true;
    error.textContent = "";
    try {
      await action();
    } finally {
      decide.disabled = skip.disabled = false;
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector(`input[name="${appeal ? "outcome" : "action"}"]:checked`);
    if (!chosen) return showError(`Choose ${appeal ? "an outcome" : "an action"} first (keys 1–${appeal ? 2 : 6}).`);
    if (!appeal && chosen.value !== "allow" && !policy.value) return showError("Choose the policy the post breaks (key P).");
    const body = appeal ? { outcome: chosen.value, reason: reason.value } : { action: chosen.value, policy: policy.value || null, reason: reason.value };
    busy(() => onDecide(body));
  });
  skip.addEventListener("click", () => busy(() => onSkip(reason.value)));

  function showError(text) {
    error.textContent = text;
  }

  return {
    node: form,
    showError,
    choose(index) {
      const input = choices.querySelectorAll("input")[index];
      if (!input) return;
      input.checked = true;
      input.focus();
    },
    focusPolicy: () => (policy || reason).focus(),
    focusReason: () => reason.focus(),
    submit: () => form.requestSubmit(),
    skip: () => skip.click(),
    disable(text) {
      decide.disabled = skip.disabled = true;
      showError(text);
    },
  };
}
