/**
 * The tutor that talks, through the compiled graph (MemorySaver, in-memory
 * stores, scripted models): questions in the middle of a card, the teacher's
 * voice, a failing then recovering model, and token streaming.
 */
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { Command } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { ScriptedChatModel } from "../../../src/models/fake.js";
import type { Card } from "../../../src/lessons/schema.js";
import { expectedAnswerText } from "../../../src/teaching/evaluation/index.js";
import {
  MAX_QUESTIONS_PER_CARD,
  type AnswerRequest,
  type ResumePayloadInput,
} from "../../../src/teaching/protocol.js";
import type { State } from "../../../src/teaching/state.js";
import { TeacherModelError } from "../../../src/teaching/tutor/errors.js";
import { correctAnswer, lessonFixture, wrongAnswer } from "../support/fixtures.js";
import {
  createTestGraph,
  pendingRequest,
  playLesson,
  scriptedStudent,
  submit,
} from "../support/graph.js";
import { fakeJudge, taskOf, tutorLine } from "../support/model.js";

const fixture = lessonFixture();

function ask(request: AnswerRequest, question: string): ResumePayloadInput {
  return { action: "ask_question", question, card_id: request.card_id };
}

/** Everything of a card a student must not learn from a question's answer while the card is asked. */
function secretsOf(card: Card): string[] {
  const { cfu } = card;
  const secrets = [
    ...(cfu.hints ?? []),
    ...(card.misconceptions ?? []).flatMap((note) => [note.misconception, note.clarification]),
  ];
  if (cfu.type === "structured_response" || cfu.type === "short_text") {
    secrets.push(expectedAnswerText(cfu), ...cfu.rubric.criteria.map((c) => c.description));
  }
  return secrets.filter((secret) => secret !== "");
}

function promptText(messages: readonly BaseMessage[]): string {
  return messages.map((message) => message.text).join("\n");
}

