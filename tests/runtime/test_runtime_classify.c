/* test_runtime_classify.c: the runtime's knowledge without any preloading: libc call -> code,
 * descriptor kinds, user/asyncio/library frames, selector recognition, and the event line
 * format (round trips, escaping, the PIPE_BUF limit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>

#include "runtime/classify.h"
#include "runtime/event.h"

static const char *code_of(const char *name, ll_runtime_fd_kind kind, int nonblock) {
  return ll_runtime_code_for(ll_runtime_call_find(name), kind, nonblock);
}

static void test_call_table(void **state) {
  (void)state;
  for (int id = 0; id < LL_CALL_COUNT; id++) {
    const ll_runtime_call *c = ll_runtime_call_get((ll_runtime_call_id)id);
    assert_non_null(c);
    assert_non_null(c->name);
    assert_non_null(c->hint);
    assert_ptr_equal(ll_runtime_call_find(c->name), c); /* names are unique */
  }
  assert_null(ll_runtime_call_get(LL_CALL_COUNT));
  assert_null(ll_runtime_call_find("malloc"));
  assert_null(ll_runtime_call_find(NULL));
  /* Aliases land on their canonical call. */
  assert_string_equal(ll_runtime_call_find("open64")->name, "open");
  assert_string_equal(ll_runtime_call_find("__open64_2")->name, "open");
  assert_string_equal(ll_runtime_call_find("accept4")->name, "accept");
  assert_string_equal(ll_runtime_call_find("__poll_chk")->name, "poll");
  assert_string_equal(ll_runtime_call_find("posix_spawnp")->name, "posix_spawn");
  assert_string_equal(ll_runtime_call_find("gethostbyname_r")->name, "gethostbyname");
}

static void test_codes(void **state) {
  (void)state;
  /* Sleeps always block. */
  assert_string_equal(code_of("clock_nanosleep", LL_FD_UNKNOWN, 0), "LOOP101");
  assert_string_equal(code_of("usleep", LL_FD_UNKNOWN, 0), "LOOP101");
  assert_string_equal(code_of("sleep", LL_FD_UNKNOWN, 0), "LOOP101");
  /* Files block whatever O_NONBLOCK says; devices are not file I/O. */
  assert_string_equal(code_of("read", LL_FD_REGULAR, 0), "LOOP104");
  assert_string_equal(code_of("read", LL_FD_REGULAR, 1), "LOOP104");
  assert_string_equal(code_of("write", LL_FD_DIR, 0), "LOOP104");
  assert_string_equal(code_of("getdents64", LL_FD_DIR, 0), "LOOP104");
  assert_null(code_of("write", LL_FD_CHAR, 0));
  assert_null(code_of("write", LL_FD_PIPE, 0)); /* print() to a piped stdout */
  assert_null(code_of("read", LL_FD_UNKNOWN, 0));
  assert_string_equal(code_of("open", LL_FD_REGULAR, 0), "LOOP104");
  assert_string_equal(code_of("open", LL_FD_UNKNOWN, 0), "LOOP104"); /* failed lookup */
  assert_null(code_of("open", LL_FD_CHAR, 0));                       /* /dev/null */
  assert_string_equal(code_of("stat", LL_FD_UNKNOWN, 0), "LOOP104");
  assert_string_equal(code_of("fsync", LL_FD_UNKNOWN, 0), "LOOP104");
  /* Sockets only when blocking. */
  assert_string_equal(code_of("recv", LL_FD_SOCKET, 0), "LOOP105");
  assert_null(code_of("recv", LL_FD_SOCKET, 1));
  assert_string_equal(code_of("read", LL_FD_SOCKET, 0), "LOOP105");
  assert_null(code_of("read", LL_FD_SOCKET, 1));
  assert_string_equal(code_of("connect", LL_FD_SOCKET, 0), "LOOP105");
  assert_null(code_of("connect", LL_FD_SOCKET, 1));
  assert_null(code_of("send", LL_FD_REGULAR, 0));
  assert_string_equal(code_of("getaddrinfo", LL_FD_UNKNOWN, 0), "LOOP105");
  /* Processes; WNOHANG is passed as nonblock. */
  assert_string_equal(code_of("waitpid", LL_FD_UNKNOWN, 0), "LOOP103");
  assert_null(code_of("waitpid", LL_FD_UNKNOWN, 1));
  assert_string_equal(code_of("fork", LL_FD_UNKNOWN, 0), "LOOP103");
  assert_string_equal(code_of("system", LL_FD_UNKNOWN, 0), "LOOP103");
  /* Waits inside a callback: by what they wait on; a zero timeout never blocks. */
  assert_string_equal(code_of("poll", LL_FD_SOCKET, 0), "LOOP105");
  assert_string_equal(code_of("poll", LL_FD_PIPE, 0), "LOOP103");
  assert_string_equal(code_of("select", LL_FD_OTHER, 0), "LOOP106");
  assert_null(code_of("poll", LL_FD_SOCKET, 1));
  assert_null(ll_runtime_code_for(NULL, LL_FD_REGULAR, 0));
}

