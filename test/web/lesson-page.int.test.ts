/**
 * The lesson page (web/) in a real browser: `npm run dev`'s launcher
 * (scripts/dev.ts) starts the graph and the page on free ports over a
 * temporary embedded store, and Debian's Chromium, driven by playwright-core,
 * teaches the demo lesson as a student would: by keyboard and mouse, with one
 * question (refused: no teacher model), one blank answer (a resume error), one
 * wrong answer (feedback and a hint) and one skip. The summary's bars must
 * equal the MasteryV2 row the store holds, the page must fit a phone's width
 * and log no error. Screenshots of a card and of the summary go to a temporary
 * folder, or to docs/ (the README's) with UPDATE_SCREENSHOTS=1.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createSqliteStores } from "../../src/stores/sqlite/index.js";
import { DEMO_COURSE_ID } from "../../src/seed/index.js";
import { freePort, REPO_ROOT, writeIsolatedConfig } from "../support/langgraphServer.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === "1" ? join(REPO_ROOT, "docs") : undefined;
const DEMO_STUDENT = "demo_student";
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 760, height: 900 };

interface Launched {
  child: ChildProcess;
  pageUrl: string;
  graphUrl: string;
  output(): string;
}

let dir: string;
let shots: string;
let sqlitePath: string;
let launched: Launched;
let browser: Browser;
let page: Page;
/** Console errors and warnings, and uncaught page errors, of the whole lesson. */
const problems: string[] = [];

