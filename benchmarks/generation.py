"""FIR generation in process: the whole pipeline uncached and cached, and its steps."""

from __future__ import annotations

from typing import Any

from .backend import feature
from .calls import Call, measures
from .common import DataSets, OnData
from .resources import cache_manager, fir_repository, section_repository

COMPLAINT = (
    "On 12 March 2025 at around 9:30 pm two men on a motorcycle snatched my gold chain near "
    "Karol Bagh metro station and threatened to kill me when I shouted. My neighbour Ramesh "
    "Kumar saw them ride away towards the market. The chain weighed 20 grams and was bought "
    "for Rs 1,20,000 last year. I request that a case be registered and the accused be traced."
)

STEPS = ("draft_uncached", "draft_cached", "extract_facts", "retrieve_sections")


def generation_step(drafts: Any, step: str) -> Call:
    """One step of drafting ``COMPLAINT`` with the generator ``drafts``, by name."""
    complaint = COMPLAINT
    extract = feature("generation.extract", "extract_facts")
    return {
        "draft_uncached": lambda i: drafts.draft(complaint, use_cache=False),
        "draft_cached": lambda i: drafts.draft(complaint),
        "extract_facts": lambda i: extract(complaint),
        "retrieve_sections": lambda i: drafts.violations(extract(complaint), complaint),
    }[step]


class Generation(OnData):
    """Drafting an FIR from a complaint against the 10k data set's legal sections."""

    params = [[10_000]]
    requires = (
        *OnData.requires,
        "cache:CacheManager",
        "generation.pipeline:FIRGenerator",
        "generation.model:TemplateModel",
        "generation.extract:extract_facts",
    )

    def setup(self, prepared: DataSets, scale: int) -> None:
        super().setup(prepared, scale)
        self.steps = {step: generation_step(generator(scale), step) for step in STEPS}

    @measures(generation_step)
    def time_draft_uncached(self, prepared: DataSets, scale: int) -> None:
        """normalise, extract, summarise, retrieve and rank sections, narrate: every step."""
        self.steps["draft_uncached"](0)

    @measures(generation_step)
    def time_draft_cached(self, prepared: DataSets, scale: int) -> None:
        """The same complaint again: one Redis read of the stored draft."""
        self.steps["draft_cached"](0)

    @measures(generation_step)
    def time_extract_facts(self, prepared: DataSets, scale: int) -> None:
        self.steps["extract_facts"](0)

    @measures(generation_step)
    def time_retrieve_sections(self, prepared: DataSets, scale: int) -> None:
        self.steps["retrieve_sections"](0)


_generators: dict[int, Any] = {}


def generator(scale: int) -> Any:
    if scale not in _generators:
        _generators[scale] = feature("generation.pipeline", "FIRGenerator")(
            firs=fir_repository(scale),
            sections=section_repository(scale),
            model=feature("generation.model", "TemplateModel")(),
            police_station="Benchmark Police Station, New Delhi",
            cache=cache_manager(),
        )
        _generators[scale].draft(COMPLAINT)  # the cached scenario's draft is in Redis
    return _generators[scale]
