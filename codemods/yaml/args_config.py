"""Megatron's YAML args configs (``--yaml-cfg``): keys are ``args`` attributes in snake_case.

``tokenizer_type: GPTSentencePieceTokenizer`` at the top level of such a file is
``--tokenizer-type GPTSentencePieceTokenizer``: the map's entries are read as one argv (in key
order; ``null`` and ``false`` are absent, ``true`` is a bare flag, a list holds a flag's
values), translated like any command line, and written back as keys (``tokenizer_library:
sentencepiece``). An old key that is absent (``null``/``false``) is renamed or deleted all the
same, so no old name is left.

A file is such a config when its top-level map holds several Megatron args attributes, or
Megatron's ``language_model``/``model_parallel`` sections. An old attribute anywhere else (a
section that another project's code reads, such as a ``tokenizer:`` map of its own) is reported
with what to write, not rewritten: its keys are that code's, not Megatron's. NeMo's
``tokenizer: {library: ..., type: ...}`` holds no old attribute and is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from codemods.text.command_line import NotRewritable, carry_out, still_valid, translate
from codemods.text.words import TextEdit
from codemods.yaml.mapping import delete_entry, pairs_of
from codemods.yaml.state import (
    BOOL_TAG,
    NULL_TAG,
    STR_TAG,
    Change,
    YamlRewrite,
    quote_of,
    spell_scalar,
)
from compat.args import ArgvEdit
from compat.deprecations import (
    LEGACY_FLAG_NAMES,
    LEGACY_FLAGS,
    LIBRARY_FLAG,
    TOKENIZER_TYPE_FLAG,
    attribute_for,
    flag_for,
)

# Megatron args attributes common in configs (none of them a tokenizer flag of the old API):
# several of them in one map say the map is Megatron's args.
MEGATRON_ARGS = frozenset(
    {
        "num_layers",
        "hidden_size",
        "ffn_hidden_size",
        "num_attention_heads",
        "kv_channels",
        "num_query_groups",
        "group_query_attention",
        "seq_length",
        "max_position_embeddings",
        "encoder_num_layers",
        "decoder_num_layers",
        "encoder_seq_length",
        "decoder_seq_length",
        "micro_batch_size",
        "global_batch_size",
        "rampup_batch_size",
        "lr",
        "min_lr",
        "lr_decay_style",
        "lr_decay_iters",
        "lr_warmup_iters",
        "lr_warmup_fraction",
        "weight_decay",
        "clip_grad",
        "adam_beta1",
        "adam_beta2",
        "init_method_std",
        "train_iters",
        "train_samples",
        "eval_iters",
        "eval_interval",
        "log_interval",
        "save_interval",
        "save",
        "load",
        "data_path",
        "split",
        "data_cache_path",
        "mock_data",
        "vocab_file",
        "merge_file",
        "vocab_size",
        "vocab_extra_ids",
        "tokenizer_model",
        "make_vocab_size_divisible_by",
        "position_embedding_type",
        "rotary_percent",
        "normalization",
        "swiglu",
        "untie_embeddings_and_output_weights",
        "attention_dropout",
        "hidden_dropout",
        "transformer_impl",
        "use_mcore_models",
        "tensor_model_parallel_size",
        "pipeline_model_parallel_size",
        "context_parallel_size",
        "sequence_parallel",
        "bf16",
        "fp16",
        "seed",
        "distributed_backend",
        "use_distributed_optimizer",
        "tensorboard_dir",
        "use_flash_attn",
        "num_workers",
        "ckpt_format",
        "exit_interval",
    }
)
MEGATRON_SECTIONS = frozenset({"language_model", "model_parallel"})
_EVIDENCE = 3
LEGACY_ATTRIBUTES = {attribute_for(flag): flag for flag in LEGACY_FLAG_NAMES}


@dataclass
class _Entry:
    key: Any  # yaml.ScalarNode
    value: Any  # yaml.Node
    attribute: str
    argument: str | None  # None: a bare flag, or a list value
    items: tuple[str, ...] | None = None  # a list value
    absent: bool = False  # null or false: not on the command line

    @property
    def flag(self) -> str:
        return flag_for(self.attribute)

    @property
    def words(self) -> list[str]:
        if self.items is not None:
            return [self.flag, *self.items]
        return [self.flag] if self.argument is None else [self.flag, self.argument]


def _entries(node: Any, rewrite: YamlRewrite) -> list[_Entry]:
    entries = []
    for key, value in node.value:
        if not (
            isinstance(key, yaml.ScalarNode) and key.tag == STR_TAG and key.value.isidentifier()
        ):
            continue
        if isinstance(value, yaml.SequenceNode) and all(
            isinstance(item, yaml.ScalarNode) for item in value.value
        ):
            entries.append(
                _Entry(key, value, key.value, None, tuple(item.value for item in value.value))
            )
        elif isinstance(value, yaml.ScalarNode):
            absent = value.tag == NULL_TAG or (
                value.tag == BOOL_TAG and not rewrite.constructor.construct_object(value)
            )
            bare = value.tag == BOOL_TAG
            entries.append(
                _Entry(key, value, key.value, None if bare else value.value, absent=absent)
            )
    return entries


def is_args_config(node: Any) -> bool:
    """Whether a document's top-level map reads as Megatron's args."""
    keys = {key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)}
    return len(keys & MEGATRON_ARGS) >= _EVIDENCE or bool(keys & MEGATRON_SECTIONS)


def rewrite_args_keys(
    node: Any, path: tuple[Any, ...], rewrite: YamlRewrite, anchor: int | None, top_level: bool
) -> None:
    keys = {key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)}
    if not keys & LEGACY_ATTRIBUTES.keys():
        return
    entries = _entries(node, rewrite)
    if not (top_level and is_args_config(node)):
        _report_elsewhere(entries, rewrite, lambda offset: rewrite.anchor(node, offset, anchor))
        return
    present = [entry for entry in entries if not entry.absent]
    argv: list[str] = []
    owner: list[int] = []
    for index, entry in enumerate(present):
        argv += entry.words
        owner += [index] * len(entry.words)
    absent = {entry.attribute: entry for entry in entries if entry.absent}

    def text_edits(edit: ArgvEdit) -> list[TextEdit]:
        first, last = owner[edit.start], owner[edit.stop - 1]
        whole_start = owner.index(first)
        whole_stop = len(owner) - owner[::-1].index(last)
        words = [*argv[whole_start : edit.start], *edit.words, *argv[edit.stop : whole_stop]]
        return _entry_edits(
            rewrite, node, path, present[first : last + 1], words, edit, keys, absent
        )

    carry_out(
        rewrite.doc,
        argv,
        lambda index: present[owner[index]].key.start_mark.index,
        text_edits,
        anchor=lambda offset: rewrite.anchor(node, offset, anchor),
    )
    for entry in absent.values():
        flag = LEGACY_ATTRIBUTES.get(entry.attribute)
        if flag is not None and not still_valid(flag, rewrite.doc.options):
            _rename_absent(entry, node, path, rewrite, keys)


def _entry_edits(
    rewrite: YamlRewrite,
    node: Any,
    path: tuple[Any, ...],
    covered: list[_Entry],
    words: list[str],
    edit: ArgvEdit,
    keys: set[str],
    absent: dict[str, _Entry],
) -> list[TextEdit]:
    if any(entry.items is not None for entry in covered):
        return _list_entry_edits(rewrite, node, path, covered, words, edit, keys)
    pairs = [(attribute_for(flag), argument) for flag, argument in pairs_of(words)]
    taken = (
        {attribute for attribute, _ in pairs}
        - {entry.attribute for entry in covered}
        - absent.keys()
    ) & keys
    if taken:
        raise NotRewritable(
            edit.code,
            f"{edit.message}; but {', '.join(sorted(taken))} is "
            "already a key of this map: merge them by hand",
            _as_keys(edit.words),
        )
    text = rewrite.doc.text
    edits: list[TextEdit] = []
    added: list[tuple[str, Any]] = []
    for entry, (attribute, argument) in zip(covered, pairs):
        if attribute != entry.attribute:
            edits.append(TextEdit(entry.key.start_mark.index, entry.key.end_mark.index, attribute))
        if argument != entry.argument:
            edits.append(
                TextEdit(
                    entry.value.start_mark.index,
                    entry.value.end_mark.index,
                    _value_text(argument, quote_of(entry.value)),
                )
            )
            added.append((attribute, True if argument is None else argument))
        else:
            added.append((attribute, rewrite.load(entry.value)))
    inserted = []
    for attribute, argument in pairs[len(covered) :]:
        value = True if argument is None else argument
        added.append((attribute, value))
        filled = absent.get(attribute)
        if filled is not None:  # `tokenizer_model: null` gets the value in place
            edits.append(
                TextEdit(
                    filled.value.start_mark.index,
                    filled.value.end_mark.index,
                    _value_text(argument, ""),
                )
            )
        else:
            inserted.append(f"{attribute}: {_value_text(argument, '')}")
    if inserted:
        edits.append(_insertion(text, covered[-1], inserted))
    edits.extend(
        delete_entry(text, node, entry.key.start_mark.index, entry.value.end_mark.index)
        for entry in covered[len(pairs) :]
    )
    rewrite.changes.append(
        Change(path, "mapping", removed_keys=[e.attribute for e in covered], added=added)
    )
    return edits


def _list_entry_edits(
    rewrite: YamlRewrite,
    node: Any,
    path: tuple[Any, ...],
    covered: list[_Entry],
    words: list[str],
    edit: ArgvEdit,
    keys: set[str],
) -> list[TextEdit]:
    """A flag whose value is a list: renamed (its values kept as written) or deleted."""
    entry = covered[0]
    offset = entry.key.start_mark.index
    if len(covered) == 1 and not words:
        rewrite.changes.append(Change(path, "mapping", removed_keys=[entry.attribute]))
        return [delete_entry(rewrite.doc.text, node, offset, entry.value.end_mark.index)]
    if len(covered) == 1 and words[1:] == list(entry.items or ()) and words[0].startswith("--"):
        new_key = attribute_for(words[0])
        if new_key in keys:
            raise NotRewritable(
                edit.code,
                f"{edit.message}; but {new_key} is already a key of this map: merge them by hand",
                _as_keys(edit.words),
            )
        rewrite.changes.append(
            Change(
                path,
                "mapping",
                removed_keys=[entry.attribute],
                added=[(new_key, rewrite.load(entry.value))],
            )
        )
        return [TextEdit(offset, entry.key.end_mark.index, new_key)]
    raise NotRewritable(
        edit.code,
        f"{edit.message}; the value is a list here: edit it by hand",
        _as_keys(edit.words),
    )


def _value_text(argument: str | None, quote: str) -> str:
    return "true" if argument is None else spell_scalar(argument, quote)


def _insertion(text: str, last: _Entry, lines: list[str]) -> TextEdit:
    indent = " " * last.key.start_mark.column
    line_end = text.find("\n", last.value.end_mark.index)
    line_end = len(text) if line_end < 0 else line_end
    return TextEdit(line_end, line_end, "".join("\n" + indent + line for line in lines))


def _rename_absent(
    entry: _Entry, node: Any, path: tuple[Any, ...], rewrite: YamlRewrite, keys: set[str]
) -> None:
    """An old key set to null or false: renamed to its new key, or deleted."""
    flag = LEGACY_ATTRIBUTES[entry.attribute]
    legacy = LEGACY_FLAGS.get(flag)
    code = legacy.rule.code if legacy is not None else TOKENIZER_TYPE_FLAG.code
    offset = entry.key.start_mark.index
    if not rewrite.doc.wanted(offset, code):
        return
    replacement = LIBRARY_FLAG if legacy is None else legacy.replacement
    new_key = attribute_for(replacement) if replacement is not None else None
    if new_key is None or new_key in keys:
        edit = delete_entry(rewrite.doc.text, node, offset, entry.value.end_mark.index)
        message = f"{entry.attribute} is not set here and is no longer an argument: deleted"
        rewrite.changes.append(Change(path, "mapping", removed_keys=[entry.attribute]))
    else:
        edit = TextEdit(offset, entry.key.end_mark.index, new_key)
        message = f"{entry.attribute} is renamed {new_key}"
        rewrite.changes.append(
            Change(
                path,
                "mapping",
                removed_keys=[entry.attribute],
                added=[(new_key, rewrite.load(entry.value))],
            )
        )
    rewrite.doc.fix(offset, code, message, new_key or "", [edit])


def _as_keys(words: tuple[str, ...] | list[str]) -> str:
    """New flags written as YAML keys (the suggestion for a person)."""
    return "\n".join(
        f"{attribute_for(flag)}: {_value_text(argument, '')}"
        for flag, argument in pairs_of(list(words))
    )


def _report_elsewhere(entries: list[_Entry], rewrite: YamlRewrite, anchor: Any) -> None:
    for entry in entries:
        flag = LEGACY_ATTRIBUTES.get(entry.attribute)
        if flag is None or still_valid(flag, rewrite.doc.options):
            continue
        legacy = LEGACY_FLAGS.get(flag)
        code = legacy.rule.code if legacy is not None else TOKENIZER_TYPE_FLAG.code
        offset = entry.key.start_mark.index
        if not rewrite.doc.wanted(offset, code):
            continue
        new_words = translate(entry.words, rewrite.doc.options).argv if not entry.absent else ()
        rewrite.doc.report(
            offset,
            code,
            f"{entry.attribute} is an old tokenizer argument, but this map is not the top level "
            "of a Megatron args config (several args attributes, or its language_model/"
            "model_parallel sections), so its keys may be another program's: if Megatron reads "
            "them, rewrite them by hand",
            _as_keys(new_words),
            anchor(offset),
        )