static void test_fd_kinds(void **state) {
  (void)state;
  assert_int_equal(ll_runtime_fd_kind_from_mode(S_IFREG | 0644), LL_FD_REGULAR);
  assert_int_equal(ll_runtime_fd_kind_from_mode(S_IFDIR | 0755), LL_FD_DIR);
  assert_int_equal(ll_runtime_fd_kind_from_mode(S_IFSOCK | 0777), LL_FD_SOCKET);
  assert_int_equal(ll_runtime_fd_kind_from_mode(S_IFIFO | 0600), LL_FD_PIPE);
  assert_int_equal(ll_runtime_fd_kind_from_mode(S_IFCHR | 0666), LL_FD_CHAR);
  assert_int_equal(ll_runtime_fd_kind_from_mode(S_IFBLK | 0660), LL_FD_OTHER);
  assert_int_equal(ll_runtime_fd_kind_from_mode(S_IFLNK | 0777), LL_FD_OTHER);
}

static void test_frame_classes(void **state) {
  (void)state;
  const char *lib = "/root/.pyenv/versions/3.11.7/lib/python3.11/";
  assert_int_equal(ll_runtime_frame_classify("/home/u/app/main.py", lib), LL_FRAME_USER);
  assert_int_equal(ll_runtime_frame_classify("relative.py", lib), LL_FRAME_USER);
  assert_int_equal(ll_runtime_frame_classify("/root/.pyenv/versions/3.11.7/lib/python3.11/asyncio/base_events.py", lib),
                   LL_FRAME_ASYNCIO);
  assert_int_equal(ll_runtime_frame_classify("/root/.pyenv/versions/3.11.7/lib/python3.11/subprocess.py", lib),
                   LL_FRAME_LIBRARY);
  assert_int_equal(ll_runtime_frame_classify("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/x/y.py", lib),
                   LL_FRAME_LIBRARY);
  /* Without a known stdlib dir, any lib/pythonX.Y/ path is stdlib (Debian, venvs). */
  assert_int_equal(ll_runtime_frame_classify("/usr/lib/python3.11/asyncio/tasks.py", ""), LL_FRAME_ASYNCIO);
  assert_int_equal(ll_runtime_frame_classify("/usr/lib/python3.11/socket.py", NULL), LL_FRAME_LIBRARY);
  assert_int_equal(ll_runtime_frame_classify("/usr/lib/python3/dist-packages/requests/api.py", ""),
                   LL_FRAME_LIBRARY);
  assert_int_equal(ll_runtime_frame_classify("/opt/venv/lib/python3.12/site-packages/a.py", ""), LL_FRAME_LIBRARY);
  /* A directory that merely starts like lib/python3 is user code. */
  assert_int_equal(ll_runtime_frame_classify("/home/u/lib/python3stuff/app.py", ""), LL_FRAME_USER);
  /* Frozen and synthetic code objects. */
  assert_int_equal(ll_runtime_frame_classify("<frozen importlib._bootstrap>", lib), LL_FRAME_LIBRARY);
  assert_int_equal(ll_runtime_frame_classify("<string>", lib), LL_FRAME_LIBRARY);
  assert_int_equal(ll_runtime_frame_classify("", lib), LL_FRAME_LIBRARY);
  assert_int_equal(ll_runtime_frame_classify(NULL, lib), LL_FRAME_LIBRARY);
}

