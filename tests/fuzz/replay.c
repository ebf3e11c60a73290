/* SPDX-License-Identifier: MIT */
/*
 * Without libFuzzer (gcc, or a build without -Dfuzzing=true): run a fuzz
 * target once on each file named, or in each directory named, so that the
 * seed corpus and every input that once crashed stay regression tests.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path) {
        FILE *f = fopen(path, "rb");
        unsigned char *data = NULL;
        long size;

        if (!f || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
                fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
                if (f)
                        fclose(f);
                return -1;
        }
        /* Exactly size bytes, so that a read past the input is caught. */
        data = malloc(size ? (size_t) size : 1);
        if (!data || fread(data, 1, (size_t) size, f) != (size_t) size) {
                fprintf(stderr, "replay: cannot read %s\n", path);
                free(data);
                fclose(f);
                return -1;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(data, (size_t) size);
        free(data);
        return 0;
}

static int compare(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Every regular file in dir, in name order; returns how many, or -1. */
static int run_dir(const char *dir) {
        char **names = NULL, path[4096];
        size_t n = 0, cap = 0;
        struct dirent *e;
        DIR *d = opendir(dir);
        int count = 0;

        if (!d) {
                fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
                return -1;
        }
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                if (n == cap) {
                        char **more = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
                        if (!more)
                                abort();
                        names = more;
                }
                names[n] = strdup(e->d_name);
                if (!names[n++])
                        abort();
        }
        closedir(d);
        qsort(names, n, sizeof *names, compare);
        for (size_t i = 0; i < n; i++) {
                snprintf(path, sizeof path, "%s/%s", dir, names[i]);
                if (run_file(path) < 0)
                        count = -1;
                else if (count >= 0)
                        count++;
                free(names[i]);
        }
        free(names);
        return count;
}

int main(int argc, char **argv) {
        int total = 0;

        if (argc < 2) {
                fprintf(stderr, "Usage: %s FILE|DIR...\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < argc; i++) {
                struct stat st;
                int n;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
                n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) == 0 ? 1 : -1;
                if (n < 0)
                        return 1;
                total += n;
        }
        if (total == 0) {
                fprintf(stderr, "replay: no inputs\n");
                return 1;
        }
        printf("replayed %d inputs\n", total);
        return 0;
}
