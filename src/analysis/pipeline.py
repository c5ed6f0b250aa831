"""The whole job (`make briefs`): demo data if `data/raw` holds no exports, clean, meetings,
analyse, briefs.

Real exports in `data/raw/dossiers/` always win: the synthetic dataset is generated into
`data/raw/demo/` only when there are none, and the briefs then carry a "DỮ LIỆU MÔ PHỎNG"
banner. Each step is the same code as its own command; `--until` stops early.

A step is skipped when its inputs, parameters, code and outputs are as its last successful run
left them (see analysis.steps); it says so and why it ran otherwise. `--force` reruns every
step, `--force STEP …` the named ones (`--force briefs` also rebuilds every brief).

Steps, in order, and the files each one owns (writes; no other step writes them):

  demo-data  <raw>/demo/** (only without real exports)       stamp <raw>/demo/.steps/
  clean      <processed>/manifest.json and the files it lists  stamp <processed>/.steps/clean.json
             (dossiers, officers, quarantine; analysis.ingest)
  meetings   <processed>/meetings_manifest.json and the files it lists
             (meetings, meeting_mentions, meetings_quarantine; analysis.meetings.step)
                                                              stamp <processed>/.steps/meetings.json
  analyse    <processed>/analysis_manifest.json and the tables it lists
                                                              stamp <processed>/.steps/analyse.json
  briefs     <out>/<period>/*.html, <out>/.build/<period>/    stamp <out>/.build/.steps/briefs.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from analysis import paths, steps
from analysis.arguments import check_raw
from analysis.pipeline_options import add_run_options

SETTINGS_ENV = "CCHC_REPORT_SETTINGS"  # analysis.report.settings (not imported: pandas)


@dataclass
class Context:
    """What the steps of one run share: folders, options and what earlier steps found."""

    args: argparse.Namespace
    raw: Path
    processed: Path
    out: Path
    clean_raw: Path
    meetings_dirs: list[Path]
    synthetic: bool
    summary: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One step: what it reads, its parameters, what it writes, and the function that runs it."""

    name: str
    function: Callable[[Context], bool | None]  # False: finished, but no stamp (a failure)
    inputs: Callable[[Context], list[Path]]
    params: Callable[[Context], dict]
    outputs: Callable[[Context], list[Path]]
    stamp: Callable[[Context], Path]
    extra_code: Callable[[Context], list[Path]] = lambda ctx: []
    applies: Callable[[Context], bool] = lambda ctx: True
    loaded_code: bool = True  # code = the package modules loaded when it ends (+ extra_code)


# ---------------------------------------------------------------- demo-data


def demo_stamp(seed: int, scale: float) -> dict:
    """What the synthetic data depend on: settings and the generator's source.

    Regenerating identical data would still rewrite the xlsx files (their zip metadata
    changes), new checksums would then rebuild every brief; the stamp avoids that.
    """
    import hashlib

    digest = hashlib.sha256()
    for source in demo_code():
        digest.update(source.read_bytes())
    return {"seed": seed, "scale": scale, "generator_sha256": digest.hexdigest()}


def adopt_legacy_demo_stamp(ctx: Context, step: Step) -> None:
    """Data generated before step stamps (`.demo_stamp.json`, same seed, scale and generator) are
    kept: regenerating them would rewrite the xlsx files and so rebuild everything once."""
    legacy = ctx.clean_raw / ".demo_stamp.json"
    if step.stamp(ctx).exists() or not legacy.exists():
        return
    try:
        same = json.loads(legacy.read_text()) == demo_stamp(ctx.args.seed, ctx.args.scale)
    except ValueError:
        return
    if same:
        params, code = step.params(ctx), step.extra_code(ctx)
        outputs = step.outputs(ctx)
        steps.write_stamp(
            step.stamp(ctx), step.name, params, steps.Hasher(), [], outputs, code, False
        )


def demo_code() -> list[Path]:
    return sorted((paths.PACKAGE_DIR / "demo").glob("*.py"))


def run_demo(ctx: Context) -> None:
    from analysis.demo.generate import generate_demo_data

    print(
        f"[demo-data] no export in {ctx.raw / 'dossiers'}: generating synthetic data into "
        f"{ctx.clean_raw}",
        flush=True,
    )
    generate_demo_data(
        ctx.clean_raw,
        seed=ctx.args.seed,
        truth_path=ctx.clean_raw / "truth.json",
        scale=ctx.args.scale,
    )


