#include "media_logging.h"

Q_LOGGING_CATEGORY(lcServerMedia, "tidings.server.media", QtInfoMsg)
