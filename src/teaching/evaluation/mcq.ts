/**
 * Deterministic judging of `mcq` cards.
 *
 * A choice is read, in this order (documented decisions):
 * 1. the option's text, ignoring case and all whitespace (`"1 / 4"` is `"1/4"`),
 *    which is what the frontend sends;
 * 2. the option's number, 1-based (`2`), or letter (`b` / `B`), optionally
 *    followed by `)` or `.` (`b)`, `2.`), which is what people type.
 * Text wins over number/letter, so an option whose text is `"2"` is chosen by
 * typing `2`. Multi-select answers are parts joined by `|` (the frontend's
 * `" | "`), each read as above, compared with `answerIndices` as sets (order and
 * repeats do not matter). An answer naming no option is judged not correct with
 * feedback that lists how to answer; it is the student's answer, not a data error.
 */
import type { McqCfu } from "../../lessons/schema.js";
import { EvaluationError } from "./errors.js";
import { deterministicRubric } from "./rubric.js";
import type { Evaluation } from "./types.js";

const LETTERS = "abcdefghijklmnopqrstuvwxyz";
const NUMBER_OR_LETTER = /^(?:(\d+)|([a-z]))[).]?$/;

function normalize(text: string): string {
  return text.toLowerCase().replace(/\s+/g, "");
}

/** The option indices the card accepts. */
export function correctOptionIndices(cfu: McqCfu): number[] {
  return cfu.multiSelect === true ? [...new Set(cfu.answerIndices)] : [cfu.answerIndex];
}

/** The correct option text(s), as shown in the worked answer. */
export function correctOptionTexts(cfu: McqCfu): string[] {
  return correctOptionIndices(cfu).map((index) => optionAt(cfu, index));
}

function optionAt(cfu: McqCfu, index: number): string {
  const option = cfu.options[index];
  // The lesson schema checks answer indices against the options; this is unreachable for parsed cards.
  if (option === undefined) throw new RangeError(`Option ${index} missing from CFU ${cfu.id}`);
  return option;
}

/** The option index a single choice names, or undefined when it names none. */
export function readChoice(cfu: McqCfu, choice: string): number | undefined {
  const wanted = normalize(choice);
  const byText = cfu.options.flatMap((option, index) =>
    normalize(option) === wanted ? [index] : [],
  );
  if (byText.length > 1) {
    throw new EvaluationError(
      "ambiguous_options",
      `CFU ${cfu.id} has options that read the same once case and spaces are ignored: ${byText
        .map((index) => JSON.stringify(optionAt(cfu, index)))
        .join(", ")}`,
      { cfuId: cfu.id, options: cfu.options, response: choice },
    );
  }
  if (byText[0] !== undefined) return byText[0];
  const match = NUMBER_OR_LETTER.exec(wanted);
  if (match === null) return undefined;
  const [, number, letter] = match;
  // `LETTERS.indexOf("")` would be 0, option A: never read a choice that names nothing.
  const index =
    number !== undefined ? Number(number) - 1 : letter !== undefined ? LETTERS.indexOf(letter) : -1;
  return index >= 0 && index < cfu.options.length ? index : undefined;
}

export function evaluateMcq(cfu: McqCfu, response: string): Evaluation {
  const parts = cfu.multiSelect === true ? response.split("|") : [response];
  const choices = parts.map((part) => part.trim()).filter((part) => part.length > 0);
  const read = choices.map((choice) => ({ choice, index: readChoice(cfu, choice) }));
  const unknown = read.flatMap(({ choice, index }) => (index === undefined ? [choice] : []));
  if (unknown.length > 0) return unknownChoice(cfu, unknown);

  const chosen = new Set(read.flatMap(({ index }) => (index === undefined ? [] : [index])));
  const expected = new Set(correctOptionIndices(cfu));
  const isCorrect =
    chosen.size === expected.size && [...chosen].every((index) => expected.has(index));
  const chosenTexts = [...chosen].sort((a, b) => a - b).map((index) => optionAt(cfu, index));
  return {
    is_correct: isCorrect,
    partial_credit: isCorrect ? 1 : 0,
    confidence: 1,
    feedback: isCorrect ? correctFeedback(cfu) : wrongFeedback(cfu, chosenTexts),
    // The evidence is in the thread's state while the card may still be asked: no answer key here.
    reasoning: `Chose option(s) ${describeIndices(chosen)}; ${isCorrect ? "the correct option(s)" : "not the correct option(s)"}.`,
    rubric_breakdown: deterministicRubric(cfu, isCorrect),
    method: "mcq",
  };
}

function correctFeedback(cfu: McqCfu): string {
  const texts = correctOptionTexts(cfu).map((text) => `"${text}"`);
  return texts.length === 1
    ? `Correct! The answer is ${texts[0]}.`
    : `Correct! The answers are ${texts.join(", ")}.`;
}

function wrongFeedback(cfu: McqCfu, chosenTexts: readonly string[]): string {
  const chosen = chosenTexts.map((text) => `"${text}"`).join(", ");
  return cfu.multiSelect === true
    ? `Not quite: ${chosen} is not the right set of options.`
    : `Not quite: ${chosen} is not the right answer.`;
}

function unknownChoice(cfu: McqCfu, unknown: readonly string[]): Evaluation {
  const last = cfu.options.length;
  const range = `1-${last} or a-${LETTERS[last - 1] ?? "z"}`;
  const how = cfu.multiSelect === true ? " Separate several choices with |." : "";
  return {
    is_correct: false,
    partial_credit: 0,
    confidence: 1,
    feedback:
      `${unknown.map((choice) => `"${choice}"`).join(", ")} ${unknown.length === 1 ? "is" : "are"} not one of the options. ` +
      `Answer with an option's text, its number or its letter (${range}).${how}`,
    reasoning: `Answer names no option: ${unknown.join(", ")}; judged not correct.`,
    rubric_breakdown: deterministicRubric(cfu, false),
    method: "mcq",
  };
}

function describeIndices(indices: ReadonlySet<number>): string {
  return `[${[...indices]
    .sort((a, b) => a - b)
    .map((index) => index + 1)
    .join(", ")}]`;
}
