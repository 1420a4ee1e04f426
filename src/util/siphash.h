/* siphash.h: SipHash-2-4, the keyed 64-bit hash of hash tables whose keys come from
 * outside (names chosen by an exporter or a client cannot force collisions). */
#ifndef KAIC_UTIL_SIPHASH_H
#define KAIC_UTIL_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 of s[0..n) under the 128-bit key (k0, k1). Never fails. */
uint64_t siphash24(uint64_t k0, uint64_t k1, const void *s, size_t n);
/* This process's random key, drawn once from getrandom (the clock when that fails);
 * thread-safe. */
void siphash_process_key(uint64_t *k0, uint64_t *k1);
/* SipHash-2-4 of s[0..n) under the process key. */
uint64_t siphash_keyed(const void *s, size_t n);

#endif
