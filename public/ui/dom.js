// Small DOM helpers shared by the pages: element building, status badges, times, JSON.

/**
 * An element: `attrs` sets properties for `on…` handlers and `class`/`text`, attributes otherwise;
 * children are nodes, strings, arrays of them, or null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
	const el = document.createElement(tag);
	for (const [name, value] of Object.entries(attrs ?? {})) {
		if (value === undefined || value === null || value === false) {
			continue;
		}
		if (name.startsWith("on")) {
			el.addEventListener(name.slice(2), value);
		} else if (name === "class") {
			el.className = value;
		} else if (name === "text") {
			el.textContent = value;
		} else {
			el.setAttribute(name, value === true ? "" : String(value));
		}
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const child of children) {
		if (Array.isArray(child)) {
			append(el, child);
		} else if (child !== null && child !== undefined && child !== false) {
			el.append(child instanceof Node ? child : String(child));
		}
	}
}

/** Every status with a symbol, so colour is never the only signal. */
const STATUS_SYMBOLS = {
	PENDING: "○",
	SCHEDULED: "◷",
	QUEUED: "…",
	PROCESSING: "▶",
	COMPLETED: "✓",
	COMPLETED_WITH_ERRORS: "⚠",
	FAILED: "✕",
	CANCELED: "⊘",
};

export const STATUSES = Object.keys(STATUS_SYMBOLS);
export const TERMINAL = ["COMPLETED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELED"];

export function badge(status) {
	return h(
		"span",
		{ class: `badge st-${status.toLowerCase()}` },
		h("span", { "aria-hidden": "true", text: STATUS_SYMBOLS[status] ?? "?" }),
		` ${status}`,
	);
}

/** A progress bar with its percentage as text too; a task with no progress shows a dash. */
export function progressBar(task) {
	const percent = task.status === "COMPLETED" ? 100 : task.progress?.percent;
	if (percent === null || percent === undefined) {
		return h("span", { class: "muted", text: "—" });
	}
	const rounded = Math.round(percent);
	const fill = h("span", { class: "fill" });
	fill.style.width = `${Math.min(100, Math.max(0, percent))}%`;
	return h(
		"span",
		{ class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": rounded },
		h("span", { class: "track" }, fill),
		h("span", { class: "pct", text: `${rounded}%` }),
	);
}

/** Seconds as "850 ms", "12.3 s", "4 min 5 s", "2 h 3 min". */
export function duration(seconds) {
	if (seconds === null || seconds === undefined) {
		return "—";
	}
	if (seconds < 1) {
		return `${Math.round(seconds * 1000)} ms`;
	}
	if (seconds < 60) {
		return `${seconds.toFixed(1)} s`;
	}
	if (seconds < 3600) {
		return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
	}
	return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** "3 s ago" (or "in 3 s") from an ISO time, with the exact time as the element's title. */
export function ago(iso) {
	if (!iso) {
		return h("span", { class: "muted", text: "—" });
	}
	const seconds = (Date.now() - Date.parse(iso)) / 1000;
	const span = Math.abs(seconds);
	const amount = span < 60 ? `${Math.round(span)} s` : duration(span).replace(/ \d+ s$/, "");
	// A time to come (a webhook's next try) reads "in 5 s"; a clock a little ahead is "0 s ago".
	const text = seconds < -1 ? `in ${amount}` : `${seconds < 0 ? "0 s" : amount} ago`;
	return h("time", { datetime: iso, title: iso, text });
}

export function json(value) {
	return h("pre", { class: "json", tabindex: 0, text: JSON.stringify(value, null, 2) });
}

/** A message box: role=alert for errors so a screen reader announces them. */
export function notice(text, kind = "info") {
	return h("p", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status", text });
}

export function table(caption, headings, rows) {
	return h(
		"div",
		{ class: "table-wrap" },
		h(
			"table",
			{},
			h("caption", { class: "sr-only", text: caption }),
			h(
				"thead",
				{},
				h(
					"tr",
					{},
					headings.map((t) => h("th", { scope: "col", text: t })),
				),
			),
			h("tbody", {}, rows),
		),
	);
}

export function field(label, control) {
	return h("label", { class: "field" }, h("span", { text: label }), control);
}
