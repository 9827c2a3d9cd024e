#!/usr/bin/env bash
# Debian's chromium, which the site tests and bench:docs drive with playwright-core (playwright
# never downloads a browser here). Installed with apt-get when missing; prints its path.
#
#   scripts/chromium.sh        print the browser's path; exit 1 when it is missing and apt-get cannot install it
set -uo pipefail

CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
  { apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; } > /dev/null 2>&1
fi
if [ ! -x "$CHROMIUM" ]; then
  printf 'chromium is not installed at %s, and apt-get could not install it (apt-get install chromium)\n' "$CHROMIUM" >&2
  exit 1
fi
printf '%s\n' "$CHROMIUM"
