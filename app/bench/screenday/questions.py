"""Questions with gold answers about the screen day, across seven types.

Evidence is not listed by hand: each question names strings (`needles`) that a supporting frame
shows, optionally restricted to a scene and a time window, and the generator collects the frames
whose ground-truth text contains them. So evidence always matches what was actually rendered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reverie.bench.screenday.articles import ARTICLES
from reverie.bench.screenday.script import ALICE, BOB, DAN, PRIYA, PROMPT, STATUS_URL, Script

TYPES = ("single", "who_when", "count", "temporal", "update", "procedure", "abstain")


@dataclass
class Question:
    type: str
    question: str
    answer: str
    alternatives: list[str] = field(default_factory=list)
    needles: list[str] = field(default_factory=list)
    scene: str | None = None
    after: str | None = None  # "HH:MM:SS": only frames captured at or after this time are evidence
    level: int = 0  # 0 every size, 1 small and report, 2 report only


def _first_name(name: str) -> str:
    return name.split()[0]


def build_questions(s: Script) -> list[Question]:
    v = s.values
    art = ARTICLES
    before_meeting = [k for t, k in s.articles if t < "15:30"]
    after_meeting = [k for t, k in s.articles if t > "16:30"]
    last_version = v.versions[len(s.deploys) - 1]
    last_tests = v.tests[len(s.deploys) - 1]
    moved_at = "12:31:00"
    qs = [
        # --- single facts
        Question("single", "When is the Q3 report due?", "Friday, March 13",
                 ["March 13", "13 March", "Friday March 13", "2026-03-13"], ["Q3 report is due Friday, March 13"]),
        Question("single", "What is the amount of the Acme Cloud invoice?", v.amount,
                 [v.amount.removesuffix(".00"), v.amount.replace("$", "").replace(",", "")],
                 [f"{v.invoice} for {v.amount}", f"Amount due {v.amount}", f"Pay {v.amount}"]),
        Question("single", "Which room is the Atlas design review in?", v.room, [f"Room {v.room}"],
                 [f"Room {v.room} · Organizer", f"still in {v.room}"]),
        Question("single", "What was decided about the billing service?",
                 "migrate the billing service to Postgres 16 in April",
                 ["Postgres 16 in April", "migrate to Postgres 16"],
                 ["Decision: migrate the billing service to Postgres 16 in April."], "document"),
        Question("single", "What is the URL of the feature flags article I read?", art["flags"].url,
                 [art["flags"].url.removeprefix("https://")], [art["flags"].url], "browser", level=1),
        Question("single", "Which ticket tracks the billing migration?", v.ticket, [],
                 [f"Ticket {v.ticket}"], "document", level=1),
        Question("single", "According to the PgBouncer article, what pool size should you start with?", "20",
                 ["20 per database"], ["pool size of 20"], "browser", level=1),
        Question("single", "What was decided in the Atlas design review?",
                 "ship Atlas v2 behind a feature flag on March 24",
                 ["feature flag on March 24", "ship Atlas v2 on March 24"],
                 ["Decision: ship Atlas v2 behind a feature flag on March 24."], "document", level=1),
        Question("single", "What is the number of the Acme Cloud invoice?", v.invoice, [],
                 [f"invoice {v.invoice}"], level=2),
        Question("single", "When is the Acme Cloud invoice due?", v.invoice_due, [],
                 [f"due {v.invoice_due}"], "email", level=2),
        Question("single", "Which customer company is the Thursday call with?", "Northwind", ["Northwind"],
                 ["Customer call: Northwind"], "calendar", level=2),
        # --- who / when
        Question("who_when", "Who reminded the team that the Q3 report is due?", ALICE, [_first_name(ALICE)],
                 ["Q3 report is due Friday, March 13"], "chat"),
        Question("who_when", f"Who asked me to review PR #{v.prs[2]}?", BOB, [_first_name(BOB)],
                 [f"review PR #{v.prs[2]}"], "chat"),
        Question("who_when", "Who is on call this week?", PRIYA, [_first_name(PRIYA)],
                 ["I'm on call this week"], "chat", level=1),
        Question("who_when", "When is the customer call with Northwind?", "Thursday at 16:00",
                 ["16:00", "4 PM", "4:00 PM", "Thursday 16:00", "March 12"],
                 ["Customer call: Northwind", "call on Thursday at 16:00"], level=1),
        Question("who_when", "Who sent the Acme Cloud invoice?", DAN, [_first_name(DAN)],
                 [f"Invoice {v.invoice} from Acme Cloud"], "email", level=2),
        Question("who_when", "Who organizes the Atlas design review?", ALICE, [_first_name(ALICE)],
                 [f"Room {v.room} · Organizer: {ALICE}", f"Organizer: {ALICE}"], level=2),
        Question("who_when", "Who wrote the article on blameless postmortems?", art["postmortems"].author, [],
                 [art["postmortems"].byline], "browser", level=2),
        # --- counting
        Question("count", "How many emails did Bob Okafor send me today?", str(s.bob_mails), [],
                 [BOB], "email", after="12:41:00"),
        Question("count", "How many pull requests did I approve today?", str(len(s.approved)), [],
                 ["You approved these changes"], "browser"),
        Question("count", "How many times did I deploy to staging today?", str(len(s.deploys)), [],
                 [f"{PROMPT} ./deploy.sh staging"], "editor", level=1),
        Question("count", "How many people attended the Q3 planning meeting?", "4", ["four"],
                 [f"Attendees: {ALICE}, {BOB}, {PRIYA}, "], "document", level=2),
        # --- temporal order
        Question("temporal", "Which article did I read last before the design review?",
                 art[before_meeting[-1]].title, [], [art[before_meeting[-1]].url], "browser"),
        Question("temporal", "What article did I read after the design review?", art[after_meeting[0]].title, [],
                 [art[after_meeting[0]].url], "browser"),
        Question("temporal", "Which article did I read first today?", art[s.articles[0][1]].title, [],
                 [art[s.articles[0][1]].url], "browser", level=1),
        Question("temporal", "Which pull request did I approve first?", f"#{s.approved[0]}",
                 [f"PR #{s.approved[0]}", str(s.approved[0])], ["You approved these changes"], "browser", level=2),
        Question("temporal", "Which pull request did I approve last?", f"#{s.approved[-1]}",
                 [f"PR #{s.approved[-1]}", str(s.approved[-1])], ["You approved these changes"], "browser",
                 after="14:00:00" if len(s.approved) > 2 else None, level=2),
        # --- knowledge update (latest value wins)
        Question("update", "What time is the Atlas design review now?", "15:30",
                 ["3:30 PM", "3:30 pm", "15:30 – 16:30"], ["moved from 14:00 to 15:30", "15:30 – 16:30"],
                 after=moved_at),
        Question("update", "Which version of atlas-api is deployed on staging now?", last_version,
                 [f"atlas-api {last_version}", f"v{last_version}"], [f"atlas-api {last_version} deployed"], "browser"),
        Question("update", "What is the approved Q3 infrastructure budget?", v.budget_revised,
                 [v.budget_revised.replace("$", ""), v.budget_revised.replace("$", "").replace(",", "")],
                 [f"Approved budget: {v.budget_revised}", f"budget: {v.budget_revised}"], level=1),
        Question("update", "How many tests passed in my latest test run?", str(last_tests),
                 [f"{last_tests} passed"], [f"{last_tests} passed"], "editor", after=f"{s.deploys[-1]}:00",
                 level=2),
        # --- procedure recall
        Question("procedure", "What steps do I follow to deploy Atlas to staging?",
                 "git pull, make test, ./deploy.sh staging",
                 ["git pull; make test; ./deploy.sh staging", "git pull && make test && ./deploy.sh staging"],
                 [f"{PROMPT} ./deploy.sh staging"], "editor"),
        Question("procedure", "Which command do I run right after make test when deploying?", "./deploy.sh staging",
                 ["deploy.sh staging"], [f"{PROMPT} ./deploy.sh staging"], "editor"),
        Question("procedure", "Which dashboard do I check after deploying to staging?", STATUS_URL,
                 [STATUS_URL.removeprefix("https://")], [STATUS_URL], level=1),
        Question("procedure", "Which command runs the tests before a deploy?", "make test", [],
                 [f"{PROMPT} make test"], "editor", level=2),
        Question("procedure", "Which registry does the deploy push the image to?", "registry.lumenlabs.example",
                 [], ["==> Pushing registry.lumenlabs.example"], "editor", level=2),
        # --- abstention: plausible, but the day never shows an answer
        Question("abstain", "What is Bob Okafor's phone number?", ""),
        Question("abstain", "When is the Q4 report due?", ""),
        Question("abstain", "Which hotel did I book for the team offsite?", "", level=1),
        Question("abstain", "What did Mei Tanaka say about pricing?", "", level=2),
        Question("abstain", "What was decided about the mobile app redesign?", "", level=2),
        Question("abstain", "Who is Alice Chen's manager?", "", level=2),
        Question("abstain", "Which flight did I book to Berlin?", "", level=2),
    ]
    for q in qs:  # no alternative repeats the answer or another alternative
        q.alternatives = [a for a in dict.fromkeys(q.alternatives) if a != q.answer]
    return [q for q in qs if q.level <= s.scale.extras]


def answerable(question: dict[str, Any], ingested: set[str], frames: list[dict[str, Any]]) -> bool:
    """Whether `question` (a day.json entry) can be answered from the `ingested` frame files, for runs
    that ingest only part of the day (e.g. the first N frames in CI).

    Evidence lists every frame that shows the supporting text, not a minimal set, so for most types
    one ingested evidence frame is enough. Counting needs all of them (each approval or deploy is
    on its own frames); temporal order needs the whole day up to the last evidence frame, since the
    answer depends on what else happened before it.
    """
    evidence = question["evidence"]
    if question["type"] == "abstain":
        return True
    if question["type"] == "count":
        return set(evidence) <= ingested
    if question["type"] == "temporal":
        last = max(i for i, f in enumerate(frames) if f["file"] in evidence)
        return all(f["file"] in ingested for f in frames[: last + 1] if not f.get("private"))
    return bool(set(evidence) & ingested)
