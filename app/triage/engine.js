// The triage engine for offline use: evaluates the ruleset of /v1/export (`ruleset`) exactly as
// POST /v1/triage does, with no network and no dependencies. The API stays the source of truth:
// a result computed here carries the same `ruleset_version`, so an app can tell when to sync.
//
//   import { assess } from "/triage-engine.js";
//   const result = assess(exported.ruleset, { fever: true, age: 40 }, { region: "GB", treatments });
//
// `treatments` are the synced treatment items (from /v1/export and /v1/changes); only their slug,
// name, summary, category and cautions are used. Invalid answers throw an InvalidAnswers error whose
// `errors` list is the one POST /v1/triage sends in its 422 problem.

export const ENGINE_VERSION = "__ENGINE_VERSION__";
const UNSURE = "unsure";
const CATEGORY_ORDER = { self_care: 0, medication: 1, professional_care: 2 };

export class InvalidAnswers extends Error {
  constructor(detail, errors) {
    super(detail);
    this.name = "InvalidAnswers";
    this.errors = errors;
  }
}

function termTest(term) {
  if (term.any !== undefined) return { kind: "any", parts: term.any.map(termTest) };
  if (term.is !== undefined) return { kind: "is", question: term.question };
  if (term.lt !== undefined) return { kind: "lt", question: term.question, value: term.lt };
  return { kind: "ge", question: term.question, value: term.ge };
}

function termQuestions(term) {
  return term.any !== undefined ? term.any.flatMap(termQuestions) : [term.question];
}

const compiled = new WeakMap();

/** The ruleset compiled for evaluation, once per ruleset object. */
export function compile(ruleset) {
  let engine = compiled.get(ruleset);
  if (engine) return engine;
  const document = ruleset.document;
  const questions = [...document.questions].sort((a, b) => a.step - b.step);
  const position = new Map(questions.map((q, index) => [q.id, index]));
  const rank = new Map(document.levels.map((level, index) => [level.id, index]));
  const rules = document.rules.map((spec) => ({ spec, tests: spec.when.map(termTest) }));
  for (const step of document.steps) {
    const reading = step.unsure;
    if (reading.level === undefined || reading.level === null) continue;
    for (const question of questions) {
      if (question.step !== step.step || question.type !== "bool") continue;
      rules.push({
        spec: {
          id: `unsure-${question.id.replaceAll("_", "-")}`,
          when: [{ question: question.id, is: true }],
          level: reading.level,
          explanation: reading.explanation,
          excludes: [],
          sources: reading.sources ?? [],
        },
        tests: [{ kind: "unsure", question: question.id }],
      });
    }
  }
  for (const rule of rules) {
    rule.rank = rank.get(rule.spec.level);
    rule.position = position.get(termQuestions(rule.spec.when[0])[0]);
  }
  rules.sort((a, b) => a.rank - b.rank || a.position - b.position); // stable: file order next
  const asYesSteps = new Set(document.steps.filter((s) => s.unsure.as_yes).map((s) => s.step));
  engine = {
    ruleset,
    document,
    questions,
    rank,
    rules,
    required: questions.filter((q) => q.required),
    byId: new Map(questions.map((q) => [q.id, q])),
    unsureAsYes: new Set(questions.filter((q) => q.type === "bool" && asYesSteps.has(q.step)).map((q) => q.id)),
    voices: voices(ruleset),
  };
  compiled.set(ruleset, engine);
  return engine;
}

function voice(region, services, document) {
  const urgent = services.urgent;
  const said = [
    ["{emergency}", services.emergency.name],
    ["{urgent}", urgent.number == null ? urgent.name : `${urgent.name} (call ${urgent.number})`],
  ];
  return {
    region,
    services: {
      emergency: { name: services.emergency.name, number: services.emergency.number ?? null },
      urgent: { name: urgent.name, number: urgent.number ?? null },
    },
    say: (text) => said.reduce((filled, [placeholder, value]) => filled.split(placeholder).join(value), text),
  };
}

function voices(ruleset) {
  const found = new Map();
  for (const region of ruleset.document.regions) found.set(region.code, voice(region.code, region, ruleset.document));
  const own = voice(ruleset.region ?? null, ruleset.services, ruleset.document);
  if (own.region !== null) found.set(own.region, own);
  found.set(null, own);
  return found;
}

function invalid(loc, msg) {
  return { loc: ["body", "answers", ...(loc === null ? [] : [loc])], msg };
}

function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Strictly typed answers, null meaning unanswered; InvalidAnswers names each bad one. */
export function parseAnswers(engine, raw) {
  if (!isObject(raw)) throw new InvalidAnswers("`answers` must be an object.", [invalid(null, "must be an object")]);
  const answers = new Map();
  const errors = [];
  for (const [key, value] of Object.entries(raw)) {
    const question = engine.byId.get(key);
    if (question === undefined) {
      errors.push(invalid(key, "unknown question id"));
      continue;
    }
    if (value === null || value === undefined) continue;
    if (question.type === "bool") {
      if (value === true || value === false || value === UNSURE) answers.set(key, value);
      else errors.push(invalid(key, 'must be true, false or "unsure"'));
      continue;
    }
    if (typeof value !== "number" || !Number.isInteger(value)) errors.push(invalid(key, "must be a whole number"));
    else if (question.min <= value && value <= question.max) answers.set(key, value);
    else errors.push(invalid(key, `must be from ${question.min} to ${question.max}`));
  }
  if (errors.length) throw new InvalidAnswers("Some answers are not valid; see errors.", errors);
  return answers;
}

