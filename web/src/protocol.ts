/**
 * What the page reads of the teaching graph's protocol (README, "The
 * protocol"; src/teaching/protocol.ts): the `lesson_card_presentation` and
 * `lesson_completion_summary` tool calls in the thread's messages, and the
 * interrupt's answer request. Nothing is read from the graph's state values:
 * a frontend sees only the protocol. Every piece is parsed with zod, and a
 * piece that does not parse is an error the page shows, never guessed around.
 */
import type { Interrupt, Message } from "@langchain/langgraph-sdk";
import { z } from "zod";
import { PublicCardSchema } from "../../src/lessons/public.js";
import { CourseOutcomeSchema } from "../../src/outcomes/schema.js";
import {
  AnswerRequestSchema,
  LESSON_CARD_PRESENTATION,
  LESSON_COMPLETION_SUMMARY,
  type AnswerRequest,
  type ResumePayloadInput,
} from "../../src/teaching/protocol.js";

export type { AnswerRequest, ResumePayloadInput };

/** What the page shows of a `lesson_card_presentation` call. */
export const CardCallSchema = z.looseObject({
  card_data: PublicCardSchema,
  card_index: z.int().nonnegative(),
  total_cards: z.int().positive(),
  interaction_id: z.string(),
  /** The teacher model's introduction of the card (the message before it), or null. */
  introduction_id: z.string().nullable(),
  lesson_title: z.string(),
});
export type CardCall = z.infer<typeof CardCallSchema>;

/** An outcome as the summary labels it: its document ID, unit code, code within the unit and title. */
export const SummaryOutcomeSchema = CourseOutcomeSchema.pick({
  $id: true,
  unitCode: true,
  outcomeId: true,
  outcomeTitle: true,
});
export type SummaryOutcome = z.infer<typeof SummaryOutcomeSchema>;

/** One card's result (`performance_analysis.cards`). */
const CardResultSchema = z.object({
  card_id: z.string(),
  title: z.string(),
  correct: z.boolean(),
  skipped: z.boolean(),
  attempts: z.int().nonnegative(),
  first_attempt_success: z.boolean(),
});
export type CardResult = z.infer<typeof CardResultSchema>;

/** What the page shows of a `lesson_completion_summary` call. */
export const SummaryCallSchema = z.looseObject({
  summary: z.string(),
  lesson_title: z.string(),
  performance_analysis: z.looseObject({
    total_cards: z.int().nonnegative(),
    cards_correct: z.int().nonnegative(),
    overall_accuracy: z.number(),
    retry_recommended: z.boolean(),
    cards: z.array(CardResultSchema),
  }),
  /** The lesson's outcomes (the labels of the mastery bars). */
  enriched_outcomes: z.array(z.looseObject(SummaryOutcomeSchema.shape)).min(1),
  /** The MasteryV2 record as written: the values of the bars. */
  mastery_record: z.looseObject({ emaByOutcome: z.record(z.string(), z.number()) }),
});
export type SummaryCall = z.infer<typeof SummaryCallSchema>;

/** One bar of the summary: an outcome of the lesson and its mastery after it. */
export interface OutcomeMastery {
  outcome: SummaryOutcome;
  mastery: number;
}

