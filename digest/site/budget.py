"""The site's size budget: site/ against site.size_limit_mb, and the months left at the recent volume (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

MB = 1_000_000
WINDOW = 30              # days of the archive the recent volume is read from
MONTH = 365.25 / 12      # days
WARN_AT = 0.8            # of the limit
# What to change: the sources, the retention window (site.full_days), or the limit.
REMEDY = ("trim the sources in sources.yaml (disable some, or narrow their subjects), lower site.full_days "
          "(fewer days keep full cards; older ones are listed compactly), or raise site.size_limit_mb if the host "
          "allows more")


def recent_volume(days: Iterable[tuple[date, int]], window: int = WINDOW) -> tuple[int, int]:
    """Return (papers, calendar days) over the last window days of the archive, or its whole span if shorter."""
    days = sorted(days)
    if not days:
        return 0, 0
    newest = days[-1][0]
    since = max(newest - timedelta(days=window - 1), days[0][0])
    return sum(n for day, n in days if day >= since), (newest - since).days + 1


def months_left(size: int, limit: int, papers: int, recent_papers: int, recent_days: int) -> float | None:
    """Return the months until size reaches limit at bytes per paper x recent papers a day; None without growth."""
    if size >= limit:
        return 0.0
    if not papers or not recent_papers or not recent_days:
        return None
    per_day = size / papers * recent_papers / recent_days
    return (limit - size) / per_day / MONTH


def megabytes(size: float) -> str:
    """Return a size in MB (decimal, as GitHub Pages counts its 1 GB), to one decimal below 100 MB."""
    mb = size / MB
    return f"{mb:,.1f} MB" if mb < 100 else f"{mb:,.0f} MB"


@dataclass(frozen=True)
class SiteSize:
    """What site/ holds as GitHub Pages counts it, and the limit it must stay under."""

    size: int            # bytes of every deployed file
    limit_mb: float      # site.size_limit_mb
    papers: int
    recent_papers: int   # over the last recent_days days of the archive
    recent_days: int

    @property
    def limit(self) -> int:
        return int(self.limit_mb * MB)

    @property
    def share(self) -> float:
        return self.size / self.limit

    @property
    def months(self) -> float | None:
        return months_left(self.size, self.limit, self.papers, self.recent_papers, self.recent_days)

    @property
    def over(self) -> bool:
        return self.size > self.limit

    @property
    def warn(self) -> bool:
        return self.share >= WARN_AT

    def outlook(self) -> str:
        """Return how long the site stays under its limit at the recent volume."""
        if self.over:
            return "over the limit"
        months = self.months
        if months is None:
            return "no papers in the last 30 days, so no growth to project"
        rate = self.recent_papers / self.recent_days
        return f"about {months:,.1f} months left at {rate:,.0f} papers a day"

    def line(self) -> str:
        """Return the build's size line."""
        per_paper = f", {self.size / self.papers / 1000:,.1f} KB per paper" if self.papers else ""
        return (f"size: site/ is {megabytes(self.size)} of the {megabytes(self.limit)} limit "
                f"(site.size_limit_mb), {self.share:.0%}{per_paper}; {self.outlook()}")

    def warning(self) -> str:
        """Return the warning from WARN_AT of the limit on."""
        return (f"WARNING: site/ is at {self.share:.0%} of site.size_limit_mb ({megabytes(self.limit)}), "
                f"{self.outlook()}: {REMEDY} before it stops the deploy")

    def refusal(self) -> str:
        """Return the one line that stops a build over the limit."""
        return (f"site/ is {megabytes(self.size)}, over site.size_limit_mb ({megabytes(self.limit)}; GitHub Pages "
                f"refuses a site over 1 GB): not deployed; {REMEDY}")

    def markdown(self) -> str:
        """Return the size as a job summary paragraph, the warning or refusal under it."""
        text = f"\n**Site size:** {self.line().removeprefix('size: ')}\n"
        if self.over:
            text += f"\n> [!CAUTION]\n> {self.refusal()}\n"
        elif self.warn:
            text += f"\n> [!WARNING]\n> {self.warning().removeprefix('WARNING: ')}\n"
        return text
