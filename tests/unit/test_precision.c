/* test_precision.c: code that looks wrong and is right (issue 13): handlers that hand the
 * exception to a re-raising helper of another file, blocking steps behind a memo or a flag
 * the call site does not pass, and the grouping of LOOP110 findings that share one
 * blocking call. Files are linted from buffers with module names given, then the project
 * pass runs, as the batch driver does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include "model/facts.h"
#include "model/project.h"
#include "lint_helper.h"

typedef struct file_spec {
  const char *path, *module, *code;
  int is_package;
} file_spec;

/* Lints the files, runs the project pass; returns every finding, file-local ones included,
 * as "CODE@file:row ..." sorted. */
static const char *all_codes(test_env *e, const file_spec *files, size_t n, char *buf, size_t size) {
  ll_file_facts facts[8];
  ll_findings out;
  ll_findings_init(&out);
  for (size_t i = 0; i < n; i++) {
    ll_facts_init(&facts[i]);
    ll_source src;
    ll_source_from_buffer(&src, files[i].path, files[i].code, strlen(files[i].code));
    src.module = files[i].module;
    src.is_package = files[i].is_package;
    ll_lint_source(&e->linter, e->parser, &src, &out, &facts[i]);
    ll_source_free(&src);
  }
  ll_project p;
  ll_project_build(&p, facts, n, &e->db);
  ll_project_check(&p, &out);
  ll_project_free(&p);
  for (size_t i = 0; i < n; i++) ll_facts_free(&facts[i]);
  ll_findings_sort(&out);
  buf[0] = 0;
  size_t k = 0;
  for (size_t i = 0; i < out.v.len; i++)
    k += (size_t)snprintf(buf + k, size - k, "%s%s@%s:%u", i ? " " : "", out.v.items[i].code, out.v.items[i].filename,
                          out.v.items[i].start.row);
  ll_findings_free(&out);
  return buf;
}

static int setup(void **state) {
  test_env *e = calloc(1, sizeof *e);
  test_env_init(e, 0);
  *state = e;
  return 0;
}

static int teardown(void **state) {
  test_env_free(*state);
  free(*state);
  return 0;
}

