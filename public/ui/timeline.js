// A task's events (GET /v1/tasks/{id}/events) as a timeline, and its attempts read from them.
import { badge, h, json, notice } from "./dom.js";

export function timeline(events) {
	if (events.length === 0) {
		return notice("No events yet.", "empty");
	}
	return h(
		"ol",
		{ class: "timeline" },
		events.map((e) =>
			h(
				"li",
				{ "data-type": e.type },
				h("time", { datetime: e.at, text: `${new Date(e.at).toLocaleTimeString(undefined, { hour12: false })}.${e.at.slice(20, 23)}` }),
				h("span", { class: "event-type", text: e.type }),
				e.to_status ? h("span", { class: "transition" }, e.from_status ? [badge(e.from_status), " → "] : "", badge(e.to_status)) : null,
				h("span", { class: "event-message", text: e.message }),
				e.data && Object.keys(e.data).length ? h("details", {}, h("summary", { text: "data" }), json(e.data)) : null,
			),
		),
	);
}

/** Attempts: each entry into PROCESSING starts one; the next move out of PROCESSING ends it. */
export function attemptsOf(events) {
	const attempts = [];
	for (const e of events) {
		if (e.to_status === "PROCESSING" && e.from_status !== "PROCESSING") {
			attempts.push({ attempt: attempts.length + 1, started: e.at, ended: null, outcome: "running" });
		} else if (e.from_status === "PROCESSING" && e.to_status && e.to_status !== "PROCESSING") {
			const current = attempts.at(-1);
			if (current && current.ended === null) {
				current.ended = e.at;
				current.outcome = e.to_status === "SCHEDULED" ? `failed, retry scheduled: ${e.message}` : `${e.to_status}: ${e.message}`;
			}
		}
	}
	return attempts;
}
