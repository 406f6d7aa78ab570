"""Problems found in catalog files, each with file, line, a stable code and a human message."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from orchestrator.catalog.model import Source


@dataclass(frozen=True, slots=True)
class CatalogProblem:
    """One thing wrong in the catalog text."""

    file: str
    line: int
    code: str
    message: str

    @classmethod
    def at(cls, source: Source, code: str, message: str) -> CatalogProblem:
        """A problem at a model element's source."""
        return cls(source.file, source.line, code, message)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message} [{self.code}]"


class CatalogInvalid(ValueError):
    """The catalog could not be loaded; ``problems`` lists everything wrong, in file and line order."""

    def __init__(self, problems: Iterable[CatalogProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.code))
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"the catalog has {len(self.problems)} problem(s):\n{lines}")
