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
a.call { display: inline-block; font-weight: 700; font-size: 1.2em; padding: .4rem .9rem; margin: 0 0 .75rem;
  border-radius: var(--_radius); background: var(--_on-emergency); color: var(--_emergency); text-decoration: none; }
input[type=number] { font: inherit; width: 8rem; padding: .4rem .5rem; color: var(--_text); background: var(--_bg);
  border: 2px solid var(--_border); border-radius: 6px; }
input[aria-invalid=true] { border-color: var(--_emergency); }
.error-text { color: var(--_emergency); font-weight: 600; }
.actions { display: flex; gap: .75rem; flex-wrap: wrap; }
.result { border: 2px solid var(--_accent); border-radius: var(--_radius); padding: 1rem; margin: 0 0 1rem;
  background: var(--_surface); }
.result .level { text-transform: uppercase; letter-spacing: .05em; font-weight: 700; font-size: .85em; margin: 0; }
.result h3 { margin-top: .25rem; }
.result.emergency { background: var(--_emergency); color: var(--_on-emergency); border-color: var(--_emergency); }
.result.emergency .action { font-size: 1.35em; font-weight: 700; line-height: 1.3; }
.result.emergency h3, .result.emergency h4, .result.emergency .level, .result.emergency .muted {
  color: var(--_on-emergency); }
.result.emergency a:not(.call) { color: var(--_on-emergency); }
.result.emergency .caution { color: var(--_on-emergency); }
.result.emergency button { background: var(--_on-emergency); color: var(--_emergency); border-color: var(--_on-emergency); }
.result.emergency button:focus-visible, .result.emergency [tabindex="-1"]:focus-visible {
  outline-color: var(--_on-emergency); }
