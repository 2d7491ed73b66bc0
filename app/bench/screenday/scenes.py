"""The apps of the screen day: one state dataclass and one renderer per scene.

Layouts imitate the real apps closely enough for OCR and for change detection to behave as on a
real desktop: a dark top bar with the clock, a window title bar, then the app's own chrome
(Thunderbird panes, Slack sidebar and composer, Firefox tabs and URL bar, VS Code editor and
terminal panel, a week calendar, a Writer page, KeePassXC's entry table).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reverie.bench.screenday.render import INK, LINE, MUTED, WHITE, Canvas, Color, font, wrap

TOP_BAR = 28
CONTENT_TOP = 62


# ---------------------------------------------------------------- states


@dataclass
class Mail:
    sender: str
    address: str
    subject: str
    time: str  # as the list shows it: "08:47"
    body: list[str]
    unread: bool = True


@dataclass
class EmailView:
    account: str
    mails: list[Mail]  # newest first
    selected: int | None = None


@dataclass
class ChatMessage:
    who: str
    time: str
    text: str


@dataclass
class ChatView:
    workspace: str
    channels: list[str]
    dms: list[str]
    active: str
    topic: str
    messages: list[ChatMessage]
    draft: str = ""
    caret: bool = True
    unread: list[str] = field(default_factory=list)


@dataclass
class Article:
    site: str
    title: str
    byline: str
    paragraphs: list[str]
    callout: str  # a one-line key sentence shown in a highlighted box after the first paragraph
    related: list[str]


@dataclass
class PullRequest:
    number: int
    title: str
    author: str
    branch: str
    files: list[tuple[str, list[str]]]  # path, diff lines
    approved_at: str | None = None  # "11:47" once the user approved


@dataclass
class Checkout:
    merchant: str
    invoice: str
    amount: str
    name: str
    card: str  # as typed so far
    expiry: str
    paid: str | None = None  # receipt number once paid


@dataclass
class Dashboard:
    env: str
    version: str
    deployed_at: str
    services: list[tuple[str, str, str]]  # name, status, p95


@dataclass
class SearchPage:
    query: str
    results: list[tuple[str, str, str]]  # title, url, snippet


Page = Article | PullRequest | Checkout | Dashboard | SearchPage


@dataclass
class BrowserView:
    tabs: list[str]
    active: int
    url: str
    page: Page
    scroll: float = 0.0  # how far down the page is scrolled: 0 top, 1 bottom
    private: bool = False


@dataclass
class EditorView:
    project: str
    tree: list[str]  # leading spaces = depth
    tabs: list[str]
    active_tab: int
    code: list[str]
    language: str
    terminal: list[str]  # scrollback, oldest first
    prompt: str
    typed: str = ""  # command being typed at the prompt
    caret: bool = True
    cursor: tuple[int, int] = (1, 1)


@dataclass
class CalEvent:
    day: int  # 0 = Monday
    start: str  # "14:00"
    end: str
    title: str
    place: str = ""


@dataclass
class CalendarView:
    week_label: str
    days: list[str]  # "Mon 9" ...
    today: int
    events: list[CalEvent]


@dataclass
class DocumentView:
    name: str
    blocks: list[tuple[str, str]]  # ("h1" | "h2" | "p" | "li", text)
    caret: bool = True
    editing: int = -1  # the block with the caret (the last one by default)


@dataclass
class VaultEntry:
    title: str
    username: str
    url: str
    modified: str


@dataclass
class VaultView:
    database: str
    groups: list[str]
    entries: list[VaultEntry]
    selected: int
    password: str
    notes: str


State = EmailView | ChatView | BrowserView | EditorView | CalendarView | DocumentView | VaultView


# ---------------------------------------------------------------- chrome


def chrome(c: Canvas, title: str, clock: str, bar: Color = (236, 236, 236), ink: Color = INK) -> None:
    """GNOME-like top bar with the clock, then the maximised window's title bar."""
    c.rect((0, 0, 1920, TOP_BAR - 1), fill=(28, 28, 30))
    light = (235, 235, 235)
    c.text(14, 6, "Activities", 13, fill=light)
    c.text_center(960, 6, clock, 13, fill=light, bold=True)
    c.text_right(1906, 6, "EN    100%", 13, fill=light)
    c.rect((0, TOP_BAR, 1920, CONTENT_TOP - 1), fill=bar)
    c.text_center(960, TOP_BAR + 9, title, 14, fill=ink, bold=True)
    for i, col in enumerate(((255, 95, 87), (254, 188, 46), (40, 200, 64))):
        c.dot(1900 - 26 * i, TOP_BAR + 17, 7, col)


