// The throughput chart: stacked SVG bars of tasks finished per bucket, by outcome. Each bar
// has a <title> (hover, screen readers) and the totals are written out beside the legend.
import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
export const SERIES = [
	["completed", "Completed"],
	["failed", "Failed"],
	["canceled", "Canceled"],
];

function svg(tag, attrs, ...children) {
	const el = document.createElementNS(SVG, tag);
	for (const [name, value] of Object.entries(attrs)) {
		el.setAttribute(name, String(value));
	}
	el.append(...children);
	return el;
}

function label(start, bucketSeconds) {
	const date = new Date(start);
	const time = date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hour12: false });
	return bucketSeconds >= 86_400 ? date.toLocaleDateString() : time;
}

/**
 * `throughput` as GET /v1/tasks/stats/throughput answers it, drawn `width` px wide (the
 * container's width: one SVG unit per pixel keeps the labels' text at its real size).
 */
export function throughputChart(throughput, width) {
	const { buckets, bucket_seconds: size } = throughput;
	const height = 220;
	const pad = { left: 36, bottom: 24, top: 8 };
	const max = Math.max(1, ...buckets.map((b) => b.completed + b.failed + b.canceled));
	const step = (width - pad.left) / Math.max(1, buckets.length);
	const scale = (n) => (n / max) * (height - pad.bottom - pad.top);
	const chart = svg("svg", {
		viewBox: `0 0 ${width} ${height}`,
		class: "chart",
		role: "img",
		"aria-label": `Tasks finished per ${size >= 86_400 ? "day" : size >= 3600 ? "hour" : "minute"}`,
	});
	chart.append(
		svg("line", { x1: pad.left, x2: width, y1: height - pad.bottom, y2: height - pad.bottom, class: "axis" }),
		svg("text", { x: pad.left - 4, y: pad.top + 10, "text-anchor": "end", class: "tick" }, String(max)),
		svg("text", { x: pad.left - 4, y: height - pad.bottom, "text-anchor": "end", class: "tick" }, "0"),
	);
	// A label every ~70 px at most.
	const every = Math.ceil(buckets.length / Math.max(1, Math.floor((width - pad.left) / 70)));
	buckets.forEach((bucket, i) => {
		let y = height - pad.bottom;
		const x = pad.left + i * step + step * 0.1;
		for (const [key, name] of SERIES) {
			const n = bucket[key];
			if (n > 0) {
				const tall = scale(n);
				y -= tall;
				chart.append(
					svg(
						"rect",
						{ x, y, width: Math.max(1, step * 0.8), height: tall, class: `bar ${key}`, "data-count": n },
						svg("title", {}, `${label(bucket.start, size)}: ${n} ${name.toLowerCase()}`),
					),
				);
			}
		}
		if (i % every === 0 && x + 36 <= width) {
			chart.append(svg("text", { x, y: height - 6, class: "tick" }, label(bucket.start, size)));
		}
	});
	const totals = Object.fromEntries(SERIES.map(([key]) => [key, buckets.reduce((n, b) => n + b[key], 0)]));
	return h(
		"figure",
		{ class: "chart-figure" },
		chart,
		h(
			"figcaption",
			{ class: "legend" },
			SERIES.map(([key, name]) =>
				h(
					"span",
					{ class: `key ${key}`, "data-series": key },
					h("span", { class: "swatch", "aria-hidden": "true" }),
					`${name}: ${totals[key]}`,
				),
			),
		),
	);
}
