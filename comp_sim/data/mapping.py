"""Column mappings: how a CRM export's files, columns and values become the tables of SPEC "Data".

A mapping file is YAML, one entry per table, every key optional:

```yaml
deals:
  file: opportunities.csv                 # the export's file name in the data folder
  columns: {deal_id: Id, amount: Amount}  # our column: the export's column
  filter: {StageName: Closed Won}         # keep rows whose column equals the value (or one of a list)
  values: {new_logo: {New Business: true, Existing Business: false}}   # export value -> ours
  history_before: 2026-01-01              # deals closed earlier only decide which accounts are new
defaults:                                 # a column the export lacks, or the value of its blank cells
  reps: {role: AE, target_incentive: 80000}
```

``--map deals.amount=Amount`` pairs rename columns the same way and win over the file. Errors
in a mapping file name its line and column; errors of a pair name the pair.

>>> mapping = load_mapping({"deals": {"columns": {"amount": "Amount"}}}, ["deals.rep_id=OwnerId"])
>>> mapping.table("deals").columns
{'amount': 'Amount', 'rep_id': 'OwnerId'}
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError
from ruamel.yaml import YAML

from comp_sim.data.dataset import COLUMNS, TABLES
from comp_sim.errors import NO_VALUE, DataError, Issue, UsageError, did_you_mean
from comp_sim.limits import MAX_MAPPING_BYTES
from comp_sim.output import read_text_bounded
from comp_sim.plan.loader import format_path
from comp_sim.plan.models import position
from comp_sim.safe_yaml import parse_yaml, plain

Scalar = Union[bool, int, float, str]
GUESS_CUTOFF = 0.8  # how alike (0..1, difflib's ratio) an export column's name must be to be guessed


class TableMapping(BaseModel):
    """Where one table comes from in an export, and how its columns and values translate."""

    model_config = ConfigDict(extra="forbid")

    file: str | None = Field(None, description="The file in the data folder that holds this table.")
    sheet: str | None = Field(None, description="The sheet of an .xlsx file that holds this table.")
    columns: dict[str, str] = Field(default_factory=dict, description="Our column name: the export's column name.")
    filter: dict[str, Union[Scalar, list[Scalar]]] = Field(
        default_factory=dict, description="Keep rows whose (export) column equals the value or one of a list.")
    values: dict[str, dict[str, Scalar]] = Field(
        default_factory=dict, description="Per column (our name): export value -> our value.")


class DealsMapping(TableMapping):
    """The deals table's mapping, which may also cut the history off."""

    history_before: dt.date | None = Field(
        None, description="Deals closed before this date only seed the account history that decides "
                          "which deals are new logos; they are not deals of the run.")


class Mapping(BaseModel):
    """A mapping for each table of an export; tables not named are read as they are."""

    model_config = ConfigDict(extra="forbid")

    reps: TableMapping | None = None
    quotas: TableMapping | None = None
    deals: DealsMapping | None = None
    forecasts: TableMapping | None = None
    mbo: TableMapping | None = None
    defaults: dict[str, dict[str, Scalar]] = Field(
        default_factory=dict, description="Per table: column -> the value of a column the export lacks "
                                          "or of its blank cells.")
    _source: str = PrivateAttr("<mapping>")
    _file: str | None = PrivateAttr(None)  # the mapping file lines refer to
    _tree: Any = PrivateAttr(None)  # the file's YAML nodes, for lines and columns
    _pairs: dict = PrivateAttr(default_factory=dict)  # (table, column) -> the --map pair that set it

    @property
    def source(self) -> str:
        """The mapping file (or ``--map``) named in errors."""
        return self._source

    def table(self, name: str) -> TableMapping:
        return getattr(self, name) or (DealsMapping() if name == "deals" else TableMapping())

    def defaults_of(self, table: str) -> dict[str, Scalar]:
        return self.defaults.get(table, {})

    def issue(self, message: str, loc: tuple, value: Any = NO_VALUE, at_key: bool = False) -> Issue:
        """An issue about the mapping's key ``loc``: at its line and column in the mapping file,
        or naming the ``--map`` pair that set it."""
        if len(loc) == 3 and loc[1] == "columns" and (loc[0], loc[2]) in self._pairs:
            return Issue(message, source="--map", value=self._pairs[(loc[0], loc[2])])
        line, column = position(self._tree, loc, at_key) if self._tree is not None else (None, None)
        return Issue(message, source=self._file or self._source, line=line, column=column,
                     path=format_path(loc) or None, value=value)


