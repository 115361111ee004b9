// hashscreen-fuzz <target> [libFuzzer flags and corpus folders]
//
// One binary for every target: the first argument names it, the rest go to libFuzzer
// (https://llvm.org/docs/LibFuzzer.html). The executable is C with no main of its own, so that
// libFuzzer's main runs: in a Swift executable, Swift's main wins and nothing is fuzzed; and
// swiftc -sanitize=fuzzer links libFuzzer's main whole, so a C main calling
// LLVMFuzzerRunDriver is a duplicate definition. libFuzzer calls LLVMFuzzerInitialize before it
// parses its flags; that is where the target is chosen and its name removed from argv.
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hsfuzz_parquet_file(const uint8_t *, size_t);
int hsfuzz_parquet_pages(const uint8_t *, size_t);
int hsfuzz_tar(const uint8_t *, size_t);
int hsfuzz_csv_tokenizer(const uint8_t *, size_t);
int hsfuzz_delimited_manifest(const uint8_t *, size_t);
int hsfuzz_jsonl_manifest(const uint8_t *, size_t);
int hsfuzz_list_file(const uint8_t *, size_t);
int hsfuzz_image(const uint8_t *, size_t);

static const struct {
    const char *name;
    int (*callback)(const uint8_t *, size_t);
    // Default -max_len: above the seeds the target needs (make_seeds.py keeps seeds under it;
    // libFuzzer cuts longer inputs), small enough for thousands of runs a second.
    int max_len;
    const char *what;
} targets[] = {
    {"parquet-file", hsfuzz_parquet_file, 32768, "a Parquet file: footer (Thrift compact), schema, every row group"},
    {"parquet-pages", hsfuzz_parquet_pages, 65536, "one Parquet column chunk under a fixed footer: pages, codecs, encodings"},
    {"tar", hsfuzz_tar, 65536, "a tar archive: member listing and member reads"},
    {"csv-tokenizer", hsfuzz_csv_tokenizer, 16384, "Core's CSVTokenizer against its streaming contract"},
    {"delimited-manifest", hsfuzz_delimited_manifest, 16384, "a CSV or TSV manifest as a scan reads it"},
    {"jsonl-manifest", hsfuzz_jsonl_manifest, 16384, "a JSON lines manifest as a scan reads it"},
    {"list-file", hsfuzz_list_file, 16384, "a list source file as list import parses it"},
    {"image", hsfuzz_image, 65536, "an image through the decoder shim (JPEG, PNG, GIF, WebP), then PDQ"},
};
enum { target_count = sizeof targets / sizeof targets[0] };

static void usage(FILE *out) {
    fprintf(out, "usage: hashscreen-fuzz <target> [libFuzzer flags] [corpus folders or input files]\n"
                 "       hashscreen-fuzz --list\ntargets:\n");
    for (size_t i = 0; i < target_count; i++)
        fprintf(out, "  %-19s %s (-max_len=%d)\n", targets[i].name, targets[i].what, targets[i].max_len);
}

static int (*selected)(const uint8_t *, size_t);

static int find(const char *name) {
    for (size_t i = 0; i < target_count; i++)
        if (strcmp(name, targets[i].name) == 0) return (int)i;
    return -1;
}

// libFuzzer's main (linked by -sanitize=fuzzer) calls this before it parses its flags: the first
// argument names the target and is removed, and the target's -max_len added unless one is given.
// The name is also left in HASHSCREEN_FUZZ_TARGET, where the processes libFuzzer starts itself
// (-minimize_crash, -fork, -merge) find it, since they get the argv without it.
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    if (*argc >= 2 && strcmp((*argv)[1], "--list") == 0) {
        for (size_t i = 0; i < target_count; i++) printf("%s %d\n", targets[i].name, targets[i].max_len);
        exit(0);
    }
    if (*argc >= 2 && (strcmp((*argv)[1], "--help") == 0 || strcmp((*argv)[1], "-h") == 0)) {
        usage(stdout);
        exit(0);
    }
    int t = *argc >= 2 ? find((*argv)[1]) : -1;
    int skip = t >= 0;
    if (t < 0) {
        const char *inherited = getenv("HASHSCREEN_FUZZ_TARGET");
        if (inherited) t = find(inherited);
    }
    if (t < 0) {
        if (*argc >= 2 && (*argv)[1][0] != '-') fprintf(stderr, "hashscreen-fuzz: unknown target '%s'\n", (*argv)[1]);
        usage(stderr);
        exit(2);
    }
    setenv("HASHSCREEN_FUZZ_TARGET", targets[t].name, 1);
    // The CSV/TSV block path's test hooks (DelimitedBlockInput, read once per process): reads of
    // 7 bytes and blocks of 3 records, so that in every input records end at read and block
    // ends, compared with the row reader's single read; unless already set.
    if (strcmp(targets[t].name, "delimited-manifest") == 0) {
        setenv("HASHSCREEN_CSV_READ_BYTES", "7", 0);
        setenv("HASHSCREEN_CSV_BLOCK_RECORDS", "3", 0);
    }
    static char *args[256];
    static char max_len[32];
    int given = 0, n = 0;
    for (int a = 1 + skip; a < *argc; a++) given |= strncmp((*argv)[a], "-max_len=", 9) == 0;
    if (*argc + 1 > (int)(sizeof args / sizeof args[0])) {
        fprintf(stderr, "hashscreen-fuzz: too many arguments\n");
        exit(2);
    }
    args[n++] = (*argv)[0];
    if (!given) {
        snprintf(max_len, sizeof max_len, "-max_len=%d", targets[t].max_len);
        args[n++] = max_len;
    }
    for (int a = 1 + skip; a < *argc; a++) args[n++] = (*argv)[a];
    args[n] = NULL;
    *argc = n;
    *argv = args;
    selected = targets[t].callback;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return selected(data, size);
}
