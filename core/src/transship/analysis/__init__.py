"""Schema analysis (``analyze-schema``): parse the exported schema and run rule plugins over it.

Rule packs import what they need from here::

    from transship.analysis import Finding, Impact, Rule
"""

from transship.analysis.context import AnalysisContext, SchemaModel
from transship.analysis.engine import AnalysisResult, Analyzer
from transship.analysis.model import Category, FailedRule, Finding, Impact, Issue
from transship.analysis.rule import Rule, RuleDefinitionError, constraint_object
from transship.analysis.statement import AnalysedStatement
from transship.analysis.version import DEFAULT_TARGET_DB_VERSION, YBVersion, is_fixed_in

__all__ = [
    "DEFAULT_TARGET_DB_VERSION",
    "AnalysedStatement",
    "AnalysisContext",
    "AnalysisResult",
    "Analyzer",
    "Category",
    "FailedRule",
    "Finding",
    "Impact",
    "Issue",
    "Rule",
    "RuleDefinitionError",
    "SchemaModel",
    "YBVersion",
    "constraint_object",
    "is_fixed_in",
]
