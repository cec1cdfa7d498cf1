"""The seed's content as tests expect it: the back-spasms condition's items in order, and item digests."""

import hashlib
import json
from typing import Any

# The items the back-spasms condition lists, by slug.
CAUSES = [
    "muscle-strain",
    "sprain",
    "pulling-pushing-twisting",
    "repeated-strain",
    "sports-with-sudden-movements",
    "weak-abdominal-muscles",
    "underlying-back-condition",
    "arthritis",
]


SYMPTOMS = ["pain-after-exertion", "restricted-movement", "sudden-sharp-pain", "muscle-tightening"]


# Self-care first, then medicines, then professional care, each by name; what a guideline advises
# against (`not_recommended`) comes after all the others, in the same order.
TREATMENTS = [
    "stop-activity",
    "gentle-stretching",
    "heat",
    "ice",
    "keep-active",
    "rest",
    "stay-in-work",
    "nsaids",
    "muscle-relaxants",
    "chiropractic-care",
    "exercise-programme",
    "manual-therapy",
    "physical-therapy",
    "see-a-doctor",
    "psychological-therapy",
]


NOT_ADVISED = [
    "compression",
    "tens",
    "antidepressants",
    "gabapentin-and-pregabalin",
    "opioids-long-term",
    "paracetamol-alone",
    "cortisone-injections",
    "acupuncture",
    "interferential-therapy",
    "traction",
    "therapeutic-ultrasound",
    "routine-imaging",
]


# Emergencies first, then urgent signs, each by name.
RED_FLAGS = [
    "major-trauma",
    "heart-warning-signs",
    "chest-pain",
    "very-unwell",
    "leg-weakness-worsening",
    "bladder-or-bowel-change",
    "both-legs-symptoms",
    "saddle-numbness",
    "sudden-severe-pain-with-collapse",
    "pregnant-labour-signs",
    "tearing-pain",
    "child-walking-problem",
    "back-lump-or-deformity",
    "pulsing-tummy",
    "recent-spine-procedure-or-infection",
    "recent-fall-or-injury",
    "cancer-history",
    "sudden-onset-at-rest",
    "fever",
    "known-aneurysm",
    "burning-when-peeing",
    "sexual-dysfunction-new",
    "leg-weakness-new",
    "pain-between-shoulder-blades",
    "worse-with-cough-sneeze",
    "pain-spreads-to-abdomen",
    "constant-night-pain",
    "pregnancy-warning-signs",
    "unexplained-weight-loss",
    "immune-or-injection-risk",
]


def public_digest(rest: dict[str, Any]) -> str:
    """blake2b-64 of the other fields as sorted, compact JSON."""
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.blake2b(canonical, digest_size=8).hexdigest()
