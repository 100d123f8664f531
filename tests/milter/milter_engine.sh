#!/bin/sh
# tests/milter/milter_engine.sh - the milter engine against a real daemon,
# from the MTA side (tests/milter/milter_engine.py says what each check
# shows): packet sizes echoed as offered, header values with or without
# their leading space, a header field over the packet bound skipped with
# the connection kept, the log naming the action sent, warnings once per
# process, memory within the stated bound under 16 connections pushing
# their maximum, and SMFIR_PROGRESS while a slow DNS holds end of message.
# About 20 s.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
export AUTHMILTER
exec /usr/bin/python3 tests/milter/milter_engine.py "$@"