/* The helper in another file decides, by what its body does. */
static void reraise_across_files(void **state) {
  char buf[1024];
  const char *errors =
      "from typing import NoReturn\n"
      "def again(exc) -> NoReturn:\n    raise exc\n"                       /* re-raises its parameter */
      "def bare():\n    print('x')\n    raise\n"                           /* bare: what is handled */
      "def other(exc) -> NoReturn:\n    raise RuntimeError('x') from exc\n" /* raises something else */
      "def sometimes(exc):\n    if exc:\n        raise exc\n"              /* may return */
      "def logs(exc):\n    print(exc)\n"
      "def second(a, exc):\n    raise exc\n";
  struct { const char *call; const char *want; } cases[] = {
      {"again(err)", ""},
      {"again(exc=err)", ""},
      {"bare()", ""},
      {"other(err)", "LOOP401@pkg/w.py:7"},
      {"sometimes(err)", "LOOP401@pkg/w.py:7"},
      {"logs(err)", "LOOP401@pkg/w.py:7"},
      {"again(ValueError())", "LOOP401@pkg/w.py:7"},
      {"second(err, err)", ""},
      {"second(err, 1)", "LOOP401@pkg/w.py:7"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char code[512];
    snprintf(code, sizeof code,
             "import asyncio\nfrom .errors import again, bare, other, sometimes, logs, second\n\nasync def run(q):\n"
             "    try:\n        await q.get()\n    except asyncio.CancelledError as err:\n        %s\n",
             cases[i].call);
    file_spec f[] = {
        {"pkg/__init__.py", "pkg", "", 1},
        {"pkg/errors.py", "pkg.errors", errors, 0},
        {"pkg/w.py", "pkg.w", code, 0},
    };
    const char *got = all_codes(*state, f, 3, buf, sizeof buf);
    if (strcmp(got, cases[i].want) != 0) fail_msg("%s: got '%s', want '%s'", cases[i].call, got, cases[i].want);
  }
}

/* A later clause of a try whose earlier clause took CancelledError never sees it. */
static void shadowed_clauses(void **state) {
  char buf[512];
  file_spec f[] = {{"m.py", "m",
                    "import asyncio\nasync def a(r):\n    try:\n        await r.read()\n"
                    "    except asyncio.CancelledError:\n        raise\n"
                    "    except (OSError, asyncio.CancelledError):\n        return None\n"
                    "    except BaseException:\n        return None\n"
                    "async def b(r):\n    try:\n        await r.read()\n"
                    "    except ValueError:\n        raise\n"
                    "    except (OSError, asyncio.CancelledError):\n        return None\n",
                    0}};
  assert_string_equal(all_codes(*state, f, 1, buf, sizeof buf), "LOOP401@m.py:16");
}

/* "harmless_when" conditions are checked when the data is loaded. */
static void harmless_when_loader(void **state) {
  (void)state;
  static const char *const BAD[] = {
      "{\"categories\":{\"file\":\"LOOP104\"},\"blocking\":[{\"name\":\"x.f\",\"category\":\"file\","
      "\"harmless_when\":[{\"type\":[\"io.BytesIO\"]}]}]}", /* names no argument */
      "{\"categories\":{\"file\":\"LOOP104\"},\"blocking\":[{\"name\":\"x.f\",\"category\":\"file\","
      "\"harmless_when\":[{\"keyword\":\"k\",\"value\":\"os.devnull\"}]}]}", /* value not a list */
      "{\"categories\":{\"file\":\"LOOP104\"},\"blocking\":[{\"name\":\"x.f\",\"category\":\"file\","
      "\"harmless_when\":{\"keyword\":\"k\"}}]}", /* not a list */
      "{\"categories\":{\"file\":\"LOOP104\"},\"blocking\":[{\"name\":\"x.f\",\"category\":\"file\","
      "\"harmless_when\":[{\"caught\":\"builtins.OSError\"}]}]}", /* caught not a list */
  };
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    ll_ruledb db;
    char err[256] = "";
    ll_ruledb_init(&db);
    assert_int_not_equal(ll_ruledb_load_text(&db, "t", BAD[i], err, sizeof err), 0);
    assert_non_null(strstr(err, "harmless_when"));
    ll_ruledb_free(&db);
  }
  ll_ruledb db;
  char err[256] = "";
  ll_ruledb_init(&db);
  assert_int_equal(ll_ruledb_load_text(&db, "t",
                                       "{\"categories\":{\"file\":\"LOOP104\"},\"blocking\":[{\"name\":\"x.f\","
                                       "\"category\":\"file\",\"harmless_when\":[{\"keyword\":\"k\",\"position\":1,"
                                       "\"type\":[\"io.BytesIO\"],\"absent\":[\"a\"]},{\"receiver\":true,\"position\":0}]}]}",
                                       err, sizeof err),
                   0);
  const ll_blocking_entry *e = ll_ruledb_blocking(&db, "x.f");
  assert_non_null(e);
  assert_int_equal(e->nharmless, 2);
  assert_string_equal(e->harmless[0].keyword, "k");
  assert_int_equal(e->harmless[0].position, 1);
  assert_string_equal(e->harmless[0].types[0], "io.BytesIO");
  assert_null(e->harmless[0].types[1]);
  assert_string_equal(e->harmless[0].absent[0], "a");
  assert_true(e->harmless[1].receiver);
  ll_ruledb_free(&db);
}

typedef struct handler_case {
  const char *call; /* the statement of the handler */
  const char *want; /* the codes expected, all_codes' format */
} handler_case;

/* Each case's call as the body of `except BaseException as exc:` around an await, in a
 * method of a class whose base (pkg/base.py, text base) defines the helpers. */
