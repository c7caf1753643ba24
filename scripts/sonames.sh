#!/usr/bin/env bash
# Print -DDRIFTLESS_SONAME_<LIB>="<soname>" for each pkg-config package given: the SONAME of
# the library its -l flag names, as the linker would pick it. The program dlopen()s these
# libraries by that name (agent/core/dl.h), so it loads the one its headers came from.
set -euo pipefail

for pkg in "$@"; do
	libdir=$(pkg-config --variable=libdir "$pkg")
	for flag in $(pkg-config --libs-only-l "$pkg"); do
		name=${flag#-l}
		break
	done
	file="$libdir/lib$name.so"
	soname=$(objdump -p "$file" | awk '$1 == "SONAME" { print $2 }')
	if [ -z "$soname" ]; then
		echo "sonames.sh: no SONAME in $file (package $pkg)" >&2
		exit 1
	fi
	macro=$(printf 'LIB%s' "$name" | tr 'a-z.-' 'A-Z__')
	printf -- '-DDRIFTLESS_SONAME_%s=\\"%s\\" ' "$macro" "$soname"
done
echo
