(
    """Classify records: countries, corridors, themes (keyword rules + MiniLM similarity), GCM/GCR objectives, """
    """method, """
    """indicators."""
)

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from observatory.evidence.gazetteer import find_countries, gazetteer, surface_alternation
from observatory.evidence.records import Label, LabelKind, Record, load_vocab

MODEL_ORIGIN = "model:all-MiniLM-L6-v2"
THEME_THRESHOLD = 0.5
# Logistic calibration of cosine similarity to a theme prototype (centre chosen on the hand-labelled sample,
# so the reported precision/recall on that sample is optimistic: there is no held-out set yet).
COSINE_CENTRE = 0.48
COSINE_SCALE = 0.04

METHOD_RULES = {
    "meta_analysis": r"meta-?analys\w*|systematic review|scoping review|umbrella review",
    "qualitative": r"qualitative|interviews?|ethnograph\w*|focus groups?|thematic "
    r"analysis|narratives?|fieldwork|participant observation|discourse analysis|case stud(y|ies)",
    "quantitative": r"quantitative|regressions?|panel data|survey "
    r"data|cross-sectional|cohort|randomi[sz]ed|difference-in-differences|instrumental "
    r"variables?|logistic|odds ratios?|statistical(ly)?|experiment\w*|conjoint|register "
    r"data|estimates?|prevalence|sample of \d+",
}


def _words(patterns: list[str]) -> re.Pattern:
    """Case-insensitive whole-word alternation of regex fragments."""
    return re.compile(r"(?<![\w-])(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?![\w-])", re.I)


@lru_cache(maxsize=1)
def theme_rules() -> dict[str, re.Pattern]:
    """Theme id -> compiled keyword pattern."""
    return {t["id"]: _words(t["keywords"]) for t in load_vocab("themes.yml")["themes"]}


@lru_cache(maxsize=1)
def compact_rules() -> dict[tuple[str, int], re.Pattern]:
    """(compact, objective number) -> compiled keyword pattern."""
    vocab = load_vocab("compacts.yml")
    return {(compact, int(no)): _words(kws) for compact in ("gcm", "gcr") for no, kws in vocab[compact].items()}


@lru_cache(maxsize=1)
def themes_by_id() -> dict[str, dict]:
    """Theme id -> its vocabulary entry."""
    return {t["id"]: t for t in load_vocab("themes.yml")["themes"]}


@lru_cache(maxsize=1)
def indicator_rules() -> dict[str, tuple[dict, re.Pattern | None]]:
    """Indicator id -> (rule, compiled keyword pattern or None)."""
    rules = load_vocab("indicator_links.yml")["indicators"]
    return {k: (r, _words(r["keywords"]) if r.get("keywords") else None) for k, r in rules.items()}


@lru_cache(maxsize=1)
def method_rules() -> dict[str, re.Pattern]:
    """Method -> compiled pattern."""
    return {m: re.compile(rf"(?<![\w-])(?:{p})(?![\w-])", re.I) for m, p in METHOD_RULES.items()}


@lru_cache(maxsize=1)
def theme_prototypes() -> tuple[list[str], np.ndarray]:
    """Theme ids and their embedded descriptions (label + description), one unit vector each."""
    from observatory.evidence.embedding import embed

    themes = load_vocab("themes.yml")["themes"]
    texts = [f"{t['label']}: {t['description']}" for t in themes]
    return [t["id"] for t in themes], embed(texts)


def cosine_confidence(cos: float) -> float:
    """Calibrated probability-like confidence from a cosine similarity."""
    return 1.0 / (1.0 + math.exp(-(cos - COSINE_CENTRE) / COSINE_SCALE))


@dataclass
class ThemeScore:
    """Evidence for one theme on one record."""

    rule: float
    hits: list[str]
    cosine: float | None

    def confidence(self) -> float:
        """Noisy-OR of the rule and model confidences."""
        model = cosine_confidence(self.cosine) if self.cosine is not None else 0.0
        return 1.0 - (1.0 - self.rule) * (1.0 - model)

    def origin(self) -> str:
        """Which rule and/or model produced the label."""
        parts = []
        if self.rule:
            parts.append(f"rule:keywords({', '.join(self.hits[:4])})")
        if self.cosine is not None and cosine_confidence(self.cosine) >= 0.2:
            parts.append(f"{MODEL_ORIGIN}(cos={self.cosine:.2f})")
        return " + ".join(parts) or "none"


