/* What gtw-hostile passes and tests/e2e/test-hostile.c regenerates to
 * compare: the sizes, argument k of the execve, byte i of the write. One
 * copy for both sides (the workload is plain C, built outside meson). */
#pragma once

#include <stddef.h>
#include <stdio.h>

#define EXEC_ARGS 500
#define EXEC_ARG_LEN 1000
#define WRITE_LEN (1 << 20)

static inline void
exec_arg(char *out, int k)
{
  snprintf(out, EXEC_ARG_LEN + 1, "%03d-", k);
  for (int i = 4; i < EXEC_ARG_LEN; i++)
    out[i] = (char)('a' + (k + i) % 26);
  out[EXEC_ARG_LEN] = '\0';
}

static inline unsigned char
write_byte(size_t i)
{
  return (unsigned char)(i * 7 + 3);
}