def render(c: Canvas, state: State, title: str, clock: str) -> None:
    if isinstance(state, EmailView):
        chrome(c, title, clock)
        _email(c, state)
    elif isinstance(state, ChatView):
        chrome(c, title, clock, bar=(52, 12, 54), ink=(240, 240, 240))
        _chat(c, state)
    elif isinstance(state, BrowserView):
        if state.private:
            chrome(c, title, clock, bar=(37, 0, 62), ink=(240, 240, 240))
        else:
            chrome(c, title, clock)
        _browser(c, state)
    elif isinstance(state, EditorView):
        chrome(c, title, clock, bar=(50, 50, 51), ink=(220, 220, 220))
        _editor(c, state)
    elif isinstance(state, CalendarView):
        chrome(c, title, clock)
        _calendar(c, state)
    elif isinstance(state, DocumentView):
        chrome(c, title, clock)
        _document(c, state)
    else:
        chrome(c, title, clock)
        _vault(c, state)


# ---------------------------------------------------------------- email (Thunderbird)


def _email(c: Canvas, v: EmailView) -> None:
    c.rect((0, CONTENT_TOP, 1920, 104), fill=(246, 246, 247))
    x = 16
    for label in ("Get Messages", "Write", "Chat", "Address Book", "Tag", "Quick Filter"):
        x += c.text(x, 74, label, 13) + 28
    c.rect((1480, 70, 1900, 96), fill=WHITE, outline=LINE, radius=4)
    c.text(1492, 75, "Search <Ctrl+K>", 13, fill=MUTED)
    c.hline(0, 1920, 104)
    # folder pane
    c.rect((0, 105, 250, 1051), fill=(240, 240, 242))
    c.text(14, 116, v.account, 13, bold=True, max_w=226)
    unread = sum(m.unread for m in v.mails)
    folders = [f"Inbox ({unread})" if unread else "Inbox", "Drafts", "Sent", "Archives", "Junk", "Trash"]
    for i, name in enumerate(folders):
        y = 148 + 30 * i
        if i == 0:
            c.rect((6, y - 5, 244, y + 21), fill=(210, 222, 240), radius=4)
        c.text(30, y, name, 14, bold=i == 0 and unread > 0)
    c.vline(250, 105, 1051)
    # message list
    c.rect((251, 105, 1920, 136), fill=(248, 248, 249))
    c.text(290, 112, "From", 13, fill=MUTED, bold=True)
    c.text(620, 112, "Subject", 13, fill=MUTED, bold=True)
    c.text(1760, 112, "Date", 13, fill=MUTED, bold=True)
    c.hline(251, 1920, 136)
    for i, m in enumerate(v.mails[:12]):
        y = 137 + 30 * i
        if v.selected == i:
            c.rect((251, y, 1920, y + 29), fill=(204, 228, 247))
        if m.unread:
            c.dot(272, y + 15, 4, (0, 96, 223))
        c.text(290, y + 7, m.sender, 14, bold=m.unread, max_w=310)
        c.text(620, y + 7, m.subject, 14, bold=m.unread, max_w=1110)
        c.text(1760, y + 7, m.time, 14)
        c.hline(251, 1920, y + 29, (238, 238, 240))
    c.hline(251, 1920, 506, (190, 190, 195))
    # reading pane
    if v.selected is not None:
        m = v.mails[v.selected]
        c.text(280, 522, m.subject, 16, bold=True, max_w=1600)
        c.text(280, 552, f"From: {m.sender} <{m.address}>", 14, fill=MUTED)
        c.text(280, 576, f"To: {v.account}", 14, fill=MUTED)
        c.text(280, 600, f"Date: Tue, 10 Mar 2026 {m.time}", 14, fill=MUTED)
        c.hline(280, 1890, 628)
        y = 644
        for para in m.body:
            for line in wrap(para, font(15), 1300):
                if y > 1020:
                    break
                c.text(280, y, line, 15)
                y += 24
            y += 10
    else:
        c.text_center(1085, 760, "No message selected", 15, fill=MUTED)
    c.rect((0, 1052, 1920, 1080), fill=(240, 240, 242))
    c.hline(0, 1920, 1052)
    c.text(14, 1058, "Done", 12, fill=MUTED)
    c.text_right(1900, 1058, f"Unread: {unread}    Total: {len(v.mails)}", 12, fill=MUTED)


