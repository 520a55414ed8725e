/**
 * Deterministic judging of `numeric` cards.
 *
 * Reading rules (documented decisions):
 * - Leading/trailing spaces are ignored; one sign (`-`, `+`) may come before or
 *   after a currency symbol (`-£4`, `£-4`).
 * - Currency symbols `£ $ €` and `%` are unit labels, not arithmetic: they are
 *   dropped before comparing. The card's `expected` is in the unit its stem asks
 *   for, so `25%` reads as 25 and matches an expected 25 (a "give it as a
 *   percentage" card), and does NOT match an expected 0.25 (a "write 25% as a
 *   decimal" card, where `25%` is exactly the unconverted answer). A currency
 *   symbol and `%` together are unreadable.
 * - Thousands separators are commas in groups of three (`1,250.50`). Any other
 *   comma (`4,5`) is unreadable rather than guessed as a decimal comma.
 * - A simple fraction of whole numbers (`3/4`, `-3/4`) reads as its value; a zero
 *   denominator and mixed numbers (`1 1/2`) are unreadable.
 * - Anything else (words, units like `4p`, several numbers) is unreadable.
 *
 * An unreadable answer is the student's answer, not a data error: it is judged
 * not correct (it uses an attempt like any wrong answer) with feedback that says
 * which formats are understood. A blank answer is different: there is nothing to
 * judge, so the caller gets an `EvaluationError` (see `evaluateAnswer` in ./index.ts).
 *
 * Comparison: with `money2dp` the student's value is rounded to pennies first;
 * the answer is correct when |value - expected| <= tolerance (default 0.01),
 * with 1e-9 of slack for binary floating point (4.01 - 4 is 0.00999...98).
 */
import type { NumericCfu } from "../../lessons/schema.js";
import { deterministicRubric } from "./rubric.js";
import type { Evaluation } from "./types.js";

/** The platform's documented default absolute tolerance. */
export const DEFAULT_NUMERIC_TOLERANCE = 0.01;
const FLOAT_SLACK = 1e-9;

const CURRENCY_SYMBOLS = ["£", "$", "€"];
const DECIMAL = /^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^\.\d+$/;
const FRACTION = /^(\d+)\s*\/\s*(\d+)$/;

/** The value of a student's numeric answer, or undefined when it cannot be read. */
export function readNumericAnswer(response: string): number | undefined {
  let text = response.trim();
  const isPercent = text.endsWith("%");
  if (isPercent) text = text.slice(0, -1).trim();

  let sign = 1;
  const takeSign = (): void => {
    if (text.startsWith("-") || text.startsWith("+")) {
      if (text.startsWith("-")) sign = -sign;
      text = text.slice(1).trim();
    }
  };
  takeSign();
  let currencyCount = 0;
  if (CURRENCY_SYMBOLS.some((symbol) => text.startsWith(symbol))) {
    text = text.slice(1).trim();
    currencyCount += 1;
    if (sign === 1) takeSign();
  }
  if (CURRENCY_SYMBOLS.some((symbol) => text.endsWith(symbol))) {
    text = text.slice(0, -1).trim();
    currencyCount += 1;
  }
  if (currencyCount > 1 || (currencyCount === 1 && isPercent)) return undefined;

  const magnitude = readMagnitude(text);
  return magnitude === undefined ? undefined : sign * magnitude;
}

function readMagnitude(text: string): number | undefined {
  if (DECIMAL.test(text)) return Number(text.replaceAll(",", ""));
  const fraction = FRACTION.exec(text);
  if (fraction === null) return undefined;
  const denominator = Number(fraction[2]);
  return denominator === 0 ? undefined : Number(fraction[1]) / denominator;
}

export function roundToPennies(value: number): number {
  return Math.round((value + Math.sign(value) * Number.EPSILON) * 100) / 100;
}

/** How the expected value is shown once the card is over (worked answer). */
export function formatExpectedNumber(cfu: NumericCfu): string {
  return cfu.money2dp === true ? cfu.expected.toFixed(2) : String(cfu.expected);
}

export function evaluateNumeric(cfu: NumericCfu, response: string): Evaluation {
  const tolerance = cfu.tolerance ?? DEFAULT_NUMERIC_TOLERANCE;
  const answer = response.trim();
  const read = readNumericAnswer(answer);
  if (read === undefined) {
    return {
      is_correct: false,
      partial_credit: 0,
      confidence: 1,
      feedback:
        `I couldn't read "${answer}" as a number. Enter digits; you may add £, $ or €, ` +
        "thousands commas (1,250), or write a fraction (3/4) or a percentage (25%).",
      reasoning: `Answer "${answer}" is not a readable number; judged not correct.`,
      rubric_breakdown: deterministicRubric(cfu, false),
      method: "numeric",
    };
  }
  const value = cfu.money2dp === true ? roundToPennies(read) : read;
  const isCorrect = Math.abs(value - cfu.expected) <= tolerance + FLOAT_SLACK;
  return {
    is_correct: isCorrect,
    partial_credit: isCorrect ? 1 : 0,
    confidence: 1,
    feedback: isCorrect
      ? `Correct! ${formatExpectedNumber(cfu)} is right.`
      : `Not quite: ${answer} is not the right answer.`,
    reasoning:
      `Read ${read} from "${answer}"${cfu.money2dp === true ? `, rounded to pennies: ${value}` : ""}; ` +
      // The evidence is in the thread's state while the card may still be asked: no answer key here.
      `${isCorrect ? "within" : "outside"} the tolerance (± ${tolerance}) of the expected value.`,
    rubric_breakdown: deterministicRubric(cfu, isCorrect),
    method: "numeric",
  };
}
