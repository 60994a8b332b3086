/* test_watch_collect.c: the steps of `looplint watch` that need no child process: finding
 * libloopwatch.so, the child's LD_PRELOAD and environment, event messages, and turning event
 * lines into deduplicated findings. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag/finding.h"
#include "runtime/collect.h"
#include "runtime/watch.h"

static void touch(const char *path) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fclose(f);
}

static void test_find_library(void **state) {
  (void)state;
  char tmpl[] = "/tmp/ll-watch-test-XXXXXX";
  char *dir = mkdtemp(tmpl);
  assert_non_null(dir);
  char bin[PATH_MAX], exe[PATH_MAX], lib[PATH_MAX], libdir[PATH_MAX], inst[PATH_MAX], envlib[PATH_MAX];
  char out[PATH_MAX];
  snprintf(bin, sizeof bin, "%s/bin", dir);
  snprintf(exe, sizeof exe, "%s/bin/looplint", dir);
  snprintf(lib, sizeof lib, "%s/bin/libloopwatch.so", dir);
  snprintf(libdir, sizeof libdir, "%s/lib/looplint", dir);
  snprintf(inst, sizeof inst, "%s/lib/looplint/libloopwatch.so", dir);
  snprintf(envlib, sizeof envlib, "%s/custom.so", dir);
  assert_int_equal(mkdir(bin, 0755), 0);
  char lib1[PATH_MAX];
  snprintf(lib1, sizeof lib1, "%s/lib", dir);
  assert_int_equal(mkdir(lib1, 0755), 0);
  assert_int_equal(mkdir(libdir, 0755), 0);

  /* Nothing anywhere. */
  assert_int_equal(ll_watch_find_library(exe, NULL, out, sizeof out), -1);
  assert_int_equal(ll_watch_find_library(exe, "/nonexistent", out, sizeof out), -1);
  /* $LOOPLINT_LIB, as a file or as a directory. */
  touch(envlib);
  assert_int_equal(ll_watch_find_library(exe, envlib, out, sizeof out), 0);
  assert_string_equal(out, envlib);
  touch(inst);
  assert_int_equal(ll_watch_find_library(NULL, libdir, out, sizeof out), 0);
  assert_string_equal(out, inst);
  /* ../lib/looplint/ beats $LOOPLINT_LIB; next to the binary beats both. */
  assert_int_equal(ll_watch_find_library(exe, envlib, out, sizeof out), 0);
  assert_string_equal(out, inst);
  touch(lib);
  assert_int_equal(ll_watch_find_library(exe, envlib, out, sizeof out), 0);
  assert_string_equal(out, lib);
  /* A result that does not fit is an error, not a truncation. */
  char tiny[8];
  assert_int_equal(ll_watch_find_library(exe, NULL, tiny, sizeof tiny), -1);

  unlink(lib); unlink(inst); unlink(envlib);
  rmdir(libdir); rmdir(lib1); rmdir(bin); rmdir(dir);
}

static void test_preload_value(void **state) {
  (void)state;
  const char *lib = "/opt/looplint/libloopwatch.so";
  char *v = ll_watch_preload_value(NULL, lib, 0);
  assert_string_equal(v, lib);
  free(v);
  v = ll_watch_preload_value("", lib, 0);
  assert_string_equal(v, lib);
  free(v);
  v = ll_watch_preload_value("/a/liba.so /b/libb.so::", lib, 0);
  assert_string_equal(v, "/a/liba.so:/b/libb.so:/opt/looplint/libloopwatch.so");
  free(v);
  /* Already preloaded (nested watch): appended once. */
  v = ll_watch_preload_value("/opt/looplint/libloopwatch.so:/a/liba.so", lib, 0);
  assert_string_equal(v, "/a/liba.so:/opt/looplint/libloopwatch.so");
  free(v);
  /* A sanitized looplint keeps sanitizer runtimes away from the child. */
  const char *asan = "/usr/lib/gcc/x86_64-linux-gnu/12/libasan.so:libubsan.so.1:/a/liba.so";
  v = ll_watch_preload_value(asan, lib, 1);
  assert_string_equal(v, "/a/liba.so:/opt/looplint/libloopwatch.so");
  free(v);
  v = ll_watch_preload_value(asan, lib, 0);
  assert_non_null(strstr(v, "libasan.so"));
  free(v);
}

