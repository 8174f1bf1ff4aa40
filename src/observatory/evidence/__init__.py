"""Evidence library: research records, labels, search, findings with calibrated confidence, and the gap map."""

from observatory.evidence.links import evidence_for_area, evidence_for_corridor, evidence_for_indicator

__all__ = ["evidence_for_area", "evidence_for_corridor", "evidence_for_indicator"]
# Other entry points (imported from their modules to keep `import observatory.evidence` light):
#   observatory.evidence.search.search                      hybrid search, returns plain dicts
#   observatory.evidence.findings.Finding / finding_markdown findings with {confidence} for reports
#   observatory.evidence.gaps.gap_map / render_svg          knowledge-gap tables and SVG
#   observatory.evidence.importer.import_file / import_mirror
