// The triage engine for offline use: evaluates the ruleset of /v1/export (`ruleset`) exactly as
// POST /v1/triage does, with no network and no dependencies. The API stays the source of truth:
// a result computed here carries the same `ruleset_version`, so an app can tell when to sync.
//
//   import { assess, RulesetRefused } from "/triage-engine.js";
//   const result = assess(exported.ruleset, { fever: true, age: 40 }, { region: "GB", treatments });
//
// `treatments` are the synced treatment items (from /v1/export and /v1/changes); only their slug,
// name, summary, category and cautions are used. Invalid answers throw an InvalidAnswers error whose
// `errors` list is the one POST /v1/triage sends in its 422 problem.
//
// The engine fails closed. It throws RulesetRefused, and never evaluates, a ruleset it cannot
// evaluate in full: one that needs a newer engine, has a field or an operator this engine does not
// know, or refers to a question, level or rule it does not have; and a copy that has expired
// (`valid_until`) or that a newer version the app knows of (`knownVersion`) supersedes. An app then
// asks the API or, offline, shows the step-1 warning signs with the region's emergency and same-day
// numbers.

/** The newest ruleset shape this engine evaluates in full (a ruleset's `engine_version`). */
export const ENGINE_VERSION = 3;
/** The release of the API that served this file. */
export const APP_VERSION = "__APP_VERSION__";
const UNSURE = "unsure";
const CATEGORY_ORDER = { self_care: 0, medication: 1, professional_care: 2 };
const PLACEHOLDERS = new Set(["emergency", "urgent"]);
// How a term holds: not at all, through an "unsure" its step gives a level of its own, or outright.
const NOT = 0;
const THROUGH_UNSURE = 1;
const OUTRIGHT = 2;

export class InvalidAnswers extends Error {
  constructor(detail, errors) {
    super(detail);
    this.name = "InvalidAnswers";
    this.errors = errors;
  }
}

/** A ruleset this engine must not evaluate: fall back to the API, or to the step-1 warning signs. */
export class RulesetRefused extends Error {
  constructor(reason) {
    super(`ruleset refused: ${reason}`);
    this.name = "RulesetRefused";
    this.reason = reason;
  }
}

// ---- The shape of a ruleset: every field this engine knows, at every level. ----

const isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);
const absent = (value) => value === undefined || value === null;

function refuse(path, problem) {
  throw new RulesetRefused(`${path}: ${problem}`);
}

const string = (value, path) => typeof value === "string" || refuse(path, "must be a string");
const boolean = (value, path) => typeof value === "boolean" || refuse(path, "must be true or false");
const whole = (value, path) => Number.isInteger(value) || refuse(path, "must be a whole number");
const atLeast = (min) => (value, path) =>
  (Number.isInteger(value) && value >= min) || refuse(path, `must be a whole number, at least ${min}`);

function listOf(check, minLength = 0) {
  return (value, path) => {
    if (!Array.isArray(value)) refuse(path, "must be a list");
    if (value.length < minLength) refuse(path, `must have at least ${minLength} item(s)`);
    value.forEach((item, index) => check(item, `${path}[${index}]`));
  };
}

function mapOf(check) {
  return (value, path) => {
    if (!isObject(value)) refuse(path, "must be an object");
    for (const [key, item] of Object.entries(value)) check(item, `${path}.${key}`);
  };
}

// An object with these fields and no other; a field is required unless its name ends in "?".
function shape(fields) {
  const known = new Map(Object.entries(fields).map(([name, check]) => [name.replace(/\?$/, ""), [name, check]]));
  return (value, path) => {
    if (!isObject(value)) refuse(path, "must be an object");
    for (const key of Object.keys(value)) {
      if (!known.has(key)) refuse(path, `unknown field "${key}"`);
    }
    for (const [key, [name, check]] of known) {
      if (absent(value[key])) {
        if (!name.endsWith("?")) refuse(path, `field "${key}" is required`);
      } else {
        check(value[key], `${path}.${key}`);
      }
    }
  };
}