/** The protocol said something the page cannot show; the message names what. */
export class ProtocolViewError extends Error {
  override name = "ProtocolViewError";
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ProtocolViewError(`${what}: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** A tool call of one of the protocol's names, with the index of its message. */
interface FoundCall {
  index: number;
  args: unknown;
}

function lastCall(messages: readonly Message[], name: string): FoundCall | undefined {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index];
    if (message?.type !== "ai") continue;
    const call = message.tool_calls?.find((candidate) => candidate.name === name);
    if (call !== undefined) return { index, args: call.args };
  }
  return undefined;
}

/** The card being taught: the last `lesson_card_presentation` call, and where it sits in the messages. */
export function currentCard(
  messages: readonly Message[],
): { card: CardCall; index: number } | undefined {
  const found = lastCall(messages, LESSON_CARD_PRESENTATION);
  if (found === undefined) return undefined;
  return { card: parse(CardCallSchema, found.args, LESSON_CARD_PRESENTATION), index: found.index };
}

/** The completion summary, once the lesson ended. */
export function completionSummary(messages: readonly Message[]): SummaryCall | undefined {
  const found = lastCall(messages, LESSON_COMPLETION_SUMMARY);
  return found === undefined
    ? undefined
    : parse(SummaryCallSchema, found.args, LESSON_COMPLETION_SUMMARY);
}

/**
 * Each outcome of the lesson with the mastery the record holds for it. An
 * outcome without a value is an error: the graph writes one for every outcome
 * of the lesson.
 */
export function outcomeMastery(summary: SummaryCall): OutcomeMastery[] {
  const values = summary.mastery_record.emaByOutcome;
  return summary.enriched_outcomes.map((outcome) => {
    const mastery = values[outcome.$id];
    if (mastery === undefined) {
      throw new ProtocolViewError(
        `${LESSON_COMPLETION_SUMMARY}: mastery_record.emaByOutcome has no value for outcome ${outcome.$id}`,
      );
    }
    return { outcome: SummaryOutcomeSchema.parse(outcome), mastery };
  });
}

/** The answer request the thread waits at, if it waits at one. */
export function answerRequest(interrupt: Interrupt | undefined): AnswerRequest | undefined {
  if (interrupt === undefined) return undefined;
  return parse(AnswerRequestSchema, interrupt.value, "the interrupt's answer request");
}

/** A message's text (content blocks joined). */
export function textOf(message: Message): string {
  if (typeof message.content === "string") return message.content;
  return message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
}

/** Everything the page shows, read from the protocol alone. */
export interface LessonView {
  card: CardCall | undefined;
  /** The teacher model's introduction of the current card, shown in place of its explainer. */
  introduction: string | undefined;
  /** Messages since the current card was presented (feedback, hints, questions). */
  sinceCard: Message[];
  /**
   * The graph's words on the payload the waiting request refuses (its last
   * message), shown beside the input instead of in `sinceCard`.
   */
  rejection: string | undefined;
  /** Messages between the previous card and this one's introduction (how the previous card ended). */
  beforeCard: Message[];
  request: AnswerRequest | undefined;
  summary: SummaryCall | undefined;
}

export function lessonView(
  messages: readonly Message[],
  interrupt: Interrupt | undefined,
): LessonView {
  const found = currentCard(messages);
  const previous = found === undefined ? undefined : currentCard(messages.slice(0, found.index));
  const introductionId = found?.card.introduction_id ?? null;
  const introductionAt =
    found === undefined || introductionId === null
      ? -1
      : messages.findLastIndex(
          (message, index) => index < found.index && message.id === introductionId,
        );
  if (introductionId !== null && introductionAt < 0) {
    throw new ProtocolViewError(
      `${LESSON_CARD_PRESENTATION}: introduction ${introductionId} is not among the messages`,
    );
  }
  const introduction = introductionAt < 0 ? undefined : messages[introductionAt];
  const request = answerRequest(interrupt);
  const sinceCard = found === undefined ? [] : messages.slice(found.index + 1);
  // A refused payload comes back twice: as the request's error, and as the graph's last message.
  const last = sinceCard.at(-1);
  const refused =
    request !== undefined &&
    request.error !== null &&
    request.interaction_id === found?.card.interaction_id &&
    last?.type === "ai";
  const rejection = refused ? last : undefined;
  return {
    card: found?.card,
    introduction: introduction === undefined ? undefined : textOf(introduction),
    sinceCard: rejection === undefined ? sinceCard : sinceCard.slice(0, -1),
    rejection: rejection === undefined ? undefined : textOf(rejection),
    beforeCard:
      found === undefined || previous === undefined
        ? []
        : messages
            .slice(previous.index + 1, found.index)
            .filter((message) => message !== introduction),
    request,
    summary: completionSummary(messages),
  };
}
