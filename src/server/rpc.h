/* rpc.h: JSON-RPC 2.0 over a byte stream with LSP's `Content-Length` framing. A reader thread
 * takes messages off standard input, parses them (cJSON) and queues them for the server's
 * one worker thread; it also raises a flag the moment an edit arrives, so a lint run in
 * progress can see that its text is stale and stop. Writing is serialised by a lock. */
#ifndef LL_RPC_H
#define LL_RPC_H
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

/* Bodies larger than this are read and dropped (a whole project is smaller). */
#define LL_RPC_MAX_BODY (512u << 20)

/* One framed message from the stream. */
typedef struct ll_rpc_frame {
  int fd;
  char *buf;
  size_t len, cap, pos; /* bytes in buf; pos: start of what is not consumed yet */
  int eof;
} ll_rpc_frame;

/* Reads the next body: 1 and *body (malloc'd, NUL-terminated) with *len; 0 at the end of the
 * stream; -1 for a frame that cannot be read (no or a bad Content-Length, too large): it is
 * skipped and the stream goes on. */
int ll_rpc_read_frame(ll_rpc_frame *fr, char **body, size_t *len);

/* Parses a body. Strings holding `\u0000` get U+FFFD instead (cJSON's strings end at a NUL; both
 * are one UTF-16 unit, so positions in the text are unchanged). NULL when it is not JSON. */
cJSON *ll_rpc_parse(char *body, size_t len);

/* A queued message: the parsed JSON, or NULL for a body that was not JSON. */
typedef struct ll_rpc_msg {
  cJSON *json;
  int parse_error;
  struct ll_rpc_msg *next;
} ll_rpc_msg;

typedef struct ll_rpc {
  int in_fd, out_fd;
  pthread_t reader;
  pthread_mutex_t lock; /* the queue */
  pthread_cond_t ready;
  ll_rpc_msg *head, *tail;
  int eof;              /* the stream ended: no message will come */
  pthread_mutex_t write_lock;
  atomic_int edits;     /* set when a message that changes a document or the project arrives */
  atomic_int cancels;   /* set when a $/cancelRequest arrives */
} ll_rpc;

int ll_rpc_start(ll_rpc *r, int in_fd, int out_fd);
/* Takes the next message, waiting up to timeout_ms (-1: no limit). 1 with *out (free it with
 * ll_rpc_msg_free), 0 on time-out, -1 when the stream ended and the queue is empty. */
int ll_rpc_next(ll_rpc *r, int timeout_ms, ll_rpc_msg **out);
/* Whether a message waits in the queue. */
int ll_rpc_pending(ll_rpc *r);
void ll_rpc_msg_free(ll_rpc_msg *m);
/* Sends msg (and deletes it). Returns -1 when the stream is closed. */
int ll_rpc_send(ll_rpc *r, cJSON *msg);
/* Frees what is queued and joins the reader once the stream has ended (a reader still
 * waiting for input is left running: the process is about to exit). */
void ll_rpc_stop(ll_rpc *r);

#endif