// A test of one answer (`is`: true or "unsure"; `lt`, `ge`: a whole number), or `any` of several terms.
function term(value, path) {
  TERM_FIELDS(value, path);
  const tests = ["is", "lt", "ge"].filter((operator) => !absent(value[operator]));
  if (!absent(value.any)) {
    if (!absent(value.question) || tests.length) refuse(path, "an `any` term holds only other terms");
  } else if (absent(value.question) || tests.length !== 1) {
    refuse(path, "a term tests one question with exactly one of is, lt, ge");
  }
  if (!absent(value.is) && value.is !== true && value.is !== UNSURE) refuse(`${path}.is`, 'must be true or "unsure"');
}
const TERM_FIELDS = shape({
  "question?": string,
  "is?": () => true, // checked above, with the operator count
  "lt?": whole,
  "ge?": whole,
  "any?": listOf(term, 2),
});

const SOURCE = shape({ source: string, locator: string });
const SERVICE = shape({ name: string, "number?": string, "said?": string, "source?": string });
const REGION_SERVICES = shape({ emergency: SERVICE, urgent: SERVICE });
const NAMED_SERVICE = shape({ name: string, "number?": string });
const DOCUMENT = shape({
  version: atLeast(1),
  engine_version: atLeast(1),
  intro: string,
  disclaimer: string,
  incomplete: shape({ title: string, advice: string }),
  "replaced?": mapOf(listOf(string)),
  regions: listOf(shape({ code: string, emergency: SERVICE, urgent: SERVICE }), 1),
  unknown_region: REGION_SERVICES,
  "maternity?": shape({ when: listOf(term, 1), service: SERVICE }),
  emergency_signs: listOf(string, 1),
  levels: listOf(
    shape({
      id: string,
      timeframe: string,
      title: string,
      advice: string,
      "advice_when?": mapOf(string),
      safety_net: listOf(string),
      "treatments?": listOf(string),
    }),
    1,
  ),
  "exclusions?": listOf(shape({ when: listOf(term, 1), excludes: listOf(string, 1), why: string })),
  "additions?": listOf(
    shape({ when: listOf(term, 1), levels: listOf(string, 1), text: string, "unless?": listOf(string) }),
  ),
  "combined_unsure_level?": string,
  steps: listOf(
    shape({
      step: atLeast(0),
      title: string,
      unsure: shape({ "level?": string, "as_yes?": boolean, "explanation?": string, "sources?": listOf(SOURCE) }),
    }),
  ),
  questions: listOf(
    shape({
      id: string,
      step: atLeast(0),
      type: (value, path) => value === "bool" || value === "int" || refuse(path, 'must be "bool" or "int"'),
      required: boolean,
      text: string,
      help: string,
      "min?": whole,
      "max?": whole,
      "ask_if?": term,
      "unsure?": shape({ level: string, "action?": string, explanation: string, sources: listOf(SOURCE, 1) }),
    }),
  ),
  rules: listOf(
    shape({
      id: string,
      when: listOf(term, 1),
      level: string,
      explanation: string,
      "action?": string,
      "excludes?": listOf(string),
      sources: listOf(SOURCE, 1),
      "red_flag?": string,
      "then?": string,
      "keeps_action_when_unsure?": boolean,
    }),
  ),
});
const OFFLINE = shape({
  version: atLeast(1),
  engine_version: atLeast(1),
  valid_until: string,
  "region?": string,
  services: shape({ emergency: NAMED_SERVICE, urgent: NAMED_SERVICE }),
  "maternity?": NAMED_SERVICE,
  document: isObject, // checked in full on its own
});

function* termQuestions(t) {
  if (!absent(t.any)) for (const part of t.any) yield* termQuestions(part);
  else yield t.question;
}

function* texts(document) {
  yield document.intro;
  yield document.disclaimer;
  yield document.incomplete.title;
  yield document.incomplete.advice;
  yield* document.emergency_signs;
  for (const level of document.levels) {
    yield level.title;
    yield level.advice;
    yield* Object.values(level.advice_when ?? {});
    yield* level.safety_net;
  }
  for (const addition of document.additions ?? []) yield addition.text;
  for (const step of document.steps) {
    yield step.title;
    if (step.unsure.explanation) yield step.unsure.explanation;
  }
  for (const question of document.questions) {
    yield question.text;
    yield question.help;
    if (!absent(question.unsure)) {
      yield question.unsure.explanation;
      if (question.unsure.action) yield question.unsure.action;
    }
  }
  for (const rule of document.rules) {
    yield rule.explanation;
    if (rule.action) yield rule.action;
    if (rule.then) yield rule.then;
  }
}