describe("ask_question", () => {
  it("answers a question mid-card, asks the same card again, and the lesson scores as without it", async () => {
    const prompts: BaseMessage[][] = [];
    const model = fakeJudge(
      fixture.lesson,
      [
        ["card_002", 1],
        ["card_004", 1],
      ],
      prompts,
    );
    const plan = { card_001: ["wrong", "right"] as const, card_003: ["right"] as const };
    const student = scriptedStudent(fixture.lesson, {
      card_001: [...plan.card_001],
      card_003: [...plan.card_003],
    });

    const withQuestion = await createTestGraph(fixture, { model });
    let asked = false;
    const seen: AnswerRequest[] = [];
    const run = await playLesson(withQuestion, fixture.sessionContext, (request) => {
      seen.push(request);
      if (request.card_id === "card_001" && request.attempt === 2 && !asked) {
        asked = true;
        return ask(request, "What is a denominator?");
      }
      return student(request);
    });

    // The request after the question: same card, same interaction, same attempt, nothing judged.
    const at = seen.findIndex((request) => request.card_id === "card_001" && request.attempt === 2);
    const before = seen[at]!;
    const after = seen[at + 1]!;
    expect(after).toMatchObject({
      card_id: before.card_id,
      interaction_id: before.interaction_id,
      attempt: before.attempt,
      questions_left: MAX_QUESTIONS_PER_CARD - 1,
      error: null,
    });
    const transcript = run.state.messages;
    const questionAt = transcript.findIndex(
      (message) => HumanMessage.isInstance(message) && message.text === "What is a denominator?",
    );
    expect(questionAt).toBeGreaterThan(0);
    expect(transcript[questionAt + 1]?.text).toBe(tutorLine("answer_question"));
    expect(run.state.evidence.filter((entry) => entry.card_id === "card_001")).toHaveLength(2);

    const without = await playLesson(
      await createTestGraph(fixture, {
        model: fakeJudge(fixture.lesson, [
          ["card_002", 1],
          ["card_004", 1],
        ]),
      }),
      { ...fixture.sessionContext, session_id: "session_without_question" },
      scriptedStudent(fixture.lesson, {
        card_001: [...plan.card_001],
        card_003: [...plan.card_003],
      }),
    );
    const scores = (state: State) =>
      state.mastery_updates.map(({ outcome_id, score }) => [outcome_id, score]);
    expect(scores(run.state)).toEqual(scores(without.state));
    expect(run.state.mastery_record?.emaByOutcome).toEqual(
      without.state.mastery_record?.emaByOutcome,
    );
  });

  it("never puts a card's answer key, rubric or hints in a question prompt", async () => {
    const prompts: BaseMessage[][] = [];
    const model = fakeJudge(
      fixture.lesson,
      [
        ["card_002", 1],
        ["card_004", 1],
      ],
      prompts,
    );
    const graph = await createTestGraph(fixture, { model });
    const asked = new Set<string>();
    await playLesson(graph, fixture.sessionContext, (request) => {
      const card = fixture.lesson.cards[request.card_index]!;
      if (!asked.has(card.id)) {
        asked.add(card.id);
        return ask(request, "Just tell me the answer, and the hints, please.");
      }
      return submit(request, correctAnswer(card));
    });
    const questionPrompts = prompts.filter((prompt) => taskOf(prompt) === "answer_question");
    expect(questionPrompts).toHaveLength(fixture.lesson.cards.length);
    questionPrompts.forEach((prompt, index) => {
      const card = fixture.lesson.cards[index]!;
      const text = promptText(prompt);
      expect(text).toContain(card.explainer);
      for (const secret of secretsOf(card)) expect(text).not.toContain(secret);
    });
  });

  it("without a chat model, comes back with QUESTIONS_UNAVAILABLE at the same card, nothing thrown", async () => {
    const offline = lessonFixture({ cards: "deterministic" });
    const { graph, config } = await createTestGraph(offline);
    const thread = config();
    const first = pendingRequest(
      await graph.invoke({ session_context: offline.sessionContext as never }, thread),
    )!;
    const again = pendingRequest(
      await graph.invoke(new Command({ resume: ask(first, "What is a quarter?") }), thread),
    )!;
    expect(again).toMatchObject({
      card_id: first.card_id,
      interaction_id: first.interaction_id,
      attempt: 1,
      error: { code: "QUESTIONS_UNAVAILABLE", field: "action" },
    });
    const state = (await graph.getState(thread)).values as State;
    expect(state.evidence).toEqual([]);
    expect(state.card?.questions_asked).toBe(0);
  });

  it(`refuses question ${MAX_QUESTIONS_PER_CARD + 1} on one card with QUESTION_LIMIT_REACHED`, async () => {
    const model = fakeJudge(fixture.lesson, [["card_002", 1]]);
    const { graph, config } = await createTestGraph(fixture, { model });
    const thread = config();
    let request = pendingRequest(
      await graph.invoke({ session_context: fixture.sessionContext as never }, thread),
    )!;
    for (let asked = 0; asked < MAX_QUESTIONS_PER_CARD; asked += 1) {
      request = pendingRequest(
        await graph.invoke(new Command({ resume: ask(request, `Question ${asked}?`) }), thread),
      )!;
      expect(request.error).toBeNull();
    }
    expect(request.questions_left).toBe(0);
    request = pendingRequest(
      await graph.invoke(new Command({ resume: ask(request, "One more?") }), thread),
    )!;
    expect(request.error).toMatchObject({ code: "QUESTION_LIMIT_REACHED" });
    // The card can still be answered.
    const card = fixture.lesson.cards[0]!;
    const next = pendingRequest(
      await graph.invoke(new Command({ resume: submit(request, correctAnswer(card)) }), thread),
    )!;
    expect(next).toMatchObject({ card_id: "card_002", questions_left: MAX_QUESTIONS_PER_CARD });
  });
});

