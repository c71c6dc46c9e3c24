import { existsSync, readFileSync, writeFileSync } from "node:fs";
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

  it("review: filter by finding, reject one record, an invalid edit is refused with the rule's message, fixed and kept; Save writes the curated file and the log; reopening resumes", async () => {
    const { chromium } = await import("playwright-core");
    const { startReview } = await import("../../src/review/server.js");
    const d = tmp();
    const f = join(d, "data.jsonl");
    const recs = Array.from({ length: 30 }, (_, i) => JSON.stringify({ prompt: `question ${i}`, completion: `answer ${i}` }));
    recs[4] = JSON.stringify({ prompt: "a prompt with no completion" });
    writeFileSync(f, recs.join("\n") + "\n");
    const original = readFileSync(f, "utf8");
    const srv = await startReview(f);
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-background-networking", "--disable-gpu"] });
    try {
      expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32}$/);
      expect((await fetch(srv.url.replace(/token=.*/, "token=wrong"))).status).toBe(403);
      const page = await browser.newPage();
      await page.goto(srv.url);
      await page.waitForSelector(".rec");
      expect(await page.locator(".rec").count()).toBe(30);
      // Filter by the finding the record without a completion has.
      const reason = await page.locator('.rec[data-line="5"] .finding').first().textContent();
      const value = /error (\S+):/.exec(reason!)![1]!;
      await page.selectOption("#finding", value);
      await page.click("#apply");
      await page.waitForFunction(() => document.querySelectorAll(".rec").length === 1);
      expect(await page.locator(".rec").getAttribute("data-line")).toBe("5");
      // Reject it, with a note.
      await page.fill('.rec[data-line="5"] .note', "no answer to learn from");
      await page.click('.rec[data-line="5"] button.reject');
      await page.waitForSelector('.rec.reject[data-line="5"]');
      // Back to all records; edit line 2 into an invalid record, then fix it.
      await page.selectOption("#finding", "");
      await page.click("#apply");
      await page.waitForSelector('.rec[data-line="2"]');
      await page.click('.rec[data-line="2"] button.edit');
      await page.fill('.rec[data-line="2"] textarea', '{"prompt": "question 1"}');
      await page.click('.rec[data-line="2"] button.keep');
      await page.waitForFunction(() => (document.querySelector('.rec[data-line="2"] .error')?.textContent ?? "").length > 0);
      expect(await page.locator('.rec[data-line="2"] .error').textContent()).toMatch(/the edited record is refused: .*completion/);
      await page.fill('.rec[data-line="2"] textarea', '{"prompt": "question 1, asked better", "completion": "answer 1, complete"}');
      await page.click('.rec[data-line="2"] button.keep');
      await page.waitForSelector('.rec.edit[data-line="2"]');
      await page.click("#save");
      await page.waitForFunction(() => (document.getElementById("status")?.textContent ?? "").startsWith("saved"));
      expect(await page.locator("#status").textContent()).toMatch(/saved 29 records .*\(1 rejected, 1 edited\)/);
      await page.screenshot({ path: join(d, "review.png"), fullPage: true });
      const curated = readFileSync(join(d, "data.curated.jsonl"), "utf8").trimEnd().split("\n");
      expect(curated).toHaveLength(29);
      expect(curated[0]).toBe(recs[0]); // untouched records byte for byte
      expect(JSON.parse(curated[1]!)).toEqual({ prompt: "question 1, asked better", completion: "answer 1, complete" });
      expect(curated).not.toContain(recs[4]);
      expect(readFileSync(f, "utf8")).toBe(original);
      const log = readFileSync(join(d, "data.review-log.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as { line: number; decision: string; note?: string });
      expect(log.map((x) => [x.line, x.decision])).toEqual([[5, "reject"], [2, "edit"]]);
      expect(log[0]!.note).toBe("no answer to learn from");
    } finally {
      await browser.close();
      await srv.close();
    }
    // Reopened: the decisions are read back from the log.
    const again = await startReview(f);
    try {
      const res = (await (await fetch(`${again.url.replace("/?", "/api/records?")}&decision=reject`)).json()) as { decided: number; records: { line: number }[] };
      expect(res.decided).toBe(2);
      expect(res.records.map((r) => r.line)).toEqual([5]);
    } finally {
      await again.close();
    }
  });
});
