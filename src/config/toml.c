/* toml.c: flattening a TOML tree into key paths, and decoding strings. */
#include "toml.h"
#include "../util/strbuf.h"

#include <stdio.h>
#include <string.h>

static int is(TSNode n, const char *t) { return !ts_node_is_null(n) && strcmp(ts_node_type(n), t) == 0; }

/* ts_node_named_child(n, i) walks the children from the first each time: a loop over it is
 * quadratic in a long array or table, and a configuration may be any file a user writes. */
const TSNode *ll_toml_named_children(ll_toml *t, TSNode n, uint32_t *count) {
  uint32_t total = ts_node_named_child_count(n), k = 0;
  TSNode *out = ll_arena_alloc(&t->arena, (total ? total : 1) * sizeof *out);
  TSTreeCursor c = ts_tree_cursor_new(n);
  if (ts_tree_cursor_goto_first_child(&c)) do {
      TSNode x = ts_tree_cursor_current_node(&c);
      if (ts_node_is_named(x) && k < total) out[k++] = x;
    } while (ts_tree_cursor_goto_next_sibling(&c));
  ts_tree_cursor_delete(&c);
  *count = k;
  return out;
}

/* Decodes a TOML string node: basic ("..." with escapes), literal ('...'), and their
 * multi-line forms. */
static const char *decode_string(ll_toml *t, TSNode v) {
  uint32_t s = ts_node_start_byte(v), e = ts_node_end_byte(v);
  const char *text = t->src.text + s;
  size_t n = e - s, q = 1;
  if (n >= 6 && (strncmp(text, "\"\"\"", 3) == 0 || strncmp(text, "'''", 3) == 0)) q = 3;
  if (n < 2 * q) return "";
  int literal = text[0] == '\'';
  const char *p = text + q, *end = text + n - q;
  if (q == 3 && *p == '\n') p++; /* a newline right after the opening quotes is trimmed */
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  while (p < end) {
    if (!literal && *p == '\\' && p + 1 < end) {
      char c = p[1];
      p += 2;
      switch (c) {
        case 'n': ll_strbuf_addc(&sb, '\n'); break;
        case 't': ll_strbuf_addc(&sb, '\t'); break;
        case 'r': ll_strbuf_addc(&sb, '\r'); break;
        case 'b': ll_strbuf_addc(&sb, '\b'); break;
        case 'f': ll_strbuf_addc(&sb, '\f'); break;
        case '"': ll_strbuf_addc(&sb, '"'); break;
        case '\\': ll_strbuf_addc(&sb, '\\'); break;
        case 'u': case 'U': {
          int digits = c == 'u' ? 4 : 8;
          unsigned cp = 0;
          for (int i = 0; i < digits && p < end; i++, p++) {
            char h = *p;
            cp = cp * 16 + (unsigned)(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
          }
          char u[5] = {0};
          if (cp < 0x80) u[0] = (char)cp;
          else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); }
          else if (cp < 0x10000) { u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[2] = (char)(0x80 | (cp & 0x3F)); }
          else { u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)); u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); }
          ll_strbuf_add(&sb, u);
          break;
        }
        case '\n': /* line-ending backslash: skip the newline and leading whitespace */
          while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
          break;
        default: ll_strbuf_addc(&sb, c);
      }
      continue;
    }
    ll_strbuf_addc(&sb, *p++);
  }
  const char *out = ll_arena_strdup(&t->arena, sb.data ? sb.data : "");
  ll_strbuf_free(&sb);
  return out;
}

/* Appends the key segments of a bare_key / quoted_key / dotted_key node. */
static void key_path(ll_toml *t, TSNode k, ll_strbuf *sb) {
  if (is(k, "dotted_key")) {
    uint32_t n;
    const TSNode *parts = ll_toml_named_children(t, k, &n);
    for (uint32_t i = 0; i < n; i++) key_path(t, parts[i], sb);
    return;
  }
  if (sb->len) ll_strbuf_addc(sb, '.');
  if (is(k, "quoted_key")) ll_strbuf_add(sb, decode_string(t, k));
  else {
    uint32_t s = ts_node_start_byte(k), e = ts_node_end_byte(k);
    ll_strbuf_addn(sb, t->src.text + s, e - s);
  }
}

static void add_pairs(ll_toml *t, TSNode parent, const char *prefix) {
  uint32_t n;
  const TSNode *kids = ll_toml_named_children(t, parent, &n);
  for (uint32_t i = 0; i < n; i++) {
    TSNode c = kids[i];
    if (!is(c, "pair")) continue;
    ll_strbuf key;
    ll_strbuf_init(&key);
    ll_strbuf_add(&key, prefix);
    key_path(t, ts_node_named_child(c, 0), &key);
    ll_toml_pair p = {.key = ll_arena_strdup(&t->arena, key.data), .value = ts_node_named_child(c, 1),
                      .row = ts_node_start_point(c).row + 1};
    ll_vec_push(&t->pairs, p);
    ll_strbuf_free(&key);
  }
}

