import { describe, expect, it } from "vitest";
import {
	BUILTIN_REGISTRY,
	OTHER_TYPE,
	resolveType,
	TASK_TYPES,
	type TaskTypeDefinition,
	taskTypeOf,
	typeNamed,
	typeOfTask,
	typeRegistry,
} from "../src/execute/task-types";

describe("taskTypeOf with the built-in registry", () => {
	it.each([
		["send_email", "email", "Email"],
		["VideoTranscoding", "VideoTranscoding", "Video Transcoding"],
		["EmbeddingGeneration", "EmbeddingGeneration", "Embedding Generation"],
		["train_model", "ml_training", "ML Training"],
		["tasks.create_message", "messages", "Messages"],
	])("exact name %s → %s", (name, type, display) => {
		expect(taskTypeOf(name)).toMatchObject({ type, display });
	});

	it.each([
		["etl.process_etl_file", "etl"],
		["etl_nightly", "etl"],
		["import.csv", "import_template"],
		["integration_rule.sync", "integration_rule"],
		["ml.fit", "ml_training"],
		["embedding_generation.batch", "EmbeddingGeneration"],
		["embedding.batch", "embedding"],
		["demo.sleep", "demo"],
		["messages.create", "messages"],
	])("prefix %s → %s", (name, type) => {
		expect(taskTypeOf(name).type).toBe(type);
	});

	it.each(["nothing.known", "etl", "send_email_later", "Demo.sleep", ""])("%j → other", (name) => {
		expect(taskTypeOf(name)).toBe(OTHER_TYPE);
		expect(OTHER_TYPE).toMatchObject({ type: "other", display: "Other" });
	});

	it("gives a type's defaults: ML training runs longer than the 1800 s default", () => {
		expect(taskTypeOf("ml.fit").timeout_seconds).toBe(6 * 3600);
		expect(taskTypeOf("demo.sleep")).toMatchObject({ timeout_seconds: 1800, max_retries: 3 });
	});

	it("no two built-in types claim the same pattern", () => {
		const patterns = TASK_TYPES.flatMap((t) => t.patterns);
		expect(new Set(patterns).size).toBe(patterns.length);
	});
});

describe("taskTypeOf precedence, with overlapping patterns", () => {
	const def = (type: string, patterns: string[]): TaskTypeDefinition => ({
		type,
		display: type.toUpperCase(),
		patterns,
		max_retries: 3,
		timeout_seconds: 1800,
	});
	// Listed shortest prefix first, so a first-match lookup would get every case below wrong.
	const registry = [def("reports", ["reports."]), def("pdf_reports", ["reports.pdf."]), def("exact_pdf", ["reports.pdf.monthly"])];

	it("the exact name beats every prefix", () => {
		expect(taskTypeOf("reports.pdf.monthly", registry).type).toBe("exact_pdf");
	});

	it("the longest matching prefix wins", () => {
		expect(taskTypeOf("reports.pdf.weekly", registry).type).toBe("pdf_reports");
		expect(taskTypeOf("reports.csv", registry).type).toBe("reports");
	});

	it("a prefix needs its separator: `reports` alone is not `reports.`", () => {
		expect(taskTypeOf("reports", registry)).toBe(OTHER_TYPE);
	});
});

describe("a tenant's types over the built-in registry", () => {
	const registry = typeRegistry([
		{ type: "etl", max_retries: 7 },
		{ type: "nightly", patterns: ["etl.nightly.*", "demo.sleep"], timeout_seconds: 60, rate_limit: { per_second: 1, burst: 2 } },
	]);

	it("resolves each field: the tenant's, else the built-in type's, else the defaults", () => {
		expect(typeNamed(registry, "etl")).toMatchObject({
			source: "tenant",
			overrides: true,
			max_retries: 7,
			patterns: ["etl.", "etl_"],
			timeout_seconds: 1800,
		});
		expect(typeNamed(registry, "nightly")).toMatchObject({ source: "tenant", overrides: false, display: "nightly", max_retries: 3 });
		expect(resolveType(undefined, undefined)).toMatchObject({ type: "other", backoff: { base_seconds: 1, factor: 2, max_seconds: 300 } });
	});

	it("tries the tenant's patterns first, a glob's * standing for the rest of the name", () => {
		expect(typeOfTask(registry, "etl.nightly.load").type).toBe("nightly");
		expect(typeOfTask(registry, "demo.sleep").type).toBe("nightly");
		expect(typeOfTask(registry, "etl.load")).toMatchObject({ type: "etl", max_retries: 7 });
		expect(typeOfTask(registry, "demo.fail").type).toBe("demo");
		expect(typeOfTask(registry, "unheard.of").type).toBe("other");
	});

	it("the built-in registry alone answers as taskTypeOf does", () => {
		for (const name of ["etl.load", "send_email", "video.x", "demo.sleep", "nothing"]) {
			expect(typeOfTask(BUILTIN_REGISTRY, name).type).toBe(taskTypeOf(name).type);
		}
		expect(BUILTIN_REGISTRY.customised).toBe(false);
		expect(typeRegistry([], true).customised).toBe(true);
	});
});
