/* clock.h: the one monotonic clock. Deadlines everywhere in kaic are absolute
 * CLOCK_MONOTONIC milliseconds from now_ms(); now_s() gives the same clock in
 * seconds for rate measurements. */
#ifndef KAIC_UTIL_CLOCK_H
#define KAIC_UTIL_CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC. */
long long now_ms(void);
/* Seconds on CLOCK_MONOTONIC, with nanosecond resolution. */
double now_s(void);

#endif
