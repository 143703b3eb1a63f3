"""A custom tokenizer library with a chat template of its own."""

from megatron.core.tokenizers.text.libraries.chat_template import MegatronTokenizerChatTemplate
from megatron.core.tokenizers.text.libraries.sentencepiece_tokenizer import (
    SentencePieceTokenizer,
)

CHAT_TEMPLATE = "{% for message in messages %}{{ message['content'] }}{% endfor %}"


class ChatSentencePieceTokenizer(SentencePieceTokenizer, MegatronTokenizerChatTemplate):
    def render(self, conversation):
        return self.apply_chat_template(conversation, CHAT_TEMPLATE, tokenize=False)
