"""Regenerate the synthetic fixture files (no real people): python tests/firewall/data/make_fixtures.py."""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).parent
COLUMNS = ["nationality", "sex", "age", "legal_status", "location", "service", "month"]


def shelter_a() -> list[list[str]]:
    """60 synthetic people; legal aid: 24 women and 1 man (the differencing target); one rare nationality (ISL)."""
    rng = random.Random(8)
    rows: list[list[str]] = []
    nats = ["SYR"] * 22 + ["AFG"] * 20 + ["ERI"] * 17 + ["ISL"]
    for i, nat in enumerate(nats):
        sex = "female" if i % 3 else "male"
        age = str(rng.choice([8, 15, 21, 29, 33, 41, 47, 58]))
        status = rng.choice(["asylum_seeker", "refugee", "undocumented", "detained"])
        location = rng.choice(["GRC-I", "GRC-B"])
        month = f"2024-{rng.randint(1, 12):02d}"
        rows.append([nat, sex, age, status, location, "shelter", month])
    for i in range(25):
        rows[i][5] = "legal_aid"
        rows[i][1] = "male" if i == 0 else "female"
    rows[59][5] = "health"
    rows[59][4] = "GRC-Z9"  # a rare location too
    return rows


def clinic_b() -> list[list[str]]:
    """15 synthetic people from a second organisation."""
    rng = random.Random(9)
    return [
        [
            "AFG" if i % 2 else "SYR",
            "female" if i % 2 else "male",
            str(rng.choice([19, 27, 36])),
            "refugee",
            "GRC-I",
            "health",
            f"2024-{rng.randint(1, 12):02d}",
        ]
        for i in range(15)
    ]


def write_csv(name: str, header: list[str], rows: list[list[str]]) -> None:
    """Write one CSV fixture."""
    with open(HERE / name, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    """Write every fixture file."""
    write_csv("shelter_a.csv", COLUMNS, shelter_a())
    write_csv("clinic_b.csv", COLUMNS, clinic_b())
    base = clinic_b()[:3]
    write_csv(
        "with_names.csv",
        ["full_name", *COLUMNS],
        [["Amina Haddad", *base[0]], ["Yusuf Karimi", *base[1]], ["Selam Tesfaye", *base[2]]],
    )
    write_csv("hidden_email.csv", [*COLUMNS, "contact"], [[*r, f"person{i}@example.org"] for i, r in enumerate(base)])
    write_csv(
        "hidden_phone.csv",
        [*COLUMNS[:-1], "month"],
        [[*r[:-1], r[-1]] for r in base[:2]] + [[*base[2][:-1], "+30 691 234 5678"]],
    )
    write_csv(
        "birth_dates.csv",
        ["nationality", "sex", "age", "legal_status", "month"],
        [["SYR", "female", "1990-04-17", "refugee", "2024-03"]],
    )
    write_csv("free_notes.csv", [*COLUMNS, "info"], [[*base[0], "came with two children from the coast"]])
    write_csv("passport.csv", [*COLUMNS, "ref"], [[*base[0], "P4471925"]])
    write_csv(
        "bad_value.csv", COLUMNS, [base[0], base[1], ["SYR", "female", "34", "tourist", "GRC-I", "health", "2024-03"]]
    )
    write_csv("short_row.csv", COLUMNS, [base[0], base[1][:4]])
    (HERE / "latin1.csv").write_bytes(
        ("nationality,sex,age,legal_status,location,service,month\n" + ",".join(base[0]) + "\n").encode()
        + "SYR,female,30,refugee,GRC-I,health,2024-03,caf\u00e9\n".encode("latin-1")
    )
    write_xlsx()


def write_xlsx() -> None:
    """A valid one-sheet XLSX with 12 synthetic people."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for row in clinic_b()[:12]:
        sheet.append([row[0], row[1], int(row[2]), *row[3:]])
    book.save(HERE / "clinic_b.xlsx")


if __name__ == "__main__":
    main()
