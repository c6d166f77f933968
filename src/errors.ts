/**
 * One error type for the whole API, rendered once as RFC 9457 problem+json. The codes are a
 * closed set, each with its HTTP status, so a status can never drift from its meaning.
 */
export const ERROR_STATUS = {
	BAD_REQUEST: 400,
	UNAUTHORIZED: 401,
	FORBIDDEN: 403,
	NOT_FOUND: 404,
	METHOD_NOT_ALLOWED: 405,
	CONFLICT: 409,
	GONE: 410,
	PAYLOAD_TOO_LARGE: 413,
	UNSUPPORTED_MEDIA_TYPE: 415,
	VALIDATION_FAILED: 422,
	RATE_LIMITED: 429,
	INTERNAL: 500,
	UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export interface FieldError {
	path: string;
	message: string;
}

/** A validation library's issues as our `errors[{path, message}]`. */
export function fieldErrorsOf(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldError[] {
	return issues.map((issue) => ({ path: issue.path.map(String).join(".") || "(root)", message: issue.message }));
}

const TITLES: Record<ErrorCode, string> = {
	BAD_REQUEST: "Malformed request",
	UNAUTHORIZED: "Authentication required",
	FORBIDDEN: "Not allowed",
	NOT_FOUND: "Not found",
	METHOD_NOT_ALLOWED: "Method not allowed",
	// Not only a task's: a disabled subscription, or a tenant at its subscription limit, too.
	CONFLICT: "Conflicts with the current state",
	GONE: "Gone",
	PAYLOAD_TOO_LARGE: "Request too large",
	UNSUPPORTED_MEDIA_TYPE: "Unsupported media type",
	VALIDATION_FAILED: "Invalid request",
	RATE_LIMITED: "Too many requests",
	INTERNAL: "Internal error",
	UNAVAILABLE: "Service unavailable",
};

export class ApiError extends Error {
	readonly status: ErrorStatus;
	constructor(
		readonly code: ErrorCode,
		readonly detail: string,
		readonly options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
	) {
		super(detail);
		this.status = ERROR_STATUS[code];
	}
}

export interface Problem {
	type: string;
	title: string;
	status: number;
	code: ErrorCode;
	detail: string;
	instance?: string;
	request_id?: string;
	errors?: FieldError[];
}

export function problemOf(error: ApiError, instance: string, requestId: string): Problem {
	return {
		type: `urn:taskplane:problem:${error.code.toLowerCase().replaceAll("_", "-")}`,
		title: TITLES[error.code],
		status: error.status,
		code: error.code,
		detail: error.detail,
		instance,
		request_id: requestId,
		...(error.options.errors ? { errors: error.options.errors } : {}),
	};
}
