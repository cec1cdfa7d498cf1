"""The seed: idempotent, deterministic, complete, and in our own words."""

import re
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from app.content.models import ContentCounters, Item, ItemLink, ItemRecommendation
from app.core.db import make_engine
from seed.loader import SEED_FILE, SeedItem, item_id, load_seed, read_seed
from tests.helpers.databases import EmptyDatabase, migrate_and_seed

ARTICLE = Path(__file__).resolve().parents[3] / "shared" / "source" / "back-spasms-article.txt"


def counts(url: str) -> tuple[int, int, int, int]:
    engine = make_engine(url)
    with Session(engine) as session:
        items = session.exec(select(func.count()).select_from(Item)).one()
        links = session.exec(select(func.count()).select_from(ItemLink)).one()
        rated = session.exec(select(func.count()).select_from(ItemRecommendation)).one()
        version = session.get(ContentCounters, 1)
    engine.dispose()
    return items, links, rated, version.version if version else 0


def test_running_the_seed_twice_changes_nothing(databases: EmptyDatabase) -> None:
    url = databases.create()
    migrate_and_seed(url)
    first = counts(url)
    engine = make_engine(url)
    with Session(engine) as session:
        assert load_seed(session=session) == 0
        rows = {row.id: row.model_dump() for row in session.exec(select(Item)).all()}
    engine.dispose()
    # Content version 2: migration 0007 put the ruleset in the feed, then the seed added the items.
    # 93 items; 69 links (every cause, symptom and treatment to back-spasms); 27 rated treatments.
    assert counts(url) == first == (93, 69, 27, 2)
    assert len(rows) == 93


def test_ids_are_deterministic(databases: EmptyDatabase) -> None:
    url = databases.create()
    migrate_and_seed(url)
    engine = make_engine(url)
    with Session(engine) as session:
        ids = {(row.type, row.slug): row.id for row in session.exec(select(Item)).all()}
    engine.dispose()
    assert all(ids[key] == item_id(*key) for key in ids)
    assert str(item_id("condition", "back-spasms")) == str(item_id("condition", "back-spasms"))


def test_seed_items_per_type() -> None:
    seed = read_seed()
    assert [c.slug for c in seed.conditions] == ["back-spasms"]
    assert len(seed.causes) == 8
    assert len(seed.symptoms) == 34
    assert len(seed.treatments) == 27
    assert len(seed.sources) == 23


def test_red_flags_match_the_triage_screens() -> None:
    """One red flag per step-1 and step-2 question of triage ruleset 3; the two with no level alone
    (`recent_fall_or_injury`, `sudden_onset_at_rest`) are urgent, the least their combined rules give."""
    flags = {s.slug: s.urgency for s in read_seed().symptoms if s.red_flag}
    emergency = [
        "bladder-or-bowel-change",
        "saddle-numbness",
        "both-legs-symptoms",
        "leg-weakness-worsening",
        "chest-pain",
        "heart-warning-signs",
        "major-trauma",
        "sudden-severe-pain-with-collapse",
        "tearing-pain",
        "very-unwell",
        "pregnant-labour-signs",
    ]
    urgent = [
        "fever",
        "burning-when-peeing",
        "cancer-history",
        "unexplained-weight-loss",
        "immune-or-injection-risk",
        "recent-spine-procedure-or-infection",
        "leg-weakness-new",
        "recent-fall-or-injury",
        "sudden-onset-at-rest",
        "constant-night-pain",
        "back-lump-or-deformity",
        "pain-between-shoulder-blades",
        "worse-with-cough-sneeze",
        "pain-spreads-to-abdomen",
        "pulsing-tummy",
        "known-aneurysm",
        "sexual-dysfunction-new",
        "pregnancy-warning-signs",
        "child-walking-problem",
    ]
    assert flags == {**dict.fromkeys(emergency, "emergency"), **dict.fromkeys(urgent, "urgent")}


def test_the_red_flags_ruleset_3_replaced_are_gone() -> None:
    slugs = {s.slug for s in read_seed().symptoms}
    assert not slugs & {"minor-trauma-bone-risk", "pulsing-tummy-or-known-aneurysm"}


