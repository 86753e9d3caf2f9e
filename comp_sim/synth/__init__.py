"""Synthetic sales teams: deal-level data files and Monte-Carlo trials of the same model."""

from comp_sim.synth.deals import synthesize
from comp_sim.synth.model import SynthConfig
from comp_sim.synth.trials import MonteCarloSource, synthesize_trials

__all__ = ["SynthConfig", "synthesize", "MonteCarloSource", "synthesize_trials"]
