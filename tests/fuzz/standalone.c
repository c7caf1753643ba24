/*
 * Replays fuzz inputs without libFuzzer: every file named on the command line, or found in
 * a directory named there, goes through LLVMFuzzerTestOneInput() once. `make check` runs the
 * corpora this way under ASan+UBSan with gcc.
 */

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/fileio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	_cleanup_free_ char *data = NULL;
	struct error e = ERROR_INIT;
	size_t len;

	if (read_file_full(path, 16 << 20, &data, &len, &e) < 0) {
		fprintf(stderr, "standalone: %s\n", e.message);
		return 1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned runs = 0;
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *dir;

		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed |= run_file(argv[i]);
			runs++;
			continue;
		}
		dir = opendir(argv[i]);
		if (!dir) {
			perror(argv[i]);
			return 1;
		}
		for (struct dirent *de = readdir(dir); de; de = readdir(dir)) {
			_cleanup_free_ char *p = NULL;

			if (de->d_name[0] == '.')
				continue;
			p = xasprintf("%s/%s", argv[i], de->d_name);
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
				failed |= run_file(p);
				runs++;
			}
		}
		closedir(dir);
	}
	printf("standalone: replayed %u inputs\n", runs);
	return failed;
}
