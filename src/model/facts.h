/* facts.h: what one file contributes to the project model, extracted during its single
 * walk so the tree can be freed at once: its definitions, its module-level imports (which
 * re-export names), the calls whose meaning depends on other files, and the blocking calls
 * each function makes directly. All strings live in the facts' arena. */
#ifndef LL_FACTS_H
#define LL_FACTS_H
#include <stdint.h>
#include <stdio.h>
#include "../diag/finding.h"
#include "../util/arena.h"
#include "../util/vec.h"
#include "usage.h"

/* A name with the type of its value: a class's attribute (declared at class level, a
 * dataclass field, or assigned as `self.x = ...` in any method) or a module-level variable.
 * path is a type path (model/types.h), absolute, so any file can reduce it. */
typedef struct ll_member {
  const char *name;
  const char *path;  /* NULL: unknown (or conflict) */
  uint8_t annotated; /* declared: wins over assignments */
  uint8_t conflict;  /* assigned values of different types and no declaration: unknown */
} ll_member;
typedef LL_VEC(ll_member) ll_member_list;

typedef struct ll_funcdef {
  const char *qual;  /* "pkg.mod.Class.method" */
  const char *name;
  const char *cls;   /* qual of the class it is a method of, or NULL */
  uint8_t is_async, is_callback, has_yield, returns_value, is_property, is_static, is_nested;
  uint8_t is_stub;       /* body is only a docstring, pass, ... or raise: an interface to override */
  uint8_t other_decorator; /* a decorator we do not know may change what calling it returns */
  uint8_t schedules;       /* a decorator the rules data knows turns it into a plain function that
                            * schedules the coroutine (`@websocket_api.async_response`, `@work`) */
  ll_pos pos;
  /* first blocking call made directly in the body (not in nested defs), for chains */
  const char *block_qual, *block_code;
  ll_pos block_pos;
  /* the type path of what calling it returns: its return annotation, or the one path every
   * `return` gives; NULL when unknown (an async def: what awaiting gives) */
  const char *ret;
  uint8_t is_classmethod;
  uint8_t ret_conflict; /* returns of different paths were seen (no annotation) */
  /* decorators of the project: the one this function wears (its qualified name; "" when it
   * wears several we do not know; NULL when none), called as a factory (`@retry(3)`) */
  const char *decorator;
  uint8_t decorator_called;
  /* as a decorator itself: what it makes of the function it wraps (LL_DECO_KEEPS: its wrapper
   * is an async def, or returns the wrapped function's call, or it returns the function;
   * LL_DECO_SCHEDULES: a plain def wrapper that returns nothing); factory_kind: the same
   * for the decorator a factory returns */
  uint8_t deco_kind, factory_kind;
  uint8_t pass_through; /* returns a call of the enclosing function's first parameter */
  /* --- what its body guarantees (rules/rule_cancel.c, rules/rule_blocking.c) --- */
  /* never returns (annotated NoReturn/Never, or every path ends in `raise`) and every `raise`
   * in it re-raises: bare (the exception being handled) or parameter reraise_param */
  uint8_t reraises;          /* 1: always that exception; 2: never returns, re-raises it on
                                some path and raises others on the rest (`_convert(exc)`);
                                3: re-raises it whenever it is a cancellation, may return
                                otherwise (`if not isinstance(exc, Exception): raise`) */
  int8_t reraise_param;     /* index of the parameter it re-raises (self counted); -1: bare only */
  const char *reraise_name; /* that parameter's name */
  uint8_t memo;             /* @functools.lru_cache / @functools.cache: the body runs once per argument */
  /* the first direct blocking call that runs only under `if FLAG:`, FLAG a parameter that
   * defaults to False/None (block_qual is the first one that runs unconditionally) */
  const char *flag_block_qual, *flag_block_code;
  ll_pos flag_block_pos;
  const char *flag_name;
  int8_t flag_pos;          /* FLAG's index (self counted) */
  /* a decorator of the rules data's thread_loops runs its body on an event loop of its own in
   * a worker thread (`@work(thread=True)`): nothing in it blocks the main loop */
  uint8_t thread_loop;
  /* the first direct blocking call that is harmless when module import_block_module is
   * certainly imported already (`importlib.import_module("pkg.const")`): the project pass
   * decides from the top-level imports of the file and of its packages' __init__ */
  const char *import_block_qual, *import_block_code, *import_block_module;
  ll_pos import_block_pos;
} ll_funcdef;

