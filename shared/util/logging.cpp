#include "util/logging.h"

Q_LOGGING_CATEGORY(lcProtocol, "tidings.protocol", QtInfoMsg)
