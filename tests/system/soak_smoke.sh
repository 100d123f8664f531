#!/bin/sh
# tests/system/soak_smoke.sh - a short run of the soak test (make soak,
# contrib/milterbench/soak.sh) inside make check, so the hostile dialogues
# also run against the sanitizer build in make sanitize: 400 messages from
# tests/fixtures/soak, 15% aborted (RSET then the next message on the same
# connection, or QUIT), 10% dropped mid-body, and the special messages (a
# 4 MB body instead of 50 MB, 10,000 headers, 1,000 signatures, a header
# block over max_header_bytes in small fields, 1 MB header fields at and
# over libmilter's limit), twice. Every message sent
# whole must get its verdict, the daemon must log no error and exit 0 on
# SIGTERM. RSS is not judged here (too short a run: soak.c says skipped).
set -eu
BUILD=${BUILD:-build}
export BUILD
SOAK_CORPUS=$(pwd)/tests/fixtures/soak SOAK_RUN=$(pwd)/$BUILD/soak-smoke \
SOAK_MESSAGES=400 SOAK_THREADS=4 SOAK_ABORT=150 SOAK_DROP=100 SOAK_BIG_MB=4 \
    sh contrib/milterbench/soak.sh
