"""Schematron with SchXslt and Saxon: compile a .sch file to XSLT once, cache it, run it, read the SVRL.

The compiler is SchXslt (MIT, vendored unchanged in `schxslt/`, see its README). Compiling the EN 16931
rules takes about a second, so the compiled stylesheet is cached by the SHA-256 of the .sch bytes and the
SchXslt version, and signed with the user's cache key (runtime/loader.py): a stylesheet is code, and one
that this user's Avtale did not write is never run. Saxon's processor is made once per process.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

import attrs
from lxml import etree
from saxonche import PySaxonApiError, PySaxonProcessor, PyXsltExecutable

from runtime.loader import user_cache_home, user_key

SCHXSLT = Path(__file__).resolve().parent / "schxslt"
SCHXSLT_VERSION = "SchXslt 1.10-11-g84ee9dd"
"""The vendored snapshot (`git describe` of the commit in schxslt/README.md); part of every cache key."""

SVRL = "http://purl.oclc.org/dsdl/svrl"
_MAGIC = b"<!-- avtale-schematron-1 "
_MAC_HEX = 2 * hashlib.sha256().digest_size


class SchematronError(Exception):
    """A .sch file that cannot be read or compiled: the rules folder is wrong, not the document."""

    def __init__(self, message: str, help: str) -> None:
        super().__init__(message)
        self.help = help


@attrs.frozen(kw_only=True)
class Assertion:
    """One `svrl:failed-assert` or `svrl:successful-report`, as SVRL gives it."""

    rule: str
    flag: str
    location: str
    text: str


@functools.cache
def processor() -> PySaxonProcessor:
    """The one Saxon processor of this process (SaxonC wants exactly one)."""
    return PySaxonProcessor(license=False)


@functools.cache
def _compiler() -> PyXsltExecutable:
    """SchXslt's XSLT 2.0 pipeline (include, expand, compile), compiled once per process."""
    saxon = processor()
    pipeline = saxon.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(SCHXSLT / "pipeline-for-svrl.xsl"))
    # No timestamps in the output (the same .sch compiles to the same bytes), and SVRL without the
    # fired-rule and active-pattern records nobody reads (less to write and to parse per document).
    pipeline.set_parameter("schxslt.compile.metadata", saxon.make_boolean_value(False))
    pipeline.set_parameter("schxslt.svrl.compact", saxon.make_boolean_value(True))
    return pipeline


def cache_key(sch: bytes) -> str:
    """The SHA-256 of the .sch bytes and the SchXslt version: a new rules release or compiler recompiles."""
    return hashlib.sha256(sch + b"\0" + SCHXSLT_VERSION.encode()).hexdigest()


def default_cache() -> Path | None:
    """`$XDG_CACHE_HOME/avtale/schematron` (or ~/.cache/avtale/schematron); None without a home."""
    home = user_cache_home()
    return home / "schematron" if home is not None else None


def _mac(key: bytes, name: str, xslt: bytes) -> str:
    return hmac.new(key, name.encode() + b"\0" + xslt, hashlib.sha256).hexdigest()


def _read_cached(path: Path, key: bytes) -> bytes | None:
    """The stylesheet at `path` if this user's Avtale wrote it (its signature matches), else None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head, _, xslt = data.partition(b"\n")
    if not head.startswith(_MAGIC) or len(head) != len(_MAGIC) + _MAC_HEX + 4:
        return None
    signature = head[len(_MAGIC) : len(_MAGIC) + _MAC_HEX].decode("ascii", "replace")
    return xslt if hmac.compare_digest(signature, _mac(key, path.name, xslt)) else None


def _write_cached(path: Path, key: bytes, xslt: bytes) -> None:
    """Write atomically (a new name, then rename); a folder we cannot write to just means no cache."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_MAGIC + _mac(key, path.name, xslt).encode("ascii") + b" -->\n" + xslt)
        temporary.replace(path)
    except OSError:
        pass


def compile_to_xslt(sch: Path) -> bytes:
    """The validation stylesheet SchXslt makes of the Schematron file `sch`."""
    saxon = processor()
    try:
        document = saxon.parse_xml(xml_file_name=str(sch))
        xslt: str = _compiler().transform_to_string(xdm_node=document)
        return xslt.encode("utf-8")
    except PySaxonApiError as exc:
        raise SchematronError(
            f"cannot compile the Schematron file {sch}: {str(exc).strip()}",
            "the file must be an ISO Schematron schema, such as the PEPPOL BIS Billing 3.0 release's sch/*.sch",
        ) from exc


@attrs.frozen(kw_only=True)
class CompiledSchematron:
    """A Schematron file compiled to XSLT and ready to run, and whether this load had to compile it."""

    name: str
    executable: PyXsltExecutable = attrs.field(eq=False, repr=False)
    compiled: bool
    """True when SchXslt ran in this load; False when the stylesheet came from the cache."""

    @classmethod
    def load(cls, sch: Path, cache: Path | None) -> CompiledSchematron:
        try:
            source = sch.read_bytes()
        except OSError as exc:
            raise SchematronError(
                f"cannot read the Schematron file {sch}: {exc.strerror or exc}",
                "point einvoice_rules at a folder holding ubl-2.1/ and peppol-bis-billing-3.0.19/",
            ) from exc
        home = user_cache_home()
        key = user_key(home) if home is not None else None  # no key: compile every time, trust nothing
        folder = cache if cache is not None else default_cache()
        path = folder / f"{sch.stem}-{cache_key(source)}.xsl" if folder is not None and key else None
        xslt = _read_cached(path, key) if path is not None and key else None
        compiled = xslt is None
        if xslt is None:
            xslt = compile_to_xslt(sch)
            if path is not None and key:
                _write_cached(path, key, xslt)
        try:
            executable = processor().new_xslt30_processor().compile_stylesheet(stylesheet_text=xslt.decode("utf-8"))
        except PySaxonApiError as exc:
            raise SchematronError(
                f"the stylesheet compiled from {sch} does not compile: {str(exc).strip()}",
                f"delete the cache folder {folder} and retry; if it persists, the .sch file uses something "
                f"{SCHXSLT_VERSION} cannot compile",
            ) from exc
        return cls(name=sch.name, executable=executable, compiled=compiled)

    def run(self, document: object) -> list[Assertion]:
        """Every failed assert and successful report for `document` (a Saxon node), in document order.

        PySaxonApiError when the rules cannot be evaluated on it (say, a decimal that is not one)."""
        svrl = self.executable.transform_to_string(xdm_node=document)
        return parse_svrl(svrl.encode("utf-8"))


def parse_svrl(svrl: bytes) -> list[Assertion]:
    """The failed asserts and successful reports of an SVRL report."""
    found: list[Assertion] = []
    root = etree.fromstring(svrl, etree.XMLParser(resolve_entities=False, no_network=True))
    for node in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        text = node.find(f"{{{SVRL}}}text")
        message = " ".join("".join(text.itertext()).split()) if text is not None else ""
        rule = node.get("id", "")
        # Schematron without a flag: a failed assert is an error, a report only information.
        default = "fatal" if node.tag == f"{{{SVRL}}}failed-assert" else "information"
        found.append(
            Assertion(rule=rule, flag=node.get("flag") or default, location=node.get("location", ""), text=message)
        )
    return found
