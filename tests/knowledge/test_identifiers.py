"""ORCID (ISO 7064 MOD 11-2) and ROR (MOD 97-10 over base32) check digits, on real identifiers."""

from __future__ import annotations

import pytest

from observatory.knowledge.identifiers import IdentifierError, normalise_orcid, normalise_ror

# Real ORCID iDs from ORCID's documentation (Josiah Carberry and others), one ending in X.
REAL_ORCIDS = ["0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-1694-233X", "0000-0003-1419-2405"]
# Real ROR ids: California Digital Library, Universidad de los Andes, Caltech, UC Berkeley, DataCite, Stanford,
# Cambridge, Oxford, Harvard.
REAL_RORS = ["03yrm5c26", "02mhbdp94", "05dxps055", "01an7q238", "04wxnsj81", "00f54p054", "013meh722", "052gg0110",
             "03vek6s52"]  # fmt: skip


@pytest.mark.parametrize("orcid", REAL_ORCIDS)
def test_real_orcids_pass_in_every_written_form(orcid):
    assert normalise_orcid(orcid) == orcid
    assert normalise_orcid("https://orcid.org/" + orcid) == orcid
    assert normalise_orcid(orcid.replace("-", "").lower()) == orcid


@pytest.mark.parametrize("orcid", REAL_ORCIDS)
def test_every_changed_check_digit_is_refused(orcid):
    for digit in "0123456789X":
        if digit != orcid[-1]:
            with pytest.raises(IdentifierError, match="^author_orcid: ORCID check digit"):
                normalise_orcid(orcid[:-1] + digit, field="author_orcid")


def test_swapped_orcid_digits_are_caught():
    assert normalise_orcid("0000-0002-1825-0097")
    with pytest.raises(IdentifierError, match=r"^orcid: ORCID check digit does not match \(ISO 7064 MOD 11-2\)$"):
        normalise_orcid("0000-0002-8125-0097")


def test_malformed_orcid_names_the_field_without_echoing_it():
    with pytest.raises(IdentifierError, match=r"^orcid: not an ORCID iD \(16 digits in four groups") as error:
        normalise_orcid("secret-value-1234", field="orcid")
    assert str(error.value).startswith("orcid:") and "secret" not in str(error.value)


@pytest.mark.parametrize("ror", REAL_RORS)
def test_real_ror_ids_pass(ror):
    assert normalise_ror(ror) == ror
    assert normalise_ror(f"https://ror.org/{ror.upper()}") == ror


@pytest.mark.parametrize("ror", REAL_RORS)
def test_a_wrong_ror_checksum_is_refused(ror):
    wrong = f"{(int(ror[7:]) + 1) % 100:02d}"
    with pytest.raises(IdentifierError, match="^ror: ROR checksum"):
        normalise_ror(ror[:7] + wrong)


@pytest.mark.parametrize("bad", ["13yrm5c26", "03yrm5c2", "03yrl5c26", "03yrm5c26x", ""])
def test_malformed_ror_ids_are_refused(bad):
    with pytest.raises(IdentifierError, match="^ror: not a ROR id"):
        normalise_ror(bad)
