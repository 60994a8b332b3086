/* event.h: one runtime event and its wire form, the line libloopwatch.so appends to the file
 * named by LOOPWATCH_OUT and `looplint watch` reads back.
 *
 *   loopwatch1 <TAB> kind=call <TAB> pid=.. <TAB> tid=.. <TAB> loop=1 <TAB> us=.. <TAB>
 *   code=LOOP101 <TAB> call=clock_nanosleep <TAB> line=7 <TAB> func=main <TAB>
 *   hint=time.sleep <TAB> file=/x/bad.py [<TAB> exe=/usr/bin/prog] <NL>
 *
 * Values escape backslash, tab, CR and NL as \\ \t \r \n. Unknown keys are ignored, so
 * fields can be added. A line is at most LL_RUNTIME_LINE_MAX (PIPE_BUF) bytes and is written
 * with one write(2) on an O_APPEND descriptor, so lines of forked processes never interleave. */
#ifndef LL_RUNTIME_EVENT_H
#define LL_RUNTIME_EVENT_H
#include <stddef.h>
#include <stdint.h>

#define LL_RUNTIME_LINE_MAX 4096 /* PIPE_BUF on Linux */
#define LL_RUNTIME_FILE_MAX 1024
#define LL_RUNTIME_FUNC_MAX 160

typedef enum ll_runtime_event_kind {
  LL_EVENT_CALL = 'c',  /* a blocking libc call on the loop thread */
  LL_EVENT_STALL = 's', /* a gap between two waits longer than the stall threshold */
} ll_runtime_event_kind;

/* A Python source location: where an event is reported. file[0] == 0 when unknown. */
typedef struct ll_runtime_loc {
  char file[LL_RUNTIME_FILE_MAX];
  char func[LL_RUNTIME_FUNC_MAX];
  uint32_t line;
  int via_import; /* the import system ran between this frame and the call */
} ll_runtime_loc;

/* An event as the library builds it: fixed-size, no pointers to free. */
typedef struct ll_runtime_event {
  int kind;         /* ll_runtime_event_kind */
  const char *call; /* static libc name; NULL for stalls */
  const char *code; /* static "LOOP1xx" */
  const char *hint; /* static, may be NULL */
  uint64_t dur_us;
  long pid, tid;
  int in_loop; /* 0 when recorded outside any loop (LOOPWATCH_NATIVE=all) */
  ll_runtime_loc loc;
} ll_runtime_event;

/* Formats ev as one NUL-terminated line ending in '\n' into buf (cap >= 64); exe is added
 * when the event has no Python file. Long values are cut so the line always fits. Returns the
 * length (at most cap - 2; 0 when cap < 3).
 * Async-signal-safe: no allocation, no stdio, no locale. */
size_t ll_runtime_event_format(const ll_runtime_event *ev, const char *exe, char *buf, size_t cap);

/* A parsed line: pointers into the caller's buffer, which parsing unescapes in place. */
typedef struct ll_runtime_event_view {
  int kind;
  const char *call, *code, *hint, *func, *file, *exe; /* "" when absent */
  unsigned long long dur_us;
  long pid, tid;
  unsigned line;
  int in_loop;
} ll_runtime_event_view;

/* Parses one line (with or without its '\n'); returns 0, or -1 when it is not an event line. */
int ll_runtime_event_parse(char *line, ll_runtime_event_view *out);

#endif
