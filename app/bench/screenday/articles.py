"""The articles the user reads in the browser during the screen day (fixed prose; the seed only
chooses when they are read and how far they are scrolled)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArticleText:
    key: str
    site: str
    url: str
    title: str
    author: str
    byline: str
    callout: str
    paragraphs: tuple[str, ...]


ARTICLES: dict[str, ArticleText] = {
    a.key: a
    for a in (
        ArticleText(
            "deploys", "Ship It Weekly", "https://shipit.example.com/posts/idempotent-deploy-pipelines",
            "Designing Idempotent Deploy Pipelines", "Laura Becker",
            "By Laura Becker · March 2, 2026 · 7 min read",
            "Rule of thumb: running the same deploy twice must leave the system unchanged.",
            (
                "A deploy pipeline is idempotent when running it twice in a row produces the same result as "
                "running it once. That sounds academic until the second run happens by accident: a retry after a "
                "network blip, a colleague who clicks the button again, or a cron job that fires while a manual "
                "deploy is still rolling out.",
                "The first ingredient is an immutable artifact. Build the image once, tag it with the commit hash, "
                "and promote that exact image from staging to production. Rebuilding for each environment invites "
                "drift, because a dependency may have changed between the two builds.",
                "The second ingredient is declarative rollout. Instead of a script that says start three new "
                "containers, describe the desired state and let the orchestrator converge to it. Converging to a "
                "state that already holds is a no-op, which is exactly what a retry needs.",
                "Database migrations are the usual exception. Write them so that each step checks before it acts: "
                "create the column only if it is missing, backfill in batches that can resume, and never drop "
                "anything in the same release that stops using it.",
                "Finally, make the pipeline tell you what it did. A deploy log that records the artifact, the "
                "target, the previous version and the health check result turns a confusing incident into a "
                "two-minute diagnosis.",
            ),
        ),
        ArticleText(
            "pgbouncer", "DB Notes", "https://dbnotes.example.org/pgbouncer-in-practice",
            "Connection Pooling with PgBouncer in Practice", "Tomasz Nowak",
            "By Tomasz Nowak · February 24, 2026 · 9 min read",
            "Start with a pool size of 20 per database and raise it only after measuring.",
            (
                "Every Postgres connection is a process with its own memory, so a busy web tier that opens "
                "hundreds of connections spends more time switching between them than running queries. A pooler "
                "such as PgBouncer keeps a small set of server connections and hands them to clients on demand.",
                "Transaction pooling gives the best reuse: a server connection belongs to a client only for the "
                "duration of one transaction. The price is that session state does not survive, so prepared "
                "statements, advisory locks and SET commands need care.",
                "Size the pool from the database side, not the client side. The number of queries that can run "
                "at once is bounded by CPU cores and disk, and adding connections beyond that only adds queueing "
                "inside Postgres, where it is harder to observe.",
                "Watch three numbers on the PgBouncer admin console: clients waiting, the longest wait time, and "
                "server connections in use. Clients waiting for more than a few milliseconds under normal load "
                "means the pool is too small or a query is holding its transaction open.",
                "Keep the pooler close to the application. A PgBouncer sidecar per host avoids an extra network "
                "hop and removes a single point of failure, at the cost of more total server connections.",
            ),
        ),
        ArticleText(
            "flags", "Engineering at Example", "https://engineering.example.net/feature-flags-guide",
            "A Practical Guide to Feature Flags", "Marcus Lee",
            "By Marcus Lee · January 30, 2026 · 8 min read",
            "Every flag needs an owner and an expiry date, or it becomes permanent configuration.",
            (
                "Feature flags separate deploying code from releasing it. New behaviour ships dark, turned off "
                "for everyone, and is switched on for a few internal users, then a percentage of customers, then "
                "everybody. If something goes wrong, turning the flag off is faster than any rollback.",
                "Not all flags are alike. Release flags live for days or weeks, experiment flags for the length "
                "of a test, and operational flags, such as a kill switch for an expensive feature, may live for "
                "years. Mixing them in one list hides the ones that should have been removed long ago.",
                "Evaluate flags in one place. A small client library that reads flag state once per request "
                "keeps behaviour consistent within that request and makes it easy to log which variant a user "
                "saw when you debug a report.",
                "Test both sides of every flag. The code path that is switched off today is the one that will "
                "run during the next incident, and it tends to rot quietly when nobody exercises it.",
                "Clean up on a schedule. A monthly review that deletes fully rolled out flags keeps the codebase "
                "readable and the configuration small enough to reason about.",
            ),
        ),
        ArticleText(
            "postmortems", "The SRE Handbook", "https://sre-handbook.example.com/blameless-postmortems",
            "Writing Blameless Postmortems", "Grace Adeyemi",
            "By Grace Adeyemi · March 5, 2026 · 6 min read",
            "Ask what made the mistake easy to make, not who made it.",
            (
                "A postmortem exists to make the next incident less likely or less painful. It is not a verdict. "
                "When people expect blame, they leave out the detail that matters most: what they believed was "
                "true at the moment they acted.",
                "Start with a timeline built from logs, chat and alerts, written in plain sentences with times. "
                "Only after the timeline is agreed should the group discuss causes, because memory rewrites "
                "itself quickly once the outcome is known.",
                "Look for contributing factors rather than a single root cause. An alert that was too noisy, a "
                "runbook that was out of date and a deploy late on a Friday can each be harmless alone and "
                "disastrous together.",
                "Every action item needs an owner and a due date, and it should change the system rather than "
                "ask people to be more careful. Be more careful is not an action item.",
                "Publish the document widely. Other teams learn from your incident for free, and the habit of "
                "sharing makes the next postmortem easier to write honestly.",
            ),
        ),
        ArticleText(
            "pg16", "DB Notes", "https://dbnotes.example.org/postgres-16-whats-new",
            "What's New in Postgres 16", "Tomasz Nowak",
            "By Tomasz Nowak · February 10, 2026 · 10 min read",
            "Logical replication from a standby is the headline feature for upgrades.",
            (
                "Postgres 16 continues the steady pattern of the last few releases: fewer headline features, "
                "many improvements that make daily operation smoother. For teams planning a migration the most "
                "interesting changes are in replication and monitoring.",
                "Logical replication can now run from a standby server. That takes load off the primary during "
                "an upgrade and makes it practical to replicate into a new major version without touching the "
                "busiest machine.",
                "The new pg_stat_io view reports reads, writes and fsync calls per backend type. It answers the "
                "old question of whether the checkpointer or the client backends are doing most of the writing.",
                "Query planning improved for incremental sorts and for DISTINCT on large tables, and bulk loading "
                "with COPY is noticeably faster on concurrent workloads.",
                "Plan the upgrade like any other: restore a recent backup into a test cluster, run the "
                "application's test suite against it, and time the cutover on a copy before the real night.",
            ),
        ),
        ArticleText(
            "cloudcost", "FinOps Field Notes", "https://finops.example.com/cloud-costs-small-teams",
            "Estimating Cloud Costs for Small Teams", "Nadia Rahman",
            "By Nadia Rahman · March 8, 2026 · 5 min read",
            "Tag every resource with a team and a project on the day it is created.",
            (
                "Small teams rarely overspend on one big thing. They overspend on many small things that nobody "
                "remembers creating: test clusters left running, snapshots kept forever, and load balancers in "
                "front of services that were retired months ago.",
                "Begin with a monthly budget per environment and an alert at eighty percent of it. An alert that "
                "arrives mid-month leaves time to act, while the invoice at the end of the month only tells you "
                "what already happened.",
                "Reserved capacity pays off for the steady baseline, such as the production database, and "
                "on-demand capacity suits everything that scales with traffic or exists only during working hours.",
                "Review the top ten line items of the invoice together once a month. The conversation is short, "
                "and it is the cheapest way to spread cost awareness across the team.",
                "Finally, estimate before you build. A rough spreadsheet with instance counts and storage growth "
                "catches most surprises before they reach the bill.",
            ),
        ),
    )
}