def load_mapping(source: str | Path | dict | Mapping | None, pairs: Sequence[str] = (),
                 name: str | None = None) -> Mapping | None:
    """A mapping from a YAML file, a dict or a Mapping, with ``--map`` pairs merged over it
    (None when there is neither); ``name`` is the file's name in errors (an uploaded file's own).
    Raises DataError for a bad file, UsageError for a bad pair."""
    if source is None and not pairs:
        return None
    if isinstance(source, Mapping):
        mapping = source
    elif isinstance(source, dict):
        mapping = _validate(source, "<mapping>")
    elif source is None:
        return parse_map_pairs(pairs)
    else:
        label = name or str(source)
        text = read_text_bounded(Path(source), "mapping file", MAX_MAPPING_BYTES, DataError)
        tree = parse_yaml(text, label, "mapping file", DataError, limit=MAX_MAPPING_BYTES)
        mapping = _validate(_read(tree, label), label, tree)
    if not pairs:
        return mapping
    merged = merge(mapping, parse_map_pairs(pairs))
    merged._source = f"{mapping.source} with --map"
    return merged


def parse_map_pairs(pairs: Sequence[str]) -> Mapping:
    """``["deals.amount=Amount", ...]`` as a mapping that renames those columns.

    >>> parse_map_pairs(["reps.role=Sales_Role__c"]).table("reps").columns
    {'role': 'Sales_Role__c'}
    """
    tables: dict[str, dict[str, dict[str, str]]] = {}
    set_by: dict[tuple[str, str], str] = {}
    issues = []
    for pair in pairs:
        target, equals, column = pair.partition("=")
        table, dot, ours = target.strip().partition(".")
        ours = ours.strip()
        if not equals or not dot or not ours or not column.strip():
            issues.append(Issue("a column mapping is written TABLE.COLUMN=EXPORT_COLUMN, "
                                "e.g. deals.amount=Amount", source="--map", value=pair))
        elif table not in TABLES:
            issues.append(Issue(f"unknown table '{table}'{did_you_mean(table, TABLES)} "
                                f"(tables: {', '.join(TABLES)})", source="--map", value=pair))
        elif ours not in COLUMNS[table]:
            issues.append(Issue(unknown_column(table, ours), source="--map", value=pair))
        else:
            tables.setdefault(table, {"columns": {}})["columns"][ours] = column.strip()
            set_by[(table, ours)] = pair
    if issues:
        raise UsageError(issues)
    mapping = Mapping.model_validate(tables)
    mapping._source = "--map"
    mapping._pairs = set_by
    return mapping


def unknown_column(table: str, column: str) -> str:
    """The rule broken by naming a column the table does not have."""
    return (f"unknown column '{column}' of the {table} table{did_you_mean(column, COLUMNS[table])} "
            f"(its columns: {', '.join(COLUMNS[table])})")


def merge(base: Mapping, over: Mapping) -> Mapping:
    """``base`` with the column renames of ``over`` replacing its own for the same columns."""
    merged = base.model_copy(deep=True)
    for name in TABLES:
        extra = getattr(over, name)
        if extra is not None:
            table = merged.table(name)
            setattr(merged, name, table.model_copy(update={"columns": {**table.columns, **extra.columns}}))
    merged._source, merged._file, merged._tree = base._source, base._file, base._tree
    merged._pairs = {**base._pairs, **over._pairs}
    return merged


def with_history_before(mapping: Mapping | None, cutoff: dt.date | str) -> Mapping:
    """The mapping (or none) with the deals' history cut off at ``cutoff`` (``--history-before``)."""
    mapping = mapping if mapping is not None else Mapping()
    try:
        deals = mapping.table("deals").model_copy(update={"history_before": dt.date.fromisoformat(str(cutoff))})
    except ValueError:
        raise UsageError(Issue("must be a date written YYYY-MM-DD", path="--history-before", value=str(cutoff))) from None
    changed = mapping.model_copy(update={"deals": deals})
    changed._source, changed._file, changed._tree, changed._pairs = (
        mapping._source, mapping._file, mapping._tree, mapping._pairs)
    return changed