typedef struct ll_classdef {
  const char *qual;
  LL_VEC(const char *) bases; /* resolved qualified names */
  ll_member_list members;     /* attributes with their types */
} ll_classdef;

typedef struct ll_callsite {
  const char *callee;      /* qualified name as resolved in its file */
  const char *text;        /* the callee as written, for messages */
  const char *local;       /* LL_USE_LOCAL target */
  const char *super_of;    /* super().m(): the class whose bases to search, else NULL */
  ll_pos start, end;
  uint32_t stmt_first, stmt_last;
  int32_t func;            /* index into funcs of the caller, -1 at module level */
  uint8_t use;             /* ll_use */
  uint8_t local_unused;
  uint8_t on_loop;         /* the caller runs on the event loop: async def or @callback */
  uint8_t bare_ok;         /* a method call on an instance: its bare name may be looked up */
  uint8_t deferred;        /* callee is a type path the file could not reduce: the project pass
                              decides whether it blocks */
  uint8_t offloaded;       /* the call is an argument of an executor wrapper (its lazy result is
                              consumed in the worker) */
  uint8_t probe_settled;   /* parse on demand: resolved once without a miss, so no later round
                              can change it (probe_target: what it reached, for the reach set) */
  const char *probe_target;
  const char *guarding;    /* deferred calls: what the `try` around it catches (ll_except_guarding),
                              for the entry's "caught" conditions; NULL none */
  /* --- the condition it runs under in its function (model/flow.h) --- */
  uint8_t guard;           /* ll_guard_kind: none, once (module memo), only when flag_name is passed */
  int8_t guard_pos;        /* LL_GUARD_FLAG: the caller's parameter index */
  const char *guard_name;  /* LL_GUARD_FLAG: its name */
  /* what the call passes, for a callee whose blocking depends on a flag: positional
   * arguments as one letter each ('f' a literal False/None/0, 'v' anything else, '*' a
   * splat), then ';' and the keywords, each `name=f` or `name=v` (`**=v` for a splat),
   * comma-separated. NULL: not recorded (no arguments of interest) */
  const char *args;
  /* the coroutine this call makes runs on an event loop of its own in a worker thread
   * (ll_thread_loop_kind); runner: LL_THREAD_LOOP_IF_WORKER, the call site (index into
   * calls) whose callee the project pass must find in thread_loops.calls */
  uint8_t thread_loop;
  int32_t runner;
} ll_callsite;

typedef enum ll_thread_loop_kind {
  LL_THREAD_LOOP_NONE = 0,
  LL_THREAD_LOOP_KNOWN,     /* `Thread(target=asyncio.run, args=(job(),))`, `submit(asyncio.run, job())`,
                               `Thread(target=lambda: asyncio.run(job()))`: the walk saw it all */
  LL_THREAD_LOOP_IF_THREAD, /* `asyncio.run(job())` in a sync def: when that def runs only as the
                               target of off-loop APIs (the project pass counts its call sites) */
  LL_THREAD_LOOP_IF_WORKER, /* `self.run_worker(job(), thread=True)` on a receiver only the project
                               pass types: when call site `runner` is one of thread_loops.calls */
} ll_thread_loop_kind;

/* A file-local finding that another file's definitions may disprove; the project pass
 * reports it or drops it. */
