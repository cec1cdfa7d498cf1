// An offline-first app in miniature, written against the generated client only: sync the content and
// the ruleset, go offline, assess answers with /triage-engine.js, then check the API agrees.
// Usage: node build/src/offline.js <base URL>   (prints one JSON line)
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import createClient from "openapi-fetch";
import type { components, paths } from "../generated/api.js";

type Item = components["schemas"]["Export"]["data"][number];
type Ruleset = components["schemas"]["OfflineRuleset"];
type Treatment = components["schemas"]["TreatmentPublic"];
type TriageResult = components["schemas"]["TriageResult"];
type TriageRequest = paths["/v1/triage"]["post"]["requestBody"]["content"]["application/json"];

interface OfflineEngine {
  assess(
    ruleset: Ruleset,
    answers: TriageRequest["answers"],
    options: { region?: string | null; treatments?: Treatment[] },
  ): TriageResult;
}

const base = process.argv[2];
if (base === undefined) throw new Error("usage: offline.js <base URL>");
// The app's own switch for the network, so that "offline" below is real for the client too.
let networkUp = true;
const client = createClient<paths>({
  baseUrl: base,
  fetch: (request: Request) => (networkUp ? fetch(request) : Promise.reject(new Error("offline"))),
});

// First launch: the export. Every item is typed by its `type`.
const exported = await client.GET("/v1/export");
if (exported.data === undefined) throw new Error(`export failed: ${exported.response.status}`);
const items = new Map<string, Item>();
for (const item of exported.data.data) items.set(`${item.type}/${item.slug}`, item);
const ruleset: Ruleset | null = exported.data.ruleset;
const cursor: string = exported.data.cursor;
const etag = exported.response.headers.get("etag");

// The change feed from its start rebuilds the same store: upserts, tombstones and the ruleset entry.
const fromFeed = new Map<string, Item>();
let feedRuleset: Ruleset | null = null;
async function changesAfter(since: string | undefined) {
  const page = await client.GET("/v1/changes", { params: { query: { since, limit: 20 } } });
  if (page.data === undefined) throw new Error(`changes failed: ${page.response.status}`);
  return page.data;
}
let since: string | undefined = undefined;
for (;;) {
  const page = await changesAfter(since);
  for (const change of page.data) {
    if (change.action === "delete") fromFeed.delete(`${change.type}/${change.slug}`);
    else if (change.type === "ruleset") feedRuleset = change.item;
    else fromFeed.set(`${change.type}/${change.slug}`, change.item);
  }
  since = page.next_cursor;
  if (!page.has_more) break;
}
const feedAgrees = since === cursor && isDeepStrictEqual(fromFeed, items) && isDeepStrictEqual(feedRuleset, ruleset);

// A conditional request: the export has not changed, so the answer is a 304 with no body.
const revalidated = await client.GET("/v1/export", { params: { header: { "If-None-Match": etag ?? "" } } });
const notModified = revalidated.response.status;

// Keep the engine with the content, as an app keeps it in its bundle or cache.
const engineFile = join(mkdtempSync(join(tmpdir(), "engine-")), "triage-engine.mjs");
writeFileSync(engineFile, await (await fetch(`${base}/triage-engine.js`)).text());
const engine: OfflineEngine = await import(pathToFileURL(engineFile).href);
if (ruleset === null) throw new Error("the export carries no ruleset");

// No network from here: any request fails.
networkUp = false;
const treatments: Treatment[] = [];
for (const item of items.values()) if (item.type === "treatment") treatments.push(item);
const answers: TriageRequest["answers"] = {
  age: 34,
  pregnant: false,
  bladder_or_bowel_change: false,
  saddle_numbness: false,
  both_legs_symptoms: false,
  leg_weakness_worsening: false,
  chest_pain: false,
  heart_warning_signs: false,
  major_trauma: false,
  sudden_severe_pain_with_collapse: false,
  tearing_pain: false,
  very_unwell: false,
  fever: false,
  burning_when_peeing: false,
  cancer_history: false,
  unexplained_weight_loss: false,
  immune_or_injection_risk: false,
  recent_spine_procedure_or_infection: false,
  leg_weakness_new: false,
  recent_fall_or_injury: false,
  sudden_onset_at_rest: false,
  constant_night_pain: false,
  back_lump_or_deformity: false,
  pain_between_shoulder_blades: false,
  worse_with_cough_sneeze: false,
  pain_spreads_to_abdomen: false,
  pulsing_tummy: false,
  known_aneurysm: false,
  sexual_dysfunction_new: false,
  first_episode: true,
  pain_severity: 6,
  painkillers_not_helping: false,
  duration_days: 3,
  daily_activities_limited: "unsure",
  getting_worse_or_struggling: false,
  recurrent_episodes: false,
  one_leg_pain_or_numbness: false,
  inflammatory_pattern: false,
  bone_weakness_risk: false,
  blood_thinners: false,
  started_after_strain: true,
};
const offline = engine.assess(ruleset, answers, { region: "GB", treatments });
let refused = false;
try {
  await client.GET("/v1/export");
} catch {
  refused = true;
}
networkUp = true;

// Back online: the API is the source of truth, and agrees.
const checked = await client.POST("/v1/triage", { body: { answers, region: "GB" } });
if (checked.data === undefined) throw new Error(`triage failed: ${checked.response.status}`);
const condition = items.get("condition/back-spasms");
console.log(
  JSON.stringify({
    items: items.size,
    feed_agrees: feedAgrees,
    not_modified: notModified,
    condition: condition?.type === "condition" ? condition.treatments.length : null,
    offline_refused: refused,
    level: offline.level,
    ruleset_version: offline.ruleset_version,
    same: isDeepStrictEqual(offline, checked.data),
  }),
);
