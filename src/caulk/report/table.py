"""Human report: findings grouped by rule, severity-coloured, one summary line at the end.

Every string that comes from the image, the registry or the advisory data goes through
`caulk.terminal.printable` (`_p`): its control characters are shown escaped, never sent raw."""

from __future__ import annotations

import dataclasses
import io
from itertools import groupby

from rich.console import Console
from rich.table import Table
from rich.text import Text

from caulk import terminal
from caulk.match.interface import Vulnerability
from caulk.model import Finding, Location, ScanResult, Severity
from caulk.report.coverage import unchecked_groups

__all__ = ["render_table"]

_p = terminal.printable

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
    return _p(" · ".join(parts)) or "image"


def _append_counts(text: Text, severities: list[Severity], unknown: str = "UNKNOWN") -> None:
    counts = [(s, severities.count(s)) for s in reversed(Severity)]
    shown = [(s, n) for s, n in counts if n]
    if shown:
        text.append(" (")
        for i, (sev, n) in enumerate(shown):
            if i:
                text.append(", ")
            label = unknown if sev is Severity.UNKNOWN else sev.name
            text.append(f"{n} {label}", style=_STYLE[sev])
        text.append(")")


def _summary(result: ScanResult) -> Text:
    text = Text(f"{_p(result.target.reference)}: ")
    total = len(result.findings)
    text.append(f"{total} finding{'s' if total != 1 else ''}")
    _append_counts(text, [f.severity for f in result.findings])
    if result.packages is not None:
        vulns = [v.severity for v in result.vulnerabilities if v.ignored is None]
        text.append(f"; {len(vulns)} vulnerabilit{'y' if len(vulns) == 1 else 'ies'}")
        _append_counts(text, vulns, unknown="unrated")
    coverage = result.coverage
    if coverage is not None and coverage.unchecked:
        text.append(
            f", {len(coverage.unchecked)} of {coverage.packages} packages not checked",
            style="bold magenta",
        )
    if result.unknowns:
        text.append(f", {len(result.unknowns)} not understood (see unknowns)", style="magenta")
    return text


def _rated_by(v: Vulnerability) -> str:
    """`nvd 9.8`, `debian` (a label), `ghsa 7.5`; `-` when nothing rated it."""
    if not v.severity_source:
        return "-"
    if v.cvss_score is not None and v.cvss_source == v.severity_source:
        return f"{v.severity_source} {v.cvss_score:.1f}"
    return v.severity_source


def _exploit(v: Vulnerability) -> Text:
    parts = [("KEV", "bold red")] if v.kev else []
    if v.epss is not None:
        parts.append((f"EPSS {v.epss * 100:.1f}%", "red" if v.epss >= 0.1 else ""))
    text = Text()
    for i, (label, style) in enumerate(parts):
        text.append(" " if i else "")
        text.append(label, style=style)
    return text


def _vulnerability_table(console: Console, result: ScanResult) -> None:
    shown = [v for v in result.vulnerabilities if v.ignored is None]
    ignored = len(result.vulnerabilities) - len(shown)
    if result.packages is None:
        return
    console.print()
    distro = result.distro
    where = f" on {_p(distro.pretty_name or distro.id + ' ' + distro.version_id)}" if distro else ""
    console.print(
        Text.assemble(
            ("Vulnerabilities", "bold"),
            f" ({len(shown)} in {len(result.packages)} packages{where}",
            f", {ignored} ignored)" if ignored else ")",
        )
    )
    if not shown:
        return
    table = Table(box=None, pad_edge=True, padding=(0, 1, 0, 2), header_style="bold")
    for column in ("severity", "rated by", "exploited", "id", "package", "installed", "fixed in"):
        table.add_column(column, overflow="fold")
    table.add_column("title", overflow="fold", max_width=36)
    for v in shown:
        fixed = v.fixed_version or v.fix_state.replace("_", " ")
        package = v.package_name
        if v.source_package:
            package += f" ({v.source_package})"
        table.add_row(
            Text(v.severity.name, style=_STYLE[v.severity]),
            _p(_rated_by(v)),
            _exploit(v),  # built from numbers and fixed labels
            _p(v.id),
            _p(package),
            _p(v.package_version),
            _p(fixed),
            _p((v.title[:35] + "…") if len(v.title) > 36 else v.title),
        )
    console.print(table)


def _coverage(console: Console, result: ScanResult) -> None:
    """What the vulnerability list cannot speak for: unchecked packages, grouped by reason."""
    coverage = result.coverage
    if coverage is None:
        return
    console.print()
    console.print(f"Coverage: {coverage.checked} of {coverage.packages} packages checked")
    for label, detail, items in unchecked_groups(coverage):
        names = sorted({f"{u.name} {u.version}" for u in items})
        shown = ", ".join(names[:6]) + (f", … and {len(names) - 6} more" if len(names) > 6 else "")
        console.print(
            Text.assemble(
                (f"  not checked ({label}): {len(items)}", "magenta"), f" — {detail}: {shown}"
            )
        )


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
            (_p(t.reference), "bold"),
            _p(f"  {t.digest}  {t.os}/{t.architecture}  {t.layer_count} layers"),
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
                _p(f" {rule_id}  {first.title} ({len(group)})"),
            )
        )
        table = Table(show_header=False, box=None, pad_edge=True, padding=(0, 1, 0, 2))
        table.add_column("where", overflow="fold", max_width=60)
        table.add_column("message", overflow="fold")
        for f in group:
            table.add_row(_where(f.location), _p(f.message))
        console.print(table)
        if first.remediation:
            console.print(Text(f"  fix: {_p(first.remediation)}", style="dim"))
    _vulnerability_table(console, result)
    _coverage(console, result)
    if result.unknowns:
        console.print()
        console.print(Text("Not understood", style="bold magenta"))
        for u in result.unknowns:
            console.print(Text(f"  {_where(u.location)}: {_p(u.reason)}"))
    eff = result.efficiency
    if eff is not None and dataclasses.is_dataclass(eff):
        values = dataclasses.asdict(eff)
        if "efficiency" in values and "wasted_bytes" in values:
            console.print()
            console.print(
                f"Layer efficiency {values['efficiency'] * 100:.2f}%, "
                f"wasted {values['wasted_bytes']:,} bytes"
            )
    for notice in result.notices:
        console.print(Text(f"warning: {_p(notice)}", style="bold yellow"))
    console.print()
    console.print(_summary(result), soft_wrap=True)  # one line, however long: scripts grep it
    # paths not in UTF-8 hold surrogates (surrogateescape): show them as \udcXX, never crash
    return buffer.getvalue().encode("utf-8", "backslashreplace")