def rule_theme_scores(title: str, body: str) -> dict[str, tuple[float, list[str]]]:
    """Keyword-rule confidence per theme: title hits count more, each extra distinct keyword adds 0.1."""
    out = {}
    text = f"{title}\n{body}"
    cut = len(title)
    for theme, pattern in theme_rules().items():
        matches = list(pattern.finditer(text))
        if not matches:
            continue
        hits = sorted({m.group(0).lower() for m in matches})
        base = 0.7 if matches[0].start() < cut else 0.35
        out[theme] = (min(0.95, base + 0.1 * (len(hits) - 1)), hits)
    return out


def theme_labels(record: Record, vector: np.ndarray | None = None) -> list[Label]:
    """Theme labels from keyword rules, plus MiniLM similarity when an embedding is given."""
    body = " ".join([record.abstract or "", "; ".join(record.keywords)])
    rules = rule_theme_scores(record.title, body)
    ids, protos = theme_prototypes() if vector is not None else (list(theme_rules()), None)
    cosines = dict(zip(ids, (protos @ vector).tolist(), strict=True)) if protos is not None else {}
    labels = []
    for theme in ids:
        rule, hits = rules.get(theme, (0.0, []))
        score = ThemeScore(rule, hits, cosines.get(theme))
        conf = score.confidence()
        if conf >= THEME_THRESHOLD:
            labels.append(Label(kind=LabelKind.theme, value=theme, confidence=round(conf, 3), origin=score.origin()))
    return labels


def compact_labels(text: str, themes: list[Label], keywords: bool = True) -> list[Label]:
    """GCM (1-23) and GCR (1-4) objectives from theme links and direct keyword rules."""
    best: dict[tuple[str, int], tuple[float, str]] = {}

    def offer(key: tuple[str, int], conf: float, origin: str) -> None:
        if conf > best.get(key, (0.0, ""))[0]:
            best[key] = (conf, origin)

    by_id = themes_by_id()
    for lab in themes:
        spec = by_id[lab.value]
        for no in spec.get("gcm", []):
            offer(("gcm", no), 0.8 * lab.confidence, f"rule:theme({lab.value})")
        for no in spec.get("gcr", []):
            offer(("gcr", no), 0.6 * lab.confidence, f"rule:theme({lab.value})")
    for key, pattern in compact_rules().items() if keywords else ():
        hits = sorted({m.group(0).lower() for m in pattern.finditer(text)})
        if hits:
            offer(key, min(0.9, 0.6 + 0.1 * (len(hits) - 1)), f"rule:keywords({', '.join(hits[:3])})")
    return [
        Label(kind=LabelKind(compact), value=str(no), confidence=round(conf, 3), origin=origin)
        for (compact, no), (conf, origin) in sorted(best.items())
        if conf >= 0.45
    ]


def method_label(record: Record) -> Label | None:
    """Research method from the record type or keyword rules."""
    if record.method is not None:
        return Label(kind=LabelKind.method, value=record.method.value, confidence=1.0, origin="source")
    if record.type.value == "legal_decision":
        return Label(kind=LabelKind.method, value="legal", confidence=0.95, origin="rule:type(legal_decision)")
    text = record.text()
    found = {m: sorted({x.group(0).lower() for x in p.finditer(text)}) for m, p in method_rules().items()}
    if found["meta_analysis"]:
        return Label(
            kind=LabelKind.method,
            value="meta_analysis",
            confidence=0.85,
            origin=f"rule:keywords({found['meta_analysis'][0]})",
        )
    if found["qualitative"] and found["quantitative"]:
        return Label(
            kind=LabelKind.method, value="mixed", confidence=0.6, origin="rule:keywords(qualitative+quantitative)"
        )
    for method in ("qualitative", "quantitative"):
        if found[method]:
            conf = min(0.9, 0.55 + 0.1 * len(found[method]))
            return Label(
                kind=LabelKind.method,
                value=method,
                confidence=conf,
                origin=f"rule:keywords({', '.join(found[method][:3])})",
            )
    return None


