"""Import and export: CoNLL, JSONL, CSV/TSV, plain text, Hugging Face datasets."""
from workbench.formats.errors import FormatError
from workbench.formats.importer import ImportReport, import_file, parse_file, preview_file
from workbench.formats.readers import READERS, guess_format
from workbench.formats.writers import WRITERS, export_file

IMPORT_FORMATS = tuple(READERS)
EXPORT_FORMATS = tuple(WRITERS)

__all__ = [
    "EXPORT_FORMATS", "FormatError", "IMPORT_FORMATS", "ImportReport", "export_file",
    "guess_format", "import_file", "parse_file", "preview_file",
]