static void test_stdlib_dir(void **state) {
  (void)state;
  char out[256];
  assert_int_equal(ll_runtime_stdlib_dir_from("/usr/lib/python3.11/selectors.py", out, sizeof out), 0);
  assert_string_equal(out, "/usr/lib/python3.11/");
  assert_int_equal(ll_runtime_stdlib_dir_from("/x/lib/python3.12/asyncio/base_events.py", out, sizeof out), 0);
  assert_string_equal(out, "/x/lib/python3.12/");
  assert_int_equal(ll_runtime_stdlib_dir_from("/x/app.py", out, sizeof out), -1);
  assert_int_equal(ll_runtime_stdlib_dir_from("selectors.py", out, sizeof out), -1); /* not absolute */
  char tiny[8];
  assert_int_equal(ll_runtime_stdlib_dir_from("/usr/lib/python3.11/selectors.py", tiny, sizeof tiny), -1);
}

static void test_selector_wait(void **state) {
  (void)state;
  const char *sel = "/usr/lib/python3.11/selectors.py", *be = "/usr/lib/python3.11/asyncio/base_events.py";
  assert_true(ll_runtime_is_selector_wait(sel, "EpollSelector.select", be, "BaseEventLoop._run_once"));
  assert_true(ll_runtime_is_selector_wait(sel, "select", be, "_run_once")); /* 3.10 co_name */
  /* A selector used by user code inside a coroutine is not the loop's wait. */
  assert_false(ll_runtime_is_selector_wait(sel, "EpollSelector.select", "/app/main.py", "main"));
  assert_false(ll_runtime_is_selector_wait("/app/selectors_util.py", "select", be, "_run_once"));
  assert_false(ll_runtime_is_selector_wait(sel, "EpollSelector.register", be, "_run_once"));
  assert_false(ll_runtime_is_selector_wait(NULL, "select", be, "_run_once"));
}

static ll_runtime_event sample_event(void) {
  ll_runtime_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = LL_EVENT_CALL;
  ev.call = "clock_nanosleep";
  ev.code = "LOOP101";
  ev.hint = "time.sleep";
  ev.dur_us = 201234;
  ev.pid = 4242;
  ev.tid = 4243;
  ev.in_loop = 1;
  strcpy(ev.loc.file, "/work/app/bad.py");
  strcpy(ev.loc.func, "Server.main");
  ev.loc.line = 7;
  return ev;
}

static void test_event_round_trip(void **state) {
  (void)state;
  ll_runtime_event ev = sample_event();
  char line[LL_RUNTIME_LINE_MAX];
  size_t n = ll_runtime_event_format(&ev, "/usr/bin/python3", line, sizeof line);
  assert_int_equal(n, strlen(line));
  assert_int_equal(line[n - 1], '\n');
  assert_ptr_equal(strchr(line, '\n'), line + n - 1); /* exactly one newline, at the end */
  assert_null(strstr(line, "exe=")); /* a Python file makes the exe useless */
  ll_runtime_event_view v;
  assert_int_equal(ll_runtime_event_parse(line, &v), 0);
  assert_int_equal(v.kind, LL_EVENT_CALL);
  assert_string_equal(v.call, "clock_nanosleep");
  assert_string_equal(v.code, "LOOP101");
  assert_string_equal(v.hint, "time.sleep");
  assert_string_equal(v.file, "/work/app/bad.py");
  assert_string_equal(v.func, "Server.main");
  assert_string_equal(v.exe, "");
  assert_int_equal(v.line, 7);
  assert_int_equal(v.dur_us, 201234);
  assert_int_equal(v.pid, 4242);
  assert_int_equal(v.tid, 4243);
  assert_int_equal(v.in_loop, 1);
}

