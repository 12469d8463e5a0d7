"""The registry of source families: each family's name, the module under digest/sources/ that reads it, and the
feed hosts that imply it. It imports nothing of digest: sources.yaml's validation reads it before any family."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Family:
    name: str                       # the `family:` value in sources.yaml
    module: str                     # the module under digest/sources/ that reads it
    hosts: tuple[str, ...] = ()     # feed hosts (and their subdomains) that imply it when no family is given


REGISTRY: dict[str, Family] = {f.name: f for f in (
    Family("arxiv", "arxiv", ("arxiv.org",)),
    Family("biorxiv", "biorxiv", ("biorxiv.org", "medrxiv.org")),
    Family("plos", "journals", ("plos.org",)),
    Family("nature", "journals", ("nature.com",)),
    Family("generic", "generic"),
)}
FAMILIES = tuple(REGISTRY)


def guess_family(url: str) -> str:
    """Return the family a feed URL belongs to, by its host."""
    host = (urlsplit(url).hostname or "").lower()
    for family in REGISTRY.values():
        if any(host == needle or host.endswith("." + needle) for needle in family.hosts):
            return family.name
    return "generic"
