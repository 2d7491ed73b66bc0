"""The story of the screen day: Sam Rivera's Tuesday at Lumen Labs, as a list of screen shots.

Episodes (times are the same for every seed; values such as PR numbers, amounts and secrets are
drawn from the seed):

09:0x mail: invoice from Dan, PR from Bob        12:3x chat: meeting moved, password pasted, PR ask
09:1x chat: Alice's Q3 deadline, reply typed     12:4x mail: third mail from Bob; calendar shows 15:30
09:3x-09:5x two articles read (scrolling)        13:0x KeePassXC (excluded window, never stored)
10:0x VS Code: .env with API keys, deploy #1     13:4x article read right before the meeting
10:4x calendar: design review 14:00              14:1x deploy #2
11:0x planning doc: decision typed               15:3x design review notes: decision typed
11:3x two PRs approved                           16:4x article read after the meeting
12:0x card number typed into a checkout page     17:3x mail, final inbox
small/report add: another article, #deploys notes, a private browsing window, a third PR, a budget
revision, the Q3 report section typed at length, a third deploy; report adds a DM with Alice and
one more article. Typing and scrolling are captured every ~2 s, so they yield near-duplicates.
"""

from __future__ import annotations

import copy
import random
import string
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from reverie.bench.screenday.articles import ARTICLES, ArticleText
from reverie.bench.screenday.scenes import (
    Article,
    BrowserView,
    CalendarView,
    CalEvent,
    ChatMessage,
    ChatView,
    Checkout,
    Dashboard,
    DocumentView,
    EditorView,
    EmailView,
    Mail,
    PullRequest,
    SearchPage,
    State,
    VaultEntry,
    VaultView,
)

DAY = datetime(2026, 3, 10, tzinfo=UTC)  # a Tuesday
USER, USER_MAIL = "Sam Rivera", "sam.rivera@lumenlabs.example"
ALICE, BOB, PRIYA, DAN, MEI = "Alice Chen", "Bob Okafor", "Priya Natarajan", "Dan Moreau", "Mei Tanaka"
STATUS_URL = "https://status.lumenlabs.example/staging"
DEPLOY_STEPS = ("git pull", "make test", "./deploy.sh staging")
PROMPT = "sam@atlas-dev:~/atlas$"


@dataclass(frozen=True)
class Scale:
    name: str
    type_step: int  # characters typed between two captures
    scroll_steps: int  # captures while reading one article
    dwell: int  # extra captures of an unchanged screen (caret blink) after a view settles
    extras: int  # 0 tiny, 1 small, 2 report: more episodes


SCALES = {
    "tiny": Scale("tiny", 18, 3, 0, 0),
    "small": Scale("small", 7, 6, 1, 1),
    "report": Scale("report", 4, 16, 2, 2),
}


@dataclass
class Shot:
    t: datetime
    app: str
    title: str
    scene: str
    state: State
    private: bool = False


@dataclass
class Values:
    """Everything the seed decides."""

    prs: list[int]
    invoice: str
    amount: str
    invoice_due: str
    budget: str
    budget_revised: str
    room: str
    ticket: str
    card: str
    expiry: str
    api_key: str
    aws_key: str
    password: str
    vault_password: str
    private_query: str
    receipt: str
    versions: list[str]
    tests: list[int]

    @property
    def secrets(self) -> list[str]:
        return [self.card, self.api_key, self.aws_key, self.password, self.vault_password, self.private_query]


@dataclass
class Fact:
    id: str
    kind: str
    text: str
    needles: list[str]  # a frame shows the fact when its text contains any of these
    scene: str | None = None


@dataclass
class Script:
    scale: Scale
    values: Values
    shots: list[Shot] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    deploys: list[str] = field(default_factory=list)  # HH:MM of each deploy
    approved: list[int] = field(default_factory=list)  # PR numbers in approval order
    articles: list[tuple[str, str]] = field(default_factory=list)  # (HH:MM, article key) in reading order
    bob_mails: int = 0
    shown_secrets: set[str] = field(default_factory=set)

    @property
    def secrets(self) -> list[str]:
        """The secrets some frame of this size shows, in a fixed order."""
        return [s for s in self.values.secrets if s in self.shown_secrets]


def luhn_card(rng: random.Random) -> str:
    digits = [4] + [rng.randrange(10) for _ in range(14)]
    total = 0
    for i, d in enumerate(reversed(digits)):  # the check digit will sit right of these
        d = d * 2 if i % 2 == 0 else d
        total += d - 9 if d > 9 else d
    digits.append((10 - total % 10) % 10)
    s = "".join(map(str, digits))
    return " ".join(s[i : i + 4] for i in range(0, 16, 4))


