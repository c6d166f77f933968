// Namespaces: ready and running counts, oldest wait, limits, and pause/resume (admin keys).
import { api, query } from "./api.js";
import { duration, h, notice, table } from "./dom.js";

const REFRESH_MS = 2000;

function limitsText(rateLimits) {
	const entries = Object.entries(rateLimits ?? {});
	return entries.length ? entries.map(([type, r]) => `${type}: ${r.per_second}/s, burst ${r.burst}`).join("; ") : "none";
}

export function renderNamespaces(main) {
	const outcome = h("div", { "aria-live": "polite" });
	const body = h("div");
	main.append(h("h1", { text: "Namespaces" }), outcome, body);
	let timer = null;
	let stopped = false;

	async function toggle(ns) {
		const verb = ns.paused ? "resume" : "pause";
		try {
			await api(`/v1/namespaces/${encodeURIComponent(ns.namespace)}/${verb}`, { method: "POST" });
			outcome.replaceChildren(notice(`${ns.namespace}: ${ns.paused ? "resumed" : "paused"}.`, "ok"));
		} catch (error) {
			outcome.replaceChildren(notice(`Could not ${verb} ${ns.namespace} — ${error.message}`, "error"));
		}
		load();
	}

	function row(ns) {
		const cell = (label, ...content) => h("td", { "data-label": label }, ...content);
		return h(
			"tr",
			{ "data-namespace": ns.namespace },
			cell("Namespace", h("strong", { text: ns.namespace })),
			cell("State", h("span", { class: `badge ${ns.paused ? "st-paused" : "st-active"}`, text: ns.paused ? "‖ PAUSED" : "▶ ACTIVE" })),
			cell("Ready", String(ns.ready)),
			cell("Running", String(ns.running)),
			cell("Oldest wait", ns.ready ? duration(ns.oldest_wait_seconds) : "—"),
			cell("Max concurrency", String(ns.max_concurrency)),
			cell("Rate limits", limitsText(ns.rate_limits)),
			cell(
				"Action",
				h("button", {
					type: "button",
					"data-focus": `ns-${ns.namespace}`,
					onclick: () => toggle(ns),
					text: ns.paused ? "Resume" : "Pause",
				}),
			),
		);
	}

	async function load() {
		clearTimeout(timer);
		try {
			const { namespaces } = await api(`/v1/namespaces${query({ limit: 100 })}`);
			const focused = document.activeElement?.getAttribute("data-focus");
			body.replaceChildren(
				namespaces.length === 0
					? notice("No namespaces yet: one appears when its first task is created.", "empty")
					: table(
							"Namespaces",
							["Namespace", "State", "Ready", "Running", "Oldest wait", "Max concurrency", "Rate limits", "Action"],
							namespaces.map(row),
						),
			);
			if (focused) {
				body.querySelector(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
			}
		} catch (error) {
			body.replaceChildren(notice(error.message, "error"));
		}
		if (!stopped) {
			timer = setTimeout(load, REFRESH_MS);
		}
	}

	load();
	return () => {
		stopped = true;
		clearTimeout(timer);
	};
}
