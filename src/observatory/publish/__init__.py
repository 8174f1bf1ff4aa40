(
    """Publications from a release: country Migration Profiles, corridor profiles, two-page briefs, assessment and """
    """thematic reports."""
)