# ---------------------------------------------------------------- chat (Slack)

_AVATARS: list[Color] = [(224, 30, 90), (54, 197, 240), (46, 182, 125), (236, 178, 46), (120, 80, 200)]


def _chat(c: Canvas, v: ChatView) -> None:
    side = (63, 14, 64)
    light = (235, 228, 236)
    c.rect((0, CONTENT_TOP, 64, 1080), fill=(45, 10, 46))
    c.rect((12, 76, 52, 116), fill=(232, 232, 232), radius=8)
    c.rect((64, CONTENT_TOP, 330, 1080), fill=side)
    c.text(84, 78, v.workspace, 16, fill=WHITE, bold=True)
    c.hline(64, 330, 112, (90, 40, 92))
    y = 128
    c.text(84, y, "Channels", 13, fill=(200, 185, 202))
    y += 28
    for name in v.channels:
        if name == v.active:
            c.rect((70, y - 5, 324, y + 21), fill=(17, 100, 163), radius=4)
        bold = name in v.unread or name == v.active
        c.text(92, y, f"# {name}", 15, fill=WHITE if bold else light, bold=bold)
        y += 30
    y += 16
    c.text(84, y, "Direct messages", 13, fill=(200, 185, 202))
    y += 28
    for i, name in enumerate(v.dms):
        if name == v.active:
            c.rect((70, y - 5, 324, y + 21), fill=(17, 100, 163), radius=4)
        c.rect((90, y + 1, 106, y + 17), fill=_AVATARS[i % len(_AVATARS)], radius=3)
        c.text(116, y, name, 15, fill=WHITE if name in v.unread else light, bold=name in v.unread)
        y += 30
    # channel header
    header = v.active if v.active in v.dms else f"# {v.active}"
    c.text(356, 76, header, 16, bold=True)
    c.text(356 + int(font(16, bold=True).getlength(header)) + 24, 79, v.topic, 13, fill=MUTED, max_w=1200)
    c.hline(330, 1920, 112)
    # messages, bottom-aligned above the composer like Slack
    body = font(15)
    blocks = [(m, wrap(m.text, body, 1460)) for m in v.messages]
    # Slack puts a "Today" divider above the first message of the day (older ones carry a weekday)
    today = [i > 0 and ":" in m.time[:3] and ":" not in v.messages[i - 1].time[:3] for i, m in enumerate(v.messages)]
    heights = [34 + 23 * len(lines) + (36 if t else 0) for (_, lines), t in zip(blocks, today, strict=True)]
    bottom, top_limit = 930, 124
    start = len(blocks)
    used = 0
    while start > 0 and used + heights[start - 1] <= bottom - top_limit:
        start -= 1
        used += heights[start]
    y = bottom - used
    for (m, lines), h, divider in zip(blocks[start:], heights[start:], today[start:], strict=True):
        if divider:
            c.hline(350, 1900, y + 12, (221, 221, 221))
            c.rect((1086, y, 1164, y + 24), fill=WHITE, outline=(221, 221, 221), radius=12)
            c.text_center(1125, y + 4, "Today", 13, bold=True)
            y += 36
            h -= 36
        colour = _AVATARS[sum(ord(ch) * (i + 1) for i, ch in enumerate(m.who)) % len(_AVATARS)]
        c.rect((356, y + 4, 392, y + 40), fill=colour, radius=6)
        w = c.text(408, y, m.who, 15, bold=True)
        c.text(408 + w + 10, y + 2, m.time, 12, fill=MUTED)
        for j, line in enumerate(lines):
            c.text(408, y + 24 + 23 * j, line, 15)
        y += h
    # composer
    c.rect((350, 950, 1900, 1050), fill=WHITE, outline=(190, 190, 190), radius=8)
    c.hline(351, 1899, 984, (232, 232, 232))
    for i in range(5):  # formatting buttons: icons, not letters (every letter drawn must be in the text)
        c.rect((366 + 30 * i, 962, 378 + 30 * i, 974), outline=(205, 205, 205), radius=3)
    if v.draft:
        w = c.text(368, 998, v.draft, 15)
        if v.caret:
            c.caret(368 + w + 2, 996, 20)
    else:
        target = v.active if v.active in v.dms else f"#{v.active}"
        c.text(368, 998, f"Message {target}", 15, fill=(140, 140, 140))
        if v.caret:
            c.caret(366, 996, 20)


# ---------------------------------------------------------------- browser (Firefox)

PAGE_TOP = 142