def mapping_yaml(mapping: Mapping) -> str:
    """The mapping as a YAML file ``load_mapping`` reads back (for ``--mapping``)."""
    data = mapping.model_dump(mode="json", exclude_defaults=True)
    ordered = {name: data[name] for name in (*TABLES, "defaults") if data.get(name)}
    out = io.StringIO()
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.dump(ordered, out)
    header = "# How this export's files, columns and values become comp_sim's tables\n" \
             "# (comp-sim run --data FOLDER --mapping THIS_FILE).\n"
    return header + out.getvalue()


def guess_columns(table: str, export_columns: Sequence[str], taken: Sequence[str] = ()) -> dict[str, str]:
    """Our columns of ``table`` -> the export column whose name most resembles it (ours, or a
    usual CRM name for it), each export column used once; ``taken`` are mapped already.

    >>> guess_columns("deals", ["Record ID", "Deal Name", "Close Date", "Deal owner", "Amount", "Pipeline"])
    {'deal_id': 'Record ID', 'rep_id': 'Deal owner', 'close_date': 'Close Date', 'amount': 'Amount'}
    """
    scores = []
    free = [c for c in export_columns if c not in set(taken)]
    for ours in COLUMNS[table]:
        names = [_plain_name(ours), *SYNONYMS.get(table, {}).get(ours, ()), *SYNONYMS["*"].get(ours, ())]
        for theirs in free:
            plain = _plain_name(theirs)
            score = 1.0 if plain in names else max(_likeness(plain, name) for name in names)
            if score >= GUESS_CUTOFF:
                scores.append((-score, COLUMNS[table].index(ours), free.index(theirs), ours, theirs))
    guessed: dict[str, str] = {}
    used: set[str] = set()
    for _, _, _, ours, theirs in sorted(scores):
        if ours not in guessed and theirs not in used:
            guessed[ours] = theirs
            used.add(theirs)
    return {ours: guessed[ours] for ours in COLUMNS[table] if ours in guessed}


def missing_columns_hint(table: str, missing: Sequence[str], export_columns: Sequence[str],
                         mapped: Sequence[str] = ()) -> str:
    """What to do about required columns an export lacks: the export columns that look like
    them, as a mapping would name them."""
    guessed = {ours: theirs for ours, theirs in guess_columns(table, export_columns, mapped).items() if ours in missing}
    if guessed:
        pairs = ", ".join(f"{ours}: {theirs}" for ours, theirs in guessed.items())
        return f"; map them in the mapping's {table}.columns, e.g. {{{pairs}}}"
    if table == "reps" and "role" in missing:
        return f"; map them in the mapping's {table}.columns, or give one role to everyone: defaults: {{reps: {{role: AE}}}}"
    return f"; map them in the mapping's {table}.columns (or --map {table}.{missing[0]}=EXPORT_COLUMN)"


