import { describe, expect, it } from "vitest";
import { OTHER_TYPE, TASK_TYPES, type TaskTypeDefinition, taskTypeOf } from "../src/execute/task-types";

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
