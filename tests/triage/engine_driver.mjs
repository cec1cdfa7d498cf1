// Runs the offline engine over JSON lines on stdin. A message without `answers` sets the ruleset and
// treatments that later ones use (the reply is {}); a message with `answers` is assessed, with its
// own `ruleset` if it carries one, and `region`, `now` and `knownVersion` as options. Each gets one
// JSON line: the result; {"errors": [...]} when the answers are refused; {"refused": "..."} when
// the ruleset is.
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";

const engine = await import(pathToFileURL(process.argv[2]).href);
const { assess, InvalidAnswers, RulesetRefused } = engine;
let context = { ruleset: null, treatments: [] };
for await (const line of createInterface({ input: process.stdin })) {
  const message = JSON.parse(line);
  if (!("answers" in message)) {
    context = message;
    process.stdout.write(JSON.stringify({ engine_version: engine.ENGINE_VERSION }) + "\n");
    continue;
  }
  let answer;
  try {
    answer = assess("ruleset" in message ? message.ruleset : context.ruleset, message.answers, {
      region: message.region,
      treatments: context.treatments,
      now: message.now,
      knownVersion: message.knownVersion,
    });
  } catch (error) {
    if (error instanceof InvalidAnswers) answer = { errors: error.errors };
    else if (error instanceof RulesetRefused) answer = { refused: error.message };
    else throw error;
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
