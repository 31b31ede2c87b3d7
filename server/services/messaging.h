#pragma once
// Transitional: tests/integration (another track's files) includes the messaging service by its
// old path. Remove once it includes services/messaging/messaging_service.h.
#include "services/messaging/messaging_service.h"
