"""CSV files as LibreOffice and Excel write them: BOM, `;`, CRLF, accents, quoted separators."""

from __future__ import annotations

from datetime import date

import pytest

from generator.csvimport import AwardRow, BadDate, CsvError, check_rows, parse_date, read_csv

BOM = b"\xef\xbb\xbf"

# Excel (French locale), "CSV UTF-8 (délimité par des points-virgules)": BOM, `;`, CRLF, and a
# quoted cell holding a `;` and a line break.
EXCEL_FR = (
    BOM
    + (
        "Prénom;Nom;Adresse e-mail;Date d'obtention;Preuve;Commentaire\r\n"
        "Jérôme;Dupont;Jerome.Dupont@Example.org;15/09/2017;https://ex.org/j;"
        '"Atelier ; vélos\r\nà Saint-Nazaire"\r\n'
        "Amina;Diallo;amina.diallo@example.org;16.09.2017;;\r\n"
        ";;;;;\r\n"
    ).encode()
)

# LibreOffice defaults: `,`, LF, no BOM, quotes only where needed.
LIBREOFFICE_EN = (
    "email,name,date,evidence,narrative\n"
    'lea@example.org,"Nguyen, Léa",2017-09-15,,"Said ""hello"", then left"\n'
    "camille@example.org,Camille Martin,,https://ex.org/c,\n"
).encode()


def test_excel_french_export() -> None:
    table = read_csv(EXCEL_FR)
    assert table.unknown_columns == [] and table.notes == []
    assert table.rows == [
        AwardRow(
            2,
            "Jerome.Dupont@Example.org",
            "Jérôme Dupont",
            "15/09/2017",
            "https://ex.org/j",
            "Atelier ; vélos\nà Saint-Nazaire",
        ),
        AwardRow(4, "amina.diallo@example.org", "Amina Diallo", "16.09.2017", None, None),
    ]
    accepted, rejected = check_rows(table.rows, date(2020, 1, 1), set())
    assert rejected == []
    assert [(c.email, c.issued_on) for c in accepted] == [
        ("jerome.dupont@example.org", date(2017, 9, 15)),
        ("amina.diallo@example.org", date(2017, 9, 16)),
    ]


def test_libreoffice_english_export() -> None:
    table = read_csv(LIBREOFFICE_EN)
    assert [r.name for r in table.rows] == ["Nguyen, Léa", "Camille Martin"]
    assert table.rows[0].narrative == 'Said "hello", then left'
    accepted, rejected = check_rows(table.rows, date(2020, 1, 1), set())
    assert rejected == []
    assert [c.issued_on for c in accepted] == [date(2017, 9, 15), date(2020, 1, 1)]


def test_cp1252_is_read_with_a_note() -> None:
    table = read_csv("courriel;nom\r\nx@example.org;Hélène\r\n".encode("cp1252"))
    assert table.rows[0].name == "Hélène"
    assert table.notes and "UTF-8" in table.notes[0]


def test_unknown_columns_are_reported() -> None:
    table = read_csv(b"email,name,shoe size\na@example.org,A,42\n")
    assert table.unknown_columns == ["shoe size"]


def test_no_email_column_is_an_error() -> None:
    with pytest.raises(CsvError, match="no email column"):
        read_csv(b"name,date\nA,2017-01-01\n")
    with pytest.raises(CsvError, match="empty"):
        read_csv(BOM + b"\r\n")


