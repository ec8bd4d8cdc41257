"""4. Correctness beside speed: the same corpus of cases through both verifiers.

Rules:
- The cases and the spec's answer for each come from :func:`bench.site.corpus_site`.
- Badgekeeper: one ``badgekeeper verify --json --email EARNER SOURCE…`` run over all cases
  (hosted ones as URLs, signed ones as files holding the JWS, the SVG as a file).
- validator-core: ``verify()`` per case with the earner's address as the recipient profile.
  It answers valid or not, with messages; "revoked" / "expired" in its error messages are read
  as those statuses, anything else not valid as ``invalid``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.anchors import VALIDATOR_CORE, AnchorUnavailable
from bench.benchmarks.batch import context_map
from bench.corpus import Case, corpus_site
from bench.issuer import MAIN_HOST, OTHER_HOST
from bench.model import Missing, Section, Table
from bench.ours import cli_missing, run_cli
from bench.registry import Benchmark, RunContext
from bench.signing import SigningKey
from bench.site import EARNER_EMAIL, context_documents


@dataclass(frozen=True)
class Answer:
    """One verifier's answer to one case."""

    status: str
    codes: str = ""  # Badgekeeper's error codes, shown beside the status
    words: str = ""  # the first error in the verifier's own words


def case_files(cases: list[Case], folder: Path) -> list[str]:
    """The SOURCE argument for each case: its URL, or a file holding its token or SVG."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = []
    for case in cases:
        if case.kind == "url":
            sources.append(case.value)
            continue
        path = folder / f"{case.name}.{'svg' if case.kind == 'svg' else 'jws'}"
        path.write_text(case.value)
        sources.append(str(path))
    return sources


def ours_answers(sources: list[str], section: Section) -> list[Answer] | Missing:
    missing = cli_missing()
    if missing is not None:
        return missing
    done = run_cli(
        ["verify", "--json", "--email", EARNER_EMAIL, *sources],
        env={"BADGEKEEPER_ALLOW_HOSTS": f"{MAIN_HOST},{OTHER_HOST}"},
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(lines) != len(sources):
        section.alert(
            f"`badgekeeper verify --json` printed {len(lines)} results for {len(sources)} "
            f"sources (exit {done.returncode}): {done.stderr.strip()[-400:]}"
        )
        return Missing("the CLI did not answer for every source")
    answers = []
    for line in lines:
        errors = line.get("errors") or [{}]
        codes = ", ".join(str(e.get("code")) for e in line.get("errors", []))
        first = f"{errors[0].get('code')}: {errors[0].get('message')}" if codes else ""
        answers.append(Answer(str(line.get("status")), codes, first))
    return answers


def anchor_answer(result: dict[str, Any]) -> Answer:
    if result["valid"]:
        return Answer("valid")
    errors = [str(e) for e in result["errors"]]
    text = " ".join(errors).lower()
    status = "revoked" if "revoked" in text else "expired" if "expired" in text else "invalid"
    return Answer(status, words=errors[0] if errors else "no graph: nothing could be fetched")


def anchor_answers(
    ctx: RunContext, cases: list[Case], sources: list[str]
) -> list[Answer] | Missing:
    inputs = []
    for case, source in zip(cases, sources, strict=True):
        kind = "file" if case.kind == "svg" else "url" if case.kind == "url" else "jws"
        inputs.append({"kind": kind, "value": source if kind == "file" else case.value})
    with ctx.anchor(VALIDATOR_CORE, context_map(ctx)) as anchor:
        if isinstance(anchor, Missing):
            return anchor
        try:
            result = anchor.call(
                "verify", inputs=inputs, email=EARNER_EMAIL, mode="memory", cache_dir=""
            )
        except AnchorUnavailable as exc:
            return Missing(f"not measured: {exc}")
    return [anchor_answer(r) for r in result["results"]]


# Why validator-core 1.1.2 answers as it does where it differs from the spec (read from its source
# in bench/.anchors/validator-core; shown beside its answer so the table is not misread).
ANCHOR_CAUSES = {
    "revoked-410": "it never looks at the HTTP status: the 410 body is read as the assertion",
    "revoked-flag": "it checks revocation only through an issuer's revocationList (signed badges)",
    "signed-revoked-list": (
        "JSON-LD compaction turns a one-entry revokedAssertions into an object, and "
        "verify_signed_assertion_not_revoked iterates it as a list (its keys)"
    ),
    "signed-no-creator": (
        "its VERIFY_JWS task needs verification.creator: no fallback to the issuer's publicKey"
    ),
    "svg-baked": (
        "openbadges-bakery 1.2.4 returns the SVG's verify URL as bytes, which its input "
        "detection rejects (NotImplementedError)"
    ),
    "alg-none": "rejected only because its JWS pattern needs a non-empty signature",
}


def cell(answer: Answer | None, expected: str, missing: Missing | None) -> str:
    if answer is None:
        return "not yet measured" if missing and "not yet" in missing.reason else "not measured"
    mark = "✓" if answer.status == expected else "✗"
    return f"{mark} {answer.status}" + (f" ({answer.codes})" if answer.codes else "")


def differences(
    cases: list[Case], ours: list[Answer] | None, theirs: list[Answer] | None
) -> list[tuple[str, ...]]:
    """Rows for every answer that is not the spec's, with the verifier's words and the cause."""
    rows: list[tuple[str, ...]] = []
    for side, verdicts, causes in (
        ("Badgekeeper", ours, {}),
        ("validator-core", theirs, ANCHOR_CAUSES),
    ):
        for case, answer in zip(cases, verdicts or [], strict=False):
            if answer.status != case.expected or case.name in causes:
                words = answer.words if len(answer.words) <= 160 else answer.words[:157] + "…"
                rows.append(
                    (side, case.name, answer.status, words or "—", causes.get(case.name, ""))
                )
    return rows


def run(ctx: RunContext) -> Section:
    section = Section("correctness", "Correctness beside speed")
    documents, cases = corpus_site(
        ctx.issuer.base(MAIN_HOST), ctx.issuer.base(OTHER_HOST), SigningKey.generate()
    )
    ctx.issuer.load(documents | context_documents())
    ctx.issuer.set_delay(0)
    sources = case_files(cases, ctx.work_dir / "corpus")
    ctx.log(f"  {len(cases)} cases through both verifiers")
    ours = ours_answers(sources, section)
    theirs = anchor_answers(ctx, cases, sources)
    ours_list = None if isinstance(ours, Missing) else ours
    theirs_list = None if isinstance(theirs, Missing) else theirs
    rows = []
    for index, case in enumerate(cases):
        mine = ours_list[index] if ours_list else None
        other = theirs_list[index] if theirs_list else None
        agree = "—"
        if mine is not None and other is not None:
            agree = "agree" if mine.status == other.status else "disagree"
        rows.append((
            case.name, f"{case.expected}: {case.why}",
            cell(mine, case.expected, ours if isinstance(ours, Missing) else None),
            cell(other, case.expected, theirs if isinstance(theirs, Missing) else None),
            agree,
        ))  # fmt: skip
    section.tables.append(
        Table(("case", "spec's answer", "Badgekeeper", "validator-core", "agree?"), tuple(rows))
    )
    for side, verdicts in (("Badgekeeper", ours_list), ("validator-core", theirs_list)):
        if verdicts is not None:
            right = sum(a.status == c.expected for a, c in zip(verdicts, cases, strict=True))
            section.notes.append(
                f"{side} gives the spec's answer in {right} of {len(cases)} cases."
            )
    wrong = differences(cases, ours_list, theirs_list)
    if wrong:
        section.tables.append(
            Table(
                ("verifier", "case", "its answer", "its words", "known cause"),
                tuple(wrong),
                in_summary=False,
                title="Answers that are not the spec's, or right for another reason",
            )
        )
    for missing_side in (ours, theirs):
        if isinstance(missing_side, Missing):
            section.notes.append(missing_side.reason)
    section.notes.append(
        "✓ = the spec's answer, ✗ = not; Badgekeeper's error codes in brackets. validator-core "
        "only says valid or not: 'revoked' / 'expired' in its messages are read as those."
    )
    if ours_list is None or theirs_list is None:
        section.state = "partial"
    return section


BENCHMARK = Benchmark("correctness", "Correctness: the same cases through both verifiers", run)
