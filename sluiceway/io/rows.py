"""The reader's output schema and the names shared by its format modules."""

from __future__ import annotations

import pyarrow as pa

from sluiceway.rows import DETAIL, READER_COLUMNS, REASON, STAGE

READ_STAGE = "read"
STRICT_REASONS = ("malformed", "missing_text", "non_string_text", "invalid_utf8", "damaged_file")  # --strict stops
RESERVED_COLUMNS = READER_COLUMNS


class InputError(ValueError):
    """Bad input that stops the run (empty glob, strict mode on a malformed record or a damaged file)."""


def row_schema(keep_fields: tuple[str, ...]) -> pa.Schema:
    fields = [pa.field("id", pa.string()), pa.field("text", pa.large_string())]
    fields += [pa.field(f, pa.string()) for f in keep_fields]
    fields += [pa.field("meta", pa.string()), pa.field("source", pa.string())]
    fields += [pa.field(STAGE, pa.string()), pa.field(REASON, pa.string()), pa.field(DETAIL, pa.string())]
    return pa.schema(fields)


def strict_error(reason: str, detail: str) -> InputError:
    return InputError(f"{detail} ({reason}); rerun without --strict to reject such records")
