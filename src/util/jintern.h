/* jintern.h: sharing equal small JSON subtrees (hash-consing) to shrink big lists.
 *
 * Thousands of listed nodes and ResourceSlice devices repeat the same small values:
 * condition objects, label values, device attribute objects. A table maps the compact,
 * key-sorted serialization of each small value to one canonical instance; jintern_tree
 * replaces every equal copy inside a tree by a reference to it. The shared values are
 * read-only from then on (jansson counts references atomically, so borrowing them from
 * several threads is safe). One table serves the items of one list and is freed after
 * it: the canonical values live on through the references the items hold. */
#ifndef KAIC_UTIL_JINTERN_H
#define KAIC_UTIL_JINTERN_H

#include <jansson.h>

struct jintern;

/* A table that shares values whose serialization is at most max_bytes long. */
struct jintern *jintern_new(size_t max_bytes);
void jintern_free(struct jintern *t);
/* Replaces, inside tree (not tree itself), every small value equal to one seen before
 * by that one. */
void jintern_tree(struct jintern *t, json_t *tree);
/* The copies the table replaced so far. */
size_t jintern_shared(const struct jintern *t);

#endif
