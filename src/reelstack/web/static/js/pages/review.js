// Review console: queue depths and SLA breaches, then one leased job at a time (see
// review-job.js for what a job shows), decided or skipped by mouse or keyboard. The open
// job's id is kept in the URL, so a reload resumes it while the lease holds.
import { api } from "../api.js";
import { announce, clear, el, emptyState, fmt, useStylesheet } from "../dom.js";
import { hrefFor, replaceParams } from "../router.js";
import { SEVERE, decisionForm, evidenceColumn, mediaColumn } from "./review-job.js";

const QUEUE_REFRESH_MS = 15000;
const SHORTCUTS = [
  ["N", "take the next job (from the queue chosen, else the most urgent)"],
  ["1 – 6", "choose the action: allow, label, age-restrict, demote, disable, remove (appeals: 1 uphold, 2 overturn)"],
  ["P", "policy picker"],
  ["R", "reason"],
  ["Ctrl + Enter", "decide"],
  ["S", "skip the job (someone else gets it)"],
  ["V", "reveal or hide protected media"],
  ["?", "show these shortcuts"],
];

/** Most urgent first: SLA breaches, then the oldest waiting job. */
function byUrgency(a, b) {
  return b.sla_breaches - a.sla_breaches || b.oldest_age_s - a.oldest_age_s;
}

function queueLabel(q) {
  return q.language ? `${q.queue} (${q.language})` : q.queue;
}

/** Why a request failed, in words a reviewer can act on. */
function explain(error, what) {
  if (error.status === 401) return `${what}: ${error.message}. Set a reviewer key with the API key button.`;
  if (error.status === 403) return `${what} is not allowed for this key: ${error.message}`;
  if (error.status === 409) {
    return `Your lease on this job ran out or it is no longer yours (${error.message}). It went back to the queue; take the next job.`;
  }
  return `${what} failed: ${error.message}`;
}

function takeButtonFor(q, take) {
  const label = `Take next job from ${queueLabel(q)}`;
  return el("button", { type: "button", class: "ghost take", "aria-label": label, onclick: () => take(q) }, "Take");
}

function plural(n, one, many) {
  return `${fmt.number(n)} ${n === 1 ? one : many}`;
}

function queueTable(queues, take) {
  const rows = [...queues].sort(byUrgency).map((q) =>
    el(
      "tr",
      { dataset: { queue: q.queue, language: q.language || "" } },
      el("th", { scope: "row" }, q.queue, q.language ? el("span", { class: "language" }, ` ${q.language}`) : null),
      el("td", { class: "num depth" }, fmt.number(q.depth)),
      el("td", { class: "num optional" }, fmt.number(q.waiting)),
      el("td", { class: "num optional" }, fmt.number(q.leased)),
      el("td", { class: "num" }, fmt.seconds(q.oldest_age_s)),
      el("td", { class: "num" }, el("span", { class: `chip ${q.sla_breaches ? "bad" : "ok"}` }, fmt.number(q.sla_breaches))),
      el("td", {}, takeButtonFor(q, take)),
    ),
  );
  return el(
    "table",
    { class: "queues", "aria-label": "Review queues, most urgent first" },
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { scope: "col" }, "Queue ", el("span", { class: "language" }, "language")),
        el("th", { scope: "col", class: "num" }, "Depth"),
        el("th", { scope: "col", class: "num optional" }, "Waiting"),
        el("th", { scope: "col", class: "num optional" }, "Leased"),
        el("th", { scope: "col", class: "num" }, "Oldest"),
        el("th", { scope: "col", class: "num" }, "Past SLA"),
        el("th", { scope: "col" }, "Next"),
      ),
    ),
    el("tbody", {}, rows),
  );
}

function shortcutsHelp() {
  return el(
    "details",
    { class: "panel shortcuts", id: "review-shortcuts" },
    el("summary", {}, "Keyboard shortcuts"),
    el("dl", { class: "facts" }, SHORTCUTS.flatMap(([key, what]) => [el("dt", {}, el("kbd", {}, key)), el("dd", {}, what)])),
    el("p", { class: "hint" }, "Shortcuts work whenever you are not typing in a field; Ctrl + Enter works in the reason box too."),
  );
}

function dueChip(job) {
  if (!job.due_at) return null;
  const due = (Date.parse(job.due_at) - Date.now()) / 1000;
  const text = due < 0 ? `overdue by ${fmt.seconds(-due)}` : `due in ${fmt.seconds(due)}`;
  return el("span", { class: `chip ${due < 0 ? "bad" : "ok"}` }, text);
}

function jobHeader(job) {
  const lease = el("span", { class: "chip", id: "lease-clock" }, "Lease –");
  const chips = [
    el("span", { class: "chip" }, `queue ${queueLabel(job)}`),
    el("span", { class: "chip" }, job.source),
    el("span", { class: `chip ${(job.severity || 0) >= SEVERE ? "bad" : "warn"}` }, `severity ${job.severity ?? "–"}`),
    dueChip(job),
    lease,
  ];
  const title = job.source === "appeal" ? "Appeal" : "Job";
  const heading = el("h2", { id: "job-title", tabindex: "-1" }, `${title} ${job.id}`);
  return { node: el("header", { class: "job-header" }, heading, el("div", { class: "row" }, chips)), lease };
}

