"""bashlex read into caulk's `Script` commands: the reference the tokenizer is cross-checked
against (test only; bashlex is a dev dependency, not a product path)."""

from __future__ import annotations

from typing import Any

from caulk.check.dockerfile.shell import Command, Word

__all__ = ["bashlex_commands"]


def bashlex_commands(text: str) -> tuple[tuple[Command, ...], tuple[int, ...]]:
    """Commands and pipe offsets as bashlex sees them; raises whatever bashlex raises."""
    return _Bashlex(text).run()


class _Bashlex:
    def __init__(self, text: str) -> None:
        self.text = text
        self.commands: list[Command] = []
        self.pipes: list[int] = []
        self.op_after: dict[int, str] = {}
        self.pipeline_of: dict[int, int] = {}
        self.npipes = 0

    def run(self) -> tuple[tuple[Command, ...], tuple[int, ...]]:
        import bashlex

        for node in bashlex.parse(self.text):
            self.visit(node)
        cmds = sorted(self.commands, key=lambda c: c.start)
        return tuple(cmds), tuple(sorted(self.pipes))

    def visit(self, node: Any) -> None:
        kind = node.kind
        if kind == "command":
            self.command(node)
        elif kind == "list":
            parts = node.parts
            for k, part in enumerate(parts):
                if part.kind == "operator":
                    continue
                if (
                    part.kind == "command"
                    and k + 1 < len(parts)
                    and parts[k + 1].kind == "operator"
                ):
                    self.op_after[part.pos[0]] = parts[k + 1].op
                self.visit(part)
        elif kind == "pipeline":
            pid = self.npipes
            self.npipes += 1
            for part in node.parts:
                if part.kind == "pipe":
                    self.pipes.append(part.pos[0])
                else:
                    self.mark_pipeline(part, pid)
                    self.visit(part)
        elif kind == "compound":
            for part in node.list:
                self.visit(part)
        else:
            for part in getattr(node, "parts", None) or ():
                self.visit(part)
            sub = getattr(node, "command", None)
            if sub is not None:
                self.visit(sub)
            inner = getattr(node, "list", None)
            if isinstance(inner, list):
                for part in inner:
                    self.visit(part)

    def mark_pipeline(self, node: Any, pid: int) -> None:
        if node.kind == "command":
            self.pipeline_of[node.pos[0]] = pid

    def command(self, node: Any) -> None:
        words: list[Any] = []
        for part in node.parts:
            if part.kind == "word":
                words.append(part)
                for sub in getattr(part, "parts", None) or ():
                    self.visit(sub)
            elif part.kind == "redirect":
                out = getattr(part, "output", None)
                if out is not None and not isinstance(out, int):
                    for sub in getattr(out, "parts", None) or ():
                        self.visit(sub)
            elif part.kind == "assignment":
                for sub in getattr(part, "parts", None) or ():
                    self.visit(sub)
        if not words:
            return
        start, end = node.pos
        first = words[0]
        self.commands.append(
            Command(
                name=first.word.rsplit("/", 1)[-1] if "/" in first.word.rstrip("/") else first.word,
                words=tuple(Word(w.word, w.pos[0], w.pos[1]) for w in words[1:]),
                start=first.pos[0],
                end=end,
                pipeline=self.pipeline_of.get(start, -1),
                op_after=self.op_after.get(start),
            )
        )
