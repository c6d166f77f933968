// The dashboard's entry: asks for a key once, then routes #/… to a page. Each page renders into
// <main> and returns a function that stops its timers and streams when the user leaves it.
import { forgetKey, storedKey, storeKey } from "./api.js";
import { field, h } from "./dom.js";
import { renderNamespaces } from "./namespaces-page.js";
import { renderStats } from "./stats-page.js";
import { renderTask } from "./task-page.js";
import { renderTasks } from "./tasks-page.js";
import { renderTypes } from "./types-page.js";
import { renderWebhooks } from "./webhooks-page.js";

const ROUTES = [
	[/^#\/tasks\/([^/?]+)$/, (main, m) => renderTask(main, decodeURIComponent(m[1]))],
	[/^#\/stats$/, renderStats],
	[/^#\/namespaces$/, renderNamespaces],
	[/^#\/types$/, renderTypes],
	[/^#\/webhooks$/, renderWebhooks],
	[/^#\/tasks(\?.*)?$/, (main, m) => renderTasks(main, new URLSearchParams(m[1]?.slice(1) ?? ""))],
];

let leave = () => {};

function keyForm(main) {
	const input = h("input", { type: "password", id: "api-key", autocomplete: "off", spellcheck: "false", placeholder: "tp_…" });
	const form = h(
		"form",
		{
			class: "card key-form",
			onsubmit: (event) => {
				event.preventDefault();
				storeKey(input.value.trim());
				route();
			},
		},
		h("h1", { text: "Sign in with an API key" }),
		h("p", {
			text: "The key stays in this tab (session storage) and is sent only to this server as a Bearer header. Leave it empty under `npm start` to use the keyless dev tenant.",
		}),
		field("API key", input),
		h("button", { type: "submit", text: "Open dashboard" }),
	);
	main.replaceChildren(form);
	input.focus();
}

function route(event) {
	const moved = event?.type === "hashchange";
	leave();
	leave = () => {};
	const main = document.getElementById("main");
	const nav = document.getElementById("nav");
	if (storedKey() === null) {
		nav.hidden = true;
		keyForm(main);
		return;
	}
	nav.hidden = false;
	const hash = location.hash || "#/tasks";
	for (const link of nav.querySelectorAll("a")) {
		const current = hash === link.getAttribute("href") || (link.getAttribute("href") === "#/tasks" && hash.startsWith("#/tasks"));
		link.toggleAttribute("aria-current", current);
		if (current) {
			link.setAttribute("aria-current", "page");
		}
	}
	for (const [pattern, render] of ROUTES) {
		const match = pattern.exec(hash);
		if (match) {
			main.replaceChildren();
			leave = render(main, match) ?? (() => {});
			// A screen reader or keyboard user starts at the new page, not at the link they left.
			if (moved) {
				main.focus({ preventScroll: true });
			}
			return;
		}
	}
	location.hash = "#/tasks";
}

document.getElementById("sign-out").addEventListener("click", () => {
	forgetKey();
	route();
});
window.addEventListener("hashchange", route);
route();
