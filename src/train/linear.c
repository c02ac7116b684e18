/* linear.c: placeholder, not yet written */
#include "postgres.h"