def test_rejections_with_reasons() -> None:
    rows = [
        AwardRow(2, "good@example.org"),
        AwardRow(3, "bad@@example.org"),
        AwardRow(4, "GOOD@example.org "),
        AwardRow(5, "old@example.org", date_text="2017-09-15"),
        AwardRow(6, "when@example.org", date_text="31/02/2017"),
        AwardRow(7, "link@example.org", evidence="not a url"),
        AwardRow(8, ""),
    ]
    accepted, rejected = check_rows(
        rows, date(2020, 1, 1), {("old@example.org", date(2017, 9, 15))}
    )
    assert [c.row.line for c in accepted] == [2]
    reasons = {row.line: reason for row, reason in rejected}
    assert "not a valid email" in reasons[3]
    assert "duplicate of line 2" in reasons[4]
    assert "already has this badge" in reasons[5]
    assert "not a valid date" in reasons[6]
    assert "http(s) URL" in reasons[7]
    assert reasons[8] == "no email"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2017-09-15", date(2017, 9, 15)),
        ("15/09/2017", date(2017, 9, 15)),
        ("5/9/2017", date(2017, 9, 5)),
        ("15.09.17", date(2017, 9, 15)),
        ("15-09-2017", date(2017, 9, 15)),
        ("2017/09/15", date(2017, 9, 15)),
        ("2017-09-15 00:00:00", date(2017, 9, 15)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["09/15/2017", "15 septembre 2017", "2017-13-01", "yesterday"])
def test_bad_dates(text: str) -> None:
    with pytest.raises(BadDate):
        parse_date(text)


# -- malformed files are reported, never read silently wrong (issue 15, item 12) ---------------


def test_unclosed_quote_swallowing_the_next_row_is_rejected_with_its_lines() -> None:
    table = read_csv(b'email,name\na@example.org,"Bob\nc@example.org,Carl\nd@example.org,Dan"\n')
    # The open quote runs on until the next one: one row over three lines.
    assert [row.line for row in table.rows] == [2]
    accepted, rejected = check_rows(table.rows, date(2020, 1, 1), set())
    assert accepted == []
    [(row, reason)] = rejected
    assert row.line == 2
    assert "its name runs over lines 2-4" in reason and "Close the quote" in reason


@pytest.mark.parametrize("column", ["email", "date", "evidence"])
def test_line_break_in_a_one_line_column_is_rejected(column: str) -> None:
    values = {"email": "a@example.org", "date": "2017-01-01", "evidence": "https://ex.org/"}
    values[column] = '"' + values[column][:3] + "\n" + values[column][3:] + '"'
    data = "email,date,evidence\n" + ",".join(values.values()) + "\n"
    [(row, reason)] = check_rows(read_csv(data.encode()).rows, date(2020, 1, 1), set())[1]
    assert f"its {column} runs over lines 2-3" in reason


def test_multi_line_narrative_is_kept_unless_it_holds_rows() -> None:
    good = b'email,narrative\na@example.org,"Led the\nworkshop"\n'
    assert check_rows(read_csv(good).rows, date(2020, 1, 1), set())[1] == []
    swallowed = b'email,narrative\na@example.org,"Led the\nb@example.org,Helped\n'
    with pytest.raises(CsvError, match=r"line 2: a quote .* is never closed"):
        read_csv(swallowed)
    closed_later = b'email,narrative\na@example.org,"Led\nb@example.org,Helped\nc@x.org,C"\n'
    [(_row, reason)] = check_rows(read_csv(closed_later).rows, date(2020, 1, 1), set())[1]
    assert "its narrative runs over lines 2-4" in reason
    # Closed in the middle of a later field: the reader stops there, with the lines.
    closed_mid_field = b'email,name\na@example.org,"Bob\nc@example.org,Carl\nd@x.org,"D"\n'
    with pytest.raises(CsvError, match=r"lines 2-4: .* a quote .* opened on line 2 may be left"):
        read_csv(closed_mid_field)


def test_quote_open_to_the_end_of_the_file_is_an_error() -> None:
    with pytest.raises(CsvError, match=r"line 3: a quote .* is never closed"):
        read_csv(b'email,name\nz@example.org,Zoe\na@example.org,"Bob\nc@example.org,Carl\n')


def test_field_over_the_csv_module_limit_is_an_error() -> None:
    data = b"email,narrative\na@example.org," + b"x" * (200 * 1024) + b"\n"
    with pytest.raises(CsvError, match=r"line 2: a field is longer than 128 KiB"):
        read_csv(data)
