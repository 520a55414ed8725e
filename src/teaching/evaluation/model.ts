/**
 * Rubric judging of `structured_response` / `short_text` cards by the teacher
 * model. The model's structured output is parsed with zod; anything that does
 * not parse is an `EvaluationError`, never a guessed verdict. The verdict is
 * decided by partial credit alone, in both directions: >= 0.6 is correct even
 * if the model said otherwise, < 0.6 is not correct even if the model said so.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { OutputParserException } from "@langchain/core/output_parsers";
import { z } from "zod";
import type { RubricCfu } from "../../lessons/schema.js";
import { EvaluationError } from "./errors.js";
import { buildJudgeMessages } from "./prompt.js";
import type { Evaluation } from "./types.js";

/** Partial credit from which a model-judged answer counts as correct. */
export const CORRECT_PARTIAL_CREDIT = 0.6;

/** The shape asked of the model (kept free of range checks, which not every provider's schema mode accepts). */
export const ModelJudgementSchema = z.object({
  is_correct: z.boolean().describe("Whether the answer fully meets the question"),
  confidence: z.number().describe("How sure you are of the marking, 0 to 1"),
  feedback: z.string().describe("One or two sentences to the student"),
  reasoning: z.string().describe("Why you marked it so, for the teacher"),
  partial_credit: z
    .number()
    .describe("Points awarded divided by the rubric's total points, 0 to 1"),
  rubric_breakdown: z
    .array(
      z.object({
        criterion: z.string().describe("The rubric criterion's description"),
        points_awarded: z.number(),
        max_points: z.number(),
      }),
    )
    .describe("One entry per rubric criterion"),
});

const fraction = z.number().min(0).max(1);

/** What the model's output must satisfy to be used. */
const ValidJudgementSchema = ModelJudgementSchema.extend({
  confidence: fraction,
  partial_credit: fraction,
  feedback: z.string().trim().min(1),
  rubric_breakdown: z
    .array(
      z
        .object({
          criterion: z.string().min(1),
          points_awarded: z.number().min(0),
          max_points: z.number().positive(),
        })
        .refine((score) => score.points_awarded <= score.max_points, {
          message: "points_awarded exceeds max_points",
        }),
    )
    .min(1),
});

export async function evaluateWithModel(
  cfu: RubricCfu,
  response: string,
  model: BaseChatModel,
): Promise<Evaluation> {
  const judge = model.withStructuredOutput(ModelJudgementSchema, { name: "answer_evaluation" });
  let output: unknown;
  try {
    output = await judge.invoke(buildJudgeMessages(cfu, response));
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
  const parsed = ValidJudgementSchema.safeParse(output);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw new EvaluationError(
      "model_output_invalid",
      `The teacher model's judgement for CFU ${cfu.id} is invalid: ${issues.join("; ")}`,
      { cfuId: cfu.id, response, output, issues },
    );
  }
  const judgement = parsed.data;
  const isCorrect = judgement.partial_credit >= CORRECT_PARTIAL_CREDIT;
  const overridden =
    isCorrect === judgement.is_correct
      ? ""
      : ` [is_correct set to ${isCorrect}: partial credit ${judgement.partial_credit} is ${isCorrect ? ">=" : "<"} ${CORRECT_PARTIAL_CREDIT}]`;
  return {
    is_correct: isCorrect,
    partial_credit: judgement.partial_credit,
    confidence: judgement.confidence,
    feedback: judgement.feedback,
    reasoning: judgement.reasoning + overridden,
    rubric_breakdown: judgement.rubric_breakdown,
    method: "model",
  };
}
