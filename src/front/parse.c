/* parse.c: tree-sitter parsing under a per-file limit (see parse.h). */
#include "parse.h"

#include <string.h>

#if defined(TREE_SITTER_LANGUAGE_VERSION) && TREE_SITTER_LANGUAGE_VERSION >= 15
#define LL_HAVE_PARSE_OPTIONS 1
#endif

typedef struct string_input {
  const char *text;
  uint32_t len;
} string_input;

static const char *read_string(void *payload, uint32_t byte, TSPoint point, uint32_t *bytes_read) {
  (void)point;
  const string_input *in = payload;
  if (byte >= in->len) {
    *bytes_read = 0;
    return "";
  }
  *bytes_read = in->len - byte;
  return in->text + byte;
}

#ifdef LL_HAVE_PARSE_OPTIONS
/* The runtime calls this every 100 operations (OP_COUNT_PER_PARSER_TIMEOUT_CHECK in its
 * parser.c): counting calls counts operations. */
#define OPS_PER_CALL 100u

typedef struct op_count {
  uint64_t calls, max_calls;
} op_count;

static bool progress(TSParseState *state) {
  op_count *c = state->payload;
  return ++c->calls > c->max_calls;
}
#endif

TSTree *ll_parse_limited(TSParser *parser, const TSTree *old_tree, const char *text, uint32_t len, uint64_t max_ops,
                         int *over_limit, uint64_t *ops) {
  *over_limit = 0;
  if (ops) *ops = 0;
  string_input in = {text, len};
  TSInput input;
  memset(&input, 0, sizeof input);
  input.payload = &in;
  input.read = read_string;
  input.encoding = TSInputEncodingUTF8;
  TSTree *tree;
#ifdef LL_HAVE_PARSE_OPTIONS
  op_count count = {0, max_ops ? (max_ops + OPS_PER_CALL - 1) / OPS_PER_CALL : UINT64_MAX};
  TSParseOptions options = {.payload = &count, .progress_callback = progress};
  tree = ts_parser_parse_with_options(parser, old_tree, input, options);
  if (ops) *ops = count.calls * OPS_PER_CALL;
  if (!tree && count.calls > count.max_calls) *over_limit = 1;
#else
  /* no operation count: about 1 µs per 100 operations on a 2020 core, as a last resort */
  uint64_t micros = max_ops ? max_ops / 100 + 1 : 0;
  ts_parser_set_timeout_micros(parser, micros);
  tree = ts_parser_parse(parser, old_tree, input);
  ts_parser_set_timeout_micros(parser, 0);
  if (!tree && max_ops) *over_limit = 1;
#endif
  /* a parse given up is otherwise resumed by the next call, whatever its text */
  if (!tree) ts_parser_reset(parser);
  return tree;
}
