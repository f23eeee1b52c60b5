"""TrainConfig's field metadata (config.Setting), turned into what people use.

One declaration, four readers: the argparse arguments of ``train``, ``train-bundle``,
``export-bundle`` and ``suspicious --method kfold``; the k-fold settings; what a training
bundle carries; and the knob descriptions the Train screen builds its widgets from (the
widgets themselves are made in ui/).  The idea is Hugging Face's HfArgumentParser: flags
generated from dataclass fields and their metadata.

Every generated flag defaults to "not given", so a command sees only what the user typed and
the dataclass stays the one place that holds the defaults.  A setting whose "auto" is None
also takes that word on the command line (``--dropout auto``).  No Qt; any thread.
"""
from __future__ import annotations

import argparse
import dataclasses
import pathlib
import types
import typing
from typing import Any, Callable, Mapping

from workbench.errors import UserError
from workbench.training.config import COMMANDS, Setting, TrainConfig, defaults_for, setting, task_names

_FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}
_HINTS = typing.get_type_hints(TrainConfig)


# ---- the fields ------------------------------------------------------------------------------
def names(command: str | None = None) -> list[str]:
    """The fields a user may set (with ``command``: those that command offers), in declaration order."""
    return [n for n in _FIELDS
            if not setting(n).internal and (command is None or command in setting(n).commands)]


def carried() -> list[str]:
    """The fields a training bundle carries: all but the project- and machine-bound ones."""
    return [n for n in _FIELDS if not setting(n).bound]


def value_type(name: str) -> tuple[type, bool]:
    """The field's value type (int, float, str, bool or pathlib.Path) and whether None is allowed."""
    hint = _HINTS[name]
    args = typing.get_args(hint) if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union else ()
    if args:
        kinds = [a for a in args if a is not type(None)]
        return kinds[0], len(kinds) < len(args)
    return hint, False


def choices(name: str) -> tuple[Any, ...]:
    c = setting(name).choices
    return tuple(c() if callable(c) else c)


def flag(name: str) -> str:
    s = setting(name)
    if s.flag:
        return s.flag
    if value_type(name)[0] is bool and _FIELDS[name].default is True:
        return "--no-" + name.replace("_", "-")
    return "--" + name.replace("_", "-")


def takes_none_word(name: str) -> bool:
    """Whether the command line reads the setting's ``none_word`` as None (numbers that may be None)."""
    typ, nullable = value_type(name)
    return nullable and typ in (int, float)


# ---- "auto" in words -------------------------------------------------------------------------
def _figure(name: str, value: Any) -> str:
    for v, word in setting(name).shown:
        if v == value and type(v) is type(value):
            return word
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe_auto(name: str, title: Callable[[str], str] = str) -> str:
    """What None means for ``name``: the measured figures per task and device for a setting
    from the recipe (config.Defaults), else the Setting's words.  ``title`` names a task."""
    s = setting(name)
    if not s.recipe:
        return s.auto
    rows = [(t, _figure(name, getattr(defaults_for("cpu", t), name)),
             _figure(name, getattr(defaults_for("cuda", t), name))) for t in task_names()]

    def per_device(cpu: str, gpu: str) -> str:
        return cpu if cpu == gpu else f"CPU {cpu}, GPU {gpu}"

    if len({(cpu, gpu) for _, cpu, gpu in rows}) == 1:
        return per_device(*rows[0][1:])
    return "; ".join(f"{title(t)} {per_device(cpu, gpu)}" for t, cpu, gpu in rows)


# ---- the command line ------------------------------------------------------------------------
def _reader(name: str) -> Callable[[str], Any]:
    """argparse's ``type`` for the field: its value type, and the none word where None is allowed."""
    typ, _ = value_type(name)
    s = setting(name)
    word = s.none_word if takes_none_word(name) else None
    kind = {int: "a whole number", float: "a number"}.get(typ, "")

    def read(text: str) -> Any:
        if word is not None and text.strip().lower() == word:
            return None
        try:
            value = typ(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {kind}" + (f" or {word!r}" if word else "")) from None
        if s.none_number is not None and value == s.none_number:
            return None
        return value

    read.__name__ = typ.__name__
    return read


def _help(name: str, command: str) -> str:
    s = setting(name)
    default = _FIELDS[name].default
    text = ("do not " if default is True else "") + "; ".join(
        t for t in (s.help, s.term, s.notes.get(command, "")) if t)
    if command == "train-bundle" and not s.bound:
        text += " (default: the bundle's)"
    elif default is None and s.auto and takes_none_word(name):
        text += f" (default: {s.none_word} = {describe_auto(name)})"
    elif default not in (None, dataclasses.MISSING) and not isinstance(default, bool):
        text += f" (default: {default})"
    return text.replace("%", "%%")   # argparse formats help with %


def add_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup, command: str) -> None:
    """One flag per setting ``command`` offers.  A flag not given is absent from the namespace."""
    for name in names(command):
        s = setting(name)
        kw: dict[str, Any] = {"dest": name, "help": _help(name, command), "default": argparse.SUPPRESS}
        typ, _ = value_type(name)
        if typ is bool:
            kw["action"] = "store_false" if _FIELDS[name].default is True else "store_true"
        else:
            kw["type"] = _reader(name)
            if choices(name):
                kw["choices"] = choices(name)
            if s.metavar:
                kw["metavar"] = s.metavar
        if _FIELDS[name].default is dataclasses.MISSING:
            kw["required"] = True
        parser.add_argument(flag(name), **kw)