def test_new_items_carry_no_codes() -> None:
    """Codes are given only where a public page was checked for them; none was for the new items."""
    new = {
        "heart-warning-signs",
        "burning-when-peeing",
        "leg-weakness-new",
        "pulsing-tummy",
        "known-aneurysm",
        "pregnancy-warning-signs",
        "child-walking-problem",
        "sudden-onset-at-rest",
        "recent-fall-or-injury",
        "paracetamol-alone",
        "opioids-long-term",
        "gabapentin-and-pregabalin",
        "antidepressants",
        "tens",
        "therapeutic-ultrasound",
        "interferential-therapy",
        "acupuncture",
        "traction",
        "routine-imaging",
        "exercise-programme",
        "manual-therapy",
        "psychological-therapy",
        "stay-in-work",
    }
    items = {i.slug: i for items in read_seed().by_type().values() for i in items}
    assert new <= set(items)
    assert [slug for slug in sorted(new) if items[slug].codes] == []


@pytest.mark.parametrize(
    ("kind", "slug", "words"),
    [
        ("causes", "sports-with-sudden-movements", ["golf", "football"]),
        ("causes", "weak-abdominal-muscles", ["weak"]),
        ("causes", "arthritis", ["arthritis"]),
        ("causes", "pulling-pushing-twisting", ["pull", "push", "twist"]),
        ("causes", "repeated-strain", ["swollen"]),
        ("symptoms", "sudden-sharp-pain", ["sharp"]),
        ("symptoms", "pain-after-exertion", ["mild", "severe", "ease off"]),
        ("symptoms", "pain-spreads-to-abdomen", ["lower tummy (abdomen)"]),
        ("treatments", "stop-activity", ["ease off"]),
        ("treatments", "ice", ["inflammation"]),
        ("treatments", "heat", ["blood flow"]),
        ("treatments", "see-a-doctor", ["doctor"]),
        ("treatments", "muscle-relaxants", ["muscle relaxant"]),
        ("treatments", "nsaids", ["anti-inflammatory"]),
        ("treatments", "cortisone-injections", ["cortisone", "lower tummy"]),
        ("treatments", "chiropractic-care", ["chiropractor"]),
        ("treatments", "physical-therapy", ["physical therapy"]),
        ("treatments", "compression", ["support"]),
        ("treatments", "gentle-stretching", ["stretch"]),
        ("treatments", "rest", ["rest"]),
    ],
)
def test_every_fact_of_the_article_is_covered(kind: str, slug: str, words: list[str]) -> None:
    item = next(i for i in getattr(read_seed(), kind) if i.slug == slug)
    text = f"{item.name} {item.summary} {item.body}".lower()
    assert all(word in text for word in words), (slug, words)
    assert any(c.source == "renova-back-spasms" for c in item.sources)


def _item(kind: str, slug: str) -> SeedItem:
    items: list[SeedItem] = getattr(read_seed(), kind)
    return next(i for i in items if i.slug == slug)


def _text(item: SeedItem) -> str:
    fields = (item.name, item.summary, item.body, item.action, item.when_to_use, item.cautions)
    return " ".join(field for field in fields if field).lower()