def _plain_name(name: str) -> str:
    """A column name without case, spacing, punctuation or a Salesforce ``__c`` suffix."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower().removesuffix("__c"))


def _likeness(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio()


# Usual CRM names of our columns (Salesforce, HubSpot, spreadsheets), as _plain_name writes them.
_OWNER = ("ownerid", "owner", "dealowner", "opportunityowner", "repid", "salesrep", "rep", "userid",
          "assignedto", "employeeid")
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "*": {
        "rep_id": _OWNER,
        "period": ("fiscalperiod", "periodlabel", "quarter", "month", "fiscalquarter"),
        "name": ("fullname", "username", "repname", "ownername"),
        "role": ("salesrole", "title", "jobtitle", "position"),
        "team": ("primaryteam", "salesteam", "teams"),
        "region": ("territory", "geo", "area"),
        "manager_id": ("managerid", "manager", "reportsto", "managerownerid", "managername"),
        "hire_date": ("startdate", "hired", "datehired", "dateofhire"),
        "end_date": ("terminationdate", "leavedate", "leftdate", "dateleft"),
        "base_salary": ("salary", "basepay", "base"),
        "target_incentive": ("ti", "targetbonus", "variablepay", "targetvariable", "incentive"),
        "deal_id": ("id", "recordid", "dealid", "opportunityid", "opportunity"),
        "close_date": ("closedate", "closed", "dateclosed", "closedat", "wondate"),
        "amount": ("value", "dealvalue", "totalamount", "amountinhomecurrency", "dealamount"),
        "product": ("productfamily", "productline", "productname", "products"),
        "account_id": ("accountid", "account", "company", "associatedcompany", "accountname", "companyid",
                       "customer", "companyname"),
        "new_logo": ("newlogo", "type", "dealtype", "opportunitytype", "newbusiness"),
        "discount": ("discountrate", "discountpercent", "discountpct"),
        "split": ("splitpercent", "splitpct", "share"),
        "credit_type": ("credittype", "splittype", "credit"),
        "currency": ("currencyisocode", "currencycode", "dealcurrency", "opportunitycurrency", "amountcurrency"),
        "metric": ("quotatype", "measure"),
        "target": ("quota", "quotaamount", "amount", "target"),
        "forecast": ("forecastamount", "commit", "forecastcommit", "submission", "amount"),
        "score": ("mbo", "mboscore", "rating", "attainment"),
    },
    "reps": {"rep_id": ("id", "userid", "dealowner", "owner", "email", "employeeid")},
}


def _read(tree: Any, source: str) -> Any:
    """The mapping file's YAML tree (read with the plan reader's guards: no tags, aliases or
    deep nesting, ``comp_sim.safe_yaml``) as plain data."""
    if tree is None:
        return {}
    if not isinstance(tree, dict):
        raise DataError(Issue(f"a mapping file is a YAML mapping of tables ({', '.join(TABLES)}) and defaults",
                              source=source, line=1))
    return plain(tree)


def _validate(data: dict, source: str, tree: Any = None) -> Mapping:
    data = _keys_as_text(data)
    located = Mapping()
    located._source, located._file, located._tree = source, source, tree
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        issues: dict[str, Issue] = {}
        for error in exc.errors():
            issue = _issue(error, data, located)
            issues.setdefault(issue.path or "", issue)  # a union reports once per member type
        raise DataError(list(issues.values())) from None
    mapping._source, mapping._file, mapping._tree = source, source, tree
    issues_of_names = _name_issues(mapping)
    if issues_of_names:
        raise DataError(issues_of_names)
    return mapping


def _name_issues(mapping: Mapping) -> list[Issue]:
    """Columns of ours a mapping renames or defaults that the tables do not have, and defaults
    for tables that do not exist."""
    issues = []
    for table in TABLES:
        for ours in mapping.table(table).columns:
            if ours not in COLUMNS[table]:
                issues.append(mapping.issue(unknown_column(table, ours), (table, "columns", ours), at_key=True))
    for table, defaults in mapping.defaults.items():
        if table not in TABLES:
            issues.append(mapping.issue(f"unknown table '{table}'{did_you_mean(table, TABLES)} "
                                        f"(tables: {', '.join(TABLES)})", ("defaults", table), at_key=True))
            continue
        for column in defaults:
            if column not in COLUMNS[table]:
                issues.append(mapping.issue(unknown_column(table, column), ("defaults", table, column), at_key=True))
    return issues


def _keys_as_text(node: Any) -> Any:
    """YAML keys such as ``1`` or ``true`` (an export value in ``values``) as the text they were."""
    if isinstance(node, dict):
        return {_key_text(k): _keys_as_text(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_keys_as_text(v) for v in node]
    return node


def _key_text(key: Any) -> Any:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key) if isinstance(key, (int, float)) else key


def _issue(error: Any, data: dict, located: Mapping) -> Issue:
    loc = _data_loc(data, error["loc"])
    if error["type"] == "extra_forbidden":
        key = str(loc[-1])
        allowed = (*TABLES, "defaults") if len(loc) == 1 else tuple(type(located.table(str(loc[0]))).model_fields)
        return located.issue(f"unknown key '{key}'{did_you_mean(key, allowed)} (allowed: {', '.join(allowed)})",
                             loc, at_key=True)
    value = error.get("input", NO_VALUE)
    if isinstance(value, (dict, list)):
        value = NO_VALUE
    if len(loc) == 3 and loc[1] == "filter":
        message = "must be a text, a number, true/false or a list of them"
    elif (len(loc) == 4 and loc[1] == "values") or (len(loc) == 3 and loc[0] == "defaults"):
        message = "must be a text, a number or true/false"
    elif loc[-1:] == ("history_before",):
        message = "must be a date written YYYY-MM-DD"
    else:
        message = error["msg"].replace("Input should be", "must be")
    return located.issue(message, loc, value=value)


def _data_loc(data: Any, loc: Sequence[Any]) -> tuple:
    """The part of a pydantic error location that names keys of the data (not union members)."""
    path = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            continue
        path.append(part)
    return tuple(path)