static void handler_cases(test_env *e, const char *base, const handler_case *cases, size_t n) {
  char buf[1024];
  for (size_t i = 0; i < n; i++) {
    char code[512];
    snprintf(code, sizeof code,
             "from .base import Mixin\n\nclass Stream(Mixin):\n    async def receive(self, sock):\n"
             "        data = None\n        try:\n            data = await sock.recv(1)\n"
             "        except BaseException as exc:\n            %s\n        return data\n",
             cases[i].call);
    file_spec f[] = {
        {"pkg/__init__.py", "pkg", "", 1},
        {"pkg/base.py", "pkg.base", base, 0},
        {"pkg/w.py", "pkg.w", code, 0},
    };
    const char *got = all_codes(e, f, 3, buf, sizeof buf);
    if (strcmp(got, cases[i].want) != 0) fail_msg("%s: got '%s', want '%s'", cases[i].call, got, cases[i].want);
  }
}

/* A broad handler that hands the exception to a method (of a base class in another file)
 * that never returns and re-raises it on some path converts, not swallows: no LOOP402. A
 * helper that may return, or never re-raises it, leaves LOOP402. */
static void broad_handler_converter(void **state) {
  const char *base =
      "from typing import NoReturn\n"
      "class Mixin:\n"
      "    def convert(self, exc: BaseException) -> NoReturn:\n"
      "        if isinstance(exc, OSError):\n            raise RuntimeError('x') from exc\n"
      "        raise exc\n"
      "    def wrap(self, exc) -> NoReturn:\n        raise RuntimeError('x') from exc\n"
      "    def log(self, exc):\n        if exc:\n            raise exc\n";
  handler_case cases[] = {
      {"self.convert(exc)", ""},
      {"self.convert(exc=exc)", ""},
      {"self.wrap(exc)", "LOOP402@pkg/w.py:8"},
      {"self.log(exc)", "LOOP402@pkg/w.py:8"},
      {"self.convert(ValueError())", "LOOP402@pkg/w.py:8"},
  };
  handler_cases(*state, base, cases, sizeof cases / sizeof cases[0]);
}

/* A helper that may return but re-raises whenever it is handed a cancellation keeps the
 * cancellation: `not isinstance(exc, Exception)` holds for CancelledError, a BaseException.
 * A condition false for it (`isinstance(exc, Exception)`), one nothing proves (a flag), a
 * `return` before the test, or an async helper the handler does not await leave LOOP402. */
static void cancellation_reraising_helpers(void **state) {
  const char *base =
      "import asyncio\n"
      "class Mixin:\n"
      "    async def on_error(self, exc: BaseException, stream):\n"
      "        await stream.aclose()\n"
      "        if not isinstance(exc, Exception) or isinstance(exc, asyncio.CancelledError):\n"
      "            raise\n"
      "    def tuple_test(self, exc):\n"
      "        if isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError)):\n            raise exc\n"
      "    def errors_only(self, exc):\n        if isinstance(exc, Exception):\n            raise exc\n"
      "    def flag(self, exc, strict=True):\n        if strict:\n            raise exc\n"
      "    def early(self, exc):\n        if exc:\n            return\n"
      "        if isinstance(exc, BaseException):\n            raise exc\n";
  handler_case cases[] = {
      {"await self.on_error(exc, sock)", ""},
      {"self.tuple_test(exc)", ""},
      {"self.on_error(exc, sock)", "LOOP402@pkg/w.py:8 LOOP201@pkg/w.py:9"},
      {"await self.on_error(sock, exc)", "LOOP402@pkg/w.py:8"},
      {"self.errors_only(exc)", "LOOP402@pkg/w.py:8"},
      {"self.flag(exc)", "LOOP402@pkg/w.py:8"},
      {"self.early(exc)", "LOOP402@pkg/w.py:8"},
  };
  handler_cases(*state, base, cases, sizeof cases / sizeof cases[0]);
}

