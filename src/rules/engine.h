/* engine.h: the rule engine. A linter (immutable, shared by all threads) holds the rules
 * data, the settings and a dispatch table from tree-sitter symbol to the rules subscribed
 * to that node type. Linting a file walks its tree once; each rule sees only its nodes. */
#ifndef LL_ENGINE_H
#define LL_ENGINE_H
#include <tree_sitter/api.h>
#include "../model/context.h"
#include "../knowledge/ruledb.h"
#include "../front/parse.h"

typedef struct ll_rule {
  const char *id;                 /* short name, e.g. "blocking" */
  const char *const *node_types;  /* NULL-terminated node type names this rule subscribes to */
  void (*begin_file)(ll_ctx *ctx);
  void (*enter)(ll_ctx *ctx, TSNode node);
  void (*leave)(ll_ctx *ctx, TSNode node); /* optional */
  void (*end_file)(ll_ctx *ctx);
} ll_rule;

struct ll_settings {
  int ha_mode; /* -1 auto (path or imports), 0 off, 1 on */
};

#define LL_MAX_RULES 16

struct ll_linter {
  const TSLanguage *lang;
  const ll_ruledb *db;
  ll_settings settings;
  const ll_rule *rules[LL_MAX_RULES];
  size_t nrules;
  /* dispatch[symbol] is a bitmask of rule slots subscribed to that symbol */
  uint32_t *dispatch;
  uint32_t nsymbols;
  TSSymbol sym_function, sym_class, sym_lambda, sym_decorated;
  /* what the walk itself binds or marks (track_bindings); 0 for a kind the walk ignores */
  uint8_t *track; /* per symbol */
  /* the per-file budget (LOOP905), linear in the file's size: base + per_byte x bytes of
   * steps (the walk, resolution, types, the rules' subtree walks) and of parser operations.
   * LOOPLINT_STEP_LIMIT / LOOPLINT_PARSE_LIMIT set a fixed limit instead (tests);
   * LOOPLINT_BUDGET_STATS=1 prints each file's counts on stderr. */
  uint64_t step_base, step_per_byte, parse_base, parse_per_byte;
  int budget_stats;
};

/* The defaults: on the 1.1 M-line corpus the most a file needed was 71 k steps (0.5 per
 * byte at most) and 221 k parser operations (1.3 per byte at most); docs/LOOP905.md. */
#define LL_STEP_BASE 2000000ull
#define LL_STEP_PER_BYTE 50ull
#define LL_PARSE_BASE 5000000ull
#define LL_PARSE_PER_BYTE 100ull

/* The limits for a file of len bytes. */
uint64_t ll_linter_step_limit(const ll_linter *l, size_t len);
uint64_t ll_linter_parse_limit(const ll_linter *l, size_t len);


void ll_linter_init(ll_linter *l, const ll_ruledb *db, const ll_settings *settings);
void ll_linter_free(ll_linter *l);

/* Parses src with parser (one per thread) and runs every rule; findings go to out and what
 * the file tells the project model to facts (NULL: not kept). */
void ll_lint_source(const ll_linter *l, TSParser *parser, const ll_source *src, ll_findings *out,
                    ll_file_facts *facts);
/* The same with Home Assistant mode set for this file (-1: the linter's setting). */
void ll_lint_source_ha(const ll_linter *l, TSParser *parser, const ll_source *src, ll_findings *out,
                       ll_file_facts *facts, int ha_mode);

/* The rules, each in its own rule_*.c file. */
extern const ll_rule ll_rule_syntax;
extern const ll_rule ll_rule_blocking;
extern const ll_rule ll_rule_calls; /* collects call sites for the project model */
extern const ll_rule ll_rule_tasks; /* LOOP301 */
extern const ll_rule ll_rule_cancel; /* LOOP401-LOOP404 */
extern const ll_rule ll_rule_homeassistant; /* LOOP501-LOOP505 */
extern const ll_rule ll_rule_noqa; /* reads # noqa comments into facts */
extern const ll_rule ll_rule_cache; /* LOOP205 */
extern const ll_rule ll_rule_locks; /* LOOP107 */
extern const ll_rule ll_rule_polling; /* LOOP120 */
extern const ll_rule ll_rule_handoff; /* LOOP206 (the walk's half) */
extern const ll_rule ll_rule_tests;   /* LOOP207 (the walk's half) */

/* The message of a blocking finding (rule_blocking.c): what entry e says of callable q, and
 * what to use instead (in Home Assistant code its own advice; in a @callback, the executor). */
struct ll_strbuf;
void ll_blocking_message(struct ll_strbuf *msg, const ll_blocking_entry *e, const char *q, int in_async, int ha,
                         const char *fn_name);

/* The project pass (rule_project.c): appends the project-wide findings for every file that
 * is not context_only. */
struct ll_project;
void ll_project_check(struct ll_project *p, ll_findings *out);
/* Without a project pass (--no-project): the findings files hold for it, as they are (the
 * blocking findings of async defs, which only the project could show run off the loop). */
void ll_project_release_held(const ll_file_facts *files, size_t n, ll_findings *out);
/* LOOP207's project half (rule_tests.c): whether the held async test h never runs, with the
 * message in msg; memo (per thread) keeps what each folder's pytest configuration decides. */
struct ll_resolver;
struct ll_held;
int ll_tests_decide(struct ll_resolver *rv, ll_strmap *memo, const ll_file_facts *ff, const struct ll_held *h,
                    struct ll_strbuf *msg);

#endif
