"""Synthetic memories for the consolidation benchmark, with planted ground truth.

Every base fact is unique (template × subject). Some get a planted near-duplicate (a paraphrase,
the same words reordered, or the same fact with dates, amounts and times written differently);
some get a hard negative (the same template with one person, number, date or time changed, which
must not merge); some semantic facts get a contradiction (the same subject and attribute, a later
different value, which should invalidate the older one).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from reverie.core.types import EpisodicMemory, Memory, SemanticMemory

FIRST = ("Alice Bob Carol David Erin Frank Grace Heidi Ivan Judy Mallory Niaj Olivia Peggy Rupert Sybil Trent "
         "Victor Walter Yusuf Zoe Aaron Bianca Chloe Diego Elena Farid Gemma Hugo Ines Jonas Keiko Liam Maya "
         "Nora Omar Priya Quinn Rosa Sanjay Tara Umar Vera Wen Ximena Yara Zane").split()
LAST = ("Chen Park Novak Silva Okafor Larsen Rossi Kim Haddad Moreau Tanaka Weber Costa Ivanova Mensah Dubois "
        "Fischer Nakamura Oliveira Kowalski").split()
CITIES = ("Boston Denver Austin Seattle Chicago Portland Toronto Lisbon Berlin Madrid Oslo Dublin Prague Vienna "
          "Zurich Milan Kyoto Seoul Sydney Auckland Nairobi Lagos Montreal Vancouver Phoenix Atlanta").split()
COMPANIES = ("Google Microsoft Stripe Shopify Spotify Airbnb Dropbox Atlassian Canonical Mozilla Netflix Adobe "
             "Siemens Philips Nokia Ericsson Zalando Klarna Revolut Datadog").split()
ROLES = ["software engineer", "product manager", "data analyst", "designer", "nurse", "teacher", "accountant",
         "researcher", "sales lead", "support engineer"]
PETS = ["dog", "cat", "parrot", "rabbit", "hamster", "turtle"]
PET_NAMES = "Rex Luna Milo Bella Oscar Coco Pixel Biscuit Nala Ziggy Pepper Mochi".split()
CARS = ["Toyota Corolla", "Honda Civic", "Tesla Model 3", "Subaru Outback", "Volkswagen Golf", "Ford Focus",
        "Mazda CX-5", "Kia Niro", "Volvo XC40", "Skoda Octavia"]
PROJECTS = "Falcon Orion Atlas Nimbus Zephyr Apollo Hermes Juniper Quartz Sequoia Tundra Vortex".split()
ALLERGENS = ["peanuts", "shellfish", "pollen", "penicillin", "cats", "gluten", "latex", "bee stings"]
DRINKS = ["green tea", "espresso", "oat latte", "sparkling water", "black coffee", "chai", "orange juice"]
STORES = ["Safeway", "Costco", "Walmart", "Target", "IKEA", "Trader Joe's", "Whole Foods", "Best Buy",
          "Home Depot", "REI"]
ITEMS = ["groceries", "a desk lamp", "running shoes", "a winter jacket", "printer ink", "a coffee grinder",
         "a yoga mat", "a bike helmet", "headphones", "a kettle"]
TOPICS = ["budget", "roadmap", "hiring plan", "quarterly review", "launch", "migration", "security audit",
          "onboarding", "pricing", "offsite"]
MOVIES = ["Dune", "Arrival", "Interstellar", "Inception", "Amélie", "Parasite", "Spirited Away", "Heat"]


def fmt_date(d: datetime, style: int) -> str:
    return [f"{d:%B} {d.day}, {d.year}", f"{d.day} {d:%B} {d.year}", f"{d:%Y-%m-%d}", f"{d:%m/%d/%Y}",
            f"{d:%b} {d.day}, {d.year}"][style % 5]


def fmt_money(v: int, style: int) -> str:
    return [f"${v:,}", f"{v} dollars", f"${v}.00", f"${v}"][style % 4]


def fmt_time(h: int, m: int, style: int) -> str:
    ampm = f"{(h - 1) % 12 + 1}{'' if m == 0 else f':{m:02d}'}{'pm' if h >= 12 else 'am'}"
    return [ampm, f"{(h - 1) % 12 + 1}:{m:02d} {'PM' if h >= 12 else 'AM'}", f"{h:02d}:{m:02d}"][style % 3]


Slots = dict[str, object]


@dataclass(frozen=True)
class Template:
    name: str
    kind: str  # semantic | episodic
    variants: tuple[str, ...]  # paraphrases of one fact
    slots: Callable[[random.Random], Slots]
    subject: str | None = None  # slot naming the subject (semantic)
    change: str | None = None  # slot whose value a contradiction changes
    update_variants: tuple[str, ...] = ()  # how a change is usually written
    negatives: tuple[str, ...] = ()  # slots a hard negative may change


def _person(r: random.Random) -> str:
    return f"{r.choice(FIRST)} {r.choice(LAST)}"


def _day(r: random.Random) -> datetime:
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=r.randrange(0, 700))


TEMPLATES: tuple[Template, ...] = (
    Template("residence", "semantic", ("{p} lives in {city}.", "{p} is based in {city}.",
                                       "{city} is where {p} lives.", "{p} resides in {city}."),
             lambda r: {"p": _person(r), "city": r.choice(CITIES)}, "p", "city",
             ("{p} moved to {city}.", "{p} now lives in {city}.", "{p} relocated to {city}."), ("p",)),
    Template("employer", "semantic", ("{p} works at {company} as a {role}.",
                                      "{p} is employed by {company} as a {role}.",
                                      "At {company}, {p} works as a {role}.",
                                      "{p} has a job at {company} as a {role}."),
             lambda r: {"p": _person(r), "company": r.choice(COMPANIES), "role": r.choice(ROLES)}, "p", "company",
             ("{p} now works at {company} as a {role}.", "{p} joined {company} as a {role}."), ("p",)),
    Template("birthday", "semantic", ("{p}'s birthday is {date}.", "{p} was born on {date}.",
                                      "{p} celebrates their birthday on {date}."),
             lambda r: {"p": _person(r), "date": _day(r) - timedelta(days=365 * r.randrange(20, 50))}, "p",
             negatives=("p",)),
    Template("phone_plan", "semantic", ("{p}'s phone plan costs {money} per month.",
                                        "{p} pays {money} a month for their phone plan.",
                                        "The monthly phone plan of {p} costs {money}."),
             lambda r: {"p": _person(r), "money": r.randrange(15, 90)}, "p", "money",
             ("{p}'s phone plan now costs {money} per month.", "{p} pays {money} a month for their phone plan now."),
             ("p",)),
    Template("pet", "semantic", ("{p} has a {pet} named {petname}.", "{p}'s {pet} is called {petname}.",
                                 "{petname} is the name of {p}'s {pet}."),
             lambda r: {"p": _person(r), "pet": r.choice(PETS), "petname": r.choice(PET_NAMES)}, "p",
             negatives=("p",)),
    Template("car", "semantic", ("{p} drives a {car}.", "{p}'s car is a {car}.", "The car {p} drives is a {car}."),
             lambda r: {"p": _person(r), "car": r.choice(CARS)}, "p", "car",
             ("{p} now drives a {car}.", "{p} switched to driving a {car}."), ("p",)),
    Template("deadline", "semantic", ("The {project} project deadline is {date}.",
                                      "Project {project} is due on {date}.",
                                      "The deadline for project {project} is {date}."),
             lambda r: {"project": r.choice(PROJECTS) + " " + r.choice(["API", "app", "site", "report", "pilot"]),
                        "date": _day(r)}, "project", "date",
             ("The {project} project deadline moved to {date}.", "The {project} project deadline is now {date}."),
             ("project",)),
    Template("rent", "semantic", ("{p}'s rent is {money} per month.", "{p} pays {money} in rent every month.",
                                  "Monthly rent for {p} is {money}."),
             lambda r: {"p": _person(r), "money": r.randrange(700, 3500, 25)}, "p", "money",
             ("{p}'s rent went up to {money} per month.", "{p}'s rent is now {money} per month."), ("p",)),
    Template("gym", "semantic", ("{p} goes to the gym {n} times a week.",
                                 "{p} works out at the gym {n} times per week.",
                                 "Every week {p} goes to the gym {n} times."),
             lambda r: {"p": _person(r), "n": r.randrange(1, 7)}, "p", "n",
             ("{p} now goes to the gym {n} times a week.",), ("p",)),
    Template("allergy", "semantic", ("{p} is allergic to {allergen}.", "{p} has an allergy to {allergen}.",
                                     "{p} gets an allergic reaction from {allergen}."),
             lambda r: {"p": _person(r), "allergen": r.choice(ALLERGENS)}, "p", negatives=("p",)),
    Template("drink", "semantic", ("{p}'s favourite drink is {drink}.", "{p} likes {drink} best of all drinks.",
                                   "The drink {p} loves most is {drink}."),
             lambda r: {"p": _person(r), "drink": r.choice(DRINKS)}, "p", negatives=("p",)),
    Template("purchase", "episodic", ("Paid {money} for {item} at {store}.", "Bought {item} at {store} for {money}.",
                                      "Spent {money} at {store} on {item}."),
             lambda r: {"money": r.randrange(5, 400), "item": r.choice(ITEMS), "store": r.choice(STORES)},
             negatives=("money", "store")),
    Template("meeting", "episodic", ("Meeting with {p} about the {topic} at {time}.",
                                     "Met {p} at {time} to discuss the {topic}.",
                                     "At {time}, had a meeting with {p} about the {topic}."),
             lambda r: {"p": _person(r), "topic": r.choice(TOPICS), "time": (r.randrange(8, 19), r.choice([0, 30]))},
             negatives=("p", "time")),
    Template("movie", "episodic", ("Watched {movie} with {p}.", "{p} and I watched {movie}.",
                                   "Saw the film {movie} together with {p}."),
             lambda r: {"p": _person(r), "movie": r.choice(MOVIES)}, negatives=("p",)),
    Template("call", "episodic", ("Called {p} about the {topic} for {n} minutes.",
                                  "Had a {n} minute phone call with {p} about the {topic}.",
                                  "Spent {n} minutes on the phone with {p} discussing the {topic}."),
             lambda r: {"p": _person(r), "topic": r.choice(TOPICS), "n": r.randrange(5, 90)}, negatives=("p", "n")),
    Template("flight", "episodic", ("Booked a flight to {city} for {date}.", "Flight to {city} booked for {date}.",
                                    "Reserved a plane ticket to {city} departing {date}."),
             lambda r: {"city": r.choice(CITIES), "date": _day(r)}, negatives=("city", "date")),
)


def render(text: str, slots: Slots, style: int) -> str:
    out: dict[str, str] = {}
    for key, value in slots.items():
        if key == "date" and isinstance(value, datetime):
            out[key] = fmt_date(value, style)
        elif key == "money" and isinstance(value, int):
            out[key] = fmt_money(value, style)
        elif key == "time" and isinstance(value, tuple):
            out[key] = fmt_time(value[0], value[1], style)
        else:
            out[key] = str(value)
    return text.format(**out)


def _reorder(text: str, r: random.Random) -> str:
    """Same words, clause order swapped where there is a clause boundary; else a case/punctuation change."""
    body = text.rstrip(".")
    for sep in (" for ", " about ", " at ", " as ", " on ", " with "):
        if sep in body:
            head, tail = body.split(sep, 1)
            first, *more = head.split(" ", 1)
            head = " ".join([first.lower() if first.lower() in ("the", "a") else first, *more])
            return f"{sep.strip().capitalize()} {tail}, {head}."
    return body.lower() if r.random() < 0.5 else body + "!"


@dataclass
class Planted:
    memories: list[Memory] = field(default_factory=list)
    cluster: dict[str, str] = field(default_factory=dict)  # memory id → fact id (duplicates share it)
    kind: dict[str, str] = field(default_factory=dict)  # memory id → base | duplicate | hard_negative | update
    superseded: set[str] = field(default_factory=set)  # ids that a later contradiction should invalidate
    duplicate_pairs: int = 0


def _memory(t: Template, text: str, when: datetime) -> Memory:
    if t.kind == "semantic":
        return SemanticMemory(name=text[:80], summary=text, occurred_at=when, created_at=when, updated_at=when)
    return EpisodicMemory(summary=text, occurred_at=when, created_at=when, updated_at=when)


def generate(n: int, seed: int, dup_share: float = 0.25, negative_share: float = 0.2,
             update_share: float = 0.2) -> Planted:
    r = random.Random(seed)
    out = Planted()
    used: set[tuple[str, str]] = set()
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)

    def add(mem: Memory, fact: str, kind: str) -> None:
        out.memories.append(mem)
        out.cluster[mem.id] = fact
        out.kind[mem.id] = kind

    made = 0
    while made < n:
        t = r.choice(TEMPLATES)
        slots = t.slots(r)
        key = (t.name, str(slots[t.subject]) if t.subject else repr(sorted(slots.items(), key=str)))
        if key in used:
            continue
        used.add(key)
        fact = f"f{made}"
        made += 1
        when = start + timedelta(days=r.randrange(0, 300), minutes=r.randrange(0, 600))
        style = r.randrange(5)
        variant = r.randrange(len(t.variants))
        add(_memory(t, render(t.variants[variant], slots, style), when), fact, "base")
        roll = r.random()
        if roll < dup_share:
            how = r.random()
            if how < 0.5:
                other = r.choice([i for i in range(len(t.variants)) if i != variant])
                text = render(t.variants[other], slots, style)
            elif how < 0.8:
                text = render(t.variants[variant], slots, (style + r.randrange(1, 4)) % 5)
            else:
                text = _reorder(render(t.variants[variant], slots, style), r)
            add(_memory(t, text, when + timedelta(minutes=r.randrange(1, 90))), fact, "duplicate")
            out.duplicate_pairs += 1
        elif roll < dup_share + negative_share and t.negatives:
            slot = r.choice(t.negatives)
            changed = dict(slots)
            while changed[slot] == slots[slot]:
                changed[slot] = t.slots(r)[slot]
            if t.subject and (t.name, str(changed[t.subject])) in used:
                continue
            if t.subject:
                used.add((t.name, str(changed[t.subject])))
            text = render(t.variants[r.randrange(len(t.variants))], changed, style)
            add(_memory(t, text, when + timedelta(minutes=r.randrange(1, 90))), f"{fact}-neg", "hard_negative")
        elif roll < dup_share + negative_share + update_share and t.change:
            changed = dict(slots)
            while str(changed[t.change]) == str(slots[t.change]):
                changed[t.change] = t.slots(r)[t.change]
            text = render(r.choice(t.update_variants), changed, r.randrange(5))
            later = when + timedelta(days=r.randrange(20, 200))
            add(_memory(t, text, later), f"{fact}-new", "update")
            out.superseded.add(out.memories[-2].id)
    return out