/** Every reference resolves: questions, levels, steps and rules named anywhere exist, and each term
 * tests a question of its kind. */
function checkReferences(document) {
  const levels = new Set();
  for (const level of document.levels) {
    if (levels.has(level.id)) refuse("document.levels", `level ${level.id} is given twice`);
    levels.add(level.id);
  }
  const knownLevel = (level, path) => levels.has(level) || refuse(path, `unknown level ${level}`);
  const steps = new Set();
  for (const step of document.steps) {
    if (steps.has(step.step)) refuse("document.steps", `step ${step.step} is given twice`);
    steps.add(step.step);
    const reading = step.unsure;
    if ((reading.as_yes === true) === !absent(reading.level)) {
      refuse(`document.steps.${step.step}.unsure`, "an unsure reading is either `as_yes: true` or a `level`");
    }
    if (!absent(reading.level)) {
      knownLevel(reading.level, `document.steps.${step.step}.unsure.level`);
      if (!reading.explanation || !reading.sources?.length) {
        refuse(`document.steps.${step.step}.unsure`, "an unsure level needs an explanation and sources");
      }
    }
  }
  if (!absent(document.combined_unsure_level)) knownLevel(document.combined_unsure_level, "document.combined_unsure_level");
  const questions = new Map();
  for (const question of document.questions) {
    if (!/^[a-z][a-z0-9_]*$/.test(question.id)) refuse("document.questions", `bad question id ${question.id}`);
    if (questions.has(question.id)) refuse("document.questions", `question ${question.id} is given twice`);
    questions.set(question.id, question);
  }
  const checkTerm = (t, path) => {
    if (!absent(t.any)) {
      t.any.forEach((part, index) => checkTerm(part, `${path}.any[${index}]`));
      return;
    }
    const tested = questions.get(t.question);
    if (tested === undefined) refuse(path, `unknown question ${t.question}`);
    if (!absent(t.is) !== (tested.type === "bool")) refuse(path, "`is` tests yes/no questions, `lt` and `ge` number ones");
  };
  const checkTerms = (terms, path) => terms.forEach((t, index) => checkTerm(t, `${path}[${index}]`));
  for (const question of document.questions) {
    const path = `document.questions.${question.id}`;
    if (!steps.has(question.step)) refuse(path, `unknown step ${question.step}`);
    if ((question.type === "int") !== (!absent(question.min) && !absent(question.max))) {
      refuse(path, "number questions, and only they, have min and max");
    }
    if (question.type === "bool" && !(absent(question.min) && absent(question.max))) refuse(path, "only number questions have min and max");
    if (!absent(question.unsure)) knownLevel(question.unsure.level, `${path}.unsure.level`);
    if (!absent(question.ask_if)) checkTerm(question.ask_if, `${path}.ask_if`);
  }
  for (const [old, replacements] of Object.entries(document.replaced ?? {})) {
    if (questions.has(old) || !replacements.length || replacements.some((id) => !questions.has(id))) {
      refuse(`document.replaced.${old}`, "a replaced question must be gone, and replaced by known questions");
    }
  }
  if (!absent(document.maternity)) checkTerms(document.maternity.when, "document.maternity.when");
  (document.exclusions ?? []).forEach((e, index) => checkTerms(e.when, `document.exclusions[${index}].when`));
  const ruleIds = new Set();
  for (const rule of document.rules) {
    if (ruleIds.has(rule.id)) refuse("document.rules", `rule ${rule.id} is given twice`);
    ruleIds.add(rule.id);
    knownLevel(rule.level, `document.rules.${rule.id}.level`);
    checkTerms(rule.when, `document.rules.${rule.id}.when`);
  }
  (document.additions ?? []).forEach((addition, index) => {
    const path = `document.additions[${index}]`;
    checkTerms(addition.when, `${path}.when`);
    addition.levels.forEach((level) => knownLevel(level, `${path}.levels`));
    for (const rule of addition.unless ?? []) if (!ruleIds.has(rule)) refuse(`${path}.unless`, `unknown rule ${rule}`);
  });
  for (const level of document.levels) {
    for (const question of Object.keys(level.advice_when ?? {})) {
      if (questions.get(question)?.type !== "bool") {
        refuse(`document.levels.${level.id}.advice_when`, `needs a yes/no question, not ${question}`);
      }
    }
  }
  const codes = new Set();
  for (const region of document.regions) {
    if (!/^[A-Z]{2}$/.test(region.code) || codes.has(region.code)) refuse("document.regions", `bad or repeated code ${region.code}`);
    codes.add(region.code);
  }
  for (const text of texts(document)) {
    for (const [, name] of text.matchAll(/\{([a-z_]*)\}/g)) {
      if (!PLACEHOLDERS.has(name)) refuse("document", `unknown placeholder {${name}} in: ${text}`);
    }
  }
}

