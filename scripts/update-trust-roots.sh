#!/usr/bin/env bash
# update-trust-roots.sh - refresh the Sigstore trusted roots embedded in modelvet.
#
# The public-good and staging trusted_root.json are taken from the sigstore
# Python package (PyPI wheel), which ships TUF-verified snapshots under
# sigstore/_store/. Using a registry package keeps the source reproducible
# (pinned version + recorded sha256) and needs no TUF client. The script
# writes trust/public-good.trusted_root.json, trust/staging.trusted_root.json
# and trust/SOURCE.md (package, version, wheel sha256, file sha256s, date).
#
# usage: scripts/update-trust-roots.sh [SIGSTORE_PY_VERSION]   (default 4.5.1)
set -euo pipefail

version=${1:-4.5.1}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$repo/trust"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "sigstore==$version"
wheel=$(ls "$tmp"/sigstore-"$version"-*.whl)
wheel_sha=$(sha256sum "$wheel" | cut -d' ' -f1)

mkdir -p "$out"
python3 - "$wheel" "$out" <<'PY'
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(wheel)
pairs = {
    "sigstore/_store/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev/trusted_root.json": "public-good.trusted_root.json",
    "sigstore/_store/https%3A%2F%2Ftuf-repo-cdn.sigstage.dev/trusted_root.json": "staging.trusted_root.json",
}
for src, dst in pairs.items():
    with open(f"{out}/{dst}", "wb") as f:
        f.write(z.read(src))
PY

pg_sha=$(sha256sum "$out/public-good.trusted_root.json" | cut -d' ' -f1)
st_sha=$(sha256sum "$out/staging.trusted_root.json" | cut -d' ' -f1)
date=$(date -u +%Y-%m-%d)

cat >"$out/SOURCE.md" <<MD
# Embedded Sigstore trusted roots

Written by \`scripts/update-trust-roots.sh\`; do not edit by hand.

| field | value |
|---|---|
| package | sigstore (PyPI) |
| version | $version |
| wheel | $(basename "$wheel") |
| wheel sha256 | $wheel_sha |
| retrieved | $date |

| file | taken from (inside the wheel) | sha256 |
|---|---|---|
| public-good.trusted_root.json | sigstore/_store/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev/trusted_root.json | $pg_sha |
| staging.trusted_root.json | sigstore/_store/https%3A%2F%2Ftuf-repo-cdn.sigstage.dev/trusted_root.json | $st_sha |

<!-- machine-readable lines below: read by src/sigstore/trust.rs (include_str!) -->
source=pypi:sigstore==$version
date=$date
MD
echo "wrote $out (sigstore $version, $date)"