static TSNode first_error(TSNode n) {
  if (ts_node_symbol(n) == (TSSymbol)-1 || ts_node_is_missing(n)) return n;
  if (!ts_node_has_error(n)) return (TSNode){0};
  TSNode found = {0};
  TSTreeCursor c = ts_tree_cursor_new(n);
  if (ts_tree_cursor_goto_first_child(&c)) do {
      found = first_error(ts_tree_cursor_current_node(&c));
    } while (ts_node_is_null(found) && ts_tree_cursor_goto_next_sibling(&c));
  ts_tree_cursor_delete(&c);
  return found;
}

int ll_toml_open(ll_toml *t, const char *path, char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  ll_arena_init(&t->arena);
  char why[256];
  if (ll_source_read(&t->src, path, why, sizeof why) != 0) {
    snprintf(err, errlen, "%s: cannot read: %s", path, why);
    return -1;
  }
  t->parser = ts_parser_new();
  ts_parser_set_language(t->parser, tree_sitter_toml());
  t->tree = ts_parser_parse_string(t->parser, NULL, t->src.text, (uint32_t)t->src.len);
  TSNode root = ts_tree_root_node(t->tree);
  if (ts_node_has_error(root)) {
    TSNode e = first_error(root);
    uint32_t row = ts_node_is_null(e) ? 1 : ts_node_start_point(e).row + 1;
    snprintf(err, errlen, "%s:%u: invalid TOML%s", path, row,
             !ts_node_is_null(e) && ts_node_is_missing(e) ? " (something is missing, e.g. a closing bracket)" : "");
    return -1;
  }
  add_pairs(t, root, "");
  uint32_t n;
  const TSNode *top = ll_toml_named_children(t, root, &n);
  for (uint32_t i = 0; i < n; i++) {
    TSNode c = top[i];
    if (!is(c, "table") && !is(c, "table_array_element")) continue;
    ll_strbuf prefix;
    ll_strbuf_init(&prefix);
    key_path(t, ts_node_named_child(c, 0), &prefix); /* add_pairs puts the dot before each key */
    add_pairs(t, c, prefix.data);
    ll_strbuf_free(&prefix);
  }
  return 0;
}

void ll_toml_close(ll_toml *t) {
  if (t->tree) ts_tree_delete(t->tree);
  if (t->parser) ts_parser_delete(t->parser);
  ll_source_free(&t->src);
  ll_vec_free(&t->pairs);
  ll_arena_free(&t->arena);
}

int ll_toml_string(ll_toml *t, TSNode v, const char **out) {
  if (!is(v, "string")) return -1;
  *out = decode_string(t, v);
  return 0;
}

int ll_toml_bool(ll_toml *t, TSNode v, int *out) {
  if (!is(v, "boolean")) return -1;
  *out = t->src.text[ts_node_start_byte(v)] == 't';
  return 0;
}

int ll_toml_is_array(TSNode v) { return is(v, "array"); }
int ll_toml_is_inline_table(TSNode v) { return is(v, "inline_table"); }

const TSNode *ll_toml_array_items(ll_toml *t, TSNode v, uint32_t *n) {
  uint32_t total;
  const TSNode *kids = ll_toml_named_children(t, v, &total);
  TSNode *out = (TSNode *)kids; /* filtered in place: the array is ours */
  uint32_t k = 0;
  for (uint32_t i = 0; i < total; i++)
    if (!is(kids[i], "comment")) out[k++] = kids[i];
  *n = k;
  return out;
}

uint32_t ll_toml_table_items(ll_toml *t, TSNode v, const char ***keys, const TSNode **values) {
  uint32_t total, k = 0;
  const TSNode *kids = ll_toml_named_children(t, v, &total);
  const char **ks = ll_arena_alloc(&t->arena, (total ? total : 1) * sizeof *ks);
  TSNode *vs = ll_arena_alloc(&t->arena, (total ? total : 1) * sizeof *vs);
  ll_strbuf sb;
  ll_strbuf_init(&sb);
  for (uint32_t i = 0; i < total; i++) {
    if (!is(kids[i], "pair")) continue;
    ll_strbuf_clear(&sb);
    key_path(t, ts_node_named_child(kids[i], 0), &sb);
    ks[k] = ll_arena_strdup(&t->arena, sb.data ? sb.data : "");
    vs[k++] = ts_node_named_child(kids[i], 1);
  }
  ll_strbuf_free(&sb);
  *keys = ks;
  *values = vs;
  return k;
}
