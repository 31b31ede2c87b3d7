#include "media_logging.h"

Q_LOGGING_CATEGORY(lcMediaPrep, "tidings.app.media", QtInfoMsg)
