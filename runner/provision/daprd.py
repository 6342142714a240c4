"""The real Dapr runtime at a pinned version: daprd, and the placement and scheduler services of
the same release. Found before fetched, fetched before built: what the user named, an installed
set (`dapr init --slim`'s `~/.dapr/bin`, or PATH), the official release archives (verified,
releases.py), and last the build from github.com/dapr/dapr, which needs Go.

dapr's go.mod carries replace directives, which only the main module may apply, so
`go install github.com/dapr/dapr/cmd/daprd@vX` cannot work: we build a module of our own
that requires dapr, copies its replace directives, and has small mains (daprd_main/): daprd
registering only the components listed in components.go, placement and scheduler as their
own cmd starts them but with /healthz on loopback. The build is cached by version and by
the digest of those sources, so a changed component list builds anew.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from runner.cache import build_once, cache_root, digest, is_built
from runner.errors import ProvisionError
from runner.provision import DEFAULT_VERSION
from runner.provision.releases import ReleaseRefused, Releases, archive_name, fetch_release, fetched
from runner.services.controlplane import ControlPlaneBinaries
from runner.provision.officialcomponents import add_to_build
from runner.provision.gobuild import CONTRIB, go, last_error, module_dir, module_overrides, replace_blocks, required

MAIN_SOURCES = Path(__file__).parent / "daprd_main"
RELEASED = ("daprd", "placement", "scheduler")  # each of dapr/dapr's releases has an archive of each
PROGRAMS = {"daprd": ".", "placement": "./placement", "scheduler": "./scheduler"}  # each built as its import path ends


@dataclass(frozen=True)
class Daprd:
    path: Path
    version: str
    origin: str  # named | installed | path | release | built
    where: str = ""  # the folder, archive address or module it came from
    passed_over: tuple[str, ...] = ()  # why each source tried before it did not serve

    @property
    def described(self) -> str:
        """`release (https://.../daprd_linux_amd64.tar.gz, sha256 verified)`, and what was passed over."""
        text = f"{self.origin}: {self.where or self.path}"
        return text + "".join(f"; {why}" for why in self.passed_over)

    def record(self) -> dict:
        return {"path": str(self.path), "version": self.version, "origin": self.origin, "where": self.where,
                "passed_over": list(self.passed_over)}


def installed_bin() -> Path:
    """Where `dapr init --slim` puts its binaries: `$DAPR_RUNTIME_PATH/.dapr/bin`, else `~/.dapr/bin`."""
    return Path(os.environ.get("DAPR_RUNTIME_PATH") or Path.home()) / ".dapr" / "bin"


def binary_version(path: Path) -> str | None:
    return _binary_version(str(path), path.stat().st_mtime_ns if path.is_file() else 0)


@functools.lru_cache(maxsize=None)
def _binary_version(path: str, _mtime: int) -> str | None:
    try:
        result = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = result.stdout.strip().splitlines()
    return out[0].strip() if result.returncode == 0 and out else None


def component_types(daprd: Path) -> frozenset[str] | None:
    """The component types a daprd of ours carries (`--component-types`); None for another
    daprd (a full one carries them all, as far as the runner can tell)."""
    try:
        result = subprocess.run([str(daprd), "--component-types"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    types = result.stdout.split()
    return frozenset(types) if result.returncode == 0 and types and all("." in t for t in types) else None


@functools.lru_cache(maxsize=None)
def _sources_key() -> tuple[bytes | str, ...]:
    """Our sources' names within the package and contents (read once a process): the same build
    wherever the checkout is, a new one when a source changes."""
    sources = sorted(MAIN_SOURCES.rglob("*.go"))
    return tuple(part for path in sources for part in (str(path.relative_to(MAIN_SOURCES)), path.read_bytes()))


def build_dir(version: str, official: frozenset[str] = frozenset()) -> Path:
    """Our build of `version`; with `official`, a daprd that also carries those component types,
    registered by dapr's own files (officialcomponents.py)."""
    return cache_root() / "dapr" / f"{version}-{digest([version, *_sources_key(), *sorted(official)])[:10]}"


def cached_path(version: str) -> Path:
    return build_dir(version) / "daprd"


def _installed(version: str) -> list[tuple[Path, str, str]]:
    """Where a daprd of `version` may already be: (path, origin, where) in the order looked at."""
    found = [(installed_bin() / "daprd", "installed", str(installed_bin()))]
    if on_path := shutil.which("daprd"):
        found.append((Path(on_path), "path", on_path))
    return found


