// Webhook subscriptions (GET /v1/webhooks) and a subscription's delivery log
// (GET /v1/webhooks/{id}/deliveries, paged by cursor; redeliver). A refusal is shown as the API
// wrote it: a 404 here is a subscription deleted since the list was read, not a missing feature.
import { api, query } from "./api.js";
import { ago, h, notice, table } from "./dom.js";

const DELIVERY_SYMBOLS = { pending: "…", delivered: "✓", failed: "✕", dead_letter: "⊘" };

const text = (value) =>
	value === null || value === undefined || value === "" ? "—" : Array.isArray(value) ? value.join(", ") : String(value);
const cell = (label, value) => h("td", { "data-label": label }, value);

function failure(error) {
	return notice(error.message, "error");
}

function state(webhook) {
	if (!webhook.enabled) {
		return h("span", { class: "badge st-failed", text: `✕ disabled${webhook.disabled_reason ? `: ${webhook.disabled_reason}` : ""}` });
	}
	if (webhook.failing_since) {
		return h("span", {
			class: "badge st-completed_with_errors",
			text: `⚠ failing since ${new Date(webhook.failing_since).toLocaleString()}`,
		});
	}
	return h("span", { class: "badge st-completed", text: "✓ active" });
}

function deliveryRow(webhook, delivery, reload) {
	// The reload redraws the log, so the outcome goes with it rather than into the old one.
	const redeliver = async () => {
		try {
			await api(`/v1/webhooks/${encodeURIComponent(webhook.id)}/deliveries/${encodeURIComponent(delivery.id)}/redeliver`, {
				method: "POST",
			});
			reload(notice("Redelivery queued.", "ok"));
		} catch (error) {
			reload(notice(`Redeliver refused — ${error.message}`, "error"));
		}
	};
	return h(
		"tr",
		{ "data-delivery-id": delivery.id },
		cell("Event", delivery.event_type),
		cell(
			"Status",
			h("span", { class: `badge dl-${delivery.status}`, text: `${DELIVERY_SYMBOLS[delivery.status] ?? ""} ${delivery.status}` }),
		),
		cell("Attempts", text(delivery.attempts)),
		cell("Response", delivery.response_status ? `${delivery.response_status} in ${delivery.response_ms} ms` : text(delivery.last_error)),
		cell("Last try", ago(delivery.last_attempt_at)),
		cell("Next try", ago(delivery.next_attempt_at)),
		cell("Task", delivery.task_id ? h("a", { href: `#/tasks/${encodeURIComponent(delivery.task_id)}`, text: delivery.task_id }) : "—"),
		cell("Action", h("button", { type: "button", onclick: redeliver, text: "Redeliver" })),
	);
}

function showDeliveries(webhook, box, cursor = null, message = null) {
	const outcome = h("div", { "aria-live": "polite" }, message);
	const reload = (next) => showDeliveries(webhook, box, cursor, next);
	api(`/v1/webhooks/${encodeURIComponent(webhook.id)}/deliveries${query({ limit: 25, cursor })}`).then(
		(page) => {
			box.replaceChildren(
				h("h2", { text: `Deliveries to ${webhook.url}` }),
				outcome,
				page.deliveries.length === 0
					? notice("No deliveries yet.", "empty")
					: table(
							"Deliveries",
							["Event", "Status", "Attempts", "Response", "Last try", "Next try", "Task", "Action"],
							page.deliveries.map((d) => deliveryRow(webhook, d, reload)),
						),
				// replaceChildren, unlike h(), would print a null.
				...(page.next_cursor
					? [h("button", { type: "button", onclick: () => showDeliveries(webhook, box, page.next_cursor), text: "Older →" })]
					: []),
			);
		},
		(error) => box.replaceChildren(failure(error)),
	);
}

export function renderWebhooks(main) {
	const body = h("div", {}, notice("Loading…"));
	const detail = h("section", { class: "card" });
	detail.hidden = true;
	main.append(h("h1", { text: "Webhooks" }), body, detail);
	api("/v1/webhooks").then(
		({ webhooks }) => {
			const open = (webhook) => () => {
				detail.hidden = false;
				detail.replaceChildren(notice("Loading deliveries…"));
				showDeliveries(webhook, detail);
			};
			body.replaceChildren(
				webhooks.length === 0
					? notice("No webhook subscriptions yet: create one with POST /v1/webhooks (see /docs).", "empty")
					: table(
							"Webhook subscriptions",
							["URL", "Events", "Filters", "State", "Created", "Deliveries"],
							webhooks.map((w) =>
								h(
									"tr",
									{ "data-webhook-id": w.id },
									cell("URL", h("code", { text: w.url })),
									cell("Events", text(w.events)),
									cell(
										"Filters",
										[w.namespace && `namespace ${w.namespace}`, w.task_type && `type ${w.task_type}`].filter(Boolean).join(", ") ||
											"all tasks",
									),
									cell("State", state(w)),
									cell("Created", ago(w.created_at)),
									cell("Deliveries", h("button", { type: "button", onclick: open(w), text: "Show" })),
								),
							),
						),
			);
		},
		(error) => body.replaceChildren(failure(error)),
	);
}
