/* common.h: shared by a.c and b.c. The static inline helper is one function however many
 * files include it; shared_read is defined in b.c and called from a.c. */
#ifndef MULTI_COMMON_H
#define MULTI_COMMON_H
#include <unistd.h>

long shared_read(void);

static inline void common_nap(void) { usleep(1); }

#endif
