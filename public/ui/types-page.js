// Task types (GET /v1/task-types) with their defaults and built-in handlers.
import { api } from "./api.js";
import { h, notice, table } from "./dom.js";

export function renderTypes(main) {
	const body = h("div", {}, notice("Loading…"));
	main.append(h("h1", { text: "Task types" }), body);
	api("/v1/task-types").then(
		({ task_types: types }) => {
			const cell = (label, text) => h("td", { "data-label": label, text });
			body.replaceChildren(
				types.length === 0
					? notice("No task types are registered.", "empty")
					: table(
							"Task types",
							["Type", "Name", "Patterns", "Max retries", "Timeout", "Execution", "Built-in handlers"],
							types.map((t) =>
								h(
									"tr",
									{},
									cell("Type", t.type),
									cell("Name", t.display),
									cell("Patterns", t.patterns.join(", ") || "—"),
									cell("Max retries", String(t.defaults.max_retries)),
									cell("Timeout", `${t.defaults.timeout_seconds} s`),
									cell("Execution", t.execution ?? "by task"),
									cell("Built-in handlers", t.handlers.join(", ") || "—"),
								),
							),
						),
			);
		},
		(error) => body.replaceChildren(notice(error.message, "error")),
	);
}
