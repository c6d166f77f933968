/**
 * Chromium for the dashboard tests: Debian's `chromium` (`.ci/run` installs it; CHROMIUM_PATH
 * names another), driven by playwright-core, which downloads no browser. Every request to
 * another origin is aborted and recorded, so a test can assert the pages need nothing but the Worker.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const SCREENSHOTS = path.join(import.meta.dirname, "screenshots");
export const WIDTHS = [1280, 390] as const;

export interface Session {
	browser: Browser;
	context: BrowserContext;
	page: Page;
	/** URLs of requests to any other origin than the Worker's (all aborted). */
	foreign: string[];
	close(): Promise<void>;
}

export async function openBrowser(base: string): Promise<Session> {
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
		// Root in CI containers: Chromium's sandbox needs a user namespace they often lack.
		args: ["--no-sandbox"],
	});
	const context = await browser.newContext({ viewport: { width: WIDTHS[0], height: 900 } });
	const foreign: string[] = [];
	const origin = new URL(base).origin;
	await context.route("**/*", (route) => {
		const url = route.request().url();
		if (url.startsWith("data:") || new URL(url).origin === origin) {
			return route.continue();
		}
		foreign.push(url);
		return route.abort();
	});
	const page = await context.newPage();
	return { browser, context, page, foreign, close: () => browser.close() };
}

/** Screenshots of what `page` shows (the whole page unless `fullPage` is false), at each width, as `<name>-<width>.png`. */
export async function screenshots(page: Page, name: string, fullPage = true): Promise<void> {
	mkdirSync(SCREENSHOTS, { recursive: true });
	const viewport = page.viewportSize() ?? { width: WIDTHS[0], height: 900 };
	for (const width of WIDTHS) {
		await page.setViewportSize({ width, height: 900 });
		await page.waitForTimeout(150);
		await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${width}.png`), fullPage });
	}
	await page.setViewportSize(viewport);
}