# ---------------------------------------------------------------- clean


def raw_files(raw: Path, meetings_dirs: list[Path]) -> list[Path]:
    """Every visible file of the raw folder outside the meeting folders (a superset of what
    clean reads: a note added beside the exports reruns clean, never the reverse; a new meeting
    report reruns only the meetings step)."""
    return steps.list_files([raw], skip_dirs=tuple(meetings_dirs))


def clean_inputs(ctx: Context) -> list[Path]:
    return raw_files(ctx.raw, ctx.meetings_dirs)


def clean_params(ctx: Context) -> dict:
    return {
        "raw": str(ctx.clean_raw.resolve()),
        "plausible_dates": os.environ.get("ANALYSIS_PLAUSIBLE_DATES", ""),
    }


def run_clean(ctx: Context) -> None:
    from analysis.ingest.clean import clean_exports
    from analysis.ingest.manifest import describe_rows

    print(f"[clean] {ctx.clean_raw} -> {ctx.processed}", flush=True)
    manifest = clean_exports(ctx.clean_raw, ctx.processed)
    print(f"[clean] {describe_rows(manifest)}")


def _manifest_files(folder: Path, name: str, key: str) -> list[Path]:
    """A manifest and the files it lists (just the manifest path when it cannot be read)."""
    path = folder / name
    try:
        listed = json.loads(path.read_text(encoding="utf-8")).get(key) or {}
    except (OSError, ValueError, AttributeError):
        listed = {}
    return [path, *(folder / str(n) for n in sorted(listed))]


def clean_outputs(ctx: Context) -> list[Path]:
    return _manifest_files(ctx.processed, "manifest.json", "outputs")


# ---------------------------------------------------------------- meetings


def meetings_inputs(ctx: Context) -> list[Path]:
    """The meeting folders' files, and the demo marker (it sets the manifest's `synthetic`)."""
    marker = ctx.clean_raw / "DEMO_DATA.md"
    return steps.list_files(ctx.meetings_dirs) + ([marker] if marker.exists() else [])


def meetings_params(ctx: Context) -> dict:
    return {
        "raw": str(ctx.clean_raw.resolve()),
        "meetings_dirs": [str(d.resolve()) for d in ctx.meetings_dirs],
    }


def run_meetings(ctx: Context) -> None:
    from analysis.meetings.step import describe_meetings, extract_meetings

    print(f"[meetings] {', '.join(map(str, ctx.meetings_dirs))} -> {ctx.processed}", flush=True)
    manifest = extract_meetings(ctx.clean_raw, ctx.processed, meetings_dirs=ctx.meetings_dirs)
    print(f"[meetings] {describe_meetings(manifest)}")


def meetings_outputs(ctx: Context) -> list[Path]:
    return _manifest_files(ctx.processed, "meetings_manifest.json", "outputs")


# ---------------------------------------------------------------- analyse


def analyse_params(ctx: Context) -> dict:
    a = ctx.args
    return {
        "default_late_rate": a.default_late_rate,
        "bootstrap_reps": a.bootstrap_reps,
        "points_766_3_3_max": a.points_766_3_3_max,
    }


def run_analyse(ctx: Context) -> None:
    from analysis.analyse.run import analyse_all

    print(f"[analyse] indicators and models from {ctx.processed}", flush=True)
    options = {k: v for k, v in analyse_params(ctx).items() if v is not None}
    if "points_766_3_3_max" in options:
        options["max_points"] = options.pop("points_766_3_3_max")
    analyse_all(ctx.processed, **options)


def analyse_outputs(ctx: Context) -> list[Path]:
    return _manifest_files(ctx.processed, "analysis_manifest.json", "checksums")


# ---------------------------------------------------------------- briefs


def briefs_inputs(ctx: Context) -> list[Path]:
    """Every visible file of the processed folder (the briefs read clean's and analyse's tables)."""
    return steps.list_files([ctx.processed], skip_dirs=())


def briefs_params(ctx: Context) -> dict:
    return {
        "period": ctx.args.period,
        "communes": ctx.args.communes,
        "out": str(ctx.out.resolve()),
        "settings": os.environ.get(SETTINGS_ENV, ""),
    }


