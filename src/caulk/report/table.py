"""Human report: findings grouped by rule, severity-coloured, one summary line at the end."""

from __future__ import annotations

import dataclasses
import io
from itertools import groupby

from rich.console import Console
from rich.table import Table
from rich.text import Text

from caulk.model import Finding, Location, ScanResult, Severity

__all__ = ["render_table"]

_STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
    Severity.UNKNOWN: "magenta",
}


def _where(loc: Location) -> str:
    parts = []
    if loc.path:
        where = loc.path
        if loc.line is not None:
            where += f":{loc.line}"
            if loc.column is not None:
                where += f":{loc.column}"
        parts.append(where)
    if loc.field:
        parts.append(loc.field)
    if loc.layer is not None:
        parts.append(f"layer {loc.layer}")
    return " · ".join(parts) or "image"


def _summary(result: ScanResult) -> Text:
    text = Text(f"{result.target.reference}: ")
    total = len(result.findings)
    text.append(f"{total} finding{'s' if total != 1 else ''}")
    counts = [(s, sum(1 for f in result.findings if f.severity == s)) for s in reversed(Severity)]
    shown = [(s, n) for s, n in counts if n]
    if shown:
        text.append(" (")
        for i, (sev, n) in enumerate(shown):
            if i:
                text.append(", ")
            text.append(f"{n} {sev.name}", style=_STYLE[sev])
        text.append(")")
    if result.unknowns:
        text.append(f", {len(result.unknowns)} not understood (see unknowns)", style="magenta")
    return text


def _group_key(f: Finding) -> tuple[int, str]:
    return (-int(f.severity), f.rule_id)


def render_table(result: ScanResult, color: bool = False) -> bytes:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=120 if not color else None,
        highlight=False,
        soft_wrap=False,
    )
    t = result.target
    console.print(
        Text.assemble(
            ("Image ", "bold"),
            (t.reference, "bold"),
            f"  {t.digest}  {t.os}/{t.architecture}  {t.layer_count} layers",
        )
    )
    findings = sorted(result.findings, key=_group_key)
    for (_, rule_id), group_iter in groupby(findings, key=_group_key):
        group = list(group_iter)
        first = group[0]
        console.print()
        console.print(
            Text.assemble(
                (f"{first.severity.name:<8}", _STYLE[first.severity]),
                f" {rule_id}  {first.title} ({len(group)})",
            )
        )
        table = Table(show_header=False, box=None, pad_edge=True, padding=(0, 1, 0, 2))
        table.add_column("where", overflow="fold", max_width=60)
        table.add_column("message", overflow="fold")
        for f in group:
            table.add_row(_where(f.location), f.message)
        console.print(table)
        if first.remediation:
            console.print(Text(f"  fix: {first.remediation}", style="dim"))
    if result.unknowns:
        console.print()
        console.print(Text("Not understood", style="bold magenta"))
        for u in result.unknowns:
            console.print(f"  {_where(u.location)}: {u.reason}")
    eff = result.efficiency
    if eff is not None and dataclasses.is_dataclass(eff):
        values = dataclasses.asdict(eff)  # type: ignore[arg-type]
        if "efficiency" in values and "wasted_bytes" in values:
            console.print()
            console.print(
                f"Layer efficiency {values['efficiency'] * 100:.2f}%, "
                f"wasted {values['wasted_bytes']:,} bytes"
            )
    console.print()
    console.print(_summary(result))
    return buffer.getvalue().encode()
