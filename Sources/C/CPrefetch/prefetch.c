// Empty: CPrefetch is header-only (a static inline function that Swift inlines); SwiftPM
// needs one source file per C target.
#include "CPrefetch.h"