def _browser(c: Canvas, v: BrowserView) -> None:
    strip = (37, 0, 62) if v.private else (240, 240, 244)
    c.rect((0, CONTENT_TOP, 1920, 100), fill=strip)
    for i, tab in enumerate(v.tabs):
        x = 8 + 250 * i
        fill = WHITE if i == v.active else strip
        c.rect((x, 66, x + 244, 98), fill=fill, radius=6)
        ink = (240, 240, 240) if v.private and i != v.active else INK
        c.text(x + 14, 74, tab, 13, fill=ink, max_w=210)
    c.rect((0, 100, 1920, PAGE_TOP - 1), fill=WHITE)
    for i in range(2):  # back / forward chevrons
        x = 22 + 34 * i
        c.draw.line((x + 8, 110, x, 121, x + 8, 132) if i == 0 else (x, 110, x + 8, 121, x, 132), fill=MUTED, width=2)
    c.draw.arc((90, 110, 112, 132), 40, 330, fill=MUTED, width=2)
    c.rect((140, 106, 1640, 136), fill=(240, 240, 244), radius=6)
    c.text(160, 113, v.url, 14, max_w=1460)
    c.hline(0, 1920, PAGE_TOP - 1)
    page = v.page
    if isinstance(page, Article):
        _article(c, page, v.scroll)
    elif isinstance(page, PullRequest):
        _pull(c, page)
    elif isinstance(page, Checkout):
        _checkout(c, page)
    elif isinstance(page, Dashboard):
        _dashboard(c, page)
    else:
        _search(c, page)


_COMMENTS = (
    ("Jordan Patel", "2 days ago", "Great write-up. We adopted most of this last year and have not looked back."),
    ("Mina Suzuki", "1 day ago", "Would love a follow-up on how you test this in CI."),
    ("Chris Olsen", "5 hours ago", "Bookmarked for our next team retro."),
)


def _article(c: Canvas, a: Article, fraction: float) -> None:
    body, head = font(15), font(17, bold=True)
    runs: list[tuple[int, int, str, int, bool, Color]] = []  # x, y, text, size, bold, colour
    boxes: list[tuple[int, int, int, int]] = []
    y = 40
    for line in wrap(a.title, head, 680):
        runs.append((400, y, line, 17, True, INK))
        y += 28
    runs.append((400, y + 4, a.byline, 13, False, MUTED))
    y += 44
    hero = (400, y, 1080, y + 300)  # the lead illustration: a chart drawn without any text
    y += 316
    runs.append((400, y, f"Figure 1. {a.title}, at a glance.", 13, False, MUTED))
    y += 40
    for n, para in enumerate(a.paragraphs):
        for line in wrap(para, body, 680):
            runs.append((400, y, line, 15, False, INK))
            y += 25
        y += 16
        if n == 0:
            lines = wrap(a.callout, font(15, bold=True), 650)
            boxes.append((392, y - 6, 1090, y + 18 + 25 * len(lines)))
            for k, line in enumerate(lines):
                runs.append((412, y + 6 + 25 * k, line, 15, True, (20, 60, 120)))
            y += 33 + 25 * len(lines)
    y += 10
    runs.append((400, y, f"Comments ({len(_COMMENTS)})", 15, True, INK))
    y += 34
    for who, when, text in _COMMENTS:
        runs.append((400, y, f"{who} · {when}", 14, True, INK))
        runs.append((400, y + 24, text, 14, False, INK))
        y += 64
    runs.append((400, y, "Sign in to join the discussion.", 14, False, MUTED))
    top = PAGE_TOP + 56
    scroll = round(fraction * max(0, y + 60 - (1080 - top)))
    hy0, hy1 = hero[1] - scroll + top, hero[3] - scroll + top
    if hy1 > top:  # clipped at the page top: the browser chrome stays visible
        c.rect((hero[0], max(hy0, top), hero[2], hy1), fill=(241, 244, 248))
        for k in range(8):
            h = 40 + (len(a.title) * (k + 3) * 37) % 200
            if hy1 - 30 > top:
                c.rect((hero[0] + 40 + 78 * k, max(top, hy1 - 30 - h), hero[0] + 90 + 78 * k, hy1 - 30),
                       fill=(120 + 10 * k, 150, 210 - 8 * k))
    for x0, y0, x1, y1 in boxes:
        b0, b1 = max(top, y0 - scroll + top), min(1079, y1 - scroll + top)
        if b0 < b1:
            c.rect((x0, b0, x1, b1), fill=(236, 243, 252))
            c.rect((x0, b0, x0 + 4, b1), fill=(60, 110, 200))
    for x, yy, text, size, bold, colour in runs:
        sy = yy - scroll + top
        if top + 4 <= sy and sy + 24 < 1080:
            c.text(x, sy, text, size, fill=colour, bold=bold)
    # the site's sticky header and the related-posts rail do not scroll
    c.rect((0, PAGE_TOP, 1920, top - 1), fill=(250, 250, 250))
    c.text(400, PAGE_TOP + 18, a.site, 16, bold=True)
    x = 1200
    for label in ("Posts", "Newsletter", "About"):
        x += c.text(x, PAGE_TOP + 20, label, 14, fill=MUTED) + 28
    c.hline(0, 1920, top - 1)
    c.text(1200, top + 40, "Related posts", 14, bold=True)
    for i, rel in enumerate(a.related):
        c.text(1200, top + 72 + 28 * i, rel, 14, fill=(20, 90, 170), max_w=420)


