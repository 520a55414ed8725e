import { HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import type { RubricCfu } from "../../lessons/schema.js";

const JUDGE_INSTRUCTIONS = `You are a careful, encouraging Scottish secondary-school teacher marking one answer against a rubric.
Judge only what the student wrote; do not assume working that is not shown.
For each rubric criterion, award between 0 and its points.
partial_credit is the points awarded divided by the rubric's total points (a number from 0 to 1).
is_correct is true only when the answer fully meets the question.
confidence (0 to 1) is how sure you are of your marking.
feedback speaks to the student in one or two sentences and does not reveal the full answer when it is wrong.
reasoning explains your marking for the teacher.`;

/** The messages that ask the teacher model to judge one answer against the card's rubric. */
export function buildJudgeMessages(cfu: RubricCfu, response: string): BaseMessage[] {
  const criteria = cfu.rubric.criteria
    .map(
      (criterion, index) =>
        `${index + 1}. ${criterion.description} (${criterion.points} point${criterion.points === 1 ? "" : "s"})`,
    )
    .join("\n");
  return [
    new SystemMessage(JUDGE_INSTRUCTIONS),
    new HumanMessage(
      `Question (${cfu.type}):\n${cfu.stem}\n\n` +
        `Rubric (total ${cfu.rubric.total_points} points):\n${criteria}\n\n` +
        `Student's answer:\n${response}`,
    ),
  ];
}