/* A socket call guarded by `except BlockingIOError` (builtin, or in a tuple, on the try body
 * around it) is on a non-blocking socket; another handler, or the call in a handler, is not. */
static void caught_blocking_io(void **state) {
  char buf[512], err[256] = "";
  test_env *e = *state;
  assert_int_equal(ll_ruledb_load_text(&e->db, "extra",
                                       "{\"categories\":{\"socket\":\"LOOP105\"},\"blocking\":[{\"name\":"
                                       "\"socket.socket.recv\",\"category\":\"socket\",\"harmless_when\":"
                                       "[{\"caught\":[\"builtins.BlockingIOError\"]}]}]}",
                                       err, sizeof err),
                   0);
  file_spec f[] = {{"m.py", "m",
                    "import socket\n"
                    "async def a(s: socket.socket):\n    try:\n        return s.recv(1)\n"
                    "    except (InterruptedError, BlockingIOError):\n        return b''\n"
                    "async def b(s: socket.socket):\n    try:\n        return s.recv(1)\n"
                    "    except OSError:\n        return b''\n"
                    "async def c(s: socket.socket):\n    try:\n        pass\n"
                    "    except BlockingIOError:\n        s.recv(1)\n"
                    "async def d(s: socket.socket):\n    try:\n        def g():\n            s.recv(1)\n"
                    "        return s.recv(1)\n    except BlockingIOError:\n        pass\n",
                    0}};
  assert_string_equal(all_codes(*state, f, 1, buf, sizeof buf), "LOOP105@m.py:9 LOOP105@m.py:16");
}

/* A helper's blocking step behind a memo or a flag, in another file: each call site decides
 * by what it passes (positionally, by keyword, as a splat, or the caller's own flag). */
