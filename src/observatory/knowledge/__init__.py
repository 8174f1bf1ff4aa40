"""The knowledge layer: research directory, policy and practice registry, dialogues (themes, workshops, papers)."""
