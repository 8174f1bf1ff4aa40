"""The portal's gettext catalogues: extract messages, update the five `.po` files, check they are complete.

    .venv/bin/python scripts/messages.py extract   # messages.pot from babel.cfg (web Python code and templates)
    .venv/bin/python scripts/messages.py update    # merge the template into locale/<lang>/LC_MESSAGES/messages.po
    .venv/bin/python scripts/messages.py check     # exit 1 naming every missing, fuzzy or obsolete message

The `.po` files are compiled in memory when a language is first served (observatory.i18n.messages), so there is no
compile step and no `.mo` file to keep in step.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from observatory.i18n.messages import LOCALE_DIR, TRANSLATED_LANGUAGES, catalogue_path  # noqa: E402
from observatory.web.templating import declared_messages  # noqa: E402

TEMPLATE = LOCALE_DIR / "messages.pot"
MAPPING = ROOT / "babel.cfg"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extracted() -> Catalog:
    """Every message of the mapped files, with where it is used."""
    from babel.messages.frontend import parse_mapping_cfg

    with MAPPING.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalog = Catalog(project="Migration Observatory", domain="messages", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    for message in declared_messages():
        if message not in catalog:
            catalog.add(message, None, [("src/observatory/web/templating.py", 0)], auto_comments=["declared elsewhere"])
    return catalog


def extract() -> Catalog:
    """Write messages.pot."""
    catalog = extracted()
    LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    with TEMPLATE.open("wb") as handle:
        write_po(handle, catalog, width=120, sort_output=True)
    print(f"{len(catalog)} messages -> {TEMPLATE.relative_to(ROOT)}")
    return catalog


def update() -> None:
    """Merge the fresh template into every language's catalogue (new messages empty, vanished ones dropped)."""
    template = extract()
    for lang in TRANSLATED_LANGUAGES:
        path = catalogue_path(lang)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, project="Migration Observatory", domain="messages", charset="utf-8")
        # No fuzzy matching: a guessed translation of a similar message is worse than an empty one the check finds.
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as handle:
            write_po(handle, catalog, width=120, sort_output=True, ignore_obsolete=True)
        print(f"{lang}: {problems_of(catalog, template)} problem(s)")


def problems_of(catalog: Catalog, template: Catalog) -> int:
    """How many messages of the template are untranslated or fuzzy in one catalogue."""
    found = [catalog.get(m.id) for m in template if m.id]
    return sum(1 for m in found if m is None or not m.string or m.fuzzy)


def check() -> int:
    """0 when every language translates every extracted message, without fuzzy entries; 1 naming each gap."""
    template = extracted()
    failures = []
    for lang in TRANSLATED_LANGUAGES:
        with catalogue_path(lang).open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        for message in template:
            if not message.id:
                continue
            found = catalog.get(message.id)
            if found is None or not found.string:
                failures.append(f"{lang}: missing {message.id!r}")
            elif found.fuzzy:
                failures.append(f"{lang}: fuzzy {message.id!r}")
    print("\n".join(failures) or f"{len(template)} messages translated in {', '.join(TRANSLATED_LANGUAGES)}")
    return 1 if failures else 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "check":
        sys.exit(check())
    else:
        sys.exit(__doc__)
