/* fuzz_cache.c: the cache decoder. A corrupt, truncated or hostile `.looplint_cache` must give
 * a cold result, never a crash. The first byte picks how the input reaches the decoder:
 *   0  a result blob as it is (what a pack entry with a matching key holds): decoded, and
 *      when the decoder accepts it, used as a run uses it (project pass, noqa, report)
 *   1  a real blob with a patch: the rest is [u16 offset][u8 n][n bytes][Python source]; the
 *      source is linted, its result encoded, the patch written over it, then as 0
 *   2  a whole pack file in a run over a small project: the rest is [u8 how][bytes]: how 0
 *      takes the bytes as the pack, 1 truncates the real pack at a u32 offset (the result
 *      must then equal the cold run's), 2 writes the bytes over the real pack at a u16 offset */
#include "fuzz_common.h"

#include "driver/batch.h"
#include "driver/cache.h"
#include "driver/suppress.h"
#include "model/project.h"
#include "report/report.h"

static const char *const PROJECT[][2] = {
    {"__init__.py", ""},
    {"a.py",
     "import asyncio\nfrom .b import helper, Store\nfrom . import c\nasync def main(s: Store):\n    helper()\n"
     "    s.load()\n    c.refresh()\n    asyncio.create_task(main(s))  # noqa: LOOP301\n    fetch()\n"
     "async def fetch():\n    return 1\n"},
    {"b.py",
     "import time\nclass Store:\n    path = '/x'\n    def load(self):\n        return open(self.path).read()\n"
     "def helper():\n    time.sleep(1)\n"},
    {"c.py", "import subprocess\ndef refresh():\n    subprocess.run(['true'])\ndef unused():\n    pass\n"},
};
#define NPROJECT (sizeof PROJECT / sizeof PROJECT[0])

static char proj_dir[400], cache_dir[400], pack_path[440];
static ll_pathlist proj_files;
static ll_strbuf cold_pack, cold_result;

static void run_project(const ll_linter *l, ll_strbuf *result) {
  ll_pathlist context = {0};
  ll_batch_opts o = {.nthreads = 1, .cache_dir = cache_dir};
  ll_batch_result res;
  ll_batch_run(l, &proj_files, &context, NULL, &o, &res);
  ll_strbuf_clear(result);
  ll_cache_encode_findings(result, &res.findings);
  ll_batch_result_free(&res);
}

static void read_pack(ll_strbuf *out) {
  FILE *f = fopen(pack_path, "rb");
  if (!f) { perror(pack_path); abort(); }
  ll_strbuf_clear(out);
  ll_strbuf_add_stream(out, f);
  fclose(f);
}

/* The small project and its cold result, with the pack that cold run wrote. */
static void setup_project(const ll_linter *l) {
  if (proj_dir[0]) return;
  snprintf(proj_dir, sizeof proj_dir, "%s/proj", fz_tmpdir());
  snprintf(cache_dir, sizeof cache_dir, "%s/cache", fz_tmpdir());
  snprintf(pack_path, sizeof pack_path, "%s/cache-v1.bin", cache_dir);
  mkdir(proj_dir, 0755);
  char pkg[460];
  snprintf(pkg, sizeof pkg, "%s/pkg", proj_dir);
  mkdir(pkg, 0755);
  for (size_t i = 0; i < NPROJECT; i++) {
    char p[600];
    snprintf(p, sizeof p, "%s/%s", pkg, PROJECT[i][0]);
    fz_write(p, PROJECT[i][1], strlen(PROJECT[i][1]));
    ll_vec_push(&proj_files, ll_xstrdup(p));
  }
  ll_strbuf_init(&cold_pack);
  ll_strbuf_init(&cold_result);
  run_project(l, &cold_result);
  read_pack(&cold_pack);
  ll_strbuf warm;
  ll_strbuf_init(&warm);
  run_project(l, &warm);
  FZ_ASSERT(warm.len == cold_result.len && memcmp(warm.data, cold_result.data, warm.len) == 0,
            "a warm run differs from the cold run");
  ll_strbuf_free(&warm);
}