typedef enum ll_held_kind {
  LL_HELD_UNLESS_RERAISES = 1, /* LOOP401: dropped when the call's callee re-raises the
                                  handler's exception (arg_pos / arg_kw), or any when bare */
  LL_HELD_ASYNC_TEST = 3,         /* LOOP207 (rules/rule_tests.c): an unmarked `async def test*`;
                                     message is its name, arg_kw its class (NULL: none), call
                                     unused (UINT32_MAX); reported when its bases or the pytest
                                     configuration show nothing runs it as a coroutine */
  LL_HELD_UNLESS_MAY_RERAISE = 2, /* LOOP402: dropped when the callee never returns and
                                     re-raises the exception on some path (raising others on
                                     the rest: what a broad handler converts is not swallowed) */
} ll_held_kind;

typedef struct ll_held {
  const char *code, *message;
  ll_pos start, end;
  uint32_t stmt_first, stmt_last;
  uint32_t call;      /* index into calls of the call that decides */
  uint8_t kind;       /* ll_held_kind */
  int8_t arg_pos;     /* where the exception is passed positionally, -1 not */
  const char *arg_kw; /* the keyword it is passed as, or NULL */
} ll_held;

/* A suppression comment: `# noqa`, `# noqa: LOOP101, ASYNC251`, or `# looplint: noqa` alone on
 * its line (the whole file). Codes are mapped through rules/aliases.json; codes of other
 * tools stay in `foreign` and suppress nothing here. */
#define LL_NOQA_MAX_CODES 16
typedef struct ll_noqa {
  uint32_t row;
  uint8_t blanket, file_level, ncodes;
  uint8_t borrowed;             /* read from another checker's ignore comment (`# type: ignore[
                                   unused-coroutine]`): never reported as unused */
  uint16_t used_mask;           /* bit i: codes[i] suppressed something; bit 15: blanket used */
  const char *codes[LL_NOQA_MAX_CODES]; /* looplint codes or prefixes, after aliasing */
  const char *written[LL_NOQA_MAX_CODES]; /* as written (ASYNC251) */
  ll_pos start, end;
} ll_noqa;

typedef struct ll_export {
  const char *name;   /* local name at module level */
  const char *target; /* qualified name it stands for */
} ll_export;

typedef struct ll_file_facts {
  ll_arena arena;
  const char *path;
  const char *module;
  uint8_t ha;          /* Home Assistant mode */
  uint8_t context_only; /* loaded for definitions only: no findings of its own are reported */
  uint8_t partial;      /* parsed without the top-level definitions others did not need */
  const struct ll_ruledb *db; /* the knowledge this file was linted with (its configuration's) */
  LL_VEC(ll_funcdef) funcs;
  LL_VEC(ll_classdef) classes;
  LL_VEC(ll_callsite) calls;
  LL_VEC(ll_export) exports;
  LL_VEC(ll_noqa) noqa;
  ll_member_list globals;   /* module-level variables with their types */
  /* a cold (unparsed) file's name summary from lazy.c, hashes: NULL once parsed */
  const uint32_t *lazy;
  uint32_t nlazy;
  const char *partial_names; /* partial: the top-level names it was parsed for, one per line */
  LL_VEC(ll_held) held;      /* findings the project pass confirms or drops */
  /* blocking findings (LOOP101-107) of async defs, whole, each with the index of its function
   * (held_funcs): the project pass drops them when every call of the function starts it on an
   * event loop of its own in a worker thread, and reports them otherwise */
  ll_findings held_findings;
  LL_VEC(int32_t) held_funcs;  /* -1: no function's runner decides (a @callback's finding) */
  /* per held finding: a module that makes it harmless when certainly imported already
   * (`importlib.import_module("pkg.const")`, pkg's __init__ imports .const), or NULL */
  LL_VEC(const char *) held_modules;
  /* modules certainly imported once the file's top level has run: its unconditional
   * module-level imports (`import a.b` gives a.b; `from .x import y` gives pkg.x; in a
   * package's __init__, `from . import sub` gives pkg.sub when nothing bound sub before) */
  LL_VEC(const char *) imports;
} ll_file_facts;

void ll_facts_init(ll_file_facts *f);
void ll_facts_free(ll_file_facts *f);
/* Debugging aid (LOOPLINT_DEBUG_FACTS=1): the facts of a file, one line per item. */
void ll_facts_dump(FILE *out, const ll_file_facts *f);

#endif
