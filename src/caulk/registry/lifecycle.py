"""Lifecycle policies against a plain OCI registry: gather what ECR knows about a repository's
images (digest, all its tags, push time), and apply a plan by deleting manifests.

Push time, in order: the push log recorded from the registry's notifications
(`caulk.registry.pushlog`), else the image config's `created` (flagged `estimated`; a `created`
before 1980, as reproducible builds write, counts as unknown), else unknown (never expired by age).
Untagged manifests are invisible to the distribution API; they are found through the push log only.

cosign artifacts (`sha256-<hex>.sig|.att|.sbom`), OCI referrers-fallback indexes (`sha256-<hex>`)
and the manifests those indexes list are artifacts, not images: they follow their subject.
Children of an image index are part of that image, never images of their own.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from caulk.errors import RegistryError
from caulk.instants import parse_instant
from caulk.mediatypes import INDEX_TYPES
from caulk.policy.lifecycle.interface import ArtifactFacts, Decision, ImageFacts, Plan
from caulk.registry.client import Manifest, RegistryClient
from caulk.registry.pushlog import PushLog, PushRecord
from caulk.registry.reference import Reference
from caulk.safeload import DocumentError, load_json
from caulk.source.verify import new_hasher

__all__ = [
    "ApplyReport",
    "RepositoryFacts",
    "apply_plan",
    "artifact_tag",
    "gather",
]

log = logging.getLogger(__name__)

_ARTIFACT_TAG = re.compile(r"sha256-([0-9a-f]{64})(?:\.(sig|att|sbom))?")
_KIND = {"sig": "signature", "att": "attestation", "sbom": "sbom", None: "referrers"}
_SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
_DSSE = "application/vnd.dsse.envelope.v1+json"
_TRUSTWORTHY_CREATED = dt.datetime(1980, 1, 2, tzinfo=dt.UTC)
_MAX_CONFIG = 4 * 1024 * 1024


def artifact_tag(tag: str) -> tuple[str, str] | None:
    """(subject digest, kind) for cosign/referrers-fallback tags, else None."""
    match = _ARTIFACT_TAG.fullmatch(tag)
    if match is None:
        return None
    return "sha256:" + match.group(1), _KIND[match.group(2)]


@dataclass(frozen=True, slots=True)
class RepositoryFacts:
    registry: str
    repository: str
    images: tuple[ImageFacts, ...]
    artifacts: tuple[ArtifactFacts, ...]
    notes: tuple[str, ...] = ()  # what the user should know about the facts (untagged, estimates)
    index_children: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (index digest, its manifests)

    def held_by_kept_indexes(self, plan: Plan) -> dict[str, str]:
        """digest -> a kept index listing it: deleting it would break that index."""
        expired = {d.digest for d in plan.expired}
        return {
            child: index
            for index, children in self.index_children
            if index not in expired
            for child in children
        }


@dataclass(frozen=True, slots=True)
class ApplyReport:
    deleted: tuple[Decision, ...] = ()
    already_gone: tuple[Decision, ...] = ()
    refused: tuple[tuple[Decision, str], ...] = ()  # not deleted, and why
    failed: tuple[Decision, str] | None = None  # the deletion that failed; apply stopped there
    remaining: tuple[Decision, ...] = ()  # expired but not attempted because of the failure

    @property
    def complete(self) -> bool:
        return self.failed is None and not self.refused


@dataclass
class _Snapshot:
    by_digest: dict[str, list[str]] = field(default_factory=dict)


def _snapshot(client: RegistryClient, registry: str, repository: str) -> _Snapshot:
    snap = _Snapshot()
    for tag in sorted(client.list_tags(registry, repository)):
        digest = client.head_manifest(Reference(registry, repository, tag))
        if digest is not None:
            snap.by_digest.setdefault(digest, []).append(tag)
    return snap


def _manifest(client: RegistryClient, registry: str, repository: str, digest: str) -> Manifest:
    return client.get_manifest(Reference(registry, repository, None, digest))


def _json(body: bytes) -> dict[str, Any]:
    try:
        doc = load_json(body, where="registry document")
    except DocumentError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _descriptors(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = doc.get(key)
    return [d for d in items if isinstance(d, dict)] if isinstance(items, list) else []


def _verified(data: bytes, digest: str, size: int) -> bytes:
    """`data` if it matches its descriptor, else b"" (a swapped config has no date)."""
    algorithm = digest.partition(":")[0]
    if len(data) == size and algorithm in ("sha256", "sha512"):
        hasher = new_hasher(digest)
        hasher.update(data)
        if f"{algorithm}:{hasher.hexdigest()}" == digest:
            return data
    log.warning("image config %s does not match its descriptor: ignored", digest[:80])
    return b""


def _cosign_kind(doc: dict[str, Any]) -> str | None:
    layer_types = {d.get("mediaType") for d in _descriptors(doc, "layers")}
    if layer_types and layer_types <= {_SIMPLESIGNING}:
        return "signature"
    if layer_types and layer_types <= {_DSSE}:
        return "attestation"
    return None


def _created(
    client: RegistryClient, registry: str, repository: str, doc: dict[str, Any], media_type: str
) -> dt.datetime | None:
    """The image config's `created` (first child's for an index), or None."""
    try:
        if media_type in INDEX_TYPES or "manifests" in doc:
            children = _descriptors(doc, "manifests")
            if not children or not isinstance(children[0].get("digest"), str):
                return None
            child = _manifest(client, registry, repository, children[0]["digest"])
            doc = _json(child.body)
        config = doc.get("config")
        if not isinstance(config, dict) or not isinstance(config.get("digest"), str):
            return None
        size = config.get("size")
        if not isinstance(size, int) or not 0 <= size <= _MAX_CONFIG:
            return None
        with client.open_blob(registry, repository, config["digest"]) as blob:
            created = _json(_verified(blob.read(size + 1), config["digest"], size)).get("created")
    except RegistryError as exc:
        log.warning("cannot read the config of an image in %s: %s", repository, exc)
        return None
    if not isinstance(created, str):
        return None
    try:  # RFC 3339 in UTC; 9999-12-31T23:59:59-01:00 used to overflow every later use
        moment = parse_instant(created)
    except ValueError:
        return None
    return moment if moment >= _TRUSTWORTHY_CREATED else None


def gather(
    client: RegistryClient,
    registry: str,
    repository: str,
    *,
    push_log: PushLog | None = None,
) -> RepositoryFacts:
    """Every image and artifact of `registry/repository` with its tags and push time."""
    snap = _snapshot(client, registry, repository)
    records: dict[str, PushRecord] = push_log.records(repository) if push_log else {}
    notes: list[str] = []
    untagged = []
    for digest in sorted(set(records) - set(snap.by_digest)):
        if client.head_manifest(Reference(registry, repository, None, digest)) is not None:
            untagged.append(digest)
    if push_log is None:
        notes.append(
            "no push log: untagged images cannot be listed through the registry API and are "
            "not considered; push times are estimated from the image config 'created'"
        )

    docs: dict[str, tuple[dict[str, Any], str]] = {}
    for digest in [*snap.by_digest, *untagged]:
        manifest = _manifest(client, registry, repository, digest)
        docs[digest] = (_json(manifest.body), manifest.media_type)

    artifact_of: dict[str, tuple[str, str]] = {}  # digest -> (subject, kind)
    for digest, digest_tags in snap.by_digest.items():
        parsed = [artifact_tag(t) for t in digest_tags]
        if all(p is not None for p in parsed):
            subject, kind = parsed[0]  # type: ignore[misc]
            artifact_of[digest] = (subject, kind)
    children: set[str] = set()
    index_children: list[tuple[str, tuple[str, ...]]] = []
    for digest, (doc, media_type) in docs.items():
        listed = [d["digest"] for d in _descriptors(doc, "manifests") if "digest" in d]
        if digest in artifact_of and artifact_of[digest][1] == "referrers":
            for ref in listed:
                artifact_of.setdefault(ref, (artifact_of[digest][0], "referrer"))
        elif media_type in INDEX_TYPES or listed:
            children.update(listed)
            index_children.append((digest, tuple(listed)))
    for digest in untagged:
        doc = docs[digest][0]
        subject = doc.get("subject")
        if isinstance(subject, dict) and isinstance(subject.get("digest"), str):
            artifact_of.setdefault(digest, (subject["digest"], "referrer"))
        elif (kind := _cosign_kind(doc)) is not None:
            artifact_of.setdefault(digest, ("", kind))  # a superseded cosign manifest

    images: list[ImageFacts] = []
    artifacts: list[ArtifactFacts] = []
    estimated = 0
    for digest, (doc, media_type) in docs.items():
        tags = tuple(snap.by_digest.get(digest, ()))
        if digest in children and not tags:
            continue  # part of an index image
        record = records.get(digest)
        pushed_at = record.pushed_at if record else None
        if digest in artifact_of:
            subject, kind = artifact_of[digest]
            artifacts.append(
                ArtifactFacts(digest, tags, subject, kind, pushed_at, estimated=record is None)
            )
            continue
        if record is None:
            pushed_at = _created(client, registry, repository, doc, media_type)
            estimated += 1
        images.append(ImageFacts(digest, tags, pushed_at, record is None, media_type))
    if estimated and push_log is not None:
        notes.append(
            f"{estimated} image(s) not in the push log: push time estimated from the image "
            "config 'created'"
        )
    return RepositoryFacts(
        registry,
        repository,
        tuple(images),
        tuple(artifacts),
        tuple(notes),
        tuple(index_children),
    )


def apply_plan(
    client: RegistryClient,
    registry: str,
    repository: str,
    plan: Plan,
    *,
    allow_untag_others: bool = False,
    held: Mapping[str, str] | None = None,
    on_delete: Callable[[Decision], None] | None = None,
) -> ApplyReport:
    """Delete the plan's expired manifests, oldest image first: its artifacts, then the image.
    Signatures go before their subject so no run, even a failed one, leaves an orphaned signature
    behind (a half-done image is expired again by the next run; an orphan would be kept forever).

    Before deleting, the repository's tags are listed again: an expired image that now carries a
    tag the plan did not see is refused with its artifacts (deleting it would delete that tag)
    unless `allow_untag_others`. The first registry error stops the run; the report says what is
    left. An image listed by a kept image index (`held`: digest -> index, see
    `RepositoryFacts.held_by_kept_indexes`) is refused too: deleting it would break the index.
    """
    held = held or {}
    snap = _snapshot(client, registry, repository)
    artifacts: dict[str, list[Decision]] = {}
    for decision in plan.expired:
        if decision.kind != "image" and decision.subject:
            artifacts.setdefault(decision.subject, []).append(decision)
    groups = [
        [*artifacts.get(d.digest, []), d] for d in plan.expired if d.kind == "image"
    ]  # each: the image's artifacts, then the image
    deleted: list[Decision] = []
    gone: list[Decision] = []
    refused: list[tuple[Decision, str]] = []
    for number, group in enumerate(groups):
        image = group[-1]
        extra = sorted(set(snap.by_digest.get(image.digest, ())) - set(image.tags))
        why = ""
        if image.digest in held:
            why = f"listed by the kept image index {held[image.digest]}; deleting it would break it"
        elif extra and not allow_untag_others:
            why = (
                f"now also tagged {', '.join(extra)}, which the plan did not see; deleting it "
                "would delete those tags (--allow-untag-others to accept)"
            )
        if why:
            refused.append((image, why))
            refused.extend((a, "its image was not deleted, so it is kept") for a in group[:-1])
            continue
        for position, decision in enumerate(group):
            try:
                if client.head_manifest(Reference(registry, repository, None, decision.digest)):
                    client.delete_manifest(registry, repository, decision.digest)
                else:
                    gone.append(decision)
                    continue
            except RegistryError as exc:
                left = [*group[position + 1 :], *(d for g in groups[number + 1 :] for d in g)]
                return ApplyReport(
                    tuple(deleted), tuple(gone), tuple(refused), (decision, str(exc)), tuple(left)
                )
            deleted.append(decision)
            if on_delete is not None:
                on_delete(decision)
    return ApplyReport(tuple(deleted), tuple(gone), tuple(refused))
