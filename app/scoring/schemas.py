"""Scoring API schemas. Criteria and thresholds come from app.scoring.rules, so an unknown
criterion or threshold is refused by name (422 with the field path)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, create_model

from app.schemas import Strict
from app.scoring import rules

MAX_WEIGHT = 100




def _weight_field() -> Any:
    return (float | None, Field(None, ge=0, le=MAX_WEIGHT, strict=True,
                                description="weight ≥ 0 (0 switches the criterion off)"))


# one model per criterion with only the scores it feeds: a weight for a score the criterion
# does not feed is refused like an unknown field
_CRITERION_MODELS = {
    c.key: create_model(f"Weights_{c.key}", __base__=Strict,
                        **{name: _weight_field() for name in c.scores})
    for c in rules.CRITERIA
}
_WEIGHT_FIELDS: dict[str, Any] = {
    key: (model | None, Field(None, description=rules.CRITERIA_BY_KEY[key].label))
    for key, model in _CRITERION_MODELS.items()
}
ProfileWeightsIn = create_model("ProfileWeightsIn", __base__=Strict, **_WEIGHT_FIELDS)
_THRESHOLD_FIELDS: dict[str, Any] = {
    name: (float | None, Field(None, ge=low, le=high, strict=True, description=label))
    for name, (_, low, high, label, _reason) in rules.THRESHOLDS.items()
}
ProfileThresholdsIn = create_model("ProfileThresholdsIn", __base__=Strict, **_THRESHOLD_FIELDS)


class ProfileIn(Strict):
    """Weights and thresholds to change; what is left out keeps its current value."""

    weights: ProfileWeightsIn | None = None
    thresholds: ProfileThresholdsIn | None = None


class CriterionInfo(BaseModel):
    criterion: str
    label: str
    fact: str
    unit: str
    group: str
    scores: list[str]
    reason: str


class ThresholdInfo(BaseModel):
    name: str
    value: float
    default: float
    minimum: float
    maximum: float
    label: str
    reason: str


class ProfileOut(BaseModel):
    scope: str = Field(description="'municipality' (own profile) or 'default'")
    municipality: str | None = Field(description="AGS the profile applies to; null for the default")
    inherits_default: bool = Field(description="true when the town has no profile of its own")
    profile_id: int
    version: int
    updated_at: datetime | None
    weights: dict[str, dict[str, float]]
    thresholds: dict[str, float]
    criteria: list[CriterionInfo]
    threshold_info: list[ThresholdInfo]


class ScorePart(BaseModel):
    points: float | None
    weight: float
    contribution: float = Field(description="points this criterion adds to the score")


class CriterionLine(BaseModel):
    criterion: str
    label: str
    group: str
    group_label: str
    fact: str
    value: Any
    unit: str
    display: str
    missing: bool
    interim: ScorePart | None
    permanent: ScorePart | None


class MissingFact(BaseModel):
    fact: str
    label: str


class ProfileRef(BaseModel):
    profile_id: int
    version: int
    scope: str


class ScoreOut(BaseModel):
    vacancy_id: int
    municipality: str
    interim: int | None
    permanent: int | None
    recommendation: str
    recommendation_label: str
    reason: str
    confidence: float
    quality: dict[str, int | None] = Field(description="location / unit sub-scores (permanent weights)")
    criteria: list[CriterionLine]
    missing_facts: list[MissingFact]
    profile: ProfileRef
    profile_version: int
    computed_at: datetime


class RescoreOut(BaseModel):
    municipality: str | None
    municipalities: int
    scored: int
    cleared: int
    seconds: float
    seconds_database: float
    seconds_facts: float
    seconds_write: float
    seconds_python: float