/* A blob the decoder accepted is used as a run uses one. */
static void use_blob(const ll_linter *l, const unsigned char *blob, size_t len) {
  ll_findings fs;
  ll_findings_init(&fs);
  ll_file_facts facts[2];
  ll_facts_init(&facts[0]);
  facts[0].path = ll_arena_strdup(&facts[0].arena, "pkg/mod.py");
  facts[0].db = l->db;
  int st = ll_cache_decode(blob, len, &fs, &facts[0]);
  if (st == 1 || st == 2 || st == 4) {
    /* beside it, a real file that calls into it */
    static const char OTHER[] = "import pkg.mod\nfrom pkg.mod import *\nasync def g():\n    pkg.mod.f()\n    f()\n"
                                "    await pkg.mod.C().m()\n    pkg.mod.x.y.z()\n";
    ll_source src;
    ll_source_from_buffer(&src, "pkg/other.py", OTHER, sizeof OTHER - 1);
    src.module = "pkg.other";
    ll_facts_init(&facts[1]);
    facts[1].db = l->db;
    TSParser *parser = ts_parser_new();
    ll_lint_source(l, parser, &src, &fs, &facts[1]);
    ts_parser_delete(parser);
    ll_source_free(&src);
    ll_project p;
    ll_project_build(&p, facts, 2, l->db);
    ll_project_check(&p, &fs);
    ll_project_free(&p);
    ll_suppress_apply(&fs, facts, 2);
    ll_suppress_report_unused(&fs, facts, 2);
    ll_findings_sort(&fs);
    ll_report_opts ro = {.format = LL_FMT_JSON, .tool_version = "fuzz"};
    ll_report_write(fz_null(), &fs, &ro);
    ll_facts_free(&facts[1]);
  }
  ll_facts_free(&facts[0]);
  ll_findings_free(&fs);
  /* the project pass's record is a findings list of its own */
  ll_findings_init(&fs);
  (void)ll_cache_decode_findings(blob, len, &fs);
  ll_findings_free(&fs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > FZ_MAX_INPUT) return 0;
  const ll_linter *l = fz_linter();
  unsigned mode = data[0] % 3;
  data++, size--;
  if (mode == 0) {
    use_blob(l, data, size);
    return 0;
  }
  if (mode == 1) {
    if (size < 3) return 0;
    size_t off = (size_t)data[0] | (size_t)data[1] << 8, n = data[2];
    if (size - 3 < n) return 0;
    const uint8_t *patch = data + 3, *code = data + 3 + n;
    ll_source src;
    ll_source_from_buffer(&src, "pkg/mod.py", (const char *)code, size - 3 - n);
    src.module = "pkg.mod";
    ll_findings out;
    ll_findings_init(&out);
    ll_file_facts facts;
    ll_facts_init(&facts);
    facts.db = l->db;
    TSParser *parser = ts_parser_new();
    ll_lint_source(l, parser, &src, &out, &facts);
    ts_parser_delete(parser);
    ll_strbuf blob;
    ll_strbuf_init(&blob);
    ll_cache_encode(&blob, 1, &out, &facts);
    if (blob.len) {
      off %= blob.len;
      for (size_t i = 0; i < n && off + i < blob.len; i++) blob.data[off + i] = (char)patch[i];
    }
    /* LOOPLINT_FUZZ_DUMP=FILE: write the blob as a mode-0 input (tests/fuzz/make_seeds.py) */
    const char *dump = n == 0 ? getenv("LOOPLINT_FUZZ_DUMP") : NULL;
    if (dump) {
      FILE *f = fopen(dump, "wb");
      if (f) { fputc(0, f); fwrite(blob.data, 1, blob.len, f); fclose(f); }
    }
    use_blob(l, (const unsigned char *)blob.data, blob.len);
    ll_strbuf_free(&blob);
    ll_facts_free(&facts);
    ll_findings_free(&out);
    ll_source_free(&src);
    return 0;
  }
  setup_project(l);
  if (size < 1) return 0;
  unsigned how = data[0] % 3;
  data++, size--;
  ll_strbuf pack;
  ll_strbuf_init(&pack);
  if (how == 0) ll_strbuf_addn(&pack, (const char *)data, size);
  else if (how == 1) {
    uint32_t cut = 0;
    for (size_t i = 0; i < 4 && i < size; i++) cut |= (uint32_t)data[i] << (8 * i);
    ll_strbuf_addn(&pack, cold_pack.data, cold_pack.len ? cut % cold_pack.len : 0);
  } else {
    ll_strbuf_addn(&pack, cold_pack.data, cold_pack.len);
    size_t off = size >= 2 ? ((size_t)data[0] | (size_t)data[1] << 8) : 0;
    const uint8_t *bytes = data + (size >= 2 ? 2 : size);
    size_t nb = size >= 2 ? size - 2 : 0;
    if (pack.len) off %= pack.len;
    for (size_t i = 0; i < nb; i++) {
      if (off + i < pack.len) pack.data[off + i] = (char)bytes[i];
      else ll_strbuf_addc(&pack, (char)bytes[i]);
    }
  }
  mkdir(cache_dir, 0755);
  fz_write(pack_path, pack.data, pack.len);
  ll_strbuf result;
  ll_strbuf_init(&result);
  run_project(l, &result);
  if (how == 1)
    FZ_ASSERT(result.len == cold_result.len && memcmp(result.data, cold_result.data, result.len) == 0,
              "a truncated cache gave another result than a cold run");
  ll_strbuf_free(&result);
  ll_strbuf_free(&pack);
  return 0;
}
