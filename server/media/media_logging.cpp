#include "media_logging.h"

Q_LOGGING_CATEGORY(lcMedia, "tidings.server.media", QtInfoMsg)
