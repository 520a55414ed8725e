import { describe, expect, it } from "vitest";
import { readAhead } from "../../src/operator/pages.js";
import { TaskWindow } from "../../src/operator/task-window.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("TaskWindow", () => {
  it("runs at most `concurrency` tasks at once and holds the producer back", async () => {
    const window = new TaskWindow(2);
    let running = 0;
    let peak = 0;
    let submitted = 0;
    let finished = 0;
    for (let i = 0; i < 10; i++) {
      await window.submit(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await tick();
        running -= 1;
        finished += 1;
      });
      submitted += 1;
      // Never more than twice the concurrency queued or running.
      expect(submitted - finished).toBeLessThanOrEqual(4);
    }
    await window.drain();
    expect(peak).toBe(2);
    expect(finished).toBe(10);
  });

  it("stops at the first failure: later submits run nothing, and drain rethrows it", async () => {
    const window = new TaskWindow(1);
    const failure = new Error("write failed");
    const ran: number[] = [];
    await window.submit(async () => {
      await tick();
      throw failure;
    });
    await window.submit(async () => void ran.push(1)); // queued behind the failing one: cleared
    await expect(window.submit(async () => void ran.push(2))).rejects.toBe(failure);
    await expect(window.drain()).rejects.toBe(failure);
    expect(ran).toEqual([]);
  });
});

describe("readAhead", () => {
  it("asks for the next page before the current one is processed", async () => {
    const requested: number[] = [];
    async function* pages() {
      for (let page = 1; page <= 3; page++) {
        requested.push(page);
        yield page;
      }
    }
    const seen: Array<[number, number[]]> = [];
    for await (const page of readAhead(pages())) {
      await tick();
      seen.push([page, [...requested]]);
    }
    expect(seen).toEqual([
      [1, [1, 2]],
      [2, [1, 2, 3]],
      [3, [1, 2, 3]],
    ]);
  });

  it("lets a turn of the event loop pass between asking for the next page and yielding this one", async () => {
    const written: number[] = [];
    async function* pages() {
      for (let page = 1; page <= 3; page++) {
        // What an HTTP client does with a request: write it to the socket on a later turn.
        setImmediate(() => written.push(page));
        yield page;
      }
    }
    const seen: Array<[number, number[]]> = [];
    for await (const page of readAhead(pages())) seen.push([page, [...written]]);
    expect(seen).toEqual([
      [1, [1, 2]],
      [2, [1, 2, 3]],
      [3, [1, 2, 3]],
    ]);
  });

  it("prepares a page before asking for the next one, and yields it prepared", async () => {
    const events: string[] = [];
    async function* pages() {
      for (let page = 1; page <= 2; page++) {
        events.push(`request ${page}`);
        yield page;
      }
    }
    const prepare = async (page: number) => {
      events.push(`prepare ${page}`);
      await tick();
      events.push(`prepared ${page}`);
    };
    for await (const page of readAhead(pages(), prepare)) events.push(`process ${page}`);
    expect(events).toEqual([
      "request 1",
      "prepare 1",
      "prepared 1",
      "request 2",
      "process 1",
      "prepare 2",
      "prepared 2",
      "process 2",
    ]);
  });

  it("passes a prepare error on and stops the source", async () => {
    let closed = false;
    async function* pages() {
      try {
        for (let page = 1; ; page++) yield page;
      } finally {
        closed = true;
      }
    }
    const failure = new Error("outcomes unavailable");
    await expect(async () => {
      for await (const page of readAhead(pages(), () => Promise.reject(failure))) void page;
    }).rejects.toBe(failure);
    expect(closed).toBe(true);
  });

  it("passes a page error on, and stops the source when the consumer stops", async () => {
    let closed = false;
    async function* failing() {
      try {
        yield 1;
        throw new Error("page 2 failed");
      } finally {
        closed = true;
      }
    }
    await expect(async () => {
      for await (const page of readAhead(failing())) void page;
    }).rejects.toThrow("page 2 failed");
    expect(closed).toBe(true);

    closed = false;
    async function* endless() {
      try {
        for (let page = 1; ; page++) yield page;
      } finally {
        closed = true;
      }
    }
    for await (const page of readAhead(endless())) if (page === 2) break;
    expect(closed).toBe(true);
  });
});
