// One task: summary, actions (soft cancel, hard cancel, retry, each confirmed), timeline,
// attempts, payload, result, errors and metadata. Live while it runs: its SSE stream triggers a
// re-read at once, and a poll every second covers a stream that could not be opened.
import { api, readStream } from "./api.js";
import { ago, badge, duration, h, json, notice, progressBar, TERMINAL, table } from "./dom.js";
import { attemptsOf, timeline } from "./timeline.js";

const POLL_MS = 1000;

const ACTIONS = [
	{ label: "Soft cancel", path: "cancel", body: { mode: "soft" }, ask: "Ask the running attempt to stop, then cancel it?", live: true },
	{ label: "Hard cancel", path: "cancel", body: { mode: "hard" }, ask: "Cancel now, aborting any running attempt?", live: true },
	{ label: "Retry", path: "retry", body: {}, ask: "Run this task again as a new attempt?", live: false },
];

function summary(task) {
	const item = (term, value) => [h("dt", { text: term }), h("dd", {}, value)];
	return h(
		"dl",
		{ class: "summary" },
		item("Status", badge(task.status)),
		item("Type", `${task.task_type_display} (${task.task_type})`),
		item("Namespace", task.namespace),
		item("Execution", task.execution),
		item("Attempt", `${task.attempt} of ${task.max_retries + 1}`),
		item("Priority", String(task.priority)),
		item("Progress", [progressBar(task), task.progress?.message ? ` ${task.progress.message}` : ""]),
		item("Created", ago(task.created_at)),
		item("Started", ago(task.started_at)),
		item("Finished", ago(task.completed_at)),
		item("Duration", duration(task.duration_seconds)),
		task.waiting ? item("Waiting for", `${task.waiting.reason ?? ""} ${task.waiting.position ? `(#${task.waiting.position})` : ""}`) : null,
		task.cancel_requested && !TERMINAL.includes(task.status) ? item("Cancel", "requested") : null,
	);
}

function section(title, ...content) {
	return h("section", { class: "card" }, h("h2", { text: title }), ...content);
}

export function renderTask(main, taskId) {
	const head = h("div");
	const actions = h("div", { class: "actions" });
	const outcome = h("div", { "aria-live": "polite" });
	const body = h("div");
	main.append(h("p", {}, h("a", { href: "#/tasks", text: "← All tasks" })), head, actions, outcome, body);
	let stopped = false;
	let timer = null;
	let streaming = false;
	let pending = null;
	const controller = new AbortController();

	function dismiss() {
		pending = null;
		outcome.replaceChildren();
	}

	function confirmAction(action) {
		pending = action;
		const yes = h("button", { type: "button", class: "danger", onclick: () => run(action), text: `Yes, ${action.label.toLowerCase()}` });
		outcome.replaceChildren(
			h(
				"div",
				{ class: "confirm", role: "group", "aria-label": "Confirm" },
				h("span", { text: action.ask }),
				yes,
				h("button", { type: "button", onclick: dismiss, text: "No" }),
			),
		);
		yes.focus();
	}

	async function run(action) {
		pending = null;
		try {
			await api(`/v1/tasks/${encodeURIComponent(taskId)}/${action.path}`, { method: "POST", body: action.body });
			outcome.replaceChildren(notice(`${action.label}: done.`, "ok"));
		} catch (error) {
			outcome.replaceChildren(notice(`${action.label} refused — ${error.message}`, "error"));
		}
		refresh();
	}

	actions.append(
		...ACTIONS.map((action) =>
			h("button", { type: "button", class: action.live ? "danger" : "", onclick: () => confirmAction(action), text: action.label }),
		),
	);

	let shown = "";
	/** Renders the task unless this version with these events is on screen (keeps focus and open details). */
	function show(task, events) {
		const live = !TERMINAL.includes(task.status);
		if (live && !streaming) {
			stream();
		}
		const key = `${task.version}:${events.length}:${task.progress?.percent}:${task.waiting?.reason}`;
		if (key === shown) {
			return live;
		}
		shown = key;
		head.replaceChildren(
			h("h1", {}, badge(task.status), " ", task.task_name),
			h("p", { class: "muted" }, "Task ", h("code", { text: task.task_id })),
		);
		const attempts = attemptsOf(events);
		body.replaceChildren(
			section("Summary", summary(task)),
			section("Timeline", timeline(events)),
			section(
				"Attempts",
				attempts.length
					? table(
							"Attempts",
							["Attempt", "Started", "Ended", "Outcome"],
							attempts.map((a) =>
								h(
									"tr",
									{},
									h("td", { "data-label": "Attempt", text: String(a.attempt) }),
									h("td", { "data-label": "Started" }, ago(a.started)),
									h("td", { "data-label": "Ended" }, ago(a.ended)),
									h("td", { "data-label": "Outcome", text: a.outcome }),
								),
							),
						)
					: notice("No attempt has started yet.", "empty"),
			),
			section("Payload", json(task.payload)),
			section("Result", task.result === null || task.result === undefined ? notice("No result yet.", "empty") : json(task.result)),
			section(
				"Error",
				task.error_code || task.error_message
					? json({ error_code: task.error_code, error_message: task.error_message })
					: notice("No error.", "empty"),
			),
			section("Item errors", task.errors?.length ? json(task.errors) : notice("No item errors.", "empty")),
			section("Metadata", Object.keys(task.metadata ?? {}).length ? json(task.metadata) : notice("No metadata.", "empty")),
		);
		return live;
	}

	async function stream() {
		streaming = true;
		try {
			await readStream(`/v1/tasks/${encodeURIComponent(taskId)}/stream`, () => refresh(), controller.signal);
		} catch {
			// The poll carries on without it.
		}
		streaming = false;
	}

	let loading = false;
	async function refresh() {
		if (loading || stopped) {
			return;
		}
		loading = true;
		clearTimeout(timer);
		let live = true;
		try {
			const id = encodeURIComponent(taskId);
			const [task, { events }] = await Promise.all([api(`/v1/tasks/${id}`), api(`/v1/tasks/${id}/events`)]);
			live = show(task, events);
		} catch (error) {
			if (pending === null) {
				body.replaceChildren(notice(error.status === 404 ? "No such task for this key." : error.message, "error"));
			}
		}
		loading = false;
		if (!stopped) {
			timer = setTimeout(refresh, live ? POLL_MS : POLL_MS * 5);
		}
	}

	refresh();
	return () => {
		stopped = true;
		clearTimeout(timer);
		controller.abort();
	};
}
