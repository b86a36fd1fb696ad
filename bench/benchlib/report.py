"""The result table (printed) and the JSON record (bench/results/<timestamp>.json)."""

from __future__ import annotations

import statistics

from .runs import MYSQL_TO_PG, RunResult

SHORT_PATH = {MYSQL_TO_PG: "MySQL→PG"}


def short_path(path: str) -> str:
    """MySQL→PG / PG→PG."""
    return SHORT_PATH.get(path, "PG→PG")


def ratios(results: list[RunResult]) -> dict[int, dict[str, float | str]]:
    """For each verified transship run (by index): peer tool -> transship time / peer time on the same path.

    A peer that did not produce a verified result gets its status instead of a number.
    """
    out: dict[int, dict[str, float | str]] = {}
    for i, r in enumerate(results):
        if not r.tool.startswith("transship") or r.status != "ok":
            continue
        out[i] = {}
        for peer in results:
            if peer.tool.startswith("transship") or peer.path != r.path or peer.round != r.round:
                continue
            out[i][peer.tool] = (
                round(r.wall_s / peer.wall_s, 2) if peer.status == "ok" and peer.wall_s else peer.status
            )
    return out


def medians(results: list[RunResult]) -> list[dict[str, object]]:
    """Per tool and path over the rounds: the median total wall time, and for transship the ratio of its median
    to each peer's median (a tool with a failed or wrong round gets that status instead of a median)."""
    groups: dict[tuple[str, str], list[RunResult]] = {}
    for r in results:
        if r.status != "skipped":
            groups.setdefault((r.tool, r.path), []).append(r)
    out: list[dict[str, object]] = []
    for (tool, path), runs in groups.items():
        bad = [r.status for r in runs if r.status != "ok"]
        walls = [round(r.wall_s, 3) for r in runs]
        out.append({"tool": tool, "path": path, "runs": len(runs), "wall_s": walls,
                    "median_wall_s": None if bad else round(statistics.median(walls), 3),
                    "status": bad[0] if bad else "ok"})  # fmt: skip
    for entry in out:
        if not str(entry["tool"]).startswith("transship") or entry["median_wall_s"] is None:
            continue
        entry["ratio_vs_peer"] = {
            str(peer["tool"]): round(float(entry["median_wall_s"]) / float(peer["median_wall_s"]), 2)  # type: ignore[arg-type]
            if peer["median_wall_s"]
            else peer["status"]
            for peer in out
            if not str(peer["tool"]).startswith("transship") and peer["path"] == entry["path"]
        }
    return out


def median_table(results: list[RunResult]) -> str:
    """Medians over the rounds, with transship's ratios to its peers (the numbers issue 13's targets are in)."""
    rounds = 1 + max((r.round for r in results), default=0)
    head = f"{'tool':<20} {'path':<8} {'median wall':>11}  {'runs':<28} vs peer (ratio of medians)"
    lines = [f"medians of {rounds} round(s):", head, "-" * len(head)]
    for m in medians(results):
        runs = ", ".join(f"{w:.2f}" for w in m["wall_s"])  # type: ignore[attr-defined]
        median = f"{m['median_wall_s']:10.2f}s" if m["median_wall_s"] is not None else f"{m['status']:>11}"
        ratio = m.get("ratio_vs_peer")
        note = (
            ", ".join(f"{v:.2f}× {p}" if isinstance(v, float) else f"{p} {v}" for p, v in ratio.items())
            if isinstance(ratio, dict) and ratio
            else "(peer)"
        )
        lines.append(f"{m['tool']:<20} {short_path(str(m['path'])):<8} {median}  {runs:<28} {note}")
    return "\n".join(lines)


def fmt_rss(kb: int) -> str:
    """kB as MB or GB."""
    return f"{kb / 1024 / 1024:.2f} GB" if kb >= 1024 * 1024 else f"{kb / 1024:.0f} MB"


def table(results: list[RunResult], total_rows: int) -> str:
    """The side-by-side table: every step of every run, then its total with rows/s and ratios vs peers."""
    ratio = ratios(results)
    head = f"{'tool':<20} {'path':<8} {'step':<34} {'wall':>9} {'peak RSS':>9} {'tool CPU':>9} {'machine CPU':>11} {'rows/s':>10}  vs peer (time ratio)"
    lines = [head, "-" * len(head)]
    for i, r in enumerate(results):
        path = short_path(r.path)
        if r.status == "skipped":
            lines.append(
                f"{r.tool:<20} {path:<8} {'SKIPPED':<34} {'':>9} {'':>9} {'':>9} {'':>11} {'':>10}  {r.reason}"
            )
            continue
        if len(r.steps) > 1:
            for m in r.steps:
                lines.append(
                    f"{r.tool:<20} {path:<8} {m.label:<34} {m.wall_s:8.2f}s {fmt_rss(m.max_rss_kb):>9} {m.user_s + m.sys_s:8.2f}s {m.machine_cpu_s:10.2f}s"
                )
        if r.status == "ok":
            rows_s = f"{total_rows / r.wall_s:,.0f}" if r.wall_s else "-"
            if i in ratio:
                note = (
                    ", ".join(
                        f"{v:.2f}× {peer}" if isinstance(v, float) else f"{peer} {v}"
                        for peer, v in ratio[i].items()
                    )
                    or "no peer ran"
                )
            else:
                note = "(peer)"
            lines.append(
                f"{r.tool:<20} {path:<8} {'TOTAL':<34} {r.wall_s:8.2f}s {fmt_rss(r.peak_rss_kb):>9} {r.cpu_s:8.2f}s {r.machine_cpu_s:10.2f}s {rows_s:>10}  {note}"
            )
        else:
            label = "FAILED" if r.status == "failed" else "WRONG RESULT"
            lines.append(
                f"{r.tool:<20} {path:<8} {label:<34} {r.wall_s:8.2f}s {'':>9} {'':>9} {'':>11} {'':>10}  {r.reason}"
            )
    return "\n".join(lines)


def as_json(results: list[RunResult], total_rows: int) -> list[dict[str, object]]:
    """Every run as a JSON object (steps, totals, rows/s, verification, ratios vs peers)."""
    ratio = ratios(results)
    out = []
    for i, r in enumerate(results):
        out.append(
            {
                "tool": r.tool,
                "path": r.path,
                "round": r.round,
                "status": r.status,
                "reason": r.reason,
                "wall_s": round(r.wall_s, 3),
                "peak_rss_kb": r.peak_rss_kb,
                "tool_cpu_s": round(r.cpu_s, 2),
                "machine_cpu_s": round(r.machine_cpu_s, 2),
                "rows_per_s": round(total_rows / r.wall_s) if r.status == "ok" and r.wall_s else None,
                "ratio_vs_peer": ratio.get(i, {}),
                "steps": [m.as_dict() for m in r.steps],
                "verification": r.verification,
            }
        )
    return out