def draw_values(rng: random.Random) -> Values:
    alnum = string.ascii_letters + string.digits
    base = rng.randint(430, 520)
    amount = rng.randint(2100, 9800)
    budget = rng.choice((42, 45, 48, 54, 60))
    words = ("Orchid", "Lantern", "Falcon", "Granite", "Willow", "Tangerine", "Comet", "Harbor")
    first, second = rng.sample(words, 2)
    return Values(
        prs=[base, base + rng.randint(2, 5), base + rng.randint(7, 10), base + rng.randint(12, 15)],
        invoice=f"INV-{rng.randint(2000, 2999)}",
        amount=f"${amount:,}.{rng.choice(('00', '50', '75'))}",
        invoice_due=f"March {rng.choice((20, 24, 27))}",
        budget=f"${budget},000",
        budget_revised=f"${budget + 4},500",
        room=rng.choice(("Juniper", "Cedar", "Birch", "Maple", "Willow")),
        ticket=f"OPS-{rng.randint(1100, 1999)}",
        card=luhn_card(rng),
        expiry=f"{rng.randint(1, 12):02d}/{rng.randint(28, 31)}",
        api_key="sk-live-" + "".join(rng.choice(alnum) for _ in range(32)),
        aws_key="AKIA" + "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
        password=f"{first}-{second}-{rng.randint(1000, 9999)}",
        vault_password="kpx-" + "".join(rng.choice(alnum) for _ in range(18)),
        private_query=f"dermatologist near Elm Street {rng.choice(words).lower()} clinic {rng.randint(100, 999)}",
        receipt=f"R-{rng.randint(100000, 999999)}",
        versions=[f"2.14.{3 + i}" for i in range(3)],
        tests=[142, 145, 147],
    )