def _pull(c: Canvas, pr: PullRequest) -> None:
    c.rect((0, PAGE_TOP, 1920, 196), fill=(246, 248, 250))
    c.text(300, PAGE_TOP + 8, "lumenlabs / atlas", 16, bold=True)
    x = 300
    for label in ("Code", "Issues 14", "Pull requests 6", "Actions", "Wiki"):
        x += c.text(x, 176, label, 13, fill=MUTED) + 34
    c.hline(0, 1920, 198)
    c.text(300, 214, f"{pr.title} #{pr.number}", 17, bold=True)
    merged = pr.approved_at is not None
    c.rect((300, 250, 372, 276), fill=(31, 136, 61) if not merged else (130, 80, 223), radius=12)
    c.text(314, 255, "Open" if not merged else "Ready", 13, fill=WHITE, bold=True)
    c.text(388, 255, f"{pr.author} wants to merge 3 commits into main from {pr.branch}", 14, fill=MUTED)
    x = 300
    for label in ("Conversation", "Commits 3", "Checks 4", f"Files changed {len(pr.files)}"):
        x += c.text(x, 300, label, 14) + 40
    c.hline(300, 1620, 326)
    y = 344
    for path, lines in pr.files:
        c.rect((300, y, 1620, y + 32), fill=(246, 248, 250), outline=LINE)
        c.text(316, y + 8, path, 13, mono=True, bold=True)
        y += 40
        for line in lines:
            tint = (230, 255, 236) if line.startswith("+") else (255, 235, 233) if line.startswith("-") else WHITE
            c.rect((300, y - 2, 1620, y + 19), fill=tint)
            c.text(316, y, line, 13, mono=True)
            y += 21
        y += 18
    y = max(y, 700)
    c.rect((300, y, 1620, y + 150), outline=LINE, radius=6)
    if pr.approved_at:
        c.rect((301, y + 1, 1619, y + 48), fill=(230, 255, 236))
        c.text(320, y + 14, "You approved these changes", 15, fill=(26, 127, 55), bold=True)
        c.text(320, y + 64, f"Sam Rivera approved these changes at {pr.approved_at}", 14)
        c.text(320, y + 92, "All checks have passed. This branch has no conflicts with the base branch.", 14,
               fill=MUTED)
    else:
        c.text(320, y + 14, "Review changes", 15, bold=True)
        c.text(320, y + 48, "Leave a comment, approve the changes, or request changes.", 14, fill=MUTED)
        c.rect((320, y + 92, 420, y + 124), fill=(31, 136, 61), radius=6)
        c.text(338, y + 99, "Approve", 14, fill=WHITE, bold=True)


def _checkout(c: Canvas, p: Checkout) -> None:
    c.rect((0, PAGE_TOP, 1920, 1080), fill=(245, 246, 250))
    c.text(640, 180, p.merchant, 17, bold=True)
    c.text(640, 214, f"Pay invoice {p.invoice}", 16)
    c.rect((640, 250, 1280, 980), fill=WHITE, outline=LINE, radius=10)
    c.text(680, 280, "Amount due", 14, fill=MUTED)
    c.text(680, 304, p.amount, 17, bold=True)
    if p.paid:
        c.rect((680, 380, 1240, 470), fill=(230, 255, 236), radius=8)
        c.text(704, 400, "Payment received. Thank you!", 16, fill=(26, 127, 55), bold=True)
        c.text(704, 432, f"Receipt {p.paid} was sent to your email.", 14)
        return
    fields = [("Name on card", p.name), ("Card number", p.card), ("Expiry (MM/YY)", p.expiry), ("CVC", "")]
    y = 370
    for label, value in fields:
        c.text(680, y, label, 14, fill=MUTED)
        c.rect((680, y + 24, 1240, y + 64), fill=WHITE, outline=(170, 175, 185), radius=6)
        if value:
            c.text(696, y + 35, value, 16, mono=label == "Card number")
        elif label == "CVC":
            for k in range(3):
                c.dot(700 + 16 * k, y + 44, 4, INK)
        y += 96
    c.rect((680, 780, 1240, 830), fill=(37, 99, 235), radius=8)
    c.text_center(960, 796, f"Pay {p.amount}", 16, fill=WHITE, bold=True)
    c.text_center(960, 860, "Payments are processed securely by Stripe.", 13, fill=MUTED)