.result.urgent { border-color: var(--_urgent); }
.notice { border: 2px solid var(--_border); border-radius: var(--_radius); padding: 1rem; background: var(--_surface); }
.loading { color: var(--_muted); }
.sources li span { display: block; }
::slotted([slot="header"]), ::slotted([slot="after-result"]) { display: block; margin: 0 0 1rem; }
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
   * answer; the page hears of it as a `bpg:error` event. */
  function failure(host, error, retry, { urgentHelp = false } = {}) {
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

  /** The API's own offline engine (`/triage-engine.js`) with the ruleset in force (from `/v1/export`), as
   * `answers => result`: the answers are assessed as they are given without a request each. Null when
   * either cannot be had, or the engine refuses the ruleset or the region: the API then assesses each answer. */
  async function localEngine(host) {
    try {
      const [engine, exported] = await Promise.all([import(`${host.apiBase}/triage-engine.js`), host.api("/v1/export")]);
      const { ruleset } = exported;
      const treatments = exported.data.filter((item) => item.type === "treatment");
      const evaluate = (answers) => engine.assess(ruleset, answers, { region: host.region, treatments });
      evaluate({}); // throws for a ruleset or region it cannot evaluate
      evaluate.version = ruleset.version;
      return evaluate;
    } catch {
      return null;
    }
  }

  const isEmergency = (result) => result.complete && result.level === "emergency";

  class TriageView {
    constructor(host, section) {
      this.host = host;
      this.section = section;
      this.titleId = `${host.id_}-triage`;
      this.sent = 0;
      this.loaded = null;
    }

    /** The questionnaire and the local engine, fetched side by side, once: "Start again" fetches nothing. */
    async load() {
      const engine = localEngine(this.host);
      const questionnaire = await this.host.api("/v1/triage/questionnaire");
      const evaluate = await engine;
      // An engine whose ruleset is not the questionnaire's would judge other questions: not used.
      return [questionnaire, evaluate && evaluate.version === questionnaire.ruleset_version ? evaluate : null];
    }

    async start({ focus = false } = {}) {
      this.sent += 1; // an answer still on its way belongs to the triage before
      this.section.replaceChildren(h("p", { class: "loading" }, "Loading questions…"));
      try {
        this.loaded = this.loaded || this.load();
        [this.questionnaire, this.evaluate] = await this.loaded;
      } catch (error) {
        this.loaded = null;
        this.section.replaceChildren(failure(this.host, error, () => this.start({ focus }), { urgentHelp: true }));
        return;
      }
      this.answers = {};
      this.step = 0;
      this.finished = false;
      // The live region exists before anything is put in it, so screen readers announce the result.
      this.live = h("div", { "aria-live": "polite", class: "live" });
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
        this.form,
      );
      this.showStep();
      if (focus) this.form.querySelector("input").focus();
    }

    get steps() {
      return this.questionnaire.steps;
    }

    showStep() {
      const step = this.steps[this.step];
      this.host.emit("step", { step: this.step + 1, of: this.steps.length });
      const last = this.step === this.steps.length - 1;
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
          this.step > 0 ? h("button", { type: "button", class: "secondary", onclick: () => this.back() }, "Back") : null,
          h("button", { type: "submit" }, last ? "See my result" : "Next"),
        ),
      );
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
        { class: "question int" },
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

    /** Check the step: returns the first control of a required question left blank, or of a number out of range. */
    settleStep() {
      let invalid = null;
      for (const question of this.steps[this.step].questions) {
        if (question.type === "bool") {
          const group = this.form.querySelector(`[data-question="${question.id}"]`);
          const blank = question.required && this.answers[question.id] === undefined;
          group.setAttribute("aria-invalid", String(blank));
          if (blank && !invalid) invalid = group.querySelector("input");
          continue;
        }
        const input = this.form.querySelector(`[name="${question.id}"]`);
        const value = this.integer(question, input.value);
        const bad = value === null && (question.required || input.value.trim() !== "");
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
      const final = this.step === this.steps.length - 1;
      // With the engine, only the last step posts: the answers, once, for the result.
      const local = final ? null : this.locally();
      if (local && isEmergency(local)) return this.emergency(local);
      const result = local || (await this.assess({ final }));
      if (!result || this.finished) return;
      if (final) {
        error.textContent = "Some questions still need an answer.";
        error.hidden = false;
        return;
      }
      this.step += 1;
      this.showStep();
      this.form.querySelector("input, button").focus();
    }

    back() {
      this.step -= 1;
      this.showStep();
      this.form.querySelector("input, button").focus();
    }

    /** The engine's result for the answers so far, or null without one (or when it refuses them). */
    locally() {
      if (!this.evaluate) return null;
      try {
        return this.evaluate(this.answers);
      } catch {
        return null;
      }
    }

    /** After each answer: an emergency ends the questions at once. The engine tells without a request;
     * without the engine, the API is asked. */
    changed() {
      const local = this.locally();
      if (!local) this.assess();
      else if (isEmergency(local)) this.emergency(local);
    }

    /** Show the engine's emergency result at once, then post the answers: the API's result is the one
     * that stays. The same result is left as it is (nothing is announced twice); a failed post leaves
     * the engine's, which the API would have given. */
    async emergency(local) {
      this.finish(local);
      const ticket = ++this.sent;
      const body = { answers: this.answers };
      if (this.host.region) body.region = this.host.region;
      let result;
      try {
        result = await this.host.api("/v1/triage", { method: "POST", body });
      } catch {
        return;
      }
      if (ticket !== this.sent) return;
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
      this.section.querySelector(".intro").hidden = false;
      this.showStep();
      this.form.querySelector("input, button").focus();
    }

    /** Post the answers so far. An emergency result ends the questions at once; any other shows once the
     * last step is submitted (`final`). A later call wins over a slower earlier one. */
    async assess({ final = false } = {}) {
      const ticket = ++this.sent;
      let result;
      const body = { answers: this.answers };
      if (this.host.region) body.region = this.host.region;
      try {
        result = await this.host.api("/v1/triage", { method: "POST", body });
      } catch (error) {
        if (ticket === this.sent) this.live.replaceChildren(failure(this.host, error, () => this.assess({ final }), { urgentHelp: true }));
        return null;
      }
      if (ticket !== this.sent || this.finished) return result;
      this.live.replaceChildren();
      if (result.complete && (result.level === "emergency" || final)) this.finish(result);
      return result;
    }

    finish(result) {
      this.finished = true;
      const emergency = result.level === "emergency";
      this.live.setAttribute("aria-live", emergency ? "assertive" : "polite");
      const block = this.resultBlock(result);
      this.live.replaceChildren(block);
      this.form.replaceChildren();
      this.form.hidden = true;
      this.section.querySelector(".intro").hidden = true;
      block.querySelector("h3").focus();
      // What the page may count; never the answers.
      this.host.emit("result", { level: result.level, timeframe: result.timeframe, ruleset_version: result.ruleset_version });
    }

    /** The result panel: built the same way for the engine's result and the API's, so the two compare. */
    resultBlock(result) {
      const emergency = result.level === "emergency";
      const heading = h("h3", { tabindex: -1 }, result.title);
      const advice = h("p", { class: "action" }, result.advice);
      const { emergency: dial, urgent } = result.services;
      const callNow = emergency && dial.number ? call(dial.number, `Call ${dial.name}`, { class: "call" }) : null;
      return h(
        "div",
        { class: `result ${result.level}`, "data-level": result.level, role: emergency ? "alert" : null },
        // An emergency leads with what to do (the rule's own action when it has one); the others lead with how soon.
        emergency ? [advice, callNow, h("p", { class: "level" }, label(result.level)), heading] : [h("p", { class: "level" }, label(result.level)), heading, advice],
        h("p", { class: "timeframe" }, h("strong", null, "When: "), TIMEFRAMES[result.timeframe] || result.timeframe),
        h("h4", null, "Who to call"),
        h(
          "ul",
          { class: "services" },
          h("li", null, h("strong", null, "Emergency: "), dial.number ? call(dial.number, dial.name) : dial.name),
          h("li", null, h("strong", null, "Same-day advice: "), urgent.name, urgent.number ? [" (call ", call(urgent.number, urgent.number), ")"] : null),
        ),
        result.reasons.length
          ? [h("h4", null, "Why"), h("ul", { class: "reasons" }, result.reasons.map((r) => h("li", null, r.explanation)))]
          : null,
        result.treatments.length ? [h("h4", null, "What can help"), h("ul", { class: "treatments" }, result.treatments.map(treatment))] : null,
        h("h4", null, "Get help sooner if"),
        h("ul", { class: "safety-net" }, result.safety_net.map((line) => h("li", null, line))),
        h("p", { class: "muted disclaimer" }, result.disclaimer),
        // The clinic's own content after a result, such as a booking link: <a slot="after-result" …>.
        h("slot", { name: "after-result" }),
        h("button", { type: "button", onclick: () => this.start({ focus: true }) }, "Start again"),
      );
    }
  }

  BackPainGuide.version = VERSION;
  customElements.define(TAG, BackPainGuide);
})();
