// Webhook subscriptions (GET /v1/webhooks) and a subscription's deliveries
// (GET /v1/webhooks/{id}/deliveries). A server without webhooks answers 404: the page says so.
import { api } from "./api.js";
import { ago, h, json, notice, table } from "./dom.js";

const UNAVAILABLE = "Webhooks are not available on this server yet.";

function text(value) {
	return value === null || value === undefined || value === "" ? "—" : Array.isArray(value) ? value.join(", ") : String(value);
}

/** The first array in a list answer ({webhooks: [...]}, {deliveries: [...]}, or a bare array). */
function itemsOf(body) {
	return Array.isArray(body) ? body : (Object.values(body ?? {}).find(Array.isArray) ?? []);
}

function deliveries(webhook, box) {
	box.replaceChildren(notice("Loading deliveries…"));
	api(`/v1/webhooks/${encodeURIComponent(webhook.id)}/deliveries`).then(
		(body) => {
			const list = itemsOf(body);
			const cell = (label, value) => h("td", { "data-label": label }, value);
			box.replaceChildren(
				h("h2", { text: `Deliveries of ${webhook.url ?? webhook.id}` }),
				list.length === 0
					? notice("No deliveries yet.", "empty")
					: table(
							"Deliveries",
							["Event", "Status", "Attempts", "Response", "Last try", "Next try", "Task"],
							list.map((d) =>
								h(
									"tr",
									{},
									cell("Event", text(d.event_type ?? d.event ?? d.type)),
									cell("Status", h("span", { class: "badge", text: text(d.status) })),
									cell("Attempts", text(d.attempts)),
									cell("Response", text(d.response_status ?? d.response_code)),
									cell("Last try", ago(d.last_attempt_at ?? d.updated_at ?? d.created_at)),
									cell("Next try", text(d.next_attempt_at ?? d.next_try_at)),
									cell("Task", d.task_id ? h("a", { href: `#/tasks/${encodeURIComponent(d.task_id)}`, text: d.task_id }) : "—"),
								),
							),
						),
			);
		},
		(error) => box.replaceChildren(notice(error.status === 404 ? UNAVAILABLE : error.message, error.status === 404 ? "empty" : "error")),
	);
}

export function renderWebhooks(main) {
	const body = h("div", {}, notice("Loading…"));
	const detail = h("section", { class: "card", "aria-live": "polite" });
	detail.hidden = true;
	main.append(h("h1", { text: "Webhooks" }), body, detail);
	api("/v1/webhooks").then(
		(answer) => {
			const list = itemsOf(answer);
			const cell = (label, value) => h("td", { "data-label": label }, value);
			const open = (webhook) => () => {
				detail.hidden = false;
				deliveries(webhook, detail);
			};
			body.replaceChildren(
				list.length === 0
					? notice("No webhook subscriptions yet: create one with POST /v1/webhooks (see /docs).", "empty")
					: table(
							"Webhook subscriptions",
							["URL", "Events", "Filters", "State", "Deliveries"],
							list.map((w) =>
								h(
									"tr",
									{},
									cell("URL", h("code", { text: text(w.url) })),
									cell("Events", text(w.events)),
									cell("Filters", text([w.namespace, w.task_type].filter(Boolean).join(", ") || "all tasks")),
									cell("State", w.disabled_at || w.disabled ? `disabled ${text(w.disabled_reason)}` : "active"),
									cell("Deliveries", h("button", { type: "button", onclick: open(w), text: "Show" })),
								),
							),
						),
				list.length ? h("details", {}, h("summary", { text: "Raw answer" }), json(answer)) : null,
			);
		},
		(error) => body.replaceChildren(notice(error.status === 404 ? UNAVAILABLE : error.message, error.status === 404 ? "empty" : "error")),
	);
}
