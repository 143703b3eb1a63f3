"""Declaring, reusing, adding and checking the special tokens of a VLM (on a real HF tokenizer)."""

from __future__ import annotations

import pytest

from compat.tokenizers.vision import special_tokens as st


@pytest.fixture()
def hf(vlm_tokenizer_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(vlm_tokenizer_dir))


# --- declarations ------------------------------------------------------------------------------


def test_defaults_per_prompt_format_and_image_tag(hf):
    assert st.default_special_tokens("chatml", "", hf) == {"image": "<image>", "pad": "<pad>"}
    assert st.default_special_tokens("nemotron5", "internvl", hf) == {
        "image": "<image>",
        "image_start": "<img>",
        "image_end": "</img>",
        "pad": "<SPECIAL_233>",
    }
    nvlm = st.default_special_tokens("nvlm-yi-34b", "nvlm", hf)
    assert (nvlm["image_start"], nvlm["image_end"]) == ("<Image>", "</Image>")
    assert st.default_special_tokens("llama3p1", "", hf)["pad"] == "<|finetune_right_pad_id|>"
    assert st.default_special_tokens("llama3", "", hf)["pad"] == "<|end_of_text|>"
    assert st.default_special_tokens("mistral", "", hf)["pad"] == hf.unk_token


def test_tokenizer_config_names_override_the_generic_defaults(named_tokens_tokenizer_dir):
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(str(named_tokens_tokenizer_dir))
    defaults = st.default_special_tokens("chatml", "", hf)
    assert defaults["image"] == "<image_soft_token>"
    assert defaults["image_start"] == "<start_of_image>"
    assert defaults["image_end"] == "<end_of_image>"
    # an explicit image tag type names the delimiters
    tagged = st.default_special_tokens("chatml", "internvl", hf)
    assert (tagged["image"], tagged["image_start"], tagged["image_end"]) == (
        "<image_soft_token>",
        "<img>",
        "</img>",
    )


def test_a_format_pad_the_tokenizer_lacks_is_not_declared(hf):
    assert "<SPECIAL_233>" in hf.get_vocab()
    assert st.default_special_tokens("nemotron5", "", hf)["pad"] == "<SPECIAL_233>"
    hf.unk_token = None
    assert "pad" not in st.default_special_tokens("mistral", "", hf)


def test_none_takes_the_defaults_and_a_list_gets_roles_by_token():
    defaults = {"image": "<image>", "image_start": "<img>", "pad": "<pad>"}
    assert st.declare_special_tokens(None, defaults) == defaults
    assert st.declare_special_tokens(["<img>", "<image>", "<box>"], defaults) == {
        "image_start": "<img>",
        "image": "<image>",
        "<box>": "<box>",
    }
    assert st.declare_special_tokens([], defaults) == {}
    mapping = {"image": "<im>", "tile_1": "<tile_1>"}
    assert st.declare_special_tokens(mapping, defaults) == mapping


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("<image>", r"not the single string '<image>'; write \['<image>'\]"),
        (["<image>", ""], r"special_tokens\[1\]: a special token must be a non-empty string"),
        (["<image>", None], r"special_tokens\[1\]"),
        (["<a>", "<a>"], "'<a>' is listed twice"),
        ({"image": 5}, "role 'image': a special token must be a non-empty string"),
        ({"": "<x>"}, "role '' must be a non-empty string"),
    ],
)
def test_bad_declarations_are_clear_errors(spec, message):
    with pytest.raises(st.SpecialTokenError, match=message):
        st.declare_special_tokens(spec, {"image": "<image>"})


def test_unknown_image_tag_type_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown image_tag_type 'llava'.*'nvlm', 'internvl', ''"):
        st.image_tag("llava")
    assert st.image_tag(None) is None


# --- resolving: reuse vs add -------------------------------------------------------------------


def test_existing_tokens_keep_their_ids_and_missing_ones_are_added_in_order(hf):
    size = len(hf)
    image_id = hf.convert_tokens_to_ids("<image>")
    declared = {
        "image": "<image>",
        "image_start": "<img>",
        "image_end": "</img>",
        "tile_1": "<tile_1>",
    }
    report = st.resolve_special_tokens(hf, declared, pad_id=hf.pad_token_id)
    assert report.ids == {
        "image": image_id,
        "image_start": size,
        "image_end": size + 1,
        "tile_1": size + 2,
    }
    assert [t.role for t in report.reused] == ["image"]
    assert [t.role for t in report.added] == ["image_start", "image_end", "tile_1"]
    assert len(hf) == size + 3
    # added as special tokens: text containing them yields exactly their ids
    assert hf.encode("<img><image></img>", add_special_tokens=False) == [size, image_id, size + 1]
    assert str(report) == (
        f"special tokens reused: image='<image>' (id {image_id}); added: image_start='<img>' "
        f"(id {size}), image_end='</img>' (id {size + 1}), tile_1='<tile_1>' (id {size + 2})"
    )


