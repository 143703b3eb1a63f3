"""Rewrites code, launch scripts, configs and metadata from Megatron's old tokenizer API."""