def _dashboard(c: Canvas, d: Dashboard) -> None:
    c.rect((0, PAGE_TOP, 1920, 204), fill=(24, 38, 58))
    c.text(300, PAGE_TOP + 20, f"Atlas status: {d.env}", 17, fill=WHITE, bold=True)
    c.rect((300, 236, 1620, 300), fill=(230, 255, 236), radius=8)
    c.text(324, 258, f"All systems operational. atlas-api {d.version} deployed at {d.deployed_at}", 16,
           fill=(26, 127, 55), bold=True)
    y = 340
    for x, label in ((300, "Service"), (800, "Status"), (1200, "p95 latency")):
        c.text(x, y, label, 14, fill=MUTED, bold=True)
    c.hline(300, 1620, y + 28)
    for name, status, p95 in d.services:
        y += 44
        c.text(300, y, name, 15)
        c.dot(806, y + 9, 5, (46, 160, 67))
        c.text(820, y, status, 15)
        c.text(1200, y, p95, 15)
        c.hline(300, 1620, y + 30, (236, 236, 236))


def _search(c: Canvas, s: SearchPage) -> None:
    c.rect((300, 170, 1200, 210), outline=(200, 200, 205), radius=20)
    c.text(324, 181, s.query, 15)
    y = 250
    for title, url, snippet in s.results:
        c.text(300, y, url, 13, fill=(60, 120, 60))
        c.text(300, y + 22, title, 16, fill=(26, 13, 171))
        c.text(300, y + 48, snippet, 14, fill=MUTED, max_w=900)
        y += 100


# ---------------------------------------------------------------- editor + terminal (VS Code)