static void test_child_env(void **state) {
  (void)state;
  char *env[] = {"PATH=/bin", "LD_PRELOAD=/old.so", "LOOPWATCH_OUT=/old", "LOOPWATCH_STALL_MS=5",
                 "LD_PRELOADX=keep", "HOME=/root", NULL};
  char **e = ll_watch_child_env(env, "/a.so:/b.so", "/tmp/ev", 250);
  int n = 0, preload = 0, out = 0, stall = 0, path = 0, other = 0;
  for (; e[n]; n++) {
    if (strcmp(e[n], "LD_PRELOAD=/a.so:/b.so") == 0) preload++;
    else if (strcmp(e[n], "LOOPWATCH_OUT=/tmp/ev") == 0) out++;
    else if (strcmp(e[n], "LOOPWATCH_STALL_MS=250") == 0) stall++;
    else if (strcmp(e[n], "PATH=/bin") == 0) path++;
    else if (strcmp(e[n], "LD_PRELOADX=keep") == 0 || strcmp(e[n], "HOME=/root") == 0) other++;
    else fail_msg("unexpected entry %s", e[n]);
  }
  assert_int_equal(n, 6);
  assert_int_equal(preload + out + stall + path, 4);
  assert_int_equal(other, 2);
  ll_watch_env_free(e);
  e = ll_watch_child_env(NULL, "/a.so", "/ev", 0);
  assert_string_equal(e[0], "LD_PRELOAD=/a.so");
  assert_string_equal(e[2], "LOOPWATCH_STALL_MS=0");
  assert_null(e[3]);
  ll_watch_env_free(e);
}

static ll_runtime_event_view view(int kind, const char *call, const char *code, unsigned long long us,
                                  const char *file, unsigned line, const char *func, const char *hint) {
  ll_runtime_event_view v;
  memset(&v, 0, sizeof v);
  v.kind = kind;
  v.call = call;
  v.code = code;
  v.dur_us = us;
  v.file = file;
  v.line = line;
  v.func = func;
  v.hint = hint;
  v.exe = "/usr/bin/prog";
  v.in_loop = 1;
  return v;
}

static void test_messages(void **state) {
  (void)state;
  ll_runtime_event_view v = view(LL_EVENT_CALL, "clock_nanosleep", "LOOP101", 201234, "/a.py", 7, "main", "time.sleep");
  char *m = ll_watch_event_message(&v);
  assert_string_equal(m, "`clock_nanosleep` blocked the event loop for 201 ms in main() (time.sleep?)");
  free(m);
  v.dur_us = 1500;
  v.func = "";
  v.hint = "";
  m = ll_watch_event_message(&v);
  assert_string_equal(m, "`clock_nanosleep` blocked the event loop for 1.5 ms");
  free(m);
  v.dur_us = 7;
  v.file = "";
  m = ll_watch_event_message(&v);
  assert_string_equal(m, "`clock_nanosleep` blocked the event loop for 7 us (native code: no Python frame)");
  free(m);
  v.in_loop = 0;
  m = ll_watch_event_message(&v);
  assert_non_null(strstr(m, "outside any event loop"));
  free(m);
  v = view(LL_EVENT_STALL, "", "LOOP106", 400000, "/a.py", 9, "main", "");
  m = ll_watch_event_message(&v);
  assert_string_equal(m, "the event loop stalled for 400 ms in main() (a callback ran that long without awaiting)");
  free(m);
  v.file = "";
  v.func = "";
  m = ll_watch_event_message(&v);
  assert_string_equal(m, "the event loop stalled for 400 ms (no Python frame could be sampled)");
  free(m);
}

