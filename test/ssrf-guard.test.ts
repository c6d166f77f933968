import { describe, expect, it } from "vitest";
import { outboundModeOf, outboundUrlProblem } from "../src/execute/ssrf-guard";

const PRIVATE = "private, loopback and link-local addresses cannot be called";

describe("the SSRF guard", () => {
	it.each([
		["https://example.com/run", null],
		["https://93.184.215.14/run", null],
		["https://[2606:4700::1111]/run", null],
		["https://172.32.0.1/", null], // just past 172.16/12
		["https://11.0.0.1/", null],
		["http://example.com/run", "a deployed taskplane only calls https URLs"],
		["ftp://example.com/x", "only http and https URLs can be called"],
		["not a url", "not a valid absolute URL"],
		["https://localhost/", "loopback hosts cannot be called"],
		["https://LOCALHOST./", "loopback hosts cannot be called"],
		["https://api.localhost/", "loopback hosts cannot be called"],
		["https://127.0.0.1/", PRIVATE],
		["https://127.8.9.10/", PRIVATE],
		["https://[::1]/", PRIVATE],
		["https://[::]/", PRIVATE],
		["https://0.0.0.0/", PRIVATE],
		["https://0/", PRIVATE],
		["https://10.1.2.3/", PRIVATE],
		["https://172.16.0.1/", PRIVATE],
		["https://172.31.255.255/", PRIVATE],
		["https://192.168.1.1/", PRIVATE],
		["https://169.254.169.254/latest/meta-data", PRIVATE],
		["https://100.64.0.1/", PRIVATE],
		["https://[fc00::1]/", PRIVATE],
		["https://[fd12:3456::1]/", PRIVATE],
		["https://[fe80::1]/", PRIVATE],
		["https://[febf::1]/", PRIVATE],
		["https://[::ffff:127.0.0.1]/", PRIVATE],
		["https://[::ffff:10.0.0.1]/", PRIVATE],
		["https://[::ffff:169.254.169.254]/", PRIVATE],
		["https://[64:ff9b::10.0.0.1]/", PRIVATE],
		// The URL parser normalises these to 127.0.0.1 / 10.0.0.1 before the guard looks.
		["https://2130706433/", PRIVATE],
		["https://017700000001/", PRIVATE],
		["https://0x7f.1/", PRIVATE],
		["https://127.1/", PRIVATE],
		["https://0xa000001/", PRIVATE],
	])("deployed: %s → %s", (url, problem) => {
		expect(outboundUrlProblem(url, "deployed")).toBe(problem);
	});

	it.each([
		["http://127.0.0.1:8080/run"],
		["http://localhost/"],
		["http://[::1]:3000/"],
		["http://10.0.0.1/"],
		["https://192.168.1.1/"],
		["http://example.com/"],
	])("development allows %s", (url) => {
		expect(outboundUrlProblem(url, "development")).toBeNull();
	});

	it("development still refuses what is not an http(s) URL", () => {
		expect(outboundUrlProblem("file:///etc/passwd", "development")).toBe("only http and https URLs can be called");
		expect(outboundUrlProblem("//no-scheme", "development")).toBe("not a valid absolute URL");
	});

	it("is deployed unless ENVIRONMENT says development", () => {
		expect(outboundModeOf({})).toBe("deployed");
		expect(outboundModeOf({ ENVIRONMENT: "production" })).toBe("deployed");
		expect(outboundModeOf({ ENVIRONMENT: "development" })).toBe("development");
	});
});
