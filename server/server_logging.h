#pragma once
// The server's logging categories live in core/logging.h; db/ (another track's files) still
// includes them by this name until it switches.
#include "core/logging.h"