@lru_cache(maxsize=1)
def _corridor_patterns() -> list[re.Pattern]:
    """'<origin> migrants in <destination>' and 'from <origin> to <destination>' patterns."""
    forms = surface_alternation()
    people = (
        r"(?:s|es)?\s+(?:[\w-]+\s+){0,3}?(?:in|to|into|living in|resettled in|arriving in|settled in)\s+(?:the\s+)?"
    )
    return [
        # each form checks the word start itself (see gazetteer.WORD_START)
        re.compile(rf"(?P<o>{forms}){people}(?P<d>{forms})(?![\w-])"),
        re.compile(rf"from(?<!\wfrom)\s+(?:the\s+)?(?P<o>{forms})\s+to\s+(?:the\s+)?(?P<d>{forms})(?![\w-])"),
    ]


def area_labels(record: Record) -> list[Label]:
    """Countries mentioned (title mentions a little more certain) and origin -> destination corridors."""
    labels = []
    title_hits = {m.iso3 for m in find_countries(record.title)}
    for m in find_countries(record.text()):
        conf = min(0.99, m.confidence + (0.05 if m.iso3 in title_hits else 0.0))
        labels.append(Label(kind=LabelKind.area, value=m.iso3, confidence=conf, origin=f"{m.rule}({m.text})"))
    table = gazetteer()
    for pattern in _corridor_patterns():
        for match in pattern.finditer(record.text()):
            orig, dest = table[match.group("o")][0], table[match.group("d")][0]
            if orig != dest:
                labels.append(
                    Label(
                        kind=LabelKind.corridor,
                        value=f"{orig}-{dest}",
                        confidence=0.6,
                        origin=f"rule:corridor_phrase({match.group(0)[:60]})",
                    )
                )
    return labels


def indicator_labels(record: Record, labels: list[Label]) -> list[Label]:
    """Indicator links from the theme/keyword rules in indicator_links.yml."""
    themes = {lab.value: lab.confidence for lab in labels if lab.kind == LabelKind.theme}
    has_corridor = any(lab.kind == LabelKind.corridor for lab in labels)
    text = record.text()
    out = []
    for indicator, (rule, keywords) in indicator_rules().items():
        if rule.get("corridor") and has_corridor:
            out.append(Label(kind=LabelKind.indicator, value=indicator, confidence=0.7, origin="rule:corridor"))
            continue
        if record.type.value in rule.get("types", []):
            out.append(
                Label(
                    kind=LabelKind.indicator, value=indicator, confidence=0.8, origin=f"rule:type({record.type.value})"
                )
            )
            continue
        matched = [t for t in rule.get("themes", []) if t in themes]
        if not matched:
            continue
        if keywords is not None and not keywords.search(text):
            continue
        conf = max(themes[t] for t in matched) * 0.8
        out.append(
            Label(
                kind=LabelKind.indicator, value=indicator, confidence=round(conf, 3), origin=f"rule:theme({matched[0]})"
            )
        )
    return out


def classify(record: Record, vector: np.ndarray | None = None) -> list[Label]:
    """All machine labels for a record; labels supplied by the source are kept and win over computed ones."""
    labels = list(record.labels)
    given = {(lab.kind, lab.value) for lab in labels}

    def add(new: list[Label]) -> None:
        for lab in new:
            if (lab.kind, lab.value) not in given:
                labels.append(lab)
                given.add((lab.kind, lab.value))

    add(area_labels(record))
    # Index-only records (no abstract, not embedded: e.g. tribunal decision stubs) keep their source themes;
    # the text rules would only re-read a templated title.
    full = record.embed_text or bool(record.abstract)
    if full:
        add(theme_labels(record, vector))
    themes = [lab for lab in labels if lab.kind == LabelKind.theme]
    add(compact_labels(record.text(), themes, keywords=full))
    method = method_label(record)
    add([method] if method else [])
    add(indicator_labels(record, labels))
    return labels
