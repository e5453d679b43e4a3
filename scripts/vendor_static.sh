#!/usr/bin/env bash
# Rebuild static/vendor/ from the package registries, so the map needs no CDN.
#
#   scripts/vendor_static.sh           rebuild static/vendor/<package>-<version>/
#   scripts/vendor_static.sh --check   rebuild into a temp dir and diff against static/vendor/
#
# What it does (deterministic: fixed versions, checksums verified, fixed file list):
#   * `npm pack <name>@<version>` for Leaflet and Leaflet.markercluster (the only libraries
#     the map loads: directory/maps.py drops folium's jQuery, Bootstrap and icon fonts),
#     checks each tarball against its pinned sha512 integrity, and copies only the files
#     the browser needs plus the package's licence file, keeping each file's path inside
#     the package: static/vendor/<dir>/<path in package>.
#
# Needs: bash, npm (with node), tar and diff.
# static/vendor/README.md is maintained by hand and is left untouched.
set -euo pipefail

cd "$(dirname "$0")/.."

check=0
case "${1:-}" in
"") ;;
--check) check=1 ;;
*)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac

vendor=static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out="$tmp/out"
mkdir -p "$out"

die() {
    echo "vendor_static: $*" >&2
    exit 1
}

sha512_integrity() {
    node -e 'const c = require("crypto"), f = require("fs");
process.stdout.write("sha512-" + c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"));' "$1"
}

# fetch_npm SPEC INTEGRITY -> extracts into $tmp/npm/<tarball name>/package, sets $pkg
fetch_npm() {
    local spec=$1 integrity=$2 tgz actual
    mkdir -p "$tmp/npm"
    tgz=$(npm pack --silent --loglevel=error --ignore-scripts --pack-destination "$tmp/npm" "$spec" | tail -n 1)
    [[ -f "$tmp/npm/$tgz" ]] || die "npm pack $spec produced no tarball"
    actual=$(sha512_integrity "$tmp/npm/$tgz")
    [[ "$actual" == "$integrity" ]] || die "$spec: integrity $actual, expected $integrity"
    mkdir -p "$tmp/npm/${tgz%.tgz}"
    tar -xzf "$tmp/npm/$tgz" -C "$tmp/npm/${tgz%.tgz}"
    pkg="$tmp/npm/${tgz%.tgz}/package"
}

# put DESTDIR PATH... : copy PATHs (relative to $pkg) to $out/DESTDIR/PATH, mode 0644
put() {
    local dest=$1 f
    shift
    for f in "$@"; do
        [[ -f "$pkg/$f" ]] || die "missing $f in $pkg"
        install -D -m 0644 "$pkg/$f" "$out/$dest/$f"
    done
}

# ---------------------------------------------------------------------- Leaflet (BSD-2-Clause)
fetch_npm leaflet@1.9.4 \
    'sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=='
put leaflet-1.9.4 LICENSE dist/leaflet.js dist/leaflet.css \
    dist/images/layers.png dist/images/layers-2x.png \
    dist/images/marker-icon.png dist/images/marker-icon-2x.png dist/images/marker-shadow.png

# ------------------------------------------------------------ Leaflet.markercluster (MIT)
fetch_npm leaflet.markercluster@1.5.3 \
    'sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA=='
put leaflet.markercluster-1.5.3 MIT-LICENCE.txt dist/leaflet.markercluster.js \
    dist/MarkerCluster.css dist/MarkerCluster.Default.css

# ---------------------------------------------------------------------------- install
if [[ $check == 1 ]]; then
    if diff -r --exclude=README.md "$out" "$vendor"; then
        echo "static/vendor is up to date."
    else
        die "static/vendor differs from a fresh vendoring (see diff above)."
    fi
else
    mkdir -p "$vendor"
    find "$vendor" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
    cp -R "$out"/. "$vendor"/
    echo "Vendored into $vendor:"
    (cd "$vendor" && find . -type f ! -name README.md | LC_ALL=C sort)
fi
