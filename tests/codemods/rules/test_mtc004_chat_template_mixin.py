"""MTC004 chat-template-mixin: the mixin is dropped or becomes the abstract base, last."""

from __future__ import annotations

from rewrite_checks import PYTHON

check_transformed = PYTHON.check_transformed
TEXT = "megatron.core.tokenizers.text"


def test_mixin_beside_a_tokenizer_base_is_dropped_with_its_import():
    check_transformed(
        f"""\
        \"\"\"Doc.\"\"\"

        from {TEXT}.libraries.chat_template import MegatronTokenizerChatTemplate
        from {TEXT}.libraries.sentencepiece_tokenizer import SentencePieceTokenizer

        class Chat(SentencePieceTokenizer, MegatronTokenizerChatTemplate):
            pass
        """,
        f"""\
        \"\"\"Doc.\"\"\"

        from {TEXT}.libraries.sentencepiece_tokenizer import SentencePieceTokenizer

        class Chat(SentencePieceTokenizer):
            pass
        """,
    )


def test_mixin_alone_becomes_the_abstract_base_last():
    check_transformed(
        f"""\
        from {TEXT}.libraries.chat_template import MegatronTokenizerChatTemplate

        class Chat(MegatronTokenizerChatTemplate, Helper):
            pass
        """,
        f"""\
        from {TEXT}.libraries.abstract_tokenizer import MegatronTokenizerTextAbstract

        class Chat(Helper, MegatronTokenizerTextAbstract):
            pass
        """,
    )