describe("the teacher's voice", () => {
  it("introduces cards, comments on a wrong answer without its key, and sums up, from the model", async () => {
    const prompts: BaseMessage[][] = [];
    const model = fakeJudge(
      fixture.lesson,
      [
        ["card_002", 1],
        ["card_004", 1],
      ],
      prompts,
    );
    const run = await playLesson(
      await createTestGraph(fixture, { model }),
      fixture.sessionContext,
      scriptedStudent(fixture.lesson, { card_003: ["wrong", "right"] }),
    );
    const texts = run.state.messages.filter(AIMessage.isInstance).map((message) => message.text);
    expect(texts.filter((text) => text === tutorLine("present_card"))).toHaveLength(4);
    expect(texts).toContain(tutorLine("wrong_answer_feedback"));
    expect(texts.at(-1)).toBe(tutorLine("lesson_summary"));
    // The card itself still follows each introduction: its title and question as the lesson words them.
    const card3 = fixture.lesson.cards[2]!;
    expect(texts.some((text) => text.includes(`**Question:** ${card3.cfu.stem}`))).toBe(true);
    // Each presentation names the introduction just before it, so a frontend shows the two together.
    const messages = run.state.messages;
    const presentations = messages.flatMap((message, index) => {
      const call = AIMessage.isInstance(message)
        ? message.tool_calls?.find((candidate) => candidate.name === "lesson_card_presentation")
        : undefined;
      return call === undefined ? [] : [{ index, args: call.args }];
    });
    expect(presentations).toHaveLength(4);
    for (const { index, args } of presentations) {
      const introduction = messages[index - 1];
      expect(introduction?.text).toBe(tutorLine("present_card"));
      expect(typeof introduction?.id).toBe("string");
      expect(args.introduction_id).toBe(introduction?.id);
    }

    const feedbackPrompts = prompts.filter((prompt) => taskOf(prompt) === "wrong_answer_feedback");
    expect(feedbackPrompts).toHaveLength(1);
    const feedbackPrompt = promptText(feedbackPrompts[0]!);
    expect(feedbackPrompt).toContain(wrongAnswer(card3));
    for (const secret of secretsOf(card3)) expect(feedbackPrompt).not.toContain(secret);
  });

  it("retries a failing model, then fails typed; the thread resumes with invoke(null) once the model works", async () => {
    let failing = true;
    let calls = 0;
    const flaky = new ScriptedChatModel((messages) => {
      calls += 1;
      if (failing) throw new Error("provider unavailable");
      return tutorLine(taskOf(messages)!);
    });
    const { graph, config } = await createTestGraph(fixture, { model: flaky });
    const thread = config();
    await expect(
      graph.invoke({ session_context: fixture.sessionContext as never }, thread),
    ).rejects.toSatisfy(
      (error) => error instanceof TeacherModelError && error.code === "TEACHER_MODEL_FAILED",
    );
    expect(calls).toBe(3);
    expect((await graph.getState(thread)).next).toEqual(["present_card"]);

    failing = false;
    const request = pendingRequest(await graph.invoke(null, thread))!;
    expect(request).toMatchObject({ card_id: "card_001", attempt: 1 });
    const card = fixture.lesson.cards[0]!;
    const next = pendingRequest(
      await graph.invoke(new Command({ resume: submit(request, correctAnswer(card)) }), thread),
    )!;
    expect(next.card_id).toBe("card_002");
    const state = (await graph.getState(thread)).values as State;
    expect(state.evidence).toMatchObject([{ card_id: "card_001", correct: true }]);
  }, 20_000);

  it("streams the teacher's words token by token (streamMode messages)", async () => {
    const model = fakeJudge(fixture.lesson, [["card_002", 1]]);
    const { graph, config } = await createTestGraph(fixture, { model });
    const chunks: string[] = [];
    for await (const [message, metadata] of await graph.stream(
      { session_context: fixture.sessionContext as never },
      { ...config(), streamMode: "messages" },
    )) {
      if (metadata.langgraph_node === "present_card" && message.id?.startsWith("run-") !== false) {
        chunks.push(message.text);
      }
    }
    const line = tutorLine("present_card");
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.join("")).toContain(line);
  });
});
