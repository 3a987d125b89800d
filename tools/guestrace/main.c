#include <guestrace/guestrace.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
  fprintf(stderr, "guestrace: not implemented yet\n");
  return 2;
}
