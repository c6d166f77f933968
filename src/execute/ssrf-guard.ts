/**
 * The SSRF guard every outbound URL passes (push targets now, per-task callbacks and webhook
 * subscriptions next): in a deployment only `https` to a public address; in development
 * (`ENVIRONMENT=development`) any http(s) URL, so a target on 127.0.0.1 can be tried locally.
 *
 * It checks the URL as the WHATWG parser normalises it, so decimal, octal and hex IPv4 forms
 * (`http://2130706433`, `http://0177.1`, `http://0x7f.1`) and IPv4-mapped IPv6
 * (`[::ffff:127.0.0.1]`) are caught as the loopback they are. What it cannot see: a public
 * hostname whose DNS answers a private address. Workers have no DNS lookup API to check before
 * connecting; Cloudflare's own egress does not route to private networks, which is what
 * closes that gap in a deployment.
 */

export type OutboundMode = "deployed" | "development";

export function outboundModeOf(env: { ENVIRONMENT?: string }): OutboundMode {
	return env.ENVIRONMENT === "development" ? "development" : "deployed";
}

/** [first address, prefix length] of IPv4 ranges no deployed request may reach. */
const BLOCKED_V4: readonly [string, number][] = [
	["0.0.0.0", 8], // "this network", 0.0.0.0 reaches the local host on many stacks
	["10.0.0.0", 8],
	["100.64.0.0", 10], // carrier-grade NAT
	["127.0.0.0", 8],
	["169.254.0.0", 16], // link-local, cloud metadata endpoints
	["172.16.0.0", 12],
	["192.0.0.0", 24],
	["192.168.0.0", 16],
	["198.18.0.0", 15], // benchmarking
	["224.0.0.0", 4], // multicast
	["240.0.0.0", 4], // reserved and broadcast
];

function v4ToNumber(address: string): number | null {
	const parts = address.split(".");
	if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
		return null;
	}
	return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function isBlockedV4(n: number): boolean {
	return BLOCKED_V4.some(([base, bits]) => {
		const size = 2 ** (32 - bits);
		const start = v4ToNumber(base) ?? 0;
		return n >= start && n < start + size;
	});
}

/** The eight 16-bit groups of an IPv6 address as the URL parser prints it (no brackets). */
function v6Groups(address: string): number[] | null {
	const halves = address.split("::");
	if (halves.length > 2) {
		return null;
	}
	const parse = (s: string) => (s === "" ? [] : s.split(":").map((h) => Number.parseInt(h, 16)));
	const head = parse(halves[0] ?? "");
	const tail = halves.length === 2 ? parse(halves[1] ?? "") : [];
	const missing = 8 - head.length - tail.length;
	if ((halves.length === 1 && missing !== 0) || missing < 0) {
		return null;
	}
	const groups = [...head, ...Array<number>(missing).fill(0), ...tail];
	return groups.some((g) => Number.isNaN(g) || g < 0 || g > 0xffff) ? null : groups;
}

function isBlockedV6(groups: number[]): boolean {
	const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
	const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
	if (upperZero && g5 === 0 && g6 === 0 && (g7 === 0 || g7 === 1)) {
		return true; // :: and ::1
	}
	const embeddedV4 = g6 * 65536 + g7;
	if (upperZero && (g5 === 0xffff || g5 === 0)) {
		return isBlockedV4(embeddedV4); // IPv4-mapped ::ffff:a.b.c.d and the old IPv4-compatible ::a.b.c.d
	}
	if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
		return isBlockedV4(embeddedV4); // NAT64 64:ff9b::a.b.c.d
	}
	return (
		(g0 & 0xfe00) === 0xfc00 || // unique local fc00::/7
		(g0 & 0xffc0) === 0xfe80 || // link-local fe80::/10
		(g0 & 0xff00) === 0xff00 // multicast
	);
}

/**
 * Why `url` may not be called in `mode`, or null when it may. Pure and DNS-free: it runs when a
 * target is created (for a clear 422) and again before every request.
 */
export function outboundUrlProblem(url: string, mode: OutboundMode): string | null {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return "not a valid absolute URL";
	}
	if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
		return "only http and https URLs can be called";
	}
	if (mode === "development") {
		return null;
	}
	if (parsed.protocol !== "https:") {
		return "a deployed taskplane only calls https URLs";
	}
	const host = parsed.hostname.toLowerCase().replace(/\.$/, "");
	if (host === "localhost" || host.endsWith(".localhost")) {
		return "loopback hosts cannot be called";
	}
	if (host.startsWith("[")) {
		const groups = v6Groups(host.slice(1, -1));
		return groups === null || isBlockedV6(groups) ? "private, loopback and link-local addresses cannot be called" : null;
	}
	const v4 = v4ToNumber(host);
	return v4 !== null && isBlockedV4(v4) ? "private, loopback and link-local addresses cannot be called" : null;
}