def find_daprd(version: str = DEFAULT_VERSION) -> Daprd | None:
    """A daprd at `version` found without fetching or building: installed (`dapr init --slim`), on
    PATH, an official release fetched before, our build made before."""
    for path, origin, where in _installed(version):
        if path.is_file() and binary_version(path) == version:
            return Daprd(path, version, origin, where)
    if (folder := fetched("dapr", version, RELEASED)) is not None:
        return Daprd(folder / "daprd", version, "release", f"the official release, fetched and verified, in {folder}")
    built = cached_path(version)
    if (built.parent / ".complete").exists() and built.is_file():
        return Daprd(built, version, "built", f"github.com/dapr/dapr@v{version}, in {built.parent}")
    return None


def _passed_over(version: str) -> list[str]:
    """Why nothing installed served `version` (a daprd of another version there)."""
    said = []
    for path, origin, where in _installed(version):
        if path.is_file():
            said.append(f"{origin} {where}: daprd {binary_version(path) or '?'}, not {version}")
    return said


def ensure_daprd(version: str = DEFAULT_VERSION, progress=print, releases: Releases | None = None) -> Daprd:
    """daprd at `version`: found, else the official release fetched and verified, else built from
    the Go module (saying why nothing earlier served)."""
    return find_daprd(version) or fetch_or_build_daprd(version, progress, releases)


def fetch_or_build_daprd(version: str, progress=print, releases: Releases | None = None) -> Daprd:
    """daprd at `version` from its official release (verified), else built, saying why."""
    releases = releases or Releases()
    passed = _passed_over(version)
    try:
        folder = fetch_release(releases, "dapr", version, RELEASED, progress)
        return Daprd(folder / "daprd", version, "release",
                     f"{releases.url('dapr', version, archive_name('daprd'))}, sha256 verified", tuple(passed))
    except ReleaseRefused as exc:
        passed.append(f"release: {exc}")
    progress(f"daprd {version}: no official release to take ({passed[-1]}); building it from github.com/dapr/dapr")
    folder = build_dapr(version, progress, why="; ".join(passed))
    return Daprd(folder / "daprd", version, "built", f"github.com/dapr/dapr@v{version}, in {folder}", tuple(passed))


def build_dapr(version: str = DEFAULT_VERSION, progress=print, why: str = "",
               official: frozenset[str] = frozenset()) -> Path:
    """daprd, placement and scheduler of dapr `version`, built once into their cache dir; `why`: what
    was tried before (said when the build cannot be made here). With `official` component types,
    a daprd alone that carries them too."""
    if shutil.which("go") is None and not is_built(build_dir(version, official)):
        raise ProvisionError(f"daprd, placement and scheduler {version} can be neither found nor built here: "
                             + (f"{why}; " if why else "") + "go (which builds them) is not on PATH. Install them "
                             "(`dapr init --slim --runtime-version " + version + "`), or go")
    target = build_dir(version, official)
    programs = {"daprd": PROGRAMS["daprd"]} if official else PROGRAMS
    target.parent.mkdir(parents=True, exist_ok=True)

    def build(workdir: Path) -> None:
        log = workdir / "build.log"
        started = time.monotonic()
        src = workdir / "src"
        src.mkdir()
        dapr_dir = module_dir("github.com/dapr/dapr", f"v{version}", src, log)
        if dapr_dir is None:
            raise ProvisionError(f"github.com/dapr/dapr@v{version} is not available: {last_error(log)}")
        upstream_mod = (dapr_dir / "go.mod").read_text()
        try:
            overrides = module_overrides(upstream_mod, src, log, progress)
        except RuntimeError as exc:
            raise ProvisionError(str(exc)) from None
        go_mod = [f"module quickstart-runner/daprd\n\ngo 1.24\n\nrequire github.com/dapr/dapr v{version}\n",
                  replace_blocks(upstream_mod), *overrides]
        (src / "go.mod").write_text("\n".join(go_mod) + "\n")
        for source in MAIN_SOURCES.rglob("*.go"):
            (src / source.relative_to(MAIN_SOURCES)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, src / source.relative_to(MAIN_SOURCES))
        if official:
            add_to_build(src, dapr_dir, official)
        progress(f"building {', '.join(programs)} {version}" + (f" with {', '.join(sorted(official))}" if official else "")
                 + f" (cold builds take a few minutes; log: {log})")
        if go(["mod", "tidy"], src, log).returncode != 0:
            raise ProvisionError(f"go mod tidy failed: {last_error(log)}")
        ldflags = f"-s -w -X github.com/dapr/dapr/pkg/buildinfo.version={version}"
        # One build of the three: their links run beside each other and beside what is left to compile.
        tags = ["-tags", "allcomponents"] if official else []  # the tag dapr's registration files build under
        if go(["build", "-trimpath", *tags, "-ldflags", ldflags, "-o", f"{workdir}/", *programs.values()], src, log).returncode:
            raise ProvisionError(f"go build of {', '.join(programs)} failed: {last_error(log)}")
        sizes = {program: (workdir / program).stat().st_size for program in programs}
        contrib = next((line.split()[-1] for line in overrides if CONTRIB in line), required(upstream_mod, CONTRIB))
        (workdir / "build.json").write_text(json.dumps({
            "version": version, "components_contrib": contrib, "overrides": overrides, "official": sorted(official),
            "build_seconds": round(time.monotonic() - started, 1), "binary_bytes": sizes,
        }, indent=2))
        shutil.rmtree(src)

    build_once(target, build)
    return target