# The clinical review against NICE NG59: what each corrected item must say, and what it must no longer say.
@pytest.mark.parametrize(
    ("kind", "slug", "says", "never"),
    [
        ("treatments", "stop-activity", ["keep moving", "ease off", "day or two", "build back up"], ["bleed"]),
        ("symptoms", "pain-after-exertion", ["keep moving", "ease off", "day or two", "build back up"], ["bleed"]),
        ("treatments", "muscle-relaxants", ["not advised for sciatica", "benzodiazepines, such as diazepam"], []),
        ("treatments", "nsaids", ["for sciatica", "the evidence that nsaids help is limited"], ["nice advises them"]),
        (
            "treatments",
            "nsaids",
            ["nice says doctors should consider", "lowest dose", "shortest time", "protect your stomach"],
            [],
        ),
        ("treatments", "nsaids", ["blood thinners", "pregnant", "kidney", "heart", "stomach ulcer"], []),
        ("treatments", "physical-therapy", ["any kind", "less likely to come back"], ["core", "stronger"]),
        ("causes", "arthritis", ["arthritis"], ["swell", "cramp"]),
        ("causes", "repeated-strain", ["this is a link", "not proof that the strain causes"], []),
        (
            "causes",
            "weak-abdominal-muscles",
            ["more common in people with a bad back", "not proven that they cause"],
            [],
        ),
        ("symptoms", "pain-between-shoulder-blades", ["usually from a muscle or joint", "more common here"], []),
        ("treatments", "heat", ["a little", "short term"], ["best", "proof"]),
        ("treatments", "rest", ["nhs advises staying as active as you can rather than resting in bed"], ["nice"]),
        ("symptoms", "cancer-history", ["check today"], []),
        # Sciatica as NICE NG59 has it (recommendations 1.2.16 to 1.2.22).
        ("treatments", "muscle-relaxants", ["not used for sciatica"], []),
        ("treatments", "nsaids", ["they may help less with sciatica"], []),
        # Red flags as triage ruleset 3 words them.
        (
            "symptoms",
            "bladder-or-bowel-change",
            ["trouble starting to pee", "weak", "leak pee or poo", "burning or stinging when you pee is a different"],
            [],
        ),
        ("symptoms", "saddle-numbness", ["inner thighs", "toilet paper", "sex feels numb"], []),
        ("symptoms", "both-legs-symptoms", ["since this back pain began", "even if one leg is worse"], ["2 weeks"]),
        ("symptoms", "cancer-history", ["melanoma counts", "cut or frozen off does not", "24-hour line"], []),
        ("symptoms", "constant-night-pain", ["never eases", "does not settle when you move", "turn over"], []),
        ("symptoms", "pain-spreads-to-abdomen", ["front of your tummy", "side", "groin"], []),
        (
            "symptoms",
            "immune-or-injection-risk",
            ["chemo", "steroid tablets for 3 months or more", "methotrexate", "biologics", "not under control"],
            ["long-term steroids"],
        ),
        ("symptoms", "recent-spine-procedure-or-infection", ["epidural", "lumbar puncture", "kidney"], []),
        ("symptoms", "sexual-dysfunction-new", ["erection", "to come", "orgasm"], ["loss of feeling"]),
        ("symptoms", "pregnant-labour-signs", ["16 weeks", "early pregnancy unit", "labour ward"], []),
        ("symptoms", "known-aneurysm", ["emergency department", "say you have an aortic aneurysm"], []),
        ("symptoms", "recent-fall-or-injury", ["65 or over", "osteoporosis", "lifting or twisting does not count"], []),
    ],
)
def test_the_clinical_review_is_applied(kind: str, slug: str, says: list[str], never: list[str]) -> None:
    text = _text(_item(kind, slug))
    assert [phrase for phrase in says if phrase not in text] == [], text
    assert [phrase for phrase in never if phrase in text] == [], text


def test_no_text_tells_people_to_stop_all_activity() -> None:
    stopping = re.compile(r"stop (the thing|what you|all activity)|stopping straight away|bleed(ing)? a little")
    for items in read_seed().by_type().values():
        for item in items:
            assert not stopping.search(_text(item)), item.slug
    assert _item("treatments", "stop-activity").summary.startswith("Keep moving")


def test_rest_cites_the_nhs_and_not_nice_which_does_not_cover_bed_rest() -> None:
    assert [c.source for c in _item("treatments", "rest").sources] == ["renova-back-spasms", "nhs-back-pain"]
    nhs = next(s for s in read_seed().sources if s.slug == "nhs-back-pain")
    assert nhs.url == "https://www.nhs.uk/conditions/back-pain/"


def test_red_flags_never_say_soon() -> None:
    for symptom in read_seed().symptoms:
        if symptom.red_flag:
            assert not re.search(r"\bsoon\b", _text(symptom)), symptom.slug


def test_every_source_has_a_url_or_says_why_not() -> None:
    unlinked = {s.slug: s.summary for s in read_seed().sources if s.url is None}
    assert sorted(unlinked) == ["girft-cauda-equina-2023", "renova-back-spasms"]
    assert all("No link is given: " in summary for summary in unlinked.values())
    assert all(s.url.startswith("https://") for s in read_seed().sources if s.url)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def test_no_nine_word_run_of_the_article_is_copied() -> None:
    if not ARTICLE.exists():
        pytest.skip("the source article is not beside the repository")
    article = _words(ARTICLE.read_text(encoding="utf-8"))
    runs = {" ".join(article[i : i + 9]) for i in range(len(article) - 8)}
    ours = _words(SEED_FILE.read_text(encoding="utf-8"))
    copied = [" ".join(ours[i : i + 9]) for i in range(len(ours) - 8) if " ".join(ours[i : i + 9]) in runs]
    assert copied == []


def test_seed_rejects_unknown_fields_and_dangling_citations(tmp_path: Path) -> None:
    text = SEED_FILE.read_text(encoding="utf-8")
    bad_field = tmp_path / "field.yaml"
    bad_field.write_text(text.replace("    category: injury\n", "    category: injury\n    colour: red\n", 1))
    with pytest.raises(ValueError, match="colour"):
        read_seed(bad_field)
    dangling = tmp_path / "dangling.yaml"
    dangling.write_text(text.replace("{source: nice-ng59,", "{source: nice-ng99,", 1))
    with pytest.raises(ValueError, match="nice-ng99"):
        read_seed(dangling)
