"""The terminal keeps no language: `/lang` says to use --lang, and nothing is stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.test_bad_starts import env_for, migrated_database, supportlive


def test_lang_in_the_terminal_changes_no_later_answer(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    migrated_database(Path(env["DATABASE_PATH"]))

    code, out, err = supportlive("ask", "/lang zh", env=env, cwd=tmp_path)
    assert code == 0, err
    assert out.strip() == (
        '终端不会记住语言：请在每条命令后加 --lang zh，例如 supportlive ask "/status" --lang zh'
    )
    code, out, err = supportlive("ask", "/help", env=env, cwd=tmp_path)
    assert code == 0, err
    assert out.startswith("supportlive — is support live now?")
    with sqlite3.connect(env["DATABASE_PATH"]) as db:
        assert db.execute("SELECT count(*) FROM preferences").fetchone()[0] == 0
    db.close()


def test_a_language_stored_by_an_older_version_is_ignored(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    migrated_database(Path(env["DATABASE_PATH"]))
    with sqlite3.connect(env["DATABASE_PATH"]) as db:
        db.execute(
            "INSERT INTO preferences (platform, user_id, locale, updated_at) VALUES (?, ?, ?, 0)",
            ("console", "console", "zh"),
        )
    db.close()
    code, out, err = supportlive("ask", "/help", env=env, cwd=tmp_path)
    assert code == 0, err
    assert out.startswith("supportlive — is support live now?")
    code, out, err = supportlive("ask", "/help", "--lang", "zh", env=env, cwd=tmp_path)
    assert code == 0, err
    assert not out.startswith("supportlive — is support live now?")


def test_lang_without_a_word_in_the_terminal_names_the_option(tmp_path: Path) -> None:
    code, out, err = supportlive("ask", "/lang", env=env_for(tmp_path), cwd=tmp_path)
    assert code == 0, err
    assert out.strip() == (
        "The terminal remembers no language: add --lang zh to each command, "
        'e.g. supportlive ask "/status" --lang zh'
    )
