"""Learning from outcomes: features of a lead, the additive model, its evaluation and training.

The pipeline's score node uses `lead_features` and `score_learned`; `training.train` makes new
learned versions; the model page and the commands read the rest.
"""

from scoring.learning.explain import LearnedScore, score_learned
from scoring.learning.features import lead_features

__all__ = ["LearnedScore", "lead_features", "score_learned"]
