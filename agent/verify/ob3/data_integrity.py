"""Data Integrity proofs: ``eddsa-rdfc-2022`` (and its older names) over RDFC-1.0.

Rules (W3C vc-di-eddsa §3.2, the algorithm OB 3.0 requires; Ed25519Signature2020 is the same
construction with its own proof type):
- The unsecured document is the credential without ``proof``. For the eddsa cryptosuites, a proof
  carrying its own ``@context`` must be a prefix of the document's, and then replaces it.
- The proof configuration is the proof without ``proofValue``, with the document's ``@context``.
- hashData = SHA-256(canonical proof configuration) || SHA-256(canonical document): exactly two
  canonicalisations per proof.
- ``proofValue`` is multibase base58btc (``z…``) of a 64-byte Ed25519 signature;
  ``proofPurpose`` must be ``assertionMethod``.
- Of several proofs, the first one of a supported kind is verified (the spec lets a verifier
  pick any one).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from agent.errors import BadgekeeperError, ErrorCode, VerificationError
from agent.verify.ob3.keys import PublicKey, describe_key
from agent.verify.ob3.multibase import multibase_decode
from agent.verify.ob3.resolver import KeyResolver
from agent.verify.result import Verdict

EDDSA_CRYPTOSUITES = ("eddsa-rdfc-2022", "eddsa-2022")
ED25519_2020 = "Ed25519Signature2020"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
DATA_INTEGRITY_CONTEXT = "https://w3id.org/security/data-integrity/v2"
_VALUE_MEMBERS = ("proofValue", "jws", "signatureValue")


@dataclass(frozen=True)
class ProofToCheck:
    """A proof picked from the credential, with the suite it claims."""

    proof: dict[str, Any]
    suite: str  # a cryptosuite name, or "Ed25519Signature2020"


def _unsupported(message: str) -> VerificationError:
    return VerificationError(ErrorCode.PROOF_UNSUPPORTED, message)


def _suite_of(proof: dict[str, Any]) -> str | None:
    kind = proof.get("type")
    if kind == "DataIntegrityProof" and proof.get("cryptosuite") in EDDSA_CRYPTOSUITES:
        return str(proof["cryptosuite"])
    if kind == ED25519_2020:
        return ED25519_2020
    return None


def _describe(proof: object) -> str:
    if not isinstance(proof, dict):
        return "a proof that is not an object"
    kind, suite = proof.get("type"), proof.get("cryptosuite")
    name = f"{kind}" + (f" with cryptosuite {suite}" if suite is not None else "")
    return name[:120]


def pick_proof(credential: dict[str, Any]) -> ProofToCheck:
    """The first supported proof; PROOF_UNSUPPORTED when none is (PROOF_MISSING is the caller's)."""
    proofs = credential["proof"]
    candidates = proofs if isinstance(proofs, list) else [proofs]
    for proof in candidates:
        if isinstance(proof, dict):
            suite = _suite_of(proof)
            if suite is not None:
                return ProofToCheck(proof, suite)
    shown = ", ".join(_describe(proof) for proof in candidates[:3]) or "an empty proof list"
    raise _unsupported(
        f"The credential is signed with {shown}, which Badgekeeper does not support yet "
        "(it checks eddsa-rdfc-2022, eddsa-2022 and Ed25519Signature2020, and VC-JWT)."
    )


def _context_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]


def hash_data(credential: dict[str, Any], proof: dict[str, Any], suite: str) -> bytes:
    """SHA-256(canonical proof configuration) || SHA-256(canonical unsecured document)."""
    document = {key: value for key, value in credential.items() if key != "proof"}
    config = {key: value for key, value in proof.items() if key not in _VALUE_MEMBERS}
    if suite in EDDSA_CRYPTOSUITES and "@context" in config:
        proof_context = _context_list(config["@context"])
        if _context_list(document.get("@context"))[: len(proof_context)] != proof_context:
            raise VerificationError(
                ErrorCode.SIGNATURE_INVALID,
                "The proof's @context does not match the start of the credential's, so the "
                "proof does not cover this credential. Do not trust it.",
            )
        document["@context"] = config["@context"]
    config["@context"] = document.get("@context")
    # Imported here: pyld (and lxml under it) costs ~5 MB of the agent's idle memory, and only
    # Data Integrity proofs need it.
    from agent.verify.ob3.canonical import canonicalize

    config_hash = hashlib.sha256(canonicalize(config).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonicalize(document).encode("utf-8")).digest()
    return config_hash + document_hash


