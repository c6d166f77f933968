/** Query-string values, parsed the same way on every route. */
import { z } from "zod";

/** Decimal, with an exponent if it likes (`1e9` is a number, and then too large, not "a string"). */
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** A query value as the number it spells, or as sent when it spells none (the schema then names the field). */
export function numberOrText(value: string): number | string {
	return NUMBER.test(value.trim()) ? Number(value) : value;
}

/**
 * A number sent as a query parameter, then checked by `schema`. Only digits count: `?n=` is a
 * 422, not 0 as coercing with Number() would have it (Number("") is 0), so an empty parameter
 * never silently stands for a value; leave the parameter out for its default.
 */
export function queryNumber<T extends z.ZodType<number, number>>(schema: T) {
	return z.string().trim().regex(NUMBER, { message: "a number (leave the parameter out for its default)" }).transform(Number).pipe(schema);
}
