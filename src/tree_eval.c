/* tree_eval.c: placeholder, not yet written */
#include "postgres.h"
