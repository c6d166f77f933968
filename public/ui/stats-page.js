// Statistics for a window and namespace: cards from GET /v1/tasks/stats and the chart of tasks
// finished per bucket from GET /v1/tasks/stats/throughput, re-read every few seconds.
import { api, query } from "./api.js";
import { throughputChart } from "./chart.js";
import { duration, field, h, notice } from "./dom.js";

const REFRESH_MS = 5000;
const WINDOWS = [
	["1", "Last hour"],
	["3", "Last 3 hours"],
	["24", "Last 24 hours"],
	["168", "Last 7 days"],
	["720", "Last 30 days"],
];

function card(label, value) {
	return h("div", { class: "stat", "data-stat": label }, h("span", { class: "stat-label", text: label }), h("strong", { text: value }));
}

export function renderStats(main) {
	const hours = h(
		"select",
		{ name: "hours_ago" },
		WINDOWS.map(([v, t]) => h("option", { value: v, text: t, selected: v === "1" })),
	);
	const namespace = h("input", { name: "namespace", placeholder: "all namespaces", autocomplete: "off" });
	const form = h("form", { class: "filters", "aria-label": "Statistics window" }, field("Window", hours), field("Namespace", namespace));
	const cards = h("div", { class: "stats", "aria-live": "polite" });
	const chart = h("section", { class: "card" }, h("h2", { text: "Tasks finished" }));
	main.append(h("h1", { text: "Statistics" }), form, cards, chart);
	let timer = null;
	let stopped = false;
	let drawn = null;

	/** Drawn at the card's width, again whenever the window is resized. */
	function draw() {
		chart.replaceChildren(
			h("h2", { text: "Tasks finished" }),
			drawn === null
				? notice("No task created in this window has finished yet.", "empty")
				: throughputChart(drawn, Math.max(260, chart.clientWidth - 34)),
		);
	}

	async function load() {
		clearTimeout(timer);
		const q = query({ hours_ago: hours.value, namespace: namespace.value.trim() });
		try {
			const [stats, throughput] = await Promise.all([api(`/v1/tasks/stats${q}`), api(`/v1/tasks/stats/throughput${q}`)]);
			cards.replaceChildren(
				card("Running", String(stats.running)),
				card("Completed", String(stats.completed)),
				card("Failed", String(stats.failed)),
				card("Canceled", String(stats.canceled)),
				card("Success rate", stats.success_rate === null ? "—" : `${(stats.success_rate * 100).toFixed(1)}%`),
				card("p50 duration", duration(stats.p50_duration_seconds)),
				card("p95 duration", duration(stats.p95_duration_seconds)),
			);
			drawn = stats.completed + stats.failed + stats.canceled === 0 ? null : throughput;
			draw();
		} catch (error) {
			cards.replaceChildren(notice(error.message, "error"));
		}
		if (!stopped) {
			timer = setTimeout(load, REFRESH_MS);
		}
	}

	form.addEventListener("change", load);
	form.addEventListener("submit", (event) => {
		event.preventDefault();
		load();
	});
	window.addEventListener("resize", draw);
	load();
	return () => {
		stopped = true;
		clearTimeout(timer);
		window.removeEventListener("resize", draw);
	};
}