function checkShape(ruleset) {
  if (!isObject(ruleset)) refuse("ruleset", "must be an object");
  const document = ruleset.document;
  if (!isObject(document)) refuse("ruleset.document", "must be an object");
  // The version first: a newer ruleset may well have fields this engine does not know, and that is why.
  for (const needs of [document.engine_version, ruleset.engine_version]) {
    if (typeof needs === "number" && needs > ENGINE_VERSION) {
      throw new RulesetRefused(
        `ruleset ${document.version} needs engine version ${needs}; this engine is version ${ENGINE_VERSION}`,
      );
    }
  }
  OFFLINE(ruleset, "ruleset");
  DOCUMENT(document, "document");
  if (ruleset.version !== document.version || ruleset.engine_version !== document.engine_version) {
    refuse("ruleset", "its version and engine_version differ from its document's");
  }
  checkReferences(document);
}

/** A copy that has expired, or that a newer version the app knows of supersedes, is not used. */
function checkCurrent(ruleset, options) {
  const { now, knownVersion } = options;
  let time = Date.now();
  if (now instanceof Date) time = now.getTime();
  else if (typeof now === "number") time = now;
  else if (now !== undefined && now !== null) throw new RulesetRefused("options.now must be a Date or a time in milliseconds");
  const until = Date.parse(ruleset.valid_until);
  if (!Number.isFinite(until) || !Number.isFinite(time)) throw new RulesetRefused(`valid_until ${ruleset.valid_until} is not a time`);
  if (time > until) throw new RulesetRefused(`this copy expired at ${ruleset.valid_until}; fetch the ruleset again`);
  if (knownVersion !== undefined && knownVersion !== null) {
    if (!Number.isInteger(knownVersion)) throw new RulesetRefused("options.knownVersion must be a whole number");
    if (knownVersion > ruleset.version) {
      throw new RulesetRefused(`ruleset ${ruleset.version} is superseded by version ${knownVersion}; fetch it`);
    }
  }
}

// ---- Compiling: the rules in questionnaire order, with the rules that "unsure" answers make. ----

// Each question's own rule: the first that tests only a yes to it.
function ownRules(document) {
  const own = new Map();
  for (const rule of document.rules) {
    const [first] = rule.when;
    if (rule.when.length === 1 && first.is === true && !absent(first.question) && !own.has(first.question)) {
      own.set(first.question, rule);
    }
  }
  return own;
}

// For each yes/no question with a level alone, in a step that gives "unsure" a level: a rule that fires
// on its "unsure", read as the question says (else as its step says), keeping its own rule's action
// unless the question's reading has one.
function unsureRules(document, questions) {
  const own = ownRules(document);
  const steps = new Map(document.steps.map((step) => [step.step, step.unsure]));
  const made = [];
  for (const question of questions) {
    const stepReading = steps.get(question.step);
    const rule = own.get(question.id);
    if (question.type !== "bool" || absent(stepReading.level) || rule === undefined) continue;
    const reading = question.unsure ?? stepReading;
    const ruleAction = rule.action ?? null;
    const action = question.unsure && question.unsure.action ? question.unsure.action : ruleAction;
    made.push({
      spec: {
        id: `unsure-${question.id.replaceAll("_", "-")}`,
        when: [{ question: question.id, is: UNSURE }],
        level: reading.level,
        explanation: reading.explanation,
        action,
        then: action === ruleAction ? (rule.then ?? null) : null,
        sources: reading.sources ?? [],
        excludes: [],
        red_flag: null,
        keeps_action_when_unsure: false,
      },
      origin: rule.id,
    });
  }
  return made;
}

const compiled = new WeakMap();

/**
 * The ruleset compiled for evaluation (once per ruleset object, which must not change afterwards);
 * RulesetRefused when it must not be used (see the top of this file).
 * options.now: a Date or a time in milliseconds (default: now); options.knownVersion: the newest
 * ruleset version the app knows of.
 */