static void guarded_helpers_across_files(void **state) {
  char buf[1024];
  const char *helpers =
      "import functools\n"
      "_C = None\n"
      "@functools.lru_cache(maxsize=1)\n"
      "def memo():\n    return open('/x').read()\n"
      "def once():\n    global _C\n    if _C is None:\n        _C = open('/x').read()\n    return _C\n"
      "def dump():\n    open('/x', 'w').write('x')\n"
      "def rescan(d, log_results=False):\n    if log_results:\n        dump()\n    return d\n"
      "def direct(d, verbose=None):\n    if verbose and d:\n        open('/x').read()\n"
      "def hands_on(d, log=False):\n    return rescan(d, log)\n"
      "def two(a=False, b=False):\n    if a:\n        dump()\n    if b:\n        dump()\n"
      "class S:\n    def scan(self, log_results=False):\n        return rescan({}, log_results)\n";
  struct { const char *call; int reported; } cases[] = {
      {"memo()", 0},
      {"once()", 0},
      {"rescan(d)", 0},
      {"rescan(d, False)", 0},
      {"rescan(d, None)", 0},
      {"rescan(d, log_results=False)", 0},
      {"rescan(d, True)", 1},
      {"rescan(d, log_results=1)", 1},
      {"rescan(d, x)", 1},
      {"rescan(*a)", 1},
      {"rescan(d, **kw)", 1},
      {"direct(d)", 0},
      {"direct(d, verbose=True)", 1},
      {"hands_on(d)", 0},
      {"hands_on(d, True)", 1},
      {"two()", 1}, /* two flags: one state per function cannot say which; reported, as before */
      {"two(b=True)", 1},
      {"S().scan()", 0},
      {"S().scan(True)", 1},
      {"dump()", 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char code[512], want[64];
    snprintf(code, sizeof code, "from .h import memo, once, rescan, direct, hands_on, two, S, dump\n\n"
                                "async def run(d, x, a, kw):\n    %s\n",
             cases[i].call);
    snprintf(want, sizeof want, "%s", cases[i].reported ? "LOOP110@pkg/w.py:4" : "");
    file_spec f[] = {
        {"pkg/__init__.py", "pkg", "", 1},
        {"pkg/h.py", "pkg.h", helpers, 0},
        {"pkg/w.py", "pkg.w", code, 0},
    };
    const char *got = all_codes(*state, f, 3, buf, sizeof buf);
    if (strcmp(got, want) != 0) fail_msg("%s: got '%s', want '%s'", cases[i].call, got, want);
  }
}

/* importlib.import_module of the module itself, its package or a parent is a sys.modules look-up. */
static void imported_modules(void **state) {
  char buf[1024], err[256] = "";
  test_env *e = *state;
  assert_int_equal(ll_ruledb_load_text(&e->db, "extra",
                                       "{\"categories\":{\"other\":\"LOOP106\"},\"blocking\":[{\"name\":"
                                       "\"importlib.import_module\",\"category\":\"other\",\"harmless_when\":"
                                       "[{\"keyword\":\"name\",\"position\":0,\"imported\":true}]}]}",
                                       err, sizeof err),
                   0);
  struct { const char *arg; int reported; } cases[] = {
      {"__name__", 0}, {"__package__", 0}, {"'pkg'", 0}, {"\"pkg.w\"", 0},
      {"'pk'", 1}, {"'pkg.other'", 1}, {"f'{__package__}.x'", 1}, {"name", 1}, {"'pkg.w.x'", 1}, {"name='pkg'", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char code[512], want[64];
    snprintf(code, sizeof code, "import importlib\n\nasync def run(name):\n    importlib.import_module(%s)\n", cases[i].arg);
    snprintf(want, sizeof want, "%s", cases[i].reported ? "LOOP106@pkg/w.py:4" : "");
    file_spec f[] = {{"pkg/__init__.py", "pkg", "", 1}, {"pkg/w.py", "pkg.w", code, 0}};
    const char *got = all_codes(*state, f, 2, buf, sizeof buf);
    if (strcmp(got, want) != 0) fail_msg("%s: got '%s', want '%s'", cases[i].arg, got, want);
  }
}

/* Pattern 1(b): import_module of a module the package's __init__ (or the calling module's own
 * top level) imports unconditionally is a look-up too; a conditional import, an earlier
 * binding of the name, a module __getattr__ or a star import keep it reported. */
static void init_imported_modules(void **state) {
  char buf[1024], err[256] = "";
  test_env *e = *state;
  assert_int_equal(ll_ruledb_load_text(&e->db, "extra",
                                       "{\"categories\":{\"other\":\"LOOP106\"},\"blocking\":[{\"name\":"
                                       "\"importlib.import_module\",\"category\":\"other\",\"harmless_when\":"
                                       "[{\"keyword\":\"name\",\"position\":0,\"imported\":true}]}]}",
                                       err, sizeof err),
                   0);
  struct { const char *init, *own, *arg; int reported; } cases[] = {
      {"from . import const\n", "", "'pkg.const'", 0},
      {"from . import const\n", "", "'.const', __package__", 0},
      {"from . import const\n", "", "'.const', package='pkg'", 0},
      {"from . import const\n", "", "f'{__package__}.const'", 0},
      {"from . import const as c\n", "", "'pkg.const'", 0},
      {"from .const import X\n", "", "'pkg.const'", 0},
      {"from pkg.const import X\n", "", "name='pkg.const'", 0},
      {"import pkg.sub.deep\n", "", "'pkg.sub'", 0},
      {"import json\n", "", "'json'", 0},
      {"", "import json\n", "'json'", 0},
      {"", "from pkg import const\n", "'pkg'", 0},
      {"from . import const\n", "", "'pkg.other'", 1},
      {"from . import const\n", "", "'pkg.cons'", 1},
      {"from . import const\n", "", "'pkg.const.sub'", 1},
      {"from . import const\n", "", "'..const', __package__", 1},
      {"from . import const\n", "", "'.const'", 1},
      {"from . import const\n", "", "f'{__package__}.{name}'", 1},
      {"from . import const\n", "__package__ = 'x'\n", "f'{__package__}.const'", 1},
      {"if name:\n    from . import const\n", "", "'pkg.const'", 1},
      {"try:\n    from . import const\nexcept ImportError:\n    pass\n", "", "'pkg.const'", 1},
      {"def setup():\n    from . import const\n", "", "'pkg.const'", 1},
      {"const = 1\nfrom . import const\n", "", "'pkg.const'", 1},
      {"def __getattr__(n):\n    return n\nfrom . import const\n", "", "'pkg.const'", 1},
      {"from .x import *\nfrom . import const\n", "", "'pkg.const'", 1},
      {"", "def f():\n    import json\n", "'json'", 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char code[512], want[64];
    snprintf(code, sizeof code,
             "import importlib\n%s\nasync def run(name):\n    importlib.import_module(%s)\n    helper(name)\n\n"
             "def helper(name):\n    return importlib.import_module(%s)\n",
             cases[i].own, cases[i].arg, cases[i].arg);
    int own_rows = 0;
    for (const char *c = cases[i].own; *c; c++) own_rows += *c == '\n';
    want[0] = 0; /* not reported: no finding */
    if (cases[i].reported)
      snprintf(want, sizeof want, "LOOP106@pkg/w.py:%d LOOP110@pkg/w.py:%d", 4 + own_rows, 5 + own_rows);
    file_spec f[] = {{"pkg/__init__.py", "pkg", cases[i].init, 1}, {"pkg/w.py", "pkg.w", code, 0}};
    const char *got = all_codes(*state, f, 2, buf, sizeof buf);
    if (strcmp(got, want) != 0) fail_msg("case %zu %s | %s: got '%s', want '%s'", i, cases[i].init, cases[i].arg, got, want);
  }
  /* a package above the caller's counts; a sibling module's imports do not */
  const char *deep = "import importlib\n\nasync def run():\n    importlib.import_module('pkg.const')\n";
  file_spec f[] = {{"pkg/__init__.py", "pkg", "from . import const\n", 1},
                   {"pkg/sub/__init__.py", "pkg.sub", "", 1},
                   {"pkg/sub/w.py", "pkg.sub.w", deep, 0}};
  assert_string_equal(all_codes(*state, f, 3, buf, sizeof buf), "");
  file_spec g[] = {{"pkg/__init__.py", "pkg", "", 1},
                   {"pkg/other.py", "pkg.other", "from . import const\n", 0},
                   {"pkg/w.py", "pkg.w", deep, 0}};
  assert_string_equal(all_codes(*state, g, 3, buf, sizeof buf), "LOOP106@pkg/w.py:4");
}

/* Findings of one root merge into the first; others stay; the message lists the sites. */
/* Pattern 6: a coroutine started on a loop of its own in a worker thread keeps its blocking
 * calls off the main loop, when every call of it starts it so, in whatever file. */
static void thread_loops_across_files(void **state) {
  char buf[1024], err[256] = "";
  test_env *e = *state;
  assert_int_equal(ll_ruledb_load_text(&e->db, "thread",
                                       "{\"loop_runners\":[\"asyncio.run\"],\"callback_apis\":["
                                       "{\"name\":\"threading.Thread\",\"arg\":1,\"keyword\":\"target\",\"runs\":\"r\","
                                       "\"fix\":\"f\",\"off_loop\":true,\"args\":{\"keyword\":\"args\",\"position\":3}},"
                                       "{\"types\":[\"concurrent.futures.ThreadPoolExecutor\"],\"method\":\"submit\",\"arg\":0,"
                                       "\"runs\":\"r\",\"fix\":\"f\",\"off_loop\":true,\"args\":\"after\"},"
                                       "{\"types\":[\"asyncio.AbstractEventLoop\"],\"method\":\"call_soon\",\"arg\":0,"
                                       "\"runs\":\"r\",\"fix\":\"f\"}],"
                                       "\"bases\":{\"concurrent.futures.ThreadPoolExecutor\":[],\"asyncio.AbstractEventLoop\":[]}}",
                                       err, sizeof err),
                   0);
  const char *jobs = "import time\n"
                     "def helper():\n    time.sleep(1)\n"
                     "async def job():\n    time.sleep(1)\n    helper()\n";
  struct { const char *starts; const char *want; } cases[] = {
      {"def go():\n    threading.Thread(target=asyncio.run, args=(job(),)).start()\n", ""},
      {"def go():\n    threading.Thread(None, asyncio.run, None, (job(),)).start()\n", ""},
      {"def go():\n    threading.Thread(target=lambda: asyncio.run(job())).start()\n", ""},
      {"def go(pool: ThreadPoolExecutor):\n    pool.submit(asyncio.run, job())\n", ""},
      {"def run():\n    asyncio.run(job())\ndef go():\n    threading.Thread(target=run).start()\n", ""},
      /* another call runs it where the main loop runs */
      {"def go():\n    threading.Thread(target=asyncio.run, args=(job(),)).start()\nasync def m():\n    await job()\n",
       "LOOP101@pkg/jobs.py:5 LOOP110@pkg/jobs.py:6"},
      {"def run():\n    asyncio.run(job())\ndef go():\n    threading.Thread(target=run).start()\nrun()\n",
       "LOOP101@pkg/jobs.py:5 LOOP110@pkg/jobs.py:6"},
      {"def run():\n    asyncio.run(job())\ndef go(loop: asyncio.AbstractEventLoop):\n    loop.call_soon(run)\n",
       "LOOP101@pkg/jobs.py:5 LOOP110@pkg/jobs.py:6"},
      {"asyncio.run(job())\n", "LOOP101@pkg/jobs.py:5 LOOP110@pkg/jobs.py:6"},
      /* not a loop runner, or not a thread */
      {"def go():\n    threading.Thread(target=print, args=(job(),)).start()\n", "LOOP101@pkg/jobs.py:5 LOOP110@pkg/jobs.py:6"},
      {"def go(pool):\n    pool.submit(asyncio.run, job())\n", "LOOP101@pkg/jobs.py:5 LOOP110@pkg/jobs.py:6"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char code[512];
    snprintf(code, sizeof code, "import asyncio\nimport threading\nfrom concurrent.futures import ThreadPoolExecutor\n"
                                "from .jobs import job\n%s", cases[i].starts);
    file_spec f[] = {
        {"pkg/__init__.py", "pkg", "", 1},
        {"pkg/jobs.py", "pkg.jobs", jobs, 0},
        {"pkg/start.py", "pkg.start", code, 0},
    };
    const char *got = all_codes(*state, f, 3, buf, sizeof buf);
    if (strcmp(got, cases[i].want) != 0) fail_msg("%s: got '%s', want '%s'", cases[i].starts, got, cases[i].want);
  }
}

/* thread_loops and the off-loop keys of callback_apis are checked as they load. */
static void thread_loops_loader(void **state) {
  (void)state;
  static const char *const BAD[] = {
      "{\"thread_loops\":{\"calls\":[{\"name\":\"x.run\",\"arg\":0}]}}", /* no when */
      "{\"thread_loops\":{\"decorators\":{\"x.work\":true}}}",            /* not a keyword */
      "{\"thread_loops\":[]}",
      "{\"callback_apis\":[{\"name\":\"x.T\",\"arg\":0,\"runs\":\"r\",\"fix\":\"f\",\"args\":\"before\"}]}",
      "{\"callback_apis\":[{\"name\":\"x.T\",\"arg\":0,\"runs\":\"r\",\"fix\":\"f\",\"off_loop\":1}]}",
  };
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    ll_ruledb db;
    char err[256] = "";
    ll_ruledb_init(&db);
    assert_int_not_equal(ll_ruledb_load_text(&db, "t", BAD[i], err, sizeof err), 0);
    ll_ruledb_free(&db);
  }
  ll_ruledb db;
  char err[256] = "";
  ll_ruledb_init(&db);
  assert_int_equal(ll_ruledb_load_text(&db, "t",
                                       "{\"callback_apis\":[{\"name\":\"x.T\",\"arg\":1,\"keyword\":\"target\","
                                       "\"runs\":\"r\",\"fix\":\"f\",\"off_loop\":true,\"args\":{\"keyword\":\"args\","
                                       "\"position\":3}}],\"thread_loops\":{\"calls\":[{\"types\":[\"x.N\"],\"method\":"
                                       "\"run_worker\",\"arg\":0,\"when\":\"thread\"}],\"decorators\":{\"x.work\":\"thread\"}}}",
                                       err, sizeof err),
                   0);
  const ll_callback_api *a = ll_strmap_get(&db.callback_apis, "x.T");
  assert_non_null(a);
  assert_true(a->off_loop);
  assert_int_equal(a->args_pos, 3);
  assert_string_equal(a->args_kw, "args");
  a = ll_strmap_get(&db.thread_loop_calls, "x.N.run_worker");
  assert_non_null(a);
  assert_string_equal(a->when, "thread");
  assert_string_equal(ll_strmap_get(&db.thread_loop_decorators, "x.work"), "thread");
  ll_ruledb_free(&db);
}

static void grouping_roots(void **state) {
  (void)state;
  ll_findings fs;
  ll_findings_init(&fs);
  const char *files[] = {"a.py", "a.py", "b.py", "b.py", "c.py"};
  const char *groups[] = {"LOOP110 m.nap", NULL, "LOOP110 m.nap", "LOOP110 m.other", "LOOP110 m.nap"};
  for (int i = 0; i < 5; i++) {
    ll_finding *f = ll_findings_add(&fs, "LOOP110", files[i], (ll_pos){(uint32_t)(10 + i), 5}, (ll_pos){(uint32_t)(10 + i), 9},
                                    "msg%d", i);
    f->group = groups[i] ? strdup(groups[i]) : NULL;
  }
  assert_int_equal(ll_findings_group(&fs), 1);
  assert_int_equal(fs.v.len, 3);
  assert_string_equal(fs.v.items[0].message, "msg0 [2 more call sites of this root: b.py:12, c.py:14]");
  assert_int_equal(fs.v.items[0].grouped, 2);
  assert_int_equal(fs.v.items[0].nrelated, 2);
  assert_string_equal(fs.v.items[0].related[1].filename, "c.py");
  assert_int_equal(fs.v.items[0].related[1].start.row, 14);
  assert_string_equal(fs.v.items[1].message, "msg1");
  assert_string_equal(fs.v.items[2].message, "msg3");
  ll_findings_free(&fs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(reraise_across_files, setup, teardown),
      cmocka_unit_test_setup_teardown(shadowed_clauses, setup, teardown),
      cmocka_unit_test(harmless_when_loader),
      cmocka_unit_test_setup_teardown(broad_handler_converter, setup, teardown),
      cmocka_unit_test_setup_teardown(cancellation_reraising_helpers, setup, teardown),
      cmocka_unit_test_setup_teardown(caught_blocking_io, setup, teardown),
      cmocka_unit_test_setup_teardown(guarded_helpers_across_files, setup, teardown),
      cmocka_unit_test_setup_teardown(imported_modules, setup, teardown),
      cmocka_unit_test_setup_teardown(init_imported_modules, setup, teardown),
      cmocka_unit_test(grouping_roots),
      cmocka_unit_test_setup_teardown(thread_loops_across_files, setup, teardown),
      cmocka_unit_test(thread_loops_loader),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
