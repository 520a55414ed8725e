/**
 * Rubric judging of `structured_response` / `short_text` cards by the teacher
 * model. The model marks each rubric criterion; it is never asked for, and
 * never trusted with, the overall score or the verdict. Its structured output
 * is parsed with zod (anything that does not parse is an `EvaluationError`,
 * never a guessed verdict), its breakdown must match the card's own rubric
 * criterion for criterion, and the score is recomputed from that breakdown:
 * partial credit = points awarded / the rubric's `total_points`, correct from
 * `CORRECT_PARTIAL_CREDIT`. A model talked into "full marks" by the answer
 * must still name each criterion and the points it awards for it.
 */
import { issueLines } from "../../errors.js";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { OutputParserException } from "@langchain/core/output_parsers";
import { z } from "zod";
import type { Rubric, RubricCfu } from "../../lessons/schema.js";
import { EvaluationError } from "./errors.js";
import { buildJudgeMessages } from "./prompt.js";
import { RubricScoreSchema, type Evaluation, type RubricScore } from "./types.js";

/** How long one judging call may take before it fails. */
export const JUDGE_CALL_TIMEOUT_MS = 60_000;

/** Partial credit from which a model-judged answer counts as correct. */
export const CORRECT_PARTIAL_CREDIT = 0.6;

/**
 * The shape asked of the model (kept free of range checks, which not every
 * provider's schema mode accepts). It has no `is_correct` and no
 * `partial_credit`: zod strips such keys if a model sends them anyway, so a
 * score the model asserts can never reach the verdict.
 */
export const ModelJudgementSchema = z.object({
  confidence: z.number().describe("How sure you are of the marking, 0 to 1"),
  feedback: z.string().describe("One or two sentences to the student"),
  reasoning: z.string().describe("Why you marked it so, for the teacher"),
  rubric_breakdown: z
    .array(RubricScoreSchema)
    .describe("Exactly one entry per rubric criterion, in the rubric's order"),
});
type ModelJudgement = z.infer<typeof ModelJudgementSchema>;

const fraction = z.number().min(0).max(1);

/** What the model's output must satisfy to be used; the breakdown is then checked against the rubric. */
const ValidJudgementSchema = ModelJudgementSchema.extend({
  confidence: fraction,
  feedback: z.string().trim().min(1),
});

export async function evaluateWithModel(
  cfu: RubricCfu,
  response: string,
  model: BaseChatModel,
): Promise<Evaluation> {
  const output = await askModel(cfu, response, model);
  const judgement = parseJudgement(cfu, response, output);
  const mismatches = rubricMismatches(cfu.rubric, judgement.rubric_breakdown);
  if (mismatches.length > 0) {
    throw new EvaluationError(
      "rubric_mismatch",
      `The teacher model's breakdown for CFU ${cfu.id} does not match the card's rubric: ${mismatches.join("; ")}`,
      { cfuId: cfu.id, response, output, mismatches },
    );
  }
  const partialCredit = partialCreditOf(cfu.rubric, judgement.rubric_breakdown);
  return {
    is_correct: partialCredit >= CORRECT_PARTIAL_CREDIT,
    partial_credit: partialCredit,
    confidence: judgement.confidence,
    feedback: judgement.feedback,
    reasoning: judgement.reasoning,
    rubric_breakdown: judgement.rubric_breakdown,
    method: "model",
  };
}

/** The model's raw structured output; an output the provider cannot parse is an `EvaluationError`. */
async function askModel(cfu: RubricCfu, response: string, model: BaseChatModel): Promise<unknown> {
  const judge = model.withStructuredOutput(ModelJudgementSchema, { name: "answer_evaluation" });
  try {
    // `nostream`: the judgement is JSON for the graph, not words for the student's stream.
    return await judge.invoke(buildJudgeMessages(cfu, response), {
      timeout: JUDGE_CALL_TIMEOUT_MS,
      tags: ["nostream"],
    });
  } catch (error) {
    if (error instanceof OutputParserException || error instanceof SyntaxError) {
      throw new EvaluationError(
        "model_output_unparseable",
        `The teacher model's answer for CFU ${cfu.id} could not be parsed: ${error.message}`,
        { cfuId: cfu.id, response },
        { cause: error },
      );
    }
    throw error;
  }
}

function parseJudgement(cfu: RubricCfu, response: string, output: unknown): ModelJudgement {
  const parsed = ValidJudgementSchema.safeParse(output);
  if (parsed.success) return parsed.data;
  const issues = issueLines(parsed.error);
  throw new EvaluationError(
    "model_output_invalid",
    `The teacher model's judgement for CFU ${cfu.id} is invalid: ${issues.join("; ")}`,
    { cfuId: cfu.id, response, output, issues },
  );
}

/**
 * Every way the breakdown differs from the rubric. Entries are matched by
 * position and description together: entry i must name criterion i with its
 * description exactly as the lesson writes it, and carry that criterion's
 * points as `max_points`. Nothing missing, nothing extra, and `points_awarded`
 * within [0, the criterion's points].
 */
function rubricMismatches(rubric: Rubric, breakdown: readonly RubricScore[]): string[] {
  const mismatches: string[] = [];
  const expected = rubric.criteria.length;
  if (breakdown.length !== expected) {
    mismatches.push(`${breakdown.length} entries for ${expected} criteria`);
  }
  rubric.criteria.forEach((criterion, index) => {
    const at = `criterion ${index + 1} (${JSON.stringify(criterion.description)})`;
    const score = breakdown[index];
    if (score === undefined) {
      mismatches.push(`${at} is missing`);
      return;
    }
    if (score.criterion !== criterion.description) {
      mismatches.push(`${at} is named ${JSON.stringify(score.criterion)}`);
    }
    if (score.max_points !== criterion.points) {
      mismatches.push(
        `${at} has max_points ${score.max_points}, the rubric gives ${criterion.points}`,
      );
    }
    if (!(score.points_awarded >= 0 && score.points_awarded <= criterion.points)) {
      mismatches.push(`${at} awards ${score.points_awarded}, outside 0 to ${criterion.points}`);
    }
  });
  breakdown.slice(expected).forEach((score, offset) => {
    mismatches.push(
      `entry ${expected + offset + 1} (${JSON.stringify(score.criterion)}) is not in the rubric`,
    );
  });
  return mismatches;
}

/**
 * Points awarded over the rubric's `total_points` (which the lesson schema
 * requires to equal the sum of the criteria's points), rounded to 4 decimals
 * so that float sums such as 0.6 + 0.6 + 0.6 do not land a hair under the
 * threshold.
 */
function partialCreditOf(rubric: Rubric, breakdown: readonly RubricScore[]): number {
  const awarded = breakdown.reduce((sum, score) => sum + score.points_awarded, 0);
  return Math.round((awarded / rubric.total_points) * 10_000) / 10_000;
}
