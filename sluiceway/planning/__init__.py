"""Training-run planner: model size, data and compute, memory, communication, layouts, time and cost.

Pure Python arithmetic from the papers cited in each module (no Ray, no numpy). Entry points:
``sluiceway plan ...`` (see ``cli.add_parser``) and the functions re-exported here.
"""

from .communication import communication_plan
from .compute import compute_summary, flops_per_token, simple_training_flops
from .cost import narayanan_seconds, run_cost, training_seconds
from .dataset import tokens_from_report
from .errors import PlanError
from .hardware import Hardware, load_hardware
from .layout import estimate_step, search_layouts
from .memory import (
    inference_memory,
    kv_cache_bytes_per_token,
    state_convention,
    training_memory,
    zero_model_states,
)
from .model import ModelSpec, ParamCounts, count_params, load_model, model_from_config
from .plan import plan_comm, plan_compute, plan_kv, plan_memory, plan_params, plan_run
from .scaling import chinchilla_loss, chinchilla_optimal, data_advice, effective_data, kaplan_optimal
from .training import Layout, TrainingSpec

__all__ = [
    "Hardware", "Layout", "ModelSpec", "ParamCounts", "PlanError", "TrainingSpec",
    "chinchilla_loss", "chinchilla_optimal", "communication_plan", "compute_summary", "count_params",
    "data_advice", "effective_data", "estimate_step", "flops_per_token", "inference_memory", "kaplan_optimal",
    "kv_cache_bytes_per_token", "load_hardware", "load_model", "model_from_config", "narayanan_seconds",
    "plan_comm", "plan_compute", "plan_kv", "plan_memory", "plan_params", "plan_run", "run_cost",
    "search_layouts", "simple_training_flops", "state_convention", "tokens_from_report", "training_memory",
    "training_seconds", "zero_model_states",
]
