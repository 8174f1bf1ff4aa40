"""Evidence library: research records, labels, search, findings with calibrated confidence, and the gap map."""

from observatory.evidence.links import evidence_for_area, evidence_for_corridor, evidence_for_indicator

__all__ = ["evidence_for_area", "evidence_for_corridor", "evidence_for_indicator"]
