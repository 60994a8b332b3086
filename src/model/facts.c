/* facts.c: create/free for per-file facts. */
#include "facts.h"

#include <string.h>

void ll_facts_init(ll_file_facts *f) {
  memset(f, 0, sizeof *f);
  ll_arena_init(&f->arena);
}

void ll_facts_free(ll_file_facts *f) {
  for (size_t i = 0; i < f->classes.len; i++) {
    ll_vec_free(&f->classes.items[i].bases);
    ll_vec_free(&f->classes.items[i].members);
  }
  ll_vec_free(&f->globals);
  ll_vec_free(&f->funcs);
  ll_vec_free(&f->classes);
  ll_vec_free(&f->calls);
  ll_vec_free(&f->exports);
  ll_vec_free(&f->noqa);
  ll_vec_free(&f->held);
  ll_findings_free(&f->held_findings);
  ll_vec_free(&f->held_funcs);
  ll_vec_free(&f->held_modules);
  ll_vec_free(&f->imports);
  ll_arena_free(&f->arena);
}

void ll_facts_dump(FILE *out, const ll_file_facts *f) {
  fprintf(out, "file %s module %s%s\n", f->path, f->module, f->context_only ? " (context)" : "");
  for (size_t i = 0; i < f->exports.len; i++) fprintf(out, "  export %s = %s\n", f->exports.items[i].name, f->exports.items[i].target);
  for (size_t i = 0; i < f->imports.len; i++) fprintf(out, "  imports %s\n", f->imports.items[i]);
  for (size_t i = 0; i < f->classes.len; i++) {
    fprintf(out, "  class %s", f->classes.items[i].qual);
    for (size_t b = 0; b < f->classes.items[i].bases.len; b++) fprintf(out, " %s", f->classes.items[i].bases.items[b]);
    fputc('\n', out);
    for (size_t m = 0; m < f->classes.items[i].members.len; m++) {
      const ll_member *mb = &f->classes.items[i].members.items[m];
      fprintf(out, "    member %s: %s\n", mb->name, mb->path ? mb->path : "?");
    }
  }
  for (size_t i = 0; i < f->globals.len; i++)
    fprintf(out, "  global %s: %s\n", f->globals.items[i].name, f->globals.items[i].path ? f->globals.items[i].path : "?");
  for (size_t i = 0; i < f->funcs.len; i++) {
    const ll_funcdef *d = &f->funcs.items[i];
    fprintf(out, "  def %s%s%s%s%s%s ret=%s block=%s\n", d->qual, d->is_async ? " async" : "", d->is_callback ? " callback" : "",
            d->has_yield ? " yield" : "", d->returns_value ? " returns" : "", d->is_stub ? " stub" : "",
            d->ret ? d->ret : "-", d->block_qual ? d->block_qual : "-");
    if (d->reraises) fprintf(out, "    reraises %s\n", d->reraise_name ? d->reraise_name : "(bare)");
    if (d->memo) fprintf(out, "    memo\n");
    if (d->flag_block_qual) fprintf(out, "    block %s only when %s is passed\n", d->flag_block_qual, d->flag_name);
    if (d->import_block_qual)
      fprintf(out, "    block %s unless %s is imported already\n", d->import_block_qual, d->import_block_module);
  }
  for (size_t i = 0; i < f->calls.len; i++) {
    const ll_callsite *c = &f->calls.items[i];
    fprintf(out, "  call %s at %u:%u use=%d func=%d%s%s", c->callee, c->start.row, c->start.col, c->use, c->func,
            c->on_loop ? " on-loop" : "", c->deferred ? " deferred" : "");
    if (c->thread_loop) fprintf(out, " thread-loop=%d runner=%d", c->thread_loop, c->runner);
    fputc('\n', out);
    if (c->guard) fprintf(out, "    guard %s%s args=%s\n", c->guard == 1 ? "memo" : "flag ", c->guard_name ? c->guard_name : "",
                          c->args ? c->args : "-");
  }
  for (size_t i = 0; i < f->held.len; i++)
    fprintf(out, "  held %s at %u:%u unless call %u re-raises\n", f->held.items[i].code, f->held.items[i].start.row,
            f->held.items[i].start.col, f->held.items[i].call);
  for (size_t i = 0; i < f->held_findings.v.len; i++)
    fprintf(out, "  held %s at %u:%u unless every call of function %d starts it on a loop in a thread%s%s\n",
            f->held_findings.v.items[i].code, f->held_findings.v.items[i].start.row, f->held_findings.v.items[i].start.col,
            f->held_funcs.items[i], f->held_modules.items[i] ? " or this module is imported: " : "",
            f->held_modules.items[i] ? f->held_modules.items[i] : "");
}
