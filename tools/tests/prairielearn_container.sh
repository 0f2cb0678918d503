#!/usr/bin/env bash
# The PrairieLearn export, built and run as a real container image (podman), as a grader
# host runs it. Not a CTest test: it downloads a Debian system and the grader's packages
# and builds the image, which takes a quarter of an hour or more.
#
#   tools/tests/prairielearn_container.sh [SAMPLE] [--privileged]
#
# As root, with podman and debootstrap (apt-get install podman debootstrap). It:
#   1. makes a Debian base image with debootstrap (once: localhost/mpspec-debian:$SUITE,
#      kept in podman's storage), since no registry need be reachable, only a Debian mirror;
#   2. exports the build context (tools/mpspec export prairielearn) and builds it on that
#      base (localhost/mpspec-grader-test);
#   3. grades SAMPLE (default join-ignores-timeout, from conformance/samples/) as a student
#      uploads it (loose files in /grade/student), in a container with PrairieLearn's limits
#      (no network, 2 GiB, 1024 processes, 0.9 CPU, no core dumps), --privileged if asked;
#   4. prints the results.json's score, tests and message, and the grader's isolation there.
# Environment: SUITE (default bookworm), MIRROR (default http://deb.debian.org/debian),
# KEEP=1 keeps the grader image afterwards, SAVE=DIR copies results.json there,
# PODMAN_FLAGS podman's global options and CONTAINER_FLAGS options of both the build and
# the run. A VM with hybrid cgroups (crun:
# "cgroups in hybrid mode not supported") and no CAP_SYS_RESOURCE (runc: "error setting
# rlimit ... operation not permitted") needed PODMAN_FLAGS="--runtime runc"
# CONTAINER_FLAGS="--ulimit nofile=20000:20000 --ulimit nproc=32768:32768".
set -euo pipefail
cd "$(dirname "$0")/../.."
sample=join-ignores-timeout
privileged=()
for arg in "$@"; do
  case $arg in
    --privileged) privileged=(--privileged) ;;
    *) sample=$arg ;;
  esac
done
suite=${SUITE:-bookworm}
mirror=${MIRROR:-http://deb.debian.org/debian}
base=localhost/mpspec-debian:$suite
image=localhost/mpspec-grader-test
read -r -a podman_flags <<<"${PODMAN_FLAGS:-}"
read -r -a container_flags <<<"${CONTAINER_FLAGS:-}"
podman() { command podman "${podman_flags[@]}" "$@"; }
say() { echo "prairielearn_container: $*"; }

tmp=$(mktemp -d /tmp/mpspec-pl-container.XXXXXX)
cleanup() {
  rm -rf "$tmp"
  if [ "${KEEP:-}" != 1 ]; then podman rmi -f "$image" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

if ! podman image exists "$base"; then
  say "making the base image $base with debootstrap ($suite, $mirror)"
  debootstrap --variant=minbase "$suite" "$tmp/rootfs" "$mirror" >"$tmp/debootstrap.log" 2>&1 \
    || { tail -20 "$tmp/debootstrap.log"; exit 1; }
  tar -C "$tmp/rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$base"
  rm -rf "$tmp/rootfs"
fi

say "exporting and building $image on $base"
python3 tools/mpspec export prairielearn --out "$tmp/context"
# The build's network is the host's: apt-get needs the mirror, and a bridge may not work
# where podman runs inside a VM or a container.
podman build "${container_flags[@]}" --network host --build-arg "BASE=$base" -t "$image" \
  "$tmp/context"

say "grading $sample"
mkdir -p "$tmp/impl" "$tmp/grade/student" "$tmp/grade/tests" "$tmp/grade/data"
python3 -c 'import sys; sys.path.insert(0, "tools")
from mpspec_runner.checkout import SAMPLES
from mpspec_runner.grading import samples
samples.materialize(SAMPLES / sys.argv[1], sys.argv[2])' "$sample" "$tmp/impl/submission"
find "$tmp/impl/submission" -type f -exec cp {} "$tmp/grade/student/" \;
echo '{"params": {}, "submitted_answers": {}, "gradable": true}' >"$tmp/grade/data/data.json"
start=$(date +%s)
# PrairieLearn's grader host: the job's folder at /grade, no network, its default limits.
code=0
podman run --rm --network none --memory 2g --memory-swap 2g --pids-limit 1024 --cpus 0.9 \
  --ulimit core=0 "${container_flags[@]}" "${privileged[@]}" -v "$tmp/grade:/grade" "$image" \
  || code=$?
say "the entrypoint exited with $code after $(( $(date +%s) - start )) s"
if [ -n "${SAVE:-}" ]; then mkdir -p "$SAVE" && cp "$tmp/grade/results/results.json" "$SAVE/"; fi
python3 - "$tmp/grade/results/results.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
print(f"gradable: {doc.get('gradable')}  score: {doc.get('score')}  tests: "
      f"{len(doc.get('tests', []))}, failed: "
      f"{[t['name'] for t in doc.get('tests', []) if t.get('message') == 'failed']}")
print("message:\n" + doc.get("message", ""))
EOF
say "the grader's isolation in this container:"
podman run --rm --network none "${container_flags[@]}" "${privileged[@]}" \
  --entrypoint python3 "$image" -c '
import sys; sys.path.insert(0, "/opt/mpspec/source/tools")
from mpspec_runner.grading import workspace
from mpspec_runner.sandbox.cgroups import cgroup_root
from mpspec_runner.sandbox.isolation import isolation
print("  isolation:", isolation())
print("  pids cgroup:", cgroup_root("pids"), " memory cgroup:",
      cgroup_root("memory"), " cpu cgroup:", cgroup_root("cpu"))
print("  shared compiler cache ready:", workspace.cache_ready())'
