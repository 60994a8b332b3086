/* test_project.c: the project model on in-memory packages: relative imports, __init__
 * re-exports, class bases across files, super(), attributes typed from constructors,
 * and the chains of LOOP110 (cycles included). Files are linted from buffers with module
 * names given, as the batch driver does. */
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

/* Lints the files, runs the project pass; returns "CODE@file:row ..." sorted. */
static const char *project_codes(test_env *e, const file_spec *files, size_t n, char *buf, size_t size) {
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
  ll_findings_free(&out); /* file-local findings are not what this test is about */
  ll_findings_init(&out);
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

/* Type flow across files: a declared type one step away decides. */
static void types_across_files(void **state) {
  char buf[1024];
  file_spec f[] = {
      {"depot/__init__.py", "depot", "", 1},
      {"depot/settings.py", "depot.settings", "from pathlib import Path\nSPOOL = Path('/var/spool')\nNAME = 'x'\n", 0},
      {"depot/model.py", "depot.model",
       "from __future__ import annotations\nfrom dataclasses import dataclass\nfrom pathlib import Path\n"
       "from .settings import SPOOL\n\n@dataclass\nclass Job:\n    spec: Path\n    owner: str = ''\n\n"
       "class Bundle:\n    def __init__(self, name: str) -> None:\n        self.name = name\n"
       "    @property\n    def payload(self) -> Path:\n        return SPOOL / self.name\n"
       "    def location(self) -> 'Path':\n        return self.payload.parent\n"
       "    def clone(self) -> Bundle:\n        return Bundle(self.name)\n"
       "    @classmethod\n    def load(cls, name: str) -> Bundle:\n        return cls(name)\n"
       "    def guess(self):\n        return SPOOL / 'g'\n\n"
       "class Base:\n    def scratch(self) -> Path:\n        return SPOOL\n",
       0},
      {"depot/worker.py", "depot.worker",
       "from .model import Base, Bundle, Job\nfrom .settings import NAME, SPOOL\n\n"
       "class Worker(Base):\n    async def run(self, job: Job, b: Bundle) -> None:\n"
       "        job.spec.read_text()\n"          /* 6: dataclass field */
       "        b.payload.read_text()\n"         /* 7: property */
       "        b.location().read_text()\n"      /* 8: string return annotation */
       "        b.clone().payload.read_text()\n" /* 9: forward-referenced return type */
       "        Bundle.load('x').payload.read_text()\n" /* 10: classmethod constructor */
       "        self.scratch().read_text()\n"    /* 11: a base class in another file */
       "        SPOOL.read_text()\n"             /* 12: a constant of another module */
       "        b.guess().read_text()\n"         /* 13: the one path every return gives */
       "        NAME.upper()\n"                  /* 14: a str: nothing */
       "        b.name.upper()\n",               /* 15: nothing */
       0},
  };
  assert_string_equal(project_codes(*state, f, 4, buf, sizeof buf),
                      "LOOP104@depot/worker.py:6 LOOP104@depot/worker.py:7 LOOP104@depot/worker.py:8 "
                      "LOOP104@depot/worker.py:9 LOOP104@depot/worker.py:10 LOOP104@depot/worker.py:11 "
                      "LOOP104@depot/worker.py:12 LOOP104@depot/worker.py:13");
}

/* Attribute chains through attributes assigned in any method and properties in other files,
 * ending at an async def: a coroutine never awaited; a helper blocking through a typed
 * attribute: LOOP110. */
static void chains_across_files(void **state) {
  char buf[1024];
  file_spec f[] = {
      {"app/__init__.py", "app", "", 1},
      {"app/net.py", "app.net", "class Network:\n    async def reset(self) -> None:\n        return None\n", 0},
      {"app/core.py", "app.core",
       "from pathlib import Path\nfrom .net import Network\n\nclass Core:\n    def start(self) -> None:\n"
       "        self._net = Network()\n        self.root = Path('/data')\n"
       "    @property\n    def network(self) -> Network:\n        return self._net\n"
       "    def wipe(self) -> None:\n        self.root.read_text()\n",
       0},
      {"app/service.py", "app.service",
       "from .core import Core\n\nclass Service:\n    def __init__(self, core: Core) -> None:\n        self.core = core\n"
       "    async def tick(self) -> None:\n        self.core.network.reset()\n        await self.core.network.reset()\n"
       "        self.core.wipe()\n        self.core._net.reset()\n",
       0},
  };
  assert_string_equal(project_codes(*state, f, 4, buf, sizeof buf),
                      "LOOP201@app/service.py:7 LOOP110@app/service.py:9 LOOP201@app/service.py:10");
}

/* Unknown stays unknown: an undecorated look-alike, an unknown decorator, a name only. */
static void types_unknown(void **state) {
  char buf[1024];
  file_spec f[] = {
      {"lib/__init__.py", "lib", "", 1},
      {"lib/a.py", "lib.a",
       "from mystery import wrap\n\nclass A:\n    async def refresh(self) -> None:\n        return None\n"
       "    @wrap\n    async def later(self) -> None:\n        return None\n",
       0},
      {"lib/b.py", "lib.b",
       "from .a import A\n\nclass B:\n    def refresh(self) -> None:\n        return None\n\n"
       "async def go(b: B, a: A, x) -> None:\n    b.refresh()\n    a.later()\n    x.refresh()\n    a.refresh()\n",
       0},
  };
  assert_string_equal(project_codes(*state, f, 3, buf, sizeof buf), "LOOP201@lib/b.py:11");
}

/* Decorators the project defines: a wrapper that is an async def, or returns the wrapped
 * call, or the function itself, keeps a coroutine function one (its callers must await); a
 * plain wrapper that returns nothing makes it a plain function (callers are right not to, and
 * awaiting it is LOOP204); a plain wrapper returning something else is unknown. */
static void project_decorators(void **state) {
  char buf[1024];
  file_spec f[] = {
      {"d/__init__.py", "d", "", 1},
      {"d/deco.py", "d.deco",
       "import asyncio\nimport functools\n\n"
       "def logged(func):\n    @functools.wraps(func)\n    async def wrapper(*a):\n        return await func(*a)\n    return wrapper\n\n"
       "def passing(func):\n    def wrapper(*a):\n        return func(*a)\n    return wrapper\n\n"
       "def registered(func):\n    return func\n\n"
       "def retry(times):\n    def deco(func):\n        async def wrapper(*a):\n            return await func(*a)\n        return wrapper\n    return deco\n\n"
       "def background(func):\n    def schedule(*a):\n        asyncio.get_running_loop().create_task(func(*a))\n    return schedule\n\n"
       "def threaded(func):\n    def wrapper(*a):\n        return asyncio.to_thread(func, *a)\n    return wrapper\n",
       0},
      {"d/use.py", "d.use",
       "from .deco import background, logged, passing, registered, retry, threaded\n\n"
       "@logged\nasync def a():\n    pass\n\n@passing\nasync def b():\n    pass\n\n@registered\nasync def c():\n    pass\n\n"
       "@retry(3)\nasync def d():\n    pass\n\n@background\nasync def e():\n    pass\n\n@threaded\ndef g():\n    pass\n\n"
       "async def main():\n    a()\n    b()\n    c()\n    d()\n    e()\n    await e()\n    await g()\n",
       0},
  };
  assert_string_equal(project_codes(*state, f, 3, buf, sizeof buf),
                      "LOOP201@d/use.py:28 LOOP201@d/use.py:29 LOOP201@d/use.py:30 LOOP201@d/use.py:31 LOOP204@d/use.py:33");
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

static void relative_import_chain(void **state) {
  char buf[512];
  file_spec f[] = {
      {"pkg/__init__.py", "pkg", "", 1},
      {"pkg/io.py", "pkg.io", "import time\n\ndef slow():\n    time.sleep(1)\n", 0},
      {"pkg/util.py", "pkg.util", "from .io import slow as s\n\ndef load():\n    return s()\n", 0},
      {"pkg/app.py", "pkg.app", "from . import util\n\nasync def main():\n    util.load()\n", 0},
  };
  assert_string_equal(project_codes(*state, f, 4, buf, sizeof buf), "LOOP110@pkg/app.py:4");
}

static void reexport_and_bases(void **state) {
  char buf[512];
  file_spec f[] = {
      {"pkg/__init__.py", "pkg", "from .base import Base as Base\n", 1},
      {"pkg/base.py", "pkg.base", "class Base:\n    async def fetch(self):\n        return 1\n    def close(self):\n        pass\n", 0},
      {"pkg/client.py", "pkg.client",
       "from pkg import Base\n\nclass Client(Base):\n    async def run(self):\n        self.fetch()\n"
       "        await self.close()\n        await super().fetch()\n        if self.fetch():\n            pass\n",
       0},
  };
  /* fetch found through the re-exported base: not awaited, and as a condition; close() is a
   * stub (overridable): not LOOP204 */
  assert_string_equal(project_codes(*state, f, 3, buf, sizeof buf), "LOOP201@pkg/client.py:5 LOOP203@pkg/client.py:8");
}

static void constructor_typed_attribute(void **state) {
  char buf[512];
  file_spec f[] = {
      {"pkg/api.py", "pkg.api", "class Api:\n    async def refresh(self):\n        return 1\n", 0},
      {"pkg/coord.py", "pkg.coord",
       "from .api import Api\n\nclass Coordinator:\n    def __init__(self):\n        self._api = Api()\n"
       "    async def update(self):\n        self._api.refresh()\n        r = self._api.refresh()\n",
       0},
  };
  assert_string_equal(project_codes(*state, f, 2, buf, sizeof buf), "LOOP201@pkg/coord.py:7 LOOP202@pkg/coord.py:8");
}

static void cycles(void **state) {
  char buf[512];
  /* a() <-> b() where b also blocks; c() <-> d() that never block */
  file_spec f[] = {
      {"m.py", "m",
       "import time\n\ndef a(n):\n    return b(n)\n\ndef b(n):\n    if n:\n        a(n - 1)\n    time.sleep(1)\n\n"
       "def c(n):\n    return d(n)\n\ndef d(n):\n    return c(n - 1) if n else 0\n\n"
       "async def main():\n    b(1)\n    a(1)\n    c(1)\n",
       0},
  };
  assert_string_equal(project_codes(*state, f, 1, buf, sizeof buf), "LOOP110@m.py:18 LOOP110@m.py:19");
}

static void not_awaitable(void **state) {
  char buf[512];
  file_spec f[] = {
      {"m.py", "m",
       "def plain():\n    x = 1\n\ndef gives():\n    return make()\n\nasync def main():\n    await plain()\n    await gives()\n",
       0},
  };
  assert_string_equal(project_codes(*state, f, 1, buf, sizeof buf), "LOOP204@m.py:8");
}

/* Findings of a project pass over facts as "CODE@file:row ...", sorted. */
static const char *codes_of(ll_project *p, char *buf, size_t size) {
  ll_findings out;
  ll_findings_init(&out);
  ll_project_check(p, &out);
  ll_findings_sort(&out);
  buf[0] = 0;
  size_t k = 0;
  for (size_t i = 0; i < out.v.len; i++)
    k += (size_t)snprintf(buf + k, size - k, "%s%s@%s:%u", i ? " " : "", out.v.items[i].code, out.v.items[i].filename,
                          out.v.items[i].start.row);
  ll_findings_free(&out);
  return buf;
}

static void lint_into(test_env *e, const file_spec *s, ll_file_facts *facts) {
  ll_findings out;
  ll_findings_init(&out);
  ll_facts_init(facts);
  ll_source src;
  ll_source_from_buffer(&src, s->path, s->code, strlen(s->code));
  src.module = s->module;
  src.is_package = s->is_package;
  ll_lint_source(&e->linter, e->parser, &src, &out, facts);
  ll_source_free(&src);
  ll_findings_free(&out);
}

/* The server's kept index: files leave and come back edited, and every pass gives what an
 * index built afresh over the same facts gives (LOOP110 follows the helper's file). */
static void kept_index_follows_edits(void **state) {
  test_env *e = *state;
  char kept[1024], fresh[1024];
  file_spec f[] = {
      {"pkg/__init__.py", "pkg", "from .api import fetch as get\n", 1},
      {"pkg/api.py", "pkg.api", "def fetch():\n    return None\n\nclass Client:\n    limit: int = 3\n", 0},
      {"pkg/sensor.py", "pkg.sensor",
       "from .api import fetch, Client\nfrom . import get\n\nasync def poll():\n    fetch()\n    get()\n"
       "    Client().go()\n",
       0},
  };
  const char *versions[] = {
      "import time\n\ndef fetch():\n    time.sleep(1)\n\nclass Client:\n    def go(self):\n        time.sleep(1)\n",
      "def fetch():\n    return None\n\nclass Client:\n    def go(self):\n        return None\n",
      "import time\n\ndef fetch():\n    helper()\n\ndef helper():\n    time.sleep(1)\n\nclass Client:\n    pass\n",
      "def fetch():\n    return None\n",
  };
  const char *expect[] = {"LOOP110@pkg/sensor.py:5 LOOP110@pkg/sensor.py:6 LOOP110@pkg/sensor.py:7", "",
                          "LOOP110@pkg/sensor.py:5 LOOP110@pkg/sensor.py:6", ""};
  ll_file_facts facts[3];
  for (size_t i = 0; i < 3; i++) lint_into(e, &f[i], &facts[i]);
  ll_project p;
  ll_project_build_kept(&p, facts, 3, &e->db);
  assert_string_equal(codes_of(&p, kept, sizeof kept), "");
  for (size_t v = 0; v < 4; v++) {
    assert_int_equal(ll_project_drop_file(&p, 1), 0);
    ll_facts_free(&facts[1]);
    file_spec edited = f[1];
    edited.code = versions[v];
    lint_into(e, &edited, &facts[1]);
    assert_int_equal(ll_project_add_file(&p, 1), 0);
    codes_of(&p, kept, sizeof kept);
    ll_project again;
    ll_project_build(&again, facts, 3, &e->db);
    codes_of(&again, fresh, sizeof fresh);
    ll_project_free(&again);
    assert_string_equal(kept, fresh);
    assert_string_equal(kept, expect[v]);
  }
  /* the caller's file edited too: its call sites are indexed again */
  assert_int_equal(ll_project_drop_file(&p, 2), 0);
  ll_facts_free(&facts[2]);
  file_spec caller = f[2];
  caller.code = "from .api import fetch\n\nasync def poll():\n    fetch()\n";
  lint_into(e, &caller, &facts[2]);
  assert_int_equal(ll_project_add_file(&p, 2), 0);
  assert_string_equal(codes_of(&p, kept, sizeof kept), "");
  ll_project_free(&p);
  for (size_t i = 0; i < 3; i++) ll_facts_free(&facts[i]);
}

/* Two files that define one module: the later one stands, an order the kept index cannot
 * keep through an edit of either, so it says so (the server then builds it afresh). */
static void kept_index_refuses_shared_names(void **state) {
  test_env *e = *state;
  file_spec f[] = {
      {"a/tools.py", "tools", "def run():\n    return None\n", 0},
      {"b/tools.py", "tools", "def run():\n    return None\n", 0},
      {"c/user.py", "user", "def other():\n    return None\n", 0},
  };
  ll_file_facts facts[3];
  for (size_t i = 0; i < 3; i++) lint_into(e, &f[i], &facts[i]);
  ll_project p;
  ll_project_build_kept(&p, facts, 3, &e->db);
  assert_int_equal(ll_project_drop_file(&p, 2), 0); /* a file that shares nothing follows */
  assert_int_equal(ll_project_add_file(&p, 2), 0);
  assert_int_equal(ll_project_drop_file(&p, 0), -1);
  ll_project_free(&p);
  ll_project_build_kept(&p, facts, 3, &e->db);
  assert_int_equal(ll_project_drop_file(&p, 1), -1);
  ll_project_free(&p);
  for (size_t i = 0; i < 3; i++) ll_facts_free(&facts[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(relative_import_chain, setup, teardown),
      cmocka_unit_test_setup_teardown(reexport_and_bases, setup, teardown),
      cmocka_unit_test_setup_teardown(constructor_typed_attribute, setup, teardown),
      cmocka_unit_test_setup_teardown(cycles, setup, teardown),
      cmocka_unit_test_setup_teardown(not_awaitable, setup, teardown),
      cmocka_unit_test_setup_teardown(types_across_files, setup, teardown),
      cmocka_unit_test_setup_teardown(chains_across_files, setup, teardown),
      cmocka_unit_test_setup_teardown(types_unknown, setup, teardown),
      cmocka_unit_test_setup_teardown(project_decorators, setup, teardown),
      cmocka_unit_test_setup_teardown(kept_index_follows_edits, setup, teardown),
      cmocka_unit_test_setup_teardown(kept_index_refuses_shared_names, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