/** Runs the launcher as `npm run dev` does, and waits for the URLs it prints. */
async function launchDev(): Promise<Launched> {
  const [graphPort, webPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/dev.ts",
      "--no-reload",
      "--config",
      await writeIsolatedConfig(dir),
    ],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        PORT: String(graphPort),
        WEB_PORT: String(webPort),
        SQLITE_PATH: sqlitePath,
        TEACHER_MODEL: "",
        APPWRITE_ENDPOINT: "",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline) {
    const pageUrl = /^Lesson page: (http:\/\/\S+)$/m.exec(output)?.[1];
    const graphUrl = /^Graph: +(http:\/\/\S+)/m.exec(output)?.[1];
    if (pageUrl !== undefined && graphUrl !== undefined) {
      return { child, pageUrl, graphUrl, output: () => output };
    }
    if (child.exitCode !== null) throw new Error(`npm run dev exited early:\n${output}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
  child.kill("SIGKILL");
  throw new Error(`npm run dev printed no URLs:\n${output}`);
}

/** SIGTERM, as Ctrl-C or a process manager would, and the exit it leads to. */
async function stopDev(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolveExit) =>
    child.once("exit", (code) => resolveExit(code)),
  );
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS ?? shots, name), fullPage: true });
}

/**
 * Code run in the page is given as text: the tests are type-checked without the
 * DOM library, which would make its globals look defined in Node code too.
 */
const FITS_WIDTH = "document.documentElement.scrollWidth <= window.innerWidth";
/** The label of the focused control (its <label>, else its own text). */
const FOCUSED_LABEL = `(() => {
  const active = document.activeElement;
  if (active === null) return "";
  const label = active.id === "" ? null : document.querySelector('label[for="' + active.id + '"]');
  return (label?.textContent ?? active.textContent ?? "").trim();
})()`;

/** True when nothing on the page is wider than the window (no sideways scrolling). */
async function fitsWidth(): Promise<boolean> {
  return z.boolean().parse(await page.evaluate(FITS_WIDTH));
}

async function focusedLabel(): Promise<string> {
  return z.string().parse(await page.evaluate(FOCUSED_LABEL));
}

async function fitsPhone(): Promise<boolean> {
  await page.setViewportSize(PHONE);
  const fits = await fitsWidth();
  await page.setViewportSize(DESKTOP);
  return fits;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium; .ci/run does) ` +
        `or point CHROMIUM_PATH at a Chromium binary`,
    );
  }
  dir = await mkdtemp(join(tmpdir(), "teaching-graph-web-"));
  shots = join(dir, "screenshots");
  await mkdir(shots);
  if (SCREENSHOTS !== undefined) await mkdir(SCREENSHOTS, { recursive: true });
  sqlitePath = join(dir, "teaching.db");
  launched = await launchDev();
  browser = await chromium.launch({ executablePath: CHROMIUM });
  page = await browser.newPage({ viewport: DESKTOP });
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") {
      problems.push(`console.${message.type()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
});

afterAll(async () => {
  await browser?.close();
  if (launched !== undefined) await stopDev(launched.child);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe("the lesson page on npm run dev", () => {
  it("teaches the demo lesson in Chromium and shows the mastery the store holds", async () => {
    await page.goto(launched.pageUrl);
    await expect.poll(focusedLabel).toBe("Choose a lesson");
    const session = page.getByRole("button", { name: /Calculating Fractions of Amounts/ });
    await session.focus();
    await page.keyboard.press("Enter");

    // Card 1 (MCQ): the focus is on the first option. A question first: without a teacher
    // model the server refuses it, and the page says so beside the question input.
    await page.getByRole("heading", { name: "Starter: Fraction Recall" }).waitFor();
    await expect.poll(focusedLabel, { timeout: 30_000 }).toBe("A1/4");
    expect(await fitsPhone()).toBe(true);
    await page.getByLabel(/Ask the tutor/).fill("What is a quarter?");
    await page.getByLabel(/Ask the tutor/).press("Enter");
    const refused = page.getByRole("alert").filter({ hasText: "Questions need a teacher model" });
    await refused.waitFor({ timeout: 30_000 });
    await expect.poll(focusedLabel, { timeout: 30_000 }).toBe("A1/4");
    await page.keyboard.press("Enter");

    // Card 2 (numeric): a blank answer comes back as a resume error beside the input, a wrong
    // one gets feedback and the card's first hint, then the student skips.
    await page.getByRole("heading", { name: "Guided Practice: Shopping Scenario" }).waitFor({
      timeout: 30_000,
    });
    const answer = page.getByLabel("Your answer");
    await expect.poll(focusedLabel, { timeout: 30_000 }).toBe("Your answer");
    await page.keyboard.press("Enter");
    // Once, in the graph's plain words, beside the input (not again in the feedback).
    const blank = page.getByRole("alert").filter({ hasText: "it was empty" });
    await blank.waitFor({ timeout: 30_000 });
    const errorId = await blank.getAttribute("id");
    expect(await answer.getAttribute("aria-describedby")).toBe(errorId);
    expect(await page.getByText(/could not be accepted/).count()).toBe(1);

    await answer.fill("3");
    await answer.press("Enter");
    await page.getByText("Attempt 2 of 3", { exact: true }).waitFor({ timeout: 30_000 });
    const feedback = page.getByRole("region", { name: "Feedback" });
    await expect.poll(() => feedback.textContent()).toContain("Hint:");
    await expect.poll(focusedLabel).toBe("Your answer");
    expect(await answer.inputValue()).toBe("");
    await screenshot("lesson-card.png");
    await page.getByRole("button", { name: "Skip" }).click();

    // The summary: per-card results, and a bar per outcome labelled by unit code and title.
    await page.getByRole("heading", { name: "Lesson complete" }).waitFor({ timeout: 30_000 });
    const results = [];
    for (const item of await page.locator(".results li").all()) {
      results.push([await item.getAttribute("data-card-id"), await item.textContent()]);
    }
    expect(results).toEqual([
      ["card_001", "Starter: Fraction RecallCorrect first time"],
      ["card_003", "Guided Practice: Shopping ScenarioSkipped after 1 attempt"],
    ]);
    const bars = [];
    for (const item of await page.locator(".mastery li").all()) {
      bars.push({
        id: z.string().parse(await item.getAttribute("data-outcome-id")),
        label: await item.locator(".mastery-label").textContent(),
        value: Number(await item.getByRole("meter").getAttribute("aria-valuenow")),
        text: await item.locator(".bar-value").textContent(),
      });
    }

    const stores = createSqliteStores(sqlitePath);
    try {
      const row = await stores.mastery.get(DEMO_STUDENT, DEMO_COURSE_ID);
      expect(row).not.toBeNull();
      const stored = z.record(z.string(), z.number()).parse(JSON.parse(row?.emaByOutcome ?? ""));
      expect(Object.fromEntries(bars.map((bar) => [bar.id, bar.value]))).toEqual(stored);
      for (const bar of bars) expect(bar.text).toBe(`${Math.round(bar.value * 100)}%`);
      const outcomes = await stores.outcomes.getByIds(bars.map((bar) => bar.id));
      expect(outcomes).toHaveLength(bars.length);
      for (const outcome of outcomes) {
        const bar = bars.find((candidate) => candidate.id === outcome.$id);
        expect(bar?.label).toBe(
          `${outcome.unitCode} · ${outcome.outcomeId} ${outcome.outcomeTitle}`,
        );
      }
    } finally {
      await stores.close();
    }
    expect(bars.length).toBeGreaterThan(0);
    expect(await fitsPhone()).toBe(true);
    await screenshot("lesson-summary.png");
    expect(problems).toEqual([]);
  });

  it("shuts the graph and the page down on SIGTERM", async () => {
    const code = await stopDev(launched.child);
    expect(code, launched.output()).toBe(0);
    for (const url of [launched.graphUrl, launched.pageUrl]) {
      await expect(fetch(url)).rejects.toThrow();
    }
  });
});
