/** How the terminal player shows the lesson: plain text, no markdown markers. */
import type { AIMessage, AIMessageChunk } from "@langchain/core/messages";
import type { CourseOutcome } from "../outcomes/schema.js";
import type { MasteryRecord } from "../stores/ports.js";
import type { AnswerRequest } from "../teaching/protocol.js";
import { PlayerStateError } from "./errors.js";
import type { LessonResult } from "./result.js";

export function messageText(message: AIMessage | AIMessageChunk): string {
  return message.text.replace(/\*\*(.+?)\*\*/g, "$1");
}

export function answerPrompt(request: AnswerRequest): string {
  return `[card ${request.card_index + 1}/${request.total_cards}, attempt ${request.attempt} of ${request.max_attempts}; "skip" skips, "?question" asks] answer> `;
}

/** Formats a score with the 4 decimals the mastery store keeps. */
function score(value: number): string {
  return value.toFixed(4);
}

function outcomeLabel(outcome: CourseOutcome): string {
  return `${outcome.unitCode} ${outcome.outcomeId} ${outcome.outcomeTitle}`;
}

/**
 * Per outcome: its document ID, the lesson's card scores, and the value the
 * student's MasteryV2 record holds after the lesson was folded in.
 */
export function masteryReport(
  result: LessonResult,
  course: { courseId: string; studentId: string },
): string {
  const lines = [
    `Mastery recorded for student ${course.studentId} in ${course.courseId} (${result.mastery_record.status}):`,
  ];
  for (const outcome of result.enriched_outcomes) {
    const scores = result.mastery_updates
      .filter((update) => update.outcome_id === outcome.$id)
      .map((update) => update.score.toFixed(1));
    const stored = result.mastery_record.emaByOutcome[outcome.$id];
    if (stored === undefined) {
      throw new PlayerStateError(`The mastery record has no value for outcome ${outcome.$id}`, {
        outcomeId: outcome.$id,
        recordId: result.mastery_record.recordId,
      });
    }
    lines.push(
      `  ${outcome.$id}  mastery ${score(stored)}  ` +
        `card scores [${scores.join(", ")}]  ${outcomeLabel(outcome)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** What else the completion stored: the evidence rows and the next review per outcome. */
export function completionReport(result: LessonResult): string {
  const { persisted } = result;
  const lines = [
    `Evidence rows stored: ${persisted.evidence_count} (session ${persisted.session_status})`,
    "Next review (FSRS):",
  ];
  for (const outcome of result.enriched_outcomes) {
    const due = persisted.due_at_by_outcome[outcome.$id];
    if (due === undefined) {
      throw new PlayerStateError(`The completion has no review date for outcome ${outcome.$id}`, {
        outcomeId: outcome.$id,
      });
    }
    lines.push(`  ${outcome.$id}  next review ${due}  ${outcomeLabel(outcome)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The MasteryV2 row as the store holds it. */
export function masteryRowText(row: MasteryRecord, where: string): string {
  return `MasteryV2 row in ${where}:\n${JSON.stringify(row, null, 2)}\n`;
}