def values(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """The settings given on the command line (what ``add_arguments`` added), by field name."""
    return {n: getattr(args, n) for n in names(command) if hasattr(args, n)}


def to_args(config: TrainConfig, command: str = "train") -> list[str]:
    """The flags that ask ``command`` for ``config``'s values (those that differ from the defaults)."""
    out: list[str] = []
    for name in names(command):
        value, default = getattr(config, name), _FIELDS[name].default
        if default is not dataclasses.MISSING and value == default and type(value) is type(default):
            continue
        if isinstance(value, bool):
            out.append(flag(name))
        else:   # --flag=value: a negative number is not taken for an option
            out.append(f"{flag(name)}={setting(name).none_word if value is None else _text(value)}")
    return out


def _text(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


# ---- values read from a file (a bundle's config) ----------------------------------------------
def from_json(name: str, value: Any, where: str) -> Any:
    """``value`` as the field's type; UserError naming ``where`` and the field when it is not one."""
    typ, nullable = value_type(name)
    ok = ((value is None and nullable)
          or (typ is bool and isinstance(value, bool))
          or (typ is int and isinstance(value, int) and not isinstance(value, bool))
          or (typ is float and isinstance(value, (int, float)) and not isinstance(value, bool))
          or (typ in (str, pathlib.Path) and isinstance(value, str)))
    if ok and value is not None and typ is str and choices(name) and value not in choices(name):
        raise UserError(f"{where}: {name} must be one of {', '.join(map(str, choices(name)))} (got {value!r})")
    if not ok:
        kind = {bool: "true or false", int: "a whole number", float: "a number"}.get(typ, "text")
        raise UserError(f"{where}: {name} must be {kind}{' or null' if nullable else ''} (got {value!r})")
    if value is None:
        return None
    return typ(value) if typ in (float, pathlib.Path) else value


def bundle_values(config: TrainConfig) -> dict[str, Any]:
    """What a training bundle keeps of ``config`` (JSON-able)."""
    return {n: getattr(config, n) for n in carried()}


# ---- the Train screen's knobs -------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Knob:
    """What the Train screen shows for one setting; ui/train/knobs.py makes the widget."""

    name: str
    label: str
    group: str                  # "basic" or "advanced"
    kind: str                   # "int" or "float" (a spin box), "number" (typed), "choice", "check"
    default: Any                # in the knob's unit; None: auto
    tooltip: str
    none_word: str = ""         # the word the box shows for None; "": None is not a value here
    lo: float = 0
    hi: float = 0
    step: float = 1
    decimals: int = 0
    suffix: str = ""
    scale: float = 1            # the setting's value is the knob's times this
    special: str = ""           # the word for the lowest value, or the check box's text
    choices: tuple[tuple[Any, str], ...] = ()

    def value(self, shown: Any) -> Any:
        """The setting's value for what the knob shows (None stays None)."""
        if shown is None or self.scale == 1:
            return shown
        return float(shown) * self.scale   # minutes -> seconds


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def knobs(group: str | None = None, title: Callable[[str], str] = str) -> list[Knob]:
    """The knobs, in declaration order (``group``: only "basic" or "advanced" ones)."""
    out = []
    for name in names():
        s = setting(name)
        if not s.knob or (group is not None and s.knob != group):
            continue
        typ, nullable = value_type(name)
        suffix, scale = s.unit
        default = _FIELDS[name].default
        tooltip = _sentence(s.help)
        if default is None and s.auto:
            tooltip += f"\n{s.none_word.capitalize()}: {describe_auto(name, title)}."
        kw: dict[str, Any] = {}
        if choices(name):
            kind = "choice"
            kw["choices"] = tuple(zip(choices(name), s.choice_words or map(str, choices(name))))
        elif typ is bool:
            kind = "check"
        elif s.range is None:
            kind = "number"
        else:   # a spin box; whole numbers where the field is one, or where its unit is (minutes)
            kind = "int" if typ is int or s.decimals == 0 else "float"
            kw.update(lo=s.range[0], hi=s.range[1], step=s.step, decimals=0 if kind == "int" else s.decimals)
        if default is not None and scale != 1:
            default = default / scale
        out.append(Knob(name, s.label, s.knob, kind, default, tooltip, none_word=s.none_word if nullable else "",
                        suffix=suffix, scale=scale, special=s.special, **kw))
    return out


def not_knobs() -> Mapping[str, str]:
    """The settings a user may change that have no knob, with the reason."""
    return {n: setting(n).no_knob for n in names() if not setting(n).knob}


__all__ = ["COMMANDS", "Knob", "Setting", "add_arguments", "bundle_values", "carried", "choices", "describe_auto",
           "flag", "from_json", "knobs", "names", "not_knobs", "takes_none_word", "task_names", "to_args",
           "value_type", "values"]
