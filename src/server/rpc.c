/* rpc.c: LSP framing, the reader thread and its queue, and the serialised writer. */
#include "rpc.h"
#include "../util/vec.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Reads more bytes into the frame's buffer; 0 at the end of the stream. */
static ssize_t fill(ll_rpc_frame *fr) {
  if (fr->pos > 0 && fr->pos == fr->len) fr->len = fr->pos = 0;
  if (fr->pos > (1u << 20)) { /* keep the buffer from creeping */
    memmove(fr->buf, fr->buf + fr->pos, fr->len - fr->pos);
    fr->len -= fr->pos;
    fr->pos = 0;
  }
  if (fr->cap - fr->len < 65536) {
    fr->cap = fr->cap ? fr->cap * 2 : 131072;
    while (fr->cap - fr->len < 65536) fr->cap *= 2;
    fr->buf = ll_xrealloc(fr->buf, fr->cap);
  }
  for (;;) {
    ssize_t n = read(fr->fd, fr->buf + fr->len, fr->cap - fr->len - 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { fr->eof = 1; return 0; }
    fr->len += (size_t)n;
    return n;
  }
}

/* The end of the header block at pos ("\r\n\r\n", or "\n\n" from a lax client), or NULL. */
static char *header_end(ll_rpc_frame *fr, size_t *skip) {
  for (size_t i = fr->pos; i + 1 < fr->len; i++) {
    if (fr->buf[i] == '\n' && fr->buf[i + 1] == '\n') { *skip = 2; return fr->buf + i; }
    if (i + 3 < fr->len && memcmp(fr->buf + i, "\r\n\r\n", 4) == 0) { *skip = 4; return fr->buf + i; }
  }
  return NULL;
}

int ll_rpc_read_frame(ll_rpc_frame *fr, char **body, size_t *len) {
  size_t skip = 0;
  char *end;
  while (!(end = header_end(fr, &skip))) {
    if (fr->eof || fill(fr) == 0) return 0;
    if (fr->len - fr->pos > 65536) { /* no header ends: drop what came */
      fr->pos = fr->len;
      return -1;
    }
  }
  /* the headers: Content-Length is the one that matters */
  long long length = -1;
  for (char *line = fr->buf + fr->pos; line < end;) {
    char *nl = memchr(line, '\n', (size_t)(end - line));
    if (!nl) nl = end;
    /* anywhere in the line: the body of a frame that had none runs into the next header, and
     * the stream gets back in step there */
    char *at = NULL;
    for (char *p = line; p + 15 <= nl && !at; p++)
      if (strncasecmp(p, "Content-Length:", 15) == 0) at = p;
    if (at) {
      char *e;
      length = strtoll(at + 15, &e, 10);
      while (e < nl && (*e == ' ' || *e == '\r' || *e == '\t')) e++;
      if (e != nl) length = -1;
    }
    line = nl + 1;
  }
  fr->pos = (size_t)(end - fr->buf) + skip;
  if (length < 0) return -1;
  int drop = (unsigned long long)length > LL_RPC_MAX_BODY;
  size_t want = (size_t)length;
  if (drop) {
    /* read past it without keeping it */
    while (want) {
      if (fr->pos == fr->len && (fr->eof || fill(fr) == 0)) return 0;
      size_t take = fr->len - fr->pos < want ? fr->len - fr->pos : want;
      fr->pos += take;
      want -= take;
    }
    return -1;
  }
  char *out = ll_xmalloc(want + 1);
  size_t got = 0;
  while (got < want) {
    if (fr->pos == fr->len && (fr->eof || fill(fr) == 0)) { free(out); return 0; }
    size_t take = fr->len - fr->pos < want - got ? fr->len - fr->pos : want - got;
    memcpy(out + got, fr->buf + fr->pos, take);
    fr->pos += take;
    got += take;
  }
  out[want] = 0;
  *body = out;
  *len = want;
  return 1;
}

cJSON *ll_rpc_parse(char *body, size_t len) {
  /* `\u0000` inside a string, not preceded by an escaping backslash: U+FFFD (same length) */
  int in_str = 0;
  for (size_t i = 0; i < len; i++) {
    char c = body[i];
    if (!in_str) {
      if (c == '"') in_str = 1;
      continue;
    }
    if (c == '"') in_str = 0;
    else if (c == '\\' && i + 1 < len) {
      if (body[i + 1] == 'u' && i + 5 < len && memcmp(body + i + 2, "0000", 4) == 0) memcpy(body + i + 2, "FFFD", 4);
      i++; /* the escaped character */
    }
  }
  return cJSON_ParseWithLength(body, len);
}

static void push(ll_rpc *r, ll_rpc_msg *m) {
  pthread_mutex_lock(&r->lock);
  if (r->tail) r->tail->next = m;
  else r->head = m;
  r->tail = m;
  pthread_cond_signal(&r->ready);
  pthread_mutex_unlock(&r->lock);
}

/* Messages that change what a lint run sees: a run in progress is stale once one arrives. */
static int is_edit(const char *method) {
  static const char *const EDITS[] = {"textDocument/didOpen", "textDocument/didChange", "textDocument/didClose",
                                      "workspace/didChangeWatchedFiles", "workspace/didChangeConfiguration",
                                      "workspace/didChangeWorkspaceFolders", NULL};
  for (int i = 0; EDITS[i]; i++)
    if (strcmp(method, EDITS[i]) == 0) return 1;
  return 0;
}

static void *reader_main(void *arg) {
  ll_rpc *r = arg;
  ll_rpc_frame fr = {.fd = r->in_fd};
  for (;;) {
    char *body = NULL;
    size_t len = 0;
    int rc = ll_rpc_read_frame(&fr, &body, &len);
    if (rc == 0) break;
    if (rc < 0) {
      fputs("looplint server: a message without a valid Content-Length was skipped\n", stderr);
      continue;
    }
    ll_rpc_msg *m = ll_xcalloc(1, sizeof *m);
    m->json = ll_rpc_parse(body, len);
    free(body);
    if (!m->json) m->parse_error = 1;
    cJSON *method = m->json ? cJSON_GetObjectItemCaseSensitive(m->json, "method") : NULL;
    if (cJSON_IsString(method)) {
      if (is_edit(method->valuestring)) atomic_store(&r->edits, 1);
      if (strcmp(method->valuestring, "$/cancelRequest") == 0) atomic_store(&r->cancels, 1);
    }
    push(r, m);
  }
  free(fr.buf);
  pthread_mutex_lock(&r->lock);
  r->eof = 1;
  pthread_cond_broadcast(&r->ready);
  pthread_mutex_unlock(&r->lock);
  return NULL;
}

int ll_rpc_start(ll_rpc *r, int in_fd, int out_fd) {
  memset(r, 0, sizeof *r);
  r->in_fd = in_fd;
  r->out_fd = out_fd;
  pthread_mutex_init(&r->lock, NULL);
  pthread_cond_init(&r->ready, NULL);
  pthread_mutex_init(&r->write_lock, NULL);
  atomic_init(&r->edits, 0);
  atomic_init(&r->cancels, 0);
  return pthread_create(&r->reader, NULL, reader_main, r) == 0 ? 0 : -1;
}

int ll_rpc_next(ll_rpc *r, int timeout_ms, ll_rpc_msg **out) {
  struct timespec until;
  if (timeout_ms >= 0) {
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
  }
  pthread_mutex_lock(&r->lock);
  int rc = 1;
  while (!r->head) {
    if (r->eof) { rc = -1; break; }
    if (timeout_ms < 0) pthread_cond_wait(&r->ready, &r->lock);
    else if (pthread_cond_timedwait(&r->ready, &r->lock, &until) != 0 && !r->head) {
      rc = r->eof ? -1 : 0;
      break;
    }
  }
  if (r->head) {
    rc = 1;
    *out = r->head;
    r->head = r->head->next;
    if (!r->head) r->tail = NULL;
    (*out)->next = NULL;
  }
  pthread_mutex_unlock(&r->lock);
  return rc;
}

int ll_rpc_pending(ll_rpc *r) {
  pthread_mutex_lock(&r->lock);
  int p = r->head != NULL;
  pthread_mutex_unlock(&r->lock);
  return p;
}

void ll_rpc_msg_free(ll_rpc_msg *m) {
  if (!m) return;
  cJSON_Delete(m->json);
  free(m);
}

int ll_rpc_send(ll_rpc *r, cJSON *msg) {
  char *body = cJSON_PrintUnformatted(msg);
  cJSON_Delete(msg);
  if (!body) return -1;
  size_t len = strlen(body);
  char head[64];
  int hl = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", len);
  int rc = 0;
  pthread_mutex_lock(&r->write_lock);
  const char *parts[2] = {head, body};
  size_t lens[2] = {(size_t)hl, len};
  for (int k = 0; k < 2 && rc == 0; k++)
    for (size_t off = 0; off < lens[k];) {
      ssize_t n = write(r->out_fd, parts[k] + off, lens[k] - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) { rc = -1; break; }
      off += (size_t)n;
    }
  pthread_mutex_unlock(&r->write_lock);
  free(body);
  return rc;
}

void ll_rpc_stop(ll_rpc *r) {
  pthread_mutex_lock(&r->lock);
  int ended = r->eof;
  for (ll_rpc_msg *m = r->head, *next; m; m = next) {
    next = m->next;
    ll_rpc_msg_free(m);
  }
  r->head = r->tail = NULL;
  pthread_mutex_unlock(&r->lock);
  /* a reader still blocked in read() is left to the process's exit: cancelling it could
   * leave a lock held or a body half read */
  if (!ended) return;
  pthread_join(r->reader, NULL);
  pthread_mutex_destroy(&r->lock);
  pthread_cond_destroy(&r->ready);
  pthread_mutex_destroy(&r->write_lock);
}