def briefs_code(ctx: Context) -> list[Path]:
    """What the kernels run (they import in their own process): notebooks, the report and
    publish layers, reference data, the settings file."""
    # imported here: loaded earlier, `analysis.publish` would count as code of clean and analyse
    from analysis.publish import BRIEF_CODE

    files = steps.list_files([paths.NOTEBOOKS_DIR])
    for part in BRIEF_CODE:
        where = paths.PACKAGE_DIR / part
        files += [where] if where.is_file() else steps.list_files([where])
    settings = os.environ.get(SETTINGS_ENV)
    files += [Path(settings)] if settings else steps.list_files([paths.ROOT / "config"])
    return files


def describe_rebuilt(built: list[str], cached: list[str], reasons: dict[str, str]) -> str:
    """'30 reused; 09619 rebuilt: its source exports changed', with the pages that share a
    reason named once ('31 rebuilt (not built before): 09619, 09625, …')."""
    names = {"district": "overview"}  # batch.OVERVIEW_KEY
    by_reason: dict[str, list[str]] = {}
    for key in built:
        by_reason.setdefault(reasons.get(key, "built"), []).append(names.get(key, key))
    parts = [f"{len(cached)} reused"]
    for reason, keys in by_reason.items():
        if len(keys) == 1:
            parts.append(f"{keys[0]} rebuilt: {reason}")
        else:
            shown = ", ".join(keys[:5]) + (", …" if len(keys) > 5 else "")
            parts.append(f"{len(keys)} rebuilt ({reason}): {shown}")
    return "; ".join(parts)


def run_briefs(ctx: Context) -> bool:
    from analysis.arguments import check_communes
    from analysis.publish.batch import build_briefs

    check_communes(ctx.args.communes, ctx.args.period)  # units of the period (needs pandas)
    print(f"[briefs] papermill + nbconvert -> {ctx.out}", flush=True)
    ctx.summary = build_briefs(
        ctx.processed,
        ctx.out,
        communes=ctx.args.communes,
        period=ctx.args.period,
        workers=ctx.args.workers,
        force=forced(ctx.args, "briefs"),
        scheduler=getattr(ctx.args, "scheduler", None),
    )
    summary = ctx.summary
    built, cached = summary.get("built", []), summary.get("cached", [])
    reasons = summary.get("reasons", {})
    print(f"[briefs] {describe_rebuilt(built, cached, reasons)}")
    if summary.get("index"):
        print(f"[briefs] open {summary['index']}")
    return not summary.get("failed")  # failed units: no stamp, the next run retries them


def briefs_outputs(ctx: Context) -> list[Path]:
    folder = Path(ctx.summary.get("out_dir") or ctx.out)
    return sorted(p for p in folder.glob("*.html"))