export async function render(view, route) {
  useStylesheet("review");
  const state = { me: null, queues: [], job: null, form: null, media: null, leaseTimer: null };
  const queueBox = el("div", { class: "queue-box" });
  const summary = el("p", { class: "hint", id: "queue-summary" });
  const queuePick = el("select", { id: "review-queue", "aria-label": "Queue to take from" });
  const takeButton = el("button", { type: "button", class: "primary", id: "take-next", "aria-keyshortcuts": "N" }, "Take next job ", el("kbd", {}, "N"));
  const whoami = el("p", { class: "hint" });
  const history = el("ol", { class: "history", "aria-label": "Your decisions in this session" });
  const jobArea = el("div", { class: "job-area" });

  // The job comes first (it is the work); the queues and the session's history below it.
  view.append(
    el("div", { class: "review-title" }, el("h1", {}, "Review"), whoami),
    jobArea,
    el(
      "div",
      { class: "columns sidebar-right review-overview" },
      el(
        "section",
        { class: "panel", "aria-labelledby": "queues-title" },
        el("h2", { id: "queues-title" }, "Queues"),
        summary,
        el("div", { class: "table-scroll" }, queueBox),
      ),
      el(
        "div",
        { class: "stack" },
        el("section", { class: "panel", "aria-labelledby": "history-title" }, el("h2", { id: "history-title" }, "Decided this session"), history),
        shortcutsHelp(),
      ),
    ),
  );

  function showQueues(queues) {
    state.queues = queues;
    const depth = queues.reduce((n, q) => n + q.depth, 0);
    const breaches = queues.reduce((n, q) => n + q.sla_breaches, 0);
    summary.textContent = queues.length
      ? `${plural(depth, "job", "jobs")} in ${plural(queues.length, "queue", "queues")}; ${breaches} past their SLA.`
      : "";
    summary.dataset.depth = String(depth);
    const empty = emptyState("No jobs waiting", "User reports, review verdicts, appeals and quality samples open jobs here.");
    clear(queueBox).append(queues.length ? queueTable(queues, (q) => take([q])) : empty);
    const chosen = queuePick.value;
    const option = (q) => {
      const value = `${q.queue}|${q.language || ""}`;
      return el("option", { value, selected: value === chosen }, `${queueLabel(q)} · ${q.depth}`);
    };
    clear(queuePick).append(el("option", { value: "" }, "Most urgent queue"), ...[...queues].sort(byUrgency).map(option));
  }

  async function loadQueues() {
    try {
      showQueues((await api.get("/v1/review/queues")).queues);
    } catch (error) {
      clear(queueBox).append(emptyState("Queues are not available", explain(error, "Listing the queues")));
    }
  }

  function candidates() {
    if (!queuePick.value) return [...state.queues].sort(byUrgency);
    const [queue, language] = queuePick.value.split("|");
    return [{ queue, language: language || null }];
  }

  /** Lease from the first of `queues` that has a job for this reviewer. */
  async function take(queues = candidates()) {
    if (state.job) return announce("Decide or skip the open job first.", "error");
    if (!queues.length) return announce("No queue has jobs waiting.");
    try {
      for (const q of queues) {
        const { job } = await api.get("/v1/review/next", { queue: q.queue, language: q.language || undefined });
        if (job) return await openJob(job);
      }
      announce(queues.length === 1 ? `No job left for you in ${queueLabel(queues[0])}.` : "No job left for you in any queue.");
      loadQueues();
    } catch (error) {
      announce(explain(error, "Taking a job"), "error");
    }
  }

  async function openJob(job) {
    const kind = job.queue === "ads" ? "ads" : "content";
    const [item, features, policySet] = await Promise.all([
      api.get(`/v1/items/${encodeURIComponent(job.item_id)}`),
      api.get(`/v1/items/${encodeURIComponent(job.item_id)}/features`).then((f) => f.features, () => ({})),
      api.get(`/v1/policies/${kind}`),
    ]);
    state.job = job;
    replaceParams({ job: job.id });
    const header = jobHeader(job);
    state.media = mediaColumn(job, item, features, (job.severity || 0) >= SEVERE);
    state.form = decisionForm(job, policySet, { onDecide: decide, onSkip: skip });
    clear(jobArea).append(
      el(
        "section",
        { class: "panel job", "aria-labelledby": "job-title" },
        header.node,
        el("div", { class: "job-grid" }, state.media.node, evidenceColumn(job, item, features), state.form.node),
      ),
    );
    startLeaseClock(job, header.lease);
    document.getElementById("job-title").focus();
    const keys = job.source === "appeal" ? "1 or 2" : "1 to 6";
    announce(`Job from ${queueLabel(job)} opened: ${job.source}, severity ${job.severity}. Choose with ${keys}.`);
    loadQueues();
  }

  function startLeaseClock(job, chip) {
    clearInterval(state.leaseTimer);
    const ends = Date.parse(job.lease_expires_at);
    const tick = () => {
      const left = Math.round((ends - Date.now()) / 1000);
      if (left > 0) {
        chip.textContent = `lease ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")} left`;
        chip.className = `chip ${left < 60 ? "warn" : ""}`;
        return;
      }
      clearInterval(state.leaseTimer);
      chip.textContent = "lease expired";
      chip.className = "chip bad";
      state.form.disable("Your lease ran out: the job went back to the queue. Take the next job (N).");
      state.job = null;
      announce("Your lease ran out; the job went back to the queue.", "error");
    };
    tick();
    state.leaseTimer = setInterval(tick, 1000);
  }

  function closeJob(refresh = true) {
    clearInterval(state.leaseTimer);
    state.job = state.form = state.media = null;
    replaceParams({});
    const takeForm = el("div", { class: "take" }, el("label", {}, "Take from", queuePick), takeButton);
    const hint = "Take the next job (N): the most urgent queue first, or the one you pick.";
    clear(jobArea).append(el("section", { class: "panel no-job", "aria-label": "Take a job" }, emptyState("No job open", hint), takeForm));
    if (refresh) loadQueues();
  }

  function failed(error, what) {
    if (error.status === 409 || error.status === 404) {
      closeJob();
      announce(explain(error, what), "error");
      takeButton.focus();
    } else {
      state.form.showError(explain(error, what));
      announce(explain(error, what), "error");
    }
  }

  async function decide(body) {
    const job = state.job;
    if (!job) return;
    try {
      const result = await api.post(`/v1/review/jobs/${encodeURIComponent(job.id)}/decision`, body);
      const what = body.outcome
        ? `appeal ${body.outcome === "uphold" ? "upheld" : "overturned"}`
        : `${body.action}${body.policy ? ` under ${body.policy}` : ""}`;
      const link = el("a", { href: hrefFor("item", [job.item_id]) }, job.item_id);
      history.prepend(el("li", {}, link, ` · ${what}`, result.decision_id ? el("span", { class: "hint" }, ` · ${result.decision_id}`) : null));
      closeJob();
      const effect = body.outcome === "uphold" ? "The decision stays in force." : "It applies in search and the feed now.";
      announce(`Decided: ${what}. ${effect}`);
      takeButton.focus();
    } catch (error) {
      failed(error, "The decision");
    }
  }

  async function skip(reason) {
    const job = state.job;
    if (!job) return;
    try {
      await api.post(`/v1/review/jobs/${encodeURIComponent(job.id)}/skip`, { reason });
      closeJob();
      announce(`Skipped job ${job.id}: someone else will get it.`);
      takeButton.focus();
    } catch (error) {
      failed(error, "Skipping");
    }
  }

  async function resume(jobId) {
    try {
      const job = await api.get(`/v1/review/jobs/${encodeURIComponent(jobId)}`);
      if (job.state === "leased" && job.lease_owner === state.me && Date.parse(job.lease_expires_at) > Date.now()) return await openJob(job);
      announce(`Job ${jobId} is no longer yours to decide (${job.state}).`);
    } catch (error) {
      announce(explain(error, "Reopening the job"), "error");
    }
    closeJob();
  }

  function onKey(event) {
    if (event.defaultPrevented || document.querySelector("dialog[open]")) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      if (state.form) {
        event.preventDefault();
        state.form.submit();
      }
      return;
    }
    const typing = event.target.closest && event.target.closest("textarea, select, input:not([type=radio]):not([type=checkbox])");
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key.toLowerCase();
    const form = state.form;
    const actions = {
      n: () => take(),
      "?": () => {
        const help = document.getElementById("review-shortcuts");
        help.open = true;
        help.querySelector("summary").focus();
      },
      p: form && form.focusPolicy,
      r: form && form.focusReason,
      s: form && form.skip,
      v: state.media && state.media.toggleReveal,
    };
    let run = actions[key];
    if (!run && form && /^[1-6]$/.test(key)) run = () => form.choose(Number(key) - 1);
    if (!run) return;
    event.preventDefault();
    run();
  }

  takeButton.addEventListener("click", () => take());
  document.addEventListener("keydown", onKey);
  const refresher = setInterval(loadQueues, QUEUE_REFRESH_MS);

  try {
    const me = await api.get("/v1/whoami");
    state.me = me.name;
    const scope = me.queues && me.queues.length ? ` Your key works the queues ${me.queues.join(", ")}.` : "";
    whoami.textContent = `Reviewing as ${me.name} (${me.role}). Decisions are audited under this name.${scope}`;
  } catch (error) {
    whoami.textContent = explain(error, "Signing in");
  }
  await loadQueues();
  if (route.params.job) await resume(route.params.job);
  else closeJob(false);

  return () => {
    clearInterval(refresher);
    clearInterval(state.leaseTimer);
    document.removeEventListener("keydown", onKey);
  };
}