def check_proof_options(proof: dict[str, Any]) -> str:
    """The verification method id, after the purpose and shape checks that need no key."""
    if proof.get("proofPurpose") != "assertionMethod":
        raise VerificationError(
            ErrorCode.INVALID_PROPERTY,
            f"The proof's purpose is {str(proof.get('proofPurpose'))[:60]!r}; a credential "
            "must be signed for 'assertionMethod'. Ask the issuer to re-issue the badge.",
        )
    method = proof.get("verificationMethod")
    if isinstance(method, dict):  # an embedded method still names itself by id
        method = method.get("id")
    if not isinstance(method, str) or not method:
        raise VerificationError(
            ErrorCode.MISSING_PROPERTY,
            "The proof does not name its verificationMethod, so its key cannot be found.",
        )
    return method


def signature_bytes(proof: dict[str, Any]) -> bytes:
    """The 64-byte signature from ``proofValue``."""
    value = proof.get("proofValue")
    if value is None:
        raise VerificationError(ErrorCode.MISSING_PROPERTY, "The proof has no proofValue.")
    signature = multibase_decode(value, what="proofValue")
    if len(signature) != 64:
        raise VerificationError(
            ErrorCode.SIGNATURE_INVALID,
            f"The proofValue holds {len(signature)} bytes, not an Ed25519 signature (64). Do "
            "not trust this badge.",
        )
    return signature


def verify_ed25519(public_key: PublicKey, signature: bytes, data: bytes) -> None:
    """SIGNATURE_INVALID unless ``signature`` is the Ed25519 signature of ``data``."""
    if not isinstance(public_key, ed25519.Ed25519PublicKey):
        raise VerificationError(
            ErrorCode.SIGNATURE_INVALID,
            f"The proof's key is {describe_key(public_key)}, but its cryptosuite needs an "
            "Ed25519 key. Do not trust this badge.",
        )
    try:
        public_key.verify(signature, data)
    except InvalidSignature as exc:
        raise VerificationError(
            ErrorCode.SIGNATURE_INVALID,
            "The credential's proof does not match its content: it was changed after it was "
            "signed, or signed with another key. Do not trust it.",
        ) from exc


async def verify_data_integrity(
    credential: dict[str, Any], resolver: KeyResolver, verdict: Verdict
) -> bool:
    """Verify the credential's embedded proof, recording the proof, key and signature checks."""
    try:
        picked = pick_proof(credential)
        method_id = check_proof_options(picked.proof)
        signature = signature_bytes(picked.proof)
        data = hash_data(credential, picked.proof, picked.suite)  # pure: before any fetch
    except BadgekeeperError as exc:
        check = "signature" if exc.code is ErrorCode.SIGNATURE_INVALID else "proof"
        verdict.fail(exc.code, exc.message, check=check)
        return False
    verdict.passed("proof", f"{picked.suite} proof by {method_id[:200]}")
    try:
        method = await resolver.method(method_id)
        await resolver.ensure_issuer_controls(method)
    except BadgekeeperError as exc:
        verdict.fail(exc.code, exc.message, check="key")
        return False
    verdict.passed("key", f"{describe_key(method.key)} controlled by the issuer")
    try:
        verify_ed25519(method.key, signature, data)
    except BadgekeeperError as exc:
        verdict.fail(exc.code, exc.message, check="signature")
        return False
    verdict.passed("signature", f"valid {picked.suite} signature")
    return True