static void test_add_events(void **state) {
  (void)state;
  char text[] =
      "loopwatch1\tkind=call\tpid=1\ttid=1\tloop=1\tus=1000\tcode=LOOP101\tcall=nanosleep\tline=7\tfunc=main\thint=time.sleep\tfile=/a.py\n"
      "garbage line\n"
      "loopwatch1\tkind=call\tpid=2\ttid=2\tloop=1\tus=90000\tcode=LOOP101\tcall=clock_nanosleep\tline=7\tfunc=main\thint=time.sleep\tfile=/a.py\n"
      "loopwatch1\tkind=call\tpid=2\ttid=2\tloop=1\tus=5\tcode=LOOP104\tcall=read\tline=7\tfunc=main\thint=file.read\tfile=/a.py\n"
      "loopwatch1\tkind=stall\tpid=2\ttid=2\tloop=1\tus=300000\tcode=LOOP106\tline=12\tfunc=spin\tfile=/b.py\n"
      "loopwatch1\tkind=call\tpid=3\ttid=3\tloop=1\tus=20000\tcode=LOOP101\tcall=usleep\thint=time.sleep\texe=/bin/prog\n"
      "loopwatch1\tkind=call\tpid=3\ttid=3\tloop=1\tus=20000\tcode=LOOP999\tcall=usleep\texe=/bin/prog\n"
      "loopwatch1\tkind=call\tpid=1\ttid=1\tloop=1\tus=2000\tcode=LOOP101\tcall=nanosleep\tline=7\tfunc=main\thint=time.sleep\tfile=/a.py";
  ll_findings fs;
  ll_findings_init(&fs);
  ll_findings_add(&fs, "LOOP104", "/static.py", (ll_pos){1, 1}, (ll_pos){1, 5}, "from check");
  size_t n = ll_watch_add_events(text, &fs);
  assert_int_equal(n, 6); /* garbage and the unknown code are skipped */
  assert_int_equal(fs.v.len, 5);
  ll_findings_sort(&fs);
  const ll_finding *f = &fs.v.items[0];
  assert_string_equal(f->filename, "/a.py");
  assert_string_equal(f->code, "LOOP101");
  assert_int_equal(f->start.row, 7);
  assert_int_equal(f->start.col, 1);
  /* The longest of the three LOOP101 events at /a.py:7 names the finding. */
  assert_string_equal(f->message, "`clock_nanosleep` blocked the event loop for 90 ms in main() (time.sleep?)");
  assert_string_equal(fs.v.items[1].code, "LOOP104");
  assert_string_equal(fs.v.items[2].filename, "/b.py");
  assert_string_equal(fs.v.items[2].code, "LOOP106");
  assert_int_equal(fs.v.items[2].start.row, 12);
  assert_string_equal(fs.v.items[3].filename, "/bin/prog"); /* native: the executable, row 1 */
  assert_int_equal(fs.v.items[3].start.row, 1);
  assert_string_equal(fs.v.items[4].filename, "/static.py"); /* what was there stays */
  ll_findings_free(&fs);

  char empty[] = "";
  ll_findings_init(&fs);
  assert_int_equal(ll_watch_add_events(empty, &fs), 0);
  assert_int_equal(fs.v.len, 0);
  ll_findings_free(&fs);
}

static void test_line_span(void **state) {
  (void)state;
  char path[] = "/tmp/ll-span-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *src = "import time\n\n    time.sleep(1)  \r\n\tx = \"\xc3\xa9\xc3\xa9\"\n"
                    "open('#x').read()  # expect: LOOP104\n";
  assert_int_equal(write(fd, src, strlen(src)), (ssize_t)strlen(src));
  close(fd);
  ll_pos a, b;
  ll_watch_line_span(path, 1, &a, &b);
  assert_int_equal(a.row, 1);
  assert_int_equal(a.col, 1);
  assert_int_equal(b.col, 12);
  ll_watch_line_span(path, 2, &a, &b); /* blank line */
  assert_int_equal(a.col, 1);
  assert_int_equal(b.col, 1);
  ll_watch_line_span(path, 3, &a, &b); /* indentation and trailing blanks, CRLF */
  assert_int_equal(a.col, 5);
  assert_int_equal(b.col, 18);
  ll_watch_line_span(path, 4, &a, &b); /* columns count characters, not bytes */
  assert_int_equal(a.col, 2);
  assert_int_equal(b.col, 10);
  ll_watch_line_span(path, 5, &a, &b); /* the comment is not code; a '#' in a string is */
  assert_int_equal(a.col, 1);
  assert_int_equal(b.col, 18);
  ll_watch_line_span(path, 9, &a, &b); /* past the end */
  assert_int_equal(a.row, 9);
  assert_int_equal(a.col, 1);
  ll_watch_line_span("/nonexistent/file.py", 3, &a, &b);
  assert_int_equal(a.row, 3);
  assert_int_equal(b.col, 1);
  unlink(path);
}

static void test_collect_errors(void **state) {
  (void)state;
  ll_findings fs;
  ll_findings_init(&fs);
  int status = -7;
  char *none[] = {NULL};
  assert_int_equal(ll_watch_collect(none, 100, &fs, &status), -1);
  assert_int_equal(status, 2);
  assert_int_equal(fs.v.len, 0);
  ll_findings_free(&fs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_find_library), cmocka_unit_test(test_preload_value),
      cmocka_unit_test(test_child_env),    cmocka_unit_test(test_messages),
      cmocka_unit_test(test_add_events),   cmocka_unit_test(test_line_span),
      cmocka_unit_test(test_collect_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