def _editor(c: Canvas, v: EditorView) -> None:
    fg, dim = (212, 212, 212), (133, 133, 133)
    c.rect((0, CONTENT_TOP, 1920, 1080), fill=(30, 30, 30))
    c.rect((0, CONTENT_TOP, 48, 1053), fill=(51, 51, 51))
    for i in range(4):
        c.rect((14, 80 + 48 * i, 34, 100 + 48 * i), outline=(150, 150, 150), radius=3)
    c.rect((48, CONTENT_TOP, 330, 1053), fill=(37, 37, 38))
    c.text(68, 74, "EXPLORER", 12, fill=(187, 187, 187))
    c.text(68, 102, v.project.upper(), 12, fill=fg, bold=True)
    for i, entry in enumerate(v.tree):
        depth = len(entry) - len(entry.lstrip(" "))
        name = entry.strip()
        y = 128 + 24 * i
        if name == v.tabs[v.active_tab]:
            c.rect((48, y - 3, 330, y + 19), fill=(55, 55, 61))
        c.text(76 + 8 * depth, y, name, 13, fill=fg)
    # tabs
    c.rect((330, CONTENT_TOP, 1920, 97), fill=(37, 37, 38))
    for i, tab in enumerate(v.tabs):
        x = 330 + 180 * i
        if i == v.active_tab:
            c.rect((x, CONTENT_TOP, x + 179, 97), fill=(30, 30, 30))
        c.text(x + 16, 72, tab, 13, fill=WHITE if i == v.active_tab else (150, 150, 150))
    panel_top = 640
    # code with line numbers
    for i, line in enumerate(v.code[: (panel_top - 110) // 21]):
        y = 108 + 21 * i
        num = str(i + 1)
        c.text(392 - int(font(14, mono=True).getlength(num)), y, num, 14, fill=dim, mono=True)
        if line.strip():
            c.text(420, y, line, 14, fill=fg, mono=True)
    # terminal panel
    c.hline(330, 1920, panel_top, (70, 70, 70))
    x = 350
    for label in ("PROBLEMS", "OUTPUT", "DEBUG CONSOLE", "TERMINAL"):
        w = c.text(x, panel_top + 10, label, 12, fill=WHITE if label == "TERMINAL" else (150, 150, 150))
        if label == "TERMINAL":
            c.hline(x, x + w, panel_top + 30, (230, 230, 230))
        x += w + 28
    c.text_right(1900, panel_top + 10, "bash", 12, fill=(150, 150, 150))
    rows = (1053 - panel_top - 50) // 20
    lines = [*v.terminal, f"{v.prompt} {v.typed}".rstrip()]
    shown = lines[-rows:]
    for i, line in enumerate(shown):
        y = panel_top + 44 + 20 * i
        w = c.text(350, y, line, 14, fill=(204, 204, 204), mono=True) if line.strip() else 0
        if i == len(shown) - 1 and v.caret:
            c.rect((350 + w + 9, y + 1, 350 + w + 17, y + 18), fill=(204, 204, 204))
    # status bar
    c.rect((0, 1053, 1920, 1080), fill=(0, 122, 204))
    c.text(14, 1059, "main", 12, fill=WHITE)
    c.text(90, 1059, "0 errors, 0 warnings", 12, fill=WHITE)
    c.text_right(1900, 1059, f"Ln {v.cursor[0]}, Col {v.cursor[1]}    Spaces: 4    UTF-8    LF    {v.language}",
                 12, fill=WHITE)


# ---------------------------------------------------------------- calendar (GNOME Calendar)

_CAL_COLOURS: list[Color] = [(53, 132, 228), (51, 209, 122), (246, 211, 45), (255, 120, 0), (192, 97, 203)]


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _tint(colour: Color) -> Color:
    r, g, b = (255 - (255 - ch) // 4 for ch in colour)
    return r, g, b


def _calendar(c: Canvas, v: CalendarView) -> None:
    c.rect((0, CONTENT_TOP, 1920, 112), fill=(250, 250, 250))
    c.rect((16, 72, 90, 102), outline=LINE, radius=6)
    c.text(30, 79, "Today", 14)
    c.draw.line((118, 78, 108, 87, 118, 96), fill=INK, width=2)
    c.draw.line((140, 78, 150, 87, 140, 96), fill=INK, width=2)
    c.text(180, 77, v.week_label, 16, bold=True)
    x = 1500
    for label in ("Day", "Week", "Month", "Year"):
        w = int(font(14).getlength(label))
        if label == "Week":
            c.rect((x - 10, 72, x + w + 10, 102), fill=(225, 225, 228), radius=6)
        c.text(x, 79, label, 14, bold=label == "Week")
        x += w + 40
    c.hline(0, 1920, 112)
    left, top, hour_h, first = 90, 156, 88, 8
    col = (1920 - left) // len(v.days)
    for i, day in enumerate(v.days):
        x = left + col * i
        if i == v.today:
            c.rect((x + 1, 113, x + col - 1, top - 1), fill=(225, 236, 252))
        c.text(x + 14, 126, day, 15, bold=i == v.today, fill=(26, 95, 180) if i == v.today else INK)
        c.vline(x, 113, 1080)
    c.hline(0, 1920, top)
    for h in range(first, first + 11):
        y = top + (h - first) * hour_h
        c.hline(left, 1920, y, (232, 232, 232))
        if h > first:
            c.text(20, y - 8, f"{h:02d}:00", 12, fill=MUTED)
    for k, ev in enumerate(v.events):
        x0 = left + col * ev.day + 6
        y0 = top + (_minutes(ev.start) - first * 60) * hour_h // 60 + 2
        y1 = max(y0 + 64, top + (_minutes(ev.end) - first * 60) * hour_h // 60 - 2)
        colour = _CAL_COLOURS[k % len(_CAL_COLOURS)]
        c.rect((x0, y0, x0 + col - 12, y1), fill=_tint(colour), radius=6)
        c.rect((x0, y0, x0 + 4, y1), fill=colour)
        c.text(x0 + 12, y0 + 6, ev.title, 13, bold=True, max_w=col - 30)
        when = f"{ev.start} – {ev.end}" if ev.end != ev.start else ev.start
        c.text(x0 + 12, y0 + 26, when, 12, fill=MUTED)
        if ev.place:
            c.text(x0 + 12, y0 + 44, ev.place, 12, fill=MUTED, max_w=col - 30)


# ---------------------------------------------------------------- document (LibreOffice Writer)


def _document(c: Canvas, v: DocumentView) -> None:
    c.rect((0, CONTENT_TOP, 1920, 88), fill=(250, 250, 250))
    x = 14
    for label in ("File", "Edit", "View", "Insert", "Format", "Styles", "Table", "Form", "Tools", "Window", "Help"):
        x += c.text(x, 67, label, 13) + 24
    c.rect((0, 89, 1920, 128), fill=(242, 242, 242))
    c.rect((14, 96, 234, 122), fill=WHITE, outline=LINE)
    c.text(22, 101, "Default Paragraph Style", 13)
    c.rect((244, 96, 424, 122), fill=WHITE, outline=LINE)
    c.text(252, 101, "Liberation Serif", 13)
    c.rect((434, 96, 494, 122), fill=WHITE, outline=LINE)
    c.text(442, 101, "12 pt", 13)
    for i in range(8):  # formatting buttons as icons
        c.rect((520 + 30 * i, 100, 538 + 30 * i, 118), outline=(150, 150, 150), radius=3)
    c.rect((0, 129, 1920, 150), fill=(248, 248, 248))
    for t in range(0, 17):
        x = 552 + 51 * t
        c.vline(x, 142 if t % 2 else 136, 150, (160, 160, 160))
    c.rect((0, 151, 1920, 1053), fill=(214, 214, 214))
    c.rect((552, 170, 1368, 1053), fill=WHITE)
    y = 250
    words = 0
    last_end = (648, 250)
    editing = v.editing % len(v.blocks) if v.blocks else 0
    for n, (kind, text) in enumerate(v.blocks):
        size, bold, gap = {"h1": (17, True, 18), "h2": (16, True, 10), "p": (15, False, 10), "li": (15, False, 4)}[kind]
        prefix = "•  " if kind == "li" else ""
        for line in wrap(prefix + text, font(size, bold=bold), 620) or [""]:
            w = c.text(648, y, line, size, bold=bold)
            if n == editing:
                last_end = (648 + w, y)
            y += 26
        y += gap
        words += len(text.split())
    if v.caret:
        c.caret(last_end[0] + 2, last_end[1], 20)
    c.rect((0, 1053, 1920, 1080), fill=(240, 240, 240))
    c.text(14, 1059, "Page 1 of 1", 12, fill=MUTED)
    c.text(160, 1059, f"{words} words", 12, fill=MUTED)
    c.text_right(1900, 1059, "English (USA)    100%", 12, fill=MUTED)


# ---------------------------------------------------------------- password manager (KeePassXC)


def _vault(c: Canvas, v: VaultView) -> None:
    c.rect((0, CONTENT_TOP, 1920, 110), fill=(245, 245, 245))
    for i in range(6):
        c.rect((16 + 44 * i, 70, 48 + 44 * i, 102), outline=(160, 160, 160), radius=4)
    c.rect((1500, 72, 1900, 100), fill=WHITE, outline=LINE, radius=4)
    c.text(1512, 78, "Search (Ctrl+F)", 13, fill=MUTED)
    c.hline(0, 1920, 110)
    c.rect((0, 111, 300, 1053), fill=(250, 250, 250))
    c.vline(300, 111, 1053)
    for i, g in enumerate(v.groups):
        depth = len(g) - len(g.lstrip(" "))
        c.text(20 + 16 * depth, 126 + 28 * i, g.strip(), 14)
    for x, label in ((320, "Title"), (700, "Username"), (1000, "URL"), (1600, "Modified")):
        c.text(x, 120, label, 13, fill=MUTED, bold=True)
    c.hline(301, 1920, 144)
    for i, e in enumerate(v.entries):
        y = 146 + 28 * i
        if i == v.selected:
            c.rect((301, y, 1920, y + 27), fill=(204, 228, 247))
        c.text(320, y + 6, e.title, 14)
        c.text(700, y + 6, e.username, 14)
        c.text(1000, y + 6, e.url, 14, max_w=580)
        c.text(1600, y + 6, e.modified, 14)
    c.hline(301, 1920, 640)
    e = v.entries[v.selected]
    rows = [("Title", e.title), ("Username", e.username), ("Password", v.password), ("URL", e.url),
            ("Notes", v.notes)]
    for i, (label, value) in enumerate(rows):
        y = 664 + 34 * i
        c.text(320, y, f"{label}:", 14, fill=MUTED)
        c.text(460, y, value, 15, mono=label == "Password")
    c.rect((0, 1053, 1920, 1080), fill=(240, 240, 240))
    c.text(14, 1059, f"{v.database}  |  {len(v.entries)} entries", 12, fill=MUTED)
