/* <back-pain-guide>: back-spasm guidance and triage from the back-pain guidance API, for any web page.
 * No framework and no dependencies. Everything renders in a Shadow DOM, so the host page's CSS cannot
 * reach in and ours cannot leak out. Text from the API is only ever set as text, never as HTML.
 */
(() => {
  "use strict";

  const VERSION = "__WIDGET_VERSION__";
  const TAG = "back-pain-guide";
  if (customElements.get(TAG)) return;

  // Where this script came from: the default API base, so a page only has to name the key.
  const SCRIPT_ORIGIN = (() => {
    const script = document.currentScript;
    try {
      return new URL(script && script.src ? script.src : location.href).origin;
    } catch {
      return location.origin;
    }
  })();

  const STYLES = `
:host {
  all: initial;
  display: block;
  --_accent: var(--bpg-accent, #0b5cad);
  --_on-accent: var(--bpg-accent-contrast, #ffffff);
  --_text: var(--bpg-text, #1b1f24);
  --_muted: var(--bpg-muted, #454c55);
  --_bg: var(--bpg-background, #ffffff);
  --_surface: var(--bpg-surface, #f3f5f8);
  --_border: var(--bpg-border, #767d87);
  --_focus: var(--bpg-focus, #1d4ed8);
  --_emergency: var(--bpg-emergency, #a4001d);
  --_on-emergency: var(--bpg-emergency-contrast, #ffffff);
  --_urgent: var(--bpg-urgent, #8a4500);
  --_radius: var(--bpg-radius, 8px);
}
:host([hidden]) { display: none; }
[hidden] { display: none !important; }
/* The host element inherits from the page, and a page rule such as "* { letter-spacing: 2px }"
   wins over :host, so the inherited properties are reset again on the first element inside. */
.bpg { all: initial; display: block; box-sizing: border-box;
  font-family: var(--bpg-font, system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif);
  font-size: var(--bpg-font-size, 16px); line-height: 1.5;
  background: var(--_bg); color: var(--_text); padding: 1rem; border-radius: var(--_radius); }
* { box-sizing: border-box; }
section + section { margin-top: 2rem; }
h2 { font-size: 1.5em; margin: 0 0 .5rem; line-height: 1.25; }
h3 { font-size: 1.2em; margin: 1.5rem 0 .5rem; }
h4 { font-size: 1em; margin: 1rem 0 .25rem; color: var(--_muted); }
p { margin: 0 0 .75rem; }
ul { margin: 0 0 .75rem; padding-left: 1.25rem; }
li { margin: 0 0 .4rem; }
a { color: var(--_accent); }
.lead { font-size: 1.1em; }
.muted, .hint { color: var(--_muted); }
.hint { display: block; font-size: .9em; }
.badge { display: inline-block; font-size: .8em; font-weight: 700; padding: 0 .4em; border-radius: 4px;
  margin-right: .4em; color: var(--_on-emergency); background: var(--_emergency); }
.badge.urgent { background: var(--_urgent); }
button { font: inherit; cursor: pointer; border-radius: var(--_radius); padding: .55rem 1rem;
  border: 2px solid var(--_accent); background: var(--_accent); color: var(--_on-accent); }
button.secondary { background: var(--_bg); color: var(--_accent); }
button:focus-visible, input:focus-visible, a:focus-visible, [tabindex="-1"]:focus-visible {
  outline: 3px solid var(--_focus); outline-offset: 2px; }
fieldset { border: 1px solid var(--_border); border-radius: var(--_radius); padding: 1rem; margin: 0 0 1rem; }
legend { font-weight: 700; padding: 0 .25rem; }
.question { display: grid; grid-template-columns: 1fr; gap: .25rem .6rem; align-items: start;
  padding: .5rem 0; border-top: 1px solid var(--_surface); }
fieldset.question { border: 0; border-radius: 0; margin: 0; padding: .5rem 0 .75rem; }
fieldset.question legend { font-weight: 400; padding: 0; }
.choices { display: flex; gap: .4rem 1.25rem; flex-wrap: wrap; }
.choices label { display: inline-flex; gap: .4rem; align-items: center; cursor: pointer; }
input[type=radio] { width: 1.2rem; height: 1.2rem; margin: 0; accent-color: var(--_accent); }
[aria-invalid=true] > .choices { outline: 2px solid var(--_emergency); outline-offset: 4px; }
.caution { display: block; font-size: .95em; color: var(--_muted); }
.services { list-style: none; padding: 0; }
.calls { display: flex; flex-wrap: wrap; gap: .5rem; margin: 0 0 .75rem; }
a.call { display: inline-flex; flex-direction: column; justify-content: center; min-height: 3rem; font-weight: 700;
  font-size: 1.2em; line-height: 1.25; padding: .45rem 1rem; border: 2px solid var(--_accent); border-radius: var(--_radius);
  background: var(--_accent); color: var(--_on-accent); text-decoration: none; }
a.call .number { font-size: .8em; font-weight: 400; }
.notice a.call { background: var(--_emergency); color: var(--_on-emergency); border-color: var(--_emergency); }
input[type=number] { font: inherit; width: 8rem; padding: .4rem .5rem; color: var(--_text); background: var(--_bg);
  border: 2px solid var(--_border); border-radius: 6px; }
input[aria-invalid=true] { border-color: var(--_emergency); }
.error-text { color: var(--_emergency); font-weight: 600; }
.actions { display: flex; gap: .75rem; flex-wrap: wrap; }
/* Scrolled to on a result: a page with a fixed header of its own sets --bpg-scroll-margin to its height. */
.outcome, .minimum { scroll-margin-top: var(--bpg-scroll-margin, .5rem); }
.result { border: 2px solid var(--_accent); border-radius: var(--_radius); padding: 1rem; margin: 0;
  background: var(--_surface); }
.result .level { text-transform: uppercase; letter-spacing: .05em; font-weight: 700; font-size: .85em; margin: 0; }
.result h3 { margin: .1rem 0 .5rem; }
.result .action { font-size: 1.1em; }
.result.emergency { background: var(--_emergency); color: var(--_on-emergency); border-color: var(--_emergency); }
.result.emergency .action { font-size: 1.2em; line-height: 1.35; }
.result.emergency a.call { background: var(--_on-emergency); color: var(--_emergency); border-color: var(--_on-emergency); }
.restart { margin-top: 1.5rem; }
.minimum { border: 2px solid var(--_accent); border-left-width: .5rem; border-radius: var(--_radius); padding: .75rem 1rem;
  margin: 0 0 1rem; background: var(--_surface); }
.minimum.urgent { border-color: var(--_urgent); }
.minimum p { margin: 0 0 .4rem; }
.minimum p:last-child { margin: 0; }
.minimum-title { font-size: 1.15em; }
.result.emergency h3, .result.emergency h4, .result.emergency .level, .result.emergency .muted {
  color: var(--_on-emergency); }
.result.emergency a:not(.call) { color: var(--_on-emergency); }
.result.emergency .caution { color: var(--_on-emergency); }
.result.emergency a:focus-visible, .result.emergency [tabindex="-1"]:focus-visible { outline-color: var(--_on-emergency); }
.result.urgent { border-color: var(--_urgent); }
.notice { border: 2px solid var(--_border); border-radius: var(--_radius); padding: 1rem; background: var(--_surface);
  scroll-margin-top: var(--bpg-scroll-margin, .5rem); }
.notice h3 { margin-top: .75rem; }
.loading { color: var(--_muted); }
.sources li span { display: block; }
::slotted([slot="header"]) { display: block; margin: 0 0 1rem; }
::slotted([slot^="after-result"]) { display: block; margin: 1rem 0 0; }
@media (prefers-reduced-motion: no-preference) { button { transition: background-color .15s; } }
`;

  let sharedSheet = null;
  function adoptStyles(root) {
    // A constructed sheet is shared by every instance and needs no inline <style> (strict CSPs allow it).
    try {
      if (!sharedSheet) {
        sharedSheet = new CSSStyleSheet();
        sharedSheet.replaceSync(STYLES);
      }
      root.adoptedStyleSheets = [sharedSheet];
    } catch {
      const style = document.createElement("style");
      style.textContent = STYLES;
      root.append(style);
    }
  }

  /** Make an element: attributes (on* names become listeners) and children (strings become text). */
  function h(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  const LABELS = {
    injury: "Injuries",
    activity: "Activities",
    risk_factor: "Risk factors",
    underlying_condition: "Underlying conditions",
    self_care: "Self-care",
    medication: "Medication",
    professional_care: "Professional care",
    emergency: "Emergency",
    urgent: "Urgent",
    routine: "See a doctor",
  };
  const TIMEFRAMES = {
    now: "Now",
    today: "Today",
    within_2_weeks: "Within 2 weeks",
    self_care: "Look after it at home; no appointment needed now",
  };
  const label = (value) => LABELS[value] || value;

  class ApiError extends Error {
    constructor(kind, retryAfter) {
      super(kind);
      this.kind = kind; // "offline" | "busy" | "refused" | "forbidden" | "unavailable"
      this.retryAfter = retryAfter;
    }
  }

  let serial = 0;

  class BackPainGuide extends HTMLElement {
    static get observedAttributes() {
      return ["api-base", "api-key", "view", "condition", "seo", "region"];
    }

    constructor() {
      super();
      this.id_ = `bpg${++serial}`;
      this.root = this.attachShadow({ mode: "open" });
      adoptStyles(this.root);
      this.container = h("div", { class: "bpg", part: "container" });
      this.root.append(this.container);
    }

    connectedCallback() {
      this.render();
    }

    /** Tell the page: a CustomEvent that bubbles out of the shadow root (`bpg:step`, `bpg:result`, `bpg:error`). */
    emit(name, detail) {
      this.container.dispatchEvent(new CustomEvent(`bpg:${name}`, { detail, bubbles: true, composed: true }));
    }

    attributeChangedCallback() {
      if (this.rendered) this.render();
    }

    get apiBase() {
      return (this.getAttribute("api-base") || SCRIPT_ORIGIN).replace(/\/+$/, "");
    }

    get condition() {
      return this.getAttribute("condition") || "back-spasms";
    }

    /** The region whose services triage advice names; null leaves it to the API's default. */
    get region() {
      const region = (this.getAttribute("region") || "").trim().toUpperCase();
      return region || null;
    }

    /** Call the API; resolves to parsed JSON, or rejects with an ApiError saying what went wrong. */
    async api(path, { method = "GET", body, accept = "application/json" } = {}) {
      const headers = { Accept: accept };
      const key = this.getAttribute("api-key");
      if (key) headers["X-API-Key"] = key;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      let response;
      try {
        response = await fetch(this.apiBase + path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          mode: "cors",
          credentials: "omit",
        });
      } catch {
        throw new ApiError("offline");
      }
      if (response.status === 429) {
        throw new ApiError("busy", Number.parseInt(response.headers.get("Retry-After") || "", 10) || 30);
      }
      if (response.status === 401 || response.status === 403) {
        console.warn(`${TAG}: the API refused the key (${response.status}); check the key and its allowed origins.`);
        // 403: a key locked to other origins; 401: a key the API does not know. Both are the site's to fix.
        throw new ApiError(response.status === 403 ? "forbidden" : "refused");
      }
      if (!response.ok) throw new ApiError("unavailable");
      try {
        return await response.json();
      } catch {
        throw new ApiError("unavailable");
      }
    }

    /** Every item of a list, following the cursors. */
    async all(path) {
      const items = [];
      let cursor = null;
      do {
        const separator = path.includes("?") ? "&" : "?";
        const page = await this.api(`${path}${separator}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        items.push(...page.data);
        cursor = page.next_cursor;
      } while (cursor);
      return items;
    }

    render() {
      this.rendered = true;
      const views = (this.getAttribute("view") || "guide triage").split(/\s+/).filter((v) => v === "guide" || v === "triage");
      // The clinic's own header content, from the light DOM: <div slot="header">…</div>.
      this.container.replaceChildren(h("slot", { name: "header" }));
      for (const view of views) {
        const section = h("section", { "aria-labelledby": `${this.id_}-${view}` });
        this.container.append(section);
        if (view === "guide") new GuideView(this, section).load();
        else new TriageView(this, section).start();
      }
    }
  }

  // Refusals of the key: trying again cannot help, so the message speaks to whoever runs the site.
  const FOR_THE_SITE_OWNER = new Set(["refused", "forbidden"]);

  /** A calm message, with a retry where one can help, shown instead of a blank box when the API cannot
   * answer (`help`: what to do meanwhile); the page hears of it as a `bpg:error` event. */
  function failure(host, error, retry, { urgentHelp = false, help = null } = {}) {
    const kind = error.kind || "unavailable";
    const messages = {
      busy: `Lots of people are using this service right now. Please try again in ${error.retryAfter || 30} seconds.`,
      refused: "This guidance is not available on this website at the moment.",
      forbidden: "This guidance is not available on this website at the moment.",
      offline: "We could not reach the guidance service. Please check your connection and try again.",
      unavailable: "The guidance service is not available at the moment. Please try again shortly.",
    };
    const owner = {
      refused: "For the site owner: the API does not know this widget's api-key. Check the key.",
      forbidden: `For the site owner: this widget's api-key may not be used from ${location.origin}. Add this address to the key's allowed origins.`,
    };
    host.emit("error", { kind });
    return h(
      "div",
      { class: "notice", role: "status", "data-state": "error", "data-error": kind },
      h("p", null, messages[kind] || messages.unavailable),
      owner[kind] ? h("p", { class: "owner muted" }, owner[kind]) : null,
      urgentHelp ? h("p", null, "If you think you need help urgently, call your emergency number now.") : null,
      help,
      FOR_THE_SITE_OWNER.has(kind) ? null : h("button", { type: "button", onclick: retry }, "Try again"),
    );
  }

  class GuideView {
    constructor(host, section) {
      this.host = host;
      this.section = section;
    }

    async load() {
      const slug = encodeURIComponent(this.host.condition);
      this.section.setAttribute("aria-busy", "true");
      this.section.replaceChildren(h("p", { class: "loading" }, "Loading guidance…"));
      try {
        const [condition, causes, symptoms, treatments, sources] = await Promise.all([
          this.host.api(`/v1/conditions/${slug}`),
          this.host.all(`/v1/causes?condition=${slug}`),
          this.host.all(`/v1/symptoms?condition=${slug}`),
          this.host.all(`/v1/treatments?condition=${slug}`),
          this.host.all("/v1/sources"),
        ]);
        this.show(condition, { causes, symptoms, treatments, sources });
        if (this.host.hasAttribute("seo")) this.injectLinkedData(slug);
      } catch (error) {
        this.section.replaceChildren(failure(this.host, error, () => this.load()));
      } finally {
        this.section.removeAttribute("aria-busy");
      }
    }

    show(condition, lists) {
      const bySlug = (items) => new Map(items.map((item) => [item.slug, item]));
      const causes = bySlug(lists.causes);
      const symptoms = bySlug(lists.symptoms);
      const treatments = bySlug(lists.treatments);
      // The condition lists its items in the order to show them; the lists add category and urgency.
      const inOrder = (summaries, found) => summaries.map((s) => found.get(s.slug)).filter(Boolean);
      const shownCauses = inOrder(condition.causes, causes);
      const shownSymptoms = inOrder(condition.symptoms, symptoms);
      const shownTreatments = inOrder(condition.treatments, treatments);
      const redFlags = inOrder(condition.red_flags, symptoms);
      const titleId = `${this.host.id_}-guide`;
      this.section.replaceChildren(
        h("h2", { id: titleId }, condition.name),
        h("p", { class: "lead" }, condition.summary),
        ...condition.body.split(/\n\s*\n/).map((paragraph) => h("p", null, paragraph)),
        h("h3", null, "Causes"),
        ...grouped(shownCauses).flat(),
        h("h3", null, "Symptoms"),
        h("ul", null, shownSymptoms.map((s) => h("li", null, h("strong", null, s.name), ": ", s.summary))),
        h("h3", null, "Treatments"),
        ...grouped(shownTreatments, { cautions: true }).flat(),
        h("h3", null, "Red flags: when to get help"),
        h(
          "ul",
          { class: "red-flags" },
          redFlags.map((s) =>
            h(
              "li",
              null,
              h("span", { class: `badge ${s.urgency}` }, label(s.urgency)),
              h("strong", null, s.name),
              h("br"),
              s.action,
            ),
          ),
        ),
        h("h3", null, "Sources"),
        sourceList([condition, ...shownCauses, ...shownSymptoms, ...shownTreatments, ...redFlags], lists.sources),
        h("p", { class: "muted reviewed" }, `Last reviewed: ${formatDate(condition.last_reviewed)}`),
      );
    }

    async injectLinkedData(slug) {
      try {
        const document_ = await this.host.api(`/v1/conditions/${slug}`, { accept: "application/ld+json" });
        const marker = `${TAG}:${this.host.condition}`;
        const existing = document.head.querySelector(`script[type="application/ld+json"][data-source="${CSS.escape(marker)}"]`);
        const script = existing || h("script", { type: "application/ld+json", "data-source": marker });
        script.textContent = JSON.stringify(document_);
        if (!existing) document.head.append(script);
      } catch {
        // Search markup is an extra: the guide is already on the page.
      }
    }
  }

  function grouped(items, { cautions = false } = {}) {
    const groups = new Map();
    for (const item of items) {
      if (!groups.has(item.category)) groups.set(item.category, []);
      groups.get(item.category).push(item);
    }
    return [...groups].map(([category, members]) => [
      h("h4", null, label(category)),
      h("ul", { class: cautions ? "treatments" : null }, members.map((item) => (cautions ? treatment(item) : h("li", null, h("strong", null, item.name), ": ", item.summary)))),
    ]);
  }

  /** A treatment with its cautions beside it, so nobody reads "can relieve pain" without "take care". */
  function treatment(item) {
    return h(
      "li",
      null,
      h("strong", null, item.name),
      ": ",
      item.summary,
      item.cautions ? h("span", { class: "caution" }, h("strong", null, "Take care: "), item.cautions) : null,
    );
  }

  /** The URL if it is a web address (http or https), else null: a `javascript:` URL never reaches an href. */
  function webAddress(url) {
    if (!url) return null;
    try {
      const parsed = new URL(url);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch {
      return null;
    }
  }

  /** A phone number as a link a phone can dial. */
  function call(number, text, attributes = {}) {
    return h("a", { ...attributes, href: `tel:${number.replace(/[^0-9+]/g, "")}` }, text);
  }

  function sourceList(items, sources) {
    const sections = new Map();
    for (const item of items) {
      for (const citation of item.sources) {
        if (!sections.has(citation.source)) sections.set(citation.source, new Set());
        sections.get(citation.source).add(citation.locator);
      }
    }
    const known = new Map(sources.map((source) => [source.slug, source]));
    return h(
      "ul",
      { class: "sources" },
      [...sections].filter(([slug]) => known.has(slug)).map(([slug, locators]) => {
        const source = known.get(slug);
        const link = webAddress(source.url);
        const title = link ? h("a", { href: link, target: "_blank", rel: "noopener" }, source.title) : source.title;
        return h(
          "li",
          null,
          h("span", null, title, ` (${source.publisher})`),
          h("span", { class: "muted" }, `Sections: ${[...locators].join("; ")}`),
        );
      }),
    );
  }

  function formatDate(iso) {
    const date = new Date(`${iso}T00:00:00Z`);
    if (Number.isNaN(date.getTime())) return iso;
    return date.toLocaleDateString(undefined, { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });
  }

  /** Does a question's `ask_if` hold for these answers? `is: true` holds on a yes or an "unsure", `lt` and
   * `ge` compare a number. A condition this widget cannot read holds: one question too many is safer than
   * one left out. */
  function holds(condition, answers) {
    if (!condition) return true;
    if (Array.isArray(condition.any)) return condition.any.some((part) => holds(part, answers));
    const answer = answers[condition.question];
    if (condition.is === true) return answer === true || answer === "unsure";
    if (condition.is === "unsure") return answer === "unsure";
    const below = condition.lt ?? condition["<"];
    const atLeast = condition.ge ?? condition[">="];
    if (below !== undefined) return typeof answer === "number" && answer < below;
    if (atLeast !== undefined) return typeof answer === "number" && answer >= atLeast;
    return true;
  }

  /** A result fit to show: what the result panel reads is there. */
  function plausible(result) {
    return (
      !!result &&
      typeof result.complete === "boolean" &&
      !!result.services &&
      !!result.services.emergency &&
      Array.isArray(result.safety_net) &&
      (!result.complete || typeof result.title === "string")
    );
  }

  /** The API's own offline engine (`/triage-engine.js`) with the ruleset in force (from `/v1/export`):
   * `evaluate` assesses the answers as they are given, without a request each. `evaluate` is null when
   * the engine cannot be had or refuses the ruleset or the region (the API then assesses each answer);
   * `ruleset` is kept whenever the export came, for the warning signs shown when nothing can assess. */
  async function localEngine(host) {
    const [engine, exported] = await Promise.allSettled([import(`${host.apiBase}/triage-engine.js`), host.api("/v1/export")]);
    const ruleset = exported.status === "fulfilled" && exported.value && exported.value.ruleset ? exported.value.ruleset : null;
    if (!ruleset || engine.status !== "fulfilled") return { evaluate: null, ruleset };
    try {
      const treatments = exported.value.data.filter((item) => item.type === "treatment");
      const evaluate = (answers) => engine.value.assess(ruleset, answers, { region: host.region, treatments });
      if (!plausible(evaluate({}))) return { evaluate: null, ruleset }; // it throws for a ruleset or region it refuses
      evaluate.version = ruleset.version;
      return { evaluate, ruleset };
    } catch {
      return { evaluate: null, ruleset };
    }
  }

  const isEmergency = (result) => result.complete && result.level === "emergency";
  const SLOT_LEVEL = (level) => `after-result-${String(level).replaceAll("_", "-")}`;

  /** Where `word` first shows in `text`, ignoring case; Infinity when it does not. */
  function position(text, word) {
    const at = word ? String(text).toLowerCase().indexOf(String(word).toLowerCase()) : -1;
    return at < 0 ? Infinity : at;
  }

  /** The advice with its first sentence in bold: on an emergency, what to do first stands out of a long advice. */
  function firstSentenceFirst(advice) {
    const split = /^(.+?[.!?])(\s+)(?=\S)/s.exec(String(advice));
    return split ? [h("strong", null, split[1]), split[2], String(advice).slice(split[0].length)] : h("strong", null, advice);
  }

  /** Fill the ruleset's placeholders as the engine does: `{emergency}` and `{urgent}` with the region's services. */
  function say(text, services) {
    const urgent = services.urgent;
    const urgentSaid = urgent ? (urgent.number ? `${urgent.name} (call ${urgent.number})` : urgent.name) : "an urgent care service";
    return String(text).split("{emergency}").join(services.emergency.name).split("{urgent}").join(urgentSaid);
  }

  class TriageView {
    constructor(host, section) {
      this.host = host;
      this.section = section;
      this.titleId = `${host.id_}-triage`;
      this.sent = 0;
      this.loaded = null;
      this.services = null; // the region's services, from the latest result
    }

    /** The questionnaire and the local engine, fetched side by side, once: "Start again" fetches nothing. */
    async load() {
      const engine = localEngine(this.host);
      const questionnaire = await this.host.api("/v1/triage/questionnaire");
      const { evaluate, ruleset } = await engine;
      // An engine whose ruleset is not the questionnaire's would judge other questions: not used.
      return [questionnaire, evaluate && evaluate.version === questionnaire.ruleset_version ? evaluate : null, ruleset];
    }

    async start({ focus = false } = {}) {
      this.sent += 1; // an answer still on its way belongs to the triage before
      this.section.replaceChildren(h("p", { class: "loading" }, "Loading questions…"));
      try {
        this.loaded = this.loaded || this.load();
        [this.questionnaire, this.evaluate, this.ruleset] = await this.loaded;
      } catch (error) {
        this.loaded = null;
        this.section.replaceChildren(failure(this.host, error, () => this.start({ focus }), { urgentHelp: true }));
        return;
      }
      this.answers = {};
      this.step = Math.max(0, this.following(-1));
      this.finished = false;
      this.shownMinimum = "";
      // The live regions exist before anything is put in them, so screen readers announce what comes.
      this.live = h("div", { "aria-live": "polite", class: "live" });
      this.minimum = h("div", { role: "status", class: "minimum-level" });
      this.form = h("form", { novalidate: true, onsubmit: (event) => this.next(event) });
      this.section.replaceChildren(
        h("h2", { id: this.titleId }, "Check your back pain"),
        this.live,
        h(
          "div",
          { class: "intro" },
          h("p", { class: "scope" }, this.questionnaire.intro),
          h("p", { class: "muted" }, "Answer a few questions to find out how soon, and where, to get care. This is not a diagnosis."),
        ),
        this.minimum,
        this.form,
      );
      this.showStep();
      if (focus) this.firstControl().focus();
    }

    get steps() {
      return this.questionnaire.steps;
    }

    /** The answers to send: those of the questions asked, in questionnaire order. A question whose `ask_if`
     * does not hold is not asked, and an answer given before it stopped holding is not sent. */
    given() {
      const sent = {};
      for (const step of this.steps) {
        for (const question of step.questions) {
          const answer = this.answers[question.id];
          if (answer !== undefined && holds(question.ask_if, sent)) sent[question.id] = answer;
        }
      }
      return sent;
    }

    asked(question) {
      return holds(question.ask_if, this.given());
    }

    /** The index of the next step after `index` with a question to ask, or -1 when there is none. */
    following(index) {
      for (let at = index + 1; at < this.steps.length; at += 1) {
        if (this.steps[at].questions.some((question) => this.asked(question))) return at;
      }
      return -1;
    }

    preceding(index) {
      for (let at = index - 1; at >= 0; at -= 1) {
        if (this.steps[at].questions.some((question) => this.asked(question))) return at;
      }
      return -1;
    }

    showStep() {
      const step = this.steps[this.step];
      this.host.emit("step", { step: this.step + 1, of: this.steps.length });
      const last = this.following(this.step) < 0;
      const fields = step.questions.map((question) => this.field(question));
      this.form.replaceChildren(
        h(
          "fieldset",
          null,
          h("legend", null, `Step ${this.step + 1} of ${this.steps.length}: ${step.title}`),
          step.questions.some((q) => q.type === "bool") ? h("p", { class: "hint" }, "Answer each question. Choose “Not sure” if you do not know.") : null,
          ...fields,
        ),
        h("p", { class: "error-text", role: "alert", hidden: true }),
        h(
          "div",
          { class: "actions" },
          this.preceding(this.step) >= 0 ? h("button", { type: "button", class: "secondary", onclick: () => this.back() }, "Back") : null,
          h("button", { type: "submit" }, last ? "See my result" : "Next"),
        ),
      );
      this.showAsked();
    }

    /** Show the step's questions whose `ask_if` holds, and hide the others (answers can change it). */
    showAsked() {
      for (const question of this.steps[this.step].questions) {
        const field = this.form.querySelector(`[data-question="${question.id}"]`);
        if (field) field.hidden = !this.asked(question);
      }
      const submit = this.form.querySelector('button[type="submit"]');
      if (submit) submit.textContent = this.following(this.step) < 0 ? "See my result" : "Next";
    }

    /** The first control of the step: its first question asked, else its first button. */
    firstControl() {
      return this.form.querySelector("[data-question]:not([hidden]) input") || this.form.querySelector("button");
    }

    /** Focus the new step's first control; with a banner of what the answers already call for, bring the
     * banner into view rather than scrolling past it. */
    focusStep() {
      const banner = this.minimum.firstElementChild;
      this.firstControl().focus({ preventScroll: !!banner });
      if (banner) banner.scrollIntoView({ block: "start" });
    }

    field(question) {
      const id = `${this.host.id_}-${question.id}`;
      const hint = h("span", { class: "hint", id: `${id}-hint` }, question.help);
      const answer = this.answers[question.id];
      if (question.type === "bool") {
        // Yes, no and not sure: "not sure" is never read as no, and nothing is answered until chosen.
        const choices = [[true, "Yes"], [false, "No"], ["unsure", "Not sure"]].map(([value, text]) =>
          h(
            "label",
            null,
            h("input", {
              type: "radio",
              name: question.id,
              value: String(value),
              checked: answer === value,
              "aria-describedby": `${id}-hint`,
              onchange: () => {
                this.answers[question.id] = value;
                this.changed();
              },
            }),
            text,
          ),
        );
        return h(
          "fieldset",
          { class: "question bool", id, "data-question": question.id, "data-required": question.required ? "true" : null },
          h("legend", null, question.text, hint),
          h("div", { class: "choices" }, choices),
        );
      }
      const range = `Enter a whole number from ${question.min} to ${question.max}.`;
      const input = h("input", {
        type: "number",
        id,
        name: question.id,
        min: question.min,
        max: question.max,
        step: 1,
        inputmode: "numeric",
        required: question.required,
        value: answer === undefined ? null : answer,
        "aria-describedby": `${id}-hint ${id}-range`,
        onchange: (event) => {
          const value = this.integer(question, event.target.value);
          if (value === null) delete this.answers[question.id];
          else this.answers[question.id] = value;
          this.changed();
        },
      });
      return h(
        "div",
        { class: "question int", "data-question": question.id },
        h("label", { for: id }, question.text, hint),
        input,
        h("span", { class: "hint", id: `${id}-range` }, range),
      );
    }

    integer(question, raw) {
      if (!/^\d+$/.test(String(raw).trim())) return null;
      const value = Number.parseInt(raw, 10);
      return value >= question.min && value <= question.max ? value : null;
    }

    /** Check the step: returns the first control of a required question left blank, or of a number out of
     * range. A question not asked is not checked. */
    settleStep() {
      let invalid = null;
      for (const question of this.steps[this.step].questions) {
        const asked = this.asked(question);
        if (question.type === "bool") {
          const group = this.form.querySelector(`[data-question="${question.id}"]`);
          const blank = asked && question.required && this.answers[question.id] === undefined;
          group.setAttribute("aria-invalid", String(blank));
          if (blank && !invalid) invalid = group.querySelector("input");
          continue;
        }
        const input = this.form.querySelector(`[name="${question.id}"]`);
        const value = this.integer(question, input.value);
        const bad = asked && value === null && (question.required || input.value.trim() !== "");
        input.setAttribute("aria-invalid", String(bad));
        if (value === null) delete this.answers[question.id];
        else this.answers[question.id] = value;
        if (bad && !invalid) invalid = input;
      }
      return invalid;
    }

    async next(event) {
      event.preventDefault();
      const invalid = this.settleStep();
      const error = this.form.querySelector(".error-text");
      if (invalid) {
        error.textContent = "Please answer every question. Choose “Not sure” if you do not know, and give numbers in the range shown.";
        error.hidden = false;
        invalid.focus();
        return;
      }
      const following = this.following(this.step);
      const final = following < 0;
      // With the engine, only the last step posts: the answers, once, for the result.
      const local = final ? null : this.locally();
      if (local && isEmergency(local)) return this.emergency(local);
      const result = local || (await this.assess({ final }));
      if (!result || this.finished) return;
      this.showMinimum(result);
      if (final) {
        error.textContent = "Some questions still need an answer.";
        error.hidden = false;
        return;
      }
      this.step = following;
      this.showStep();
      this.focusStep();
    }

    back() {
      this.step = this.preceding(this.step);
      this.showStep();
      this.focusStep();
    }

    /** The engine's result for the answers so far, or null without one (or when it refuses them, or gives
     * something that is not a result): the API is asked instead. */
    locally() {
      if (!this.evaluate) return null;
      try {
        const result = this.evaluate(this.given());
        return plausible(result) ? result : null;
      } catch {
        return null;
      }
    }

    body() {
      const body = { answers: this.given() };
      if (this.host.region) body.region = this.host.region;
      return body;
    }

    /** After each answer: an emergency ends the questions at once, and anything else updates what the
     * answers already call for. The engine tells without a request; without the engine, the API is asked. */
    changed() {
      this.showAsked();
      const local = this.locally();
      if (!local) this.assess();
      else if (isEmergency(local)) this.emergency(local);
      else this.showMinimum(local);
    }

    /** Above the questions, while the person is still answering: the most urgent level the answers so far
     * already give (`minimum_level`), so that someone who stops halfway still knows what to do. Redrawn,
     * and so announced, only when it changes. */
    showMinimum(result) {
      if (result.services) this.services = result.services;
      // Once every question is answered, the level itself, until "See my result" shows the rest.
      const minimum = result.complete ? (["urgent", "routine"].includes(result.level) ? result : null) : result.minimum_level;
      const key = minimum ? JSON.stringify([minimum.level, minimum.title, minimum.advice]) : "";
      if (key === this.shownMinimum) return;
      this.shownMinimum = key;
      this.minimum.replaceChildren(
        minimum
          ? h(
              "div",
              { class: `minimum ${minimum.level}`, "data-level": minimum.level },
              h("p", { class: "minimum-title" }, h("strong", null, minimum.title)),
              h("p", { class: "minimum-advice" }, minimum.advice),
              h("p", { class: "muted" }, result.complete ? "Choose “See my result” for the rest of your result." : "Answer the rest of the questions to see your full result."),
            )
          : [],
      );
    }

    /** Show the engine's emergency result at once, then post the answers: the API's result is the one
     * that stays. The same result is left as it is (nothing is announced twice); a failed post leaves
     * the engine's, which the API would have given. */
    async emergency(local) {
      this.finish(local);
      const ticket = ++this.sent;
      let result;
      try {
        result = await this.host.api("/v1/triage", { method: "POST", body: this.body() });
      } catch {
        return;
      }
      if (ticket !== this.sent || !plausible(result)) return;
      if (!result.complete) {
        // The ruleset changed since it was loaded: the API assesses every answer from now on.
        this.evaluate = null;
        this.loaded = null;
        this.resume();
        return;
      }
      const shown = this.live.firstElementChild;
      if (shown && shown.outerHTML === this.resultBlock(result).outerHTML) return;
      this.finished = false;
      this.finish(result);
    }

    /** Back to the questions of the current step, with the answers given. */
    resume() {
      this.finished = false;
      this.live.setAttribute("aria-live", "polite");
      this.live.replaceChildren();
      this.form.hidden = false;
      this.minimum.hidden = false;
      this.section.querySelector(".intro").hidden = false;
      this.showStep();
      this.firstControl().focus();
    }

    /** Post the answers so far. An emergency result ends the questions at once; any other shows once the
     * last step is submitted (`final`). A later call wins over a slower earlier one. When the API cannot
     * answer, the engine's complete result stands in for it; without one, the warning signs show. */
    async assess({ final = false } = {}) {
      const ticket = ++this.sent;
      let result;
      try {
        result = await this.host.api("/v1/triage", { method: "POST", body: this.body() });
        if (!plausible(result)) throw new ApiError("unavailable");
      } catch (error) {
        if (ticket !== this.sent || this.finished) return null;
        const local = this.locally();
        if (local && local.complete && (final || isEmergency(local))) {
          this.finish(local);
          return null;
        }
        const fresh = !this.live.querySelector("[data-state=error]");
        const notice = this.unavailable(error, () => this.assess({ final }));
        this.live.replaceChildren(notice);
        // Brought into view when it first shows (it sits above the questions), not again on every answer.
        if (fresh) notice.scrollIntoView({ block: "start" });
        return null;
      }
      if (ticket !== this.sent || this.finished) return result;
      this.live.replaceChildren();
      if (result.complete && (result.level === "emergency" || final)) this.finish(result);
      else this.showMinimum(result);
      return result;
    }

    /** The region's services: the latest result's, else the exported ruleset's for the widget's region. */
    regionServices() {
      if (this.services) return this.services;
      const ruleset = this.ruleset;
      if (!ruleset || !ruleset.services) return null;
      const region = this.host.region;
      const own = !region || String(ruleset.region || "").toUpperCase() === region;
      const listed = ((ruleset.document && ruleset.document.regions) || []).find((r) => String(r.code).toUpperCase() === region);
      return own || !listed ? ruleset.services : listed;
    }

    /** When neither the engine nor the API can give a result: what went wrong, the signs that mean calling
     * the emergency number now, and the region's emergency and same-day numbers. Never a blank screen. */
    unavailable(error, retry) {
      const services = this.regionServices();
      if (!services) return failure(this.host, error, retry, { urgentHelp: true });
      const dial = services.emergency;
      const sameDay = services.urgent;
      const document_ = this.ruleset && this.ruleset.document;
      let signs = document_ && Array.isArray(document_.emergency_signs) ? document_.emergency_signs.map((line) => say(line, services)) : [];
      if (!signs.length) {
        // Without the ruleset: the questions of the emergency step.
        const screen = this.steps.find((step) => step.step === 1) || this.steps[0];
        signs = screen.questions.filter((q) => this.asked(q)).map((q) => q.text);
      }
      return failure(this.host, error, retry, {
        help: [
          h("h3", { class: "warning-title" }, `When to call ${dial.name}`),
          h("ul", { class: "warning-signs" }, signs.map((line) => h("li", null, line))),
          dial.number ? h("p", null, call(dial.number, `Call ${dial.name}`, { class: "call", "data-service": "emergency" })) : null,
          sameDay
            ? h("p", { class: "same-day" }, h("strong", null, "For advice today: "), sameDay.name, sameDay.number ? [" (call ", call(sameDay.number, sameDay.number), ")"] : null)
            : null,
        ],
      });
    }

    finish(result) {
      let block;
      try {
        block = this.resultBlock(result);
      } catch {
        this.live.replaceChildren(this.unavailable(new ApiError("unavailable"), () => this.assess({ final: true })));
        return;
      }
      this.finished = true;
      this.services = result.services;
      const emergency = result.level === "emergency";
      this.live.setAttribute("aria-live", emergency ? "assertive" : "polite");
      this.live.replaceChildren(block);
      this.form.replaceChildren();
      this.form.hidden = true;
      this.minimum.replaceChildren();
      this.minimum.hidden = true;
      this.shownMinimum = "";
      this.section.querySelector(".intro").hidden = true;
      // Focus without scrolling, then bring the card's top into view: on a phone, the level, the advice and
      // the button to call all show at once, wherever on the page the widget sits.
      block.querySelector("h3").focus({ preventScroll: true });
      block.scrollIntoView({ block: "start" });
      // What the page may count; never the answers.
      this.host.emit("result", { level: result.level, timeframe: result.timeframe, ruleset_version: result.ruleset_version });
    }

    /** The buttons that dial: the emergency number on an emergency, and the maternity service (when its
     * number is known) on an emergency or an urgent result, in the order the advice names them. */
    callButtons(result) {
      const { emergency: dial, maternity } = result.services;
      const buttons = [];
      if (result.level === "emergency" && dial.number) {
        buttons.push(call(dial.number, `Call ${dial.name}`, { class: "call", "data-service": "emergency" }));
      }
      if ((result.level === "emergency" || result.level === "urgent") && maternity && maternity.number) {
        const button = call(maternity.number, [`Call ${maternity.name}`, h("span", { class: "number" }, maternity.number)], {
          class: "call",
          "data-service": "maternity",
        });
        // Labour signs say the maternity unit first, and the emergency number if it cannot be reached.
        if (position(result.advice, "maternity") < position(result.advice, dial.name)) buttons.unshift(button);
        else buttons.push(button);
      }
      return buttons.length ? h("div", { class: "calls" }, buttons) : null;
    }

    /** The result: the card (title, advice, and for an emergency the button to call first), then the
     * clinic's slot and "Start again" outside it. Built the same way for the engine's result and the
     * API's, so the two compare. */
    resultBlock(result) {
      const level = result.level;
      const emergency = level === "emergency";
      const { emergency: dial, urgent, maternity } = result.services;
      const list = (items) => items || [];
      const services = h(
        "ul",
        { class: "services" },
        h("li", null, h("strong", null, "Emergency: "), dial.number ? call(dial.number, dial.name) : dial.name),
        // An emergency is no time for a same-day service: only the numbers to call now.
        !emergency && urgent
          ? h("li", null, h("strong", null, "Same-day advice: "), urgent.name, urgent.number ? [" (call ", call(urgent.number, urgent.number), ")"] : null)
          : null,
        maternity
          ? h("li", null, h("strong", null, "Maternity: "), maternity.name, maternity.number ? [" (call ", call(maternity.number, maternity.number), ")"] : null)
          : null,
      );
      const whoToCall = [h("h4", null, "Who to call"), services];
      const safetyNet = list(result.safety_net).length
        ? [h("h4", null, emergency ? "While you wait" : "Get help sooner if"), h("ul", { class: "safety-net" }, list(result.safety_net).map((line) => h("li", null, line)))]
        : null;
      const reasons = list(result.reasons).length
        ? [h("h4", null, "Why"), h("ul", { class: "reasons" }, list(result.reasons).map((r) => h("li", null, r.explanation)))]
        : null;
      const helps = list(result.treatments).length
        ? [h("h4", null, "What can help"), h("ul", { class: "treatments" }, list(result.treatments).map(treatment))]
        : null;
      const timeframe = h("p", { class: "timeframe" }, h("strong", null, "When: "), TIMEFRAMES[result.timeframe] || result.timeframe);
      // Most important first: what helps for self-care and routine, who to call for urgent, and for an
      // emergency what to do while waiting.
      const body = emergency
        ? [safetyNet, reasons, whoToCall]
        : level === "urgent"
          ? [timeframe, whoToCall, safetyNet, reasons]
          : [timeframe, helps, safetyNet, whoToCall, reasons];
      const card = h(
        "div",
        { class: `result ${level}`, "data-level": level, role: emergency ? "alert" : null },
        h("p", { class: "level" }, label(level)),
        h("h3", { tabindex: -1 }, result.title),
        h("p", { class: "action" }, emergency ? firstSentenceFirst(result.advice) : result.advice),
        this.callButtons(result),
        ...body,
        h("p", { class: "muted disclaimer" }, result.disclaimer),
      );
      return h(
        "div",
        { class: "outcome", "data-level": level },
        card,
        // The clinic's own content after a result, such as a booking link, outside the card so that it
        // cannot change the card's colours, and never after an emergency: nothing to compete with the call.
        emergency ? null : [h("slot", { name: SLOT_LEVEL(level) }), h("slot", { name: "after-result" })],
        h("div", { class: "actions restart" }, h("button", { type: "button", class: "secondary", onclick: () => this.start({ focus: true }) }, "Start again")),
      );
    }
  }

  BackPainGuide.version = VERSION;
  customElements.define(TAG, BackPainGuide);
})();
