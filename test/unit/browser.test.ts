import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, run, tmp } from "../helpers/run.js";

/** Debian's chromium (installed by .ci/run), driven by playwright-core. */
const CHROMIUM = process.env.PREP_DATA_CHROMIUM ?? "/usr/bin/chromium";
const hasBrowser = existsSync(CHROMIUM);
if (!hasBrowser) console.warn(`SKIPPED browser tests: no chromium at ${CHROMIUM} (apt-get install chromium, or set PREP_DATA_CHROMIUM)`);

describe.skipIf(!hasBrowser)("the pages in a real browser", () => {
  it("the report renders with scripts disabled and from a file: every chart drawn, nothing fetched but the page itself", async () => {
    const { chromium } = await import("playwright-core");
    const d = tmp();
    const f = join(d, "train.jsonl");
    expect((await run(["dialogsum", "--format", "messages", "-o", f], { env: { HF_HUB_OFFLINE: "1", HF_HUB_CACHE: join(ROOT, "fixtures", "hf-cache") } })).code).toBe(0);
    const r = await run(["report", f, "--model", "nova-2-lite", "-o", join(d, "report.html")]);
    expect([0, 1]).toContain(r.code);
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"] });
    try {
      const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
      const requests: string[] = [];
      page.on("request", (q) => requests.push(q.url()));
      await page.goto(`file://${join(d, "report.html")}`);
      const boxes = await page.$$eval("figure svg", (els) => els.map((e) => e.getBoundingClientRect()).map((b) => [b.width, b.height]));
      expect(boxes.length).toBeGreaterThanOrEqual(4);
      expect(boxes.every(([w, h]) => w! > 300 && h! > 100)).toBe(true);
      expect(requests).toEqual([`file://${join(d, "report.html")}`]);
      expect(await page.locator("h1").textContent()).toBe("train.jsonl");
      expect(await page.locator("article.record").count()).toBe(6);
      await page.screenshot({ path: join(d, "report.png"), fullPage: true });
      expect(existsSync(join(d, "report.png"))).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
