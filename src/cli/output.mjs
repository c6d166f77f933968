// @ts-check
/** How the CLI prints: JSON for scripts (`--json`), aligned tables and short lines for people. */

/** Exit codes a script can use (README.md § The CLI). */
export const EXIT = /** @type {const} */ ({ COMPLETED: 0, FAILED: 1, COMPLETED_WITH_ERRORS: 2, ERROR: 3, USAGE: 64 });

/** The exit code for a task that ended in `status`. @param {string} status @returns {number} */
export function exitCodeOf(status) {
	if (status === "COMPLETED") {
		return EXIT.COMPLETED;
	}
	return status === "COMPLETED_WITH_ERRORS" ? EXIT.COMPLETED_WITH_ERRORS : EXIT.FAILED;
}

/** @param {unknown} value */
export function printJson(value) {
	process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A cell as text: null and undefined blank, objects as JSON. @param {unknown} value @returns {string} */
function cell(value) {
	if (value === null || value === undefined) {
		return "";
	}
	return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * Prints rows as a table with a header, columns padded to their widest cell.
 * @param {Record<string, unknown>[]} rows @param {string[]} columns
 */
export function printTable(rows, columns) {
	const cells = rows.map((row) => columns.map((column) => cell(row[column])));
	const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((r) => (r[i] ?? "").length)));
	const line = (/** @type {string[]} */ values) =>
		values
			.map((v, i) => v.padEnd(widths[i] ?? 0))
			.join("  ")
			.trimEnd();
	process.stdout.write(`${[line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join("\n")}\n`);
}

/** Prints `key: value` lines, skipping empty values. @param {Record<string, unknown>} record */
export function printRecord(record) {
	const entries = Object.entries(record).filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0));
	const width = Math.max(0, ...entries.map(([k]) => k.length));
	process.stdout.write(`${entries.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${cell(v)}`).join("\n")}\n`);
}

/** `45%` or `3/10` or ``, for a task's progress. @param {{percent?: number | null, done?: number | null, total?: number | null} | null | undefined} progress */
export function progressText(progress) {
	if (!progress) {
		return "";
	}
	if (typeof progress.percent === "number") {
		return `${Math.round(progress.percent)}%`;
	}
	return typeof progress.done === "number" && typeof progress.total === "number" ? `${progress.done}/${progress.total}` : "";
}
