#!/usr/bin/env bash
# Prints the folder → folder dependencies of the library (src/Rho1) and the CLI, read from `using Rho1.*`
# lines: one "from -> to (files)" line per arrow. The allowed arrows are in docs/architecture.md and are
# enforced by tests/Rho1.Tests/Architecture/DependencyTests.cs; this script is for reading them.
# Time: 1 s.
set -euo pipefail
cd "$(dirname "$0")/.."
for file in $(find src/Rho1 src/Rho1.Cli -name '*.cs' -not -path '*/obj/*' -not -path '*/bin/*'); do
  case $file in
    src/Rho1.Cli/*) from=Cli ;;
    src/Rho1/*/*) from=$(echo "$file" | cut -d/ -f3) ;;
    *) from=root ;;
  esac
  { grep -oE '^using (static )?Rho1(\.[A-Za-z0-9]+)*' "$file" || true; } | sed -E 's/^using (static )?//' | while read -r ns; do
    to=$(echo "$ns" | cut -d. -f2)
    if [ "$ns" = Rho1 ]; then to=root; fi
    if [ "$to" != "$from" ]; then echo "$from -> $to"; fi
  done
done | sort | uniq -c | awk '{printf "%-12s -> %-12s (%d files)\n", $2, $4, $1}'
