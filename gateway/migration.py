"""`gateway check --openig DIR`: a migration report for a folder of OpenIG route files.

Per file: it loads, it is refused (it uses a type the gateway does not run, with the reason and
what to use instead), or it fails (any other problem, each with its JSON path); then a summary."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gateway.errors import ConfigError
from gateway.lint import check_settings
from gateway.settings import Settings, load_settings

# The words the heap uses for a refused type (heap/build.py), which set refusals apart from mistakes.
REFUSED_MARK = "is not supported: "


@dataclass
class FileVerdict:
    """One route file's outcome."""

    file: str
    refused: list[ConfigError]
    problems: list[ConfigError]

    @property
    def outcome(self) -> str:
        """loads, refused or fails (a refused type counts first: fixing the rest would not make it load)."""
        return "refused" if self.refused else "fails" if self.problems else "loads"


def migration_report(folder: Path, config: Path | None = None) -> list[FileVerdict]:
    """The verdict on every route file of `folder`, loaded as `gateway serve` would load it."""
    settings = load_settings(config) if config else Settings(routes=str(folder))
    report = check_settings(settings, [folder])
    by_file: dict[str, list[ConfigError]] = {}
    for error in report.errors:
        by_file.setdefault(error.file or str(folder), []).append(error)
    files = [str(path) for path in sorted(folder.iterdir()) if path.suffix == ".json" and path.is_file()]
    return [_verdict(file, by_file.get(file, [])) for file in dict.fromkeys([*files, *by_file])]


def _verdict(file: str, errors: list[ConfigError]) -> FileVerdict:
    refused = [e for e in errors if REFUSED_MARK in e.message]
    return FileVerdict(file, refused, [e for e in errors if e not in refused])


def report_lines(verdicts: list[FileVerdict]) -> Iterator[str]:
    """The report as text: a line per file, one per reason below it, and the summary."""
    for verdict in verdicts:
        yield f"{Path(verdict.file).name}: {verdict.outcome}"
        for error in verdict.refused + verdict.problems:
            yield f"    {error.path}: {error.message}"
    counts = {kind: sum(v.outcome == kind for v in verdicts) for kind in ("loads", "refused", "fails")}
    yield f"{len(verdicts)} file(s): {counts['loads']} load, {counts['refused']} refused, {counts['fails']} fail"
