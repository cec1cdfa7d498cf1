// Reads JSON lines on stdin: first the exported ruleset and treatments, then one answer set per line;
// writes one JSON line per answer set: the result, or {"errors": [...]} when the answers are refused.
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const { assess, InvalidAnswers } = await import(pathToFileURL(process.argv[2]).href);
let context = null;
for await (const line of createInterface({ input: process.stdin })) {
  const message = JSON.parse(line);
  if (context === null) {
    context = message;
    process.stdout.write("{}\n");
    continue;
  }
  let answer;
  try {
    answer = assess(context.ruleset, message.answers, { region: message.region, treatments: context.treatments });
  } catch (error) {
    if (!(error instanceof InvalidAnswers)) throw error;
    answer = { errors: error.errors };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
