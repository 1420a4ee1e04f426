/* siphash.c: SipHash-2-4 (Aumasson and Bernstein) and the process's random key. */
#include "util/siphash.h"

#include <pthread.h>
#include <sys/random.h>
#include <time.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = ROTL(v1, 13);                                                                 \
		v1 ^= v0;                                                                          \
		v0 = ROTL(v0, 32);                                                                 \
		v2 += v3;                                                                          \
		v3 = ROTL(v3, 16);                                                                 \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = ROTL(v3, 21);                                                                 \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = ROTL(v1, 17);                                                                 \
		v1 ^= v2;                                                                          \
		v2 = ROTL(v2, 32);                                                                 \
	} while (0)

/* The little-endian 64-bit word at p. */
static uint64_t load64(const unsigned char *p)
{
	uint64_t m = 0;
	for (int j = 7; j >= 0; j--)
		m = (m << 8) | p[j];
	return m;
}

uint64_t siphash24(uint64_t k0, uint64_t k1, const void *s, size_t n)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	const unsigned char *p = s;
	size_t full = n - n % 8;
	for (size_t i = 0; i < full; i += 8) {
		uint64_t m = load64(p + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	uint64_t last = (uint64_t)(n & 0xff) << 56;
	for (size_t j = 0; j < n % 8; j++)
		last |= (uint64_t)p[full + j] << (8 * j);
	v3 ^= last;
	SIPROUND;
	SIPROUND;
	v0 ^= last;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static uint64_t process_key[2]; /* written once under key_once, read-only after */

static void key_draw(void)
{
	uint64_t key[2];
	if (getrandom(key, sizeof key, GRND_NONBLOCK) != (ssize_t)sizeof key) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		key[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)&ts;
		key[1] = (uint64_t)ts.tv_sec ^ ((uint64_t)(uintptr_t)key << 17);
	}
	process_key[0] = key[0];
	process_key[1] = key[1];
}

void siphash_process_key(uint64_t *k0, uint64_t *k1)
{
	pthread_once(&key_once, key_draw);
	*k0 = process_key[0];
	*k1 = process_key[1];
}

uint64_t siphash_keyed(const void *s, size_t n)
{
	uint64_t k0, k1;
	siphash_process_key(&k0, &k1);
	return siphash24(k0, k1, s, n);
}