export function compile(ruleset, options = {}) {
  let engine = isObject(ruleset) ? compiled.get(ruleset) : undefined;
  if (engine === undefined) {
    checkShape(ruleset);
    engine = build(ruleset);
    compiled.set(ruleset, engine);
  }
  checkCurrent(ruleset, options ?? {});
  return engine;
}

function build(ruleset) {
  const document = ruleset.document;
  const questions = [...document.questions].sort((a, b) => a.step - b.step); // stable
  const position = new Map(questions.map((q, index) => [q.id, index]));
  const rank = new Map(document.levels.map((level, index) => [level.id, index]));
  const cap = absent(document.combined_unsure_level) ? 0 : rank.get(document.combined_unsure_level);
  const written = document.rules.map((spec) => ({ spec, origin: spec.id }));
  const rules = [...written, ...unsureRules(document, questions)].map(({ spec, origin }, order) => {
    const tested = spec.when.flatMap((t) => [...termQuestions(t)]);
    const own = rank.get(spec.level);
    return {
      spec,
      origin,
      order,
      rank: own,
      cappedRank: Math.max(own, cap),
      position: position.get(tested[0]),
      combined: new Set(tested).size > 1,
    };
  });
  // In questionnaire order; of two rules on the same first question, the more urgent first (its action
  // leads when both fire at one level); file order next.
  rules.sort((a, b) => a.position - b.position || a.rank - b.rank || a.order - b.order);
  const asYesSteps = new Set(document.steps.filter((s) => s.unsure.as_yes === true).map((s) => s.step));
  return {
    document,
    questions,
    rank,
    rules,
    required: questions.filter((q) => q.required),
    byId: new Map(questions.map((q) => [q.id, q])),
    unsureAsYes: new Set(questions.filter((q) => q.type === "bool" && asYesSteps.has(q.step)).map((q) => q.id)),
    voices: voices(ruleset),
  };
}

// ---- Where the person is: the ruleset's texts with one region's services filled in. ----

function voice(region, emergency, urgent, maternity) {
  const said = [
    ["{emergency}", emergency.name],
    ["{urgent}", urgent.said || (absent(urgent.number) ? urgent.name : `${urgent.name} (call ${urgent.number})`)],
  ];
  const services = {
    emergency: { name: emergency.name, number: emergency.number ?? null },
    urgent: { name: urgent.name, number: urgent.number ?? null },
  };
  return {
    region,
    servicesFor: (pregnant) => {
      const named = JSON.parse(JSON.stringify(services));
      if (pregnant && maternity !== null) named.maternity = { ...maternity };
      return named;
    },
    say: (text) => said.reduce((filled, [placeholder, value]) => filled.split(placeholder).join(value), text),
  };
}

function voices(ruleset) {
  const document = ruleset.document;
  let maternity = null;
  if (!absent(document.maternity)) {
    const named = ruleset.maternity ?? document.maternity.service;
    maternity = { name: named.name, number: named.number ?? null };
  }
  const found = new Map();
  const regions = new Map(document.regions.map((region) => [region.code, region]));
  for (const [code, region] of regions) found.set(code, voice(code, region.emergency, region.urgent, maternity));
  // The deployment's own services: its region's, unless it overrides them (and then without the
  // region's own wording of its same-day service).
  const code = ruleset.region ?? null;
  if (code !== null && !regions.has(code)) refuse("ruleset.region", `unknown region ${code}`);
  const base = code === null ? document.unknown_region : regions.get(code);
  const { emergency, urgent } = ruleset.services;
  const kept = urgent.name === base.urgent.name && (urgent.number ?? null) === (base.urgent.number ?? null);
  const own = voice(code, emergency, kept ? base.urgent : urgent, maternity);
  if (code !== null) found.set(code, own);
  found.set(null, own);
  return found;
}

// ---- Answers ----

function invalid(loc, msg) {
  return { loc: ["body", "answers", ...(loc === null ? [] : [loc])], msg };
}