class DayBuilder:
    def __init__(self, rng: random.Random, scale: Scale, values: Values) -> None:
        self.rng, self.scale, self.v = rng, scale, values
        self.script = Script(scale, values)
        self.t = DAY

    # -- time and capture

    def at(self, hh: int, mm: int) -> None:
        start = DAY.replace(hour=hh, minute=mm, second=self.rng.randint(0, 40))
        if start <= self.t:
            raise ValueError(f"episode at {hh:02d}:{mm:02d} overlaps the previous one (ends {self.t:%H:%M:%S})")
        self.t = start

    def hhmm(self) -> str:
        return f"{self.t:%H:%M}"

    def shot(self, app: str, title: str, scene: str, state: State, private: bool = False) -> None:
        self.script.shots.append(Shot(self.t, app, title, scene, copy.deepcopy(state), private))
        self.t += timedelta(seconds=2 + self.rng.choice((0, 0, 0, 1)))  # capture every ~2 s while active

    def dwell(self, app: str, title: str, scene: str, state: State) -> None:
        """Unchanged screen except for a blinking caret: the near-duplicates change detection must absorb."""
        for i in range(self.scale.dwell):
            blinking = replace(state, caret=i % 2 == 1) if hasattr(state, "caret") else state  # type: ignore[arg-type]
            self.shot(app, title, scene, blinking)

    def typing(self, text: str, step: int | None = None) -> list[str]:
        """The prefixes visible in successive captures while `text` is typed."""
        step = step or self.scale.type_step
        cuts = list(range(step, len(text), step))
        if cuts and len(text) - cuts[-1] < max(3, step // 2):
            cuts.pop()  # a last chunk of a glyph or two is what change detection defers as a caret blink
        return [text[:n] for n in [*cuts, len(text)]]

    def secret(self, *values: str) -> None:
        self.script.shown_secrets.update(values)

    def fact(self, fid: str, kind: str, text: str, needles: list[str], scene: str | None = None) -> None:
        self.script.facts.append(Fact(fid, kind, text, needles, scene))


# ---------------------------------------------------------------- the day


def build(seed: int, size: str) -> Script:
    if size not in SCALES:
        raise ValueError(f"unknown size {size!r}; expected one of {', '.join(SCALES)}")
    rng = random.Random(seed)
    values = draw_values(rng)
    b = DayBuilder(rng, SCALES[size], values)
    extras = b.scale.extras
    mail = _inbox(values)
    chat = _chat()
    deploys = _deploys_channel()
    _morning_mail(b, mail)
    _morning_chat(b, chat)
    _read(b, "deploys", 9, 32)
    _read(b, "pgbouncer", 9, 46)
    _deploy(b, 10, 4, first=True)
    if extras >= 1:
        _deploy_note(b, deploys, 10, 12)
    cal = _calendar(values)
    _show_calendar(b, cal, 10, 41)
    _planning_doc(b, 11, 2)
    if extras >= 1:
        _read(b, "pg16", 11, 20)
    _review(b, values.prs[0], 11, 34)
    _review(b, values.prs[1], 11, 41)
    _checkout(b, 12, 4)
    _midday_chat(b, chat, cal)
    _midday_mail(b, mail)
    _vault(b, 13, 6)
    if extras >= 1:
        _private_window(b, 13, 22)
    _read(b, "flags", 13, 41)
    _deploy(b, 14, 12, first=False)
    if extras >= 2:
        _deploy_note(b, deploys, 14, 19)
    if extras >= 1:
        _review(b, values.prs[2], 14, 45)
    if extras >= 2:
        _alice_dm(b, 15, 2)
    _review_notes(b, 15, 36)
    if extras >= 1:
        _budget_revision(b, mail, 16, 5)
        _report_section(b, 16, 18)
    _read(b, "postmortems", 16, 42)
    if extras >= 1:
        _deploy(b, 17, 5, first=False)
        _deploy_note(b, deploys, 17, 12)
    if extras >= 2:
        _read(b, "cloudcost", 17, 18)
    _evening_mail(b, mail, 17, 41)
    b.fact("p_deploy", "procedure", "Deploy to staging: git pull, make test, ./deploy.sh staging, then check "
           f"{STATUS_URL}", [f"{PROMPT} ./deploy.sh staging"], "editor")
    return b.script


# ---------------------------------------------------------------- mail


def _inbox(v: Values) -> EmailView:
    mails = [
        Mail(DAN, "dan.moreau@lumenlabs.example", f"Invoice {v.invoice} from Acme Cloud: {v.amount}", "08:55",
             ["Hi Sam,", f"Acme Cloud sent invoice {v.invoice} for {v.amount}, due {v.invoice_due}. "
              "Could you pay it with the company card today?", "Thanks, Dan"]),
        Mail(BOB, "bob.okafor@lumenlabs.example", f"PR #{v.prs[0]} ready for review: webhook retries", "08:47",
             ["Hi Sam,", f"PR #{v.prs[0]} adds exponential backoff to the webhook sender. "
              "Could you take a look this morning?", "Bob"]),
        Mail("Ship It Weekly", "news@shipit.example.com", "Issue 112: idempotent deploys, feature flags and more",
             "08:30", ["This week: designing idempotent deploy pipelines, a practical guide to feature flags."]),
        Mail(ALICE, "alice.chen@lumenlabs.example", "Q3 report outline", "08:12",
             ["Hi all,", "Here is the outline for the Q3 report. Sam owns the infrastructure section.", "Alice"]),
        Mail(MEI, "mei.tanaka@northwind.example", "Northwind sync on Thursday", "07:58",
             ["Hi Sam,", "Looking forward to our call on Thursday at 16:00. I will bring our usage numbers.",
              "Best, Mei"]),
        Mail(BOB, "bob.okafor@lumenlabs.example", "Lunch order for Friday?", "07:41",
             ["Thai or pizza for the team lunch on Friday? Reply by Thursday noon."]),
        Mail("People Team", "people@lumenlabs.example", "Benefits enrollment closes March 31", "Mon 16:20",
             ["Reminder: benefits enrollment for 2026 closes on March 31."], unread=False),
        Mail("Forge", "noreply@git.lumenlabs.example", "[atlas] Pipeline passed for main", "Mon 15:02",
             ["Pipeline #8812 passed for main."], unread=False),
    ]
    return EmailView(USER_MAIL, mails)


def _mail_title(view: EmailView) -> str:
    if view.selected is None:
        return f"Inbox - {USER_MAIL} - Mozilla Thunderbird"
    return f"{view.mails[view.selected].subject} - Mozilla Thunderbird"


def _mail_shot(b: DayBuilder, view: EmailView, select: int | None) -> None:
    view.selected = select
    if select is not None:
        view.mails[select].unread = False
    b.shot("Thunderbird", _mail_title(view), "email", view)


def _morning_mail(b: DayBuilder, view: EmailView) -> None:
    v = b.v
    b.at(9, 2)
    _mail_shot(b, view, None)
    b.dwell("Thunderbird", _mail_title(view), "email", view)
    _mail_shot(b, view, 0)
    b.fact("n_invoice", "number", f"Acme Cloud invoice {v.invoice} is {v.amount}, due {v.invoice_due}",
           [f"{v.invoice} for {v.amount}"], "email")
    _mail_shot(b, view, 1)
    if b.scale.extras >= 1:
        _mail_shot(b, view, 4)
    b.fact("d_customer_call", "date", f"Customer call with {MEI} (Northwind) on Thursday at 16:00",
           ["call on Thursday at 16:00", "Customer call: Northwind"])


def _midday_mail(b: DayBuilder, view: EmailView) -> None:
    v = b.v
    b.at(12, 41)
    view.mails.insert(0, Mail(BOB, "bob.okafor@lumenlabs.example", f"Re: PR #{v.prs[2]} rate limiter", "12:40",
                              ["Thanks for looking. I pushed a fix for the flaky test, CI is green now.", "Bob"]))
    _mail_shot(b, view, None)
    _mail_shot(b, view, 0)


def _budget_revision(b: DayBuilder, view: EmailView, hh: int, mm: int) -> None:
    v = b.v
    b.at(hh, mm)
    view.mails.insert(0, Mail(DAN, "dan.moreau@lumenlabs.example", "Q3 budget revised", f"{hh}:{mm - 2:02d}",
                              ["Hi Sam,", f"Finance approved a revised Q3 infrastructure budget: {v.budget_revised} "
                               f"(was {v.budget}). Please update the planning notes.", "Dan"]))
    _mail_shot(b, view, 0)
    b.dwell("Thunderbird", _mail_title(view), "email", view)
    b.at(hh, mm + 4)
    _planning_doc(b, hh, mm + 4, revised=True)


def _evening_mail(b: DayBuilder, view: EmailView, hh: int, mm: int) -> None:
    b.at(hh, mm)
    _mail_shot(b, view, None)
    b.dwell("Thunderbird", _mail_title(view), "email", view)
    b.script.bob_mails = sum(m.sender == BOB for m in view.mails)


# ---------------------------------------------------------------- chat


def _chat() -> ChatView:
    return ChatView(
        "Lumen Labs", ["general", "atlas", "deploys", "random"], [ALICE, BOB, PRIYA, DAN], "atlas",
        "Atlas v2: billing, webhooks and the Q3 report",
        [
            ChatMessage(BOB, "Mon 16:40", "Retro notes are in the wiki, thanks for the ideas everyone."),
            ChatMessage(ALICE, "Mon 17:05", "Great sprint, all. Planning for the Q3 report starts tomorrow."),
            ChatMessage(PRIYA, "08:52", "Morning! Staging was flaky overnight, I restarted the queue worker."),
            ChatMessage(PRIYA, "08:53", "I'm on call this week, ping me for anything on staging."),
        ],
    )


def _chat_title(view: ChatView) -> str:
    return f"#{view.active} - Lumen Labs - Slack"


def _say(b: DayBuilder, view: ChatView, text: str) -> None:
    """Type `text` into the composer (a capture every few keystrokes), then send it."""
    for prefix in b.typing(text):
        view.draft = prefix
        view.caret = True
        b.shot("Slack", _chat_title(view), "chat", view)
    view.draft = ""
    view.messages.append(ChatMessage(USER, b.hhmm(), text))
    b.shot("Slack", _chat_title(view), "chat", view)


def _morning_chat(b: DayBuilder, view: ChatView) -> None:
    v = b.v
    b.at(9, 14)
    view.messages += [
        ChatMessage(ALICE, "09:10", "Reminder: the Q3 report is due Friday, March 13 at 5 PM."),
        ChatMessage(ALICE, "09:11", "Sam, can you own the infrastructure section of the report?"),
        ChatMessage(BOB, "09:12", f"PR #{v.prs[0]} (webhook retries) is ready for review."),
    ]
    view.unread = ["general"]
    b.shot("Slack", _chat_title(view), "chat", view)
    b.dwell("Slack", _chat_title(view), "chat", view)
    _say(b, view, "Sure, I'll have the infrastructure section drafted by Thursday.")
    b.fact("dl_q3", "deadline", "The Q3 report is due Friday, March 13 at 5 PM (Alice Chen, in #atlas)",
           ["Q3 report is due Friday, March 13"], "chat")
    b.fact("p_oncall", "person", f"{PRIYA} is on call this week", ["I'm on call this week"], "chat")


def _alice_dm(b: DayBuilder, hh: int, mm: int) -> None:
    view = ChatView("Lumen Labs", ["general", "atlas", "deploys", "random"], [ALICE, BOB, PRIYA, DAN], ALICE,
                    "Direct message", [ChatMessage(ALICE, "Mon 11:20", "Thanks for the sprint notes!")])
    view.active = ALICE
    title = f"{ALICE} (DM) - Lumen Labs - Slack"
    for when, text in (("15:02", "Quick one: can you add how long a staging deploy takes to the report?"),
                       ("15:03", "A rough number is fine, the finance folks just want a sense of it.")):
        b.at(hh, int(when[3:]))
        view.messages.append(ChatMessage(ALICE, when, text))
        b.shot("Slack", title, "chat", view)
    for prefix in b.typing("Sure, it is under five minutes now. I'll put it in the infrastructure section."):
        view.draft = prefix
        b.shot("Slack", title, "chat", view)
    view.draft = ""
    view.messages.append(ChatMessage(USER, b.hhmm(), "Sure, it is under five minutes now. I'll put it in the "
                                     "infrastructure section."))
    b.shot("Slack", title, "chat", view)
    b.dwell("Slack", title, "chat", view)


def _deploys_channel() -> ChatView:
    return ChatView(
        "Lumen Labs", ["general", "atlas", "deploys", "random"], [ALICE, BOB, PRIYA, DAN], "deploys",
        "Every deploy gets a note here",
        [ChatMessage(PRIYA, "Mon 17:48", "Deployed atlas-worker 1.9.0 to production, no errors so far."),
         ChatMessage(BOB, "Mon 18:02", "Rolled back atlas-web 3.2.1 on staging, a migration was missing.")],
    )


def _deploy_note(b: DayBuilder, view: ChatView, hh: int, mm: int) -> None:
    """After a deploy the user posts a note in #deploys."""
    b.at(hh, mm)
    view.caret = True
    b.shot("Slack", _chat_title(view), "chat", view)
    _say(b, view, f"Deployed atlas-api {b.v.versions[len(b.script.deploys) - 1]} to staging, dashboard is green.")


def _midday_chat(b: DayBuilder, view: ChatView, cal: CalendarView) -> None:
    v = b.v
    arrivals = [
        (12, 31, ChatMessage(ALICE, "12:31", f"Heads-up: the Atlas design review moved from 14:00 to 15:30, "
                                             f"still in {v.room}.")),
        (12, 33, ChatMessage(PRIYA, "12:33", f"For the load test, the staging DB password: {v.password}")),
        (12, 34, ChatMessage(BOB, "12:34", f"@Sam could you also review PR #{v.prs[2]} (rate limiter) today?")),
    ]
    for hh, mm, msg in arrivals:
        b.at(hh, mm)
        view.messages.append(msg)
        b.shot("Slack", _chat_title(view), "chat", view)
    _say(b, view, "On it after lunch.")
    b.secret(v.password)
    b.fact("u_meeting", "update", f"The Atlas design review moved from 14:00 to 15:30 (room {v.room})",
           ["moved from 14:00 to 15:30", "15:30 – 16:30"])
    b.fact("w_pr_ask", "person", f"{BOB} asked Sam to review PR #{v.prs[2]}", [f"review PR #{v.prs[2]}"], "chat")
    # the calendar entry follows the chat message
    b.at(12, 38)
    for ev in cal.events:
        if ev.title == "Atlas design review":
            ev.start, ev.end = "15:30", "16:30"
    b.shot("GNOME Calendar", "Calendar", "calendar", cal)


# ---------------------------------------------------------------- browser


def _tabs(current: str) -> list[str]:
    return [current, *(t for t in ("Pull requests · lumenlabs/atlas", "Atlas status: staging") if t != current)]


def _read(b: DayBuilder, key: str, hh: int, mm: int) -> None:
    a: ArticleText = ARTICLES[key]
    b.at(hh, mm)
    page = Article(a.site, a.title, a.byline, list(a.paragraphs), a.callout,
                   [t.title for t in ARTICLES.values() if t.key != key][:4])
    view = BrowserView(_tabs(a.title), 0, a.url, page)
    title = f"{a.title} — Mozilla Firefox"
    b.script.articles.append((b.hhmm(), key))
    # Reading speed varies: some captures scroll a little, some not at all; the last reaches the end.
    moves = [b.rng.choice((0, 1, 2, 2, 3)) for _ in range(b.scale.scroll_steps - 1)]
    moves[-1] = moves[-1] or 1
    done = 0
    for move in [0, *moves]:
        done += move
        view.scroll = done / sum(moves)
        b.shot("Firefox", title, "browser", view)
    b.fact(f"url_{key}", "url", f"Read '{a.title}' at {a.url}", [a.url], "browser")
    # the URL bar, not the title: other pages list this title under "Related posts"
    b.fact(f"art_{key}", "reading", f"'{a.title}' by {a.author}: {a.callout}", [a.url], "browser")


def _review(b: DayBuilder, number: int, hh: int, mm: int) -> None:
    titles = {0: ("Add retries to webhook sender", "bob/webhook-retries", BOB),
              1: ("Cache tenant settings in memory", "priya/tenant-cache", PRIYA),
              2: ("Rate limiter for the public API", "bob/rate-limiter", BOB)}
    index = b.v.prs.index(number)
    name, branch, author = titles[index]
    diff = [
        ("src/webhooks/sender.py" if index == 0 else "src/tenants/cache.py" if index == 1 else "src/api/limits.py",
         ["@@ -41,7 +41,12 @@ def send(event):", "-    response = post(url, body)",
          "+    for attempt in range(MAX_ATTEMPTS):", "+        response = post(url, body, timeout=10)",
          "+        if response.ok:", "+            break", "+        sleep(backoff(attempt))"]),
        ("tests/test_sender.py" if index == 0 else "tests/test_cache.py" if index == 1 else "tests/test_limits.py",
         ["@@ -12,3 +12,9 @@", "+def test_retries_until_success():", "+    assert attempts == 3"]),
    ]
    pr = PullRequest(number, name, author, branch, diff)
    b.at(hh, mm)
    url = f"https://git.lumenlabs.example/lumenlabs/atlas/pulls/{number}"
    title = f"{name} #{number} - lumenlabs/atlas — Mozilla Firefox"
    view = BrowserView(_tabs(f"{name} #{number}"), 0, url, pr)
    b.shot("Firefox", title, "browser", view)
    b.dwell("Firefox", title, "browser", view)
    pr.approved_at = b.hhmm()
    b.shot("Firefox", title, "browser", view)
    b.script.approved.append(number)
    b.fact(f"pr_{number}", "number", f"Approved PR #{number} ({name}) by {author}",
           [f"{name} #{number}"], "browser")


def _checkout(b: DayBuilder, hh: int, mm: int) -> None:
    v = b.v
    b.at(hh, mm)
    page = Checkout("Acme Cloud Billing", v.invoice, v.amount, USER, "", v.expiry)
    view = BrowserView(_tabs("Acme Cloud Billing"), 0, f"https://billing.acmecloud.example/pay/{v.invoice}", page)
    title = f"Pay invoice {v.invoice} - Acme Cloud Billing — Mozilla Firefox"
    b.shot("Firefox", title, "browser", view)
    for prefix in b.typing(v.card, step=10):  # typed two groups at a time
        page.card = prefix
        b.shot("Firefox", title, "browser", view)
    # The user checks the number before paying: the full card number stays on screen for a few
    # captures, as it would on a real desktop (change detection defers one-glyph edits, not this).
    for _ in range(max(1, b.scale.dwell)):
        b.shot("Firefox", title, "browser", view)
    page.paid = v.receipt
    b.shot("Firefox", title, "browser", view)
    b.secret(v.card)
    b.fact("n_paid", "event", f"Paid Acme Cloud invoice {v.invoice} ({v.amount}), receipt {v.receipt}",
           [f"Receipt {v.receipt}"], "browser")


def _private_window(b: DayBuilder, hh: int, mm: int) -> None:
    v = b.v
    b.at(hh, mm)
    page = SearchPage(v.private_query, [
        ("Elm Street Dermatology - Book an appointment", "https://elmstreet-derm.example.com", "Open Mon-Fri."),
        ("Skin clinics near you", "https://healthdirectory.example.org/skin", "Compare clinics and reviews."),
    ])
    view = BrowserView(["Private Browsing"], 0, "https://duckduckgo.example/?q=dermatologist", page, private=True)
    b.shot("Firefox", "Private Browsing — Mozilla Firefox Private Browsing", "browser", view, private=True)
    b.secret(v.private_query)


# ---------------------------------------------------------------- editor and terminal


_DEPLOY_SH = [
    "#!/usr/bin/env bash",
    "# Deploy atlas-api to an environment: ./deploy.sh staging",
    "set -euo pipefail",
    "",
    'ENV="${1:?usage: deploy.sh ENV}"',
    'VERSION="$(cat VERSION)"',
    'IMAGE="registry.lumenlabs.example/atlas-api:${VERSION}"',
    "",
    'echo "==> Building atlas-api:${VERSION}"',
    'docker build -t "$IMAGE" .',
    'docker push "$IMAGE"',
    'kubectl --context "$ENV" set image deploy/atlas-api api="$IMAGE"',
    'kubectl --context "$ENV" rollout status deploy/atlas-api',
    'echo "==> Done. Check https://status.lumenlabs.example/${ENV}"',
]


def _env_file(v: Values) -> list[str]:
    return [
        "# local secrets, never commit",
        "DATABASE_URL=postgres://atlas@localhost:5432/atlas",
        f"OPENAI_API_KEY={v.api_key}",
        f"AWS_ACCESS_KEY_ID={v.aws_key}",
        "AWS_REGION=eu-west-1",
        "LOG_LEVEL=info",
    ]


_TREE = ["atlas", " .github", " src", "  api", "  tenants", "  webhooks", " tests", " .env", " deploy.sh",
         " Makefile", " VERSION", " README.md"]


def _deploy(b: DayBuilder, hh: int, mm: int, first: bool) -> None:
    v = b.v
    n = len(b.script.deploys)
    version, tests = v.versions[n], v.tests[n]
    b.at(hh, mm)
    code, tab = (_env_file(v), 0) if first else (_DEPLOY_SH, 1)
    view = EditorView("atlas", _TREE, [".env", "deploy.sh"], tab, code, "Properties" if first else "Shell Script",
                      [], PROMPT, cursor=(3, 1))
    title = f"{view.tabs[tab]} - atlas - Visual Studio Code"
    b.shot("Code", title, "editor", view)
    if first:
        b.secret(v.api_key, v.aws_key)
    if first:  # the user glances at .env (the API keys are on screen), then opens deploy.sh
        view.active_tab, view.code, view.language = 1, _DEPLOY_SH, "Shell Script"
        title = "deploy.sh - atlas - Visual Studio Code"
        b.shot("Code", title, "editor", view)
    b.script.deploys.append(b.hhmm())
    outputs = {
        "git pull": ["Updating 3f2a91c..8be04d1", "Fast-forward",
                     " src/webhooks/sender.py | 14 ++++++++----", " 1 file changed, 10 insertions(+), 4 deletions(-)"]
        if first else ["Already up to date."],
        "make test": ["pytest -q", f"{tests} passed in {8 + n}.{31 + 7 * n} s"],
        "./deploy.sh staging": [f"==> Building atlas-api:{version}",
                                f"==> Pushing registry.lumenlabs.example/atlas-api:{version}",
                                "==> Rolling out to staging (3 replicas)",
                                "deployment atlas-api successfully rolled out",
                                f"==> Done. Check {STATUS_URL}"],
    }
    for cmd in DEPLOY_STEPS:
        for prefix in b.typing(cmd, step=max(4, b.scale.type_step // 2)):
            view.typed = prefix
            b.shot("Code", title, "editor", view)
        view.terminal += [f"{PROMPT} {cmd}", *outputs[cmd]]
        view.typed = ""
        b.shot("Code", title, "editor", view)
    b.dwell("Code", title, "editor", view)
    b.at(hh, mm + 3)
    dash = Dashboard("staging", version, b.hhmm(), [("atlas-api", "Healthy", f"{b.rng.randint(80, 140)} ms"),
                                                    ("atlas-worker", "Healthy", f"{b.rng.randint(20, 60)} ms"),
                                                    ("scheduler", "Healthy", "4 ms"),
                                                    ("postgres", "Healthy", f"{b.rng.randint(3, 9)} ms")])
    bview = BrowserView(_tabs("Atlas status: staging"), 0, STATUS_URL, dash)
    b.shot("Firefox", "Atlas status: staging — Mozilla Firefox", "browser", bview)
    b.fact(f"u_version_{n + 1}", "update", f"atlas-api {version} deployed to staging at {dash.deployed_at}",
           [f"atlas-api {version} deployed"], "browser")
    b.fact(f"u_tests_{n + 1}", "number", f"{tests} tests passed in deploy #{n + 1}", [f"{tests} passed"], "editor")


# ---------------------------------------------------------------- calendar


def _calendar(v: Values) -> CalendarView:
    return CalendarView(
        "March 9 – 13, 2026", ["Mon 9", "Tue 10", "Wed 11", "Thu 12", "Fri 13"], 1,
        [
            CalEvent(0, "10:00", "11:00", "Sprint planning", "Room Cedar" if v.room != "Cedar" else "Room Birch"),
            CalEvent(1, "09:30", "09:45", "Standup", "Video call"),
            CalEvent(1, "14:00", "15:00", "Atlas design review", f"Room {v.room} · Organizer: {ALICE}"),
            CalEvent(2, "11:00", "11:30", "1:1 with Alice", "Video call"),
            CalEvent(3, "16:00", "16:45", "Customer call: Northwind", MEI),
            CalEvent(4, "17:00", "17:00", "Q3 report due", "Alice Chen"),
        ],
    )


def _show_calendar(b: DayBuilder, cal: CalendarView, hh: int, mm: int) -> None:
    b.at(hh, mm)
    b.shot("GNOME Calendar", "Calendar", "calendar", cal)
    b.dwell("GNOME Calendar", "Calendar", "calendar", cal)
    b.fact("d_meeting", "date", f"Atlas design review on Tuesday March 10, 14:00-15:00, Room {b.v.room}, "
           f"organized by {ALICE}", [f"Room {b.v.room} · Organizer"], "calendar")


# ---------------------------------------------------------------- documents


def _planning_doc(b: DayBuilder, hh: int, mm: int, revised: bool = False) -> None:
    v = b.v
    if not revised:
        b.at(hh, mm)
    budget = f"Approved budget: {v.budget} for Q3 infrastructure."
    blocks = [
        ("h1", "Atlas Q3 planning notes"),
        ("p", "Date: March 10, 2026"),
        ("p", f"Attendees: {ALICE}, {BOB}, {PRIYA}, {USER}"),
        ("p", budget),
        ("p", f"Ticket {v.ticket} tracks the billing migration."),
        ("p", "Decision: migrate the billing service to Postgres 16 in April."),
    ]
    name = "Atlas Q3 planning notes.odt - LibreOffice Writer"
    if revised:  # the budget line is retyped with the new value
        doc = DocumentView(name, blocks)
        b.shot("LibreOffice Writer", name, "document", doc)
        new = f"Approved budget: {v.budget_revised} for Q3 infrastructure (revised March 10)."
        for prefix in b.typing(new):
            blocks[3] = ("p", prefix)
            b.shot("LibreOffice Writer", name, "document", DocumentView(name, blocks, editing=3))
        b.fact("u_budget", "update", f"Q3 infrastructure budget revised from {v.budget} to {v.budget_revised}",
               [f"Approved budget: {v.budget_revised}"], "document")
        return
    decision = blocks.pop()[1]
    doc = DocumentView(name, blocks)
    b.shot("LibreOffice Writer", name, "document", doc)
    for prefix in b.typing(decision):
        doc.blocks = [*blocks, ("p", prefix)]
        b.shot("LibreOffice Writer", name, "document", doc)
    b.dwell("LibreOffice Writer", name, "document", doc)
    b.fact("dec_billing", "decision", "Decision: migrate the billing service to Postgres 16 in April",
           [decision], "document")
    b.fact("n_budget", "number", f"Approved Q3 infrastructure budget: {v.budget}", [budget], "document")
    b.fact("n_ticket", "number", f"Ticket {v.ticket} tracks the billing migration", [v.ticket], "document")


def _report_section(b: DayBuilder, hh: int, mm: int) -> None:
    """The long writing episode: paragraphs of the Q3 report typed a few characters per capture."""
    v = b.v
    b.at(hh, mm)
    name = "Q3 report - infrastructure.odt - LibreOffice Writer"
    paragraphs = [
        "Staging deploys now take under five minutes with the scripted pipeline, and every deploy is "
        "announced in the deploys channel.",
        f"Infrastructure spend stays within the approved budget of {v.budget_revised}; the largest single line "
        f"item this month is the Acme Cloud invoice of {v.amount}.",
        "Next quarter we migrate billing to Postgres 16 and put PgBouncer in front of it.",
    ][: 1 + b.scale.extras]
    blocks: list[tuple[str, str]] = [("h1", "Q3 report: infrastructure"), ("p", f"Author: {USER}")]
    doc = DocumentView(name, list(blocks))
    b.shot("LibreOffice Writer", name, "document", doc)
    for para in paragraphs:
        for prefix in b.typing(para):
            doc.blocks = [*blocks, ("p", prefix)]
            b.shot("LibreOffice Writer", name, "document", doc)
        blocks.append(("p", para))
    b.dwell("LibreOffice Writer", name, "document", doc)


def _review_notes(b: DayBuilder, hh: int, mm: int) -> None:
    v = b.v
    b.at(hh, mm)
    name = "Atlas design review notes.odt - LibreOffice Writer"
    blocks = [
        ("h1", "Atlas design review notes"),
        ("p", f"March 10, 15:30, Room {v.room}. Organizer: {ALICE}"),
        ("p", f"Attendees: {ALICE}, {BOB}, {USER} ({PRIYA} on call)"),
    ]
    doc = DocumentView(name, list(blocks))
    b.shot("LibreOffice Writer", name, "document", doc)
    decision = "Decision: ship Atlas v2 behind a feature flag on March 24."
    for prefix in b.typing(decision):
        doc.blocks = [*blocks, ("p", prefix)]
        b.shot("LibreOffice Writer", name, "document", doc)
    doc.blocks.append(("li", f"Action: Bob adds rate-limit metrics to PR #{v.prs[2]}."))
    b.shot("LibreOffice Writer", name, "document", doc)
    b.dwell("LibreOffice Writer", name, "document", doc)
    b.fact("dec_launch", "decision", "Decision: ship Atlas v2 behind a feature flag on March 24", [decision],
           "document")


# ---------------------------------------------------------------- password manager (excluded window)


def _vault(b: DayBuilder, hh: int, mm: int) -> None:
    v = b.v
    b.at(hh, mm)
    entries = [
        VaultEntry("Acme Cloud console", USER_MAIL, "https://console.acmecloud.example", "2026-02-11"),
        VaultEntry("Staging root", "root", "ssh://staging.lumenlabs.example", "2026-03-02"),
        VaultEntry("Forge", "sam", "https://git.lumenlabs.example", "2025-12-19"),
        VaultEntry("Payroll portal", USER_MAIL, "https://payroll.example.com", "2026-01-07"),
    ]
    view = VaultView("Passwords.kdbx", ["Root", " Work", " Servers", " Banking", " Email"], entries, 1,
                     v.vault_password, "Rotate after the load test.")
    b.shot("KeePassXC", "Passwords.kdbx - KeePassXC", "password_manager", view, private=True)
    b.secret(v.vault_password)
