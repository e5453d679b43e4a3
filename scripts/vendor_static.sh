#!/usr/bin/env bash
# Rebuild static/vendor/ from the package registries, so the map needs no CDN.
#
#   scripts/vendor_static.sh           rebuild static/vendor/<package>-<version>/
#   scripts/vendor_static.sh --check   rebuild into a temp dir and diff against static/vendor/
#
# What it does (deterministic: fixed versions, checksums verified, fixed file list):
#   * `npm pack <name>@<version>` for each JS/CSS package folium's map loads, checks the
#     tarball against the pinned sha512 integrity, and copies only the files the browser
#     needs (JS, CSS, the images/fonts the CSS refers to) plus the package's licence file,
#     keeping each file's path inside the package: static/vendor/<dir>/<path in package>.
#   * Bootstrap 3's standalone "bootstrap-glyphicons.css" (used by folium for Awesome
#     Markers' default "glyphicon" icons) is not on npm; the same rules are cut out of
#     bootstrap@3.4.1's dist/css/bootstrap.css into dist/css/bootstrap-glyphicons.css.
#   * folium's own leaflet.awesome.rotate.css is not in the folium wheel; it is taken from
#     the folium 0.20.0 sdist, downloaded from PyPI with `pip download` (sha256 checked).
#
# Needs: bash, npm (with node), tar, sha256sum, awk, diff, and a Python with pip
# (.venv/bin/python if it exists, else $PYTHON, else python3).
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

# --------------------------------------------------------------------------- jQuery (MIT)
fetch_npm jquery@3.7.1 \
    'sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg=='
put jquery-3.7.1 LICENSE.txt dist/jquery.min.js

# ---------------------------------------------------------------------- Bootstrap 5 (MIT)
fetch_npm bootstrap@5.2.2 \
    'sha512-dEtzMTV71n6Fhmbg4fYJzQsw1N29hJKO1js5ackCgIpDcGid2ETMGC6zwSYw09v05Y+oRdQ9loC54zB1La3hHQ=='
put bootstrap-5.2.2 LICENSE dist/js/bootstrap.bundle.min.js dist/css/bootstrap.min.css

# ---------------------------------------------- Bootstrap 3 Glyphicons Halflings (MIT)
fetch_npm bootstrap@3.4.1 \
    'sha512-yN5oZVmRCwe5aKwzRj6736nSmKDX7pLYwsXiCj/EYmo16hODaBiT4En5btW/jhBF/seV+XMx3aYwukYC3A49DA=='
put bootstrap-3.4.1 LICENSE \
    dist/fonts/glyphicons-halflings-regular.eot dist/fonts/glyphicons-halflings-regular.svg \
    dist/fonts/glyphicons-halflings-regular.ttf dist/fonts/glyphicons-halflings-regular.woff \
    dist/fonts/glyphicons-halflings-regular.woff2
glyph="$out/bootstrap-3.4.1/dist/css/bootstrap-glyphicons.css"
mkdir -p "$(dirname "$glyph")"
{
    printf '%s\n' \
        '/*!' \
        ' * Glyphicons Halflings rules cut from Bootstrap v3.4.1 dist/css/bootstrap.css' \
        ' * (npm bootstrap@3.4.1) by scripts/vendor_static.sh; stands in for Bootstrap 3.0.0'"'"'s' \
        ' * bootstrap-glyphicons.css, which folium loads for Awesome Markers.' \
        ' * Bootstrap: Copyright 2011-2019 Twitter, Inc. Licensed under MIT (see ../../LICENSE).' \
        ' */'
    # From the @font-face block declaring "Glyphicons Halflings" to the end of the last
    # icon rule (.glyphicon-menu-up:before) -- the contiguous glyphicons section.
    awk '
        /^@font-face \{$/ { held = $0; check = 1; next }
        check { check = 0; if ($0 ~ /font-family: "Glyphicons Halflings";/) { on = 1; print held } }
        on { print }
        on && /^\.glyphicon-menu-up:before \{$/ { last = 1 }
        last && /^\}$/ { exit }
    ' "$pkg/dist/css/bootstrap.css"
} >"$glyph"
chmod 0644 "$glyph"
src_rules=$(grep -c '^\.glyphicon-[a-z0-9-]*:before' "$pkg/dist/css/bootstrap.css")
got_rules=$(grep -c '^\.glyphicon-[a-z0-9-]*:before' "$glyph")
[[ "$src_rules" -gt 200 && "$src_rules" == "$got_rules" ]] ||
    die "glyphicons extraction: $got_rules of $src_rules icon rules"
grep -q '^\.glyphicon {$' "$glyph" || die "glyphicons extraction: no .glyphicon rule"

# ---------------------------------------------------- Leaflet.awesome-markers (MIT text)
# folium loads 2.0.2 from cdnjs; npm has the same JavaScript as 2.0.5 (its CSS matches its
# taller sprite, which adds optional square markers).
fetch_npm leaflet.awesome-markers@2.0.5 \
    'sha512-Ne/xDjkGyaujwNVVkv2tyXQUV0ZW7gZ0Mo0FuQY4jp2qWrvXi0hwDBvmZyF/8YOvybyMabTMM/mFWCTd1jZIQA=='
put leaflet.awesome-markers-2.0.5 LICENSE \
    dist/leaflet.awesome-markers.js dist/leaflet.awesome-markers.css \
    dist/images/markers-soft.png dist/images/markers-soft@2x.png \
    dist/images/markers-shadow.png dist/images/markers-shadow@2x.png

# ------------------------------- Font Awesome Free (icons CC BY 4.0, fonts OFL-1.1, code MIT)
fetch_npm @fortawesome/fontawesome-free@6.2.0 \
    'sha512-CNR7qRIfCwWHNN7FnKUniva94edPdyQzil/zCwk3v6k4R6rR2Fr8i4s3PM7n/lyfPA6Zfko9z5WDzFxG9SW1uQ=='
put fontawesome-free-6.2.0 LICENSE.txt css/all.min.css \
    webfonts/fa-brands-400.ttf webfonts/fa-brands-400.woff2 \
    webfonts/fa-regular-400.ttf webfonts/fa-regular-400.woff2 \
    webfonts/fa-solid-900.ttf webfonts/fa-solid-900.woff2 \
    webfonts/fa-v4compatibility.ttf webfonts/fa-v4compatibility.woff2

# ------------------------------------------- folium's leaflet.awesome.rotate.css (MIT)
if [[ -n "${PYTHON:-}" ]]; then
    py=$PYTHON
elif [[ -x .venv/bin/python ]]; then
    py=.venv/bin/python
else
    py=python3
fi
PIP_DISABLE_PIP_VERSION_CHECK=1 "$py" -m pip download --quiet --no-deps \
    --no-binary folium --dest "$tmp/pypi" folium==0.20.0
sdist="$tmp/pypi/folium-0.20.0.tar.gz"
echo "a0d78b9d5a36ba7589ca9aedbd433e84e9fcab79cd6ac213adbcff922e454cb9  $sdist" |
    sha256sum --check --quiet - || die "folium sdist checksum mismatch"
tar -xzf "$sdist" -C "$tmp/pypi" \
    folium-0.20.0/LICENSE.txt folium-0.20.0/folium/templates/leaflet.awesome.rotate.css
pkg="$tmp/pypi/folium-0.20.0"
put folium-0.20.0 LICENSE.txt folium/templates/leaflet.awesome.rotate.css

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
