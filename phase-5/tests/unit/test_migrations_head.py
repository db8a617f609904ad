"""The start-up shortcut (skip alembic when the database is at head) must agree with alembic."""

from alembic.config import Config
from alembic.script import ScriptDirectory

from storage.db import MIGRATIONS_DIR, head_revision


def test_head_read_from_files_is_alembics_single_head() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert heads == [head_revision()]
