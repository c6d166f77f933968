/**
 * Who runs a task's attempts and for how long a runner holds one, as requests name them: shared
 * by the routes, the runner contract (execute/protocol.ts), the SDK and the CLI. Plain data.
 */
import { MAX_INVOCATION_SECONDS } from "./limits";

/**
 * Who runs a task's attempts. `builtin`: a handler compiled into the Worker, run by the task's
 * own object from its alarm. `pull`: a worker elsewhere claims the attempt. `external`: something
 * that runs on its own; taskplane only tracks it and hands the token out with the create answer.
 * `http`: the queue consumer pushes the attempt to the task's target, signed; the target answers
 * with the result, or 202 and reports with the token.
 */
export const EXECUTION_MODES = ["builtin", "pull", "external", "http"] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

/** A running attempt's lease when neither its task nor its claim asks for another (s). */
export const DEFAULT_LEASE_SECONDS = 60;
/** Bounds of `lease_seconds` on create and claim (s). */
export const MIN_LEASE_SECONDS = 5;
export const MAX_LEASE_SECONDS = 3600;
/**
 * A builtin attempt runs inside one alarm invocation, which Cloudflare bounds to 15 min of wall
 * clock (https://developers.cloudflare.com/durable-objects/platform/limits/): its type's
 * timeout_seconds is at most this (s); longer work is `pull` or `external`.
 */
export const MAX_BUILTIN_TIMEOUT_SECONDS = MAX_INVOCATION_SECONDS;

/** How long one push request may take when its target does not say (s). */
export const DEFAULT_PUSH_TIMEOUT_SECONDS = 30;
/** Far inside the 15 min a queue consumer invocation may run, since a batch's pushes share it (s). */
export const MAX_PUSH_TIMEOUT_SECONDS = 300;
