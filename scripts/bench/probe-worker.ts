// The bench's build of taskplane: the Worker unchanged, plus ProbeObject, a Durable Object that
// does the least a task's object must (be created, write one row) so the bench can measure the
// local runtime's own ceiling beside taskplane. Bound only in the bench's generated config
// (scripts/bench/probe.mjs); production never carries it.
import { DurableObject } from "cloudflare:workers";
import taskplane from "../../src/index";

export * from "../../src/index";

export class ProbeObject extends DurableObject {
	touch(): number {
		this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)");
		return this.ctx.storage.sql.exec("INSERT INTO probe (at) VALUES (?)", Date.now()).rowsWritten;
	}
}

interface ProbeEnv extends Env {
	PROBE: DurableObjectNamespace<ProbeObject>;
}

export default {
	...taskplane,
	async fetch(request, env, ctx) {
		if (new URL(request.url).pathname === "/__probe") {
			const written = await env.PROBE.get(env.PROBE.newUniqueId()).touch();
			return Response.json({ written });
		}
		return taskplane.fetch(request, env, ctx);
	},
} satisfies ExportedHandler<ProbeEnv>;