/** Strictly typed answers, null meaning unanswered; InvalidAnswers names each bad one. */
export function parseAnswers(engine, raw) {
  if (!isObject(raw)) throw new InvalidAnswers("`answers` must be an object.", [invalid(null, "must be an object")]);
  const answers = new Map();
  const errors = [];
  const replaced = engine.document.replaced ?? {};
  for (const [key, value] of Object.entries(raw)) {
    const question = engine.byId.get(key);
    if (question === undefined) {
      const by = Object.hasOwn(replaced, key) ? replaced[key] : null;
      if (by && by.length) errors.push(invalid(key, `replaced in ruleset ${engine.document.version} by ${by.join(" and ")}`));
      else errors.push(invalid(key, "unknown question id"));
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

// ---- Evaluation ----

/** How a term holds: OUTRIGHT, THROUGH_UNSURE or NOT. */
function strength(engine, t, answers) {
  if (!absent(t.any)) return Math.max(...t.any.map((part) => strength(engine, part, answers)));
  const answer = answers.get(t.question);
  if (answer === undefined) return NOT;
  if (t.is === true) {
    if (answer === true) return OUTRIGHT;
    if (answer === UNSURE) return engine.unsureAsYes.has(t.question) ? OUTRIGHT : THROUGH_UNSURE;
    return NOT;
  }
  if (t.is === UNSURE) return answer === UNSURE ? OUTRIGHT : NOT;
  if (typeof answer !== "number") return NOT;
  if (!absent(t.lt)) return answer < t.lt ? OUTRIGHT : NOT;
  return answer >= t.ge ? OUTRIGHT : NOT;
}

/** Whether every term holds, outright or through "unsure". */
function holds(engine, terms, answers) {
  return terms.every((t) => strength(engine, t, answers) !== NOT);
}

function asked(engine, question, answers) {
  return absent(question.ask_if) || strength(engine, question.ask_if, answers) !== NOT;
}

/** Fire every rule whose terms all hold; the most urgent fired rule sets the level. */
function evaluate(engine, answers) {
  const levels = engine.document.levels;
  const capped = !absent(engine.document.combined_unsure_level);
  const fired = [];
  for (const rule of engine.rules) {
    let weakest = OUTRIGHT;
    for (const t of rule.spec.when) {
      weakest = Math.min(weakest, strength(engine, t, answers));
      if (weakest === NOT) break;
    }
    if (weakest === OUTRIGHT) {
      fired.push({ rule, rank: rule.rank, level: rule.spec.level, action: rule.spec.action ?? null });
    } else if (weakest === THROUGH_UNSURE && rule.combined) {
      const kept = rule.spec.keeps_action_when_unsure === true ? (rule.spec.action ?? null) : null;
      const level = capped ? levels[rule.cappedRank].id : rule.spec.level;
      fired.push({ rule, rank: rule.cappedRank, level, action: kept });
    }
  }
  fired.sort((a, b) => a.rank - b.rank); // stable: questionnaire order next
  const mostUrgent = fired.length ? fired[0].rank : null;
  const unanswered = engine.required.filter((q) => !answers.has(q.id) && asked(engine, q, answers));
  const complete = unanswered.length === 0 || mostUrgent === 0;
  const excluded = new Set(fired.flatMap((f) => f.rule.spec.excludes ?? []));
  for (const exclusion of engine.document.exclusions ?? []) {
    if (holds(engine, exclusion.when, answers)) for (const slug of exclusion.excludes) excluded.add(slug);
  }
  return {
    complete,
    level: complete ? levels[mostUrgent ?? levels.length - 1].id : null,
    fired,
    nextQuestions: complete ? [] : unanswered,
    excluded,
    minimumLevel: mostUrgent === null ? null : levels[mostUrgent].id,
  };
}

/** The questions whose answers made the rule fire; of an `any`, the parts that hold best. */
function parts(engine, rule, answers) {
  const held = [];
  const walk = (terms) => {
    for (const t of terms) {
      if (!absent(t.any)) {
        const best = Math.max(...t.any.map((part) => strength(engine, part, answers)));
        walk(t.any.filter((part) => strength(engine, part, answers) === best));
      } else if (!held.includes(t.question)) {
        held.push(t.question);
      }
    }
  };
  walk(rule.spec.when);
  return held;
}

const yesOrUnsure = (answer) => answer === true || answer === UNSURE;

/** What to do at `levelId`, as the API words it. */
function advice(engine, speak, answers, fired, levelId) {
  const rank = engine.rank.get(levelId);
  const level = engine.document.levels[rank];
  const here = fired.filter((f) => f.rank === rank);
  const sentences = [];
  if (rank === 0 && here.some((f) => f.action === null)) {
    // The emergency default leads; the other emergency rules' actions follow it.
    sentences.push(speak.say(level.advice));
    for (const f of here) if (f.action) sentences.push(speak.say(f.rule.spec.then || f.action));
  } else {
    const lead = here.find((f) => f.action);
    if (lead) {
      sentences.push(speak.say(lead.action));
    } else {
      const when = Object.entries(level.advice_when ?? {}).find(([question]) => yesOrUnsure(answers.get(question)));
      sentences.push(speak.say(when ? when[1] : level.advice));
    }
  }
  for (const addition of engine.document.additions ?? []) {
    if (!addition.levels.includes(levelId) || !holds(engine, addition.when, answers)) continue;
    const unless = addition.unless ?? [];
    if (here.some((f) => unless.includes(f.rule.origin) && f.action)) continue;
    sentences.push(speak.say(addition.text));
  }
  return [...new Set(sentences)].join(" ");
}

function shownQuestion(question) {
  const shown = JSON.parse(JSON.stringify(question));
  delete shown.unsure;
  shown.ask_if = shown.ask_if ?? null;
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
    .map((slug) => ({ ...bySlug.get(slug) }))
    .sort((a, b) => rankOf(a) - rankOf(b));
}

/**
 * Assess answers as POST /v1/triage does: the same result, field for field.
 * options.region: a region code of the ruleset, in any letter case, or null for the deployment's own.
 * options.treatments: the synced treatment items.
 * options.now, options.knownVersion: as for `compile`.
 * Throws RulesetRefused when the ruleset must not be used, InvalidAnswers when the answers are refused.
 */
export function assess(ruleset, rawAnswers, options = {}) {
  options = options ?? {};
  const engine = compile(ruleset, options);
  const document = engine.document;
  let region = options.region ?? null;
  if (typeof region === "string") region = region.toUpperCase();
  const speak = typeof region === "string" || region === null ? engine.voices.get(region) : undefined;
  if (speak === undefined) {
    const known = [...engine.voices.keys()].filter((code) => code !== null).sort();
    throw new InvalidAnswers("The body is not acceptable; see errors.", [
      { loc: ["body", "region"], msg: `unknown region; known regions: ${known.join(", ")}` },
    ]);
  }
  const answers = parseAnswers(engine, rawAnswers);
  const found = evaluate(engine, answers);
  const levels = document.levels;
  const shown = found.level === null ? null : levels[engine.rank.get(found.level)];
  const safety = shown ?? levels[levels.length - 1];
  const safetyNet = [...(engine.rank.get(safety.id) ? document.emergency_signs : []), ...safety.safety_net];
  let minimum = null;
  if (found.level === null && found.minimumLevel !== null) {
    const at = levels[engine.rank.get(found.minimumLevel)];
    minimum = {
      level: at.id,
      timeframe: at.timeframe,
      title: at.title,
      advice: advice(engine, speak, answers, found.fired, at.id),
    };
  }
  const treatments = shown === null ? [] : treatmentsFor(shown, options.treatments).filter((t) => !found.excluded.has(t.slug));
  const pregnant = !absent(document.maternity) && holds(engine, document.maternity.when, answers);
  const reasons = found.fired.map((f) => {
    const held = parts(engine, f.rule, answers);
    return {
      question_id: held[0],
      answer: answers.get(held[0]),
      parts: held.map((q) => ({ question_id: q, answer: answers.get(q) })),
      level: f.level,
      explanation: speak.say(f.rule.spec.explanation),
      action: f.action ? speak.say(f.action) : null,
      sources: (f.rule.spec.sources ?? []).map(({ source, locator }) => ({ source, locator })),
    };
  });
  return {
    complete: found.complete,
    level: found.level,
    timeframe: shown ? shown.timeframe : null,
    title: shown ? shown.title : document.incomplete.title,
    advice: shown ? advice(engine, speak, answers, found.fired, shown.id) : speak.say(document.incomplete.advice),
    minimum_level: minimum,
    region: speak.region,
    services: speak.servicesFor(pregnant),
    reasons,
    red_flags: [...new Set(found.fired.map((f) => f.rule.spec.red_flag).filter(Boolean))],
    next_questions: found.nextQuestions.map(shownQuestion),
    treatments,
    safety_net: safetyNet.map(speak.say),
    disclaimer: speak.say(document.disclaimer),
    ruleset_version: document.version,
  };
}
