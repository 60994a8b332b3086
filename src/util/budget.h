/* budget.h: a count of work steps against a limit. One file's analysis shares one budget
 * between its walk, its resolver and its type engine, so any input, however built, ends in a
 * bounded number of steps (LOOP905) instead of a hang. Steps, not time: the same file gives
 * the same result on any machine and under any load. */
#ifndef LL_BUDGET_H
#define LL_BUDGET_H
#include <stdint.h>

typedef struct ll_budget {
  uint64_t spent;
  uint64_t limit; /* 0: no limit */
} ll_budget;

/* Spends n steps; returns 0 once the limit is passed (and on every call after). */
static inline int ll_budget_spend(ll_budget *b, uint64_t n) {
  b->spent += n;
  return b->limit == 0 || b->spent <= b->limit;
}

/* Whether the limit has been passed. */
static inline int ll_budget_exhausted(const ll_budget *b) { return b->limit != 0 && b->spent > b->limit; }

#endif
