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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(relative_import_chain, setup, teardown),
      cmocka_unit_test_setup_teardown(reexport_and_bases, setup, teardown),
      cmocka_unit_test_setup_teardown(constructor_typed_attribute, setup, teardown),
      cmocka_unit_test_setup_teardown(cycles, setup, teardown),
      cmocka_unit_test_setup_teardown(not_awaitable, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
