/**
 * `teaching-graph play` (`npm start`): a lesson in the terminal. Answers are
 * read line by line from stdin, so they can be typed or piped; the lesson's
 * mastery is printed at the end. See src/player/.
 */
import type { Command } from "commander";
import { readEnv } from "../config/env.js";

interface PlayOptions {
  student: string;
  plain?: boolean;
}

export function registerPlayCommand(program: Command): void {
  program
    .command("play")
    .description(
      "Teach the demo lesson (fractions of amounts, course course_c84774) in the terminal, on the embedded SQLite " +
        "store at SQLITE_PATH (never Appwrite): seeds the demo data idempotently, reads one answer per line from stdin " +
        '("skip" skips a card) and prints the mastery the lesson recorded; a lesson the student left unfinished ' +
        "is continued. Without TEACHER_MODEL only the cards judged without a language model are taught.",
    )
    .option("--student <id>", "the student whose mastery is recorded", "demo_student")
    .option("--plain", "show the plain-language explainers")
    .action(async (options: PlayOptions) => {
      // Loaded on use: `--help` and the other commands need neither the graph nor a model.
      const [{ playDemoLesson }, { loadTeacherModel }] = await Promise.all([
        import("../player/index.js"),
        import("../models/loadChatModel.js"),
      ]);
      await playDemoLesson({
        sqlitePath: readEnv().SQLITE_PATH,
        model: await loadTeacherModel(),
        studentId: options.student,
        usePlainText: options.plain === true,
        input: process.stdin,
        write: (text) => process.stdout.write(text),
        echoAnswers: process.stdin.isTTY !== true,
      });
    });
}