def test_a_plain_vocabulary_token_is_reused_and_registered_as_special(hf):
    vocabulary = hf.get_vocab()
    word = next(
        token
        for token, _ in sorted(vocabulary.items(), key=lambda item: item[1])
        if token.isalpha() and len(token) > 4
    )
    word_id = vocabulary[word]
    size = len(hf)
    report = st.resolve_special_tokens(hf, {"marker": word})
    assert report.ids == {"marker": word_id} and not report.added
    assert len(hf) == size
    assert hf.encode(f"zz{word}zz", add_special_tokens=False).count(word_id) == 1


def test_resolving_twice_adds_nothing_the_second_time(hf):
    declared = {"image": "<image>", "image_start": "<img>"}
    first = st.resolve_special_tokens(hf, declared)
    second = st.resolve_special_tokens(hf, declared)
    assert first.ids == second.ids and not second.added


# --- collisions ----------------------------------------------------------------------------------


def test_two_roles_on_one_token_name_both_roles(hf):
    with pytest.raises(
        st.SpecialTokenCollisionError,
        match=r"roles 'image' and 'image_start' both resolve to id \d+",
    ):
        st.resolve_special_tokens(hf, {"image": "<image>", "image_start": "<image>"})


def test_a_role_on_the_pad_id_names_the_role_and_pad(hf):
    with pytest.raises(st.SpecialTokenCollisionError, match=r"roles 'pad' and 'image'"):
        st.resolve_special_tokens(hf, {"image": "<pad>"}, pad_id=hf.pad_token_id)


def test_a_declared_pad_role_is_the_pad_and_may_not_be_shared(hf):
    report = st.resolve_special_tokens(
        hf, {"image": "<image>", "pad": "<pad>"}, pad_id=hf.pad_token_id
    )
    assert report.ids["pad"] == hf.pad_token_id
    with pytest.raises(st.SpecialTokenCollisionError, match=r"'pad' and 'image_end'"):
        st.resolve_special_tokens(hf, {"pad": "<pad>", "image_end": "<pad>"})


# --- embedding fit -------------------------------------------------------------------------------


def test_embedding_fit_passes_and_fails_with_the_number_of_missing_rows():
    st.check_embedding_fits(3024, 3024)
    st.check_embedding_fits(3000, 3072)
    with pytest.raises(st.EmbeddingTableTooSmallError) as error:
        st.check_embedding_fits(3027, 3024, [("<img>", 3024), ("</img>", 3025), ("<x>", 3026)])
    message = str(error.value)
    assert "needs 3027 embedding rows" in message
    assert "has 3024 (padded vocab size): 3 row(s) missing" in message
    assert "'<img>' (id 3024), '</img>' (id 3025), '<x>' (id 3026)" in message
    assert "--padded-vocab-size" in message


@pytest.mark.parametrize("bad", [None, "3024", 3024.0, True])
def test_embedding_fit_rejects_a_non_integer_size(bad):
    with pytest.raises(TypeError, match="padded_vocab_size must be an int"):
        st.check_embedding_fits(10, bad)


def test_embedding_fit_rejects_a_non_positive_size():
    with pytest.raises(ValueError, match="must be positive"):
        st.check_embedding_fits(10, 0)


class _TokenizerWithoutFormatPads:
    """Only the HF attributes ``default_special_tokens`` reads: a tokenizer that defines none of
    the pad tokens the formats name."""

    pad_token = "<pad>"
    unk_token = "<unk>"

    @property
    def special_tokens_map(self):
        return {"pad_token": "<pad>"}

    def get_vocab(self):
        return {"<pad>": 0, "<unk>": 1, "<image>": 2}


@pytest.mark.parametrize("prompt_format", ["llama3p1", "nemotron5", "nemotron5-aligned"])
def test_a_named_pad_the_tokenizer_lacks_is_left_to_the_format(prompt_format):
    defaults = st.default_special_tokens(prompt_format, "", _TokenizerWithoutFormatPads())
    assert defaults == {"image": "<image>"}


def test_a_refused_declaration_leaves_the_tokenizer_unchanged(hf):
    size = len(hf)
    with pytest.raises(st.SpecialTokenCollisionError, match="'tile_1' and 'tile_2'"):
        st.resolve_special_tokens(hf, {"tile_1": "<new>", "tile_2": "<new>"})
    with pytest.raises(st.SpecialTokenCollisionError, match="'image' and 'again'"):
        earlier = st.resolve_special_tokens(hf, {"image": "<image>"})
        st.resolve_special_tokens(hf, {"box": "<box>", "again": "<image>"}, resolved_before=earlier)
    assert len(hf) == size and "<new>" not in hf.get_vocab() and "<box>" not in hf.get_vocab()
