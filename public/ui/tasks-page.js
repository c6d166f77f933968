// The tasks table: the list's filters (kept in the URL), paging, and live rows. The list comes
// from history, which trails a running task by a few seconds, so each live row on the page is
// also read from its task (GET /v1/tasks/{id}) on every tick: progress moves as it is reported.
import { api, query } from "./api.js";
import { ago, badge, duration, field, h, notice, progressBar, STATUSES, TERMINAL, table } from "./dom.js";

const PAGE_SIZE = 25;
const TICK_MS = 1000;
/** Live rows read from their tasks per tick, at most: the rest wait for history. */
const LIVE_READS = 20;
const WINDOWS = [
	["", "Any time"],
	["1", "Last hour"],
	["24", "Last 24 hours"],
	["168", "Last 7 days"],
	["720", "Last 30 days"],
];
const FILTERS = ["status", "task_type", "task_name", "namespace", "metadata", "hours_ago"];

/** The list's query from the filters: a name becomes a prefix, "k=v, k2=v2" metadata pairs. */
function listQuery(filters, offset) {
	const params = { limit: PAGE_SIZE, offset, status: filters.status, task_type: filters.task_type, namespace: filters.namespace };
	params.hours_ago = filters.hours_ago;
	if (filters.task_name) {
		params.task_name = filters.task_name.endsWith("*") ? filters.task_name : `${filters.task_name}*`;
	}
	for (const pair of (filters.metadata ?? "").split(",")) {
		const [key, ...value] = pair.split("=");
		if (key?.trim() && value.length > 0) {
			params[`metadata.${key.trim()}`] = value.join("=").trim();
		}
	}
	return query(params);
}

function select(name, options, value) {
	return h(
		"select",
		{ name },
		options.map(([v, label]) => h("option", { value: v, text: label, selected: v === value })),
	);
}

function filterForm(filters) {
	const input = (name, placeholder) => h("input", { name, value: filters[name] ?? "", placeholder, autocomplete: "off" });
	const form = h(
		"form",
		{ class: "filters", role: "search", "aria-label": "Filter tasks" },
		field("Status", select("status", [["", "Any"], ...STATUSES.map((s) => [s, s])], filters.status ?? "")),
		field("Type", input("task_type", "etl")),
		field("Name starts with", input("task_name", "demo.")),
		field("Namespace", input("namespace", "default")),
		field("Metadata", input("metadata", "key=value, …")),
		field("Created", select("hours_ago", WINDOWS, filters.hours_ago ?? "")),
		h("button", { type: "submit", text: "Apply" }),
	);
	form.addEventListener("submit", (event) => {
		event.preventDefault();
		const data = new FormData(form);
		const params = new URLSearchParams();
		for (const name of FILTERS) {
			const value = String(data.get(name) ?? "").trim();
			if (value) {
				params.set(name, value);
			}
		}
		location.hash = `#/tasks${params.size ? `?${params}` : ""}`;
	});
	return form;
}

function row(task) {
	const cell = (label, ...content) => h("td", { "data-label": label }, ...content);
	const age = TERMINAL.includes(task.status)
		? duration(task.duration_seconds)
		: duration((Date.now() - Date.parse(task.created_at)) / 1000);
	return h(
		"tr",
		{ "data-task-id": task.task_id, "data-status": task.status },
		cell("Status", badge(task.status)),
		cell("Name", h("a", { href: `#/tasks/${encodeURIComponent(task.task_id)}`, "data-focus": task.task_id, text: task.task_name })),
		cell("Type", task.task_type),
		cell("Namespace", task.namespace),
		cell("Attempt", String(task.attempt)),
		cell("Progress", progressBar(task)),
		cell("Created", ago(task.created_at)),
		cell(TERMINAL.includes(task.status) ? "Duration" : "Running for", age),
	);
}

export function renderTasks(main, params) {
	const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? undefined]));
	let offset = Number(params.get("offset") ?? 0) || 0;
	const status = h("div", { "aria-live": "polite" });
	const body = h("div");
	const pager = h("nav", { class: "pager", "aria-label": "Pages of tasks" });
	main.append(h("h1", { text: "Tasks" }), filterForm(filters), status, body, pager);
	let timer = null;
	let stopped = false;
	const controller = new AbortController();

	async function load() {
		const page = await api(`/v1/tasks${listQuery(filters, offset)}`, { signal: controller.signal });
		const live = page.tasks.filter((t) => !TERMINAL.includes(t.status)).slice(0, LIVE_READS);
		const fresh = await Promise.all(live.map((t) => api(`/v1/tasks/${t.task_id}`, { signal: controller.signal }).catch(() => t)));
		const byId = new Map(fresh.map((t) => [t.task_id, t]));
		return { ...page, tasks: page.tasks.map((t) => byId.get(t.task_id) ?? t) };
	}

	function show(page) {
		const focused = document.activeElement?.getAttribute("data-focus");
		status.replaceChildren();
		if (page.tasks.length === 0) {
			body.replaceChildren(notice(offset > 0 ? "No tasks on this page." : "No tasks match these filters yet.", "empty"));
		} else {
			body.replaceChildren(
				table(
					"Tasks",
					["Status", "Name", "Type", "Namespace", "Attempt", "Progress", "Created", "Duration / running"],
					page.tasks.map(row),
				),
			);
		}
		const last = offset + page.tasks.length;
		const go = (to) => () => {
			offset = Math.max(0, to);
			tick();
		};
		pager.replaceChildren(
			h("button", { type: "button", disabled: offset === 0, onclick: go(offset - PAGE_SIZE), text: "← Newer" }),
			h("span", { text: page.tasks.length ? `${offset + 1}–${last} of ${page.total}${page.total_capped ? "+" : ""}` : "" }),
			h("button", { type: "button", disabled: last >= page.total, onclick: go(offset + PAGE_SIZE), text: "Older →" }),
		);
		if (focused) {
			main.querySelector(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
		}
	}

	let running = false;
	let again = false;
	// One load at a time: a page change during a load runs right after it.
	async function tick() {
		clearTimeout(timer);
		if (running) {
			again = true;
			return;
		}
		running = true;
		try {
			show(await load());
		} catch (error) {
			if (!stopped) {
				status.replaceChildren(notice(error.message, "error"));
			}
		}
		running = false;
		if (!stopped) {
			timer = setTimeout(tick, again ? 0 : TICK_MS);
			again = false;
		}
	}

	tick();
	return () => {
		stopped = true;
		clearTimeout(timer);
		controller.abort();
	};
}
