#!/usr/bin/env bash
# Check the module layering of STYLE.md section 2 on every #include "module/..." of agent/:
#  - a module includes only its own headers and those of lower layers;
#  - <module>/internal.h is included only from files of that module;
#  - a module's public header is <module>/<module>.h (core has one header per piece).
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A layer=(
	[core]=0
	[doc]=1 [http]=1
	[source]=2 [render]=2 [kube]=2 [aws]=2 [server]=2 [state]=2
	[drift]=3 [rollout]=3
	[sync]=4
	# STYLE.md puts daemon and cli on one layer and allows includes from it; cli/run.c
	# starts the daemon, so cli sits just above it (and never the other way round)
	[daemon]=5 [cli]=6
	[main]=7
)

status=0
while IFS= read -r file; do
	rel=${file#agent/}
	case "$rel" in
	*/*) mod=${rel%%/*} ;;
	*) mod=main ;;
	esac
	if [ -z "${layer[$mod]+x}" ]; then
		echo "check-layers: $file: module '$mod' has no layer in scripts/check-layers.sh" >&2
		status=1
		continue
	fi
	while IFS=: read -r line inc; do
		target=${inc%%/*}
		if [ "$target" = "$inc" ]; then
			echo "check-layers: $file:$line: include \"$inc\" without a module folder" >&2
			status=1
			continue
		fi
		if [ -z "${layer[$target]+x}" ]; then
			echo "check-layers: $file:$line: unknown module in \"$inc\"" >&2
			status=1
			continue
		fi
		if [ "${inc#*/}" = internal.h ] && [ "$target" != "$mod" ]; then
			echo "check-layers: $file:$line: \"$inc\" is internal to $target/" >&2
			status=1
		fi
		if [ "$target" != "$mod" ] && [ "${layer[$target]}" -ge "${layer[$mod]}" ]; then
			echo "check-layers: $file:$line: $mod (layer ${layer[$mod]}) may not include $inc (layer ${layer[$target]})" >&2
			status=1
		fi
		if [ "$target" != "$mod" ] && [ "$target" != core ] && [ "${inc#*/}" != "$target.h" ]; then
			echo "check-layers: $file:$line: use $target/$target.h, the public header of $target/" >&2
			status=1
		fi
	done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" |
		sed 's/^\([0-9]*\):[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1:\2/')
done < <(find agent -name '*.[ch]' | sort)

# internal.h must not be reachable from tests either
if grep -rn --include='*.c' --include='*.h' '#include "[a-z]*/internal.h"' tests 2>/dev/null; then
	echo "check-layers: tests must use public headers only" >&2
	status=1
fi
exit $status
