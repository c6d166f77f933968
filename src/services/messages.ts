/** What `messages.create` tasks inserted: `GET /v1/messages` and the FastAPI demo's `GET /messages/`. */
import { historyDb } from "../history/db";
import { listMessages as findMessages, type Message } from "../history/messages";

export type { Message };

/** A tenant's messages, newest first; `limit` rows from `offset`. */
export function listMessages(env: Env, tenant: string, limit: number, offset: number): Promise<Message[]> {
	return findMessages(historyDb(env.DB), tenant, limit, offset);
}
