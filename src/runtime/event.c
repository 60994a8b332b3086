/* event.c: the event line format (see event.h). Formatting runs inside libloopwatch.so's hooks,
 * possibly in a signal handler, so it is written by hand: no snprintf, no allocation. Parsing
 * runs in `looplint watch` and may use the C library freely. */
#include "event.h"

#include <stdlib.h>
#include <string.h>

typedef struct out_buf {
  char *p;
  size_t len, cap; /* cap excludes the bytes kept for the final '\n' and NUL */
} out_buf;

static void put_c(out_buf *o, char c) {
  if (o->len < o->cap) o->p[o->len++] = c;
}

static void put_s(out_buf *o, const char *s) {
  while (*s) put_c(o, *s++);
}

/* Escaped value; stops before a character whose escape would not fit whole. */
static void put_escaped(out_buf *o, const char *s) {
  for (; s && *s; s++) {
    const char *e = NULL;
    switch (*s) {
      case '\\': e = "\\\\"; break;
      case '\t': e = "\\t"; break;
      case '\n': e = "\\n"; break;
      case '\r': e = "\\r"; break;
    }
    if (e) {
      if (o->len + 2 > o->cap) return;
      put_s(o, e);
    } else {
      if (o->len + 1 > o->cap) return;
      put_c(o, *s);
    }
  }
}

static void put_u64(out_buf *o, uint64_t v) {
  char tmp[24];
  int n = 0;
  do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (n) put_c(o, tmp[--n]);
}

static void put_field(out_buf *o, const char *key, const char *value) {
  put_c(o, '\t');
  put_s(o, key);
  put_c(o, '=');
  put_escaped(o, value);
}

static void put_num(out_buf *o, const char *key, uint64_t v) {
  put_c(o, '\t');
  put_s(o, key);
  put_c(o, '=');
  put_u64(o, v);
}

size_t ll_runtime_event_format(const ll_runtime_event *ev, const char *exe, char *buf, size_t cap) {
  if (cap < 3) return 0;
  out_buf o = {buf, 0, cap - 2}; /* room for the '\n' and a terminating NUL */
  /* Short fixed fields first, so cutting only ever shortens the long ones at the end. */
  put_s(&o, "loopwatch1");
  put_field(&o, "kind", ev->kind == LL_EVENT_STALL ? "stall" : "call");
  put_num(&o, "pid", (uint64_t)ev->pid);
  put_num(&o, "tid", (uint64_t)ev->tid);
  put_num(&o, "loop", ev->in_loop ? 1 : 0);
  put_num(&o, "us", ev->dur_us);
  put_field(&o, "code", ev->code ? ev->code : "");
  if (ev->call) put_field(&o, "call", ev->call);
  if (ev->loc.line) put_num(&o, "line", ev->loc.line);
  if (ev->loc.func[0]) put_field(&o, "func", ev->loc.func);
  if (ev->hint) put_field(&o, "hint", ev->hint);
  if (ev->loc.file[0]) put_field(&o, "file", ev->loc.file);
  else if (exe && *exe) put_field(&o, "exe", exe);
  buf[o.len++] = '\n';
  buf[o.len] = '\0';
  return o.len;
}

/* Unescapes s in place. */
static void unescape(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r == '\\' && r[1]) {
      r++;
      *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
}

int ll_runtime_event_parse(char *line, ll_runtime_event_view *out) {
  memset(out, 0, sizeof *out);
  out->call = out->code = out->hint = out->func = out->file = out->exe = "";
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
  char *save = NULL;
  char *tok = strtok_r(line, "\t", &save);
  if (!tok || strcmp(tok, "loopwatch1") != 0) return -1;
  int have_kind = 0;
  while ((tok = strtok_r(NULL, "\t", &save))) {
    char *eq = strchr(tok, '=');
    if (!eq) continue;
    *eq = '\0';
    char *v = eq + 1;
    unescape(v);
    if (strcmp(tok, "kind") == 0) {
      if (strcmp(v, "call") == 0) out->kind = LL_EVENT_CALL;
      else if (strcmp(v, "stall") == 0) out->kind = LL_EVENT_STALL;
      else return -1;
      have_kind = 1;
    } else if (strcmp(tok, "pid") == 0) out->pid = strtol(v, NULL, 10);
    else if (strcmp(tok, "tid") == 0) out->tid = strtol(v, NULL, 10);
    else if (strcmp(tok, "loop") == 0) out->in_loop = atoi(v) != 0;
    else if (strcmp(tok, "us") == 0) out->dur_us = strtoull(v, NULL, 10);
    else if (strcmp(tok, "line") == 0) out->line = (unsigned)strtoul(v, NULL, 10);
    else if (strcmp(tok, "code") == 0) out->code = v;
    else if (strcmp(tok, "call") == 0) out->call = v;
    else if (strcmp(tok, "func") == 0) out->func = v;
    else if (strcmp(tok, "hint") == 0) out->hint = v;
    else if (strcmp(tok, "file") == 0) out->file = v;
    else if (strcmp(tok, "exe") == 0) out->exe = v;
  }
  return have_kind && *out->code ? 0 : -1;
}