STEPS: tuple[Step, ...] = (
    Step(
        "demo-data",
        run_demo,
        inputs=lambda ctx: [],
        params=lambda ctx: {"seed": ctx.args.seed, "scale": ctx.args.scale},
        outputs=lambda ctx: steps.list_files([ctx.clean_raw]),
        stamp=lambda ctx: steps.stamp_path(ctx.clean_raw, "demo-data"),
        extra_code=lambda ctx: demo_code(),
        applies=lambda ctx: ctx.synthetic,
        loaded_code=False,  # the generator's own source only, as before (demo_stamp)
    ),
    Step(
        "clean",
        run_clean,
        inputs=clean_inputs,
        params=clean_params,
        outputs=clean_outputs,
        stamp=lambda ctx: steps.stamp_path(ctx.processed, "clean"),
    ),
    Step(
        "meetings",
        run_meetings,
        inputs=meetings_inputs,
        params=meetings_params,
        outputs=meetings_outputs,
        stamp=lambda ctx: steps.stamp_path(ctx.processed, "meetings"),
    ),
    Step(
        "analyse",
        run_analyse,
        inputs=lambda ctx: clean_outputs(ctx) + meetings_outputs(ctx),
        params=analyse_params,
        outputs=analyse_outputs,
        stamp=lambda ctx: steps.stamp_path(ctx.processed, "analyse"),
    ),
    Step(
        "briefs",
        run_briefs,
        inputs=briefs_inputs,
        params=briefs_params,
        outputs=briefs_outputs,
        stamp=lambda ctx: steps.stamp_path(ctx.out / ".build", "briefs"),
        extra_code=briefs_code,
    ),
)
STEP_NAMES = tuple(step.name for step in STEPS)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m analysis run` (analysis.pipeline_options)."""
    add_run_options(parser, STEP_NAMES)


def forced(args: argparse.Namespace, step: str) -> bool:
    """`--force` alone forces every step; `--force a b` forces those."""
    force = getattr(args, "force", None)
    return force is not None and (force == [] or step in force)


def find_exports(raw_dir: Path) -> list[Path]:
    """Dossier exports a person put in `raw_dir/dossiers` (the demo folder does not count).

    The formats are `clean`'s own (`analysis.ingest.read.READABLE_SUFFIXES`); a file there in
    any other format is an error, never a reason to fall back to synthetic data."""
    return check_raw(Path(raw_dir), [])


def checked_before(raw: Path, processed: Path) -> list[Path] | None:
    """The exports, when clean's stamp shows it ran on exactly these raw files (so `check_raw`,
    which imports pandas, passed on them); None otherwise."""
    stamp = steps.read_stamp(steps.stamp_path(processed, "clean"))
    if not stamp or stamp.get("params", {}).get("raw") != str(raw.resolve()):
        return None
    files = raw_files(raw, [raw / "meetings"])
    recorded = stamp.get("inputs", {})
    hasher = steps.Hasher(stamp.get("stat"))
    if set(map(steps.file_key, files)) != set(recorded):
        return None
    if any(hasher.sha(p) != recorded[steps.file_key(p)] for p in files):
        return None
    dossiers = (raw / "dossiers").resolve()
    return [p for p in files if p.resolve().is_relative_to(dossiers)] or None


def make_context(args: argparse.Namespace) -> Context:
    """Decide real exports or synthetic data. Without any visible file in `raw/dossiers` the
    answer is known without importing the readers (pandas), which keeps a no-op rerun fast."""
    raw = Path(args.raw)
    meetings_dirs = [raw / "meetings"]
    exports = []
    if steps.list_files([raw / "dossiers"]):
        exports = checked_before(raw, Path(args.processed)) or check_raw(
            raw, [raw / "officers", *meetings_dirs]
        )
    if exports:
        print(f"[demo-data] skipped: {len(exports)} real export(s) in {raw / 'dossiers'}")
        clean_raw = raw
    else:
        clean_raw = raw / "demo"
        meetings_dirs = [clean_raw / "meetings", raw / "meetings"]
    return Context(
        args=args,
        raw=raw,
        processed=Path(args.processed),
        out=Path(args.out),
        clean_raw=clean_raw,
        meetings_dirs=meetings_dirs,
        synthetic=not exports,
    )


def run_step(step: Step, ctx: Context) -> bool:
    """Run a step unless it is up to date; True when it ran."""
    stamp_file = step.stamp(ctx)
    stamp = steps.read_stamp(stamp_file)
    hasher = steps.Hasher((stamp or {}).get("stat"))
    params = step.params(ctx)
    extra_code = step.extra_code(ctx)
    inputs = step.inputs(ctx)
    if forced(ctx.args, step.name):
        reason = "forced (--force)"
    else:
        reason = steps.stale_reason(stamp, params, inputs, extra_code, hasher)
    if reason is None:
        steps.refresh_stat(stamp_file, stamp, hasher)
        print(f"[{step.name}] up to date, reused: inputs, parameters and code unchanged")
        return False
    print(f"[{step.name}] runs: {reason}", flush=True)
    started = time.perf_counter()
    stamp_file.unlink(missing_ok=True)  # a run that fails leaves no stamp: the next one redoes it
    if step.function(ctx) is not False:
        steps.write_stamp(
            stamp_file,
            step.name,
            params,
            hasher,
            inputs,
            step.outputs(ctx),
            extra_code,
            step.loaded_code,
        )
    print(f"[{step.name}] done in {time.perf_counter() - started:.1f} s", flush=True)
    return True


def run(args: argparse.Namespace) -> int:
    """Run every step in order (each skipped when up to date); 1 when a brief failed."""
    started = time.perf_counter()
    ctx = make_context(args)
    ran = []
    for step in STEPS:
        if step.name == "demo-data" and step.applies(ctx):
            adopt_legacy_demo_stamp(ctx, step)
        if step.applies(ctx) and run_step(step, ctx):
            ran.append(step.name)
        if step.name == args.until:
            break
    failed = ctx.summary.get("failed") or {}
    if failed:
        print(f"[briefs] {len(failed)} unit(s) failed: {', '.join(map(str, failed))}")
    what = f"ran {', '.join(ran)}" if ran else "nothing to do: every step up to date"
    print(f"[run] {what} ({time.perf_counter() - started:.1f} s)")
    return 1 if failed else 0