static void test_event_native_and_stall(void **state) {
  (void)state;
  ll_runtime_event ev = sample_event();
  ev.loc.file[0] = ev.loc.func[0] = '\0';
  ev.loc.line = 0;
  ev.in_loop = 0;
  char line[LL_RUNTIME_LINE_MAX];
  ll_runtime_event_format(&ev, "/bin/sleep", line, sizeof line);
  ll_runtime_event_view v;
  assert_int_equal(ll_runtime_event_parse(line, &v), 0);
  assert_string_equal(v.exe, "/bin/sleep");
  assert_string_equal(v.file, "");
  assert_int_equal(v.line, 0);
  assert_int_equal(v.in_loop, 0);

  ev = sample_event();
  ev.kind = LL_EVENT_STALL;
  ev.call = NULL;
  ev.hint = NULL;
  ev.code = "LOOP106";
  ll_runtime_event_format(&ev, NULL, line, sizeof line);
  assert_int_equal(ll_runtime_event_parse(line, &v), 0);
  assert_int_equal(v.kind, LL_EVENT_STALL);
  assert_string_equal(v.call, "");
  assert_string_equal(v.code, "LOOP106");
}

static void test_event_escaping(void **state) {
  (void)state;
  ll_runtime_event ev = sample_event();
  strcpy(ev.loc.file, "/tmp/we\tird\\dir/new\nline\r.py");
  char line[LL_RUNTIME_LINE_MAX];
  size_t n = ll_runtime_event_format(&ev, NULL, line, sizeof line);
  assert_ptr_equal(strchr(line, '\n'), line + n - 1); /* escaped: still one line */
  ll_runtime_event_view v;
  assert_int_equal(ll_runtime_event_parse(line, &v), 0);
  assert_string_equal(v.file, "/tmp/we\tird\\dir/new\nline\r.py");
  assert_string_equal(v.func, "Server.main"); /* fields after it intact */
}

static void test_event_limits(void **state) {
  (void)state;
  ll_runtime_event ev = sample_event();
  /* The longest possible file, all escapes: still at most PIPE_BUF, still one line. */
  memset(ev.loc.file, '\t', sizeof ev.loc.file - 1);
  ev.loc.file[sizeof ev.loc.file - 1] = '\0';
  memset(ev.loc.func, 'f', sizeof ev.loc.func - 1);
  ev.loc.func[sizeof ev.loc.func - 1] = '\0';
  char line[LL_RUNTIME_LINE_MAX];
  size_t n = ll_runtime_event_format(&ev, NULL, line, sizeof line);
  assert_true(n <= LL_RUNTIME_LINE_MAX);
  assert_ptr_equal(strchr(line, '\n'), line + n - 1);
  /* A tiny buffer cuts values but keeps a well-formed line ending in '\n'. */
  char small[64];
  n = ll_runtime_event_format(&ev, NULL, small, sizeof small);
  assert_true(n <= sizeof small);
  assert_int_equal(small[n - 1], '\n');
  assert_int_equal(ll_runtime_event_format(&ev, NULL, small, 2), 0);
}

static void test_event_parse_rejects(void **state) {
  (void)state;
  ll_runtime_event_view v;
  char a[] = "";
  char b[] = "hello world\n";
  char c[] = "loopwatch1\tkind=call\tpid=1\n"; /* no code */
  char d[] = "loopwatch1\tkind=weird\tcode=LOOP101\n";
  char e[] = "loopwatch2\tkind=call\tcode=LOOP101\n";
  char f[] = "loopwatch1\tcode=LOOP101\tkind=stall\tfuture=field\tus=5\n"; /* any order, extra keys */
  assert_int_equal(ll_runtime_event_parse(a, &v), -1);
  assert_int_equal(ll_runtime_event_parse(b, &v), -1);
  assert_int_equal(ll_runtime_event_parse(c, &v), -1);
  assert_int_equal(ll_runtime_event_parse(d, &v), -1);
  assert_int_equal(ll_runtime_event_parse(e, &v), -1);
  assert_int_equal(ll_runtime_event_parse(f, &v), 0);
  assert_int_equal(v.kind, LL_EVENT_STALL);
  assert_int_equal(v.dur_us, 5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_call_table),       cmocka_unit_test(test_codes),
      cmocka_unit_test(test_fd_kinds),         cmocka_unit_test(test_frame_classes),
      cmocka_unit_test(test_stdlib_dir),       cmocka_unit_test(test_selector_wait),
      cmocka_unit_test(test_event_round_trip), cmocka_unit_test(test_event_native_and_stall),
      cmocka_unit_test(test_event_escaping),   cmocka_unit_test(test_event_limits),
      cmocka_unit_test(test_event_parse_rejects),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