def carrying(daprd: Path, official: frozenset[str], progress=print) -> Path:
    """A daprd like `daprd` (one of our builds) that also carries the `official` component types:
    built once, beside the first (a build of ours that lacks them; no other daprd does)."""
    record = daprd.parent / "build.json"
    if not record.is_file():
        raise ProvisionError(f"{daprd} is not a daprd of ours, and does not carry {', '.join(sorted(official))}")
    built = json.loads(record.read_text())
    wanted = official | frozenset(built.get("official", ()))
    return build_dapr(built["version"], progress, official=wanted) / "daprd"


def find_control_plane(version: str = DEFAULT_VERSION, choice: str = "auto") -> ControlPlaneBinaries | None:
    """Placement and scheduler at `version` found without fetching or building: for `official`
    (and `auto`) those installed beside a daprd of that version, or of its release fetched before;
    for `built` (and `auto`, after those) our loopback-only build made before."""
    if choice != "built":
        for folder, origin in ((installed_bin(), "installed"), (fetched("dapr", version, RELEASED), "release")):
            if folder is not None and _official_set(folder, version):
                return ControlPlaneBinaries(folder / "placement", folder / "scheduler", f"{origin} ({folder})")
    folder = build_dir(version)
    if choice != "official" and is_built(folder) and (folder / "placement").is_file() and (folder / "scheduler").is_file():
        return ControlPlaneBinaries(folder / "placement", folder / "scheduler", f"built ({folder})")
    return None


def _official_set(folder: Path, version: str) -> bool:
    """Placement and scheduler beside a daprd of `version` (they print no version of their own: the
    release they came with tells)."""
    return (all((folder / name).is_file() for name in ("placement", "scheduler"))
            and (folder / "daprd").is_file() and binary_version(folder / "daprd") == version)


def missing_runtime(version: str = DEFAULT_VERSION, releases: Releases | None = None) -> str | None:
    """Why daprd, placement or scheduler at `version` can be neither found nor had here, or None
    (a release that may be fetched counts: whether it is published is known only by asking)."""
    if shutil.which("go") is not None or (find_daprd(version) and find_control_plane(version)):
        return None
    if not (releases or Releases()).offline:
        return None
    return (f"daprd, placement and scheduler {version} are not here, --offline fetches no release, and go (which "
            "builds them) is not on PATH")


CONTROL_PLANE_CHOICES = ("auto", "official", "built")
HEALTHZ_NOTE = ("the released placement and scheduler bind their healthz listener on every interface whatever "
                "--healthz-listen-address says; `--control-plane built` keeps every listener on loopback")


def ensure_control_plane(version: str = DEFAULT_VERSION, progress=print, beside: Path | None = None,
                         choice: str = "auto", releases: Releases | None = None) -> ControlPlaneBinaries:
    """Placement and scheduler at `version`. `auto`: those installed beside a daprd of the version
    (or of its official release), else those beside the daprd given (`beside`), else our build;
    `official`: installed, else fetched from the release; `built`: our loopback-only build."""
    folder = beside.parent if beside is not None else None
    ours = folder is not None and (folder / "build.json").is_file()  # a daprd of ours: its own control plane
    beside_it = folder is not None and all((folder / name).is_file() for name in ("placement", "scheduler"))
    if beside_it and ours and choice != "official":
        return ControlPlaneBinaries(folder / "placement", folder / "scheduler", f"built ({folder})")
    if choice == "auto" and ours:
        choice = "built"
    if choice != "built" and beside_it and not ours and _official_set(folder, version):
        return ControlPlaneBinaries(folder / "placement", folder / "scheduler", f"beside daprd ({folder})")
    found = find_control_plane(version, choice)
    if found is not None:
        return found
    passed = []
    if choice != "built":
        releases = releases or Releases()
        try:
            fetched_to = fetch_release(releases, "dapr", version, RELEASED, progress)
            return ControlPlaneBinaries(fetched_to / "placement", fetched_to / "scheduler",
                                        f"release ({releases.address}, sha256 verified)")
        except ReleaseRefused as exc:
            if choice == "official":
                raise ProvisionError(f"no official placement and scheduler {version}: {exc}") from None
            passed.append(f"release: {exc}")
    try:
        built = build_dapr(version, progress, why="; ".join(passed))
    except OSError as exc:  # e.g. the cache dir cannot be made
        raise ProvisionError(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")) from None
    return ControlPlaneBinaries(built / "placement", built / "scheduler", f"built ({built})")