function saysYes(engine, answer, question) {
  return answer === true || (answer === UNSURE && engine.unsureAsYes.has(question));
}

function holds(engine, test, answers) {
  if (test.kind === "any") return test.parts.some((part) => holds(engine, part, answers));
  const answer = answers.get(test.question);
  if (answer === undefined) return false;
  if (test.kind === "is") return saysYes(engine, answer, test.question);
  if (test.kind === "unsure") return answer === UNSURE;
  if (test.kind === "lt") return answer < test.value;
  return answer >= test.value;
}

function parts(engine, rule, answers) {
  const held = [];
  const walk = (tests) => {
    for (const test of tests) {
      if (test.kind === "any") walk(test.parts.filter((part) => holds(engine, part, answers)));
      else if (!held.includes(test.question)) held.push(test.question);
    }
  };
  walk(rule.tests);
  return held;
}

function shownQuestion(question) {
  const shown = { ...question };
  if (question.type === "bool") shown.answers = [true, false, UNSURE];
  return shown;
}

function treatmentsFor(level, treatments) {
  const bySlug = new Map();
  for (const item of treatments ?? []) {
    const { slug, name, summary, category, cautions } = item;
    bySlug.set(slug, { slug, name, summary, category, cautions });
  }
  const rankOf = (t) => CATEGORY_ORDER[t.category] ?? Object.keys(CATEGORY_ORDER).length;
  return (level.treatments ?? [])
    .filter((slug) => bySlug.has(slug))
    .map((slug) => bySlug.get(slug))
    .sort((a, b) => rankOf(a) - rankOf(b));
}

/**
 * Assess answers as POST /v1/triage does: the same result, field for field.
 * options.region: a region code of the ruleset, or null for the deployment's own services.
 * options.treatments: the synced treatment items.
 */
export function assess(ruleset, rawAnswers, options = {}) {
  const engine = compile(ruleset);
  const document = engine.document;
  const region = options.region ?? null;
  const speak = engine.voices.get(region);
  if (speak === undefined) {
    const known = [...engine.voices.keys()].filter((code) => code !== null).sort();
    throw new InvalidAnswers("The body is not acceptable; see errors.", [
      { loc: ["body", "region"], msg: `unknown region; known regions: ${known.join(", ")}` },
    ]);
  }
  const answers = parseAnswers(engine, rawAnswers);
  const fired = engine.rules.filter((rule) => rule.tests.every((test) => holds(engine, test, answers)));
  const mostUrgent = fired.length ? fired[0].rank : null;
  const unanswered = engine.required.filter((q) => !answers.has(q.id));
  const complete = unanswered.length === 0 || mostUrgent === 0;
  const levels = document.levels;
  const levelId = complete ? levels[mostUrgent ?? levels.length - 1].id : null;
  const shown = levelId === null ? null : levels[engine.rank.get(levelId)];
  let advice = document.incomplete.advice;
  if (shown !== null) {
    const rank = engine.rank.get(shown.id);
    const withAction = fired.find((rule) => rule.rank === rank && rule.spec.action);
    const strained = Object.entries(shown.advice_when ?? {}).find(([q]) => saysYes(engine, answers.get(q), q));
    advice = withAction ? withAction.spec.action : strained ? strained[1] : shown.advice;
  }
  const safety = shown ?? levels[levels.length - 1];
  const safetyNet = [...(engine.rank.get(safety.id) ? document.emergency_signs : []), ...safety.safety_net];
  const excluded = new Set(fired.flatMap((rule) => rule.spec.excludes ?? []));
  const treatments = shown === null ? [] : treatmentsFor(shown, options.treatments).filter((t) => !excluded.has(t.slug));
  const reasons = fired.map((rule) => {
    const held = parts(engine, rule, answers);
    return {
      question_id: held[0],
      answer: answers.get(held[0]),
      parts: held.map((q) => ({ question_id: q, answer: answers.get(q) })),
      level: rule.spec.level,
      explanation: speak.say(rule.spec.explanation),
      action: rule.spec.action ? speak.say(rule.spec.action) : null,
      sources: (rule.spec.sources ?? []).map(({ source, locator }) => ({ source, locator })),
    };
  });
  const redFlags = [...new Set(fired.map((rule) => rule.spec.red_flag).filter(Boolean))];
  return {
    complete,
    level: levelId,
    timeframe: shown ? shown.timeframe : null,
    title: shown ? shown.title : document.incomplete.title,
    advice: speak.say(advice),
    region: speak.region,
    services: speak.services,
    reasons,
    red_flags: redFlags,
    next_questions: complete ? [] : unanswered.map(shownQuestion),
    treatments,
    safety_net: safetyNet.map(speak.say),
    disclaimer: speak.say(document.disclaimer),
    ruleset_version: document.version,
  };
}
